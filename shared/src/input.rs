//! Typed input: how every function turns its payload into its own types, with errors that name
//! the field; and the checks on input that more than one function makes.

use crate::{Error, Result};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A payload deserialised as `T`, or why it is not one. With `LambdaEvent<Payload<T>>` a bad
/// event reaches the function, which answers `InvalidInput` naming the field; the runtime would
/// answer with its own `errorType`, which the state machines do not know.
#[derive(Debug)]
pub struct Payload<T>(Result<T>);

impl<T> Payload<T> {
    pub fn into_inner(self) -> Result<T> {
        self.0
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Payload<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|value| Payload(parse(value)))
    }
}

/// Deserialises `value` as `T`; a mismatch is `InvalidInput` naming the field and what was
/// expected there.
pub fn parse<T: DeserializeOwned>(value: Value) -> Result<T> {
    typed(value).map_err(|e: serde_json::Error| Error::InvalidInput(e.to_string()))
}

/// [`parse`] inside a `Deserialize` impl: for an input of several shapes, once the shape is
/// known, the error names the path within it. `value` is a `Value`, or a `&Value` to read
/// without taking it.
pub fn typed<'de, T, D, E>(value: D) -> Result<T, E>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
    D::Error: std::fmt::Display,
    E: de::Error,
{
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            E::custom(inner)
        } else {
            E::custom(format!("{path}: {inner}"))
        }
    })
}

/// The `detail-type` of an EventBridge event, which tells its shape.
pub fn detail_type(value: &Value) -> Option<&str> {
    value.get("detail-type").and_then(Value::as_str)
}

/// What a JSON value is, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The input of a function that a schedule or a person starts and that reads nothing from it:
/// `{}` or no input (EventBridge Scheduler's, a console test's), or an EventBridge
/// `Scheduled Event`. Anything else is refused: it means the function was wired to the wrong
/// source, and taking it as "run now" would run the job for an unrelated event.
#[derive(Debug, Clone)]
pub enum Start {
    ByHand,
    Scheduled(Box<EventBridgeEvent>),
}

impl<'de> Deserialize<'de> for Start {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = Value::deserialize(deserializer)?;
        match &event {
            Value::Null => Ok(Start::ByHand),
            Value::Object(obj) if obj.is_empty() => Ok(Start::ByHand),
            Value::Object(_) if detail_type(&event) == Some("Scheduled Event") => {
                typed(event).map(|e| Start::Scheduled(Box::new(e)))
            }
            Value::Object(obj) => {
                let keys: Vec<&str> = obj.keys().take(5).map(String::as_str).collect();
                Err(de::Error::custom(format!(
                    "expected {{}} or a Scheduled Event, got an object with {}",
                    match detail_type(&event) {
                        Some(kind) => format!("detail-type '{}'", shorten(kind)),
                        None => format!("keys {}", shorten(&keys.join(", "))),
                    }
                )))
            }
            other => Err(de::Error::custom(format!(
                "expected a JSON object ({{}} or a Scheduled Event), got {}",
                shorten(&other.to_string())
            ))),
        }
    }
}

/// At most 80 characters of a text from the input, for a message.
pub fn shorten(text: &str) -> String {
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// An AWS account id: exactly 12 digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An AWS Region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-5`, lowercase words and a
/// number.
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && region.len() <= 25
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// FNV-1a, for names that must be the same for every delivery of an event: stable across Rust
/// versions and processes, unlike `DefaultHasher`.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    std::hash::Hasher::write(&mut hasher, bytes);
    std::hash::Hasher::finish(&hasher)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("111122223333"));
        for bad in [
            "",
            "11112222333",
            "1111-2222-3333",
            "111122223333 ",
            "11112222333x",
        ] {
            assert!(!is_account_id(bad), "{bad}");
        }
    }

    #[test]
    fn only_region_names_are_regions() {
        for ok in [
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-5",
            "eusc-de-east-1",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "eu-west",
            "EU-WEST-1",
            "eu-west-1a",
            "eu--1",
            "../../etc",
            "eu-west-1 ",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn the_stable_hash_is_fnv1a() {
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // only deserialised
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        id: String,
    }

    #[test]
    fn a_mismatch_names_its_path_and_is_invalid_input() {
        let err = parse::<Outer>(json!({"inner": {"id": 7}})).unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput");
        assert!(
            err.to_string()
                .contains("inner.id: invalid type: integer `7`, expected a string"),
            "{err}"
        );
        let err = parse::<Outer>(json!({})).unwrap_err();
        assert!(err.to_string().contains("missing field `inner`"), "{err}");
    }

    #[test]
    fn a_payload_keeps_the_error_for_the_handler() {
        let payload: Payload<Outer> = serde_json::from_str(r#"{"inner": []}"#).unwrap();
        let err = payload.into_inner().unwrap_err();
        assert!(
            err.to_string().starts_with("invalid input: inner: "),
            "{err}"
        );
        let payload: Payload<Outer> = serde_json::from_str(r#"{"inner": {"id": "a"}}"#).unwrap();
        assert_eq!(payload.into_inner().unwrap().inner.id, "a");
    }

    #[test]
    fn a_start_is_empty_or_a_schedule_and_nothing_else() {
        for ok in [
            json!({}),
            Value::Null,
            json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}),
        ] {
            assert!(parse::<Start>(ok.clone()).is_ok(), "{ok}");
        }
        for (bad, expected) in [
            (
                json!([1]),
                "invalid input: expected a JSON object ({} or a Scheduled Event), got [1]",
            ),
            (
                json!({"Records": [{"eventSource": "aws:s3"}]}),
                "invalid input: expected {} or a Scheduled Event, got an object with keys Records",
            ),
            (
                json!({"detail-type": "Security Hub Findings - Imported", "detail": {}}),
                "got an object with detail-type 'Security Hub Findings - Imported'",
            ),
        ] {
            let err = parse::<Start>(bad).unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }
}
