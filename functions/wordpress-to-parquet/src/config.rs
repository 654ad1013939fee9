//! Settings, from the environment variables the template sets: the names of the SSM parameters
//! that hold the buckets and the topic.

use shared::Result;
use shared::config::{Vars, required};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub raw_bucket_parameter: String,
    pub bronze_bucket_parameter: String,
    /// SSM parameter holding the ARN of the topic told about failures.
    pub topic_parameter: String,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            raw_bucket_parameter: required(vars, "RAW_BUCKET_PARAMETER")?,
            bronze_bucket_parameter: required(vars, "BRONZE_BUCKET_PARAMETER")?,
            topic_parameter: required(vars, "BRONZE_TOPIC_PARAMETER")?,
        })
    }
}
