//! Every sample under `events/remediate-s3-public-access/` is accepted or refused as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use remediate_s3_public_access::finding::target;

/// Ok: the bucket and dry-run flag. Err: the InvalidInput message contains this text.
type Expected = Result<(&'static str, bool), &'static str>;

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    let expected: &[(&str, Expected)] = &[
        ("remediate.json", Ok(("team-reports-111122223333", false))),
        (
            "remediate-dry-run.json",
            Ok(("team-reports-111122223333", true)),
        ),
        (
            "bad-no-bucket-resource.json",
            Err("no AwsS3Bucket resource"),
        ),
        (
            "bad-other-account.json",
            Err("is about account 111122223333, not 999999999999"),
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
