//! Every sample under `events/index-crawl/` is accepted or refused as expected, before anything
//! is read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use index_crawl::Request;
use shared::Error;
use shared::input::parse;

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    let expected = [
        ("index-run.json", None),
        ("bad-run-id.json", Some("do not name a crawl run")),
        ("bad-unknown-field.json", Some("unknown field `bucket`")),
    ];
    let folder = testing::workspace_root().join("events/index-crawl");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut listed: Vec<String> = expected.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "every sample is listed here");
    for (name, refusal) in expected {
        let event =
            serde_json::from_str(&std::fs::read_to_string(folder.join(name)).unwrap()).unwrap();
        let run = parse::<Request>(event).and_then(Request::run);
        match (run, refusal) {
            (Ok(run), None) => assert_eq!(run.output_prefix(), "crawls/test-site/manual-1/"),
            (Err(Error::InvalidInput(message)), Some(says)) => {
                assert!(message.contains(says), "{name}: {message}")
            }
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
}
