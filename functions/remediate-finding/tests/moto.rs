//! Every control of the catalogue against moto: STS AssumeRole into the finding's account, a dry
//! run that changes nothing, the fix read back, a second run that changes nothing, a second
//! resource of the same kind (or, for an account setting, another account and Region) left as
//! it was, and the undo step of `docs/security-remediation.md` restoring the state recorded as
//! `before`. moto keeps each account's resources apart, and an assumed role's credentials act in
//! the role's account: account settings are tested in accounts of their own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use remediate_finding::controls::s3_1::AccountPublicAccess;
use remediate_finding::controls::s3_5::SID;
use remediate_finding::controls::s3_8::{Settings, to_s3};
use remediate_finding::{Config, Deps};
use serde_json::{Value, json};
use shared::aws::SdkConfig;
use shared::remediation::{Accounts, Outcome, RemediationResult};
use testing::{bucket, moto, unique};

/// moto's own account and the tests' Region.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const MEMBER: &str = "444455556666";

async fn deps(dry_run: bool, members: &str) -> Deps {
    let aws = moto().await;
    let vars = |n: &str| match n {
        "ACCOUNT_ID" => Some(ACCOUNT.to_owned()),
        "MEMBER_ACCOUNT_IDS" => Some(members.to_owned()),
        _ => None,
    };
    Deps {
        sts: aws_sdk_sts::Client::new(&aws),
        aws,
        config: Config {
            role_name: "SecurityHubRemediationRole".into(),
            dry_run,
            accounts: Accounts::from_vars(&vars).unwrap(),
        },
    }
}

/// The handler on a raw payload, as Lambda delivers it.
async fn handle(deps: &Deps, event: Value) -> shared::Result<RemediationResult> {
    remediate_finding::handle(deps, shared::input::parse(event)?).await
}

fn request(control: &str, kind: &str, id: &str, account: &str) -> Value {
    json!({
        "finding_id": format!("arn:aws:securityhub:{REGION}:{account}:security-control/{control}/finding/{}", unique("f")),
        "control_id": control,
        "account_id": account,
        "region": REGION,
        "resource": {"type": kind, "id": id},
    })
}

fn account_id(account: &str) -> String {
    format!("AWS::::Account:{account}")
}

/// A configuration acting in `account` and `region`, as a role there.
async fn in_account(account: &str, region: &str) -> SdkConfig {
    let aws = moto().await;
    let creds = aws_sdk_sts::Client::new(&aws)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/test-setup"))
        .role_session_name("test-setup")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    aws.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            creds.access_key_id,
            creds.secret_access_key,
            Some(creds.session_token),
            None,
            "test",
        )))
        .region(aws_config::Region::new(region.to_owned()))
        .build()
}

/// A dry run that changes nothing, the fix that changes `state`, and a second run that changes
/// nothing: the fix's result.
async fn fix_once(
    members: &str,
    request: Value,
    state: impl AsyncFn() -> Value,
) -> RemediationResult {
    let start = state().await;
    let dry = handle(&deps(true, members).await, request.clone())
        .await
        .unwrap();
    assert_eq!(dry.outcome, Outcome::WouldRemediate, "{}", dry.summary);
    assert!(dry.summary.starts_with("Would fix"), "{}", dry.summary);
    assert_eq!(dry.after, None);
    assert_eq!(state().await, start, "the dry run changed nothing");

    let fixed = handle(&deps(false, members).await, request.clone())
        .await
        .unwrap();
    assert_eq!(fixed.outcome, Outcome::Remediated, "{}", fixed.summary);
    assert!(fixed.summary.starts_with("Fixed"), "{}", fixed.summary);
    assert!(fixed.before.is_some() && fixed.after.is_some());
    assert_ne!(state().await, start, "the fix changed the resource");

    let again = handle(&deps(false, members).await, request).await.unwrap();
    assert_eq!(
        again.outcome,
        Outcome::AlreadyCompliant,
        "{}",
        again.summary
    );
    fixed
}

// ---- S3.8 and S3.1: Block Public Access ----

async fn bucket_settings(aws: &SdkConfig, bucket: &str) -> Value {
    let s3 = shared::aws::s3_client(aws);
    match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration().unwrap();
            json!(Settings::from_options(
                c.block_public_acls,
                c.ignore_public_acls,
                c.block_public_policy,
                c.restrict_public_buckets,
            ))
        }
        Err(_) => Value::Null,
    }
}

#[tokio::test]
async fn s3_8_blocks_public_access_to_the_one_bucket_and_is_undone() {
    let aws = moto().await;
    let (name, other) = (bucket(&aws).await, bucket(&aws).await);
    let req = request(
        "S3.8",
        "AwsS3Bucket",
        &format!("arn:aws:s3:::{name}"),
        ACCOUNT,
    );
    let fixed = fix_once("", req, async || bucket_settings(&aws, &name).await).await;
    assert_eq!(bucket_settings(&aws, &name).await, json!(Settings::ALL));
    assert_eq!(
        bucket_settings(&aws, &other).await,
        Value::Null,
        "the other bucket"
    );
    assert_eq!(fixed.before, Some(json!(Settings::default())));

    // Undo: `aws s3api put-public-access-block` with the settings before.
    let before: Settings = serde_json::from_value(fixed.before.unwrap()).unwrap();
    shared::aws::s3_client(&aws)
        .put_public_access_block()
        .bucket(&name)
        .public_access_block_configuration(to_s3(&before))
        .send()
        .await
        .unwrap();
    assert_eq!(bucket_settings(&aws, &name).await, json!(before));
}

#[tokio::test]
async fn s3_8_fixes_a_member_accounts_bucket_there_only_when_configured() {
    let member = in_account(MEMBER, REGION).await;
    let name = bucket(&member).await;
    let req = request(
        "S3.8",
        "AwsS3Bucket",
        &format!("arn:aws:s3:::{name}"),
        MEMBER,
    );

    let err = handle(&deps(false, "").await, req.clone())
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput");
    assert!(
        err.to_string()
            .contains("may not act in account 444455556666"),
        "{err}"
    );
    assert_eq!(
        bucket_settings(&member, &name).await,
        Value::Null,
        "nothing changed"
    );

    let outcome = handle(&deps(false, MEMBER).await, req).await.unwrap();
    assert_eq!(outcome.outcome, Outcome::Remediated, "{}", outcome.summary);
    assert_eq!(bucket_settings(&member, &name).await, json!(Settings::ALL));
    assert!(outcome.summary.contains(MEMBER), "{}", outcome.summary);
}

#[tokio::test]
async fn a_missing_bucket_is_not_found() {
    let req = request(
        "S3.8",
        "AwsS3Bucket",
        "arn:aws:s3:::no-such-bucket-anywhere",
        ACCOUNT,
    );
    let err = handle(&deps(false, "").await, req).await.unwrap_err();
    assert_eq!(err.error_type(), "NotFound");
}

async fn account_settings(account: &str) -> Value {
    let fix = AccountPublicAccess::new(&in_account(account, REGION).await);
    match fix
        .s3control
        .get_public_access_block()
        .account_id(account)
        .send()
        .await
    {
        Ok(out) => {
            let c = out.public_access_block_configuration().unwrap();
            json!([
                c.block_public_acls,
                c.ignore_public_acls,
                c.block_public_policy,
                c.restrict_public_buckets
            ])
        }
        Err(_) => Value::Null,
    }
}

#[tokio::test]
async fn s3_1_blocks_public_access_for_the_one_account_and_is_undone() {
    let (account, other) = ("210000000001", "210000000002");
    let members = format!("{account},{other}");
    let in_it = in_account(account, REGION).await;
    let bucket = bucket(&in_it).await;
    let req = request("S3.1", "AwsAccount", &account_id(account), account);
    let fixed = fix_once(&members, req, async || account_settings(account).await).await;
    assert_eq!(
        account_settings(account).await,
        json!([true, true, true, true])
    );
    assert_eq!(
        account_settings(other).await,
        Value::Null,
        "the other account"
    );
    assert_eq!(
        bucket_settings(&in_it, &bucket).await,
        Value::Null,
        "the bucket's own settings"
    );
    assert_eq!(fixed.before, Some(json!(Settings::default())));

    // Undo: there was no account-level block, so `aws s3control delete-public-access-block`.
    AccountPublicAccess::new(&in_it)
        .s3control
        .delete_public_access_block()
        .account_id(account)
        .send()
        .await
        .unwrap();
    assert_eq!(account_settings(account).await, Value::Null);
}

// ---- S3.5: deny requests without TLS, merged into the bucket policy ----

async fn bucket_policy(aws: &SdkConfig, bucket: &str) -> Value {
    match shared::aws::s3_client(aws)
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => serde_json::from_str(out.policy().unwrap()).unwrap(),
        Err(_) => Value::Null,
    }
}

async fn put_policy(aws: &SdkConfig, bucket: &str, policy: &Value) {
    shared::aws::s3_client(aws)
        .put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
}

fn reader_policy(bucket: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "AnalyticsReads", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*"),
    }]})
}

#[tokio::test]
async fn s3_5_adds_the_tls_statement_and_keeps_the_policy_then_is_undone() {
    let aws = moto().await;
    let (name, other) = (bucket(&aws).await, bucket(&aws).await);
    put_policy(&aws, &name, &reader_policy(&name)).await;
    put_policy(&aws, &other, &reader_policy(&other)).await;
    let req = request(
        "S3.5",
        "AwsS3Bucket",
        &format!("arn:aws:s3:::{name}"),
        ACCOUNT,
    );
    let fixed = fix_once("", req, async || bucket_policy(&aws, &name).await).await;

    let now = bucket_policy(&aws, &name).await;
    let statements = now["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(
        statements[0],
        reader_policy(&name)["Statement"][0],
        "kept as it was"
    );
    assert_eq!(statements[1]["Sid"], SID);
    assert_eq!(
        statements[1]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_eq!(
        bucket_policy(&aws, &other).await,
        reader_policy(&other),
        "the other bucket"
    );

    // Undo: the policy without statement DenyInsecureTransport, put back.
    let mut undone = now.clone();
    undone["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != SID);
    put_policy(&aws, &name, &undone).await;
    assert_eq!(
        Some(bucket_policy(&aws, &name).await),
        fixed.before.map(|b| b["policy"].clone())
    );
}

#[tokio::test]
async fn s3_5_gives_a_bucket_without_a_policy_one_of_the_tls_statement() {
    let aws = moto().await;
    let name = bucket(&aws).await;
    let req = request(
        "S3.5",
        "AwsS3Bucket",
        &format!("arn:aws:s3:::{name}"),
        ACCOUNT,
    );
    let fixed = fix_once("", req, async || bucket_policy(&aws, &name).await).await;
    assert_eq!(fixed.before, Some(json!({"policy": null})));
    let now = bucket_policy(&aws, &name).await;
    assert_eq!(now["Statement"].as_array().unwrap().len(), 1);
    // Undo: there was no policy, so `aws s3api delete-bucket-policy`.
    shared::aws::s3_client(&aws)
        .delete_bucket_policy()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(bucket_policy(&aws, &name).await, Value::Null);
}

// ---- EC2.7: EBS encryption by default ----

async fn ebs_default(account: &str, region: &str) -> Value {
    let ec2 = aws_sdk_ec2::Client::new(&in_account(account, region).await);
    let out = ec2.get_ebs_encryption_by_default().send().await.unwrap();
    json!(out.ebs_encryption_by_default)
}

#[tokio::test]
async fn ec2_7_turns_on_ebs_encryption_in_the_one_account_and_region_and_is_undone() {
    let (account, other) = ("210000000003", "210000000004");
    let members = format!("{account},{other}");
    let req = request("EC2.7", "AwsAccount", &account_id(account), account);
    let fixed = fix_once(&members, req, async || ebs_default(account, REGION).await).await;
    assert_eq!(ebs_default(account, REGION).await, json!(true));
    assert_eq!(
        ebs_default(account, "us-west-2").await,
        json!(false),
        "another Region"
    );
    assert_eq!(
        ebs_default(other, REGION).await,
        json!(false),
        "another account"
    );
    assert_eq!(
        fixed.before,
        Some(json!({"ebs_encryption_by_default": false}))
    );

    // Undo: `aws ec2 disable-ebs-encryption-by-default --region us-east-1`.
    aws_sdk_ec2::Client::new(&in_account(account, REGION).await)
        .disable_ebs_encryption_by_default()
        .send()
        .await
        .unwrap();
    assert_eq!(ebs_default(account, REGION).await, json!(false));
}

// ---- KMS.4: key rotation ----

async fn rotation(kms: &aws_sdk_kms::Client, key: &str) -> Value {
    let out = kms
        .get_key_rotation_status()
        .key_id(key)
        .send()
        .await
        .unwrap();
    json!(out.key_rotation_enabled)
}

#[tokio::test]
async fn kms_4_turns_on_rotation_of_the_one_key_and_is_undone() {
    let aws = moto().await;
    let kms = aws_sdk_kms::Client::new(&aws);
    let mut keys = Vec::new();
    for _ in 0..2 {
        let key = kms.create_key().send().await.unwrap().key_metadata.unwrap();
        keys.push(key.arn.unwrap());
    }
    let req = request("KMS.4", "AwsKmsKey", &keys[0], ACCOUNT);
    let fixed = fix_once("", req, async || rotation(&kms, &keys[0]).await).await;
    assert_eq!(rotation(&kms, &keys[0]).await, json!(true));
    assert_eq!(
        rotation(&kms, &keys[1]).await,
        json!(false),
        "the other key"
    );
    assert_eq!(fixed.before, Some(json!({"key_rotation_enabled": false})));

    // Undo: `aws kms disable-key-rotation --key-id ARN`.
    kms.disable_key_rotation()
        .key_id(&keys[0])
        .send()
        .await
        .unwrap();
    assert_eq!(rotation(&kms, &keys[0]).await, json!(false));
}

// ---- IAM.7: password policy, merged ----

async fn password_policy(account: &str) -> Value {
    let iam = aws_sdk_iam::Client::new(&in_account(account, REGION).await);
    match iam.get_account_password_policy().send().await {
        Ok(out) => {
            let p = out.password_policy.unwrap();
            json!({
                "length": p.minimum_password_length, "upper": p.require_uppercase_characters,
                "lower": p.require_lowercase_characters, "numbers": p.require_numbers,
                "symbols": p.require_symbols, "change": p.allow_users_to_change_password,
                "age": p.max_password_age, "reuse": p.password_reuse_prevention,
                "hard_expiry": p.hard_expiry,
            })
        }
        Err(_) => Value::Null,
    }
}

#[tokio::test]
async fn iam_7_raises_the_password_policy_keeping_stricter_settings_and_is_undone() {
    let (account, other) = ("210000000005", "210000000006");
    let members = format!("{account},{other}");
    let iam = aws_sdk_iam::Client::new(&in_account(account, REGION).await);
    iam.update_account_password_policy()
        .minimum_password_length(20)
        .require_numbers(true)
        .allow_users_to_change_password(true)
        .max_password_age(90)
        .password_reuse_prevention(24)
        .send()
        .await
        .unwrap();
    let start = password_policy(account).await;
    let req = request("IAM.7", "AwsAccount", &account_id(account), account);
    let fixed = fix_once(&members, req, async || password_policy(account).await).await;
    let now = password_policy(account).await;
    for (key, value) in [
        ("length", json!(20)),
        ("upper", json!(true)),
        ("lower", json!(true)),
        ("numbers", json!(true)),
        ("symbols", json!(true)),
        ("change", json!(true)),
        ("age", json!(90)),
        ("reuse", json!(24)),
    ] {
        assert_eq!(now[key], value, "{key}: {now}");
    }
    assert_eq!(
        password_policy(other).await,
        Value::Null,
        "the other account"
    );

    // Undo: `aws iam update-account-password-policy` with every setting before.
    let before = fixed.before.unwrap();
    iam.update_account_password_policy()
        .minimum_password_length(before["minimum_password_length"].as_i64().unwrap() as i32)
        .require_uppercase_characters(before["require_uppercase_characters"] == true)
        .require_lowercase_characters(before["require_lowercase_characters"] == true)
        .require_numbers(before["require_numbers"] == true)
        .require_symbols(before["require_symbols"] == true)
        .allow_users_to_change_password(before["allow_users_to_change_password"] == true)
        .set_max_password_age(before["max_password_age"].as_i64().map(|v| v as i32))
        .set_password_reuse_prevention(
            before["password_reuse_prevention"]
                .as_i64()
                .map(|v| v as i32),
        )
        .set_hard_expiry(before["hard_expiry"].as_bool())
        .send()
        .await
        .unwrap();
    assert_eq!(password_policy(account).await, start);
}

// ---- RDS.2: not publicly accessible ----

async fn public_db(rds: &aws_sdk_rds::Client) -> String {
    let id = unique("db").replace('_', "-");
    rds.create_db_instance()
        .db_instance_identifier(&id)
        .engine("postgres")
        .db_instance_class("db.t4g.micro")
        .allocated_storage(20)
        .master_username("admin_user")
        .master_user_password("not-a-real-password")
        .publicly_accessible(true)
        .send()
        .await
        .unwrap();
    id
}

async fn publicly_accessible(rds: &aws_sdk_rds::Client, id: &str) -> Value {
    let out = rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .unwrap();
    json!(out.db_instances()[0].publicly_accessible())
}

#[tokio::test]
async fn rds_2_makes_the_one_instance_private_and_is_undone() {
    let rds = aws_sdk_rds::Client::new(&moto().await);
    let (db, other) = (public_db(&rds).await, public_db(&rds).await);
    let arn = format!("arn:aws:rds:{REGION}:{ACCOUNT}:db:{db}");
    let req = request("RDS.2", "AwsRdsDbInstance", &arn, ACCOUNT);
    let fixed = fix_once("", req, async || publicly_accessible(&rds, &db).await).await;
    assert_eq!(publicly_accessible(&rds, &db).await, json!(false));
    assert_eq!(
        publicly_accessible(&rds, &other).await,
        json!(true),
        "the other instance"
    );
    assert_eq!(fixed.before, Some(json!({"publicly_accessible": true})));

    // Undo: `aws rds modify-db-instance --publicly-accessible --apply-immediately`.
    rds.modify_db_instance()
        .db_instance_identifier(&db)
        .publicly_accessible(true)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    assert_eq!(publicly_accessible(&rds, &db).await, json!(true));
}

// ---- Lambda.1: public invoke statements ----

/// An empty zip archive: moto stores the code without running it.
const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

async fn function_with_public_and_private_statements(aws: &SdkConfig) -> String {
    let iam = aws_sdk_iam::Client::new(aws);
    let role = unique("fn-role");
    let role_arn = iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    let lambda = aws_sdk_lambda::Client::new(aws);
    let name = unique("fn");
    lambda
        .create_function()
        .function_name(&name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role_arn)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(EMPTY_ZIP))
                .build(),
        )
        .send()
        .await
        .unwrap();
    lambda
        .add_permission()
        .function_name(&name)
        .statement_id("anyone")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .unwrap();
    lambda
        .add_permission()
        .function_name(&name)
        .statement_id("uploads-bucket")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_account(ACCOUNT)
        .send()
        .await
        .unwrap();
    name
}

async fn statement_ids(lambda: &aws_sdk_lambda::Client, name: &str) -> Value {
    let policy = lambda
        .get_policy()
        .function_name(name)
        .send()
        .await
        .unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].clone())
        .collect()
}

#[tokio::test]
async fn lambda_1_removes_only_the_public_statement_of_the_one_function_and_is_undone() {
    let aws = moto().await;
    let lambda = aws_sdk_lambda::Client::new(&aws);
    let name = function_with_public_and_private_statements(&aws).await;
    let other = function_with_public_and_private_statements(&aws).await;
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
    let req = request("Lambda.1", "AwsLambdaFunction", &arn, ACCOUNT);
    let fixed = fix_once("", req, async || statement_ids(&lambda, &name).await).await;
    assert_eq!(
        statement_ids(&lambda, &name).await,
        json!(["uploads-bucket"])
    );
    assert_eq!(
        statement_ids(&lambda, &other).await,
        json!(["anyone", "uploads-bucket"]),
        "the other function"
    );
    let before = fixed.before.unwrap();
    assert_eq!(before["public"][0]["Sid"], "anyone");
    assert_eq!(before["kept"], json!(["uploads-bucket"]));

    // Undo: `aws lambda add-permission` with the removed statement's id, principal and action.
    let removed = &before["public"][0];
    lambda
        .add_permission()
        .function_name(&name)
        .statement_id(removed["Sid"].as_str().unwrap())
        .action(removed["Action"].as_str().unwrap())
        .principal("*")
        .send()
        .await
        .unwrap();
    assert_eq!(
        statement_ids(&lambda, &name).await,
        json!(["uploads-bucket", "anyone"])
    );
}

// ---- EC2.2: the default security group's rules ----

async fn group_rules(ec2: &aws_sdk_ec2::Client, id: &str) -> Value {
    let out = ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .unwrap();
    let g = &out.security_groups()[0];
    json!([g.ip_permissions().len(), g.ip_permissions_egress().len()])
}

#[tokio::test]
async fn ec2_2_empties_the_default_group_only_and_is_undone() {
    let ec2 = aws_sdk_ec2::Client::new(&moto().await);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&vpc)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let default = groups.security_groups()[0].group_id().unwrap().to_owned();
    let own = ec2
        .create_security_group()
        .group_name(unique("app"))
        .description("the application's own group")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let https = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(
            aws_sdk_ec2::types::IpRange::builder()
                .cidr_ip("10.0.0.0/8")
                .build(),
        )
        .build();
    for group in [&default, &own] {
        ec2.authorize_security_group_ingress()
            .group_id(group)
            .ip_permissions(https.clone())
            .send()
            .await
            .unwrap();
    }
    let own_before = group_rules(&ec2, &own).await;

    let arn = format!("arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{default}");
    let req = request("EC2.2", "AwsEc2SecurityGroup", &arn, ACCOUNT);
    let fixed = fix_once("", req, async || group_rules(&ec2, &default).await).await;
    assert_eq!(group_rules(&ec2, &default).await, json!([0, 0]));
    assert_eq!(
        group_rules(&ec2, &own).await,
        own_before,
        "the application's group"
    );

    // A group that is not a default group is refused, unchanged.
    let arn = format!("arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{own}");
    let err = handle(
        &deps(false, "").await,
        request("EC2.2", "AwsEc2SecurityGroup", &arn, ACCOUNT),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("not a VPC's default group"),
        "{err}"
    );
    assert_eq!(group_rules(&ec2, &own).await, own_before);

    // Undo: `aws ec2 authorize-security-group-ingress` and `-egress` with the rules recorded.
    let before = fixed.before.unwrap();
    let permissions = |rules: &Value| -> Vec<aws_sdk_ec2::types::IpPermission> {
        rules
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let cidrs = r["IpRanges"].as_array().cloned().unwrap_or_default();
                let groups = r["UserIdGroupPairs"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol(r["IpProtocol"].as_str().unwrap())
                    .set_from_port(r["FromPort"].as_i64().map(|p| p as i32))
                    .set_to_port(r["ToPort"].as_i64().map(|p| p as i32))
                    .set_ip_ranges(Some(
                        cidrs
                            .iter()
                            .map(|c| {
                                aws_sdk_ec2::types::IpRange::builder()
                                    .cidr_ip(c["CidrIp"].as_str().unwrap())
                                    .build()
                            })
                            .collect(),
                    ))
                    .set_user_id_group_pairs(Some(
                        groups
                            .iter()
                            .map(|g| {
                                aws_sdk_ec2::types::UserIdGroupPair::builder()
                                    .group_id(g["GroupId"].as_str().unwrap())
                                    .build()
                            })
                            .collect(),
                    ))
                    .build()
            })
            .collect()
    };
    ec2.authorize_security_group_ingress()
        .group_id(&default)
        .set_ip_permissions(Some(permissions(&before["ingress"])))
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_egress()
        .group_id(&default)
        .set_ip_permissions(Some(permissions(&before["egress"])))
        .send()
        .await
        .unwrap();
    let restored = group_rules(&ec2, &default).await;
    assert_eq!(
        restored,
        json!([
            before["ingress"].as_array().unwrap().len(),
            before["egress"].as_array().unwrap().len()
        ])
    );
    assert_ne!(restored, json!([0, 0]));
}
