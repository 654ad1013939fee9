//! The usage report (on an optional schedule): per owner, the sessions that ran in the last
//! hours and their DPU-hours, from Glue's own `DPUSeconds`, priced at `DPU_HOUR_PRICE`; sent to
//! the success topic. What the stopper saves shows here, and so does who still runs notebooks
//! that cost money.

use crate::Deps;
use crate::error::StopError;
use crate::event::OWNER_TAGS;
use crate::limits::Asked;
use crate::stop;
use aws_sdk_glue::primitives::DateTime;
use aws_sdk_glue::types::{Session, WorkerType};
use serde::Serialize;
use shared::Error;
use std::collections::BTreeMap;
use std::time::SystemTime;

const NO_OWNER: &str = "(no owner tag)";

#[derive(Debug, Serialize, PartialEq)]
pub struct UsageReport {
    pub mode: &'static str,
    pub hours: u32,
    pub sessions: usize,
    pub dpu_hours: f64,
    pub cost: f64,
    /// Sessions still running, whose DPU-hours are estimated from their capacity so far.
    pub estimated: usize,
    /// Most DPU-hours first.
    pub owners: Vec<OwnerUsage>,
    pub subject: String,
    pub summary: String,
    /// Sent to the success topic (none configured: only returned and logged).
    pub published: bool,
}

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct OwnerUsage {
    pub owner: String,
    pub sessions: usize,
    pub dpu_hours: f64,
    pub cost: f64,
}

/// One session's part: its owner and DPU-hours, `estimated` when Glue has not counted them yet.
#[derive(Debug, PartialEq)]
pub struct Used {
    pub owner: String,
    pub dpu_hours: f64,
    pub estimated: bool,
}

pub async fn usage(deps: &Deps, now: SystemTime, hours: u32) -> Result<UsageReport, StopError> {
    let now_secs = DateTime::from(now).secs();
    let since = now_secs - i64::from(hours) * 3600;
    let mut used = Vec::new();
    let mut pages = deps.glue.list_sessions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::from_sdk("Glue ListSessions", e))?;
        for session in page.sessions() {
            if !ran_since(session, since) {
                continue;
            }
            let Some(id) = session.id() else { continue };
            let owner = owner(deps, id).await?;
            used.push(dpu_hours(session, now_secs, owner));
        }
    }
    let mut report = summarise(&used, hours, deps.config.limits.dpu_hour_price);
    if let Some(topic) = &deps.config.success_topic_arn {
        shared::sns::publish(&deps.sns, topic, &report.subject, &report.summary).await?;
        report.published = true;
    }
    Ok(report)
}

/// Ran at some time in the window: still running, or ended within it.
fn ran_since(session: &Session, since: i64) -> bool {
    session
        .completed_on()
        .is_none_or(|ended| ended.secs() >= since)
        && session.created_on().is_some()
}

async fn owner(deps: &Deps, id: &str) -> Result<String, Error> {
    let mut tags = stop::tags(deps, id).await?;
    Ok(OWNER_TAGS
        .iter()
        .find_map(|k| tags.remove(*k))
        .unwrap_or_else(|| NO_OWNER.to_owned()))
}

/// Glue's `DPUSeconds` once it has counted them; before that, the session's DPUs for the time
/// it has run.
pub fn dpu_hours(session: &Session, now: i64, owner: String) -> Used {
    if let Some(seconds) = session.dpu_seconds().filter(|s| *s > 0.0) {
        return Used {
            owner,
            dpu_hours: seconds / 3600.0,
            estimated: false,
        };
    }
    let asked = Asked {
        number_of_workers: session
            .number_of_workers()
            .and_then(|n| u32::try_from(n).ok()),
        worker_type: session
            .worker_type()
            .map(WorkerType::as_str)
            .map(str::to_owned),
        max_capacity: session.max_capacity(),
        ..Asked::default()
    };
    let created = session.created_on().map_or(now, DateTime::secs);
    let ended = session.completed_on().map_or(now, DateTime::secs);
    Used {
        owner,
        dpu_hours: asked.dpus() * (ended - created).max(0) as f64 / 3600.0,
        estimated: true,
    }
}

pub fn summarise(used: &[Used], hours: u32, price: f64) -> UsageReport {
    let mut owners: BTreeMap<&str, OwnerUsage> = BTreeMap::new();
    for u in used {
        let o = owners.entry(&u.owner).or_default();
        o.owner.clone_from(&u.owner);
        o.sessions += 1;
        o.dpu_hours += u.dpu_hours;
    }
    let mut owners: Vec<OwnerUsage> = owners.into_values().collect();
    for o in &mut owners {
        o.dpu_hours = round(o.dpu_hours);
        o.cost = round(o.dpu_hours * price);
    }
    owners.sort_by(|a, b| {
        b.dpu_hours
            .total_cmp(&a.dpu_hours)
            .then(a.owner.cmp(&b.owner))
    });
    let dpu_hours = round(used.iter().map(|u| u.dpu_hours).sum());
    let cost = round(dpu_hours * price);
    let estimated = used.iter().filter(|u| u.estimated).count();
    let subject = format!(
        "Glue sessions, last {hours} hours: {} sessions, {dpu_hours} DPU-hours (${cost:.2})",
        used.len()
    );
    let mut summary = format!(
        "Glue interactive sessions that ran in the last {hours} hours: {} sessions, {dpu_hours} \
         DPU-hours, about ${cost:.2} at ${price} per DPU-hour.",
        used.len()
    );
    if estimated > 0 {
        summary.push_str(&format!(
            " {estimated} still running: their DPU-hours are estimated from their capacity."
        ));
    }
    for o in &owners {
        summary.push_str(&format!(
            "\n- {}: {} sessions, {} DPU-hours (${:.2})",
            o.owner, o.sessions, o.dpu_hours, o.cost
        ));
    }
    UsageReport {
        mode: "usage",
        hours,
        sessions: used.len(),
        dpu_hours,
        cost,
        estimated,
        owners,
        subject,
        summary,
        published: false,
    }
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(owner: &str, dpu_hours: f64, estimated: bool) -> Used {
        Used {
            owner: owner.into(),
            dpu_hours,
            estimated,
        }
    }

    #[test]
    fn owners_are_summed_and_the_costliest_comes_first() {
        let report = summarise(
            &[
                used("ana", 2.0, false),
                used("bo", 10.0, false),
                used("ana", 1.5, true),
                used(NO_OWNER, 0.25, false),
            ],
            24,
            0.44,
        );
        assert_eq!(report.sessions, 4);
        assert_eq!(report.dpu_hours, 13.75);
        assert_eq!(report.cost, 6.05);
        assert_eq!(report.estimated, 1);
        let order: Vec<(&str, usize)> = report
            .owners
            .iter()
            .map(|o| (o.owner.as_str(), o.sessions))
            .collect();
        assert_eq!(order, [("bo", 1), ("ana", 2), (NO_OWNER, 1)]);
        assert!(
            report
                .summary
                .contains("- ana: 2 sessions, 3.5 DPU-hours ($1.54)")
        );
        assert!(report.summary.contains("1 still running"));
    }

    #[test]
    fn glue_s_count_wins_over_the_estimate() {
        let created = DateTime::from_secs(0);
        let counted = Session::builder()
            .id("a")
            .created_on(created)
            .dpu_seconds(7200.0)
            .number_of_workers(10)
            .worker_type(WorkerType::G2X)
            .build();
        assert_eq!(dpu_hours(&counted, 3600, "x".into()).dpu_hours, 2.0);
        let running = Session::builder()
            .id("b")
            .created_on(created)
            .number_of_workers(10)
            .worker_type(WorkerType::G2X)
            .build();
        let u = dpu_hours(&running, 1800, "x".into());
        assert_eq!(
            (u.dpu_hours, u.estimated),
            (10.0, true),
            "20 DPUs for half an hour"
        );
        let default = Session::builder().id("c").created_on(created).build();
        assert_eq!(dpu_hours(&default, 3600, "x".into()).dpu_hours, 5.0);
    }

    #[test]
    fn a_session_that_ended_before_the_window_is_left_out() {
        let ended = |secs| {
            Session::builder()
                .id("a")
                .created_on(DateTime::from_secs(0))
                .completed_on(DateTime::from_secs(secs))
                .build()
        };
        assert!(!ran_since(&ended(99), 100));
        assert!(ran_since(&ended(100), 100));
        let running = Session::builder()
            .id("b")
            .created_on(DateTime::from_secs(0))
            .build();
        assert!(ran_since(&running, 100));
    }
}
