//! `work`: one worker of a batch, the only writer of its host's queue for its turn. It takes in
//! the links other hosts' workers left in its inbox, takes its pages from the queue, fetches
//! them one after the other at the host's pace, and stores each page as it goes; new links of
//! its host join the queue, links to other hosts go to their inboxes. It ends its turn by
//! storing the turn's records, the inboxes it fills, the queue as a new version, and then the
//! host's state naming that version: a worker that dies before that leaves the queue as it was,
//! and its retry redoes the turn whole, so nothing is counted twice. The host's state is also
//! written when the worker starts, so a retry knows an attempt died and waits one full interval
//! before its first request.

use crate::Deps;
use crate::crawl::{Crawl, Run, Site};
use crate::messages::Worked;
use crate::state::counts::Counts;
use crate::state::frontier::{Frontier, Host, InboxLink, url_hash};
use crate::state::queue::{Digest16, Entry, HostQueue, url_digest};
use crate::web::discover::{self, ROBOTS_MAX_BYTES, RobotsFile};
use crate::web::fetch::{Fetched, Fetcher};
use crate::web::pace::{self, Budget, Pace};
use crate::web::page::{self, Link, Outcome, Record, visit};
use crate::web::robots::{Robots, agent_token};
use crate::web::sitemap;
use futures_util::future::join_all;
use shared::{Error, Result};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;
use std::time::Duration;
use std::time::Instant;
use url::Url;

/// Other hosts' robots.txt one worker keeps (500 KiB each at most).
const OTHER_ROBOTS: usize = 32;
/// Inbox objects one turn takes in; the rest wait for the host's next turn.
const INBOX_OBJECTS: usize = 1_000;
/// Links to other hosts one turn hands on (about 150 bytes each); past it they are counted as
/// `queue_full`.
const MAX_FORWARDED: usize = 100_000;
/// Records a turn holds before it stores them as a part of its records (a page's record lists
/// its links: up to 20,000 of them).
const RECORDS_PART_BYTES: usize = 8 * 1024 * 1024;

/// One worker: the turns in `batch` of the hosts it paces, all at once, each at its own pace. A
/// worker mostly waits, and Lambda bills the wait: waiting for several hosts at once costs each
/// a share. Every host's turn runs to its end (or its error) whatever the others do, so a host
/// that fails leaves the others' turns done; the first error is the worker's, and Step
/// Functions' retry redoes only the turns that did not end.
pub async fn work(
    deps: &Deps,
    run: &Run,
    batch: &str,
    sites: Vec<usize>,
    deadline: Instant,
) -> Result<Worked> {
    let crawl = deps.crawl(run).await?;
    let most = crawl.limits.hosts_per_worker() as usize;
    let distinct: BTreeSet<usize> = sites.iter().copied().collect();
    if sites.is_empty() || sites.len() > most || distinct.len() != sites.len() {
        return Err(Error::InvalidInput(format!(
            "a worker paces 1 to {most} distinct hosts of crawl '{}'; it was given {sites:?}",
            crawl.name
        )));
    }
    // One HTTP client for all the worker's hosts and requests, whatever their size limit: each
    // client loads the trusted roots again.
    let fetcher = deps.fetcher(&crawl, crawl.limits.max_page_bytes as usize)?;
    let others = OtherRobots {
        agent: agent_token(&deps.config.user_agent),
        robots: RefCell::default(),
    };
    let turns = join_all(
        sites
            .iter()
            .map(|site| crawl_host(deps, &crawl, batch, *site, &fetcher, &others, deadline)),
    )
    .await;
    let mut counts = Counts::default();
    for turn in turns {
        counts.add(&turn?)?;
    }
    Ok(Worked { sites, counts })
}

/// One host's turn in `batch`, taking as many pages as the next-batch step allowed. Its first
/// request waits one interval from the host's last answer, whichever worker had it; it stops
/// taking pages when the next one might not end within its time budget, and the rest stay
/// queued.
async fn crawl_host(
    deps: &Deps,
    crawl: &Crawl,
    batch: &str,
    site: usize,
    fetcher: &Fetcher,
    others: &OtherRobots<'_>,
    deadline: Instant,
) -> Result<Counts> {
    let Some(host_site) = crawl.sites.get(site) else {
        return Err(Error::InvalidInput(format!(
            "site {site} is not a site of crawl '{}' ({} sites)",
            crawl.name,
            crawl.sites.len()
        )));
    };
    let frontier = deps.frontier(crawl);
    let take = frontier.group(batch, site).await?.take;
    let limits = &crawl.limits;
    let budget = Budget::until(
        deadline,
        Duration::from_secs(u64::from(limits.timeout_seconds)),
    );
    let earlier = frontier.host(site).await?.unwrap_or_default();
    if earlier.batch == batch && earlier.done {
        // Step Functions ran a worker that had finished again (its answer was lost, or another
        // of its hosts failed).
        return Ok(earlier.counts);
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
        counts: Counts::default(),
        done: false,
        ..earlier.clone()
    };
    if resumed {
        // What the attempt that died stored of its records: the turn is redone whole.
        frontier.delete_records(site, batch).await?;
    } else {
        frontier.put_host(site, &host).await?;
    }
    let mut turn = Turn {
        crawl,
        site,
        name: batch,
        queue: frontier.queue(site, &earlier.queue).await?,
        deferred: Vec::new(),
        counts: Counts::default(),
        forwarded: BTreeMap::new(),
        forwarded_seen: HashSet::new(),
        records: Vec::new(),
        parts: 0,
    };
    let inbox = frontier.inbox(site, INBOX_OBJECTS).await?;
    for link in inbox.iter().flat_map(|(_, links)| links) {
        turn.take_in(link);
    }
    let mut pace = Pace::new(
        Duration::from_millis(crawl.request_interval_ms(0)),
        host.last_request_ms,
    );
    let agent = agent_token(&deps.config.user_agent);
    let (robots, first_robots) = match frontier.robots(site).await? {
        Some(txt) => (Robots::parse(agent, &txt), None),
        None => {
            let visit = FirstVisit {
                agent,
                fetcher,
                crawl,
                frontier: &frontier,
                site,
            };
            let txt = visit.run(&mut pace, &budget, &mut turn).await?;
            (Robots::parse(agent, &txt), Some(txt))
        }
    };
    pace.interval = Duration::from_millis(crawl.request_interval_ms(robots.crawl_delay_ms()));
    // Up to `take` pages, shallowest first, taken as the turn finds them: a host's first turn
    // goes on with the links of its first page. The pages of a re-crawl's earlier run are read
    // for each handful taken.
    let mut left = take as usize;
    'turn: while left > 0 {
        let handful = turn.queue.take(left);
        if handful.is_empty() {
            break;
        }
        left -= handful.len();
        let previous = if crawl.since.is_some() {
            let urls = handful.iter().map(|e| url_digest(&e.url)).collect();
            frontier
                .previous_records(&host_site.base_url, &urls)
                .await?
        } else {
            HashMap::new()
        };
        let mut entries = handful.into_iter();
        while let Some(entry) = entries.next() {
            if !budget.fits(pace.wait()) {
                turn.deferred.push(entry);
                turn.deferred.extend(entries.by_ref());
                tracing::warn!(
                    crawl = %crawl.name,
                    site = %host_site.base_url,
                    left = turn.deferred.len(),
                    "the worker's time budget is spent; its other pages stay queued"
                );
                break 'turn;
            }
            if !robots.allows(&entry.url) {
                // Queued from another host's page before this host's robots.txt was read.
                turn.counts.robots_skipped += 1;
                continue;
            }
            let page = HostPage {
                frontier: &frontier,
                fetcher,
                robots: &robots,
                // An attempt that died, or a worker that failed, may have stored the page.
                stored_before: resumed || entry.attempts > 0,
                previous: previous.get(&url_digest(&entry.url)),
            };
            page.crawl(&mut turn, others, entry, &mut pace).await?;
        }
    }
    // What goes back for a later turn: pages to try again, and those there was no time for.
    for entry in std::mem::take(&mut turn.deferred) {
        turn.queue.put_back(entry);
    }
    // The turn's end: its records, the other hosts' inboxes, the queue's new version, then the
    // state that names it, robots.txt (whose presence says the first visit is done), and the
    // clean-up.
    turn.store_records(&frontier).await?;
    for (other, links) in &turn.forwarded {
        frontier.put_inbox(*other, batch, site, links).await?;
    }
    frontier.put_queue(site, batch, &turn.queue).await?;
    host.counts = turn.counts;
    host.last_request_ms = pace.last_ms;
    host.done = true;
    host.queue = batch.to_owned();
    host.queued = turn.queue.len() as u64;
    frontier.put_host(site, &host).await?;
    if let Some(txt) = first_robots {
        frontier.put_robots(site, txt).await?;
    }
    let taken: Vec<String> = inbox.into_iter().map(|(key, _)| key).collect();
    frontier.delete_inbox(&taken).await?;
    if earlier.queue != batch {
        frontier.delete_queue(site, &earlier.queue).await?;
    }
    tracing::debug!(site, queued = host.queued, "the host's turn ended");
    Ok(host.counts)
}

/// What a turn changes, in memory until its end: the host's queue, its counts, the links for
/// other hosts, and the records not stored yet.
struct Turn<'a> {
    crawl: &'a Crawl,
    site: usize,
    /// The batch: it names the turn's queue version and records.
    name: &'a str,
    queue: HostQueue,
    /// Entries taken and going back after the turn, not to be taken again in it.
    deferred: Vec<Entry>,
    counts: Counts,
    forwarded: BTreeMap<usize, Vec<InboxLink>>,
    forwarded_seen: HashSet<Digest16>,
    /// Records as JSON Lines, and the parts already stored.
    records: Vec<u8>,
    parts: usize,
}

impl Turn<'_> {
    /// A link another host's worker found for this host.
    fn take_in(&mut self, link: &InboxLink) {
        if self.crawl.site_of(&link.url) == Some(self.site) {
            self.queue
                .offer(&link.url, link.depth)
                .count(&mut self.counts);
        }
    }

    fn forward(&mut self, site: usize, url: &Url, depth: u32, counts: &mut Counts) {
        if self.forwarded_seen.len() >= MAX_FORWARDED {
            counts.queue_full += 1;
        } else if self.forwarded_seen.insert(url_digest(url)) {
            self.forwarded.entry(site).or_default().push(InboxLink {
                url: url.clone(),
                depth,
            });
        }
    }

    /// Sorts a page's links: those of this host to follow join its queue, those of another
    /// host of the crawl go to its inbox (its worker checks its robots.txt if this one could
    /// not), and the others are counted, once per page that has them.
    async fn route(
        &mut self,
        frontier: &Frontier<'_>,
        robots: &Robots,
        others: &OtherRobots<'_>,
        links: &[Url],
        depth: u32,
        counts: &mut Counts,
    ) -> Result<()> {
        let sites: Vec<Option<usize>> = links.iter().map(|u| self.crawl.site_of(u)).collect();
        let elsewhere = sites
            .iter()
            .flatten()
            .copied()
            .filter(|s| *s != self.site)
            .collect();
        others.load(frontier, elsewhere).await?;
        for (url, link_site) in links.iter().zip(sites) {
            let other = link_site
                .filter(|s| *s != self.site)
                .and_then(|s| others.get(s));
            let link_robots = match link_site {
                Some(s) if s == self.site => Some(robots),
                _ => other.as_deref(),
            };
            match (
                page::classify(self.crawl, link_site, link_robots, url, depth),
                link_site,
            ) {
                (Link::Follow, Some(s)) if s == self.site => {
                    self.queue.offer(url, depth).count(counts);
                }
                (Link::Follow, Some(s)) => self.forward(s, url, depth, counts),
                (link, _) => link.count(counts),
            }
        }
        Ok(())
    }

    /// Adds a URL's record; a part of the records is stored when it is large.
    async fn record(&mut self, frontier: &Frontier<'_>, record: &Record) -> Result<()> {
        record.write_line(&mut self.records)?;
        if self.records.len() >= RECORDS_PART_BYTES {
            self.store_records(frontier).await?;
        }
        Ok(())
    }

    /// Stores the records not stored yet, as the turn's next part.
    async fn store_records(&mut self, frontier: &Frontier<'_>) -> Result<()> {
        if self.records.is_empty() {
            return Ok(());
        }
        let lines = std::mem::take(&mut self.records);
        frontier
            .put_records(self.site, self.name, self.parts, lines)
            .await?;
        self.parts += 1;
        Ok(())
    }
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
    /// Returns robots.txt, which the caller stores after the turn's end, so a worker that dies
    /// before that reads it again.
    async fn run(&self, pace: &mut Pace, budget: &Budget, turn: &mut Turn<'_>) -> Result<Vec<u8>> {
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
            return Ok(txt);
        }
        let robots = Robots::parse(agent, &txt);
        pace.interval = Duration::from_millis(crawl.request_interval_ms(robots.crawl_delay_ms()));
        let fetcher = fetcher.with_limit(sitemap::MAX_BYTES);
        for url in discover::sitemap_pages(&fetcher, crawl, host_site, &robots, pace, budget).await
        {
            turn.queue.offer(&url, 0).count(&mut turn.counts);
        }
        Ok(txt)
    }
}

/// Other sites' robots.txt, for the links that lead there, up to [`OTHER_ROBOTS`] hosts, shared
/// by the worker's hosts' turns: a link to a host not among them, or whose first worker has not
/// read its robots.txt yet, goes to its inbox, and that host's own worker checks it before
/// fetching it. (The turns run as one task, taking turns at their awaits: no borrow of the
/// cache is held across one.)
struct OtherRobots<'a> {
    agent: &'a str,
    robots: RefCell<HashMap<usize, Option<Rc<Robots>>>>,
}

impl OtherRobots<'_> {
    async fn load(&self, frontier: &Frontier<'_>, sites: Vec<usize>) -> Result<()> {
        for site in sites {
            let wanted = {
                let robots = self.robots.borrow();
                !robots.contains_key(&site) && robots.len() < OTHER_ROBOTS
            };
            if wanted {
                let txt = frontier.robots(site).await?;
                let robots = txt.map(|txt| Rc::new(Robots::parse(self.agent, &txt)));
                self.robots.borrow_mut().insert(site, robots);
            }
        }
        Ok(())
    }

    fn get(&self, site: usize) -> Option<Rc<Robots>> {
        self.robots.borrow().get(&site).cloned().flatten()
    }
}

/// What fetches and stores one page of the worker's host.
struct HostPage<'a> {
    frontier: &'a Frontier<'a>,
    fetcher: &'a Fetcher,
    robots: &'a Robots,
    /// Whether an earlier attempt may have stored the page (removed if it is not stored now).
    stored_before: bool,
    /// The page's record in the run a re-crawl names.
    previous: Option<&'a Record>,
}

impl HostPage<'_> {
    /// Fetches the page, stores it, and adds its record to the turn's; a page to try again goes
    /// back to the queue with one more attempt.
    async fn crawl(
        &self,
        turn: &mut Turn<'_>,
        others: &OtherRobots<'_>,
        entry: Entry,
        pace: &mut Pace,
    ) -> Result<()> {
        let HostPage {
            frontier,
            fetcher,
            robots,
            stored_before,
            previous,
        } = *self;
        let crawl = turn.crawl;
        let mut page = visit(fetcher, crawl, &entry.url, previous, pace).await;
        if let Fetched::Status {
            retry_after: Some(wait),
            ..
        } = &page.fetched
        {
            pace.hold(*wait);
        }
        let attempts = entry.attempts + 1;
        if page.fetched.is_retryable() && attempts < crawl.limits.max_attempts {
            turn.counts.retries += 1;
            turn.deferred.push(Entry { attempts, ..entry });
            return Ok(());
        }
        let mut counts = Counts::default();
        let depth = entry.depth + 1;
        turn.route(frontier, robots, others, &page.links, depth, &mut counts)
            .await?;
        let mut record = Record::new(
            entry.url.clone(),
            entry.depth,
            attempts,
            &mut page,
            previous,
            &mut counts,
        );
        match page.fetched {
            Fetched::Body {
                body, content_type, ..
            } => frontier.put_page(&entry.url, body, &content_type).await?,
            Fetched::NotModified => frontier.copy_previous_page(&entry.url).await?,
            _ if stored_before => frontier.delete_page(&entry.url).await?,
            _ => {}
        }
        if matches!(record.outcome, Outcome::Crawled | Outcome::Unchanged) {
            record.page = Some(url_hash(&entry.url));
        }
        record.counts = counts;
        turn.record(frontier, &record).await?;
        turn.counts.add(&counts)
    }
}
