//! Checks on a function's input, and names derived from it, that more than one function makes.

use crate::{Error, Result};
use serde_json::Value;

/// For functions whose input carries nothing they need (a schedule's `{}`, the previous
/// state's output): any object, or no input, is fine; anything else is refused, since it means
/// the function was wired to the wrong thing. `hint` says what is expected.
pub fn any_object(event: &Value, hint: &str) -> Result<()> {
    if event.is_object() || event.is_null() {
        return Ok(());
    }
    let mut shown = event.to_string();
    if shown.len() > 80 {
        shown = format!("{}…", shown.chars().take(80).collect::<String>());
    }
    Err(Error::InvalidInput(format!(
        "expected a JSON object ({hint}), got {shown}"
    )))
}

/// An AWS account id: exactly 12 digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// FNV-1a, for names that must be the same for every delivery of an event: stable across Rust
/// versions and processes, unlike `DefaultHasher`.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
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
    fn the_stable_hash_is_fnv1a() {
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn objects_and_null_pass_everything_else_is_named() {
        assert_eq!(any_object(&json!({}), "x"), Ok(()));
        assert_eq!(any_object(&Value::Null, "x"), Ok(()));
        let err = any_object(&json!([1]), "the schedule sends {}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid input: expected a JSON object (the schedule sends {}), got [1]"
        );
    }
}
