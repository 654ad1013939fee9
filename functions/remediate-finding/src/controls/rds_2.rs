//! RDS.2: RDS DB instances should prohibit public access. Turns off `PubliclyAccessible` on the
//! instance the finding names, at once (RDS applies this setting immediately in any case);
//! nothing else of the instance, its security groups or its subnets changes.

use super::{Fix, Grant};
use crate::target::Target;
use serde::Serialize;
use shared::aws::SdkConfig;
use shared::{Error, Result};

pub fn access(target: &Target) -> Vec<Grant> {
    let db = target.resource_id.clone();
    vec![
        Grant::read(&["rds:DescribeDBInstances"], &db),
        Grant::write(&["rds:ModifyDBInstance"], db),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Access {
    pub publicly_accessible: bool,
}

pub struct PublicDbInstance {
    pub rds: aws_sdk_rds::Client,
}

impl PublicDbInstance {
    pub fn new(aws: &SdkConfig) -> Self {
        PublicDbInstance {
            rds: aws_sdk_rds::Client::new(aws),
        }
    }
}

impl Fix for PublicDbInstance {
    type State = Access;

    async fn read(&self, target: &Target) -> Result<Access> {
        let db = &target.resource;
        let out = self
            .rds
            .describe_db_instances()
            .db_instance_identifier(db)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|s| s.is_db_instance_not_found_fault())
                {
                    Error::NotFound(format!("DB instance '{db}' does not exist"))
                } else {
                    Error::from_sdk(format!("RDS DescribeDBInstances '{db}'"), e)
                }
            })?;
        let instance = out
            .db_instances()
            .iter()
            .find(|i| i.db_instance_arn() == Some(target.resource_id.as_str()))
            .ok_or_else(|| {
                Error::NotFound(format!("DB instance {} does not exist", target.resource_id))
            })?;
        Ok(Access {
            publicly_accessible: instance.publicly_accessible().unwrap_or(false),
        })
    }

    fn fixed(&self, _: &Target, _: &Access) -> Result<Access> {
        Ok(Access {
            publicly_accessible: false,
        })
    }

    async fn write(&self, target: &Target, _: &Access, _: &Access) -> Result<()> {
        let db = &target.resource;
        self.rds
            .modify_db_instance()
            .db_instance_identifier(db)
            .publicly_accessible(false)
            .apply_immediately(true)
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("RDS ModifyDBInstance '{db}'"), e))?;
        Ok(())
    }

    fn change(&self, _: &Access, _: &Access) -> String {
        "public accessibility turned off (its endpoint no longer resolves to a public address)"
            .to_owned()
    }
}
