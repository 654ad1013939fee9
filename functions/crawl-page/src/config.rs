//! The function's configuration, from its environment (`templates/web-crawler.yaml` sets it),
//! and the address policy a crawl gets from it.

use crate::crawl::Crawl;
use ipnet::IpNet;
use shared::address::{AddressPolicy, DEFAULT_PORTS};
use shared::config::{Vars, listed, optional, parsed, required};
use shared::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub bucket: String,
    pub user_agent: String,
    /// The internal networks a crawl may list in its `allow_networks` (none by default): the
    /// deployment decides what its crawls may reach, not whoever starts one.
    pub allowed_networks: Vec<IpNet>,
    /// The ports crawled (80 and 443 by default).
    pub allowed_ports: Vec<u16>,
    /// Hosts one batch crawls at most, whatever a crawl's `concurrency` asks.
    pub batch_size: usize,
    /// The distributed Map's children running at once, and the percentage of them that may
    /// fail without failing the Map (their pages are retried in later batches).
    pub map_max_concurrency: u32,
    pub map_tolerated_failure_percentage: f64,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            bucket: required(vars, "CRAWL_BUCKET")?,
            user_agent: optional(vars, "CRAWLER_USER_AGENT")
                .unwrap_or_else(|| "ServerlessAutomationsCrawler/1.0".to_owned()),
            allowed_networks: listed(vars, "CRAWL_ALLOWED_NETWORKS", Vec::new())?,
            allowed_ports: listed(vars, "CRAWL_ALLOWED_PORTS", DEFAULT_PORTS.to_vec())?,
            batch_size: within(
                parsed(vars, "CRAWL_BATCH_SIZE", 1_000)?,
                "CRAWL_BATCH_SIZE",
                1,
                10_000,
            )?,
            map_max_concurrency: within(
                parsed(vars, "CRAWL_MAP_MAX_CONCURRENCY", 100)?,
                "CRAWL_MAP_MAX_CONCURRENCY",
                1,
                10_000,
            )?,
            map_tolerated_failure_percentage: within(
                parsed(vars, "CRAWL_MAP_TOLERATED_FAILURE_PERCENTAGE", 5.0)?,
                "CRAWL_MAP_TOLERATED_FAILURE_PERCENTAGE",
                0.0,
                100.0,
            )?,
        })
    }

    /// The crawl's address policy: its `allow_networks`, each within the deployment's.
    pub(crate) fn policy(&self, crawl: &Crawl) -> Result<AddressPolicy> {
        let outside = crawl
            .allow_networks
            .iter()
            .find(|n| !self.allowed_networks.iter().any(|a| a.contains(*n)));
        if let Some(network) = outside {
            return Err(Error::InvalidInput(format!(
                "allow_networks lists {network}, which this deployment does not allow its crawls \
                 to reach (CRAWL_ALLOWED_NETWORKS: {})",
                if self.allowed_networks.is_empty() {
                    "none".to_owned()
                } else {
                    self.allowed_networks
                        .iter()
                        .map(IpNet::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
        Ok(AddressPolicy {
            allow_networks: crawl.allow_networks.clone(),
            ports: self.allowed_ports.clone(),
        })
    }
}

fn within<T: PartialOrd + std::fmt::Display>(value: T, name: &str, min: T, max: T) -> Result<T> {
    if value >= min && value <= max {
        Ok(value)
    } else {
        Err(Error::Configuration(format!(
            "{name} is {value}; it must be from {min} to {max}"
        )))
    }
}
