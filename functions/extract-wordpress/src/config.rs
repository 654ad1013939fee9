//! Settings, from the environment variables the template sets. Resource names themselves live
//! in SSM (the variables name the parameters), as the rest of the lakehouse reads them.

use crate::fetch::Limits;
use shared::Result;
use shared::config::{Vars, parsed, required};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// SSM parameter holding the endpoint list.
    pub endpoints_parameter: String,
    /// SSM parameter holding the raw bucket's name.
    pub bucket_parameter: String,
    /// SSM parameter holding the ARN of the topic told about failures.
    pub topic_parameter: String,
    /// Endpoints fetched at the same time.
    pub concurrency: usize,
    /// Time-out of one request, body included.
    pub request_timeout: Duration,
    pub limits: Limits,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            endpoints_parameter: required(vars, "ENDPOINTS_PARAMETER")?,
            bucket_parameter: required(vars, "RAW_BUCKET_PARAMETER")?,
            topic_parameter: required(vars, "RAW_TOPIC_PARAMETER")?,
            concurrency: parsed(vars, "MAX_CONCURRENT_ENDPOINTS", 4usize)?.max(1),
            request_timeout: Duration::from_secs(parsed(vars, "REQUEST_TIMEOUT_SECONDS", 30)?),
            limits: Limits {
                per_page: 100,
                max_pages: parsed(vars, "MAX_PAGES", 500)?,
                max_page_bytes: parsed(vars, "MAX_PAGE_BYTES", 32 * 1024 * 1024)?,
                attempts: parsed(vars, "MAX_ATTEMPTS", 4u32)?.max(1),
                retry_base: Duration::from_millis(parsed(vars, "RETRY_BASE_MILLISECONDS", 1000)?),
                retry_cap: Duration::from_secs(20),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fit_wordpress_and_a_lambda_time_out() {
        let vars = |n: &str| n.ends_with("_PARAMETER").then(|| format!("/p/{n}"));
        let config = Config::from_vars(&vars).unwrap();
        assert_eq!(config.concurrency, 4);
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert_eq!(config.limits.per_page, 100);
        assert_eq!(config.limits.attempts, 4);
    }

    #[test]
    fn a_missing_parameter_name_is_named() {
        let err = Config::from_vars(&|_: &str| None).unwrap_err();
        assert!(err.to_string().contains("ENDPOINTS_PARAMETER"), "{err}");
    }
}
