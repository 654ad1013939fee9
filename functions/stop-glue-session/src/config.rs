//! Settings, from the environment variables the template sets.

use shared::Result;
use shared::config::{Vars, flag, optional, parsed};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Report what would be stopped, stop nothing.
    pub dry_run: bool,
    /// The sweep stops sessions that have run longer than this.
    pub max_session_age: Duration,
    /// Sessions with this tag key and value are never stopped.
    pub opt_out_tag: (String, String),
    /// Where the sweep reports the sessions it stopped (the state machine notifies for its
    /// own); unset: the sweep only logs.
    pub success_topic_arn: Option<String>,
    /// Where the sweep reports the sessions it could not stop.
    pub failure_topic_arn: Option<String>,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        let minutes: u64 = parsed(vars, "MAX_SESSION_MINUTES", 90)?;
        if minutes == 0 {
            return Err(shared::Error::Configuration(
                "environment variable MAX_SESSION_MINUTES must be at least 1".into(),
            ));
        }
        Ok(Config {
            dry_run: flag(vars, "DRY_RUN", false)?,
            max_session_age: Duration::from_secs(minutes * 60),
            opt_out_tag: (
                optional(vars, "OPT_OUT_TAG_KEY").unwrap_or_else(|| "auto-stop".into()),
                optional(vars, "OPT_OUT_TAG_VALUE").unwrap_or_else(|| "false".into()),
            ),
            success_topic_arn: optional(vars, "SUCCESS_TOPIC_ARN"),
            failure_topic_arn: optional(vars, "FAILURE_TOPIC_ARN"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let config = Config::from_vars(&|_: &str| None).unwrap();
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
    fn rejects_a_zero_limit_and_a_vague_dry_run() {
        let zero = |n: &str| (n == "MAX_SESSION_MINUTES").then(|| "0".to_owned());
        assert!(Config::from_vars(&zero).is_err());
        let vague = |n: &str| (n == "DRY_RUN").then(|| "maybe".to_owned());
        assert!(Config::from_vars(&vague).is_err());
    }
}
