//! Routes each finding of a `Security Hub Findings - Imported` event: suppress it, remediate it
//! through the proxy, notify a person, skip it, or reject it. Only Security Hub's own control
//! findings, still ACTIVE, FAILED and NEW, reach the routing table (see `shared::finding`); a
//! remediation is decided only for an opted-in control, an account the deployment may act in
//! and exactly one resource of the control's type. The state machine acts on the decisions,
//! which carry ids and the decision, never the finding; this function only reads.

pub mod table;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Result;
use shared::finding::{self, Check, Finding, Identified, Refusal};
use shared::input::{detail_type, shorten, typed};
use shared::remediation::{Accounts, Remediation, Scope, Target, check_target};
use table::{Action, RemediatedControls, Table};

pub struct Deps {
    pub ssm: aws_sdk_ssm::Client,
    /// SSM parameter holding the routing table.
    pub table_parameter: String,
    /// The controls remediate rules may act on; the others are notified.
    pub remediated: RemediatedControls,
    /// The deployment's own account, and the accounts it may remediate in.
    pub accounts: Accounts,
}

/// EventBridge's `Security Hub Findings - Imported` event: where it came from, and its findings.
#[derive(Debug, Clone)]
pub struct FindingsImported {
    pub source: String,
    pub account: Option<String>,
    /// Each finding read on its own: one whose fields have the wrong types is rejected alone,
    /// with the reason, and the others are routed.
    pub findings: Vec<Result<Finding, String>>,
}

impl<'de> Deserialize<'de> for FindingsImported {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = Value::deserialize(deserializer)?;
        let kind = detail_type(&event);
        if kind != Some("Security Hub Findings - Imported") {
            return Err(de::Error::custom(format!(
                "expected an EventBridge 'Security Hub Findings - Imported' event, got detail-type {}",
                kind.map_or("(none)".to_owned(), |t| format!("'{}'", shorten(t)))
            )));
        }
        let event: EventBridgeEvent<Value> = typed(event)?;
        let findings = match event.detail.get("findings").and_then(Value::as_array) {
            Some(f) if f.is_empty() => return Err(de::Error::custom("detail.findings is empty")),
            Some(f) => f
                .iter()
                .map(|f| typed(f).map_err(|e: serde_json::Error| e.to_string()))
                .collect(),
            None => {
                return Err(de::Error::custom(
                    "detail.findings is missing or not a list",
                ));
            }
        };
        Ok(FindingsImported {
            source: event.source,
            account: event.account,
            findings,
        })
    }
}

/// What routing does with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    Suppress,
    Remediate,
    Notify,
    /// A genuine finding that is not ACTIVE, FAILED and NEW: nothing to do.
    Skip,
    /// Not Security Hub's own control finding, or not from this deployment's Security Hub:
    /// a person is notified; neither the finding nor any resource is touched.
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

/// What to do with one finding, and the ids the state machine needs to do it. Values of a
/// rejected finding are untrusted and shortened.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Target>,
    /// Present when the remediation waits for a person first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<WaitForApproval>,
}

/// What the state machine's approval step reads: how long to wait, and what to do then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub struct WaitForApproval {
    pub timeout_seconds: u32,
    pub on_timeout: table::OnTimeout,
}

#[derive(Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Routed {
    pub decisions: Vec<Decision>,
}

pub async fn handle(deps: &Deps, event: FindingsImported) -> Result<Routed> {
    let text = shared::ssm::get_parameter(&deps.ssm, &deps.table_parameter).await?;
    let table = Table::parse(&text)?;
    let router = Router {
        table: &table,
        remediated: &deps.remediated,
        accounts: &deps.accounts,
    };
    let decisions = router.route(&event);
    for d in &decisions {
        tracing::info!(finding = ?d.finding_id, control = ?d.control_id, action = %d.action, reason = %d.reason, "routed");
    }
    Ok(Routed { decisions })
}

/// The findings event in a raw payload; anything but a Security Hub findings event is refused.
pub fn findings_event(event: &Value) -> Result<FindingsImported> {
    shared::input::parse(event.clone())
}

/// Routing: the table, the opted-in controls and the accounts decide. Pure.
pub struct Router<'a> {
    pub table: &'a Table,
    pub remediated: &'a RemediatedControls,
    pub accounts: &'a Accounts,
}

impl Router<'_> {
    /// One decision per finding, in order.
    pub fn route(&self, event: &FindingsImported) -> Vec<Decision> {
        let envelope = self.envelope(event);
        event
            .findings
            .iter()
            .map(|f| match f {
                Err(problem) => rejected(
                    None,
                    &Refusal::new(
                        Check::Readable,
                        format!("the finding cannot be read: {}", shorten(problem)),
                    ),
                ),
                Ok(f) => match &envelope {
                    Some(refusal) => rejected(Some(f), refusal),
                    None => self.route_finding(f),
                },
            })
            .collect()
    }

    /// The event's own checks: from Security Hub, delivered in this deployment's account (the
    /// rule's pattern pins both; a hand-started execution is held to the same).
    fn envelope(&self, event: &FindingsImported) -> Option<Refusal> {
        if event.source != "aws.securityhub" {
            return Some(Refusal::new(
                Check::Source,
                format!(
                    "the event's source is '{}', not aws.securityhub",
                    shorten(&event.source)
                ),
            ));
        }
        let own = &self.accounts.own;
        match event.account.as_deref() {
            Some(a) if a == own => None,
            other => Some(Refusal::new(
                Check::EventAccount,
                format!(
                    "the event was delivered in account {}, not this deployment's {own}",
                    other.map_or("(none)".to_owned(), shorten)
                ),
            )),
        }
    }

    fn route_finding(&self, f: &Finding) -> Decision {
        let id = match finding::identify(f) {
            Ok(id) => id,
            Err(refusal) => return rejected(Some(f), &refusal),
        };
        let mut d = Decision {
            action: Route::Notify,
            reason: String::new(),
            finding_id: Some(id.id.clone()),
            product_arn: Some(id.product_arn.clone()),
            account_id: Some(id.account_id.clone()),
            region: Some(id.region.clone()),
            title: id.title.clone(),
            control_id: id.control_id.clone(),
            note: String::new(),
            remediation: None,
            resource: None,
            approval: None,
        };
        if let Err(refusal) = finding::actionable(f) {
            d.action = Route::Skip;
            d.reason = refusal.to_string();
            return d;
        }
        let subject = table::Subject {
            control_id: id.control_id.as_deref(),
            generator_id: Some(&id.generator_id),
            account_id: &id.account_id,
            region: &id.region,
            severity: f.severity.as_ref().and_then(|s| s.label.as_deref()),
            resources: f.resources.as_deref().unwrap_or_default(),
        };
        let Some((number, rule)) = self.table.find(&subject) else {
            d.reason = "no routing rule applies to this finding".to_owned();
            return d;
        };
        match rule.action {
            Action::Suppress => {
                d.action = Route::Suppress;
                d.reason = format!("routing table rule {number}");
                d.note = rule.note.clone().unwrap_or_else(|| {
                    "Suppressed by the security remediation routing table.".to_owned()
                });
            }
            Action::Notify => d.reason = format!("routing table rule {number}"),
            Action::Remediate => match self.remediation(f, &id, rule) {
                Ok((remediation, target)) => {
                    d.action = Route::Remediate;
                    d.reason = format!("routing table rule {number}");
                    d.note = rule.note.clone().unwrap_or_default();
                    d.remediation = Some(remediation);
                    d.resource = Some(target);
                    d.approval = rule.approval.map(|a| WaitForApproval {
                        timeout_seconds: a.timeout_minutes * 60,
                        on_timeout: a.on_timeout,
                    });
                }
                Err(reason) => d.reason = reason,
            },
        }
        d
    }

    /// A remediate rule's remediation and its one resource, or why a person must look instead.
    fn remediation(
        &self,
        f: &Finding,
        id: &Identified,
        rule: &table::Rule,
    ) -> std::result::Result<(Remediation, Target), String> {
        let Some(control) = id.control_id.as_deref() else {
            return Err(
                "the routing table remediates it, but the finding names no security control \
                 (no Compliance.SecurityControlId): only controls are remediated"
                    .to_owned(),
            );
        };
        if !self.remediated.contains(Some(control)) {
            return Err(format!(
                "the routing table remediates this control, but {control} is not in \
                 REMEDIATED_CONTROLS"
            ));
        }
        self.accounts
            .check(&id.account_id)
            .map_err(|r| r.to_string())?;
        let scope = Scope {
            partition: id.partition,
            account_id: &id.account_id,
            region: &id.region,
        };
        let target = check_target(control, scope, f.resources.as_deref().unwrap_or_default())
            .map_err(|r| r.to_string())?;
        let remediation = rule
            .remediation
            .clone()
            .ok_or_else(|| "the remediate rule names no remediation".to_owned())?;
        Ok((remediation, target))
    }
}

/// A rejected finding's decision: its values shortened, since they are not to be trusted.
fn rejected(f: Option<&Finding>, refusal: &Refusal) -> Decision {
    let text = |read: fn(&Finding) -> Option<&String>| f.and_then(read).map(|v| shorten(v));
    Decision {
        action: Route::Reject,
        reason: refusal.to_string(),
        finding_id: text(|f| f.id.as_ref()),
        product_arn: text(|f| f.product_arn.as_ref()),
        account_id: text(|f| f.aws_account_id.as_ref()),
        region: text(|f| f.region.as_ref()),
        title: text(|f| f.title.as_ref()),
        control_id: text(|f| f.compliance.as_ref()?.security_control_id.as_ref()),
        note: String::new(),
        remediation: None,
        resource: None,
        approval: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s3_8() -> RemediatedControls {
        RemediatedControls::parse("S3.8").unwrap()
    }

    fn accounts(members: &str) -> Accounts {
        let vars = |n: &str| match n {
            "ACCOUNT_ID" => Some("111122223333".to_owned()),
            "MEMBER_ACCOUNT_IDS" => Some(members.to_owned()),
            _ => None,
        };
        Accounts::from_vars(&vars).unwrap()
    }

    fn table() -> Table {
        Table::parse(
            r#"{"rules": [
            {"control_id": "S3.8", "action": "remediate",
             "remediation": {"function": "remediate-finding", "qualifier": "live"}},
            {"control_id": "EC2.2", "action": "suppress", "note": "landing zone owns these"}]}"#,
        )
        .unwrap()
    }

    fn finding(control: &str) -> Value {
        json!({
            "Id": format!("arn:aws:securityhub:eu-west-1:111122223333:security-control/{control}/finding/1"),
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "GeneratorId": format!("security-control/{control}"),
            "AwsAccountId": "111122223333",
            "Region": "eu-west-1",
            "Title": "a title",
            "RecordState": "ACTIVE",
            "Compliance": {"Status": "FAILED", "SecurityControlId": control},
            "Workflow": {"Status": "NEW"},
            "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::team-reports"}],
        })
    }

    fn event(findings: &[Value]) -> Value {
        json!({
            "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub",
            "account": "111122223333",
            "detail": {"findings": findings},
        })
    }

    /// Routes the findings of `event` with the test table, S3.8 opted in and `accounts`.
    fn route_with(
        event: &Value,
        remediated: &RemediatedControls,
        accounts: &Accounts,
    ) -> Vec<Decision> {
        let table = table();
        let router = Router {
            table: &table,
            remediated,
            accounts,
        };
        router.route(&findings_event(event).unwrap())
    }

    fn route(finding: &Value) -> Decision {
        route_with(
            &event(std::slice::from_ref(finding)),
            &s3_8(),
            &accounts(""),
        )
        .remove(0)
    }

    #[test]
    fn routes_by_the_table() {
        let d = route(&finding("S3.8"));
        assert_eq!(d.action, "remediate", "{}", d.reason);
        assert_eq!(d.remediation.unwrap().function, "remediate-finding");
        assert_eq!(d.resource.unwrap().id, "arn:aws:s3:::team-reports");
        let d = route(&finding("EC2.2"));
        assert_eq!(
            (d.action.as_str(), d.note.as_str()),
            ("suppress", "landing zone owns these")
        );
        assert_eq!(route(&finding("Lambda.1")).action, "notify");
    }

    #[test]
    fn a_remediate_rule_notifies_until_its_control_is_opted_in() {
        let none = RemediatedControls::default();
        let d = route_with(&event(&[finding("S3.8")]), &none, &accounts("")).remove(0);
        assert_eq!(d.action, "notify");
        assert_eq!(d.remediation, None);
        assert!(
            d.reason.contains("S3.8 is not in REMEDIATED_CONTROLS"),
            "{}",
            d.reason
        );
        // Suppressing needs no opt-in: it changes only the finding.
        let d = route_with(&event(&[finding("EC2.2")]), &none, &accounts("")).remove(0);
        assert_eq!(d.action, "suppress");
    }

    #[test]
    fn the_decision_carries_ids_not_the_finding() {
        let mut f = finding("S3.8");
        f["Description"] = json!("x".repeat(100_000));
        let d = route(&f);
        let size = serde_json::to_string(&d).unwrap().len();
        assert!(size < 1_000, "{size} bytes");
    }

    /// Each case changes nothing: the finding is routed to skip, notify or reject, with the
    /// check that stopped it in the reason.
    #[test]
    fn what_is_never_remediated() {
        // (what, the change to a genuine finding, the action, a part of the reason)
        type Case = (&'static str, fn(&mut Value), &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (
                "a custom product ARN",
                |f| {
                    f["ProductArn"] = json!(
                        "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"
                    )
                },
                "reject",
                "product-arn",
            ),
            (
                "a partner product ARN",
                |f| {
                    f["ProductArn"] = json!(
                        "arn:aws:securityhub:eu-west-1::product/crowdstrike/crowdstrike-falcon"
                    )
                },
                "reject",
                "product-arn",
            ),
            (
                "GuardDuty's product ARN",
                |f| f["ProductArn"] = json!("arn:aws:securityhub:eu-west-1::product/aws/guardduty"),
                "reject",
                "product-arn",
            ),
            (
                "Security Hub's ARN of another Region",
                |f| {
                    f["ProductArn"] =
                        json!("arn:aws:securityhub:us-east-1::product/aws/securityhub")
                },
                "reject",
                "product-arn",
            ),
            (
                "a look-alike ARN",
                |f| {
                    f["ProductArn"] =
                        json!("arn:aws:securityhub:eu-west-1::product/aws/securityhub-x")
                },
                "reject",
                "product-arn",
            ),
            (
                "a made-up GeneratorId",
                |f| f["GeneratorId"] = json!("my-scanner/S3.8"),
                "reject",
                "control",
            ),
            (
                "a GeneratorId of another control",
                |f| f["GeneratorId"] = json!("security-control/EC2.2"),
                "reject",
                "control",
            ),
            (
                "only ProductFields.ControlId",
                |f| {
                    f["GeneratorId"] = json!("my-scanner");
                    f["Compliance"] = json!({"Status": "FAILED"});
                    f["ProductFields"] = json!({"ControlId": "S3.8"});
                },
                "reject",
                "control",
            ),
            (
                "ARCHIVED",
                |f| f["RecordState"] = json!("ARCHIVED"),
                "skip",
                "state",
            ),
            (
                "PASSED",
                |f| f["Compliance"]["Status"] = json!("PASSED"),
                "skip",
                "state",
            ),
            (
                "NOT_AVAILABLE",
                |f| f["Compliance"]["Status"] = json!("NOT_AVAILABLE"),
                "skip",
                "state",
            ),
            (
                "workflow NOTIFIED",
                |f| f["Workflow"]["Status"] = json!("NOTIFIED"),
                "skip",
                "state",
            ),
            (
                "no AwsAccountId",
                |f| {
                    f.as_object_mut().unwrap().remove("AwsAccountId");
                },
                "reject",
                "finding-id",
            ),
            (
                "an account the deployment may not act in",
                |f| {
                    f["AwsAccountId"] = json!("444455556666");
                    f["Id"] = json!(
                        "arn:aws:securityhub:eu-west-1:444455556666:security-control/S3.8/finding/1"
                    );
                },
                "notify",
                "check account failed",
            ),
            (
                "an Id naming another account",
                |f| {
                    f["Id"] = json!(
                        "arn:aws:securityhub:eu-west-1:999999999999:security-control/S3.8/finding/1"
                    )
                },
                "reject",
                "finding-id",
            ),
            (
                "a resource of another type",
                |f| f["Resources"][0]["Type"] = json!("AwsEc2Instance"),
                "notify",
                "check resource failed",
            ),
            (
                "two resources",
                |f| {
                    let r = f["Resources"][0].clone();
                    f["Resources"].as_array_mut().unwrap().push(r);
                },
                "notify",
                "names 2 resources",
            ),
            (
                "a resource id that is not a bucket ARN",
                |f| f["Resources"][0]["Id"] = json!("team-reports"),
                "notify",
                "not an S3 bucket ARN",
            ),
            (
                "a control id in another case",
                |f| {
                    f["Compliance"]["SecurityControlId"] = json!("s3.8");
                    f["GeneratorId"] = json!("security-control/s3.8");
                },
                "notify",
                "no routing rule",
            ),
            (
                "a control id with spaces",
                |f| f["Compliance"]["SecurityControlId"] = json!(" S3.8"),
                "reject",
                "control",
            ),
        ];
        for (name, change, action, reason) in cases {
            let mut f = finding("S3.8");
            change(&mut f);
            let d = route(&f);
            assert_eq!(d.action, action, "{name}: {}", d.reason);
            assert!(d.reason.contains(reason), "{name}: {}", d.reason);
            assert_eq!(d.remediation, None, "{name}");
        }
    }

    #[test]
    fn an_event_from_elsewhere_is_rejected_whole() {
        for (field, value, check) in [
            ("account", json!("999999999999"), "event-account"),
            ("account", Value::Null, "event-account"),
            ("source", json!("my.scanner"), "source"),
        ] {
            let mut e = event(&[finding("S3.8"), finding("EC2.2")]);
            e[field] = value;
            for d in route_with(&e, &s3_8(), &accounts("")) {
                assert_eq!(d.action, "reject");
                assert!(d.reason.contains(check), "{}", d.reason);
            }
        }
    }

    #[test]
    fn a_member_accounts_finding_is_remediated_when_cross_account_is_configured() {
        let mut f = finding("S3.8");
        for (key, from, to) in [
            ("Id", "eu-west-1:111122223333", "us-west-2:444455556666"),
            ("ProductArn", "eu-west-1", "us-west-2"),
            ("Region", "eu-west-1", "us-west-2"),
            ("AwsAccountId", "111122223333", "444455556666"),
        ] {
            f[key] = json!(f[key].as_str().unwrap().replace(from, to));
        }
        let d = route_with(&event(&[f.clone()]), &s3_8(), &accounts("444455556666")).remove(0);
        assert_eq!(d.action, "remediate", "{}", d.reason);
        assert_eq!(d.account_id.as_deref(), Some("444455556666"));
        assert_eq!(d.region.as_deref(), Some("us-west-2"));
        // Not configured for it: a person is told.
        let d = route_with(&event(&[f]), &s3_8(), &accounts("")).remove(0);
        assert_eq!(d.action, "notify");
    }

    #[test]
    fn a_rejected_findings_values_are_shortened() {
        let mut f = finding("S3.8");
        f["ProductArn"] = json!("x".repeat(5_000));
        f["Title"] = json!("<script>".repeat(1_000));
        let d = route(&f);
        assert_eq!(d.action, "reject");
        assert!(serde_json::to_string(&d).unwrap().len() < 1_000);
    }

    #[test]
    fn a_finding_with_wrong_types_is_rejected_alone() {
        let mut bad = finding("S3.8");
        bad["Id"] = json!(42);
        let d = route_with(&event(&[bad, finding("EC2.2")]), &s3_8(), &accounts(""));
        assert_eq!(d[0].action, "reject");
        assert!(d[0].reason.contains("readable"), "{}", d[0].reason);
        assert_eq!(d[1].action, "suppress");
    }

    #[test]
    fn only_security_hub_findings_events_are_accepted() {
        assert_eq!(
            findings_event(&event(&[finding("S3.8")]))
                .unwrap()
                .findings
                .len(),
            1
        );
        for (event, expected) in [
            (
                json!({"detail-type": "Scheduled Event"}),
                "got detail-type 'Scheduled Event'",
            ),
            (json!({}), "got detail-type (none)"),
            (
                json!({"detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub", "detail": {"findings": []}}),
                "is empty",
            ),
            (
                json!({"detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub", "detail": {"findings": {}}}),
                "not a list",
            ),
        ] {
            let err = findings_event(&event).unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }
}
