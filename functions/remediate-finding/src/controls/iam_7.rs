//! IAM.7: password policies for IAM users should have strong configurations. Raises the account
//! password policy to the control's default requirements (at least 8 characters, upper and
//! lower case letters, numbers and symbols) and keeps every stricter or unrelated setting as it
//! is. IAM replaces the whole policy on each update, so every setting is read and written back.

use super::{Fix, Grant, and_list};
use crate::target::Target;
use aws_sdk_iam::types::PasswordPolicy as IamPolicy;
use serde::Serialize;
use shared::aws::SdkConfig;
use shared::{Error, Result};

/// IAM.7's default `MinimumPasswordLength`.
pub const MIN_LENGTH: i32 = 8;

pub fn access() -> Vec<Grant> {
    // AWS-REQUIRED-WILDCARD: the account password policy has no resource ARN.
    vec![
        Grant::read(&["iam:GetAccountPasswordPolicy"], "*"),
        Grant::write(&["iam:UpdateAccountPasswordPolicy"], "*"),
    ]
}

/// Every setting of the account password policy; `exists` is false when the account has none
/// (IAM's defaults apply then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub exists: bool,
    pub minimum_password_length: i32,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub allow_users_to_change_password: bool,
    pub max_password_age: Option<i32>,
    pub password_reuse_prevention: Option<i32>,
    pub hard_expiry: Option<bool>,
}

impl Policy {
    fn from_iam(p: Option<&IamPolicy>) -> Self {
        Policy {
            exists: p.is_some(),
            minimum_password_length: p.and_then(|p| p.minimum_password_length).unwrap_or(6),
            require_uppercase_characters: p.is_some_and(|p| p.require_uppercase_characters),
            require_lowercase_characters: p.is_some_and(|p| p.require_lowercase_characters),
            require_numbers: p.is_some_and(|p| p.require_numbers),
            require_symbols: p.is_some_and(|p| p.require_symbols),
            allow_users_to_change_password: p.is_some_and(|p| p.allow_users_to_change_password),
            max_password_age: p.and_then(|p| p.max_password_age).filter(|a| *a > 0),
            password_reuse_prevention: p.and_then(|p| p.password_reuse_prevention),
            hard_expiry: p.and_then(|p| p.hard_expiry),
        }
    }
}

pub struct PasswordPolicy {
    pub iam: aws_sdk_iam::Client,
}

impl PasswordPolicy {
    pub fn new(aws: &SdkConfig) -> Self {
        PasswordPolicy {
            iam: aws_sdk_iam::Client::new(aws),
        }
    }
}

impl Fix for PasswordPolicy {
    type State = Policy;

    async fn read(&self, _: &Target) -> Result<Policy> {
        match self.iam.get_account_password_policy().send().await {
            Ok(out) => Ok(Policy::from_iam(out.password_policy.as_ref())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                Ok(Policy::from_iam(None))
            }
            Err(e) => Err(Error::from_sdk("IAM GetAccountPasswordPolicy", e)),
        }
    }

    fn fixed(&self, _: &Target, before: &Policy) -> Result<Policy> {
        let mut after = before.clone();
        after.minimum_password_length = before.minimum_password_length.max(MIN_LENGTH);
        after.require_uppercase_characters = true;
        after.require_lowercase_characters = true;
        after.require_numbers = true;
        after.require_symbols = true;
        if after != *before {
            after.exists = true;
        }
        Ok(after)
    }

    async fn write(&self, _: &Target, _: &Policy, after: &Policy) -> Result<()> {
        self.iam
            .update_account_password_policy()
            .minimum_password_length(after.minimum_password_length)
            .require_uppercase_characters(after.require_uppercase_characters)
            .require_lowercase_characters(after.require_lowercase_characters)
            .require_numbers(after.require_numbers)
            .require_symbols(after.require_symbols)
            .allow_users_to_change_password(after.allow_users_to_change_password)
            .set_max_password_age(after.max_password_age)
            .set_password_reuse_prevention(after.password_reuse_prevention)
            .set_hard_expiry(after.hard_expiry)
            .send()
            .await
            .map_err(|e| Error::from_sdk("IAM UpdateAccountPasswordPolicy", e))?;
        Ok(())
    }

    fn change(&self, before: &Policy, after: &Policy) -> String {
        let mut changes = Vec::new();
        if after.minimum_password_length != before.minimum_password_length {
            changes.push(format!(
                "minimum length {} (was {})",
                after.minimum_password_length, before.minimum_password_length
            ));
        }
        for (was, is, what) in [
            (
                before.require_uppercase_characters,
                after.require_uppercase_characters,
                "upper case",
            ),
            (
                before.require_lowercase_characters,
                after.require_lowercase_characters,
                "lower case",
            ),
            (before.require_numbers, after.require_numbers, "numbers"),
            (before.require_symbols, after.require_symbols, "symbols"),
        ] {
            if is && !was {
                changes.push(format!("{what} required"));
            }
        }
        let kept = if before.exists {
            "the other settings kept"
        } else {
            "a password policy set where there was none"
        };
        format!("{}; {kept}", and_list(&changes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(length: i32) -> Policy {
        Policy {
            exists: true,
            minimum_password_length: length,
            require_uppercase_characters: true,
            require_lowercase_characters: false,
            require_numbers: true,
            require_symbols: false,
            allow_users_to_change_password: true,
            max_password_age: Some(90),
            password_reuse_prevention: Some(24),
            hard_expiry: Some(false),
        }
    }

    fn fixed(before: &Policy) -> Policy {
        let aws = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let fix = PasswordPolicy::new(&aws);
        let target = Target {
            finding_id: "f".into(),
            control: shared::remediation::control("IAM.7").unwrap(),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            partition: "aws",
            resource_id: "AWS::::Account:111122223333".into(),
            resource: "111122223333".into(),
            dry_run: false,
        };
        fix.fixed(&target, before).unwrap()
    }

    #[test]
    fn stricter_and_unrelated_settings_are_kept() {
        let after = fixed(&policy(20));
        assert_eq!(after.minimum_password_length, 20);
        assert!(after.require_lowercase_characters && after.require_symbols);
        assert_eq!(after.max_password_age, Some(90));
        assert_eq!(after.password_reuse_prevention, Some(24));
        assert!(after.allow_users_to_change_password);
        assert_eq!(fixed(&after), after, "a second run changes nothing");
    }

    #[test]
    fn a_weaker_length_or_no_policy_is_raised_to_the_controls_minimum() {
        assert_eq!(fixed(&policy(6)).minimum_password_length, MIN_LENGTH);
        let none = Policy::from_iam(None);
        let after = fixed(&none);
        assert!(after.exists && after.require_numbers);
        assert_eq!(after.minimum_password_length, MIN_LENGTH);
        assert!(!after.allow_users_to_change_password);
        assert_eq!(after.max_password_age, None);
    }
}
