//! The scheduled sweep: stop every session running past the limit, so a CreateSession event
//! that never arrived, or a workflow that failed, never leaves a session running for long.

use crate::Deps;
use crate::error::StopError;
use crate::outcome::Action;
use crate::stop::stop_session;
use aws_sdk_glue::primitives::DateTime;
use aws_sdk_glue::types::{SessionStatus, StatementState};
use serde::Serialize;
use shared::Error;
use std::time::SystemTime;

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct SweepReport {
    pub mode: &'static str,
    pub dry_run: bool,
    /// Sessions listed.
    pub checked: usize,
    /// Sessions past the limit, or idle (`idle`), stopped (or that would be, in a dry run).
    pub stopped: Vec<String>,
    pub would_stop: Vec<String>,
    pub opted_out: Vec<String>,
    /// Past the limit but still provisioning: the next sweep stops them.
    pub not_ready: Vec<String>,
    /// Past the limit, but throttled or a transient error this time, for the first time: the
    /// next sweep tries again. Only a session still running [`RETRIED_FOR`] past the limit
    /// (earlier sweeps failed on it too) is a failure.
    pub deferred: Vec<SweepFailure>,
    /// Running, but Glue gave no `CreatedOn`: how long they have run cannot be told, so they
    /// are reported rather than stopped.
    pub undated: Vec<String>,
    /// Of `stopped` and `would_stop`, those stopped for idleness before the limit.
    pub idle: Vec<String>,
    /// Idle when listed, but running a statement when looked at again right before the stop:
    /// left running.
    pub busy_again: Vec<String>,
    pub failed: Vec<SweepFailure>,
}

/// How long past the limit a session may be left to the next sweeps after a throttled or
/// transient failure: two sweeps at the default 15 minutes.
pub const RETRIED_FOR: i64 = 30 * 60;

#[derive(Debug, Serialize, PartialEq)]
pub struct SweepFailure {
    pub session_id: String,
    pub error_type: &'static str,
    pub error: String,
}

pub async fn sweep(deps: &Deps, now: SystemTime) -> Result<SweepReport, StopError> {
    let limit = deps.config.max_session_age.as_secs() as i64;
    let now_secs = DateTime::from(now).secs();
    let mut report = SweepReport {
        mode: "sweep",
        dry_run: deps.config.dry_run,
        ..SweepReport::default()
    };

    let mut pages = deps.glue.list_sessions().into_paginator().send();
    let mut overdue = Vec::new();
    let mut ready = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::from_sdk("Glue ListSessions", e))?;
        for session in page.sessions() {
            report.checked += 1;
            let Some(id) = session.id() else {
                continue;
            };
            // A status this build does not know is not running: the sweep stops nothing it
            // cannot name.
            let running = matches!(
                session.status(),
                Some(SessionStatus::Ready | SessionStatus::Provisioning)
            );
            match session.created_on() {
                Some(created) if running && now_secs - created.secs() > limit => {
                    overdue.push((id.to_owned(), now_secs - created.secs() - limit));
                }
                Some(created) if session.status() == Some(&SessionStatus::Ready) => {
                    if let Some(idle_after) = deps.config.idle_after {
                        ready.push((id.to_owned(), created.secs(), idle_after));
                    }
                }
                None if running => report.undated.push(id.to_owned()),
                _ => {}
            }
        }
    }

    let mut idle = Vec::new();
    for (id, created, idle_after) in ready {
        let idle_for = idle_after.as_secs() as i64;
        match idle_since(deps, &id, created, now_secs).await {
            Ok(Some(since)) if now_secs - since > idle_for => idle.push((id, created, idle_for)),
            Ok(_) => {}
            Err(e) => tracing::warn!(session_id = id, error = %e, "statements not listed"),
        }
    }
    // Past the limit first, then the idle ones, each looked at again right before its own stop:
    // a statement may have started since the listing. (Glue has no stop-if-idle; this narrows
    // the window to the calls of one stop.) Idleness is no emergency: a failure to stop waits
    // for the next sweep (past_limit 0).
    let stops = overdue
        .into_iter()
        .map(|(id, past_limit)| (id, past_limit, None))
        .chain(
            idle.into_iter()
                .map(|(id, created, idle_for)| (id, 0, Some((created, idle_for)))),
        );
    // The listing may be minutes old by now: stop_session reads each session again.
    for (id, past_limit, idle) in stops {
        if let Some((created, idle_for)) = idle {
            match idle_since(deps, &id, created, now_secs).await {
                Ok(Some(since)) if now_secs - since > idle_for => report.idle.push(id.clone()),
                Ok(_) => {
                    report.busy_again.push(id);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(session_id = id, error = %e, "statements not listed");
                    continue;
                }
            }
        }
        match stop_session(deps, &id, None, now).await {
            Ok(o) => match o.action {
                Action::Stopped => report.stopped.push(id),
                Action::WouldStop => report.would_stop.push(id),
                Action::OptedOut => report.opted_out.push(id),
                // A sweep names no creation time, so nothing is `Replaced` here.
                Action::AlreadyEnded | Action::Replaced => {}
            },
            Err(StopError::SessionNotReady { .. }) => report.not_ready.push(id),
            Err(e) => {
                let failure = SweepFailure {
                    session_id: id,
                    error_type: e.error_type(),
                    error: e.to_string(),
                };
                let passing = matches!(failure.error_type, "Throttled" | "TransientError");
                if passing && past_limit <= RETRIED_FOR {
                    report.deferred.push(failure);
                } else {
                    report.failed.push(failure);
                }
            }
        }
    }
    tracing::info!(
        checked = report.checked,
        stopped = report.stopped.len(),
        would_stop = report.would_stop.len(),
        opted_out = report.opted_out.len(),
        not_ready = report.not_ready.len(),
        deferred = report.deferred.len(),
        undated = report.undated.len(),
        failed = report.failed.len(),
        "sweep done"
    );
    notify(deps, &report).await?;
    if report.failed.is_empty() {
        Ok(report)
    } else {
        Err(StopError::SweepIncomplete {
            failed: report.failed.len(),
            details: failures(&report),
        })
    }
}

/// When a session last did anything, in Unix seconds: its latest statement's end, or its
/// creation when it has run none; `None` while a statement waits, runs or is being cancelled.
/// A finished statement without an end time counts as ended now: how long the session has
/// been idle cannot be told, so it is not idle yet.
async fn idle_since(
    deps: &Deps,
    session_id: &str,
    created: i64,
    now: i64,
) -> Result<Option<i64>, Error> {
    let mut since = created;
    let mut token = None;
    loop {
        let page = deps
            .glue
            .list_statements()
            .session_id(session_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("Glue ListStatements '{session_id}'"), e))?;
        for statement in page.statements() {
            let busy = !matches!(
                statement.state(),
                Some(StatementState::Available | StatementState::Cancelled | StatementState::Error)
            );
            if busy {
                return Ok(None);
            }
            // Milliseconds; 0 when Glue gave no end.
            let ended = match statement.completed_on() {
                0 => now,
                ms => ms / 1000,
            };
            since = since.max(ended);
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(Some(since));
        }
    }
}

async fn notify(deps: &Deps, report: &SweepReport) -> Result<(), StopError> {
    let acted: Vec<&String> = report.stopped.iter().chain(&report.would_stop).collect();
    if let (Some(topic), false) = (&deps.config.success_topic_arn, acted.is_empty()) {
        let verb = if report.dry_run {
            "would stop (dry run)"
        } else {
            "stopped"
        };
        let idle = deps
            .config
            .idle_after
            .map(|d| format!(" (or idle longer than {} minutes)", d.as_secs() / 60))
            .unwrap_or_default();
        let message = format!(
            "The Glue session sweep {verb} {} session(s) running longer than {} minutes{idle}:\n{}",
            acted.len(),
            deps.config.max_session_age.as_secs() / 60,
            acted
                .iter()
                .map(|id| {
                    let why = if report.idle.contains(id) {
                        " (idle)"
                    } else {
                        ""
                    };
                    format!("- {id}{why}")
                })
                .collect::<Vec<_>>()
                .join("\n")
        );
        shared::sns::publish(
            &deps.sns,
            topic,
            &format!("Glue sweep {verb} {} session(s)", acted.len()),
            &message,
        )
        .await?;
    }
    if let (Some(topic), false) = (&deps.config.failure_topic_arn, report.undated.is_empty()) {
        let message = format!(
            "The Glue session sweep found {} running session(s) without a creation time, so it \
             cannot tell how long they have run and left them alone. Check them in the Glue \
             console:\n{}",
            report.undated.len(),
            report
                .undated
                .iter()
                .map(|id| format!("- {id}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        shared::sns::publish(
            &deps.sns,
            topic,
            &format!(
                "Glue sweep: {} session(s) without a creation time",
                report.undated.len()
            ),
            &message,
        )
        .await?;
    }
    if let (Some(topic), false) = (&deps.config.failure_topic_arn, report.failed.is_empty()) {
        let message = format!(
            "The Glue session sweep could not stop {} session(s); they may still be running and \
             costing money. Stop them in the Glue console and check the function's logs.\n{}",
            report.failed.len(),
            failures(report)
        );
        shared::sns::publish(
            &deps.sns,
            topic,
            &format!("Glue sweep FAILED on {} session(s)", report.failed.len()),
            &message,
        )
        .await?;
    }
    Ok(())
}

fn failures(report: &SweepReport) -> String {
    report
        .failed
        .iter()
        .map(|f| format!("- {} ({}): {}", f.session_id, f.error_type, f.error))
        .collect::<Vec<_>>()
        .join("\n")
}
