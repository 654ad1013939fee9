//! The web crawler's steps, one Lambda function with four actions that
//! `statemachines/web-crawler.asl.json` calls in a loop:
//!
//! - `start`: checks the crawl, reads robots.txt once, queues the start pages;
//! - `next`: adds the last batch's counts to the totals and hands out the next batch, or says
//!   the crawl is done, or that this execution should hand over to a new one;
//! - `crawl`: one worker of the batch: fetches its pages one after the other at the crawl's
//!   pace, stores them and queues the new links;
//! - `finish`: writes the summary.

pub mod address;
pub mod counts;
pub mod crawl;
pub mod fetch;
pub mod frontier;
pub mod html;
pub mod normalize;
pub mod page;
pub mod robots;
mod scope;
mod steps;

pub use steps::{
    Config, Crawled, Deps, Finished, Next, Request, Response, State, StepError, Summary,
    WorkerResult, handle,
};
