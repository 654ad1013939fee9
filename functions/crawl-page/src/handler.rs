//! The function's configuration, its dependencies, and the dispatch of each action to its
//! module.

use crate::crawl::{Crawl, Run};
use crate::fetch::Fetcher;
use crate::frontier::{self, Frontier};
use crate::messages::{Request, Response};
use crate::{finish, next, pace, start, worker};
use aws_sdk_s3::Client;
use ipnet::IpNet;
use shared::address::{AddressPolicy, DEFAULT_PORTS, Lookup};
use shared::config::{Vars, listed, optional, parsed, required};
use shared::{Error, Result};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub bucket: String,
    pub user_agent: String,
    /// The internal networks a crawl may list in its `allow_networks` (none by default): the
    /// deployment decides what its crawls may reach, not whoever starts one.
    pub allowed_networks: Vec<IpNet>,
    /// The ports crawled (80 and 443 by default).
    pub allowed_ports: Vec<u16>,
    /// Hosts one batch crawls at most, whatever a crawl's `concurrency` asks.
    pub batch_size: usize,
    /// The distributed Map's children running at once, and the percentage of them that may
    /// fail without failing the Map (their pages are retried in later batches).
    pub map_max_concurrency: u32,
    pub map_tolerated_failure_percentage: f64,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            bucket: required(vars, "CRAWL_BUCKET")?,
            user_agent: optional(vars, "CRAWLER_USER_AGENT")
                .unwrap_or_else(|| "ServerlessAutomationsCrawler/1.0".to_owned()),
            allowed_networks: listed(vars, "CRAWL_ALLOWED_NETWORKS", Vec::new())?,
            allowed_ports: listed(vars, "CRAWL_ALLOWED_PORTS", DEFAULT_PORTS.to_vec())?,
            batch_size: within(
                parsed(vars, "CRAWL_BATCH_SIZE", 1_000)?,
                "CRAWL_BATCH_SIZE",
                1,
                10_000,
            )?,
            map_max_concurrency: within(
                parsed(vars, "CRAWL_MAP_MAX_CONCURRENCY", 100)?,
                "CRAWL_MAP_MAX_CONCURRENCY",
                1,
                10_000,
            )?,
            map_tolerated_failure_percentage: within(
                parsed(vars, "CRAWL_MAP_TOLERATED_FAILURE_PERCENTAGE", 5.0)?,
                "CRAWL_MAP_TOLERATED_FAILURE_PERCENTAGE",
                0.0,
                100.0,
            )?,
        })
    }

    /// The crawl's address policy: its `allow_networks`, each within the deployment's.
    fn policy(&self, crawl: &Crawl) -> Result<AddressPolicy> {
        let outside = crawl
            .allow_networks
            .iter()
            .find(|n| !self.allowed_networks.iter().any(|a| a.contains(*n)));
        if let Some(network) = outside {
            return Err(Error::InvalidInput(format!(
                "allow_networks lists {network}, which this deployment does not allow its crawls \
                 to reach (CRAWL_ALLOWED_NETWORKS: {})",
                if self.allowed_networks.is_empty() {
                    "none".to_owned()
                } else {
                    self.allowed_networks
                        .iter()
                        .map(IpNet::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
        Ok(AddressPolicy {
            allow_networks: crawl.allow_networks.clone(),
            ports: self.allowed_ports.clone(),
        })
    }
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

fn within<T: PartialOrd + std::fmt::Display>(value: T, name: &str, min: T, max: T) -> Result<T> {
    if value >= min && value <= max {
        Ok(value)
    } else {
        Err(Error::Configuration(format!(
            "{name} is {value}; it must be from {min} to {max}"
        )))
    }
}

/// What a worker keeps of its time to store what it did after its last request.
const STORE_MARGIN: Duration = Duration::from_secs(10);

pub struct Deps {
    pub s3: Client,
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
        Frontier::new(&self.s3, &self.config.bucket, crawl)
    }

    /// The crawl `run` names, as its start step stored it: a step's input could carry any
    /// limits, networks or scope, so it carries only the run, and this is the only copy used.
    pub(crate) async fn crawl(&self, run: &Run) -> Result<Arc<Crawl>> {
        if let Some(crawl) = self.crawls.get(run) {
            return Ok(crawl);
        }
        let crawl = Arc::new(frontier::stored_crawl(&self.s3, &self.config.bucket, run).await?);
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
        Request::Crawl {
            run,
            batch,
            site,
            child_started,
        } => {
            let child_ms = child_started.as_deref().map(unix_ms_of).transpose()?;
            let deadline = pace::deadline(deadline, child_ms, STORE_MARGIN);
            Response::Crawled(
                Box::pin(worker::crawl_host(deps, &run, &batch, site, deadline)).await?,
            )
        }
        Request::Finish { run } => Response::Finished(Box::pin(finish::finish(deps, &run)).await?),
    })
}
