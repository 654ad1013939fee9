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
    /// Stopped, or on its way there: nothing to keep stopped.
    pub fn is_stopping_or_stopped(&self) -> bool {
        matches!(self.as_str(), "stopped" | "stopping")
    }

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
    /// Why RDS would refuse to stop it, when it is a kind of database that cannot be stopped.
    pub not_stoppable: Option<String>,
}

/// Why an instance cannot be stopped on its own, if it cannot: RDS refuses StopDBInstance for
/// read replicas and for the instances of a cluster (the cluster is what stops).
fn instance_not_stoppable(db: &aws_sdk_rds::types::DbInstance) -> Option<String> {
    if let Some(source) = db
        .read_replica_source_db_instance_identifier()
        .or(db.read_replica_source_db_cluster_identifier())
    {
        return Some(format!("it is a read replica of '{source}'"));
    }
    db.db_cluster_identifier().map(|cluster| {
        format!("it belongs to cluster '{cluster}': the cluster is stopped, not its instances")
    })
}

/// Why a cluster cannot be stopped, if it cannot: Aurora Serverless v1, a member of a global
/// database, or a cross-Region replica.
fn cluster_not_stoppable(db: &aws_sdk_rds::types::DbCluster) -> Option<String> {
    if db.engine_mode() == Some("serverless") {
        return Some("it is Aurora Serverless v1, which scales to zero instead of stopping".into());
    }
    if let Some(global) = db.global_cluster_identifier() {
        return Some(format!("it is a member of global database '{global}'"));
    }
    db.replication_source_identifier()
        .map(|source| format!("it is a replica of '{source}'"))
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
                not_stoppable: instance_not_stoppable(db),
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
                not_stoppable: cluster_not_stoppable(db),
            })
        }
    }
}

/// The snapshot taken before a stop, when asked for: one per database and day, so that a
/// retried check finds the one it took rather than taking another.
pub fn snapshot_name(id: &str, day: &str) -> String {
    format!("{id}-before-auto-stop-{}", day.replace('-', ""))
}

/// Stops the database, after a snapshot named `snapshot` when one is given. `Ok(None)` when
/// RDS says it is no longer in a state that can be stopped (it moved on since we read it):
/// the next check sees where it went.
pub async fn stop(
    rds: &Client,
    id: &str,
    kind: ResourceType,
    snapshot: Option<&str>,
) -> Result<Option<DbStatus>, Error> {
    match kind {
        ResourceType::Instance => {
            // StopDBInstance takes the snapshot itself, before stopping.
            let stopped = rds
                .stop_db_instance()
                .db_instance_identifier(id)
                .set_db_snapshot_identifier(snapshot.map(str::to_owned))
                .send()
                .await;
            match stopped {
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
                // Today's snapshot exists (a person stopped and started it since, or a
                // retry): it is recent enough; stop without another.
                Err(e)
                    if snapshot.is_some()
                        && e.as_service_error()
                            .is_some_and(|s| s.is_db_snapshot_already_exists_fault()) =>
                {
                    Box::pin(stop(rds, id, kind, None)).await
                }
                Err(e) => Err(Error::from_sdk(format!("RDS StopDBInstance '{id}'"), e)),
            }
        }
        ResourceType::Cluster => {
            if let Some(name) = snapshot {
                snapshot_cluster(rds, id, name).await?;
            }
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

/// StopDBCluster takes no snapshot: a cluster snapshot is asked for first. One that exists
/// already is today's, from an earlier try.
async fn snapshot_cluster(rds: &Client, id: &str, name: &str) -> Result<(), Error> {
    match rds
        .create_db_cluster_snapshot()
        .db_cluster_identifier(id)
        .db_cluster_snapshot_identifier(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_cluster_snapshot_already_exists_fault()) =>
        {
            Ok(())
        }
        Err(e) => Err(Error::from_sdk(
            format!("RDS CreateDBClusterSnapshot '{name}'"),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag::builder().key(k).value(v).build()
    }

    #[test]
    fn databases_rds_cannot_stop_say_why() {
        use aws_sdk_rds::types::{DbCluster, DbInstance};
        let says = |reason: Option<String>, what: &str| {
            assert!(
                reason.as_deref().is_some_and(|r| r.contains(what)),
                "{reason:?}"
            );
        };
        assert_eq!(instance_not_stoppable(&DbInstance::builder().build()), None);
        let replica = DbInstance::builder().read_replica_source_db_instance_identifier("orders");
        says(
            instance_not_stoppable(&replica.build()),
            "read replica of 'orders'",
        );
        let member = DbInstance::builder().db_cluster_identifier("reports");
        says(instance_not_stoppable(&member.build()), "cluster 'reports'");
        let provisioned = DbCluster::builder().engine_mode("provisioned").build();
        assert_eq!(cluster_not_stoppable(&provisioned), None);
        let v1 = DbCluster::builder().engine_mode("serverless");
        says(cluster_not_stoppable(&v1.build()), "Serverless v1");
        let global = DbCluster::builder().global_cluster_identifier("world");
        says(
            cluster_not_stoppable(&global.build()),
            "global database 'world'",
        );
        let copy = DbCluster::builder()
            .replication_source_identifier("arn:aws:rds:eu-west-1:1:cluster:main");
        says(cluster_not_stoppable(&copy.build()), "replica of");
    }

    #[test]
    fn snapshot_names_are_valid_rds_identifiers() {
        let name = snapshot_name("orders-dev", "2026-11-20");
        assert_eq!(name, "orders-dev-before-auto-stop-20261120");
        let long = snapshot_name(&format!("a{}", "b".repeat(62)), "2026-11-20");
        assert!(long.len() <= 255 && !long.contains("--"), "{long}");
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
