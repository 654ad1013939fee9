//! `start`: stores the checked crawl and queues each site's start pages. Nothing is fetched
//! here: each host's first worker reads its robots.txt and sitemaps (`discover`), so a crawl of
//! thousands of sites starts as fast as one of a single site.

use crate::Deps;
use crate::crawl::{Crawl, CrawlRequest, Run, SITE_LISTS};
use crate::state::progress::Progress;
use crate::state::queue::HostQueue;
use futures_util::{StreamExt, stream};
use shared::{Error, Result};
use std::collections::BTreeMap;
/// Sites' names resolved at the same time.
const LOOKUPS_IN_FLIGHT: usize = 16;

pub async fn start(deps: &Deps, crawl: Crawl) -> Result<Run> {
    refuse_unreachable(deps, &crawl).await?;
    let frontier = &deps.frontier(&crawl);
    // A start retried before its first batch may redo its work; one after would reset the
    // crawl's totals and budget.
    if frontier
        .existing_progress()
        .await?
        .is_some_and(|p| p.batches > 0)
    {
        return Err(Error::InvalidInput(format!(
            "crawl '{}' run '{}' has already started: resume it with the input {}",
            crawl.name,
            crawl.run_id,
            serde_json::json!({"name": crawl.name, "run_id": crawl.run_id})
        )));
    }
    frontier.put_crawl(&crawl).await?;
    let queues: Vec<(usize, HostQueue)> = crawl
        .sites
        .iter()
        .enumerate()
        .map(|(site, s)| {
            let mut queue = HostQueue::default();
            for url in &s.start_urls {
                queue.offer(url, 0);
            }
            (site, queue)
        })
        .collect();
    let pending: BTreeMap<usize, u64> = queues
        .iter()
        .map(|(site, queue)| (*site, queue.len() as u64))
        .collect();
    frontier.put_start_queues(queues).await?;
    let progress = Progress::new(&crawl.run_id, pending);
    frontier.put_progress(&progress).await?;
    tracing::info!(crawl = %crawl.name, run = %crawl.run_id, sites = crawl.sites.len(), queued = progress.totals.queued, "crawl started");
    Ok(crawl.run())
}

/// A crawl whose sites are listed in the crawl bucket (`sites_from`), with them read; any other
/// as it is. Only a key under [`SITE_LISTS`] is read.
pub async fn read_site_list(deps: &Deps, crawl: CrawlRequest) -> Result<CrawlRequest> {
    let Some(key) = crawl.sites_from.clone() else {
        return Ok(crawl);
    };
    let bucket = &deps.config.bucket;
    if !key.starts_with(SITE_LISTS) || key.split('/').any(|part| part == "..") {
        return Err(Error::InvalidInput(format!(
            "sites_from '{key}' must be a key under {SITE_LISTS} in the crawl bucket ({bucket})"
        )));
    }
    let uri = deps.store.uri(&key);
    let Some(list) = deps.store.get(&key).await? else {
        return Err(Error::InvalidInput(format!(
            "sites_from names {uri}, which does not exist"
        )));
    };
    if list.len() > MAX_SITE_LIST_BYTES {
        return Err(Error::InvalidInput(format!(
            "site list {uri} has {} bytes; at most {MAX_SITE_LIST_BYTES} are read",
            list.len()
        )));
    }
    crawl.with_site_list(&list)
}

/// A site list's size: 10,000 sites of about 160 bytes each, with room to spare.
const MAX_SITE_LIST_BYTES: usize = 8 * 1024 * 1024;

/// A site the crawl may not reach (its `allow_networks`, the deployment's networks and ports) is
/// refused before anything is queued or sent, naming the site and why. A name that does not
/// resolve is not refused here: its worker records its pages as unreachable.
async fn refuse_unreachable(deps: &Deps, crawl: &Crawl) -> Result<()> {
    let fetcher = &deps.fetcher(crawl, 0)?;
    let refusals: Vec<String> = stream::iter(&crawl.sites)
        .map(|site| async move {
            fetcher
                .refusal(&site.base_url)
                .await
                .map(|why| format!("{}: {why}", site.base_url))
        })
        .buffered(LOOKUPS_IN_FLIGHT)
        .filter_map(std::future::ready)
        .collect()
        .await;
    match refusals.as_slice() {
        [] => Ok(()),
        [first, ..] => Err(Error::InvalidInput(format!(
            "{first}{}; list a site's network in allow_networks only if the crawl is meant to \
             reach it",
            match refusals.len() - 1 {
                0 => String::new(),
                more => format!(" (and {more} more sites)"),
            }
        ))),
    }
}
