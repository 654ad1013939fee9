//! `work`: one worker of a batch, the only one of its batch on its host. It fetches its pages
//! one after the other at the host's pace, stores each with its record, and queues the new
//! links: the page first, its links next, the record after them, the queue entry last, so a
//! worker that dies anywhere is
//! retried and redoes only what is missing (the frontier lets a page's own earlier claims
//! through, and skips a queued page that already has its record). After each page it notes the
//! host's pace and its counts in the host's state, which the next worker of the host and the
//! next step read.

use crate::Deps;
use crate::crawl::{Crawl, Run, Site};
use crate::messages::Worked;
use crate::normalize::normalize;
use crate::state::counts::Counts;
use crate::state::frontier::{Entry, Frontier, Host};
use crate::state::known::Known;
use crate::web::discover::{self, ROBOTS_MAX_BYTES, RobotsFile};
use crate::web::fetch::{Fetched, Fetcher};
use crate::web::html;
use crate::web::pace::{Budget, Pace};
use crate::web::page::{self, Link, Record, visit};
use crate::web::robots::{Robots, agent_token};
use crate::web::sitemap;
use shared::{Error, Result};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use url::Url;

/// Other hosts' robots.txt one worker keeps (500 KiB each at most).
const OTHER_ROBOTS: usize = 32;
/// What the sitemaps' pages' claims name as their finder.
const BY_SITEMAP: &str = "sitemap";

/// One worker: the pages `batch` gives `site`, as the next-batch step stored them. Its first
/// request waits one interval from the host's last answer, whichever worker had it; it stops
/// taking pages when the next one might not end within its time budget, and the rest stay
/// queued.
pub async fn crawl_host(
    deps: &Deps,
    run: &Run,
    batch: &str,
    site: usize,
    deadline: Instant,
) -> Result<Worked> {
    let crawl = &deps.crawl(run).await?;
    let Some(host_site) = crawl.sites.get(site) else {
        return Err(Error::InvalidInput(format!(
            "site {site} is not a site of crawl '{}' ({} sites)",
            crawl.name,
            crawl.sites.len()
        )));
    };
    let frontier = deps.frontier(crawl);
    let keys = &frontier.group(batch, site).await?.pages;
    let limits = &crawl.limits;
    let budget = Budget::until(
        deadline,
        Duration::from_secs(u64::from(limits.timeout_seconds)),
    );
    let earlier = frontier.host(site).await?.unwrap_or_default();
    let mut host = Host {
        batch: batch.to_owned(),
        last_request_ms: earlier.last_request_ms,
        // A retried worker of this batch carries on from where the last attempt got to.
        counts: if earlier.batch == batch {
            earlier.counts
        } else {
            Counts::default()
        },
        done: false,
    };
    let mut pace = Pace {
        interval: Duration::from_millis(crawl.request_interval_ms(0)),
        last_ms: host.last_request_ms,
    };
    let mut known = frontier.known(site).await?;
    let agent = agent_token(&deps.config.user_agent);
    // One HTTP client for the worker's requests, whatever their size limit.
    let fetcher = deps.fetcher(crawl, limits.max_page_bytes as usize)?;
    let robots = match frontier.robots(site).await? {
        Some(txt) => Robots::parse(agent, &txt),
        None => {
            let visit = FirstVisit {
                agent,
                fetcher: &fetcher,
                crawl,
                frontier: &frontier,
                site,
            };
            let (txt, queued) = visit.run(&mut pace, &budget, &mut known).await?;
            host.counts.queued += queued;
            let robots = Robots::parse(agent, &txt);
            frontier.put_robots(site, txt).await?;
            robots
        }
    };
    pace.interval = Duration::from_millis(crawl.request_interval_ms(robots.crawl_delay_ms()));
    let mut others = OtherRobots {
        agent,
        robots: HashMap::new(),
    };
    for (done, key) in keys.iter().enumerate() {
        let Some(entry) = frontier.entry(key).await? else {
            continue;
        };
        if entry.site != site {
            return Err(Error::InvalidInput(format!(
                "{key} is queued for site {}, not for site {site} ({})",
                entry.site, host_site.base_url
            )));
        }
        if !budget.fits(pace.wait()) {
            tracing::warn!(
                crawl = %crawl.name,
                site = %host_site.base_url,
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
        if !robots.allows(&entry.url) {
            // Queued from another host's page before this host's robots.txt was read.
            host.counts.robots_skipped += 1;
            frontier.dequeue(&entry).await?;
            continue;
        }
        let page = QueuedPage {
            frontier: &frontier,
            crawl,
            robots: &robots,
            key,
        };
        let found = Found {
            others: &mut others,
            known: &mut known,
        };
        page.crawl(&fetcher, entry, found, &mut pace, &mut host.counts)
            .await?;
        host.last_request_ms = pace.last_ms;
        frontier.put_host(site, &host).await?;
    }
    frontier.put_known(site, &known).await?;
    tracing::debug!(site, known = known.len(), "the host's known URLs");
    host.last_request_ms = pace.last_ms;
    host.done = true;
    frontier.put_host(site, &host).await?;
    Ok(Worked {
        site,
        counts: host.counts,
    })
}

/// The host's first worker: reads robots.txt, and queues the sitemaps' pages.
struct FirstVisit<'a> {
    agent: &'a str,
    fetcher: &'a Fetcher,
    crawl: &'a Crawl,
    frontier: &'a Frontier<'a>,
    site: usize,
}

impl FirstVisit<'_> {
    /// Returns robots.txt, which the caller stores last, so a worker that dies before that reads
    /// it again, and how many pages it queued.
    async fn run(
        &self,
        pace: &mut Pace,
        budget: &Budget,
        known: &mut Known,
    ) -> Result<(Vec<u8>, u64)> {
        let FirstVisit {
            agent,
            fetcher,
            crawl,
            frontier,
            site,
        } = *self;
        let host_site: &Site = &crawl.sites[site];
        let txt = match discover::robots(
            &fetcher.with_limit(ROBOTS_MAX_BYTES),
            crawl,
            host_site,
            pace,
            budget,
        )
        .await
        .map_err(Error::Transient)?
        {
            RobotsFile::Read(txt) => txt,
            RobotsFile::OnSite(other) => frontier.robots(other).await?.ok_or_else(|| {
                Error::Transient(format!(
                    "{}robots.txt redirects to {}, another host of this crawl, whose own worker \
                     has not read it yet: this host is tried again later",
                    host_site.base_url, crawl.sites[other].base_url
                ))
            })?,
        };
        if !crawl.sitemaps {
            return Ok((txt, 0));
        }
        let robots = Robots::parse(agent, &txt);
        pace.interval = Duration::from_millis(crawl.request_interval_ms(robots.crawl_delay_ms()));
        let fetcher = fetcher.with_limit(sitemap::MAX_BYTES);
        let pages =
            discover::sitemap_pages(&fetcher, crawl, host_site, &robots, pace, budget).await;
        let pages = pages.into_iter().map(|url| (url, site)).collect();
        let queued = frontier.queue_new(BY_SITEMAP, pages, 0, known).await?;
        Ok((txt, queued))
    }
}

/// Other sites' robots.txt, for the links that lead there, up to [`OTHER_ROBOTS`] hosts: a link
/// to a host not among them, or whose first worker has not read its robots.txt yet, is queued,
/// and that host's own worker checks it before fetching it.
struct OtherRobots<'a> {
    agent: &'a str,
    robots: HashMap<usize, Option<Robots>>,
}

impl OtherRobots<'_> {
    async fn load(&mut self, frontier: &Frontier<'_>, sites: Vec<usize>) -> Result<()> {
        for site in sites {
            if !self.robots.contains_key(&site) && self.robots.len() < OTHER_ROBOTS {
                let txt = frontier.robots(site).await?;
                let robots = txt.map(|txt| Robots::parse(self.agent, &txt));
                self.robots.insert(site, robots);
            }
        }
        Ok(())
    }

    fn get(&self, site: usize) -> Option<&Robots> {
        self.robots.get(&site).and_then(Option::as_ref)
    }
}

/// What a page's links are checked against: other hosts' robots.txt, and the URLs known to be
/// claimed.
struct Found<'a, 'b> {
    others: &'a mut OtherRobots<'b>,
    known: &'a mut Known,
}

/// One page of the worker's host.
struct QueuedPage<'a> {
    frontier: &'a Frontier<'a>,
    crawl: &'a Crawl,
    robots: &'a Robots,
    key: &'a str,
}

impl QueuedPage<'_> {
    async fn crawl(
        &self,
        fetcher: &Fetcher,
        entry: Entry,
        found: Found<'_, '_>,
        pace: &mut Pace,
        counts: &mut Counts,
    ) -> Result<()> {
        let QueuedPage {
            frontier,
            crawl,
            robots,
            key,
        } = *self;
        let previous = frontier.previous_record(&entry.url).await?;
        let page = visit(fetcher, crawl, &entry.url, previous.as_ref(), pace).await;
        if let Fetched::Status {
            retry_after: Some(wait),
            ..
        } = &page.fetched
        {
            pace.hold(*wait);
        }
        let attempts = entry.attempts + 1;
        if page.fetched.is_retryable() && attempts < crawl.limits.max_attempts {
            counts.retries += 1;
            return frontier.enqueue(&Entry { attempts, ..entry }).await;
        }
        let depth = entry.depth + 1;
        let sites: Vec<Option<usize>> = page.links.iter().map(|u| crawl.site_of(u)).collect();
        let elsewhere = sites
            .iter()
            .flatten()
            .copied()
            .filter(|s| *s != entry.site)
            .collect();
        let Found { others, known } = found;
        others.load(frontier, elsewhere).await?;
        // Only the links that will be followed are claimed (one conditional PUT each); the
        // others are counted, once per page that has them.
        let mut follow = Vec::new();
        for (url, link_site) in page.links.iter().zip(sites) {
            let link_robots = match link_site {
                Some(s) if s == entry.site => Some(robots),
                Some(s) => others.get(s),
                None => None,
            };
            match (
                page::classify(crawl, link_site, link_robots, url, depth),
                link_site,
            ) {
                (Link::Follow, Some(site)) => follow.push((url, site)),
                (link, _) => link.count(counts),
            }
        }
        let record = Record::new(
            entry.url.clone(),
            entry.depth,
            attempts,
            &page,
            previous.as_ref(),
            counts,
        );
        // The page before its links: once it is stored, a later attempt that fails for good can
        // still queue the links this one claims (`rescue_links`).
        match page.fetched {
            Fetched::Body {
                body, content_type, ..
            } => frontier.put_page(&entry.url, body, &content_type).await?,
            Fetched::NotModified => frontier.copy_previous_page(&entry.url).await?,
            _ if entry.attempts > 0 => {
                counts.queued += rescue_links(frontier, crawl, &entry, key).await?;
            }
            _ => {}
        }
        counts.queued += frontier.queue_new(key, follow, depth, known).await?;
        frontier.put_record(&entry.url, &record).await?;
        frontier.dequeue(&entry).await
    }
}

/// A page that fails for good after an earlier attempt stored it and claimed its links, then
/// died before queueing them all: its claims would keep every other page from queueing those
/// links. They are queued from the stored page (a claim answers `true` again to the page that
/// made it), and the stored page, which no record describes, is removed. Returns how many were
/// queued. Nothing is done, and nothing is read, when no earlier attempt stored the page.
pub(crate) async fn rescue_links(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    entry: &Entry,
    key: &str,
) -> Result<u64> {
    let Some(body) = frontier.stored_page(&entry.url).await? else {
        return Ok(0);
    };
    let parsed = html::parse(&body, &entry.url);
    let depth = entry.depth + 1;
    let links: Vec<(Url, usize)> = parsed
        .links
        .iter()
        .filter(|_| !parsed.nofollow)
        .filter_map(|link| normalize(link, crawl.query_strings))
        .take(page::MAX_LINKS)
        .filter_map(|url| {
            let site = crawl.site_of(&url)?;
            (page::classify(crawl, Some(site), None, &url, depth) == Link::Follow)
                .then_some((url, site))
        })
        .collect();
    // A fresh cache: the claims this page made answer `true` to it again.
    let queued = frontier
        .queue_new(key, links, depth, &mut Known::default())
        .await?;
    frontier.delete_page(&entry.url).await?;
    Ok(queued)
}
