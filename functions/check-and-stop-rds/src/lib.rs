//! Keeps RDS instances and Aurora clusters that AWS started after 7 days stopped, stopped.
//!
//! One binary, three entry shapes: the trigger (an RDS event from EventBridge or SNS) starts the
//! `rds-auto-stop` state machine for protected databases; the scheduled sweep reads RDS's own
//! event history and starts it for auto-starts the trigger missed; the state machine's check
//! (`{"resource_id", "resource_type"}`) stops the database once it is `available`.

mod check;
mod config;
mod db;
mod error;
mod event;
mod history;
mod sweep;
mod trigger;
mod usage;

pub use check::{Action, CheckOutcome};
pub use config::{Config, PROTECTION_TAG};
pub use db::DbStatus;
pub use error::RdsError;
pub use event::{
    CheckInput, Event, RdsEvent, RdsEventDetail, RdsNotification, Request, ResourceType, Trigger,
};
pub use sweep::SweepReport;
pub use trigger::{TriggerOutcome, execution_name};
pub use usage::{Kept, UsageReport};

use aws_sdk_rds::primitives::DateTime;
use serde::Serialize;

pub struct Deps {
    pub rds: aws_sdk_rds::Client,
    pub sfn: aws_sdk_sfn::Client,
    /// For the sweep's report.
    pub sns: aws_sdk_sns::Client,
    pub config: Config,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Response {
    Check(CheckOutcome),
    Triggered { results: Vec<TriggerOutcome> },
    Swept(SweepReport),
    Usage(UsageReport),
}

/// `now` is the clock the age of an event is measured by: the real one in Lambda, a simulated
/// one in the simulation.
pub async fn handle(deps: &Deps, event: Event, now: DateTime) -> Result<Response, RdsError> {
    match Request::from(event) {
        Request::Check {
            resource_id,
            resource_type,
        } => check::check(deps, &resource_id, resource_type, now)
            .await
            .map(Response::Check),
        Request::Trigger(triggers) => {
            let mut results = Vec::with_capacity(triggers.len());
            for t in triggers {
                results.push(trigger::trigger(deps, t, now).await?);
            }
            Ok(Response::Triggered { results })
        }
        Request::Sweep => Ok(Response::Swept(sweep::sweep(deps, now).await?)),
        Request::UsageReport { hours } => {
            Ok(Response::Usage(usage::usage(deps, now, hours).await?))
        }
    }
}
