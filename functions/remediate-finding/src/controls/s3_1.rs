//! S3.1: S3 general purpose buckets should have block public access settings enabled (the
//! account's settings). Turns on the account's four Block Public Access settings through S3
//! Control, for the finding's account only.

use super::s3_8::Settings;
use super::{Fix, Grant};
use crate::target::Target;
use aws_sdk_s3control::config::endpoint::{Endpoint, EndpointFuture, Params, ResolveEndpoint};
use aws_sdk_s3control::error::ProvideErrorMetadata;
use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use shared::aws::SdkConfig;
use shared::{Error, Result};

pub fn access() -> Vec<Grant> {
    // AWS-REQUIRED-WILDCARD: account settings have no resource ARN; the session is in one account.
    vec![
        Grant::read(&["s3:GetAccountPublicAccessBlock"], "*"),
        Grant::write(&["s3:PutAccountPublicAccessBlock"], "*"),
    ]
}

pub struct AccountPublicAccess {
    pub s3control: aws_sdk_s3control::Client,
}

/// S3 Control puts the account id in the host name (`ACCOUNT.s3-control.REGION.amazonaws.com`),
/// which an emulator on 127.0.0.1 cannot have: with an endpoint configured (`AWS_ENDPOINT_URL`),
/// requests go to it as it is, like S3's path-style addressing.
#[derive(Debug)]
struct AsConfigured(String);

impl ResolveEndpoint for AsConfigured {
    fn resolve_endpoint<'a>(&'a self, _: &'a Params) -> EndpointFuture<'a> {
        EndpointFuture::ready(Ok(Endpoint::builder().url(self.0.clone()).build()))
    }
}

impl AccountPublicAccess {
    pub fn new(aws: &SdkConfig) -> Self {
        let mut config = aws_sdk_s3control::config::Builder::from(aws);
        if let Some(url) = aws.endpoint_url() {
            config = config.endpoint_resolver(AsConfigured(url.to_owned()));
        }
        AccountPublicAccess {
            s3control: aws_sdk_s3control::Client::from_conf(config.build()),
        }
    }
}

impl Fix for AccountPublicAccess {
    type State = Settings;

    async fn read(&self, target: &Target) -> Result<Settings> {
        let read = self
            .s3control
            .get_public_access_block()
            .account_id(&target.account_id)
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
            Err(e) => Err(Error::from_sdk(
                format!("S3 Control GetPublicAccessBlock {}", target.account_id),
                e,
            )),
        }
    }

    fn fixed(&self, _: &Target, _: &Settings) -> Result<Settings> {
        Ok(Settings::ALL)
    }

    async fn write(&self, target: &Target, _: &Settings, after: &Settings) -> Result<()> {
        let settings = PublicAccessBlockConfiguration::builder()
            .block_public_acls(after.block_public_acls)
            .ignore_public_acls(after.ignore_public_acls)
            .block_public_policy(after.block_public_policy)
            .restrict_public_buckets(after.restrict_public_buckets)
            .build();
        self.s3control
            .put_public_access_block()
            .account_id(&target.account_id)
            .public_access_block_configuration(settings)
            .send()
            .await
            .map_err(|e| {
                Error::from_sdk(
                    format!("S3 Control PutPublicAccessBlock {}", target.account_id),
                    e,
                )
            })?;
        Ok(())
    }

    fn change(&self, before: &Settings, after: &Settings) -> String {
        Settings::change(before, after)
    }
}
