//! The simulated clock: it runs `speed` times faster than the real one, and jumps ahead over
//! stretches where nothing is running and nothing is waiting.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

pub struct Clock {
    origin: SystemTime,
    speed: f64,
    /// When it was started, and the simulated seconds skipped since.
    run: Mutex<(Instant, f64)>,
}

impl Clock {
    pub fn new(origin: SystemTime, speed: f64) -> Self {
        Clock {
            origin,
            speed,
            run: Mutex::new((Instant::now(), 0.0)),
        }
    }

    /// Sets the clock back to the origin, once everything is ready to run.
    pub fn start(&self) {
        *self.run() = (Instant::now(), 0.0);
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Simulated seconds since the origin.
    pub fn seconds(&self) -> f64 {
        let (started, skipped) = *self.run();
        started.elapsed().as_secs_f64() * self.speed + skipped
    }

    pub fn now(&self) -> SystemTime {
        self.origin + Duration::from_secs_f64(self.seconds())
    }

    pub fn origin(&self) -> SystemTime {
        self.origin
    }

    /// The real time that `seconds` of simulated time take.
    pub fn real(&self, seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds.max(0.0) / self.speed)
    }

    /// Moves the clock forward to `at`; never backwards.
    pub fn skip_to(&self, at: f64) {
        let ahead = at - self.seconds();
        if ahead > 0.0 {
            self.run().1 += ahead;
        }
    }

    /// Sleeps in real time until the simulated clock reads `at`.
    pub async fn sleep_until(&self, at: f64) {
        let ahead = at - self.seconds();
        if ahead > 0.0 {
            tokio::time::sleep(self.real(ahead)).await;
        }
    }

    fn run(&self) -> std::sync::MutexGuard<'_, (Instant, f64)> {
        self.run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_fast_and_skips_forward_only() {
        let clock = Clock::new(SystemTime::UNIX_EPOCH, 3600.0);
        assert!(clock.seconds() < 3600.0);
        clock.skip_to(86_400.0);
        let after = clock.seconds();
        assert!((86_400.0..86_400.0 + 3600.0).contains(&after), "{after}");
        clock.skip_to(10.0);
        assert!(clock.seconds() >= after);
        clock.start();
        assert!(clock.seconds() < 3600.0);
        assert_eq!(clock.real(3600.0), Duration::from_secs(1));
    }
}
