//! The remediation function, run by the remediation proxy in the service account: it fixes the
//! one resource a Security Hub finding names, for the controls of its catalogue
//! ([`controls`]). It checks the request again ([`target`]), assumes the remediation role in the
//! finding's account with a session policy that allows only what the control needs on that
//! resource ([`session`]), reads the resource, changes only what the control requires, reads it
//! back, and reports the state before and after. Running it twice changes nothing the second
//! time; a dry run only reads.

pub mod controls;
pub mod session;
pub mod target;

use shared::Result;
use shared::config::{Vars, flag, required};
use shared::remediation::{Accounts, RemediationRequest, RemediationResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The role assumed in the target account (the same name in every member account).
    pub role_name: String,
    pub dry_run: bool,
    pub accounts: Accounts,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            role_name: required(vars, "REMEDIATION_ROLE_NAME")?,
            dry_run: flag(vars, "DRY_RUN", false)?,
            accounts: Accounts::from_vars(vars)?,
        })
    }
}

pub struct Deps {
    pub sts: aws_sdk_sts::Client,
    /// The base configuration the target account's clients are made from.
    pub aws: shared::aws::SdkConfig,
    pub config: Config,
}

pub async fn handle(deps: &Deps, request: RemediationRequest) -> Result<RemediationResult> {
    let mut target = target::checked(request, &deps.config.accounts)?;
    target.dry_run |= deps.config.dry_run;
    let aws = session::in_target(deps, &target).await?;
    controls::remediate(&aws, &target).await
}
