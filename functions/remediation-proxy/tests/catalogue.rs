//! Every control of the remediation catalogue at the proxy's read-back, by its sample finding:
//! the finding as Security Hub returns it is acted on only when it still passes every trust
//! check and names the same control, account, Region and resource as routed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use remediation_proxy::still_the_same;
use serde_json::{Value, json};
use shared::finding::Finding;
use shared::remediation::{Accounts, ProxyRequest};

fn accounts() -> Accounts {
    let vars = |n: &str| (n == "ACCOUNT_ID").then(|| "111122223333".to_owned());
    Accounts::from_vars(&vars).unwrap()
}

/// Each control's sample finding.
fn samples() -> Vec<(&'static str, Value)> {
    testing::control_finding_events()
        .into_iter()
        .map(|(control, event)| (control, event["detail"]["findings"][0].clone()))
        .collect()
}

/// What the state machine sends the proxy for the genuine finding.
fn request(finding: &Value) -> ProxyRequest {
    let resource = &finding["Resources"][0];
    shared::input::parse(json!({
        "remediation": {"function": "remediate-finding", "qualifier": "live"},
        "finding_id": finding["Id"],
        "product_arn": finding["ProductArn"],
        "control_id": finding["Compliance"]["SecurityControlId"],
        "account_id": finding["AwsAccountId"],
        "region": finding["Region"],
        "resource": {"type": resource["Type"], "id": resource["Id"]},
    }))
    .unwrap()
}

fn read_back(finding: &Value) -> Finding {
    serde_json::from_value(finding.clone()).unwrap()
}

#[test]
fn each_controls_genuine_finding_passes_the_read_back_unchanged() {
    for (control, finding) in samples() {
        let req = request(&finding);
        let checked = still_the_same(&req, &read_back(&finding), &accounts())
            .unwrap_or_else(|r| panic!("{control}: {r}"));
        assert_eq!(checked.control_id, control);
        assert_eq!(checked.resource, req.resource, "{control}");
    }
}

#[test]
fn each_controls_finding_changed_forged_or_foreign_at_read_back_is_refused() {
    type Change = (&'static str, fn(&mut Value));
    let changes: &[Change] = &[
        ("a custom product", |f| {
            f["ProductArn"] =
                json!("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default")
        }),
        ("another control now", |f| {
            f["Compliance"]["SecurityControlId"] = json!("EC2.18");
            f["GeneratorId"] = json!("security-control/EC2.18");
        }),
        ("another resource now", |f| {
            let id = f["Resources"][0]["Id"].as_str().unwrap().to_owned();
            f["Resources"][0]["Id"] =
                json!(format!("{id}x").replace("Account:111122223333x", "Account:999999999999"));
        }),
        ("a foreign account", |f| {
            for key in ["Id", "AwsAccountId"] {
                let v = f[key]
                    .as_str()
                    .unwrap()
                    .replace("111122223333", "444455556666");
                f[key] = json!(v);
            }
        }),
        ("resolved since", |f| {
            f["Workflow"]["Status"] = json!("RESOLVED")
        }),
        ("archived since", |f| f["RecordState"] = json!("ARCHIVED")),
    ];
    for (control, finding) in samples() {
        let req = request(&finding);
        for (what, change) in changes {
            let mut now = finding.clone();
            change(&mut now);
            assert!(
                still_the_same(&req, &read_back(&now), &accounts()).is_err(),
                "{control}: {what} was accepted"
            );
        }
    }
}
