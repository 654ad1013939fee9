//! The handler against moto's Glue and SNS: real requests and responses. (moto's sessions are
//! READY at once and stay STOPPING after a stop; the mocked tests cover the other states.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use aws_sdk_glue::types::SessionCommand;
use serde_json::json;
use shared::aws::SdkConfig;
use std::time::{Duration, SystemTime};
use stop_glue_session::{Action, Config, Deps, Event, Outcome, Response, handle};
use testing::{moto, topic_with_inbox, unique};

// The sweep acts on every session in moto: the tests here take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn config(dry_run: bool) -> Config {
    Config {
        dry_run,
        ..Config::from_vars(&|name: &str| {
            (name == "GLUE_SESSION_ARN_PREFIX")
                .then(|| "arn:aws:glue:us-east-1:123456789012:session/".to_owned())
        })
        .unwrap()
    }
}

async fn deps(aws: &SdkConfig, config: Config) -> Deps {
    Deps {
        glue: aws_sdk_glue::Client::new(aws),
        sns: aws_sdk_sns::Client::new(aws),
        config,
    }
}

async fn create_session(deps: &Deps, tags: &[(&str, &str)]) -> String {
    let id = unique("session");
    let mut req = deps
        .glue
        .create_session()
        .id(&id)
        .role("arn:aws:iam::123456789012:role/GlueInteractiveSessionRole")
        .command(
            SessionCommand::builder()
                .name("glueetl")
                .python_version("3")
                .build(),
        );
    for (k, v) in tags {
        req = req.tags(*k, *v);
    }
    req.send().await.unwrap();
    id
}

async fn status(deps: &Deps, id: &str) -> String {
    let out = deps.glue.get_session().id(id).send().await.unwrap();
    out.session.unwrap().status.unwrap().as_str().to_owned()
}

/// Creates a session and hands it to the handler as the state machine would.
async fn stop_new_session(deps: &Deps) -> (String, Outcome) {
    let id = create_session(deps, &[]).await;
    match handle(
        deps,
        shared::input::parse(json!({"session_id": id})).unwrap(),
        SystemTime::now(),
    )
    .await
    {
        Ok(Response::Session(o)) => (id, o),
        other => panic!("expected a session outcome, got {other:?}"),
    }
}

#[tokio::test]
async fn stops_a_ready_session() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let aws = moto().await;
    let deps = deps(&aws, config(false)).await;
    let (id, o) = stop_new_session(&deps).await;
    assert_eq!(o.action, Action::Stopped);
    assert_eq!(status(&deps, &id).await, "STOPPING");
}

#[tokio::test]
async fn dry_run_leaves_the_session_running() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let aws = moto().await;
    let deps = deps(&aws, config(true)).await;
    let (id, o) = stop_new_session(&deps).await;
    assert_eq!(o.action, Action::WouldStop);
    assert!(o.summary.contains("would have stopped"), "{}", o.summary);
    assert_eq!(status(&deps, &id).await, "READY");
}

#[tokio::test]
async fn sweep_stops_old_sessions_except_opted_out_and_notifies() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let aws = moto().await;
    let (topic, inbox) = topic_with_inbox(&aws).await;
    let mut config = config(true);
    config.success_topic_arn = Some(topic);
    let mut deps = deps(&aws, config).await;
    let plain = create_session(&deps, &[]).await;
    let kept = create_session(&deps, &[("auto-stop", "false")]).await;
    let sweep: Event = shared::input::parse(
        json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}),
    )
    .unwrap();

    // Just created: younger than the limit, nothing to do.
    let Response::Sweep(report) = handle(&deps, sweep.clone(), SystemTime::now())
        .await
        .unwrap()
    else {
        panic!("expected a sweep report")
    };
    assert!(!report.would_stop.contains(&plain));

    // Two hours on, past the 90-minute limit: a dry run names it and changes nothing...
    let later = SystemTime::now() + Duration::from_secs(2 * 3600);
    let Response::Sweep(report) = handle(&deps, sweep.clone(), later).await.unwrap() else {
        panic!("expected a sweep report")
    };
    assert!(report.would_stop.contains(&plain), "{report:?}");
    assert!(report.opted_out.contains(&kept), "{report:?}");
    assert_eq!(status(&deps, &plain).await, "READY");

    // ...and a real one stops it, leaves the opted-out one, and says so.
    deps.config.dry_run = false;
    let Response::Sweep(report) = handle(&deps, sweep, later).await.unwrap() else {
        panic!("expected a sweep report")
    };
    assert!(report.stopped.contains(&plain), "{report:?}");
    assert!(!report.stopped.contains(&kept));
    assert_eq!(status(&deps, &plain).await, "STOPPING");
    assert_eq!(status(&deps, &kept).await, "READY");
    let notes = inbox.read().await;
    assert!(
        notes
            .iter()
            .any(|n| n.message.contains(&format!("- {plain}"))),
        "{notes:?}"
    );
}
