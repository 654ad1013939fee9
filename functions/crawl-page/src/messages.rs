//! What the steps read and answer, as the state machine passes them: one type per message, so
//! `statemachines/web-crawler.asl.json`'s paths are checked against their samples
//! (`events/outputs/crawl-page/`).

use crate::counts::Counts;
use crate::crawl::{Crawl, CrawlRequest};
use serde::{Deserialize, Serialize};
use url::Url;

/// The event: `{"action": "start" | "next" | "crawl" | "finish", ...}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Request {
    /// A new crawl; the execution's name is its run id.
    Start {
        run_id: String,
        crawl: CrawlRequest,
    },
    Next(State),
    /// One worker: one host's pages of a batch.
    Crawl {
        crawl: Crawl,
        batch: String,
        site: usize,
        pages: Vec<String>,
        /// Run by a distributed Map, as an Express workflow: 5 minutes at most.
        #[serde(default)]
        express: bool,
    },
    Finish {
        crawl: Crawl,
        totals: Counts,
        #[serde(default)]
        limit_reached: bool,
    },
}

/// What one execution carries from step to step, and hands to the next execution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub crawl: Crawl,
    pub totals: Counts,
    pub generation: u32,
    pub execution_pages: u32,
    /// Batches handed out so far, in all executions: names the next one.
    #[serde(default)]
    pub batches: u32,
    /// The batch just crawled, whose workers' results the next step adds up.
    #[serde(default)]
    pub batch: Option<String>,
    /// The site the next batch starts from, so that every host gets its turn when there are
    /// more than a batch holds.
    #[serde(default)]
    pub cursor: usize,
    /// An inline Map's output: its failed workers' errors (the others' results are in S3).
    #[serde(default)]
    pub results: Vec<WorkerResult>,
}

/// One item of a batch: one host's pages, for one worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub site: usize,
    /// Queue keys.
    pub pages: Vec<String>,
}

/// One item of the inline Map state's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WorkerResult {
    /// The worker failed after its retries (the state machine's Catch): its pages are retried
    /// in a later batch, up to `max_attempts`.
    Failed {
        site: usize,
        error: StepError,
    },
    Done(Crawled),
}

/// What each action answers: `start` the first `State`, `next` a `Next`, `crawl` a worker's
/// `Crawled`, `finish` a `Finished`. The state machine reads them as they serialise, untagged.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Response {
    Started(State),
    Next(Box<Next>),
    Crawled(Crawled),
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

/// The `next` step's answer, which the state machine's Choice reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Next {
    pub crawl: Crawl,
    pub totals: Counts,
    pub generation: u32,
    pub execution_pages: u32,
    pub batches: u32,
    /// The batch handed out (`None` when done or handing over).
    pub batch: Option<String>,
    pub cursor: usize,
    /// Always empty: the inline Map replaces it with its output, the distributed Map leaves it.
    pub results: Vec<WorkerResult>,
    /// The batch, one worker per host, for the inline Map; empty when `distributed`.
    pub groups: Vec<Group>,
    /// More hosts than the inline Map runs: the distributed Map reads the batch from `items`.
    pub distributed: bool,
    pub items: Option<Items>,
    pub map: MapSettings,
    pub done: bool,
    pub limit_reached: bool,
    pub continue_as_new: bool,
    /// The next execution's input and name, when `continue_as_new`.
    pub continuation: Option<State>,
    pub continuation_name: Option<String>,
}

/// Where a batch's groups are stored: the distributed Map's `ItemReader` reads them.
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

/// One worker's answer, which becomes an item of the Map state's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Crawled {
    pub site: usize,
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
