//! EC2.7: EBS default encryption should be enabled. Turns it on in the finding's Region; the
//! default key (the account's `aws/ebs` key, or the one the account chose) is left as it is.

use super::{Fix, Grant};
use crate::target::Target;
use serde::Serialize;
use shared::aws::SdkConfig;
use shared::{Error, Result};

pub fn access() -> Vec<Grant> {
    // AWS-REQUIRED-WILDCARD: a Region's setting has no resource ARN; the session is in one
    // account and its client in one Region.
    vec![
        Grant::read(&["ec2:GetEbsEncryptionByDefault"], "*"),
        Grant::write(&["ec2:EnableEbsEncryptionByDefault"], "*"),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Encryption {
    pub ebs_encryption_by_default: bool,
}

pub struct EbsEncryptionByDefault {
    pub ec2: aws_sdk_ec2::Client,
}

impl EbsEncryptionByDefault {
    pub fn new(aws: &SdkConfig) -> Self {
        EbsEncryptionByDefault {
            ec2: aws_sdk_ec2::Client::new(aws),
        }
    }
}

impl Fix for EbsEncryptionByDefault {
    type State = Encryption;

    async fn read(&self, target: &Target) -> Result<Encryption> {
        let out = self
            .ec2
            .get_ebs_encryption_by_default()
            .send()
            .await
            .map_err(|e| {
                Error::from_sdk(
                    format!("EC2 GetEbsEncryptionByDefault in {}", target.region),
                    e,
                )
            })?;
        Ok(Encryption {
            ebs_encryption_by_default: out.ebs_encryption_by_default.unwrap_or(false),
        })
    }

    fn fixed(&self, _: &Target, _: &Encryption) -> Result<Encryption> {
        Ok(Encryption {
            ebs_encryption_by_default: true,
        })
    }

    async fn write(&self, target: &Target, _: &Encryption, _: &Encryption) -> Result<()> {
        self.ec2
            .enable_ebs_encryption_by_default()
            .send()
            .await
            .map_err(|e| {
                Error::from_sdk(
                    format!("EC2 EnableEbsEncryptionByDefault in {}", target.region),
                    e,
                )
            })?;
        Ok(())
    }

    fn change(&self, _: &Encryption, _: &Encryption) -> String {
        "EBS encryption by default turned on for new volumes".to_owned()
    }
}
