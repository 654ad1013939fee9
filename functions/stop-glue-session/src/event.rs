//! The three inputs the function accepts, told apart by their shape:
//!
//! - `{"session_id": "..."}`: from the state machine, or by hand;
//! - an EventBridge `AWS API Call via CloudTrail` event for Glue `CreateSession`;
//! - an EventBridge `Scheduled Event`: sweep every session.

use serde_json::Value;
use shared::{Error, Result};

/// What the function is asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// Stop this session (after checking its state).
    Stop { session_id: String },
    /// Stop every session running past the limit.
    Sweep,
    /// Nothing to do, for this reason (a CreateSession call that failed).
    Ignore { reason: String },
}

/// Glue's limit on session ids.
const MAX_SESSION_ID_LEN: usize = 255;

impl Request {
    pub fn parse(event: &Value) -> Result<Self> {
        let Some(obj) = event.as_object() else {
            return Err(invalid(format!(
                "expected a JSON object, got {}",
                kind_of(event)
            )));
        };
        if let Some(id) = obj.get("session_id") {
            return Ok(Request::Stop {
                session_id: session_id(id, "session_id")?,
            });
        }
        match obj.get("detail-type").and_then(Value::as_str) {
            Some("AWS API Call via CloudTrail") => from_cloudtrail(obj.get("detail")),
            Some("Scheduled Event") => Ok(Request::Sweep),
            Some(other) => Err(invalid(format!(
                "unsupported event detail-type '{other}': expected a CloudTrail CreateSession \
                 event or a Scheduled Event"
            ))),
            None => Err(invalid(
                "expected {\"session_id\": \"...\"}, a CloudTrail CreateSession event or a \
                 Scheduled Event"
                    .into(),
            )),
        }
    }
}

fn from_cloudtrail(detail: Option<&Value>) -> Result<Request> {
    let Some(detail) = detail.and_then(Value::as_object) else {
        return Err(invalid("CloudTrail event has no detail object".into()));
    };
    let source = detail.get("eventSource").and_then(Value::as_str);
    let name = detail.get("eventName").and_then(Value::as_str);
    if source != Some("glue.amazonaws.com") || name != Some("CreateSession") {
        return Err(invalid(format!(
            "expected a glue.amazonaws.com CreateSession call, got {} {}",
            source.unwrap_or("<no eventSource>"),
            name.unwrap_or("<no eventName>")
        )));
    }
    // A failed call created nothing: CloudTrail records an errorCode and null responseElements.
    if let Some(code) = detail.get("errorCode").and_then(Value::as_str) {
        return Ok(Request::Ignore {
            reason: format!("CreateSession failed with {code}: no session was created"),
        });
    }
    let response = detail.get("responseElements").unwrap_or(&Value::Null);
    if response.is_null() {
        return Ok(Request::Ignore {
            reason: "CreateSession has null responseElements: no session was created".into(),
        });
    }
    match response.pointer("/session/id") {
        Some(id) => Ok(Request::Stop {
            session_id: session_id(id, "detail.responseElements.session.id")?,
        }),
        None => match detail.get("requestParameters").and_then(|r| r.get("id")) {
            Some(id) => Ok(Request::Stop {
                session_id: session_id(id, "detail.requestParameters.id")?,
            }),
            None => Err(invalid(
                "CreateSession event names no session id (detail.requestParameters.id)".into(),
            )),
        },
    }
}

fn session_id(value: &Value, field: &str) -> Result<String> {
    let Some(id) = value.as_str() else {
        return Err(invalid(format!(
            "{field} must be a string, got {}",
            kind_of(value)
        )));
    };
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

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cloudtrail(detail: Value) -> Value {
        json!({"detail-type": "AWS API Call via CloudTrail", "source": "aws.glue", "detail": detail})
    }

    #[test]
    fn state_machine_input() {
        assert_eq!(
            Request::parse(&json!({"session_id": "s-1"})).unwrap(),
            Request::Stop {
                session_id: "s-1".into()
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
                "session_id must be a string, got a number",
            ),
            (
                json!({"session_id": null}),
                "session_id must be a string, got null",
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
                session_id: hostile.into()
            }
        );
    }

    #[test]
    fn not_an_object() {
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
                session_id: "from-response".into()
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
                session_id: "from-request".into()
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
    fn scheduled_event_sweeps() {
        let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        assert_eq!(Request::parse(&event).unwrap(), Request::Sweep);
    }
}
