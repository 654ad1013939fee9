//! Property tests of the router: arbitrary JSON and mutated Security Hub events never panic it;
//! every finding gets one of the five actions; only a FAILED, NEW finding with an Id, a
//! ProductArn and a 12-digit account is ever remediated or suppressed, and a remediation always
//! comes from the routing table, never from the finding. Arbitrary routing tables are parsed
//! or refused, never half-read. `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use proptest::prelude::*;
use route_finding::table::{RemediatedControls, Table};
use route_finding::{findings, route};
use serde_json::Value;
use testing::arbitrary;

const WORDS: &[&str] = &[
    "detail-type",
    "Security Hub Findings - Imported",
    "detail",
    "findings",
    "Id",
    "ProductArn",
    "AwsAccountId",
    "111122223333",
    "Region",
    "Compliance",
    "Status",
    "FAILED",
    "PASSED",
    "SecurityControlId",
    "S3.8",
    "EC2.2",
    "Workflow",
    "NEW",
    "GeneratorId",
    "ProductFields",
    "ControlId",
    "remediation",
    "function",
    "qualifier",
];

const TABLE: &str = r#"{"rules": [
  {"control_id": "S3.8", "action": "remediate",
   "remediation": {"function": "remediate-s3-public-access", "qualifier": "live"}},
  {"control_id": "EC2.2", "action": "suppress", "note": "Locked down by the landing zone"}
]}"#;

fn check(table: &Table, event: &Value) -> Result<(), TestCaseError> {
    let Ok(found) = findings(event) else {
        return Ok(());
    };
    let s3_8 = RemediatedControls::parse("S3.8").unwrap();
    for finding in &found {
        // Nothing is remediated unless its control is opted in.
        let by_default = route(table, &RemediatedControls::default(), finding);
        prop_assert_ne!(by_default.action.as_str(), "remediate");
        prop_assert!(by_default.remediation.is_none());
        let d = route(table, &s3_8, finding);
        prop_assert!(
            ["remediate", "suppress", "notify", "skip", "reject"].contains(&d.action.as_str()),
            "{}",
            d.action
        );
        if d.action == "remediate" || d.action == "suppress" {
            let text = |p: &str| {
                finding
                    .raw
                    .pointer(p)
                    .and_then(Value::as_str)
                    .map(str::trim)
            };
            prop_assert_eq!(text("/Compliance/Status"), Some("FAILED"));
            prop_assert!(matches!(text("/Workflow/Status"), None | Some("" | "NEW")));
            prop_assert!(d.finding_id.is_some() && d.product_arn.is_some());
            let account = d.account_id.clone().unwrap_or_default();
            prop_assert!(account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()));
        }
        if let Some(r) = &d.remediation {
            prop_assert_eq!(d.action.as_str(), "remediate");
            prop_assert_eq!(r.function.as_str(), "remediate-s3-public-access");
            prop_assert_eq!(r.qualifier.as_str(), "live");
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_json_is_routed_or_refused(event in arbitrary::json(WORDS)) {
        check(&Table::parse(TABLE).unwrap(), &event)?;
    }

    #[test]
    fn mutated_events_are_routed_or_refused(
        event in arbitrary::mutated(arbitrary::samples("route-finding"), WORDS)
    ) {
        check(&Table::parse(TABLE).unwrap(), &event)?;
    }

    #[test]
    fn routing_tables_are_parsed_or_refused(
        text in prop_oneof![
            arbitrary::json(&["rules", "control_id", "generator_id", "action", "remediate",
                "suppress", "notify", "remediation", "function", "qualifier", "note"])
                .prop_map(|v| v.to_string()),
            ".{0,80}",
        ]
    ) {
        if let Ok(table) = Table::parse(&text) {
            for rule in &table.rules {
                prop_assert!(rule.control_id.is_some() || rule.generator_id.is_some());
                prop_assert_eq!(
                    rule.action == route_finding::table::Action::Remediate,
                    rule.remediation.is_some()
                );
            }
        }
    }
}
