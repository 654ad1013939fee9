//! The messages the `rds-auto-stop` state machine reads, against their samples in
//! `events/outputs/check-and-stop-rds/`.

use check_and_stop_rds::{Action, CheckOutcome, DbStatus, ResourceType, Response};

fn check(status: &str, action: Action, done: bool) -> Response {
    Response::Check(CheckOutcome {
        resource_id: "orders-dev".into(),
        resource_type: ResourceType::Instance,
        status: DbStatus::from(status),
        action,
        done,
        dry_run: false,
        subject: "Auto-started DB instance being stopped: orders-dev".into(),
        summary: format!("DB instance 'orders-dev' is {status}."),
    })
}

#[test]
fn the_state_machine_reads_these_messages() {
    let sample = |name, response| testing::output_sample("check-and-stop-rds", name, &response);
    sample("waiting", check("starting", Action::Wait, false));
    sample("stopping", check("stopping", Action::Stopped, false));
    sample("stopped", check("stopped", Action::None, true));
}
