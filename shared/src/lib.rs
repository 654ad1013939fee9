//! What every function shares: AWS client set-up, typed configuration, the error type that
//! becomes the Lambda `errorType`, tracing, notification text that fits SNS, the lakehouse key
//! layout, Security Hub findings and their trust checks, the remediation messages, JSON arrays
//! read as streams of items, the SSM, SNS and S3 helpers (a streaming upload among them), and
//! capped HTTP body reads (each behind a feature, so a function compiles
//! only the SDKs it calls).

#[cfg(feature = "http")]
pub mod address;
pub mod aws;
pub mod config;
pub mod crawl_run;
mod error;
pub mod finding;
#[cfg(feature = "function-url")]
pub mod function_url;
#[cfg(feature = "http")]
pub mod http;
pub mod input;
pub mod json_array;
pub mod lakehouse;
pub mod remediation;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "search")]
pub mod search;
pub mod sns;
#[cfg(feature = "ssm")]
pub mod ssm;
#[cfg(feature = "s3")]
pub mod upload;

pub use error::{Error, Result, diagnostic};

/// The instant the Lambda's invocation ends (its `deadline`, milliseconds since the epoch), on
/// this process's monotonic clock, so a handler can stop its work in time. Lambda always sends a
/// deadline in the future; a local emulator may send none (cargo lambda's is already past), and
/// then Lambda's own limit, 15 minutes, is the most any invocation gets.
pub fn deadline(context: &lambda_runtime::Context) -> std::time::Instant {
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
    const LAMBDA_MAX: Duration = Duration::from_secs(15 * 60);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let left = Duration::from_millis(context.deadline.saturating_sub(now_ms));
    Instant::now()
        + if left.is_zero() {
            LAMBDA_MAX
        } else {
            left.min(LAMBDA_MAX)
        }
}

/// Logs as JSON when the function's `LoggingConfig.LogFormat` is `JSON` (Lambda sets
/// `AWS_LAMBDA_LOG_FORMAT`), at the level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`.
pub fn init_tracing() {
    lambda_runtime::tracing::init_default_subscriber();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    #[test]
    fn the_deadline_is_lambdas_or_at_most_fifteen_minutes() {
        let mut context = lambda_runtime::Context::default();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        context.deadline = now_ms + 60_000;
        let left = deadline(&context).saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(58) && left <= Duration::from_secs(60),
            "{left:?}"
        );
        context.deadline = 0;
        let left = deadline(&context).saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(890),
            "no deadline sent: {left:?}"
        );
    }
}
