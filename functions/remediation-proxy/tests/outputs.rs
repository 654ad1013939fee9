//! The proxy's answer, which the `security-remediation` state machine reads, against its samples
//! in `events/outputs/remediation-proxy/`: a change made, and a dry run.

use shared::remediation::{Outcome, ProxyResult};

#[test]
fn the_state_machine_reads_this_message() {
    let result = |outcome: Outcome, note: &str| {
        ProxyResult {
        remediation: "remediate-finding:live".into(),
        account_id: "111122223333".into(),
        region: "eu-west-1".into(),
        dry_run: outcome == Outcome::WouldRemediate,
        outcome,
        note: note.into(),
        before: r#"{"block_public_acls":false,"ignore_public_acls":false,"block_public_policy":false,"restrict_public_buckets":false}"#.into(),
        after: if outcome == Outcome::Remediated {
            r#"{"block_public_acls":true,"ignore_public_acls":true,"block_public_policy":true,"restrict_public_buckets":true}"#.into()
        } else {
            String::new()
        },
    }
    };
    testing::output_sample(
        "remediation-proxy",
        "remediated",
        &result(
            Outcome::Remediated,
            "Remediated by remediate-finding:live: Fixed S3.8 on bucket \
             'team-reports-111122223333' in account 111122223333 (eu-west-1): BlockPublicAcls, \
             IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets turned on.",
        ),
    );
    testing::output_sample(
        "remediation-proxy",
        "dry-run",
        &result(
            Outcome::WouldRemediate,
            "Dry run of remediate-finding:live, nothing changed: Would fix S3.8 on bucket \
             'team-reports-111122223333' in account 111122223333 (eu-west-1): BlockPublicAcls, \
             IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets turned on.",
        ),
    );
}
