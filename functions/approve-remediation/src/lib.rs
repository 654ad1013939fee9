//! Approves or rejects a remediation that waits for a person (a routing rule with `approval`).
//! The notification gives a task token; a person answers through this function's URL, whose
//! `AWS_IAM` auth means Lambda has checked the caller's signature and `lambda:InvokeFunctionUrl`
//! permission before the request arrives. The body names the token and the decision; the
//! function answers Step Functions with `SendTaskSuccess` (approve) or `SendTaskFailure` with
//! error `Rejected`, naming the IAM principal that signed the request. The same answer can be
//! given with the AWS CLI (`aws stepfunctions send-task-success`), which this function only makes
//! easier to grant and audit.

use aws_lambda_events::event::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use aws_sdk_sfn::config::http::HttpResponse;
use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::{Error, Result, function_url};

/// Step Functions' limit on a task token.
pub const MAX_TOKEN_CHARS: usize = 2048;
/// The longest reason kept.
pub const MAX_REASON_CHARS: usize = 500;
/// The error a rejection ends the waiting task with, which the state machine catches.
pub const REJECTED: &str = "Rejected";

pub struct Deps {
    pub sfn: aws_sdk_sfn::Client,
}

/// The request's body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub task_token: String,
    pub decision: Decision,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

/// What the waiting task is answered with on approval: who, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approved {
    pub approved_by: String,
    pub reason: String,
}

/// Answers the request: 200 with the decision and who made it, or an error status with
/// `errorType` and the message. Every request is answered; nothing is sent to Step Functions
/// unless the caller is an IAM principal and the body is valid.
pub async fn handle(deps: &Deps, request: LambdaFunctionUrlRequest) -> LambdaFunctionUrlResponse {
    match answer(deps, &request).await {
        Ok(body) => function_url::response(200, &body),
        Err(err) => {
            tracing::warn!(error = %err, "approval refused");
            // A task that no longer waits is gone (410); Step Functions failing otherwise, 502.
            function_url::error(&err, 410, 502)
        }
    }
}

async fn answer(deps: &Deps, request: &LambdaFunctionUrlRequest) -> Result<serde_json::Value> {
    let caller = caller(request)?;
    let answer = parse(request)?;
    let reason = answer.reason.unwrap_or_default();
    let token = &answer.task_token;
    let sent = match answer.decision {
        Decision::Approve => {
            let output = serde_json::to_string(&Approved {
                approved_by: caller.clone(),
                reason: reason.clone(),
            })
            .map_err(|e| Error::Internal(format!("the approval cannot be serialised: {e}")))?;
            deps.sfn
                .send_task_success()
                .task_token(token)
                .output(output)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| gone_or(e, "Step Functions SendTaskSuccess"))
        }
        Decision::Reject => deps
            .sfn
            .send_task_failure()
            .task_token(token)
            .error(REJECTED)
            .cause(format!("rejected by {caller}: {reason}"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| gone_or(e, "Step Functions SendTaskFailure")),
    };
    sent?;
    tracing::info!(decision = ?answer.decision, by = %caller, "answered");
    Ok(json!({"decision": answer.decision, "by": caller, "reason": reason}))
}

/// The IAM principal Lambda authenticated. A URL deployed without `AWS_IAM` auth has none, and
/// is refused: an approval must name who gave it.
fn caller(request: &LambdaFunctionUrlRequest) -> Result<String> {
    request
        .request_context
        .authorizer
        .as_ref()
        .and_then(|a| a.iam.as_ref())
        .and_then(|iam| iam.user_arn.clone())
        .filter(|arn| arn.starts_with("arn:"))
        .ok_or_else(|| {
            Error::AccessDenied(
                "the request is not signed by an IAM principal (the function URL must use \
                 AWS_IAM auth); nothing was answered"
                    .into(),
            )
        })
}

fn parse(request: &LambdaFunctionUrlRequest) -> Result<Answer> {
    let bytes = function_url::body(request)?;
    let answer: Answer = serde_json::from_slice(&bytes).map_err(|e| {
        Error::InvalidInput(format!(
            "the body is not {{\"task_token\": …, \"decision\": \"approve\" or \"reject\", \
             \"reason\": …}}: {e}"
        ))
    })?;
    let token = &answer.task_token;
    if token.is_empty() || token.chars().count() > MAX_TOKEN_CHARS {
        return Err(Error::InvalidInput(format!(
            "task_token must be 1 to {MAX_TOKEN_CHARS} characters, as the notification gave it"
        )));
    }
    if answer
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(Error::InvalidInput(format!(
            "reason is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    Ok(answer)
}

/// A task that no longer waits (timed out, answered already, or never a token) is gone.
fn gone_or<E>(err: SdkError<E, HttpResponse>, context: &str) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match err.code() {
        Some("TaskDoesNotExist" | "TaskTimedOut" | "InvalidToken") => Error::NotFound(format!(
            "{context}: no remediation waits for this answer (it timed out, was answered \
             already, or the token is not one a notification gave)"
        )),
        _ => Error::from_sdk(context, err),
    }
}
