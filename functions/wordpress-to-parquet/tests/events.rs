//! Every sample under `events/wordpress-to-parquet/` is accepted or refused as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    let expected = [
        ("after-extract.json", true),
        ("run-by-hand.json", true),
        ("null-input.json", true),
        ("bad-list-of-keys.json", false),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in testing::sample_events("wordpress-to-parquet", &names) {
        let accepted = expected.iter().find(|(n, _)| *n == name).unwrap().1;
        let result = shared::input::parse::<wordpress_to_parquet::Input>(event).map(|_| ());
        match result {
            Ok(()) => assert!(accepted, "{name} should be refused"),
            Err(e) => {
                assert!(!accepted, "{name}: {e}");
                assert_eq!(e.error_type(), "InvalidInput", "{name}");
            }
        }
    }
}

/// The fixtures `aws_lambda_events` ships: the schedule starts a run; an EC2 state change, SNS
/// deliveries and CloudTrail records are refused instead of being taken as "run now".
#[test]
fn aws_lambda_events_fixtures_start_a_run_only_when_scheduled() {
    for (name, event) in testing::lambda_events_fixtures(testing::LAMBDA_EVENTS_FIXTURES) {
        let result = shared::input::parse::<wordpress_to_parquet::Input>(event);
        if name == "example-eventbridge-schedule.json" {
            assert!(result.is_ok(), "{name}: {result:?}");
        } else {
            let err = result.unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput", "{name}");
        }
    }
}
