//! `start`: reads robots.txt once, stores it with the checked crawl, and queues the start pages.

use crate::counts::Counts;
use crate::crawl::Crawl;
use crate::fetch::Fetched;
use crate::frontier::{CLAIMS_IN_FLIGHT, Entry};
use crate::handler::Deps;
use crate::messages::State;
use crate::normalize::normalize;
use crate::pace::{unix_ms, until};
use crate::page::Link;
use crate::robots::{Robots, agent_token, robots_url};
use crate::sitemap;
use futures_util::{StreamExt, TryStreamExt, stream};
use shared::{Error, Result};
use std::collections::{HashSet, VecDeque};
use std::time::Duration;
use url::Url;

/// robots.txt is parsed up to this size, as RFC 9309 §2.5 asks; the rest is not read.
const ROBOTS_MAX_BYTES: usize = 500 * 1024;
/// Redirects followed for robots.txt (RFC 9309 §2.3.1.2: at least five, across hosts too).
const ROBOTS_REDIRECTS: usize = 5;
/// What the start pages' claims name as their finder, and the sitemaps' pages'.
const BY_START: &str = "start";
const BY_SITEMAP: &str = "sitemap";
/// Sitemap files read per crawl, indexes included.
const MAX_SITEMAPS: usize = 20;

pub async fn start(deps: &Deps, mut crawl: Crawl) -> Result<State> {
    let txt = fetch_robots(deps, &crawl).await?;
    let mut last_request_ms = unix_ms();
    let robots = Robots::parse(agent_token(&deps.config.user_agent), &txt);
    crawl.crawl_delay_ms = robots.crawl_delay_ms();
    let frontier = deps.frontier(&crawl);
    frontier.put_robots(txt).await?;
    frontier.put_crawl(&crawl).await?;
    let mut totals = Counts::default();
    for url in &crawl.start_urls {
        let link = if robots.allows(url) {
            Link::Follow
        } else {
            Link::Disallowed
        };
        if frontier.claim(url, BY_START).await? {
            if link == Link::Follow {
                frontier.enqueue(&seed(url)).await?;
            }
            link.count(&mut totals);
        }
    }
    if crawl.sitemaps {
        let pages = sitemap_pages(deps, &crawl, &robots, &mut last_request_ms).await?;
        let frontier = &frontier;
        let queued: Vec<bool> = stream::iter(&pages)
            .map(|url| async move {
                let new = frontier.claim(url, BY_SITEMAP).await?;
                if new {
                    frontier.enqueue(&seed(url)).await?;
                }
                Ok::<_, Error>(new)
            })
            .buffer_unordered(CLAIMS_IN_FLIGHT)
            .try_collect()
            .await?;
        totals.queued += queued.iter().filter(|new| **new).count() as u64;
    }
    tracing::info!(crawl = %crawl.name, run = %crawl.run_id, queued = totals.queued, "crawl started");
    Ok(State {
        crawl,
        totals,
        generation: 0,
        execution_pages: 0,
        last_request_ms,
        results: Vec::new(),
    })
}

/// A start page, or a page a sitemap lists: depth 0.
fn seed(url: &Url) -> Entry {
    Entry {
        url: url.clone(),
        depth: 0,
        attempts: 0,
    }
}

/// The in-scope pages the site's sitemaps list that robots.txt allows, normalised, at most
/// `max_pages` of them. Sitemaps come from robots.txt's `Sitemap:` lines and `/sitemap.xml`,
/// indexes are followed, at most `MAX_SITEMAPS` files are read, each one request interval
/// after the crawl's previous request (`last_request_ms`, updated); a sitemap that is missing,
/// refused or unreadable is skipped with a log line.
async fn sitemap_pages(
    deps: &Deps,
    crawl: &Crawl,
    robots: &Robots,
    last_request_ms: &mut u64,
) -> Result<Vec<Url>> {
    let fetcher = deps.fetcher(crawl, sitemap::MAX_BYTES)?;
    let interval = Duration::from_millis(crawl.request_interval_ms());
    let mut todo: VecDeque<Url> = robots
        .sitemaps()
        .iter()
        .filter_map(|s| Url::parse(s.trim()).ok())
        .collect();
    let at_root = crawl.base_url.join("/sitemap.xml").ok();
    todo.extend(at_root.filter(|u| robots.allows(u) && !todo.contains(u)));
    let mut read = HashSet::new();
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    let limit = crawl.limits.max_pages as usize;
    while let Some(url) = todo.pop_front() {
        if read.len() >= MAX_SITEMAPS || pages.len() >= limit {
            break;
        }
        if !read.insert(url.clone()) {
            continue;
        }
        tokio::time::sleep(until(*last_request_ms, interval)).await;
        let fetched = fetcher.file(&url).await;
        *last_request_ms = unix_ms();
        let body = match fetched {
            Fetched::Body { body, .. } => body,
            Fetched::Redirect {
                location: Some(next),
                ..
            } => {
                todo.push_front(next);
                continue;
            }
            other => {
                tracing::info!(%url, outcome = ?other.status(), "sitemap skipped");
                continue;
            }
        };
        match sitemap::parse(&body) {
            Ok(found) => {
                todo.extend(found.sitemaps.iter().filter_map(|s| Url::parse(s).ok()));
                for page in found.pages {
                    let Some(page) = Url::parse(&page)
                        .ok()
                        .and_then(|u| normalize(&u, crawl.query_strings))
                    else {
                        continue;
                    };
                    if crawl.scope.admits(&page)
                        && robots.allows(&page)
                        && seen.insert(page.clone())
                    {
                        pages.push(page);
                    }
                }
            }
            Err(why) => tracing::warn!(%url, why, "sitemap skipped"),
        }
    }
    pages.truncate(limit);
    Ok(pages)
}

/// robots.txt, following up to five redirects. Missing (4xx) allows everything, and so do more
/// redirects than that; a server error or no answer stops the start, as RFC 9309 says to assume
/// the whole site is disallowed then. An address the crawl may not reach is refused here,
/// before any page is queued.
async fn fetch_robots(deps: &Deps, crawl: &Crawl) -> Result<Vec<u8>> {
    let fetcher = deps.fetcher(crawl, ROBOTS_MAX_BYTES)?;
    let mut url = robots_url(&crawl.base_url);
    for _ in 0..=ROBOTS_REDIRECTS {
        match fetcher.file(&url).await {
            Fetched::Body { body, .. } => return Ok(body),
            // file() reads any type up to its size, unconditionally: none of these comes back.
            Fetched::TooLarge { .. } | Fetched::NotHtml { .. } | Fetched::NotModified => {
                return Ok(Vec::new());
            }
            Fetched::Status { status: 400..=499 } => return Ok(Vec::new()),
            Fetched::Redirect {
                location: Some(next),
                ..
            } => {
                url = next;
                tokio::time::sleep(Duration::from_millis(crawl.request_interval_ms())).await;
            }
            Fetched::Redirect { location: None, .. } => return Ok(Vec::new()),
            Fetched::Refused { reason } => {
                return Err(Error::InvalidInput(format!(
                    "{url} (robots.txt of {}): {reason}; list its network in allow_networks only \
                     if the crawl is meant to reach it",
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
