//! Limits on what a session may ask for when it is created. Its idle time-out and time-out
//! cannot be changed afterwards and default to 48 hours each, so a session created without them
//! may sit idle for two days at 5 DPUs; `CreateSession`'s request says what was asked, and a
//! session over a limit is reported at once and, unless the deployment only notifies, stopped
//! at once (the state machine skips its wait). Each limit is optional; none is set by default.

use serde::{Deserialize, Serialize};

/// Glue's default `IdleTimeout` and `Timeout` for an interactive session, in minutes.
pub const GLUE_DEFAULT_MINUTES: u32 = 2_880;
/// Glue's default capacity for an interactive session: 5 G.1X workers.
const GLUE_DEFAULT_DPUS: f64 = 5.0;

/// The deployment's limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub max_idle_timeout_minutes: Option<u32>,
    pub max_timeout_minutes: Option<u32>,
    pub max_workers: Option<u32>,
    /// Worker types allowed; empty: any.
    pub worker_types: Vec<String>,
    /// Report a session over a limit, and let it run to the usual stop.
    pub notify_only: bool,
    /// The Region's list price of one DPU-hour of an interactive session, for the report.
    pub dpu_hour_price: f64,
}

/// What `CreateSession` asked for (its request parameters; absent ones take Glue's defaults).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Asked {
    #[serde(default)]
    pub idle_timeout: Option<u32>,
    #[serde(default)]
    pub timeout: Option<u32>,
    #[serde(default)]
    pub number_of_workers: Option<u32>,
    #[serde(default)]
    pub worker_type: Option<String>,
    /// DPUs of a session without a worker type.
    #[serde(default)]
    pub max_capacity: Option<f64>,
}

impl Asked {
    /// The session's DPUs: workers times their type's DPUs, else `MaxCapacity`, else Glue's
    /// default. An unknown worker type counts as the largest, 8 DPUs, so it is never cheap.
    pub fn dpus(&self) -> f64 {
        match (self.number_of_workers, self.worker_type.as_deref()) {
            (Some(workers), Some(kind)) => f64::from(workers) * dpus_per_worker(kind),
            _ => self.max_capacity.unwrap_or(GLUE_DEFAULT_DPUS),
        }
    }
}

fn dpus_per_worker(kind: &str) -> f64 {
    match kind {
        "G.025X" => 0.25,
        "G.1X" => 1.0,
        "G.2X" | "Z.2X" => 2.0,
        "G.4X" => 4.0,
        _ => 8.0,
    }
}

/// The verdict on one session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Each limit broken, in words; empty: within every limit.
    pub broken: Vec<String>,
    pub dpus: f64,
    /// The longest it may run: its time-out.
    pub hours: f64,
    /// DPU-hours at that, and their list price.
    pub dpu_hours: f64,
    pub cost: f64,
}

pub fn check(limits: &Limits, asked: &Asked) -> Verdict {
    let mut broken = Vec::new();
    let idle = asked.idle_timeout.unwrap_or(GLUE_DEFAULT_MINUTES);
    let timeout = asked.timeout.unwrap_or(GLUE_DEFAULT_MINUTES);
    let given = |value: Option<u32>| {
        if value.is_some() {
            ""
        } else {
            " (Glue's default)"
        }
    };
    if let Some(max) = limits.max_idle_timeout_minutes.filter(|max| idle > *max) {
        broken.push(format!(
            "IdleTimeout {idle} minutes{} is over the limit of {max}",
            given(asked.idle_timeout)
        ));
    }
    if let Some(max) = limits.max_timeout_minutes.filter(|max| timeout > *max) {
        broken.push(format!(
            "Timeout {timeout} minutes{} is over the limit of {max}",
            given(asked.timeout)
        ));
    }
    if let (Some(max), Some(workers)) = (limits.max_workers, asked.number_of_workers)
        && workers > max
    {
        broken.push(format!("{workers} workers is over the limit of {max}"));
    }
    if !limits.worker_types.is_empty() {
        let kind = asked.worker_type.as_deref().unwrap_or("none given");
        if !limits.worker_types.iter().any(|allowed| allowed == kind) {
            broken.push(format!(
                "worker type {kind} is not one of {}",
                limits.worker_types.join(", ")
            ));
        }
    }
    let dpus = asked.dpus();
    let hours = f64::from(timeout) / 60.0;
    let dpu_hours = dpus * hours;
    Verdict {
        broken,
        dpus,
        hours,
        dpu_hours,
        cost: dpu_hours * limits.dpu_hour_price,
    }
}

/// What the state machine reads: whether the session broke a limit and is to be stopped now,
/// and the notification's words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub session_id: String,
    pub over: bool,
    /// Over a limit, and the deployment stops such sessions: the state machine skips its wait.
    pub stop_now: bool,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub subject: String,
    pub summary: String,
}

pub fn report(limits: &Limits, session_id: String, asked: &Asked, creator: &str) -> Report {
    let verdict = check(limits, asked);
    let over = !verdict.broken.is_empty();
    let stop_now = over && !limits.notify_only;
    let what = if stop_now {
        "It is being stopped now."
    } else {
        "It is left running until its usual stop (LimitAction is notify)."
    };
    let summary = format!(
        "Glue session '{session_id}', created by {creator}, asks for more than this account \
         allows: {}. At its limits it could run {:.1} hours at {} DPUs: {:.1} DPU-hours, about \
         ${:.2} at ${} per DPU-hour. {what}",
        verdict.broken.join("; "),
        verdict.hours,
        verdict.dpus,
        verdict.dpu_hours,
        verdict.cost,
        limits.dpu_hour_price,
    );
    Report {
        subject: shared::sns::subject(&format!("Glue session over its limits: {session_id}")),
        session_id,
        over,
        stop_now,
        verdict,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_idle_timeout_minutes: Some(60),
            max_timeout_minutes: Some(240),
            max_workers: Some(10),
            worker_types: vec!["G.1X".into(), "G.2X".into()],
            notify_only: false,
            dpu_hour_price: 0.44,
        }
    }

    #[test]
    fn a_session_within_every_limit_breaks_none() {
        let asked = Asked {
            idle_timeout: Some(30),
            timeout: Some(120),
            number_of_workers: Some(5),
            worker_type: Some("G.2X".into()),
            max_capacity: None,
        };
        let verdict = check(&limits(), &asked);
        assert!(verdict.broken.is_empty(), "{verdict:?}");
        assert_eq!((verdict.dpus, verdict.hours), (10.0, 2.0));
        assert!((verdict.cost - 20.0 * 0.44).abs() < 1e-9);
    }

    #[test]
    fn a_session_asking_for_nothing_gets_glues_48_hours_and_breaks_both_time_limits() {
        let verdict = check(&limits(), &Asked::default());
        assert_eq!(
            verdict.broken,
            [
                "IdleTimeout 2880 minutes (Glue's default) is over the limit of 60",
                "Timeout 2880 minutes (Glue's default) is over the limit of 240",
                "worker type none given is not one of G.1X, G.2X",
            ]
        );
        assert_eq!(verdict.dpus, 5.0);
        assert_eq!(verdict.dpu_hours, 240.0, "5 DPUs for 48 hours");
        assert!((verdict.cost - 105.6).abs() < 1e-9);
    }

    #[test]
    fn too_many_workers_and_a_type_not_allowed_are_each_named() {
        let asked = Asked {
            idle_timeout: Some(30),
            timeout: Some(60),
            number_of_workers: Some(20),
            worker_type: Some("G.8X".into()),
            max_capacity: None,
        };
        let verdict = check(&limits(), &asked);
        assert_eq!(
            verdict.broken,
            [
                "20 workers is over the limit of 10",
                "worker type G.8X is not one of G.1X, G.2X"
            ]
        );
        assert_eq!(verdict.dpus, 160.0);
    }

    #[test]
    fn the_report_names_the_session_its_creator_the_limits_and_the_cost() {
        let report = report(
            &limits(),
            "etl-dev".into(),
            &Asked::default(),
            "arn:aws:sts::123456789012:assumed-role/DataEngineer/ana",
        );
        assert!(report.over && report.stop_now);
        assert_eq!(report.subject, "Glue session over its limits: etl-dev");
        for part in [
            "'etl-dev', created by arn:aws:sts::123456789012:assumed-role/DataEngineer/ana",
            "IdleTimeout 2880 minutes (Glue's default) is over the limit of 60",
            "48.0 hours at 5 DPUs: 240.0 DPU-hours, about $105.60 at $0.44 per DPU-hour",
            "It is being stopped now.",
        ] {
            assert!(report.summary.contains(part), "{}", report.summary);
        }
        let notify = Limits {
            notify_only: true,
            ..limits()
        };
        let told = super::report(&notify, "etl-dev".into(), &Asked::default(), "someone");
        assert!(told.over && !told.stop_now);
        assert!(told.summary.contains("left running"), "{}", told.summary);
    }

    #[test]
    fn no_limit_set_breaks_nothing_whatever_is_asked() {
        let none = Limits::default();
        let asked = Asked {
            number_of_workers: Some(1_000),
            worker_type: Some("G.8X".into()),
            ..Asked::default()
        };
        assert!(check(&none, &asked).broken.is_empty());
    }

    #[test]
    fn capacity_without_a_worker_type_is_max_capacity_and_unknown_types_count_as_large() {
        let standard = Asked {
            max_capacity: Some(2.0),
            ..Asked::default()
        };
        assert_eq!(standard.dpus(), 2.0);
        let unknown = Asked {
            number_of_workers: Some(2),
            worker_type: Some("G.16X".into()),
            ..Asked::default()
        };
        assert_eq!(unknown.dpus(), 16.0);
    }
}
