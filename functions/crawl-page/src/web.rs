//! Fetching and reading what sites serve: one request at a host's pace, robots.txt and sitemaps,
//! a page's links and title. No AWS here: the worker and the benchmark both use it.

pub mod discover;
pub mod fetch;
pub mod html;
pub mod pace;
pub mod page;
pub mod robots;
pub mod sitemap;
