//! A Security Hub finding and the checks that decide whether it may be acted on. A finding is
//! acted on only when it is Security Hub's own control finding (its product ARN, its `Id` and
//! its `GeneratorId` say so, and agree with its Region and account), names a control, and is
//! still FAILED, NEW and ACTIVE. `route-finding` runs the checks on the finding in the event;
//! `remediation-proxy` runs them again on the finding as `GetFindings` returns it, right before
//! acting, so a finding changed or withdrawn since the event is not acted on.
//!
//! Why these checks: anyone allowed `securityhub:BatchImportFindings` (in any member account, or
//! any partner product) can import a finding with any title, `GeneratorId` or `ProductFields`,
//! but only under their own product ARN. Security Hub's own product ARN, and the `Id` it gives
//! its findings, are what an importer cannot forge.

use crate::input::shorten;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The ASFF fields the checks read; the rest of the finding is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    pub id: Option<String>,
    pub product_arn: Option<String>,
    pub generator_id: Option<String>,
    pub aws_account_id: Option<String>,
    pub region: Option<String>,
    pub title: Option<String>,
    pub record_state: Option<String>,
    pub compliance: Option<Compliance>,
    pub workflow: Option<Workflow>,
    pub resources: Option<Vec<Resource>>,
    pub severity: Option<Severity>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Severity {
    /// INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL.
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    pub status: Option<String>,
    pub security_control_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub id: Option<String>,
    /// The resource's tags, as Security Hub read them.
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Security Hub's limit on a finding's `Id`.
pub const MAX_ID_CHARS: usize = 512;
/// Security Hub's limit on a finding's `Title`.
pub const MAX_TITLE_CHARS: usize = 256;

/// Each check, by the name notifications and the docs give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The event is a Security Hub event (`source` `aws.securityhub`).
    Source,
    /// The event was delivered in the deployment's own account.
    EventAccount,
    /// The finding's fields have the types ASFF gives them.
    Readable,
    /// `ProductArn` is exactly Security Hub's own product ARN for the finding's Region.
    Product,
    /// `Id` is Security Hub's, in the finding's Region and account.
    Id,
    /// The control comes from `Compliance.SecurityControlId` or a Security Hub standard's
    /// `GeneratorId`, and the two agree.
    Control,
    /// `RecordState` ACTIVE, `Compliance.Status` FAILED, `Workflow.Status` NEW.
    State,
    /// `AwsAccountId` is an account the deployment may act in.
    Account,
    /// Exactly one resource, of the control's type, well formed and in the finding's partition.
    Resource,
    /// The finding `GetFindings` returns right before acting is the one routed, unchanged.
    ReadBack,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Source => "source",
            Check::EventAccount => "event-account",
            Check::Readable => "readable",
            Check::Product => "product-arn",
            Check::Id => "finding-id",
            Check::Control => "control",
            Check::State => "state",
            Check::Account => "account",
            Check::Resource => "resource",
            Check::ReadBack => "read-back",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed check: which, and why, in words that shorten at most a little of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub check: Check,
    pub reason: String,
}

impl Refusal {
    pub fn new(check: Check, reason: impl Into<String>) -> Self {
        Refusal {
            check,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "check {} failed: {}", self.check, self.reason)
    }
}

/// What the identity checks establish about a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    pub id: String,
    pub product_arn: String,
    pub account_id: String,
    pub region: String,
    pub partition: &'static str,
    pub generator_id: String,
    /// `None` for a standard's finding that names its control by the standard's own number
    /// (CIS, PCI DSS) and carries no `SecurityControlId`: it can be routed by `GeneratorId`, but
    /// never remediated.
    pub control_id: Option<String>,
    pub title: Option<String>,
}

/// The identity checks: Security Hub's own control finding, whose `Id`, `ProductArn`,
/// `Region`, `AwsAccountId`, `GeneratorId` and control id agree. Each value is taken exactly as
/// written: a control id in another case or with spaces is not the control.
pub fn identify(f: &Finding) -> Result<Identified, Refusal> {
    let id =
        f.id.as_deref()
            .ok_or_else(|| Refusal::new(Check::Id, "the finding has no Id"))?;
    if id.chars().count() > MAX_ID_CHARS {
        return Err(Refusal::new(
            Check::Id,
            format!(
                "the Id is {} characters long (at most {MAX_ID_CHARS})",
                id.chars().count()
            ),
        ));
    }
    let region = f
        .region
        .as_deref()
        .ok_or_else(|| Refusal::new(Check::Product, "the finding has no Region"))?;
    if !crate::input::is_region(region) {
        return Err(Refusal::new(
            Check::Product,
            format!("Region '{}' is not an AWS Region name", shorten(region)),
        ));
    }
    let partition = crate::aws::partition(region);
    let product_arn = f
        .product_arn
        .as_deref()
        .ok_or_else(|| Refusal::new(Check::Product, "the finding has no ProductArn"))?;
    let expected = security_hub_product_arn(partition, region);
    if product_arn != expected {
        return Err(Refusal::new(
            Check::Product,
            format!(
                "ProductArn '{}' is not Security Hub's own ({expected}): only Security Hub's \
                 control findings are acted on",
                shorten(product_arn)
            ),
        ));
    }
    let account_id = f
        .aws_account_id
        .as_deref()
        .ok_or_else(|| Refusal::new(Check::Id, "the finding has no AwsAccountId"))?;
    if !crate::input::is_account_id(account_id) {
        return Err(Refusal::new(
            Check::Id,
            format!("AwsAccountId '{}' is not 12 digits", shorten(account_id)),
        ));
    }
    let prefix = format!("arn:{partition}:securityhub:{region}:{account_id}:");
    if id.strip_prefix(&prefix).is_none_or(str::is_empty) {
        return Err(Refusal::new(
            Check::Id,
            format!(
                "the Id '{}' is not a Security Hub finding of account {account_id} in {region} \
                 (it must start with {prefix})",
                shorten(id)
            ),
        ));
    }
    let generator_id = f
        .generator_id
        .as_deref()
        .ok_or_else(|| Refusal::new(Check::Control, "the finding has no GeneratorId"))?;
    let Some(named) = generator_control(generator_id) else {
        return Err(Refusal::new(
            Check::Control,
            format!(
                "GeneratorId '{}' is not a Security Hub control's",
                shorten(generator_id)
            ),
        ));
    };
    let security_control = f
        .compliance
        .as_ref()
        .and_then(|c| c.security_control_id.as_deref());
    if let Some(c) = security_control
        && !is_control_id(c)
    {
        return Err(Refusal::new(
            Check::Control,
            format!(
                "Compliance.SecurityControlId '{}' is not a control id such as S3.8",
                shorten(c)
            ),
        ));
    }
    let control_id = match (security_control, named) {
        (Some(c), Some(g)) if c != g => {
            return Err(Refusal::new(
                Check::Control,
                format!(
                    "Compliance.SecurityControlId {c} and GeneratorId '{}' name different controls",
                    shorten(generator_id)
                ),
            ));
        }
        (Some(c), _) => Some(c),
        (None, g) => g,
    };
    Ok(Identified {
        id: id.to_owned(),
        product_arn: product_arn.to_owned(),
        account_id: account_id.to_owned(),
        region: region.to_owned(),
        partition,
        generator_id: generator_id.to_owned(),
        control_id: control_id.map(str::to_owned),
        title: f
            .title
            .as_deref()
            .map(|t| t.chars().take(MAX_TITLE_CHARS).collect()),
    })
}

/// The state check: a finding is acted on only while it is ACTIVE, FAILED and NEW.
pub fn actionable(f: &Finding) -> Result<(), Refusal> {
    let record = f.record_state.as_deref();
    let compliance = f.compliance.as_ref().and_then(|c| c.status.as_deref());
    let workflow = f.workflow.as_ref().and_then(|w| w.status.as_deref());
    if record == Some("ACTIVE") && compliance == Some("FAILED") && workflow == Some("NEW") {
        return Ok(());
    }
    let show = |v: Option<&str>| v.map_or("(none)".to_owned(), shorten);
    Err(Refusal::new(
        Check::State,
        format!(
            "not an ACTIVE, FAILED, NEW finding (RecordState {}, Compliance.Status {}, \
             Workflow.Status {})",
            show(record),
            show(compliance),
            show(workflow)
        ),
    ))
}

/// `arn:<partition>:securityhub:<region>::product/aws/securityhub`: the product ARN of
/// Security Hub's own findings in a Region.
pub fn security_hub_product_arn(partition: &str, region: &str) -> String {
    format!("arn:{partition}:securityhub:{region}::product/aws/securityhub")
}

/// The standards whose `GeneratorId` ends in the security control id: `<standard>/v/<version>/<control>`.
const STANDARDS_NAMING_CONTROLS: &[&str] = &[
    "aws-foundational-security-best-practices",
    "nist-800-53",
    "aws-resource-tagging-standard",
    "service-managed-aws-control-tower",
];
/// The standards that number their controls their own way (`cis-aws-foundations-benchmark/v/1.4.0/2.1.5`,
/// `pci-dss/v/3.2.1/PCI.S3.1`): their findings name a control only by `SecurityControlId`.
const STANDARDS_NUMBERING_THEIR_OWN: &[&str] = &["cis-aws-foundations-benchmark", "pci-dss"];

/// Whether `generator` is a Security Hub control's `GeneratorId`, and which security control
/// it names: `Some(Some(id))` for `security-control/S3.8` or a standard that uses security
/// control ids, `Some(None)` for a standard that numbers its own, `None` for anything else.
pub fn generator_control(generator: &str) -> Option<Option<&str>> {
    if let Some(id) = generator.strip_prefix("security-control/") {
        return is_control_id(id).then_some(Some(id));
    }
    // CIS 1.2.0 findings: arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.1
    if let Some(rest) = generator
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":securityhub:::ruleset/cis-aws-foundations-benchmark/v/"))
        .map(|(_, rest)| rest)
    {
        let (version, rule) = rest.split_once("/rule/")?;
        return (is_numbered(version) && is_numbered(rule)).then_some(None);
    }
    let (standard, rest) = generator.split_once("/v/")?;
    let (version, control) = rest.split_once('/')?;
    if !is_numbered(version) {
        return None;
    }
    if STANDARDS_NAMING_CONTROLS.contains(&standard) {
        is_control_id(control).then_some(Some(control))
    } else if STANDARDS_NUMBERING_THEIR_OWN.contains(&standard) {
        let own = control.strip_prefix("PCI.").unwrap_or(control);
        (is_numbered(own) || is_control_id(own)).then_some(None)
    } else {
        None
    }
}

/// `S3.8`, `EC2.19`, `CloudTrail.1`: a service name, a dot, a number.
pub fn is_control_id(id: &str) -> bool {
    let Some((service, number)) = id.split_once('.') else {
        return false;
    };
    service.starts_with(|c: char| c.is_ascii_alphabetic())
        && service.chars().all(|c| c.is_ascii_alphanumeric())
        && !number.is_empty()
        && number.len() <= 4
        && number.chars().all(|c| c.is_ascii_digit())
}

/// `1.0.0`, and the CIS numbering `2.1.5`: numbers joined by dots.
fn is_numbered(v: &str) -> bool {
    !v.is_empty()
        && v.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(feature = "securityhub")]
impl From<&aws_sdk_securityhub::types::AwsSecurityFinding> for Finding {
    fn from(f: &aws_sdk_securityhub::types::AwsSecurityFinding) -> Self {
        let text = |v: Option<&str>| v.map(str::to_owned);
        Finding {
            id: text(f.id()),
            product_arn: text(f.product_arn()),
            generator_id: text(f.generator_id()),
            aws_account_id: text(f.aws_account_id()),
            region: text(f.region()),
            title: text(f.title()),
            record_state: f.record_state().map(|s| s.as_str().to_owned()),
            compliance: f.compliance().map(|c| Compliance {
                status: c.status().map(|s| s.as_str().to_owned()),
                security_control_id: text(c.security_control_id()),
            }),
            workflow: f.workflow().map(|w| Workflow {
                status: w.status().map(|s| s.as_str().to_owned()),
            }),
            resources: Some(
                f.resources()
                    .iter()
                    .map(|r| Resource {
                        kind: text(r.r#type()),
                        id: text(r.id()),
                        tags: r
                            .tags()
                            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                    })
                    .collect(),
            ),
            severity: f.severity().map(|s| Severity {
                label: s.label().map(|l| l.as_str().to_owned()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn finding() -> Value {
        json!({
            "Id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/0b9e",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "GeneratorId": "security-control/S3.8",
            "AwsAccountId": "111122223333",
            "Region": "eu-west-1",
            "Title": "S3 general purpose buckets should block public access",
            "RecordState": "ACTIVE",
            "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8"},
            "Workflow": {"Status": "NEW"},
            "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::team-reports"}],
        })
    }

    fn read(v: &Value) -> Finding {
        crate::input::parse(v.clone()).unwrap_or_default()
    }

    fn with(pointer: &str, value: Value) -> Finding {
        let mut f = finding();
        match pointer.rsplit_once('/') {
            Some((parent, key)) if value.is_null() => {
                f.pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .map(|o| o.remove(key));
            }
            _ => {
                if let Some(slot) = f.pointer_mut(pointer) {
                    *slot = value;
                }
            }
        }
        read(&f)
    }

    #[test]
    fn a_genuine_control_finding_is_identified() {
        let found = identify(&read(&finding())).unwrap();
        assert_eq!(found.control_id.as_deref(), Some("S3.8"));
        assert_eq!(found.account_id, "111122223333");
        assert_eq!(found.partition, "aws");
        assert!(actionable(&read(&finding())).is_ok());
    }

    #[test]
    fn other_products_are_refused() {
        for arn in [
            // A custom integration's, as BatchImportFindings lets any account use.
            "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
            // A partner's.
            "arn:aws:securityhub:eu-west-1::product/crowdstrike/crowdstrike-falcon",
            // Another AWS service's.
            "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
            // Security Hub's, of another Region than the finding's.
            "arn:aws:securityhub:us-east-1::product/aws/securityhub",
            // Look-alikes.
            "arn:aws:securityhub:eu-west-1::product/aws/securityhub/x",
            "arn:aws:securityhub:eu-west-1::product/aws/securityhub ",
            "arn:aws-cn:securityhub:eu-west-1::product/aws/securityhub",
            "ARN:AWS:SECURITYHUB:eu-west-1::product/aws/securityhub",
        ] {
            let err = identify(&with("/ProductArn", json!(arn))).unwrap_err();
            assert_eq!(err.check, Check::Product, "{arn}");
        }
        let err = identify(&with("/ProductArn", Value::Null)).unwrap_err();
        assert_eq!(err.check, Check::Product);
    }

    #[test]
    fn the_id_must_name_the_findings_region_and_account() {
        for id in [
            "arn:aws:securityhub:eu-west-1:999999999999:security-control/S3.8/finding/0b9e",
            "arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/0b9e",
            "arn:aws:securityhub:eu-west-1:111122223333:",
            "f-1",
        ] {
            let err = identify(&with("/Id", json!(id))).unwrap_err();
            assert_eq!(err.check, Check::Id, "{id}");
        }
        assert_eq!(
            identify(&with("/AwsAccountId", Value::Null))
                .unwrap_err()
                .check,
            Check::Id
        );
        let err = identify(&with("/Id", json!("x".repeat(600)))).unwrap_err();
        assert!(err.reason.contains("600 characters"), "{err}");
    }

    #[test]
    fn the_control_comes_from_security_hub_and_nowhere_else() {
        for (pointer, value) in [
            ("/GeneratorId", json!("my-scanner/S3.8")),
            ("/GeneratorId", json!("security-control/EC2.2")),
            ("/GeneratorId", json!("security-control/S3.8 ")),
            ("/GeneratorId", Value::Null),
            ("/Compliance/SecurityControlId", json!("s3.8")),
            ("/Compliance/SecurityControlId", json!(" S3.8")),
            ("/Compliance/SecurityControlId", json!("S3.8 ")),
        ] {
            let err = identify(&with(pointer, value.clone())).unwrap_err();
            assert_eq!(err.check, Check::Control, "{pointer} = {value}");
        }
        // ProductFields never names a control.
        let mut f = finding();
        f["GeneratorId"] = json!("my-scanner");
        f["ProductFields"] = json!({"ControlId": "S3.8"});
        f["Compliance"] = json!({"Status": "FAILED"});
        assert_eq!(identify(&read(&f)).unwrap_err().check, Check::Control);
        // A standard's GeneratorId alone names its control.
        let mut f = finding();
        f["GeneratorId"] = json!("aws-foundational-security-best-practices/v/1.0.0/S3.8");
        f["Compliance"] = json!({"Status": "FAILED"});
        assert_eq!(
            identify(&read(&f)).unwrap().control_id.as_deref(),
            Some("S3.8")
        );
    }

    #[test]
    fn generator_ids_of_security_hub_standards() {
        for (generator, control) in [
            ("security-control/S3.8", Some(Some("S3.8"))),
            (
                "aws-foundational-security-best-practices/v/1.0.0/EC2.19",
                Some(Some("EC2.19")),
            ),
            (
                "nist-800-53/v/5.0.0/CloudTrail.1",
                Some(Some("CloudTrail.1")),
            ),
            ("cis-aws-foundations-benchmark/v/1.4.0/2.1.5", Some(None)),
            ("pci-dss/v/3.2.1/PCI.S3.1", Some(None)),
            (
                "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.1",
                Some(None),
            ),
            ("security-control/S3.8/x", None),
            ("aws-foundational-security-best-practices/v/x/S3.8", None),
            ("my-standard/v/1.0.0/S3.8", None),
            ("S3.8", None),
            ("", None),
        ] {
            assert_eq!(generator_control(generator), control, "{generator}");
        }
    }

    #[test]
    fn only_active_failed_new_findings_are_actionable() {
        for (pointer, value) in [
            ("/RecordState", json!("ARCHIVED")),
            ("/RecordState", Value::Null),
            ("/Compliance/Status", json!("PASSED")),
            ("/Compliance/Status", json!("NOT_AVAILABLE")),
            ("/Compliance/Status", json!("WARNING")),
            ("/Workflow/Status", json!("NOTIFIED")),
            ("/Workflow/Status", json!("RESOLVED")),
            ("/Workflow/Status", json!("SUPPRESSED")),
            ("/Workflow/Status", json!("new")),
            ("/Workflow", Value::Null),
        ] {
            let err = actionable(&with(pointer, value.clone())).unwrap_err();
            assert_eq!(err.check, Check::State, "{pointer} = {value}");
        }
    }

    #[test]
    fn other_partitions_have_their_own_product_arn() {
        let mut f = finding();
        for key in ["Id", "ProductArn"] {
            let text = f[key]
                .as_str()
                .unwrap()
                .replace("arn:aws:", "arn:aws-us-gov:")
                .replace("eu-west-1", "us-gov-west-1");
            f[key] = json!(text);
        }
        f["Region"] = json!("us-gov-west-1");
        assert_eq!(identify(&read(&f)).unwrap().partition, "aws-us-gov");
    }
}
