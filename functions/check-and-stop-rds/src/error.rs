use lambda_runtime::Diagnostic;

/// Errors of this function: the state machine retries the shared retryable types and catches
/// everything else.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RdsError {
    /// The resource lacks the exact protection tag: it is never stopped.
    #[error(
        "DB {resource_type} '{resource_id}' is not tagged auto-restart-protection=yes: not stopped"
    )]
    NotProtected {
        resource_id: String,
        resource_type: &'static str,
    },
    /// A kind of database RDS cannot stop: notified, never retried.
    #[error("DB {resource_type} '{resource_id}' cannot be stopped: {reason}")]
    NotStoppable {
        resource_id: String,
        resource_type: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Shared(#[from] shared::Error),
}

impl RdsError {
    pub fn error_type(&self) -> &'static str {
        match self {
            RdsError::NotProtected { .. } => "NotProtected",
            RdsError::NotStoppable { .. } => "NotStoppable",
            RdsError::Shared(e) => e.error_type(),
        }
    }
}

impl From<RdsError> for Diagnostic {
    fn from(err: RdsError) -> Self {
        shared::diagnostic(err.error_type(), &err)
    }
}
