//! Settings, from the environment variables the template sets.

use shared::Result;
use shared::config::{Vars, flag, optional};

/// Only resources tagged exactly `auto-restart-protection` = `yes` are ever stopped.
pub const PROTECTION_TAG: (&str, &str) = ("auto-restart-protection", "yes");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Report what would be stopped, stop nothing.
    pub dry_run: bool,
    /// The workflow the trigger starts; unset where the function only checks.
    pub state_machine_arn: Option<String>,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            dry_run: flag(vars, "DRY_RUN", false)?,
            state_machine_arn: optional(vars, "STATE_MACHINE_ARN"),
        })
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
            _ => None,
        };
        let config = Config::from_vars(&vars).unwrap();
        assert!(config.dry_run);
        assert!(config.state_machine_arn.is_some());
        let none = Config::from_vars(&|_: &str| None).unwrap();
        assert!(!none.dry_run);
        assert_eq!(none.state_machine_arn, None);
    }
}
