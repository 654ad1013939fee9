//! The security account's remediation proxy: checks a request against the allowlist, then invokes
//! the remediation function (in the service account, by ARN) synchronously with the finding, and
//! returns its JSON output. Nothing is invoked for a request that is not allowed or not well formed.

pub mod allowlist;

use allowlist::Allowed;
use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;
use shared::config::{Vars, flag, required};
use shared::remediation::{ProxyRequest, ProxyResult, Remediation, RemediationRequest};
use shared::{Error, diagnostic};

/// Lambda's limit for a synchronous invocation's request payload.
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub allowed: Vec<Allowed>,
    /// Passed to every remediation as `dry_run: true`.
    pub dry_run: bool,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> shared::Result<Self> {
        Ok(Config {
            allowed: allowlist::parse(&required(vars, "ALLOWED_REMEDIATIONS")?)?,
            dry_run: flag(vars, "DRY_RUN", false)?,
        })
    }
}

pub struct Deps {
    pub lambda: aws_sdk_lambda::Client,
    pub config: Config,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyError {
    #[error("remediation '{0}' is not on the allowlist; nothing was invoked")]
    NotAllowed(String),
    #[error("remediation {remediation} failed ({error_type}): {message}")]
    RemediationFailed {
        remediation: String,
        error_type: String,
        message: String,
    },
    #[error(transparent)]
    Shared(#[from] Error),
}

impl From<ProxyError> for lambda_runtime::Diagnostic {
    fn from(err: ProxyError) -> Self {
        match err {
            ProxyError::Shared(e) => e.into(),
            ProxyError::NotAllowed(_) => diagnostic("RemediationNotAllowed", &err),
            ProxyError::RemediationFailed { .. } => diagnostic("RemediationFailed", &err),
        }
    }
}

pub async fn handle(deps: &Deps, request: ProxyRequest) -> Result<ProxyResult, ProxyError> {
    check(&request)?;
    let Remediation {
        function,
        qualifier,
    } = &request.remediation;
    let entry = allowlist::find(&deps.config.allowed, function, qualifier).ok_or_else(|| {
        let shown: String = format!("{function}:{qualifier}")
            .chars()
            .take(200)
            .collect();
        tracing::warn!(remediation = %shown, "refused: not on the allowlist");
        ProxyError::NotAllowed(shown)
    })?;
    let label = format!("{}:{}", entry.name(), entry.qualifier);
    let dry_run = request.dry_run || deps.config.dry_run;
    let ProxyRequest {
        account_id,
        region,
        finding,
        ..
    } = request;
    let payload = serde_json::to_vec(&RemediationRequest {
        finding,
        account_id: account_id.clone(),
        region: region.clone(),
        dry_run,
    })
    // Only a map with non-string keys fails to serialise, and JSON has none.
    .map_err(|e| Error::Internal(format!("the remediation request cannot be serialised: {e}")))?;
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::InvalidInput(format!(
            "the remediation payload is {} bytes; a synchronous invocation takes at most {MAX_PAYLOAD_BYTES}",
            payload.len()
        ))
        .into());
    }

    tracing::info!(remediation = %label, account = %account_id, dry_run, "invoking");
    let out = deps
        .lambda
        .invoke()
        .function_name(&entry.function)
        .qualifier(&entry.qualifier)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception())
            {
                Error::Configuration(format!(
                    "the allowlisted remediation {label} does not exist"
                ))
            } else {
                Error::from_sdk(format!("Lambda Invoke {label}"), e)
            }
        })?;
    let body = out.payload.map(Blob::into_inner).unwrap_or_default();
    if out.function_error.is_some() {
        let reported: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let text = |key: &str| reported[key].as_str().map(str::to_owned);
        let err = ProxyError::RemediationFailed {
            remediation: label,
            error_type: text("errorType").unwrap_or_else(|| "Unhandled".into()),
            message: text("errorMessage")
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
        };
        tracing::error!(error = %err, "remediation failed");
        return Err(err);
    }
    let result: Value =
        serde_json::from_slice(&body).map_err(|e| ProxyError::RemediationFailed {
            remediation: label.clone(),
            error_type: "InvalidResponse".into(),
            message: format!("the response is not JSON: {e}"),
        })?;
    tracing::info!(remediation = %label, "remediated");
    Ok(ProxyResult {
        remediation: label,
        account_id,
        region,
        dry_run,
        result,
    })
}

fn check(request: &ProxyRequest) -> Result<(), Error> {
    let account = &request.account_id;
    if !shared::input::is_account_id(account) {
        return Err(Error::InvalidInput(format!(
            "account_id '{}' is not 12 digits",
            account.chars().take(40).collect::<String>()
        )));
    }
    if !is_region(&request.region) {
        return Err(Error::InvalidInput(format!(
            "region '{}' is not an AWS region name",
            request.region.chars().take(40).collect::<String>()
        )));
    }
    if !request.finding.get("Id").is_some_and(Value::is_string) {
        return Err(Error::InvalidInput("the finding has no string Id".into()));
    }
    let Remediation {
        function,
        qualifier,
    } = &request.remediation;
    if function.is_empty() || qualifier.is_empty() {
        return Err(Error::InvalidInput(
            "remediation.function and remediation.qualifier must not be empty".into(),
        ));
    }
    Ok(())
}

/// `eu-west-1`, `us-gov-west-1`, `ap-southeast-5`: lowercase words, then a number.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && region.len() <= 25
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-5"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "eu-west",
            "EU-WEST-1",
            "eu-west-1a",
            "eu--1",
            "../../etc",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
