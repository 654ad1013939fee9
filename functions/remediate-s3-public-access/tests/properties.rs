//! Property tests of the remediation's input check: arbitrary JSON and mutated requests never
//! panic it; a target it accepts names a 12-digit account that the finding (if it names one)
//! agrees with, and a bucket name S3 could have. `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use proptest::prelude::*;
use remediate_s3_public_access::finding::target;
use serde_json::Value;
use testing::arbitrary;

const WORDS: &[&str] = &[
    "finding",
    "account_id",
    "111122223333",
    "region",
    "eu-west-1",
    "dry_run",
    "Id",
    "AwsAccountId",
    "Resources",
    "Type",
    "AwsS3Bucket",
    "arn:aws:s3:::exposed-bucket",
    "arn:aws:s3:::b/../x",
];

fn check(event: Value) -> Result<(), TestCaseError> {
    let finding_account = event
        .pointer("/finding/AwsAccountId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Ok(t) = target(event) {
        prop_assert!(t.account_id.len() == 12 && t.account_id.chars().all(|c| c.is_ascii_digit()));
        if let Some(a) = finding_account {
            prop_assert_eq!(a, t.account_id);
        }
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
