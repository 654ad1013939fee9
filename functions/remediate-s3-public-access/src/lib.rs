//! A remediation, run by the remediation proxy in the service account: blocks all public access
//! to the S3 bucket a Security Hub S3.8 finding names. It checks the request again (see
//! [`target`]), assumes the remediation role in the finding's account with a session policy
//! that allows only this bucket in that account, turns on the four bucket-level Block Public
//! Access settings with every call pinned to the account (`ExpectedBucketOwner`), reads them
//! back, and reports what changed. Running it twice changes nothing the second time.

pub mod target;

use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::Serialize;
use shared::config::{Vars, flag, required};
use shared::remediation::{Accounts, Outcome, RemediationRequest, RemediationResult};
use shared::{Error, Result};
use target::{Target, session_name, session_policy};

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
    /// The base configuration the target account's S3 client is made from.
    pub aws: shared::aws::SdkConfig,
    pub config: Config,
}

/// The four bucket-level settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl Settings {
    pub const ALL: Settings = Settings {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    pub fn to_s3(self) -> PublicAccessBlockConfiguration {
        PublicAccessBlockConfiguration::builder()
            .block_public_acls(self.block_public_acls)
            .ignore_public_acls(self.ignore_public_acls)
            .block_public_policy(self.block_public_policy)
            .restrict_public_buckets(self.restrict_public_buckets)
            .build()
    }

    fn from_s3(c: Option<&PublicAccessBlockConfiguration>) -> Self {
        let get = |v: Option<bool>| v.unwrap_or(false);
        Settings {
            block_public_acls: get(c.and_then(|c| c.block_public_acls)),
            ignore_public_acls: get(c.and_then(|c| c.ignore_public_acls)),
            block_public_policy: get(c.and_then(|c| c.block_public_policy)),
            restrict_public_buckets: get(c.and_then(|c| c.restrict_public_buckets)),
        }
    }

    /// The settings that are off, for a summary.
    fn describe(&self) -> String {
        let off: Vec<&str> = [
            (self.block_public_acls, "BlockPublicAcls"),
            (self.ignore_public_acls, "IgnorePublicAcls"),
            (self.block_public_policy, "BlockPublicPolicy"),
            (self.restrict_public_buckets, "RestrictPublicBuckets"),
        ]
        .iter()
        .filter(|(on, _)| !on)
        .map(|(_, name)| *name)
        .collect();
        format!("{} off", off.join(", "))
    }
}

pub async fn handle(deps: &Deps, request: RemediationRequest) -> Result<RemediationResult> {
    let mut target = target::checked(request, &deps.config.accounts)?;
    target.dry_run |= deps.config.dry_run;
    let s3 = s3_in_target(deps, &target).await?;
    remediate(&s3, &target).await
}

/// Blocks public access to the target bucket with `s3`, a client acting in the target account,
/// or in a dry run only reads it.
pub async fn remediate(s3: &aws_sdk_s3::Client, target: &Target) -> Result<RemediationResult> {
    let Target {
        bucket, account_id, ..
    } = &target;
    let before = read(s3, target).await?;
    let (outcome, after) = if before == Settings::ALL {
        (Outcome::AlreadyCompliant, before)
    } else if target.dry_run {
        (Outcome::WouldRemediate, before)
    } else {
        s3.put_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(account_id)
            .public_access_block_configuration(Settings::ALL.to_s3())
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("S3 PutPublicAccessBlock '{bucket}'"), e))?;
        let after = read(s3, target).await?;
        if after != Settings::ALL {
            return Err(Error::Aws(format!(
                "bucket '{bucket}' still allows some public access after PutPublicAccessBlock: {after:?}"
            )));
        }
        (Outcome::Remediated, after)
    };
    let summary = match outcome {
        Outcome::Remediated => {
            format!("Blocked all public access to bucket '{bucket}' in account {account_id}.")
        }
        Outcome::AlreadyCompliant => {
            format!("Bucket '{bucket}' in account {account_id} already blocks all public access.")
        }
        Outcome::WouldRemediate => format!(
            "Would block all public access to bucket '{bucket}' in account {account_id} (now {}).",
            before.describe()
        ),
    };
    tracing::info!(%bucket, account = %account_id, outcome = outcome.as_str(), dry_run = target.dry_run, "remediation");
    Ok(RemediationResult {
        outcome,
        summary,
        detail: serde_json::json!({
            "bucket": bucket,
            "account_id": account_id,
            "region": target.region,
            "dry_run": target.dry_run,
            "before": before,
            "after": after,
        }),
    })
}

/// An S3 client acting as the remediation role in the target account and Region, its session
/// limited to the target bucket.
pub async fn s3_in_target(deps: &Deps, target: &Target) -> Result<aws_sdk_s3::Client> {
    let role_arn = format!(
        "arn:{}:iam::{}:role/{}",
        target.partition, target.account_id, deps.config.role_name
    );
    let assumed = deps
        .sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name(session_name(&target.finding_id))
        .policy(session_policy(target))
        .duration_seconds(900)
        .send()
        .await
        .map_err(|e| Error::from_sdk(format!("STS AssumeRole {role_arn}"), e))?;
    let creds = assumed
        .credentials
        .ok_or_else(|| Error::Aws(format!("STS AssumeRole {role_arn} returned no credentials")))?;
    let credentials = Credentials::new(
        creds.access_key_id,
        creds.secret_access_key,
        Some(creds.session_token),
        None,
        "remediation-role",
    );
    let config = aws_sdk_s3::config::Builder::from(&deps.aws)
        .credentials_provider(credentials)
        .region(Region::new(target.region.clone()))
        .force_path_style(deps.aws.endpoint_url().is_some())
        .build();
    Ok(aws_sdk_s3::Client::from_conf(config))
}

async fn read(s3: &aws_sdk_s3::Client, target: &Target) -> Result<Settings> {
    let bucket = &target.bucket;
    let read = s3
        .get_public_access_block()
        .bucket(bucket)
        .expected_bucket_owner(&target.account_id)
        .send()
        .await;
    match read {
        Ok(out) => Ok(Settings::from_s3(out.public_access_block_configuration())),
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => {
            Ok(Settings::from_s3(None))
        }
        Err(e) if e.code() == Some("NoSuchBucket") => {
            Err(Error::NotFound(format!("bucket '{bucket}' does not exist")))
        }
        Err(e) => Err(Error::from_sdk(
            format!("S3 GetPublicAccessBlock '{bucket}'"),
            e,
        )),
    }
}
