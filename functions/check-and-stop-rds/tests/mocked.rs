//! The handler against mocked RDS and Step Functions clients: status sequences and errors an
//! emulator cannot produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_rds::Client as Rds;
use aws_sdk_rds::operation::create_db_cluster_snapshot::CreateDBClusterSnapshotError;
use aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput;
use aws_sdk_rds::operation::describe_db_instances::{
    DescribeDBInstancesError, DescribeDbInstancesOutput,
};
use aws_sdk_rds::operation::describe_events::DescribeEventsOutput;
use aws_sdk_rds::operation::stop_db_cluster::StopDbClusterOutput;
use aws_sdk_rds::operation::stop_db_instance::StopDbInstanceOutput;
use aws_sdk_rds::types::error::DbClusterSnapshotAlreadyExistsFault;
use aws_sdk_rds::types::{DbCluster, DbInstance, Event, SourceType, Tag};
use aws_sdk_sfn::Client as Sfn;
use aws_sdk_sfn::operation::start_execution::{StartExecutionError, StartExecutionOutput};
use aws_sdk_sfn::types::error::ExecutionAlreadyExists;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::ErrorMetadata;
use check_and_stop_rds::{Action, Config, Deps, RdsError, Response};
use serde_json::{Value, json};

/// A minute after the samples' auto-start (2026-11-20T09:14:07Z).
fn now() -> DateTime {
    DateTime::from_secs(1_795_166_047 + 60)
}

/// The handler on a raw payload, as Lambda delivers it, a minute after the samples' event.
async fn handle(deps: &Deps, event: Value) -> Result<Response, RdsError> {
    check_and_stop_rds::handle(deps, shared::input::parse(event)?, now()).await
}

fn started() -> StartExecutionOutput {
    StartExecutionOutput::builder()
        .execution_arn("arn:aws:states:eu-west-1:123456789012:execution:rds-auto-stop:x")
        .start_date(DateTime::from_secs(0))
        .build()
        .unwrap()
}

const TAGGED: (&str, &str) = ("auto-restart-protection", "yes");

fn instance(status: &str, tag: Option<(&str, &str)>) -> DbInstance {
    let mut b = DbInstance::builder()
        .db_instance_identifier("orders-dev")
        .db_instance_status(status);
    if let Some((k, v)) = tag {
        b = b.tag_list(Tag::builder().key(k).value(v).build());
    }
    b.build()
}

fn describe_sequence(statuses: &[&'static str]) -> Rule {
    let mut seq = mock!(Rds::describe_db_instances).sequence();
    for s in statuses {
        let s = *s;
        seq = seq.output(move || {
            DescribeDbInstancesOutput::builder()
                .db_instances(instance(s, Some(TAGGED)))
                .build()
        });
    }
    seq.build()
}

/// DescribeDBClusters: a protected cluster, `available`.
fn available_cluster() -> Rule {
    mock!(Rds::describe_db_clusters).then_output(|| {
        DescribeDbClustersOutput::builder()
            .db_clusters(
                DbCluster::builder()
                    .status("available")
                    .tag_list(Tag::builder().key(TAGGED.0).value(TAGGED.1).build())
                    .build(),
            )
            .build()
    })
}

fn stop_instance() -> Rule {
    mock!(Rds::stop_db_instance).then_output(|| {
        StopDbInstanceOutput::builder()
            .db_instance(instance("stopping", Some(TAGGED)))
            .build()
    })
}

/// RDS's event history with nothing after the auto-start, unless a test's own rule comes first.
fn no_later_events() -> Rule {
    mock!(Rds::describe_events).then_output(|| DescribeEventsOutput::builder().build())
}

fn deps(rds_rules: &[&Rule], sfn_rules: &[&Rule], dry_run: bool) -> Deps {
    let history = no_later_events();
    let rds_rules: Vec<&Rule> = rds_rules.iter().copied().chain([&history]).collect();
    Deps {
        rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, &rds_rules),
        sfn: mock_client!(aws_sdk_sfn, RuleMode::MatchAny, sfn_rules),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, &[]),
        config: Config {
            dry_run,
            state_machine_arn: Some(
                "arn:aws:states:eu-west-1:123456789012:stateMachine:rds-auto-stop".into(),
            ),
            ..Config::from_vars(&|_: &str| None).unwrap()
        },
    }
}

fn check_input() -> Value {
    json!({"resource_id": "orders-dev", "resource_type": "instance"})
}

fn outcome(r: Response) -> check_and_stop_rds::CheckOutcome {
    match r {
        Response::Check(o) => o,
        other => panic!("expected a check outcome, got {other:?}"),
    }
}

#[tokio::test]
async fn starting_to_stopped_stops_exactly_once() {
    let describe = describe_sequence(&[
        "starting",
        "configuring-enhanced-monitoring",
        "available",
        "stopping",
        "stopped",
    ]);
    let stop = stop_instance();
    let deps = deps(&[&describe, &stop], &[], false);
    let mut seen = Vec::new();
    for _ in 0..5 {
        let o = outcome(handle(&deps, check_input()).await.unwrap());
        seen.push((o.status.clone(), o.action, o.done));
    }
    assert_eq!(
        seen,
        [
            ("starting".into(), Action::Wait, false),
            (
                "configuring-enhanced-monitoring".into(),
                Action::Wait,
                false
            ),
            ("stopping".into(), Action::Stopped, false),
            ("stopping".into(), Action::Wait, false),
            ("stopped".into(), Action::None, true),
        ]
    );
    assert_eq!(stop.num_calls(), 1);
}

#[tokio::test]
async fn already_stopped_or_stopping_makes_no_call() {
    for status in ["stopped", "stopping"] {
        let describe = describe_sequence(&[status]);
        let stop = stop_instance();
        let deps = deps(&[&describe, &stop], &[], false);
        let o = outcome(handle(&deps, check_input()).await.unwrap());
        assert_eq!(o.done, status == "stopped");
        assert_eq!(stop.num_calls(), 0, "{status}");
    }
}

#[tokio::test]
async fn dry_run_stops_nothing_and_ends_the_workflow() {
    let describe = describe_sequence(&["available"]);
    let stop = stop_instance();
    let deps = deps(&[&describe, &stop], &[], true);
    let o = outcome(handle(&deps, check_input()).await.unwrap());
    assert_eq!(o.action, Action::WouldStop);
    assert!(o.done);
    assert!(o.summary.starts_with("Dry run"), "{}", o.summary);
    assert_eq!(stop.num_calls(), 0);
}

#[tokio::test]
async fn untagged_or_wrongly_tagged_is_never_stopped() {
    for tag in [
        None,
        Some(("auto-restart-protection", "yes-please")),
        Some(("auto-restart-protection", "Yes")),
    ] {
        let describe = mock!(Rds::describe_db_instances).then_output(move || {
            DescribeDbInstancesOutput::builder()
                .db_instances(instance("available", tag))
                .build()
        });
        let stop = stop_instance();
        let start = mock!(Sfn::start_execution).then_output(started);
        let deps = deps(&[&describe, &stop], &[&start], false);
        let err = handle(&deps, check_input()).await.unwrap_err();
        assert_eq!(err.error_type(), "NotProtected", "{tag:?}");
        let event: Value = serde_json::from_str(include_str!(
            "../../../events/check-and-stop-rds/eventbridge-instance-auto-started.json"
        ))
        .unwrap();
        let Response::Triggered { results } = handle(&deps, event).await.unwrap() else {
            panic!("expected trigger results")
        };
        assert_eq!(results[0].action, "ignored", "{tag:?}");
        assert_eq!(stop.num_calls() + start.num_calls(), 0, "{tag:?}");
    }
}

#[tokio::test]
async fn a_protected_read_replica_is_not_stoppable_and_nothing_is_called() {
    let describe = mock!(Rds::describe_db_instances).then_output(|| {
        let mut replica = instance("available", Some(("auto-restart-protection", "yes")));
        replica.read_replica_source_db_instance_identifier = Some("orders".into());
        DescribeDbInstancesOutput::builder()
            .db_instances(replica)
            .build()
    });
    let stop = stop_instance();
    let deps = deps(&[&describe, &stop], &[], false);
    let err = handle(&deps, check_input()).await.unwrap_err();
    assert_eq!(err.error_type(), "NotStoppable");
    assert!(
        err.to_string().contains(
            "DB instance 'orders-dev' cannot be stopped: it is a read replica of 'orders'"
        ),
        "{err}"
    );
    assert_eq!(stop.num_calls(), 0);
}

#[tokio::test]
async fn the_same_event_twice_starts_one_execution() {
    let describe = describe_sequence(&["starting", "starting"]);
    let start = mock!(Sfn::start_execution)
        .sequence()
        .output(started)
        .error(|| {
            StartExecutionError::ExecutionAlreadyExists(
                ExecutionAlreadyExists::builder()
                    .meta(
                        ErrorMetadata::builder()
                            .code("ExecutionAlreadyExists")
                            .build(),
                    )
                    .build(),
            )
        })
        .build();
    let deps = deps(&[&describe], &[&start], false);
    let event: Value = serde_json::from_str(include_str!(
        "../../../events/check-and-stop-rds/sns-instance-auto-started.json"
    ))
    .unwrap();
    let mut names = Vec::new();
    for expected in ["started", "already_started"] {
        let Response::Triggered { results } = handle(&deps, event.clone()).await.unwrap() else {
            panic!("expected trigger results")
        };
        assert_eq!(results[0].action, expected);
        names.push(results[0].execution_name.clone().unwrap());
    }
    assert_eq!(names[0], names[1]);
    assert_eq!(start.num_calls(), 2);
}

/// The samples' auto-start replayed after the database was stopped and started again: RDS's
/// history says so, and the trigger starts nothing.
#[tokio::test]
async fn a_replayed_event_never_stops_a_database_started_again_since() {
    let history = mock!(Rds::describe_events).then_output(|| {
        let event = |secs: i64, message: &str| {
            Event::builder()
                .source_identifier("orders-dev")
                .source_type(SourceType::DbInstance)
                .date(DateTime::from_secs(secs))
                .message(message)
                .build()
        };
        DescribeEventsOutput::builder()
            .events(event(
                1_795_166_047,
                "DB instance is being started due to it exceeding the maximum allowed time \
                 being stopped.",
            ))
            .events(event(1_795_166_047 + 20, "DB instance stopped"))
            .events(event(1_795_166_047 + 40, "DB instance started"))
            .build()
    });
    let describe = describe_sequence(&["available"]);
    let start = mock!(Sfn::start_execution).then_output(started);
    let restarted = deps(&[&history, &describe], &[&start], false);
    let event: Value = serde_json::from_str(include_str!(
        "../../../events/check-and-stop-rds/eventbridge-instance-auto-started.json"
    ))
    .unwrap();
    let Response::Triggered { results } = handle(&restarted, event.clone()).await.unwrap() else {
        panic!("expected trigger results")
    };
    assert_eq!(results[0].action, "stopped_since");
    let reason = results[0].reason.clone().unwrap();
    assert!(reason.contains("someone started it since"), "{reason}");
    assert_eq!(start.num_calls(), 0);

    // The same event, with nothing since but delivered two hours late: too old to act on.
    let late = DateTime::from_secs(1_795_166_047 + 2 * 3600);
    let describe = describe_sequence(&["available"]);
    let quiet = deps(&[&describe], &[&start], false);
    let result = check_and_stop_rds::handle(&quiet, shared::input::parse(event).unwrap(), late)
        .await
        .unwrap();
    let Response::Triggered { results } = result else {
        panic!("expected trigger results")
    };
    assert_eq!(results[0].action, "too_old");
    assert_eq!(start.num_calls(), 0);
}

/// With SNAPSHOT_BEFORE_STOP, the instance's stop asks for a snapshot named after the day, and
/// a cluster's snapshot comes before its stop; a snapshot that exists already (a retry) does
/// not keep the database running.
#[tokio::test]
async fn a_snapshot_is_asked_for_before_the_stop_when_configured() {
    let describe = describe_sequence(&["available"]);
    let stop = mock!(Rds::stop_db_instance)
        .match_requests(|r| {
            r.db_snapshot_identifier() == Some("orders-dev-before-auto-stop-20261120")
        })
        .then_output(|| {
            StopDbInstanceOutput::builder()
                .db_instance(instance("stopping", Some(TAGGED)))
                .build()
        });
    let mut with_snapshot = deps(&[&describe, &stop], &[], false);
    with_snapshot.config.snapshot_before_stop = true;
    let o = outcome(handle(&with_snapshot, check_input()).await.unwrap());
    assert_eq!(o.action, Action::Stopped);
    assert!(
        o.summary
            .contains("after a snapshot 'orders-dev-before-auto-stop-20261120'")
    );
    assert_eq!(stop.num_calls(), 1);

    let cluster = available_cluster();
    let snapshot = mock!(Rds::create_db_cluster_snapshot)
        .match_requests(|r| {
            r.db_cluster_snapshot_identifier() == Some("analytics-aurora-before-auto-stop-20261120")
        })
        .then_error(|| {
            CreateDBClusterSnapshotError::DbClusterSnapshotAlreadyExistsFault(
                DbClusterSnapshotAlreadyExistsFault::builder().build(),
            )
        });
    let stop_cluster = mock!(Rds::stop_db_cluster).then_output(|| {
        StopDbClusterOutput::builder()
            .db_cluster(DbCluster::builder().status("stopping").build())
            .build()
    });
    let mut with_snapshot = deps(&[&cluster, &snapshot, &stop_cluster], &[], false);
    with_snapshot.config.snapshot_before_stop = true;
    let input = json!({"resource_id": "analytics-aurora", "resource_type": "cluster"});
    let o = outcome(handle(&with_snapshot, input).await.unwrap());
    assert_eq!(o.action, Action::Stopped);
    assert_eq!((snapshot.num_calls(), stop_cluster.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_cluster_is_stopped_with_stop_db_cluster() {
    let describe = available_cluster();
    let stop = mock!(Rds::stop_db_cluster)
        .match_requests(|r| r.db_cluster_identifier() == Some("analytics-aurora"))
        .then_output(|| {
            StopDbClusterOutput::builder()
                .db_cluster(DbCluster::builder().status("stopping").build())
                .build()
        });
    let deps = deps(&[&describe, &stop], &[], false);
    let o = outcome(
        handle(
            &deps,
            json!({"resource_id": "analytics-aurora", "resource_type": "cluster"}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(o.action, Action::Stopped);
    assert_eq!(stop.num_calls(), 1);
}

#[tokio::test]
async fn throttling_is_retryable_and_a_missing_database_is_not() {
    let throttled = mock!(Rds::describe_db_instances).then_error(|| {
        DescribeDBInstancesError::generic(ErrorMetadata::builder().code("Throttling").build())
    });
    let deps_throttled = deps(&[&throttled], &[], false);
    let err = handle(&deps_throttled, check_input()).await.unwrap_err();
    assert_eq!(err.error_type(), "Throttled");

    let missing = mock!(Rds::describe_db_instances).then_error(|| {
        DescribeDBInstancesError::DbInstanceNotFoundFault(
            aws_sdk_rds::types::error::DbInstanceNotFoundFault::builder().build(),
        )
    });
    let deps_missing = deps(&[&missing], &[], false);
    let err = handle(&deps_missing, check_input()).await.unwrap_err();
    assert_eq!(err.error_type(), "NotFound");
    assert!(err.to_string().contains("'orders-dev' does not exist"));
}

#[tokio::test]
async fn bad_input_never_stops() {
    let describe = describe_sequence(&["available"]);
    let stop = stop_instance();
    let deps = deps(&[&describe, &stop], &[], false);
    for event in [
        json!({"resource_id": "orders-dev"}),
        json!({"resource_id": "", "resource_type": "instance"}),
        json!({"resource_id": "orders_dev; drop", "resource_type": "instance"}),
        json!({"resource_id": 5, "resource_type": "cluster"}),
        json!([1, 2]),
        json!({"Records": []}),
        json!({"hello": "world"}),
    ] {
        let err = handle(&deps, event.clone()).await.unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput", "{event}");
    }
    assert_eq!(describe.num_calls() + stop.num_calls(), 0);
}

/// The usage report: of the day's auto-starts of protected databases, the one stopped again is
/// counted with its hours saved (7 days less the time it ran), the one still running is named,
/// and an untagged one is not ours to report.
#[tokio::test]
async fn the_usage_report_counts_the_databases_kept_stopped_and_the_hours_saved() {
    let at = 1_795_166_047;
    let event = |id: &str, secs: i64, message: &str| {
        Event::builder()
            .source_identifier(id)
            .source_type(SourceType::DbInstance)
            .date(DateTime::from_secs(secs))
            .message(message)
            .build()
    };
    let started =
        "DB instance is being started due to it exceeding the maximum allowed time being stopped.";
    let history = mock!(Rds::describe_events).then_output(move || {
        DescribeEventsOutput::builder()
            .events(event("orders-dev", at, started))
            .events(event("orders-dev", at + 1800, "DB instance stopped"))
            .events(event("search-dev", at + 600, started))
            .events(event("untagged", at + 700, started))
            .build()
    });
    let describe = mock!(Rds::describe_db_instances).then_compute_output(|r| {
        let (status, tag) = match r.db_instance_identifier().unwrap_or_default() {
            "orders-dev" => ("stopped", Some(TAGGED)),
            "search-dev" => ("available", Some(TAGGED)),
            _ => ("available", None),
        };
        DescribeDbInstancesOutput::builder()
            .db_instances(instance(status, tag))
            .build()
    });
    let deps = deps(&[&history, &describe], &[], false);
    let report = check_and_stop_rds::handle(
        &deps,
        shared::input::parse(json!({"usage_report": {"hours": 24}})).unwrap(),
        DateTime::from_secs(at + 3600),
    )
    .await
    .unwrap();
    let Response::Usage(report) = report else {
        panic!("expected a usage report")
    };
    assert_eq!(
        report.auto_starts, 2,
        "the untagged database is not counted"
    );
    assert_eq!(report.kept_stopped.len(), 1);
    assert_eq!(report.kept_stopped[0].resource_id, "orders-dev");
    assert_eq!(report.kept_stopped[0].ran_minutes, 30);
    assert_eq!(report.hours_saved, 167.5);
    assert_eq!(report.running, ["DB instance 'search-dev' (available)"]);
    assert!(!report.published, "no topic configured");

    let err = handle(&deps, json!({"usage_report": {"hours": 337}}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput");
}
