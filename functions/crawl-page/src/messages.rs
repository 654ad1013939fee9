//! What the steps read and answer, as the state machine passes them: one type per message, so
//! `statemachines/web-crawler.asl.json`'s paths are checked against their samples
//! (`events/outputs/crawl-page/`).

use crate::crawl::{CrawlRequest, Run};
use crate::state::counts::Counts;
use serde::{Deserialize, Serialize};
use url::Url;

/// The event: `{"action": "start" | "next" | "work" | "finish", ...}`. After `start`, each
/// carries only the run (its name and id), the batch and what the state machine's Choice
/// reads: the crawl's definition, its totals and its counters are in S3, where each step reads
/// them, so nothing in an execution's state grows with the crawl.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Request {
    /// A new crawl; the execution's name is its run id.
    Start { run_id: String, crawl: CrawlRequest },
    /// Adds up `batch` (the one this execution just ran, if any) and hands out the next.
    Next {
        #[serde(flatten)]
        run: Run,
        /// The execution asking: the counters for continuing in a new execution are kept per
        /// execution.
        execution: String,
        #[serde(default)]
        batch: Option<String>,
        /// An inline Map's output: its failed workers' errors (the others' results are in S3).
        #[serde(default)]
        results: Vec<WorkerResult>,
    },
    /// One worker: the turns in a batch of the hosts it paces, as `next` stored them.
    Work {
        #[serde(flatten)]
        run: Run,
        batch: String,
        sites: Vec<usize>,
        /// When the Express child running this worker started (`$$.Execution.StartTime`, in a
        /// distributed Map): the child ends 5 minutes later, retries included.
        #[serde(default)]
        child_started: Option<String>,
    },
    Finish {
        #[serde(flatten)]
        run: Run,
    },
}

/// One host's turn in a batch (`batches/<batch>/<site>.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub site: usize,
    /// How many of its queued pages the worker takes, shallowest first: what is left of the
    /// crawl's `max_pages` decides it, so it is read here, never from the worker's input.
    pub take: u32,
}

/// One worker of a batch: the hosts it paces. An item of the inline Map (`Next::workers`) or of
/// a distributed Map's `ItemReader` (`batches/<batch>.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub sites: Vec<usize>,
}

/// One item of the inline Map state's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WorkerResult {
    /// The worker failed after its retries (the state machine's Catch): its pages are retried
    /// in a later batch, up to `max_attempts`.
    Failed {
        sites: Vec<usize>,
        error: StepError,
    },
    Done(Worked),
}

/// What each action answers: `start` the run, `next` a `Next`, `work` a worker's `Worked`,
/// `finish` a `Finished`. The state machine reads them as they serialise, untagged.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Response {
    Started(Run),
    Next(Box<Next>),
    Worked(Worked),
    Finished(Finished),
}

/// The error a Catch puts in the state: `{"Error": ..., "Cause": ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepError {
    pub error: String,
    #[serde(default)]
    pub cause: String,
}

/// The `next` step's answer, which the state machine's Choice and Map states read: its size
/// does not depend on the crawl's (a batch of up to [`INLINE_HOSTS`](crate::steps::next::INLINE_HOSTS)
/// hosts at most).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Next {
    #[serde(flatten)]
    pub run: Run,
    /// The batch handed out (`None` when done or handing over).
    pub batch: Option<String>,
    /// The batch's workers for the inline Map; empty when `distributed`.
    pub workers: Vec<Item>,
    /// Always empty: the inline Map replaces it with its output, the distributed Map leaves it.
    pub results: Vec<WorkerResult>,
    /// More hosts than the inline Map runs: the distributed Map reads its workers from `items`.
    pub distributed: bool,
    pub items: Option<Items>,
    pub map: MapSettings,
    pub done: bool,
    pub continue_as_new: bool,
    /// The next execution's name, when `continue_as_new`; its input is the run.
    pub continuation_name: Option<String>,
}

/// Where a batch's items are stored: the distributed Map's `ItemReader` reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Items {
    pub bucket: String,
    pub key: String,
}

/// The distributed Map's settings, from the deployment (`MaxConcurrencyPath`,
/// `ToleratedFailurePercentagePath`), and where its `ResultWriter` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapSettings {
    pub max_concurrency: u32,
    pub tolerated_failure_percentage: f64,
    pub results_prefix: String,
}

/// One worker's answer, which becomes an item of the Map state's output: its hosts' counts,
/// added up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Worked {
    pub sites: Vec<usize>,
    pub counts: Counts,
}

/// The `finish` step's answer: the summary, and the notification the state machine publishes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finished {
    pub summary: Summary,
    pub summary_uri: String,
    pub subject: String,
    pub message: String,
}

/// `summary.json`, written next to the pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub name: String,
    pub run_id: String,
    pub sites: Vec<Url>,
    pub finished_at: String,
    pub limit_reached: bool,
    pub pages: String,
    #[serde(flatten)]
    pub totals: Counts,
}
