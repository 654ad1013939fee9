//! Checks on a function's input that more than one function makes.

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
