//! The proxy against a mocked Lambda client: what it invokes, and how the remediation's
//! errors and Lambda's throttling come back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::error::TooManyRequestsException;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use lambda_runtime::Diagnostic;
use remediation_proxy::{Config, Deps, ProxyError};
use serde_json::{Value, json};

/// The handler on a raw payload, as Lambda delivers it, with its JSON answer.
async fn handle(deps: &Deps, event: Value) -> Result<Value, ProxyError> {
    let out = remediation_proxy::handle(deps, shared::input::parse(event)?).await?;
    Ok(serde_json::to_value(out).unwrap())
}

const ALLOWED: &str =
    "arn:aws:lambda:eu-west-1:111122223333:function:remediate-s3-public-access:live";

fn deps(rules: &[&Rule], dry_run: bool) -> Deps {
    let vars = |n: &str| match n {
        "ALLOWED_REMEDIATIONS" => Some(ALLOWED.to_owned()),
        "DRY_RUN" => Some(dry_run.to_string()),
        _ => None,
    };
    Deps {
        lambda: mock_client!(aws_sdk_lambda, RuleMode::MatchAny, rules),
        config: Config::from_vars(&vars).unwrap(),
    }
}

fn request(function: &str, qualifier: &str) -> Value {
    json!({
        "remediation": {"function": function, "qualifier": qualifier},
        "account_id": "111122223333",
        "region": "eu-west-1",
        "finding": {"Id": "f-1", "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::b"}]},
    })
}

fn error_type(err: ProxyError) -> String {
    Diagnostic::from(err).error_type
}

#[tokio::test]
async fn an_allowed_remediation_is_invoked_by_its_configured_arn_and_qualifier() {
    let invoke = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| {
            let payload: Value = serde_json::from_slice(r.payload().unwrap().as_ref()).unwrap();
            r.function_name() == Some(ALLOWED.rsplit_once(':').unwrap().0)
                && r.qualifier() == Some("live")
                && payload["finding"]["Id"] == "f-1"
                && payload["dry_run"] == true
        })
        .then_output(|| {
            InvokeOutput::builder()
                .status_code(200)
                .payload(Blob::new(br#"{"action": "blocked"}"#.to_vec()))
                .build()
        });
    let deps = deps(&[&invoke], true);
    let out = handle(&deps, request("remediate-s3-public-access", "live"))
        .await
        .unwrap();
    assert_eq!(out["result"]["action"], "blocked");
    assert_eq!(out["remediation"], "remediate-s3-public-access:live");
    assert_eq!(invoke.num_calls(), 1);
}

#[tokio::test]
async fn anything_not_on_the_allowlist_invokes_nothing() {
    let invoke =
        mock!(aws_sdk_lambda::Client::invoke).then_output(|| InvokeOutput::builder().build());
    let deps = deps(&[&invoke], false);
    for (function, qualifier) in [
        ("remediate-s3-public-access", "$LATEST"),
        ("remediate-s3-public-access", "1"),
        ("delete-everything", "live"),
        (
            "arn:aws:lambda:eu-west-1:999999999999:function:remediate-s3-public-access",
            "live",
        ),
    ] {
        let err = handle(&deps, request(function, qualifier))
            .await
            .unwrap_err();
        assert_eq!(
            error_type(err),
            "RemediationNotAllowed",
            "{function}:{qualifier}"
        );
    }
    assert_eq!(invoke.num_calls(), 0);
}

#[tokio::test]
async fn bad_requests_invoke_nothing() {
    let invoke =
        mock!(aws_sdk_lambda::Client::invoke).then_output(|| InvokeOutput::builder().build());
    let deps = deps(&[&invoke], false);
    let allowed = request("remediate-s3-public-access", "live");
    let mut cases = Vec::new();
    for (pointer, value) in [
        ("/account_id", json!("1111-2222-3333")),
        ("/account_id", json!(111122223333u64)),
        ("/region", json!("eu-west-1; rm -rf /")),
        ("/finding", json!({"no": "id"})),
        ("/finding/Id", json!("x".repeat(7 * 1024 * 1024))),
    ] {
        let mut r = allowed.clone();
        *r.pointer_mut(pointer).unwrap() = value;
        cases.push(r);
    }
    let mut missing = allowed.clone();
    missing.as_object_mut().unwrap().remove("region");
    cases.push(missing);
    cases.push(json!("remediate"));
    for case in cases {
        let err = handle(&deps, case).await.unwrap_err();
        assert_eq!(error_type(err), "InvalidInput");
    }
    assert_eq!(invoke.num_calls(), 0);
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
    let deps = deps(&[&invoke], false);
    let err = handle(&deps, request("remediate-s3-public-access", "live"))
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
async fn lambda_throttling_is_retryable() {
    let invoke = mock!(aws_sdk_lambda::Client::invoke).then_error(|| {
        let meta = ErrorMetadata::builder()
            .code("TooManyRequestsException")
            .build();
        InvokeError::TooManyRequestsException(
            TooManyRequestsException::builder().meta(meta).build(),
        )
    });
    let deps = deps(&[&invoke], false);
    let err = handle(&deps, request("remediate-s3-public-access", "live"))
        .await
        .unwrap_err();
    assert_eq!(error_type(err), "Throttled");
}
