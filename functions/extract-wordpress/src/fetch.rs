//! Fetches every page of one endpoint: `per_page` and `page` set on the URL, pages followed by
//! `X-WP-TotalPages` (or `Link: rel="next"` on the same origin when a server does not send
//! it), stopping at an empty page. Each request has a time-out and a size limit; 429, 5xx,
//! time-outs and dropped connections are retried with exponential backoff.

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
    /// First backoff; doubles each retry, up to `retry_cap`.
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

/// The `rel="next"` target of a `Link` header, if any.
pub fn link_next(link: &str) -> Option<Url> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| Url::parse(target).ok()).flatten()
    })
}

/// How long to wait before retry number `retry` (1 for the first): the server's `Retry-After`
/// in seconds when it is within the cap, otherwise `base × 2^(retry-1)`, capped.
pub fn backoff(retry: u32, retry_after: Option<u64>, limits: &Limits) -> Duration {
    if let Some(secs) = retry_after {
        let asked = Duration::from_secs(secs);
        if asked <= limits.retry_cap {
            return asked;
        }
    }
    let factor = 2u32.saturating_pow(retry.saturating_sub(1));
    limits
        .retry_base
        .saturating_mul(factor)
        .min(limits.retry_cap)
}

struct Page {
    items: Vec<Box<RawValue>>,
    total_pages: Option<u32>,
    next: Option<Url>,
}

async fn fetch_page(client: &Client, url: &Url, limits: &Limits) -> Result<Page, FetchError> {
    let mut retry = 0;
    loop {
        let (result, retry_after) = attempt(client, url, limits).await;
        match result {
            Err(e) if e.is_retryable() && retry + 1 < limits.attempts => {
                retry += 1;
                let wait = backoff(retry, retry_after, limits);
                tracing::warn!(%url, error = %e, retry, wait_ms = wait.as_millis() as u64, "retrying");
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// One request. Also returns the `Retry-After` seconds a 429 or 503 asked for.
async fn attempt(
    client: &Client,
    url: &Url,
    limits: &Limits,
) -> (Result<Page, FetchError>, Option<u64>) {
    let url_text = url.to_string();
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            FetchError::Timeout {
                url: url_text.clone(),
            }
        } else {
            FetchError::Connection {
                url: url_text.clone(),
                detail: error_chain(&e),
            }
        }
    };
    let response = match client.get(url.clone()).send().await {
        Ok(r) => r,
        Err(e) => return (Err(transport(e)), None),
    };
    let headers = response.headers().clone();
    let status = response.status();
    if status != StatusCode::OK {
        let retry_after = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let err = FetchError::Status {
            status: status.as_u16(),
            url: url_text,
        };
        return (Err(err), retry_after);
    }
    let body = match shared::http::read_body(response, limits.max_page_bytes).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            let err = FetchError::TooLarge {
                url: url.to_string(),
                limit: limits.max_page_bytes,
            };
            return (Err(err), None);
        }
        Err(BodyError::Transport(e)) => return (Err(transport(e)), None),
    };
    let page = parse_items(url, &body).map(|items| Page {
        items,
        total_pages: headers
            .get("x-wp-totalpages")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok()),
        next: headers
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(link_next),
    });
    (page, None)
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
        let header =
            r#"<https://a.example/p?page=1>; rel="prev", <https://a.example/p?page=3>; rel="next""#;
        assert_eq!(link_next(header), Some(url("https://a.example/p?page=3")));
        assert_eq!(
            link_next(r#"<https://a.example/p?page=1>; rel="prev""#),
            None
        );
        assert_eq!(link_next("garbage"), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_honours_retry_after() {
        let l = limits();
        let waits: Vec<u64> = (1..=6).map(|r| backoff(r, None, &l).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 20]);
        assert_eq!(backoff(1, Some(5), &l), Duration::from_secs(5));
        assert_eq!(backoff(1, Some(3600), &l), Duration::from_secs(1));
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
