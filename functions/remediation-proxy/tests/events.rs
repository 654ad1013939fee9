//! Every sample under `events/remediation-proxy/` invokes the remediation or is refused without
//! invoking anything, as expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use lambda_runtime::Diagnostic;
use remediation_proxy::{Config, Deps, ProxyError};
use serde_json::Value;

/// The handler on a raw payload, as Lambda delivers it, with its JSON answer.
async fn handle(deps: &Deps, event: Value) -> Result<Value, ProxyError> {
    let out = remediation_proxy::handle(deps, shared::input::parse(event)?).await?;
    Ok(serde_json::to_value(out).unwrap())
}

#[tokio::test]
async fn every_sample_event_is_invoked_or_refused_as_expected() {
    // Ok: invoked. Err: refused with this errorType, nothing invoked.
    let expected: &[(&str, Result<(), &str>)] = &[
        ("remediate-s3-finding.json", Ok(())),
        ("remediate-s3-finding-dry-run.json", Ok(())),
        ("bad-not-allowlisted.json", Err("RemediationNotAllowed")),
        ("bad-account-id.json", Err("InvalidInput")),
        ("bad-missing-finding.json", Err("InvalidInput")),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in testing::sample_events("remediation-proxy", &names) {
        let invoke = mock!(aws_sdk_lambda::Client::invoke).then_output(|| {
            InvokeOutput::builder()
                .status_code(200)
                .payload(Blob::new(br#"{"action": "blocked"}"#.to_vec()))
                .build()
        });
        let vars = |n: &str| {
            (n == "ALLOWED_REMEDIATIONS").then(|| "remediate-s3-public-access:live".to_owned())
        };
        let deps = Deps {
            lambda: mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&invoke]),
            config: Config::from_vars(&vars).unwrap(),
        };
        let want = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
        match (handle(&deps, event).await, want) {
            (Ok(_), Ok(())) => assert_eq!(invoke.num_calls(), 1, "{name}"),
            (Err(e), Err(error_type)) => {
                assert_eq!(Diagnostic::from(e).error_type, *error_type, "{name}");
                assert_eq!(invoke.num_calls(), 0, "{name}");
            }
            (got, _) => panic!("{name}: unexpected {got:?}"),
        }
    }
}
