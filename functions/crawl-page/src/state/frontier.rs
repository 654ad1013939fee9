//! The crawl's durable state in S3, and the only code that reads or writes it. Two workers that
//! find the same URL at the same moment both try to create its `seen/` marker with
//! `If-None-Match: *`; S3 lets exactly one succeed, and only that one queues the URL. The marker
//! names the page that found it, so that page, crawled again after a crash between the claim
//! and the queueing, still queues it. The queue is sharded by site (one host each), then one
//! object per URL under `<depth>/`, so a listing of a shard returns its shallowest pages first
//! (breadth first), the shards themselves are one delimited listing, and the queue survives any
//! crash: an entry is deleted only after its page's record is stored, and a queued page that
//! already has a record is done.
//!
//! ```text
//! frontier/<name>/<run>/seen/<hash>                    {url, by}: exists once the URL was found
//! frontier/<name>/<run>/queue/<site>/<depth>/<hash>    {url, site, depth, attempts}; until crawled
//! frontier/<name>/<run>/hosts/<site>.json              the host's pace and last worker's counts
//! frontier/<name>/<run>/known/<site>.bin               URLs the host's workers know were claimed
//! frontier/<name>/<run>/batches/<batch>.json           the batch's sites, the Map's items
//! frontier/<name>/<run>/batches/<batch>/<site>.json    the pages the batch gives that site's worker
//! frontier/<name>/<run>/progress.json                  the totals and counters (`next` writes it)
//! crawls/<name>/<run>/crawl.json                       the crawl as started
//! crawls/<name>/<run>/robots/<site>.txt                as its host's first worker fetched it
//! crawls/<name>/<run>/pages/<hash>.json                what happened to the URL
//! crawls/<name>/<run>/pages/<hash>.html                the page itself, for HTML pages
//! crawls/<name>/<run>/summary.json                     the counts, when the crawl ends
//! ```

use crate::crawl::{Crawl, Run};
use crate::messages::{Group, Item, Items};
use crate::state::counts::Counts;
use crate::state::known::{Known, url_digest};
use crate::state::progress::Progress;
use crate::state::store::Store;
use crate::web::page::Record;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use shared::{Error, Result};
use std::borrow::Borrow;
use url::Url;

/// Claims made at the same time by one step: a page of the Python docs' index has thousands
/// of links, a sitemap up to 50,000.
pub const CLAIMS_IN_FLIGHT: usize = 16;
/// Objects one step writes at the same time: a batch of up to 10,000 hosts.
pub const PUTS_IN_FLIGHT: usize = 64;

/// A queued URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub url: Url,
    /// Its site's index in the crawl: its shard.
    pub site: usize,
    pub depth: u32,
    /// Attempts already made: 429, 5xx and silence put the URL back with one more.
    #[serde(default)]
    pub attempts: u32,
}

/// A host's state between its workers, written after each of its pages: its pace, and what its
/// last worker did, which the next step adds up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// The batch whose worker wrote this last.
    pub batch: String,
    /// When the host last answered (Unix milliseconds): its next request waits one interval.
    pub last_request_ms: u64,
    /// What that worker has done so far, and whether it finished (a worker that dies, or is
    /// retried, leaves `done` false).
    pub counts: Counts,
    pub done: bool,
}

/// Who claimed a URL: `by` is the queue key of the page that found it, or `start`.
#[derive(Debug, Serialize, Deserialize)]
struct Claim<'a> {
    url: &'a str,
    by: &'a str,
}

/// What a claim answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Claimed {
    /// This finder's: it queues the URL.
    Won,
    /// Another finder's (named, if its claim reads back).
    Lost(Option<String>),
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

    pub fn queue_prefix(&self) -> String {
        format!("{}queue/", self.frontier)
    }

    fn shard(&self, site: usize) -> String {
        format!("{}{site:05}/", self.queue_prefix())
    }

    pub fn queue_key(&self, entry: &Entry) -> String {
        format!(
            "{}{:04}/{}",
            self.shard(entry.site),
            entry.depth,
            url_hash(&entry.url)
        )
    }

    pub fn page_key(&self, url: &Url, extension: &str) -> String {
        format!("{}pages/{}.{extension}", self.output, url_hash(url))
    }

    fn output_key(&self, name: &str) -> String {
        format!("{}{name}", self.output)
    }

    /// `s3://bucket/key` of one of the crawl's outputs (`""` for its folder).
    pub fn output_uri(&self, name: &str) -> String {
        self.store.uri(&self.output_key(name))
    }

    /// Marks `url` as found by `by` (a queue key, or `start`): won by exactly one finder per
    /// URL, however many race, and again by that finder when it comes back.
    pub async fn claim(&self, url: &Url, by: &str) -> Result<Claimed> {
        let key = format!("{}seen/{}", self.frontier, url_hash(url));
        let claim = Claim {
            url: url.as_str(),
            by,
        };
        let body = serde_json::to_vec(&claim)
            .map_err(|e| Error::Internal(format!("cannot serialise {key}: {e}")))?;
        if self.store.create(&key, body).await? {
            return Ok(Claimed::Won);
        }
        // Claimed before, by another page or by this one before a crash.
        let earlier = self.store.get(&key).await?.unwrap_or_default();
        Ok(match serde_json::from_slice::<Claim>(&earlier) {
            Ok(c) if c.by == by => Claimed::Won,
            Ok(c) => Claimed::Lost(Some(c.by.to_owned())),
            Err(_) => Claimed::Lost(None),
        })
    }

    /// Claims each URL for `by` and queues, at `depth` on its site, those it wins; returns how
    /// many. A URL is claimed and queued by one finder only, however many race. URLs `known`
    /// holds cost nothing; it learns those queued here and those lost to a finder that does not
    /// read it (see `state::known`).
    pub async fn queue_new<U: Borrow<Url>>(
        &self,
        by: &str,
        urls: Vec<(U, usize)>,
        depth: u32,
        known: &mut Known,
    ) -> Result<u64> {
        let urls: Vec<_> = urls
            .into_iter()
            .filter(|(url, _)| !known.contains(url.borrow()))
            .collect();
        let claimed: Vec<(U, Claimed)> = stream::iter(urls)
            .map(|(url, site)| async move {
                let claimed = self.claim(url.borrow(), by).await?;
                if claimed == Claimed::Won {
                    self.enqueue(&Entry {
                        url: url.borrow().clone(),
                        site,
                        depth,
                        attempts: 0,
                    })
                    .await?;
                }
                Ok::<_, Error>((url, claimed))
            })
            .buffer_unordered(CLAIMS_IN_FLIGHT)
            .try_collect()
            .await?;
        let own_pages = known.site.map(|site| self.shard(site));
        for (url, claimed) in &claimed {
            let settled = match claimed {
                Claimed::Won => true,
                Claimed::Lost(Some(owner)) => {
                    own_pages.as_ref().is_none_or(|own| !owner.starts_with(own))
                }
                Claimed::Lost(None) => false,
            };
            if settled {
                known.insert(url.borrow());
            }
        }
        Ok(claimed.iter().filter(|(_, c)| *c == Claimed::Won).count() as u64)
    }

    /// The URLs the host's workers know were claimed; none before its first worker.
    pub async fn known(&self, site: usize) -> Result<Known> {
        let body = self.store.get(&self.known_key(site)).await?;
        Ok(Known::from_bytes(site, &body.unwrap_or_default()))
    }

    /// Stores the host's known URLs, when they grew.
    pub async fn put_known(&self, site: usize, known: &Known) -> Result<()> {
        if !known.changed() {
            return Ok(());
        }
        let key = self.known_key(site);
        let body = known.to_bytes();
        self.store.put(&key, body, "application/octet-stream").await
    }

    fn known_key(&self, site: usize) -> String {
        format!("{}known/{site:05}.bin", self.frontier)
    }

    /// Queues (or re-queues, with its new attempt count) an entry.
    pub async fn enqueue(&self, entry: &Entry) -> Result<()> {
        self.put_json(&self.queue_key(entry), entry).await
    }

    /// The sites with pages queued, by index.
    pub async fn queued_sites(&self) -> Result<Vec<usize>> {
        let folders = self.store.folders(&self.queue_prefix()).await?;
        Ok(folders.iter().filter_map(|f| f.parse().ok()).collect())
    }

    /// Up to `limit` keys queued for a site, shallowest first.
    pub async fn next_keys(&self, site: usize, limit: usize) -> Result<Vec<String>> {
        self.store.list(&self.shard(site), limit).await
    }

    /// The entry behind a queue key; `None` when it is gone (its page was already done).
    pub async fn entry(&self, key: &str) -> Result<Option<Entry>> {
        if !key.starts_with(&self.queue_prefix()) {
            return Err(Error::InvalidInput(format!(
                "'{key}' is not a key of this crawl's queue ({})",
                self.queue_prefix()
            )));
        }
        let Some(body) = self.store.get(key).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&body).map(Some).map_err(|e| {
            Error::InvalidInput(format!("{} is not a queue entry: {e}", self.store.uri(key)))
        })
    }

    pub async fn dequeue(&self, entry: &Entry) -> Result<()> {
        self.store.delete(&self.queue_key(entry)).await
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

    /// Stores a batch: each group for its worker, then the list of its sites, which the
    /// distributed Map's `ItemReader` reads.
    pub async fn put_batch(&self, batch: &str, groups: &[Group]) -> Result<()> {
        stream::iter(groups)
            .map(|group| async move {
                self.put_json(&self.group_key(batch, group.site), group)
                    .await
            })
            .buffer_unordered(PUTS_IN_FLIGHT)
            .try_collect::<()>()
            .await?;
        let items: Vec<Item> = groups.iter().map(|g| Item { site: g.site }).collect();
        self.put_json(&self.batch_key(batch), &items).await
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

    /// A batch's sites, as `put_batch` stored them.
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

    /// The record of the URL queued at `key`, if it has one: then it is done, whatever the
    /// queue says. (A queue key ends with the URL's hash, which names its record.)
    pub async fn record_of_queued(&self, key: &str) -> Result<Option<Record>> {
        let hash = self.queued_hash(key)?;
        self.get_json(&format!("{}pages/{hash}.json", self.output))
            .await
    }

    /// Removes a queue key (the URL's entry) whether or not it is still there.
    pub async fn delete_queued(&self, key: &str) -> Result<()> {
        self.queued_hash(key)?;
        self.store.delete(key).await
    }

    /// The URL hash a key of this crawl's queue ends with; anything else is refused.
    fn queued_hash<'k>(&self, key: &'k str) -> Result<&'k str> {
        key.strip_prefix(&self.queue_prefix())
            .and_then(|rest| rest.rsplit('/').next())
            .filter(|hash| hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "'{key}' is not a key of this crawl's queue ({})",
                    self.queue_prefix()
                ))
            })
    }

    /// The URL's record in the run a re-crawl names, if there is one and it reads as a record.
    pub async fn previous_record(&self, url: &Url) -> Result<Option<Record>> {
        let Some(previous) = &self.previous else {
            return Ok(None);
        };
        let key = format!("{previous}pages/{}.json", url_hash(url));
        Ok(self
            .store
            .get(&key)
            .await?
            .and_then(|body| serde_json::from_slice(&body).ok()))
    }

    /// Copies an unchanged page from the run a re-crawl names, inside S3.
    pub async fn copy_previous_page(&self, url: &Url) -> Result<()> {
        let Some(previous) = &self.previous else {
            return Ok(());
        };
        let source = format!("{previous}pages/{}.html", url_hash(url));
        self.store.copy(&source, &self.page_key(url, "html")).await
    }

    pub async fn put_record(&self, url: &Url, record: &impl Serialize) -> Result<()> {
        self.put_json(&self.page_key(url, "json"), record).await
    }

    /// The page as an attempt stored it; `None` when none did.
    pub async fn stored_page(&self, url: &Url) -> Result<Option<Vec<u8>>> {
        self.store.get(&self.page_key(url, "html")).await
    }

    pub async fn delete_page(&self, url: &Url) -> Result<()> {
        self.store.delete(&self.page_key(url, "html")).await
    }

    /// Stores a page.
    pub async fn put_page(&self, url: &Url, body: Vec<u8>, content_type: &str) -> Result<()> {
        let key = self.page_key(url, "html");
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
