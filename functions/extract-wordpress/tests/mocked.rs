//! The handler against mocked AWS clients and the fake WordPress site: S3 and SNS errors an
//! emulator cannot produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_s3::operation::put_object::{PutObjectError, PutObjectOutput};
use aws_sdk_sns::operation::publish::{PublishError, PublishOutput};
use aws_sdk_ssm::operation::get_parameter::GetParameterOutput;
use aws_sdk_ssm::types::Parameter;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use extract_wordpress::{Config, Deps, http_client};
use serde_json::{Value, json};
use shared::lakehouse::ExtractSummary;
use std::sync::{Arc, Mutex};
use testing::wordpress::{FakeWordPress, Site};

/// The handler on a raw payload, as Lambda delivers it.
async fn handle(deps: &Deps, event: Value) -> shared::Result<ExtractSummary> {
    extract_wordpress::handle(deps, shared::input::parse(event)?).await
}

fn ssm(endpoints: String) -> aws_sdk_ssm::Client {
    let rule = mock!(aws_sdk_ssm::Client::get_parameter).then_output(move || {
        let value = endpoints.clone();
        GetParameterOutput::builder()
            .parameter(Parameter::builder().value(value).build())
            .build()
    });
    mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&rule])
}

fn config() -> Config {
    let vars = |n: &str| match n {
        "RETRY_BASE_MILLISECONDS" => Some("1".to_owned()),
        n if n.ends_with("_PARAMETER") => Some(format!("/p/{n}")),
        _ => None,
    };
    Config::from_vars(&vars).unwrap()
}

fn put_slow_down() -> Rule {
    mock!(aws_sdk_s3::Client::put_object).then_error(|| {
        PutObjectError::generic(
            ErrorMetadata::builder()
                .code("SlowDown")
                .message("Please reduce your request rate.")
                .build(),
        )
    })
}

#[tokio::test]
async fn an_s3_error_fails_that_endpoint_and_is_notified() {
    let site = FakeWordPress::start(&Site::default()).await.unwrap();
    let published = Arc::new(Mutex::new(Vec::new()));
    let seen = published.clone();
    let publish = mock!(aws_sdk_sns::Client::publish)
        .match_requests(move |r| {
            seen.lock()
                .unwrap()
                .push(r.message().unwrap_or_default().to_owned());
            true
        })
        .then_output(|| PublishOutput::builder().message_id("m").build());
    let config = config();
    let deps = Deps {
        ssm: ssm(site.endpoint("tags")),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&put_slow_down()]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        http: http_client(&config).unwrap(),
        config,
    };
    let summary = handle(&deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "0 Successful | 1 Failed");
    assert!(
        summary.failures[0]
            .error
            .starts_with("throttled: S3 PutObject"),
        "{:?}",
        summary.failures
    );
    let messages = published.lock().unwrap();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("SlowDown"), "{}", messages[0]);
}

#[tokio::test]
async fn a_failure_that_cannot_be_notified_is_an_error() {
    let site = FakeWordPress::start(&Site::default()).await.unwrap();
    let publish = mock!(aws_sdk_sns::Client::publish).then_error(|| {
        PublishError::generic(ErrorMetadata::builder().code("AuthorizationError").build())
    });
    let put =
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build());
    let config = config();
    let deps = Deps {
        ssm: ssm(format!(
            "{},{}",
            site.endpoint("tags"),
            site.endpoint("nothing")
        )),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&put]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        http: http_client(&config).unwrap(),
        config,
    };
    let err = handle(&deps, json!({})).await.unwrap_err();
    assert_eq!(err.error_type(), "AccessDenied");
}

#[tokio::test]
async fn input_that_is_not_an_object_is_refused_before_any_call() {
    let config = config();
    let deps = Deps {
        ssm: mock_client!(aws_sdk_ssm, RuleMode::MatchAny, []),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, []),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, []),
        http: http_client(&config).unwrap(),
        config,
    };
    // Events meant for other functions are refused too, not taken as "run now".
    let s3_event =
        json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}]});
    let finding = json!({"detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub", "detail": {"findings": []}});
    for input in [json!("run"), json!([1]), json!(3), s3_event, finding] {
        let err = handle(&deps, input).await.unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput");
    }
}
