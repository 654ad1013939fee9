//! Indexing a crawl's stored runs and searching them, against moto's S3: what a re-crawl reads
//! again, which run a search answers from, and Kendra's metadata files.
#![cfg(feature = "local-stack")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use index_crawl::Request;
use search_crawl::query::Query;
use search_crawl::{Config, Deps, search};
use shared::s3;
use std::time::Duration;

const TEA: &str =
    "<title>Green tea</title><script>var hiddenscriptword;</script><p>Steep green tea.</p>";
const COFFEE: &str = "<title>Coffee</title><p>Espresso under pressure.</p>";
const OLD: &str = "<title>Old</title><p>Discontinued oolong.</p>";
const MATCHA: &str = "<title>Matcha</title><p>Whisked powdered tea.</p>";

/// Stores a run as the crawler does: each page's HTML, the turn's records (one JSON line per
/// URL, naming its page), then the summary.
async fn store_run(
    s3c: &aws_sdk_s3::Client,
    bucket: &str,
    run: &str,
    finished_at: &str,
    pages: &[(&str, &str)],
) {
    let prefix = format!("crawls/shop/{run}/");
    let mut records = String::new();
    for (name, html) in pages {
        // The same name in two runs is the same URL, so the same hash, as the crawler makes it.
        let hash = format!("{name:0>32}");
        let record = serde_json::json!({"url": format!("https://shop.example/{name}.html"),
                                        "fetched_at": finished_at, "outcome": "crawled",
                                        "page": hash});
        records.push_str(&format!("{record}\n"));
        s3::put_object(
            s3c,
            bucket,
            &format!("{prefix}pages/{hash}.html"),
            html.as_bytes().to_vec(),
            "text/html",
        )
        .await
        .unwrap();
    }
    s3::put_object(
        s3c,
        bucket,
        &format!("{prefix}records/00000/0000000.000.jsonl"),
        records.into_bytes(),
        "application/x-ndjson",
    )
    .await
    .unwrap();
    let summary = serde_json::json!({"name": "shop", "run_id": run, "finished_at": finished_at});
    s3::put_object(
        s3c,
        bucket,
        &format!("{prefix}summary.json"),
        summary.to_string().into_bytes(),
        "application/json",
    )
    .await
    .unwrap();
}

/// moto's S3, a new bucket, and the indexer over it.
async fn setup(kendra: bool) -> (aws_sdk_s3::Client, String, index_crawl::Deps) {
    let config = testing::moto().await;
    let s3c = shared::aws::s3_client(&config);
    let bucket = testing::bucket(&config).await;
    let indexer = index_crawl::Deps {
        s3: s3c.clone(),
        config: index_crawl::Config {
            bucket: bucket.clone(),
            kendra,
        },
    };
    (s3c, bucket, indexer)
}

async fn index(deps: &index_crawl::Deps, run: &str) -> index_crawl::Indexed {
    index_crawl::handle(
        deps,
        Request {
            name: "shop".into(),
            run_id: run.into(),
        },
    )
    .await
    .unwrap()
}

fn query(q: &str) -> Query {
    Query {
        q: q.into(),
        crawl: "shop".into(),
        limit: None,
        run_id: None,
    }
}

#[tokio::test]
async fn a_re_crawl_is_indexed_from_what_changed_and_searched_from_its_latest_run() {
    let (s3c, bucket, indexer) = setup(false).await;
    // Refreshed on every search, so that the test sees a new run at once.
    let searcher = Deps::new(
        s3c.clone(),
        Config {
            bucket: bucket.clone(),
            max_index_bytes: 1 << 26,
            refresh: Duration::ZERO,
        },
    );

    store_run(
        &s3c,
        &bucket,
        "run-1",
        "2026-12-01T00:00:00Z",
        &[("tea", TEA), ("coffee", COFFEE), ("old", OLD)],
    )
    .await;
    let first = index(&indexer, "run-1").await;
    assert_eq!(
        (first.pages, first.extracted, first.reused, first.latest),
        (3, 3, 0, true)
    );
    let found = search(&searcher, query("green tea")).await.unwrap();
    assert_eq!(found.run_id, "run-1");
    assert_eq!(found.results[0].url, "https://shop.example/tea.html");
    assert!(
        search(&searcher, query("hiddenscriptword"))
            .await
            .unwrap()
            .results
            .is_empty()
    );

    // The re-crawl: tea and coffee unchanged (their bytes copied, as a 304 does), old gone,
    // matcha new.
    store_run(
        &s3c,
        &bucket,
        "run-2",
        "2026-12-02T00:00:00Z",
        &[("tea", TEA), ("coffee", COFFEE), ("matcha", MATCHA)],
    )
    .await;
    let second = index(&indexer, "run-2").await;
    assert_eq!(
        (second.pages, second.extracted, second.reused, second.latest),
        (3, 1, 2, true)
    );
    let matcha = search(&searcher, query("powdered")).await.unwrap();
    assert_eq!(matcha.run_id, "run-2");
    assert_eq!(matcha.results[0].url, "https://shop.example/matcha.html");
    assert!(
        search(&searcher, query("oolong"))
            .await
            .unwrap()
            .results
            .is_empty(),
        "a page gone from the latest run"
    );
    // The reused pages are searchable in the new run as they were.
    assert_eq!(
        search(&searcher, query("espresso")).await.unwrap().results[0].run_id,
        "run-2"
    );

    // Indexing the earlier run again does not send searches back to it; naming it still works.
    let again = index(&indexer, "run-1").await;
    assert!(!again.latest);
    assert_eq!(
        search(&searcher, query("tea")).await.unwrap().run_id,
        "run-2"
    );
    let named = search(
        &searcher,
        Query {
            run_id: Some("run-1".into()),
            ..query("oolong")
        },
    )
    .await
    .unwrap();
    assert_eq!(named.results[0].url, "https://shop.example/old.html");
}

#[tokio::test]
async fn kendra_metadata_names_each_pages_address_and_title() {
    let (s3c, bucket, indexer) = setup(true).await;
    store_run(
        &s3c,
        &bucket,
        "run-k",
        "2026-12-01T00:00:00Z",
        &[("tea", TEA)],
    )
    .await;
    let indexed = index(&indexer, "run-k").await;
    assert!(indexed.kendra_sync);
    let keys = s3::list_keys(&s3c, &bucket, "crawls/shop/run-k/pages/")
        .await
        .unwrap();
    let metadata: Vec<&String> = keys
        .iter()
        .filter(|k| k.ends_with(".html.metadata.json"))
        .collect();
    assert_eq!(metadata.len(), 1, "{keys:?}");
    assert!(
        keys.contains(&metadata[0].trim_end_matches(".metadata.json").to_owned()),
        "beside its page"
    );
    let body: serde_json::Value =
        serde_json::from_slice(&s3::get_object(&s3c, &bucket, metadata[0]).await.unwrap()).unwrap();
    assert_eq!(
        body["Attributes"]["_source_uri"],
        "https://shop.example/tea.html"
    );
    assert_eq!(body["Title"], "Green tea");
    assert_eq!(body["ContentType"], "HTML");
}
