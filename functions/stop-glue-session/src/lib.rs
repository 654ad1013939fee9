//! Stops Glue interactive sessions so that none runs, and bills, longer than intended.
//!
//! The state machine calls [`handle`] with `{"session_id": ...}` after its wait; a schedule
//! calls it with a `Scheduled Event` to sweep up any session the workflow missed.

mod config;
mod error;
mod event;
mod stop;
mod sweep;
mod text;

pub use config::Config;
pub use error::StopError;
pub use event::Request;
pub use stop::Action;
pub use sweep::{SweepFailure, SweepReport};

use serde::Serialize;
use serde_json::Value;
use shared::Error;
use std::time::SystemTime;

/// What the handler needs; built once per cold start in `main`, by hand in tests.
pub struct Deps {
    pub glue: aws_sdk_glue::Client,
    pub sns: aws_sdk_sns::Client,
    pub config: Config,
}

/// The result for one session: the state machine's notification reads `subject` and `summary`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Outcome {
    pub session_id: String,
    pub previous_status: String,
    pub action: Action,
    pub dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpu_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_seconds: Option<i64>,
    pub subject: String,
    pub summary: String,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Response {
    Session(Outcome),
    Sweep(SweepReport),
    Ignored { ignored: bool, reason: String },
}

/// Handles one event. `function_arn` (the invoked function's ARN) gives the partition, region
/// and account that the session ARNs share.
pub async fn handle(
    deps: &Deps,
    event: Value,
    function_arn: &str,
    now: SystemTime,
) -> Result<Response, StopError> {
    match Request::parse(&event)? {
        Request::Stop { session_id } => {
            let arn = session_arn(function_arn, &session_id)?;
            stop::stop_session(deps, &arn, &session_id, now)
                .await
                .map(Response::Session)
        }
        Request::Sweep => sweep::sweep(deps, function_arn, now)
            .await
            .map(Response::Sweep),
        Request::Ignore { reason } => {
            tracing::info!(reason, "event ignored");
            Ok(Response::Ignored {
                ignored: true,
                reason,
            })
        }
    }
}

/// `arn:aws:lambda:eu-west-1:123456789012:function:f` → `arn:aws:glue:eu-west-1:123456789012:session/<id>`.
pub fn session_arn(function_arn: &str, session_id: &str) -> Result<String, Error> {
    match function_arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", partition, "lambda", region, account, ..]
            if !region.is_empty() && account.len() == 12 =>
        {
            Ok(format!(
                "arn:{partition}:glue:{region}:{account}:session/{session_id}"
            ))
        }
        _ => Err(Error::Configuration(format!(
            "cannot tell the account and region from the function ARN '{function_arn}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_arn_shares_the_function_partition_region_and_account() {
        assert_eq!(
            session_arn(
                "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live",
                "s-1"
            )
            .unwrap(),
            "arn:aws-cn:glue:cn-north-1:123456789012:session/s-1"
        );
        assert!(session_arn("not-an-arn", "s-1").is_err());
    }
}
