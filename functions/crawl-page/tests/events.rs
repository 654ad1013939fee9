//! Every sample under `events/crawl-page/` is accepted or refused as expected: the crawls a user
//! starts the state machine with (`start-crawl*`, `bad-*` without an action) as the start step
//! sees them, a resumed run (`resume-*`) as the next-batch step sees it, and the steps' own
//! events as they are.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use crawl_page::Request;
use serde_json::{Value, json};
use shared::input::parse;

#[test]
fn every_sample_event_is_accepted_or_refused_as_expected() {
    let expected = [
        ("start-crawl.json", None),
        ("start-crawl-keywords.json", None),
        ("start-crawl-local.json", None),
        ("start-crawl-sites.json", None),
        ("start-crawl-site-list.json", None),
        ("resume-crawl.json", None),
        ("step-start.json", None),
        ("step-next.json", None),
        ("step-next-after-a-batch.json", None),
        ("step-work.json", None),
        ("step-work-distributed.json", None),
        ("step-finish.json", None),
        ("bad-no-start-paths.json", Some("start_paths is empty")),
        (
            "bad-start-outside-scope.json",
            Some("start path 'https://docs.python.org.evil.example/3.11/'"),
        ),
        (
            "bad-limits-wrong-type.json",
            Some("invalid type: string \"8\", expected u32"),
        ),
        (
            "bad-too-fast.json",
            Some("limits.requests_per_second is 1000"),
        ),
        (
            "bad-same-host.json",
            Some("https://docs.python.org/3.12/ are on the same host"),
        ),
        ("bad-not-http.json", Some("must be an http or https URL")),
        (
            "bad-unknown-action.json",
            Some("unknown variant `crawl-everything`"),
        ),
        ("bad-site-not-a-number.json", Some("invalid type: string")),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in testing::sample_events("crawl-page", &names) {
        let refusal = expected.iter().find(|(n, _)| *n == name).unwrap().1;
        let event: Value = if event.get("action").is_some() {
            event
        } else if name.starts_with("resume-") {
            // An execution input that resumes a run: the state machine asks `next` with it.
            json!({"action": "next", "execution": "resumed-1", "results": [], "name": event["name"],
                   "run_id": event["run_id"], "batch": event["batch"]})
        } else {
            json!({"action": "start", "run_id": "sample-1", "crawl": event})
        };
        let checked = parse::<Request>(event).and_then(|request| match request {
            // Its sites are read from S3 by the start step (tests/moto.rs).
            Request::Start { crawl, .. } if crawl.sites_from.is_some() => Ok(()),
            Request::Start { run_id, crawl } => crawl.validate(&run_id).map(drop),
            _ => Ok(()),
        });
        match (checked, refusal) {
            (Ok(_), None) => {}
            (Ok(_), Some(why)) => panic!("{name} should be refused: {why}"),
            (Err(e), None) => panic!("{name}: {e}"),
            (Err(e), Some(why)) => {
                assert_eq!(e.error_type(), "InvalidInput", "{name}");
                assert!(e.to_string().contains(why), "{name}: {e}");
            }
        }
    }
}
