//! Routes each finding of a `Security Hub Findings - Imported` event by the routing table: suppress
//! it, remediate it through the proxy, or notify only. The state machine acts on the decisions;
//! this function only reads.

pub mod table;

use serde::Serialize;
use serde_json::Value;
use shared::{Error, Result};
use table::{Action, RemediatedControls, Remediation, Table};

pub struct Deps {
    pub ssm: aws_sdk_ssm::Client,
    /// SSM parameter holding the routing table.
    pub table_parameter: String,
    /// The controls remediate rules may act on; the others are notified.
    pub remediated: RemediatedControls,
}

/// What to do with one finding, and everything the state machine needs to do it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// `suppress`, `remediate`, `notify`; `skip` for a finding that is not FAILED and NEW;
    /// `reject` for one too malformed to update (it is only notified).
    pub action: String,
    pub reason: String,
    pub finding_id: Option<String>,
    pub product_arn: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub title: Option<String>,
    pub control_id: Option<String>,
    pub note: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    pub finding: Value,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Routed {
    pub decisions: Vec<Decision>,
}

pub async fn handle(deps: &Deps, event: Value) -> Result<Routed> {
    let findings = findings(&event)?;
    let text = shared::ssm::get_parameter(&deps.ssm, &deps.table_parameter).await?;
    let table = Table::parse(&text)?;
    let decisions: Vec<Decision> = findings
        .iter()
        .map(|f| route(&table, &deps.remediated, f))
        .collect();
    for d in &decisions {
        tracing::info!(finding = ?d.finding_id, control = ?d.control_id, action = %d.action, reason = %d.reason, "routed");
    }
    Ok(Routed { decisions })
}

/// The findings of the event; anything but a Security Hub findings event is refused.
pub fn findings(event: &Value) -> Result<&[Value]> {
    let detail_type = event.get("detail-type").and_then(Value::as_str);
    if detail_type != Some("Security Hub Findings - Imported") {
        return Err(Error::InvalidInput(format!(
            "expected an EventBridge 'Security Hub Findings - Imported' event, got detail-type {}",
            detail_type.map_or("(none)".to_owned(), |t| format!("'{t}'"))
        )));
    }
    match event.pointer("/detail/findings").and_then(Value::as_array) {
        Some(f) if !f.is_empty() => Ok(f),
        Some(_) => Err(Error::InvalidInput("detail.findings is empty".into())),
        None => Err(Error::InvalidInput(
            "detail.findings is missing or not a list".into(),
        )),
    }
}

fn text(finding: &Value, pointer: &str) -> Option<String> {
    finding
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Security Hub's consolidated control id, or the standard's own.
fn control_id(finding: &Value) -> Option<String> {
    text(finding, "/Compliance/SecurityControlId")
        .or_else(|| text(finding, "/ProductFields/ControlId"))
}

/// Routes one finding. Pure: the table, the opted-in controls and the finding decide.
pub fn route(table: &Table, remediated: &RemediatedControls, finding: &Value) -> Decision {
    let control_id = control_id(finding);
    let generator_id = text(finding, "/GeneratorId");
    let mut decision = Decision {
        action: String::new(),
        reason: String::new(),
        finding_id: text(finding, "/Id"),
        product_arn: text(finding, "/ProductArn"),
        account_id: text(finding, "/AwsAccountId"),
        region: text(finding, "/Region"),
        title: text(finding, "/Title"),
        control_id: control_id.clone(),
        note: String::new(),
        remediation: None,
        finding: finding.clone(),
    };
    let (action, reason) = if let Some(problem) = malformed(&decision) {
        (
            "reject",
            format!("the finding cannot be updated: {problem}"),
        )
    } else if text(finding, "/Compliance/Status").as_deref() != Some("FAILED")
        || text(finding, "/Workflow/Status")
            .as_deref()
            .unwrap_or("NEW")
            != "NEW"
    {
        (
            "skip",
            "not a FAILED finding in workflow status NEW".to_owned(),
        )
    } else {
        match table.find(control_id.as_deref(), generator_id.as_deref()) {
            None => ("notify", "no routing rule for this control".to_owned()),
            Some(rule)
                if rule.action == Action::Remediate
                    && !remediated.contains(control_id.as_deref()) =>
            {
                (
                    "notify",
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
                    Action::Suppress => "suppress",
                    Action::Remediate => "remediate",
                    Action::Notify => "notify",
                };
                (action, "routing table rule".to_owned())
            }
        }
    };
    decision.action = action.to_owned();
    decision.reason = reason;
    if decision.note.is_empty() {
        decision.note = match action {
            "suppress" => "Suppressed by the security remediation routing table.".to_owned(),
            _ => String::new(),
        };
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
        let ok = json!({"detail-type": "Security Hub Findings - Imported", "detail": {"findings": [finding("S3.8")]}});
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
