//! A search request, checked where it enters, and its answer.

use serde::{Deserialize, Serialize};
use shared::crawl_run::{is_execution_name, is_name};
use shared::{Error, Result};

/// The longest query read: a person's query is a few words, and every term costs a lookup.
pub const MAX_QUERY_CHARS: usize = 500;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;

/// `{"q": "...", "crawl": "<name>", "limit": 10}`, and optionally the `run_id` to search
/// (by default the crawl's latest indexed run).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    pub q: String,
    pub crawl: String,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub run_id: Option<String>,
}

impl Query {
    /// Refuses what could not be a search before anything is read: an empty or overlong query, a
    /// limit out of range, a crawl or run that could not have been started.
    pub fn check(self) -> Result<Self> {
        let chars = self.q.chars().count();
        if self.q.trim().is_empty() {
            return Err(Error::InvalidInput(
                "q is empty: give the words to search for".into(),
            ));
        }
        if chars > MAX_QUERY_CHARS {
            return Err(Error::InvalidInput(format!(
                "q is {chars} characters long; at most {MAX_QUERY_CHARS} are read"
            )));
        }
        if !is_name(&self.crawl) {
            return Err(Error::InvalidInput(format!(
                "crawl '{}' is not a crawl name (letters, digits, '-', '_' and '.', 1 to 64)",
                shared::input::shorten(&self.crawl)
            )));
        }
        if let Some(run_id) = &self.run_id
            && !is_execution_name(run_id)
        {
            return Err(Error::InvalidInput(format!(
                "run_id '{}' is not a crawl run id",
                shared::input::shorten(run_id)
            )));
        }
        if self.limit.is_some_and(|l| !(1..=MAX_LIMIT).contains(&l)) {
            return Err(Error::InvalidInput(format!(
                "limit must be 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"
            )));
        }
        Ok(self)
    }

    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }
}

/// The best pages, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub crawl: String,
    /// The run whose index answered.
    pub run_id: String,
    /// Pages that match at all.
    pub matches: usize,
    pub results: Vec<Hit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub url: String,
    pub title: String,
    /// BM25, with the title and headings weighted above the body.
    pub score: f32,
    /// A passage of the page with the query's words in `<b>`, HTML-escaped otherwise.
    pub snippet: String,
    pub run_id: String,
    pub fetched_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str) -> Query {
        Query {
            q: q.into(),
            crawl: "docs".into(),
            limit: None,
            run_id: None,
        }
    }

    #[test]
    fn bad_queries_are_refused_with_what_is_wrong() {
        let refused = |q: Query, says: &str| match q.check() {
            Err(Error::InvalidInput(message)) => assert!(message.contains(says), "{message}"),
            other => panic!("{other:?}"),
        };
        refused(query("   "), "empty");
        refused(query(&"x".repeat(10_000)), "10000 characters");
        refused(
            Query {
                crawl: "../x".into(),
                ..query("a")
            },
            "not a crawl name",
        );
        refused(
            Query {
                run_id: Some("a/b".into()),
                ..query("a")
            },
            "not a crawl run id",
        );
        refused(
            Query {
                limit: Some(0),
                ..query("a")
            },
            "limit",
        );
        refused(
            Query {
                limit: Some(51),
                ..query("a")
            },
            "limit",
        );
        assert_eq!(query("asyncio").check().unwrap().limit(), DEFAULT_LIMIT);
    }
}
