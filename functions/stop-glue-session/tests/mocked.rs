//! The handler against mocked Glue and SNS clients: the error paths and sequences an emulator
//! cannot produce (a session stuck in PROVISIONING, throttling, access denied).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_glue::Client as Glue;
use aws_sdk_glue::operation::get_session::{GetSessionError, GetSessionOutput};
use aws_sdk_glue::operation::get_tags::GetTagsOutput;
use aws_sdk_glue::operation::list_sessions::ListSessionsOutput;
use aws_sdk_glue::operation::stop_session::{StopSessionError, StopSessionOutput};
use aws_sdk_glue::primitives::DateTime;
use aws_sdk_glue::types::error::{AccessDeniedException, EntityNotFoundException};
use aws_sdk_glue::types::{Session, SessionStatus};
use aws_sdk_sns::Client as Sns;
use aws_sdk_sns::operation::publish::PublishOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};
use stop_glue_session::{Action, Config, Deps, Response, StopError, handle};

const NOW: u64 = 1_800_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
}

fn session(id: &str, status: SessionStatus, age_secs: u64) -> Session {
    Session::builder()
        .id(id)
        .status(status)
        .created_on(DateTime::from_secs((NOW - age_secs) as i64))
        .dpu_seconds(42.0)
        .build()
}

fn get_session(status: SessionStatus) -> Rule {
    mock!(Glue::get_session).then_output(move || {
        GetSessionOutput::builder()
            .session(session("s-1", status.clone(), 600))
            .build()
    })
}

/// GetSession of any id: READY, `age_secs` old.
fn get_ready(age_secs: u64) -> Rule {
    mock!(Glue::get_session).then_compute_output(move |r| {
        GetSessionOutput::builder()
            .session(session(
                r.id().unwrap_or_default(),
                SessionStatus::Ready,
                age_secs,
            ))
            .build()
    })
}

fn no_tags() -> Rule {
    mock!(Glue::get_tags).then_output(|| GetTagsOutput::builder().build())
}

fn stop_ok() -> Rule {
    mock!(Glue::stop_session).then_output(|| StopSessionOutput::builder().id("s-1").build())
}

fn config() -> Config {
    Config::from_vars(&|name: &str| {
        (name == "GLUE_SESSION_ARN_PREFIX")
            .then(|| "arn:aws:glue:eu-west-1:123456789012:session/".to_owned())
    })
    .unwrap()
}

fn deps(glue: Glue, config: Config) -> Deps {
    Deps {
        glue,
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, []),
        config,
    }
}

async fn run(deps: &Deps, event: Value) -> Result<Response, StopError> {
    handle(deps, shared::input::parse(event)?, now()).await
}

fn outcome(r: Response) -> stop_glue_session::Outcome {
    match r {
        Response::Session(o) => o,
        other => panic!("expected a session outcome, got {other:?}"),
    }
}

fn glue(rules: &[&Rule]) -> Glue {
    mock_client!(aws_sdk_glue, RuleMode::MatchAny, rules)
}

fn listed(sessions: Vec<Session>) -> Rule {
    mock!(Glue::list_sessions).then_output(move || {
        ListSessionsOutput::builder()
            .set_sessions(Some(sessions.clone()))
            .build()
    })
}

/// The sample CreateSession event for `s-1`, as if CloudTrail recorded it `ago` seconds before
/// now.
fn create_session_event(ago: u64) -> Value {
    let text = include_str!("../../../events/stop-glue-session/cloudtrail-create-session.json");
    let mut event: Value = serde_json::from_str(text).unwrap();
    event["detail"]["responseElements"]["session"]["id"] = json!("s-1");
    event["detail"]["requestParameters"]["id"] = json!("s-1");
    let at = DateTime::from_secs((NOW - ago) as i64);
    event["detail"]["eventTime"] = json!(
        at.fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap()
    );
    event
}

#[tokio::test]
async fn provisioning_five_times_then_ready_stops_exactly_once() {
    let get = mock!(Glue::get_session)
        .sequence()
        .output(|| {
            GetSessionOutput::builder()
                .session(session("s-1", SessionStatus::Provisioning, 60))
                .build()
        })
        .times(5)
        .output(|| {
            GetSessionOutput::builder()
                .session(session("s-1", SessionStatus::Ready, 600))
                .build()
        })
        .build();
    let (tags, stop) = (no_tags(), stop_ok());
    let deps = deps(glue(&[&get, &tags, &stop]), config());
    // The state machine's Retry calls the function again after each SessionNotReady.
    for attempt in 1..=5 {
        let err = run(&deps, json!({"session_id": "s-1"})).await.unwrap_err();
        assert_eq!(err.error_type(), "SessionNotReady", "attempt {attempt}");
        assert_eq!(stop.num_calls(), 0);
    }
    let o = outcome(run(&deps, json!({"session_id": "s-1"})).await.unwrap());
    assert_eq!(o.action, Action::Stopped);
    assert_eq!(o.previous_status, "READY");
    assert_eq!(o.running_seconds, Some(600));
    assert_eq!(o.dpu_seconds, Some(42.0));
    assert_eq!(stop.num_calls(), 1);
    assert_eq!(get.num_calls(), 6);
}

#[tokio::test]
async fn stopping_twice_calls_stop_session_once() {
    let get = mock!(Glue::get_session)
        .sequence()
        .output(|| {
            GetSessionOutput::builder()
                .session(session("s-1", SessionStatus::Ready, 600))
                .build()
        })
        .output(|| {
            GetSessionOutput::builder()
                .session(session("s-1", SessionStatus::Stopping, 610))
                .build()
        })
        .build();
    let (tags, stop) = (no_tags(), stop_ok());
    let deps = deps(glue(&[&get, &tags, &stop]), config());
    let first = outcome(run(&deps, json!({"session_id": "s-1"})).await.unwrap());
    let second = outcome(run(&deps, json!({"session_id": "s-1"})).await.unwrap());
    assert_eq!(first.action, Action::Stopped);
    assert_eq!(second.action, Action::AlreadyEnded);
    assert_eq!(stop.num_calls(), 1);
}

#[tokio::test]
async fn ended_sessions_need_no_call() {
    for status in [
        SessionStatus::Stopping,
        SessionStatus::Stopped,
        SessionStatus::Timeout,
        SessionStatus::Failed,
    ] {
        let (get, tags, stop) = (get_session(status.clone()), no_tags(), stop_ok());
        let deps = deps(glue(&[&get, &tags, &stop]), config());
        let o = outcome(run(&deps, json!({"session_id": "s-1"})).await.unwrap());
        assert_eq!(o.action, Action::AlreadyEnded, "{status:?}");
        assert_eq!(o.previous_status, status.as_str());
        assert_eq!(stop.num_calls() + tags.num_calls(), 0, "{status:?}");
    }
}

#[tokio::test]
async fn dry_run_stops_nothing_and_says_what_it_would_do() {
    let (get, tags, stop) = (get_session(SessionStatus::Ready), no_tags(), stop_ok());
    let config = Config {
        dry_run: true,
        ..config()
    };
    let deps = deps(glue(&[&get, &tags, &stop]), config);
    let o = outcome(run(&deps, json!({"session_id": "s-1"})).await.unwrap());
    assert_eq!(o.action, Action::WouldStop);
    assert!(o.dry_run);
    assert!(
        o.summary
            .starts_with("Dry run: would have stopped Glue session 's-1'"),
        "{}",
        o.summary
    );
    assert_eq!(stop.num_calls(), 0);
}

#[tokio::test]
async fn opted_out_session_is_left_running() {
    let get = get_session(SessionStatus::Ready);
    let tags = mock!(Glue::get_tags)
        .match_requests(|r| {
            r.resource_arn() == Some("arn:aws:glue:eu-west-1:123456789012:session/s-1")
        })
        .then_output(|| GetTagsOutput::builder().tags("auto-stop", "false").build());
    let stop = stop_ok();
    let deps = deps(glue(&[&get, &tags, &stop]), config());
    let o = outcome(run(&deps, json!({"session_id": "s-1"})).await.unwrap());
    assert_eq!(o.action, Action::OptedOut);
    assert_eq!(stop.num_calls(), 0);
}

#[tokio::test]
async fn unknown_status_is_never_stopped() {
    let get = mock!(Glue::get_session).then_output(|| {
        GetSessionOutput::builder()
            .session(session("s-1", SessionStatus::from("HIBERNATING"), 60))
            .build()
    });
    let (tags, stop) = (no_tags(), stop_ok());
    let deps = deps(glue(&[&get, &tags, &stop]), config());
    let err = run(&deps, json!({"session_id": "s-1"})).await.unwrap_err();
    assert_eq!(err.error_type(), "UnknownSessionStatus");
    assert_eq!(stop.num_calls(), 0);
}

#[tokio::test]
async fn missing_session_is_a_permanent_error_naming_it() {
    let get = mock!(Glue::get_session).then_error(|| {
        GetSessionError::EntityNotFoundException(EntityNotFoundException::builder().build())
    });
    let deps = deps(glue(&[&get]), config());
    let err = run(&deps, json!({"session_id": "no-such-session"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "NotFound");
    assert!(
        err.to_string().contains("'no-such-session' does not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn throttling_is_retryable() {
    let get = mock!(Glue::get_session).then_error(|| {
        GetSessionError::generic(ErrorMetadata::builder().code("ThrottlingException").build())
    });
    let deps = deps(glue(&[&get]), config());
    let err = run(&deps, json!({"session_id": "s-1"})).await.unwrap_err();
    assert_eq!(err.error_type(), "Throttled");
}

#[tokio::test]
async fn access_denied_on_stop_is_permanent() {
    let (get, tags) = (get_session(SessionStatus::Ready), no_tags());
    let stop = mock!(Glue::stop_session).then_error(|| {
        StopSessionError::AccessDeniedException(
            AccessDeniedException::builder()
                .meta(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .build(),
                )
                .build(),
        )
    });
    let deps = deps(glue(&[&get, &tags, &stop]), config());
    let err = run(&deps, json!({"session_id": "s-1"})).await.unwrap_err();
    assert_eq!(err.error_type(), "AccessDenied");
}

#[tokio::test]
async fn bad_inputs_touch_nothing() {
    let (get, tags, stop) = (get_session(SessionStatus::Ready), no_tags(), stop_ok());
    let list = mock!(Glue::list_sessions).then_output(|| ListSessionsOutput::builder().build());
    let deps = deps(glue(&[&get, &tags, &stop, &list]), config());
    for event in [
        json!({}),
        json!({"session_id": ""}),
        json!({"session_id": 12}),
        json!("s-1"),
        json!({"detail-type": "Object Created", "source": "aws.s3", "detail": {}}),
        json!({"detail-type": "AWS API Call via CloudTrail", "detail": {
            "eventSource": "glue.amazonaws.com", "eventName": "StopSession"}}),
    ] {
        let err = run(&deps, event.clone()).await.unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput", "{event}");
    }
    let failed_call = json!({"detail-type": "AWS API Call via CloudTrail", "source": "aws.glue",
        "detail": {
        "eventVersion": "1.09", "userIdentity": {"type": "AssumedRole"},
        "eventTime": "2026-11-20T09:14:07Z", "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2", "requestID": "r-1",
        "eventID": "e-1", "eventType": "AwsApiCall",
        "eventSource": "glue.amazonaws.com", "eventName": "CreateSession",
        "errorCode": "ValidationException", "requestParameters": {"id": "s-1"},
        "responseElements": null}});
    assert!(matches!(
        run(&deps, failed_call).await.unwrap(),
        Response::Ignored { .. }
    ));
    assert_eq!(
        get.num_calls() + tags.num_calls() + stop.num_calls() + list.num_calls(),
        0
    );
}

#[tokio::test]
async fn sweep_stops_only_sessions_past_the_limit() {
    let hour = 3600;
    let list = listed(vec![
        session("old-ready", SessionStatus::Ready, 3 * hour),
        session("young-ready", SessionStatus::Ready, 60),
        session("old-stopped", SessionStatus::Stopped, 3 * hour),
        session("old-provisioning", SessionStatus::Provisioning, 3 * hour),
    ]);
    let get = mock!(Glue::get_session).then_compute_output(|r| {
        let id = r.id().unwrap_or_default();
        let status = if id == "old-provisioning" {
            SessionStatus::Provisioning
        } else {
            SessionStatus::Ready
        };
        GetSessionOutput::builder()
            .session(session(id, status, 3 * 3600))
            .build()
    });
    let (tags, stop) = (
        no_tags(),
        mock!(Glue::stop_session)
            .match_requests(|r| r.id() == Some("old-ready"))
            .then_output(|| StopSessionOutput::builder().build()),
    );
    let publish = mock!(Sns::publish)
        .match_requests(|r| {
            r.topic_arn() == Some("arn:ok")
                && r.message().is_some_and(|m| m.contains("- old-ready"))
        })
        .then_output(|| PublishOutput::builder().message_id("m").build());
    let config = Config {
        success_topic_arn: Some("arn:ok".into()),
        ..config()
    };
    let deps = Deps {
        glue: glue(&[&list, &get, &tags, &stop]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        config,
    };
    let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let Response::Sweep(report) = run(&deps, event).await.unwrap() else {
        panic!("expected a sweep report");
    };
    assert_eq!(report.checked, 4);
    assert_eq!(report.stopped, ["old-ready"]);
    assert_eq!(report.not_ready, ["old-provisioning"]);
    assert!(report.failed.is_empty());
    assert_eq!(stop.num_calls(), 1);
    assert_eq!(publish.num_calls(), 1);
}

#[tokio::test]
async fn sweep_reports_failures_and_still_stops_the_rest() {
    let list = listed(vec![
        session("a", SessionStatus::Ready, 7200 * 2),
        session("b", SessionStatus::Ready, 7200 * 2),
    ]);
    let get = get_ready(14400);
    let stop_a = mock!(Glue::stop_session)
        .match_requests(|r| r.id() == Some("a"))
        .then_error(|| {
            StopSessionError::AccessDeniedException(
                AccessDeniedException::builder()
                    .meta(
                        ErrorMetadata::builder()
                            .code("AccessDeniedException")
                            .build(),
                    )
                    .build(),
            )
        });
    let stop_b = mock!(Glue::stop_session)
        .match_requests(|r| r.id() == Some("b"))
        .then_output(|| StopSessionOutput::builder().build());
    let tags = no_tags();
    let failure = mock!(Sns::publish)
        .match_requests(|r| {
            r.topic_arn() == Some("arn:ko")
                && r.message()
                    .is_some_and(|m| m.contains("- a (AccessDenied)"))
        })
        .then_output(|| PublishOutput::builder().build());
    let config = Config {
        failure_topic_arn: Some("arn:ko".into()),
        ..config()
    };
    let deps = Deps {
        glue: glue(&[&list, &get, &tags, &stop_a, &stop_b]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&failure]),
        config,
    };
    let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let err = run(&deps, event).await.unwrap_err();
    assert_eq!(err.error_type(), "SweepIncomplete");
    assert_eq!(stop_b.num_calls(), 1);
    assert_eq!(failure.num_calls(), 1);
}

#[tokio::test]
async fn a_session_created_after_its_event_is_another_one_and_is_left_running() {
    // The session `s-1` now is 10 minutes old; the event was an hour ago: the session it
    // created was deleted and this one reuses the id.
    let (get, tags, stop) = (get_session(SessionStatus::Ready), no_tags(), stop_ok());
    let replaced = deps(glue(&[&get, &tags, &stop]), config());
    let o = outcome(run(&replaced, create_session_event(3600)).await.unwrap());
    assert_eq!(o.action, Action::Replaced);
    assert_eq!(stop.num_calls(), 0, "nothing stopped");
    assert!(o.summary.contains("reuses its id"), "{}", o.summary);
    assert!(
        o.subject.contains("a newer session with the same id"),
        "{}",
        o.subject
    );

    // The event of this very session (recorded a moment before Glue's CreatedOn): stopped.
    let (get, tags, stop) = (get_session(SessionStatus::Ready), no_tags(), stop_ok());
    let same = deps(glue(&[&get, &tags, &stop]), config());
    let o = outcome(run(&same, create_session_event(600 + 30)).await.unwrap());
    assert_eq!(o.action, Action::Stopped);
    assert_eq!(stop.num_calls(), 1);
}

#[tokio::test]
async fn a_throttled_stop_is_left_to_the_next_sweep_and_fails_only_when_it_keeps_failing() {
    let limit = 90 * 60;
    // `new` is 5 minutes past the limit; `old` 40, so earlier sweeps failed on it too.
    let age = move |id: &str| match id {
        "new" => limit + 300,
        _ => limit + 2400,
    };
    let get = mock!(Glue::get_session).then_compute_output(move |r| {
        let id = r.id().unwrap_or_default();
        GetSessionOutput::builder()
            .session(session(id, SessionStatus::Ready, age(id)))
            .build()
    });
    let throttled = mock!(Glue::stop_session).then_error(|| {
        StopSessionError::generic(ErrorMetadata::builder().code("ThrottlingException").build())
    });
    let tags = no_tags();
    let publish = mock!(Sns::publish).then_output(|| PublishOutput::builder().build());
    let config = Config {
        failure_topic_arn: Some("arn:ko".into()),
        ..config()
    };
    let sweep = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});

    // Once: deferred, and a running session without CreatedOn is reported, not skipped.
    let list = listed(vec![
        session("new", SessionStatus::Ready, age("new")),
        Session::builder()
            .id("undated")
            .status(SessionStatus::Ready)
            .build(),
    ]);
    let deps = Deps {
        glue: glue(&[&list, &get, &tags, &throttled]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        config: config.clone(),
    };
    let Response::Sweep(report) = run(&deps, sweep.clone()).await.unwrap() else {
        panic!("expected a sweep report");
    };
    let deferred: Vec<&str> = report
        .deferred
        .iter()
        .map(|f| f.session_id.as_str())
        .collect();
    assert_eq!(deferred, ["new"]);
    assert_eq!(report.deferred[0].error_type, "Throttled");
    assert_eq!(report.undated, ["undated"]);
    assert!(report.failed.is_empty());
    assert_eq!(publish.num_calls(), 1, "the undated session is notified");

    // Again and again: a failure, which the alarm sees.
    let list = listed(vec![
        session("new", SessionStatus::Ready, age("new")),
        session("old", SessionStatus::Ready, age("old")),
    ]);
    let failure = mock!(Sns::publish)
        .match_requests(|r| {
            r.message()
                .is_some_and(|m| m.contains("- old (Throttled)") && !m.contains("- new"))
        })
        .then_output(|| PublishOutput::builder().build());
    let deps = Deps {
        glue: glue(&[&list, &get, &tags, &throttled]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&failure]),
        config,
    };
    let err = run(&deps, sweep).await.unwrap_err();
    assert_eq!(err.error_type(), "SweepIncomplete");
    assert!(err.to_string().contains("old"), "{err}");
    assert_eq!(failure.num_calls(), 1);
}

#[tokio::test]
async fn an_idle_session_that_starts_a_statement_before_its_stop_is_left_running() {
    use aws_sdk_glue::operation::list_statements::ListStatementsOutput;
    use aws_sdk_glue::types::{Statement, StatementState};
    let minute = 60;
    let list = listed(vec![
        session("woken", SessionStatus::Ready, 60 * minute),
        session("no-end-time", SessionStatus::Ready, 60 * minute),
    ]);
    let statements = mock!(Glue::list_statements)
        .sequence()
        // The first look at each: "woken" idle for 40 minutes; "no-end-time" ran a statement
        // Glue gave no end time.
        .output(move || {
            ListStatementsOutput::builder()
                .statements(
                    Statement::builder()
                        .state(StatementState::Available)
                        .completed_on(((NOW - 40 * minute) * 1000) as i64)
                        .build(),
                )
                .build()
        })
        .output(|| {
            ListStatementsOutput::builder()
                .statements(
                    Statement::builder()
                        .state(StatementState::Available)
                        .build(),
                )
                .build()
        })
        // The second look at "woken", right before its stop: a statement runs now.
        .output(|| {
            ListStatementsOutput::builder()
                .statements(Statement::builder().state(StatementState::Running).build())
                .build()
        })
        .build();
    let stop = mock!(Glue::stop_session).then_output(|| StopSessionOutput::builder().build());
    let idle_20 = Config {
        idle_after: Some(Duration::from_secs(20 * 60)),
        ..config()
    };
    let deps = deps(
        glue(&[&list, &statements, &get_ready(3600), &no_tags(), &stop]),
        idle_20,
    );
    let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let Response::Sweep(report) = run(&deps, event).await.unwrap() else {
        panic!("expected a sweep report");
    };
    assert_eq!(stop.num_calls(), 0, "nothing stopped: {report:?}");
    assert_eq!(report.busy_again, ["woken"]);
    assert!(report.idle.is_empty() && report.stopped.is_empty());
    assert_eq!(statements.num_calls(), 3, "the idle one looked at twice");
}

#[tokio::test]
async fn idle_sessions_are_stopped_before_the_limit_and_busy_ones_never() {
    use aws_sdk_glue::operation::list_statements::ListStatementsOutput;
    use aws_sdk_glue::types::{Statement, StatementState};
    let minute = 60;
    // All READY, all well under the 90-minute limit; idle means 20 minutes without activity.
    let list = listed(vec![
        session("idle", SessionStatus::Ready, 60 * minute),
        session("busy", SessionStatus::Ready, 60 * minute),
        session("recent", SessionStatus::Ready, 60 * minute),
        session("never-used", SessionStatus::Ready, 30 * minute),
        session("just-created", SessionStatus::Ready, 5 * minute),
    ]);
    let done = |ago: u64| {
        Statement::builder()
            .state(StatementState::Available)
            .completed_on(((NOW - ago) * 1000) as i64)
            .build()
    };
    let statements = mock!(Glue::list_statements).then_compute_output(move |r| {
        let statements = match r.session_id().unwrap_or_default() {
            "idle" => vec![done(50 * minute), done(40 * minute)],
            // A statement running for an hour, the last one ended long ago: busy.
            "busy" => vec![
                done(55 * minute),
                Statement::builder().state(StatementState::Running).build(),
            ],
            "recent" => vec![done(50 * minute), done(2 * minute)],
            _ => Vec::new(),
        };
        ListStatementsOutput::builder()
            .set_statements(Some(statements))
            .build()
    });
    let get = get_ready(3600);
    let stop = mock!(Glue::stop_session).then_output(|| StopSessionOutput::builder().build());
    let tags = no_tags();
    let idle_20 = Config {
        idle_after: Some(Duration::from_secs(20 * 60)),
        ..config()
    };
    let with_idle = deps(glue(&[&list, &statements, &get, &tags, &stop]), idle_20);
    let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let Response::Sweep(report) = run(&with_idle, event.clone()).await.unwrap() else {
        panic!("expected a sweep report");
    };
    let mut stopped = report.stopped.clone();
    stopped.sort();
    assert_eq!(stopped, ["idle", "never-used"]);
    assert_eq!(report.idle.len(), 2);
    assert_eq!(stop.num_calls(), 2);

    // Without an idle limit, nothing under the limit is looked at.
    let list = listed(vec![session("idle", SessionStatus::Ready, 60 * minute)]);
    let without = deps(glue(&[&list, &statements, &get, &tags, &stop]), config());
    let Response::Sweep(report) = run(&without, event).await.unwrap() else {
        panic!("expected a sweep report");
    };
    assert!(report.stopped.is_empty());
    assert_eq!(
        statements.num_calls(),
        7,
        "five sessions looked at, the two idle ones again before their stop; none the second time"
    );

    // A dry run of both stop paths, idle and past the limit, says the same and stops nothing.
    let list = listed(vec![
        session("idle", SessionStatus::Ready, 60 * minute),
        session("old", SessionStatus::Ready, 120 * minute),
    ]);
    let dry = Config {
        dry_run: true,
        idle_after: Some(Duration::from_secs(20 * 60)),
        ..config()
    };
    let dry = deps(glue(&[&list, &statements, &get, &tags, &stop]), dry);
    let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let Response::Sweep(report) = run(&dry, event).await.unwrap() else {
        panic!("expected a sweep report");
    };
    let mut would_stop = report.would_stop.clone();
    would_stop.sort();
    assert_eq!(would_stop, ["idle", "old"]);
    assert!(report.stopped.is_empty());
    assert_eq!(stop.num_calls(), 2, "no stop call in the dry run");
}

/// The usage report: the sessions of the last day, per owner tag (either spelling), Glue's
/// DPUSeconds where it has counted them, published once to the success topic; a session that
/// ended before the window is left out.
#[tokio::test]
async fn the_usage_report_sums_each_owner_s_dpu_hours_and_publishes_them() {
    let day_ago = NOW as i64 - 86_400;
    let ended = |id: &str, ended: i64, dpu_seconds: f64| {
        Session::builder()
            .id(id)
            .status(SessionStatus::Stopped)
            .created_on(DateTime::from_secs(ended - 3600))
            .completed_on(DateTime::from_secs(ended))
            .dpu_seconds(dpu_seconds)
            .build()
    };
    let sessions = vec![
        ended("ana-1", day_ago + 7200, 18_000.0),
        ended("ana-2", day_ago + 9000, 3_600.0),
        ended("bo-1", day_ago + 3600, 36_000.0),
        ended("old", day_ago - 60, 99_999.0),
        session("untagged", SessionStatus::Ready, 1800),
    ];
    let tags = mock!(Glue::get_tags).then_compute_output(|r| {
        let arn = r.resource_arn().unwrap_or_default();
        let owner = |key: &str, name: &str| {
            GetTagsOutput::builder()
                .tags(key, name)
                .tags("team", "data")
                .build()
        };
        if arn.ends_with("/ana-1") || arn.ends_with("/ana-2") {
            owner("owner", "ana")
        } else if arn.ends_with("/bo-1") {
            owner("Owner", "bo")
        } else {
            GetTagsOutput::builder().build()
        }
    });
    let publish = mock!(Sns::publish)
        .match_requests(|r| {
            r.topic_arn() == Some("arn:aws:sns:eu-west-1:123456789012:ok")
                && r.message()
                    .is_some_and(|m| m.contains("- bo: 1 sessions, 10 DPU-hours ($4.40)"))
        })
        .then_output(|| PublishOutput::builder().message_id("m-1").build());
    let mut config = config();
    config.success_topic_arn = Some("arn:aws:sns:eu-west-1:123456789012:ok".into());
    let deps = Deps {
        glue: glue(&[&listed(sessions), &tags]),
        sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]),
        config,
    };
    let Response::Usage(report) = run(&deps, json!({"usage_report": {"hours": 24}}))
        .await
        .unwrap()
    else {
        panic!("expected a usage report")
    };
    assert_eq!(
        report.sessions, 4,
        "the session that ended before the window is left out"
    );
    let owners: Vec<(&str, usize, f64)> = report
        .owners
        .iter()
        .map(|o| (o.owner.as_str(), o.sessions, o.dpu_hours))
        .collect();
    // The untagged session has run half an hour at Glue's default 5 DPUs (42 DPU-seconds
    // counted so far is Glue's own figure and wins).
    assert_eq!(
        owners,
        [
            ("bo", 1, 10.0),
            ("ana", 2, 6.0),
            ("(no owner tag)", 1, 0.01)
        ]
    );
    assert!(report.published);
    assert_eq!(publish.num_calls(), 1);

    let err = run(&deps, json!({"usage_report": {"hours": 0}}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "InvalidInput");
    assert!(err.to_string().contains("usage_report.hours is 0"), "{err}");
}
