//! Every sample under `events/search-crawl/` is accepted or refused as expected: searches as
//! invoked directly, and as the function URL hands them over.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::types::error::NoSuchKey;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use search_crawl::{Config, Deps, handle};
use serde_json::Value;
use std::time::Duration;

/// A function whose bucket has no index: a search that gets as far as S3 is answered "not found".
fn deps() -> Deps {
    let missing = mock!(aws_sdk_s3::Client::get_object)
        .then_error(|| GetObjectError::NoSuchKey(NoSuchKey::builder().build()));
    Deps::new(
        mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&missing]),
        Config {
            bucket: "web-crawls".into(),
            max_index_bytes: 1 << 20,
            refresh: Duration::from_secs(60),
        },
    )
}

fn sample(name: &str) -> Value {
    let path = testing::workspace_root()
        .join("events/search-crawl")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn every_sample_event_is_accepted_or_refused_as_expected() {
    // (sample, errorType, what the message says); a search that passes its checks reaches S3.
    let expected = [
        ("search.json", "NotFound", "crawl 'test-site' has no index"),
        (
            "search-run.json",
            "NotFound",
            "crawl 'test-site' has no indexed run 'manual-1'",
        ),
        (
            "url-search.json",
            "NotFound",
            "crawl 'test-site' has no index",
        ),
        ("bad-empty-query.json", "InvalidInput", "q is empty"),
        ("bad-crawl-name.json", "InvalidInput", "is not a crawl name"),
        ("bad-limit.json", "InvalidInput", "limit must be 1 to 50"),
        ("bad-url-no-query.json", "InvalidInput", "q is empty"),
    ];
    let folder = testing::workspace_root().join("events/search-crawl");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut listed: Vec<String> = expected.iter().map(|(n, ..)| n.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "every sample is listed here");
    let deps = deps();
    for (name, error_type, says) in expected {
        let event = sample(name);
        let through_url = event.get("requestContext").is_some();
        let (kind, message) = match handle(&deps, event).await {
            // The URL answers every request, with a status.
            Ok(response) if through_url => {
                let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
                let status = response["statusCode"].as_i64().unwrap();
                assert_eq!(
                    status,
                    if error_type == "NotFound" { 404 } else { 400 },
                    "{name}"
                );
                (
                    body["errorType"].as_str().unwrap().to_owned(),
                    body["message"].as_str().unwrap().to_owned(),
                )
            }
            Ok(answer) => panic!("{name}: {answer}"),
            Err(e) => (e.error_type().to_owned(), e.to_string()),
        };
        assert_eq!(kind, error_type, "{name}: {message}");
        assert!(message.contains(says), "{name}: {message}");
    }
}
