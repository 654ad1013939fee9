//! Stopping one session: read it first, act only when it is READY.

use crate::Deps;
use crate::error::StopError;
use crate::outcome::{Action, Outcome};
use aws_sdk_glue::primitives::DateTime;
use aws_sdk_glue::types::{Session, SessionStatus};
use shared::Error;
use std::collections::HashMap;
use std::time::SystemTime;

/// How much later than its CreateSession event a session's `CreatedOn` may be and still be
/// that session: CloudTrail records the call when it arrives, Glue the session a moment later.
pub const SAME_SESSION_SECONDS: i64 = 120;

/// What the session's status lets us do.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Stop,
    AlreadyEnded,
    NotReady,
    Unknown,
}

/// What each status lets us do; a status this build does not know stops nothing.
fn step(status: Option<&SessionStatus>) -> Step {
    match status {
        Some(SessionStatus::Ready) => Step::Stop,
        Some(
            SessionStatus::Stopping
            | SessionStatus::Stopped
            | SessionStatus::Timeout
            | SessionStatus::Failed,
        ) => Step::AlreadyEnded,
        Some(SessionStatus::Provisioning) => Step::NotReady,
        // `SessionStatus::Unknown` and any status added after this build, or none at all.
        _ => Step::Unknown,
    }
}

/// Stops the session if it is READY, not opted out, and (when `created_at` is known) the one
/// created then. Calls StopSession at most once.
pub async fn stop_session(
    deps: &Deps,
    session_id: &str,
    created_at: Option<DateTime>,
    now: SystemTime,
) -> Result<Outcome, StopError> {
    let session = get_session(deps, session_id).await?;
    let step = step(session.status());
    let status = session
        .status()
        .map_or_else(|| "UNKNOWN".to_owned(), |s| s.as_str().to_owned());

    let action = if is_newer(&session, created_at) {
        Action::Replaced
    } else if step == Step::AlreadyEnded {
        Action::AlreadyEnded
    } else if opted_out(deps, session_id).await? {
        Action::OptedOut
    } else {
        match step {
            Step::NotReady => {
                tracing::info!(session_id, status, "session not ready yet");
                return Err(StopError::SessionNotReady {
                    session_id: session_id.to_owned(),
                    status,
                });
            }
            Step::Unknown => {
                return Err(StopError::UnknownStatus {
                    session_id: session_id.to_owned(),
                    status,
                });
            }
            Step::Stop if deps.config.dry_run => Action::WouldStop,
            Step::Stop => {
                call_stop_session(deps, session_id).await?;
                Action::Stopped
            }
            Step::AlreadyEnded => Action::AlreadyEnded,
        }
    };
    let outcome = Outcome::new(&session, session_id, status, action, &deps.config, now);
    tracing::info!(
        session_id,
        previous_status = outcome.previous_status,
        action = ?outcome.action,
        dry_run = deps.config.dry_run,
        "{}",
        outcome.summary
    );
    Ok(outcome)
}

/// Whether `session` was created well after `created_at`: then it is not the session the
/// event was about.
fn is_newer(session: &Session, created_at: Option<DateTime>) -> bool {
    let (Some(created_on), Some(expected)) = (session.created_on(), created_at) else {
        return false;
    };
    created_on.secs() > expected.secs() + SAME_SESSION_SECONDS
}

async fn get_session(deps: &Deps, session_id: &str) -> Result<Session, StopError> {
    let out = deps
        .glue
        .get_session()
        .id(session_id)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_entity_not_found_exception())
            {
                Error::NotFound(format!("Glue session '{session_id}' does not exist"))
            } else {
                Error::from_sdk(format!("Glue GetSession '{session_id}'"), e)
            }
        })?;
    out.session.ok_or_else(|| {
        Error::Aws(format!(
            "Glue GetSession '{session_id}' returned no session"
        ))
        .into()
    })
}

async fn opted_out(deps: &Deps, session_id: &str) -> Result<bool, StopError> {
    let (key, value) = &deps.config.opt_out_tag;
    Ok(tags(deps, session_id).await?.get(key) == Some(value))
}

/// A session's tags (GetTags takes its ARN).
pub(crate) async fn tags(deps: &Deps, session_id: &str) -> Result<HashMap<String, String>, Error> {
    let session_arn = format!("{}{session_id}", deps.config.session_arn_prefix);
    let out = deps
        .glue
        .get_tags()
        .resource_arn(&session_arn)
        .send()
        .await
        .map_err(|e| Error::from_sdk(format!("Glue GetTags '{session_arn}'"), e))?;
    Ok(out.tags.unwrap_or_default())
}

async fn call_stop_session(deps: &Deps, session_id: &str) -> Result<(), StopError> {
    deps.glue
        .stop_session()
        .id(session_id)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            // It left READY between our read and the call: read it again on the next attempt.
            Some(s) if s.is_illegal_session_state_exception() => StopError::SessionNotReady {
                session_id: session_id.to_owned(),
                status: "changing state".into(),
            },
            _ => Error::from_sdk(format!("Glue StopSession '{session_id}'"), e).into(),
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The step for a status as Glue sends it.
    fn step_for(status: &str) -> Step {
        step(Some(&SessionStatus::from(status)))
    }

    #[test]
    fn only_ready_sessions_are_stopped() {
        assert_eq!(step_for("READY"), Step::Stop);
        for s in ["STOPPING", "STOPPED", "TIMEOUT", "FAILED"] {
            assert_eq!(step_for(s), Step::AlreadyEnded, "{s}");
        }
        assert_eq!(step_for("PROVISIONING"), Step::NotReady);
        // Glue has no PENDING status: like any status the SDK does not know, it stops nothing.
        assert_eq!(step_for("PENDING"), Step::Unknown);
        assert_eq!(step_for("ready"), Step::Unknown);
        assert_eq!(step_for("HIBERNATING"), Step::Unknown);
        assert_eq!(step(None), Step::Unknown);
    }
}
