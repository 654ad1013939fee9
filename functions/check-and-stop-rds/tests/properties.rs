//! Property tests of the event parser: arbitrary JSON and mutated samples (EventBridge, SNS and
//! the state machine's check) never panic it; every resource id it accepts is an RDS
//! identifier, and every execution name it would start is one Step Functions accepts.
//! `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use check_and_stop_rds::{Request, Trigger, execution_name};
use proptest::prelude::*;
use serde_json::Value;
use testing::arbitrary;

const WORDS: &[&str] = &[
    "resource_id",
    "resource_type",
    "instance",
    "cluster",
    "Records",
    "Sns",
    "Message",
    "detail-type",
    "RDS DB Instance Event",
    "RDS DB Cluster Event",
    "detail",
    "EventID",
    "RDS-EVENT-0154",
    "RDS-EVENT-0153",
    "SourceIdentifier",
    "SourceType",
    "Date",
    "id",
    "orders-dev",
];

fn rds_identifier(id: &str) -> bool {
    (1..=63).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn check(event: &Value) {
    match Request::parse(event) {
        Ok(Request::Check { resource_id, .. }) => assert!(rds_identifier(&resource_id)),
        Ok(Request::Sweep | Request::UsageReport { .. }) => {}
        Ok(Request::Trigger(triggers)) => {
            for t in triggers {
                if let Trigger::Event(e) = t {
                    assert!(rds_identifier(&e.resource_id), "{}", e.resource_id);
                    let name = execution_name(&e);
                    assert!(name.len() <= 80, "{name}");
                    assert!(
                        name.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    );
                }
            }
        }
        Err(e) => {
            assert_eq!(e.error_type(), "InvalidInput");
            assert!(!e.to_string().is_empty());
        }
    }
}

proptest! {
    #[test]
    fn any_json_is_parsed_or_refused(event in arbitrary::json(WORDS)) {
        check(&event);
    }

    #[test]
    fn mutated_samples_are_parsed_or_refused(
        event in arbitrary::mutated(arbitrary::samples("check-and-stop-rds"), WORDS)
    ) {
        check(&event);
    }
}
