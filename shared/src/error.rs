//! The error every function returns. Its variant becomes the Lambda `errorType`, which the state
//! machines match in `Retry` (retryable types) and `Catch` (everything else).

use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lambda_runtime::Diagnostic;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The event is not one the function accepts. Permanent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A setting is missing or wrong: an environment variable, an SSM parameter, a topic. Permanent.
    #[error("configuration error: {0}")]
    Configuration(String),
    /// The resource the event names does not exist. Permanent.
    #[error("not found: {0}")]
    NotFound(String),
    /// The function's role may not do this. Permanent.
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// AWS asked us to slow down. Retryable.
    #[error("throttled: {0}")]
    Throttled(String),
    /// A time-out, a dropped connection or a 5xx. Retryable.
    #[error("transient error: {0}")]
    Transient(String),
    /// Any other error an AWS service returned. Permanent.
    #[error("AWS error: {0}")]
    Aws(String),
    /// The function itself failed at something that cannot fail on good code (writing its own
    /// message, say): not the input's fault, and a retry would fail the same way. Permanent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Error codes for faults the SDK's own lists (`aws_runtime`'s, which its retry classifier
/// uses) leave out: S3's conditional write that met another in flight (a retry sees its
/// outcome), and 5xx codes some emulators send with a 4xx status.
const MORE_TRANSIENT_CODES: &[&str] = &[
    "ConditionalRequestConflict",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
];

const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
];

impl Error {
    /// The `errorType` Step Functions sees.
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "InvalidInput",
            Error::Configuration(_) => "ConfigurationError",
            Error::NotFound(_) => "NotFound",
            Error::AccessDenied(_) => "AccessDenied",
            Error::Throttled(_) => "Throttled",
            Error::Transient(_) => "TransientError",
            Error::Aws(_) => "AwsError",
            Error::Internal(_) => "InternalError",
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Throttled(_) | Error::Transient(_))
    }

    /// Classifies an AWS SDK error. `context` says what was being done, for example
    /// `"GetSession 'abc'"`, and leads the message.
    pub fn from_sdk<E>(context: impl std::fmt::Display, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_owned);
        let message = format!("{context}: {}", DisplayErrorContext(&err));
        match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => Error::Transient(message),
            SdkError::ResponseError(ctx) if ctx.raw().status().is_server_error() => {
                Error::Transient(message)
            }
            SdkError::ServiceError(ctx) => match code.as_deref() {
                Some(c) if THROTTLING_ERRORS.contains(&c) => Error::Throttled(message),
                Some(c) if TRANSIENT_ERRORS.contains(&c) || MORE_TRANSIENT_CODES.contains(&c) => {
                    Error::Transient(message)
                }
                Some(c) if ACCESS_DENIED_CODES.contains(&c) => Error::AccessDenied(message),
                _ if ctx.raw().status().as_u16() == 429 => Error::Throttled(message),
                _ if ctx.raw().status().as_u16() == 403 => Error::AccessDenied(message),
                _ if ctx.raw().status().is_server_error() => Error::Transient(message),
                _ => Error::Aws(message),
            },
            _ => Error::Aws(message),
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(err: Error) -> Self {
        diagnostic(err.error_type(), &err)
    }
}

/// What Lambda reports for an error: the `errorType` the state machines match, and the
/// message. Each function's own error type converts through this.
pub fn diagnostic(error_type: &str, err: &impl std::fmt::Display) -> Diagnostic {
    Diagnostic {
        error_type: error_type.to_owned(),
        error_message: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_and_permanent_types_are_distinct() {
        let all = [
            Error::InvalidInput(String::new()),
            Error::Configuration(String::new()),
            Error::NotFound(String::new()),
            Error::AccessDenied(String::new()),
            Error::Throttled(String::new()),
            Error::Transient(String::new()),
            Error::Aws(String::new()),
            Error::Internal(String::new()),
        ];
        let retryable: Vec<_> = all
            .iter()
            .filter(|e| e.is_retryable())
            .map(Error::error_type)
            .collect();
        assert_eq!(retryable, ["Throttled", "TransientError"]);
        let mut types: Vec<_> = all.iter().map(Error::error_type).collect();
        types.dedup();
        assert_eq!(types.len(), all.len());
    }

    #[test]
    fn diagnostic_carries_type_and_message() {
        let d = Diagnostic::from(Error::InvalidInput("session_id is empty".into()));
        assert_eq!(d.error_type, "InvalidInput");
        assert_eq!(d.error_message, "invalid input: session_id is empty");
    }
}
