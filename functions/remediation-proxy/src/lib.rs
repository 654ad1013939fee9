//! The security account's remediation proxy, the last gate before a change: it checks the
//! request against the allowlist and the accounts the deployment may act in, reads the finding
//! back from Security Hub (`GetFindings`, by `Id` and `ProductArn`) and acts only if it still
//! passes every trust check and names the same control, account, Region and resource. Then it
//! invokes the remediation function (in the service account, by ARN) synchronously with what it
//! read back, and answers what the remediation did. Nothing is invoked otherwise.

pub mod allowlist;

use allowlist::Allowed;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_securityhub::types::{AwsSecurityFindingFilters, StringFilter, StringFilterComparison};
use shared::config::{Vars, flag, required};
use shared::finding::{self, Check, Finding, Refusal};
use shared::input::shorten;
use shared::remediation::{
    Accounts, MAX_NOTE_CHARS, Outcome, ProxyRequest, ProxyResult, Remediation, RemediationRequest,
    RemediationResult, Scope, check_target, record,
};
use shared::{Error, diagnostic};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub allowed: Vec<Allowed>,
    /// Passed to every remediation as `dry_run: true`.
    pub dry_run: bool,
    pub accounts: Accounts,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> shared::Result<Self> {
        Ok(Config {
            allowed: allowlist::parse(&required(vars, "ALLOWED_REMEDIATIONS")?)?,
            dry_run: flag(vars, "DRY_RUN", false)?,
            accounts: Accounts::from_vars(vars)?,
        })
    }
}

pub struct Deps {
    pub lambda: aws_sdk_lambda::Client,
    pub securityhub: aws_sdk_securityhub::Client,
    pub config: Config,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyError {
    #[error("remediation '{0}' is not on the allowlist; nothing was invoked")]
    NotAllowed(String),
    /// Security Hub does not return the finding: nothing to act on.
    #[error("finding {0} is not in Security Hub; nothing was invoked")]
    FindingNotFound(String),
    /// The finding as read back fails a check, or differs from what was routed.
    #[error(
        "the finding as Security Hub returns it now is not the one routed ({0}); nothing was invoked"
    )]
    FindingChanged(Refusal),
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
            ProxyError::FindingNotFound(_) => diagnostic("FindingNotFound", &err),
            ProxyError::FindingChanged(_) => diagnostic("FindingChanged", &err),
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
        let shown = shorten(&format!("{function}:{qualifier}"));
        tracing::warn!(remediation = %shown, "refused: not on the allowlist");
        ProxyError::NotAllowed(shown)
    })?;
    deps.config
        .accounts
        .check(&request.account_id)
        .map_err(|r| Error::InvalidInput(r.to_string()))?;
    let current = read_back(&deps.securityhub, &request).await?;
    let remediation_request =
        still_the_same(&request, &current, &deps.config.accounts).map_err(|refusal| {
            tracing::warn!(finding = %request.finding_id, %refusal, "refused: the finding changed");
            ProxyError::FindingChanged(refusal)
        })?;
    let dry_run = remediation_request.dry_run || deps.config.dry_run;
    let remediation_request = RemediationRequest {
        dry_run,
        ..remediation_request
    };
    let label = format!("{}:{}", entry.name(), entry.qualifier);
    let payload = serde_json::to_vec(&remediation_request)
        // Only a map with non-string keys fails to serialise, and this message has none.
        .map_err(|e| {
            Error::Internal(format!("the remediation request cannot be serialised: {e}"))
        })?;

    tracing::info!(remediation = %label, account = %request.account_id, finding = %request.finding_id, dry_run, "invoking");
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
    let failed = |error_type: &str, message: String| ProxyError::RemediationFailed {
        remediation: label.clone(),
        error_type: error_type.to_owned(),
        message,
    };
    if out.function_error.is_some() {
        let reported: serde_json::Value =
            serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        let text = |key: &str| reported[key].as_str().map(str::to_owned);
        let err = failed(
            &text("errorType").unwrap_or_else(|| "Unhandled".into()),
            text("errorMessage").unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
        );
        tracing::error!(error = %err, "remediation failed");
        return Err(err);
    }
    let result: RemediationResult = serde_json::from_slice(&body).map_err(|e| {
        failed(
            "InvalidResponse",
            format!("the response is not a remediation result: {e}"),
        )
    })?;
    if dry_run && result.outcome == Outcome::Remediated {
        return Err(failed(
            "InvalidResponse",
            "it reports a change in a dry run".to_owned(),
        ));
    }
    tracing::info!(remediation = %label, outcome = result.outcome.as_str(), detail = %result.detail, "remediation done");
    let note = match result.outcome {
        Outcome::Remediated => format!("Remediated by {label}: {}", result.summary),
        Outcome::WouldRemediate => {
            format!("Dry run of {label}, nothing changed: {}", result.summary)
        }
        Outcome::AlreadyCompliant => format!("Nothing changed by {label}: {}", result.summary),
    };
    Ok(ProxyResult {
        remediation: label,
        account_id: request.account_id,
        region: request.region,
        dry_run,
        outcome: result.outcome,
        note: note.chars().take(MAX_NOTE_CHARS).collect(),
        before: record(result.before.as_ref()),
        after: record(result.after.as_ref()),
    })
}

/// The finding as Security Hub holds it now. Security Hub answers a filter on `Id` and
/// `ProductArn` with at most that finding; the answer is still searched for it, so that a
/// service that ignores filters (an emulator) can never make the proxy act on another.
async fn read_back(
    securityhub: &aws_sdk_securityhub::Client,
    request: &ProxyRequest,
) -> Result<Finding, ProxyError> {
    let equals = |value: &str| {
        StringFilter::builder()
            .value(value)
            .comparison(StringFilterComparison::Equals)
            .build()
    };
    let filters = AwsSecurityFindingFilters::builder()
        .id(equals(&request.finding_id))
        .product_arn(equals(&request.product_arn))
        .build();
    let mut pages = securityhub
        .get_findings()
        .filters(filters)
        .max_results(100)
        .into_paginator()
        .items()
        .send();
    while let Some(item) = pages.next().await {
        let f = item.map_err(|e| {
            Error::from_sdk(
                format!("Security Hub GetFindings {}", request.finding_id),
                e,
            )
        })?;
        if f.id() == Some(request.finding_id.as_str())
            && f.product_arn() == Some(request.product_arn.as_str())
        {
            return Ok(Finding::from(&f));
        }
    }
    tracing::warn!(finding = %request.finding_id, "refused: not in Security Hub");
    Err(ProxyError::FindingNotFound(shorten(&request.finding_id)))
}

/// Every check again, on the finding as read back, and the same control, account, Region and
/// resource as routed: what the remediation is then given comes from the finding read back.
pub fn still_the_same(
    request: &ProxyRequest,
    current: &Finding,
    accounts: &Accounts,
) -> Result<RemediationRequest, Refusal> {
    let id = finding::identify(current)?;
    finding::actionable(current)?;
    let differs = |what: &str, routed: &str, now: &str| {
        Refusal::new(
            Check::ReadBack,
            format!(
                "its {what} was {} when routed and is {} now",
                shorten(routed),
                shorten(now)
            ),
        )
    };
    let control = id.control_id.as_deref().unwrap_or("(none)");
    if control != request.control_id {
        return Err(differs("control", &request.control_id, control));
    }
    if id.account_id != request.account_id {
        return Err(differs("account", &request.account_id, &id.account_id));
    }
    if id.region != request.region {
        return Err(differs("Region", &request.region, &id.region));
    }
    accounts.check(&id.account_id)?;
    let scope = Scope {
        partition: id.partition,
        account_id: &id.account_id,
        region: &id.region,
    };
    let target = check_target(
        control,
        scope,
        current.resources.as_deref().unwrap_or_default(),
    )?;
    if target != request.resource {
        return Err(differs("resource", &request.resource.id, &target.id));
    }
    Ok(RemediationRequest {
        finding_id: id.id,
        control_id: control.to_owned(),
        account_id: id.account_id,
        region: id.region,
        resource: target,
        dry_run: request.dry_run,
    })
}

fn check(request: &ProxyRequest) -> Result<(), Error> {
    let invalid = |what: &str, value: &str| {
        Err(Error::InvalidInput(format!(
            "{what} '{}' is not valid",
            shorten(value)
        )))
    };
    if !shared::input::is_account_id(&request.account_id) {
        return invalid("account_id (12 digits)", &request.account_id);
    }
    if !shared::input::is_region(&request.region) {
        return invalid("region", &request.region);
    }
    if !finding::is_control_id(&request.control_id) {
        return invalid("control_id", &request.control_id);
    }
    if request.finding_id.is_empty() || request.finding_id.chars().count() > finding::MAX_ID_CHARS {
        return invalid("finding_id", &request.finding_id);
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
