//! The state machine's check: read the database, stop it once it is `available`, and report
//! whether the workflow is done.

use crate::db::DbStatus;
use crate::error::RdsError;
use crate::event::ResourceType;
use crate::{Deps, db};
use aws_sdk_rds::primitives::DateTime;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// StopDBInstance / StopDBCluster called.
    Stopped,
    /// Dry run: it would have been stopped.
    WouldStop,
    /// Not `available` yet, or already stopping: check again later.
    Wait,
    /// Already `stopped`.
    None,
}

/// What the state machine's Choice reads: `done` ends the polling.
#[derive(Debug, Serialize, PartialEq)]
pub struct CheckOutcome {
    pub resource_id: String,
    pub resource_type: ResourceType,
    /// The status after this check's action.
    pub status: DbStatus,
    pub action: Action,
    pub done: bool,
    pub dry_run: bool,
    pub subject: String,
    pub summary: String,
}

pub async fn check(
    deps: &Deps,
    id: &str,
    kind: ResourceType,
    now: DateTime,
) -> Result<CheckOutcome, RdsError> {
    let db = db::describe(&deps.rds, id, kind).await?;
    if !db.protected {
        return Err(RdsError::NotProtected {
            resource_id: id.to_owned(),
            resource_type: kind.as_str(),
        });
    }
    if let Some(reason) = db.not_stoppable {
        return Err(RdsError::NotStoppable {
            resource_id: id.to_owned(),
            resource_type: kind.as_str(),
            reason,
        });
    }
    let snapshot = deps.config.snapshot_before_stop.then(|| {
        let today = crate::history::format_time(now);
        db::snapshot_name(id, today.get(..10).unwrap_or_default())
    });
    let (action, status) = match db.status {
        DbStatus::Available if deps.config.dry_run => (Action::WouldStop, db.status),
        DbStatus::Available => match db::stop(&deps.rds, id, kind, snapshot.as_deref()).await? {
            Some(status) => (Action::Stopped, status),
            None => (Action::Wait, db.status),
        },
        DbStatus::Stopped => (Action::None, db.status),
        DbStatus::Other(_) => (Action::Wait, db.status),
    };
    let done = status == DbStatus::Stopped || action == Action::WouldStop;
    let outcome = CheckOutcome {
        resource_id: id.to_owned(),
        resource_type: kind,
        subject: subject(id, kind, action, done),
        summary: summary(id, kind, action, &status, snapshot.as_deref()),
        status,
        action,
        done,
        dry_run: deps.config.dry_run,
    };
    tracing::info!(
        resource_id = id,
        resource_type = kind.as_str(),
        status = outcome.status.as_str(),
        action = ?outcome.action,
        "{}",
        outcome.summary
    );
    Ok(outcome)
}

fn subject(id: &str, kind: ResourceType, action: Action, done: bool) -> String {
    let what = match (action, done) {
        (Action::WouldStop, _) => "would be stopped (dry run)",
        (_, true) => "stopped again",
        _ => "being stopped",
    };
    shared::sns::subject(&format!("Auto-started DB {} {what}: {id}", kind.as_str()))
}

fn summary(
    id: &str,
    kind: ResourceType,
    action: Action,
    status: &DbStatus,
    snapshot: Option<&str>,
) -> String {
    let kind = kind.as_str();
    let snapshot = snapshot
        .map(|name| format!(", after a snapshot '{name}'"))
        .unwrap_or_default();
    match action {
        Action::Stopped => format!(
            "AWS started DB {kind} '{id}' after 7 days stopped; it was available and has been \
             stopped{snapshot} (now {status})."
        ),
        Action::WouldStop => format!(
            "Dry run: DB {kind} '{id}' is available after AWS auto-started it and would have been \
             stopped. Nothing was changed; deploy with DryRun=false to stop it."
        ),
        Action::None => format!(
            "DB {kind} '{id}' is stopped again after AWS auto-started it. It will be started \
             again in 7 days, and stopped again then."
        ),
        Action::Wait => format!("DB {kind} '{id}' is {status}: checking again later."),
    }
}
