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
    Crawl {
        crawl: Crawl,
        pages: Vec<String>,
        /// When the crawl last sent its host a request (Unix milliseconds): the worker's first
        /// request waits one interval from then.
        #[serde(default)]
        not_before_ms: u64,
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
    /// When the crawl last sent its host a request (Unix milliseconds; workers' later requests
    /// are in `results`).
    #[serde(default)]
    pub last_request_ms: u64,
    /// The last batch's worker results (empty before the first batch).
    #[serde(default)]
    pub results: Vec<WorkerResult>,
}

/// One item of the Map state's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WorkerResult {
    /// The worker failed after its retries (the state machine's Catch): its pages are retried
    /// in a later batch, up to `max_attempts`.
    Failed {
        failed_pages: Vec<String>,
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
    /// When the crawl last sent its host a request (Unix milliseconds).
    pub last_request_ms: u64,
    /// Queue keys, one list per worker: one worker per host, so that a host never has two
    /// requests of the crawl in flight.
    pub groups: Vec<Vec<String>>,
    pub done: bool,
    pub limit_reached: bool,
    pub continue_as_new: bool,
    /// The next execution's input and name, when `continue_as_new`.
    pub continuation: Option<State>,
    pub continuation_name: Option<String>,
}

/// One worker's answer, which becomes an item of the Map state's output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Crawled {
    pub counts: Counts,
    /// When the worker sent its last request (Unix milliseconds; its `not_before_ms` if none).
    #[serde(default)]
    pub last_request_ms: u64,
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
    pub base_url: Url,
    pub finished_at: String,
    pub limit_reached: bool,
    pub pages: String,
    #[serde(flatten)]
    pub totals: Counts,
}
