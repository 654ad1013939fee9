//! The scheduled sweep, the safety net under the trigger: if an auto-start's event never
//! reached the trigger, or its retries ran out, the database would run for 7 days. The sweep
//! reads RDS's own event history instead, and starts the same workflow, under the same
//! execution name, for every recent auto-start of a protected database that still runs.

use crate::Deps;
use crate::event::RdsEvent;
use crate::history;
use crate::trigger::{TriggerOutcome, start};
use aws_sdk_rds::primitives::DateTime;
use serde::Serialize;
use shared::Error;

#[derive(Debug, Serialize, PartialEq)]
pub struct SweepReport {
    pub mode: &'static str,
    pub dry_run: bool,
    /// The history read: from `since` to now.
    pub since: String,
    /// Auto-starts found (the latest per database).
    pub auto_starts: usize,
    /// One per auto-start: `started`, `already_started` (the trigger was first), or why not.
    pub results: Vec<TriggerOutcome>,
    /// Published to the report topic: auto-starts of protected databases left running.
    pub reported: bool,
}

pub async fn sweep(deps: &Deps, now: DateTime) -> Result<SweepReport, Error> {
    let since = DateTime::from_secs(now.secs().saturating_sub(deps.config.lookback_secs()));
    let entries = history::read(&deps.rds, since, None).await?;
    let latest = history::latest_auto_starts(&entries);
    let mut results = Vec::with_capacity(latest.len());
    let mut first_error = None;
    for auto_start in &latest {
        let event = RdsEvent {
            resource_id: auto_start.resource_id.clone(),
            resource_type: auto_start.resource_type,
            event_id: auto_start.resource_type.auto_start_event().to_owned(),
            at: auto_start.at,
        };
        let verdict = history::judge(
            auto_start.at,
            history::of_db(&entries, auto_start),
            now,
            deps.config.max_event_age_secs(),
        );
        match start(deps, &event, &verdict).await {
            Ok(outcome) => results.push(outcome),
            // One database's failure does not keep the others from their workflow; the sweep
            // then fails, so that Lambda retries it (the names make a retry start nothing twice).
            Err(e) => {
                tracing::error!(resource_id = event.resource_id, error = %e, "sweep");
                first_error.get_or_insert(e);
            }
        }
    }
    let reported = report(deps, &results).await?;
    let report = SweepReport {
        mode: "sweep",
        dry_run: deps.config.dry_run,
        since: history::format_time(since),
        auto_starts: latest.len(),
        results,
        reported,
    };
    tracing::info!(report = ?report, "sweep");
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// Tells the report topic about protected databases that AWS started and that are left running
/// (too old to act on, or started again by someone): a person decides.
async fn report(deps: &Deps, results: &[TriggerOutcome]) -> Result<bool, Error> {
    let left: Vec<&str> = results
        .iter()
        .filter(|r| matches!(r.action, "too_old" | "stopped_since"))
        .filter_map(|r| r.reason.as_deref())
        .collect();
    let Some(topic) = &deps.config.report_topic_arn else {
        return Ok(false);
    };
    if left.is_empty() {
        return Ok(false);
    }
    let subject = format!(
        "RDS auto-stop: {} auto-started database(s) left running",
        left.len()
    );
    let message = format!(
        "The RDS auto-stop sweep found databases that AWS started after 7 days stopped and left \
         them running:\n\n- {}\n\nStop them by hand if nobody needs them.",
        left.join("\n- ")
    );
    shared::sns::publish(&deps.sns, topic, &subject, &message).await?;
    Ok(true)
}
