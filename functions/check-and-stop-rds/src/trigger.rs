//! The trigger: an RDS auto-start event for a protected database starts one workflow.

use crate::event::{CheckInput, RdsEvent, Trigger};
use crate::{Deps, db};
use serde::Serialize;
use shared::Error;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct TriggerOutcome {
    /// `started`, `already_started` (a duplicate delivery) or `ignored`.
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

pub async fn trigger(deps: &Deps, trigger: Trigger) -> Result<TriggerOutcome, Error> {
    let event = match trigger {
        Trigger::Ignore(reason) => return Ok(ignored(reason)),
        Trigger::Event(event) => event,
    };
    let kind = event.resource_type;
    let db = match db::describe(&deps.rds, &event.resource_id, kind).await {
        Ok(db) => db,
        Err(Error::NotFound(reason)) => return Ok(ignored(reason)),
        Err(e) => return Err(e),
    };
    if !db.protected {
        return Ok(ignored(format!(
            "DB {} '{}' is not tagged auto-restart-protection=yes",
            kind.as_str(),
            event.resource_id
        )));
    }
    let Some(state_machine) = &deps.config.state_machine_arn else {
        return Err(Error::Configuration(
            "environment variable STATE_MACHINE_ARN is not set".into(),
        ));
    };
    let name = execution_name(&event);
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
        resource_id: Some(event.resource_id),
        execution_name: Some(name),
        reason: None,
    })
}

/// The same for every delivery of one event: `<resource>-<0154>-<hash of the occurrence>`,
/// within Step Functions' 80 characters of letters, digits, `-` and `_`.
pub fn execution_name(event: &RdsEvent) -> String {
    let number = event.event_id.rsplit('-').next().unwrap_or_default();
    let key = format!(
        "{}|{}|{}|{}",
        event.resource_type.as_str(),
        event.resource_id,
        event.event_id,
        event.occurrence
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

    fn event(id: &str, occurrence: &str) -> RdsEvent {
        RdsEvent {
            resource_id: id.into(),
            resource_type: ResourceType::Instance,
            event_id: "RDS-EVENT-0154".into(),
            occurrence: occurrence.into(),
        }
    }

    #[test]
    fn names_are_stable_distinct_and_valid() {
        let a = execution_name(&event("orders-db", "2026-11-20 09:14:07.031"));
        assert_eq!(
            a,
            execution_name(&event("orders-db", "2026-11-20 09:14:07.031"))
        );
        assert_ne!(
            a,
            execution_name(&event("orders-db", "2026-11-27 09:14:07.031"))
        );
        assert!(a.starts_with("orders-db-0154-"));
        let long = execution_name(&event(&format!("a{}", "b".repeat(62)), "t"));
        assert!(long.len() <= 80, "{}", long.len());
        assert!(long.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
