//! Settings, from the environment variables the template sets.

use shared::config::{Vars, flag, optional, parsed};
use shared::{Error, Result};

/// Only resources tagged exactly `auto-restart-protection` = `yes` are ever stopped.
pub const PROTECTION_TAG: (&str, &str) = ("auto-restart-protection", "yes");

/// RDS keeps 14 days of events; nothing older can be read.
const HISTORY_MINUTES: u32 = 14 * 24 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Report what would be stopped, stop nothing.
    pub dry_run: bool,
    /// The workflow the trigger and the sweep start; unset where the function only checks.
    pub state_machine_arn: Option<String>,
    /// How often the sweep runs (`SWEEP_MINUTES`, default 60).
    pub sweep_minutes: u32,
    /// An auto-start older than this stops nothing and is reported (`MAX_EVENT_AGE_MINUTES`,
    /// default 75: one sweep interval and a margin): the database may be in use by then.
    pub max_event_age_minutes: u32,
    /// Take a snapshot right before the stop (`SNAPSHOT_BEFORE_STOP`, default false).
    pub snapshot_before_stop: bool,
    /// Where the sweep reports auto-starts it left alone; unset: only in its log.
    pub report_topic_arn: Option<String>,
    /// Where the usage report goes (`SUCCESS_TOPIC_ARN`); unset: only in its log.
    pub usage_topic_arn: Option<String>,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        let sweep_minutes: u32 = parsed(vars, "SWEEP_MINUTES", 60)?;
        let max_event_age_minutes: u32 = parsed(vars, "MAX_EVENT_AGE_MINUTES", 75)?;
        if !(1..=HISTORY_MINUTES).contains(&sweep_minutes) {
            return Err(Error::Configuration(format!(
                "environment variable SWEEP_MINUTES is {sweep_minutes}; it must be from 1 to \
                 {HISTORY_MINUTES} (the 14 days of RDS's event history)"
            )));
        }
        if max_event_age_minutes < sweep_minutes
            || max_event_age_minutes + sweep_minutes > HISTORY_MINUTES
        {
            return Err(Error::Configuration(format!(
                "environment variable MAX_EVENT_AGE_MINUTES is {max_event_age_minutes}; it must \
                 be at least SWEEP_MINUTES ({sweep_minutes}), or an event lost between two \
                 sweeps is never acted on, and with it at most {HISTORY_MINUTES} (14 days)"
            )));
        }
        Ok(Config {
            dry_run: flag(vars, "DRY_RUN", false)?,
            state_machine_arn: optional(vars, "STATE_MACHINE_ARN"),
            sweep_minutes,
            max_event_age_minutes,
            snapshot_before_stop: flag(vars, "SNAPSHOT_BEFORE_STOP", false)?,
            report_topic_arn: optional(vars, "REPORT_TOPIC_ARN"),
            usage_topic_arn: optional(vars, "SUCCESS_TOPIC_ARN"),
        })
    }

    pub fn max_event_age_secs(&self) -> i64 {
        i64::from(self.max_event_age_minutes) * 60
    }

    /// How far back the sweep reads: the events it may act on, and those that turned too old
    /// since the last sweep, which it reports once.
    pub fn lookback_secs(&self) -> i64 {
        i64::from(self.max_event_age_minutes + self.sweep_minutes) * 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_settings() {
        let vars = |n: &str| match n {
            "DRY_RUN" => Some("true".to_owned()),
            "STATE_MACHINE_ARN" => {
                Some("arn:aws:states:us-east-1:123456789012:stateMachine:s".to_owned())
            }
            "SWEEP_MINUTES" => Some("30".to_owned()),
            "MAX_EVENT_AGE_MINUTES" => Some("45".to_owned()),
            "SNAPSHOT_BEFORE_STOP" => Some("true".to_owned()),
            _ => None,
        };
        let config = Config::from_vars(&vars).unwrap();
        assert!(config.dry_run && config.snapshot_before_stop);
        assert!(config.state_machine_arn.is_some());
        assert_eq!(config.lookback_secs(), 75 * 60);
        let none = Config::from_vars(&|_: &str| None).unwrap();
        assert!(!none.dry_run && !none.snapshot_before_stop);
        assert_eq!(none.state_machine_arn, None);
        assert_eq!((none.sweep_minutes, none.max_event_age_minutes), (60, 75));
    }

    #[test]
    fn an_event_age_shorter_than_the_sweep_interval_is_refused() {
        let vars = |n: &str| match n {
            "SWEEP_MINUTES" => Some("60".to_owned()),
            "MAX_EVENT_AGE_MINUTES" => Some("30".to_owned()),
            _ => None,
        };
        let err = Config::from_vars(&vars).unwrap_err().to_string();
        assert!(err.contains("at least SWEEP_MINUTES (60)"), "{err}");
        let zero = |n: &str| (n == "SWEEP_MINUTES").then(|| "0".to_owned());
        assert!(Config::from_vars(&zero).is_err());
    }
}
