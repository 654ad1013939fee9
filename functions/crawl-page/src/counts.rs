//! What a crawl did, added up step by step: each worker returns its counts, the next-batch step
//! adds them to the totals the executions carry.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Counts {
    /// HTML pages stored.
    pub crawled: u64,
    /// Pages that answered 4xx or 5xx, or nothing, on their last attempt.
    pub failed: u64,
    /// Redirects recorded (their targets are queued like links when in scope).
    pub redirects: u64,
    /// 2xx answers of another content type: recorded, not stored.
    pub not_html: u64,
    /// Pages over `max_page_bytes`: recorded, not stored.
    pub too_large: u64,
    /// URLs whose address the crawl may not reach: nothing was sent.
    pub refused: u64,
    /// Distinct in-scope URLs robots.txt disallows: never fetched.
    pub robots_skipped: u64,
    /// Distinct URLs outside the scope: never fetched.
    pub out_of_scope: u64,
    /// Distinct in-scope URLs deeper than `max_depth`: never fetched.
    pub too_deep: u64,
    /// Distinct URLs queued.
    pub queued: u64,
    /// Attempts that will be made again (429, 5xx, no response).
    pub retries: u64,
    /// Worker invocations that failed after Step Functions' retries; their pages go back to the
    /// queue with one more attempt.
    pub worker_failures: u64,
    /// Bytes of the HTML pages stored.
    pub bytes: u64,
    /// A re-crawl's pages that answered 304: stored again by copying the earlier run's.
    pub unchanged: u64,
    /// Bytes those pages would have cost to download.
    pub bytes_saved: u64,
}

impl Counts {
    /// URLs done with: the measure `max_pages` limits.
    pub fn fetched(&self) -> u64 {
        self.crawled
            + self.unchanged
            + self.failed
            + self.redirects
            + self.not_html
            + self.too_large
            + self.refused
    }

    pub fn add(&mut self, other: &Counts) {
        self.crawled += other.crawled;
        self.failed += other.failed;
        self.redirects += other.redirects;
        self.not_html += other.not_html;
        self.too_large += other.too_large;
        self.refused += other.refused;
        self.robots_skipped += other.robots_skipped;
        self.out_of_scope += other.out_of_scope;
        self.too_deep += other.too_deep;
        self.queued += other.queued;
        self.retries += other.retries;
        self.worker_failures += other.worker_failures;
        self.bytes += other.bytes;
        self.unchanged += other.unchanged;
        self.bytes_saved += other.bytes_saved;
    }
}
