//! Every sample under `events/stop-glue-session/` parses into the request it stands for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_sdk_glue::primitives::{DateTime, DateTimeFormat};
use stop_glue_session::{Asked, Request};

/// A stop of `id`; of the session created at `created_at` when the event says when.
fn stop(id: &str, created_at: Option<&str>) -> Result<Request, &'static str> {
    Ok(Request::Stop {
        session_id: id.into(),
        created_at: created_at.map(|t| DateTime::from_str(t, DateTimeFormat::DateTime).unwrap()),
    })
}

#[test]
fn every_sample_event_parses_as_expected() {
    let expected: &[(&str, Result<Request, &str>)] = &[
        (
            "cloudtrail-create-session.json",
            stop("glue-studio-notebook-7c1e5d", Some("2026-11-20T09:14:07Z")),
        ),
        (
            "state-machine-input.json",
            stop("glue-studio-notebook-7c1e5d", None),
        ),
        ("session-not-found.json", stop("no-such-session-3f9a", None)),
        ("scheduled-sweep.json", Ok(Request::Sweep)),
        ("usage-report.json", Ok(Request::UsageReport { hours: 24 })),
        (
            "check-limits.json",
            Ok(Request::CheckLimits {
                session_id: "glue-studio-notebook-7c1e5d".into(),
                asked: Asked {
                    idle_timeout: None,
                    timeout: None,
                    number_of_workers: Some(20),
                    worker_type: Some("G.2X".into()),
                    max_capacity: None,
                },
                creator: "arn:aws:sts::123456789012:assumed-role/DataEngineer/data-engineer \
                          (owner tag: data-platform)"
                    .into(),
            }),
        ),
        (
            "cloudtrail-create-session-failed.json",
            Ok(Request::Ignore {
                reason: "CreateSession failed with ValidationException: no session was created"
                    .into(),
            }),
        ),
        (
            "malformed-event.json",
            Err("CloudTrail event has no detail object"),
        ),
        ("empty-session-id.json", Err("session_id is empty")),
        ("missing-session-id.json", Err("expected {\"session_id\"")),
        (
            "not-cloudtrail-event.json",
            Err("unsupported event detail-type 'Glue Job State Change'"),
        ),
    ];
    let names: Vec<&str> = expected.iter().map(|(f, _)| *f).collect();
    let samples = testing::sample_events("stop-glue-session", &names);

    for (file, want) in expected {
        match (Request::parse(&samples[*file]), want) {
            (Ok(got), Ok(want)) => assert_eq!(&got, want, "{file}"),
            (Err(got), Err(want)) => {
                assert_eq!(got.error_type(), "InvalidInput", "{file}");
                assert!(got.to_string().contains(want), "{file}: {got}");
            }
            (got, want) => panic!("{file}: got {got:?}, want {want:?}"),
        }
    }
}

/// The fixtures `aws_lambda_events` ships: a schedule sweeps; anything else, and CloudTrail
/// records of other API calls even wrapped as EventBridge delivers them, is refused naming why.
#[test]
fn aws_lambda_events_fixtures_sweep_or_are_refused() {
    let fixtures = testing::lambda_events_fixtures(testing::LAMBDA_EVENTS_FIXTURES);
    for (name, event) in &fixtures {
        if name == "example-eventbridge-schedule.json" {
            assert_eq!(Request::parse(event).unwrap(), Request::Sweep, "{name}");
            continue;
        }
        let err = Request::parse(event).unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput", "{name}");
        if name.contains("cloudtrail") {
            let delivered = serde_json::json!({"detail-type": "AWS API Call via CloudTrail",
                "source": "aws.sts", "detail": event});
            let err = Request::parse(&delivered).unwrap_err();
            assert!(
                err.to_string()
                    .contains("expected a glue.amazonaws.com CreateSession call, got"),
                "{name}: {err}"
            );
        }
    }
}
