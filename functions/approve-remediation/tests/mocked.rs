//! Every sample under `events/approve-remediation/`, against a mocked Step Functions: an approval
//! sends `SendTaskSuccess` naming the signer, a rejection `SendTaskFailure` with error
//! `Rejected`, and a request that is not signed by an IAM principal, or whose body is not an
//! answer, sends nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use approve_remediation::{Deps, handle};
use aws_sdk_sfn::error::ErrorMetadata;
use aws_sdk_sfn::operation::send_task_failure::SendTaskFailureOutput;
use aws_sdk_sfn::operation::send_task_success::{SendTaskSuccessError, SendTaskSuccessOutput};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde_json::Value;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

fn deps(rules: &[&Rule]) -> Deps {
    Deps {
        sfn: mock_client!(aws_sdk_sfn, RuleMode::MatchAny, rules),
    }
}

async fn answer(deps: &Deps, sample: &Value) -> (i64, Value) {
    let response = handle(deps, serde_json::from_value(sample.clone()).unwrap()).await;
    let body = serde_json::from_str(response.body.as_deref().unwrap()).unwrap();
    (response.status_code, body)
}

#[tokio::test]
async fn every_sample_is_answered_as_expected() {
    let success = mock!(aws_sdk_sfn::Client::send_task_success)
        .match_requests(|r| {
            let output: Value = serde_json::from_str(r.output().unwrap()).unwrap();
            r.task_token()
                .is_some_and(|t| t.ends_with("example-task-token"))
                && output["approved_by"] == ALICE
                && output["reason"] == "change ticket CHG-1234"
        })
        .then_output(|| SendTaskSuccessOutput::builder().build());
    let failure = mock!(aws_sdk_sfn::Client::send_task_failure)
        .match_requests(|r| {
            r.error() == Some("Rejected")
                && r.cause().is_some_and(|c| {
                    c == format!("rejected by {ALICE}: the bucket serves the public website")
                })
        })
        .then_output(|| SendTaskFailureOutput::builder().build());
    let deps = deps(&[&success, &failure]);
    let expected: &[(&str, i64, &str)] = &[
        ("approve.json", 200, "approve"),
        ("reject.json", 200, "reject"),
        ("bad-not-signed.json", 403, "not signed by an IAM principal"),
        ("bad-decision.json", 400, "unknown variant `maybe`"),
        ("bad-no-token.json", 400, "missing field `task_token`"),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _, _)| *n).collect();
    for (name, sample) in testing::sample_events("approve-remediation", &names) {
        let (_, status, text) = expected.iter().find(|(n, _, _)| *n == name).unwrap();
        let (got, body) = answer(&deps, &sample).await;
        assert_eq!(got, *status, "{name}: {body}");
        if *status == 200 {
            assert_eq!(body["decision"], *text, "{name}");
            assert_eq!(body["by"], ALICE, "{name}");
        } else {
            assert!(
                body["message"].as_str().unwrap().contains(text),
                "{name}: {body}"
            );
        }
    }
    assert_eq!((success.num_calls(), failure.num_calls()), (1, 1));
}

#[tokio::test]
async fn an_answer_to_a_task_that_no_longer_waits_is_gone() {
    let timed_out = mock!(aws_sdk_sfn::Client::send_task_success).then_error(|| {
        SendTaskSuccessError::generic(ErrorMetadata::builder().code("TaskTimedOut").build())
    });
    let deps = deps(&[&timed_out]);
    let sample = &testing::sample_events(
        "approve-remediation",
        &[
            "approve.json",
            "bad-decision.json",
            "bad-no-token.json",
            "bad-not-signed.json",
            "reject.json",
        ],
    )["approve.json"];
    let (status, body) = answer(&deps, sample).await;
    assert_eq!(status, 410, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no remediation waits for this answer")
    );
}
