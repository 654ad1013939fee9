//! Property tests of the event parser: arbitrary JSON and mutated samples never panic it, and
//! any session id it accepts is one Glue could have issued (non-blank, at most 255 characters,
//! no control characters). `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use proptest::prelude::*;
use serde_json::Value;
use stop_glue_session::Request;
use testing::arbitrary;

const WORDS: &[&str] = &[
    "session_id",
    "detail-type",
    "AWS API Call via CloudTrail",
    "Scheduled Event",
    "detail",
    "eventSource",
    "glue.amazonaws.com",
    "eventName",
    "CreateSession",
    "errorCode",
    "responseElements",
    "requestParameters",
    "session",
    "id",
    "check_limits",
    "idleTimeout",
    "numberOfWorkers",
];

fn check(event: &Value) {
    match Request::parse(event) {
        Ok(Request::Stop { session_id, .. } | Request::CheckLimits { session_id, .. }) => {
            assert!(!session_id.trim().is_empty());
            assert!(session_id.len() <= 255);
            assert!(!session_id.chars().any(char::is_control));
        }
        Ok(Request::Sweep | Request::UsageReport { .. } | Request::Ignore { .. }) => {}
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
        event in arbitrary::mutated(arbitrary::samples("stop-glue-session"), WORDS)
    ) {
        check(&event);
    }
}
