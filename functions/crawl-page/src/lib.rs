//! The web crawler's steps, one Lambda function with four actions that
//! `statemachines/web-crawler.asl.json` calls in a loop:
//!
//! - `start`: checks the crawl (one site or many, one host each), queues the start pages;
//! - `next`: adds the last batch's counts to the totals and hands out the next batch, one
//!   worker per host with pages queued, or says the crawl is done, or that this execution
//!   should hand over to a new one;
//! - `crawl`: one worker of the batch: on its host's first turn reads robots.txt and the
//!   sitemaps (`discover`), then fetches its pages one after the other at the host's pace,
//!   stores them and queues the new links;
//! - `finish`: writes the summary.
//!
//! Each action is its own module; `messages` holds what they read and answer, `frontier` all
//! the crawl's storage.

pub mod counts;
pub mod crawl;
pub mod discover;
pub mod fetch;
mod finish;
pub mod frontier;
mod handler;
pub mod html;
pub mod messages;
mod next;
pub mod normalize;
pub mod pace;
pub mod page;
pub mod progress;
pub mod robots;
mod scope;
pub mod sitemap;
mod start;
mod worker;

pub use crawl::Run;
pub use handler::{Config, Deps, handle};
pub use messages::{
    Crawled, Finished, Group, Item, Items, MapSettings, Next, Request, Response, StepError,
    Summary, WorkerResult,
};
