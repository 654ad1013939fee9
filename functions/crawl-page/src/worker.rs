//! `crawl`: one worker of a batch. It fetches its pages one after the other at the crawl's
//! pace, stores each with its record, and queues the new links: links first, the record next,
//! the queue entry last, so a worker that dies anywhere is retried and redoes only what is
//! missing (the frontier lets a page's own earlier claims through, and skips a queued page
//! that already has its record).

use crate::counts::Counts;
use crate::crawl::{Crawl, WORKER_SECONDS};
use crate::fetch::{Fetched, Fetcher};
use crate::frontier::{CLAIMS_IN_FLIGHT, Entry, Frontier};
use crate::handler::Deps;
use crate::messages::Crawled;
use crate::pace::{unix_ms, until};
use crate::page::{self, Link, Record, visit};
use crate::robots::{Robots, agent_token};
use futures_util::{StreamExt, TryStreamExt, stream};
use shared::{Error, Result};
use std::time::{Duration, Instant};

/// One worker, the only one of its batch on its host: its pages one after the other, each
/// request at least the crawl's interval after the previous one's answer, the first at least
/// that long after `not_before_ms` (the crawl's last answer before this batch). It stops taking pages
/// when the next one might not finish within its time budget; the rest stay queued.
pub async fn crawl_pages(
    deps: &Deps,
    claimed: &Crawl,
    keys: &[String],
    not_before_ms: u64,
) -> Result<Crawled> {
    let started = Instant::now();
    let crawl = &deps.stored(claimed).await?;
    let frontier = deps.frontier(crawl);
    let robots = Robots::parse(
        agent_token(&deps.config.user_agent),
        &frontier.robots().await?,
    );
    let fetcher = deps.fetcher(crawl, crawl.limits.max_page_bytes as usize)?;
    let interval = Duration::from_millis(crawl.request_interval_ms());
    let timeout = Duration::from_secs(u64::from(crawl.limits.timeout_seconds));
    let budget = Duration::from_secs_f64(WORKER_SECONDS);
    let mut counts = Counts::default();
    let mut last_request_ms = not_before_ms;
    for (done, key) in keys.iter().enumerate() {
        let Some(entry) = frontier.entry(key).await? else {
            continue;
        };
        let wait = until(last_request_ms, interval);
        if !fits(started.elapsed() + wait, timeout, budget) {
            tracing::warn!(
                crawl = %crawl.name,
                left = keys.len() - done,
                "the worker's time budget is spent; its other pages stay queued"
            );
            break;
        }
        if frontier.has_record(&entry.url).await? {
            // Stored by an earlier attempt that died before dequeuing it.
            frontier.dequeue(&entry).await?;
            continue;
        }
        tokio::time::sleep(wait).await;
        last_request_ms =
            crawl_one(&frontier, crawl, &robots, &fetcher, key, entry, &mut counts).await?;
    }
    Ok(Crawled {
        counts,
        last_request_ms,
    })
}

/// Whether a page whose request goes out at `send` (from the worker's start) and may take
/// `timeout` ends within the worker's `budget`.
fn fits(send: Duration, timeout: Duration, budget: Duration) -> bool {
    send + timeout <= budget
}

/// Crawls one page; returns when its answer came (Unix milliseconds), which the next request
/// to the host waits one interval from, while this page's stores go on.
async fn crawl_one(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    robots: &Robots,
    fetcher: &Fetcher,
    key: &str,
    entry: Entry,
    counts: &mut Counts,
) -> Result<u64> {
    let previous = frontier.previous_record(&entry.url).await?;
    let page = visit(fetcher, crawl, &entry.url, previous.as_ref()).await;
    // From the answer, not the request: the next request then arrives at least one interval
    // after this one's answer, however long this one took.
    let answered = unix_ms();
    let attempts = entry.attempts + 1;
    if page.fetched.is_retryable() && attempts < crawl.limits.max_attempts {
        counts.retries += 1;
        frontier.enqueue(&Entry { attempts, ..entry }).await?;
        return Ok(answered);
    }
    let depth = entry.depth + 1;
    let found: Vec<Link> = stream::iter(page.links.iter())
        .map(|url| async move {
            let link = page::classify(crawl, robots, url, depth);
            if !frontier.claim(url, key).await? {
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
    let record = Record::new(
        entry.url.clone(),
        entry.depth,
        attempts,
        &page,
        previous.as_ref(),
        counts,
    );
    match page.fetched {
        Fetched::Body {
            body, content_type, ..
        } => frontier.put_page(&entry.url, body, &content_type).await?,
        Fetched::NotModified => frontier.copy_previous_page(&entry.url).await?,
        _ => {}
    }
    frontier.put_record(&entry.url, &record).await?;
    frontier.dequeue(&entry).await?;
    Ok(answered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn a_page_is_taken_only_if_it_can_end_within_the_budget() {
        let budget = S(840);
        assert!(fits(S(0), S(15), budget));
        assert!(fits(S(800) + S(10), S(30), budget));
        assert!(!fits(S(800) + S(20), S(30), budget), "the wait counts");
        assert!(
            !fits(S(830), S(15), budget),
            "the time already spent counts"
        );
    }
}
