//! The four inputs the function accepts, told apart by their shape:
//!
//! - `{"session_id": "..."}`: from the state machine, or by hand;
//! - an EventBridge `AWS API Call via CloudTrail` event for Glue `CreateSession`;
//! - `{"check_limits": <that event>}`: from the state machine when it starts, to check what the
//!   session asked for against the deployment's limits;
//! - an EventBridge `Scheduled Event`: sweep every session.

use crate::limits::Asked;
use aws_lambda_events::cloudwatch_events::cloudtrail::{AWSAPICall, UserIdentity};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_sdk_glue::primitives::{DateTime, DateTimeFormat};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::input::{detail_type, kind_of, typed};
use shared::{Error, Result};
use std::collections::BTreeMap;

/// The events the function accepts, as they arrive.
#[derive(Debug, Clone)]
pub enum Event {
    /// The state machine's input, or one given by hand.
    Stop(StopInput),
    /// The CloudTrail record of a Glue API call.
    ApiCall(Box<EventBridgeEvent<GlueApiCall>>),
    /// The same, to check against the limits; `None` when the state machine was started with
    /// another input (a session id by hand), which asks for nothing to check.
    CheckLimits(Option<Box<EventBridgeEvent<GlueApiCall>>>),
    /// An EventBridge schedule's tick.
    Scheduled(Box<EventBridgeEvent>),
    /// The usage report's schedule: `{"usage_report": {"hours": 24}}`.
    UsageReport(UsageInput),
}

/// The usage report's window.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct UsageInput {
    pub hours: u32,
}

/// At most a week: Glue lists sessions for a while after they end, not for ever.
const MAX_REPORT_HOURS: u32 = 168;

/// The state machine's input.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct StopInput {
    pub session_id: String,
}

/// The CloudTrail record of a Glue call, with its outcome: `AWSAPICall` leaves out `errorCode`,
/// which a failed call carries instead of a response.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct GlueApiCall {
    /// CloudTrail records `requestParameters: null` for some calls.
    #[serde(flatten)]
    pub call: AWSAPICall<Option<CreateSessionRequest>, CreateSessionResponse>,
    #[serde(rename = "errorCode", default)]
    pub error_code: Option<String>,
}

/// The part of `CreateSession`'s request parameters the function reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct CreateSessionRequest {
    #[serde(default)]
    pub id: Option<String>,
    /// Its time-outs and capacity, for the limits.
    #[serde(flatten)]
    pub asked: Asked,
    /// Its tags: an `owner` tag names who answers for it.
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
}

/// The part of `CreateSession`'s response the function reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CreateSessionResponse {
    #[serde(default)]
    pub session: Option<CreatedSession>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CreatedSession {
    #[serde(default)]
    pub id: Option<String>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = Value::deserialize(deserializer)?;
        let Some(obj) = event.as_object() else {
            return Err(de::Error::custom(format!(
                "expected a JSON object, got {}",
                kind_of(&event)
            )));
        };
        if obj.contains_key("session_id") {
            return typed(event).map(Event::Stop);
        }
        if let Some(inner) = obj.get("usage_report") {
            return typed(inner.clone()).map(Event::UsageReport);
        }
        if let Some(inner) = obj.get("check_limits") {
            return match Event::deserialize(inner.clone()).map_err(de::Error::custom)? {
                Event::ApiCall(call) => Ok(Event::CheckLimits(Some(call))),
                Event::Stop(_) => Ok(Event::CheckLimits(None)),
                _ => Err(de::Error::custom(
                    "check_limits must hold a CloudTrail CreateSession event or a session_id",
                )),
            };
        }
        match detail_type(&event) {
            Some("AWS API Call via CloudTrail") => {
                if !obj.get("detail").is_some_and(Value::is_object) {
                    return Err(de::Error::custom("CloudTrail event has no detail object"));
                }
                typed(event).map(|e| Event::ApiCall(Box::new(e)))
            }
            Some("Scheduled Event") => typed(event).map(|e| Event::Scheduled(Box::new(e))),
            Some(other) => Err(de::Error::custom(format!(
                "unsupported event detail-type '{other}': expected a CloudTrail CreateSession \
                 event or a Scheduled Event"
            ))),
            None => Err(de::Error::custom(
                "expected {\"session_id\": \"...\"}, a CloudTrail CreateSession event or a \
                 Scheduled Event",
            )),
        }
    }
}

/// What the function is asked to do.
#[derive(Debug, PartialEq)]
pub enum Request {
    /// Stop this session (after checking its state). `created_at` is when the CreateSession
    /// event says it was created: a session of that id created later is another session.
    Stop {
        session_id: String,
        created_at: Option<DateTime>,
    },
    /// Check what a session asked for when it was created against the limits.
    CheckLimits {
        session_id: String,
        asked: Asked,
        /// Who created it: CloudTrail's `userIdentity`.
        creator: String,
    },
    /// Stop every session running past the limit.
    Sweep,
    /// Report the sessions of the last `hours` and their DPU-hours, per owner.
    UsageReport { hours: u32 },
    /// Nothing to do, for this reason (a CreateSession call that failed).
    Ignore { reason: String },
}

/// The tag that names who answers for a session, in either spelling.
pub const OWNER_TAGS: [&str; 2] = ["owner", "Owner"];

/// Glue's limit on session ids.
const MAX_SESSION_ID_LEN: usize = 255;

impl Request {
    /// The request a raw payload stands for: [`Event`]'s parse, then [`Request::from_event`].
    pub fn parse(event: &Value) -> Result<Self> {
        Request::from_event(shared::input::parse(event.clone())?)
    }

    pub fn from_event(event: Event) -> Result<Self> {
        match event {
            Event::Stop(input) => Ok(Request::Stop {
                session_id: session_id(&input.session_id, "session_id")?,
                created_at: None,
            }),
            Event::ApiCall(event) => from_cloudtrail(event.detail),
            Event::CheckLimits(None) => Ok(Request::Ignore {
                reason: "a session named by hand: no CreateSession request to check".into(),
            }),
            Event::CheckLimits(Some(event)) => {
                let detail = event.detail;
                let call = &detail.call;
                let request = call.request_parameters.clone().unwrap_or_default();
                let creator = creator(&call.user_identity, request.tags.as_ref());
                let asked = request.asked;
                Ok(match from_cloudtrail(detail)? {
                    Request::Stop { session_id, .. } => Request::CheckLimits {
                        session_id,
                        asked,
                        creator,
                    },
                    other => other,
                })
            }
            Event::Scheduled(_) => Ok(Request::Sweep),
            Event::UsageReport(UsageInput { hours }) => {
                if !(1..=MAX_REPORT_HOURS).contains(&hours) {
                    return Err(invalid(format!(
                        "usage_report.hours is {hours}; it must be from 1 to {MAX_REPORT_HOURS}"
                    )));
                }
                Ok(Request::UsageReport { hours })
            }
        }
    }
}

fn from_cloudtrail(detail: GlueApiCall) -> Result<Request> {
    let GlueApiCall { call, error_code } = detail;
    if call.event_source != "glue.amazonaws.com" || call.event_name != "CreateSession" {
        return Err(invalid(format!(
            "expected a glue.amazonaws.com CreateSession call, got {} {}",
            call.event_source, call.event_name
        )));
    }
    // A failed call created nothing: CloudTrail records an errorCode and null responseElements.
    if let Some(code) = error_code {
        return Ok(Request::Ignore {
            reason: format!("CreateSession failed with {code}: no session was created"),
        });
    }
    let Some(response) = call.response_elements else {
        return Ok(Request::Ignore {
            reason: "CreateSession has null responseElements: no session was created".into(),
        });
    };
    let created_at = Some(
        DateTime::from_str(&call.event_time, DateTimeFormat::DateTime).map_err(|e| {
            invalid(format!(
                "detail.eventTime '{}' is not an ISO 8601 time: {e}",
                call.event_time
            ))
        })?,
    );
    match response.session.and_then(|s| s.id) {
        Some(id) => Ok(Request::Stop {
            session_id: session_id(&id, "detail.responseElements.session.id")?,
            created_at,
        }),
        None => match call.request_parameters.and_then(|r| r.id) {
            Some(id) => Ok(Request::Stop {
                session_id: session_id(&id, "detail.requestParameters.id")?,
                created_at,
            }),
            None => Err(invalid(
                "CreateSession event names no session id (detail.requestParameters.id)".into(),
            )),
        },
    }
}

/// The caller's ARN, else its principal, else its kind; and the session's `owner` (or `Owner`)
/// tag when it has one.
fn creator(identity: &UserIdentity, tags: Option<&BTreeMap<String, String>>) -> String {
    let caller = identity
        .arn
        .clone()
        .or_else(|| identity.principal_id.clone())
        .unwrap_or_else(|| identity.r#type.clone());
    let owner = tags.and_then(|t| OWNER_TAGS.iter().find_map(|k| t.get(*k)));
    match owner {
        Some(owner) => format!("{caller} (owner tag: {owner})"),
        None => caller,
    }
}

fn session_id(id: &str, field: &str) -> Result<String> {
    if id.trim().is_empty() {
        return Err(invalid(format!("{field} is empty")));
    }
    if id.len() > MAX_SESSION_ID_LEN {
        return Err(invalid(format!(
            "{field} is {} characters long; Glue allows at most {MAX_SESSION_ID_LEN}",
            id.len()
        )));
    }
    if id.chars().any(char::is_control) {
        return Err(invalid(format!("{field} contains control characters")));
    }
    Ok(id.to_owned())
}

fn invalid(message: String) -> Error {
    Error::InvalidInput(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A CloudTrail event with `detail`'s fields over the ones every record has.
    fn cloudtrail(detail: Value) -> Value {
        let mut full = json!({
            "eventVersion": "1.09", "userIdentity": {"type": "AssumedRole"},
            "eventTime": "2026-11-20T09:14:07Z", "awsRegion": "eu-west-1",
            "sourceIPAddress": "glue.amazonaws.com", "userAgent": "glue.amazonaws.com",
            "requestID": "r-1", "eventID": "e-1", "eventType": "AwsApiCall",
        });
        match (full.as_object_mut(), detail) {
            (Some(full), Value::Object(detail)) => full.extend(detail),
            (_, detail) => full = detail,
        }
        json!({"detail-type": "AWS API Call via CloudTrail", "source": "aws.glue", "detail": full})
    }

    /// The `eventTime` of `cloudtrail()`'s records.
    fn at_the_event() -> DateTime {
        DateTime::from_str("2026-11-20T09:14:07Z", DateTimeFormat::DateTime).unwrap()
    }

    #[test]
    fn a_bad_event_time_is_named() {
        let mut event = cloudtrail(json!({
            "eventSource": "glue.amazonaws.com", "eventName": "CreateSession",
            "responseElements": {"session": {"id": "s-1"}},
        }));
        event["detail"]["eventTime"] = json!("yesterday");
        let err = Request::parse(&event).unwrap_err();
        assert!(
            err.to_string().contains("detail.eventTime 'yesterday'"),
            "{err}"
        );
    }

    #[test]
    fn the_state_machine_input_is_a_stop_request() {
        assert_eq!(
            Request::parse(&json!({"session_id": "s-1"})).unwrap(),
            Request::Stop {
                session_id: "s-1".into(),
                created_at: None,
            }
        );
    }

    #[test]
    fn bad_session_ids_are_named() {
        for (input, expected) in [
            (json!({"session_id": ""}), "session_id is empty"),
            (json!({"session_id": "  "}), "session_id is empty"),
            (
                json!({"session_id": 7}),
                "session_id: invalid type: integer `7`, expected a string",
            ),
            (
                json!({"session_id": null}),
                "session_id: invalid type: null, expected a string",
            ),
            (
                json!({"session_id": "a\nb"}),
                "session_id contains control characters",
            ),
            (
                json!({"session_id": "x".repeat(256)}),
                "Glue allows at most 255",
            ),
        ] {
            let err = Request::parse(&input).unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput");
            assert!(err.to_string().contains(expected), "{err} / {expected}");
        }
    }

    #[test]
    fn a_session_id_that_looks_like_json_names_only_itself() {
        let hostile = r#"mine", "session_id": "victim"#;
        let event = cloudtrail(json!({
            "eventSource": "glue.amazonaws.com", "eventName": "CreateSession",
            "requestParameters": {"id": hostile},
            "responseElements": {"session": {"id": hostile}},
        }));
        assert_eq!(
            Request::parse(&event).unwrap(),
            Request::Stop {
                session_id: hostile.into(),
                created_at: Some(at_the_event()),
            }
        );
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_refused() {
        let err = Request::parse(&json!(["s-1"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a JSON object, got an array")
        );
    }

    #[test]
    fn missing_session_id_and_unknown_shape() {
        let err = Request::parse(&json!({"id": "s-1"})).unwrap_err();
        assert!(
            err.to_string().contains("expected {\"session_id\""),
            "{err}"
        );
        let err = Request::parse(&json!({"detail-type": "EC2 Instance State-change Notification"}))
            .unwrap_err();
        assert!(
            err.to_string().contains("unsupported event detail-type"),
            "{err}"
        );
    }

    #[test]
    fn cloudtrail_prefers_the_response_id() {
        let event = cloudtrail(json!({
            "eventSource": "glue.amazonaws.com", "eventName": "CreateSession",
            "requestParameters": {"id": "from-request"},
            "responseElements": {"session": {"id": "from-response", "status": "PROVISIONING"}}
        }));
        assert_eq!(
            Request::parse(&event).unwrap(),
            Request::Stop {
                session_id: "from-response".into(),
                created_at: Some(at_the_event()),
            }
        );
    }

    #[test]
    fn cloudtrail_falls_back_to_the_request_id() {
        let event = cloudtrail(json!({
            "eventSource": "glue.amazonaws.com", "eventName": "CreateSession",
            "requestParameters": {"id": "from-request"}, "responseElements": {}
        }));
        assert_eq!(
            Request::parse(&event).unwrap(),
            Request::Stop {
                session_id: "from-request".into(),
                created_at: Some(at_the_event()),
            }
        );
    }

    #[test]
    fn failed_create_session_is_ignored() {
        let null_response = cloudtrail(json!({
            "eventSource": "glue.amazonaws.com", "eventName": "CreateSession",
            "requestParameters": {"id": "s-1"}, "responseElements": null
        }));
        assert!(matches!(
            Request::parse(&null_response).unwrap(),
            Request::Ignore { .. }
        ));
        let error_code = cloudtrail(json!({
            "eventSource": "glue.amazonaws.com", "eventName": "CreateSession",
            "errorCode": "AccessDenied", "requestParameters": {"id": "s-1"}
        }));
        match Request::parse(&error_code).unwrap() {
            Request::Ignore { reason } => assert!(reason.contains("AccessDenied")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_api_calls_are_rejected() {
        let event = cloudtrail(json!({
            "eventSource": "glue.amazonaws.com", "eventName": "DeleteSession",
            "requestParameters": {"id": "s-1"}, "responseElements": {}
        }));
        let err = Request::parse(&event).unwrap_err();
        assert!(err.to_string().contains("DeleteSession"), "{err}");
        assert!(Request::parse(&cloudtrail(json!("text"))).is_err());
    }

    #[test]
    fn a_scheduled_event_is_a_sweep() {
        let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        assert_eq!(Request::parse(&event).unwrap(), Request::Sweep);
    }
}
