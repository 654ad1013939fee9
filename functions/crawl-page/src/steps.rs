//! The four actions. Every step can run twice (a retry after a time-out) without harm: claims
//! are conditional, queue entries and records are keyed by URL, and the totals are computed from
//! the step's input.

use crate::address::{AddressPolicy, Lookup};
use crate::counts::Counts;
use crate::crawl::{Crawl, CrawlRequest};
use crate::fetch::{Fetched, Fetcher};
use crate::frontier::{Entry, Frontier};
use crate::page::{self, Link, Record, visit};
use crate::robots::{Robots, agent_token, robots_url};
use aws_sdk_s3::Client;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use shared::config::{Vars, optional, required};
use shared::{Error, Result};
use std::time::{Duration, Instant};
use url::Url;

/// Claims made at the same time by one worker: a page of the Python docs' index has thousands
/// of links.
const CLAIMS_IN_FLIGHT: usize = 16;
/// robots.txt is read up to this size (RFC 9309 asks for at least 500 KiB).
const ROBOTS_MAX_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub bucket: String,
    pub user_agent: String,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            bucket: required(vars, "CRAWL_BUCKET")?,
            user_agent: optional(vars, "CRAWLER_USER_AGENT")
                .unwrap_or_else(|| "ServerlessAutomationsCrawler/1.0".to_owned()),
        })
    }
}

pub struct Deps {
    pub s3: Client,
    pub config: Config,
    pub lookup: Lookup,
}

/// The event: `{"action": "start" | "next" | "crawl" | "finish", ...}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Request {
    /// A new crawl; the execution's name is its run id.
    Start {
        run_id: String,
        crawl: CrawlRequest,
    },
    Next(State),
    Crawl {
        crawl: Crawl,
        pages: Vec<String>,
    },
    Finish {
        crawl: Crawl,
        totals: Counts,
        #[serde(default)]
        limit_reached: bool,
    },
}

/// What one execution carries from step to step, and hands to the next execution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub crawl: Crawl,
    pub totals: Counts,
    pub generation: u32,
    pub execution_pages: u32,
    /// The last batch's worker results (empty before the first batch).
    #[serde(default)]
    pub results: Vec<WorkerResult>,
}

/// One item of the Map state's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WorkerResult {
    /// The worker failed after its retries (the state machine's Catch): its pages are retried
    /// in a later batch, up to `max_attempts`.
    Failed {
        failed_pages: Vec<String>,
        error: StepError,
    },
    Done(Crawled),
}

/// What each action answers: `start` the first `State`, `next` a `Next`, `crawl` a worker's
/// `Crawled`, `finish` a `Finished`. The state machine reads them as they serialise, untagged.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Response {
    Started(State),
    Next(Box<Next>),
    Crawled(Crawled),
    Finished(Finished),
}

/// The error a Catch puts in the state: `{"Error": ..., "Cause": ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepError {
    pub error: String,
    #[serde(default)]
    pub cause: String,
}

/// The `next` step's answer, which the state machine's Choice reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Next {
    pub crawl: Crawl,
    pub totals: Counts,
    pub generation: u32,
    pub execution_pages: u32,
    /// Queue keys, one list per worker.
    pub groups: Vec<Vec<String>>,
    pub done: bool,
    pub limit_reached: bool,
    pub continue_as_new: bool,
    /// The next execution's input and name, when `continue_as_new`.
    pub continuation: Option<State>,
    pub continuation_name: Option<String>,
}

/// One worker's answer, which becomes an item of the Map state's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Crawled {
    pub counts: Counts,
}

/// The `finish` step's answer: the summary, and the notification the state machine publishes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finished {
    pub summary: Summary,
    pub summary_uri: String,
    pub subject: String,
    pub message: String,
}

/// `summary.json`, written next to the pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub name: String,
    pub run_id: String,
    pub base_url: Url,
    pub finished_at: String,
    pub limit_reached: bool,
    pub pages: String,
    #[serde(flatten)]
    pub totals: Counts,
}

pub async fn handle(deps: &Deps, request: Request) -> Result<Response> {
    Ok(match request {
        Request::Start { run_id, crawl } => {
            Response::Started(start(deps, crawl.validate(&run_id)?).await?)
        }
        Request::Next(state) => Response::Next(Box::new(next(deps, state).await?)),
        Request::Crawl { crawl, pages } => Response::Crawled(Crawled {
            counts: crawl_pages(deps, &crawl, &pages).await?,
        }),
        Request::Finish {
            crawl,
            totals,
            limit_reached,
        } => Response::Finished(finish(deps, &crawl, totals, limit_reached).await?),
    })
}

fn fetcher(deps: &Deps, crawl: &Crawl, max_bytes: usize) -> Result<Fetcher> {
    Fetcher::new(
        &deps.config.user_agent,
        Duration::from_secs(u64::from(crawl.limits.timeout_seconds)),
        max_bytes,
        deps.lookup.clone(),
        AddressPolicy {
            allow_networks: crawl.allow_networks.clone(),
        },
    )
    .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))
}

async fn start(deps: &Deps, mut crawl: Crawl) -> Result<State> {
    let txt = fetch_robots(deps, &crawl).await?;
    let robots = Robots::parse(agent_token(&deps.config.user_agent), &txt);
    crawl.crawl_delay_ms = robots.crawl_delay_ms();
    let frontier = Frontier::new(&deps.s3, &deps.config.bucket, &crawl);
    let bucket = &deps.config.bucket;
    shared::s3::put_object(
        &deps.s3,
        bucket,
        &frontier.output_key("robots.txt"),
        txt,
        "text/plain",
    )
    .await?;
    frontier
        .put_json(&frontier.output_key("crawl.json"), &crawl)
        .await?;
    let mut totals = Counts::default();
    for url in &crawl.start_urls {
        let link = if robots.allows(url) {
            Link::Follow
        } else {
            Link::Disallowed
        };
        if frontier.claim(url).await? {
            if link == Link::Follow {
                let entry = Entry {
                    url: url.clone(),
                    depth: 0,
                    attempts: 0,
                };
                frontier.enqueue(&entry).await?;
            }
            link.count(&mut totals);
        }
    }
    tracing::info!(crawl = %crawl.name, run = %crawl.run_id, queued = totals.queued, "crawl started");
    Ok(State {
        crawl,
        totals,
        generation: 0,
        execution_pages: 0,
        results: Vec::new(),
    })
}

/// robots.txt, following up to five redirects on the same origin. Missing (4xx) allows
/// everything; a server error or no answer stops the start, as RFC 9309 says to assume the
/// whole site is disallowed then. An address the crawl may not reach is refused here, before
/// any page is queued.
async fn fetch_robots(deps: &Deps, crawl: &Crawl) -> Result<Vec<u8>> {
    let fetcher = fetcher(deps, crawl, ROBOTS_MAX_BYTES)?;
    let mut url = robots_url(&crawl.base_url);
    for _ in 0..=5 {
        match fetcher.file(&url).await {
            Fetched::Body { body, .. } => return Ok(body),
            // file() reads any type, so NotHtml cannot come back; an oversized file is ignored.
            Fetched::TooLarge { .. }
            | Fetched::NotHtml { .. }
            | Fetched::Status { status: 400..=499 } => {
                return Ok(Vec::new());
            }
            Fetched::Redirect {
                location: Some(next),
                ..
            } if next.origin() == url.origin() => {
                url = next;
            }
            Fetched::Redirect { .. } => return Ok(Vec::new()),
            Fetched::Refused { reason } => {
                return Err(Error::InvalidInput(format!(
                    "base_url {}: {reason}; list its network in allow_networks only if the crawl is \
                     meant to reach it",
                    crawl.base_url
                )));
            }
            Fetched::Status { status } => {
                return Err(Error::Transient(format!(
                    "{url} answered HTTP {status}: a crawler must not crawl a site whose robots.txt \
                     fails with a server error"
                )));
            }
            Fetched::Unreachable { error } => {
                return Err(Error::Transient(format!("{url}: {error}")));
            }
        }
    }
    Ok(Vec::new())
}

async fn next(deps: &Deps, mut state: State) -> Result<Next> {
    let crawl = &state.crawl;
    let frontier = Frontier::new(&deps.s3, &deps.config.bucket, crawl);
    for result in std::mem::take(&mut state.results) {
        match result {
            WorkerResult::Done(Crawled { counts }) => state.totals.add(&counts),
            WorkerResult::Failed {
                failed_pages,
                error,
            } => {
                state.totals.worker_failures += 1;
                let error = error_text(&error);
                for key in failed_pages {
                    retry_or_fail(&frontier, crawl, &key, &error, &mut state.totals).await?;
                }
            }
        }
    }
    let limits = &crawl.limits;
    let budget = u64::from(limits.max_pages).saturating_sub(state.totals.fetched());
    let batch = u64::from(limits.concurrency * limits.pages_per_worker).min(budget);
    let keys = frontier
        .next_keys(usize::try_from(batch.max(1)).unwrap_or(1))
        .await?;
    let limit_reached = budget == 0 && !keys.is_empty();
    let done = keys.is_empty() || budget == 0;
    let continue_as_new = !done && state.execution_pages >= limits.pages_per_execution;
    let mut next = Next {
        crawl: state.crawl.clone(),
        totals: state.totals,
        generation: state.generation,
        execution_pages: state.execution_pages,
        groups: Vec::new(),
        done,
        limit_reached,
        continue_as_new,
        continuation: None,
        continuation_name: None,
    };
    if continue_as_new {
        let generation = state.generation + 1;
        next.continuation_name = Some(continuation_name(&crawl.run_id, generation));
        next.continuation = Some(State {
            generation,
            execution_pages: 0,
            ..state
        });
    } else if !done {
        next.execution_pages += u32::try_from(keys.len()).unwrap_or(u32::MAX);
        next.groups = split(keys, limits.concurrency as usize);
    }
    Ok(next)
}

/// `<run>-<generation>`, within the 80 characters an execution name may have.
fn continuation_name(run_id: &str, generation: u32) -> String {
    let suffix = format!("-{generation}");
    let keep = 80 - suffix.len();
    format!("{}{suffix}", &run_id[..run_id.len().min(keep)])
}

/// Deals `keys` to at most `workers` groups, round robin, so that the shallowest pages are
/// spread over all workers.
fn split(keys: Vec<String>, workers: usize) -> Vec<Vec<String>> {
    let workers = workers.clamp(1, keys.len().max(1));
    let mut groups = vec![Vec::new(); workers];
    for (i, key) in keys.into_iter().enumerate() {
        groups[i % workers].push(key);
    }
    groups
}

fn error_text(error: &StepError) -> String {
    format!("worker failed: {} {}", error.error, error.cause)
        .trim()
        .to_owned()
}

/// A page whose worker failed: back in the queue with one more attempt, or recorded as failed.
async fn retry_or_fail(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    key: &str,
    error: &str,
    totals: &mut Counts,
) -> Result<()> {
    let Some(mut entry) = frontier.entry(key).await? else {
        return Ok(()); // Done before the worker failed.
    };
    entry.attempts += 1;
    if entry.attempts < crawl.limits.max_attempts {
        totals.retries += 1;
        return frontier.enqueue(&entry).await;
    }
    let record = Record::worker_failed(
        entry.url.clone(),
        entry.depth,
        entry.attempts,
        error.to_owned(),
    );
    frontier
        .put_json(&frontier.page_key(&entry.url, "json"), &record)
        .await?;
    totals.failed += 1;
    frontier.dequeue(&entry).await
}

/// One worker: its pages one after the other, each request at least the crawl's interval after
/// the previous one.
async fn crawl_pages(deps: &Deps, crawl: &Crawl, keys: &[String]) -> Result<Counts> {
    let frontier = Frontier::new(&deps.s3, &deps.config.bucket, crawl);
    let txt = match shared::s3::get_object(
        &deps.s3,
        frontier.bucket,
        &frontier.output_key("robots.txt"),
    )
    .await
    {
        Ok(txt) => txt,
        Err(Error::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let robots = Robots::parse(agent_token(&deps.config.user_agent), &txt);
    let fetcher = fetcher(deps, crawl, crawl.limits.max_page_bytes as usize)?;
    let interval = Duration::from_millis(crawl.request_interval_ms());
    let mut counts = Counts::default();
    let mut last: Option<Instant> = None;
    for key in keys {
        let Some(entry) = frontier.entry(key).await? else {
            continue;
        };
        if let Some(wait) = last.and_then(|l| interval.checked_sub(l.elapsed())) {
            tokio::time::sleep(wait).await;
        }
        last = Some(Instant::now());
        crawl_one(&frontier, crawl, &robots, &fetcher, entry, &mut counts).await?;
    }
    Ok(counts)
}

async fn crawl_one(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    robots: &Robots,
    fetcher: &Fetcher,
    entry: Entry,
    counts: &mut Counts,
) -> Result<()> {
    let page = visit(fetcher, crawl, &entry.url).await;
    let attempts = entry.attempts + 1;
    if page.fetched.is_retryable() && attempts < crawl.limits.max_attempts {
        counts.retries += 1;
        return frontier.enqueue(&Entry { attempts, ..entry }).await;
    }
    // Links first, the record next, the queue entry last: a worker that dies in between is
    // retried and redoes only what is missing.
    let depth = entry.depth + 1;
    let found: Vec<Link> = stream::iter(page.links.iter())
        .map(|url| async move {
            let link = page::classify(crawl, robots, url, depth);
            if !frontier.claim(url).await? {
                return Ok(None);
            }
            if link == Link::Follow {
                frontier
                    .enqueue(&Entry {
                        url: url.clone(),
                        depth,
                        attempts: 0,
                    })
                    .await?;
            }
            Ok::<_, Error>(Some(link))
        })
        .buffer_unordered(CLAIMS_IN_FLIGHT)
        .try_filter_map(|link| async move { Ok(link) })
        .try_collect()
        .await?;
    for link in found {
        link.count(counts);
    }
    let record = Record::new(entry.url.clone(), entry.depth, attempts, &page, counts);
    if let Fetched::Body {
        body, content_type, ..
    } = page.fetched
    {
        let key = frontier.page_key(&entry.url, "html");
        shared::s3::put_object(frontier.s3, frontier.bucket, &key, body, &content_type).await?;
    }
    frontier
        .put_json(&frontier.page_key(&entry.url, "json"), &record)
        .await?;
    frontier.dequeue(&entry).await
}

async fn finish(
    deps: &Deps,
    crawl: &Crawl,
    totals: Counts,
    limit_reached: bool,
) -> Result<Finished> {
    let frontier = Frontier::new(&deps.s3, &deps.config.bucket, crawl);
    let bucket = &deps.config.bucket;
    let key = frontier.output_key("summary.json");
    let summary = Summary {
        name: crawl.name.clone(),
        run_id: crawl.run_id.clone(),
        base_url: crawl.base_url.clone(),
        finished_at: page::now(),
        limit_reached,
        pages: format!("s3://{bucket}/{}", frontier.output_key("pages/")),
        totals,
    };
    frontier.put_json(&key, &summary).await?;
    let summary_uri = format!("s3://{bucket}/{key}");
    let t = &totals;
    let limit = if limit_reached {
        format!(
            " It stopped at max_pages ({}) with pages still queued.",
            crawl.limits.max_pages
        )
    } else {
        String::new()
    };
    let message = format!(
        "Crawl '{}' of {} finished.{limit} Pages crawled: {}. Failed: {}. Redirects: {}. Not HTML: \
         {}. Too large: {}. Refused addresses: {}. Skipped by robots.txt: {}. Out of scope: {}. Too \
         deep: {}. Bytes stored: {}. Summary: {summary_uri}",
        crawl.name,
        crawl.base_url,
        t.crawled,
        t.failed,
        t.redirects,
        t.not_html,
        t.too_large,
        t.refused,
        t.robots_skipped,
        t.out_of_scope,
        t.too_deep,
        t.bytes
    );
    let subject = shared::sns::subject(&format!(
        "Crawl {}: {} pages, {} failed",
        crawl.name, t.crawled, t.failed
    ));
    Ok(Finished {
        summary,
        summary_uri,
        subject,
        message: shared::sns::message(&message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dealt_round_robin() {
        let keys: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        assert_eq!(
            split(keys.clone(), 2),
            [vec!["0", "2", "4"], vec!["1", "3"]]
        );
        assert_eq!(split(keys[..1].to_vec(), 4), [vec!["0"]]);
    }

    #[test]
    fn continuation_names_fit_80_characters() {
        assert_eq!(continuation_name("run", 2), "run-2");
        let long = "x".repeat(80);
        let name = continuation_name(&long, 12);
        assert_eq!(name.len(), 80);
        assert!(name.ends_with("x-12"));
    }
}
