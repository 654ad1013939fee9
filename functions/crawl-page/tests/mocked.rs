//! What moto cannot produce: S3 throttling, failing, or denying access. Each must become the
//! right error type, never a silent success.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_s3::Client;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use crawl_page::crawl::{Crawl, CrawlRequest};
use crawl_page::state::frontier::Frontier;
use crawl_page::state::progress::Progress;
use crawl_page::state::queue::HostQueue;
use crawl_page::state::store::S3Store;
use crawl_page::{Config, Deps};
use serde_json::{Value, json};
use url::Url;

/// The handler on a raw payload, as Lambda delivers it.
async fn handle(deps: &Deps, event: Value) -> shared::Result<Value> {
    crawl_page::handle(
        deps,
        shared::input::parse(event)?,
        std::time::Instant::now(),
    )
    .await
    .map(|response| serde_json::to_value(response).unwrap())
}

fn crawl() -> Crawl {
    let request: CrawlRequest = serde_json::from_value(json!({
        "name": "mocked", "base_url": "https://example.com/", "start_paths": ["/"],
    }))
    .unwrap();
    request.validate("mocked-1").unwrap()
}

fn s3_error(code: &str) -> Option<String> {
    Some(format!(
        "<Error><Code>{code}</Code><Message>{code}</Message></Error>"
    ))
}

/// A GetObject rule answering `body` for every key.
fn object(body: Vec<u8>) -> aws_smithy_mocks::Rule {
    mock!(Client::get_object).then_output(move || {
        GetObjectOutput::builder()
            .body(ByteStream::from(body.clone()))
            .build()
    })
}

/// S3 answering every PutObject with `status`.
fn client_answering_put(status: u16, code: &str) -> Client {
    let put = mock!(Client::put_object)
        .sequence()
        .http_status(status, s3_error(code))
        // The SDK retries 5xx itself: every attempt gets the same answer.
        .repeatedly()
        .build();
    mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&put])
}

/// Stores a host's queue on an S3 answering `status`.
async fn store_queue_with(status: u16, code: &str) -> shared::Result<()> {
    let s3 = client_answering_put(status, code);
    let crawl = crawl();
    let store = S3Store::new(s3, "bucket");
    let frontier = Frontier::new(&store, &crawl);
    let mut queue = HostQueue::default();
    queue.offer(&Url::parse("https://example.com/a").unwrap(), 0);
    frontier.put_queue(0, "0000000", &queue).await
}

#[tokio::test]
async fn throttling_and_server_errors_are_retryable_and_denial_is_not() {
    let slow = store_queue_with(503, "SlowDown").await.unwrap_err();
    assert_eq!(slow.error_type(), "Throttled", "{slow}");
    let internal = store_queue_with(500, "InternalError").await.unwrap_err();
    assert_eq!(internal.error_type(), "TransientError", "{internal}");
    let denied = store_queue_with(403, "AccessDenied").await.unwrap_err();
    assert_eq!(denied.error_type(), "AccessDenied", "{denied}");
}

#[tokio::test]
async fn a_throttled_inbox_listing_fails_the_step_as_throttled() {
    let rule = mock!(Client::list_objects_v2)
        .sequence()
        .http_status(503, s3_error("SlowDown"))
        .repeatedly()
        .build();
    let body = serde_json::to_vec(&crawl()).unwrap();
    let stored = mock!(Client::get_object)
        .match_requests(|r| r.key().is_some_and(|k| k.ends_with("crawl.json")))
        .then_output(move || {
            GetObjectOutput::builder()
                .body(ByteStream::from(body.clone()))
                .build()
        });
    let progress = object(serde_json::to_vec(&Progress::new("mocked-1", [(0, 1)].into())).unwrap());
    let deps = Deps {
        store: Box::new(S3Store::new(
            mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&rule, &stored, &progress]),
            "bucket",
        )),
        config: Config {
            bucket: "bucket".into(),
            user_agent: "Test/1.0".into(),
            allowed_networks: Vec::new(),
            allowed_ports: vec![443],
            batch_size: 1_000,
            map_max_concurrency: 100,
            map_tolerated_failure_percentage: 5.0,
        },
        lookup: Default::default(),
        crawls: Default::default(),
    };
    let event = json!({"action": "next", "name": "mocked", "run_id": "mocked-1",
                       "execution": "mocked-1", "batch": null, "results": []});
    let err = handle(&deps, event).await.unwrap_err();
    assert_eq!(err.error_type(), "Throttled", "{err}");
}
