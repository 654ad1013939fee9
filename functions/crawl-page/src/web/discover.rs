//! A host's first worker reads its robots.txt (stored, so later workers never ask again) and,
//! when the crawl wants them, its sitemaps, whose pages join the queue at depth 0.

use crate::crawl::{Crawl, Site};
use crate::normalize::normalize;
use crate::state::frontier::url_hash;
use crate::web::fetch::{Fetched, Fetcher};
use crate::web::pace::{Budget, Pace};
use crate::web::robots::{Robots, robots_url};
use crate::web::sitemap::{self, Loc};
use std::collections::{HashSet, VecDeque};
use std::ops::ControlFlow;
use url::Url;

/// robots.txt is parsed up to this size, as RFC 9309 §2.5 asks; the rest is not read.
pub const ROBOTS_MAX_BYTES: usize = 500 * 1024;
/// Redirects followed for robots.txt (RFC 9309 §2.3.1.2: at least five, across hosts too).
const ROBOTS_REDIRECTS: usize = 5;
/// Sitemap files read per host, indexes included.
const MAX_SITEMAPS: usize = 20;
/// Pages taken from a host's sitemaps: one sitemap's worth, which its first worker queues
/// well within its time; the rest of the site is found through links.
pub const MAX_SITEMAP_PAGES: usize = 50_000;

/// What a host's robots.txt request found.
#[derive(Debug, PartialEq, Eq)]
pub enum RobotsFile {
    /// The file (empty when missing: everything is allowed).
    Read(Vec<u8>),
    /// It redirects to another host of this crawl, whose own worker reads and stores it: that
    /// host's pace is its worker's to keep.
    OnSite(usize),
}

/// robots.txt, following up to five redirects. Missing (4xx) allows everything, and so do more
/// redirects than that; so does a refused address, whose pages are then each recorded as
/// refused without a request. A server error, 429 or no answer is an error: RFC 9309 says to
/// assume the whole site is disallowed when robots.txt is unreachable, and a site that answers
/// "too many requests" has not said it has none; so the host is tried again later.
pub async fn robots(
    fetcher: &Fetcher,
    crawl: &Crawl,
    site: &Site,
    pace: &mut Pace,
    budget: &Budget,
) -> Result<RobotsFile, String> {
    let mut url = robots_url(&site.base_url);
    for _ in 0..=ROBOTS_REDIRECTS {
        // Another host of this crawl is paced by its own worker, which reads this same file.
        if let Some(other) = crawl.site_on_host(&url)
            && crawl.sites[other].scope.host != site.scope.host
        {
            return Ok(RobotsFile::OnSite(other));
        }
        if !budget.fits(pace.wait()) {
            return Err(format!(
                "the worker's time ran out before {url} was read: the host is tried again later"
            ));
        }
        pace.turn().await;
        let fetched = fetcher.file(&url).await;
        pace.answered();
        match fetched {
            Fetched::Body { body, .. } => return Ok(RobotsFile::Read(body)),
            // file() reads any type up to its size, unconditionally: none of these comes back.
            Fetched::TooLarge { .. } | Fetched::NotHtml { .. } | Fetched::NotModified => {
                return Ok(RobotsFile::Read(Vec::new()));
            }
            Fetched::Status { status: 429, .. } => {
                return Err(format!(
                    "{url} answered HTTP 429 (too many requests): robots.txt is unreachable, so \
                     the host waits and is tried again later"
                ));
            }
            Fetched::Status {
                status: 400..=499, ..
            } => return Ok(RobotsFile::Read(Vec::new())),
            Fetched::Redirect {
                location: Some(next),
                ..
            } => url = next,
            Fetched::Redirect { location: None, .. } | Fetched::Refused { .. } => {
                return Ok(RobotsFile::Read(Vec::new()));
            }
            Fetched::Status { status, .. } => {
                return Err(format!(
                    "{url} answered HTTP {status}: a crawler must not crawl a site whose robots.txt \
                     fails with a server error"
                ));
            }
            Fetched::Unreachable { error } => {
                return Err(format!("{url}: {error}"));
            }
        }
    }
    Ok(RobotsFile::Read(Vec::new()))
}

/// The in-scope pages the site's sitemaps list that robots.txt allows, normalised, at most
/// `max_pages` and [`MAX_SITEMAP_PAGES`] of them. Sitemaps come from robots.txt's `Sitemap:` lines and `/sitemap.xml`,
/// indexes are followed, at most `MAX_SITEMAPS` files are read at the host's pace and within
/// the worker's budget; a sitemap that is missing, refused or unreadable is skipped with a log
/// line.
pub async fn sitemap_pages(
    fetcher: &Fetcher,
    crawl: &Crawl,
    site: &Site,
    robots: &Robots,
    pace: &mut Pace,
    budget: &Budget,
) -> Vec<Url> {
    let mut todo: VecDeque<Url> = robots
        .sitemaps()
        .iter()
        .filter_map(|s| Url::parse(s.trim()).ok())
        .collect();
    let at_root = site.base_url.join("/sitemap.xml").ok();
    todo.extend(at_root.filter(|u| robots.allows(u) && !todo.contains(u)));
    let mut read = HashSet::new();
    let mut pages = Vec::new();
    // The pages' hashes, not the pages a second time.
    let mut seen = HashSet::new();
    let limit = (crawl.limits.max_pages as usize).min(MAX_SITEMAP_PAGES);
    while let Some(url) = todo.pop_front() {
        if read.len() >= MAX_SITEMAPS || pages.len() >= limit {
            break;
        }
        if !budget.fits(pace.wait()) {
            tracing::warn!(%url, left = todo.len() + 1, "the worker's time budget is spent; the other sitemaps are not read");
            break;
        }
        if !read.insert(url.clone()) {
            continue;
        }
        if crawl
            .site_on_host(&url)
            .is_some_and(|other| crawl.sites[other].scope.host != site.scope.host)
        {
            // That host is paced by its own worker, which reads its sitemaps itself.
            tracing::info!(%url, "sitemap on another host of the crawl skipped");
            continue;
        }
        pace.turn().await;
        let fetched = fetcher.file(&url).await;
        pace.answered();
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
        let taken = sitemap::read(&body, |loc| {
            match loc {
                Loc::Sitemap(next) => {
                    if todo.len() < MAX_SITEMAPS {
                        todo.extend(Url::parse(next).ok());
                    }
                }
                Loc::Page(page) => {
                    let page = Url::parse(page)
                        .ok()
                        .and_then(|u| normalize(&u, crawl.query_strings))
                        .filter(|u| site.scope.admits(u) && robots.allows(u));
                    if let Some(page) = page
                        && seen.insert(url_hash(&page))
                    {
                        pages.push(page);
                    }
                }
            }
            if pages.len() >= limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        if let Err(why) = taken {
            tracing::warn!(%url, why, "sitemap skipped");
        }
    }
    pages
}
