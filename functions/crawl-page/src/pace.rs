//! The pace of requests to a host, on the wall clock: workers on different machines compare
//! these times, so they are Unix milliseconds, not `Instant`s. And a worker's time budget.

use std::time::{Duration, Instant};

/// One host's pace: each request waits one interval after the host's previous answer.
pub struct Pace {
    pub interval: Duration,
    /// When the host last answered (Unix milliseconds).
    pub last_ms: u64,
}

impl Pace {
    /// How long the next request waits: one interval from the last answer, and a millisecond
    /// for the clock's rounding.
    pub fn wait(&self) -> Duration {
        let at = self.last_ms + self.interval.as_millis() as u64 + 1;
        Duration::from_millis(at.saturating_sub(unix_ms()))
    }

    /// Waits for the next request's turn.
    pub async fn turn(&self) {
        tokio::time::sleep(self.wait()).await;
    }

    /// Notes an answer: from the answer, not the request, so the next request arrives at least
    /// one interval after this one's answer, however long this one took.
    pub fn answered(&mut self) {
        self.last_ms = unix_ms();
    }

    /// Holds the host's next request back until `wait` from now (a `Retry-After`), up to
    /// [`MAX_HOLD`], and never brings it forward.
    pub fn hold(&mut self, wait: Duration) {
        let until = unix_ms() + wait.min(MAX_HOLD).as_millis() as u64;
        let last = until.saturating_sub(self.interval.as_millis() as u64);
        self.last_ms = self.last_ms.max(last);
    }
}

/// The longest a `Retry-After` holds a host back: longer waits are cut to it, so that one answer
/// cannot park a host for the rest of the crawl; the host's next request still waits this long.
pub const MAX_HOLD: Duration = Duration::from_secs(120);

/// A worker's time: it takes a request only if the wait, and the request's whole time-out,
/// still end within its budget.
pub struct Budget {
    started: Instant,
    total: Duration,
    timeout: Duration,
}

impl Budget {
    pub fn new(total: Duration, timeout: Duration) -> Self {
        Budget {
            started: Instant::now(),
            total,
            timeout,
        }
    }

    pub fn fits(&self, wait: Duration) -> bool {
        fits(self.started.elapsed() + wait, self.timeout, self.total)
    }
}

/// Whether a request that goes out at `send` (from the worker's start) and may take `timeout`
/// ends within `budget`.
fn fits(send: Duration, timeout: Duration, budget: Duration) -> bool {
    send + timeout <= budget
}

/// Now, in Unix milliseconds.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn retry_after_holds_the_next_request_back_up_to_the_cap() {
        let mut pace = Pace {
            interval: Duration::from_millis(500),
            last_ms: unix_ms(),
        };
        pace.hold(S(30));
        let wait = pace.wait();
        assert!(
            wait > S(29) && wait <= S(30) + Duration::from_millis(2),
            "{wait:?}"
        );
        pace.hold(S(1));
        assert!(
            pace.wait() > S(29),
            "a shorter hold never brings the request forward"
        );
        pace.hold(S(86_400));
        assert!(pace.wait() <= MAX_HOLD + Duration::from_millis(2));
        assert!(pace.wait() > MAX_HOLD - S(1));
    }

    #[test]
    fn a_request_is_taken_only_if_it_can_end_within_the_budget() {
        let budget = S(840);
        assert!(fits(S(0), S(15), budget));
        assert!(fits(S(800) + S(10), S(30), budget));
        assert!(!fits(S(800) + S(20), S(30), budget), "the wait counts");
        assert!(
            !fits(S(830), S(15), budget),
            "the time already spent counts"
        );
    }

    #[test]
    fn the_next_request_waits_one_interval_from_the_last_answer() {
        let mut pace = Pace {
            interval: Duration::from_millis(500),
            last_ms: 0,
        };
        assert_eq!(pace.wait(), Duration::ZERO, "long ago");
        pace.answered();
        let wait = pace.wait();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(501));
    }
}
