//! The routing table: which findings are suppressed, remediated, or only notified. It is JSON in
//! an SSM parameter, so changing it needs no rebuild and no deployment:
//!
//! ```json
//! {
//!   "rules": [
//!     {"control_id": "S3.8", "action": "remediate",
//!      "remediation": {"function": "remediate-finding", "qualifier": "live"}},
//!     {"generator_id": "aws-foundational-security-best-practices/v/1.0.0/EC2.2",
//!      "action": "suppress", "note": "Default security groups are locked down by the landing zone"}
//!   ]
//! }
//! ```
//!
//! A rule names a `control_id` (Security Hub's `Compliance.SecurityControlId`, or the control a
//! Security Hub standard's `GeneratorId` names), a `generator_id`, or both; all that it names
//! must match, exactly. The first matching rule wins; a finding no rule matches is notified.
//! Only findings that passed the trust checks (`shared::finding`) are looked up.
//!
//! A remediate rule acts only for the controls the deployment opted in to
//! ([`RemediatedControls`]); for any other control it notifies, so editing the table alone can
//! never start remediating.

use serde::{Deserialize, Serialize};
use shared::Error;
use shared::finding::is_control_id;
pub use shared::remediation::Remediation;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub control_id: Option<String>,
    #[serde(default)]
    pub generator_id: Option<String>,
    pub action: Action,
    #[serde(default)]
    pub remediation: Option<Remediation>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Suppress,
    Remediate,
    Notify,
}

impl Table {
    /// Parses and checks the table; every problem is a configuration error naming the rule.
    pub fn parse(text: &str) -> Result<Table, Error> {
        let table: Table = serde_json::from_str(text)
            .map_err(|e| Error::Configuration(format!("the routing table is not valid: {e}")))?;
        for (n, rule) in table.rules.iter().enumerate() {
            let problem = if rule.control_id.is_none() && rule.generator_id.is_none() {
                Some("names neither control_id nor generator_id")
            } else if rule.action == Action::Remediate && rule.remediation.is_none() {
                Some("is a remediate rule without a remediation")
            } else if rule.action != Action::Remediate && rule.remediation.is_some() {
                Some("has a remediation but does not remediate")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(Error::Configuration(format!(
                    "routing table rule {n} {problem}"
                )));
            }
        }
        Ok(table)
    }

    /// The first rule for this control and generator.
    pub fn find(&self, control_id: Option<&str>, generator_id: Option<&str>) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            r.control_id
                .as_deref()
                .is_none_or(|c| Some(c) == control_id)
                && r.generator_id
                    .as_deref()
                    .is_none_or(|g| Some(g) == generator_id)
        })
    }
}

/// The controls the deployment opted in to remediate (`REMEDIATED_CONTROLS`, comma-separated,
/// e.g. `S3.8,EC2.2`). Empty, the default, remediates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemediatedControls(BTreeSet<String>);

impl RemediatedControls {
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut controls = BTreeSet::new();
        for id in text.split(',').map(str::trim).filter(|id| !id.is_empty()) {
            if !is_control_id(id) {
                return Err(Error::Configuration(format!(
                    "REMEDIATED_CONTROLS: '{id}' is not a Security Hub control id such as S3.8"
                )));
            }
            if shared::remediation::control(id).is_none() {
                let known: Vec<&str> = shared::remediation::CONTROLS.iter().map(|c| c.id).collect();
                return Err(Error::Configuration(format!(
                    "REMEDIATED_CONTROLS: no remediation fixes {id}; the catalogue is {}",
                    known.join(", ")
                )));
            }
            controls.insert(id.to_owned());
        }
        Ok(RemediatedControls(controls))
    }

    pub fn contains(&self, control_id: Option<&str>) -> bool {
        control_id.is_some_and(|id| self.0.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"{"rules": [
        {"control_id": "S3.8", "action": "remediate",
         "remediation": {"function": "remediate-finding", "qualifier": "live"}},
        {"control_id": "EC2.2", "generator_id": "g/EC2.2", "action": "suppress", "note": "landing zone"},
        {"generator_id": "g/IAM.6", "action": "notify"}
    ]}"#;

    #[test]
    fn the_first_matching_rule_wins_and_every_named_field_must_match() {
        let table = Table::parse(TABLE).unwrap();
        assert_eq!(
            table.find(Some("S3.8"), None).unwrap().action,
            Action::Remediate
        );
        assert_eq!(
            table.find(Some("EC2.2"), Some("g/EC2.2")).unwrap().action,
            Action::Suppress
        );
        assert_eq!(table.find(Some("EC2.2"), Some("other")), None);
        assert_eq!(
            table.find(None, Some("g/IAM.6")).unwrap().action,
            Action::Notify
        );
        assert_eq!(table.find(Some("Lambda.1"), None), None);
    }

    #[test]
    fn remediated_controls_are_a_list_of_control_ids() {
        let opted = RemediatedControls::parse(" S3.8, EC2.2,,").unwrap();
        assert!(opted.contains(Some("S3.8")) && opted.contains(Some("EC2.2")));
        assert!(!opted.contains(Some("S3.1")) && !opted.contains(None));
        assert_eq!(
            RemediatedControls::parse("").unwrap(),
            RemediatedControls::default()
        );
        for bad in ["*", "S3", "S3.*", "3.8", "S3.8;rm"] {
            let err = RemediatedControls::parse(bad).unwrap_err();
            assert_eq!(err.error_type(), "ConfigurationError");
            assert!(err.to_string().contains(&format!("'{bad}'")), "{err}");
        }
        let err = RemediatedControls::parse("S3.8, EC2.18").unwrap_err();
        assert!(
            err.to_string().contains("no remediation fixes EC2.18"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_table_is_a_configuration_error_naming_the_rule() {
        for (text, expected) in [
            ("{}", "missing field `rules`"),
            (
                r#"{"rules": [{"action": "suppress"}]}"#,
                "rule 0 names neither",
            ),
            (
                r#"{"rules": [{"control_id": "S3.8", "action": "remediate"}]}"#,
                "rule 0 is a remediate rule without",
            ),
            (
                r#"{"rules": [{"control_id": "S3.8", "action": "delete"}]}"#,
                "unknown variant `delete`",
            ),
            (
                r#"{"rules": [{"control_id": "S3.8", "action": "notify", "typo": 1}]}"#,
                "unknown field `typo`",
            ),
        ] {
            let err = Table::parse(text).unwrap_err();
            assert_eq!(err.error_type(), "ConfigurationError");
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
    }
}
