//! The month `make bench` simulates, reduced to a day, as `make test` runs it: the binary the
//! workspace's test build made, so that no second build of the SDK crates is needed for it. The
//! debug build's slower calls cost simulated time, so the clock runs slower than in the bench.
//! It needs Node and the state machine engine in `tests/sfn` (`make test` installs both and
//! turns the `simulated-day` feature on).
#![cfg(feature = "simulated-day")]
#![allow(clippy::unwrap_used)] // a test

use std::process::Command;

#[test]
fn a_day_of_sessions_and_auto_starts_leaves_nothing_running_and_stops_each_once() {
    let run = Command::new(env!("CARGO_BIN_EXE_cost-simulation"))
        .args(["--sessions", "40", "--databases", "8", "--days", "1"])
        .args(["--speed", "1200"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&run.stdout);
    // The binary exits non-zero when a goal is missed; the report says which.
    assert!(
        run.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!("{report}");
}
