//! What a crawl did, added up step by step: each worker notes its counts in its host's state, the
//! next-batch step adds them to the crawl's totals in S3.

use serde::{Deserialize, Serialize};
use shared::{Error, Result};

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
    /// In-scope links robots.txt disallows, once per page that has them, and queued pages it
    /// disallows: never fetched.
    pub robots_skipped: u64,
    /// Links outside the scope, once per page that has them: never fetched.
    pub out_of_scope: u64,
    /// In-scope links deeper than `max_depth`, once per page that has them: never fetched.
    pub too_deep: u64,
    /// Distinct URLs queued.
    pub queued: u64,
    /// New in-scope URLs not queued because their host's queue was full
    /// (`state::queue::MAX_QUEUED`, `MAX_SEEN`).
    pub queue_full: u64,
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

    /// Adds `other`, field by field; a sum that overflows is an error, never a wrap.
    pub fn add(&mut self, other: &Counts) -> Result<()> {
        let fields = [
            (&mut self.crawled, other.crawled),
            (&mut self.failed, other.failed),
            (&mut self.redirects, other.redirects),
            (&mut self.not_html, other.not_html),
            (&mut self.too_large, other.too_large),
            (&mut self.refused, other.refused),
            (&mut self.robots_skipped, other.robots_skipped),
            (&mut self.out_of_scope, other.out_of_scope),
            (&mut self.too_deep, other.too_deep),
            (&mut self.queued, other.queued),
            (&mut self.queue_full, other.queue_full),
            (&mut self.retries, other.retries),
            (&mut self.worker_failures, other.worker_failures),
            (&mut self.bytes, other.bytes),
            (&mut self.unchanged, other.unchanged),
            (&mut self.bytes_saved, other.bytes_saved),
        ];
        for (total, more) in fields {
            *total = total
                .checked_add(more)
                .ok_or_else(|| Error::Internal("a crawl counter overflowed".to_owned()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_that_overflows_is_an_error() {
        let mut totals = Counts {
            bytes: u64::MAX - 1,
            ..Counts::default()
        };
        let one = Counts {
            bytes: 1,
            crawled: 1,
            ..Counts::default()
        };
        totals.add(&one).unwrap();
        assert_eq!((totals.bytes, totals.crawled), (u64::MAX, 1));
        assert!(totals.add(&one).is_err());
    }
}
