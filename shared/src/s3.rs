//! S3 object helpers: whole-object put, get and copy, a streaming get, and a paginated listing.

use crate::{Error, Result};
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;

/// Writes one object in a single PUT, so readers see all of it or nothing.
pub async fn put_object(
    client: &Client,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> Result<()> {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(body))
        .send()
        .await
        .map_err(|e| Error::from_sdk(format!("S3 PutObject s3://{bucket}/{key}"), e))?;
    Ok(())
}

/// Copies an object within a bucket, server-side (up to 5 GB, S3's limit for one copy).
pub async fn copy_object(client: &Client, bucket: &str, from: &str, to: &str) -> Result<()> {
    client
        .copy_object()
        .bucket(bucket)
        .copy_source(format!("{bucket}/{}", percent_encoded(from)))
        .key(to)
        .send()
        .await
        .map_err(|e| Error::from_sdk(format!("S3 CopyObject s3://{bucket}/{from} to {to}"), e))?;
    Ok(())
}

/// A key as `x-amz-copy-source` takes it: URL-encoded, `/` kept.
fn percent_encoded(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An object's body as a stream, and its ETag. With `if_match` (an ETag from an earlier read)
/// the object must still be that one: one that changed since is a `Transient` error, so a
/// reader that reads an object twice never mixes two versions. A missing key is `NotFound`.
pub async fn get_object_stream(
    client: &Client,
    bucket: &str,
    key: &str,
    if_match: Option<&str>,
) -> Result<(ByteStream, Option<String>)> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_if_match(if_match.map(str::to_owned))
        .send()
        .await
        .map_err(|e| {
            use aws_sdk_s3::error::ProvideErrorMetadata;
            if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                Error::NotFound(format!("s3://{bucket}/{key} does not exist"))
            } else if e.code() == Some("PreconditionFailed") {
                Error::Transient(format!(
                    "s3://{bucket}/{key} changed while it was read; read it again"
                ))
            } else {
                Error::from_sdk(format!("S3 GetObject s3://{bucket}/{key}"), e)
            }
        })?;
    Ok((out.body, out.e_tag))
}

/// Reads a whole object. A missing key is `NotFound`.
pub async fn get_object(client: &Client, bucket: &str, key: &str) -> Result<Vec<u8>> {
    let (body, _) = get_object_stream(client, bucket, key, None).await?;
    let body = body
        .collect()
        .await
        .map_err(|e| Error::Transient(format!("reading s3://{bucket}/{key}: {e}")))?;
    // Moves the buffer out rather than copying it: raw objects can be large.
    Ok(Vec::from(body.into_bytes()))
}

/// Every key under `prefix`, across all pages.
pub async fn list_keys(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<String>> {
    Ok(list_objects(client, bucket, prefix)
        .await?
        .into_iter()
        .map(|o| o.key)
        .collect())
}

/// An object as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    /// Changes when the bytes do: an object copied unchanged keeps it.
    pub e_tag: String,
    pub size: u64,
}

/// Every object under `prefix`, across all pages, in key order.
pub async fn list_objects(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<Listed>> {
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    let mut objects = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(|e| Error::from_sdk(format!("S3 ListObjectsV2 s3://{bucket}/{prefix}"), e))?;
        objects.extend(page.contents().iter().filter_map(|o| {
            Some(Listed {
                key: o.key()?.to_owned(),
                e_tag: o.e_tag().unwrap_or_default().to_owned(),
                size: o.size().unwrap_or_default().try_into().unwrap_or_default(),
            })
        }));
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::get_object::{GetObjectError, GetObjectOutput};
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
    use aws_sdk_s3::types::Object;
    use aws_sdk_s3::types::error::NoSuchKey;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    #[tokio::test]
    async fn list_follows_continuation_tokens() {
        let first = mock!(Client::list_objects_v2)
            .match_requests(|r| r.continuation_token().is_none())
            .then_output(|| {
                ListObjectsV2Output::builder()
                    .contents(Object::builder().key("p/a.json").build())
                    .is_truncated(true)
                    .next_continuation_token("t1")
                    .build()
            });
        let second = mock!(Client::list_objects_v2)
            .match_requests(|r| r.continuation_token() == Some("t1"))
            .then_output(|| {
                ListObjectsV2Output::builder()
                    .contents(Object::builder().key("p/b.json").build())
                    .is_truncated(false)
                    .build()
            });
        let client = mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&first, &second]);
        let keys = list_keys(&client, "bucket", "p/").await.unwrap();
        assert_eq!(keys, ["p/a.json", "p/b.json"]);
    }

    #[test]
    fn copy_sources_are_url_encoded() {
        assert_eq!(
            percent_encoded("wordpress_api/posts/dt=2026-12-06/posts json"),
            "wordpress_api/posts/dt%3D2026-12-06/posts%20json"
        );
    }

    #[tokio::test]
    async fn missing_key_is_not_found() {
        let rule = mock!(Client::get_object)
            .then_error(|| GetObjectError::NoSuchKey(NoSuchKey::builder().build()));
        let client = mock_client!(aws_sdk_s3, [&rule]);
        let err = get_object(&client, "b", "k").await.unwrap_err();
        assert_eq!(err, Error::NotFound("s3://b/k does not exist".into()));
    }

    #[tokio::test]
    async fn get_returns_the_body() {
        let rule = mock!(Client::get_object).then_output(|| {
            GetObjectOutput::builder()
                .body(ByteStream::from_static(b"[1,2]"))
                .build()
        });
        let client = mock_client!(aws_sdk_s3, [&rule]);
        assert_eq!(get_object(&client, "b", "k").await.unwrap(), b"[1,2]");
    }
}
