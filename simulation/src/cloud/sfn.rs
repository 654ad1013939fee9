//! Step Functions' StartExecution (JSON 1.0) and SNS Publish (query protocol). Executions run
//! in the engine; their outcome is written back here.

use super::{Cloud, json, json_error, xml};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;

/// An execution for the engine to run.
#[derive(Debug, Clone)]
pub struct Start {
    pub machine: String,
    pub name: String,
    pub input: Value,
}

#[derive(Debug, Clone)]
pub struct Execution {
    pub machine: String,
    pub input: String,
    pub finished: Option<f64>,
    /// `SUCCEEDED`, or the error that failed it.
    pub result: Option<Result<(), String>>,
}

#[derive(Debug, Clone)]
pub struct Published {
    pub topic: String,
    pub subject: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    New,
    /// Same name and input as a running execution: Step Functions answers as the first time.
    Running,
    AlreadyExists,
}

impl Cloud {
    pub fn start_execution(&self, machine: &str, name: &str, input: Value) -> Started {
        let text = input.to_string();
        {
            let mut state = self.state();
            if let Some(e) = state.executions.get(name) {
                return if e.finished.is_none() && e.input == text {
                    Started::Running
                } else {
                    Started::AlreadyExists
                };
            }
            state.executions.insert(
                name.to_owned(),
                Execution {
                    machine: machine.to_owned(),
                    input: text,
                    finished: None,
                    result: None,
                },
            );
        }
        let start = Start {
            machine: machine.to_owned(),
            name: name.to_owned(),
            input,
        };
        if self.starts.send(start).is_err() {
            self.finish(name, Err("EngineStopped".into()), &[]);
        }
        Started::New
    }

    pub fn finish(&self, name: &str, result: Result<(), String>, notified: &[(String, String)]) {
        let now = self.now();
        let mut state = self.state();
        for (topic, subject) in notified {
            state.published.push(Published {
                topic: topic.clone(),
                subject: subject.clone(),
            });
        }
        if let Some(e) = state.executions.get_mut(name) {
            e.finished = Some(now);
            e.result = Some(result);
        }
    }
}

pub fn answer(cloud: &Cloud, op: &str, input: &Value) -> Response {
    if op != "StartExecution" {
        return json_error("UnknownOperationException", op);
    }
    let arn = input["stateMachineArn"].as_str().unwrap_or_default();
    let name = input["name"].as_str().unwrap_or_default();
    let machine = arn.rsplit(':').next().unwrap_or_default();
    let execution_input: Value = input["input"]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    match cloud.start_execution(machine, name, execution_input) {
        Started::New | Started::Running => json(
            StatusCode::OK,
            &json!({
                "executionArn": format!("{}:{name}", arn.replace(":stateMachine:", ":execution:")),
                "startDate": crate::epoch_seconds(cloud.clock.now()),
            }),
        ),
        Started::AlreadyExists => json_error(
            "ExecutionAlreadyExists",
            &format!("Execution Already Exists: '{name}'"),
        ),
    }
}

pub fn publish(cloud: &Cloud, form: &HashMap<String, String>) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    cloud.state().published.push(Published {
        topic: field("TopicArn"),
        subject: field("Subject"),
    });
    xml(
        StatusCode::OK,
        "<PublishResponse><PublishResult><MessageId>simulated</MessageId></PublishResult>\
         </PublishResponse>"
            .to_owned(),
    )
}
