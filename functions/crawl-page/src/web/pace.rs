//! The pace of requests to a host, on the wall clock: workers on different machines compare
//! these times, so they are Unix milliseconds, not `Instant`s. And a worker's time budget.

use std::time::{Duration, Instant};

/// One host's pace: each request waits one interval after the host's previous answer.
pub struct Pace {
    pub interval: Duration,
    /// When the host last answered (Unix milliseconds): what the host's state keeps for the
    /// next worker, which may run on another machine.
    pub last_ms: u64,
    /// The same moment on this worker's monotonic clock, once it has had an answer: a wait from
    /// it is exact, where one from whole milliseconds needs one more for their rounding (a
    /// millisecond a page, 2% of a 50 ms interval).
    last: Option<Instant>,
}

impl Pace {
    /// A host last answered at `last_ms` (Unix milliseconds; 0 for never).
    pub fn new(interval: Duration, last_ms: u64) -> Self {
        Pace {
            interval,
            last_ms,
            last: None,
        }
    }

    /// How long the next request waits: one interval from the last answer.
    pub fn wait(&self) -> Duration {
        match self.last {
            Some(last) => (last + self.interval).saturating_duration_since(Instant::now()),
            None => {
                let at = self.last_ms + self.interval.as_millis() as u64 + 1;
                Duration::from_millis(at.saturating_sub(unix_ms()))
            }
        }
    }

    /// Waits for the next request's turn, to the microsecond: tokio's timer counts whole
    /// milliseconds and wakes a millisecond late on average, a page's worth of time every 50
    /// pages at 20 requests a second.
    pub async fn turn(&self) {
        tokio_hrtime::sleep(self.wait()).await;
    }

    /// Notes an answer: from the answer, not the request, so the next request arrives at least
    /// one interval after this one's answer, however long this one took.
    pub fn answered(&mut self) {
        self.last = Some(Instant::now());
        self.last_ms = unix_ms();
    }

    /// Holds the host's next request back until `wait` from now (a `Retry-After`), up to
    /// [`MAX_HOLD`], and never brings it forward.
    pub fn hold(&mut self, wait: Duration) {
        let wait = wait.min(MAX_HOLD);
        let until = unix_ms() + wait.as_millis() as u64;
        self.last_ms = self
            .last_ms
            .max(until.saturating_sub(self.interval.as_millis() as u64));
        if let Some(last) = self.last {
            let until = Instant::now() + wait;
            self.last = Some(last.max(until.checked_sub(self.interval).unwrap_or(until)));
        }
    }
}

/// The longest a `Retry-After` holds a host back: longer waits are cut to it, so that one answer
/// cannot park a host for the rest of the crawl; the host's next request still waits this long.
pub const MAX_HOLD: Duration = Duration::from_secs(120);

/// A worker's time: one deadline for everything it does (robots.txt, sitemaps, pages, storing);
/// it sends a request only if the wait and the request's whole time-out end before it.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Instant,
    timeout: Duration,
}

impl Budget {
    pub fn until(deadline: Instant, timeout: Duration) -> Self {
        Budget { deadline, timeout }
    }

    pub fn fits(&self, wait: Duration) -> bool {
        fits(Instant::now() + wait, self.timeout, self.deadline)
    }
}

/// Whether a request that goes out at `send` and may take `timeout` ends by `deadline`.
fn fits(send: Instant, timeout: Duration, deadline: Instant) -> bool {
    send + timeout <= deadline
}

/// A worker's deadline: its Lambda invocation's, or its Express child's (which started at
/// `child_started_ms`, Unix milliseconds, and ends 5 minutes later whatever retries happened
/// inside it), whichever comes first, less `margin` to store what it did.
pub fn deadline(lambda: Instant, child_started_ms: Option<u64>, margin: Duration) -> Instant {
    let end = match child_started_ms {
        Some(started) => {
            let left = started
                .saturating_add(EXPRESS_CHILD_MS)
                .saturating_sub(unix_ms());
            lambda.min(Instant::now() + Duration::from_millis(left))
        }
        None => lambda,
    };
    end.checked_sub(margin).unwrap_or(end)
}

/// An Express workflow runs 5 minutes at most.
const EXPRESS_CHILD_MS: u64 = 300_000;

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
        let mut pace = Pace::new(Duration::from_millis(500), unix_ms());
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
        // The same on the worker's own clock, after an answer.
        pace.answered();
        pace.hold(S(30));
        let wait = pace.wait();
        assert!(wait > S(29) && wait <= S(30), "{wait:?}");
        pace.hold(S(1));
        assert!(pace.wait() > S(29), "still never brought forward");
    }

    #[test]
    fn a_request_is_taken_only_if_it_can_end_before_the_deadline() {
        let now = Instant::now();
        let deadline = now + S(270);
        assert!(fits(now, S(15), deadline));
        assert!(fits(now + S(230) + S(10), S(30), deadline));
        assert!(
            !fits(now + S(230) + S(20), S(30), deadline),
            "the wait counts"
        );
        let budget = Budget::until(now + S(10), S(15));
        assert!(
            !budget.fits(Duration::ZERO),
            "a time-out longer than what is left"
        );
    }

    #[test]
    fn the_deadline_is_the_first_of_the_lambda_and_the_express_child() {
        let now = unix_ms();
        let margin = S(10);
        let secs = |at: Instant| at.saturating_duration_since(Instant::now()).as_secs_f64();
        let lambda = Instant::now() + S(280);
        let alone = deadline(lambda, None, margin);
        assert!((secs(alone) - 270.0).abs() < 1.0, "{}", secs(alone));
        // A retry 200 s into its child: the Lambda would run 280 s more, the child 100 s.
        let retried = deadline(lambda, Some(now - 200_000), margin);
        assert!((secs(retried) - 90.0).abs() < 1.0, "{}", secs(retried));
        let past = deadline(lambda, Some(now - 400_000), margin);
        assert!(secs(past) < 0.01, "a child already over has no time left");
    }

    #[test]
    fn the_next_request_waits_one_interval_from_the_last_answer() {
        let mut pace = Pace::new(Duration::from_millis(500), 0);
        assert_eq!(pace.wait(), Duration::ZERO, "long ago");
        pace.answered();
        let wait = pace.wait();
        assert!(wait > Duration::from_millis(490) && wait <= Duration::from_millis(500));
        // A later worker has only the stored milliseconds: one more for their rounding.
        let later = Pace::new(pace.interval, pace.last_ms);
        let wait = later.wait();
        assert!(wait > Duration::from_millis(490) && wait <= Duration::from_millis(501));
    }
}
