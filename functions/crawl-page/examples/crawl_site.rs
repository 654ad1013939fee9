//! The crawler on one machine, for the benchmark: its own steps, each through
//! `crawl_page::handle` as Lambda calls it (`start`, then `next` and one `work` per host of each
//! batch, all at once as the Map runs them, until done, then `finish`), so the benchmark
//! measures the code that ships. Only the store differs: the crawl's outputs go to a folder
//! (OUT_DIR), as wget's pages do, and its frontier stays in memory, instead of the crawl bucket.
//!
//!   crawl_site CONCURRENCY REQUESTS_PER_SECOND OUT_DIR URL...
//!
//! Each URL is one site: its host, starting at that page, scoped to the page's directory (what
//! `wget --no-parent` does). Prints `<HTML pages stored> <URLs fetched> <bytes stored> <seconds>`.

use crawl_page::state::store::Store;
use crawl_page::{Config, Deps};
use futures_util::future::{BoxFuture, join_all};
use serde_json::{Value, json};
use shared::address::Lookup;
use shared::{Error, Result};
use std::collections::BTreeMap;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use url::Url;

const USER_AGENT: &str = "ServerlessAutomationsCrawler/1.0 (benchmark)";
/// As Lambda gives each invocation: the function's time-out.
const INVOCATION: Duration = Duration::from_secs(280);

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// One thread, as the worker runs in Lambda (`main.rs`): a worker's hosts share it, and a thread
/// pool would only add the cost of handing tasks between threads.
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::result::Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [concurrency, rate, out, urls @ ..] = args.as_slice() else {
        return Err("usage: crawl_site CONCURRENCY REQUESTS_PER_SECOND OUT_DIR URL...".into());
    };
    let concurrency: u32 = concurrency.parse()?;
    let rate: f64 = rate.parse()?;
    let urls: Vec<Url> = urls
        .iter()
        .map(|u| Url::parse(u))
        .collect::<std::result::Result<_, _>>()?;
    let sites: Vec<_> = urls
        .iter()
        .map(|url| {
            let directory = &url.path()[..=url.path().rfind('/').unwrap_or(0)];
            json!({"base_url": url.origin().ascii_serialization(), "start_paths": [url.path()],
                   "path_prefixes": [directory]})
        })
        .collect();
    let crawl = json!({
        "name": "bench", "sites": sites, "sitemaps": false,
        "allow_networks": ["127.0.0.0/8"],
        "limits": {"max_pages": 1_000_000, "max_depth": 100, "concurrency": concurrency,
                   "requests_per_second": rate, "pages_per_execution": 5_000},
    });
    let deps = Deps {
        store: Box::new(Folder::new(out)),
        config: Config {
            bucket: "bench".into(),
            user_agent: USER_AGENT.into(),
            allowed_networks: vec!["127.0.0.0/8".parse()?],
            allowed_ports: urls.iter().filter_map(Url::port_or_known_default).collect(),
            batch_size: 10_000,
            map_max_concurrency: concurrency,
            map_tolerated_failure_percentage: 0.0,
        },
        lookup: Lookup::System,
        crawls: Default::default(),
    };

    let started = Instant::now();
    let run = step(
        &deps,
        json!({"action": "start", "run_id": "bench", "crawl": crawl}),
    )
    .await?;
    let (mut execution, mut batch) = (json!("bench"), Value::Null);
    loop {
        let next = step(
            &deps,
            json!({"action": "next", "name": run["name"], "run_id": run["run_id"],
                   "execution": execution, "batch": batch, "results": []}),
        )
        .await?;
        if next["done"] == json!(true) {
            break;
        }
        if next["continue_as_new"] == json!(true) {
            (execution, batch) = (next["continuation_name"].clone(), Value::Null);
            continue;
        }
        let items = match next["items"]["key"].as_str() {
            // A distributed Map's: its ItemReader reads them from the store.
            Some(key) => {
                let items = deps.store.get(key).await?.unwrap_or_default();
                serde_json::from_slice::<Vec<Value>>(&items)?
            }
            None => next["workers"].as_array().cloned().unwrap_or_default(),
        };
        let workers = items.iter().map(|item| {
            step(
                &deps,
                json!({"action": "work", "name": run["name"], "run_id": run["run_id"],
                       "batch": next["batch"], "sites": item["sites"]}),
            )
        });
        for worked in join_all(workers).await {
            worked?;
        }
        batch = next["batch"].clone();
    }
    let finished = step(
        &deps,
        json!({"action": "finish", "name": run["name"], "run_id": run["run_id"]}),
    )
    .await?;
    let summary = &finished["summary"];
    let count = |name: &str| summary[name].as_u64().unwrap_or(0);
    let fetched: u64 = [
        "crawled",
        "unchanged",
        "failed",
        "redirects",
        "not_html",
        "too_large",
        "refused",
    ]
    .into_iter()
    .map(count)
    .sum();
    writeln!(
        std::io::stdout(),
        "{} {} {} {:.3}",
        count("crawled"),
        fetched,
        count("bytes"),
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

/// One step, from its event as Lambda delivers it to its answer as Lambda returns it.
async fn step(deps: &Deps, event: Value) -> std::result::Result<Value, Failure> {
    let deadline = Instant::now() + INVOCATION;
    let answer = crawl_page::handle(deps, shared::input::parse(event)?, deadline).await?;
    Ok(serde_json::to_value(answer)?)
}

/// The crawl's objects: its outputs (`crawls/`: pages, records, robots.txt, the summary) as
/// files under a folder, as wget writes its pages; its frontier (`frontier/`: hosts' queues,
/// inboxes, batches, progress) in memory, as S3 would keep it: the benchmark measures the
/// crawler, not the file system. The file calls are the standard
/// library's, blocking: on a local disk they take microseconds, and tokio's file functions
/// would only move the same calls to another thread.
struct Folder {
    root: PathBuf,
    frontier: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl Folder {
    fn new(root: &str) -> Self {
        Folder {
            root: PathBuf::from(root),
            frontier: Mutex::default(),
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// The frontier's objects, or `None` for a key of the outputs.
    fn memory(&self, key: &str) -> Option<MutexGuard<'_, BTreeMap<String, Vec<u8>>>> {
        key.starts_with("frontier/")
            .then(|| self.frontier.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Internal(format!("{what} {}: {e}", path.display()))
}

impl Store for Folder {
    fn uri(&self, key: &str) -> String {
        format!("file://{}", self.path(key).display())
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            if let Some(memory) = self.memory(key) {
                return Ok(memory.get(key).cloned());
            }
            let path = self.path(key);
            match std::fs::read(&path) {
                Ok(body) => Ok(Some(body)),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io("read", &path, e)),
            }
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        _content_type: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if let Some(mut memory) = self.memory(key) {
                memory.insert(key.to_owned(), body);
                return Ok(());
            }
            let path = self.path(key);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
            }
            std::fs::write(&path, body).map_err(|e| io("write", &path, e))
        })
    }

    fn copy<'a>(&'a self, from: &'a str, to: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let body = self.get(from).await?.unwrap_or_default();
            self.put(to, body, "").await
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if let Some(mut memory) = self.memory(key) {
                memory.remove(key);
                return Ok(());
            }
            let path = self.path(key);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != ErrorKind::NotFound => Err(io("remove", &path, e)),
                _ => Ok(()),
            }
        })
    }

    /// The crawl lists only its frontier (the hosts' inboxes), so only the frontier is listed.
    fn list<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let memory = self.memory(prefix).ok_or_else(|| not_listed(prefix))?;
            Ok(memory
                .range(prefix.to_owned()..)
                .map(|(key, _)| key)
                .take_while(|key| key.starts_with(prefix))
                .take(limit)
                .cloned()
                .collect())
        })
    }

    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let memory = self.memory(prefix).ok_or_else(|| not_listed(prefix))?;
            let mut folders: Vec<String> = memory
                .range(prefix.to_owned()..)
                .map(|(key, _)| key)
                .take_while(|key| key.starts_with(prefix))
                .filter_map(|key| Some(key[prefix.len()..].split_once('/')?.0.to_owned()))
                .collect();
            folders.dedup();
            Ok(folders)
        })
    }
}

fn not_listed(prefix: &str) -> Error {
    Error::Internal(format!("{prefix}: only the frontier is listed"))
}
