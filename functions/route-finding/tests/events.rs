//! Every sample under `events/route-finding/` routes as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use route_finding::findings_event;
use support::route;

#[test]
fn every_sample_event_routes_as_expected() {
    // Ok: the action per finding. Err: the InvalidInput message contains this text.
    let expected: &[(&str, Result<&[&str], &str>)] = &[
        (
            "securityhub-findings-imported.json",
            Ok(&["remediate", "suppress", "notify"]),
        ),
        ("securityhub-finding-passed.json", Ok(&["skip"])),
        // One finding of each further control of the catalogue: with this table (S3.8
        // remediated, EC2.2 suppressed), notified; `catalogue.rs` remediates each.
        ("securityhub-finding-s3-1.json", Ok(&["notify"])),
        ("securityhub-finding-s3-5.json", Ok(&["notify"])),
        ("securityhub-finding-ec2-2.json", Ok(&["suppress"])),
        ("securityhub-finding-ec2-7.json", Ok(&["notify"])),
        ("securityhub-finding-iam-7.json", Ok(&["notify"])),
        ("securityhub-finding-kms-4.json", Ok(&["notify"])),
        ("securityhub-finding-lambda-1.json", Ok(&["notify"])),
        ("securityhub-finding-rds-2.json", Ok(&["notify"])),
        ("bad-hostile-finding.json", Ok(&["reject"])),
        ("bad-custom-product.json", Ok(&["reject"])),
        (
            "bad-not-security-hub.json",
            Err("got detail-type 'Scheduled Event'"),
        ),
        ("bad-no-findings.json", Err("detail.findings is empty")),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in testing::sample_events("route-finding", &names) {
        let want = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
        match (route(&event, "S3.8"), want) {
            (Ok(found), Ok(actions)) => {
                let got: Vec<String> = found.iter().map(|d| d.action.to_string()).collect();
                assert_eq!(got, *actions, "{name}");
                // As deployed by default, with no control opted in: nothing is remediated.
                let by_default: Vec<String> = route(&event, "")
                    .unwrap()
                    .iter()
                    .map(|d| d.action.to_string())
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
        let err = findings_event(&event).unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput", "{name}");
        assert!(
            err.to_string()
                .contains("expected an EventBridge 'Security Hub Findings - Imported' event"),
            "{name}: {err}"
        );
    }
}
