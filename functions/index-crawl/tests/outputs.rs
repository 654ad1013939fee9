//! What the `web-crawler` state machine reads of the index step, against its samples in
//! `events/outputs/index-crawl/` (`tests/sfn/field-paths.test.mjs` runs the ASL on them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use index_crawl::Indexed;

fn indexed(kendra_sync: bool) -> Indexed {
    Indexed {
        name: "test-site".into(),
        run_id: "manual-1".into(),
        pages: 7,
        extracted: 2,
        reused: 5,
        html_bytes: 5310,
        index_bytes: 48_213,
        index: "s3://web-crawls-local/crawls/test-site/manual-1/search/index.json".into(),
        latest: true,
        kendra_sync,
    }
}

#[test]
fn the_index_steps_answers_match_their_samples() {
    testing::output_sample("index-crawl", "index", &indexed(false));
    testing::output_sample("index-crawl", "index-kendra", &indexed(true));
}
