//! Every sample under `events/remediation-proxy/` invokes the remediation or is refused without
//! invoking anything, as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use lambda_runtime::Diagnostic;
use serde_json::json;
use support::{blocked, deps, finding, get_findings, handle, remediation_answers};

#[tokio::test]
async fn every_sample_event_is_invoked_or_refused_as_expected() {
    // Ok: invoked. Err: refused with this errorType, nothing invoked.
    let expected: &[(&str, Result<(), &str>)] = &[
        ("remediate-s3-finding.json", Ok(())),
        ("remediate-s3-finding-dry-run.json", Ok(())),
        ("bad-not-allowlisted.json", Err("RemediationNotAllowed")),
        ("bad-account-id.json", Err("InvalidInput")),
        ("bad-other-account.json", Err("InvalidInput")),
        ("bad-no-finding-id.json", Err("InvalidInput")),
        ("bad-whole-finding.json", Err("InvalidInput")),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in testing::sample_events("remediation-proxy", &names) {
        let invoke = if name.contains("dry-run") {
            remediation_answers(json!({"outcome": "would_remediate", "summary": "Would block it."}))
        } else {
            blocked()
        };
        let hub = get_findings(vec![finding()]);
        let deps = deps(&[&invoke], &[&hub], false, "");
        let want = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
        match (handle(&deps, event).await, want) {
            (Ok(_), Ok(())) => assert_eq!(invoke.num_calls(), 1, "{name}"),
            (Err(e), Err(error_type)) => {
                assert_eq!(Diagnostic::from(e).error_type, *error_type, "{name}");
                assert_eq!(invoke.num_calls(), 0, "{name}");
            }
            (got, _) => panic!("{name}: unexpected {got:?}"),
        }
    }
}
