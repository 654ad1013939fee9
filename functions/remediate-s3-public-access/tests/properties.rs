//! Property tests of the remediation's input check: arbitrary JSON and mutated requests never
//! panic it; a target it accepts is in the deployment's own account (the only one configured
//! here), for control S3.8, and names a bucket S3 could have, by its ARN. `PROPTEST_CASES` sets
//! the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use proptest::prelude::*;
use remediate_s3_public_access::target::checked;
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
        prop_assert_eq!(resource, format!("arn:aws:s3:::{}", t.bucket));
        prop_assert!((3..=63).contains(&t.bucket.len()), "{}", t.bucket);
        prop_assert!(
            t.bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        );
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
        event in arbitrary::mutated(arbitrary::samples("remediate-s3-public-access"), WORDS)
    ) {
        check(event)?;
    }
}
