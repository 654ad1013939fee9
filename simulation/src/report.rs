//! What the month came to: resources left running past their budget, stop calls per resource,
//! executions failed and the alarms that would have fired.
//!
//! A session's budget: if its CreateSession event arrived, the chosen duration after that
//! (or, if it was still provisioning then, when it became READY), plus 3 minutes for the
//! retries (for a session over its limits, the event's arrival, not the chosen duration); if not, the sweep's limit plus one sweep period plus 4 minutes (Lambda's two
//! retries of a failed sweep). A database's budget: one poll period after it became available
//! (or after its event arrived, if later) plus 3 minutes; if no trigger started its workflow
//! (the event was lost, or the trigger failed), one RDS sweep period after its auto-start
//! instead of the event, plus 4 minutes.

use crate::cloud::{Caller, Session, State};
use crate::run::{
    MAX_WORKERS, Outcome, POLL_SECONDS, RDS_SWEEP_EVERY, SESSION_LIMIT_MINUTES, STOP_AFTER_SECONDS,
    SWEEP_EVERY,
};
use crate::scenario::{Options, Plan, SessionPlan};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const WORKFLOW_SLACK: f64 = 180.0;
const SWEEP_SLACK: f64 = 240.0;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub simulated_days: f64,
    pub real_seconds: f64,
    pub speed: f64,
    pub glue: Glue,
    pub rds: Rds,
    /// What ran, beside the same scenario with no stopper and with the seed's design.
    pub usage: Usage,
    /// Per alarm of the template: the 1-minute periods in which it would have fired.
    pub alarms: BTreeMap<&'static str, usize>,
    pub executions_unfinished: usize,
    /// Every way the run missed a goal, one line each.
    pub problems: Vec<String>,
}

/// Glue's DPU-hours and the protected databases' hours, three ways.
#[derive(Debug, Default, Serialize)]
pub struct Usage {
    pub dpu_hours: Compared,
    pub database_hours: Compared,
}

#[derive(Debug, Default, Serialize)]
pub struct Compared {
    pub ours: f64,
    /// The seed's design: wait, then StopSession with three retries 10 s apart, no sweep, no
    /// limits at creation; for RDS, the trigger alone.
    pub seed: f64,
    /// Nothing stops anything: Glue's own 48-hour default timeout; a database runs on.
    pub none: f64,
}

/// Glue's default `Timeout` when a session asks for none.
const GLUE_TIMEOUT: f64 = 48.0 * 3600.0;
/// An opted-out session's owner stops it after this long (`cloud::glue`).
const OWNER_STOPS_AFTER: f64 = 3.0 * 3600.0;

#[derive(Debug, Default, Serialize)]
pub struct Glue {
    pub sessions: usize,
    pub events_lost: usize,
    pub opted_out: usize,
    pub over_limits: usize,
    pub idle_from_start: usize,
    /// Stopped by the sweep for idleness, before the hard limit.
    pub stopped_idle: usize,
    /// Stopped while a statement ran, before the hard limit, that the sweep's last listing
    /// showed (the goal is none).
    pub busy_stopped_early: usize,
    /// Stopped while a statement ran that started after the sweep last listed them: the window
    /// between the last look and the stop, which Glue leaves open (it has no stop-if-idle).
    pub started_during_stop: usize,
    pub stopped_by_workflow: usize,
    pub stopped_by_sweep: usize,
    pub past_budget: usize,
    pub stop_calls: usize,
    pub stop_calls_refused: u32,
    /// The longest a session with a delivered event ran past the chosen duration, in minutes.
    pub longest_past_due_minutes: f64,
    /// The longest a session whose event was lost ran, in minutes.
    pub longest_lost_minutes: f64,
    pub api_calls: u64,
    pub api_calls_throttled: u64,
    pub executions: usize,
    pub executions_failed: BTreeMap<String, usize>,
    pub sweeps: u32,
    pub sweep_errors: usize,
    pub failure_notifications: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct Rds {
    pub databases: usize,
    pub unprotected: usize,
    pub events_delivered: usize,
    /// Auto-starts whose every event was lost.
    pub events_lost: usize,
    /// Auto-starts whose trigger failed on every try.
    pub triggers_broken: usize,
    pub stopped: usize,
    pub past_budget: usize,
    pub stop_calls: u32,
    pub stop_calls_refused: u32,
    /// The longest a protected database stayed available before it was stopped, in minutes.
    pub longest_available_minutes: f64,
    pub api_calls: u64,
    pub api_calls_throttled: u64,
    pub executions: usize,
    pub executions_failed: BTreeMap<String, usize>,
    pub trigger_invocations: u32,
    pub trigger_errors: usize,
    /// Invocations of the scenario's broken triggers, all failed: their alarms are by design.
    pub trigger_faults: usize,
    pub sweeps: u32,
    pub sweep_errors: usize,
}

impl Report {
    pub fn goals_met(&self) -> bool {
        self.problems.is_empty()
    }
}

pub fn report(options: &Options, plan: &Plan, outcome: &Outcome) -> Report {
    let state = outcome.cloud.state();
    let end = outcome.end;
    let mut report = Report {
        simulated_days: (end / 86_400.0 * 10.0).round() / 10.0,
        real_seconds: (outcome.real.as_secs_f64() * 10.0).round() / 10.0,
        speed: options.speed,
        executions_unfinished: outcome.unfinished,
        ..Report::default()
    };
    if outcome.unfinished > 0 {
        report.problems.push(format!(
            "{} executions or invocations never finished",
            outcome.unfinished
        ));
    }
    glue(plan, &state, end, &mut report);
    rds(plan, &state, end, &mut report);
    report.usage = usage(plan, &state, end);
    let inv = &outcome.invocations;
    report.glue.sweeps = inv.sweeps;
    report.glue.sweep_errors = inv.sweep_errors.len();
    report.rds.trigger_invocations = inv.triggers;
    report.rds.trigger_errors = inv.trigger_errors.len();
    report.rds.trigger_faults = inv.trigger_faults.len();
    report.rds.sweeps = inv.rds_sweeps;
    report.rds.sweep_errors = inv.rds_sweep_errors.len();

    let failed_minutes = |machine: &str| {
        minutes(state.executions.values().filter_map(|e| {
            (e.machine == machine && matches!(e.result, Some(Err(_)))).then_some(e.finished?)
        }))
    };
    report.alarms = BTreeMap::from([
        (
            "GlueSessionStopFailedAlarm",
            failed_minutes("glue-session-stop"),
        ),
        (
            "GlueSweepErrorsAlarm",
            minutes(inv.sweep_errors.iter().copied()),
        ),
        ("RdsAutoStopFailedAlarm", failed_minutes("rds-auto-stop")),
        (
            "RdsTriggerErrorsAlarm",
            minutes(inv.trigger_errors.iter().copied()),
        ),
        (
            "RdsSweepErrorsAlarm",
            minutes(inv.rds_sweep_errors.iter().copied()),
        ),
    ]);
    for (alarm, periods) in &report.alarms {
        if *periods > 0 {
            report
                .problems
                .push(format!("{alarm} would have fired in {periods} minute(s)"));
        }
    }
    report
}

fn minutes(times: impl Iterator<Item = f64>) -> usize {
    times
        .map(|t| (t / 60.0) as u64)
        .collect::<BTreeSet<_>>()
        .len()
}

fn executions_failed(state: &State, machine: &str) -> (usize, BTreeMap<String, usize>) {
    let mut failed = BTreeMap::new();
    let mut count = 0;
    for e in state.executions.values().filter(|e| e.machine == machine) {
        count += 1;
        if let Some(Err(error)) = &e.result {
            *failed.entry(error.clone()).or_default() += 1;
        }
    }
    (count, failed)
}

fn glue(plan: &Plan, state: &State, end: f64, report: &mut Report) {
    let g = &mut report.glue;
    g.sessions = plan.sessions.len();
    g.api_calls = state.calls.glue;
    g.api_calls_throttled = state.calls.glue_throttled;
    (g.executions, g.executions_failed) = executions_failed(state, "glue-session-stop");
    g.failure_notifications = state
        .published
        .iter()
        .filter(|p| p.topic.ends_with("-failed") && p.subject.contains("Glue"))
        .count();
    for s in &plan.sessions {
        let Some(session) = state.sessions.get(&s.id) else {
            report.problems.push(format!("{}: never created", s.id));
            continue;
        };
        g.stop_calls += session.stops.len();
        g.stop_calls_refused += session.refused;
        if s.delivered.is_none() {
            g.events_lost += 1;
        }
        g.over_limits += usize::from(over_limits(s));
        g.idle_from_start += usize::from(s.statements.is_empty());
        if s.opted_out {
            g.opted_out += 1;
            if !session.stops.is_empty() {
                report.problems.push(format!(
                    "{}: tagged to be left running, stopped {} time(s)",
                    s.id,
                    session.stops.len()
                ));
            }
            continue;
        }
        match session.stops.first() {
            Some(Caller::Workflow) => g.stopped_by_workflow += 1,
            Some(Caller::Sweep) => g.stopped_by_sweep += 1,
            None => {}
        }
        if session.stops.len() != 1 {
            report.problems.push(format!(
                "{}: {} accepted stop calls, not exactly one",
                s.id,
                session.stops.len()
            ));
        }
        let stopped = session.stopped.unwrap_or(end);
        let budget = budget(s, session);
        if session
            .stopped
            .is_some_and(|at| at < s.created + STOP_AFTER_SECONDS)
        {
            g.stopped_idle += usize::from(!over_limits(s) && !s.busy(stopped));
            let unseen = |start: f64| session.listed.is_some_and(|listed| start > listed);
            let running = s
                .statements
                .iter()
                .find(|&&(start, end)| start <= stopped && stopped < end);
            if let Some(&(start, _)) = running.filter(|_| !over_limits(s))
                && unseen(start)
            {
                g.started_during_stop += 1;
            } else if !over_limits(s) && s.busy(stopped) {
                g.busy_stopped_early += 1;
                let statements: Vec<String> = s
                    .statements
                    .iter()
                    .map(|(a, b)| format!("{:.0}-{:.0} s", a - s.created, b - s.created))
                    .collect();
                report.problems.push(format!(
                    "{}: stopped {:.0} s after creation while a statement ran (statements: {})",
                    s.id,
                    stopped - s.created,
                    statements.join(", ")
                ));
            }
        }
        if stopped > budget {
            g.past_budget += 1;
            let since = |t: f64| format!("{:.0} s", t - s.created);
            report.problems.push(format!(
                "{}: ran {:.1} minutes past its budget{} (event at {}, ready at {}, stopped at {}, \
                 {} stop call(s) refused)",
                s.id,
                (stopped - budget) / 60.0,
                if session.stopped.is_none() {
                    " and is still running"
                } else {
                    ""
                },
                s.delivered.map_or("never".into(), since),
                since(session.ready),
                since(stopped),
                session.refused,
            ));
        }
        match s.delivered {
            Some(at) => {
                let late = (stopped - (at + STOP_AFTER_SECONDS)).max(0.0) / 60.0;
                g.longest_past_due_minutes = g.longest_past_due_minutes.max(round(late));
            }
            None => {
                let ran = (stopped - s.created) / 60.0;
                g.longest_lost_minutes = g.longest_lost_minutes.max(round(ran));
            }
        }
    }
}

fn over_limits(s: &SessionPlan) -> bool {
    s.workers > MAX_WORKERS
}

fn budget(plan: &SessionPlan, session: &Session) -> f64 {
    let wait = if over_limits(plan) {
        0.0
    } else {
        STOP_AFTER_SECONDS
    };
    match plan.delivered {
        Some(at) => (at + wait).max(session.ready) + WORKFLOW_SLACK,
        None => session.created + SESSION_LIMIT_MINUTES as f64 * 60.0 + SWEEP_EVERY + SWEEP_SLACK,
    }
}

fn rds(plan: &Plan, state: &State, end: f64, report: &mut Report) {
    let r = &mut report.rds;
    r.databases = plan.databases.len();
    r.api_calls = state.calls.rds;
    r.api_calls_throttled = state.calls.rds_throttled;
    (r.executions, r.executions_failed) = executions_failed(state, "rds-auto-stop");
    for d in &plan.databases {
        let Some(db) = state.databases.get(&d.id) else {
            continue;
        };
        r.events_delivered += d.deliveries.len();
        r.events_lost += usize::from(d.deliveries.is_empty());
        r.triggers_broken += usize::from(d.trigger_fails);
        r.stop_calls += db.stops;
        r.stop_calls_refused += db.refused;
        if !d.protected {
            r.unprotected += 1;
            if db.stops > 0 {
                report.problems.push(format!(
                    "{}: not protected, stopped {} time(s)",
                    d.id, db.stops
                ));
            }
            continue;
        }
        if db.stops > 0 {
            r.stopped += 1;
        }
        if db.stops != 1 {
            report.problems.push(format!(
                "{}: {} accepted stop calls, not exactly one",
                d.id, db.stops
            ));
        }
        let first_event = d.deliveries.iter().copied().fold(f64::INFINITY, f64::min);
        let started = if d.deliveries.is_empty() || d.trigger_fails {
            d.started + RDS_SWEEP_EVERY + SWEEP_SLACK
        } else {
            first_event
        };
        let budget = d.available.max(started) + POLL_SECONDS + WORKFLOW_SLACK;
        let stopped = db.stopped.unwrap_or(end);
        if stopped > budget {
            r.past_budget += 1;
            report.problems.push(format!(
                "{}: ran {:.1} minutes past its budget",
                d.id,
                (stopped - budget) / 60.0
            ));
        }
        r.longest_available_minutes = r
            .longest_available_minutes
            .max(round((stopped - d.available).max(0.0) / 60.0));
    }
}

/// DPU-hours and database-hours as run, and as the same month would have run with the seed's
/// design or with nothing.
fn usage(plan: &Plan, state: &State, end: f64) -> Usage {
    let mut u = Usage::default();
    for s in &plan.sessions {
        let Some(session) = state.sessions.get(&s.id) else {
            continue;
        };
        let dpus = f64::from(s.workers) / 3600.0;
        let owner = s.opted_out.then_some(s.created + OWNER_STOPS_AFTER);
        let ran = session.stopped.or(owner).unwrap_or(end);
        let timeout = s.created + GLUE_TIMEOUT;
        let seed = s
            .delivered
            .map_or(timeout, |at| at + STOP_AFTER_SECONDS)
            .min(owner.unwrap_or(f64::INFINITY));
        u.dpu_hours.ours += dpus * (ran - s.created);
        u.dpu_hours.seed += dpus * (seed - s.created);
        u.dpu_hours.none += dpus * (owner.unwrap_or(timeout) - s.created);
    }
    for d in plan.databases.iter().filter(|d| d.protected) {
        let Some(db) = state.databases.get(&d.id) else {
            continue;
        };
        let ours = (db.stopped.unwrap_or(end) - d.started) / 3600.0;
        let none = (end - d.started) / 3600.0;
        let triggered = !d.deliveries.is_empty() && !d.trigger_fails;
        u.database_hours.ours += ours;
        u.database_hours.seed += if triggered { ours } else { none };
        u.database_hours.none += none;
    }
    for c in [&mut u.dpu_hours, &mut u.database_hours] {
        (c.ours, c.seed, c.none) = (c.ours.round(), c.seed.round(), c.none.round());
    }
    u
}

fn round(minutes: f64) -> f64 {
    (minutes * 10.0).round() / 10.0
}

/// The report as the table `make bench` and `make test` print.
pub fn table(r: &Report) -> String {
    let g = &r.glue;
    let d = &r.rds;
    let failed = |m: &BTreeMap<String, usize>| {
        if m.is_empty() {
            "0".to_owned()
        } else {
            m.iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let alarms: usize = r.alarms.values().sum();
    let rows = [
        (
            "Simulated",
            format!(
                "{} days in {} s (x{})",
                r.simulated_days, r.real_seconds, r.speed
            ),
        ),
        (
            "Glue sessions",
            format!(
                "{} ({} events lost, {} tagged to be left running)",
                g.sessions, g.events_lost, g.opted_out
            ),
        ),
        (
            "  left running past budget",
            format!("{} (goal 0)", g.past_budget),
        ),
        (
            "  stopped by workflow / sweep",
            format!("{} / {}", g.stopped_by_workflow, g.stopped_by_sweep),
        ),
        (
            "  StopSession calls",
            format!(
                "{} accepted for {} sessions to stop (goal: one each), {} refused",
                g.stop_calls,
                g.sessions - g.opted_out,
                g.stop_calls_refused
            ),
        ),
        (
            "  usage",
            format!(
                "{} idle from the start, {} over the limits (stopped at once)",
                g.idle_from_start, g.over_limits
            ),
        ),
        (
            "  stopped idle / busy stopped early",
            format!(
                "{} before the hard limit / {} (goal 0; {} began after the last look)",
                g.stopped_idle, g.busy_stopped_early, g.started_during_stop
            ),
        ),
        (
            "  longest past the chosen time",
            format!(
                "{} min (event delivered); lost event: ran {} min at most",
                g.longest_past_due_minutes, g.longest_lost_minutes
            ),
        ),
        (
            "  Glue API calls throttled",
            format!("{} of {}", g.api_calls_throttled, g.api_calls),
        ),
        (
            "  executions / failed",
            format!("{} / {}", g.executions, failed(&g.executions_failed)),
        ),
        (
            "  sweeps / failed",
            format!("{} / {}", g.sweeps, g.sweep_errors),
        ),
        (
            "RDS auto-starts",
            format!(
                "{} ({} untagged, {} events delivered incl. duplicates)",
                d.databases, d.unprotected, d.events_delivered
            ),
        ),
        (
            "  left to the sweep",
            format!(
                "{} events lost, {} triggers failing on every try",
                d.events_lost, d.triggers_broken
            ),
        ),
        (
            "  left running past budget",
            format!("{} (goal 0)", d.past_budget),
        ),
        (
            "  stop calls",
            format!(
                "{} accepted for {} databases to stop (goal: one each), {} refused",
                d.stop_calls,
                d.databases - d.unprotected,
                d.stop_calls_refused
            ),
        ),
        (
            "  longest available before stop",
            format!("{} min", d.longest_available_minutes),
        ),
        (
            "  RDS API calls throttled",
            format!("{} of {}", d.api_calls_throttled, d.api_calls),
        ),
        (
            "  executions / failed",
            format!("{} / {}", d.executions, failed(&d.executions_failed)),
        ),
        (
            "  trigger invocations / failed",
            format!(
                "{} / {} (and {} of the broken triggers, which alarm by design)",
                d.trigger_invocations, d.trigger_errors, d.trigger_faults
            ),
        ),
        (
            "  RDS sweeps / failed",
            format!("{} / {}", d.sweeps, d.sweep_errors),
        ),
        ("Alarms that would have fired", format!("{alarms} (goal 0)")),
        (
            "DPU-hours: ours / seed's / none",
            format!(
                "{} / {} / {}",
                r.usage.dpu_hours.ours, r.usage.dpu_hours.seed, r.usage.dpu_hours.none
            ),
        ),
        (
            "Database-hours: ours / seed's / none",
            format!(
                "{} / {} / {}",
                r.usage.database_hours.ours,
                r.usage.database_hours.seed,
                r.usage.database_hours.none
            ),
        ),
    ];
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{label:<34} {value}\n"));
    }
    for p in &r.problems {
        out.push_str(&format!("PROBLEM: {p}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::cloud::Cloud;
    use crate::run::Invocations;
    use crate::scenario::{Options, plan};
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    fn outcome(plan: &Plan) -> Outcome {
        let clock = Arc::new(Clock::new(SystemTime::UNIX_EPOCH, 3600.0));
        let (starts, _) = tokio::sync::mpsc::unbounded_channel();
        let cloud = Arc::new(Cloud::new(clock, plan, 0.0, 1, starts));
        for s in &plan.sessions {
            cloud.create_session(&s.id, s);
        }
        Outcome {
            cloud,
            invocations: Invocations::default(),
            end: 40.0 * 86_400.0,
            real: Duration::from_secs(1),
            unfinished: 0,
        }
    }

    fn small() -> (Options, Plan) {
        let options = Options {
            sessions: 3,
            databases: 2,
            opted_out: 0.0,
            unprotected: 0.0,
            ..Options::month()
        };
        let plan = plan(&options);
        (options, plan)
    }

    #[test]
    fn every_resource_stopped_once_in_time_meets_the_goals() {
        let (options, plan) = small();
        let outcome = outcome(&plan);
        {
            let mut state = outcome.cloud.state();
            for s in &plan.sessions {
                let session = state.sessions.get_mut(&s.id).unwrap();
                session.stopped = Some(session.ready + 60.0);
                session.stops.push(Caller::Sweep);
            }
            for d in &plan.databases {
                let db = state.databases.get_mut(&d.id).unwrap();
                db.stopped = Some(d.available.max(d.deliveries[0]) + 60.0);
                db.stops = 1;
            }
        }
        let report = report(&options, &plan, &outcome);
        assert!(report.goals_met(), "{:?}", report.problems);
        assert_eq!(report.glue.stopped_by_sweep, 3);
        assert_eq!(report.rds.stopped, 2);
    }

    #[test]
    fn a_resource_left_running_stopped_twice_or_alarming_is_a_problem() {
        let (options, plan) = small();
        let mut outcome = outcome(&plan);
        {
            let mut state = outcome.cloud.state();
            let first = &plan.sessions[0].id;
            let session = state.sessions.get_mut(first).unwrap();
            session.stopped = Some(session.ready);
            session.stops = vec![Caller::Workflow, Caller::Sweep];
            let db = &plan.databases[0];
            state.databases.get_mut(&db.id).unwrap().stopped = Some(db.available + 7200.0);
            state.databases.get_mut(&db.id).unwrap().stops = 1;
        }
        outcome.invocations.sweep_errors = vec![100.0, 110.0, 200.0];
        let report = report(&options, &plan, &outcome);
        assert!(!report.goals_met());
        let problems = report.problems.join("\n");
        assert!(problems.contains("2 accepted stop calls"), "{problems}");
        assert!(problems.contains("still running"), "{problems}");
        assert!(problems.contains("past its budget"), "{problems}");
        assert_eq!(report.glue.past_budget, 2, "{problems}");
        assert_eq!(report.rds.past_budget, 2, "{problems}");
        assert_eq!(report.alarms["GlueSweepErrorsAlarm"], 2);
    }
}
