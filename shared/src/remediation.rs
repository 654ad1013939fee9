//! Remediations: the messages, one definition each for both ends (`route-finding` decides a
//! [`Remediation`] and its [`Target`], the state machine hands them to `remediation-proxy` as a
//! [`ProxyRequest`], the proxy invokes the remediation function with a [`RemediationRequest`],
//! which answers a [`RemediationResult`], and the proxy answers a [`ProxyResult`]); the
//! accounts a deployment may act in ([`Accounts`]); and which resource each remediable control
//! is about ([`CONTROLS`], [`check_target`]). Every step checks what it is given again, so
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
    /// The remediation's own detail (the control, the resource, the dry run), for its logs.
    #[serde(default)]
    pub detail: Value,
    /// The state the control reads, as it was: what undoing the change restores.
    #[serde(default)]
    pub before: Option<Value>,
    /// The state read back after the change; none when nothing was changed.
    #[serde(default)]
    pub after: Option<Value>,
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
    /// What the remediation read before it acted, as compact JSON, at most
    /// [`MAX_RECORD_CHARS`] characters: recorded with the finding (`UserDefinedFields`), for
    /// the undo step.
    #[serde(default)]
    pub before: String,
    /// What it read back after the change; empty when nothing was changed.
    #[serde(default)]
    pub after: String,
}

/// Security Hub's limit on a `UserDefinedFields` value.
pub const MAX_RECORD_CHARS: usize = 1024;

/// A state as the finding records it: compact JSON, or, past [`MAX_RECORD_CHARS`], its start
/// and a pointer to the remediation's log, which has it whole.
pub fn record(state: Option<&Value>) -> String {
    const CUT: &str = "… (cut; the remediation's log has it whole)";
    let Some(state) = state else {
        return String::new();
    };
    let text = state.to_string();
    if text.chars().count() <= MAX_RECORD_CHARS {
        return text;
    }
    let keep = MAX_RECORD_CHARS - CUT.chars().count();
    format!("{}{CUT}", text.chars().take(keep).collect::<String>())
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

/// A control a remediation can fix: the catalogue the routing table, the proxy and the
/// remediation function all check. A control missing here is never remediated, whatever the
/// routing table says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// Security Hub's `Compliance.SecurityControlId`.
    pub id: &'static str,
    /// The ASFF type of the one resource its findings name.
    pub resource_type: &'static str,
    /// What the remediation does, for the notification and the docs.
    pub fixes: &'static str,
}

pub const CONTROLS: &[Control] = &[
    Control {
        id: "S3.1",
        resource_type: ACCOUNT,
        fixes: "turns on the account's four S3 Block Public Access settings",
    },
    Control {
        id: "S3.5",
        resource_type: BUCKET,
        fixes: "adds a statement denying requests without TLS to the bucket policy",
    },
    Control {
        id: "S3.8",
        resource_type: BUCKET,
        fixes: "turns on the bucket's four S3 Block Public Access settings",
    },
    Control {
        id: "EC2.2",
        resource_type: SECURITY_GROUP,
        fixes: "removes every rule of a VPC's default security group",
    },
    Control {
        id: "EC2.7",
        resource_type: ACCOUNT,
        fixes: "turns on EBS encryption by default in the Region",
    },
    Control {
        id: "IAM.7",
        resource_type: ACCOUNT,
        fixes: "raises the account password policy to the control's requirements, keeping \
                stricter settings",
    },
    Control {
        id: "KMS.4",
        resource_type: KMS_KEY,
        fixes: "turns on automatic rotation of the KMS key",
    },
    Control {
        id: "Lambda.1",
        resource_type: LAMBDA_FUNCTION,
        fixes: "removes the function policy statements that let anyone invoke it",
    },
    Control {
        id: "RDS.2",
        resource_type: DB_INSTANCE,
        fixes: "makes the DB instance not publicly accessible",
    },
];

const ACCOUNT: &str = "AwsAccount";
const BUCKET: &str = "AwsS3Bucket";
const SECURITY_GROUP: &str = "AwsEc2SecurityGroup";
const KMS_KEY: &str = "AwsKmsKey";
const LAMBDA_FUNCTION: &str = "AwsLambdaFunction";
const DB_INSTANCE: &str = "AwsRdsDbInstance";

pub fn control(control_id: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.id == control_id)
}

/// Where a finding is: a remediation's resource must be in the same partition, account and
/// Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    pub partition: &'a str,
    pub account_id: &'a str,
    pub region: &'a str,
}

/// The one resource of a finding a remediation of `control_id` may change: there must be
/// exactly one, of the control's type, its id well-formed and in the finding's `scope`.
pub fn check_target(
    control_id: &str,
    scope: Scope<'_>,
    resources: &[crate::finding::Resource],
) -> Result<Target, Refusal> {
    let [one] = resources else {
        return Err(Refusal::new(
            Check::Resource,
            format!(
                "the finding names {} resources; a remediation changes exactly one",
                resources.len()
            ),
        ));
    };
    let target = Target {
        kind: one.kind.clone().unwrap_or_else(|| "(none)".to_owned()),
        id: one.id.clone().unwrap_or_default(),
    };
    target.check(control_id, scope)?;
    Ok(target)
}

impl Target {
    /// The control of the catalogue this resource is fixed for, and the resource's name: the
    /// control must be in the catalogue, the resource of its type, its id well-formed and in
    /// `scope`.
    pub fn check(
        &self,
        control_id: &str,
        scope: Scope<'_>,
    ) -> Result<(&'static Control, &str), Refusal> {
        let refuse = |reason: String| Refusal::new(Check::Resource, reason);
        let Some(control) = control(control_id) else {
            let known: Vec<&str> = CONTROLS.iter().map(|c| c.id).collect();
            return Err(refuse(format!(
                "no remediation knows which resource control {} is about (the catalogue is {})",
                shorten(control_id),
                known.join(", ")
            )));
        };
        if self.kind != control.resource_type {
            return Err(refuse(format!(
                "the resource is of type {}, not the {} control {control_id} is about",
                shorten(&self.kind),
                control.resource_type
            )));
        }
        Ok((control, self.resource_name(scope)?))
    }

    /// The resource's name (or id), read from its ASFF id, which must be in `scope`:
    ///
    /// | type | id | name |
    /// |---|---|---|
    /// | `AwsAccount` | `AWS::::Account:ACCOUNT` | the account |
    /// | `AwsS3Bucket` | `arn:P:s3:::BUCKET` | the bucket |
    /// | `AwsEc2SecurityGroup` | `arn:P:ec2:R:A:security-group/sg-…` | the group id |
    /// | `AwsKmsKey` | `arn:P:kms:R:A:key/KEY` | the key id |
    /// | `AwsLambdaFunction` | `arn:P:lambda:R:A:function:NAME` | the function, unqualified |
    /// | `AwsRdsDbInstance` | `arn:P:rds:R:A:db:ID` | the instance identifier |
    pub fn resource_name(&self, scope: Scope<'_>) -> Result<&str, Refusal> {
        let refuse = |reason: String| Refusal::new(Check::Resource, reason);
        let Scope {
            partition,
            account_id,
            region,
        } = scope;
        let regional = |service: &str, what: &str| {
            let prefix = format!("arn:{partition}:{service}:{region}:{account_id}:{what}");
            self.id.strip_prefix(&prefix).ok_or_else(|| {
                refuse(format!(
                    "'{}' is not the ARN of a {} in the finding's account and Region \
                     ({prefix}…)",
                    shorten(&self.id),
                    self.kind
                ))
            })
        };
        let (name, valid) = match self.kind.as_str() {
            ACCOUNT => {
                let name = self.id.strip_prefix("AWS::::Account:").ok_or_else(|| {
                    refuse(format!(
                        "'{}' is not an account (AWS::::Account:ID)",
                        shorten(&self.id)
                    ))
                })?;
                (name, name == account_id)
            }
            BUCKET => {
                let prefix = format!("arn:{partition}:s3:::");
                let name = self.id.strip_prefix(&prefix).ok_or_else(|| {
                    refuse(format!(
                        "'{}' is not an S3 bucket ARN ({prefix}NAME)",
                        shorten(&self.id)
                    ))
                })?;
                (name, is_bucket_name(name))
            }
            SECURITY_GROUP => {
                let name = regional("ec2", "security-group/")?;
                let valid = name.strip_prefix("sg-").is_some_and(|hex| {
                    (8..=17).contains(&hex.len())
                        && hex
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                });
                (name, valid)
            }
            KMS_KEY => {
                let name = regional("kms", "key/")?;
                (
                    name,
                    is_name(name, 1..=64, |b| b.is_ascii_alphanumeric() || b == b'-'),
                )
            }
            LAMBDA_FUNCTION => {
                let name = regional("lambda", "function:")?;
                let valid = is_name(name, 1..=64, |b| {
                    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
                });
                (name, valid)
            }
            DB_INSTANCE => {
                let name = regional("rds", "db:")?;
                let valid = is_name(name, 1..=63, |b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
                }) && name.starts_with(|c: char| c.is_ascii_lowercase())
                    && !name.ends_with('-')
                    && !name.contains("--");
                (name, valid)
            }
            other => {
                return Err(refuse(format!(
                    "no remediation acts on resources of type {}",
                    shorten(other)
                )));
            }
        };
        if !valid {
            return Err(refuse(format!(
                "'{}' is not a valid {} in account {account_id}",
                shorten(name),
                self.kind
            )));
        }
        Ok(name)
    }
}

fn is_name(name: &str, len: std::ops::RangeInclusive<usize>, ok: impl Fn(u8) -> bool) -> bool {
    len.contains(&name.len()) && name.bytes().all(ok)
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
    fn a_record_fits_security_hubs_field() {
        assert_eq!(record(None), "");
        let small = serde_json::json!({"a": true});
        assert_eq!(record(Some(&small)), r#"{"a":true}"#);
        let big = serde_json::json!({"policy": "x".repeat(5_000)});
        let cut = record(Some(&big));
        assert_eq!(cut.chars().count(), MAX_RECORD_CHARS);
        assert!(cut.ends_with("the remediation's log has it whole)"));
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
            tags: None,
        }
    }

    const HERE: Scope<'static> = Scope {
        partition: "aws",
        account_id: "111122223333",
        region: "eu-west-1",
    };

    #[test]
    fn exactly_one_resource_of_the_controls_type() {
        let good = bucket("AwsS3Bucket", "arn:aws:s3:::team-reports");
        let t = check_target("S3.8", HERE, std::slice::from_ref(&good)).unwrap();
        assert_eq!(t.resource_name(HERE).unwrap(), "team-reports");
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
            ("EC2.18", vec![good.clone()], "no remediation knows"),
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
                "not a valid AwsS3Bucket",
            ),
            (
                "S3.8",
                vec![bucket("AwsS3Bucket", "arn:aws:s3:::team-reports/key")],
                "not a valid AwsS3Bucket",
            ),
        ] {
            let err = check_target(control, HERE, &resources).unwrap_err();
            assert_eq!(err.check, Check::Resource);
            assert!(err.reason.contains(expected), "{err}");
        }
    }

    #[test]
    fn every_resource_is_read_from_its_id_in_the_findings_account_and_region() {
        let name = |kind: &str, id: &str| {
            Target {
                kind: kind.to_owned(),
                id: id.to_owned(),
            }
            .resource_name(HERE)
            .map(str::to_owned)
            .map_err(|r| r.reason)
        };
        let arn = |rest: &str| format!("arn:aws:{rest}");
        for (kind, id, expected) in [
            (
                "AwsAccount",
                "AWS::::Account:111122223333".to_owned(),
                "111122223333",
            ),
            (
                "AwsEc2SecurityGroup",
                arn("ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0"),
                "sg-0123456789abcdef0",
            ),
            (
                "AwsKmsKey",
                arn("kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                "1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
            (
                "AwsLambdaFunction",
                arn("lambda:eu-west-1:111122223333:function:thumbnail_maker-2"),
                "thumbnail_maker-2",
            ),
            (
                "AwsRdsDbInstance",
                arn("rds:eu-west-1:111122223333:db:orders-db"),
                "orders-db",
            ),
        ] {
            assert_eq!(name(kind, &id).as_deref(), Ok(expected), "{id}");
        }
        for (kind, id, expected) in [
            (
                "AwsAccount",
                "AWS::::Account:444455556666".to_owned(),
                "not a valid AwsAccount",
            ),
            ("AwsAccount", "111122223333".to_owned(), "not an account"),
            (
                "AwsEc2SecurityGroup",
                arn("ec2:eu-west-1:444455556666:security-group/sg-0123456789abcdef0"),
                "in the finding's account and Region",
            ),
            (
                "AwsEc2SecurityGroup",
                arn("ec2:us-east-1:111122223333:security-group/sg-0123456789abcdef0"),
                "in the finding's account and Region",
            ),
            (
                "AwsEc2SecurityGroup",
                arn("ec2:eu-west-1:111122223333:security-group/default"),
                "not a valid",
            ),
            (
                "AwsLambdaFunction",
                arn("lambda:eu-west-1:111122223333:function:maker:live"),
                "not a valid",
            ),
            (
                "AwsKmsKey",
                arn("kms:eu-west-1:111122223333:alias/prod"),
                "in the finding's account and Region",
            ),
            (
                "AwsRdsDbInstance",
                arn("rds:eu-west-1:111122223333:db:Orders_DB"),
                "not a valid",
            ),
            (
                "AwsIamUser",
                "arn:aws:iam::111122223333:user/x".to_owned(),
                "no remediation acts",
            ),
        ] {
            let err = name(kind, &id).unwrap_err();
            assert!(err.contains(expected), "{id}: {err}");
        }
    }

    #[test]
    fn every_control_names_a_resource_type_a_target_can_be_read_from() {
        for control in CONTROLS {
            let t = Target {
                kind: control.resource_type.to_owned(),
                id: String::new(),
            };
            let err = t.resource_name(HERE).unwrap_err();
            assert!(
                !err.reason.contains("no remediation acts"),
                "{}",
                control.id
            );
        }
    }
}
