//! Stops Glue interactive sessions so that none runs, and bills, longer than intended.
//!
//! The state machine calls [`handle`] with `{"check_limits": <CreateSession event>}` when it
//! starts (a session asking for more than the deployment allows is stopped at once), then with
//! the event after its wait; a schedule calls it with a `Scheduled Event` to sweep up any
//! session the workflow missed.

mod config;
mod error;
mod event;
mod limits;
mod outcome;
mod stop;
mod sweep;
mod usage;

pub use config::Config;
pub use error::StopError;
pub use event::{Event, Request};
pub use limits::{Asked, Limits, Report, report as limits_report};
pub use outcome::{Action, Outcome};
pub use sweep::{SweepFailure, SweepReport};
pub use usage::{OwnerUsage, UsageReport};

use serde::Serialize;
use std::time::SystemTime;

/// What the handler needs; built once per cold start in `main`, by hand in tests.
pub struct Deps {
    pub glue: aws_sdk_glue::Client,
    pub sns: aws_sdk_sns::Client,
    pub config: Config,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Response {
    Session(Outcome),
    Limits(Report),
    Sweep(SweepReport),
    Usage(UsageReport),
    Ignored { ignored: bool, reason: String },
}

/// Handles one event.
pub async fn handle(deps: &Deps, event: Event, now: SystemTime) -> Result<Response, StopError> {
    match Request::from_event(event)? {
        Request::Stop {
            session_id,
            created_at,
        } => stop::stop_session(deps, &session_id, created_at, now)
            .await
            .map(Response::Session),
        Request::CheckLimits {
            session_id,
            asked,
            creator,
        } => {
            let report = limits::report(&deps.config.limits, session_id, &asked, &creator);
            if report.over {
                tracing::warn!(session = %report.session_id, broken = ?report.verdict.broken, "session over its limits");
            }
            Ok(Response::Limits(report))
        }
        Request::Sweep => sweep::sweep(deps, now).await.map(Response::Sweep),
        Request::UsageReport { hours } => usage::usage(deps, now, hours).await.map(Response::Usage),
        Request::Ignore { reason } => {
            tracing::info!(reason, "event ignored");
            Ok(Response::Ignored {
                ignored: true,
                reason,
            })
        }
    }
}
