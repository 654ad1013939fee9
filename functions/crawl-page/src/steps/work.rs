//! `work`: one worker of a batch, the only one of its batch on its host. It fetches its pages
//! one after the other at the host's pace, stores each with its record, and queues the new
//! links: the page first, its links next, the record after them, the queue entry last, so a
//! worker that dies anywhere is retried and redoes only what is missing (the frontier lets a
//! page's own earlier claims through, and a page that already has its record is counted from
//! it, not fetched). The host's state, which the next worker of the host and the next step
//! read, is written when the worker starts and when it ends, not after each page: a worker that
//! finds its batch started and not ended knows an attempt died, and waits one full interval
//! before its first request.

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
use crate::web::pace::{self, Budget, Pace};
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
    if earlier.batch == batch && earlier.done {
        // Step Functions ran a worker that had finished again (its answer was lost).
        return Ok(Worked {
            site,
            counts: earlier.counts,
        });
    }
    let resumed = earlier.batch == batch;
    let mut host = Host {
        batch: batch.to_owned(),
        // An attempt that died made requests this state does not know of, all before now.
        last_request_ms: if resumed {
            pace::unix_ms()
        } else {
            earlier.last_request_ms
        },
        // It carries on from what that attempt stored: its first visit's counts. Its pages
        // are counted from their records as this one meets them.
        counts: if resumed {
            earlier.counts
        } else {
            Counts::default()
        },
        done: false,
    };
    if !resumed {
        frontier.put_host(site, &host).await?;
    }
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
            // Counted afresh: an attempt that died before storing robots.txt is redone whole.
            host.counts = Counts {
                queued,
                ..Counts::default()
            };
            host.last_request_ms = pace.last_ms;
            // Before robots.txt, whose presence says the first visit is done.
            frontier.put_host(site, &host).await?;
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
        if let Some(record) = frontier.record_of_queued(key).await? {
            // Done by an earlier attempt: counted here, once, and out of the queue.
            host.counts.add(&record.counts)?;
            frontier.delete_queued(key).await?;
            continue;
        }
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
        let counts = page.crawl(&fetcher, entry, found, &mut pace).await?;
        host.counts.add(&counts)?;
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
    ) -> Result<Counts> {
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
        let mut counts = Counts::default();
        let attempts = entry.attempts + 1;
        if page.fetched.is_retryable() && attempts < crawl.limits.max_attempts {
            counts.retries += 1;
            frontier.enqueue(&Entry { attempts, ..entry }).await?;
            return Ok(counts);
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
                (link, _) => link.count(&mut counts),
            }
        }
        let mut record = Record::new(
            entry.url.clone(),
            entry.depth,
            attempts,
            &page,
            previous.as_ref(),
            &mut counts,
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
        record.counts = counts;
        frontier.put_record(&entry.url, &record).await?;
        frontier.dequeue(&entry).await?;
        Ok(counts)
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
