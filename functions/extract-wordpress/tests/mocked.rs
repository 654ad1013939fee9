//! The handler against mocked AWS clients and the fake WordPress site: S3 and SNS errors an
//! emulator cannot produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;
use support::handle;

use aws_sdk_s3::operation::copy_object::CopyObjectOutput;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::put_object::{PutObjectError, PutObjectOutput};
use aws_sdk_sns::operation::publish::{PublishError, PublishOutput};
use aws_sdk_ssm::operation::get_parameter::GetParameterOutput;
use aws_sdk_ssm::types::Parameter;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use extract_wordpress::{Config, Deps, http_client};
use serde_json::json;
use shared::address::Lookup;
use std::sync::{Arc, Mutex};
use testing::wordpress::{FakeWordPress, Site};

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
        "WORDPRESS_ALLOWED_NETWORKS" => Some("127.0.0.1/32".to_owned()),
        n if n.ends_with("_PARAMETER") && n != "AUTH_PARAMETER" => Some(format!("/p/{n}")),
        _ => None,
    };
    Config::from_vars(&vars).unwrap()
}

/// No earlier run: the state object does not exist.
fn no_state() -> Rule {
    mock!(aws_sdk_s3::Client::get_object).then_error(|| {
        GetObjectError::NoSuchKey(aws_sdk_s3::types::error::NoSuchKey::builder().build())
    })
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
        s3: mock_client!(
            aws_sdk_s3,
            RuleMode::MatchAny,
            [&no_state(), &put_slow_down()]
        ),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        http: http_client(&config, Lookup::System).unwrap(),
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

/// Without the last good run's size the run cannot be checked against it: nothing is written.
#[tokio::test]
async fn a_state_that_cannot_be_read_writes_nothing() {
    let site = FakeWordPress::start(&Site::default()).await.unwrap();
    let denied = mock!(aws_sdk_s3::Client::get_object).then_error(|| {
        GetObjectError::generic(ErrorMetadata::builder().code("AccessDenied").build())
    });
    let put =
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build());
    let publish =
        mock!(aws_sdk_sns::Client::publish).then_output(|| PublishOutput::builder().build());
    let config = config();
    let deps = Deps {
        ssm: ssm(site.endpoint("tags")),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&denied, &put]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        http: http_client(&config, Lookup::System).unwrap(),
        config,
    };
    let summary = handle(&deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "0 Successful | 1 Failed");
    assert!(
        summary.failures[0]
            .error
            .contains("the last good run cannot be read"),
        "{}",
        summary.failures[0].error
    );
    assert_eq!(put.num_calls(), 0, "nothing written");
    assert!(site.requests().is_empty(), "nothing fetched");
}

#[tokio::test]
async fn a_failure_that_cannot_be_notified_is_an_error() {
    let site = FakeWordPress::start(&Site::default()).await.unwrap();
    let publish = mock!(aws_sdk_sns::Client::publish).then_error(|| {
        PublishError::generic(ErrorMetadata::builder().code("AuthorizationError").build())
    });
    let put =
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build());
    let copy =
        mock!(aws_sdk_s3::Client::copy_object).then_output(|| CopyObjectOutput::builder().build());
    let config = config();
    let deps = Deps {
        ssm: ssm(format!(
            "{},{}",
            site.endpoint("tags"),
            site.endpoint("nothing")
        )),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&no_state(), &put, &copy]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        http: http_client(&config, Lookup::System).unwrap(),
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
        http: http_client(&config, Lookup::System).unwrap(),
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

/// `*_PROXY` in the environment is not used: in a child process whose `HTTP_PROXY`,
/// `HTTPS_PROXY` and `ALL_PROXY` point at a closed port, the extract still reaches the site.
#[test]
fn the_environments_proxy_is_not_used() {
    if std::env::var_os("EXTRACT_PROXY_CHILD").is_none() {
        let closed = "http://127.0.0.1:9";
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "the_environments_proxy_is_not_used",
                "--nocapture",
            ])
            .env("EXTRACT_PROXY_CHILD", "1")
            .envs(
                [
                    "HTTP_PROXY",
                    "HTTPS_PROXY",
                    "ALL_PROXY",
                    "http_proxy",
                    "https_proxy",
                    "all_proxy",
                ]
                .map(|k| (k, closed)),
            )
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .status()
            .unwrap();
        assert!(
            status.success(),
            "the child reached the site only through the proxy"
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let site = FakeWordPress::start(&Site::default()).await.unwrap();
        let config = config();
        let http = extract_wordpress::fetch::Http {
            client: http_client(&config, Lookup::System).unwrap(),
            auth: None,
        };
        let url = reqwest::Url::parse(&site.endpoint("tags")).unwrap();
        let mut pager = extract_wordpress::fetch::Pager::new(&http, &url, &config.limits);
        while pager.next_page().await.unwrap().is_some() {}
        assert_eq!(pager.items, 30);
    });
}
