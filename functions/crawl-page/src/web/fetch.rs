//! One GET, as a polite and careful crawler makes it: its own User-Agent, a connect and a total
//! time-out, no proxy from the environment, no automatic redirects (the caller decides whether
//! the target is in scope), only permitted addresses and ports (IP literals and ports checked
//! here, names in the resolver), HTML only, and a size limit that stops reading at the limit.

use reqwest::dns::{Name, Resolve};
use reqwest::{Client, header};
use serde::{Deserialize, Serialize};
use shared::address::{AddressPolicy, GuardedResolver, Lookup, refusal};
use shared::http::{BodyError, error_chain};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// The content types that are parsed for links and stored.
const HTML_TYPES: &[&str] = &["text/html", "application/xhtml+xml"];

pub struct Fetcher {
    client: Client,
    resolver: Arc<GuardedResolver>,
    policy: AddressPolicy,
    max_bytes: usize,
}

/// What came back.
#[derive(Debug, PartialEq, Eq)]
pub enum Fetched {
    /// A 2xx body: HTML, or anything when the caller asked for any type.
    Body {
        status: u16,
        content_type: String,
        body: Vec<u8>,
        validators: Validators,
    },
    /// 304: unchanged since the validators sent; no body.
    NotModified,
    /// A 3xx with its `Location` resolved against the URL (`None` when missing or unusable).
    Redirect { status: u16, location: Option<Url> },
    /// A 2xx of a type that is not HTML; the body is not read.
    NotHtml { status: u16, content_type: String },
    /// Over the size limit; reading stopped at the limit.
    TooLarge { status: u16 },
    /// 4xx and 5xx, with the wait a 429 or 503 asked for (`Retry-After`).
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The address is not one the crawl may reach: nothing was sent.
    Refused { reason: String },
    /// No response: time-out, refused connection, TLS error, DNS failure.
    Unreachable { error: String },
}

/// What a server said identifies this version of a page, for a conditional GET next time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    fn of(headers: &header::HeaderMap) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Validators {
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

impl Fetched {
    /// Worth another attempt later: 429, 5xx (but 501), and no response.
    pub fn is_retryable(&self) -> bool {
        match self {
            Fetched::Status { status, .. } => *status == 429 || (*status >= 500 && *status != 501),
            Fetched::Unreachable { .. } => true,
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Fetched::Body { status, .. }
            | Fetched::Redirect { status, .. }
            | Fetched::NotHtml { status, .. }
            | Fetched::TooLarge { status }
            | Fetched::Status { status, .. } => Some(*status),
            Fetched::NotModified => Some(304),
            Fetched::Refused { .. } | Fetched::Unreachable { .. } => None,
        }
    }
}

impl Fetcher {
    pub fn new(
        user_agent: &str,
        timeout: Duration,
        max_bytes: usize,
        lookup: Lookup,
        policy: AddressPolicy,
    ) -> Result<Self, reqwest::Error> {
        let resolver = GuardedResolver::shared(lookup, policy.clone());
        let client = Client::builder()
            .user_agent(user_agent)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(resolver.clone())
            .build()?;
        Ok(Fetcher {
            client,
            resolver,
            policy,
            max_bytes,
        })
    }

    /// The same client (its connections, resolver and policy) reading up to `max_bytes`.
    pub fn with_limit(&self, max_bytes: usize) -> Fetcher {
        Fetcher {
            client: self.client.clone(),
            resolver: self.resolver.clone(),
            policy: self.policy.clone(),
            max_bytes,
        }
    }

    /// Why `url` may not be fetched, found without sending it anything: its address (the IP
    /// literal, or every address its name resolves to) or its port. `None` when it may be.
    pub async fn refusal(&self, url: &Url) -> Option<String> {
        if let Some(reason) = self.refused_literal_or_port(url) {
            return Some(reason);
        }
        let Some(Host::Domain(name)) = url.host() else {
            return None;
        };
        let name = name.parse::<Name>().ok()?;
        // Only an address the crawl may not reach refuses; a name that does not resolve now is
        // one site's trouble, found and reported by its worker (the guard still checks every
        // connection), not a reason to refuse the other sites.
        match self.resolver.resolve(name).await {
            Ok(_) => None,
            Err(e) => refusal(e.as_ref()).map(ToString::to_string),
        }
    }

    fn refused_literal_or_port(&self, url: &Url) -> Option<String> {
        if let Some(ip) = self.policy.refused_literal(url) {
            return Some(format!("{ip} is not an address this crawl may reach"));
        }
        let port = url.port_or_known_default().unwrap_or_default();
        if !self.policy.permits_port(port) {
            return Some(format!(
                "port {port} is not one this deployment crawls ({:?}; CRAWL_ALLOWED_PORTS)",
                self.policy.ports
            ));
        }
        None
    }

    /// GETs a page: HTML only; conditional when `since` has validators (`If-None-Match`,
    /// `If-Modified-Since`), so an unchanged page answers 304 without its body.
    pub async fn page(&self, url: &Url, since: &Validators) -> Fetched {
        self.get(url, true, since).await
    }

    /// GETs a file of any type (robots.txt): its first `max_bytes`, never `TooLarge`.
    pub async fn file(&self, url: &Url) -> Fetched {
        self.get(url, false, &Validators::default()).await
    }

    async fn get(&self, url: &Url, html_only: bool, since: &Validators) -> Fetched {
        if let Some(reason) = self.refused_literal_or_port(url) {
            return Fetched::Refused { reason };
        }
        let mut request = self.client.get(url.clone()).header(
            header::ACCEPT,
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        );
        if let Some(etag) = &since.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = &since.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, date);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return unreachable(&e),
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED && !since.is_empty() {
            return Fetched::NotModified;
        }
        if status.is_redirection() {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url.join(v).ok());
            return Fetched::Redirect {
                status: status.as_u16(),
                location,
            };
        }
        if !status.is_success() {
            let busy = matches!(status.as_u16(), 429 | 503);
            return Fetched::Status {
                status: status.as_u16(),
                retry_after: response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .filter(|_| busy)
                    .and_then(|v| v.to_str().ok())
                    .and_then(shared::http::retry_after),
            };
        }
        let status = status.as_u16();
        let validators = Validators::of(response.headers());
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if html_only && !is_html(&content_type) {
            return Fetched::NotHtml {
                status,
                content_type,
            };
        }
        if !html_only {
            return match shared::http::read_prefix(response, self.max_bytes).await {
                Ok(body) => Fetched::Body {
                    status,
                    content_type,
                    body,
                    validators,
                },
                Err(e) => unreachable(&e),
            };
        }
        match shared::http::read_body(response, self.max_bytes).await {
            Ok(body) => Fetched::Body {
                status,
                content_type,
                body,
                validators,
            },
            Err(BodyError::TooLarge) => Fetched::TooLarge { status },
            Err(BodyError::Transport(e)) => unreachable(&e),
        }
    }
}

fn unreachable(e: &reqwest::Error) -> Fetched {
    match refusal(e) {
        Some(refused) => Fetched::Refused {
            reason: refused.to_string(),
        },
        None => Fetched::Unreachable {
            error: error_chain(e),
        },
    }
}

/// `text/html; charset=utf-8` is HTML; a missing type is not.
fn is_html(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    HTML_TYPES.contains(&essence.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_types_are_recognised_by_their_essence() {
        assert!(is_html("text/html"));
        assert!(is_html("Text/HTML; charset=UTF-8"));
        assert!(is_html("application/xhtml+xml"));
        assert!(!is_html("application/pdf"));
        assert!(!is_html("text/plain"));
        assert!(!is_html(""));
    }

    #[test]
    fn only_throttling_server_errors_and_silence_are_retried() {
        assert!(
            Fetched::Status {
                status: 429,
                retry_after: None
            }
            .is_retryable()
        );
        assert!(
            Fetched::Status {
                status: 503,
                retry_after: None
            }
            .is_retryable()
        );
        assert!(
            !Fetched::Status {
                status: 501,
                retry_after: None
            }
            .is_retryable()
        );
        assert!(
            !Fetched::Status {
                status: 404,
                retry_after: None
            }
            .is_retryable()
        );
        assert!(
            Fetched::Unreachable {
                error: String::new()
            }
            .is_retryable()
        );
        assert!(
            !Fetched::Refused {
                reason: String::new()
            }
            .is_retryable()
        );
    }
}
