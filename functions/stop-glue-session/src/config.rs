//! Settings, from the environment variables the template sets.

use crate::limits::Limits;
use shared::Result;
use shared::config::{Vars, flag, listed, optional, parsed, required};
use std::time::Duration;

/// The longest session limit (`GlueSessionLimitMinutes`' `MaxValue`).
pub const MAX_SESSION_MINUTES: u64 = 7 * 24 * 60;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Report what would be stopped, stop nothing.
    pub dry_run: bool,
    /// The sweep stops sessions that have run longer than this.
    pub max_session_age: Duration,
    /// The sweep also stops a READY session whose last statement ended longer ago than this
    /// (or, without statements, that was created longer ago) and that runs none now; unset:
    /// idleness is not checked.
    pub idle_after: Option<Duration>,
    /// Sessions with this tag key and value are never stopped.
    pub opt_out_tag: (String, String),
    /// `arn:<partition>:glue:<region>:<account>:session/`, for reading a session's tags; the
    /// template sets it from the stack's own partition, region and account.
    pub session_arn_prefix: String,
    /// Where the sweep reports the sessions it stopped (the state machine notifies for its
    /// own); unset: the sweep only logs.
    pub success_topic_arn: Option<String>,
    /// Where the sweep reports the sessions it could not stop.
    pub failure_topic_arn: Option<String>,
    /// What a session may ask for when it is created (none by default).
    pub limits: Limits,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        let minutes: u64 = parsed(vars, "MAX_SESSION_MINUTES", 90)?;
        // The template's bounds; past them `minutes * 60` seconds could overflow and turn the
        // limit negative, which would make every session overdue.
        if !(1..=MAX_SESSION_MINUTES).contains(&minutes) {
            return Err(shared::Error::Configuration(format!(
                "environment variable MAX_SESSION_MINUTES is {minutes}; it must be from 1 to \
                 {MAX_SESSION_MINUTES} (7 days)"
            )));
        }
        let idle: u64 = parsed(vars, "IDLE_MINUTES", 0)?;
        if idle > MAX_SESSION_MINUTES {
            return Err(shared::Error::Configuration(format!(
                "environment variable IDLE_MINUTES is {idle}; it must be from 0 (off) to \
                 {MAX_SESSION_MINUTES}"
            )));
        }
        Ok(Config {
            dry_run: flag(vars, "DRY_RUN", false)?,
            max_session_age: Duration::from_secs(minutes * 60),
            idle_after: (idle > 0).then(|| Duration::from_secs(idle * 60)),
            opt_out_tag: (
                optional(vars, "OPT_OUT_TAG_KEY").unwrap_or_else(|| "auto-stop".into()),
                optional(vars, "OPT_OUT_TAG_VALUE").unwrap_or_else(|| "false".into()),
            ),
            session_arn_prefix: session_arn_prefix(vars)?,
            success_topic_arn: optional(vars, "SUCCESS_TOPIC_ARN"),
            failure_topic_arn: optional(vars, "FAILURE_TOPIC_ARN"),
            limits: limits(vars)?,
        })
    }
}

/// Each limit unset (or blank) is no limit.
fn limits(vars: &impl Vars) -> Result<Limits> {
    let limit = |name: &str| -> Result<Option<u32>> {
        let value = match optional(vars, name) {
            None => None,
            Some(_) => Some(parsed::<u32>(vars, name, 0)?),
        };
        match value {
            Some(0) => Err(shared::Error::Configuration(format!(
                "environment variable {name} is 0; leave it empty for no limit"
            ))),
            other => Ok(other),
        }
    };
    let action = optional(vars, "LIMIT_ACTION").unwrap_or_else(|| "stop".into());
    let notify_only = match action.as_str() {
        "stop" => false,
        "notify" => true,
        other => {
            return Err(shared::Error::Configuration(format!(
                "environment variable LIMIT_ACTION='{other}' must be stop or notify"
            )));
        }
    };
    let dpu_hour_price: f64 = parsed(vars, "DPU_HOUR_PRICE", 0.44)?;
    if !(dpu_hour_price.is_finite() && dpu_hour_price >= 0.0) {
        return Err(shared::Error::Configuration(format!(
            "environment variable DPU_HOUR_PRICE='{dpu_hour_price}' must be a price in dollars"
        )));
    }
    Ok(Limits {
        max_idle_timeout_minutes: limit("MAX_IDLE_TIMEOUT_MINUTES")?,
        max_timeout_minutes: limit("MAX_TIMEOUT_MINUTES")?,
        max_workers: limit("MAX_WORKERS")?,
        worker_types: listed(vars, "ALLOWED_WORKER_TYPES", Vec::new())?,
        notify_only,
        dpu_hour_price,
    })
}

fn session_arn_prefix(vars: &impl Vars) -> Result<String> {
    let prefix = required(vars, "GLUE_SESSION_ARN_PREFIX")?;
    let valid = prefix.starts_with("arn:")
        && prefix.ends_with(":session/")
        && prefix.split(':').nth(2) == Some("glue");
    if valid {
        Ok(prefix)
    } else {
        Err(shared::Error::Configuration(format!(
            "environment variable GLUE_SESSION_ARN_PREFIX='{prefix}' must look like \
             arn:aws:glue:<region>:<account>:session/"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "arn:aws:glue:eu-west-1:123456789012:session/";

    fn only_prefix(name: &str) -> Option<String> {
        (name == "GLUE_SESSION_ARN_PREFIX").then(|| PREFIX.to_owned())
    }

    #[test]
    fn settings_left_unset_take_their_defaults() {
        let config = Config::from_vars(&only_prefix).unwrap();
        assert!(!config.dry_run);
        assert_eq!(config.max_session_age, Duration::from_secs(90 * 60));
        assert_eq!(config.opt_out_tag, ("auto-stop".into(), "false".into()));
        assert_eq!(config.success_topic_arn, None);
    }

    #[test]
    fn reads_every_setting() {
        let vars = |name: &str| {
            match name {
                "DRY_RUN" => Some("true"),
                "MAX_SESSION_MINUTES" => Some("30"),
                "OPT_OUT_TAG_KEY" => Some("keep"),
                "OPT_OUT_TAG_VALUE" => Some("yes"),
                "SUCCESS_TOPIC_ARN" => Some("arn:ok"),
                "FAILURE_TOPIC_ARN" => Some("arn:ko"),
                "GLUE_SESSION_ARN_PREFIX" => Some(PREFIX),
                _ => None,
            }
            .map(str::to_owned)
        };
        let config = Config::from_vars(&vars).unwrap();
        assert!(config.dry_run);
        assert_eq!(config.max_session_age, Duration::from_secs(1800));
        assert_eq!(config.opt_out_tag, ("keep".into(), "yes".into()));
        assert_eq!(config.success_topic_arn.as_deref(), Some("arn:ok"));
        assert_eq!(config.failure_topic_arn.as_deref(), Some("arn:ko"));
    }

    #[test]
    fn rejects_a_limit_that_could_overflow() {
        for minutes in ["10081", "307445734561825861", "18446744073709551615"] {
            let vars = |n: &str| match n {
                "MAX_SESSION_MINUTES" => Some(minutes.to_owned()),
                "GLUE_SESSION_ARN_PREFIX" => Some(PREFIX.to_owned()),
                _ => None,
            };
            let err = Config::from_vars(&vars).unwrap_err();
            assert!(err.to_string().contains("must be from 1 to 10080"), "{err}");
        }
    }

    #[test]
    fn rejects_a_zero_limit_and_a_vague_dry_run() {
        let zero = |n: &str| match n {
            "MAX_SESSION_MINUTES" => Some("0".to_owned()),
            _ => only_prefix(n),
        };
        assert!(Config::from_vars(&zero).is_err());
        let vague = |n: &str| match n {
            "DRY_RUN" => Some("maybe".to_owned()),
            _ => only_prefix(n),
        };
        assert!(Config::from_vars(&vague).is_err());
    }

    #[test]
    fn session_arn_prefix_is_required_and_checked() {
        let err = Config::from_vars(&|_: &str| None).unwrap_err();
        assert!(
            err.to_string()
                .contains("GLUE_SESSION_ARN_PREFIX is not set"),
            "{err}"
        );
        let wrong =
            |n: &str| (n == "GLUE_SESSION_ARN_PREFIX").then(|| "arn:aws:s3:::b/".to_owned());
        let err = Config::from_vars(&wrong).unwrap_err();
        assert!(err.to_string().contains("must look like"), "{err}");
    }
}
