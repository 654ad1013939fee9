//! Glue interactive sessions (JSON 1.1 protocol): GetSession, GetTags, StopSession,
//! ListSessions, ListStatements.

use super::{Caller, Cloud, json, json_error};
use crate::scenario::SessionPlan;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// STOPPING lasts this long before STOPPED.
const STOPPING_SECONDS: f64 = 30.0;
/// An opted-out session is stopped by its owner this long after it was created.
const OWNER_STOPS_AFTER: f64 = 3.0 * 3600.0;
const PAGE: usize = 100;

#[derive(Debug, Clone)]
pub struct Session {
    pub created: f64,
    pub ready: f64,
    pub opted_out: bool,
    pub statements: Vec<(f64, f64)>,
    /// When its statements were last listed.
    pub listed: Option<f64>,
    /// When the first StopSession call was accepted.
    pub stopped: Option<f64>,
    /// Who made each accepted StopSession call.
    pub stops: Vec<Caller>,
    /// StopSession calls refused because the session was not READY.
    pub refused: u32,
}

impl Session {
    pub fn new(plan: &SessionPlan) -> Self {
        Session {
            created: plan.created,
            ready: plan.created + plan.provisioning,
            opted_out: plan.opted_out,
            statements: plan.statements.clone(),
            listed: None,
            stopped: None,
            stops: Vec::new(),
            refused: 0,
        }
    }

    fn owner_stops(&self) -> Option<f64> {
        self.opted_out.then_some(self.created + OWNER_STOPS_AFTER)
    }

    pub fn status(&self, now: f64) -> &'static str {
        match (self.stopped, self.owner_stops()) {
            (Some(at), _) if now < at + STOPPING_SECONDS => "STOPPING",
            (Some(_), _) => "STOPPED",
            (None, Some(at)) if now >= at => "STOPPED",
            (None, _) if now < self.ready => "PROVISIONING",
            (None, _) => "READY",
        }
    }

    /// Provisioning or ready: billed.
    pub fn running(&self, now: f64) -> bool {
        matches!(self.status(now), "PROVISIONING" | "READY")
    }
}

impl Cloud {
    pub fn create_session(&self, id: &str, plan: &SessionPlan) {
        self.state()
            .sessions
            .insert(id.to_owned(), Session::new(plan));
    }
}

pub fn answer(cloud: &Cloud, op: &str, input: &Value, caller: Caller) -> Response {
    let throttled = cloud.throttle();
    let now = cloud.now();
    let epoch = crate::epoch_seconds(cloud.clock.origin());
    let mut state = cloud.state();
    state.calls.glue += 1;
    if throttled {
        state.calls.glue_throttled += 1;
        return json_error("ThrottlingException", "Rate exceeded");
    }
    let id = input["Id"].as_str().unwrap_or_default();
    let describe = |id: &str, s: &Session| json!({"Id": id, "Status": s.status(now), "CreatedOn": epoch + s.created});
    match op {
        "GetSession" => match state.sessions.get(id) {
            Some(s) => json(StatusCode::OK, &json!({"Session": describe(id, s)})),
            None => not_found(id),
        },
        "GetTags" => {
            let arn = input["ResourceArn"].as_str().unwrap_or_default();
            let id = arn.rsplit('/').next().unwrap_or_default();
            match state.sessions.get(id) {
                Some(s) if s.opted_out => {
                    json(StatusCode::OK, &json!({"Tags": {"auto-stop": "false"}}))
                }
                Some(_) => json(StatusCode::OK, &json!({"Tags": {"team": "data"}})),
                None => not_found(id),
            }
        }
        "StopSession" => match state.sessions.get_mut(id) {
            Some(s) if s.status(now) == "READY" => {
                s.stopped.get_or_insert(now);
                s.stops.push(caller);
                json(StatusCode::OK, &json!({"Id": id}))
            }
            Some(s) => {
                s.refused += 1;
                let status = s.status(now);
                json_error(
                    "IllegalSessionStateException",
                    &format!("Session {id} is {status} and cannot be stopped"),
                )
            }
            None => not_found(id),
        },
        // The statements started so far; a stopped session's end with it.
        "ListStatements" => match state
            .sessions
            .get_mut(input["SessionId"].as_str().unwrap_or_default())
        {
            Some(s) => {
                s.listed = Some(now);
                let until = s.stopped.unwrap_or(f64::INFINITY).min(now);
                let statements: Vec<Value> = s
                    .statements
                    .iter()
                    .enumerate()
                    .filter(|(_, (start, _))| *start <= until)
                    .map(|(n, &(start, end))| {
                        let done = end <= until;
                        let ms = |t: f64| ((epoch + t) * 1000.0) as i64;
                        json!({
                            "Id": n,
                            "State": if done { "AVAILABLE" } else if until < now { "CANCELLED" } else { "RUNNING" },
                            "StartedOn": ms(start),
                            "CompletedOn": if done || until < now { ms(end.min(until)) } else { 0 },
                        })
                    })
                    .collect();
                json(StatusCode::OK, &json!({"Statements": statements}))
            }
            None => not_found(input["SessionId"].as_str().unwrap_or_default()),
        },
        "ListSessions" => {
            let from: usize = input["NextToken"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = state
                .sessions
                .iter()
                .skip(from)
                .take(PAGE)
                .map(|(id, s)| describe(id, s))
                .collect();
            let ids: Vec<&str> = page.iter().filter_map(|s| s["Id"].as_str()).collect();
            let mut out = json!({"Ids": ids, "Sessions": page});
            if from + PAGE < state.sessions.len() {
                out["NextToken"] = json!((from + PAGE).to_string());
            }
            json(StatusCode::OK, &out)
        }
        _ => json_error("UnknownOperationException", op),
    }
}

fn not_found(id: &str) -> Response {
    json_error(
        "EntityNotFoundException",
        &format!("Session {id} not found"),
    )
}
