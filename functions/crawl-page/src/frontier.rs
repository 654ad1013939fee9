//! The crawl's durable state in S3. Two workers that find the same URL at the same moment both
//! try to create its `seen/` marker with `If-None-Match: *`; S3 lets exactly one succeed, and only
//! that one queues the URL. The queue is one object per URL under `queue/<depth>/`, so a
//! listing returns the shallowest pages first (breadth first) and survives any crash: an entry
//! is deleted only after its page is stored.
//!
//! ```text
//! frontier/<name>/<run>/seen/<hash>            the URL; exists once the URL was found
//! frontier/<name>/<run>/queue/<depth>/<hash>   {url, depth, attempts}; exists until crawled
//! crawls/<name>/<run>/crawl.json               the crawl as started
//! crawls/<name>/<run>/robots.txt               as fetched at the start
//! crawls/<name>/<run>/pages/<hash>.json        what happened to the URL
//! crawls/<name>/<run>/pages/<hash>.html        the page itself, for HTML pages
//! crawls/<name>/<run>/summary.json             the counts, when the crawl ends
//! ```

use crate::crawl::Crawl;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::{Error, Result};
use url::Url;

/// A queued URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub url: Url,
    pub depth: u32,
    /// Attempts already made: 429, 5xx and silence put the URL back with one more.
    #[serde(default)]
    pub attempts: u32,
}

/// The crawl's S3 objects.
pub struct Frontier<'a> {
    pub s3: &'a Client,
    pub bucket: &'a str,
    frontier: String,
    output: String,
}

/// 128 bits of SHA-256 of the normalised URL, in hex: fixed length, safe in a key, and no
/// collision in any crawl's lifetime.
pub fn url_hash(url: &Url) -> String {
    hex::encode(&Sha256::digest(url.as_str().as_bytes())[..16])
}

impl<'a> Frontier<'a> {
    pub fn new(s3: &'a Client, bucket: &'a str, crawl: &Crawl) -> Self {
        Frontier {
            s3,
            bucket,
            frontier: crawl.frontier_prefix(),
            output: crawl.output_prefix(),
        }
    }

    pub fn queue_prefix(&self) -> String {
        format!("{}queue/", self.frontier)
    }

    pub fn queue_key(&self, entry: &Entry) -> String {
        format!(
            "{}{:04}/{}",
            self.queue_prefix(),
            entry.depth,
            url_hash(&entry.url)
        )
    }

    pub fn page_key(&self, url: &Url, extension: &str) -> String {
        format!("{}pages/{}.{extension}", self.output, url_hash(url))
    }

    pub fn output_key(&self, name: &str) -> String {
        format!("{}{name}", self.output)
    }

    /// Marks `url` as found. `true` for exactly one caller per URL, however many race.
    pub async fn claim(&self, url: &Url) -> Result<bool> {
        let key = format!("{}seen/{}", self.frontier, url_hash(url));
        let result = self
            .s3
            .put_object()
            .bucket(self.bucket)
            .key(&key)
            .if_none_match("*")
            .content_type("text/plain")
            .body(ByteStream::from(url.as_str().as_bytes().to_vec()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            // 412: another writer created it first.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => Ok(false),
            Err(e) => Err(Error::from_sdk(
                format!("S3 PutObject s3://{}/{key}", self.bucket),
                e,
            )),
        }
    }

    /// Queues (or re-queues, with its new attempt count) an entry.
    pub async fn enqueue(&self, entry: &Entry) -> Result<()> {
        self.put_json(&self.queue_key(entry), entry).await
    }

    /// Up to `limit` queued keys, shallowest first.
    pub async fn next_keys(&self, limit: usize) -> Result<Vec<String>> {
        let prefix = self.queue_prefix();
        let out = self
            .s3
            .list_objects_v2()
            .bucket(self.bucket)
            .prefix(&prefix)
            .max_keys(i32::try_from(limit.min(1000)).unwrap_or(1000))
            .send()
            .await
            .map_err(|e| {
                Error::from_sdk(format!("S3 ListObjectsV2 s3://{}/{prefix}", self.bucket), e)
            })?;
        Ok(out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect())
    }

    /// The entry behind a queue key; `None` when it is gone (its page was already done).
    pub async fn entry(&self, key: &str) -> Result<Option<Entry>> {
        if !key.starts_with(&self.queue_prefix()) {
            return Err(Error::InvalidInput(format!(
                "'{key}' is not a key of this crawl's queue ({})",
                self.queue_prefix()
            )));
        }
        match shared::s3::get_object(self.s3, self.bucket, key).await {
            Ok(body) => serde_json::from_slice(&body).map(Some).map_err(|e| {
                Error::InvalidInput(format!(
                    "s3://{}/{key} is not a queue entry: {e}",
                    self.bucket
                ))
            }),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn dequeue(&self, entry: &Entry) -> Result<()> {
        let key = self.queue_key(entry);
        self.s3
            .delete_object()
            .bucket(self.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| {
                Error::from_sdk(format!("S3 DeleteObject s3://{}/{key}", self.bucket), e)
            })?;
        Ok(())
    }

    pub async fn put_json(&self, key: &str, value: &impl Serialize) -> Result<()> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::Internal(format!("cannot serialise {key}: {e}")))?;
        shared::s3::put_object(self.s3, self.bucket, key, body, "application/json").await
    }
}
