//! Settings, from the environment variables the template sets. Resource names themselves live
//! in SSM (the variables name the parameters), as the rest of the lakehouse reads them.

use crate::fetch::Limits;
use ipnet::IpNet;
use shared::Result;
use shared::address::AddressPolicy;
use shared::config::{Vars, listed, parsed, required};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// SSM parameter holding the endpoint list.
    pub endpoints_parameter: String,
    /// SSM parameter holding the raw bucket's name.
    pub bucket_parameter: String,
    /// SSM parameter holding the ARN of the topic told about failures.
    pub topic_parameter: String,
    /// SecureString parameter holding an application password (`AUTH_PARAMETER`, optional: by
    /// default the extract reads what the site shows anyone). See [`crate::auth`].
    pub auth_parameter: Option<String>,
    /// Endpoints fetched at the same time.
    pub concurrency: usize,
    /// Time-out of one request, body included.
    pub request_timeout: Duration,
    /// Internal networks the site may be on (`WORDPRESS_ALLOWED_NETWORKS`); by default none, so
    /// neither an endpoint nor a redirect can reach the metadata service or a private address.
    pub allowed_networks: Vec<IpNet>,
    pub limits: Limits,
    /// Bytes per endpoint: a guard against a site that never ends.
    pub max_endpoint_bytes: u64,
    /// How much smaller than the last good run an endpoint's items may be before the run is
    /// refused rather than replacing the latest view (`MAX_SHRINK_PERCENT`, 50 by default).
    pub max_shrink_percent: u8,
    /// How long before the Lambda's deadline the extract stops fetching, so that unfinished
    /// endpoints are aborted and reported in time.
    pub stop_before_deadline: Duration,
    /// The endpoint names read incrementally, by `modified_after` (`INCREMENTAL_ENDPOINTS`:
    /// WordPress's posts, pages and media by default; its comments, users and terms ignore the
    /// parameter, and are read whole).
    pub incremental: Vec<String>,
    /// How far before the last run's newest change an incremental run starts reading
    /// (`INCREMENTAL_LOOKBACK_MINUTES`, a day by default): it covers clocks, time zones and
    /// edits saved while the last run read.
    pub lookback: Duration,
    /// Days between full listings of an incremental endpoint's ids, which find deletions
    /// (`SNAPSHOT_EVERY_DAYS`, 7 by default); the first run is always one.
    pub snapshot_every_days: u32,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            endpoints_parameter: required(vars, "ENDPOINTS_PARAMETER")?,
            bucket_parameter: required(vars, "RAW_BUCKET_PARAMETER")?,
            topic_parameter: required(vars, "RAW_TOPIC_PARAMETER")?,
            auth_parameter: vars("AUTH_PARAMETER").filter(|name| !name.trim().is_empty()),
            concurrency: parsed(vars, "MAX_CONCURRENT_ENDPOINTS", 4usize)?.max(1),
            request_timeout: Duration::from_secs(parsed(vars, "REQUEST_TIMEOUT_SECONDS", 30)?),
            allowed_networks: listed(vars, "WORDPRESS_ALLOWED_NETWORKS", Vec::new())?,
            limits: Limits {
                per_page: 100,
                max_pages: parsed(vars, "MAX_PAGES", 500)?,
                max_page_bytes: parsed(vars, "MAX_PAGE_BYTES", 32 * 1024 * 1024)?,
                attempts: parsed(vars, "MAX_ATTEMPTS", 4u32)?.max(1),
                retry_base: Duration::from_millis(parsed(vars, "RETRY_BASE_MILLISECONDS", 1000)?),
                retry_cap: Duration::from_secs(20),
            },
            max_endpoint_bytes: parsed(vars, "MAX_ENDPOINT_BYTES", 1024 * 1024 * 1024)?,
            max_shrink_percent: parsed(vars, "MAX_SHRINK_PERCENT", 50u8)?.min(100),
            stop_before_deadline: Duration::from_secs(10),
            incremental: listed(
                vars,
                "INCREMENTAL_ENDPOINTS",
                ["posts", "pages", "media"].map(str::to_owned).to_vec(),
            )?,
            lookback: Duration::from_secs(
                60 * parsed(vars, "INCREMENTAL_LOOKBACK_MINUTES", 1440u64)?,
            ),
            snapshot_every_days: parsed(vars, "SNAPSHOT_EVERY_DAYS", 7u32)?.max(1),
        })
    }
}

impl Config {
    /// Where the extract may connect: public addresses, and the allowed networks.
    pub fn address_policy(&self) -> AddressPolicy {
        AddressPolicy {
            allow_networks: self.allowed_networks.clone(),
            ..AddressPolicy::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fit_wordpress_and_a_lambda_time_out() {
        let vars = |n: &str| {
            (n.ends_with("_PARAMETER") && n != "AUTH_PARAMETER").then(|| format!("/p/{n}"))
        };
        let config = Config::from_vars(&vars).unwrap();
        assert_eq!(config.concurrency, 4);
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert_eq!(config.limits.per_page, 100);
        assert_eq!(config.limits.attempts, 4);
        assert!(
            config.allowed_networks.is_empty(),
            "no internal network by default"
        );
        assert_eq!(config.auth_parameter, None, "anonymous by default");
    }

    #[test]
    fn a_missing_parameter_name_is_named() {
        let err = Config::from_vars(&|_: &str| None).unwrap_err();
        assert!(err.to_string().contains("ENDPOINTS_PARAMETER"), "{err}");
    }
}
