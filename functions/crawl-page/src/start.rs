//! `start`: reads robots.txt once, stores it with the checked crawl, and queues the start pages.

use crate::counts::Counts;
use crate::crawl::Crawl;
use crate::fetch::Fetched;
use crate::frontier::Entry;
use crate::handler::Deps;
use crate::messages::State;
use crate::page::Link;
use crate::robots::{Robots, agent_token, robots_url};
use shared::{Error, Result};

/// robots.txt is parsed up to this size, as RFC 9309 §2.5 asks; the rest is not read.
const ROBOTS_MAX_BYTES: usize = 500 * 1024;
/// Redirects followed for robots.txt (RFC 9309 §2.3.1.2: at least five, across hosts too).
const ROBOTS_REDIRECTS: usize = 5;
/// What the start pages' claims name as their finder.
const BY_START: &str = "start";

pub async fn start(deps: &Deps, mut crawl: Crawl) -> Result<State> {
    let txt = fetch_robots(deps, &crawl).await?;
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
            // file() reads any type up to its size, so neither comes back.
            Fetched::TooLarge { .. } | Fetched::NotHtml { .. } => return Ok(Vec::new()),
            Fetched::Status { status: 400..=499 } => return Ok(Vec::new()),
            Fetched::Redirect {
                location: Some(next),
                ..
            } => url = next,
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
