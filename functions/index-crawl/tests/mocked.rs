//! What S3 answers that the indexer must not take for a run to index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::types::error::NoSuchKey;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use index_crawl::{Config, Deps, Request, handle};
use shared::Error;

#[tokio::test]
async fn a_run_that_has_not_finished_is_not_indexed() {
    let missing = mock!(aws_sdk_s3::Client::get_object)
        .then_error(|| GetObjectError::NoSuchKey(NoSuchKey::builder().build()));
    let put =
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build());
    let deps = Deps {
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&missing, &put]),
        config: Config {
            bucket: "web-crawls".into(),
            kendra: false,
        },
    };
    let request = Request {
        name: "docs".into(),
        run_id: "still-running".into(),
    };
    match handle(&deps, request).await {
        Err(Error::NotFound(message)) => {
            assert!(
                message.contains("no finished run 'still-running'"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(put.num_calls(), 0, "nothing written");
}
