//! The messages of a remediation, one definition each for both ends: `route-finding` decides a
//! [`Remediation`], the state machine hands it to `remediation-proxy` as a [`ProxyRequest`], the
//! proxy invokes the remediation function with a [`RemediationRequest`] and answers with a
//! [`ProxyResult`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A remediation function: its name or ARN, and the version or alias to invoke.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub function: String,
    pub qualifier: String,
}

/// What the state machine sends the proxy for one finding.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyRequest {
    pub remediation: Remediation,
    pub account_id: String,
    pub region: String,
    /// The finding as Security Hub sent it.
    pub finding: Value,
    #[serde(default)]
    pub dry_run: bool,
}

/// What the proxy sends the remediation function.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationRequest {
    pub finding: Value,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub dry_run: bool,
}

/// What the proxy answers: which remediation ran, where, and its own output.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ProxyResult {
    /// `function:qualifier`, as allowlisted.
    pub remediation: String,
    pub account_id: String,
    pub region: String,
    pub dry_run: bool,
    pub result: Value,
}
