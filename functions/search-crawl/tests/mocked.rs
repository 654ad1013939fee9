//! An index the function must not load.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use search_crawl::query::Query;
use search_crawl::{Config, Deps, search};
use shared::Error;
use std::time::Duration;

#[tokio::test]
async fn an_index_over_the_limit_is_refused_naming_both_sizes() {
    let manifest = serde_json::json!({
        "name": "docs", "run_id": "run-1", "finished_at": "2026-12-07T00:00:00Z",
        "built_at": "2026-12-07T00:01:00Z", "pages": 100000, "extracted": 100000, "reused": 0,
        "html_bytes": 4000000000u64, "index_bytes": 2097152,
        "files": [{"name": "meta.json", "bytes": 1024}, {"name": "0a.store", "bytes": 2096128}]
    });
    let get = mock!(aws_sdk_s3::Client::get_object).then_output(move || {
        GetObjectOutput::builder()
            .body(ByteStream::from(manifest.to_string().into_bytes()))
            .build()
    });
    let deps = Deps::new(
        mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&get]),
        Config {
            bucket: "web-crawls".into(),
            max_index_bytes: 1_048_576,
            refresh: Duration::from_secs(60),
        },
    );
    let query = Query {
        q: "tea".into(),
        crawl: "docs".into(),
        limit: None,
        run_id: None,
    };
    match search(&deps, query).await {
        Err(Error::Configuration(message)) => {
            assert!(message.contains("is 2097152 bytes"), "{message}");
            assert!(
                message.contains("SEARCH_MAX_INDEX_BYTES, 1048576 bytes"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get.num_calls(), 1, "only the manifest was read");
}
