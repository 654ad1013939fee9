//! Fetches every page of one endpoint: `per_page` and `page` set on the URL, pages followed by
//! `X-WP-TotalPages` (or `Link: rel="next"` on the same origin when a server does not send
//! it), stopping at an empty page. Each request has a time-out and a size limit; 429, 5xx,
//! time-outs and dropped connections are retried with exponential backoff and jitter
//! (`backon`), waiting as long as `Retry-After` asks when that is within the cap.

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Client, StatusCode, Url, header};
use serde_json::value::RawValue;
use shared::http::{BodyError, error_chain};
use std::time::Duration;

/// Limits on one endpoint's extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Items per page: WordPress allows at most 100.
    pub per_page: u32,
    /// Pages per endpoint: a guard against a server that never ends.
    pub max_pages: u32,
    /// Bytes per response body.
    pub max_page_bytes: usize,
    /// Attempts per page, the first included.
    pub attempts: u32,
    /// First backoff; doubles each retry, up to `retry_cap`. Jitter adds up to as much again.
    pub retry_base: Duration,
    pub retry_cap: Duration,
}

/// Every item of an endpoint, each kept as the exact JSON text the server sent.
#[derive(Debug)]
pub struct Fetched {
    pub items: Vec<Box<RawValue>>,
    pub pages: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("HTTP {status} from {url}")]
    Status { status: u16, url: String },
    #[error("no response from {url} within the time-out")]
    Timeout { url: String },
    #[error("connection to {url} failed: {detail}")]
    Connection { url: String, detail: String },
    #[error("the response from {url} is larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("the response from {url} is HTML, not JSON")]
    Html { url: String },
    #[error("the response from {url} is not valid JSON: {detail}")]
    InvalidJson { url: String, detail: String },
    #[error("the response from {url} is not a JSON array: {detail}")]
    NotArray { url: String, detail: String },
    #[error("more than {limit} pages; raise MAX_PAGES if the site is that large")]
    TooManyPages { limit: u32 },
    #[error("the next page link {next} leaves {origin}")]
    ForeignNext { next: String, origin: String },
}

impl FetchError {
    fn is_retryable(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => {
                *status == 429 || matches!(status, 500 | 502 | 503 | 504)
            }
            FetchError::Timeout { .. } | FetchError::Connection { .. } => true,
            _ => false,
        }
    }
}

/// Fetches all pages of `endpoint`. A failure on any page fails the endpoint as a whole.
pub async fn fetch_all(
    client: &Client,
    endpoint: &Url,
    limits: &Limits,
) -> Result<Fetched, FetchError> {
    let mut items = Vec::new();
    let mut url = page_url(endpoint, 1, limits.per_page);
    let mut page = 1;
    loop {
        let fetched = fetch_page(client, &url, limits).await?;
        let empty = fetched.items.is_empty();
        items.extend(fetched.items);
        let next = if empty {
            None
        } else {
            next_page(
                endpoint,
                page,
                limits.per_page,
                fetched.total_pages,
                fetched.next,
            )?
        };
        match next {
            None => return Ok(Fetched { items, pages: page }),
            Some(_) if page >= limits.max_pages => {
                return Err(FetchError::TooManyPages {
                    limit: limits.max_pages,
                });
            }
            Some(next) => {
                url = next;
                page += 1;
            }
        }
    }
}

/// The endpoint URL with `per_page` and `page` set; any other query parameter is kept.
pub fn page_url(endpoint: &Url, page: u32, per_page: u32) -> Url {
    let mut url = endpoint.clone();
    let kept: Vec<(String, String)> = endpoint
        .query_pairs()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("per_page", &per_page.to_string())
        .append_pair("page", &page.to_string());
    url
}

/// Where to go after page `page`: WordPress's page count when the server sent one, else its
/// `Link: rel="next"`, else nowhere.
pub fn next_page(
    endpoint: &Url,
    page: u32,
    per_page: u32,
    total_pages: Option<u32>,
    link_next: Option<Url>,
) -> Result<Option<Url>, FetchError> {
    if let Some(total) = total_pages {
        return Ok((page < total).then(|| page_url(endpoint, page + 1, per_page)));
    }
    match link_next {
        None => Ok(None),
        Some(next) if next.origin() == endpoint.origin() => Ok(Some(next)),
        Some(next) => Err(FetchError::ForeignNext {
            next: next.to_string(),
            origin: endpoint.origin().ascii_serialization(),
        }),
    }
}

/// The `rel="next"` target of a `Link` header (RFC 8288), resolved against `url`, if any.
pub fn link_next(link: &str, url: &Url) -> Option<Url> {
    http_link::parse_link_header(link, url)
        .ok()?
        .into_iter()
        .find(|l| l.rel == "next")
        .map(|l| l.target)
}

/// The retry schedule: `base × 2^(retry-1)`, capped, plus jitter, for `attempts - 1` retries.
pub fn backoff(limits: &Limits) -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_min_delay(limits.retry_base)
        .with_max_delay(limits.retry_cap)
        .with_max_times(limits.attempts.saturating_sub(1) as usize)
        .with_jitter()
}

/// The wait a `Retry-After` asks for (seconds, or an HTTP date), if it is within the cap;
/// otherwise the schedule's own.
pub fn wait(retry_after: Option<&str>, scheduled: Duration, cap: Duration) -> Duration {
    let asked = retry_after.and_then(|v| {
        let v = v.trim();
        v.parse().map(Duration::from_secs).ok().or_else(|| {
            let at = httpdate::parse_http_date(v).ok()?;
            Some(
                at.duration_since(std::time::SystemTime::now())
                    .unwrap_or_default(),
            )
        })
    });
    asked.filter(|a| *a <= cap).unwrap_or(scheduled)
}

struct Page {
    items: Vec<Box<RawValue>>,
    total_pages: Option<u32>,
    next: Option<Url>,
}

/// A failed attempt, with the `Retry-After` a 429 or 503 sent.
struct Failed {
    error: FetchError,
    retry_after: Option<String>,
}

async fn fetch_page(client: &Client, url: &Url, limits: &Limits) -> Result<Page, FetchError> {
    (|| attempt(client, url, limits))
        .retry(backoff(limits))
        .when(|f: &Failed| f.error.is_retryable())
        .adjust(|f, scheduled| {
            scheduled.map(|d| wait(f.retry_after.as_deref(), d, limits.retry_cap))
        })
        .notify(|f, wait| {
            tracing::warn!(%url, error = %f.error, wait_ms = wait.as_millis() as u64, "retrying");
        })
        .await
        .map_err(|f| f.error)
}

/// One request.
async fn attempt(client: &Client, url: &Url, limits: &Limits) -> Result<Page, Failed> {
    let url_text = url.to_string();
    let failed = |error| Failed {
        error,
        retry_after: None,
    };
    let transport = |e: reqwest::Error| {
        failed(if e.is_timeout() {
            FetchError::Timeout {
                url: url_text.clone(),
            }
        } else {
            FetchError::Connection {
                url: url_text.clone(),
                detail: error_chain(&e),
            }
        })
    };
    let response = client.get(url.clone()).send().await.map_err(transport)?;
    let headers = response.headers().clone();
    let status = response.status();
    if status != StatusCode::OK {
        return Err(Failed {
            error: FetchError::Status {
                status: status.as_u16(),
                url: url_text,
            },
            retry_after: header_text(&headers, header::RETRY_AFTER).map(str::to_owned),
        });
    }
    let body = match shared::http::read_body(response, limits.max_page_bytes).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Err(failed(FetchError::TooLarge {
                url: url.to_string(),
                limit: limits.max_page_bytes,
            }));
        }
        Err(BodyError::Transport(e)) => return Err(transport(e)),
    };
    let items = parse_items(url, &body).map_err(failed)?;
    Ok(Page {
        items,
        total_pages: header_text(&headers, "x-wp-totalpages").and_then(|v| v.trim().parse().ok()),
        next: header_text(&headers, header::LINK).and_then(|v| link_next(v, url)),
    })
}

fn header_text(headers: &header::HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A page body as its items, each unchanged.
pub fn parse_items(url: &Url, body: &[u8]) -> Result<Vec<Box<RawValue>>, FetchError> {
    let url = url.to_string();
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => return Err(FetchError::Html { url }),
        Some(b'[') => {}
        _ => {
            // Valid JSON but no array (WordPress errors are objects), or not JSON at all.
            return Err(match serde_json::from_slice::<&RawValue>(body) {
                Ok(v) => FetchError::NotArray {
                    url,
                    detail: snippet(v.get()),
                },
                Err(e) => FetchError::InvalidJson {
                    url,
                    detail: e.to_string(),
                },
            });
        }
    }
    serde_json::from_slice(body).map_err(|e| FetchError::InvalidJson {
        url,
        detail: e.to_string(),
    })
}

fn snippet(text: &str) -> String {
    let mut s: String = text.chars().take(120).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use backon::BackoffBuilder;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn limits() -> Limits {
        Limits {
            per_page: 100,
            max_pages: 10,
            max_page_bytes: 1024,
            attempts: 4,
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(20),
        }
    }

    #[test]
    fn page_url_keeps_other_parameters_and_replaces_paging() {
        let endpoint =
            url("https://a.example/wp-json/wp/v2/posts?status=publish&page=7&per_page=5");
        assert_eq!(
            page_url(&endpoint, 2, 100).as_str(),
            "https://a.example/wp-json/wp/v2/posts?status=publish&per_page=100&page=2"
        );
    }

    #[test]
    fn total_pages_decides_when_present() {
        let endpoint = url("https://a.example/wp/v2/posts");
        let next = next_page(&endpoint, 1, 100, Some(3), None)
            .unwrap()
            .unwrap();
        assert_eq!(next.query(), Some("per_page=100&page=2"));
        assert_eq!(next_page(&endpoint, 3, 100, Some(3), None).unwrap(), None);
    }

    #[test]
    fn link_next_is_followed_only_on_the_same_origin() {
        let endpoint = url("https://a.example/wp/v2/posts");
        let same = url("https://a.example/wp/v2/posts?page=2");
        assert_eq!(
            next_page(&endpoint, 1, 100, None, Some(same.clone())).unwrap(),
            Some(same)
        );
        let err =
            next_page(&endpoint, 1, 100, None, Some(url("https://evil.example/x"))).unwrap_err();
        assert!(matches!(err, FetchError::ForeignNext { .. }));
        assert_eq!(next_page(&endpoint, 1, 100, None, None).unwrap(), None);
    }

    #[test]
    fn link_header_parsing() {
        let page = url("https://a.example/p?page=2");
        let header =
            r#"<https://a.example/p?page=1>; rel="prev", <https://a.example/p?page=3>; rel="next""#;
        assert_eq!(
            link_next(header, &page),
            Some(url("https://a.example/p?page=3"))
        );
        assert_eq!(
            link_next(r#"</p?page=3>; rel="last next""#, &page),
            Some(url("https://a.example/p?page=3")),
            "relative targets resolve against the page, and rel may list several"
        );
        assert_eq!(
            link_next(r#"<https://a.example/p?page=1>; rel="prev""#, &page),
            None
        );
        assert_eq!(link_next("garbage", &page), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let l = limits();
        let waits: Vec<Duration> = backoff(&l).with_jitter_seed(7).build().collect();
        assert_eq!(waits.len(), 3, "attempts - 1 retries");
        for (wait, base) in waits.iter().zip([1, 2, 4]) {
            let base = Duration::from_secs(base);
            assert!((base..base * 2).contains(wait), "{wait:?} for {base:?}");
        }
        let long = Limits {
            attempts: 8,
            ..limits()
        };
        let last = backoff(&long).build().last().unwrap();
        assert!(last >= l.retry_cap && last < l.retry_cap * 2, "{last:?}");
    }

    #[test]
    fn retry_after_is_honoured_within_the_cap() {
        let cap = Duration::from_secs(20);
        let scheduled = Duration::from_secs(2);
        assert_eq!(wait(Some("5"), scheduled, cap), Duration::from_secs(5));
        assert_eq!(wait(Some("3600"), scheduled, cap), scheduled);
        assert_eq!(wait(Some("soon"), scheduled, cap), scheduled);
        assert_eq!(wait(None, scheduled, cap), scheduled);
        let in_ten = std::time::SystemTime::now() + Duration::from_secs(10);
        let date = httpdate::fmt_http_date(in_ten);
        let asked = wait(Some(&date), scheduled, cap);
        assert!(
            asked > Duration::from_secs(8) && asked <= Duration::from_secs(10),
            "{asked:?}"
        );
        let past = httpdate::fmt_http_date(std::time::SystemTime::UNIX_EPOCH);
        assert_eq!(wait(Some(&past), scheduled, cap), Duration::ZERO);
    }

    #[test]
    fn only_throttling_server_and_network_errors_are_retried() {
        let status = |s| FetchError::Status {
            status: s,
            url: String::new(),
        };
        assert!(status(429).is_retryable());
        assert!(status(503).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(401).is_retryable());
        let html = FetchError::Html { url: String::new() };
        assert!(!html.is_retryable());
    }

    #[test]
    fn bodies_that_are_not_a_json_array_are_named() {
        let u = url("https://a.example/p");
        let items = parse_items(&u, br#" [{"id":1, "a" : [ ]},{"id":2}] "#).unwrap();
        assert_eq!(
            items[0].get(),
            r#"{"id":1, "a" : [ ]}"#,
            "items are kept byte for byte"
        );
        assert!(matches!(
            parse_items(&u, b"<!DOCTYPE html>"),
            Err(FetchError::Html { .. })
        ));
        assert!(matches!(
            parse_items(&u, br#"{"code":"rest_no_route"}"#),
            Err(FetchError::NotArray { .. })
        ));
        assert!(matches!(
            parse_items(&u, br#"[{"id":1,"title":{"rendered":"Cut"#),
            Err(FetchError::InvalidJson { .. })
        ));
        assert!(matches!(
            parse_items(&u, b""),
            Err(FetchError::InvalidJson { .. })
        ));
    }
}
