//! Property tests of the remediation's input check: arbitrary JSON and mutated requests never
//! panic it; a target it accepts is in the deployment's own account (the only one configured
//! here), for a control of the catalogue, and names one resource by an id in that account. `PROPTEST_CASES` sets
//! the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use proptest::prelude::*;
use remediate_finding::target::checked;
use serde_json::Value;
use shared::remediation::{Accounts, RemediationRequest};
use testing::arbitrary;

const WORDS: &[&str] = &[
    "finding_id",
    "control_id",
    "S3.8",
    "account_id",
    "111122223333",
    "999999999999",
    "region",
    "eu-west-1",
    "dry_run",
    "resource",
    "type",
    "id",
    "AwsS3Bucket",
    "arn:aws:s3:::exposed-bucket",
    "arn:aws:s3:::b/../x",
    "KMS.4",
    "AwsKmsKey",
    "arn:aws:kms:eu-west-1:999999999999:key/k",
    "AwsAccount",
    "AWS::::Account:999999999999",
    "Lambda.1",
    "AwsLambdaFunction",
    "arn:aws:lambda:eu-west-1:111122223333:function:f:live",
];

fn check(event: Value) -> Result<(), TestCaseError> {
    let Ok(request) = shared::input::parse::<RemediationRequest>(event) else {
        return Ok(());
    };
    let vars = |n: &str| (n == "ACCOUNT_ID").then(|| "111122223333".to_owned());
    let accounts = Accounts::from_vars(&vars).unwrap();
    let resource = request.resource.id.clone();
    if let Ok(t) = checked(request, &accounts) {
        prop_assert_eq!(t.account_id.as_str(), "111122223333");
        prop_assert_eq!(&t.resource_id, &resource);
        if t.control.resource_type == "AwsAccount" {
            prop_assert_eq!(t.resource.as_str(), "111122223333");
        }
        prop_assert!(
            resource.ends_with(&t.resource),
            "{} {}",
            resource,
            t.resource
        );
        prop_assert!(!t.resource.is_empty() && t.resource.len() <= 64);
        prop_assert!(
            t.resource
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'),
            "{}",
            t.resource
        );
        prop_assert!(!t.resource.contains(".."));
        if resource.starts_with("arn:aws:") && !resource.starts_with("arn:aws:s3:::") {
            prop_assert!(
                resource.contains(":eu-west-1:111122223333:"),
                "{}",
                resource
            );
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_json_is_targeted_or_refused(event in arbitrary::json(WORDS)) {
        check(event)?;
    }

    #[test]
    fn mutated_requests_are_targeted_or_refused(
        event in arbitrary::mutated(arbitrary::samples("remediate-finding"), WORDS)
    ) {
        check(event)?;
    }
}
