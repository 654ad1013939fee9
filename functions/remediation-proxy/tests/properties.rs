//! Property tests of the proxy against mocked Lambda and Security Hub clients: arbitrary JSON and
//! mutated requests never panic it, and it invokes a remediation only when the request names
//! one on the allowlist (by name or ARN, with its qualifier) for exactly the finding Security
//! Hub returns, and then only that one. Arbitrary allowlists are parsed or refused.
//! `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_smithy_mocks::mock;
use proptest::prelude::*;
use remediation_proxy::allowlist;
use serde_json::Value;
use support::{
    BUCKET_ARN, FINDING_ID, FUNCTION, PRODUCT_ARN, blocked, deps, finding, get_findings, handle,
};
use testing::arbitrary;

const WORDS: &[&str] = &[
    "remediation",
    "function",
    "qualifier",
    "remediate-finding",
    FUNCTION,
    "live",
    "$LATEST",
    "1",
    "finding_id",
    FINDING_ID,
    "product_arn",
    PRODUCT_ARN,
    "control_id",
    "S3.8",
    "account_id",
    "111122223333",
    "region",
    "eu-west-1",
    "resource",
    "type",
    "id",
    "AwsS3Bucket",
    BUCKET_ARN,
    "dry_run",
];

/// How many times the proxy invoked a remediation for `event`, and whether the request named
/// the allowlisted one for the finding Security Hub holds.
fn invocations(event: Value) -> (usize, bool) {
    let text = |p: &str| event.pointer(p).and_then(Value::as_str);
    let allowed = matches!(
        text("/remediation/function"),
        Some("remediate-finding") | Some(FUNCTION)
    ) && text("/remediation/qualifier") == Some("live")
        && text("/finding_id") == Some(FINDING_ID)
        && text("/resource/id") == Some(BUCKET_ARN);
    let invoke = blocked();
    let any_other = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| r.function_name() != Some(FUNCTION) || r.qualifier() != Some("live"))
        .then_output(|| InvokeOutput::builder().status_code(200).build());
    let hub = get_findings(vec![finding()]);
    let deps = deps(&[&any_other, &invoke], &[&hub], false, "");
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
