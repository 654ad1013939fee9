//! Every sample under `events/extract-wordpress/` is accepted or refused as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    testing::check_samples_parse::<extract_wordpress::Input>(
        "extract-wordpress",
        &[
            ("scheduled-run.json", true),
            ("eventbridge-scheduled-event.json", true),
            ("state-machine-run.json", true),
            ("bad-not-an-object.json", false),
            ("bad-list-instead-of-object.json", false),
            ("bad-run-date.json", false),
            ("bad-run-with-other-fields.json", false),
        ],
    );
}

/// The fixtures `aws_lambda_events` ships: the schedule starts a run; an EC2 state change, SNS
/// deliveries and CloudTrail records are refused instead of being taken as "run now".
#[test]
fn aws_lambda_events_fixtures_start_a_run_only_when_scheduled() {
    testing::check_only_the_schedule_parses::<extract_wordpress::Input>();
}

/// The run's date: the state machine's, a schedule's, or today's.
#[test]
fn the_run_date_comes_from_the_state_machine_or_the_schedule() {
    let date = |event: serde_json::Value| {
        shared::input::parse::<extract_wordpress::Input>(event)
            .unwrap()
            .run_date()
            .to_string()
    };
    assert_eq!(
        date(serde_json::json!({"run_date": "2026-12-06"})),
        "2026-12-06"
    );
    let scheduled = testing::sample_events(
        "extract-wordpress",
        &[
            "bad-list-instead-of-object.json",
            "bad-not-an-object.json",
            "bad-run-date.json",
            "bad-run-with-other-fields.json",
            "eventbridge-scheduled-event.json",
            "scheduled-run.json",
            "state-machine-run.json",
        ],
    )["eventbridge-scheduled-event.json"]
        .clone();
    let time = scheduled["time"].as_str().unwrap()[..10].to_owned();
    assert_eq!(date(scheduled), time);
}
