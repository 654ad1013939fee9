//! Where the crawl keeps its objects. Deployed, that is S3 ([`S3Store`]); the benchmark runs the
//! same steps over a folder on disk, so it measures the code that ships, not a copy of its loop.
//! The steps ask for only what both can do: read, write, copy, delete, and list in key order.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
use aws_sdk_s3::operation::list_objects_v2::builders::ListObjectsV2FluentBuilder;
use futures_util::future::BoxFuture;
use shared::upload::{PART_BYTES, Upload};
use shared::{Error, Result};

pub trait Store: Send + Sync {
    /// `s3://bucket/key`, or the key's place wherever the store keeps it.
    fn uri(&self, key: &str) -> String;

    /// The object; `None` when there is none.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>>>;

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        content_type: &'a str,
    ) -> BoxFuture<'a, Result<()>>;

    fn copy<'a>(&'a self, from: &'a str, to: &'a str) -> BoxFuture<'a, Result<()>>;

    /// Removes the object, whether or not it exists.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>>;

    /// Up to `limit` keys under `prefix`, in key order.
    fn list<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<String>>>;

    /// The names of the folders right under `prefix` (keys cut at the next `/`), in order.
    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>>>;
}

/// A bucket.
pub struct S3Store {
    s3: Client,
    bucket: String,
}

impl S3Store {
    pub fn new(s3: Client, bucket: impl Into<String>) -> Self {
        S3Store {
            s3,
            bucket: bucket.into(),
        }
    }
}

impl S3Store {
    fn listing(&self, prefix: &str) -> ListObjectsV2FluentBuilder {
        self.s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
    }

    fn listing_failed(&self, prefix: &str, e: SdkError<ListObjectsV2Error>) -> Error {
        Error::from_sdk(format!("S3 ListObjectsV2 s3://{}/{prefix}", self.bucket), e)
    }
}

impl Store for S3Store {
    fn uri(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            match shared::s3::get_object(&self.s3, &self.bucket, key).await {
                Ok(body) => Ok(Some(body)),
                Err(Error::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    /// In one PUT, or past one part's size as a multipart upload, which copies one part at a
    /// time (one PUT of a 50 MB page held three copies of it).
    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        content_type: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if body.len() <= PART_BYTES {
                return shared::s3::put_object(&self.s3, &self.bucket, key, body, content_type)
                    .await;
            }
            let mut upload = Upload::new(&self.s3, &self.bucket, key, content_type);
            if let Err(e) = upload.write(&body).await {
                upload.abort().await;
                return Err(e);
            }
            drop(body);
            upload.finish().await.map(drop)
        })
    }

    fn copy<'a>(&'a self, from: &'a str, to: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(shared::s3::copy_object(&self.s3, &self.bucket, from, to))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.s3
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| {
                    Error::from_sdk(format!("S3 DeleteObject s3://{}/{key}", self.bucket), e)
                })?;
            Ok(())
        })
    }

    fn list<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let mut pages = self
                .listing(prefix)
                .max_keys(i32::try_from(limit.min(1000)).unwrap_or(1000))
                .into_paginator()
                .send();
            let mut keys = Vec::new();
            while keys.len() < limit {
                let Some(page) = pages.next().await else {
                    break;
                };
                let page = page.map_err(|e| self.listing_failed(prefix, e))?;
                keys.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_owned)),
                );
            }
            keys.truncate(limit);
            Ok(keys)
        })
    }

    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let mut pages = self.listing(prefix).delimiter("/").into_paginator().send();
            let mut folders = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.listing_failed(prefix, e))?;
                folders.extend(page.common_prefixes().iter().filter_map(|p| {
                    let name = p.prefix()?.strip_prefix(prefix)?.trim_end_matches('/');
                    Some(name.to_owned())
                }));
            }
            Ok(folders)
        })
    }
}
