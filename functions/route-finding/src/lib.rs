//! Routes each finding of a `Security Hub Findings - Imported` event by the routing table: suppress
//! it, remediate it through the proxy, or notify only. The state machine acts on the decisions;
//! this function only reads.

pub mod table;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Result;
use shared::input::{detail_type, typed};
use shared::remediation::Remediation;
use std::collections::BTreeMap;
use table::{Action, RemediatedControls, Table};

pub struct Deps {
    pub ssm: aws_sdk_ssm::Client,
    /// SSM parameter holding the routing table.
    pub table_parameter: String,
    /// The controls remediate rules may act on; the others are notified.
    pub remediated: RemediatedControls,
}

/// EventBridge's `Security Hub Findings - Imported` event.
#[derive(Debug, Clone)]
pub struct FindingsImported(pub EventBridgeEvent<Findings>);

/// The event's detail: one or more findings, in the AWS Security Finding Format.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Findings {
    pub findings: Vec<Finding>,
}

/// One finding: the fields routing reads, and the finding as received, which the state machine
/// passes on whole. A finding whose fields have the wrong types is still one finding: it is
/// rejected on its own, with the reason, and the others are routed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(from = "Value", into = "Value")]
pub struct Finding {
    pub fields: std::result::Result<FindingFields, String>,
    pub raw: Value,
}

/// The ASFF fields routing reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FindingFields {
    pub id: Option<String>,
    pub product_arn: Option<String>,
    pub aws_account_id: Option<String>,
    pub region: Option<String>,
    pub title: Option<String>,
    pub generator_id: Option<String>,
    pub compliance: Option<Compliance>,
    pub workflow: Option<Workflow>,
    pub product_fields: Option<BTreeMap<String, String>>,
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

impl From<Value> for Finding {
    fn from(raw: Value) -> Self {
        let fields = typed(&raw).map_err(|e: serde_json::Error| e.to_string());
        Finding { fields, raw }
    }
}

impl From<Finding> for Value {
    fn from(finding: Finding) -> Self {
        finding.raw
    }
}

impl<'de> Deserialize<'de> for FindingsImported {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = Value::deserialize(deserializer)?;
        let kind = detail_type(&event);
        if kind != Some("Security Hub Findings - Imported") {
            return Err(de::Error::custom(format!(
                "expected an EventBridge 'Security Hub Findings - Imported' event, got detail-type {}",
                kind.map_or("(none)".to_owned(), |t| format!("'{t}'"))
            )));
        }
        match event.pointer("/detail/findings").and_then(Value::as_array) {
            Some(f) if f.is_empty() => Err(de::Error::custom("detail.findings is empty")),
            Some(_) => typed(event).map(FindingsImported),
            None => Err(de::Error::custom(
                "detail.findings is missing or not a list",
            )),
        }
    }
}

/// What routing does with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    Suppress,
    Remediate,
    Notify,
    /// Not FAILED and NEW: nothing to do.
    Skip,
    /// Too malformed to update in Security Hub: only notified.
    Reject,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Suppress => "suppress",
            Route::Remediate => "remediate",
            Route::Notify => "notify",
            Route::Skip => "skip",
            Route::Reject => "reject",
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Route {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What to do with one finding, and everything the state machine needs to do it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Decision {
    pub action: Route,
    pub reason: String,
    pub finding_id: Option<String>,
    pub product_arn: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub title: Option<String>,
    pub control_id: Option<String>,
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    pub finding: Value,
}

#[derive(Debug, PartialEq, Deserialize, Serialize)]
pub struct Routed {
    pub decisions: Vec<Decision>,
}

pub async fn handle(deps: &Deps, event: FindingsImported) -> Result<Routed> {
    let text = shared::ssm::get_parameter(&deps.ssm, &deps.table_parameter).await?;
    let table = Table::parse(&text)?;
    let decisions: Vec<Decision> = event
        .0
        .detail
        .findings
        .iter()
        .map(|f| route(&table, &deps.remediated, f))
        .collect();
    for d in &decisions {
        tracing::info!(finding = ?d.finding_id, control = ?d.control_id, action = %d.action, reason = %d.reason, "routed");
    }
    Ok(Routed { decisions })
}

/// The findings of a raw event; anything but a Security Hub findings event is refused.
pub fn findings(event: &Value) -> Result<Vec<Finding>> {
    shared::input::parse::<FindingsImported>(event.clone()).map(|e| e.0.detail.findings)
}

fn text(field: Option<&String>) -> Option<String> {
    field
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Routes one finding. Pure: the table, the opted-in controls and the finding decide.
pub fn route(table: &Table, remediated: &RemediatedControls, finding: &Finding) -> Decision {
    let fields = finding.fields.as_ref().ok();
    let field = |read: fn(&FindingFields) -> Option<&String>| text(fields.and_then(read));
    // Security Hub's consolidated control id, or the standard's own.
    let control_id = field(|f| f.compliance.as_ref()?.security_control_id.as_ref())
        .or_else(|| field(|f| f.product_fields.as_ref()?.get("ControlId")));
    let generator_id = field(|f| f.generator_id.as_ref());
    let mut decision = Decision {
        action: Route::Notify,
        reason: String::new(),
        finding_id: field(|f| f.id.as_ref()),
        product_arn: field(|f| f.product_arn.as_ref()),
        account_id: field(|f| f.aws_account_id.as_ref()),
        region: field(|f| f.region.as_ref()),
        title: field(|f| f.title.as_ref()),
        control_id: control_id.clone(),
        note: String::new(),
        remediation: None,
        finding: finding.raw.clone(),
    };
    let compliance = field(|f| f.compliance.as_ref()?.status.as_ref());
    let workflow = field(|f| f.workflow.as_ref()?.status.as_ref());
    let (action, reason) = if let Err(problem) = &finding.fields {
        (
            Route::Reject,
            format!("the finding cannot be read: {problem}"),
        )
    } else if let Some(problem) = malformed(&decision) {
        (
            Route::Reject,
            format!("the finding cannot be updated: {problem}"),
        )
    } else if compliance.as_deref() != Some("FAILED")
        || workflow.as_deref().unwrap_or("NEW") != "NEW"
    {
        (
            Route::Skip,
            "not a FAILED finding in workflow status NEW".to_owned(),
        )
    } else {
        match table.find(control_id.as_deref(), generator_id.as_deref()) {
            None => (Route::Notify, "no routing rule for this control".to_owned()),
            Some(rule)
                if rule.action == Action::Remediate
                    && !remediated.contains(control_id.as_deref()) =>
            {
                (
                    Route::Notify,
                    format!(
                        "the routing table remediates this control, but {} is not in \
                         REMEDIATED_CONTROLS",
                        control_id
                            .as_deref()
                            .unwrap_or("a finding without a control id")
                    ),
                )
            }
            Some(rule) => {
                decision.note = rule.note.clone().unwrap_or_default();
                decision.remediation = rule.remediation.clone();
                let action = match rule.action {
                    Action::Suppress => Route::Suppress,
                    Action::Remediate => Route::Remediate,
                    Action::Notify => Route::Notify,
                };
                (action, "routing table rule".to_owned())
            }
        }
    };
    decision.action = action;
    decision.reason = reason;
    if decision.note.is_empty() && action == Route::Suppress {
        decision.note = "Suppressed by the security remediation routing table.".to_owned();
    }
    decision
}

/// What makes a finding impossible to update in Security Hub, if anything.
fn malformed(d: &Decision) -> Option<String> {
    let Some(id) = &d.finding_id else {
        return Some("it has no Id".into());
    };
    if id.len() > 512 {
        return Some(format!(
            "its Id is {} characters long (at most 512)",
            id.len()
        ));
    }
    if d.product_arn.is_none() {
        return Some("it has no ProductArn".into());
    }
    match &d.account_id {
        Some(a) if shared::input::is_account_id(a) => None,
        Some(a) => Some(format!(
            "AwsAccountId '{}' is not 12 digits",
            a.chars().take(40).collect::<String>()
        )),
        None => Some("it has no AwsAccountId".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Routes a finding given as JSON.
    fn route(table: &Table, remediated: &RemediatedControls, finding: &Value) -> Decision {
        super::route(table, remediated, &Finding::from(finding.clone()))
    }

    fn s3_8() -> RemediatedControls {
        RemediatedControls::parse("S3.8").unwrap()
    }

    fn table() -> Table {
        Table::parse(
            r#"{"rules": [
            {"control_id": "S3.8", "action": "remediate",
             "remediation": {"function": "remediate-s3-public-access", "qualifier": "live"}},
            {"control_id": "EC2.2", "action": "suppress", "note": "landing zone owns these"}]}"#,
        )
        .unwrap()
    }

    fn finding(control: &str) -> Value {
        json!({
            "Id": format!("arn:aws:securityhub:eu-west-1:111122223333:finding/{control}"),
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "AwsAccountId": "111122223333",
            "Region": "eu-west-1",
            "GeneratorId": format!("security-control/{control}"),
            "Compliance": {"Status": "FAILED", "SecurityControlId": control},
            "Workflow": {"Status": "NEW"},
        })
    }

    #[test]
    fn routes_by_the_table() {
        let t = table();
        let d = route(&t, &s3_8(), &finding("S3.8"));
        assert_eq!(d.action, "remediate");
        assert_eq!(
            d.remediation.unwrap().function,
            "remediate-s3-public-access"
        );
        let d = route(&t, &s3_8(), &finding("EC2.2"));
        assert_eq!(
            (d.action.as_str(), d.note.as_str()),
            ("suppress", "landing zone owns these")
        );
        assert_eq!(route(&t, &s3_8(), &finding("Lambda.1")).action, "notify");
    }

    #[test]
    fn a_remediate_rule_notifies_until_its_control_is_opted_in() {
        let none = RemediatedControls::default();
        let d = route(&table(), &none, &finding("S3.8"));
        assert_eq!(d.action, "notify");
        assert_eq!(d.remediation, None);
        assert!(
            d.reason.contains("S3.8 is not in REMEDIATED_CONTROLS"),
            "{}",
            d.reason
        );
        let other = RemediatedControls::parse("EC2.7").unwrap();
        assert_eq!(route(&table(), &other, &finding("S3.8")).action, "notify");
        // Suppressing needs no opt-in: it changes only the finding.
        assert_eq!(route(&table(), &none, &finding("EC2.2")).action, "suppress");
    }

    #[test]
    fn the_standard_control_id_is_used_when_the_consolidated_one_is_absent() {
        let mut f = finding("x");
        f["Compliance"] = json!({"Status": "FAILED"});
        f["ProductFields"] = json!({"ControlId": "S3.8"});
        assert_eq!(route(&table(), &s3_8(), &f).action, "remediate");
    }

    #[test]
    fn passed_or_already_handled_findings_are_skipped() {
        let mut passed = finding("S3.8");
        passed["Compliance"]["Status"] = json!("PASSED");
        assert_eq!(route(&table(), &s3_8(), &passed).action, "skip");
        let mut notified = finding("S3.8");
        notified["Workflow"]["Status"] = json!("NOTIFIED");
        assert_eq!(route(&table(), &s3_8(), &notified).action, "skip");
    }

    #[test]
    fn hostile_or_malformed_findings_are_rejected_not_acted_on() {
        let t = table();
        let mut no_id = finding("S3.8");
        no_id.as_object_mut().unwrap().remove("Id");
        assert_eq!(route(&t, &s3_8(), &no_id).action, "reject");
        let mut long_id = finding("S3.8");
        long_id["Id"] = json!("x".repeat(600));
        assert!(
            route(&t, &s3_8(), &long_id)
                .reason
                .contains("600 characters")
        );
        let mut bad_account = finding("S3.8");
        bad_account["AwsAccountId"] = json!("1111-2222-3333; rm -rf /");
        let d = route(&t, &s3_8(), &bad_account);
        assert_eq!(d.action, "reject");
        assert!(d.reason.contains("is not 12 digits"), "{}", d.reason);
        let mut wrong_types = finding("S3.8");
        wrong_types["Id"] = json!(42);
        assert_eq!(route(&t, &s3_8(), &wrong_types).action, "reject");
    }

    #[test]
    fn only_security_hub_findings_events_are_accepted() {
        let ok = json!({"detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub", "detail": {"findings": [finding("S3.8")]}});
        assert_eq!(findings(&ok).unwrap().len(), 1);
        for (event, expected) in [
            (
                json!({"detail-type": "Scheduled Event"}),
                "got detail-type 'Scheduled Event'",
            ),
            (json!({}), "got detail-type (none)"),
            (
                json!({"detail-type": "Security Hub Findings - Imported", "detail": {"findings": []}}),
                "is empty",
            ),
            (
                json!({"detail-type": "Security Hub Findings - Imported", "detail": {"findings": {}}}),
                "not a list",
            ),
        ] {
            let err = findings(&event).unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }
}
