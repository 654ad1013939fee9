//! One run's index in memory, and a query answered from it.

use crate::query::{Answer, Hit, Query};
use shared::search::{Fields, Manifest};
use shared::{Error, Result};
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::{Directory, RamDirectory};
use tantivy::query::QueryParser;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, TantivyError};

/// A snippet's length, in characters.
const SNIPPET_CHARS: usize = 200;
/// How much more a word in the title, or in a heading, counts than one in the body.
const TITLE_BOOST: f32 = 3.0;
const HEADINGS_BOOST: f32 = 1.5;

pub struct Loaded {
    pub manifest: Manifest,
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl Loaded {
    /// Opens the index made of `files` (name and bytes, as the manifest lists them).
    pub fn open(manifest: Manifest, files: Vec<(String, Vec<u8>)>) -> Result<Self> {
        let directory = RamDirectory::create();
        for (name, bytes) in files {
            directory
                .atomic_write(Path::new(&name), &bytes)
                .map_err(|e| broken(&manifest, e))?;
        }
        let index = Index::open(directory).map_err(|e| broken(&manifest, e))?;
        let fields = Fields::of(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| broken(&manifest, e))?;
        Ok(Self {
            manifest,
            index,
            reader,
            fields,
        })
    }

    pub fn search(&self, query: &Query) -> Result<Answer> {
        let f = &self.fields;
        let mut parser =
            QueryParser::for_index(&self.index, vec![f.title, f.headings, f.body, f.url_words]);
        parser.set_field_boost(f.title, TITLE_BOOST);
        parser.set_field_boost(f.headings, HEADINGS_BOOST);
        // An apostrophe is a word's ("what's new"), not the start of a quoted phrase, which
        // tantivy would read it as; the tokenizer splits words there anyway.
        let parsed = parser.parse_query(&query.q.replace('\'', " ")).map_err(|e| {
            Error::InvalidInput(format!(
                "q cannot be read as a query ({e}); put words that use + - : ( ) [ ] {{ }} ^ ~ * in double quotes"
            ))
        })?;
        let searcher = self.reader.searcher();
        let (top, matches) = searcher
            .search(
                &parsed,
                &(TopDocs::with_limit(query.limit()).order_by_score(), Count),
            )
            .map_err(|e| match e {
                // The parser takes `field:*` for any name; only the search finds it unknown.
                TantivyError::FieldNotFound(_)
                | TantivyError::InvalidArgument(_)
                | TantivyError::SchemaError(_) => Error::InvalidInput(format!(
                    "q cannot be run as a query ({e}); the fields are title, headings, body and url_words"
                )),
                e => Error::Internal(format!("searching: {e}")),
            })?;
        let mut snippets = SnippetGenerator::create(&searcher, &*parsed, f.body)
            .map_err(|e| Error::Internal(format!("snippets: {e}")))?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let results = top
            .into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher
                    .doc(address)
                    .map_err(|e| Error::Internal(format!("reading a result: {e}")))?;
                let text = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                let snippet = snippets.snippet_from_doc(&doc);
                let snippet = if snippet.is_empty() {
                    // The words matched the title or address only: the page's opening instead.
                    let body = text(f.body);
                    escape(&body.chars().take(SNIPPET_CHARS).collect::<String>())
                } else {
                    snippet.to_html()
                };
                Ok(Hit {
                    url: text(f.url),
                    title: text(f.title),
                    score,
                    snippet,
                    run_id: self.manifest.run_id.clone(),
                    fetched_at: text(f.fetched_at),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Answer {
            crawl: self.manifest.name.clone(),
            run_id: self.manifest.run_id.clone(),
            matches,
            results,
        })
    }
}

fn broken(manifest: &Manifest, e: impl std::fmt::Display) -> Error {
    Error::Configuration(format!(
        "the index of crawl '{}' run '{}' cannot be opened ({e}); index the run again",
        manifest.name, manifest.run_id
    ))
}

/// As `Snippet::to_html` escapes its text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}
