//! The crawler's page path (fetch, parse, normalise, scope, robots.txt, record) on one machine,
//! for the benchmark: the frontier is in memory instead of S3 and pages are written to a
//! directory, as `wget --recursive` writes them, with no pause between requests (wget's default).
//!
//!   crawl_site URL CONCURRENCY OUT_DIR
//!
//! Prints `<HTML pages stored> <URLs fetched> <bytes stored> <seconds>`.

use crawl_page::address::Lookup;
use crawl_page::counts::Counts;
use crawl_page::crawl::{Crawl, CrawlRequest};
use crawl_page::fetch::{Fetched, Fetcher};
use crawl_page::frontier::url_hash;
use crawl_page::page::{Link, Record, classify, visit};
use crawl_page::robots::{Robots, agent_token, robots_url};
use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use url::Url;

const USER_AGENT: &str = "ServerlessAutomationsCrawler/1.0 (benchmark)";

struct Frontier {
    queue: Mutex<VecDeque<(Url, u32)>>,
    seen: Mutex<HashSet<Url>>,
    busy: AtomicUsize,
    counts: Mutex<Counts>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, concurrency, out] = args.as_slice() else {
        return Err("usage: crawl_site URL CONCURRENCY OUT_DIR".into());
    };
    let concurrency: usize = concurrency.parse()?;
    let request: CrawlRequest = serde_json::from_value(serde_json::json!({
        "name": "bench", "base_url": url, "start_paths": [url],
        "allow_networks": ["127.0.0.1/32"],
        "limits": {"max_pages": 1_000_000, "max_depth": 100, "requests_per_second": 100.0},
    }))?;
    let crawl = Arc::new(request.validate("bench")?);
    let fetcher = Arc::new(Fetcher::new(
        USER_AGENT,
        Duration::from_secs(15),
        crawl.limits.max_page_bytes as usize,
        Lookup::System,
        crawl_page::address::AddressPolicy {
            allow_networks: crawl.allow_networks.clone(),
            ports: crawl.sites[0]
                .base_url
                .port_or_known_default()
                .into_iter()
                .collect(),
        },
    )?);
    let txt = match fetcher.file(&robots_url(&crawl.sites[0].base_url)).await {
        Fetched::Body { body, .. } => body,
        _ => Vec::new(),
    };
    let robots = Arc::new(Robots::parse(agent_token(USER_AGENT), &txt));
    let out = Arc::new(PathBuf::from(out));
    std::fs::create_dir_all(out.as_path())?;

    let frontier = Arc::new(Frontier {
        queue: Mutex::new(
            crawl.sites[0]
                .start_urls
                .iter()
                .map(|u| (u.clone(), 0))
                .collect(),
        ),
        seen: Mutex::new(crawl.sites[0].start_urls.iter().cloned().collect()),
        busy: AtomicUsize::new(0),
        counts: Mutex::default(),
    });
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (crawl, fetcher, robots, out, frontier) = (
                crawl.clone(),
                fetcher.clone(),
                robots.clone(),
                out.clone(),
                frontier.clone(),
            );
            tokio::spawn(async move { work(&crawl, &fetcher, &robots, &out, &frontier).await })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let counts = *lock(&frontier.counts);
    writeln!(
        std::io::stdout(),
        "{} {} {} {seconds:.3}",
        counts.crawled,
        counts.fetched(),
        counts.bytes
    )?;
    Ok(())
}

async fn work(
    crawl: &Crawl,
    fetcher: &Fetcher,
    robots: &Robots,
    out: &Path,
    frontier: &Frontier,
) -> std::io::Result<()> {
    loop {
        // Marked busy before taking, so an empty queue with nobody busy really is the end.
        frontier.busy.fetch_add(1, Ordering::SeqCst);
        let next = lock(&frontier.queue).pop_front();
        let Some((url, depth)) = next else {
            if frontier.busy.fetch_sub(1, Ordering::SeqCst) == 1 && lock(&frontier.queue).is_empty()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        };
        let page = visit(fetcher, crawl, &url, None).await;
        let mut counts = Counts::default();
        for link in &page.links {
            let class = classify(crawl, crawl.site_of(link), Some(robots), link, depth + 1);
            if lock(&frontier.seen).insert(link.clone()) {
                class.count(&mut counts);
                if class == Link::Follow {
                    lock(&frontier.queue).push_back((link.clone(), depth + 1));
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
        lock(&frontier.counts).add(&counts);
        frontier.busy.fetch_sub(1, Ordering::SeqCst);
    }
}
