//! The handler against moto's RDS and Step Functions: real requests and responses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use aws_sdk_rds::primitives::{DateTime, DateTimeFormat};
use aws_sdk_rds::types::Tag;
use check_and_stop_rds::{Config, Deps, RdsError, Response, SweepReport, TriggerOutcome};
use serde_json::{Value, json};
use shared::aws::SdkConfig;
use std::time::{Duration, SystemTime};
use testing::{add_rds_event, moto, unique};

/// A minute after the sample auto-start's time (2026-11-20T09:14:07Z).
fn sample_now() -> DateTime {
    DateTime::from_secs(1_795_166_047 + 60)
}

/// The handler on a raw payload, as Lambda delivers it, a minute after the sample's event.
async fn handle(deps: &Deps, event: Value) -> Result<Response, RdsError> {
    check_and_stop_rds::handle(deps, shared::input::parse(event)?, sample_now()).await
}

async fn deps(aws: &SdkConfig, state_machine_arn: Option<String>) -> Deps {
    Deps {
        rds: aws_sdk_rds::Client::new(aws),
        sfn: aws_sdk_sfn::Client::new(aws),
        sns: aws_sdk_sns::Client::new(aws),
        config: Config {
            dry_run: false,
            state_machine_arn,
            ..Config::from_vars(&|_: &str| None).unwrap()
        },
    }
}

const AUTO_STARTED: &str =
    "DB instance is being started due to it exceeding the maximum allowed time being stopped.";

/// RFC 3339, `minutes` ago by the real clock (moto's events are on it).
fn minutes_ago(minutes: u64) -> (String, SystemTime) {
    let at = SystemTime::now() - Duration::from_secs(minutes * 60);
    let text = DateTime::from(at).fmt(DateTimeFormat::DateTime).unwrap();
    (text, at)
}

/// A trivial state machine for the trigger and the sweep to start.
async fn state_machine(aws: &SdkConfig) -> String {
    aws_sdk_sfn::Client::new(aws)
        .create_state_machine()
        .name(unique("rds-auto-stop"))
        .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
        .role_arn("arn:aws:iam::123456789012:role/rds-auto-stop")
        .send()
        .await
        .unwrap()
        .state_machine_arn
}

/// The executions of `machine` for database `id` (a sweep starts other tests' too).
async fn execution_names(aws: &SdkConfig, machine: &str, id: &str) -> Vec<String> {
    let out = aws_sdk_sfn::Client::new(aws)
        .list_executions()
        .state_machine_arn(machine)
        .send()
        .await
        .unwrap();
    out.executions()
        .iter()
        .map(|e| e.name().to_owned())
        .filter(|name| name.starts_with(&format!("{id}-")))
        .collect()
}

/// The sweep, now by the real clock. Other tests' events are in moto's history too, so each
/// test reads the results for its own databases.
async fn sweep(deps: &Deps) -> SweepReport {
    let event: Value = serde_json::from_str(include_str!(
        "../../../events/check-and-stop-rds/scheduled-sweep.json"
    ))
    .unwrap();
    let now = DateTime::from(SystemTime::now());
    match check_and_stop_rds::handle(deps, shared::input::parse(event).unwrap(), now).await {
        Ok(Response::Swept(report)) => report,
        other => panic!("expected a sweep report, got {other:?}"),
    }
}

fn result_for<'a>(report: &'a SweepReport, id: &str) -> Option<&'a TriggerOutcome> {
    report
        .results
        .iter()
        .find(|r| r.resource_id.as_deref() == Some(id))
}

/// The trigger, now by the real clock, given the auto-start of `id` at `at` as EventBridge
/// delivers it.
async fn trigger_now(deps: &Deps, id: &str, at: &str) -> Vec<TriggerOutcome> {
    let mut event = auto_start_event(id);
    event["detail"]["Date"] = json!(at);
    let now = DateTime::from(SystemTime::now());
    match check_and_stop_rds::handle(deps, shared::input::parse(event).unwrap(), now).await {
        Ok(Response::Triggered { results }) => results,
        other => panic!("expected trigger results, got {other:?}"),
    }
}

async fn create_instance(deps: &Deps, tags: &[(&str, &str)]) -> String {
    let id = unique("db").replace('_', "-");
    let mut req = deps
        .rds
        .create_db_instance()
        .db_instance_identifier(&id)
        .engine("postgres")
        .db_instance_class("db.t4g.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("not-a-secret-1");
    for (k, v) in tags {
        req = req.tags(Tag::builder().key(*k).value(*v).build());
    }
    req.send().await.unwrap();
    id
}

async fn status(deps: &Deps, id: &str) -> String {
    let out = deps
        .rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .unwrap();
    out.db_instances()[0]
        .db_instance_status()
        .unwrap()
        .to_owned()
}

fn auto_start_event(id: &str) -> Value {
    let mut event: Value = serde_json::from_str(include_str!(
        "../../../events/check-and-stop-rds/eventbridge-instance-auto-started.json"
    ))
    .unwrap();
    event["detail"]["SourceIdentifier"] = json!(id);
    event
}

#[tokio::test]
async fn check_stops_a_protected_instance_and_leaves_others() {
    let aws = moto().await;
    let deps = deps(&aws, None).await;
    let protected = create_instance(&deps, &[("auto-restart-protection", "yes")]).await;
    let other = create_instance(&deps, &[("auto-restart-protection", "yes-please")]).await;

    let Response::Check(o) = handle(
        &deps,
        json!({"resource_id": protected, "resource_type": "instance"}),
    )
    .await
    .unwrap() else {
        panic!("expected a check outcome")
    };
    assert!(o.done);
    assert_eq!(status(&deps, &protected).await, "stopped");

    let err = handle(
        &deps,
        json!({"resource_id": other, "resource_type": "instance"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error_type(), "NotProtected");
    assert_eq!(status(&deps, &other).await, "available");

    // A second check of the stopped instance makes no stop call (moto would refuse one).
    let Response::Check(again) = handle(
        &deps,
        json!({"resource_id": protected, "resource_type": "instance"}),
    )
    .await
    .unwrap() else {
        panic!("expected a check outcome")
    };
    assert_eq!(again.status.as_str(), "stopped");
}

#[tokio::test]
async fn the_same_event_twice_starts_one_execution_and_untagged_none() {
    let aws = moto().await;
    let sfn = aws_sdk_sfn::Client::new(&aws);
    let machine = sfn
        .create_state_machine()
        .name(unique("rds-auto-stop"))
        .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
        .role_arn("arn:aws:iam::123456789012:role/rds-auto-stop")
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let deps = deps(&aws, Some(machine.clone())).await;
    let protected = create_instance(&deps, &[("auto-restart-protection", "yes")]).await;
    let untagged = create_instance(&deps, &[]).await;

    for _ in 0..2 {
        let Response::Triggered { results } =
            handle(&deps, auto_start_event(&protected)).await.unwrap()
        else {
            panic!("expected trigger results")
        };
        assert_ne!(results[0].action, "ignored");
    }
    let Response::Triggered { results } = handle(&deps, auto_start_event(&untagged)).await.unwrap()
    else {
        panic!("expected trigger results")
    };
    assert_eq!(results[0].action, "ignored");

    let executions = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(executions.executions().len(), 1);
    assert_eq!(status(&deps, &untagged).await, "available");
}

/// The trigger's event was lost: the next sweep finds the auto-start in RDS's history and
/// starts the workflow under the name the trigger would have used, so a late trigger starts
/// nothing more; an unprotected database's auto-start starts nothing.
#[tokio::test]
async fn a_lost_auto_start_event_is_caught_by_the_next_sweep() {
    let aws = moto().await;
    let machine = state_machine(&aws).await;
    let deps = deps(&aws, Some(machine.clone())).await;
    let protected = create_instance(&deps, &[("auto-restart-protection", "yes")]).await;
    let untagged = create_instance(&deps, &[]).await;
    // Within one sweep interval (60 minutes) of the sweep.
    let (at, _) = minutes_ago(59);
    for id in [&protected, &untagged] {
        add_rds_event(id, "db-instance", AUTO_STARTED, &at).await;
    }

    let report = sweep(&deps).await;
    let caught = result_for(&report, &protected).expect("the protected database is swept");
    assert_eq!(caught.action, "started", "{caught:?}");
    let name = caught.execution_name.clone().unwrap();
    assert_eq!(
        execution_names(&aws, &machine, &protected).await,
        std::slice::from_ref(&name)
    );
    assert_eq!(result_for(&report, &untagged).unwrap().action, "ignored");

    // The trigger's event, delivered after all: the same workflow, not a second one.
    let results = trigger_now(&deps, &protected, &at).await;
    // StartExecution answers an identical call for a running execution as if it started it.
    assert!(matches!(results[0].action, "started" | "already_started"));
    assert_eq!(results[0].execution_name.as_deref(), Some(name.as_str()));
    // And the next sweep starts nothing either.
    let again = sweep(&deps).await;
    let again = result_for(&again, &protected).unwrap();
    assert_eq!(again.execution_name.as_deref(), Some(name.as_str()));
    assert_eq!(execution_names(&aws, &machine, &protected).await.len(), 1);
    assert_eq!(status(&deps, &untagged).await, "available");
}

/// A person stopped and started the database after AWS's auto-start: neither the sweep nor a
/// replayed event stops it, and the sweep reports it; an auto-start older than the setting is
/// reported and left running too.
#[tokio::test]
async fn a_database_started_by_someone_after_its_auto_start_is_never_stopped() {
    let aws = moto().await;
    let machine = state_machine(&aws).await;
    let (topic, inbox) = testing::topic_with_inbox(&aws).await;
    let mut deps = deps(&aws, Some(machine.clone())).await;
    deps.config.report_topic_arn = Some(topic);
    let restarted = create_instance(&deps, &[("auto-restart-protection", "yes")]).await;
    let stale = create_instance(&deps, &[("auto-restart-protection", "yes")]).await;
    let (auto_started, _) = minutes_ago(50);
    add_rds_event(&restarted, "db-instance", AUTO_STARTED, &auto_started).await;
    add_rds_event(
        &restarted,
        "db-instance",
        "DB instance stopped",
        &minutes_ago(40).0,
    )
    .await;
    add_rds_event(
        &restarted,
        "db-instance",
        "DB instance started",
        &minutes_ago(30).0,
    )
    .await;
    // Older than MAX_EVENT_AGE_MINUTES (75), within the sweep's look-back (75 + 60).
    add_rds_event(&stale, "db-instance", AUTO_STARTED, &minutes_ago(100).0).await;

    let report = sweep(&deps).await;
    assert_eq!(
        result_for(&report, &restarted).unwrap().action,
        "stopped_since"
    );
    assert_eq!(result_for(&report, &stale).unwrap().action, "too_old");
    assert!(report.reported);
    let results = trigger_now(&deps, &restarted, &auto_started).await;
    assert_eq!(results[0].action, "stopped_since");

    for id in [&restarted, &stale] {
        assert!(execution_names(&aws, &machine, id).await.is_empty());
        assert_eq!(status(&deps, id).await, "available");
    }
    let notes = inbox.read().await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    for id in [&restarted, &stale] {
        assert!(
            notes[0].message.contains(id.as_str()),
            "{}",
            notes[0].message
        );
    }
}

/// In a dry run the sweep starts the workflow as it would, and its check stops nothing.
#[tokio::test]
async fn a_dry_run_sweep_stops_nothing() {
    let aws = moto().await;
    let machine = state_machine(&aws).await;
    let mut deps = deps(&aws, Some(machine)).await;
    deps.config.dry_run = true;
    let id = create_instance(&deps, &[("auto-restart-protection", "yes")]).await;
    add_rds_event(&id, "db-instance", AUTO_STARTED, &minutes_ago(5).0).await;

    let report = sweep(&deps).await;
    assert!(report.dry_run);
    assert_eq!(result_for(&report, &id).unwrap().action, "started");
    let Response::Check(check) = handle(
        &deps,
        json!({"resource_id": id, "resource_type": "instance"}),
    )
    .await
    .unwrap() else {
        panic!("expected a check outcome")
    };
    assert_eq!(check.action, check_and_stop_rds::Action::WouldStop);
    assert_eq!(status(&deps, &id).await, "available");
}
