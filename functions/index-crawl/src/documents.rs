//! A page's document: what the index holds of it, and one line of the run's
//! `search/documents.jsonl`, from which the next run's index takes the pages that did not change.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The page's hash: its HTML is `pages/<page>.html`, and its record names it.
    pub page: String,
    /// The stored HTML's ETag: the same URL with the same ETag is the same text.
    pub etag: String,
    pub url: String,
    pub fetched_at: String,
    pub title: String,
    pub headings: String,
    pub body: String,
}
