//! Every sample under `events/extract-wordpress/` is accepted or refused as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    let expected = [
        ("scheduled-run.json", true),
        ("eventbridge-scheduled-event.json", true),
        ("bad-not-an-object.json", false),
        ("bad-list-instead-of-object.json", false),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in testing::sample_events("extract-wordpress", &names) {
        let accepted = expected.iter().find(|(n, _)| *n == name).unwrap().1;
        let result = shared::input::parse::<shared::input::Start>(event).map(|_| ());
        match result {
            Ok(()) => assert!(accepted, "{name} should be refused"),
            Err(e) => {
                assert!(!accepted, "{name}: {e}");
                assert_eq!(e.error_type(), "InvalidInput", "{name}");
            }
        }
    }
}
