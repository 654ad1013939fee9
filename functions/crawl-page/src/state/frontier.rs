//! The crawl's durable state in S3, and the only code that reads or writes it. Each host has
//! one writer at a time: its worker during its turn, or `next` between batches for a worker
//! that failed. That writer keeps the host's queue and every URL the host has queued in one
//! object (`state::queue`), written once per turn as a new version; the host's state, written
//! after it, names the version that counts, so a worker that dies mid-turn leaves the last
//! version as it was, and its retry starts from there. A link to another host goes to that
//! host's inbox, which its worker takes in against its own set, so a URL is queued once with
//! no conditional PUT per link. Pages are written as they are crawled, and the turn's records
//! with its end, one object for all of them.
//!
//! ```text
//! frontier/<name>/<run>/hosts/<site>.json                   the host's pace, its worker's counts, its queue's version
//! frontier/<name>/<run>/queues/<site>/<version>.bin          the host's queue and the URLs it has seen
//! frontier/<name>/<run>/inbox/<site>/<batch>-<from>.json     links to the host found on another host's pages
//! frontier/<name>/<run>/batches/<batch>.json                 the batch's sites, the Map's items
//! frontier/<name>/<run>/batches/<batch>/<site>.json          how many pages the batch gives that site's worker
//! frontier/<name>/<run>/progress.json                        the totals and counters (`next` writes it)
//! crawls/<name>/<run>/crawl.json                             the crawl as started
//! crawls/<name>/<run>/robots/<site>.txt                      as its host's first worker fetched it
//! crawls/<name>/<run>/records/<site>/<turn>.<part>.jsonl    what happened to each URL the turn took
//! crawls/<name>/<run>/pages/<hash>.html                      the page itself, for HTML pages
//! crawls/<name>/<run>/summary.json                           the counts, when the crawl ends
//! ```

use crate::crawl::{Crawl, Run};
use crate::messages::{Group, Item, Items};
use crate::state::counts::Counts;
use crate::state::progress::Progress;
use crate::state::queue::{Digest16, HostQueue, url_digest};
use crate::state::store::Store;
use crate::web::page::Record;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use shared::{Error, Result};
use std::collections::{HashMap, HashSet};
use url::Url;

/// Objects one step reads or writes at the same time: a batch of up to 10,000 hosts.
pub const PUTS_IN_FLIGHT: usize = 64;
/// The queue version the start step writes, before a host's first worker.
const START_VERSION: &str = "start";

/// A host's state between its turns: its pace, what its last worker did, and which version of
/// its queue counts. Written when a worker starts its turn (not done) and when it ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Host {
    /// The batch whose worker wrote this last.
    pub batch: String,
    /// When the host last answered (Unix milliseconds): its next request waits one interval.
    pub last_request_ms: u64,
    /// What that worker did, and whether it finished (a worker that dies, or is retried, leaves
    /// `done` false).
    pub counts: Counts,
    pub done: bool,
    /// The version of the host's queue that counts (`queues/<site>/<queue>.bin`).
    pub queue: String,
    /// URLs left in it.
    pub queued: u64,
}

impl Default for Host {
    fn default() -> Self {
        Host {
            batch: String::new(),
            last_request_ms: 0,
            counts: Counts::default(),
            done: false,
            queue: START_VERSION.to_owned(),
            queued: 0,
        }
    }
}

/// A link for another host's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxLink {
    pub url: Url,
    pub depth: u32,
}

/// The crawl's objects.
pub struct Frontier<'a> {
    store: &'a dyn Store,
    frontier: String,
    output: String,
    /// The output prefix of the run a re-crawl names.
    previous: Option<String>,
}

/// The URL's digest in hex: fixed length, and safe in a key.
pub fn url_hash(url: &Url) -> String {
    hex::encode(url_digest(url))
}

/// The crawl `run` names, as its start step checked and stored it: every later step reads this,
/// never a crawl from its input.
pub async fn stored_crawl(store: &dyn Store, run: &Run) -> Result<Crawl> {
    let key = format!("{}crawl.json", run.check()?.output_prefix());
    match store.get(&key).await? {
        Some(body) => serde_json::from_slice(&body)
            .map_err(|e| Error::Internal(format!("{} is not a crawl: {e}", store.uri(&key)))),
        None => Err(Error::InvalidInput(format!(
            "no crawl was started as {}: a crawl begins with its definition, which the start \
             step checks",
            store.uri(&key)
        ))),
    }
}

impl<'a> Frontier<'a> {
    pub fn new(store: &'a dyn Store, crawl: &Crawl) -> Self {
        Frontier {
            store,
            frontier: crawl.frontier_prefix(),
            output: crawl.output_prefix(),
            previous: crawl
                .since
                .as_ref()
                .map(|since| format!("crawls/{}/{since}/", crawl.name)),
        }
    }

    /// Where the page at `url` is stored: `pages/<hash>.html`.
    pub fn page_key(&self, url: &Url) -> String {
        format!("{}pages/{}.html", self.output, url_hash(url))
    }

    fn output_key(&self, name: &str) -> String {
        format!("{}{name}", self.output)
    }

    /// `s3://bucket/key` of one of the crawl's outputs (`""` for its folder).
    pub fn output_uri(&self, name: &str) -> String {
        self.store.uri(&self.output_key(name))
    }

    fn queue_key(&self, site: usize, version: &str) -> String {
        format!("{}queues/{site:05}/{version}.bin", self.frontier)
    }

    /// The host's queue as `version` left it. The start step's may be missing (a start retried
    /// before it wrote every host's): the host has nothing queued then.
    pub async fn queue(&self, site: usize, version: &str) -> Result<HostQueue> {
        let key = self.queue_key(site, version);
        match self.store.get(&key).await? {
            Some(body) => HostQueue::from_bytes(&body, &self.store.uri(&key)),
            None if version == START_VERSION => Ok(HostQueue::default()),
            None => Err(Error::Internal(format!(
                "{} is missing, though the host's state names it",
                self.store.uri(&key)
            ))),
        }
    }

    /// Stores a version of the host's queue; it counts once the host's state names it.
    pub async fn put_queue(&self, site: usize, version: &str, queue: &HostQueue) -> Result<()> {
        let key = self.queue_key(site, version);
        self.store
            .put(&key, queue.to_bytes()?, "application/octet-stream")
            .await
    }

    /// Each host's first queue, before its first worker: the start step's.
    pub async fn put_start_queues(&self, queues: Vec<(usize, HostQueue)>) -> Result<()> {
        stream::iter(queues)
            .map(|(site, queue)| async move { self.put_queue(site, START_VERSION, &queue).await })
            .buffer_unordered(PUTS_IN_FLIGHT)
            .try_collect()
            .await
    }

    pub async fn delete_queue(&self, site: usize, version: &str) -> Result<()> {
        self.store.delete(&self.queue_key(site, version)).await
    }

    fn inbox_prefix(&self) -> String {
        format!("{}inbox/", self.frontier)
    }

    /// Links found on `from`'s pages in `batch` for `site`'s worker to take in.
    pub async fn put_inbox(
        &self,
        site: usize,
        batch: &str,
        from: usize,
        links: &[InboxLink],
    ) -> Result<()> {
        let key = format!("{}{site:05}/{batch}-{from:05}.json", self.inbox_prefix());
        self.put_json(&key, &links).await
    }

    /// What the host's inbox holds, by key (up to `limit` objects, oldest batch first).
    pub async fn inbox(&self, site: usize, limit: usize) -> Result<Vec<(String, Vec<InboxLink>)>> {
        let keys = self
            .store
            .list(&format!("{}{site:05}/", self.inbox_prefix()), limit)
            .await?;
        stream::iter(keys)
            .map(|key| async move {
                let links = self.get_json(&key).await?.unwrap_or_default();
                Ok::<_, Error>((key, links))
            })
            .buffered(PUTS_IN_FLIGHT)
            .try_collect()
            .await
    }

    /// The sites with links in their inbox, by index.
    pub async fn inbox_sites(&self) -> Result<Vec<usize>> {
        let folders = self.store.folders(&self.inbox_prefix()).await?;
        Ok(folders.iter().filter_map(|f| f.parse().ok()).collect())
    }

    /// Removes inbox objects a worker took in, whether or not they are still there.
    pub async fn delete_inbox(&self, keys: &[String]) -> Result<()> {
        stream::iter(keys)
            .map(|key| async move {
                if !key.starts_with(&self.inbox_prefix()) {
                    return Err(Error::Internal(format!("'{key}' is not an inbox key")));
                }
                self.store.delete(key).await
            })
            .buffer_unordered(PUTS_IN_FLIGHT)
            .try_collect()
            .await
    }

    fn records_prefix(&self, output: &str, site: usize) -> String {
        format!("{output}records/{site:05}/")
    }

    /// Stores part `part` of the records of `site`'s turn `turn`, as JSON Lines.
    pub async fn put_records(
        &self,
        site: usize,
        turn: &str,
        part: usize,
        lines: Vec<u8>,
    ) -> Result<()> {
        let key = format!(
            "{}{turn}.{part:03}.jsonl",
            self.records_prefix(&self.output, site)
        );
        self.store.put(&key, lines, "application/x-ndjson").await
    }

    /// Removes what a turn that did not end stored of its records, whether or not there is any.
    pub async fn delete_records(&self, site: usize, turn: &str) -> Result<()> {
        let prefix = format!("{}{turn}.", self.records_prefix(&self.output, site));
        for key in self.store.list(&prefix, usize::MAX).await? {
            self.store.delete(&key).await?;
        }
        Ok(())
    }

    pub async fn put_crawl(&self, crawl: &Crawl) -> Result<()> {
        self.put_json(&self.output_key("crawl.json"), crawl).await
    }

    /// A site's robots.txt as its first worker fetched it; `None` before that (empty: allow all).
    pub async fn robots(&self, site: usize) -> Result<Option<Vec<u8>>> {
        self.store
            .get(&self.output_key(&format!("robots/{site:05}.txt")))
            .await
    }

    pub async fn put_robots(&self, site: usize, txt: Vec<u8>) -> Result<()> {
        let key = self.output_key(&format!("robots/{site:05}.txt"));
        self.store.put(&key, txt, "text/plain").await
    }

    /// A host's state; `None` before its first worker.
    pub async fn host(&self, site: usize) -> Result<Option<Host>> {
        self.get_json(&format!("{}hosts/{site:05}.json", self.frontier))
            .await
    }

    pub async fn put_host(&self, site: usize, host: &Host) -> Result<()> {
        self.put_json(&format!("{}hosts/{site:05}.json", self.frontier), host)
            .await
    }

    /// The crawl's progress, as `next` last wrote it.
    pub async fn progress(&self) -> Result<Progress> {
        let key = format!("{}progress.json", self.frontier);
        self.existing_progress().await?.ok_or_else(|| {
            Error::InvalidInput(format!(
                "this crawl has no progress (no {}): its start step did not finish",
                self.store.uri(&key)
            ))
        })
    }

    /// The crawl's progress, if its start step stored it.
    pub async fn existing_progress(&self) -> Result<Option<Progress>> {
        self.get_json(&format!("{}progress.json", self.frontier))
            .await
    }

    pub async fn put_progress(&self, progress: &Progress) -> Result<()> {
        self.put_json(&format!("{}progress.json", self.frontier), progress)
            .await
    }

    /// Stores a batch: each host's turn, then its workers, which the distributed Map's
    /// `ItemReader` reads.
    pub async fn put_batch(&self, batch: &str, groups: &[Group], workers: &[Item]) -> Result<()> {
        stream::iter(groups)
            .map(|group| async move {
                self.put_json(&self.group_key(batch, group.site), group)
                    .await
            })
            .buffer_unordered(PUTS_IN_FLIGHT)
            .try_collect::<()>()
            .await?;
        self.put_json(&self.batch_key(batch), &workers).await
    }

    fn batch_key(&self, batch: &str) -> String {
        format!("{}batches/{batch}.json", self.frontier)
    }

    /// Where the distributed Map reads a batch's items, in the crawl's `bucket`.
    pub fn batch_items(&self, bucket: &str, batch: &str) -> Items {
        Items {
            bucket: bucket.to_owned(),
            key: self.batch_key(batch),
        }
    }

    fn group_key(&self, batch: &str, site: usize) -> String {
        format!("{}batches/{batch}/{site:05}.json", self.frontier)
    }

    /// Where a distributed Map's `ResultWriter` writes (read by people, not by the crawl).
    pub fn map_results_prefix(&self) -> String {
        format!("{}map-results/", self.frontier)
    }

    /// A batch's workers, as `put_batch` stored them.
    pub async fn batch(&self, batch: &str) -> Result<Vec<Item>> {
        let key = self.batch_key(batch);
        self.get_json(&key).await?.ok_or_else(|| {
            Error::InvalidInput(format!(
                "batch '{batch}' of this crawl was never handed out (no {})",
                self.store.uri(&key)
            ))
        })
    }

    /// The pages a batch gives one site's worker.
    pub async fn group(&self, batch: &str, site: usize) -> Result<Group> {
        let key = self.group_key(batch, site);
        self.get_json(&key).await?.ok_or_else(|| {
            Error::InvalidInput(format!(
                "batch '{batch}' of this crawl gives site {site} no pages (no {})",
                self.store.uri(&key)
            ))
        })
    }

    /// The records, in the run a re-crawl names, of those of `urls` it has, read from the
    /// records of the host with the same base URL there. A line that does not read as a record
    /// is passed over (the page is then fetched without validators).
    pub async fn previous_records(
        &self,
        base_url: &Url,
        urls: &HashSet<Digest16>,
    ) -> Result<HashMap<Digest16, Record>> {
        let mut found = HashMap::new();
        let Some(previous) = &self.previous else {
            return Ok(found);
        };
        let Some(crawl) = self
            .get_json::<Crawl>(&format!("{previous}crawl.json"))
            .await?
        else {
            return Ok(found);
        };
        let Some(site) = crawl.sites.iter().position(|s| s.base_url == *base_url) else {
            return Ok(found);
        };
        let keys = self
            .store
            .list(&self.records_prefix(previous, site), usize::MAX)
            .await?;
        let mut bodies = stream::iter(keys)
            .map(|key| async move { self.store.get(&key).await })
            .buffered(PUTS_IN_FLIGHT);
        while let Some(body) = bodies.try_next().await? {
            for line in body.unwrap_or_default().split(|b| *b == b'\n') {
                let Ok(record) = serde_json::from_slice::<Record>(line) else {
                    continue;
                };
                let digest = url_digest(&record.url);
                if urls.contains(&digest) {
                    found.insert(digest, record);
                }
            }
        }
        Ok(found)
    }

    /// Copies an unchanged page from the run a re-crawl names, inside S3.
    pub async fn copy_previous_page(&self, url: &Url) -> Result<()> {
        let Some(previous) = &self.previous else {
            return Ok(());
        };
        let source = format!("{previous}pages/{}.html", url_hash(url));
        self.store.copy(&source, &self.page_key(url)).await
    }

    pub async fn delete_page(&self, url: &Url) -> Result<()> {
        self.store.delete(&self.page_key(url)).await
    }

    /// Stores a page.
    pub async fn put_page(&self, url: &Url, body: Vec<u8>, content_type: &str) -> Result<()> {
        let key = self.page_key(url);
        self.store.put(&key, body, content_type).await
    }

    /// Writes `summary.json` and returns its URI.
    pub async fn put_summary(&self, summary: &impl Serialize) -> Result<String> {
        self.put_json(&self.output_key("summary.json"), summary)
            .await?;
        Ok(self.output_uri("summary.json"))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let Some(body) = self.store.get(key).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&body).map(Some).map_err(|e| {
            Error::Internal(format!("{} does not read back: {e}", self.store.uri(key)))
        })
    }

    async fn put_json(&self, key: &str, value: &impl Serialize) -> Result<()> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::Internal(format!("cannot serialise {key}: {e}")))?;
        self.store.put(key, body, "application/json").await
    }
}
