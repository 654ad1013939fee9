//! KMS.4: AWS KMS key rotation should be enabled. Turns on automatic rotation of the customer
//! managed symmetric key the finding names, with KMS's default period; every call names the key
//! by its full ARN, so only that account's key is read or changed. AWS managed keys rotate on
//! their own, and other key specs cannot rotate: those are refused, not changed.

use super::{Fix, Grant};
use crate::target::Target;
use aws_sdk_kms::types::{KeyManagerType, KeySpec, KeyState};
use serde::Serialize;
use shared::aws::SdkConfig;
use shared::{Error, Result};

pub fn access(target: &Target) -> Vec<Grant> {
    let key = target.resource_id.clone();
    vec![
        Grant::read(&["kms:DescribeKey", "kms:GetKeyRotationStatus"], &key),
        Grant::write(&["kms:EnableKeyRotation"], key),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rotation {
    pub key_rotation_enabled: bool,
}

pub struct KeyRotation {
    pub kms: aws_sdk_kms::Client,
}

impl KeyRotation {
    pub fn new(aws: &SdkConfig) -> Self {
        KeyRotation {
            kms: aws_sdk_kms::Client::new(aws),
        }
    }
}

impl Fix for KeyRotation {
    type State = Rotation;

    async fn read(&self, target: &Target) -> Result<Rotation> {
        let key = &target.resource_id;
        let described = self
            .kms
            .describe_key()
            .key_id(key)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|s| s.is_not_found_exception())
                {
                    Error::NotFound(format!("KMS key {key} does not exist"))
                } else {
                    Error::from_sdk(format!("KMS DescribeKey {key}"), e)
                }
            })?;
        let metadata = described
            .key_metadata
            .ok_or_else(|| Error::Aws(format!("KMS DescribeKey {key} returned no metadata")))?;
        let refuse = |why: &str| {
            Err(Error::InvalidInput(format!(
                "KMS key {key} {why}: its rotation cannot be turned on; nothing was changed"
            )))
        };
        if metadata.key_manager != Some(KeyManagerType::Customer) {
            return refuse(
                "is not a customer managed key (AWS managed keys rotate yearly on their own)",
            );
        }
        if metadata
            .key_spec
            .as_ref()
            .is_some_and(|s| s != &KeySpec::SymmetricDefault)
        {
            return refuse("is not a symmetric encryption key");
        }
        if metadata.key_state != Some(KeyState::Enabled) {
            return refuse("is not enabled");
        }
        let status = self
            .kms
            .get_key_rotation_status()
            .key_id(key)
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("KMS GetKeyRotationStatus {key}"), e))?;
        Ok(Rotation {
            key_rotation_enabled: status.key_rotation_enabled,
        })
    }

    fn fixed(&self, _: &Target, _: &Rotation) -> Result<Rotation> {
        Ok(Rotation {
            key_rotation_enabled: true,
        })
    }

    async fn write(&self, target: &Target, _: &Rotation, _: &Rotation) -> Result<()> {
        let key = &target.resource_id;
        self.kms
            .enable_key_rotation()
            .key_id(key)
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("KMS EnableKeyRotation {key}"), e))?;
        Ok(())
    }

    fn change(&self, _: &Rotation, _: &Rotation) -> String {
        "automatic key rotation turned on".to_owned()
    }
}
