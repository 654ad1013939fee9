//! Property tests of the router: arbitrary JSON and mutated Security Hub events never panic it;
//! every finding gets one of the five actions; a finding is remediated only when the event came
//! from Security Hub in the deployment's account and the finding is Security Hub's own S3.8
//! finding (product ARN, Id and GeneratorId agreeing with its Region and account), ACTIVE,
//! FAILED and NEW, about one S3 bucket; and a remediation always comes from the routing table,
//! never from the finding. Arbitrary routing tables are parsed or refused, never half-read.
//! `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use proptest::prelude::*;
use route_finding::table::Table;
use serde_json::Value;
use testing::arbitrary;

const WORDS: &[&str] = &[
    "detail-type",
    "Security Hub Findings - Imported",
    "source",
    "aws.securityhub",
    "account",
    "detail",
    "findings",
    "Id",
    "ProductArn",
    "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
    "AwsAccountId",
    "111122223333",
    "Region",
    "eu-west-1",
    "RecordState",
    "ACTIVE",
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
    "security-control/S3.8",
    "ProductFields",
    "ControlId",
    "Resources",
    "Type",
    "AwsS3Bucket",
    "remediation",
    "function",
    "qualifier",
];

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn check(event: &Value) -> Result<(), TestCaseError> {
    let Ok(by_default) = support::route(event, "") else {
        return Ok(());
    };
    // Nothing is remediated unless its control is opted in.
    for d in &by_default {
        prop_assert_ne!(d.action.as_str(), "remediate");
        prop_assert!(d.remediation.is_none());
    }
    let decisions = support::route(event, "S3.8").unwrap();
    let findings = event
        .pointer("/detail/findings")
        .and_then(Value::as_array)
        .unwrap();
    prop_assert_eq!(decisions.len(), findings.len());
    for (d, f) in decisions.iter().zip(findings) {
        prop_assert!(
            ["remediate", "suppress", "notify", "skip", "reject"].contains(&d.action.as_str()),
            "{}",
            d.action
        );
        if d.action == "remediate" || d.action == "suppress" {
            prop_assert_eq!(text(event, "/source"), Some("aws.securityhub"));
            prop_assert_eq!(text(event, "/account"), Some("111122223333"));
            prop_assert_eq!(text(f, "/RecordState"), Some("ACTIVE"));
            prop_assert_eq!(text(f, "/Compliance/Status"), Some("FAILED"));
            prop_assert_eq!(text(f, "/Workflow/Status"), Some("NEW"));
            let region = text(f, "/Region").unwrap();
            let product = format!("arn:aws:securityhub:{region}::product/aws/securityhub");
            prop_assert_eq!(text(f, "/ProductArn"), Some(product.as_str()));
            let account = text(f, "/AwsAccountId").unwrap();
            let prefix = format!("arn:aws:securityhub:{region}:{account}:");
            prop_assert!(text(f, "/Id").unwrap().starts_with(&prefix));
        }
        if d.action == "remediate" {
            prop_assert_eq!(text(f, "/AwsAccountId"), Some("111122223333"));
            prop_assert_eq!(d.control_id.as_deref(), Some("S3.8"));
            let resources = f["Resources"].as_array().unwrap();
            prop_assert_eq!(resources.len(), 1);
            prop_assert_eq!(text(&resources[0], "/Type"), Some("AwsS3Bucket"));
            let r = d.remediation.as_ref().unwrap();
            prop_assert_eq!(r.function.as_str(), "remediate-finding");
            prop_assert_eq!(r.qualifier.as_str(), "live");
        } else {
            prop_assert!(d.remediation.is_none() && d.resource.is_none());
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_json_is_routed_or_refused(event in arbitrary::json(WORDS)) {
        check(&event)?;
    }

    #[test]
    fn mutated_events_are_routed_or_refused(
        event in arbitrary::mutated(arbitrary::samples("route-finding"), WORDS)
    ) {
        check(&event)?;
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
