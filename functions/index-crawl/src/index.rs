//! The tantivy index, built in memory from the pages' documents and handed over as the files
//! that make it: one merged segment, so that a search opens one set of files.

use crate::documents::Document;
use shared::search::{self, Fields};
use shared::{Error, Result};
use std::path::PathBuf;
use tantivy::directory::Directory;
use tantivy::{Index, IndexWriter, TantivyDocument};

/// What the indexing thread may hold before it writes a segment.
const WRITER_HEAP_BYTES: usize = 50_000_000;

pub struct Builder {
    index: Index,
    writer: IndexWriter,
    fields: Fields,
}

impl Builder {
    pub fn new() -> Result<Self> {
        let (schema, fields) = search::schema();
        let index = Index::create_in_ram(schema);
        // One indexing thread: a Lambda at the indexer's memory has about one vCPU.
        let writer = index
            .writer_with_num_threads(1, WRITER_HEAP_BYTES)
            .map_err(internal)?;
        Ok(Self {
            index,
            writer,
            fields,
        })
    }

    pub fn add(&self, document: &Document) -> Result<()> {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.url, &document.url);
        doc.add_text(f.url_words, url_words(&document.url));
        doc.add_text(f.title, &document.title);
        doc.add_text(f.headings, &document.headings);
        doc.add_text(f.body, &document.body);
        doc.add_text(f.fetched_at, &document.fetched_at);
        self.writer.add_document(doc).map_err(internal)?;
        Ok(())
    }

    /// Commits, merges every segment into one, and answers the index's files by name.
    pub fn finish(mut self) -> Result<Vec<(String, Vec<u8>)>> {
        self.writer.commit().map_err(internal)?;
        let segments = self.index.searchable_segment_ids().map_err(internal)?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait().map_err(internal)?;
        }
        self.writer.wait_merging_threads().map_err(internal)?;
        let directory = self.index.directory();
        // The segments' files, then the two files that say which segments there are.
        let mut paths: Vec<PathBuf> = directory.list_managed_files().into_iter().collect();
        for meta in ["meta.json", ".managed.json"] {
            let path = PathBuf::from(meta);
            if !paths.contains(&path) && directory.exists(&path).map_err(internal)? {
                paths.push(path);
            }
        }
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let bytes = directory.atomic_read(&path).map_err(internal)?;
                let name = path
                    .to_str()
                    .ok_or_else(|| Error::Internal(format!("index file {path:?} is not UTF-8")))?
                    .to_owned();
                Ok((name, bytes))
            })
            .collect()
    }
}

/// The URL's host and path as words: "docs.python.org/3/library/asyncio-task.html".
fn url_words(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("building the search index: {e}"))
}
