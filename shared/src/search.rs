//! The search index of a crawl run: its fields, where it lives in the crawl bucket, and the
//! manifest naming the files that make it. `index-crawl` writes it; `search-crawl` reads it.
//!
//! ```text
//! crawls/<name>/<run>/search/documents.jsonl   each page's extracted text (reused by the next run)
//! crawls/<name>/<run>/search/index/<file>      the tantivy index, one merged segment
//! crawls/<name>/<run>/search/index.json        its manifest, written after its files
//! crawls/<name>/search.json                    the manifest of the crawl's latest indexed run
//! ```

use crate::crawl_run::Run;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// English stemming over tantivy's default tokenizer (lower-cased words, long tokens dropped):
/// a query for "stopped" finds "stop".
pub const TOKENIZER: &str = "en_stem";

/// The index's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The page's URL as fetched: stored, and indexed whole.
    pub url: Field,
    /// The URL's words (host and path), for queries that name a page by its address.
    pub url_words: Field,
    pub title: Field,
    pub headings: Field,
    /// The text a reader sees: no script, style, comment or `<head>` content.
    pub body: Field,
    /// When the crawl fetched the page, stored only.
    pub fetched_at: Field,
}

const URL: &str = "url";
const URL_WORDS: &str = "url_words";
const TITLE: &str = "title";
const HEADINGS: &str = "headings";
const BODY: &str = "body";
const FETCHED_AT: &str = "fetched_at";

/// The schema an index is built with.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        url: builder.add_text_field(URL, STRING | STORED),
        url_words: builder.add_text_field(URL_WORDS, text(false)),
        title: builder.add_text_field(TITLE, text(true)),
        headings: builder.add_text_field(HEADINGS, text(false)),
        body: builder.add_text_field(BODY, text(true)),
        fetched_at: builder.add_text_field(FETCHED_AT, STORED),
    };
    (builder.build(), fields)
}

impl Fields {
    /// The fields of an index read back, which must be the ones [`schema`] makes.
    pub fn of(schema: &Schema) -> Result<Fields> {
        let field = |name: &str| {
            schema.get_field(name).map_err(|_| {
                Error::Configuration(format!(
                    "the index has no '{name}' field: it was built by another version of \
                     index-crawl; index the run again"
                ))
            })
        };
        Ok(Fields {
            url: field(URL)?,
            url_words: field(URL_WORDS)?,
            title: field(TITLE)?,
            headings: field(HEADINGS)?,
            body: field(BODY)?,
            fetched_at: field(FETCHED_AT)?,
        })
    }
}

/// What an index is made of, and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub run_id: String,
    /// When the crawl finished (its summary's `finished_at`): a later index of an earlier run
    /// does not become the crawl's latest.
    pub finished_at: String,
    pub built_at: String,
    /// Pages in the index.
    pub pages: u64,
    /// Pages read and extracted by this build.
    pub extracted: u64,
    /// Pages whose text came from the previous index, unchanged (same URL, same stored bytes).
    pub reused: u64,
    /// The stored HTML the pages came from.
    pub html_bytes: u64,
    /// The sum of `files`' sizes.
    pub index_bytes: u64,
    pub files: Vec<IndexFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFile {
    pub name: String,
    pub bytes: u64,
}

impl Manifest {
    pub fn run(&self) -> Run {
        Run {
            name: self.name.clone(),
            run_id: self.run_id.clone(),
        }
    }

    /// The manifest's own figures agree, and its file names are plain names: a manifest is read
    /// before anything it names is fetched.
    pub fn check(self) -> Result<Self> {
        self.run().check()?;
        let sum = self
            .files
            .iter()
            .try_fold(0u64, |sum, f| sum.checked_add(f.bytes));
        let plain = |name: &str| {
            !name.is_empty()
                && name.len() <= 128
                && name != ".."
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        if sum != Some(self.index_bytes) || !self.files.iter().all(|f| plain(&f.name)) {
            return Err(Error::Configuration(format!(
                "the index manifest of crawl '{}' run '{}' is not one index-crawl wrote",
                self.name, self.run_id
            )));
        }
        Ok(self)
    }
}

fn prefix(run: &Run) -> String {
    format!("{}search/", run.output_prefix())
}

pub fn documents_key(run: &Run) -> String {
    format!("{}documents.jsonl", prefix(run))
}

pub fn manifest_key(run: &Run) -> String {
    format!("{}index.json", prefix(run))
}

pub fn file_key(run: &Run, file: &str) -> String {
    format!("{}index/{file}", prefix(run))
}

/// The manifest of the crawl's latest indexed run (by the crawl's finish time).
pub fn latest_key(name: &str) -> String {
    format!("crawls/{name}/search.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            name: "docs".into(),
            run_id: "run-1".into(),
            finished_at: "2026-12-07T00:00:00Z".into(),
            built_at: "2026-12-07T00:01:00Z".into(),
            pages: 2,
            extracted: 2,
            reused: 0,
            html_bytes: 100,
            index_bytes: 30,
            files: vec![
                IndexFile {
                    name: "meta.json".into(),
                    bytes: 10,
                },
                IndexFile {
                    name: "0a1b.idx".into(),
                    bytes: 20,
                },
            ],
        }
    }

    #[test]
    fn keys_live_under_the_runs_prefix() {
        let run = manifest().run();
        assert_eq!(manifest_key(&run), "crawls/docs/run-1/search/index.json");
        assert_eq!(
            file_key(&run, "meta.json"),
            "crawls/docs/run-1/search/index/meta.json"
        );
        assert_eq!(latest_key("docs"), "crawls/docs/search.json");
    }

    #[test]
    fn a_manifest_whose_sizes_or_names_are_wrong_is_refused() {
        assert!(manifest().check().is_ok());
        let mut wrong_sum = manifest();
        wrong_sum.index_bytes = 31;
        assert!(wrong_sum.check().is_err());
        let mut path = manifest();
        path.files[1].name = "../../x".into();
        assert!(path.check().is_err());
        let mut run = manifest();
        run.run_id = "../x".into();
        assert!(run.check().is_err());
    }

    #[test]
    fn the_fields_read_back_are_the_ones_built() {
        let (schema, fields) = schema();
        let read = Fields::of(&schema).unwrap();
        assert_eq!(read.body, fields.body);
        assert_eq!(read.url, fields.url);
        assert!(Fields::of(&Schema::builder().build()).is_err());
    }
}
