//! The routing decisions the `security-remediation` state machine reads, made by `route` from
//! the sample findings, against their sample in `events/outputs/route-finding/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use route_finding::table::{RemediatedControls, Table};
use route_finding::{Routed, findings, route};

const TABLE: &str = r#"{"rules": [
    {"control_id": "S3.8", "action": "remediate",
     "remediation": {"function": "remediate-s3-public-access", "qualifier": "live"}},
    {"control_id": "EC2.2", "action": "suppress", "note": "Default security groups are locked by the landing zone."}
]}"#;

#[test]
fn the_state_machine_reads_this_message() {
    let table = Table::parse(TABLE).unwrap();
    let s3_8 = RemediatedControls::parse("S3.8").unwrap();
    let samples = testing::sample_events(
        "route-finding",
        &[
            "bad-hostile-finding.json",
            "bad-no-findings.json",
            "bad-not-security-hub.json",
            "securityhub-finding-passed.json",
            "securityhub-findings-imported.json",
        ],
    );
    let mut decisions = Vec::new();
    for name in [
        "securityhub-findings-imported.json",
        "securityhub-finding-passed.json",
        "bad-hostile-finding.json",
    ] {
        for finding in findings(&samples[name]).unwrap() {
            decisions.push(route(&table, &s3_8, &finding));
        }
    }
    let actions: Vec<String> = decisions.iter().map(|d| d.action.to_string()).collect();
    assert_eq!(
        actions,
        ["remediate", "suppress", "notify", "skip", "reject"]
    );
    testing::output_sample("route-finding", "routed", &Routed { decisions });
}
