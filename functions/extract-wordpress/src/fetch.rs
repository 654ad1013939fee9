//! Fetches the pages of one endpoint one at a time ([`Pager`]): `per_page` and `page` set on the
//! URL, pages followed by `X-WP-TotalPages` (or `Link: rel="next"` on the same origin when a
//! server does not send it), stopping at an empty page; then checks that what came is the whole
//! collection the headers announced ([`Pager::check_complete`]). Each request has a time-out and a size limit; 429, 5xx,
//! time-outs and dropped connections are retried with exponential backoff and jitter
//! (`backon`), waiting as long as `Retry-After` asks when that is within the cap. A redirect
//! off the endpoint's origin, or to an address the deployment does not allow, fails the
//! endpoint at once.

use crate::auth::Credentials;
use backon::{ExponentialBuilder, Retryable};
use reqwest::{Client, StatusCode, Url, header};
use serde_json::value::RawValue;
use shared::address::refusal;
use shared::http::{BodyError, error_chain};
use std::time::Duration;

/// How requests go out: the client, and the credentials it sends to their own origin.
pub struct Http {
    pub client: Client,
    pub auth: Option<Credentials>,
}

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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("HTTP {status} from {url}{}", explain(*.status, .code.as_deref()))]
    Status {
        status: u16,
        url: String,
        /// WordPress's error code, from a 4xx body (`rest_invalid_param`, `incorrect_password`).
        code: Option<String>,
    },
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
    #[error("{url} redirected where the extract does not follow: {detail}")]
    Redirect { url: String, detail: String },
    #[error("{url} was not requested: {detail}")]
    AddressRefused { url: String, detail: String },
    /// What came is not the whole collection the headers announced.
    #[error("incomplete: {0}")]
    Incomplete(String),
}

/// What a refusal's WordPress error code adds to its message.
fn explain(status: u16, code: Option<&str>) -> String {
    let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
    if matches!(status, 401 | 403) {
        format!(
            "{code}: the site wants valid credentials for this; check WordPressAuthParameter's \
             user and application password"
        )
    } else {
        code
    }
}

/// WordPress's error code in a refusal's body (`{"code": "rest_forbidden", …}`), if it looks like
/// one: a short snake_case word, so nothing else of the body reaches a notification.
pub fn error_code(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct WpError {
        code: String,
    }
    let code = serde_json::from_slice::<WpError>(body).ok()?.code;
    let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    (!code.is_empty() && code.len() <= 64 && code.chars().all(word)).then_some(code)
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

/// One endpoint's pages, in order, one in memory at a time.
pub struct Pager<'a> {
    http: &'a Http,
    endpoint: &'a Url,
    limits: &'a Limits,
    next: Option<Url>,
    /// Pages fetched so far.
    pub pages: u32,
    /// Items on them.
    pub items: u64,
    /// `X-WP-Total` as the first page announced it.
    pub total: Option<u64>,
    /// The largest `X-WP-TotalPages` any page announced.
    pub total_pages: Option<u32>,
}

impl<'a> Pager<'a> {
    pub fn new(http: &'a Http, endpoint: &'a Url, limits: &'a Limits) -> Self {
        Pager {
            http,
            endpoint,
            limits,
            next: Some(page_url(endpoint, 1, limits.per_page)),
            pages: 0,
            items: 0,
            total: None,
            total_pages: None,
        }
    }

    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Page>, FetchError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let page = fetch_page(self.http, &url, self.limits).await?;
        self.pages += 1;
        if self.pages == 1 {
            self.total = page.total;
        }
        self.total_pages = self.total_pages.max(page.total_pages);
        self.items += page.count as u64;
        self.next = if page.count == 0 {
            None
        } else {
            next_page(
                self.endpoint,
                self.pages,
                self.limits.per_page,
                page.total_pages,
                page.next.clone(),
            )?
        };
        if self.next.is_some() && self.pages >= self.limits.max_pages {
            return Err(FetchError::TooManyPages {
                limit: self.limits.max_pages,
            });
        }
        Ok(Some(page))
    }

    /// Whether the pages fetched hold the whole collection: see [`complete`].
    pub fn check_complete(&self) -> Result<(), FetchError> {
        complete(
            self.total,
            self.total_pages,
            self.limits.per_page,
            self.items,
            self.pages,
        )
    }
}

/// Whether `items` on `pages` are the whole collection its first page announced: an
/// `X-WP-TotalPages` too small for `X-WP-Total`, an empty first page, or fewer items than
/// `X-WP-Total` is not a success. (More is: items added during the run.) Without `X-WP-Total`
/// there is nothing to check against here; the run's size against the last good run's is
/// checked by the caller.
pub fn complete(
    total: Option<u64>,
    total_pages: Option<u32>,
    per_page: u32,
    items: u64,
    pages: u32,
) -> Result<(), FetchError> {
    let Some(total) = total else {
        return Ok(());
    };
    let per_page = u64::from(per_page.max(1));
    let needed = total.div_ceil(per_page);
    if let Some(announced) = total_pages.filter(|p| u64::from(*p) < needed) {
        return Err(FetchError::Incomplete(format!(
            "X-WP-TotalPages is {announced}, but X-WP-Total {total} needs {needed} pages of \
             {per_page}"
        )));
    }
    if items < total {
        return Err(FetchError::Incomplete(format!(
            "{items} items on {pages} pages, but X-WP-Total says {total}"
        )));
    }
    Ok(())
}

/// The endpoint URL with these query parameters set, replacing any of the same name.
pub fn with_params(endpoint: &Url, params: &[(&str, &str)]) -> Url {
    let mut url = endpoint.clone();
    let kept: Vec<(String, String)> = endpoint
        .query_pairs()
        .filter(|(k, _)| !params.iter().any(|(p, _)| p == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .extend_pairs(params.iter().copied());
    url
}

/// Items changed since a time, each in its newest version, by id, with its `modified`.
#[derive(Debug, Default)]
pub struct Changed {
    pub items: std::collections::BTreeMap<u64, (String, Box<RawValue>)>,
    pub pages: u32,
}

/// Every item modified after `since` (site-local, `YYYY-MM-DDTHH:MM:SS`), read in `modified`
/// order by keyset rather than by page number: each request asks for what was modified after
/// one second before the newest item of the previous page, so an item edited during the scan
/// moves ahead of it and is read again in its new version, and none shifts out of a page the
/// way page numbers lose items when the collection changes under them. Items of the same
/// second are read again and kept once; only when a whole page shares one second does the scan
/// page through that second.
pub async fn changed_since(
    http: &Http,
    endpoint: &Url,
    since: &str,
    limits: &Limits,
) -> Result<Changed, FetchError> {
    let mut changed = Changed::default();
    let (mut cursor, mut page) = (since.to_owned(), 1u32);
    loop {
        if changed.pages >= limits.max_pages {
            return Err(FetchError::TooManyPages {
                limit: limits.max_pages,
            });
        }
        let query = [
            ("modified_after", cursor.as_str()),
            ("orderby", "modified"),
            ("order", "asc"),
        ];
        let url = page_url(&with_params(endpoint, &query), page, limits.per_page);
        let fetched = fetch_page(http, &url, limits).await?;
        changed.pages += 1;
        let mut newest: Option<String> = None;
        for item in fetched.elements() {
            let stamp = Stamp::of(&url, item)?;
            let modified = stamp.modified.ok_or_else(|| FetchError::InvalidJson {
                url: url.to_string(),
                detail: format!("item {} has no modified date", stamp.id),
            })?;
            let second: String = modified.chars().take(19).collect();
            if newest.as_ref().is_none_or(|n| second > *n) {
                newest = Some(second.clone());
            }
            let older = changed
                .items
                .get(&stamp.id)
                .is_some_and(|(seen, _)| *seen > second);
            if !older {
                changed.items.insert(stamp.id, (second, item.to_owned()));
            }
        }
        if fetched.count < limits.per_page as usize {
            return Ok(changed);
        }
        let next = newest
            .as_deref()
            .and_then(second_before)
            .unwrap_or_default();
        if next > cursor {
            (cursor, page) = (next, 1);
        } else {
            page += 1;
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS` one second earlier; `None` for anything else.
pub fn second_before(time: &str) -> Option<String> {
    let at = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%dT%H:%M:%S").ok()?;
    Some(
        (at - chrono::Duration::seconds(1))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
    )
}

/// The ids of every item of the endpoint (`_fields=id`, by id), as its pages hold them.
pub async fn list_ids(
    http: &Http,
    endpoint: &Url,
    limits: &Limits,
) -> Result<std::collections::BTreeSet<u64>, FetchError> {
    let url = with_params(
        endpoint,
        &[("_fields", "id"), ("orderby", "id"), ("order", "asc")],
    );
    let mut pager = Pager::new(http, &url, limits);
    let mut ids = std::collections::BTreeSet::new();
    while let Some(page) = pager.next_page().await? {
        for item in page.elements() {
            ids.insert(Stamp::of(&url, item)?.id);
        }
    }
    pager.check_complete()?;
    Ok(ids)
}

/// Of `candidates`, the ids the site no longer has: each asked for by id (`include`), so an item
/// a listing missed while the site changed under it is never taken for deleted.
pub async fn gone(
    http: &Http,
    endpoint: &Url,
    candidates: &std::collections::BTreeSet<u64>,
    limits: &Limits,
) -> Result<std::collections::BTreeSet<u64>, FetchError> {
    let mut missing = candidates.clone();
    let ids: Vec<u64> = candidates.iter().copied().collect();
    for batch in ids.chunks(limits.per_page as usize) {
        let include: Vec<String> = batch.iter().map(u64::to_string).collect();
        let include = include.join(",");
        let url = page_url(
            &with_params(
                endpoint,
                &[("include", include.as_str()), ("_fields", "id")],
            ),
            1,
            limits.per_page,
        );
        for item in fetch_page(http, &url, limits).await?.elements() {
            missing.remove(&Stamp::of(&url, item)?.id);
        }
    }
    Ok(missing)
}

/// At most this many redirects per request.
pub const MAX_REDIRECTS: usize = 5;

/// Redirects are followed only on the endpoint's origin (scheme, host and port, so an HTTPS
/// endpoint is never sent to HTTP), at most [`MAX_REDIRECTS`]; any other fails the request.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        match redirect_refusal(attempt.previous(), attempt.url()) {
            Some(why) => attempt.error(why),
            None => attempt.follow(),
        }
    })
}

/// Why the redirect from the chain `previous` (the request's own URL first) to `next` is not
/// followed, if it is not.
pub fn redirect_refusal(previous: &[Url], next: &Url) -> Option<String> {
    let first = previous.first()?;
    if next.origin() != first.origin() {
        return Some(format!(
            "the redirect to {next} leaves {}",
            first.origin().ascii_serialization()
        ));
    }
    (previous.len() > MAX_REDIRECTS).then(|| format!("more than {MAX_REDIRECTS} redirects"))
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
    retry_after
        .and_then(shared::http::retry_after)
        .filter(|a| *a <= cap)
        .unwrap_or(scheduled)
}

/// One page as it came: its body, and where its items are in it.
pub struct Page {
    body: Vec<u8>,
    inner: std::ops::Range<usize>,
    /// Items on the page.
    pub count: usize,
    total: Option<u64>,
    total_pages: Option<u32>,
    next: Option<Url>,
}

impl Page {
    /// The page's items, each exactly as the server sent it, with the separators between them:
    /// the array without its brackets (empty for `[]`).
    pub fn items(&self) -> &[u8] {
        &self.body[self.inner.clone()]
    }

    /// Each item's text, as the server sent it (the body was checked to be an array).
    pub fn elements(&self) -> Vec<&RawValue> {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

/// What the extract reads of every item: its id, and, for the incremental types, when it was
/// last changed (the site-local `modified`, which WordPress's `modified_after` compares with).
#[derive(Debug, serde::Deserialize)]
pub struct Stamp {
    pub id: u64,
    #[serde(default)]
    pub modified: Option<String>,
}

impl Stamp {
    pub fn of(url: &Url, item: &RawValue) -> Result<Self, FetchError> {
        serde_json::from_str(item.get()).map_err(|e| FetchError::InvalidJson {
            url: url.to_string(),
            detail: format!("an item without a numeric id: {e}"),
        })
    }
}

/// A failed attempt, with the `Retry-After` a 429 or 503 sent.
struct Failed {
    error: FetchError,
    retry_after: Option<String>,
}

async fn fetch_page(http: &Http, url: &Url, limits: &Limits) -> Result<Page, FetchError> {
    (|| attempt(http, url, limits))
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
async fn attempt(http: &Http, url: &Url, limits: &Limits) -> Result<Page, Failed> {
    let url_text = url.to_string();
    let failed = |error| Failed {
        error,
        retry_after: None,
    };
    let transport = |e: reqwest::Error| {
        failed(if let Some(refused) = refusal(&e) {
            FetchError::AddressRefused {
                url: url_text.clone(),
                detail: refused.to_string(),
            }
        } else if e.is_redirect() {
            FetchError::Redirect {
                url: url_text.clone(),
                detail: error_chain(&e),
            }
        } else if e.is_timeout() {
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
    let mut request = http.client.get(url.clone());
    if let Some(auth) = &http.auth {
        request = auth.apply(request, url);
    }
    let response = request.send().await.map_err(transport)?;
    let headers = response.headers().clone();
    let status = response.status();
    if status != StatusCode::OK {
        let mut error = FetchError::Status {
            status: status.as_u16(),
            url: url_text,
            code: None,
        };
        if status.is_client_error() && !error.is_retryable() {
            let body = shared::http::read_prefix(response, 4096).await;
            if let FetchError::Status { code, .. } = &mut error {
                *code = body.ok().as_deref().and_then(error_code);
            }
        }
        return Err(Failed {
            error,
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
    let (inner, count) = array_items(url, &body).map_err(failed)?;
    let number =
        |name: &str| header_text(&headers, name).and_then(|v| v.trim().parse::<u64>().ok());
    Ok(Page {
        body,
        inner,
        count,
        total: number("x-wp-total"),
        total_pages: number("x-wp-totalpages").and_then(|n| u32::try_from(n).ok()),
        next: header_text(&headers, header::LINK).and_then(|v| link_next(v, url)),
    })
}

fn header_text(headers: &header::HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Where a page body's items are (between its array's brackets), and how many there are.
pub fn array_items(url: &Url, body: &[u8]) -> Result<(std::ops::Range<usize>, usize), FetchError> {
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
    // Borrowed items: the body is checked and counted without a copy of it.
    let items: Vec<&RawValue> =
        serde_json::from_slice(body).map_err(|e| FetchError::InvalidJson {
            url,
            detail: e.to_string(),
        })?;
    let is_text = |b: &&u8| !b.is_ascii_whitespace();
    let open = body.iter().position(|b| is_text(&b)).unwrap_or_default();
    let close = body.iter().rposition(|b| is_text(&b)).unwrap_or(open);
    let inner = if items.is_empty() {
        open + 1..open + 1
    } else {
        open + 1..close
    };
    Ok((inner, items.len()))
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
    fn less_than_the_headers_announce_is_not_complete() {
        assert_eq!(complete(Some(250), Some(3), 100, 250, 3), Ok(()));
        assert_eq!(
            complete(Some(250), Some(3), 100, 251, 3),
            Ok(()),
            "added during the run"
        );
        assert_eq!(
            complete(None, None, 100, 0, 1),
            Ok(()),
            "nothing to check against"
        );
        assert_eq!(
            complete(Some(0), Some(0), 100, 0, 1),
            Ok(()),
            "an empty collection"
        );
        for (total, pages, items, fetched, expected) in [
            (
                250,
                1,
                100,
                1,
                "X-WP-TotalPages is 1, but X-WP-Total 250 needs 3 pages of 100",
            ),
            (250, 3, 0, 1, "0 items on 1 pages, but X-WP-Total says 250"),
            (
                250,
                3,
                249,
                3,
                "249 items on 3 pages, but X-WP-Total says 250",
            ),
        ] {
            let err = complete(Some(total), Some(pages), 100, items, fetched).unwrap_err();
            assert_eq!(err.to_string(), format!("incomplete: {expected}"));
        }
    }

    #[test]
    fn parameters_replace_their_namesakes_and_keep_the_rest() {
        let endpoint = url("https://a.example/wp/v2/posts?status=publish&orderby=date");
        assert_eq!(
            with_params(&endpoint, &[("orderby", "modified"), ("order", "asc")]).query(),
            Some("status=publish&orderby=modified&order=asc")
        );
        assert_eq!(
            second_before("2026-12-06T00:00:00").as_deref(),
            Some("2026-12-05T23:59:59")
        );
        assert_eq!(second_before("yesterday"), None);
    }

    #[test]
    fn redirects_stay_on_the_endpoints_origin() {
        let endpoint = url("https://blog.example/wp-json/wp/v2/posts?per_page=100&page=1");
        let chain = [endpoint.clone()];
        for ok in [
            "https://blog.example/wp-json/wp/v2/posts/?per_page=100&page=1",
            "https://blog.example:443/index.php?rest_route=/wp/v2/posts",
        ] {
            assert_eq!(redirect_refusal(&chain, &url(ok)), None, "{ok}");
        }
        for refused in [
            "http://blog.example/wp-json/wp/v2/posts",
            "https://blog.example:8443/wp-json/wp/v2/posts",
            "https://www.blog.example/wp-json/wp/v2/posts",
            "https://169.254.169.254/latest/meta-data/",
        ] {
            let why = redirect_refusal(&chain, &url(refused)).unwrap();
            assert!(why.contains("leaves https://blog.example"), "{why}");
        }
        let long = vec![endpoint.clone(); MAX_REDIRECTS + 1];
        assert!(
            redirect_refusal(&long, &endpoint)
                .unwrap()
                .contains("more than 5")
        );
    }

    #[test]
    fn the_next_page_comes_from_the_link_header_resolved_against_the_page() {
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
            code: None,
        };
        assert!(status(429).is_retryable());
        assert!(status(503).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(401).is_retryable());
        let html = FetchError::Html { url: String::new() };
        assert!(!html.is_retryable());
    }

    #[test]
    fn a_refusal_names_wordpress_error_code_and_nothing_else_of_the_body() {
        let body = br#"{"code":"incorrect_password","message":"The provided password is an invalid application password.","data":{"status":401}}"#;
        assert_eq!(error_code(body).as_deref(), Some("incorrect_password"));
        assert_eq!(error_code(br#"{"code":"<script>"}"#), None);
        assert_eq!(error_code(b"<html>"), None);
        let refused = FetchError::Status {
            status: 401,
            url: "https://a.example/wp-json/wp/v2/posts".into(),
            code: error_code(body),
        };
        let text = refused.to_string();
        assert!(text.starts_with("HTTP 401 from https://a.example/wp-json/wp/v2/posts (incorrect_password): the site wants valid credentials"), "{text}");
        assert!(!text.contains("invalid application password"));
    }

    #[test]
    fn bodies_that_are_not_a_json_array_are_named() {
        let u = url("https://a.example/p");
        let body = br#" [{"id":1, "a" : [ ]},{"id":2}] "#;
        let (inner, count) = array_items(&u, body).unwrap();
        assert_eq!(count, 2);
        assert_eq!(
            &body[inner], br#"{"id":1, "a" : [ ]},{"id":2}"#,
            "items are kept byte for byte"
        );
        let (inner, count) = array_items(&u, b" [ \n ] ").unwrap();
        assert_eq!((inner.len(), count), (0, 0));
        assert!(matches!(
            array_items(&u, b"<!DOCTYPE html>"),
            Err(FetchError::Html { .. })
        ));
        assert!(matches!(
            array_items(&u, br#"{"code":"rest_no_route"}"#),
            Err(FetchError::NotArray { .. })
        ));
        assert!(matches!(
            array_items(&u, br#"[{"id":1,"title":{"rendered":"Cut"#),
            Err(FetchError::InvalidJson { .. })
        ));
        assert!(matches!(
            array_items(&u, b""),
            Err(FetchError::InvalidJson { .. })
        ));
    }
}
