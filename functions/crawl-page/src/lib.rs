//! The web crawler's steps, one Lambda function with four actions that
//! `statemachines/web-crawler.asl.json` calls in a loop:
//!
//! - `start`: checks the crawl (one site or many, one host each), queues the start pages;
//! - `next`: adds the last batch's counts to the totals and hands out the next batch, its hosts
//!   with pages queued shared among workers, or says the crawl is done, or that this execution
//!   should hand over to a new one;
//! - `work`: one worker of the batch, pacing each of its hosts at once: on a host's first turn
//!   reads robots.txt and the sitemaps (`web::discover`), then fetches its pages one after the
//!   other at the host's pace, stores them and queues the new links;
//! - `finish`: writes the summary.
//!
//! The crate in three groups, and what they share at the top:
//!
//! - `steps`: the four actions, one module each;
//! - `web`: fetching and reading what sites serve (pages, robots.txt, sitemaps), no AWS;
//! - `state`: the crawl's storage in S3 (`frontier`), its progress and its counts;
//! - `crawl` (the crawl's definition, checked), `scope`, `normalize`, `messages` (what the
//!   steps read and answer), `config`; and here, the dependencies and the dispatch.

pub mod config;
pub mod crawl;
pub mod messages;
pub mod normalize;
mod scope;
pub mod state;
mod steps;
pub mod web;

/// A URL the unit tests write out, which parses.
#[cfg(test)]
fn url(text: &str) -> url::Url {
    url::Url::parse(text).unwrap()
}

pub use config::Config;
pub use crawl::Run;
pub use messages::{
    Finished, Group, Item, Items, MapSettings, Next, Request, Response, StepError, Summary, Worked,
    WorkerResult,
};

use crate::crawl::Crawl;
use crate::state::frontier::{self, Frontier};
use crate::state::store::Store;
use crate::steps::{finish, next, start, work};
use crate::web::fetch::Fetcher;
use crate::web::pace;
use shared::address::Lookup;
use shared::{Error, Result};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a worker keeps of its time to store what it did after its last request.
const STORE_MARGIN: Duration = Duration::from_secs(10);

pub struct Deps {
    /// The crawl bucket (`state::store::S3Store`); the benchmark's is a folder.
    pub store: Box<dyn Store>,
    pub config: Config,
    pub lookup: Lookup,
    /// The last crawl read, kept for the next invocation of a warm function: a crawl of 10,000
    /// sites is 1.6 MB that every worker would read and parse again.
    pub crawls: CrawlCache,
}

/// The last crawl read, by run. A stored crawl never changes once a step has read it: the
/// start step writes it before anything reads it, and refuses to write it again once the
/// crawl's first batch was handed out.
#[derive(Default)]
pub struct CrawlCache(Mutex<Option<Arc<Crawl>>>);

impl CrawlCache {
    fn get(&self, run: &Run) -> Option<Arc<Crawl>> {
        let cached = self.0.lock().ok()?;
        cached
            .as_ref()
            .filter(|c| c.name == run.name && c.run_id == run.run_id)
            .cloned()
    }

    fn keep(&self, crawl: Arc<Crawl>) {
        if let Ok(mut cached) = self.0.lock() {
            *cached = Some(crawl);
        }
    }
}

impl Deps {
    pub(crate) fn frontier(&self, crawl: &Crawl) -> Frontier<'_> {
        Frontier::new(self.store.as_ref(), crawl)
    }

    /// The crawl `run` names, as its start step stored it: a step's input could carry any
    /// limits, networks or scope, so it carries only the run, and this is the only copy used.
    pub(crate) async fn crawl(&self, run: &Run) -> Result<Arc<Crawl>> {
        if let Some(crawl) = self.crawls.get(run) {
            return Ok(crawl);
        }
        let crawl = Arc::new(frontier::stored_crawl(self.store.as_ref(), run).await?);
        self.crawls.keep(crawl.clone());
        Ok(crawl)
    }

    pub(crate) fn fetcher(&self, crawl: &Crawl, max_bytes: usize) -> Result<Fetcher> {
        Fetcher::new(
            &self.config.user_agent,
            Duration::from_secs(u64::from(crawl.limits.timeout_seconds)),
            max_bytes,
            self.lookup.clone(),
            self.config.policy(crawl)?,
        )
        .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))
    }
}

/// `deadline` is the invocation's (`shared::deadline`): a worker keeps to it. The steps'
/// futures are boxed: nested in one, they are deeper than the compiler's layout limit allows.
pub async fn handle(deps: &Deps, request: Request, deadline: Instant) -> Result<Response> {
    Ok(match request {
        Request::Start { run_id, crawl } => {
            let crawl = start::read_site_list(deps, crawl).await?;
            Response::Started(Box::pin(start::start(deps, crawl.validate(&run_id)?)).await?)
        }
        Request::Next {
            run,
            execution,
            batch,
            results,
        } => Response::Next(Box::new(
            Box::pin(next::next(
                deps,
                &run,
                &execution,
                batch.as_deref(),
                &results,
            ))
            .await?,
        )),
        Request::Work {
            run,
            batch,
            sites,
            child_started,
        } => {
            let child_ms = child_started.as_deref().map(unix_ms_of).transpose()?;
            let deadline = pace::deadline(deadline, child_ms, STORE_MARGIN);
            Response::Worked(Box::pin(work::work(deps, &run, &batch, sites, deadline)).await?)
        }
        Request::Finish { run } => Response::Finished(Box::pin(finish::finish(deps, &run)).await?),
    })
}

/// An RFC 3339 time (Step Functions' `$$.Execution.StartTime`) in Unix milliseconds.
fn unix_ms_of(time: &str) -> Result<u64> {
    chrono::DateTime::parse_from_rfc3339(time)
        .ok()
        .and_then(|t| u64::try_from(t.timestamp_millis()).ok())
        .ok_or_else(|| {
            Error::InvalidInput(format!("child_started '{time}' is not an RFC 3339 time"))
        })
}
