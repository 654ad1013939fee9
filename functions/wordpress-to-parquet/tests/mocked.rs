//! The handler against mocked AWS clients: S3 errors an emulator cannot produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;
use support::handle;

use aws_sdk_s3::operation::get_object::{GetObjectError, GetObjectOutput};
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::Object;
use aws_sdk_sns::operation::publish::PublishOutput;
use aws_sdk_ssm::operation::get_parameter::GetParameterOutput;
use aws_sdk_ssm::types::Parameter;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use serde_json::json;
use wordpress_to_parquet::convert::ROWS_PER_GROUP;
use wordpress_to_parquet::{Config, Deps};

fn deps(s3: aws_sdk_s3::Client) -> Deps {
    let ssm = mock!(aws_sdk_ssm::Client::get_parameter).then_output(|| {
        GetParameterOutput::builder()
            .parameter(Parameter::builder().value("name").build())
            .build()
    });
    let sns = mock!(aws_sdk_sns::Client::publish)
        .then_output(|| PublishOutput::builder().message_id("m").build());
    Deps {
        ssm: mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&ssm]),
        s3,
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&sns]),
        config: Config {
            raw_bucket_parameter: "/raw".into(),
            bronze_bucket_parameter: "/bronze".into(),
            topic_parameter: "/topic".into(),
        },
    }
}

/// The raw bucket's listing: these keys.
fn listing(keys: &'static [&'static str]) -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_s3::Client::list_objects_v2).then_output(move || {
        let objects = keys.iter().map(|k| Object::builder().key(*k).build());
        ListObjectsV2Output::builder()
            .set_contents(Some(objects.collect()))
            .build()
    })
}

#[tokio::test]
async fn a_read_error_fails_that_object_only() {
    let list = listing(&[
        "wordpress_api/posts/posts.json",
        "wordpress_api/tags/tags.json",
    ]);
    let denied = mock!(aws_sdk_s3::Client::get_object)
        .match_requests(|r| r.key() == Some("wordpress_api/posts/posts.json"))
        .then_error(|| {
            GetObjectError::generic(ErrorMetadata::builder().code("AccessDenied").build())
        });
    let tags = mock!(aws_sdk_s3::Client::get_object).then_output(|| {
        GetObjectOutput::builder()
            .body(ByteStream::from_static(br#"[{"id": 1, "name": "rust"}]"#))
            .build()
    });
    // The latest view of tags (by hand, only the latest views are converted), nothing of posts.
    let put = mock!(aws_sdk_s3::Client::put_object)
        .match_requests(|r| {
            r.key()
                .is_some_and(|k| k.starts_with("wordpress_api/tags/"))
        })
        .then_output(|| PutObjectOutput::builder().build());
    let s3 = mock_client!(
        aws_sdk_s3,
        RuleMode::MatchAny,
        [&list, &denied, &tags, &put]
    );
    let summary = handle(&deps(s3), json!({})).await.unwrap();
    assert_eq!(summary.summary, "1 Successful | 1 Failed | 0 Empty");
    assert!(
        summary.failures[0]
            .error
            .starts_with("access denied: S3 GetObject")
    );
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn input_that_is_not_an_object_is_refused_before_any_call() {
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, []);
    let err = handle(&deps(s3), json!(["wordpress_api"]))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput");
}

/// An object whose first row group does not show every column is read again, twice, and each
/// read asks for the version read first (`If-Match` its ETag): an object replaced in between
/// fails that file, and nothing of two versions is written.
#[tokio::test]
async fn an_object_replaced_between_the_passes_writes_nothing() {
    let list = listing(&["wordpress_api/posts/posts.json"]);
    let mut items: Vec<String> = (0..ROWS_PER_GROUP)
        .map(|i| format!(r#"{{"id": {i}}}"#))
        .collect();
    items.push(r#"{"id": 0, "late": 1}"#.into());
    let body = format!("[{}]", items.join(","));
    let first = mock!(aws_sdk_s3::Client::get_object)
        .match_requests(|r| r.if_match().is_none())
        .then_output(move || {
            GetObjectOutput::builder()
                .e_tag("\"v1\"")
                .body(ByteStream::from(body.clone().into_bytes()))
                .build()
        });
    let second = mock!(aws_sdk_s3::Client::get_object)
        .match_requests(|r| r.if_match() == Some("\"v1\""))
        .then_error(|| {
            GetObjectError::generic(ErrorMetadata::builder().code("PreconditionFailed").build())
        });
    let put =
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build());
    let s3 = mock_client!(
        aws_sdk_s3,
        RuleMode::MatchAny,
        [&list, &first, &second, &put]
    );
    let summary = handle(&deps(s3), json!({})).await.unwrap();
    assert_eq!(summary.summary, "0 Successful | 1 Failed | 0 Empty");
    assert!(
        summary.failures[0]
            .error
            .contains("changed while it was read"),
        "{summary:?}"
    );
    assert_eq!(
        (first.num_calls(), second.num_calls(), put.num_calls()),
        (1, 1, 0)
    );
}
