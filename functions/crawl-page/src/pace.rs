//! The pace of requests to a host, on the wall clock: workers on different machines compare
//! these times, so they are Unix milliseconds, not `Instant`s.

use std::time::Duration;

/// How long to wait for the next request to a host last answered at `last_ms`: one interval,
/// and a millisecond for the clock's rounding.
pub fn until(last_ms: u64, interval: Duration) -> Duration {
    let at = last_ms + interval.as_millis() as u64 + 1;
    Duration::from_millis(at.saturating_sub(unix_ms()))
}

/// Now, in Unix milliseconds.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
