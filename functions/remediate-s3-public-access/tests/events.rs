//! Every sample under `events/remediate-s3-public-access/` is accepted or refused as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use remediate_s3_public_access::target::{Target, checked};
use serde_json::Value;
use shared::remediation::Accounts;

/// Ok: the bucket and dry-run flag. Err: the InvalidInput message contains this text.
type Expected = Result<(&'static str, bool), &'static str>;

fn target(event: Value) -> shared::Result<Target> {
    let vars = |n: &str| (n == "ACCOUNT_ID").then(|| "111122223333".to_owned());
    checked(shared::input::parse(event)?, &Accounts::from_vars(&vars)?)
}

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    let expected: &[(&str, Expected)] = &[
        ("remediate.json", Ok(("team-reports-111122223333", false))),
        (
            "remediate-dry-run.json",
            Ok(("team-reports-111122223333", true)),
        ),
        (
            "bad-not-a-bucket.json",
            Err("fixes S3 buckets, not AwsEc2SecurityGroup"),
        ),
        (
            "bad-other-account.json",
            Err("may not act in account 999999999999"),
        ),
        (
            "bad-bucket-name-not-arn.json",
            Err("is not an S3 bucket ARN"),
        ),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in testing::sample_events("remediate-s3-public-access", &names) {
        let want = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
        match (target(event), want) {
            (Ok(t), Ok((bucket, dry_run))) => {
                assert_eq!(
                    (t.bucket.as_str(), t.dry_run),
                    (*bucket, *dry_run),
                    "{name}"
                );
            }
            (Err(e), Err(text)) => {
                assert_eq!(e.error_type(), "InvalidInput", "{name}");
                assert!(e.to_string().contains(text), "{name}: {e}");
            }
            (got, _) => panic!("{name}: unexpected {got:?}"),
        }
    }
}
