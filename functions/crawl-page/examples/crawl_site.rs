//! The crawl worker's path on one machine, for the benchmark: one task per host, at most
//! CONCURRENCY hosts at once (as the Map runs one worker per host), each host paced as the
//! Lambda worker paces it (one request in flight, the next one interval after the previous
//! answer, robots.txt's `Crawl-delay` when it is longer), robots.txt read once per host, and
//! every page fetched, parsed, normalised, scoped and recorded by the worker's own functions.
//! Only the frontier differs: in memory instead of S3; pages go to a directory, as wget's do.
//!
//!   crawl_site CONCURRENCY REQUESTS_PER_SECOND OUT_DIR URL...
//!
//! Each URL is one site: its host, starting at that page, scoped to the page's directory (what
//! `wget --no-parent` does). Prints `<HTML pages stored> <URLs fetched> <bytes stored> <seconds>`.

use crawl_page::crawl::{Crawl, CrawlRequest};
use crawl_page::state::counts::Counts;
use crawl_page::state::frontier::url_hash;
use crawl_page::web::discover::{self, ROBOTS_MAX_BYTES, RobotsFile};
use crawl_page::web::fetch::{Fetched, Fetcher};
use crawl_page::web::pace::{Budget, Pace};
use crawl_page::web::page::{Link, Record, classify, visit};
use crawl_page::web::robots::{Robots, agent_token};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::json;
use shared::address::{AddressPolicy, Lookup};
use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use url::Url;

const USER_AGENT: &str = "ServerlessAutomationsCrawler/1.0 (benchmark)";
const TIMEOUT: Duration = Duration::from_secs(15);

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [concurrency, rate, out, urls @ ..] = args.as_slice() else {
        return Err("usage: crawl_site CONCURRENCY REQUESTS_PER_SECOND OUT_DIR URL...".into());
    };
    let concurrency: usize = concurrency.parse()?;
    let rate: f64 = rate.parse()?;
    let urls: Vec<Url> = urls
        .iter()
        .map(|u| Url::parse(u))
        .collect::<Result<_, _>>()?;
    let sites: Vec<_> = urls
        .iter()
        .map(|url| {
            let directory = &url.path()[..=url.path().rfind('/').unwrap_or(0)];
            json!({"base_url": url.origin().ascii_serialization(), "start_paths": [url.path()],
                   "path_prefixes": [directory]})
        })
        .collect();
    let request: CrawlRequest = serde_json::from_value(json!({
        "name": "bench", "sites": sites, "sitemaps": false,
        "allow_networks": ["127.0.0.0/8"],
        "limits": {"max_pages": 1_000_000, "max_depth": 100, "concurrency": concurrency,
                   "requests_per_second": rate},
    }))?;
    let crawl = request.validate("bench")?;
    let policy = AddressPolicy {
        allow_networks: crawl.allow_networks.clone(),
        ports: urls.iter().filter_map(Url::port_or_known_default).collect(),
    };
    let pages = Fetcher::new(
        USER_AGENT,
        TIMEOUT,
        crawl.limits.max_page_bytes as usize,
        Lookup::System,
        policy,
    )?;
    let robots = pages.with_limit(ROBOTS_MAX_BYTES);
    let out = Path::new(out);
    std::fs::create_dir_all(out)?;

    let started = Instant::now();
    let counts = stream::iter(0..crawl.sites.len())
        .map(|site| crawl_host(&crawl, &robots, &pages, site, out))
        .buffer_unordered(concurrency)
        .try_fold(Counts::default(), |mut all, counts| async move {
            all.add(&counts)?;
            Ok(all)
        })
        .await?;
    writeln!(
        std::io::stdout(),
        "{} {} {} {:.3}",
        counts.crawled,
        counts.fetched(),
        counts.bytes,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

/// One host, breadth first, as one worker crawls it. The benchmark's hosts do not link to each
/// other, so links to another host are only counted, not queued for it.
async fn crawl_host(
    crawl: &Crawl,
    robots_fetcher: &Fetcher,
    fetcher: &Fetcher,
    site: usize,
    out: &Path,
) -> Result<Counts, Failure> {
    let mut pace = Pace {
        interval: Duration::from_millis(crawl.request_interval_ms(0)),
        last_ms: 0,
    };
    // No deadline here: the benchmark's crawl runs to its end.
    let budget = Budget::until(
        Instant::now() + Duration::from_secs(24 * 3600),
        Duration::ZERO,
    );
    // The benchmark's hosts keep their robots.txt at home.
    let txt = match discover::robots(
        robots_fetcher,
        crawl,
        &crawl.sites[site],
        &mut pace,
        &budget,
    )
    .await?
    {
        RobotsFile::Read(txt) => txt,
        RobotsFile::OnSite(_) => Vec::new(),
    };
    let robots = Robots::parse(agent_token(USER_AGENT), &txt);
    pace.interval = Duration::from_millis(crawl.request_interval_ms(robots.crawl_delay_ms()));
    let starts = &crawl.sites[site].start_urls;
    let mut queue: VecDeque<(Url, u32)> = starts.iter().map(|u| (u.clone(), 0)).collect();
    let mut seen: HashSet<Url> = starts.iter().cloned().collect();
    let mut counts = Counts::default();
    while let Some((url, depth)) = queue.pop_front() {
        let page = visit(fetcher, crawl, &url, None, &mut pace).await;
        for link in &page.links {
            let owner = crawl.site_of(link);
            let host_robots = (owner == Some(site)).then_some(&robots);
            let class = classify(crawl, owner, host_robots, link, depth + 1);
            if seen.insert(link.clone()) {
                class.count(&mut counts);
                if class == Link::Follow && owner == Some(site) {
                    queue.push_back((link.clone(), depth + 1));
                }
            }
        }
        let record = Record::new(url.clone(), depth, 1, &page, None, &mut counts);
        let name = url_hash(&url);
        if let Fetched::Body { body, .. } = &page.fetched {
            tokio::fs::write(out.join(format!("{name}.html")), body).await?;
        }
        tokio::fs::write(
            out.join(format!("{name}.json")),
            serde_json::to_vec(&record)?,
        )
        .await?;
    }
    Ok(counts)
}
