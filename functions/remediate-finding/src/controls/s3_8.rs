//! S3.8: S3 general purpose buckets should block public access. Turns on the bucket's four
//! Block Public Access settings; every call is pinned to the finding's account
//! (`ExpectedBucketOwner`), so a bucket of the same name elsewhere is never read or changed.

use super::{Fix, Grant, and_list};
use crate::target::Target;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};
use shared::aws::SdkConfig;
use shared::{Error, Result};

/// The four Block Public Access settings, of a bucket (S3.8) or an account (S3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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

    /// From the four settings as S3 or S3 Control answer them: one that is not set is off.
    pub fn from_options(
        block_public_acls: Option<bool>,
        ignore_public_acls: Option<bool>,
        block_public_policy: Option<bool>,
        restrict_public_buckets: Option<bool>,
    ) -> Self {
        Settings {
            block_public_acls: block_public_acls.unwrap_or(false),
            ignore_public_acls: ignore_public_acls.unwrap_or(false),
            block_public_policy: block_public_policy.unwrap_or(false),
            restrict_public_buckets: restrict_public_buckets.unwrap_or(false),
        }
    }

    fn named(&self) -> [(bool, &'static str); 4] {
        [
            (self.block_public_acls, "BlockPublicAcls"),
            (self.ignore_public_acls, "IgnorePublicAcls"),
            (self.block_public_policy, "BlockPublicPolicy"),
            (self.restrict_public_buckets, "RestrictPublicBuckets"),
        ]
    }

    /// "BlockPublicAcls and IgnorePublicAcls turned on".
    pub fn change(before: &Settings, after: &Settings) -> String {
        let on: Vec<&str> = before
            .named()
            .iter()
            .zip(after.named())
            .filter(|((was, _), (is, _))| !was && *is)
            .map(|((_, name), _)| *name)
            .collect();
        format!("{} turned on", and_list(&on))
    }
}

pub fn access(target: &Target) -> Vec<Grant> {
    let bucket = format!("arn:{}:s3:::{}", target.partition, target.resource);
    vec![
        Grant::read(&["s3:GetBucketPublicAccessBlock"], &bucket),
        Grant::write(&["s3:PutBucketPublicAccessBlock"], bucket),
    ]
}

pub struct BucketPublicAccess {
    pub s3: aws_sdk_s3::Client,
}

impl BucketPublicAccess {
    pub fn new(aws: &SdkConfig) -> Self {
        BucketPublicAccess {
            s3: shared::aws::s3_client(aws),
        }
    }
}

impl Fix for BucketPublicAccess {
    type State = Settings;

    async fn read(&self, target: &Target) -> Result<Settings> {
        let bucket = &target.resource;
        let read = self
            .s3
            .get_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(&target.account_id)
            .send()
            .await;
        match read {
            Ok(out) => {
                Ok(out
                    .public_access_block_configuration()
                    .map_or_else(Settings::default, |c| {
                        Settings::from_options(
                            c.block_public_acls,
                            c.ignore_public_acls,
                            c.block_public_policy,
                            c.restrict_public_buckets,
                        )
                    }))
            }
            Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => {
                Ok(Settings::default())
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

    fn fixed(&self, _: &Target, _: &Settings) -> Result<Settings> {
        Ok(Settings::ALL)
    }

    async fn write(&self, target: &Target, _: &Settings, after: &Settings) -> Result<()> {
        let bucket = &target.resource;
        self.s3
            .put_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(&target.account_id)
            .public_access_block_configuration(to_s3(after))
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("S3 PutPublicAccessBlock '{bucket}'"), e))?;
        Ok(())
    }

    fn change(&self, before: &Settings, after: &Settings) -> String {
        Settings::change(before, after)
    }
}

pub fn to_s3(s: &Settings) -> PublicAccessBlockConfiguration {
    PublicAccessBlockConfiguration::builder()
        .block_public_acls(s.block_public_acls)
        .ignore_public_acls(s.ignore_public_acls)
        .block_public_policy(s.block_public_policy)
        .restrict_public_buckets(s.restrict_public_buckets)
        .build()
}
