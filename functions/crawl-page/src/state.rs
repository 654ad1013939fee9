//! The crawl's storage (`frontier`, over a `store`: S3 when deployed), each host's `queue`, the
//! progress between steps, and its counts.

pub mod counts;
pub mod frontier;
pub mod progress;
pub mod queue;
pub mod store;
