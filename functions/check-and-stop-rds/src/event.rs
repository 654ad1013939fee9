//! The inputs the function accepts, told apart by their shape:
//!
//! - an EventBridge `RDS DB Instance Event` or `RDS DB Cluster Event` (the trigger);
//! - an SNS record wrapping an RDS event notification (the trigger, through an RDS event
//!   subscription): the message is a JSON string with spaced keys like `"Source ID"`;
//! - `{"resource_id": "...", "resource_type": "instance" | "cluster"}` (the state machine's check).

use serde::Serialize;
use serde_json::{Map, Value};
use shared::{Error, Result};

/// What kind of database a resource id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// When RDS raised it (or, without a time, the delivery's id): with the resource and the
    /// event id it names the execution, so the same event delivered twice starts one workflow.
    pub occurrence: String,
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
    pub fn parse(event: &Value) -> Result<Self> {
        let Some(obj) = event.as_object() else {
            return Err(invalid("expected a JSON object".into()));
        };
        if obj.contains_key("resource_id") || obj.contains_key("resource_type") {
            return check(obj);
        }
        if let Some(records) = obj.get("Records") {
            return sns_records(records).map(Request::Trigger);
        }
        match obj.get("detail-type").and_then(Value::as_str) {
            Some(kind @ ("RDS DB Instance Event" | "RDS DB Cluster Event")) => {
                let delivery = obj.get("id").and_then(Value::as_str);
                Ok(Request::Trigger(vec![eventbridge(kind, obj.get("detail"), delivery)]))
            }
            Some(other) => Ok(Request::Trigger(vec![Trigger::Ignore(format!(
                "not an RDS instance or cluster event: detail-type '{other}'"
            ))])),
            None => Err(invalid(
                "expected an RDS event (EventBridge or SNS) or {\"resource_id\", \"resource_type\"}"
                    .into(),
            )),
        }
    }
}

fn check(obj: &Map<String, Value>) -> Result<Request> {
    let resource_id = identifier(obj.get("resource_id"), "resource_id")?;
    let resource_type = match obj.get("resource_type").and_then(Value::as_str) {
        Some("instance") => ResourceType::Instance,
        Some("cluster") => ResourceType::Cluster,
        Some(other) => {
            return Err(invalid(format!(
                "resource_type must be \"instance\" or \"cluster\", got \"{other}\""
            )));
        }
        None => {
            return Err(invalid(
                "resource_type is missing: \"instance\" or \"cluster\"".into(),
            ));
        }
    };
    Ok(Request::Check {
        resource_id,
        resource_type,
    })
}

fn eventbridge(kind: &str, detail: Option<&Value>, delivery: Option<&str>) -> Trigger {
    let Some(detail) = detail.and_then(Value::as_object) else {
        return Trigger::Ignore(format!("{kind} has no detail object"));
    };
    let resource_type = if kind == "RDS DB Instance Event" {
        ResourceType::Instance
    } else {
        ResourceType::Cluster
    };
    rds_event(
        resource_type,
        detail.get("SourceIdentifier"),
        detail.get("EventID").and_then(Value::as_str),
        detail.get("Date").and_then(Value::as_str).or(delivery),
    )
}

fn sns_records(records: &Value) -> Result<Vec<Trigger>> {
    let Some(records) = records.as_array().filter(|r| !r.is_empty()) else {
        return Err(invalid("Records must be a non-empty array".into()));
    };
    Ok(records.iter().map(sns_record).collect())
}

fn sns_record(record: &Value) -> Trigger {
    let Some(message) = record.pointer("/Sns/Message").and_then(Value::as_str) else {
        return Trigger::Ignore("SNS record without Sns.Message".into());
    };
    // The first message on a new subscription, and test messages, are plain text.
    let Ok(Value::Object(message)) = serde_json::from_str::<Value>(message) else {
        return Trigger::Ignore(format!(
            "SNS message is not an RDS event: {}",
            message.chars().take(80).collect::<String>()
        ));
    };
    let resource_type = match message.get("Event Source").and_then(Value::as_str) {
        Some("db-instance") => ResourceType::Instance,
        Some("db-cluster") => ResourceType::Cluster,
        other => {
            return Trigger::Ignore(format!(
                "RDS event from '{}', not a DB instance or cluster",
                other.unwrap_or("<no Event Source>")
            ));
        }
    };
    // "Event ID" is a documentation URL ending in #RDS-EVENT-0154.
    let event_id = message
        .get("Event ID")
        .and_then(Value::as_str)
        .map(|url| url.rsplit('#').next().unwrap_or(url));
    rds_event(
        resource_type,
        message.get("Source ID"),
        event_id,
        message
            .get("Event Time")
            .and_then(Value::as_str)
            .or(record.pointer("/Sns/MessageId").and_then(Value::as_str)),
    )
}

fn rds_event(
    resource_type: ResourceType,
    source_id: Option<&Value>,
    event_id: Option<&str>,
    occurrence: Option<&str>,
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
    let Some(occurrence) = occurrence.filter(|o| !o.is_empty()) else {
        return Trigger::Ignore(format!("{event_id} without a time or id to tell it apart"));
    };
    match identifier(source_id, "source id") {
        Ok(resource_id) => Trigger::Event(RdsEvent {
            resource_id,
            resource_type,
            event_id: event_id.to_owned(),
            occurrence: occurrence.to_owned(),
        }),
        Err(e) => Trigger::Ignore(format!("{event_id} ignored: {e}")),
    }
}

fn identifier(value: Option<&Value>, field: &str) -> Result<String> {
    let Some(value) = value else {
        return Err(invalid(format!("{field} is missing")));
    };
    let Some(id) = value.as_str() else {
        return Err(invalid(format!("{field} must be a string")));
    };
    let valid = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && id.starts_with(|c: char| c.is_ascii_alphabetic());
    if valid {
        Ok(id.to_owned())
    } else {
        Err(invalid(format!(
            "{field} '{id}' is not an RDS identifier (a letter, then up to 62 letters, digits \
             or hyphens)"
        )))
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidInput(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sns(message: &str) -> Value {
        json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Message": message}}]})
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
                occurrence: "m-1".into(),
            })
        );
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
            {"Sns": {"MessageId": "1", "Message": "plain text"}},
            {"Sns": {"MessageId": "2", "Message": "{\"Event Source\":\"db-instance\",\"Source ID\":\"db-2\",\"Event ID\":\"#RDS-EVENT-0154\"}"}}
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
