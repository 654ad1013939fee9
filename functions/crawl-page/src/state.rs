//! The crawl's storage in S3 (`frontier`), the URLs each host knows were claimed (`known`), its
//! progress between steps, and its counts.

pub mod counts;
pub mod frontier;
pub mod known;
pub mod progress;
