//! The crawler's steps against moto's S3 and the test site on 127.0.0.1, driven as the state
//! machine drives them: start, then next / crawl (the batch's workers at the same time) until
//! done, handing over to a new "execution" when `next` says so, then finish.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use crawl_page::crawl::Crawl;
use crawl_page::state::counts::Counts;
use crawl_page::state::frontier::{self, Frontier, Host, InboxLink};
use crawl_page::state::progress::Progress;
use crawl_page::state::queue::{Entry, HostQueue};
use crawl_page::state::store::S3Store;
use crawl_page::web::page;
use crawl_page::{Config, Deps, Group, Item};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use shared::address::Lookup;
use std::collections::HashMap;
use std::net::IpAddr;
use testing::site::{FakeSite, TREE_PAGES};

/// The handler on a raw payload, as Lambda delivers it, with Lambda's deadline 280 s away.
async fn handle(deps: &Deps, event: Value) -> shared::Result<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(280);
    crawl_page::handle(deps, shared::input::parse(event)?, deadline)
        .await
        .map(|response| serde_json::to_value(response).unwrap())
}

/// The steps on moto, deployed to allow loopback and the test servers' `ports`.
async fn deps(lookup: Lookup, ports: &[u16]) -> Deps {
    let config = testing::moto().await;
    let bucket = testing::bucket(&config).await;
    Deps {
        store: Box::new(S3Store::new(
            shared::aws::s3_client(&config),
            bucket.clone(),
        )),
        config: Config {
            bucket,
            user_agent: "ServerlessAutomationsCrawler/1.0 (test)".into(),
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap()],
            allowed_ports: ports.to_vec(),
            batch_size: 1_000,
            map_max_concurrency: 100,
            map_tolerated_failure_percentage: 5.0,
        },
        lookup,
        crawls: Default::default(),
    }
}

/// The port of a test server's base URL.
fn port(base_url: &str) -> u16 {
    base_url.rsplit(':').next().unwrap().parse().unwrap()
}

fn docs_crawl(site: &FakeSite, limits: Value) -> Value {
    json!({
        "name": "test-site",
        "base_url": format!("{}/docs/", site.base_url()),
        "start_paths": ["/docs/"],
        "allow_networks": ["127.0.0.1/32"],
        "limits": limits,
    })
}

/// The test site's limits in most tests: fast, and small batches, so a crawl takes several.
fn fast() -> Value {
    json!({"max_page_bytes": 1_048_576, "concurrency": 3, "requests_per_second": 100.0,
           "pages_per_worker": 2})
}

/// The test site's pages a crawl of `/docs/` stores, sorted.
fn stored_paths() -> Vec<String> {
    sorted(
        [
            "/docs/",
            "/docs/a.html",
            "/docs/b.html",
            "/docs/c.html",
            "/docs/base.html",
            "/docs/sub/d.html",
            "/docs/from-sitemap.html",
        ]
        .map(String::from)
        .to_vec(),
    )
}

struct Run {
    finished: Value,
    /// The summary: the crawl's totals, and more.
    totals: Value,
    executions: u32,
}

async fn run(deps: &Deps, crawl: Value) -> Run {
    let run = start(deps, crawl).await;
    drive(deps, run).await
}

/// The start step's answer for `crawl`, under a new run id: the run.
async fn start(deps: &Deps, crawl: Value) -> Value {
    let run_id = testing::unique("run").replace('_', "-");
    handle(
        deps,
        json!({"action": "start", "run_id": run_id, "crawl": crawl}),
    )
    .await
    .unwrap()
}

/// The crawl `run` names, as its start step stored it.
async fn stored(deps: &Deps, run: &Value) -> Crawl {
    let run: crawl_page::Run = serde_json::from_value(run.clone()).unwrap();
    frontier::stored_crawl(deps.store.as_ref(), &run)
        .await
        .unwrap()
}

/// The crawl's progress, as its `next` step last stored it.
async fn progress(deps: &Deps, run: &Value) -> Value {
    let prefix = format!(
        "frontier/{}/{}/",
        run["name"].as_str().unwrap(),
        run["run_id"].as_str().unwrap()
    );
    json_object(deps, &format!("{prefix}progress.json")).await
}

/// A worker of batch `batch` taking `take` pages of the first site, as `next` would store it.
async fn worker(deps: &Deps, run: &Value, batch: &str, take: u32) -> shared::Result<Value> {
    site_worker(deps, run, batch, 0, take).await
}

/// The same for any site of the crawl.
async fn site_worker(
    deps: &Deps,
    run: &Value,
    batch: &str,
    site: usize,
    take: u32,
) -> shared::Result<Value> {
    let crawl = stored(deps, run).await;
    Frontier::new(deps.store.as_ref(), &crawl)
        .put_batch(
            batch,
            &[Group { site, take }],
            &[Item { sites: vec![site] }],
        )
        .await
        .unwrap();
    handle(
        deps,
        json!({"action": "work", "name": run["name"], "run_id": run["run_id"], "batch": batch,
               "sites": [site]}),
    )
    .await
}

/// A worker for the first site of the crawl with no page: the host's first visit only
/// (robots.txt, sitemaps).
async fn first_visit(deps: &Deps, run: &Value) -> shared::Result<Value> {
    worker(deps, run, "first", 0).await
}

/// One `next` step of execution `execution`, after `batch` and its inline Map's `results`.
async fn next(deps: &Deps, run: &Value, execution: &Value, batch: &Value, results: Value) -> Value {
    let next = handle(
        deps,
        json!({"action": "next", "name": run["name"], "run_id": run["run_id"],
               "execution": execution, "batch": batch, "results": results}),
    )
    .await
    .unwrap();
    let size = serde_json::to_vec(&next).unwrap().len();
    assert!(
        size < 1024,
        "next's answer is small whatever the crawl: {size} bytes"
    );
    next
}

/// The rest of the crawl from its start, as the state machine runs it.
async fn drive(deps: &Deps, run: Value) -> Run {
    let execution = run["run_id"].clone();
    drive_from(deps, run, execution, Value::Null).await
}

/// The rest of the crawl from a `next` step of `execution` after `batch`.
async fn drive_from(deps: &Deps, run: Value, mut execution: Value, mut batch: Value) -> Run {
    let mut executions = 1;
    let mut results = json!([]);
    loop {
        let next = next(deps, &run, &execution, &batch, results).await;
        if next["done"] == json!(true) {
            let finished = handle(
                deps,
                json!({"action": "finish", "name": run["name"], "run_id": run["run_id"]}),
            )
            .await
            .unwrap();
            return Run {
                totals: finished["summary"].clone(),
                finished,
                executions,
            };
        }
        if next["continue_as_new"] == json!(true) {
            execution = next["continuation_name"].clone();
            batch = Value::Null;
            results = json!([]);
            executions += 1;
            continue;
        }
        let items: Vec<Value> = if next["distributed"] == json!(true) {
            assert!(next["workers"].as_array().unwrap().is_empty());
            let items = json_object(deps, next["items"]["key"].as_str().unwrap()).await;
            items.as_array().unwrap().clone()
        } else {
            next["workers"].as_array().unwrap().clone()
        };
        let workers = items.iter().map(|item| {
            handle(
                deps,
                json!({"action": "work", "name": run["name"], "run_id": run["run_id"],
                       "batch": next["batch"], "sites": item["sites"],
                       "child_started": (next["distributed"] == json!(true)).then(page::now)}),
            )
        });
        // At once, as a Map runs them, up to as many as moto and the test servers serve well on
        // two cores: 8 workers of up to 10 hosts.
        let done: Vec<shared::Result<Value>> = stream::iter(workers).buffered(8).collect().await;
        results = Value::Array(done.into_iter().map(Result::unwrap).collect());
        batch = next["batch"].clone();
    }
}

async fn keys(deps: &Deps, prefix: &str) -> Vec<String> {
    deps.store.list(prefix, usize::MAX).await.unwrap()
}

async fn json_object(deps: &Deps, key: &str) -> Value {
    let body = deps.store.get(key).await.unwrap().unwrap();
    serde_json::from_slice(&body).unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Every record of a run (`crawls/<name>/<run>/`), from its turns' JSON Lines.
async fn records(deps: &Deps, prefix: &str) -> Vec<Value> {
    let mut records = Vec::new();
    for key in keys(deps, &format!("{prefix}records/")).await {
        let body = deps.store.get(&key).await.unwrap().unwrap();
        for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            records.push(serde_json::from_slice(line).unwrap());
        }
    }
    records
}

/// The record of `url` in the crawl's run; it must have exactly one.
async fn record_of(deps: &Deps, crawl: &Crawl, url: &url::Url) -> Value {
    let mut found: Vec<Value> = records(deps, &crawl.output_prefix())
        .await
        .into_iter()
        .filter(|r| r["url"] == url.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{url}: {found:?}");
    found.remove(0)
}

/// The paths of the pages stored, from their records.
async fn stored_pages(deps: &Deps, site: &FakeSite, run: &Run) -> Vec<String> {
    let run_id = run.finished["summary"]["run_id"].as_str().unwrap();
    let mut stored = Vec::new();
    for record in records(deps, &format!("crawls/test-site/{run_id}/")).await {
        if record["outcome"] == "crawled" {
            stored.push(record["url"].as_str().unwrap().replace(site.base_url(), ""));
        }
    }
    sorted(stored)
}

/// Where a worker can die in its turn: after which of its writes (all but the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DiedAfter {
    /// The page is stored, not the turn's records.
    Page,
    /// The turn's records are stored, not its queue.
    Records,
    /// The queue's new version is stored, not the host's state naming it.
    Queue,
}

async fn start_error(deps: &Deps, crawl: Value) -> String {
    let err = handle(
        deps,
        json!({"action": "start", "run_id": "ssrf-1", "crawl": crawl}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput", "{err}");
    err.to_string()
}

/// A server on `ip` answering with `app`; stopped when the test's runtime ends.
/// A site on 127.0.0.1 whose robots.txt redirects to `other`'s, and whose /docs/ links to
/// /docs/private/x.
async fn redirecting_robots(other: &str) -> String {
    use axum::response::{Html, Redirect};
    use axum::routing::get;
    let to = format!("{other}/robots.txt");
    serve(
        [127, 0, 0, 1],
        axum::Router::new()
            .route(
                "/robots.txt",
                get(move || async move { Redirect::permanent(&to) }),
            )
            .route(
                "/docs/",
                get(|| async { Html("<a href=\"private/x\">x</a>") }),
            ),
    )
    .await
}

async fn serve(ip: [u8; 4], app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind((IpAddr::from(ip), 0))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Each host's requests one at a time, each arriving after the previous one's answer and at
/// least `interval` after its arrival.
fn assert_polite(host: &FakeSite, interval: std::time::Duration) {
    let timings = host.timings();
    for (i, pair) in timings.windows(2).enumerate() {
        let (before, after) = (pair[0], pair[1]);
        assert!(
            after.arrived >= before.answered,
            "{}: request {} arrived before request {i} was answered: {pair:?}",
            host.base_url(),
            i + 1
        );
        let gap = after.arrived - before.arrived;
        assert!(
            gap >= interval,
            "{}: requests {i} and {} are {gap:?} apart, under {interval:?}",
            host.base_url(),
            i + 1
        );
    }
}

async fn delete(deps: &Deps, key: &str) {
    deps.store.delete(key).await.unwrap();
}

/// A host's state and queue as they are, to undo a worker's turn with.
struct Snapshot {
    site: usize,
    host: Host,
    queue: Vec<u8>,
}

async fn snapshot(deps: &Deps, crawl: &Crawl, site: usize) -> Snapshot {
    let frontier = Frontier::new(deps.store.as_ref(), crawl);
    let host = frontier.host(site).await.unwrap().unwrap_or_default();
    let queue = frontier.queue(site, &host.queue).await.unwrap();
    Snapshot {
        site,
        host,
        queue: queue.to_bytes().unwrap(),
    }
}

/// Undoes a worker's turn of `batch` back to its start: what it stored as it went (pages,
/// records) stays, and its host's state is the one it wrote when it started, naming the queue it
/// started from, as if it had died before its turn's end.
async fn undo_turn(deps: &Deps, crawl: &Crawl, before: &Snapshot, batch: &str) {
    let frontier = Frontier::new(deps.store.as_ref(), crawl);
    let queue = HostQueue::from_bytes(&before.queue, "snapshot").unwrap();
    frontier
        .put_queue(before.site, &before.host.queue, &queue)
        .await
        .unwrap();
    let started = Host {
        batch: batch.to_owned(),
        counts: Counts::default(),
        done: false,
        ..before.host.clone()
    };
    frontier.put_host(before.site, &started).await.unwrap();
}

/// The host's queue, as its state names it.
async fn queue_of(frontier: &Frontier<'_>, site: usize) -> Vec<Entry> {
    let host = frontier.host(site).await.unwrap().unwrap_or_default();
    let mut queue = frontier.queue(site, &host.queue).await.unwrap();
    queue.take(usize::MAX)
}

/// The S3 requests a client sends, as `METHOD path`.
#[derive(Debug, Clone, Default)]
struct Requests(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl aws_sdk_s3::config::Intercept for Requests {
    fn name(&self) -> &'static str {
        "Requests"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_s3::config::RuntimeComponents,
        _: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        let request = context.request();
        let line = format!("{} {}", request.method(), request.uri());
        self.0.lock().unwrap().push(line);
        Ok(())
    }
}

#[tokio::test]
async fn every_in_scope_page_is_stored_once_and_nothing_else_is_fetched() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let run = run(&deps, docs_crawl(&site, fast())).await;

    let expected: Vec<String> = [
        "/robots.txt",
        "/sitemap.xml",
        "/docs/",
        "/docs/from-sitemap.html",
        "/docs/a.html",
        "/docs/b.html",
        "/docs/c.html",
        "/docs/old.html",
        "/docs/away.html",
        "/docs/loop1",
        "/docs/loop2",
        "/docs/missing.html",
        "/docs/broken.html",
        "/docs/broken.html",
        "/docs/broken.html",
        "/docs/huge.html",
        "/docs/manual.pdf",
        "/docs/base.html",
        "/docs/sub/d.html",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(sorted(site.requests()), sorted(expected));
    assert!(
        site.user_agents()
            .iter()
            .all(|a| a == "ServerlessAutomationsCrawler/1.0 (test)")
    );

    let totals = &run.totals;
    let count = |name: &str| totals[name].as_u64().unwrap();
    assert_eq!(
        count("crawled"),
        7,
        "the six linked pages and the sitemap's"
    );
    assert_eq!(count("failed"), 2, "404 and 500");
    assert_eq!(count("redirects"), 4);
    assert_eq!(count("not_html"), 1);
    assert_eq!(count("too_large"), 1);
    assert_eq!(count("refused"), 0);
    assert_eq!(count("robots_skipped"), 1);
    // Once per page that links there: /outside.html (from a page, and as /docs/away.html's
    // redirect), /docsx/page.html, 169.254.169.254, 127.0.0.1:1, intranet.test.
    assert_eq!(count("out_of_scope"), 6);
    assert_eq!(count("retries"), 2, "the 500 was tried three times");

    let prefix = format!(
        "crawls/test-site/{}/",
        run.finished["summary"]["run_id"].as_str().unwrap()
    );
    let pages = keys(&deps, &format!("{prefix}pages/")).await;
    assert_eq!(pages.len(), 7);
    assert!(pages.iter().all(|k| k.ends_with(".html")));
    let records = records(&deps, &prefix).await;
    assert_eq!(records.len(), 15, "one record per URL fetched");
    let mut stored = Vec::new();
    for record in &records {
        if record["outcome"] == "crawled" {
            stored.push(record["url"].as_str().unwrap().replace(site.base_url(), ""));
            let page = record["page"].as_str().unwrap();
            assert!(
                pages.contains(&format!("{prefix}pages/{page}.html")),
                "{record}"
            );
        }
        if record["url"].as_str().unwrap().ends_with("/docs/old.html") {
            assert_eq!(record["status"], 301);
            assert_eq!(
                record["location"],
                format!("{}/docs/c.html", site.base_url())
            );
        }
        if record["url"]
            .as_str()
            .unwrap()
            .ends_with("/docs/broken.html")
        {
            assert_eq!(record["outcome"], "failed");
            assert_eq!(record["attempts"], 3);
            assert_eq!(record["error"], "HTTP 500");
        }
    }
    assert_eq!(sorted(stored), stored_paths());

    assert!(records[0]["fetched_at"].as_str().unwrap().ends_with('Z'));
    let summary = json_object(&deps, &format!("{prefix}summary.json")).await;
    assert_eq!(summary["crawled"], 7);
    assert_eq!(summary["limit_reached"], false);
    assert!(
        run.finished["message"]
            .as_str()
            .unwrap()
            .contains("Pages crawled: 7. Failed: 2.")
    );
    let crawl = crate::stored(
        &deps,
        &json!({"name": "test-site", "run_id": run.finished["summary"]["run_id"]}),
    )
    .await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    assert!(
        queue_of(&frontier, 0).await.is_empty(),
        "nothing left queued"
    );
    assert!(frontier.inbox(0, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_worker_killed_after_any_of_its_writes_loses_no_url() {
    let want = stored_paths();
    for death in [DiedAfter::Page, DiedAfter::Records, DiedAfter::Queue] {
        let site = FakeSite::start().await.unwrap();
        let deps = deps(Lookup::System, &[port(site.base_url())]).await;
        let state = start(&deps, docs_crawl(&site, fast())).await;
        let crawl = stored(&deps, &state).await;
        let frontier = Frontier::new(deps.store.as_ref(), &crawl);
        // robots.txt and the sitemap were read in an earlier batch.
        first_visit(&deps, &state).await.unwrap();
        let before = snapshot(&deps, &crawl, 0).await;
        // The worker crawls the start page to the end of its turn, then its writes are undone
        // back to the moment it died; what it answered is lost with it.
        worker(&deps, &state, "killed", 1).await.unwrap();
        let turn_ended = frontier.host(0).await.unwrap().unwrap();
        undo_turn(&deps, &crawl, &before, "killed").await;
        if death < DiedAfter::Queue {
            delete(
                &deps,
                &format!("{}queues/00000/killed.bin", crawl.frontier_prefix()),
            )
            .await;
        }
        if death < DiedAfter::Records {
            frontier.delete_records(0, "killed").await.unwrap();
        }
        // Step Functions retries the worker, which redoes the turn whole.
        let redone = worker(&deps, &state, "killed", 1).await.unwrap();
        assert_eq!(
            redone["counts"],
            serde_json::to_value(turn_ended.counts).unwrap(),
            "{death:?}: counted once"
        );
        let run = drive(&deps, state).await;
        assert_eq!(stored_pages(&deps, &site, &run).await, want, "{death:?}");
        let asked = site.requests().iter().filter(|p| *p == "/docs/").count();
        assert_eq!(
            asked, 2,
            "{death:?}: the start page, again in the redone turn"
        );
        for page in want.iter().filter(|p| *p != "/docs/") {
            let asked = site.requests().iter().filter(|p| p == &page).count();
            assert_eq!(asked, 1, "{death:?}: {page} fetched once");
        }
    }
}

#[tokio::test]
async fn a_step_reads_the_crawl_and_its_counters_from_s3_never_from_its_input() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let crawl = json!({
        "name": "tree", "base_url": format!("{}/tree/0.html", site.base_url()),
        "start_paths": ["0.html"], "allow_networks": ["127.0.0.1/32"],
        "limits": {"max_pages": 4, "concurrency": 2, "requests_per_second": 100.0},
    });
    let run = start(&deps, crawl).await;
    assert_eq!(
        run,
        json!({"name": "tree", "run_id": run["run_id"]}),
        "the start answers the run only"
    );
    let ran = drive(&deps, run.clone()).await;
    assert_eq!(ran.totals["crawled"], 4);
    let before = progress(&deps, &run).await;
    // A hand-made continuation, with counters and a crawl of its own, starts nothing: the
    // budget, the totals and the crawl are those in S3.
    let mut forged = json!({
        "action": "next", "name": run["name"], "run_id": run["run_id"], "execution": "hand-made",
        "batch": null, "results": [], "totals": {}, "generation": 0, "execution_pages": 0,
        "crawl": {"limits": {"max_pages": 1_000_000}, "allow_networks": ["0.0.0.0/0"]},
    });
    let answer = handle(&deps, forged.clone()).await.unwrap();
    assert_eq!(answer["done"], true, "max_pages was reached: {answer}");
    let after = progress(&deps, &run).await;
    assert_eq!(after["totals"], before["totals"]);
    assert_eq!(after["batches"], before["batches"]);
    // A run that was never started, or a name that is not one, is refused.
    forged["run_id"] = json!("never-started");
    let err = handle(&deps, forged.clone()).await.unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput", "{err}");
    assert!(err.to_string().contains("no crawl was started"), "{err}");
    forged["name"] = json!("../tree");
    let err = handle(&deps, forged).await.unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput", "{err}");
    assert!(err.to_string().contains("do not name a crawl run"), "{err}");
    // Starting the same run again cannot reset it either.
    let again = handle(
        &deps,
        json!({"action": "start", "run_id": run["run_id"], "crawl": {
            "name": "tree", "base_url": format!("{}/tree/0.html", site.base_url()),
            "start_paths": ["0.html"], "allow_networks": ["127.0.0.1/32"]}}),
    )
    .await
    .unwrap_err();
    assert!(again.to_string().contains("has already started"), "{again}");
    assert_eq!(progress(&deps, &run).await, after);
    assert_eq!(
        site.requests().len(),
        2 + 4,
        "robots.txt, sitemap.xml, 4 pages"
    );
}

#[tokio::test]
async fn a_crawl_past_the_execution_threshold_finishes_across_executions() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let crawl = json!({
        "name": "tree",
        "base_url": format!("{}/tree/0.html", site.base_url()),
        "start_paths": ["0.html"],
        "allow_networks": ["127.0.0.1/32"],
        "limits": {"concurrency": 4, "requests_per_second": 100.0, "pages_per_worker": 2,
                   "pages_per_execution": 10},
    });
    let run = run(&deps, crawl).await;
    assert_eq!(run.totals["crawled"], TREE_PAGES as u64);
    assert_eq!(run.totals["queued"], TREE_PAGES as u64);
    // One worker of 2 pages a batch, a new execution after 10 pages: 10 pages each.
    assert_eq!(run.executions, 6);
    let mut requests = site.requests();
    requests.retain(|r| r != "/robots.txt" && r != "/sitemap.xml");
    assert_eq!(requests.len(), TREE_PAGES, "each page fetched once");
}

#[tokio::test]
async fn max_pages_stops_the_crawl_and_says_so() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let crawl = json!({
        "name": "tree", "base_url": format!("{}/tree/0.html", site.base_url()),
        "start_paths": ["0.html"], "allow_networks": ["127.0.0.1/32"],
        "limits": {"max_pages": 5, "concurrency": 2, "requests_per_second": 100.0},
    });
    let run = run(&deps, crawl).await;
    assert_eq!(run.totals["crawled"], 5);
    assert_eq!(run.finished["summary"]["limit_reached"], true);
    assert_eq!(
        site.requests().len(),
        2 + 5,
        "robots.txt, sitemap.xml, 5 pages"
    );
    assert!(
        run.finished["message"]
            .as_str()
            .unwrap()
            .contains("stopped at max_pages (5)")
    );
}

/// Many hosts' workers that find one URL of this host at once each leave it in its inbox: its
/// worker queues it once, takes nothing it had seen before, and empties the inbox.
#[tokio::test]
async fn a_url_found_on_many_hosts_at_once_is_queued_once_by_its_own_host() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let mut crawl = docs_crawl(&site, fast());
    crawl["sitemaps"] = json!(false);
    let run = start(&deps, crawl).await;
    let crawl = stored(&deps, &run).await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    let start_page = crawl.sites[0].start_urls[0].clone();
    let found = start_page.join("a.html").unwrap();
    let elsewhere = url::Url::parse("http://127.0.0.1:1/docs/x.html").unwrap();
    for from in 1..=16 {
        let links = [&found, &start_page, &elsewhere].map(|url| InboxLink {
            url: url.clone(),
            depth: 1,
        });
        frontier
            .put_inbox(0, "0000000", from, &links)
            .await
            .unwrap();
    }
    let visit = first_visit(&deps, &run).await.unwrap();
    assert_eq!(visit["counts"]["queued"], 1, "a.html, once");
    let queued: Vec<String> = queue_of(&frontier, 0)
        .await
        .iter()
        .map(|e| e.url.path().to_owned())
        .collect();
    assert_eq!(queued, ["/docs/", "/docs/a.html"], "no other host's URL");
    assert!(frontier.inbox(0, 100).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_worker_puts_its_pages_back_until_max_attempts() {
    let deps = deps(Lookup::System, &[]).await;
    let request = json!({"name": "retry", "base_url": "https://example.com/", "start_paths": ["/"],
                         "limits": {"max_attempts": 2}});
    let crawl: crawl_page::crawl::CrawlRequest = serde_json::from_value(request).unwrap();
    let crawl = crawl.validate("retry-1").unwrap();
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    frontier.put_crawl(&crawl).await.unwrap();
    frontier
        .put_progress(&Progress::new("retry-1", [(0, 1)].into()))
        .await
        .unwrap();
    let url = url::Url::parse("https://example.com/slow").unwrap();
    let mut queue = HostQueue::default();
    queue.offer(&url, 1);
    frontier
        .put_queue(0, &Host::default().queue, &queue)
        .await
        .unwrap();
    let run = json!({"name": "retry", "run_id": "retry-1"});
    let execution = json!("retry-1");
    let failed =
        json!({"sites": [0], "error": {"Error": "States.Timeout", "Cause": "worker timed out"}});
    let group = |next: &Value| {
        let batch = next["batch"].as_str().unwrap().to_owned();
        let frontier = &frontier;
        async move { frontier.group(&batch, 0).await.unwrap().take }
    };
    let handed = next(&deps, &run, &execution, &Value::Null, json!([])).await;
    assert_eq!(handed["workers"], json!([{"sites": [0]}]));
    // An equal share of what max_pages (1,000) leaves, up to a worker's 180 pages.
    assert_eq!(group(&handed).await, 180);
    // Its worker fails in the inline Map, whose Catch gives the error...
    let first = next(&deps, &run, &execution, &handed["batch"], json!([failed])).await;
    let totals = progress(&deps, &run).await["totals"].clone();
    assert_eq!(totals["retries"], 1);
    assert_eq!(totals["worker_failures"], 1);
    assert_eq!(group(&first).await, 180, "still queued");
    let queued = queue_of(&frontier, 0).await;
    assert_eq!((queued.len(), queued[0].attempts), (1, 1));
    // The same step retried (its answer was lost) hands out the same batch and counts nothing
    // twice.
    let retried = next(&deps, &run, &execution, &handed["batch"], json!([failed])).await;
    assert_eq!(retried, first);
    assert_eq!(progress(&deps, &run).await["totals"], totals);
    // ... and again in a distributed Map, which gives none: the host's state says it.
    let second = next(&deps, &run, &execution, &first["batch"], json!([])).await;
    assert_eq!(second["done"], true);
    let totals = progress(&deps, &run).await["totals"].clone();
    assert_eq!(totals["failed"], 1);
    assert_eq!(totals["worker_failures"], 2);
    let record = record_of(&deps, &crawl, &url).await;
    assert_eq!(record["outcome"], "failed");
    let error = record["error"].as_str().unwrap();
    assert!(
        error.starts_with("worker failed: it ended without finishing batch 0000001"),
        "{error}"
    );
}

#[tokio::test]
async fn internal_addresses_are_never_fetched_unless_allowed() {
    let site = FakeSite::start().await.unwrap();
    let port = port(site.base_url());
    let ten: IpAddr = "10.1.2.3".parse().unwrap();
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let table = HashMap::from([
        ("intranet.test".to_owned(), vec![ten]),
        ("docs.test".to_owned(), vec![loopback]),
    ]);
    let deps = deps(Lookup::Fixed(table), &[port]).await;
    let crawl = |base: String, allow: Value| {
        json!({
            "name": "ssrf", "base_url": base, "start_paths": ["/docs/"], "allow_networks": allow,
        })
    };

    let loopback_literal = start_error(
        &deps,
        crawl(format!("{}/docs/", site.base_url()), json!([])),
    )
    .await;
    assert!(
        loopback_literal.contains("127.0.0.1 is not an address this crawl may reach"),
        "{loopback_literal}"
    );
    let metadata = start_error(
        &deps,
        crawl("http://169.254.169.254/docs/".into(), json!([])),
    )
    .await;
    assert!(metadata.contains("169.254.169.254"), "{metadata}");
    let named = start_error(
        &deps,
        crawl(
            format!("http://intranet.test:{port}/docs/"),
            json!(["127.0.0.1/32"]),
        ),
    )
    .await;
    assert!(
        named.contains(
            "intranet.test resolves only to addresses this function may not reach (10.1.2.3)"
        ),
        "{named}"
    );
    let named_loopback = start_error(
        &deps,
        crawl(format!("http://docs.test:{port}/docs/"), json!([])),
    )
    .await;
    assert!(
        named_loopback.contains("docs.test resolves only to"),
        "{named_loopback}"
    );
    // What a crawl may reach is the deployment's choice, not the caller's.
    let everything = start_error(
        &deps,
        crawl(format!("{}/docs/", site.base_url()), json!(["0.0.0.0/0"])),
    )
    .await;
    assert!(
        everything.contains("allow_networks lists 0.0.0.0/0, which this deployment does not allow"),
        "{everything}"
    );
    let other_port = start_error(
        &deps,
        crawl(
            "http://127.0.0.1:9001/docs/".into(),
            json!(["127.0.0.1/32"]),
        ),
    )
    .await;
    assert!(
        other_port.contains("port 9001 is not one this deployment crawls"),
        "{other_port}"
    );
    assert!(
        site.requests().is_empty(),
        "nothing reached the site: {:?}",
        site.requests()
    );

    // A name that does not resolve is one site's trouble, not a refusal of the crawl.
    let with_a_lost_site = handle(
        &deps,
        json!({"action": "start", "run_id": "ssrf-3", "crawl": {
        "name": "ssrf", "allow_networks": ["127.0.0.1/32"], "sites": [
            {"base_url": format!("http://docs.test:{port}/docs/"), "start_paths": ["/docs/"]},
            {"base_url": format!("http://gone.test:{port}/docs/"), "start_paths": ["/docs/"]},
        ]}}),
    )
    .await
    .unwrap();
    assert_eq!(
        progress(&deps, &with_a_lost_site).await["totals"]["queued"],
        2
    );

    // The same name, allowed: the check was on the resolved address, and it now connects.
    let allowed = handle(
        &deps,
        json!({"action": "start", "run_id": "ssrf-2",
        "crawl": crawl(format!("http://docs.test:{port}/docs/"), json!(["127.0.0.1/32"]))}),
    )
    .await
    .unwrap();
    assert_eq!(progress(&deps, &allowed).await["totals"]["queued"], 1);
    assert!(site.requests().is_empty(), "the start sends nothing");
    first_visit(&deps, &allowed).await.unwrap();
    assert_eq!(site.requests(), ["/robots.txt", "/sitemap.xml"]);
}

#[tokio::test]
async fn robots_txt_server_errors_hold_the_host_back_and_a_missing_one_allows_all() {
    let wordpress = testing::wordpress::FakeWordPress::start(&Default::default())
        .await
        .unwrap();
    let deps = deps(Lookup::System, &[port(wordpress.base_url()), 1]).await;
    // The fake WordPress site has no robots.txt: 404, so everything is allowed.
    let state = handle(
        &deps,
        json!({"action": "start", "run_id": "robots-1", "crawl": {
        "name": "wp", "base_url": format!("{}/wp-json/", wordpress.base_url()),
        "start_paths": ["wp/v2/posts"], "allow_networks": ["127.0.0.1/32"]}}),
    )
    .await
    .unwrap();
    assert_eq!(progress(&deps, &state).await["totals"]["queued"], 1);
    assert_eq!(
        first_visit(&deps, &state).await.unwrap()["counts"]["queued"],
        0
    );
    let closed = handle(
        &deps,
        json!({"action": "start", "run_id": "robots-2", "crawl": {
        "name": "closed", "base_url": "http://127.0.0.1:1/", "start_paths": ["/"],
        "allow_networks": ["127.0.0.1/32"]}}),
    )
    .await
    .unwrap();
    let closed = first_visit(&deps, &closed).await.unwrap_err();
    assert_eq!(closed.error_type(), "TransientError", "{closed}");
    assert!(
        closed.to_string().contains("http://127.0.0.1:1/robots.txt"),
        "{closed}"
    );
    let robots = keys(&deps, "crawls/closed/robots-2/robots/").await;
    assert!(
        robots.is_empty(),
        "tried again by the host's next worker: {robots:?}"
    );
}

/// One worker paces its hosts at the same time, each at its own interval; a host whose turn
/// fails (its robots.txt cannot be read) fails the worker only after the others' turns are
/// stored, and the worker's retry redoes only the failed turn.
#[tokio::test]
async fn a_worker_paces_its_hosts_at_once_and_a_failing_host_spoils_only_its_own_turn() {
    use testing::site::Host as SiteHost;
    let mut hosts = Vec::new();
    for n in 0..2u8 {
        let host = SiteHost {
            ip: std::net::Ipv4Addr::new(127, 0, 0, 50 + n),
            delay: std::time::Duration::ZERO,
            crawl_delay: None,
        };
        hosts.push(FakeSite::start_host(host, 0, None).await.unwrap());
    }
    let mut ports: Vec<u16> = hosts.iter().map(|h| port(h.base_url())).collect();
    ports.push(1);
    let deps = deps(Lookup::System, &ports).await;
    let mut sites: Vec<Value> = hosts
        .iter()
        .map(|h| json!({"base_url": format!("{}/docs/", h.base_url()), "start_paths": ["/docs/"]}))
        .collect();
    // Nothing listens there: its robots.txt cannot be read.
    sites.push(json!({"base_url": "http://127.0.0.1:1/", "start_paths": ["/"]}));
    // Two requests a second: robots.txt, the sitemap and two pages take each host 1.5 s at least.
    let state = start(
        &deps,
        json!({"name": "paced", "sites": sites, "allow_networks": ["127.0.0.0/8"],
               "limits": {"max_page_bytes": 1_048_576, "requests_per_second": 2.0}}),
    )
    .await;
    let crawl = stored(&deps, &state).await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    let groups = [0, 1, 2].map(|site| Group { site, take: 2 });
    let worker = Item {
        sites: vec![0, 1, 2],
    };
    frontier
        .put_batch("b", &groups, std::slice::from_ref(&worker))
        .await
        .unwrap();
    let event = json!({"action": "work", "name": "paced", "run_id": state["run_id"],
                       "batch": "b", "sites": [0, 1, 2]});
    let err = handle(&deps, event.clone()).await.unwrap_err();
    assert_eq!(err.error_type(), "TransientError", "{err}");
    let mut ended = Vec::new();
    for (site, served) in hosts.iter().enumerate() {
        let host = frontier.host(site).await.unwrap().unwrap();
        assert!(host.batch == "b" && host.done, "host {site}: {host:?}");
        assert_eq!(host.counts.crawled, 2, "host {site}");
        ended.push(host.last_request_ms);
        assert_polite(served, std::time::Duration::from_millis(500));
    }
    // At once: their last answers are within one interval, not a whole turn, of each other.
    assert!(
        ended[0].abs_diff(ended[1]) < 500,
        "the hosts' turns ended {} ms apart",
        ended[0].abs_diff(ended[1])
    );
    assert!(!frontier.host(2).await.unwrap().unwrap().done);
    // The retry: the two hosts' turns are done and send nothing again.
    let asked: Vec<usize> = hosts.iter().map(|h| h.requests().len()).collect();
    let err = handle(&deps, event).await.unwrap_err();
    assert_eq!(err.error_type(), "TransientError", "{err}");
    let again: Vec<usize> = hosts.iter().map(|h| h.requests().len()).collect();
    assert_eq!(again, asked);
    // A worker given a host twice, or more than it may pace, is refused before anything.
    for sites in [json!([0, 0]), json!((0..11).collect::<Vec<_>>()), json!([])] {
        let event = json!({"action": "work", "name": "paced", "run_id": state["run_id"],
                           "batch": "b", "sites": sites});
        let err = handle(&deps, event).await.unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput", "{err}");
    }
}

/// A robots.txt answered with 429 is unreachable, not missing: nothing of the site is fetched,
/// and the host's next worker asks again.
#[tokio::test]
async fn robots_txt_answering_429_holds_the_host_back() {
    use axum::http::StatusCode;
    use axum::routing::get;
    use std::sync::{Arc, Mutex};
    let asked = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = asked.clone();
    let site = serve(
        [127, 0, 0, 1],
        axum::Router::new().fallback(get(move |uri: axum::http::Uri| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(uri.path().to_owned());
                StatusCode::TOO_MANY_REQUESTS
            }
        })),
    )
    .await;
    let deps = deps(Lookup::System, &[port(&site)]).await;
    let state = handle(
        &deps,
        json!({"action": "start", "run_id": "robots-429", "crawl": {
            "name": "busy", "base_url": format!("{site}/docs/"), "start_paths": ["/docs/"],
            "allow_networks": ["127.0.0.1/32"]}}),
    )
    .await
    .unwrap();
    let busy = first_visit(&deps, &state).await.unwrap_err();
    assert_eq!(busy.error_type(), "TransientError", "{busy}");
    assert!(busy.to_string().contains("HTTP 429"), "{busy}");
    assert_eq!(
        *asked.lock().unwrap(),
        ["/robots.txt"],
        "no page was fetched"
    );
    let robots = keys(&deps, "crawls/busy/robots-429/robots/").await;
    assert!(robots.is_empty(), "asked again by the host's next worker");
}

/// A page answered 429 with `Retry-After: 2` is asked again no sooner than two seconds later,
/// although the crawl's own interval is 50 ms.
#[tokio::test]
async fn retry_after_holds_the_host_back() {
    use axum::http::{StatusCode, header};
    use axum::response::{Html, IntoResponse};
    use axum::routing::get;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let asked = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let log = asked.clone();
    let site = serve(
        [127, 0, 0, 1],
        axum::Router::new().route(
            "/docs/",
            get(move || {
                let log = log.clone();
                async move {
                    let mut log = log.lock().unwrap();
                    log.push(Instant::now());
                    if log.len() == 1 {
                        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "2")])
                            .into_response()
                    } else {
                        Html("<title>docs</title>").into_response()
                    }
                }
            }),
        ),
    )
    .await;
    let deps = deps(Lookup::System, &[port(&site)]).await;
    let run = run(
        &deps,
        json!({"name": "busy", "base_url": format!("{site}/docs/"), "start_paths": ["/docs/"],
               "allow_networks": ["127.0.0.1/32"], "sitemaps": false,
               "limits": {"requests_per_second": 20.0}}),
    )
    .await;
    assert_eq!(run.totals["crawled"], 1);
    assert_eq!(run.totals["retries"], 1);
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 2);
    let waited = asked[1] - asked[0];
    assert!(
        waited >= Duration::from_secs(2),
        "asked again after {waited:?}"
    );
}

#[tokio::test]
async fn robots_txt_is_read_to_500_kib_and_through_a_redirect_to_another_host() {
    use axum::routing::get;
    // 600 KB: the rule that closes /docs/ comes after the first 500 KiB, so it is not read.
    let txt = format!(
        "User-agent: *\nDisallow: /docs/private/\n{}Disallow: /docs/\n",
        "# padding\n".repeat(60_000)
    );
    let other = serve(
        [127, 0, 0, 2],
        axum::Router::new().route("/robots.txt", get(move || async move { txt })),
    )
    .await;
    let origin = redirecting_robots(&other).await;
    let deps = deps(Lookup::System, &[port(&origin), port(&other)]).await;
    let state = handle(
        &deps,
        json!({"action": "start", "run_id": "robots-big", "crawl": {
            "name": "robots", "base_url": format!("{origin}/docs/"), "start_paths": ["/docs/"],
            "allow_networks": ["127.0.0.0/8"]}}),
    )
    .await
    .unwrap();
    let run = drive(&deps, state).await;
    assert_eq!(run.totals["crawled"], 1, "/docs/ is not disallowed");
    assert_eq!(run.totals["robots_skipped"], 1, "/docs/private/x is");
    let stored = deps
        .store
        .get("crawls/robots/robots-big/robots/00000.txt")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.len(), 500 * 1024);
    assert!(stored.starts_with(b"User-agent: *\nDisallow: /docs/private/\n"));
}

#[tokio::test]
async fn sitemaps_from_robots_txt_and_their_indexes_seed_the_queue_within_the_scope() {
    use axum::response::Html;
    use axum::routing::get;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    let asked = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = |asked: &Arc<Mutex<Vec<String>>>, path: &str| {
        asked.lock().unwrap().push(path.to_owned());
    };
    // The origin lists its sitemap index on another host, which points back to a gzipped
    // sitemap on the origin.
    let other_listener = tokio::net::TcpListener::bind(("127.0.0.2", 0))
        .await
        .unwrap();
    let other = format!("http://{}", other_listener.local_addr().unwrap());
    let origin_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", origin_listener.local_addr().unwrap());
    let urlset = format!(
        r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>{origin}/docs/</loc></url>
        <url><loc>{origin}/docs/a.html</loc></url>
        <url><loc>{origin}/docs/b.html?x=1&amp;y=2</loc></url>
        <url><loc>{origin}/docs/a.html</loc></url>
        <url><loc>{origin}/outside.html</loc></url>
        <url><loc>{origin}/docs/private/p.html</loc></url>
        <url><loc>http://127.0.0.3/docs/c.html</loc></url>
        </urlset>"#
    );
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(urlset.as_bytes()).unwrap();
    let gzipped = gz.finish().unwrap();
    let index = format!(
        r#"<sitemapindex><sitemap><loc>{origin}/sitemap-docs.xml.gz</loc></sitemap></sitemapindex>"#
    );
    let robots = format!("User-agent: *\nDisallow: /docs/private/\nSitemap: {other}/index.xml\n");
    let a = asked.clone();
    let other_app = axum::Router::new().route(
        "/index.xml",
        get(move || async move {
            record(&a, "other:/index.xml");
            index
        }),
    );
    let (a, b, c) = (asked.clone(), asked.clone(), asked.clone());
    let origin_app = axum::Router::new()
        .route(
            "/robots.txt",
            get(move || async move {
                record(&a, "/robots.txt");
                robots
            }),
        )
        .route(
            "/sitemap-docs.xml.gz",
            get(move || async move {
                record(&b, "/sitemap-docs.xml.gz");
                gzipped
            }),
        )
        .fallback(move |uri: axum::http::Uri| async move {
            record(&c, uri.path());
            (axum::http::StatusCode::NOT_FOUND, Html("missing"))
        });
    tokio::spawn(async move { axum::serve(other_listener, other_app).await });
    tokio::spawn(async move { axum::serve(origin_listener, origin_app).await });

    let deps = deps(Lookup::System, &[port(&origin), port(&other)]).await;
    let crawl = json!({"name": "sitemaps", "base_url": format!("{origin}/docs/"),
                       "start_paths": ["/docs/"], "allow_networks": ["127.0.0.0/8"]});
    let state = handle(
        &deps,
        json!({"action": "start", "run_id": "sitemaps-1", "crawl": crawl}),
    )
    .await
    .unwrap();
    assert_eq!(
        progress(&deps, &state).await["totals"]["queued"],
        1,
        "/docs/"
    );
    let visit = first_visit(&deps, &state).await.unwrap();
    assert_eq!(visit["counts"]["queued"], 2, "a.html and b.html");
    let crawl_stored = stored(&deps, &state).await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl_stored);
    let urls: Vec<String> = queue_of(&frontier, 0)
        .await
        .iter()
        .map(|e| e.url.as_str().replace(&origin, ""))
        .collect();
    assert_eq!(
        sorted(urls),
        ["/docs/", "/docs/a.html", "/docs/b.html?x=1&y=2"]
    );
    assert_eq!(
        *asked.lock().unwrap(),
        [
            "/robots.txt",
            "other:/index.xml",
            "/sitemap.xml",
            "/sitemap-docs.xml.gz"
        ]
    );

    // Without sitemaps, only the start page.
    let mut without = crawl.clone();
    without["name"] = json!("no-sitemaps");
    without["sitemaps"] = json!(false);
    let state = handle(
        &deps,
        json!({"action": "start", "run_id": "sitemaps-2", "crawl": without}),
    )
    .await
    .unwrap();
    assert_eq!(
        first_visit(&deps, &state).await.unwrap()["counts"]["queued"],
        0
    );
}

#[tokio::test]
async fn a_re_crawl_of_an_unchanged_site_downloads_no_page_again() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let first = run(&deps, docs_crawl(&site, fast())).await;
    let first_bytes = site.bytes_sent();
    let first_run = first.finished["summary"]["run_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut again = docs_crawl(&site, fast());
    again["since"] = json!(first_run);
    let second = run(&deps, again).await;
    let count = |run: &Run, name: &str| run.totals[name].as_u64().unwrap();
    assert_eq!(count(&second, "unchanged"), 7, "every page answered 304");
    assert_eq!(count(&second, "crawled"), 0);
    assert_eq!(count(&second, "bytes_saved"), count(&first, "bytes"));
    for name in [
        "failed",
        "redirects",
        "not_html",
        "too_large",
        "out_of_scope",
        "queued",
    ] {
        assert_eq!(count(&second, name), count(&first, name), "{name}");
    }
    // What the site sent the second time: robots.txt, the sitemap, the PDF and the oversized
    // page (neither was stored, so neither has validators); not one byte of the HTML pages.
    let resent = site.bytes_sent() - first_bytes;
    assert_eq!(resent, first_bytes - count(&first, "bytes"));
    // The second run is complete on its own: every page is in its folder.
    assert_eq!(
        stored_pages(&deps, &site, &second).await.len(),
        0,
        "none fetched"
    );
    let second_run = second.finished["summary"]["run_id"].as_str().unwrap();
    let html = keys(&deps, &format!("crawls/test-site/{second_run}/pages/")).await;
    assert_eq!(html.iter().filter(|k| k.ends_with(".html")).count(), 7);
    assert!(
        second.finished["message"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "Unchanged since run {first_run} (not downloaded): 7 pages"
            ))
    );
    assert_eq!(
        second.finished["subject"],
        "Crawl test-site: 7 pages (7 unchanged), 2 failed"
    );

    // A re-crawl of the re-crawl: its records carry the validators on.
    let mut third = docs_crawl(&site, fast());
    third["since"] = json!(second_run);
    let third = run(&deps, third).await;
    assert_eq!(count(&third, "unchanged"), 7);
    assert_eq!(count(&third, "crawled"), 0);
}

#[tokio::test]
async fn the_host_never_has_two_requests_in_flight_nor_two_closer_than_its_interval() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    // 20 requests per second: 50 ms apart. Three pages a worker, so the crawl takes several
    // batches, and the spacing must hold across them too.
    let limits = json!({"max_page_bytes": 1_048_576, "concurrency": 3,
                        "requests_per_second": 20.0, "pages_per_worker": 3});
    let run = run(&deps, docs_crawl(&site, limits)).await;
    assert_eq!(run.totals["crawled"], 7);
    let timings = site.timings();
    assert_eq!(timings.len(), site.requests().len());
    for (i, pair) in timings.windows(2).enumerate() {
        let (before, after) = (pair[0], pair[1]);
        assert!(
            after.arrived >= before.answered,
            "request {} arrived before request {i} was answered: {pair:?}",
            i + 1
        );
        let gap = after.arrived - before.arrived;
        assert!(
            gap >= std::time::Duration::from_millis(50),
            "requests {i} and {} are {gap:?} apart",
            i + 1
        );
    }
}

#[tokio::test]
async fn many_hosts_are_crawled_at_once_each_at_its_own_pace() {
    use std::time::Duration;
    use testing::site::Host;
    // Eleven hosts on loopback: one slow, one whose robots.txt asks for 0.3 s between requests.
    // With concurrency 11 a batch holds them all, more than the inline Map runs, so the batches
    // go the distributed Map's way; with 3, they take turns in inline batches.
    for (concurrency, first_ip) in [(11, 10), (3, 30)] {
        let mut hosts = Vec::new();
        for n in 0..11u8 {
            let host = Host {
                ip: std::net::Ipv4Addr::new(127, 0, 0, first_ip + n),
                delay: Duration::from_millis(if n == 0 { 150 } else { 0 }),
                crawl_delay: (n == 1).then_some(0.3),
            };
            hosts.push(FakeSite::start_host(host, 0, None).await.unwrap());
        }
        let ports: Vec<u16> = hosts.iter().map(|h| port(h.base_url())).collect();
        let deps = deps(Lookup::System, &ports).await;
        let sites: Vec<Value> = hosts
            .iter()
            .map(|h| json!({"base_url": format!("{}/docs/", h.base_url()), "start_paths": ["/docs/"]}))
            .collect();
        let crawl = json!({
            "name": "test-site", "sites": sites, "allow_networks": ["127.0.0.0/8"],
            "limits": {"max_page_bytes": 1_048_576, "concurrency": concurrency,
                       "requests_per_second": 20.0, "pages_per_worker": 3},
        });
        let run = run(&deps, crawl).await;
        assert_eq!(run.totals["crawled"], 7 * 11, "concurrency {concurrency}");
        assert_eq!(run.totals["worker_failures"], 0);
        let run_id = run.finished["summary"]["run_id"].as_str().unwrap();
        let mut stored: HashMap<String, Vec<String>> = HashMap::new();
        for record in records(&deps, &format!("crawls/test-site/{run_id}/")).await {
            if record["outcome"] == "crawled" {
                let url = url::Url::parse(record["url"].as_str().unwrap()).unwrap();
                let host = url.origin().ascii_serialization();
                stored.entry(host).or_default().push(url.path().to_owned());
            }
        }
        for (n, host) in hosts.iter().enumerate() {
            let pages = sorted(stored.remove(host.base_url()).unwrap_or_default());
            assert_eq!(pages, stored_paths(), "{}: each page once", host.base_url());
            let robots = host
                .requests()
                .iter()
                .filter(|p| *p == "/robots.txt")
                .count();
            assert_eq!(robots, 1, "{}: robots.txt read once", host.base_url());
            let interval = Duration::from_millis(if n == 1 { 300 } else { 50 });
            assert_polite(host, interval);
        }
        assert!(stored.is_empty(), "nothing else stored: {stored:?}");
        assert!(
            run.finished["message"]
                .as_str()
                .unwrap()
                .contains("Crawl 'test-site' of 11 sites finished"),
            "{}",
            run.finished["message"]
        );
    }
}

/// A crawl of many sites (300 here, `CRAWL_SITES` to change it; 10,000 were measured), each a
/// name that resolves to one loopback server answering 404 at once: the messages stay the same
/// size whatever the number of sites, every site's page is recorded once, and its robots.txt
/// asked for once.
#[tokio::test]
async fn a_crawl_of_thousands_of_sites_passes_only_small_messages() {
    use axum::http::StatusCode;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sites: usize = std::env::var("CRAWL_SITES").map_or(300, |n| n.parse().unwrap());
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let server = serve(
        [127, 0, 0, 1],
        axum::Router::new().fallback(move || {
            count.fetch_add(1, Ordering::Relaxed);
            async { StatusCode::NOT_FOUND }
        }),
    )
    .await;
    let port = port(&server);
    let name = |n: usize| format!("site-{n:05}.crawl.test");
    let lookup = Lookup::Fixed(
        (0..sites)
            .map(|n| (name(n), vec![IpAddr::from([127, 0, 0, 1])]))
            .collect(),
    );
    let mut deps = deps(lookup, &[port]).await;
    deps.config.batch_size = 10_000;
    // The sites are listed in the crawl bucket: the execution's input only names the list.
    let list: String = (0..sites)
        .map(|n| json!({"base_url": format!("http://{}:{port}/", name(n)), "start_paths": ["/"]}))
        .map(|site| format!("{site}\n"))
        .collect();
    let key = format!("site-lists/{}.jsonl", testing::unique("many"));
    deps.store
        .put(&key, list.clone().into_bytes(), "application/x-ndjson")
        .await
        .unwrap();
    let crawl = json!({
        "name": "many-sites", "allow_networks": ["127.0.0.1/32"], "sitemaps": false,
        "sites_from": key,
        "limits": {"concurrency": 10_000, "max_pages": 1_000_000},
    });
    let input = serde_json::to_vec(&crawl).unwrap().len();
    let started = std::time::Instant::now();
    let run = start(&deps, crawl).await;
    let ran = drive(&deps, run.clone()).await;
    assert_eq!(
        ran.totals["failed"], sites as u64,
        "each site's page answered 404"
    );
    assert_eq!(ran.totals["worker_failures"], 0);
    let prefix = format!("crawls/many-sites/{}/", run["run_id"].as_str().unwrap());
    assert_eq!(
        records(&deps, &prefix).await.len(),
        sites,
        "one record per site's page"
    );
    assert_eq!(keys(&deps, &format!("{prefix}robots/")).await.len(), sites);
    assert_eq!(
        asked.load(Ordering::Relaxed),
        2 * sites,
        "robots.txt and / once each"
    );
    // What the state machine passes: the answers (asserted under 1 KB in `next`), the worker's
    // request and a distributed Map's item, against the crawl's own size.
    let worker = json!({"action": "work", "name": "many-sites", "run_id": run["run_id"],
                        "batch": "0000000", "sites": (sites - 10..sites).collect::<Vec<_>>(),
                        "child_started": "2026-12-06T06:00:00.000Z"});
    let item = json!({"sites": (sites - 10..sites).collect::<Vec<_>>()});
    eprintln!(
        "{sites} sites in {:.0} s: the execution's input {input} bytes (the site list {} bytes, \
         in S3); largest state: the start's answer {} bytes, a worker's input {} bytes, a Map \
         item {} bytes",
        started.elapsed().as_secs_f64(),
        list.len(),
        serde_json::to_vec(&run).unwrap().len(),
        serde_json::to_vec(&worker).unwrap().len(),
        serde_json::to_vec(&item).unwrap().len(),
    );
}

/// A worker run late in its Express child (a retry inside it) sends nothing that could outlast
/// the child, so the host's worker in the next batch never overlaps it; early in its child, the
/// same worker crawls its pages.
#[tokio::test]
async fn a_worker_keeps_to_its_express_childs_five_minutes() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let run = start(&deps, docs_crawl(&site, fast())).await;
    first_visit(&deps, &run).await.unwrap();
    let crawl = stored(&deps, &run).await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    // The pages stay queued for the next batch.
    for batch in ["late", "next"] {
        frontier
            .put_batch(
                batch,
                &[Group { site: 0, take: 2 }],
                &[Item { sites: vec![0] }],
            )
            .await
            .unwrap();
    }
    let asked = site.requests().len();
    let worker = |batch: &str, seconds_ago: i64| {
        let started = chrono::Utc::now() - chrono::TimeDelta::seconds(seconds_ago);
        json!({"action": "work", "name": run["name"], "run_id": run["run_id"], "batch": batch,
               "sites": [0], "child_started": started.to_rfc3339()})
    };
    // 280 s in: 20 s left, less the 10 s kept to store, is less than a request's 15 s time-out.
    let late = handle(&deps, worker("late", 280)).await.unwrap();
    assert_eq!(late["counts"]["crawled"], 0);
    assert_eq!(site.requests().len(), asked, "nothing sent");
    let early = handle(&deps, worker("next", 1)).await.unwrap();
    assert_eq!(early["counts"]["crawled"], 2);
    assert_eq!(site.requests().len(), asked + 2);
}

/// A robots.txt that redirects to another host of the same crawl is that host's to fetch, at
/// that host's pace: this host's worker never asks it, waits until that host's own worker has
/// stored it, then uses the stored file.
#[tokio::test]
async fn robots_txt_redirected_to_another_host_of_the_crawl_is_read_from_that_hosts_worker() {
    use axum::response::Html;
    use axum::routing::get;
    use std::sync::{Arc, Mutex};
    let asked = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = asked.clone();
    let other = serve(
        [127, 0, 0, 3],
        axum::Router::new()
            .route(
                "/robots.txt",
                get(move || {
                    log.lock().unwrap().push("/robots.txt".to_owned());
                    async { "User-agent: *\nDisallow: /docs/private/\n" }
                }),
            )
            .fallback(get(|| async { Html("<p>other</p>") })),
    )
    .await;
    let origin = redirecting_robots(&other).await;
    let deps = deps(Lookup::System, &[port(&origin), port(&other)]).await;
    let run = handle(
        &deps,
        json!({"action": "start", "run_id": "robots-elsewhere", "crawl": {
            "name": "robots", "allow_networks": ["127.0.0.0/8"], "sitemaps": false, "sites": [
                {"base_url": format!("{origin}/docs/"), "start_paths": ["/docs/"]},
                {"base_url": format!("{other}/docs/"), "start_paths": ["/docs/"]}]}}),
    )
    .await
    .unwrap();
    let crawl = stored(&deps, &run).await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    let visit = |site: usize| site_worker(&deps, &run, "first", site, 0);
    let early = visit(0).await.unwrap_err();
    assert_eq!(early.error_type(), "TransientError", "{early}");
    assert!(
        early.to_string().contains("another host of this crawl"),
        "{early}"
    );
    assert!(
        asked.lock().unwrap().is_empty(),
        "the other host was not asked"
    );
    visit(1).await.unwrap();
    visit(0).await.unwrap();
    assert_eq!(
        *asked.lock().unwrap(),
        ["/robots.txt"],
        "asked once, by its own worker"
    );
    let own = frontier.robots(0).await.unwrap().unwrap();
    assert_eq!(own, b"User-agent: *\nDisallow: /docs/private/\n");
}

/// A page whose worker died after storing it, before its record, and which then fails for
/// good: it is recorded as failed, the stored page (which no record would describe) is removed,
/// and the crawl finds every other page through the other pages' links.
#[tokio::test]
async fn a_page_that_fails_for_good_after_an_attempt_stored_it_leaves_no_page_without_a_record() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let mut limits = fast();
    limits["max_attempts"] = json!(1);
    // One page a turn: the failed worker's turn puts back only the start page.
    limits["pages_per_worker"] = json!(1);
    let run = start(&deps, docs_crawl(&site, limits)).await;
    let crawl = stored(&deps, &run).await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    let start_page = crawl.sites[0].start_urls[0].clone();
    first_visit(&deps, &run).await.unwrap();
    let before = snapshot(&deps, &crawl, 0).await;
    // The start page's worker stored it, then died before its records and its turn's end.
    worker(&deps, &run, "died", 1).await.unwrap();
    undo_turn(&deps, &crawl, &before, "died").await;
    frontier.delete_records(0, "died").await.unwrap();
    assert!(
        deps.store
            .get(&frontier.page_key(&start_page))
            .await
            .unwrap()
            .is_some()
    );
    // Its next worker fails too (no worker runs the batch handed out): its last attempt.
    let execution = run["run_id"].clone();
    let handed = next(&deps, &run, &execution, &Value::Null, json!([])).await;
    let after = next(&deps, &run, &execution, &handed["batch"], json!([])).await;
    let record = record_of(&deps, &crawl, &start_page).await;
    assert_eq!(record["outcome"], "failed");
    assert!(
        deps.store
            .get(&frontier.page_key(&start_page))
            .await
            .unwrap()
            .is_none(),
        "no stored page without its record"
    );
    // (Asked again about the batch it added up, `next` hands out the one it handed out since.)
    assert_ne!(after["batch"], handed["batch"]);
    // The rest of the crawl finds what the other pages link to, as if the start page had
    // answered 500: the sitemap's page and what it leads to, not what only the start page does.
    let ran = drive_from(&deps, run.clone(), execution, handed["batch"].clone()).await;
    assert_eq!(
        stored_pages(&deps, &site, &ran).await,
        [
            "/docs/a.html",
            "/docs/b.html",
            "/docs/c.html",
            "/docs/from-sitemap.html"
        ]
    );
}

/// A site list in the crawl bucket is read line by line, each line checked as a site is; a
/// bad line is named, and only keys under `site-lists/` are read.
#[tokio::test]
async fn a_site_list_is_read_from_the_crawl_bucket_and_checked_line_by_line() {
    // Public addresses, never connected to: the start step sends nothing.
    let public = |name: &str| (name.to_owned(), vec![IpAddr::from([93, 184, 215, 14])]);
    let lookup = Lookup::Fixed(["a.example", "b.example", "c.example"].map(public).into());
    let deps = deps(lookup, &[443]).await;
    let put = |key: &str, body: &str| {
        let (key, body) = (key.to_owned(), body.as_bytes().to_vec());
        let deps = &deps;
        async move {
            deps.store
                .put(&key, body, "application/x-ndjson")
                .await
                .unwrap();
        }
    };
    let start_with = |sites_from: &str, more: Value| {
        let mut crawl = json!({"name": "listed", "sites_from": sites_from});
        crawl
            .as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        handle(
            &deps,
            json!({"action": "start", "run_id": testing::unique("listed").replace('_', "-"),
                   "crawl": crawl}),
        )
    };
    put(
        "site-lists/two.jsonl",
        "{\"base_url\": \"https://a.example/docs/\", \"start_paths\": [\"/docs/\"]}\n\n\
         {\"base_url\": \"https://b.example/\", \"start_paths\": [\"/\"]}\n",
    )
    .await;
    let run = start_with("site-lists/two.jsonl", json!({})).await.unwrap();
    let crawl = stored(&deps, &run).await;
    assert_eq!(crawl.sites.len(), 2);
    assert_eq!(crawl.sites[1].base_url.as_str(), "https://b.example/");

    put(
        "site-lists/bad.jsonl",
        "{\"base_url\": \"https://a.example/\", \"start_paths\": [\"/\"]}\n\
         {\"base_url\": \"https://b.example/\", \"start_path\": [\"/\"]}\n",
    )
    .await;
    let refusals = [
        (
            start_with("site-lists/bad.jsonl", json!({})).await,
            "line 2: unknown field `start_path`",
        ),
        (
            start_with("frontier/x.jsonl", json!({})).await,
            "must be a key under site-lists/",
        ),
        (
            start_with("site-lists/../frontier/x", json!({})).await,
            "must be a key under site-lists/",
        ),
        (
            start_with("site-lists/none.jsonl", json!({})).await,
            "does not exist",
        ),
        (
            start_with(
                "site-lists/two.jsonl",
                json!({"base_url": "https://c.example/"}),
            )
            .await,
            "not more than one",
        ),
    ];
    for (result, why) in refusals {
        let err = result.unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput", "{err}");
        assert!(err.to_string().contains(why), "{err}: {why}");
    }
}

/// A page costs one S3 write, itself, whatever links it has: a host's queue and the URLs it has
/// seen are one object written once per turn, its records one object per turn, and links to
/// other hosts one object per host and turn.
#[tokio::test]
async fn a_page_costs_one_write_and_not_one_per_link_or_record() {
    let site = FakeSite::start().await.unwrap();
    let mut deps = deps(Lookup::System, &[port(site.base_url())]).await;
    let requests = Requests::default();
    let moto = shared::aws::s3_client(&testing::moto().await);
    let config = moto
        .config()
        .to_builder()
        .interceptor(requests.clone())
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(config);
    deps.store = Box::new(S3Store::new(s3, deps.config.bucket.clone()));
    // Every page of the tree links to its root and to two others.
    let crawl = json!({
        "name": "tree",
        "base_url": format!("{}/tree/0.html", site.base_url()),
        "start_paths": ["0.html"],
        "allow_networks": ["127.0.0.1/32"],
        "limits": {"requests_per_second": 100.0, "pages_per_worker": 20},
    });
    let run = run(&deps, crawl).await;
    assert_eq!(run.totals["crawled"], TREE_PAGES as u64);
    let requests = requests.0.lock().unwrap().clone();
    let puts = |folder: &str| {
        requests
            .iter()
            .filter(|r| r.starts_with("PUT ") && r.contains(folder))
            .count()
    };
    assert_eq!(puts("/pages/"), TREE_PAGES, "each page");
    // A turn writes its host's state when it starts and when it ends, its records and its
    // queue, and `next` its batch, its group and the progress: seven writes a turn, not one
    // per link or per record.
    let turns = puts("/hosts/") / 2;
    assert_eq!(
        puts("/queues/"),
        turns + 1,
        "one queue version a turn, and the start's"
    );
    assert_eq!(puts("/records/"), turns, "one records object a turn");
    let all = requests.iter().filter(|r| r.starts_with("PUT ")).count();
    assert!(
        all <= TREE_PAGES + 7 * turns + 8,
        "{all} PUTs for {TREE_PAGES} pages in {turns} turns: {requests:#?}"
    );
}

#[tokio::test]
async fn a_worker_redone_after_dying_counts_each_page_once_and_keeps_the_hosts_pace() {
    let site = FakeSite::start().await.unwrap();
    let deps = deps(Lookup::System, &[port(site.base_url())]).await;
    // One request every 2 s.
    let limits = json!({"max_page_bytes": 1_048_576, "requests_per_second": 0.5});
    let state = start(&deps, docs_crawl(&site, limits)).await;
    let crawl = stored(&deps, &state).await;
    let frontier = Frontier::new(deps.store.as_ref(), &crawl);
    first_visit(&deps, &state).await.unwrap();
    let host_key = format!("{}hosts/00000.json", crawl.frontier_prefix());
    let before = snapshot(&deps, &crawl, 0).await;
    let first = worker(&deps, &state, "b", 2).await.unwrap();
    assert_eq!(first["counts"]["crawled"], 2);

    // The worker died after its last page, before its records and its turn's end: its host
    // state is the one it wrote when it started.
    undo_turn(&deps, &crawl, &before, "b").await;
    frontier.delete_records(0, "b").await.unwrap();

    let again = worker(&deps, &state, "b", 2).await.unwrap();
    assert_eq!(
        again["counts"], first["counts"],
        "the turn is redone whole, and counted once"
    );
    let timings = site.timings();
    let (last, redone) = (timings[timings.len() - 2], timings[timings.len() - 1]);
    assert!(
        redone.arrived - last.arrived >= std::time::Duration::from_secs(2),
        "the redone page came {:?} after the dead attempt's last request",
        redone.arrived - last.arrived
    );
    assert_eq!(json_object(&deps, &host_key).await["done"], true);
}
