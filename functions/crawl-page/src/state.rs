//! The crawl's storage in S3 (`frontier`), its progress between steps, and its counts.

pub mod counts;
pub mod frontier;
pub mod progress;
