//! RDS reads and stops, the same for an instance and a cluster.

use crate::config::PROTECTION_TAG;
use crate::event::ResourceType;
use aws_sdk_rds::Client;
use aws_sdk_rds::types::Tag;
use serde::Serialize;
use shared::Error;

/// A database's status. RDS's API and SDK give it as text (there is no status enum), so the
/// two that decide anything are named here and every other one, known or not, is kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum DbStatus {
    /// The only status a database can be stopped in.
    Available,
    Stopped,
    /// `starting`, `stopping`, `backing-up`, or a status added after this build: wait.
    Other(String),
}

impl From<&str> for DbStatus {
    fn from(status: &str) -> Self {
        match status {
            "available" => DbStatus::Available,
            "stopped" => DbStatus::Stopped,
            other => DbStatus::Other(other.to_owned()),
        }
    }
}

impl DbStatus {
    pub fn as_str(&self) -> &str {
        match self {
            DbStatus::Available => "available",
            DbStatus::Stopped => "stopped",
            DbStatus::Other(status) => status,
        }
    }
}

impl From<DbStatus> for String {
    fn from(status: DbStatus) -> Self {
        status.as_str().to_owned()
    }
}

impl std::fmt::Display for DbStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the function needs to know about a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Db {
    pub status: DbStatus,
    /// Tagged exactly `auto-restart-protection` = `yes` (not `Yes`, not `yes-please`).
    pub protected: bool,
}

fn protected(tags: &[Tag]) -> bool {
    tags.iter()
        .any(|t| t.key() == Some(PROTECTION_TAG.0) && t.value() == Some(PROTECTION_TAG.1))
}

pub async fn describe(rds: &Client, id: &str, kind: ResourceType) -> Result<Db, Error> {
    let not_found = || Error::NotFound(format!("DB {} '{id}' does not exist", kind.as_str()));
    match kind {
        ResourceType::Instance => {
            let out = rds
                .describe_db_instances()
                .db_instance_identifier(id)
                .send()
                .await
                .map_err(|e| {
                    if e.as_service_error()
                        .is_some_and(|s| s.is_db_instance_not_found_fault())
                    {
                        not_found()
                    } else {
                        Error::from_sdk(format!("RDS DescribeDBInstances '{id}'"), e)
                    }
                })?;
            let db = out.db_instances().first().ok_or_else(not_found)?;
            Ok(Db {
                status: db.db_instance_status().unwrap_or("unknown").into(),
                protected: protected(db.tag_list()),
            })
        }
        ResourceType::Cluster => {
            let out = rds
                .describe_db_clusters()
                .db_cluster_identifier(id)
                .send()
                .await
                .map_err(|e| {
                    if e.as_service_error()
                        .is_some_and(|s| s.is_db_cluster_not_found_fault())
                    {
                        not_found()
                    } else {
                        Error::from_sdk(format!("RDS DescribeDBClusters '{id}'"), e)
                    }
                })?;
            let db = out.db_clusters().first().ok_or_else(not_found)?;
            Ok(Db {
                status: db.status().unwrap_or("unknown").into(),
                protected: protected(db.tag_list()),
            })
        }
    }
}

/// Stops the database. `Ok(None)` when RDS says it is no longer in a state that can be stopped
/// (it moved on since we read it): the next check sees where it went.
pub async fn stop(rds: &Client, id: &str, kind: ResourceType) -> Result<Option<DbStatus>, Error> {
    match kind {
        ResourceType::Instance => {
            match rds
                .stop_db_instance()
                .db_instance_identifier(id)
                .send()
                .await
            {
                Ok(out) => Ok(out
                    .db_instance()
                    .and_then(|d| d.db_instance_status())
                    .map(DbStatus::from)),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_invalid_db_instance_state_fault()) =>
                {
                    Ok(None)
                }
                Err(e) => Err(Error::from_sdk(format!("RDS StopDBInstance '{id}'"), e)),
            }
        }
        ResourceType::Cluster => {
            match rds.stop_db_cluster().db_cluster_identifier(id).send().await {
                Ok(out) => Ok(out
                    .db_cluster()
                    .and_then(|d| d.status())
                    .map(DbStatus::from)),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_invalid_db_cluster_state_fault()) =>
                {
                    Ok(None)
                }
                Err(e) => Err(Error::from_sdk(format!("RDS StopDBCluster '{id}'"), e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag::builder().key(k).value(v).build()
    }

    #[test]
    fn only_the_exact_tag_protects() {
        assert!(protected(&[
            tag("env", "dev"),
            tag("auto-restart-protection", "yes")
        ]));
        for (k, v) in [
            ("auto-restart-protection", "Yes"),
            ("auto-restart-protection", "yes-please"),
            ("auto-restart-protection", " yes"),
            ("auto-restart-protection-x", "yes"),
            ("Auto-Restart-Protection", "yes"),
        ] {
            assert!(!protected(&[tag(k, v)]), "{k}={v}");
        }
        assert!(!protected(&[]));
    }
}
