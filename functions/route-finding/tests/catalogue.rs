//! Every control of the remediation catalogue, by its sample finding: remediated when the
//! deployment opted in to it and the table says so, and its forged and foreign variants refused
//! by the same trust checks as S3.8's, never remediated.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use route_finding::Decision;
use serde_json::{Value, json};
use shared::remediation::CONTROLS;

/// Every control remediated by `remediate-finding:live`.
fn table() -> String {
    let rules: Vec<Value> = CONTROLS
        .iter()
        .map(|c| {
            json!({"control_id": c.id, "action": "remediate",
            "remediation": {"function": "remediate-finding", "qualifier": "live"}})
        })
        .collect();
    json!({ "rules": rules }).to_string()
}

/// The decision for the event's one finding, every control opted in.
fn route(event: &Value) -> Decision {
    let all: Vec<&str> = CONTROLS.iter().map(|c| c.id).collect();
    support::route_with(event, &all.join(","), &table())
        .unwrap()
        .remove(0)
}

/// Each control's sample finding event but S3.8's, whose sample holds several findings.
fn samples() -> Vec<(&'static str, Value)> {
    testing::control_finding_events()
        .into_iter()
        .filter(|(c, _)| *c != "S3.8")
        .collect()
}

#[test]
fn each_controls_finding_is_remediated_on_its_one_resource() {
    for (control, event) in samples() {
        let d = route(&event);
        assert_eq!(d.action, "remediate", "{control}: {}", d.reason);
        assert_eq!(d.control_id.as_deref(), Some(control));
        let finding = &event["detail"]["findings"][0];
        let resource = d.resource.unwrap();
        assert_eq!(resource.id, finding["Resources"][0]["Id"], "{control}");
    }
}

#[test]
fn each_controls_forged_and_foreign_findings_are_never_remediated() {
    type Forgery = (&'static str, fn(&mut Value, &str));
    let forgeries: &[Forgery] = &[
        ("a custom product ARN", |f, _| {
            f["ProductArn"] =
                json!("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default")
        }),
        ("another Region's Security Hub", |f, _| {
            f["ProductArn"] = json!("arn:aws:securityhub:us-east-1::product/aws/securityhub")
        }),
        ("a made-up GeneratorId", |f, c| {
            f["GeneratorId"] = json!(format!("my-scanner/{c}"))
        }),
        ("another control's GeneratorId", |f, _| {
            f["GeneratorId"] = json!("security-control/EC2.18")
        }),
        ("an Id naming another account", |f, _| {
            let id = f["Id"]
                .as_str()
                .unwrap()
                .replace("111122223333", "999999999999");
            f["Id"] = json!(id);
        }),
        ("a foreign account", |f, _| {
            for key in ["Id", "AwsAccountId"] {
                let v = f[key]
                    .as_str()
                    .unwrap()
                    .replace("111122223333", "444455556666");
                f[key] = json!(v);
            }
        }),
        ("a resource of another account or Region", |f, _| {
            let id = f["Resources"][0]["Id"].as_str().unwrap().to_owned();
            let moved = if id.starts_with("AWS::::Account:") {
                id.replace("111122223333", "999999999999")
            } else if id.starts_with("arn:aws:s3:::") {
                "arn:aws:s3:::Not_A_Bucket".to_owned()
            } else {
                id.replace("eu-west-1", "us-east-1")
            };
            f["Resources"][0]["Id"] = json!(moved);
        }),
        ("a resource of another type", |f, _| {
            f["Resources"][0]["Type"] = json!("AwsEc2Instance")
        }),
        ("two resources", |f, _| {
            let r = f["Resources"][0].clone();
            f["Resources"].as_array_mut().unwrap().push(r);
        }),
        ("an ARCHIVED finding", |f, _| {
            f["RecordState"] = json!("ARCHIVED")
        }),
    ];
    for (control, event) in samples() {
        for (what, forge) in forgeries {
            let mut e = event.clone();
            forge(&mut e["detail"]["findings"][0], control);
            let d = route(&e);
            assert_ne!(d.action, "remediate", "{control}, {what}: {}", d.reason);
            assert_eq!(d.remediation, None, "{control}, {what}");
        }
    }
}

/// The routing table's selectors read the finding's own severity and its resource's tags.
#[test]
fn a_rule_selects_by_severity_and_leaves_out_resources_tagged_for_manual_handling() {
    let table = r#"{"rules": [
        {"control_id": "KMS.4", "action": "remediate",
         "select": {"severities": ["MEDIUM", "HIGH", "CRITICAL"], "accounts": ["111122223333"]},
         "exclude": {"tags": {"remediation": ["manual"]}},
         "remediation": {"function": "remediate-finding", "qualifier": "live"}}
    ]}"#;
    let (_, sample) = samples().into_iter().find(|(c, _)| *c == "KMS.4").unwrap();
    let route = |event: &Value| {
        support::route_with(event, "KMS.4", table)
            .unwrap()
            .remove(0)
    };

    let d = route(&sample);
    assert_eq!(d.action, "remediate", "{}", d.reason);
    assert_eq!(d.reason, "routing table rule 0");

    let mut manual = sample.clone();
    manual["detail"]["findings"][0]["Resources"][0]["Tags"] = json!({"remediation": "manual"});
    let d = route(&manual);
    assert_eq!(d.action, "notify");
    assert_eq!(d.reason, "no routing rule applies to this finding");

    let mut low = sample.clone();
    low["detail"]["findings"][0]["Severity"] = json!({"Label": "LOW", "Normalized": 1});
    assert_eq!(route(&low).action, "notify");
}
