//! The remediation against moto: STS AssumeRole, then S3 Block Public Access read back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use remediate_s3_public_access::{Config, Deps, Outcome, Settings};
use serde_json::{Value, json};
use testing::{bucket, moto};

/// The handler on a raw payload, as Lambda delivers it.
async fn handle(deps: &Deps, event: Value) -> shared::Result<Outcome> {
    remediate_s3_public_access::handle(deps, shared::input::parse(event)?).await
}

const ACCOUNT: &str = "123456789012";

async fn deps(dry_run: bool) -> Deps {
    let aws = moto().await;
    Deps {
        sts: aws_sdk_sts::Client::new(&aws),
        aws,
        config: Config {
            role_name: "SecurityRemediationRole".into(),
            dry_run,
        },
    }
}

fn request(bucket: &str) -> Value {
    json!({
        "finding": {
            "Id": format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:security-control/S3.8/finding/{bucket}"),
            "AwsAccountId": ACCOUNT,
            "Resources": [{"Type": "AwsS3Bucket", "Id": format!("arn:aws:s3:::{bucket}")}],
        },
        "account_id": ACCOUNT,
        "region": "us-east-1",
    })
}

async fn settings(deps: &Deps, bucket: &str) -> Option<Settings> {
    let s3 = shared::aws::s3_client(&deps.aws);
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
    let deps = deps(false).await;
    let name = bucket(&deps.aws).await;
    assert_eq!(settings(&deps, &name).await, None, "no block to start with");

    let first = handle(&deps, request(&name)).await.unwrap();
    assert_eq!(first.action, "blocked");
    assert!(first.changed);
    assert_eq!(
        settings(&deps, &name).await,
        Some(Settings::ALL),
        "read back from S3"
    );

    let second = handle(&deps, request(&name)).await.unwrap();
    assert_eq!(second.action, "already_blocked");
    assert!(!second.changed);
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    for (config_dry_run, request_dry_run) in [(true, false), (false, true)] {
        let deps = deps(config_dry_run).await;
        let name = bucket(&deps.aws).await;
        let mut input = request(&name);
        input["dry_run"] = json!(request_dry_run);
        let outcome = handle(&deps, input).await.unwrap();
        assert_eq!(outcome.action, "would_block");
        assert!(outcome.summary.starts_with("Dry run"));
        assert_eq!(settings(&deps, &name).await, None);
    }
}

#[tokio::test]
async fn a_missing_bucket_is_not_found() {
    let deps = deps(false).await;
    let err = handle(&deps, request("no-such-bucket-anywhere"))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "NotFound");
}
