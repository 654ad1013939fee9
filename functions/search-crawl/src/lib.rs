//! Answers searches of what a crawl stored: `{"q": ..., "crawl": ..., "limit": ...}` gives the
//! best pages (BM25), each with a highlighted snippet and the run it came from. Invoked directly
//! (`aws lambda invoke`, `cargo lambda invoke`) or through the function URL (`AWS_IAM` auth; on
//! when the deployment switches it on). The index `index-crawl` wrote is read from S3 on the first
//! search of a crawl and kept for the calls that follow; the crawl's latest run is looked up again
//! at most every `SEARCH_REFRESH_SECONDS`, so a new index is picked up without a cold start.

pub mod query;
pub mod searcher;

use aws_lambda_events::event::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use aws_sdk_s3::Client;
use futures_util::{StreamExt, TryStreamExt, stream};
use query::{Answer, Query};
use searcher::Loaded;
use serde_json::Value;
use shared::crawl_run::Run;
use shared::s3;
use shared::search::{self, Manifest};
use shared::{Error, Result, function_url};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Index files read at once.
const READS_AT_ONCE: usize = 8;

pub struct Config {
    pub bucket: String,
    /// The largest index loaded: it is held in the function's memory.
    pub max_index_bytes: u64,
    /// How long a loaded index answers before the crawl's latest run is looked up again.
    pub refresh: Duration,
}

impl Config {
    pub fn from_vars(vars: &impl shared::config::Vars) -> Result<Self> {
        Ok(Self {
            bucket: shared::config::required(vars, "CRAWL_BUCKET")?,
            max_index_bytes: shared::config::parsed(vars, "SEARCH_MAX_INDEX_BYTES", 268_435_456)?,
            refresh: Duration::from_secs(shared::config::parsed(
                vars,
                "SEARCH_REFRESH_SECONDS",
                60,
            )?),
        })
    }
}

pub struct Deps {
    pub s3: Client,
    pub config: Config,
    /// Loaded indexes by crawl (and run, when a search names one), kept between invocations.
    pub loaded: Mutex<HashMap<(String, Option<String>), Cached>>,
}

pub struct Cached {
    loaded: Loaded,
    checked: Instant,
}

impl Deps {
    pub fn new(s3: Client, config: Config) -> Self {
        Self {
            s3,
            config,
            loaded: Mutex::default(),
        }
    }
}

/// What the function is invoked with: a function URL's request, or a search itself.
pub async fn handle(deps: &Deps, event: Value) -> Result<Value> {
    if event.get("requestContext").is_some() {
        let request: LambdaFunctionUrlRequest = shared::input::parse(event)?;
        return to_value(&handle_url(deps, request).await);
    }
    to_value(&search(deps, shared::input::parse(event)?).await?)
}

fn to_value(value: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::Internal(format!("the answer cannot be serialised: {e}")))
}

pub async fn search(deps: &Deps, query: Query) -> Result<Answer> {
    let query = query.check()?;
    let key = (query.crawl.clone(), query.run_id.clone());
    let mut loaded = deps.loaded.lock().await;
    let fresh = loaded
        .get(&key)
        .is_some_and(|c| c.checked.elapsed() < deps.config.refresh || query.run_id.is_some());
    if !fresh {
        let manifest = manifest(deps, &query).await?;
        match loaded.get_mut(&key) {
            Some(cached) if cached.loaded.manifest == manifest => cached.checked = Instant::now(),
            _ => {
                // Only what fits: other crawls' indexes go before a new one comes in.
                loaded.remove(&key);
                let held: u64 = loaded.values().map(|c| c.loaded.manifest.index_bytes).sum();
                if held.saturating_add(manifest.index_bytes) > deps.config.max_index_bytes {
                    loaded.clear();
                }
                let index = load(deps, manifest).await?;
                loaded.insert(
                    key.clone(),
                    Cached {
                        loaded: index,
                        checked: Instant::now(),
                    },
                );
            }
        }
    }
    let cached = loaded
        .get(&key)
        .ok_or_else(|| Error::Internal("the index was loaded and is gone".into()))?;
    cached.loaded.search(&query)
}

/// The manifest of the run the query names, or of the crawl's latest indexed run.
async fn manifest(deps: &Deps, query: &Query) -> Result<Manifest> {
    let key = match &query.run_id {
        Some(run_id) => search::manifest_key(&Run {
            name: query.crawl.clone(),
            run_id: run_id.clone(),
        }),
        None => search::latest_key(&query.crawl),
    };
    let body = s3::get_object(&deps.s3, &deps.config.bucket, &key)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(match &query.run_id {
                Some(run_id) => format!("crawl '{}' has no indexed run '{run_id}'", query.crawl),
                None => format!(
                    "crawl '{}' has no index: no run of it finished, or none was indexed",
                    query.crawl
                ),
            }),
            e => e,
        })?;
    let manifest: Manifest = serde_json::from_slice(&body).map_err(|e| {
        Error::Configuration(format!(
            "s3://{}/{key} is not an index manifest: {e}",
            deps.config.bucket
        ))
    })?;
    let manifest = manifest.check()?;
    if manifest.name != query.crawl {
        return Err(Error::Configuration(format!(
            "s3://{}/{key} names crawl '{}', not '{}'",
            deps.config.bucket, manifest.name, query.crawl
        )));
    }
    Ok(manifest)
}

/// Reads the index's files, after checking that it fits.
async fn load(deps: &Deps, manifest: Manifest) -> Result<Loaded> {
    let limit = deps.config.max_index_bytes;
    if manifest.index_bytes > limit {
        return Err(Error::Configuration(format!(
            "the index of crawl '{}' run '{}' is {} bytes, more than this function loads \
             (SEARCH_MAX_INDEX_BYTES, {limit} bytes): raise the limit and the function's memory",
            manifest.name, manifest.run_id, manifest.index_bytes
        )));
    }
    let started = Instant::now();
    let run = manifest.run();
    let files = stream::iter(&manifest.files)
        .map(|file| {
            let key = search::file_key(&run, &file.name);
            async move {
                let bytes = s3::get_object(&deps.s3, &deps.config.bucket, &key).await?;
                if bytes.len() as u64 != file.bytes {
                    return Err(Error::Transient(format!(
                        "s3://{}/{key} is not the size its manifest says: read it again",
                        deps.config.bucket
                    )));
                }
                Ok((file.name.clone(), bytes))
            }
        })
        .buffer_unordered(READS_AT_ONCE)
        .try_collect::<Vec<_>>()
        .await?;
    let loaded = Loaded::open(manifest, files)?;
    tracing::info!(
        crawl = %loaded.manifest.name,
        run_id = %loaded.manifest.run_id,
        bytes = loaded.manifest.index_bytes,
        ms = started.elapsed().as_millis() as u64,
        "index loaded"
    );
    Ok(loaded)
}

/// A search through the function URL: `GET ?q=...&crawl=...&limit=...` or a `POST` of the
/// search's JSON. Every request is answered: 200 with the results, or an error status with
/// `errorType` and the message.
pub async fn handle_url(
    deps: &Deps,
    request: LambdaFunctionUrlRequest,
) -> LambdaFunctionUrlResponse {
    let answer = async {
        let query = url_query(&request)?;
        search(deps, query).await
    }
    .await;
    match answer.and_then(|a| to_value(&a)) {
        Ok(body) => function_url::response(200, &body),
        Err(err) => {
            tracing::warn!(error = %err, "search refused");
            function_url::error(&err, 404, 500)
        }
    }
}

fn url_query(request: &LambdaFunctionUrlRequest) -> Result<Query> {
    let bytes = function_url::body(request)?;
    if !bytes.is_empty() {
        return serde_json::from_slice(&bytes).map_err(|e| {
            Error::InvalidInput(format!(
                "the body is not {{\"q\": ..., \"crawl\": ..., \"limit\": ...}}: {e}"
            ))
        });
    }
    let parameters = &request.query_string_parameters;
    let get = |name: &str| parameters.get(name).cloned();
    Ok(Query {
        q: get("q").unwrap_or_default(),
        crawl: get("crawl").unwrap_or_default(),
        limit: get("limit")
            .map(|l| {
                l.parse().map_err(|_| {
                    Error::InvalidInput(format!(
                        "limit '{}' is not a number",
                        shared::input::shorten(&l)
                    ))
                })
            })
            .transpose()?,
        run_id: get("run_id"),
    })
}
