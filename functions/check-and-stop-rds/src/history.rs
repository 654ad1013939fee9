//! RDS's own event history (`DescribeEvents`, 14 days): the auto-starts the sweep catches, and
//! what happened to a database after its auto-start, so that a late or replayed event never
//! stops a database a person started since.
//!
//! `DescribeEvents` gives no event id, only the message, so events are told apart by their
//! text; every test of it fails towards stopping nothing.

use crate::event::ResourceType;
use aws_sdk_rds::Client;
use aws_sdk_rds::primitives::DateTime;
use aws_sdk_rds::types::SourceType;
use serde::Serialize;
use shared::Error;
use std::collections::BTreeMap;

/// The words RDS-EVENT-0154 (instance) and RDS-EVENT-0153 (cluster) share: "DB instance is
/// being started due to it exceeding the maximum allowed time being stopped."
const AUTO_START: &str = "exceeding the maximum allowed time being stopped";

/// One entry of the history, for an instance or a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub resource_id: String,
    pub resource_type: ResourceType,
    pub at: DateTime,
    pub message: String,
}

impl Entry {
    pub fn is_auto_start(&self) -> bool {
        self.message.contains(AUTO_START)
    }

    /// Any mention of stopping that is not the auto-start itself (`DB instance stopped`,
    /// `DB cluster is being stopped`, a failed stop…): after one, the auto-start's cycle is over
    /// and a database that runs was started again, by someone.
    fn ends_the_auto_start(&self) -> bool {
        !self.is_auto_start() && self.message.to_ascii_lowercase().contains("stop")
    }
}

/// What to do about one auto-start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Recent, and nothing happened since: keep the database stopped.
    Act,
    /// Older than the setting: the database may be in use by now; stop nothing, report.
    TooOld { age_minutes: i64 },
    /// Stopped (or a stop was tried) after the auto-start: if it runs now, a person started it.
    StoppedSince { at: String },
}

/// The latest auto-start of each database among `entries` (which are oldest first).
pub fn latest_auto_starts(entries: &[Entry]) -> Vec<&Entry> {
    let mut latest: BTreeMap<(&str, &str), &Entry> = BTreeMap::new();
    for entry in entries.iter().filter(|e| e.is_auto_start()) {
        latest.insert((entry.resource_type.as_str(), &entry.resource_id), entry);
    }
    latest.into_values().collect()
}

/// The entries of the database `of` names.
pub fn of_db<'a>(entries: &'a [Entry], of: &'a Entry) -> impl Iterator<Item = &'a Entry> {
    entries
        .iter()
        .filter(|e| e.resource_id == of.resource_id && e.resource_type == of.resource_type)
}

/// The first of one database's entries from `at` on that ends an auto-start's cycle.
pub fn first_stop<'a>(
    at: DateTime,
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Option<&'a Entry> {
    entries
        .into_iter()
        .filter(|e| e.at.secs() >= at.secs() && e.ends_the_auto_start())
        .min_by_key(|e| e.at.secs())
}

/// The verdict on an auto-start at `at`, from the entries of the same database that follow it.
pub fn judge<'a>(
    at: DateTime,
    later: impl IntoIterator<Item = &'a Entry>,
    now: DateTime,
    max_age_secs: i64,
) -> Verdict {
    if let Some(stop) = first_stop(at, later) {
        return Verdict::StoppedSince {
            at: format_time(stop.at),
        };
    }
    let age = now.secs().saturating_sub(at.secs());
    if age > max_age_secs {
        return Verdict::TooOld {
            age_minutes: age / 60,
        };
    }
    Verdict::Act
}

pub fn format_time(at: DateTime) -> String {
    at.fmt(aws_sdk_rds::primitives::DateTimeFormat::DateTime)
        .unwrap_or_else(|_| at.secs().to_string())
}

fn resource_type(source: &SourceType) -> Option<ResourceType> {
    match source {
        SourceType::DbInstance => Some(ResourceType::Instance),
        SourceType::DbCluster => Some(ResourceType::Cluster),
        _ => None,
    }
}

fn source_type(kind: ResourceType) -> SourceType {
    match kind {
        ResourceType::Instance => SourceType::DbInstance,
        ResourceType::Cluster => SourceType::DbCluster,
    }
}

/// The instance and cluster entries from `since` to now, oldest first; with `only`, those of
/// one database.
pub async fn read(
    rds: &Client,
    since: DateTime,
    only: Option<(&str, ResourceType)>,
) -> Result<Vec<Entry>, Error> {
    let mut request = rds.describe_events().start_time(since).max_records(100);
    if let Some((id, kind)) = only {
        request = request.source_identifier(id).source_type(source_type(kind));
    }
    let mut pages = request.into_paginator().send();
    let mut entries = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::from_sdk("RDS DescribeEvents", e))?;
        for event in page.events() {
            let (Some(id), Some(kind), Some(at)) = (
                event.source_identifier(),
                event.source_type().and_then(resource_type),
                event.date(),
            ) else {
                continue;
            };
            // The filters are RDS's; checked again so that another database's history, or an
            // older one, never decides for this one.
            if only.is_some_and(|(only_id, only_kind)| only_id != id || only_kind != kind)
                || at.secs() < since.secs()
            {
                continue;
            }
            entries.push(Entry {
                resource_id: id.to_owned(),
                resource_type: kind,
                at: *at,
                message: event.message().unwrap_or_default().to_owned(),
            });
        }
    }
    entries.sort_by_key(|e| e.at.secs());
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(secs: i64, message: &str) -> Entry {
        Entry {
            resource_id: "orders-dev".into(),
            resource_type: ResourceType::Instance,
            at: DateTime::from_secs(secs),
            message: message.into(),
        }
    }

    const STARTED: &str =
        "DB instance is being started due to it exceeding the maximum allowed time being stopped.";

    #[test]
    fn a_recent_auto_start_with_nothing_since_is_acted_on() {
        let later = [entry(1_000, STARTED), entry(1_300, "DB instance started")];
        let now = DateTime::from_secs(1_000 + 3_600);
        assert_eq!(
            judge(DateTime::from_secs(1_000), &later, now, 4_500),
            Verdict::Act
        );
    }

    #[test]
    fn a_stop_after_the_auto_start_means_a_person_started_it_since() {
        let later = [
            entry(1_000, STARTED),
            entry(2_000, "DB instance stopped"),
            entry(3_000, "DB instance started"),
        ];
        let v = judge(
            DateTime::from_secs(1_000),
            &later,
            DateTime::from_secs(3_100),
            4_500,
        );
        assert!(matches!(v, Verdict::StoppedSince { .. }), "{v:?}");
        // A stop before the auto-start says nothing about it.
        let earlier = [entry(500, "DB instance stopped"), entry(1_000, STARTED)];
        let v = judge(
            DateTime::from_secs(1_000),
            &earlier,
            DateTime::from_secs(1_100),
            4_500,
        );
        assert_eq!(v, Verdict::Act);
    }

    #[test]
    fn an_auto_start_older_than_the_setting_stops_nothing() {
        let v = judge(
            DateTime::from_secs(0),
            &[],
            DateTime::from_secs(4_501),
            4_500,
        );
        assert_eq!(v, Verdict::TooOld { age_minutes: 75 });
        // A clock behind the event's time is not an age.
        let v = judge(DateTime::from_secs(100), &[], DateTime::from_secs(0), 4_500);
        assert_eq!(v, Verdict::Act);
    }

    #[test]
    fn only_the_auto_start_message_is_taken_for_one() {
        assert!(entry(0, STARTED).is_auto_start());
        let cluster = "DB cluster is being started due to it exceeding the maximum allowed time being stopped.";
        assert!(entry(0, cluster).is_auto_start());
        assert!(!entry(0, "DB instance started").is_auto_start());
        assert!(!entry(0, STARTED).ends_the_auto_start());
        assert!(entry(0, "DB instance is being stopped").ends_the_auto_start());
        assert!(entry(0, "Stop failed").ends_the_auto_start());
    }
}
