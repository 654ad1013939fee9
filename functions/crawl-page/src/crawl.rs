//! A crawl's definition: what the user asks for, checked once by the start step, then carried
//! unchanged through every step and every execution of the crawl.

use crate::normalize::{QueryStrings, normalize};
use crate::scope::Scope;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use shared::{Error, Result};
use url::Url;

/// The longest a worker may plan to run: under Lambda's 15 minutes, with room to store pages.
pub const WORKER_SECONDS: f64 = 840.0;
/// The Map state's `MaxConcurrency` in `statemachines/web-crawler.asl.json`.
pub const MAX_CONCURRENCY: u32 = 10;

/// What starts a crawl.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlRequest {
    /// Names the crawl's S3 prefix: letters, digits, `-`, `_`, `.`.
    pub name: String,
    pub base_url: String,
    /// Paths (or URLs) to start from, resolved against `base_url`.
    pub start_paths: Vec<String>,
    #[serde(default)]
    pub path_prefixes: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub query_strings: QueryStrings,
    #[serde(default)]
    pub limits: Limits,
    /// Networks otherwise refused (loopback, private, link-local) that this crawl may reach.
    #[serde(default)]
    pub allow_networks: Vec<IpNet>,
    /// Seed the queue from the site's sitemaps too (robots.txt's `Sitemap:` lines and
    /// `/sitemap.xml`).
    #[serde(default = "yes")]
    pub sitemaps: bool,
    /// A re-crawl: the run id of an earlier run of this crawl, whose pages are fetched
    /// conditionally (`ETag`, `Last-Modified`) and copied when unchanged.
    #[serde(default)]
    pub since: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Pages fetched in the whole crawl (redirects, errors and refusals count).
    pub max_pages: u32,
    /// Links followed from a start page.
    pub max_depth: u32,
    pub max_page_bytes: u32,
    /// Workers fetching at the same time, one per host: a crawl of one site has one, so that
    /// its host never has two of the crawl's requests in flight.
    pub concurrency: u32,
    /// For each host.
    pub requests_per_second: f64,
    /// Pages one worker invocation fetches, one after the other.
    pub pages_per_worker: u32,
    /// Pages after which the execution hands over to a new one (the history limit).
    pub pages_per_execution: u32,
    /// Attempts per page for 429, 5xx and no response, the first included.
    pub max_attempts: u32,
    pub timeout_seconds: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pages: 1_000,
            max_depth: 20,
            max_page_bytes: 5 * 1024 * 1024,
            concurrency: 2,
            requests_per_second: 1.0,
            pages_per_worker: 10,
            pages_per_execution: 500,
            max_attempts: 3,
            timeout_seconds: 15,
        }
    }
}

/// A checked crawl, as the steps pass it on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crawl {
    pub name: String,
    /// The first execution's name: with `name`, it keys the crawl's objects in S3.
    pub run_id: String,
    pub base_url: Url,
    pub start_urls: Vec<Url>,
    pub scope: Scope,
    pub query_strings: QueryStrings,
    pub limits: Limits,
    pub allow_networks: Vec<IpNet>,
    #[serde(default = "yes")]
    pub sitemaps: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// From robots.txt's `Crawl-delay`, once the start step has read it.
    #[serde(default)]
    pub crawl_delay_ms: u64,
}

impl CrawlRequest {
    /// Checks everything a crawl needs and names the first problem.
    pub fn validate(self, run_id: &str) -> Result<Crawl> {
        let bad = |m: String| Err(Error::InvalidInput(m));
        if !is_name(&self.name) {
            return bad(format!(
                "name '{}' must be 1 to 64 letters, digits, '-', '_' or '.'",
                self.name
            ));
        }
        let execution_name = |t: &str| {
            (1..=80).contains(&t.len())
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        };
        if !execution_name(run_id) {
            return bad(format!(
                "run_id '{run_id}' is not a Step Functions execution name"
            ));
        }
        if let Some(since) = &self.since {
            if !execution_name(since) || since == run_id {
                return bad(format!(
                    "since '{since}' must be the run id of an earlier run of crawl '{}'",
                    self.name
                ));
            }
        }
        let base = Url::parse(self.base_url.trim())
            .map_err(|e| Error::InvalidInput(format!("base_url '{}': {e}", self.base_url)))?;
        let Some(base_url) = normalize(&base, self.query_strings) else {
            return bad(format!(
                "base_url '{}' must be an http or https URL without user name or password",
                self.base_url
            ));
        };
        if self.start_paths.is_empty() {
            return bad(
                "start_paths is empty: a crawl needs at least one page to start from".into(),
            );
        }
        if self.path_prefixes.iter().any(|p| p.trim().is_empty()) {
            return bad("path_prefixes has an empty entry".into());
        }
        if self.keywords.iter().any(|k| k.trim().is_empty()) {
            return bad("keywords has an empty entry".into());
        }
        let scope = Scope::new(&base_url, &self.path_prefixes, &self.keywords);
        let mut start_urls = Vec::new();
        for path in &self.start_paths {
            let url = base_url
                .join(path.trim())
                .ok()
                .and_then(|u| normalize(&u, self.query_strings))
                .filter(|u| scope.covers(u));
            match url {
                Some(u) if !start_urls.contains(&u) => start_urls.push(u),
                Some(_) => {}
                None => {
                    return bad(format!(
                        "start path '{path}' is not a URL under {} with path prefix {}",
                        base_url.origin().ascii_serialization(),
                        scope.path_prefixes.join(" or ")
                    ));
                }
            }
        }
        self.limits.check()?;
        Ok(Crawl {
            name: self.name,
            run_id: run_id.to_owned(),
            base_url,
            start_urls,
            scope,
            query_strings: self.query_strings,
            limits: self.limits,
            allow_networks: self.allow_networks,
            sitemaps: self.sitemaps,
            since: self.since,
            crawl_delay_ms: 0,
        })
    }
}

impl Limits {
    fn check(&self) -> Result<()> {
        let ranges: [(&str, u32, u32, u32); 8] = [
            ("max_pages", self.max_pages, 1, 1_000_000),
            ("max_depth", self.max_depth, 0, 100),
            (
                "max_page_bytes",
                self.max_page_bytes,
                1_024,
                50 * 1024 * 1024,
            ),
            ("concurrency", self.concurrency, 1, MAX_CONCURRENCY),
            ("pages_per_worker", self.pages_per_worker, 1, 100),
            ("pages_per_execution", self.pages_per_execution, 1, 5_000),
            ("max_attempts", self.max_attempts, 1, 10),
            ("timeout_seconds", self.timeout_seconds, 1, 60),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(Error::InvalidInput(format!(
                    "limits.{name} is {value}; it must be from {min} to {max}"
                )));
            }
        }
        let rps = self.requests_per_second;
        if !(rps.is_finite() && rps > 0.0 && rps <= 100.0) {
            return Err(Error::InvalidInput(format!(
                "limits.requests_per_second is {rps}; it must be above 0 and at most 100"
            )));
        }
        let worst =
            f64::from(self.pages_per_worker) * (f64::from(self.timeout_seconds) + 1.0 / rps);
        if worst > WORKER_SECONDS {
            return Err(Error::InvalidInput(format!(
                "a worker could need {worst:.0} s for {} pages ({} s time-out, {rps} requests per \
                 second), more than Lambda's limit allows ({WORKER_SECONDS} s): lower \
                 limits.pages_per_worker",
                self.pages_per_worker, self.timeout_seconds
            )));
        }
        Ok(())
    }
}

impl Crawl {
    /// Where the crawl's pages and summary go: `crawls/<name>/<run_id>/`.
    pub fn output_prefix(&self) -> String {
        format!("crawls/{}/{}/", self.name, self.run_id)
    }

    /// Where its queue and visited set go: `frontier/<name>/<run_id>/` (expired by a lifecycle
    /// rule, as nothing needs them after the crawl).
    pub fn frontier_prefix(&self) -> String {
        format!("frontier/{}/{}/", self.name, self.run_id)
    }

    /// The time between two requests to the crawl's host: `requests_per_second`, or
    /// robots.txt's `Crawl-delay` when that is longer.
    pub fn request_interval_ms(&self) -> u64 {
        let per_request = (1000.0 / self.limits.requests_per_second) as u64;
        per_request.max(self.crawl_delay_ms)
    }
}

fn is_name(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && !text.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(value: serde_json::Value) -> Result<Crawl> {
        let request: CrawlRequest =
            serde_json::from_value(value).map_err(|e| Error::InvalidInput(e.to_string()))?;
        request.validate("run-1")
    }

    fn message(value: serde_json::Value) -> String {
        match request(value) {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn a_minimal_crawl_gets_defaults_and_the_base_directory_as_scope() {
        let crawl = request(json!({
            "name": "docs",
            "base_url": "HTTPS://Docs.Example.com:443/3/index.html",
            "start_paths": ["index.html", "/3/library/", "https://docs.example.com/3/index.html#x"]
        }))
        .unwrap();
        assert_eq!(
            crawl.base_url.as_str(),
            "https://docs.example.com/3/index.html"
        );
        let starts: Vec<&str> = crawl.start_urls.iter().map(Url::as_str).collect();
        assert_eq!(
            starts,
            [
                "https://docs.example.com/3/index.html",
                "https://docs.example.com/3/library/"
            ]
        );
        assert_eq!(crawl.scope.path_prefixes, ["/3/"]);
        assert_eq!(crawl.limits, Limits::default());
        assert_eq!(crawl.output_prefix(), "crawls/docs/run-1/");
        assert_eq!(crawl.request_interval_ms(), 1000, "one request per second");
    }

    #[test]
    fn nothing_to_start_from_is_an_error() {
        let m = message(json!({"name": "docs", "base_url": "https://e.com/", "start_paths": []}));
        assert!(m.contains("start_paths is empty"), "{m}");
        let m = message(json!({"name": "docs", "base_url": "https://e.com/"}));
        assert!(m.contains("missing field `start_paths`"), "{m}");
    }

    #[test]
    fn each_bad_field_is_named() {
        let base =
            json!({"name": "docs", "base_url": "https://e.com/docs/", "start_paths": ["/docs/"]});
        let with = |key: &str, value: serde_json::Value| {
            let mut v = base.clone();
            v[key] = value;
            message(v)
        };
        assert!(with("name", json!("../etc")).contains("name '../etc'"));
        assert!(with("name", json!("")).contains("name ''"));
        assert!(with("base_url", json!("not a url")).contains("base_url 'not a url'"));
        assert!(with("base_url", json!("ftp://e.com/")).contains("http or https"));
        assert!(with("base_url", json!("https://u:p@e.com/")).contains("user name"));
        assert!(with("start_paths", json!(["/other/"])).contains("start path '/other/'"));
        assert!(
            with("start_paths", json!(["https://evil.net/docs/"]))
                .contains("is not a URL under https://e.com")
        );
        assert!(with("limits", json!({"concurrency": 0})).contains("limits.concurrency is 0"));
        assert!(with("limits", json!({"concurrency": 11})).contains("from 1 to 10"));
        assert!(
            with("limits", json!({"requests_per_second": 0.0})).contains("requests_per_second")
        );
        assert!(with("limits", json!({"max_page": 5})).contains("unknown field `max_page`"));
        assert!(
            with(
                "limits",
                json!({"pages_per_worker": 100, "timeout_seconds": 60})
            )
            .contains("lower limits.pages_per_worker")
        );
        assert!(with("allow_networks", json!(["localhost"])).contains("invalid IP address"));
        assert!(with("keywords", json!([" "])).contains("keywords has an empty entry"));
        assert!(with("surprise", json!(1)).contains("unknown field `surprise`"));
    }

    #[test]
    fn interval_is_the_rate_or_the_crawl_delay_whichever_is_longer() {
        let mut crawl = request(json!({
            "name": "docs", "base_url": "https://e.com/", "start_paths": ["/"],
            "limits": {"concurrency": 4, "requests_per_second": 8.0}
        }))
        .unwrap();
        assert_eq!(crawl.request_interval_ms(), 125);
        crawl.crawl_delay_ms = 1_000;
        assert_eq!(crawl.request_interval_ms(), 1_000);
    }
}
