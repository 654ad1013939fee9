//! `make bench`, search part (`scripts/bench-search.sh`): indexes the Python docs tree as
//! index-crawl does (the same extraction and index builder, from files instead of S3), then opens
//! the index as search-crawl does after reading it from S3 and answers 200 queries (the 20 title
//! queries of `tests/python-docs-queries.json`, ten times each). Writes its figures as JSON to
//! the path in `BENCH_JSON` and prints them.
//!
//!   cargo run --release -p search-crawl --example search_bench -- /usr/share/doc/python3.11/html

use index_crawl::documents::Document;
use index_crawl::index::Builder;
use search_crawl::query::Query;
use search_crawl::searcher::Loaded;
use shared::search::{IndexFile, Manifest};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error>;

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            html_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() -> Result<(), Failure> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: search_bench DOCS_DIR")?,
    );
    let mut files = Vec::new();
    html_files(&root, &mut files)?;
    files.sort();
    let pages: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(&root)?.to_string_lossy().into_owned();
            Ok((
                format!("https://docs.python.org/3.11/{relative}"),
                std::fs::read(path)?,
            ))
        })
        .collect::<Result<_, Failure>>()?;
    let html_bytes: u64 = pages.iter().map(|(_, b)| b.len() as u64).sum();

    // Indexing: extraction and the index, as index-crawl does once its reads are done.
    let started = Instant::now();
    let builder = Builder::new()?;
    for (i, (url, html)) in pages.iter().enumerate() {
        let text = index_crawl::text::extract(html);
        builder.add(&Document {
            page: format!("{i:032x}"),
            etag: String::new(),
            url: url.clone(),
            fetched_at: String::new(),
            title: text.title,
            headings: text.headings,
            body: text.body,
        })?;
    }
    let index_files = builder.finish()?;
    let index_seconds = started.elapsed().as_secs_f64();
    let index_bytes: u64 = index_files.iter().map(|(_, b)| b.len() as u64).sum();
    let file_count = index_files.len();

    // A cold start's own work: the index's files in memory (as read from S3) opened, and the
    // first query answered.
    let manifest = Manifest {
        name: "python-docs".into(),
        run_id: "bench".into(),
        finished_at: String::new(),
        built_at: String::new(),
        pages: pages.len() as u64,
        extracted: pages.len() as u64,
        reused: 0,
        html_bytes,
        index_bytes,
        files: index_files
            .iter()
            .map(|(name, b)| IndexFile {
                name: name.clone(),
                bytes: b.len() as u64,
            })
            .collect(),
    };
    #[derive(serde::Deserialize)]
    struct Case {
        q: String,
    }
    let cases: Vec<Case> = serde_json::from_str(include_str!("../tests/python-docs-queries.json"))?;
    let query = |q: &str| Query {
        q: q.to_owned(),
        crawl: "python-docs".into(),
        limit: Some(10),
        run_id: None,
    };
    let started = Instant::now();
    let loaded = Loaded::open(manifest, index_files)?;
    loaded.search(&query(&cases[0].q))?;
    let cold_ms = started.elapsed().as_secs_f64() * 1000.0;

    let mut times = Vec::with_capacity(200);
    for round in 0..10 {
        for case in &cases {
            let started = Instant::now();
            let answer = loaded.search(&query(&case.q))?;
            times.push(started.elapsed());
            if round == 0 && answer.results.is_empty() {
                return Err(format!("{:?} found nothing", case.q).into());
            }
        }
    }
    times.sort();
    let figures = serde_json::json!({
        "pages": pages.len(),
        "html_bytes": html_bytes,
        "index_seconds": index_seconds,
        "pages_per_second": pages.len() as f64 / index_seconds,
        "index_bytes": index_bytes,
        "index_to_html": index_bytes as f64 / html_bytes as f64,
        "index_files": file_count,
        "cold_open_and_first_query_ms": cold_ms,
        "warm_queries": times.len(),
        "warm_p50_ms": percentile(&times, 0.50),
        "warm_p99_ms": percentile(&times, 0.99),
    });
    if let Some(path) = std::env::var_os("BENCH_JSON") {
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
    }
    writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(&figures)?
    )?;
    Ok(())
}
