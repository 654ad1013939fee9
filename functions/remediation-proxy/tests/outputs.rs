//! The proxy's answer, which the `security-remediation` state machine reads, against its samples
//! in `events/outputs/remediation-proxy/`: a change made, and a dry run.

use shared::remediation::{Outcome, ProxyResult};

#[test]
fn the_state_machine_reads_this_message() {
    let result = |outcome: Outcome, note: &str| ProxyResult {
        remediation: "remediate-finding:live".into(),
        account_id: "111122223333".into(),
        region: "eu-west-1".into(),
        dry_run: outcome == Outcome::WouldRemediate,
        outcome,
        note: note.into(),
    };
    testing::output_sample(
        "remediation-proxy",
        "remediated",
        &result(
            Outcome::Remediated,
            "Remediated by remediate-finding:live: Blocked all public access to bucket \
             'team-reports-111122223333' in account 111122223333.",
        ),
    );
    testing::output_sample(
        "remediation-proxy",
        "dry-run",
        &result(
            Outcome::WouldRemediate,
            "Dry run of remediate-finding:live, nothing changed: Would block all public \
             access to bucket 'team-reports-111122223333' in account 111122223333 (now \
             BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off).",
        ),
    );
}
