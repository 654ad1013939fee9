//! RDS instances and Aurora clusters (query protocol, XML answers): Describe and Stop, and the
//! event history the trigger reads (`DescribeEvents`).

use super::{Cloud, xml, xml_error};
use crate::scenario::DbPlan;
use axum::http::StatusCode;
use axum::response::Response;
use check_and_stop_rds::{PROTECTION_TAG, ResourceType};
use std::collections::{BTreeMap, HashMap};

/// `stopping` lasts this long before `stopped`.
const STOPPING_SECONDS: f64 = 180.0;
const NAMESPACE: &str = "http://rds.amazonaws.com/doc/2014-10-31/";

#[derive(Debug, Clone)]
pub struct Db {
    pub kind: ResourceType,
    pub protected: bool,
    /// When AWS started it again.
    pub started: f64,
    pub available: f64,
    /// When the first stop call was accepted.
    pub stopped: Option<f64>,
    pub stops: u32,
    /// Stop calls refused because it was not `available`.
    pub refused: u32,
}

impl Db {
    pub fn new(plan: &DbPlan) -> Self {
        Db {
            kind: plan.kind,
            protected: plan.protected,
            started: plan.started,
            available: plan.available,
            stopped: None,
            stops: 0,
            refused: 0,
        }
    }

    pub fn status(&self, now: f64) -> &'static str {
        match self.stopped {
            Some(at) if now < at + STOPPING_SECONDS => "stopping",
            Some(_) => "stopped",
            None if now < self.started => "stopped",
            None if now < self.available => "starting",
            None => "available",
        }
    }
}

pub fn answer(cloud: &Cloud, action: &str, form: &HashMap<String, String>) -> Response {
    let throttled = cloud.throttle();
    let now = cloud.now();
    let mut state = cloud.state();
    state.calls.rds += 1;
    if throttled {
        state.calls.rds_throttled += 1;
        return xml_error(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded");
    }
    if action == "DescribeEvents" {
        let epoch = crate::epoch_seconds(cloud.clock.origin());
        return describe_events(&state.databases, form, now, epoch);
    }
    let (kind, stop) = match action {
        "DescribeDBInstances" => (ResourceType::Instance, false),
        "StopDBInstance" => (ResourceType::Instance, true),
        "DescribeDBClusters" => (ResourceType::Cluster, false),
        "StopDBCluster" => (ResourceType::Cluster, true),
        _ => {
            return xml_error(StatusCode::BAD_REQUEST, "InvalidAction", action);
        }
    };
    let id_field = match kind {
        ResourceType::Instance => "DBInstanceIdentifier",
        ResourceType::Cluster => "DBClusterIdentifier",
    };
    let id = form.get(id_field).cloned().unwrap_or_default();
    let Some(db) = state.databases.get_mut(&id).filter(|db| db.kind == kind) else {
        let code = match kind {
            ResourceType::Instance => "DBInstanceNotFound",
            ResourceType::Cluster => "DBClusterNotFoundFault",
        };
        return xml_error(StatusCode::NOT_FOUND, code, &format!("{id} not found"));
    };
    if stop {
        if db.status(now) != "available" {
            db.refused += 1;
            let code = match kind {
                ResourceType::Instance => "InvalidDBInstanceState",
                ResourceType::Cluster => "InvalidDBClusterStateFault",
            };
            let message = format!("{id} is {}", db.status(now));
            return xml_error(StatusCode::BAD_REQUEST, code, &message);
        }
        db.stopped.get_or_insert(now);
        db.stops += 1;
    }
    let body = describe(&id, db, now);
    let wrapped = if stop {
        body
    } else {
        match kind {
            ResourceType::Instance => format!("<DBInstances>{body}</DBInstances>"),
            ResourceType::Cluster => format!("<DBClusters>{body}</DBClusters>"),
        }
    };
    xml(
        StatusCode::OK,
        format!(
            "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{wrapped}</{action}Result>\
             <ResponseMetadata><RequestId>simulated</RequestId></ResponseMetadata>\
             </{action}Response>"
        ),
    )
}

/// The auto-start of each database (or of the one asked for), and its stop once accepted.
fn describe_events(
    databases: &BTreeMap<String, Db>,
    form: &HashMap<String, String>,
    now: f64,
    epoch: f64,
) -> Response {
    let mut events = String::new();
    let date = |at: f64| {
        aws_sdk_rds::primitives::DateTime::from_secs_f64(epoch + at)
            .fmt(aws_sdk_rds::primitives::DateTimeFormat::DateTime)
            .unwrap_or_default()
    };
    let since = form
        .get("StartTime")
        .and_then(|t| {
            aws_sdk_rds::primitives::DateTime::from_str(
                t,
                aws_sdk_rds::primitives::DateTimeFormat::DateTime,
            )
            .ok()
        })
        .map_or(f64::NEG_INFINITY, |t| t.as_secs_f64() - epoch);
    for (id, db) in databases {
        if form.get("SourceIdentifier").is_some_and(|only| only != id) {
            continue;
        }
        let (source, what) = match db.kind {
            ResourceType::Instance => ("db-instance", "instance"),
            ResourceType::Cluster => ("db-cluster", "cluster"),
        };
        let mut entry = |at: f64, message: String| {
            if (since..=now).contains(&at) {
                events.push_str(&format!(
                    "<Event><SourceIdentifier>{id}</SourceIdentifier><SourceType>{source}</SourceType>\
                     <Message>{message}</Message><Date>{}</Date></Event>",
                    date(at)
                ));
            }
        };
        entry(
            db.started,
            format!(
                "DB {what} is being started due to it exceeding the maximum allowed time being \
                 stopped."
            ),
        );
        if let Some(stopped) = db.stopped {
            entry(stopped + STOPPING_SECONDS, format!("DB {what} stopped"));
        }
    }
    xml(
        StatusCode::OK,
        format!(
            "<DescribeEventsResponse xmlns=\"{NAMESPACE}\"><DescribeEventsResult><Events>{events}\
             </Events></DescribeEventsResult><ResponseMetadata><RequestId>simulated</RequestId>\
             </ResponseMetadata></DescribeEventsResponse>"
        ),
    )
}

fn describe(id: &str, db: &Db, now: f64) -> String {
    let tags = if db.protected {
        format!(
            "<TagList><Tag><Key>{}</Key><Value>{}</Value></Tag></TagList>",
            PROTECTION_TAG.0, PROTECTION_TAG.1
        )
    } else {
        "<TagList><Tag><Key>team</Key><Value>data</Value></Tag></TagList>".to_owned()
    };
    let status = db.status(now);
    match db.kind {
        ResourceType::Instance => format!(
            "<DBInstance><DBInstanceIdentifier>{id}</DBInstanceIdentifier>\
             <DBInstanceStatus>{status}</DBInstanceStatus>{tags}</DBInstance>"
        ),
        ResourceType::Cluster => format!(
            "<DBCluster><DBClusterIdentifier>{id}</DBClusterIdentifier>\
             <Status>{status}</Status>{tags}</DBCluster>"
        ),
    }
}
