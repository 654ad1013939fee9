//! The usage report (on an optional schedule): the auto-starts of the last hours, from RDS's
//! own event history, and for each protected database whether it was kept stopped, how long it
//! ran, and the hours that saved: it stays stopped until AWS starts it again, 7 days later.

use crate::Deps;
use crate::db;
use crate::event::ResourceType;
use crate::history;
use aws_sdk_rds::primitives::DateTime;
use serde::Serialize;
use shared::Error;

/// How long RDS lets a database stay stopped before it starts it again.
const STOPPED_FOR: i64 = 7 * 24 * 3600;

#[derive(Debug, Serialize, PartialEq)]
pub struct UsageReport {
    pub mode: &'static str,
    pub hours: u32,
    /// Protected databases AWS auto-started in the window.
    pub auto_starts: usize,
    pub kept_stopped: Vec<Kept>,
    /// Protected databases auto-started in the window and running now.
    pub running: Vec<String>,
    pub hours_saved: f64,
    pub subject: String,
    pub summary: String,
    /// Sent to the success topic (none configured: only returned and logged).
    pub published: bool,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Kept {
    pub resource_id: String,
    pub resource_type: ResourceType,
    /// Minutes from its auto-start to its stop.
    pub ran_minutes: i64,
    /// Hours it stays stopped until AWS's next start.
    pub saved_hours: f64,
}

pub async fn usage(deps: &Deps, now: DateTime, hours: u32) -> Result<UsageReport, Error> {
    let since = DateTime::from_secs(now.secs() - i64::from(hours) * 3600);
    let entries = history::read(&deps.rds, since, None).await?;
    let (mut kept_stopped, mut running) = (Vec::new(), Vec::new());
    for auto_start in history::latest_auto_starts(&entries) {
        let (id, kind) = (&auto_start.resource_id, auto_start.resource_type);
        let db = match db::describe(&deps.rds, id, kind).await {
            Ok(db) if db.protected => db,
            Ok(_) | Err(Error::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        if db.status.is_stopping_or_stopped() {
            // When its stop shows in the history; else it ran until now at most.
            let stopped = history::first_stop(auto_start.at, history::of_db(&entries, auto_start))
                .map_or(now.secs(), |e| e.at.secs());
            let ran = stopped - auto_start.at.secs();
            kept_stopped.push(Kept {
                resource_id: id.clone(),
                resource_type: kind,
                ran_minutes: ran / 60,
                saved_hours: round((STOPPED_FOR - ran) as f64 / 3600.0),
            });
        } else {
            running.push(format!("DB {} '{id}' ({})", kind.as_str(), db.status));
        }
    }
    let mut report = summarise(hours, kept_stopped, running);
    if let Some(topic) = &deps.config.usage_topic_arn {
        shared::sns::publish(&deps.sns, topic, &report.subject, &report.summary).await?;
        report.published = true;
    }
    Ok(report)
}

fn summarise(hours: u32, kept_stopped: Vec<Kept>, running: Vec<String>) -> UsageReport {
    let hours_saved = round(kept_stopped.iter().map(|k| k.saved_hours).sum());
    let auto_starts = kept_stopped.len() + running.len();
    let subject = format!(
        "RDS auto-stop, last {hours} hours: {} of {auto_starts} auto-started databases kept \
         stopped, {hours_saved} hours saved",
        kept_stopped.len()
    );
    let mut summary = format!(
        "AWS started {auto_starts} protected databases after 7 days stopped in the last {hours} \
         hours. {} were stopped again and stay stopped until AWS starts them again in 7 days: \
         {hours_saved} database-hours saved.",
        kept_stopped.len()
    );
    for k in &kept_stopped {
        summary.push_str(&format!(
            "\n- DB {} '{}': ran {} minutes, {} hours saved",
            k.resource_type.as_str(),
            k.resource_id,
            k.ran_minutes,
            k.saved_hours
        ));
    }
    if !running.is_empty() {
        summary.push_str(&format!("\nNot stopped: {}.", running.join(", ")));
    }
    UsageReport {
        mode: "usage",
        hours,
        auto_starts,
        kept_stopped,
        running,
        hours_saved,
        subject,
        summary,
        published: false,
    }
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_what_was_kept_stopped_and_names_what_runs() {
        let kept = vec![Kept {
            resource_id: "orders-dev".into(),
            resource_type: ResourceType::Instance,
            ran_minutes: 30,
            saved_hours: 167.5,
        }];
        let report = summarise(
            24,
            kept,
            vec!["DB instance 'search-dev' (available)".into()],
        );
        assert_eq!((report.auto_starts, report.hours_saved), (2, 167.5));
        assert!(
            report
                .subject
                .contains("1 of 2 auto-started databases kept stopped")
        );
        assert!(
            report
                .summary
                .contains("- DB instance 'orders-dev': ran 30 minutes, 167.5 hours saved")
        );
        assert!(
            report
                .summary
                .contains("Not stopped: DB instance 'search-dev' (available).")
        );
    }
}
