//! Every sample under `events/wordpress-to-parquet/` is accepted or refused as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    testing::check_samples_parse::<wordpress_to_parquet::Input>(
        "wordpress-to-parquet",
        &[
            ("after-extract.json", true),
            ("run-by-hand.json", true),
            ("null-input.json", true),
            ("bad-list-of-keys.json", false),
        ],
    );
}

/// The fixtures `aws_lambda_events` ships: the schedule starts a run; an EC2 state change, SNS
/// deliveries and CloudTrail records are refused instead of being taken as "run now".
#[test]
fn aws_lambda_events_fixtures_start_a_run_only_when_scheduled() {
    testing::check_only_the_schedule_parses::<wordpress_to_parquet::Input>();
}
