//! Property tests of the proxy against a mocked Lambda client: arbitrary JSON and mutated
//! requests never panic it, and it invokes a remediation only when the request names one on the
//! allowlist (by name or ARN, with its qualifier), and then only that one. Arbitrary allowlists
//! are parsed or refused. `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use proptest::prelude::*;
use remediation_proxy::{Config, Deps, ProxyError, allowlist};
use serde_json::Value;
use testing::arbitrary;

/// The handler on a raw payload, as Lambda delivers it, with its JSON answer.
async fn handle(deps: &Deps, event: Value) -> Result<Value, ProxyError> {
    let out = remediation_proxy::handle(deps, shared::input::parse(event)?).await?;
    Ok(serde_json::to_value(out).unwrap())
}

const FUNCTION: &str = "arn:aws:lambda:eu-west-1:111122223333:function:remediate-s3-public-access";

const WORDS: &[&str] = &[
    "remediation",
    "function",
    "qualifier",
    "remediate-s3-public-access",
    FUNCTION,
    "live",
    "$LATEST",
    "1",
    "account_id",
    "111122223333",
    "region",
    "eu-west-1",
    "finding",
    "dry_run",
    "Id",
    "Resources",
];

/// How many times the proxy invoked a remediation for `event`, and whether the request named
/// the allowlisted one.
fn invocations(event: Value) -> (usize, bool) {
    let named = |v: &Value| {
        let function = v.pointer("/remediation/function").and_then(Value::as_str);
        let qualifier = v.pointer("/remediation/qualifier").and_then(Value::as_str);
        matches!(
            function,
            Some("remediate-s3-public-access") | Some(FUNCTION)
        ) && qualifier == Some("live")
    };
    let allowed = named(&event);
    let invoke = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| r.function_name() == Some(FUNCTION) && r.qualifier() == Some("live"))
        .then_output(|| {
            InvokeOutput::builder()
                .status_code(200)
                .payload(Blob::new(br#"{"action": "blocked"}"#.to_vec()))
                .build()
        });
    let any_other = mock!(aws_sdk_lambda::Client::invoke)
        .then_output(|| InvokeOutput::builder().status_code(200).build());
    let vars = |n: &str| (n == "ALLOWED_REMEDIATIONS").then(|| format!("{FUNCTION}:live"));
    let deps = Deps {
        lambda: mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&invoke, &any_other]),
        config: Config::from_vars(&vars).unwrap(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _ = runtime.block_on(handle(&deps, event));
    assert_eq!(
        any_other.num_calls(),
        0,
        "invoked something not on the allowlist"
    );
    (invoke.num_calls(), allowed)
}

proptest! {
    #[test]
    fn any_json_invokes_nothing_unless_allowlisted(event in arbitrary::json(WORDS)) {
        let (calls, allowed) = invocations(event);
        prop_assert!(calls <= usize::from(allowed));
    }

    #[test]
    fn mutated_requests_invoke_only_the_allowlisted_remediation(
        event in arbitrary::mutated(arbitrary::samples("remediation-proxy"), WORDS)
    ) {
        let (calls, allowed) = invocations(event);
        prop_assert!(calls <= usize::from(allowed));
    }

    #[test]
    fn allowlists_are_parsed_or_refused(text in "[a-z0-9:,$ -]{0,60}") {
        if let Ok(entries) = allowlist::parse(&text) {
            prop_assert!(!entries.is_empty());
            for e in entries {
                prop_assert!(!e.function.is_empty() && !e.qualifier.is_empty());
                prop_assert!(!e.function.ends_with(":function"));
            }
        }
    }
}
