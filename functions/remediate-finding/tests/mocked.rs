//! What the remediation sends AWS, against mocked clients: the role it assumes and its session
//! policy, and `ExpectedBucketOwner` on every S3 call, so that a bucket of the same name in
//! another account is never read or changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_s3::error::ErrorMetadata;
use aws_sdk_s3::operation::get_public_access_block::{
    GetPublicAccessBlockError, GetPublicAccessBlockOutput,
};
use aws_sdk_s3::operation::put_public_access_block::PutPublicAccessBlockOutput;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use remediate_finding::controls::run;
use remediate_finding::controls::s3_8::{BucketPublicAccess, Settings, to_s3};
use remediate_finding::session::in_target;
use remediate_finding::target::Target;
use remediate_finding::{Config, Deps};
use serde_json::Value;
use shared::remediation::{Accounts, Outcome};

const MEMBER: &str = "444455556666";

fn target(dry_run: bool) -> Target {
    Target {
        finding_id: "arn:aws:securityhub:us-west-2:444455556666:security-control/S3.8/finding/1"
            .into(),
        control: shared::remediation::control("S3.8").unwrap(),
        account_id: MEMBER.into(),
        region: "us-west-2".into(),
        partition: "aws",
        resource_id: "arn:aws:s3:::team-reports".into(),
        resource: "team-reports".into(),
        dry_run,
    }
}

#[tokio::test]
async fn the_session_is_the_member_role_limited_to_the_bucket() {
    let assume = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(|r| {
            let policy: Value = serde_json::from_str(r.policy().unwrap_or("{}")).unwrap();
            let statement = &policy["Statement"][1];
            r.role_arn() == Some("arn:aws:iam::444455556666:role/SecurityHubRemediationRole")
                && statement["Resource"] == "arn:aws:s3:::team-reports"
                && statement["Condition"]["StringEquals"]["s3:ResourceAccount"] == MEMBER
        })
        .then_output(|| {
            let credentials = aws_sdk_sts::types::Credentials::builder()
                .access_key_id("AKIA")
                .secret_access_key("secret")
                .session_token("token")
                .expiration(aws_sdk_sts::primitives::DateTime::from_secs(4_000_000_000))
                .build()
                .unwrap();
            AssumeRoleOutput::builder().credentials(credentials).build()
        });
    let vars = |n: &str| match n {
        "ACCOUNT_ID" => Some("111122223333".to_owned()),
        "MEMBER_ACCOUNT_IDS" => Some(MEMBER.to_owned()),
        "REMEDIATION_ROLE_NAME" => Some("SecurityHubRemediationRole".to_owned()),
        _ => None,
    };
    let deps = Deps {
        sts: mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume]),
        aws: shared::aws::SdkConfig::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .build(),
        config: Config::from_vars(&vars).unwrap(),
    };
    assert_eq!(deps.config.accounts, Accounts::from_vars(&vars).unwrap());
    in_target(&deps, &target(false)).await.unwrap();
    assert_eq!(assume.num_calls(), 1);
}

#[tokio::test]
async fn every_s3_call_names_the_expected_bucket_owner() {
    let owned = |owner: Option<&str>| owner == Some(MEMBER);
    let get_none = mock!(aws_sdk_s3::Client::get_public_access_block)
        .match_requests(move |r| {
            r.bucket() == Some("team-reports") && owned(r.expected_bucket_owner())
        })
        .sequence()
        .error(|| {
            GetPublicAccessBlockError::generic(
                ErrorMetadata::builder()
                    .code("NoSuchPublicAccessBlockConfiguration")
                    .build(),
            )
        })
        .output(|| {
            GetPublicAccessBlockOutput::builder()
                .public_access_block_configuration(to_s3(&Settings::ALL))
                .build()
        })
        .build();
    let put = mock!(aws_sdk_s3::Client::put_public_access_block)
        .match_requests(move |r| {
            r.bucket() == Some("team-reports") && owned(r.expected_bucket_owner())
        })
        .then_output(|| PutPublicAccessBlockOutput::builder().build());
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&get_none, &put]);
    let result = run(&BucketPublicAccess { s3 }, &target(false))
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::Remediated);
    assert_eq!((get_none.num_calls(), put.num_calls()), (2, 1));
}

#[tokio::test]
async fn a_dry_run_only_reads() {
    let get = mock!(aws_sdk_s3::Client::get_public_access_block)
        .match_requests(|r| r.expected_bucket_owner() == Some(MEMBER))
        .then_error(|| {
            GetPublicAccessBlockError::generic(
                ErrorMetadata::builder()
                    .code("NoSuchPublicAccessBlockConfiguration")
                    .build(),
            )
        });
    let put = mock!(aws_sdk_s3::Client::put_public_access_block)
        .then_output(|| PutPublicAccessBlockOutput::builder().build());
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&get, &put]);
    let result = run(&BucketPublicAccess { s3 }, &target(true))
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::WouldRemediate);
    assert!(
        result
            .summary
            .starts_with("Would fix S3.8 on bucket 'team-reports'"),
        "{}",
        result.summary
    );
    assert_eq!(put.num_calls(), 0);
}
