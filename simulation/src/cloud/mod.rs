//! The simulated AWS account: Glue sessions and RDS databases whose state follows the simulated
//! clock, Step Functions' StartExecution and SNS Publish, all on one endpoint that speaks each
//! service's wire protocol, so the real SDK clients in the real handlers talk to it unchanged.
//! Every call is recorded; a share of the Glue and RDS calls is throttled.

mod glue;
mod rds;
mod sfn;

pub use glue::Session;
pub use rds::Db;
pub use sfn::{Execution, Published, Start};

use crate::clock::Clock;
use crate::scenario::{Plan, Rng};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc::UnboundedSender;

/// Who made a call: the two Glue functions share a binary, so the user agent's `app/` part
/// tells the workflow's stop from the sweep's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Workflow,
    Sweep,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Calls {
    pub glue: u64,
    pub glue_throttled: u64,
    pub rds: u64,
    pub rds_throttled: u64,
}

#[derive(Default)]
pub struct State {
    pub sessions: BTreeMap<String, Session>,
    pub databases: BTreeMap<String, Db>,
    pub executions: HashMap<String, Execution>,
    pub published: Vec<Published>,
    pub calls: Calls,
}

pub struct Cloud {
    clock: Arc<Clock>,
    throttled: f64,
    rng: Mutex<Rng>,
    state: Mutex<State>,
    starts: UnboundedSender<Start>,
}

impl Cloud {
    /// The account with every database of the plan, stopped; sessions appear when created.
    pub fn new(
        clock: Arc<Clock>,
        plan: &Plan,
        throttled: f64,
        seed: u64,
        starts: UnboundedSender<Start>,
    ) -> Self {
        let mut state = State::default();
        for db in &plan.databases {
            state.databases.insert(db.id.clone(), Db::new(db));
        }
        Cloud {
            clock,
            throttled,
            rng: Mutex::new(Rng::new(seed ^ 0x5eed)),
            state: Mutex::new(state),
            starts,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn now(&self) -> f64 {
        self.clock.seconds()
    }

    fn throttle(&self) -> bool {
        self.rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .chance(self.throttled)
    }

    /// Sessions provisioning or ready, and executions not finished: while there are none,
    /// nothing can happen before the next planned event, and the clock may skip ahead.
    pub fn idle(&self) -> bool {
        let now = self.now();
        let state = self.state();
        state.sessions.values().all(|s| !s.running(now))
            && state.executions.values().all(|e| e.finished.is_some())
    }

    /// One request to the account's endpoint: the service is told by `X-Amz-Target` (the JSON
    /// protocols) or by the form's `Action` (the query protocols).
    pub fn answer(&self, headers: &HeaderMap, body: &Bytes) -> Response {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        let target = header("x-amz-target");
        let caller = if [header("user-agent"), header("x-amz-user-agent")]
            .iter()
            .any(|ua| ua.contains("app/sweep"))
        {
            Caller::Sweep
        } else {
            Caller::Workflow
        };
        if let Some(op) = target.strip_prefix("AWSGlue.") {
            let input: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            return glue::answer(self, op, &input, caller);
        }
        if let Some(op) = target.strip_prefix("AWSStepFunctions.") {
            let input: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            return sfn::answer(self, op, &input);
        }
        let form = form(body);
        let action = form.get("Action").map(String::as_str).unwrap_or("");
        if action == "Publish" {
            return sfn::publish(self, &form);
        }
        rds::answer(self, action, &form)
    }
}

fn form(body: &Bytes) -> HashMap<String, String> {
    let text = String::from_utf8_lossy(body);
    format!("/?{text}")
        .parse::<Uri>()
        .ok()
        .and_then(|uri| axum::extract::Query::try_from_uri(&uri).ok())
        .map(|axum::extract::Query(map)| map)
        .unwrap_or_default()
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

fn json_error(code: &str, message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({"__type": code, "message": message}),
    )
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

fn xml_error(status: StatusCode, code: &str, message: &str) -> Response {
    xml(
        status,
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}\
             </Message></Error><RequestId>simulated</RequestId></ErrorResponse>"
        ),
    )
}
