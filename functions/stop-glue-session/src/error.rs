use lambda_runtime::Diagnostic;

/// Errors of this function. The state machine retries `SessionNotReady` with backoff, and the
/// shared retryable types; everything else is caught and notified.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StopError {
    /// Glue cannot stop a session until it is READY.
    #[error("Glue session '{session_id}' is {status}, not READY yet: it cannot be stopped now")]
    SessionNotReady { session_id: String, status: String },
    /// A status this function does not know: never guess, never stop.
    #[error("Glue session '{session_id}' has unknown status {status}: left as it is")]
    UnknownStatus { session_id: String, status: String },
    /// The sweep stopped what it could but failed on some sessions.
    #[error("sweep failed on {failed} session(s): {details}")]
    SweepIncomplete { failed: usize, details: String },
    #[error(transparent)]
    Shared(#[from] shared::Error),
}

impl StopError {
    pub fn error_type(&self) -> &'static str {
        match self {
            StopError::SessionNotReady { .. } => "SessionNotReady",
            StopError::UnknownStatus { .. } => "UnknownSessionStatus",
            StopError::SweepIncomplete { .. } => "SweepIncomplete",
            StopError::Shared(e) => e.error_type(),
        }
    }
}

impl From<StopError> for Diagnostic {
    fn from(err: StopError) -> Self {
        shared::diagnostic(err.error_type(), &err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_ready_is_its_own_error_type() {
        let d = Diagnostic::from(StopError::SessionNotReady {
            session_id: "s-1".into(),
            status: "PROVISIONING".into(),
        });
        assert_eq!(d.error_type, "SessionNotReady");
        assert!(d.error_message.contains("'s-1' is PROVISIONING"));
    }

    #[test]
    fn shared_errors_keep_their_type() {
        let d = Diagnostic::from(StopError::from(shared::Error::Throttled("x".into())));
        assert_eq!(d.error_type, "Throttled");
    }
}
