//! The trigger: an RDS auto-start event for a protected database starts one workflow.

use crate::event::{CheckInput, RdsEvent, Trigger};
use crate::history::{self, Verdict};
use crate::{Deps, db};
use aws_sdk_rds::primitives::DateTime;
use serde::Serialize;
use shared::Error;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct TriggerOutcome {
    /// `started` (also when the same call already started it and it still runs, as
    /// StartExecution is idempotent then), `already_started` (it ran and ended), `ignored`,
    /// `too_old`, `stopped_since` or `not_running`: only the first two have a workflow.
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn ignored(reason: String) -> TriggerOutcome {
    tracing::info!(reason, "event ignored");
    TriggerOutcome {
        action: "ignored",
        resource_id: None,
        execution_name: None,
        reason: Some(reason),
    }
}

fn left_alone(action: &'static str, event: &RdsEvent, reason: String) -> TriggerOutcome {
    tracing::info!(
        resource_id = event.resource_id,
        action,
        reason,
        "left alone"
    );
    TriggerOutcome {
        action,
        resource_id: Some(event.resource_id.clone()),
        execution_name: None,
        reason: Some(reason),
    }
}

/// The trigger: a delivered event, checked against the database's history since, then
/// [`start`]ed.
pub async fn trigger(
    deps: &Deps,
    trigger: Trigger,
    now: DateTime,
) -> Result<TriggerOutcome, Error> {
    let event = match trigger {
        Trigger::Ignore(reason) => return Ok(ignored(reason)),
        Trigger::Event(event) => event,
    };
    let since = history::read(
        &deps.rds,
        event.at,
        Some((&event.resource_id, event.resource_type)),
    )
    .await?;
    let verdict = history::judge(event.at, &since, now, deps.config.max_event_age_secs());
    start(deps, &event, &verdict).await
}

/// Starts the workflow for an auto-start whose verdict is [`Verdict::Act`], for a protected
/// database that is still running; says why not otherwise. The trigger and the sweep share it,
/// and with it the execution name, so each auto-start is handled once.
pub async fn start(
    deps: &Deps,
    event: &RdsEvent,
    verdict: &Verdict,
) -> Result<TriggerOutcome, Error> {
    let kind = event.resource_type;
    let what = format!("DB {} '{}'", kind.as_str(), event.resource_id);
    let db = match db::describe(&deps.rds, &event.resource_id, kind).await {
        Ok(db) => db,
        Err(Error::NotFound(reason)) => return Ok(left_alone("ignored", event, reason)),
        Err(e) => return Err(e),
    };
    if !db.protected {
        return Ok(left_alone(
            "ignored",
            event,
            format!("{what} is not tagged auto-restart-protection=yes"),
        ));
    }
    if db.status.is_stopping_or_stopped() {
        return Ok(left_alone(
            "not_running",
            event,
            format!("{what} is {} already", db.status),
        ));
    }
    let started_at = history::format_time(event.at);
    match verdict {
        Verdict::Act => {}
        Verdict::TooOld { age_minutes } => {
            return Ok(left_alone(
                "too_old",
                event,
                format!(
                    "{what} was auto-started at {started_at}, {age_minutes} minutes ago, more \
                     than MAX_EVENT_AGE_MINUTES ({}): it may be in use by now, so it is left \
                     {}",
                    deps.config.max_event_age_minutes, db.status
                ),
            ));
        }
        Verdict::StoppedSince { at } => {
            return Ok(left_alone(
                "stopped_since",
                event,
                format!(
                    "{what} was auto-started at {started_at} and stopped at {at}: someone \
                     started it since, so it is left {}",
                    db.status
                ),
            ));
        }
    }
    let Some(state_machine) = &deps.config.state_machine_arn else {
        return Err(Error::Configuration(
            "environment variable STATE_MACHINE_ARN is not set".into(),
        ));
    };
    let name = execution_name(event);
    // The state machine's input is the check's own input type.
    let input = serde_json::to_string(&CheckInput {
        resource_id: event.resource_id.clone(),
        resource_type: kind,
    })
    .map_err(|e| Error::Internal(format!("cannot serialise the check's input: {e}")))?;
    let started = deps
        .sfn
        .start_execution()
        .state_machine_arn(state_machine)
        .name(&name)
        .input(input)
        .send()
        .await;
    let action = match started {
        Ok(_) => "started",
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_execution_already_exists()) =>
        {
            "already_started"
        }
        Err(e) => {
            return Err(Error::from_sdk(
                format!("Step Functions StartExecution '{name}'"),
                e,
            ));
        }
    };
    tracing::info!(
        resource_id = event.resource_id,
        execution = name,
        action,
        "workflow"
    );
    Ok(TriggerOutcome {
        action,
        resource_id: Some(event.resource_id.clone()),
        execution_name: Some(name),
        reason: None,
    })
}

/// The same for every delivery of one auto-start, by any path: `<resource>-<0154>-<hash>`, the
/// hash of the resource, the event and the second it happened (EventBridge gives milliseconds,
/// SNS and `DescribeEvents` may not), within Step Functions' 80 characters of letters, digits,
/// `-` and `_`.
pub fn execution_name(event: &RdsEvent) -> String {
    let number = event.event_id.rsplit('-').next().unwrap_or_default();
    let key = format!(
        "{}|{}|{}|{}",
        event.resource_type.as_str(),
        event.resource_id,
        event.event_id,
        event.at.secs()
    );
    // 58 + "-0154-" + 16 hex digits = 80.
    let resource: String = event.resource_id.chars().take(58).collect();
    format!(
        "{resource}-{number}-{:016x}",
        shared::input::stable_hash(key.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ResourceType;

    fn event(id: &str, secs: i64) -> RdsEvent {
        RdsEvent {
            resource_id: id.into(),
            resource_type: ResourceType::Instance,
            event_id: "RDS-EVENT-0154".into(),
            at: DateTime::from_secs(secs),
        }
    }

    #[test]
    fn names_are_stable_distinct_and_valid() {
        let a = execution_name(&event("orders-db", 1_795_166_047));
        assert_eq!(a, execution_name(&event("orders-db", 1_795_166_047)));
        // The next auto-start, 7 days later, is another workflow.
        assert_ne!(a, execution_name(&event("orders-db", 1_795_770_847)));
        assert!(a.starts_with("orders-db-0154-"));
        let long = execution_name(&event(&format!("a{}", "b".repeat(62)), 0));
        assert!(long.len() <= 80, "{}", long.len());
        assert!(long.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn the_name_ignores_the_fraction_of_a_second_that_only_eventbridge_gives() {
        let mut precise = event("orders-db", 0);
        precise.at = DateTime::from_secs_and_nanos(1_795_166_047, 31_000_000);
        assert_eq!(
            execution_name(&precise),
            execution_name(&event("orders-db", 1_795_166_047))
        );
    }
}
