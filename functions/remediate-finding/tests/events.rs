//! Every sample under `events/remediate-finding/` is accepted or refused as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use remediate_finding::target::{Target, checked};
use serde_json::Value;
use shared::remediation::Accounts;

/// Ok: the control, the resource and the dry-run flag. Err: the InvalidInput message contains
/// this text.
type Expected = Result<(&'static str, &'static str, bool), &'static str>;

fn target(event: Value) -> shared::Result<Target> {
    let vars = |n: &str| (n == "ACCOUNT_ID").then(|| "111122223333".to_owned());
    checked(shared::input::parse(event)?, &Accounts::from_vars(&vars)?)
}

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    let expected: &[(&str, Expected)] = &[
        (
            "remediate-s3-8.json",
            Ok(("S3.8", "team-reports-111122223333", false)),
        ),
        (
            "remediate-s3-8-dry-run.json",
            Ok(("S3.8", "team-reports-111122223333", true)),
        ),
        ("remediate-s3-1.json", Ok(("S3.1", "111122223333", false))),
        (
            "remediate-s3-5.json",
            Ok(("S3.5", "team-reports-111122223333", false)),
        ),
        (
            "remediate-ec2-2.json",
            Ok(("EC2.2", "sg-0a1b2c3d4e5f67890", false)),
        ),
        ("remediate-ec2-7.json", Ok(("EC2.7", "111122223333", false))),
        ("remediate-iam-7.json", Ok(("IAM.7", "111122223333", false))),
        (
            "remediate-kms-4.json",
            Ok(("KMS.4", "1234abcd-12ab-34cd-56ef-1234567890ab", false)),
        ),
        (
            "remediate-lambda-1.json",
            Ok(("Lambda.1", "thumbnail-maker", false)),
        ),
        ("remediate-rds-2.json", Ok(("RDS.2", "orders-db", false))),
        (
            "bad-not-a-bucket.json",
            Err("of type AwsEc2SecurityGroup, not the AwsS3Bucket control S3.8"),
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
    for (name, event) in testing::sample_events("remediate-finding", &names) {
        let want = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
        match (target(event), want) {
            (Ok(t), Ok((control, resource, dry_run))) => {
                assert_eq!(
                    (t.control.id, t.resource.as_str(), t.dry_run),
                    (*control, *resource, *dry_run),
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

/// Every control of the catalogue has a sample request.
#[test]
fn every_control_has_a_sample() {
    for control in shared::remediation::CONTROLS {
        let file = format!(
            "remediate-{}.json",
            control.id.to_lowercase().replace('.', "-")
        );
        let path = testing::workspace_root()
            .join("events/remediate-finding")
            .join(&file);
        assert!(path.exists(), "{file}");
    }
}
