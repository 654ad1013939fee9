//! Typed settings from environment variables. Every reader takes the variable lookup as a
//! function, so tests pass a map instead of changing the process environment.

use crate::{Error, Result};
use std::str::FromStr;

/// Looks a variable up: `std::env::var(name).ok()` in Lambda, a map in tests.
pub trait Vars: Fn(&str) -> Option<String> {}
impl<F: Fn(&str) -> Option<String>> Vars for F {}

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A variable that must be set and not blank.
pub fn required(vars: &impl Vars, name: &str) -> Result<String> {
    match vars(name) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        Some(_) => Err(Error::Configuration(format!(
            "environment variable {name} is empty"
        ))),
        None => Err(Error::Configuration(format!(
            "environment variable {name} is not set"
        ))),
    }
}

/// A variable that may be unset or blank.
pub fn optional(vars: &impl Vars, name: &str) -> Option<String> {
    vars(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A value parsed from a variable, or `default` when it is unset or blank.
pub fn parsed<T>(vars: &impl Vars, name: &str, default: T) -> Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match optional(vars, name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|e| {
            Error::Configuration(format!("environment variable {name}='{v}' is invalid: {e}"))
        }),
    }
}

/// A comma-separated list, each item parsed, or `default` when unset or blank.
pub fn listed<T>(vars: &impl Vars, name: &str, default: Vec<T>) -> Result<Vec<T>>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let Some(text) = optional(vars, name) else {
        return Ok(default);
    };
    text.split(',')
        .map(|item| {
            let item = item.trim();
            item.parse().map_err(|e| {
                Error::Configuration(format!(
                    "environment variable {name}: '{item}' is invalid: {e}"
                ))
            })
        })
        .collect()
}

/// `true` or `false` (any case), or `default` when unset. Anything else is an error rather
/// than a guess, since these switches guard destructive actions.
pub fn flag(vars: &impl Vars, name: &str, default: bool) -> Result<bool> {
    match optional(vars, name)
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(Error::Configuration(format!(
            "environment variable {name}='{other}' must be true or false"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Vars {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn required_names_the_missing_variable() {
        let v = vars(&[("BLANK", "  "), ("SET", " x ")]);
        assert_eq!(required(&v, "SET"), Ok("x".to_owned()));
        assert_eq!(
            required(&v, "NOPE"),
            Err(Error::Configuration(
                "environment variable NOPE is not set".into()
            ))
        );
        assert_eq!(
            required(&v, "BLANK"),
            Err(Error::Configuration(
                "environment variable BLANK is empty".into()
            ))
        );
    }

    #[test]
    fn lists_are_parsed_item_by_item() {
        let v = vars(&[("PORTS", "80, 443"), ("BAD", "80,x")]);
        assert_eq!(listed(&v, "PORTS", vec![1u16]).unwrap(), [80, 443]);
        assert_eq!(listed(&v, "UNSET", vec![1u16]).unwrap(), [1]);
        let err = listed::<u16>(&v, "BAD", Vec::new()).unwrap_err();
        assert!(err.to_string().contains("'x' is invalid"), "{err}");
    }

    #[test]
    fn optional_treats_blank_as_unset() {
        let v = vars(&[("BLANK", ""), ("SET", "a")]);
        assert_eq!(optional(&v, "BLANK"), None);
        assert_eq!(optional(&v, "SET").as_deref(), Some("a"));
    }

    #[test]
    fn parsed_uses_default_and_rejects_garbage() {
        let v = vars(&[("N", "42"), ("BAD", "forty")]);
        assert_eq!(parsed(&v, "N", 1u32), Ok(42));
        assert_eq!(parsed(&v, "UNSET", 7u32), Ok(7));
        let err = parsed(&v, "BAD", 1u32).unwrap_err().to_string();
        assert!(err.contains("BAD='forty' is invalid"), "{err}");
    }

    #[test]
    fn flag_accepts_only_true_or_false() {
        let v = vars(&[("T", "TRUE"), ("F", "false"), ("Y", "yes")]);
        assert_eq!(flag(&v, "T", false), Ok(true));
        assert_eq!(flag(&v, "F", true), Ok(false));
        assert_eq!(flag(&v, "UNSET", true), Ok(true));
        assert!(flag(&v, "Y", false).is_err());
    }
}
