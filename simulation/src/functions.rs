//! The real handlers, called in-process through Lambda's Invoke API, with the simulated clock
//! as their `now` and SDK clients pointed at the simulated account. The clients retry as the
//! functions' own do (`shared::aws::retry_config`), with the back-off shortened by the clock's
//! speed.

use crate::clock::Clock;
use aws_config::{AppName, BehaviorVersion, Region, SdkConfig};
use aws_sdk_glue::config::Credentials;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";
pub const STOP_GLUE_SESSION: &str = "stop-glue-session";
pub const SWEEP_GLUE_SESSIONS: &str = "sweep-glue-sessions";
pub const CHECK_AND_STOP_RDS: &str = "check-and-stop-rds";
pub const SWEEP_RDS_AUTO_STARTS: &str = "sweep-rds-auto-starts";
/// The scenario's broken trigger: every invocation fails, as a crashing function's would.
pub const FAILING: &str = "failing-trigger";

pub fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
}

/// A function's error, as Lambda reports it.
#[derive(Debug)]
pub struct Failure {
    pub error_type: String,
    pub message: String,
}

pub struct Functions {
    stop: stop_glue_session::Deps,
    sweep: stop_glue_session::Deps,
    rds: check_and_stop_rds::Deps,
    rds_sweep: check_and_stop_rds::Deps,
    clock: Arc<Clock>,
}

/// Settings as the template sets them (defaults: stop after 3,600 s, sweep limit 90 minutes).
pub struct Settings {
    pub session_limit_minutes: u64,
    pub idle_minutes: u64,
    pub max_workers: u32,
    pub success_topic: String,
    pub failure_topic: String,
    pub rds_state_machine: String,
}

impl Functions {
    pub async fn new(
        endpoint: &str,
        clock: Arc<Clock>,
        settings: &Settings,
    ) -> Result<Self, String> {
        let session_arn_prefix = arn("glue", "session/");
        let limit = settings.session_limit_minutes.to_string();
        let (idle, max_workers) = (
            settings.idle_minutes.to_string(),
            settings.max_workers.to_string(),
        );
        let stop_vars = |name: &str| match name {
            "GLUE_SESSION_ARN_PREFIX" => Some(session_arn_prefix.clone()),
            "MAX_WORKERS" => Some(max_workers.clone()),
            _ => None,
        };
        let sweep_vars = |name: &str| match name {
            "MAX_SESSION_MINUTES" => Some(limit.clone()),
            "IDLE_MINUTES" => Some(idle.clone()),
            "SUCCESS_TOPIC_ARN" => Some(settings.success_topic.clone()),
            "FAILURE_TOPIC_ARN" => Some(settings.failure_topic.clone()),
            _ => stop_vars(name),
        };
        // The template's defaults: a sweep every 60 minutes, events older than 75 left alone.
        let rds_vars =
            |name: &str| (name == "STATE_MACHINE_ARN").then(|| settings.rds_state_machine.clone());
        let workflow = sdk(endpoint, "workflow", clock.speed()).await?;
        let sweeper = sdk(endpoint, "sweep", clock.speed()).await?;
        let config_error = |e: shared::Error| e.to_string();
        Ok(Functions {
            stop: stop_glue_session::Deps {
                glue: aws_sdk_glue::Client::new(&workflow),
                sns: aws_sdk_sns::Client::new(&workflow),
                config: stop_glue_session::Config::from_vars(&stop_vars).map_err(config_error)?,
            },
            sweep: stop_glue_session::Deps {
                glue: aws_sdk_glue::Client::new(&sweeper),
                sns: aws_sdk_sns::Client::new(&sweeper),
                config: stop_glue_session::Config::from_vars(&sweep_vars).map_err(config_error)?,
            },
            rds: check_and_stop_rds::Deps {
                rds: aws_sdk_rds::Client::new(&workflow),
                sfn: aws_sdk_sfn::Client::new(&workflow),
                sns: aws_sdk_sns::Client::new(&workflow),
                config: check_and_stop_rds::Config::from_vars(&rds_vars).map_err(config_error)?,
            },
            rds_sweep: check_and_stop_rds::Deps {
                rds: aws_sdk_rds::Client::new(&sweeper),
                sfn: aws_sdk_sfn::Client::new(&sweeper),
                sns: aws_sdk_sns::Client::new(&sweeper),
                config: check_and_stop_rds::Config::from_vars(&rds_vars).map_err(config_error)?,
            },
            clock,
        })
    }

    pub async fn invoke(&self, name: &str, event: Value) -> Result<Value, Failure> {
        match name {
            STOP_GLUE_SESSION => output(
                async {
                    let event = shared::input::parse(event)?;
                    stop_glue_session::handle(&self.stop, event, self.clock.now()).await
                }
                .await,
                |e| e.error_type(),
            ),
            SWEEP_GLUE_SESSIONS => output(
                async {
                    let event = shared::input::parse(event)?;
                    stop_glue_session::handle(&self.sweep, event, self.clock.now()).await
                }
                .await,
                |e| e.error_type(),
            ),
            CHECK_AND_STOP_RDS | SWEEP_RDS_AUTO_STARTS => output(
                async {
                    let event = shared::input::parse(event)?;
                    let deps = if name == CHECK_AND_STOP_RDS {
                        &self.rds
                    } else {
                        &self.rds_sweep
                    };
                    check_and_stop_rds::handle(deps, event, self.clock.now().into()).await
                }
                .await,
                |e| e.error_type(),
            ),
            FAILING => Err(Failure {
                error_type: "Runtime.ExitError".into(),
                message: "the scenario's broken trigger".into(),
            }),
            _ => Err(Failure {
                error_type: "ResourceNotFoundException".into(),
                message: format!("Function not found: {name}"),
            }),
        }
    }
}

fn output<T: serde::Serialize, E: std::fmt::Display>(
    result: Result<T, E>,
    error_type: impl Fn(&E) -> &'static str,
) -> Result<Value, Failure> {
    match result {
        Ok(value) => serde_json::to_value(value).map_err(|e| Failure {
            error_type: "Runtime.SerializationError".into(),
            message: e.to_string(),
        }),
        Err(e) => Err(Failure {
            error_type: error_type(&e).into(),
            message: e.to_string(),
        }),
    }
}

async fn sdk(endpoint: &str, app: &str, speed: f64) -> Result<SdkConfig, String> {
    let retry = shared::aws::retry_config()
        .with_initial_backoff(Duration::from_secs_f64(1.0 / speed))
        .with_max_backoff(Duration::from_secs_f64(20.0 / speed));
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            "simulated",
            "simulated",
            None,
            None,
            "simulation",
        ))
        .retry_config(retry)
        .app_name(AppName::new(app.to_owned()).map_err(|e| e.to_string())?)
        .load()
        .await)
}
