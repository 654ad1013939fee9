//! Every sample under `events/route-finding/` routes as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use route_finding::table::{RemediatedControls, Table};
use route_finding::{findings, route};

const TABLE: &str = r#"{"rules": [
    {"control_id": "S3.8", "action": "remediate",
     "remediation": {"function": "remediate-s3-public-access", "qualifier": "live"}},
    {"control_id": "EC2.2", "action": "suppress", "note": "Default security groups are locked by the landing zone."}
]}"#;

#[test]
fn every_sample_event_routes_as_expected() {
    // Ok: the action per finding. Err: the InvalidInput message contains this text.
    let expected: &[(&str, Result<&[&str], &str>)] = &[
        (
            "securityhub-findings-imported.json",
            Ok(&["remediate", "suppress", "notify"]),
        ),
        ("securityhub-finding-passed.json", Ok(&["skip"])),
        ("bad-hostile-finding.json", Ok(&["reject"])),
        (
            "bad-not-security-hub.json",
            Err("got detail-type 'Scheduled Event'"),
        ),
        ("bad-no-findings.json", Err("detail.findings is empty")),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    let table = Table::parse(TABLE).unwrap();
    let s3_8 = RemediatedControls::parse("S3.8").unwrap();
    for (name, event) in testing::sample_events("route-finding", &names) {
        let want = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
        match (findings(&event), want) {
            (Ok(found), Ok(actions)) => {
                let got: Vec<String> = found
                    .iter()
                    .map(|f| route(&table, &s3_8, f).action.to_string())
                    .collect();
                assert_eq!(got, *actions, "{name}");
                // As deployed by default, with no control opted in: nothing is remediated.
                let none = RemediatedControls::default();
                let by_default: Vec<String> = found
                    .iter()
                    .map(|f| route(&table, &none, f).action.to_string())
                    .collect();
                let expected: Vec<&str> = actions
                    .iter()
                    .map(|a| if *a == "remediate" { "notify" } else { a })
                    .collect();
                assert_eq!(by_default, expected, "{name}");
            }
            (Err(e), Err(text)) => {
                assert_eq!(e.error_type(), "InvalidInput", "{name}");
                assert!(e.to_string().contains(text), "{name}: {e}");
            }
            (got, _) => panic!("{name}: unexpected {got:?}"),
        }
    }
}

/// The fixtures `aws_lambda_events` ships are none of them Security Hub findings: each is
/// refused, naming what it is.
#[test]
fn aws_lambda_events_fixtures_are_refused() {
    for (name, event) in testing::lambda_events_fixtures(testing::LAMBDA_EVENTS_FIXTURES) {
        let err = findings(&event).unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput", "{name}");
        assert!(
            err.to_string()
                .contains("expected an EventBridge 'Security Hub Findings - Imported' event"),
            "{name}: {err}"
        );
    }
}
