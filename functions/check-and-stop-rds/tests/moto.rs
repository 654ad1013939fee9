//! The handler against moto's RDS and Step Functions: real requests and responses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use aws_sdk_rds::types::Tag;
use check_and_stop_rds::{Config, Deps, RdsError, Response};
use serde_json::{Value, json};
use shared::aws::SdkConfig;
use testing::{moto, unique};

/// The handler on a raw payload, as Lambda delivers it.
async fn handle(deps: &Deps, event: Value) -> Result<Response, RdsError> {
    check_and_stop_rds::handle(deps, shared::input::parse(event)?).await
}

async fn deps(aws: &SdkConfig, state_machine_arn: Option<String>) -> Deps {
    Deps {
        rds: aws_sdk_rds::Client::new(aws),
        sfn: aws_sdk_sfn::Client::new(aws),
        config: Config {
            dry_run: false,
            state_machine_arn,
        },
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
