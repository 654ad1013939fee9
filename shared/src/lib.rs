//! What every function shares: AWS client set-up, typed configuration, the error type that
//! becomes the Lambda `errorType`, tracing, notification text that fits SNS, the lakehouse key
//! layout, Security Hub findings and their trust checks, the remediation messages, the SSM, SNS
//! and S3 helpers, and capped HTTP body reads (each behind a feature, so a function compiles
//! only the SDKs it calls).

pub mod aws;
pub mod config;
mod error;
pub mod finding;
#[cfg(feature = "http")]
pub mod http;
pub mod input;
pub mod lakehouse;
pub mod remediation;
#[cfg(feature = "s3")]
pub mod s3;
pub mod sns;
#[cfg(feature = "ssm")]
pub mod ssm;

pub use error::{Error, Result, diagnostic};

/// Logs as JSON when the function's `LoggingConfig.LogFormat` is `JSON` (Lambda sets
/// `AWS_LAMBDA_LOG_FORMAT`), at the level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`.
pub fn init_tracing() {
    lambda_runtime::tracing::init_default_subscriber();
}
