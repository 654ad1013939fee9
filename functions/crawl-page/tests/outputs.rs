//! The messages the `web-crawler` state machine reads, one per action and outcome, against
//! their samples in `events/outputs/crawl-page/`. Each sample's name starts with the action
//! that answers it, which is how `tests/sfn/field-paths.test.mjs` picks them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use crawl_page::crawl::{Crawl, CrawlRequest};
use crawl_page::state::counts::Counts;
use crawl_page::{
    Finished, Item, Items, MapSettings, Next, Response, StepError, Summary, Worked, WorkerResult,
};

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

/// `next`'s answer: a batch of `hosts` hosts, or none (done, or handing over).
fn next(hosts: usize, done: bool, continue_as_new: bool) -> Response {
    let crawl = crawl();
    let batch = (hosts > 0).then(|| "0000003".to_owned());
    let distributed = hosts > 10;
    Response::Next(Box::new(Next {
        run: crawl.run(),
        items: batch.as_ref().filter(|_| distributed).map(|b| Items {
            bucket: "crawl-bucket".into(),
            key: format!("{}batches/{b}.json", crawl.frontier_prefix()),
        }),
        batch,
        // Workers of up to ten hosts each, as `next` shares them out by default.
        workers: if distributed {
            Vec::new()
        } else {
            vec![Item {
                sites: (0..hosts).collect(),
            }]
        },
        results: Vec::new(),
        distributed,
        map: MapSettings {
            max_concurrency: 100,
            tolerated_failure_percentage: 5.0,
            results_prefix: format!("{}map-results/", crawl.frontier_prefix()),
        },
        done,
        continue_as_new,
        continuation_name: continue_as_new.then(|| "manual-1-1".to_owned()),
    }))
}

#[test]
fn the_state_machine_reads_these_messages() {
    let sample = |name, response| testing::output_sample("crawl-page", name, &response);
    let crawl = crawl();
    sample("start", Response::Started(crawl.run()));
    sample("next-batch", next(1, false, false));
    sample("next-distributed", next(11, false, false));
    sample("next-done", next(0, true, false));
    sample("next-continue-as-new", next(0, false, true));
    let counts = Counts {
        crawled: 2,
        queued: 3,
        bytes: 1770,
        ..Counts::default()
    };
    let crawled = Response::Worked(Worked {
        sites: vec![0, 1],
        counts,
    });
    // The inline Map hands each worker's answer back to `next` as it is, and a failed one's
    // error as its Catch puts it.
    let item: WorkerResult = serde_json::to_value(&crawled)
        .and_then(serde_json::from_value)
        .unwrap();
    assert!(matches!(item, WorkerResult::Done(Worked { counts: c, .. }) if c == counts));
    let failed: WorkerResult = serde_json::from_value(serde_json::json!({
        "sites": [3, 4], "error": {"Error": "TransientError", "Cause": "timed out"}
    }))
    .unwrap();
    assert!(
        matches!(failed, WorkerResult::Failed { sites, error: StepError { error, .. } } if sites == [3, 4] && error == "TransientError")
    );
    sample("work", crawled);
    let output = |name: &str| format!("s3://crawl-bucket/{}{name}", crawl.output_prefix());
    sample(
        "finish",
        Response::Finished(Finished {
            summary: Summary {
                name: crawl.name.clone(),
                run_id: crawl.run_id.clone(),
                sites: vec![crawl.sites[0].base_url.clone()],
                finished_at: "2026-12-02T06:00:00Z".into(),
                limit_reached: false,
                pages: output("pages/"),
                totals: totals(),
            },
            summary_uri: output("summary.json"),
            subject: format!("Crawl {}: 6 pages, 1 failed", crawl.name),
            message: format!(
                "Crawl '{}' of {} finished.",
                crawl.name, crawl.sites[0].base_url
            ),
        }),
    );
}
