//! The remediation against moto: STS AssumeRole, then S3 Block Public Access read back, in the
//! deployment's own account and in a member account (moto keeps each account's buckets apart,
//! and an assumed role's credentials act in the role's account).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use aws_sdk_s3::config::Credentials;
use remediate_s3_public_access::{Config, Deps, Settings};
use serde_json::{Value, json};
use shared::remediation::{Accounts, Outcome, RemediationResult};
use testing::{bucket, moto, unique};

/// moto's own account.
const ACCOUNT: &str = "123456789012";
const MEMBER: &str = "444455556666";

/// The handler on a raw payload, as Lambda delivers it.
async fn handle(deps: &Deps, event: Value) -> shared::Result<RemediationResult> {
    remediate_s3_public_access::handle(deps, shared::input::parse(event)?).await
}

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

fn request(bucket: &str, account: &str) -> Value {
    json!({
        "finding_id": format!("arn:aws:securityhub:us-east-1:{account}:security-control/S3.8/finding/{bucket}"),
        "control_id": "S3.8",
        "account_id": account,
        "region": "us-east-1",
        "resource": {"type": "AwsS3Bucket", "id": format!("arn:aws:s3:::{bucket}")},
    })
}

/// An S3 client acting in `account`, as a role there.
async fn s3_in(deps: &Deps, account: &str) -> aws_sdk_s3::Client {
    let creds = deps
        .sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/test-setup"))
        .role_session_name("test-setup")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let config = aws_sdk_s3::config::Builder::from(&deps.aws)
        .credentials_provider(Credentials::new(
            creds.access_key_id,
            creds.secret_access_key,
            Some(creds.session_token),
            None,
            "test",
        ))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

async fn settings(s3: &aws_sdk_s3::Client, bucket: &str) -> Option<Settings> {
    match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration().unwrap();
            Some(Settings {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            })
        }
        Err(_) => None,
    }
}

#[tokio::test]
async fn blocks_public_access_once_then_changes_nothing() {
    let deps = deps(false, "").await;
    let name = bucket(&deps.aws).await;
    let s3 = shared::aws::s3_client(&deps.aws);
    assert_eq!(settings(&s3, &name).await, None, "no block to start with");

    let first = handle(&deps, request(&name, ACCOUNT)).await.unwrap();
    assert_eq!(first.outcome, Outcome::Remediated);
    assert_eq!(
        settings(&s3, &name).await,
        Some(Settings::ALL),
        "read back from S3"
    );

    let second = handle(&deps, request(&name, ACCOUNT)).await.unwrap();
    assert_eq!(second.outcome, Outcome::AlreadyCompliant);
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    for (config_dry_run, request_dry_run) in [(true, false), (false, true)] {
        let deps = deps(config_dry_run, "").await;
        let name = bucket(&deps.aws).await;
        let mut input = request(&name, ACCOUNT);
        input["dry_run"] = json!(request_dry_run);
        let outcome = handle(&deps, input).await.unwrap();
        assert_eq!(outcome.outcome, Outcome::WouldRemediate);
        assert!(
            outcome.summary.starts_with("Would block"),
            "{}",
            outcome.summary
        );
        assert_eq!(
            settings(&shared::aws::s3_client(&deps.aws), &name).await,
            None
        );
    }
}

#[tokio::test]
async fn a_member_accounts_bucket_is_fixed_in_that_account_only_when_configured() {
    let refusing = deps(false, "").await;
    let member_s3 = s3_in(&refusing, MEMBER).await;
    let name = unique("member-bucket");
    member_s3
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .unwrap();

    let err = handle(&refusing, request(&name, MEMBER)).await.unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput");
    assert!(
        err.to_string()
            .contains("may not act in account 444455556666"),
        "{err}"
    );
    assert_eq!(settings(&member_s3, &name).await, None, "nothing changed");

    let configured = deps(false, MEMBER).await;
    let outcome = handle(&configured, request(&name, MEMBER)).await.unwrap();
    assert_eq!(outcome.outcome, Outcome::Remediated, "{}", outcome.summary);
    assert_eq!(settings(&member_s3, &name).await, Some(Settings::ALL));
    assert!(outcome.summary.contains(MEMBER), "{}", outcome.summary);
}

#[tokio::test]
async fn a_missing_bucket_is_not_found() {
    let deps = deps(false, "").await;
    let err = handle(&deps, request("no-such-bucket-anywhere", ACCOUNT))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "NotFound");
}
