//! A crawl's definition: what the user asks for, checked once by the start step, then carried
//! unchanged through every step and every execution of the crawl.

use crate::normalize::{QueryStrings, normalize};
use crate::scope::Scope;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
pub use shared::crawl_run::Run;
use shared::crawl_run::{is_execution_name, is_name};
use shared::{Error, Result};
use url::Url;

/// The longest a worker runs: its function's time-out (280 s in `templates/web-crawler.yaml`,
/// under the 290 s its Map task and an Express child allow, so that no worker outlives the task
/// that started it) less the margin it keeps to store what it did.
pub const WORKER_SECONDS: f64 = 270.0;
/// The waiting a worker takes on by default: two thirds of its time, leaving the rest for
/// slow answers and a robots.txt `Crawl-delay` longer than the crawl's own interval.
pub const FILL_SECONDS: f64 = 180.0;
/// Pages one worker may take: what [`FILL_SECONDS`] of waiting holds at one request a second.
/// A turn is all or nothing, so a worker that dies redoes at most this many pages.
pub const MAX_PAGES_PER_WORKER: u32 = 180;
/// Hosts one batch may crawl at once: a distributed Map runs up to 10,000 children.
pub const MAX_CONCURRENCY: u32 = 10_000;
/// Hosts one worker may pace at once.
pub const MAX_HOSTS_PER_WORKER: u32 = 50;
/// Hosts one worker paces by default, fewer when pages may be large: a worker holds up to one
/// page of each of its hosts at once, within [`WORKER_PAGE_BYTES`].
const HOSTS_PER_WORKER: u32 = 10;
/// What a worker's pages in flight may hold together, of the function's 256 MB.
pub const WORKER_PAGE_BYTES: u64 = 128 * 1024 * 1024;
/// Sites one crawl may list.
pub const MAX_SITES: usize = 10_000;
/// Where in the crawl bucket a crawl's `sites_from` may name its site list.
pub const SITE_LISTS: &str = "site-lists/";

/// What starts a crawl: one site (`base_url`, `start_paths`, ...) or many (`sites`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlRequest {
    /// Names the crawl's S3 prefix: letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// The crawl's sites, each on its own host.
    #[serde(default)]
    pub sites: Vec<SiteRequest>,
    /// Or where they are listed, one JSON site per line, in the crawl bucket under
    /// [`SITE_LISTS`]: a list of thousands of sites does not fit an execution's 256 KB input.
    #[serde(default)]
    pub sites_from: Option<String>,
    /// One site may be given without `sites`, with these four fields.
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub start_paths: Option<Vec<String>>,
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
    /// Seed the queue from each site's sitemaps too (robots.txt's `Sitemap:` lines and
    /// `/sitemap.xml`).
    #[serde(default = "yes")]
    pub sitemaps: bool,
    /// A re-crawl: the run id of an earlier run of this crawl, whose pages are fetched
    /// conditionally (`ETag`, `Last-Modified`) and copied when unchanged.
    #[serde(default)]
    pub since: Option<String>,
}

/// One site of a crawl.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    pub base_url: String,
    /// Paths (or URLs) to start from, resolved against `base_url`.
    pub start_paths: Vec<String>,
    #[serde(default)]
    pub path_prefixes: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
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
    /// Hosts crawled at the same time, each by one worker only, so that no host ever has two of
    /// the crawl's requests in flight (the deployment's `CRAWL_BATCH_SIZE` caps it too).
    pub concurrency: u32,
    /// Hosts one worker paces at once, each at its own interval: a worker mostly waits, and
    /// Lambda bills the wait, so a worker that waits for several hosts at once costs each of
    /// them a share (`Limits::hosts_per_worker`).
    pub hosts_per_worker: Option<u32>,
    /// For each host.
    pub requests_per_second: f64,
    /// Pages one worker invocation fetches, one after the other; by default as many as fill
    /// [`FILL_SECONDS`] at the crawl's rate, up to 180 (`Limits::pages_per_worker`).
    pub pages_per_worker: Option<u32>,
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
            concurrency: 10,
            hosts_per_worker: None,
            requests_per_second: 1.0,
            pages_per_worker: None,
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
    /// Each on its own host; a site's index in this list names its shard of the frontier.
    pub sites: Vec<Site>,
    pub query_strings: QueryStrings,
    pub limits: Limits,
    pub allow_networks: Vec<IpNet>,
    #[serde(default = "yes")]
    pub sitemaps: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// A checked site: politeness, robots.txt and the frontier's shards are per site, one host each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub base_url: Url,
    pub start_urls: Vec<Url>,
    pub scope: Scope,
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
        if !is_execution_name(run_id) {
            return bad(format!(
                "run_id '{run_id}' is not a Step Functions execution name"
            ));
        }
        if let Some(since) = &self.since
            && (!is_execution_name(since) || since == run_id)
        {
            return bad(format!(
                "since '{since}' must be the run id of an earlier run of crawl '{}'",
                self.name
            ));
        }
        if let Some(key) = &self.sites_from {
            return bad(format!(
                "sites_from '{key}' must be read before the crawl is checked (the start step does)"
            ));
        }
        let requests = match (self.base_url, self.sites.is_empty()) {
            (Some(base_url), true) => vec![SiteRequest {
                base_url,
                start_paths: self.start_paths.unwrap_or_default(),
                path_prefixes: self.path_prefixes,
                keywords: self.keywords,
            }],
            (None, false)
                if self.start_paths.is_none()
                    && self.path_prefixes.is_empty()
                    && self.keywords.is_empty() =>
            {
                self.sites
            }
            (None, true) => {
                return bad("a crawl needs base_url and start_paths, or a list of sites".into());
            }
            _ => {
                return bad(
                    "give one site (base_url, start_paths, path_prefixes, keywords) or sites, \
                     not both"
                        .into(),
                );
            }
        };
        if requests.len() > MAX_SITES {
            return bad(format!(
                "sites lists {} sites; a crawl may have at most {MAX_SITES}",
                requests.len()
            ));
        }
        let mut sites: Vec<Site> = Vec::with_capacity(requests.len());
        for request in requests {
            let site = request.validate(self.query_strings)?;
            if let Some(other) = sites.iter().find(|s| s.scope.host == site.scope.host) {
                return bad(format!(
                    "sites {} and {} are on the same host: list a host once, with several \
                     path_prefixes, so that its politeness is one",
                    other.base_url, site.base_url
                ));
            }
            sites.push(site);
        }
        self.limits.check()?;
        Ok(Crawl {
            name: self.name,
            run_id: run_id.to_owned(),
            sites,
            query_strings: self.query_strings,
            limits: self.limits,
            allow_networks: self.allow_networks,
            sitemaps: self.sitemaps,
            since: self.since,
        })
    }
}

impl CrawlRequest {
    /// Takes the sites from `list`, the text of the object `sites_from` names: one JSON site
    /// per line (blank lines skipped), each checked as a site of `sites` is. A request that
    /// also lists sites, or names one, is refused.
    pub fn with_site_list(mut self, list: &[u8]) -> Result<Self> {
        let bad = |m: String| Err(Error::InvalidInput(m));
        let key = self.sites_from.take().unwrap_or_default();
        if !self.sites.is_empty() || self.base_url.is_some() {
            return bad(format!(
                "give sites_from '{key}' or sites or base_url, not more than one"
            ));
        }
        let text = std::str::from_utf8(list)
            .map_err(|e| Error::InvalidInput(format!("site list '{key}' is not UTF-8: {e}")))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            if self.sites.len() == MAX_SITES {
                return bad(format!(
                    "site list '{key}' has more than {MAX_SITES} sites; a crawl may have at most \
                     {MAX_SITES}"
                ));
            }
            let site = serde_json::from_str(line).map_err(|e| {
                Error::InvalidInput(format!("site list '{key}', line {}: {e}", n + 1))
            })?;
            self.sites.push(site);
        }
        Ok(self)
    }
}

impl SiteRequest {
    fn validate(self, query_strings: QueryStrings) -> Result<Site> {
        let bad = |m: String| Err(Error::InvalidInput(m));
        let base = Url::parse(self.base_url.trim())
            .map_err(|e| Error::InvalidInput(format!("base_url '{}': {e}", self.base_url)))?;
        let Some(base_url) = normalize(&base, query_strings) else {
            return bad(format!(
                "base_url '{}' must be an http or https URL without user name or password",
                self.base_url
            ));
        };
        if self.start_paths.is_empty() {
            return bad(format!(
                "start_paths is empty for {base_url}: a crawl needs at least one page to start from"
            ));
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
                .and_then(|u| normalize(&u, query_strings))
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
        Ok(Site {
            base_url,
            start_urls,
            scope,
        })
    }
}

impl Limits {
    fn check(&self) -> Result<()> {
        let ranges: [(&str, u32, u32, u32); 9] = [
            ("max_pages", self.max_pages, 1, 1_000_000),
            ("max_depth", self.max_depth, 0, 100),
            (
                "max_page_bytes",
                self.max_page_bytes,
                1_024,
                50 * 1024 * 1024,
            ),
            ("concurrency", self.concurrency, 1, MAX_CONCURRENCY),
            (
                "hosts_per_worker",
                self.hosts_per_worker(),
                1,
                MAX_HOSTS_PER_WORKER,
            ),
            (
                "pages_per_worker",
                self.pages_per_worker(),
                1,
                MAX_PAGES_PER_WORKER,
            ),
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
        let interval = 1.0 / rps;
        let one = f64::from(self.timeout_seconds) + interval;
        if one > WORKER_SECONDS {
            return Err(Error::InvalidInput(format!(
                "one request could need {one:.0} s ({} s time-out, one every {interval:.0} s), \
                 more than a worker has ({WORKER_SECONDS} s): raise limits.requests_per_second \
                 or lower limits.timeout_seconds",
                self.timeout_seconds
            )));
        }
        let held = u64::from(self.hosts_per_worker()) * u64::from(self.max_page_bytes);
        if held > WORKER_PAGE_BYTES {
            return Err(Error::InvalidInput(format!(
                "a worker could hold {} MiB of pages at once ({} hosts of up to {} bytes), more \
                 than {} MiB: lower limits.hosts_per_worker or limits.max_page_bytes",
                held >> 20,
                self.hosts_per_worker(),
                self.max_page_bytes,
                WORKER_PAGE_BYTES >> 20
            )));
        }
        let waits = f64::from(self.pages_per_worker()) * interval;
        if waits > WORKER_SECONDS {
            return Err(Error::InvalidInput(format!(
                "a worker would wait {waits:.0} s between its {} pages ({rps} requests per \
                 second), more than it has ({WORKER_SECONDS} s): lower limits.pages_per_worker",
                self.pages_per_worker()
            )));
        }
        Ok(())
    }

    /// As given, or [`HOSTS_PER_WORKER`], fewer when that many pages of `max_page_bytes` would
    /// not fit [`WORKER_PAGE_BYTES`].
    pub fn hosts_per_worker(&self) -> u32 {
        self.hosts_per_worker.unwrap_or_else(|| {
            let fit = WORKER_PAGE_BYTES / u64::from(self.max_page_bytes.max(1));
            fit.clamp(1, u64::from(HOSTS_PER_WORKER)) as u32
        })
    }

    /// As given, or as many as fill [`FILL_SECONDS`] of waiting at `requests_per_second`, from
    /// 1 to [`MAX_PAGES_PER_WORKER`]. A worker's billed time is mostly that wait, and the state
    /// transitions of a batch are shared by its pages: the more pages a worker takes, the less
    /// each costs.
    pub fn pages_per_worker(&self) -> u32 {
        self.pages_per_worker.unwrap_or_else(|| {
            let fit = (FILL_SECONDS * self.requests_per_second).floor();
            // In range whatever the rate: `check` refuses rates outside (0, 100].
            fit.clamp(1.0, f64::from(MAX_PAGES_PER_WORKER)) as u32
        })
    }
}

impl Crawl {
    pub fn run(&self) -> Run {
        Run {
            name: self.name.clone(),
            run_id: self.run_id.clone(),
        }
    }

    pub fn output_prefix(&self) -> String {
        self.run().output_prefix()
    }

    pub fn frontier_prefix(&self) -> String {
        self.run().frontier_prefix()
    }

    /// The time between two requests to a host: `requests_per_second`, or robots.txt's
    /// `Crawl-delay` (already capped) when that is longer.
    pub fn request_interval_ms(&self, crawl_delay_ms: u64) -> u64 {
        let per_request = (1000.0 / self.limits.requests_per_second) as u64;
        per_request.max(crawl_delay_ms)
    }

    /// The site on `url`'s host, by its index: a host's pace is its site's.
    pub fn site_on_host(&self, url: &Url) -> Option<usize> {
        let host = url.host_str()?;
        self.sites.iter().position(|s| s.scope.host == host)
    }

    /// The site whose scope covers `url`, by its index.
    pub fn site_of(&self, url: &Url) -> Option<usize> {
        self.sites.iter().position(|s| s.scope.covers(url))
    }
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
        let [site] = crawl.sites.as_slice() else {
            panic!("one site: {:?}", crawl.sites);
        };
        assert_eq!(
            site.base_url.as_str(),
            "https://docs.example.com/3/index.html"
        );
        let starts: Vec<&str> = site.start_urls.iter().map(Url::as_str).collect();
        assert_eq!(
            starts,
            [
                "https://docs.example.com/3/index.html",
                "https://docs.example.com/3/library/"
            ]
        );
        assert_eq!(site.scope.path_prefixes, ["/3/"]);
        assert_eq!(crawl.limits, Limits::default());
        assert_eq!(crawl.output_prefix(), "crawls/docs/run-1/");
        assert_eq!(crawl.request_interval_ms(0), 1000, "one request per second");
    }

    #[test]
    fn nothing_to_start_from_is_an_error() {
        let m = message(json!({"name": "docs", "base_url": "https://e.com/", "start_paths": []}));
        assert!(m.contains("start_paths is empty"), "{m}");
        let m = message(json!({"name": "docs", "base_url": "https://e.com/"}));
        assert!(m.contains("start_paths is empty for https://e.com/"), "{m}");
        let m = message(json!({"name": "docs"}));
        assert!(
            m.contains("needs base_url and start_paths, or a list of sites"),
            "{m}"
        );
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
        assert!(with("limits", json!({"concurrency": 10_001})).contains("from 1 to 10000"));
        assert!(
            with("limits", json!({"requests_per_second": 0.0})).contains("requests_per_second")
        );
        assert!(with("limits", json!({"max_page": 5})).contains("unknown field `max_page`"));
        assert!(
            with(
                "limits",
                json!({"pages_per_worker": 100, "requests_per_second": 0.2})
            )
            .contains("lower limits.pages_per_worker")
        );
        let mut slow = base.clone();
        slow["limits"] = json!({"requests_per_second": 0.004, "pages_per_worker": 1});
        let slow: CrawlRequest = serde_json::from_value(slow).unwrap();
        assert!(
            slow.validate("slow-1").is_ok(),
            "one request every 250 s fits"
        );
        assert!(
            with(
                "limits",
                json!({"requests_per_second": 0.003, "pages_per_worker": 1})
            )
            .contains("one request could need 348 s")
        );
        assert!(with("allow_networks", json!(["localhost"])).contains("invalid IP address"));
        assert!(with("keywords", json!([" "])).contains("keywords has an empty entry"));
        assert!(with("surprise", json!(1)).contains("unknown field `surprise`"));
    }

    #[test]
    fn a_crawl_lists_many_sites_each_on_its_own_host() {
        let crawl = request(json!({
            "name": "many",
            "sites": [
                {"base_url": "https://a.example/docs/", "start_paths": ["/docs/"]},
                {"base_url": "http://b.example:8080/", "start_paths": ["/", "/x"],
                 "path_prefixes": ["/x", "/"], "keywords": ["K"]}
            ]
        }))
        .unwrap();
        assert_eq!(crawl.sites.len(), 2);
        assert_eq!(crawl.sites[1].scope.keywords, ["k"]);
        let at = |u: &str| crawl.site_of(&Url::parse(u).unwrap());
        assert_eq!(at("https://a.example/docs/p.html"), Some(0));
        assert_eq!(at("http://b.example:8080/x/y"), Some(1));
        assert_eq!(at("https://a.example/other/"), None, "outside a's prefix");
        assert_eq!(
            at("https://b.example/x/y"),
            None,
            "another origin of b's host"
        );

        let site = |base: &str| json!({"base_url": base, "start_paths": ["/"]});
        let m = message(
            json!({"name": "many", "sites": [site("https://a.example/"), site("http://a.example:81/")]}),
        );
        assert!(m.contains("are on the same host"), "{m}");
        let m = message(
            json!({"name": "many", "base_url": "https://a.example/", "start_paths": ["/"], "sites": [site("https://b.example/")]}),
        );
        assert!(m.contains("not both"), "{m}");
        let m = message(
            json!({"name": "many", "sites": [site("https://a.example/")], "keywords": ["x"]}),
        );
        assert!(m.contains("not both"), "{m}");
        let m = message(
            json!({"name": "many", "sites": [{"base_url": "https://a.example/", "start_paths": ["/"], "extra": 1}]}),
        );
        assert!(m.contains("unknown field `extra`"), "{m}");
        let too_many: Vec<_> = (0..=MAX_SITES)
            .map(|n| site(&format!("https://h{n}.example/")))
            .collect();
        let m = message(json!({"name": "many", "sites": too_many}));
        assert!(m.contains("at most 10000"), "{m}");
    }

    #[test]
    fn a_worker_takes_by_default_the_pages_that_fill_two_thirds_of_its_time() {
        let at = |rps: f64, given: Option<u32>| {
            Limits {
                requests_per_second: rps,
                pages_per_worker: given,
                ..Limits::default()
            }
            .pages_per_worker()
        };
        assert_eq!(at(1.0, None), 180, "180 s of waiting");
        assert_eq!(at(2.0, None), 180, "at most 180");
        assert_eq!(at(0.5, None), 90, "180 s of waiting");
        assert_eq!(at(0.004, None), 1, "at least one");
        assert_eq!(at(0.5, Some(7)), 7, "as given");
        let slow = Limits {
            requests_per_second: 0.004,
            ..Limits::default()
        };
        assert!(slow.check().is_ok(), "the default always fits the worker");
    }

    #[test]
    fn a_worker_paces_ten_hosts_by_default_and_fewer_when_pages_may_be_large() {
        let at = |max_page_bytes: u32, given: Option<u32>| Limits {
            max_page_bytes,
            hosts_per_worker: given,
            ..Limits::default()
        };
        assert_eq!(at(5 << 20, None).hosts_per_worker(), 10);
        assert_eq!(at(50 << 20, None).hosts_per_worker(), 2, "128 MiB of pages");
        assert!(at(50 << 20, None).check().is_ok());
        assert_eq!(at(1 << 20, Some(40)).hosts_per_worker(), 40, "as given");
        let err = at(50 << 20, Some(3)).check().unwrap_err().to_string();
        assert!(err.contains("lower limits.hosts_per_worker"), "{err}");
        let err = at(1 << 20, Some(51)).check().unwrap_err().to_string();
        assert!(err.contains("limits.hosts_per_worker is 51"), "{err}");
    }

    #[test]
    fn interval_is_the_rate_or_the_crawl_delay_whichever_is_longer() {
        let crawl = request(json!({
            "name": "docs", "base_url": "https://e.com/", "start_paths": ["/"],
            "limits": {"concurrency": 4, "requests_per_second": 8.0}
        }))
        .unwrap();
        assert_eq!(crawl.request_interval_ms(0), 125);
        assert_eq!(crawl.request_interval_ms(1_000), 1_000);
    }
}
