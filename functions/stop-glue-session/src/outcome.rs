//! What was done to one session, and the words people read about it in notifications: what
//! happened, to which session, what to do.

use aws_sdk_glue::primitives::DateTime;
use aws_sdk_glue::types::Session;
use serde::Serialize;
use std::time::SystemTime;

/// What was done to a session.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Stopped,
    /// Dry run: it would have been stopped.
    WouldStop,
    /// STOPPING, STOPPED, TIMEOUT or FAILED already: no call made.
    AlreadyEnded,
    /// Tagged to be left running.
    OptedOut,
    /// Created after the CreateSession event this stop is for: another session that reuses
    /// the id (the first was deleted), left to its own stop and to the sweep.
    Replaced,
}

/// The result for one session: the state machine's notification reads `subject` and `summary`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Outcome {
    pub session_id: String,
    pub previous_status: String,
    pub action: Action,
    pub dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpu_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_seconds: Option<i64>,
    pub subject: String,
    pub summary: String,
}

impl Outcome {
    pub(crate) fn new(
        session: &Session,
        session_id: &str,
        previous_status: String,
        action: Action,
        config: &crate::Config,
        now: SystemTime,
    ) -> Self {
        let running_seconds = session
            .created_on()
            .map(|created| (DateTime::from(now).secs() - created.secs()).max(0));
        let mut outcome = Outcome {
            session_id: session_id.to_owned(),
            previous_status,
            action,
            dry_run: config.dry_run,
            dpu_seconds: session.dpu_seconds(),
            execution_time: session.execution_time(),
            running_seconds,
            subject: String::new(),
            summary: String::new(),
        };
        outcome.subject = subject(&outcome);
        outcome.summary = summary(&outcome, &config.opt_out_tag);
        outcome
    }
}

fn subject(o: &Outcome) -> String {
    let what = match o.action {
        Action::Stopped => "stopped",
        Action::WouldStop => "would be stopped (dry run)",
        Action::AlreadyEnded => "already ended",
        Action::OptedOut => "left running (opted out)",
        Action::Replaced => "left running (a newer session with the same id)",
    };
    shared::sns::subject(&format!("Glue session {what}: {}", o.session_id))
}

fn summary(o: &Outcome, opt_out_tag: &(String, String)) -> String {
    let id = &o.session_id;
    let status = &o.previous_status;
    let ran = o
        .running_seconds
        .map(|s| format!(", running for {}", duration(s)))
        .unwrap_or_default();
    let dpu = o
        .dpu_seconds
        .map(|d| format!(", {d:.1} DPU-seconds"))
        .unwrap_or_default();
    match o.action {
        Action::Stopped => format!("Stopped Glue session '{id}' (was {status}{ran}{dpu})."),
        Action::WouldStop => format!(
            "Dry run: would have stopped Glue session '{id}' ({status}{ran}{dpu}). Nothing was \
             changed; deploy with DryRun=false to stop sessions."
        ),
        Action::AlreadyEnded => {
            format!("Glue session '{id}' was already {status}{ran}{dpu}: nothing to do.")
        }
        Action::OptedOut => format!(
            "Glue session '{id}' ({status}{ran}) is tagged {}={}: left running. Remove the tag \
             to have it stopped.",
            opt_out_tag.0, opt_out_tag.1
        ),
        Action::Replaced => format!(
            "Glue session '{id}' ({status}{ran}) was created after the CreateSession event this \
             stop was for: the session that event created is gone and this one reuses its id. It \
             was left running; the sweep stops it at the session limit."
        ),
    }
}

/// `3725` → `1h 02m 05s`.
fn duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s:02}s"),
        _ => format!("{h}h {m:02}m {s:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(action: Action) -> Outcome {
        Outcome {
            session_id: "etl-dev".into(),
            previous_status: "READY".into(),
            action,
            dry_run: action == Action::WouldStop,
            dpu_seconds: Some(12.25),
            execution_time: None,
            running_seconds: Some(3725),
            subject: String::new(),
            summary: String::new(),
        }
    }

    fn tag() -> (String, String) {
        ("auto-stop".into(), "false".into())
    }

    #[test]
    fn durations_read_as_hours_minutes_and_seconds() {
        assert_eq!(duration(5), "5s");
        assert_eq!(duration(65), "1m 05s");
        assert_eq!(duration(3725), "1h 02m 05s");
    }

    #[test]
    fn stopped_names_session_status_and_run_time() {
        let s = summary(&outcome(Action::Stopped), &tag());
        assert_eq!(
            s,
            "Stopped Glue session 'etl-dev' (was READY, running for 1h 02m 05s, 12.2 DPU-seconds)."
        );
        assert_eq!(
            subject(&outcome(Action::Stopped)),
            "Glue session stopped: etl-dev"
        );
    }

    #[test]
    fn dry_run_says_what_would_have_been_done() {
        let s = summary(&outcome(Action::WouldStop), &tag());
        assert!(
            s.starts_with("Dry run: would have stopped Glue session 'etl-dev'"),
            "{s}"
        );
        assert!(s.contains("Nothing was changed"));
    }

    #[test]
    fn opted_out_names_the_tag() {
        let s = summary(&outcome(Action::OptedOut), &tag());
        assert!(s.contains("tagged auto-stop=false"), "{s}");
    }

    #[test]
    fn subject_stays_under_the_sns_limit() {
        let mut o = outcome(Action::Stopped);
        o.session_id = "x".repeat(255);
        assert!(subject(&o).chars().count() < 100);
    }
}
