//! A crawl run, as the crawler's steps after `start`, the search indexer and the search function
//! name it, and where in the crawl bucket its outputs live.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A crawl run, as every step after `start` names it: with it, a step reads the crawl's checked
/// definition and its progress from S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub name: String,
    pub run_id: String,
}

impl Run {
    /// Refuses names that could not have been started, before they go into an S3 key.
    pub fn check(&self) -> Result<&Self> {
        if is_name(&self.name) && is_execution_name(&self.run_id) {
            Ok(self)
        } else {
            Err(Error::InvalidInput(format!(
                "name '{}' and run_id '{}' do not name a crawl run",
                self.name, self.run_id
            )))
        }
    }

    /// Where the crawl's pages and summary go: `crawls/<name>/<run_id>/`.
    pub fn output_prefix(&self) -> String {
        format!("crawls/{}/{}/", self.name, self.run_id)
    }

    /// Where its queue and progress go: `frontier/<name>/<run_id>/` (expired by a lifecycle
    /// rule, as nothing needs them after the crawl).
    pub fn frontier_prefix(&self) -> String {
        format!("frontier/{}/{}/", self.name, self.run_id)
    }
}

/// A Step Functions execution name, which a run id is.
pub fn is_execution_name(text: &str) -> bool {
    (1..=80).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

/// A crawl's name: letters, digits, `-`, `_` and `.`, not first.
pub fn is_name(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && !text.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_not_be_started_are_refused_before_they_reach_a_key() {
        let run = |name: &str, run_id: &str| Run {
            name: name.into(),
            run_id: run_id.into(),
        };
        assert!(run("docs", "run-1").check().is_ok());
        assert_eq!(run("docs", "run-1").output_prefix(), "crawls/docs/run-1/");
        for (name, run_id) in [
            ("../docs", "run-1"),
            ("docs/x", "run-1"),
            (".hidden", "run-1"),
            ("", "run-1"),
            ("docs", "run/1"),
            ("docs", ""),
            ("docs", "run.1"),
        ] {
            assert!(
                matches!(run(name, run_id).check(), Err(Error::InvalidInput(_))),
                "{name} {run_id}"
            );
        }
    }
}
