//! Builds the search index of a crawl run: reads the run's records (the crawler writes them a
//! host's turn at a time, as JSON Lines) and the stored pages they name, extracts their text
//! (`text`), indexes it with tantivy (`index`), and writes the index to S3 under the run's prefix
//! with its manifest (`shared::search`). A page whose stored HTML did not change since the crawl's
//! previously indexed run (same URL, same ETag: a re-crawl's 304 copies the page unchanged) is
//! taken from that run's documents, not read or extracted again. With Kendra on, it also writes
//! each page's Kendra metadata file beside it.

pub mod documents;
pub mod index;
pub mod text;

use aws_sdk_s3::Client;
use documents::Document;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use shared::crawl_run::Run;
use shared::s3::{self, Listed};
use shared::search::{self, IndexFile, Manifest};
use shared::upload::Upload;
use shared::{Error, Result};
use std::collections::{HashMap, HashSet};

/// Pages read and extracted at once.
const READS_AT_ONCE: usize = 16;

pub struct Config {
    pub bucket: String,
    /// Writes each page's `<page>.html.metadata.json` for a Kendra S3 data source.
    pub kendra: bool,
}

impl Config {
    pub fn from_vars(vars: &impl shared::config::Vars) -> Result<Self> {
        Ok(Self {
            bucket: shared::config::required(vars, "CRAWL_BUCKET")?,
            kendra: shared::config::flag(vars, "KENDRA_METADATA", false)?,
        })
    }
}

pub struct Deps {
    pub s3: Client,
    pub config: Config,
}

/// `{"name": "<crawl>", "run_id": "<run>"}`: the run to index, as the state machine (or a person
/// indexing an earlier run by hand) names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub name: String,
    pub run_id: String,
}

/// What the state machine and the notification get: figures, never the documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indexed {
    pub name: String,
    pub run_id: String,
    pub pages: u64,
    pub extracted: u64,
    pub reused: u64,
    pub html_bytes: u64,
    pub index_bytes: u64,
    /// The manifest's URI.
    pub index: String,
    /// Whether this run's index is now the one searches of the crawl read.
    pub latest: bool,
    /// Whether the state machine should start the Kendra data source's sync.
    pub kendra_sync: bool,
}

/// The part of a URL's record the index needs; `page` names the stored HTML, when there is one.
#[derive(Deserialize)]
struct Record {
    url: String,
    fetched_at: String,
    page: Option<String>,
}

/// The part of the run's summary the index needs.
#[derive(Deserialize)]
struct Summary {
    finished_at: String,
}

impl Request {
    /// The run, if its name and id could have been started: they become S3 keys.
    pub fn run(self) -> Result<Run> {
        let run = Run {
            name: self.name,
            run_id: self.run_id,
        };
        run.check()?;
        Ok(run)
    }
}

pub async fn handle(deps: &Deps, request: Request) -> Result<Indexed> {
    let run = request.run()?;
    let bucket = &deps.config.bucket;
    let prefix = run.output_prefix();
    let summary: Summary = json(
        &s3::get_object(&deps.s3, bucket, &format!("{prefix}summary.json"))
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => Error::NotFound(format!(
                    "crawl '{}' has no finished run '{}' (no summary.json under s3://{bucket}/{prefix})",
                    run.name, run.run_id
                )),
                e => e,
            })?,
        "summary.json",
    )?;
    let mut records = stored_pages(deps, &prefix).await?;
    // The HTML pages as listed (their ETags say which changed), each with its record: a page no
    // record names (an attempt that died stored it) is not the crawl's.
    let pages: HashMap<String, (Listed, Record)> =
        s3::list_objects(&deps.s3, bucket, &format!("{prefix}pages/"))
            .await?
            .into_iter()
            .filter_map(|o| {
                let page = o
                    .key
                    .strip_prefix(&format!("{prefix}pages/"))?
                    .strip_suffix(".html")?
                    .to_owned();
                let record = records.remove(&page)?;
                Some((page, (o, record)))
            })
            .collect();
    let latest = latest(deps, &run.name).await?;

    let builder = index::Builder::new()?;
    let mut upload = Upload::new(
        &deps.s3,
        bucket,
        &search::documents_key(&run),
        "application/x-ndjson",
    );
    let mut html_bytes = 0u64;
    let add = async |document: Document, upload: &mut Upload<'_>| -> Result<()> {
        builder.add(&document)?;
        let mut line = serde_json::to_vec(&document)
            .map_err(|e| Error::Internal(format!("a document cannot be serialised: {e}")))?;
        line.push(b'\n');
        upload.write(&line).await?;
        if deps.config.kendra {
            put_kendra_metadata(deps, &run, &document).await?;
        }
        Ok(())
    };

    // The pages unchanged since the latest indexed run, from its documents.
    let mut reused = HashSet::new();
    if let Some(previous) = latest.as_ref().filter(|m| m.run_id != run.run_id) {
        let lines = previous_documents(deps, &previous.run()).await?;
        for document in lines {
            if pages
                .get(&document.page)
                .is_some_and(|(o, _)| o.e_tag == document.etag)
                && reused.insert(document.page.clone())
            {
                html_bytes += pages[&document.page].0.size;
                add(document, &mut upload).await?;
            }
        }
    }
    // The rest, read and extracted.
    let mut extracted = stream::iter(pages.iter().filter(|(page, _)| !reused.contains(*page)))
        .map(|(page, (listed, record))| read_page(deps, page, listed, record))
        .buffer_unordered(READS_AT_ONCE);
    let mut count = 0u64;
    while let Some((document, bytes)) = extracted.try_next().await? {
        html_bytes += bytes;
        count += 1;
        add(document, &mut upload).await?;
    }
    drop(extracted);
    let documents_bytes = upload.bytes();
    upload.finish().await?;
    let files = builder.finish()?;
    let index_files: Vec<IndexFile> = files
        .iter()
        .map(|(name, bytes)| IndexFile {
            name: name.clone(),
            bytes: bytes.len() as u64,
        })
        .collect();

    // The files (each handed over, not copied: the index may be most of the function's
    // memory), then the manifest that names them, then (if this run is the latest) the
    // crawl's pointer: a search never sees a manifest whose files are not all there.
    stream::iter(files)
        .map(|(name, bytes)| {
            let key = search::file_key(&run, &name);
            async move {
                s3::put_object(&deps.s3, bucket, &key, bytes, "application/octet-stream").await
            }
        })
        .buffer_unordered(READS_AT_ONCE)
        .try_collect::<Vec<()>>()
        .await?;
    let manifest = Manifest {
        name: run.name.clone(),
        run_id: run.run_id.clone(),
        finished_at: summary.finished_at,
        built_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        pages: count + reused.len() as u64,
        extracted: count,
        reused: reused.len() as u64,
        html_bytes,
        index_bytes: index_files.iter().map(|f| f.bytes).sum(),
        files: index_files,
    };
    let body = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::Internal(format!("the manifest cannot be serialised: {e}")))?;
    s3::put_object(
        &deps.s3,
        bucket,
        &search::manifest_key(&run),
        body.clone(),
        "application/json",
    )
    .await?;
    let is_latest = latest
        .as_ref()
        .is_none_or(|l| l.run_id == run.run_id || l.finished_at <= manifest.finished_at);
    if is_latest {
        s3::put_object(
            &deps.s3,
            bucket,
            &search::latest_key(&run.name),
            body,
            "application/json",
        )
        .await?;
    }
    tracing::info!(
        pages = manifest.pages,
        extracted = count,
        reused = manifest.reused,
        documents_bytes,
        index_bytes = manifest.index_bytes,
        latest = is_latest,
        "indexed"
    );
    Ok(Indexed {
        name: run.name.clone(),
        run_id: run.run_id.clone(),
        pages: manifest.pages,
        extracted: count,
        reused: manifest.reused,
        html_bytes,
        index_bytes: manifest.index_bytes,
        index: format!("s3://{bucket}/{}", search::manifest_key(&run)),
        latest: is_latest,
        kendra_sync: deps.config.kendra,
    })
}

/// The crawl's latest indexed run, if any.
async fn latest(deps: &Deps, name: &str) -> Result<Option<Manifest>> {
    match s3::get_object(&deps.s3, &deps.config.bucket, &search::latest_key(name)).await {
        Ok(body) => Ok(Some(json::<Manifest>(&body, "search.json")?.check()?)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// An earlier run's documents. A run indexed before documents were kept has none to give.
async fn previous_documents(deps: &Deps, run: &Run) -> Result<Vec<Document>> {
    let body =
        match s3::get_object(&deps.s3, &deps.config.bucket, &search::documents_key(run)).await {
            Ok(body) => body,
            Err(Error::NotFound(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
    body.split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| json(line, "documents.jsonl"))
        .collect()
}

/// The records of the run's stored pages, by page, read from its records' JSON Lines.
async fn stored_pages(deps: &Deps, prefix: &str) -> Result<HashMap<String, Record>> {
    let bucket = &deps.config.bucket;
    let files = s3::list_objects(&deps.s3, bucket, &format!("{prefix}records/")).await?;
    let mut bodies = stream::iter(files)
        .map(|o| async move { s3::get_object(&deps.s3, bucket, &o.key).await })
        .buffered(READS_AT_ONCE);
    let mut pages = HashMap::new();
    while let Some(body) = bodies.try_next().await? {
        for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let record: Record = json(line, "a record")?;
            if let Some(page) = record.page.clone() {
                pages.insert(page, record);
            }
        }
    }
    Ok(pages)
}

/// Reads a page's HTML and extracts its text; answers the document and the HTML's size.
async fn read_page(
    deps: &Deps,
    page: &str,
    listed: &Listed,
    record: &Record,
) -> Result<(Document, u64)> {
    let html = s3::get_object(&deps.s3, &deps.config.bucket, &listed.key).await?;
    let text = text::extract(&html);
    Ok((
        Document {
            page: page.to_owned(),
            etag: listed.e_tag.clone(),
            url: record.url.clone(),
            fetched_at: record.fetched_at.clone(),
            title: text.title,
            headings: text.headings,
            body: text.body,
        },
        html.len() as u64,
    ))
}

/// Kendra's S3 connector reads `<document>.metadata.json` beside each document: its title, its
/// address (so results link to the page, not the bucket) and when it was crawled.
async fn put_kendra_metadata(deps: &Deps, run: &Run, document: &Document) -> Result<()> {
    let metadata = serde_json::json!({
        "DocumentId": document.url,
        "Title": document.title,
        "ContentType": "HTML",
        "Attributes": {
            "_source_uri": document.url,
            "_created_at": document.fetched_at,
        },
    });
    s3::put_object(
        &deps.s3,
        &deps.config.bucket,
        &format!(
            "{}pages/{}.html.metadata.json",
            run.output_prefix(),
            document.page
        ),
        metadata.to_string().into_bytes(),
        "application/json",
    )
    .await
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::InvalidInput(format!("{what} is not what the crawler writes: {e}")))
}
