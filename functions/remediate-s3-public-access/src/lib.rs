//! A remediation, run by the remediation proxy in the service account: blocks all public access
//! to the S3 bucket a Security Hub finding names. It assumes the organisation's remediation role
//! in the finding's account, turns on the four bucket-level Block Public Access settings, reads
//! them back, and reports what changed. Running it twice changes nothing the second time.

pub mod finding;

use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use finding::{Target, session_name};
use serde::Serialize;
use shared::config::{Vars, flag, required};
use shared::remediation::RemediationRequest;
use shared::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The role assumed in the target account (the same name in every member account).
    pub role_name: String,
    pub dry_run: bool,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            role_name: required(vars, "REMEDIATION_ROLE_NAME")?,
            dry_run: flag(vars, "DRY_RUN", false)?,
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

    fn from_s3(c: Option<&PublicAccessBlockConfiguration>) -> Self {
        let get = |v: Option<bool>| v.unwrap_or(false);
        Settings {
            block_public_acls: get(c.and_then(|c| c.block_public_acls)),
            ignore_public_acls: get(c.and_then(|c| c.ignore_public_acls)),
            block_public_policy: get(c.and_then(|c| c.block_public_policy)),
            restrict_public_buckets: get(c.and_then(|c| c.restrict_public_buckets)),
        }
    }
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub bucket: String,
    pub account_id: String,
    pub region: String,
    pub dry_run: bool,
    /// `blocked`, `already_blocked`, or `would_block` (dry run).
    pub action: String,
    pub changed: bool,
    pub before: Settings,
    pub after: Settings,
    pub summary: String,
}

pub async fn handle(deps: &Deps, request: RemediationRequest) -> Result<Outcome> {
    let target = finding::checked(request)?;
    let dry_run = target.dry_run || deps.config.dry_run;
    let s3 = s3_in_target(deps, &target).await?;
    let Target {
        bucket,
        account_id,
        region,
        ..
    } = &target;
    let before = read(&s3, bucket).await?;
    let (action, after) = if before == Settings::ALL {
        ("already_blocked", before)
    } else if dry_run {
        ("would_block", before)
    } else {
        let all = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        s3.put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(all)
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("S3 PutPublicAccessBlock '{bucket}'"), e))?;
        let after = read(&s3, bucket).await?;
        if after != Settings::ALL {
            return Err(Error::Aws(format!(
                "bucket '{bucket}' still allows some public access after PutPublicAccessBlock: {after:?}"
            )));
        }
        ("blocked", after)
    };
    let summary = match action {
        "blocked" => {
            format!("Blocked all public access to bucket '{bucket}' in account {account_id}.")
        }
        "already_blocked" => format!(
            "Bucket '{bucket}' in account {account_id} already blocks all public access; nothing changed."
        ),
        _ => format!(
            "Dry run: would have blocked all public access to bucket '{bucket}' in account {account_id} (now {before:?})."
        ),
    };
    tracing::info!(%bucket, account = %account_id, action, "remediation");
    Ok(Outcome {
        bucket: bucket.clone(),
        account_id: account_id.clone(),
        region: region.clone(),
        dry_run,
        action: action.to_owned(),
        changed: action == "blocked",
        before,
        after,
        summary,
    })
}

/// An S3 client acting as the remediation role in the target account and region.
async fn s3_in_target(deps: &Deps, target: &Target) -> Result<aws_sdk_s3::Client> {
    let role_arn = format!(
        "arn:{}:iam::{}:role/{}",
        partition(&target.region),
        target.account_id,
        deps.config.role_name
    );
    let assumed = deps
        .sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name(session_name(&target.finding_id))
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

async fn read(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Settings> {
    match s3.get_public_access_block().bucket(bucket).send().await {
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

/// The ARN partition of a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
