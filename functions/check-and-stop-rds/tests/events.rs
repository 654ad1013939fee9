//! Every sample under `events/check-and-stop-rds/` parses into the request it stands for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use aws_smithy_types::DateTime;
use check_and_stop_rds::{RdsEvent, Request, ResourceType, Trigger, execution_name};

/// `at`: an RFC 3339 time.
fn event(id: &str, kind: ResourceType, event_id: &str, at: &str) -> Request {
    Request::Trigger(vec![Trigger::Event(RdsEvent {
        resource_id: id.into(),
        resource_type: kind,
        event_id: event_id.into(),
        at: DateTime::from_str(at, aws_smithy_types::date_time::Format::DateTime).unwrap(),
    })])
}

fn ignored(reason_part: &'static str) -> Result<Request, &'static str> {
    Err(reason_part)
}

#[test]
fn every_sample_event_parses_as_expected() {
    use ResourceType::{Cluster, Instance};
    // Ok: the exact request. Err: an InvalidInput error, or one ignored trigger, whose
    // message contains this text.
    let expected: &[(&str, Result<Request, &str>)] = &[
        (
            "eventbridge-instance-auto-started.json",
            Ok(event(
                "orders-dev",
                Instance,
                "RDS-EVENT-0154",
                "2026-11-20T09:14:07.031Z",
            )),
        ),
        (
            "eventbridge-cluster-auto-started.json",
            Ok(event(
                "analytics-aurora",
                Cluster,
                "RDS-EVENT-0153",
                "2026-11-20T09:20:41.512Z",
            )),
        ),
        (
            "sns-instance-auto-started.json",
            Ok(event(
                "orders-dev",
                Instance,
                "RDS-EVENT-0154",
                "2026-11-20T09:14:07.031Z",
            )),
        ),
        ("scheduled-sweep.json", Ok(Request::Sweep)),
        ("usage-report.json", Ok(Request::UsageReport { hours: 24 })),
        (
            "sns-plain-text.json",
            ignored("SNS message is not an RDS event"),
        ),
        (
            "sns-malformed-message.json",
            ignored("source id is missing"),
        ),
        (
            "eventbridge-other-event.json",
            ignored("RDS-EVENT-0088 on a DB instance is not the 7-day auto-start event"),
        ),
        (
            "check-instance.json",
            Ok(Request::Check {
                resource_id: "orders-dev".into(),
                resource_type: Instance,
            }),
        ),
        (
            "check-cluster.json",
            Ok(Request::Check {
                resource_id: "analytics-aurora".into(),
                resource_type: Cluster,
            }),
        ),
        (
            "check-bad-type.json",
            Err("resource_type must be \"instance\" or \"cluster\""),
        ),
    ];
    let names: Vec<&str> = expected.iter().map(|(f, _)| *f).collect();
    let samples = testing::sample_events("check-and-stop-rds", &names);

    for (file, want) in expected {
        match (Request::parse(&samples[*file]), want) {
            (Ok(got), Ok(want)) => assert_eq!(&got, want, "{file}"),
            (Ok(Request::Trigger(got)), Err(part)) => match got.as_slice() {
                [Trigger::Ignore(reason)] => assert!(reason.contains(part), "{file}: {reason}"),
                other => panic!("{file}: expected one ignored trigger, got {other:?}"),
            },
            (Err(got), Err(part)) => {
                assert_eq!(got.error_type(), "InvalidInput", "{file}");
                assert!(got.to_string().contains(part), "{file}: {got}");
            }
            (got, want) => panic!("{file}: got {got:?}, want {want:?}"),
        }
    }
}

/// The trigger and the sweep must agree on the name, so each auto-start starts one workflow
/// whichever path sees it first: EventBridge, SNS, and `DescribeEvents` (whole seconds).
#[test]
fn one_auto_start_has_one_execution_name_by_every_path() {
    let name = |text: &str| match Request::parse(&serde_json::from_str(text).unwrap()).unwrap() {
        Request::Trigger(t) => match t.as_slice() {
            [Trigger::Event(e)] => execution_name(e),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    let from_history = execution_name(&RdsEvent {
        resource_id: "orders-dev".into(),
        resource_type: ResourceType::Instance,
        event_id: "RDS-EVENT-0154".into(),
        at: DateTime::from_secs(1_795_166_047),
    });
    assert_eq!(
        name(include_str!(
            "../../../events/check-and-stop-rds/eventbridge-instance-auto-started.json"
        )),
        from_history
    );
    assert_eq!(
        name(include_str!(
            "../../../events/check-and-stop-rds/sns-instance-auto-started.json"
        )),
        from_history
    );
}

/// The fixtures `aws_lambda_events` ships: the SNS deliveries parse, and their messages, not
/// being RDS events, are ignored with the reason; other EventBridge events are ignored, but for
/// the scheduled one, which sweeps; a bare CloudTrail record is refused. None starts a
/// workflow or a check.
#[test]
fn aws_lambda_events_fixtures_are_ignored_or_refused() {
    let fixtures = testing::lambda_events_fixtures(testing::LAMBDA_EVENTS_FIXTURES);
    for (name, event) in &fixtures {
        match Request::parse(event) {
            Ok(Request::Trigger(triggers)) => {
                assert!(!triggers.is_empty(), "{name}");
                for t in triggers {
                    assert!(
                        matches!(&t, Trigger::Ignore(r) if !r.is_empty()),
                        "{name}: {t:?}"
                    );
                }
            }
            // EventBridge's scheduled event is the sweep's.
            Ok(Request::Sweep) => assert!(name.contains("schedule"), "{name}"),
            Ok(other) => panic!("{name}: {other:?}"),
            Err(e) => {
                // CloudTrail records and the SES event are not deliveries this function knows.
                assert!(
                    name.contains("cloudtrail") || name.contains("ses"),
                    "{name}: {e}"
                );
                assert_eq!(e.error_type(), "InvalidInput", "{name}");
            }
        }
    }
}
