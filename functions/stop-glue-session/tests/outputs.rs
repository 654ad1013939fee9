//! The messages the `glue-session-stop` state machine reads, against their samples in
//! `events/outputs/stop-glue-session/`.

use stop_glue_session::{Action, Asked, Limits, Outcome, Response};

#[test]
fn the_state_machine_reads_these_messages() {
    let stopped = Response::Session(Outcome {
        session_id: "glue-studio-notebook-7c1e5d".into(),
        previous_status: "READY".into(),
        action: Action::Stopped,
        dry_run: false,
        dpu_seconds: Some(18_000.0),
        execution_time: Some(3_600.0),
        running_seconds: Some(3_600),
        subject: "Glue session stopped: glue-studio-notebook-7c1e5d".into(),
        summary: "Stopped Glue interactive session glue-studio-notebook-7c1e5d after 1 h.".into(),
    });
    testing::output_sample("stop-glue-session", "stopped", &stopped);
    let ignored = Response::Ignored {
        ignored: true,
        reason: "CreateSession failed with ValidationException: no session was created".into(),
    };
    testing::output_sample("stop-glue-session", "ignored", &ignored);
    let limits = Limits {
        max_idle_timeout_minutes: Some(60),
        dpu_hour_price: 0.44,
        ..Limits::default()
    };
    let over = stop_glue_session::limits_report(
        &limits,
        "glue-studio-notebook-7c1e5d".into(),
        &Asked::default(),
        "arn:aws:sts::123456789012:assumed-role/DataEngineer/data-engineer",
    );
    testing::output_sample("stop-glue-session", "over-limits", &Response::Limits(over));
}
