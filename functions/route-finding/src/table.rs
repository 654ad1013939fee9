//! The routing table: which findings are suppressed, remediated, or only notified. It is JSON in
//! an SSM parameter, so changing it needs no rebuild and no deployment:
//!
//! ```json
//! {
//!   "rules": [
//!     {"control_id": "S3.8", "action": "remediate",
//!      "remediation": {"function": "remediate-finding", "qualifier": "live"}},
//!     {"control_id": "KMS.4", "action": "remediate",
//!      "select": {"accounts": ["111122223333"], "severities": ["MEDIUM", "HIGH", "CRITICAL"]},
//!      "exclude": {"tags": {"remediation": ["manual"]}},
//!      "remediation": {"function": "remediate-finding", "qualifier": "live"}},
//!     {"generator_id": "aws-foundational-security-best-practices/v/1.0.0/EC2.2",
//!      "action": "suppress", "note": "Default security groups are locked down by the landing zone"}
//!   ]
//! }
//! ```
//!
//! A rule names a `control_id` (Security Hub's `Compliance.SecurityControlId`, or the control a
//! Security Hub standard's `GeneratorId` names), a `generator_id`, or both; all that it names
//! must match, exactly. It may narrow further with `select` and `exclude`, each a [`Selector`]
//! of accounts, Regions, severities and resource tags: the rule applies when `select` holds and
//! `exclude` does not. The first rule that applies wins; a finding no rule applies to is
//! notified. Only findings that passed the trust checks (`shared::finding`) are looked up.
//!
//! A remediate rule acts only for the controls the deployment opted in to
//! ([`RemediatedControls`]); for any other control it notifies, so editing the table alone can
//! never start remediating.

use serde::{Deserialize, Serialize};
use shared::Error;
use shared::finding::is_control_id;
pub use shared::remediation::Remediation;
use std::collections::{BTreeMap, BTreeSet};

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
    pub select: Option<Selector>,
    #[serde(default)]
    pub exclude: Option<Selector>,
    #[serde(default)]
    pub remediation: Option<Remediation>,
    /// A remediate rule may wait for a person to approve or reject each change.
    #[serde(default)]
    pub approval: Option<Approval>,
    #[serde(default)]
    pub note: Option<String>,
}

/// How a remediation waits for a person: at most `timeout_minutes` (1 minute to 7 days), then
/// it does what `on_timeout` says: `reject` (the default) or `approve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub timeout_minutes: u32,
    #[serde(default)]
    pub on_timeout: OnTimeout,
}

/// The longest wait for an approval: 7 days.
pub const MAX_APPROVAL_MINUTES: u32 = 7 * 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnTimeout {
    #[default]
    Reject,
    Approve,
}

/// Findings by where they are and what they are about: each criterion given must hold, and
/// holds when the finding has one of its values (for `tags`, a resource of the finding has the
/// tag with one of the values). Matching is exact: no wildcards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default)]
    pub accounts: Option<BTreeSet<String>>,
    #[serde(default)]
    pub regions: Option<BTreeSet<String>>,
    #[serde(default)]
    pub severities: Option<BTreeSet<SeverityLabel>>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, BTreeSet<String>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SeverityLabel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityLabel {
    /// As Security Hub spells it in `Severity.Label`.
    pub fn as_str(self) -> &'static str {
        match self {
            SeverityLabel::Informational => "INFORMATIONAL",
            SeverityLabel::Low => "LOW",
            SeverityLabel::Medium => "MEDIUM",
            SeverityLabel::High => "HIGH",
            SeverityLabel::Critical => "CRITICAL",
        }
    }
}

/// What a rule is looked up by: the finding's control and generator, and what selectors read.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub control_id: Option<&'a str>,
    pub generator_id: Option<&'a str>,
    pub account_id: &'a str,
    pub region: &'a str,
    pub severity: Option<&'a str>,
    pub resources: &'a [shared::finding::Resource],
}

impl Selector {
    fn holds(&self, s: &Subject<'_>) -> bool {
        let one_of = |values: &Option<BTreeSet<String>>, value: &str| {
            values.as_ref().is_none_or(|v| v.contains(value))
        };
        let severity = self
            .severities
            .as_ref()
            .is_none_or(|wanted| wanted.iter().any(|w| Some(w.as_str()) == s.severity));
        let tags = self.tags.as_ref().is_none_or(|wanted| {
            wanted.iter().all(|(key, values)| {
                s.resources.iter().any(|r| {
                    r.tags
                        .as_ref()
                        .and_then(|t| t.get(key))
                        .is_some_and(|v| values.contains(v))
                })
            })
        });
        one_of(&self.accounts, s.account_id) && one_of(&self.regions, s.region) && severity && tags
    }

    /// What makes the selector unusable, for the configuration error.
    fn problem(&self) -> Option<String> {
        if self.accounts.is_none()
            && self.regions.is_none()
            && self.severities.is_none()
            && self.tags.is_none()
        {
            return Some("names no account, Region, severity or tag".to_owned());
        }
        let empty = [
            self.accounts.as_ref().is_some_and(BTreeSet::is_empty),
            self.regions.as_ref().is_some_and(BTreeSet::is_empty),
            self.severities.as_ref().is_some_and(BTreeSet::is_empty),
            self.tags
                .as_ref()
                .is_some_and(|t| t.is_empty() || t.values().any(BTreeSet::is_empty)),
        ];
        if empty.iter().any(|e| *e) {
            return Some("has an empty list, which no finding could match".to_owned());
        }
        if let Some(bad) = self
            .accounts
            .iter()
            .flatten()
            .find(|a| !shared::input::is_account_id(a))
        {
            return Some(format!("names account '{bad}', which is not 12 digits"));
        }
        if let Some(bad) = self
            .regions
            .iter()
            .flatten()
            .find(|r| !shared::input::is_region(r))
        {
            return Some(format!("names Region '{bad}', which is not a Region name"));
        }
        None
    }
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
            let selector = |name: &str, s: &Option<Selector>| {
                s.as_ref()
                    .and_then(Selector::problem)
                    .map(|p| format!("{name} {p}"))
            };
            let problem = if rule.control_id.is_none() && rule.generator_id.is_none() {
                Some("names neither control_id nor generator_id".to_owned())
            } else if rule.action == Action::Remediate && rule.remediation.is_none() {
                Some("is a remediate rule without a remediation".to_owned())
            } else if rule.action != Action::Remediate && rule.remediation.is_some() {
                Some("has a remediation but does not remediate".to_owned())
            } else if rule.action != Action::Remediate && rule.approval.is_some() {
                Some("asks for approval but does not remediate".to_owned())
            } else if rule
                .approval
                .is_some_and(|a| !(1..=MAX_APPROVAL_MINUTES).contains(&a.timeout_minutes))
            {
                Some(format!(
                    "waits for approval for 0 or more than {MAX_APPROVAL_MINUTES} minutes"
                ))
            } else {
                selector("select", &rule.select).or_else(|| selector("exclude", &rule.exclude))
            };
            if let Some(problem) = problem {
                return Err(Error::Configuration(format!(
                    "routing table rule {n} {problem}"
                )));
            }
        }
        Ok(table)
    }

    /// The first rule that applies to the finding, and its position in the table.
    pub fn find(&self, subject: &Subject<'_>) -> Option<(usize, &Rule)> {
        self.rules.iter().enumerate().find(|(_, r)| {
            r.control_id
                .as_deref()
                .is_none_or(|c| Some(c) == subject.control_id)
                && r.generator_id
                    .as_deref()
                    .is_none_or(|g| Some(g) == subject.generator_id)
                && r.select.as_ref().is_none_or(|s| s.holds(subject))
                && !r.exclude.as_ref().is_some_and(|s| s.holds(subject))
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

    fn subject<'a>(control: Option<&'a str>, generator: Option<&'a str>) -> Subject<'a> {
        Subject {
            control_id: control,
            generator_id: generator,
            account_id: "111122223333",
            region: "eu-west-1",
            severity: Some("HIGH"),
            resources: &[],
        }
    }

    fn action(table: &Table, s: &Subject<'_>) -> Option<(usize, Action)> {
        table.find(s).map(|(n, r)| (n, r.action))
    }

    #[test]
    fn the_first_matching_rule_wins_and_every_named_field_must_match() {
        let table = Table::parse(TABLE).unwrap();
        let find = |c, g| action(&table, &subject(c, g));
        assert_eq!(find(Some("S3.8"), None), Some((0, Action::Remediate)));
        assert_eq!(
            find(Some("EC2.2"), Some("g/EC2.2")),
            Some((1, Action::Suppress))
        );
        assert_eq!(find(Some("EC2.2"), Some("other")), None);
        assert_eq!(find(None, Some("g/IAM.6")), Some((2, Action::Notify)));
        assert_eq!(find(Some("Lambda.1"), None), None);
    }

    #[test]
    fn rules_select_and_exclude_by_account_region_severity_and_tag() {
        let table = Table::parse(
            r#"{"rules": [
            {"control_id": "KMS.4", "action": "suppress",
             "exclude": {"tags": {"remediation": ["manual", "never"]}},
             "select": {"accounts": ["111122223333"], "regions": ["eu-west-1"],
                        "severities": ["HIGH", "CRITICAL"]}},
            {"control_id": "KMS.4", "action": "notify"}
        ]}"#,
        )
        .unwrap();
        let tagged = |value: &str| shared::finding::Resource {
            kind: Some("AwsKmsKey".into()),
            id: Some("k".into()),
            tags: Some([("remediation".to_owned(), value.to_owned())].into()),
        };
        let base = subject(Some("KMS.4"), None);
        assert_eq!(action(&table, &base), Some((0, Action::Suppress)));
        let other_tag = [tagged("auto")];
        let manual = [tagged("manual")];
        for (what, s, rule) in [
            (
                "a resource tagged otherwise",
                Subject {
                    resources: &other_tag,
                    ..base
                },
                0,
            ),
            (
                "a resource tagged manual",
                Subject {
                    resources: &manual,
                    ..base
                },
                1,
            ),
            (
                "another account",
                Subject {
                    account_id: "444455556666",
                    ..base
                },
                1,
            ),
            (
                "another Region",
                Subject {
                    region: "us-east-1",
                    ..base
                },
                1,
            ),
            (
                "a lower severity",
                Subject {
                    severity: Some("LOW"),
                    ..base
                },
                1,
            ),
            (
                "no severity",
                Subject {
                    severity: None,
                    ..base
                },
                1,
            ),
        ] {
            assert_eq!(action(&table, &s).map(|(n, _)| n), Some(rule), "{what}");
        }
    }

    #[test]
    fn an_approval_waits_a_bounded_time_and_only_before_a_remediation() {
        let rule = |approval: &str, action: &str| {
            let remediation = if action == "remediate" {
                r#", "remediation": {"function": "remediate-finding", "qualifier": "live"}"#
            } else {
                ""
            };
            Table::parse(&format!(
                r#"{{"rules": [{{"control_id": "S3.8", "action": "{action}", "approval": {approval}{remediation}}}]}}"#
            ))
        };
        let t = rule(r#"{"timeout_minutes": 60}"#, "remediate").unwrap();
        assert_eq!(
            t.rules[0].approval,
            Some(Approval {
                timeout_minutes: 60,
                on_timeout: OnTimeout::Reject
            })
        );
        let t = rule(
            r#"{"timeout_minutes": 10080, "on_timeout": "approve"}"#,
            "remediate",
        )
        .unwrap();
        assert_eq!(t.rules[0].approval.unwrap().on_timeout, OnTimeout::Approve);
        for (approval, action, expected) in [
            (
                r#"{"timeout_minutes": 0}"#,
                "remediate",
                "0 or more than 10080",
            ),
            (
                r#"{"timeout_minutes": 10081}"#,
                "remediate",
                "0 or more than 10080",
            ),
            (
                r#"{"timeout_minutes": 60}"#,
                "notify",
                "asks for approval but does not remediate",
            ),
            (
                r#"{"timeout_minutes": 60, "on_timeout": "maybe"}"#,
                "remediate",
                "unknown variant",
            ),
            (r#"{"minutes": 60}"#, "remediate", "unknown field"),
        ] {
            let err = rule(approval, action).unwrap_err();
            assert!(err.to_string().contains(expected), "{approval}: {err}");
        }
    }

    #[test]
    fn a_selector_that_could_never_match_or_is_malformed_is_refused() {
        for (selector, expected) in [
            (r#"{}"#, "select names no account"),
            (r#"{"accounts": []}"#, "select has an empty list"),
            (r#"{"tags": {"env": []}}"#, "select has an empty list"),
            (
                r#"{"accounts": ["*"]}"#,
                "account '*', which is not 12 digits",
            ),
            (r#"{"regions": ["eu-*"]}"#, "Region 'eu-*'"),
            (r#"{"severities": ["SEVERE"]}"#, "unknown variant `SEVERE`"),
            (r#"{"owners": ["me"]}"#, "unknown field `owners`"),
        ] {
            let text = format!(
                r#"{{"rules": [{{"control_id": "S3.8", "action": "notify", "select": {selector}}}]}}"#
            );
            let err = Table::parse(&text).unwrap_err();
            assert_eq!(err.error_type(), "ConfigurationError");
            assert!(err.to_string().contains(expected), "{selector}: {err}");
        }
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
