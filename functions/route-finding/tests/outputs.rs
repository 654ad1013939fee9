//! The routing decisions the `security-remediation` state machine reads, made from the sample
//! findings, against their sample in `events/outputs/route-finding/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use route_finding::Routed;

#[test]
fn the_state_machine_reads_this_message() {
    let samples = testing::sample_events(
        "route-finding",
        &[
            "bad-custom-product.json",
            "bad-hostile-finding.json",
            "bad-no-findings.json",
            "bad-not-security-hub.json",
            "securityhub-finding-ec2-2.json",
            "securityhub-finding-ec2-7.json",
            "securityhub-finding-iam-7.json",
            "securityhub-finding-kms-4.json",
            "securityhub-finding-lambda-1.json",
            "securityhub-finding-passed.json",
            "securityhub-finding-rds-2.json",
            "securityhub-finding-s3-1.json",
            "securityhub-finding-s3-5.json",
            "securityhub-findings-imported.json",
        ],
    );
    let mut decisions = Vec::new();
    for name in [
        "securityhub-findings-imported.json",
        "securityhub-finding-passed.json",
        "bad-custom-product.json",
    ] {
        decisions.extend(support::route(&samples[name], "S3.8").unwrap());
    }
    let actions: Vec<String> = decisions.iter().map(|d| d.action.to_string()).collect();
    assert_eq!(
        actions,
        ["remediate", "suppress", "notify", "skip", "reject"]
    );
    testing::output_sample("route-finding", "routed", &Routed { decisions });

    // The same findings with a rule that waits for approval before the S3.8 remediation.
    let table = support::TABLE.replacen(
        r#""action": "remediate","#,
        r#""action": "remediate", "approval": {"timeout_minutes": 240},"#,
        1,
    );
    let mut decisions = Vec::new();
    for name in [
        "securityhub-findings-imported.json",
        "securityhub-finding-passed.json",
        "bad-custom-product.json",
    ] {
        decisions.extend(support::route_with(&samples[name], "S3.8", &table).unwrap());
    }
    let approval = decisions[0].approval.expect("the S3.8 remediation waits");
    assert_eq!(approval.timeout_seconds, 14_400);
    testing::output_sample(
        "route-finding",
        "routed-with-approval",
        &Routed { decisions },
    );
}
