//! A crawl's progress, in S3 beside its queue: the totals, the batches handed out, and what
//! decides when an execution hands over to a new one. Only the `next` step writes it, one step
//! at a time, and no step takes any of it from its input, so a hand-made input cannot reset the
//! crawl's budget or its counters.

use crate::state::counts::Counts;
use serde::{Deserialize, Serialize};
use shared::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};

/// Batches in a row in which no worker got anything done, after which the crawl fails instead
/// of handing out the same pages for ever (every worker failing before it took its pages).
pub const MAX_STALLED_BATCHES: u32 = 5;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    pub totals: Counts,
    /// Batches handed out so far, in all executions: names the next one.
    pub batches: u32,
    /// The batch handed out and not added up yet.
    pub current: Option<String>,
    /// The site the next batch starts from, so that every host gets its turn when there are
    /// more than a batch holds.
    pub cursor: usize,
    /// The execution driving the crawl now, how many executions drove it before (names the
    /// next one), and the pages it has handed out (the history limit).
    pub execution: String,
    pub generation: u32,
    pub execution_pages: u32,
    /// Batches in a row that got nothing done.
    pub stalled: u32,
    /// The crawl stopped at `max_pages` with pages still queued.
    pub limit_reached: bool,
    /// The hosts with pages queued, as their last turn left them (hosts with links in their
    /// inbox are found by listing it).
    pub pending: BTreeSet<usize>,
}

impl Progress {
    /// A new crawl's, driven by its first execution (named by the run id), with each host's
    /// start pages queued (how many, by host).
    pub fn new(run_id: &str, queued: BTreeMap<usize, u64>) -> Self {
        Progress {
            totals: Counts {
                queued: queued.values().sum(),
                ..Counts::default()
            },
            execution: run_id.to_owned(),
            pending: queued.into_keys().collect(),
            ..Progress::default()
        }
    }

    /// A host's turn ended with `queued` pages left.
    pub fn left(&mut self, site: usize, queued: u64) {
        if queued == 0 {
            self.pending.remove(&site);
        } else {
            self.pending.insert(site);
        }
    }

    /// `execution` drives the crawl from now on: a continuation, or a resumed crawl. Its pages
    /// are counted from zero.
    pub fn driven_by(&mut self, execution: &str) -> Result<()> {
        if self.execution != execution {
            self.execution = execution.to_owned();
            self.generation = checked(self.generation.checked_add(1))?;
            self.execution_pages = 0;
        }
        Ok(())
    }

    /// A batch of `pages` pages handed out: its name.
    pub fn hand_out(&mut self, pages: usize) -> Result<String> {
        let batch = format!("{:07}", self.batches);
        self.batches = checked(self.batches.checked_add(1))?;
        let pages = checked(u32::try_from(pages).ok())?;
        self.execution_pages = checked(self.execution_pages.checked_add(pages))?;
        self.current = Some(batch.clone());
        Ok(batch)
    }

    /// The current batch added up: `did` says whether any of its workers got anything done.
    pub fn added_up(&mut self, did: bool) -> Result<()> {
        self.current = None;
        self.stalled = if did {
            0
        } else {
            checked(self.stalled.checked_add(1))?
        };
        if self.stalled >= MAX_STALLED_BATCHES {
            return Err(Error::Internal(format!(
                "the crawl made no progress in {MAX_STALLED_BATCHES} batches in a row: every \
                 worker failed before taking its pages (see the Map runs' results); its queue \
                 is kept, and the crawl resumes when started again with its run"
            )));
        }
        Ok(())
    }
}

fn checked<T>(value: Option<T>) -> Result<T> {
    value.ok_or_else(|| Error::Internal("a crawl counter overflowed".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_execution_counts_its_pages_from_zero_and_names_the_next_generation() {
        let mut progress = Progress::new("run-1", BTreeMap::from([(0, 3)]));
        assert_eq!(progress.totals.queued, 3);
        progress.hand_out(4).unwrap();
        progress.driven_by("run-1").unwrap();
        assert_eq!((progress.generation, progress.execution_pages), (0, 4));
        progress.driven_by("run-1-1").unwrap();
        assert_eq!((progress.generation, progress.execution_pages), (1, 0));
        assert_eq!(progress.hand_out(2).unwrap(), "0000001");
        assert_eq!(progress.current.as_deref(), Some("0000001"));
    }

    #[test]
    fn counters_never_wrap() {
        let mut progress = Progress {
            batches: u32::MAX,
            ..Progress::default()
        };
        assert!(progress.hand_out(1).is_err());
        let mut progress = Progress {
            execution_pages: u32::MAX,
            ..Progress::default()
        };
        assert!(progress.hand_out(1).is_err());
    }

    #[test]
    fn batches_that_get_nothing_done_fail_the_crawl_in_the_end() {
        let mut progress = Progress::default();
        for _ in 1..MAX_STALLED_BATCHES {
            progress.added_up(false).unwrap();
        }
        progress.added_up(true).unwrap();
        assert_eq!(progress.stalled, 0, "progress resets the count");
        for _ in 1..MAX_STALLED_BATCHES {
            progress.added_up(false).unwrap();
        }
        let err = progress.added_up(false).unwrap_err();
        assert!(err.to_string().contains("no progress"), "{err}");
    }
}
