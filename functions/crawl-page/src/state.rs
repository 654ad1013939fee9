//! The crawl's storage (`frontier`, over a `store`: S3 when deployed), the URLs each host knows were claimed (`known`), its
//! progress between steps, and its counts.

pub mod counts;
pub mod frontier;
pub mod known;
pub mod progress;
pub mod store;
