//! The inputs the function accepts, told apart by their shape:
//!
//! - an EventBridge `RDS DB Instance Event` or `RDS DB Cluster Event` (the trigger);
//! - an SNS record wrapping an RDS event notification (the trigger, through an RDS event
//!   subscription): the message is a JSON string with spaced keys like `"Source ID"`;
//! - `{"resource_id": "...", "resource_type": "instance" | "cluster"}` (the state machine's check);
//! - an EventBridge `Scheduled Event` (the sweep over RDS's own event history).

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sns::{SnsEvent, SnsRecord};
use aws_sdk_rds::primitives::DateTime;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Result;
use shared::input::{detail_type, typed};

/// What kind of database a resource id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Instance,
    Cluster,
}

impl ResourceType {
    /// The event that says AWS started this kind of resource after 7 days stopped.
    pub fn auto_start_event(self) -> &'static str {
        match self {
            ResourceType::Instance => "RDS-EVENT-0154",
            ResourceType::Cluster => "RDS-EVENT-0153",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Instance => "instance",
            ResourceType::Cluster => "cluster",
        }
    }
}

/// An RDS event that may call for a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdsEvent {
    pub resource_id: String,
    pub resource_type: ResourceType,
    /// `RDS-EVENT-0154` and the like.
    pub event_id: String,
    /// When RDS raised it (the delivery's own time when the event has none): with the resource
    /// and the event id it names the execution, so that the event starts one workflow however
    /// often, and by whichever path (EventBridge, SNS, the sweep), it arrives.
    pub at: DateTime,
}

/// The events the function accepts, as they arrive.
#[derive(Debug, Clone)]
pub enum Event {
    /// The state machine's check.
    Check(CheckInput),
    /// An `RDS DB Instance Event` or `RDS DB Cluster Event` from EventBridge.
    EventBridge(Box<EventBridgeEvent<RdsEventDetail>>),
    /// RDS event notifications delivered by an SNS subscription.
    Sns(SnsEvent),
    /// The schedule: sweep RDS's event history for auto-starts no trigger handled.
    Scheduled(Box<EventBridgeEvent>),
    /// The usage report's schedule: `{"usage_report": {"hours": 24}}`.
    UsageReport(UsageInput),
    /// An EventBridge event that cannot be an auto-start, and why.
    Ignored(String),
}

/// The usage report's window.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct UsageInput {
    pub hours: u32,
}

/// RDS keeps 14 days of events.
const MAX_REPORT_HOURS: u32 = 14 * 24;

/// The state machine's check: which database to describe and stop.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CheckInput {
    pub resource_id: String,
    pub resource_type: ResourceType,
}

/// The fields of an RDS event's EventBridge `detail` the function reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RdsEventDetail {
    #[serde(rename = "EventID")]
    pub event_id: Option<String>,
    pub source_identifier: Option<String>,
    pub date: Option<String>,
}

/// An RDS event notification: the JSON text of an SNS message, with spaced keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RdsNotification {
    #[serde(rename = "Event Source")]
    pub event_source: Option<String>,
    #[serde(rename = "Source ID")]
    pub source_id: Option<String>,
    /// A documentation URL ending in `#RDS-EVENT-0154`.
    #[serde(rename = "Event ID")]
    pub event_id: Option<String>,
    #[serde(rename = "Event Time")]
    pub event_time: Option<String>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = Value::deserialize(deserializer)?;
        let Some(obj) = event.as_object() else {
            return Err(de::Error::custom("expected a JSON object"));
        };
        if let Some(inner) = obj.get("usage_report") {
            let input: UsageInput = typed(inner.clone())?;
            if !(1..=MAX_REPORT_HOURS).contains(&input.hours) {
                return Err(de::Error::custom(format!(
                    "usage_report.hours is {}; it must be from 1 to {MAX_REPORT_HOURS} (RDS keeps \
                     14 days of events)",
                    input.hours
                )));
            }
            return Ok(Event::UsageReport(input));
        }
        if obj.contains_key("resource_id") || obj.contains_key("resource_type") {
            return check(event).map(Event::Check);
        }
        if let Some(records) = obj.get("Records") {
            if records.as_array().is_none_or(|r| r.is_empty()) {
                return Err(de::Error::custom("Records must be a non-empty array"));
            }
            return typed(event).map(Event::Sns);
        }
        match detail_type(&event) {
            Some("Scheduled Event") => typed(event).map(|e| Event::Scheduled(Box::new(e))),
            Some(kind @ ("RDS DB Instance Event" | "RDS DB Cluster Event")) => {
                if !obj.get("detail").is_some_and(Value::is_object) {
                    return Ok(Event::Ignored(format!("{kind} has no detail object")));
                }
                typed(event).map(|e| Event::EventBridge(Box::new(e)))
            }
            Some(other) => Ok(Event::Ignored(format!(
                "not an RDS instance or cluster event: detail-type '{other}'"
            ))),
            None => Err(de::Error::custom(
                "expected an RDS event (EventBridge or SNS), a Scheduled Event or \
                 {\"resource_id\", \"resource_type\"}",
            )),
        }
    }
}

/// The check's input, with the messages its users know for the two fields.
fn check<E: de::Error>(event: Value) -> Result<CheckInput, E> {
    match event.get("resource_type") {
        None => {
            return Err(E::custom(
                "resource_type is missing: \"instance\" or \"cluster\"",
            ));
        }
        Some(Value::String(t)) if t != "instance" && t != "cluster" => {
            return Err(E::custom(format!(
                "resource_type must be \"instance\" or \"cluster\", got \"{t}\""
            )));
        }
        Some(_) => {}
    }
    let input: CheckInput = typed(event)?;
    identifier(Some(input.resource_id.as_str()), "resource_id").map_err(E::custom)?;
    Ok(input)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// Start the workflow for these events (after filtering and the tag check).
    Trigger(Vec<Trigger>),
    /// Describe the resource, stop it when available, report its state.
    Check {
        resource_id: String,
        resource_type: ResourceType,
    },
    /// Read RDS's recent events and start the workflow for every auto-start still to handle.
    Sweep,
    /// Report the auto-starts of the last `hours` and what was kept stopped.
    UsageReport { hours: u32 },
}

/// One delivered event: an RDS event to consider, or one to ignore and why.
#[derive(Debug, PartialEq, Eq)]
pub enum Trigger {
    Event(RdsEvent),
    Ignore(String),
}

/// RDS identifiers: 1 to 63 letters, digits and hyphens.
const MAX_ID_LEN: usize = 63;

impl Request {
    /// The request a raw payload stands for: [`Event`]'s parse, then [`Request::from`].
    pub fn parse(event: &Value) -> Result<Self> {
        shared::input::parse::<Event>(event.clone()).map(Request::from)
    }
}

impl From<Event> for Request {
    fn from(event: Event) -> Self {
        match event {
            Event::Check(CheckInput {
                resource_id,
                resource_type,
            }) => Request::Check {
                resource_id,
                resource_type,
            },
            Event::EventBridge(event) => Request::Trigger(vec![eventbridge(&event)]),
            Event::Sns(event) => Request::Trigger(event.records.iter().map(sns_record).collect()),
            Event::Scheduled(_) => Request::Sweep,
            Event::UsageReport(UsageInput { hours }) => Request::UsageReport { hours },
            Event::Ignored(reason) => Request::Trigger(vec![Trigger::Ignore(reason)]),
        }
    }
}

fn eventbridge(event: &EventBridgeEvent<RdsEventDetail>) -> Trigger {
    let resource_type = if event.detail_type == "RDS DB Instance Event" {
        ResourceType::Instance
    } else {
        ResourceType::Cluster
    };
    let detail = &event.detail;
    rds_event(
        resource_type,
        detail.source_identifier.as_deref(),
        detail.event_id.as_deref(),
        detail
            .date
            .as_deref()
            .and_then(parse_time)
            .or(event.time.map(from_chrono)),
    )
}

fn sns_record(record: &SnsRecord) -> Trigger {
    let message = &record.sns.message;
    // The first message on a new subscription, and test messages, are plain text.
    let Ok(notification) = serde_json::from_str::<RdsNotification>(message) else {
        return Trigger::Ignore(format!(
            "SNS message is not an RDS event: {}",
            message.chars().take(80).collect::<String>()
        ));
    };
    let resource_type = match notification.event_source.as_deref() {
        Some("db-instance") => ResourceType::Instance,
        Some("db-cluster") => ResourceType::Cluster,
        other => {
            return Trigger::Ignore(format!(
                "RDS event from '{}', not a DB instance or cluster",
                other.unwrap_or("<no Event Source>")
            ));
        }
    };
    let event_id = notification
        .event_id
        .as_deref()
        .map(|url| url.rsplit('#').next().unwrap_or(url));
    rds_event(
        resource_type,
        notification.source_id.as_deref(),
        event_id,
        notification
            .event_time
            .as_deref()
            .and_then(parse_time)
            .or(Some(from_chrono(record.sns.timestamp))),
    )
}

fn rds_event(
    resource_type: ResourceType,
    source_id: Option<&str>,
    event_id: Option<&str>,
    at: Option<DateTime>,
) -> Trigger {
    let Some(event_id) = event_id else {
        return Trigger::Ignore("RDS event without an event id".into());
    };
    if event_id != resource_type.auto_start_event() {
        return Trigger::Ignore(format!(
            "{event_id} on a DB {} is not the 7-day auto-start event ({})",
            resource_type.as_str(),
            resource_type.auto_start_event()
        ));
    }
    let Some(at) = at else {
        return Trigger::Ignore(format!(
            "{event_id} without a time: how late it is cannot be told"
        ));
    };
    match identifier(source_id, "source id") {
        Ok(resource_id) => Trigger::Event(RdsEvent {
            resource_id,
            resource_type,
            event_id: event_id.to_owned(),
            at,
        }),
        Err(e) => Trigger::Ignore(format!("{event_id} ignored: {e}")),
    }
}

/// An RDS event's time: `2026-11-20T09:14:07.031Z` (EventBridge) or `2026-11-20 09:14:07.031`
/// (the SNS notification, in UTC without saying so).
fn parse_time(text: &str) -> Option<DateTime> {
    let time = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").map(|t| t.and_utc())
        })
        .ok()?;
    Some(from_chrono(time))
}

fn from_chrono(time: chrono::DateTime<chrono::Utc>) -> DateTime {
    DateTime::from_secs_and_nanos(time.timestamp(), time.timestamp_subsec_nanos())
}

fn identifier(id: Option<&str>, field: &str) -> Result<String, String> {
    let Some(id) = id else {
        return Err(format!("{field} is missing"));
    };
    let valid = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && id.starts_with(|c: char| c.is_ascii_alphabetic());
    if valid {
        Ok(id.to_owned())
    } else {
        Err(format!(
            "{field} '{id}' is not an RDS identifier (a letter, then up to 62 letters, digits \
             or hyphens)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An SNS record as Lambda delivers it.
    fn record(message_id: &str, message: &str) -> Value {
        json!({"EventSource": "aws:sns", "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:rds-events:1",
            "Sns": {"Type": "Notification", "MessageId": message_id,
                "TopicArn": "arn:aws:sns:eu-west-1:123456789012:rds-events",
                "Timestamp": "2026-11-20T09:14:07.991Z", "SignatureVersion": "1",
                "Signature": "EXAMPLE", "SigningCertUrl": "https://sns.example/cert.pem",
                "UnsubscribeUrl": "https://sns.example/unsubscribe", "Message": message}})
    }

    fn sns(message: &str) -> Value {
        json!({"Records": [record("m-1", message)]})
    }

    fn one(request: Request) -> Trigger {
        match request {
            Request::Trigger(mut t) if t.len() == 1 => t.remove(0),
            other => panic!("expected one trigger, got {other:?}"),
        }
    }

    #[test]
    fn sns_cluster_event_reads_the_fragment_of_the_event_url() {
        let message = json!({
            "Event Source": "db-cluster", "Source ID": "analytics",
            "Event ID": "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0153"
        });
        let t = one(Request::parse(&sns(&message.to_string())).unwrap());
        assert_eq!(
            t,
            Trigger::Event(RdsEvent {
                resource_id: "analytics".into(),
                resource_type: ResourceType::Cluster,
                event_id: "RDS-EVENT-0153".into(),
                // No "Event Time": the notification's own.
                at: DateTime::from_secs_and_nanos(1_795_166_047, 991_000_000),
            })
        );
    }

    #[test]
    fn the_three_ways_an_event_tells_its_time_agree() {
        for text in [
            "2026-11-20T09:14:07.031Z",
            "2026-11-20 09:14:07.031",
            "2026-11-20T09:14:07.031+00:00",
        ] {
            let at = parse_time(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(at.secs(), 1_795_166_047, "{text}");
        }
        for bad in ["", "yesterday", "2026-11-20", "é"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_instance_event_id_on_a_cluster_is_ignored() {
        let message =
            json!({"Event Source": "db-cluster", "Source ID": "a", "Event ID": "x#RDS-EVENT-0154"});
        let t = one(Request::parse(&sns(&message.to_string())).unwrap());
        assert!(matches!(t, Trigger::Ignore(r) if r.contains("not the 7-day auto-start event")));
    }

    #[test]
    fn snapshot_and_other_sources_are_ignored() {
        let message = json!({"Event Source": "db-snapshot", "Source ID": "a", "Event ID": "x#RDS-EVENT-0154"});
        let t = one(Request::parse(&sns(&message.to_string())).unwrap());
        assert!(matches!(t, Trigger::Ignore(r) if r.contains("db-snapshot")));
    }

    #[test]
    fn every_sns_record_is_considered() {
        let event = json!({"Records": [
            record("1", "plain text"),
            record("2", "{\"Event Source\":\"db-instance\",\"Source ID\":\"db-2\",\"Event ID\":\"#RDS-EVENT-0154\"}")
        ]});
        let Request::Trigger(triggers) = Request::parse(&event).unwrap() else {
            panic!("expected triggers")
        };
        assert!(matches!(triggers[0], Trigger::Ignore(_)));
        assert!(matches!(&triggers[1], Trigger::Event(e) if e.resource_id == "db-2"));
    }

    #[test]
    fn eventbridge_detail_that_is_not_an_object_is_ignored() {
        let event = json!({"detail-type": "RDS DB Instance Event", "id": "e-1", "detail": "RDS-EVENT-0154"});
        assert!(
            matches!(one(Request::parse(&event).unwrap()), Trigger::Ignore(r) if r.contains("no detail object"))
        );
    }

    #[test]
    fn identifiers_are_checked() {
        for id in [
            "",
            "1starts-with-digit",
            "has_underscore",
            "has space",
            &"a".repeat(64),
        ] {
            let err = Request::parse(&json!({"resource_id": id, "resource_type": "instance"}))
                .unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput", "{id:?}");
        }
        assert!(
            Request::parse(&json!({"resource_id": "orders-dev-2", "resource_type": "instance"}))
                .is_ok()
        );
    }
}
