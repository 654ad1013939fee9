//! Remediations: the messages, one definition each for both ends (`route-finding` decides a
//! [`Remediation`] and its [`Target`], the state machine hands them to `remediation-proxy` as a
//! [`ProxyRequest`], the proxy invokes the remediation function with a [`RemediationRequest`],
//! which answers a [`RemediationResult`], and the proxy answers a [`ProxyResult`]); the
//! accounts a deployment may act in ([`Accounts`]); and which resource each remediable control
//! is about ([`resource_type`], [`check_target`]). Every step checks what it is given again, so
//! a hand-made request to any one of them is held to the same rules.

use crate::config::{Vars, optional, required};
use crate::finding::{Check, Refusal};
use crate::input::shorten;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

/// A remediation function: its name or ARN, and the version or alias to invoke.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub function: String,
    pub qualifier: String,
}

/// The one resource a remediation changes: its ASFF type and id, as the finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// What the state machine sends the proxy for one finding: ids and the decision, never the
/// finding itself, which the proxy reads back from Security Hub.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyRequest {
    pub remediation: Remediation,
    pub finding_id: String,
    pub product_arn: String,
    pub control_id: String,
    pub account_id: String,
    pub region: String,
    pub resource: Target,
    /// Can only add a dry run to the deployment's setting, never lift it.
    #[serde(default)]
    pub dry_run: bool,
}

/// What the proxy sends the remediation function: the finding as read back, reduced to what
/// the remediation acts on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationRequest {
    pub finding_id: String,
    pub control_id: String,
    pub account_id: String,
    pub region: String,
    pub resource: Target,
    #[serde(default)]
    pub dry_run: bool,
}

/// What a remediation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It changed the resource and read the change back.
    Remediated,
    /// A dry run: it read the resource and changed nothing.
    WouldRemediate,
    /// The resource already complies: nothing to change.
    AlreadyCompliant,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Remediated => "remediated",
            Outcome::WouldRemediate => "would_remediate",
            Outcome::AlreadyCompliant => "already_compliant",
        }
    }
}

/// What every remediation function answers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RemediationResult {
    pub outcome: Outcome,
    /// One sentence for the finding's note: what was (or would have been) changed.
    pub summary: String,
    /// The remediation's own detail (the settings before and after, say), for its logs.
    #[serde(default)]
    pub detail: Value,
}

/// What the proxy answers the state machine: which remediation ran, where, and what it did, in a
/// note ready for the finding. Only [`Outcome::Remediated`] marks a finding `RESOLVED`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ProxyResult {
    /// `function:qualifier`, as allowlisted.
    pub remediation: String,
    pub account_id: String,
    pub region: String,
    pub dry_run: bool,
    pub outcome: Outcome,
    /// At most [`MAX_NOTE_CHARS`] characters.
    pub note: String,
}

/// The note the proxy writes leaves room, within Security Hub's 512 characters, for the state
/// machine to add the execution's name.
pub const MAX_NOTE_CHARS: usize = 400;

/// The accounts a deployment may act in: its own (`ACCOUNT_ID`), the member accounts it names
/// (`MEMBER_ACCOUNT_IDS`), and, with an organisation (`ORGANIZATION_ID`) and no member list, any
/// account of it. Code cannot tell an organisation's accounts without the Organizations API,
/// which only its management account may call: the organisation is enforced by IAM
/// (`aws:ResourceOrgID` on the remediation's `sts:AssumeRole`, `aws:PrincipalOrgID` in the
/// member role's trust policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    pub own: String,
    pub members: BTreeSet<String>,
    pub organization: Option<String>,
}

impl Accounts {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        let own = required(vars, "ACCOUNT_ID")?;
        if !crate::input::is_account_id(&own) {
            return Err(Error::Configuration(format!(
                "ACCOUNT_ID '{own}' is not 12 digits"
            )));
        }
        let mut members = BTreeSet::new();
        for id in optional(vars, "MEMBER_ACCOUNT_IDS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
        {
            if !crate::input::is_account_id(id) {
                return Err(Error::Configuration(format!(
                    "MEMBER_ACCOUNT_IDS: '{id}' is not a 12-digit account id"
                )));
            }
            members.insert(id.to_owned());
        }
        let organization = optional(vars, "ORGANIZATION_ID");
        if let Some(org) = &organization {
            let valid = org.strip_prefix("o-").is_some_and(|rest| {
                (10..=32).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            if !valid {
                return Err(Error::Configuration(format!(
                    "ORGANIZATION_ID '{org}' is not an organisation id such as o-a1b2c3d4e5"
                )));
            }
        }
        Ok(Accounts {
            own,
            members,
            organization,
        })
    }

    /// Whether a remediation may act in `account`; the refusal says why not.
    pub fn check(&self, account: &str) -> Result<(), Refusal> {
        if !crate::input::is_account_id(account) {
            return Err(Refusal::new(
                Check::Account,
                format!("account '{}' is not 12 digits", shorten(account)),
            ));
        }
        if account == self.own || self.members.contains(account) {
            return Ok(());
        }
        if self.members.is_empty() && self.organization.is_some() {
            return Ok(());
        }
        let allowed = if self.members.is_empty() {
            "only in its own account: set MemberAccountIds or OrganizationId for cross-account \
             remediation"
                .to_owned()
        } else {
            format!(
                "only in its own account and {}",
                self.members.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        Err(Refusal::new(
            Check::Account,
            format!(
                "this deployment ({}) may not act in account {account}: it acts {allowed}",
                self.own
            ),
        ))
    }
}

/// The resource type each remediable control is about. A control missing here is never
/// remediated, whatever the routing table says.
const CONTROL_RESOURCES: &[(&str, &str)] = &[("S3.8", "AwsS3Bucket")];

pub fn resource_type(control_id: &str) -> Option<&'static str> {
    CONTROL_RESOURCES
        .iter()
        .find(|(c, _)| *c == control_id)
        .map(|(_, t)| *t)
}

/// The one resource of a finding a remediation of `control_id` may change: there must be
/// exactly one, of the control's type, its id a well-formed ARN in `partition`.
pub fn check_target(
    control_id: &str,
    partition: &str,
    resources: &[crate::finding::Resource],
) -> Result<Target, Refusal> {
    let refuse = |reason: String| Refusal::new(Check::Resource, reason);
    let Some(expected) = resource_type(control_id) else {
        return Err(refuse(format!(
            "no remediation knows which resource control {control_id} is about"
        )));
    };
    let [one] = resources else {
        return Err(refuse(format!(
            "the finding names {} resources; a remediation changes exactly one",
            resources.len()
        )));
    };
    let kind = one.kind.as_deref().unwrap_or("(none)");
    if kind != expected {
        return Err(refuse(format!(
            "the resource is of type {}, not the {expected} control {control_id} is about",
            shorten(kind)
        )));
    }
    let id = one.id.as_deref().unwrap_or_default();
    let target = Target {
        kind: expected.to_owned(),
        id: id.to_owned(),
    };
    target.resource_name(partition)?;
    Ok(target)
}

impl Target {
    /// The resource's name, from its ARN in `partition`: for `AwsS3Bucket`, the bucket in
    /// `arn:<partition>:s3:::NAME`, checked against S3's bucket naming rules.
    pub fn resource_name(&self, partition: &str) -> Result<&str, Refusal> {
        let refuse = |reason: String| Refusal::new(Check::Resource, reason);
        match self.kind.as_str() {
            "AwsS3Bucket" => {
                let prefix = format!("arn:{partition}:s3:::");
                let name = self.id.strip_prefix(&prefix).ok_or_else(|| {
                    refuse(format!(
                        "'{}' is not an S3 bucket ARN ({prefix}NAME)",
                        shorten(&self.id)
                    ))
                })?;
                if !is_bucket_name(name) {
                    return Err(refuse(format!(
                        "'{}' is not an S3 bucket name",
                        shorten(name)
                    )));
                }
                Ok(name)
            }
            other => Err(refuse(format!(
                "no remediation acts on resources of type {}",
                shorten(other)
            ))),
        }
    }
}

/// S3's rules for general purpose bucket names: 3 to 63 lowercase letters, digits, dots and
/// hyphens, starting and ending with a letter or digit, no two dots in a row.
fn is_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !name.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Resource;

    fn accounts(members: &str, org: &str) -> Accounts {
        let vars = |n: &str| match n {
            "ACCOUNT_ID" => Some("111122223333".to_owned()),
            "MEMBER_ACCOUNT_IDS" => Some(members.to_owned()),
            "ORGANIZATION_ID" => Some(org.to_owned()),
            _ => None,
        };
        Accounts::from_vars(&vars).unwrap()
    }

    #[test]
    fn by_default_only_the_own_account() {
        let a = accounts("", "");
        assert!(a.check("111122223333").is_ok());
        let err = a.check("444455556666").unwrap_err();
        assert_eq!(err.check, Check::Account);
        assert!(err.reason.contains("only in its own account"), "{err}");
        assert!(a.check("1111-2222-3333").is_err());
    }

    #[test]
    fn named_members_or_the_organisation() {
        let a = accounts("444455556666, 555566667777", "");
        assert!(a.check("444455556666").is_ok() && a.check("555566667777").is_ok());
        assert!(a.check("999999999999").is_err());
        // An organisation alone: any account, which IAM limits to the organisation.
        assert!(accounts("", "o-a1b2c3d4e5").check("999999999999").is_ok());
        // Both: the named members, within the organisation.
        assert!(
            accounts("444455556666", "o-a1b2c3d4e5")
                .check("999999999999")
                .is_err()
        );
    }

    #[test]
    fn bad_account_settings_are_configuration_errors() {
        for (name, value) in [
            ("ACCOUNT_ID", "12345"),
            ("MEMBER_ACCOUNT_IDS", "444455556666,*"),
            ("ORGANIZATION_ID", "o-*"),
        ] {
            let vars = |n: &str| {
                if n == name {
                    Some(value.to_owned())
                } else if n == "ACCOUNT_ID" {
                    Some("111122223333".to_owned())
                } else {
                    None
                }
            };
            let err = Accounts::from_vars(&vars).unwrap_err();
            assert_eq!(err.error_type(), "ConfigurationError", "{name}");
        }
    }

    fn bucket(kind: &str, id: &str) -> Resource {
        Resource {
            kind: Some(kind.to_owned()),
            id: Some(id.to_owned()),
        }
    }

    #[test]
    fn exactly_one_resource_of_the_controls_type() {
        let good = bucket("AwsS3Bucket", "arn:aws:s3:::team-reports");
        let t = check_target("S3.8", "aws", std::slice::from_ref(&good)).unwrap();
        assert_eq!(t.resource_name("aws").unwrap(), "team-reports");
        for (control, resources, expected) in [
            ("S3.8", vec![], "names 0 resources"),
            (
                "S3.8",
                vec![good.clone(), good.clone()],
                "names 2 resources",
            ),
            (
                "S3.8",
                vec![bucket(
                    "AwsEc2SecurityGroup",
                    "arn:aws:ec2:eu-west-1:1:sg/x",
                )],
                "not the AwsS3Bucket",
            ),
            ("EC2.2", vec![good.clone()], "no remediation knows"),
            (
                "S3.8",
                vec![bucket("AwsS3Bucket", "team-reports")],
                "not an S3 bucket ARN",
            ),
            (
                "S3.8",
                vec![bucket("AwsS3Bucket", "arn:aws-cn:s3:::team-reports")],
                "not an S3 bucket ARN",
            ),
            (
                "S3.8",
                vec![bucket("AwsS3Bucket", "arn:aws:s3:::Team_Reports")],
                "not an S3 bucket name",
            ),
            (
                "S3.8",
                vec![bucket("AwsS3Bucket", "arn:aws:s3:::team-reports/key")],
                "not an S3 bucket name",
            ),
        ] {
            let err = check_target(control, "aws", &resources).unwrap_err();
            assert_eq!(err.check, Check::Resource);
            assert!(err.reason.contains(expected), "{err}");
        }
    }
}
