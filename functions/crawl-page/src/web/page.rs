//! One page, from URL to record: fetch it, read its title and links, and sort every link into
//! follow, out of scope, disallowed by robots.txt, or too deep. No AWS here: the Lambda steps
//! and the benchmark both run pages through these functions.

use crate::crawl::Crawl;
use crate::normalize::{QueryStrings, normalize};
use crate::state::counts::Counts;
use crate::web::fetch::{Fetched, Fetcher, Validators};
use crate::web::html;
use crate::web::pace::Pace;
use crate::web::robots::Robots;
use indexmap::IndexSet;
use serde::{Deserialize, Serialize};
use shared::{Error, Result};
use url::Url;

/// Distinct links taken from one page: the Python docs' largest index page has about 17,000
/// links, fewer distinct.
pub const MAX_LINKS: usize = 20_000;

/// A fetched page: what came back, and the distinct normalised links it points to (its
/// `Location` for a redirect; none when the page says `nofollow`).
pub struct Visit {
    pub fetched: Fetched,
    pub title: Option<String>,
    pub links: Vec<Url>,
}

/// Fetches `url` at the host's pace; conditionally when `previous` (its record in the run a
/// re-crawl names) has validators, and then an unchanged page keeps that record's title and
/// links. The pace notes the answer before the page is parsed, so parsing overlaps the wait.
pub async fn visit(
    fetcher: &Fetcher,
    crawl: &Crawl,
    url: &Url,
    previous: Option<&Record>,
    pace: &mut Pace,
) -> Visit {
    let since = previous
        .filter(|r| matches!(r.outcome, Outcome::Crawled | Outcome::Unchanged))
        .map(|r| r.validators.clone())
        .unwrap_or_default();
    pace.turn().await;
    let fetched = fetcher.page(url, &since).await;
    pace.answered();
    let (title, raw_links) = match (&fetched, previous) {
        (Fetched::NotModified, Some(previous)) => (previous.title.clone(), previous.links.clone()),
        (fetched, _) => parse(fetched, url),
    };
    Visit {
        fetched,
        title,
        links: distinct(&raw_links, url, crawl.query_strings),
    }
}

/// The distinct normalised links of the page at `url`, other than itself, in the page's order.
/// An index page has thousands of links, and a page may have any number; past [`MAX_LINKS`]
/// the rest are not followed.
fn distinct(raw_links: &[Url], url: &Url, query: QueryStrings) -> Vec<Url> {
    let mut links = IndexSet::new();
    for link in raw_links.iter().filter_map(|link| normalize(link, query)) {
        if links.len() == MAX_LINKS {
            break;
        }
        if link != *url {
            links.insert(link);
        }
    }
    links.into_iter().collect()
}

/// A page's title and links, as fetched.
fn parse(fetched: &Fetched, url: &Url) -> (Option<String>, Vec<Url>) {
    match fetched {
        Fetched::Body { body, .. } => {
            let parsed = html::parse(body, url);
            let links = if parsed.nofollow {
                Vec::new()
            } else {
                parsed.links
            };
            (parsed.title, links)
        }
        Fetched::Redirect {
            location: Some(location),
            ..
        } => (None, vec![location.clone()]),
        _ => (None, Vec::new()),
    }
}

/// What becomes of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Follow,
    OutOfScope,
    Disallowed,
    TooDeep,
}

/// Sorts a normalised link found at `depth` (the page it leads to would be at `depth`): `site`
/// is the crawl's site whose host it is on, if any, and `robots` that host's rules when known.
pub fn classify(
    crawl: &Crawl,
    site: Option<usize>,
    robots: Option<&Robots>,
    url: &Url,
    depth: u32,
) -> Link {
    if !site
        .and_then(|s| crawl.sites.get(s))
        .is_some_and(|s| s.scope.admits(url))
    {
        Link::OutOfScope
    } else if robots.is_some_and(|r| !r.allows(url)) {
        Link::Disallowed
    } else if depth > crawl.limits.max_depth {
        Link::TooDeep
    } else {
        Link::Follow
    }
}

impl Link {
    /// Counts a link not followed, once per page; one to follow is counted by the queue that
    /// takes it, as `queued` when it is new.
    pub fn count(self, counts: &mut Counts) {
        match self {
            Link::Follow => {}
            Link::OutOfScope => counts.out_of_scope += 1,
            Link::Disallowed => counts.robots_skipped += 1,
            Link::TooDeep => counts.too_deep += 1,
        }
    }
}

/// What is stored about every URL fetched: one line of its turn's `records/<site>/<turn>.<part>.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub url: Url,
    pub depth: u32,
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub title: Option<String>,
    pub content_type: Option<String>,
    pub fetched_at: String,
    pub bytes: u64,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `ETag` and `Last-Modified`, which a re-crawl sends back.
    #[serde(flatten)]
    pub validators: Validators,
    /// The stored page's name, for an HTML page: it is `pages/<page>.html`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub links: Vec<Url>,
    /// What the URL added to the crawl's counts (its outcome, its links, the URLs it queued):
    /// a worker that comes back to a URL an earlier attempt recorded counts it from here.
    #[serde(default)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Crawled,
    Redirect,
    NotHtml,
    TooLarge,
    Refused,
    Failed,
    /// A re-crawl's 304: the page is the one the earlier run stored, copied without download.
    Unchanged,
}

impl Record {
    /// The record of a finished fetch (not one to retry), and its count; it takes the visit's
    /// title and links. `previous` is the page's record in the run a re-crawl names.
    pub fn new(
        url: Url,
        depth: u32,
        attempts: u32,
        visit: &mut Visit,
        previous: Option<&Record>,
        counts: &mut Counts,
    ) -> Self {
        let mut record = Record {
            url,
            depth,
            outcome: Outcome::Failed,
            status: visit.fetched.status(),
            title: visit.title.take(),
            content_type: None,
            fetched_at: now(),
            bytes: 0,
            attempts,
            location: None,
            error: None,
            validators: Validators::default(),
            page: None,
            links: std::mem::take(&mut visit.links),
            counts: Counts::default(),
        };
        match &visit.fetched {
            Fetched::Body {
                content_type,
                body,
                validators,
                ..
            } => {
                record.outcome = Outcome::Crawled;
                record.content_type = Some(content_type.clone());
                record.bytes = body.len() as u64;
                record.validators = validators.clone();
                counts.crawled += 1;
                counts.bytes += record.bytes;
            }
            Fetched::NotModified => {
                record.outcome = Outcome::Unchanged;
                if let Some(previous) = previous {
                    record.content_type = previous.content_type.clone();
                    record.bytes = previous.bytes;
                    record.validators = previous.validators.clone();
                }
                counts.unchanged += 1;
                counts.bytes_saved += record.bytes;
            }
            Fetched::Redirect { location, .. } => {
                record.outcome = Outcome::Redirect;
                record.location = location.clone();
                if location.is_none() {
                    record.error = Some("redirect without a usable Location".into());
                }
                counts.redirects += 1;
            }
            Fetched::NotHtml { content_type, .. } => {
                record.outcome = Outcome::NotHtml;
                record.content_type = Some(content_type.clone());
                counts.not_html += 1;
            }
            Fetched::TooLarge { .. } => {
                record.outcome = Outcome::TooLarge;
                counts.too_large += 1;
            }
            Fetched::Refused { reason } => {
                record.outcome = Outcome::Refused;
                record.error = Some(reason.clone());
                counts.refused += 1;
            }
            Fetched::Status { status, .. } => {
                record.error = Some(format!("HTTP {status}"));
                counts.failed += 1;
            }
            Fetched::Unreachable { error } => {
                record.error = Some(error.clone());
                counts.failed += 1;
            }
        }
        record
    }

    /// A URL whose worker failed every attempt: recorded as failed with that error.
    /// Appends the record as one line of JSON Lines: how a turn's records are stored.
    pub fn write_line(&self, lines: &mut Vec<u8>) -> Result<()> {
        serde_json::to_writer(&mut *lines, self)
            .map_err(|e| Error::Internal(format!("cannot serialise a record: {e}")))?;
        lines.push(b'\n');
        Ok(())
    }

    pub fn worker_failed(url: Url, depth: u32, attempts: u32, error: String) -> Self {
        Record {
            url,
            depth,
            outcome: Outcome::Failed,
            status: None,
            title: None,
            content_type: None,
            fetched_at: now(),
            bytes: 0,
            attempts,
            location: None,
            error: Some(error),
            validators: Validators::default(),
            page: None,
            links: Vec::new(),
            counts: Counts {
                failed: 1,
                ..Counts::default()
            },
        }
    }
}

/// The time of a record: UTC, RFC 3339, milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url;

    #[test]
    fn a_pages_links_are_kept_once_each_in_its_order_without_itself() {
        let page = url("https://example.com/docs/");
        let raw = [
            "https://example.com/b#top",
            "https://example.com/a",
            "https://EXAMPLE.com/b",
            "https://example.com/docs/#contents",
            "mailto:someone@example.com",
            "https://example.com/a?x=1",
        ]
        .map(url);
        let kept = |query| distinct(&raw, &page, query);
        assert_eq!(
            kept(QueryStrings::Keep),
            [
                "https://example.com/b",
                "https://example.com/a",
                "https://example.com/a?x=1"
            ]
            .map(url)
        );
        assert_eq!(
            kept(QueryStrings::Drop),
            ["https://example.com/b", "https://example.com/a"].map(url)
        );
    }

    #[test]
    fn past_the_cap_a_pages_other_links_are_not_followed() {
        let page = url("https://example.com/");
        let raw: Vec<Url> = (0..MAX_LINKS + 10)
            .flat_map(|n| {
                let link = url(&format!("https://example.com/{n}"));
                [link.clone(), link]
            })
            .collect();
        let links = distinct(&raw, &page, QueryStrings::Keep);
        assert_eq!(links.len(), MAX_LINKS);
        assert_eq!(
            links.last(),
            Some(&url(&format!("https://example.com/{}", MAX_LINKS - 1)))
        );
    }
}
