//! The proxy against mocked Lambda and Security Hub clients: it invokes only an allowlisted
//! remediation, only for a finding Security Hub still holds unchanged, with what it read back;
//! and how the remediation's errors, Lambda's throttling and Security Hub's errors come back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::error::TooManyRequestsException;
use aws_sdk_securityhub::operation::get_findings::GetFindingsError;
use aws_smithy_mocks::mock;
use aws_smithy_types::error::ErrorMetadata;
use lambda_runtime::Diagnostic;
use remediation_proxy::ProxyError;
use serde_json::{Value, json};
use shared::finding::{Finding, Resource};
use support::{
    BUCKET_ARN, FINDING_ID, FUNCTION, blocked, deps, finding, get_findings, handle,
    remediation_answers, request,
};

fn error_type(err: ProxyError) -> String {
    Diagnostic::from(err).error_type
}

/// Another account's finding, which an emulator that ignores GetFindings' filter also returns.
fn someone_elses() -> Finding {
    let mut f = finding();
    f.id = Some(FINDING_ID.replace("0b9e3a01", "ffffffff"));
    f.resources = Some(vec![Resource {
        kind: Some("AwsS3Bucket".into()),
        id: Some("arn:aws:s3:::someone-elses".into()),
        tags: None,
    }]);
    f
}

#[tokio::test]
async fn the_remediation_gets_the_finding_as_read_back_and_nothing_else() {
    let invoke = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| {
            let payload: Value = serde_json::from_slice(r.payload().unwrap().as_ref()).unwrap();
            r.function_name() == Some(FUNCTION)
                && r.qualifier() == Some("live")
                && payload
                    == json!({
                        "finding_id": FINDING_ID,
                        "control_id": "S3.8",
                        "account_id": "111122223333",
                        "region": "eu-west-1",
                        "resource": {"type": "AwsS3Bucket", "id": BUCKET_ARN},
                        "dry_run": true,
                    })
        })
        .then_output(|| {
            InvokeOutput::builder()
                .status_code(200)
                .payload(Blob::new(
                    br#"{"outcome": "would_remediate", "summary": "Would block it."}"#.to_vec(),
                ))
                .build()
        });
    // The genuine finding second: the proxy picks it by Id and ProductArn.
    let hub = get_findings(vec![someone_elses(), finding()]);
    let deps = deps(&[&invoke], &[&hub], true, "");
    let out = handle(&deps, request()).await.unwrap();
    assert_eq!(invoke.num_calls(), 1);
    assert_eq!(out["outcome"], "would_remediate");
    assert_eq!(out["remediation"], "remediate-finding:live");
    assert_eq!(
        out["note"],
        "Dry run of remediate-finding:live, nothing changed: Would block it."
    );
}

#[tokio::test]
async fn a_change_marks_the_note_remediated() {
    let invoke = blocked();
    let hub = get_findings(vec![finding()]);
    let out = handle(&deps(&[&invoke], &[&hub], false, ""), request())
        .await
        .unwrap();
    assert_eq!(out["outcome"], "remediated");
    assert_eq!(out["dry_run"], false);
    assert!(
        out["note"]
            .as_str()
            .unwrap()
            .starts_with("Remediated by remediate-finding:live")
    );
    // The states before and after, for the finding's record.
    assert_eq!(out["before"], r#"{"block_public_acls":false}"#);
    assert_eq!(out["after"], r#"{"block_public_acls":true}"#);
}

#[tokio::test]
async fn anything_not_on_the_allowlist_invokes_nothing() {
    let invoke = blocked();
    let hub = get_findings(vec![finding()]);
    let deps = deps(&[&invoke], &[&hub], false, "");
    for (function, qualifier) in [
        ("remediate-finding", "$LATEST"),
        ("remediate-finding", "1"),
        ("delete-everything", "live"),
        (
            "arn:aws:lambda:eu-west-1:999999999999:function:remediate-finding",
            "live",
        ),
    ] {
        let mut r = request();
        r["remediation"] = json!({"function": function, "qualifier": qualifier});
        let err = handle(&deps, r).await.unwrap_err();
        assert_eq!(
            error_type(err),
            "RemediationNotAllowed",
            "{function}:{qualifier}"
        );
    }
    assert_eq!((invoke.num_calls(), hub.num_calls()), (0, 0));
}

#[tokio::test]
async fn bad_requests_invoke_nothing() {
    let invoke = blocked();
    let hub = get_findings(vec![finding()]);
    let deps = deps(&[&invoke], &[&hub], false, "");
    let mut cases = Vec::new();
    for (pointer, value) in [
        ("/account_id", json!("1111-2222-3333")),
        ("/account_id", json!(111122223333u64)),
        ("/account_id", json!("999999999999")),
        ("/region", json!("eu-west-1; rm -rf /")),
        ("/control_id", json!("S3.*")),
        ("/finding_id", json!("")),
        ("/finding_id", json!("x".repeat(600))),
    ] {
        let mut r = request();
        *r.pointer_mut(pointer).unwrap() = value;
        cases.push(r);
    }
    let mut missing = request();
    missing.as_object_mut().unwrap().remove("resource");
    cases.push(missing);
    let mut whole_finding = request();
    whole_finding["finding"] = json!({"Id": FINDING_ID});
    cases.push(whole_finding);
    cases.push(json!("remediate"));
    for case in cases {
        let err = handle(&deps, case.clone()).await.unwrap_err();
        assert_eq!(error_type(err), "InvalidInput", "{case}");
    }
    assert_eq!((invoke.num_calls(), hub.num_calls()), (0, 0));
}

/// Security Hub no longer holds the finding routed, or holds it changed: nothing is invoked,
/// and the error names what differs.
#[tokio::test]
async fn only_a_finding_read_back_unchanged_is_acted_on() {
    type Change = fn(&mut Finding);
    let cases: Vec<(&str, Vec<Finding>, &str, &str)> = vec![
        (
            "not returned",
            vec![],
            "FindingNotFound",
            "is not in Security Hub",
        ),
        (
            "only another finding returned",
            vec![someone_elses()],
            "FindingNotFound",
            "is not in Security Hub",
        ),
    ];
    let changes: Vec<(&str, Change, &str)> = vec![
        (
            "resolved since",
            |f| f.workflow.as_mut().unwrap().status = Some("RESOLVED".into()),
            "check state failed",
        ),
        (
            "notified since",
            |f| f.workflow.as_mut().unwrap().status = Some("NOTIFIED".into()),
            "check state failed",
        ),
        (
            "passed since",
            |f| f.compliance.as_mut().unwrap().status = Some("PASSED".into()),
            "check state failed",
        ),
        (
            "archived since",
            |f| f.record_state = Some("ARCHIVED".into()),
            "check state failed",
        ),
        (
            "another bucket now",
            |f| f.resources.as_mut().unwrap()[0].id = Some("arn:aws:s3:::another-bucket".into()),
            "its resource was",
        ),
        (
            "two resources now",
            |f| {
                let r = f.resources.as_ref().unwrap()[0].clone();
                f.resources.as_mut().unwrap().push(r);
            },
            "check resource failed",
        ),
        (
            "another control now",
            |f| {
                f.compliance.as_mut().unwrap().security_control_id = Some("S3.1".into());
                f.generator_id = Some("security-control/S3.1".into());
            },
            "its control was S3.8",
        ),
        (
            "another product now",
            |f| f.product_arn = Some("arn:aws:securityhub:eu-west-1::product/aws/guardduty".into()),
            "check product-arn failed",
        ),
    ];
    let mut all: Vec<(String, Vec<Finding>, &str, &str)> = cases
        .into_iter()
        .map(|(n, f, t, m)| (n.to_owned(), f, t, m))
        .collect();
    for (name, change, expected) in changes {
        let mut f = finding();
        change(&mut f);
        // The product is part of the lookup: a finding under another product is another finding.
        let error = if name == "another product now" {
            "FindingNotFound"
        } else {
            "FindingChanged"
        };
        let message = if error == "FindingNotFound" {
            "is not in Security Hub"
        } else {
            expected
        };
        all.push((name.to_owned(), vec![f], error, message));
    }
    for (name, returned, error, message) in all {
        let invoke = blocked();
        let hub = get_findings(returned);
        let deps = deps(&[&invoke], &[&hub], false, "");
        let err = handle(&deps, request()).await.unwrap_err();
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, error, "{name}: {}", d.error_message);
        assert!(
            d.error_message.contains(message),
            "{name}: {}",
            d.error_message
        );
        assert_eq!(invoke.num_calls(), 0, "{name}");
    }
}

#[tokio::test]
async fn a_get_findings_error_invokes_nothing() {
    for (code, expected) in [
        ("TooManyRequestsException", "Throttled"),
        ("AccessDeniedException", "AccessDenied"),
        ("InvalidAccessException", "AwsError"),
    ] {
        let invoke = blocked();
        let hub = mock!(aws_sdk_securityhub::Client::get_findings).then_error(move || {
            GetFindingsError::generic(ErrorMetadata::builder().code(code).build())
        });
        let deps = deps(&[&invoke], &[&hub], false, "");
        let err = handle(&deps, request()).await.unwrap_err();
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, expected, "{code}");
        assert!(
            d.error_message.contains("GetFindings"),
            "{}",
            d.error_message
        );
        assert_eq!(invoke.num_calls(), 0, "{code}");
    }
}

#[tokio::test]
async fn a_member_accounts_finding_is_remediated_there_when_configured() {
    let member = |f: &mut Finding| {
        for field in [
            &mut f.id,
            &mut f.product_arn,
            &mut f.region,
            &mut f.aws_account_id,
        ] {
            let text = field
                .as_deref()
                .unwrap()
                .replace("eu-west-1", "us-west-2")
                .replace("111122223333", "444455556666");
            *field = Some(text);
        }
    };
    let mut f = finding();
    member(&mut f);
    let mut r = request();
    for key in ["finding_id", "product_arn", "region", "account_id"] {
        let text = r[key]
            .as_str()
            .unwrap()
            .replace("eu-west-1", "us-west-2")
            .replace("111122223333", "444455556666");
        r[key] = json!(text);
    }
    let invoke = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| {
            let payload: Value = serde_json::from_slice(r.payload().unwrap().as_ref()).unwrap();
            payload["account_id"] == "444455556666" && payload["region"] == "us-west-2"
        })
        .then_output(|| {
            InvokeOutput::builder()
                .status_code(200)
                .payload(Blob::new(
                    br#"{"outcome": "remediated", "summary": "Blocked."}"#.to_vec(),
                ))
                .build()
        });
    let hub = get_findings(vec![f]);
    let out = handle(&deps(&[&invoke], &[&hub], false, "444455556666"), r.clone())
        .await
        .unwrap();
    assert_eq!(
        (out["outcome"].as_str(), out["account_id"].as_str()),
        (Some("remediated"), Some("444455556666"))
    );
    // Not configured for that account: refused before anything is read or invoked.
    let err = handle(&deps(&[&invoke], &[&hub], false, ""), r)
        .await
        .unwrap_err();
    assert_eq!(error_type(err), "InvalidInput");
    assert_eq!(invoke.num_calls(), 1);
}

#[tokio::test]
async fn a_remediation_error_comes_back_as_remediation_failed_with_its_message() {
    let invoke = mock!(aws_sdk_lambda::Client::invoke).then_output(|| {
        InvokeOutput::builder()
            .status_code(200)
            .function_error("Unhandled")
            .payload(Blob::new(
                br#"{"errorType": "NotFound", "errorMessage": "bucket 'b' does not exist"}"#
                    .to_vec(),
            ))
            .build()
    });
    let hub = get_findings(vec![finding()]);
    let err = handle(&deps(&[&invoke], &[&hub], false, ""), request())
        .await
        .unwrap_err();
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "RemediationFailed");
    assert!(
        d.error_message
            .contains("(NotFound): bucket 'b' does not exist"),
        "{}",
        d.error_message
    );
}

#[tokio::test]
async fn an_answer_that_is_not_a_remediation_result_or_claims_a_change_in_a_dry_run_fails() {
    for (answer, dry_run, expected) in [
        (
            json!({"action": "blocked"}),
            false,
            "not a remediation result",
        ),
        (
            json!({"outcome": "remediated", "summary": "Blocked."}),
            true,
            "reports a change in a dry run",
        ),
    ] {
        let invoke = remediation_answers(answer);
        let hub = get_findings(vec![finding()]);
        let err = handle(&deps(&[&invoke], &[&hub], dry_run, ""), request())
            .await
            .unwrap_err();
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, "RemediationFailed");
        assert!(d.error_message.contains(expected), "{}", d.error_message);
    }
}

#[tokio::test]
async fn lambda_throttling_is_retryable() {
    let invoke = mock!(aws_sdk_lambda::Client::invoke).then_error(|| {
        let meta = ErrorMetadata::builder()
            .code("TooManyRequestsException")
            .build();
        InvokeError::TooManyRequestsException(
            TooManyRequestsException::builder().meta(meta).build(),
        )
    });
    let hub = get_findings(vec![finding()]);
    let err = handle(&deps(&[&invoke], &[&hub], false, ""), request())
        .await
        .unwrap_err();
    assert_eq!(error_type(err), "Throttled");
}
