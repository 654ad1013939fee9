//! The messages the `web-crawler` state machine reads, one per action and outcome, against
//! their samples in `events/outputs/crawl-page/`. Each sample's name starts with the action
//! that answers it, which is how `tests/sfn/field-paths.test.mjs` picks them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use crawl_page::counts::Counts;
use crawl_page::crawl::{Crawl, CrawlRequest};
use crawl_page::frontier::url_hash;
use crawl_page::{Crawled, Finished, Next, Response, State, Summary, WorkerResult};

/// 2026-12-02T06:00:00Z.
const LAST_REQUEST_MS: u64 = 1_796_191_200_000;

fn crawl() -> Crawl {
    let request: CrawlRequest = serde_json::from_str(include_str!(
        "../../../events/crawl-page/start-crawl-local.json"
    ))
    .unwrap();
    request.validate("manual-1").unwrap()
}

fn totals() -> Counts {
    Counts {
        crawled: 6,
        failed: 1,
        queued: 9,
        bytes: 5310,
        ..Counts::default()
    }
}

fn state(generation: u32, execution_pages: u32) -> State {
    State {
        crawl: crawl(),
        totals: totals(),
        generation,
        execution_pages,
        last_request_ms: LAST_REQUEST_MS,
        results: Vec::new(),
    }
}

fn next(groups: Vec<Vec<String>>, done: bool, continuation: Option<State>) -> Response {
    Response::Next(Box::new(Next {
        crawl: crawl(),
        totals: totals(),
        generation: 0,
        execution_pages: 4,
        last_request_ms: LAST_REQUEST_MS,
        groups,
        done,
        limit_reached: false,
        continue_as_new: continuation.is_some(),
        continuation_name: continuation.as_ref().map(|_| "manual-1-1".to_owned()),
        continuation,
    }))
}

#[test]
fn the_state_machine_reads_these_messages() {
    let sample = |name, response| testing::output_sample("crawl-page", name, &response);
    let crawl = crawl();
    let key = |path: &str| {
        let url = crawl.base_url.join(path).unwrap();
        format!("{}queue/0001/{}", crawl.frontier_prefix(), url_hash(&url))
    };
    sample("start", Response::Started(state(0, 0)));
    sample(
        "next-batch",
        next(vec![vec![key("a.html"), key("b.html")]], false, None),
    );
    sample("next-done", next(Vec::new(), true, None));
    sample(
        "next-continue-as-new",
        next(Vec::new(), false, Some(state(1, 0))),
    );
    let counts = Counts {
        crawled: 2,
        queued: 3,
        bytes: 1770,
        ..Counts::default()
    };
    let crawled = Response::Crawled(Crawled {
        counts,
        last_request_ms: LAST_REQUEST_MS + 900,
    });
    // The Map state hands each worker's answer back to `next` as it is.
    let item: WorkerResult = serde_json::to_value(&crawled)
        .and_then(serde_json::from_value)
        .unwrap();
    assert!(matches!(item, WorkerResult::Done(Crawled { counts: c, .. }) if c == counts));
    sample("crawl", crawled);
    let output = |name: &str| format!("s3://crawl-bucket/{}{name}", crawl.output_prefix());
    sample(
        "finish",
        Response::Finished(Finished {
            summary: Summary {
                name: crawl.name.clone(),
                run_id: crawl.run_id.clone(),
                base_url: crawl.base_url.clone(),
                finished_at: "2026-12-02T06:00:00Z".into(),
                limit_reached: false,
                pages: output("pages/"),
                totals: totals(),
            },
            summary_uri: output("summary.json"),
            subject: format!("Crawl {}: 6 pages, 1 failed", crawl.name),
            message: format!("Crawl '{}' of {} finished.", crawl.name, crawl.base_url),
        }),
    );
}
