//! Plays the plan: creates sessions, delivers the events that arrive (to the Glue workflow,
//! or to the RDS trigger, which starts the RDS workflow), runs the Glue sweep every 15 minutes
//! and the RDS sweep every hour, and retries a failed trigger or sweep twice, a minute then two
//! apart, as Lambda does for the asynchronous invocations EventBridge makes.

use crate::clock::Clock;
use crate::cloud::{Calls, Cloud};
use crate::engine;
use crate::functions::{
    self, ACCOUNT, CHECK_AND_STOP_RDS, Functions, REGION, SWEEP_GLUE_SESSIONS,
    SWEEP_RDS_AUTO_STARTS, Settings,
};
use crate::scenario::{DbPlan, Options, Plan, SessionPlan};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use check_and_stop_rds::ResourceType;
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;

pub const STOP_AFTER_SECONDS: f64 = 3600.0;
pub const SESSION_LIMIT_MINUTES: u64 = 90;
pub const SWEEP_EVERY: f64 = 900.0;
/// The sweep's idle limit (`GlueIdleMinutes`), on in the simulation so that it is tested.
pub const IDLE_MINUTES: u64 = 20;
/// The workers a session may ask for (`GlueMaxWorkers`).
pub const MAX_WORKERS: u32 = 10;
pub const POLL_SECONDS: f64 = 300.0;
/// The RDS sweep's schedule (`RdsSweepMinutes`).
pub const RDS_SWEEP_EVERY: f64 = 3600.0;
const MAX_POLLS: u32 = 36;
/// Lambda retries a failed asynchronous invocation twice.
const ASYNC_RETRIES: u8 = 2;
/// How long after the last planned event the simulation runs on.
const TAIL: f64 = 6.0 * 3600.0;
/// Monday 2 November 2026, 00:00 UTC.
const ORIGIN: u64 = 1_793_577_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    CreateSession(usize),
    DeliverSession(usize),
    DeliverDb { db: usize, attempt: u8 },
    Sweep { attempt: u8 },
    RdsSweep { attempt: u8 },
}

/// What the account does not record itself: the Lambda invocations EventBridge makes.
#[derive(Debug, Default)]
pub struct Invocations {
    pub sweeps: u32,
    /// Simulated times of failed sweep invocations (each one counts in Lambda's Errors).
    pub sweep_errors: Vec<f64>,
    pub triggers: u32,
    pub trigger_errors: Vec<f64>,
    /// Trigger invocations the scenario made fail (`trigger_fails`): the alarms they set off
    /// are the ones designed for them, and are not counted against the goal.
    pub trigger_faults: Vec<f64>,
    pub rds_sweeps: u32,
    pub rds_sweep_errors: Vec<f64>,
}

pub struct Outcome {
    pub cloud: Arc<Cloud>,
    pub invocations: Invocations,
    /// Simulated seconds from the origin to the end of the run.
    pub end: f64,
    pub real: Duration,
    pub unfinished: usize,
}

#[derive(Clone)]
struct Endpoint {
    cloud: Arc<Cloud>,
    functions: Arc<Functions>,
}

pub async fn simulate(options: &Options, plan: &Plan) -> Result<Outcome, String> {
    let real_start = Instant::now();
    let clock = Arc::new(Clock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(ORIGIN),
        options.speed,
    ));
    let (starts, started) = mpsc::unbounded_channel();
    let cloud = Arc::new(Cloud::new(
        clock.clone(),
        plan,
        options.throttled,
        options.seed,
        starts,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let success_topic = functions::arn("sns", "automations-succeeded");
    let failure_topic = functions::arn("sns", "automations-failed");
    let rds_state_machine = functions::arn("states", "stateMachine:rds-auto-stop");
    let settings = Settings {
        session_limit_minutes: SESSION_LIMIT_MINUTES,
        idle_minutes: IDLE_MINUTES,
        max_workers: MAX_WORKERS,
        success_topic: success_topic.clone(),
        failure_topic: failure_topic.clone(),
        rds_state_machine,
    };
    let functions = Arc::new(Functions::new(&url, clock.clone(), &settings).await?);
    let app = Router::new()
        .route("/", post(account))
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .with_state(Endpoint {
            cloud: cloud.clone(),
            functions: functions.clone(),
        });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let machines = json!({
        "glue-session-stop": {
            "StopAfterSeconds": STOP_AFTER_SECONDS,
            "StopGlueSessionFunctionArn": functions::arn("lambda", "function:stop-glue-session"),
            "SuccessTopicArn": success_topic,
            "FailureTopicArn": failure_topic,
        },
        "rds-auto-stop": {
            "PollSeconds": POLL_SECONDS,
            "MaxPolls": MAX_POLLS,
            "CheckAndStopRdsFunctionArn": functions::arn("lambda", "function:check-and-stop-rds"),
            "SuccessTopicArn": success_topic,
            "FailureTopicArn": failure_topic,
        },
    });
    let engine = engine::spawn(cloud.clone(), started, &url, options.speed, &machines).await?;
    // The first calls set up connections, which the clock's speed would turn into minutes.
    let warm_up = [
        (
            functions::STOP_GLUE_SESSION,
            json!({"session_id": "warm-up"}),
        ),
        (SWEEP_GLUE_SESSIONS, scheduled_event(clock.now())),
        (
            CHECK_AND_STOP_RDS,
            json!({"resource_id": "warm-up", "resource_type": "instance"}),
        ),
    ];
    for (function, event) in warm_up {
        let _ = functions.invoke(function, event).await;
    }
    cloud.state().calls = Calls::default();
    clock.start();

    let player = Player {
        clock: clock.clone(),
        cloud: cloud.clone(),
        functions,
        plan,
        busy: Arc::new(AtomicUsize::new(0)),
    };
    let invocations = player.play().await;
    let unfinished = player.drain().await;
    let end = clock.seconds();
    drop(engine);
    server.abort();
    Ok(Outcome {
        cloud,
        invocations,
        end,
        real: real_start.elapsed(),
        unfinished,
    })
}

async fn account(State(endpoint): State<Endpoint>, headers: HeaderMap, body: Bytes) -> Response {
    endpoint.cloud.answer(&headers, &body)
}

async fn invoke(
    State(endpoint): State<Endpoint>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let event: Value = serde_json::from_slice(&body).unwrap_or_default();
    let json = [(header::CONTENT_TYPE, "application/json")];
    match endpoint.functions.invoke(&name, event).await {
        Ok(value) => (json, value.to_string()).into_response(),
        Err(f) => {
            let error = json!({"errorType": f.error_type, "errorMessage": f.message});
            (
                [(
                    header::HeaderName::from_static("x-amz-function-error"),
                    "Unhandled",
                )],
                json,
                error.to_string(),
            )
                .into_response()
        }
    }
}

struct Player<'p> {
    clock: Arc<Clock>,
    cloud: Arc<Cloud>,
    functions: Arc<Functions>,
    plan: &'p Plan,
    /// Trigger and sweep invocations under way.
    busy: Arc<AtomicUsize>,
}

type Queue = BinaryHeap<Reverse<(u64, u64, Event)>>;

impl Player<'_> {
    async fn play(&self) -> Invocations {
        let mut queue = Queue::new();
        let mut seq = 0u64;
        let mut push = |queue: &mut Queue, at: f64, event: Event| {
            seq += 1;
            queue.push(Reverse(((at * 1000.0) as u64, seq, event)));
        };
        let mut last = 0.0f64;
        for (i, s) in self.plan.sessions.iter().enumerate() {
            push(&mut queue, s.created, Event::CreateSession(i));
            if let Some(at) = s.delivered {
                push(&mut queue, at, Event::DeliverSession(i));
            }
            last = last.max(s.created);
        }
        for (i, db) in self.plan.databases.iter().enumerate() {
            for at in &db.deliveries {
                push(&mut queue, *at, Event::DeliverDb { db: i, attempt: 0 });
            }
            last = last.max(db.started);
        }
        let end = last + TAIL;
        push(&mut queue, SWEEP_EVERY, Event::Sweep { attempt: 0 });
        push(&mut queue, RDS_SWEEP_EVERY, Event::RdsSweep { attempt: 0 });

        let (retry, mut retries) = mpsc::unbounded_channel::<(f64, Event)>();
        let invocations = Arc::new(std::sync::Mutex::new(Invocations::default()));
        loop {
            while let Ok((at, event)) = retries.try_recv() {
                push(&mut queue, at, event);
            }
            let Some(Reverse((at_ms, _, event))) = queue.peek().copied() else {
                break;
            };
            let at = at_ms as f64 / 1000.0;
            if self.busy.load(Ordering::SeqCst) == 0 && self.cloud.idle() {
                self.clock.skip_to(at);
            }
            if self.clock.seconds() < at {
                // In steps, so that the clock can skip ahead once everything has finished.
                let step = (self.clock.seconds() + 60.0).min(at);
                tokio::select! {
                    () = self.clock.sleep_until(step) => {}
                    Some((at, event)) = retries.recv() => push(&mut queue, at, event),
                }
                continue;
            }
            queue.pop();
            match event {
                Event::CreateSession(i) => {
                    let s = &self.plan.sessions[i];
                    self.cloud.create_session(&s.id, s);
                }
                Event::DeliverSession(i) => {
                    let s = &self.plan.sessions[i];
                    self.cloud.start_execution(
                        "glue-session-stop",
                        &format!("{}-stop", s.id),
                        create_session_event(
                            s,
                            self.clock.origin() + Duration::from_secs_f64(s.created),
                        ),
                    );
                }
                Event::DeliverDb { db, attempt } => {
                    let plan = &self.plan.databases[db];
                    let event = rds_event(plan, self.clock.origin());
                    // A trigger that fails every time is invoked as a function that cannot
                    // answer, so its retries and errors are Lambda's.
                    let function = if plan.trigger_fails {
                        functions::FAILING
                    } else {
                        CHECK_AND_STOP_RDS
                    };
                    self.call(
                        function,
                        event,
                        &invocations,
                        &retry,
                        move |n| Event::DeliverDb { db, attempt: n },
                        attempt,
                    );
                }
                Event::RdsSweep { attempt } => {
                    if attempt == 0 && at + RDS_SWEEP_EVERY <= end {
                        push(
                            &mut queue,
                            at + RDS_SWEEP_EVERY,
                            Event::RdsSweep { attempt: 0 },
                        );
                    }
                    let event = scheduled_event(self.clock.now());
                    self.call(
                        SWEEP_RDS_AUTO_STARTS,
                        event,
                        &invocations,
                        &retry,
                        |n| Event::RdsSweep { attempt: n },
                        attempt,
                    );
                }
                Event::Sweep { attempt } => {
                    if attempt == 0 && at + SWEEP_EVERY <= end {
                        push(&mut queue, at + SWEEP_EVERY, Event::Sweep { attempt: 0 });
                    }
                    let event = scheduled_event(self.clock.now());
                    self.call(
                        SWEEP_GLUE_SESSIONS,
                        event,
                        &invocations,
                        &retry,
                        |n| Event::Sweep { attempt: n },
                        attempt,
                    );
                }
            }
        }
        std::mem::take(
            &mut *invocations
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Invokes a function as EventBridge does (asynchronously): on an error Lambda retries
    /// it a minute later, then two minutes after that.
    fn call(
        &self,
        function: &'static str,
        event: Value,
        invocations: &Arc<std::sync::Mutex<Invocations>>,
        retry: &mpsc::UnboundedSender<(f64, Event)>,
        again: impl FnOnce(u8) -> Event + Send + 'static,
        attempt: u8,
    ) {
        let (functions, clock, busy) = (
            self.functions.clone(),
            self.clock.clone(),
            self.busy.clone(),
        );
        let (invocations, retry) = (invocations.clone(), retry.clone());
        busy.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let failed = functions.invoke(function, event).await.is_err();
            let now = clock.seconds();
            {
                let mut guard = invocations
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let record = &mut *guard;
                let (count, errors) = match function {
                    SWEEP_GLUE_SESSIONS => (&mut record.sweeps, &mut record.sweep_errors),
                    SWEEP_RDS_AUTO_STARTS => (&mut record.rds_sweeps, &mut record.rds_sweep_errors),
                    functions::FAILING => (&mut record.triggers, &mut record.trigger_faults),
                    _ => (&mut record.triggers, &mut record.trigger_errors),
                };
                *count += 1;
                if failed {
                    errors.push(now);
                }
            }
            if failed && attempt < ASYNC_RETRIES {
                let delay = 60.0 * f64::from(attempt + 1);
                let _ = retry.send((now + delay, again(attempt + 1)));
            }
            busy.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// Waits, on the simulated clock, for the executions and invocations still running;
    /// returns how many did not finish within six simulated hours.
    async fn drain(&self) -> usize {
        let give_up = self.clock.seconds() + TAIL;
        loop {
            let unfinished = self
                .cloud
                .state()
                .executions
                .values()
                .filter(|e| e.finished.is_none())
                .count()
                + self.busy.load(Ordering::SeqCst);
            if unfinished == 0 || self.clock.seconds() > give_up {
                return unfinished;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn date(at: SystemTime) -> String {
    aws_sdk_glue::primitives::DateTime::from(at)
        .fmt(aws_sdk_glue::primitives::DateTimeFormat::DateTime)
        .unwrap_or_default()
}

/// RDS's auto-start event for `db`, as EventBridge delivers it; every copy is the same event.
fn rds_event(db: &DbPlan, origin: SystemTime) -> Value {
    let at = date(origin + Duration::from_secs_f64(db.started));
    let (detail_type, source_type, prefix) = match db.kind {
        ResourceType::Instance => ("RDS DB Instance Event", "DB_INSTANCE", "db"),
        ResourceType::Cluster => ("RDS DB Cluster Event", "CLUSTER", "cluster"),
    };
    let arn = format!("arn:aws:rds:{REGION}:{ACCOUNT}:{prefix}:{}", db.id);
    json!({
        "version": "0",
        "id": format!("event-{}", db.id),
        "detail-type": detail_type,
        "source": "aws.rds",
        "account": ACCOUNT,
        "time": at,
        "region": REGION,
        "resources": [arn],
        "detail": {
            "EventCategories": ["notification"],
            "SourceType": source_type,
            "SourceArn": arn,
            "Date": at,
            "Message": format!("DB {} is being started due to it exceeding the maximum allowed time being stopped.", db.kind.as_str()),
            "SourceIdentifier": db.id,
            "EventID": db.kind.auto_start_event(),
        }
    })
}

/// The CloudTrail `CreateSession` event, whole, as the EventBridge rule delivers it.
fn create_session_event(session: &SessionPlan, at: SystemTime) -> Value {
    let id = &session.id;
    json!({
        "version": "0",
        "id": format!("event-{id}"),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.glue",
        "account": ACCOUNT,
        "time": date(at),
        "region": REGION,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/DataEngineer/data-engineer"),
                "accountId": ACCOUNT,
            },
            "eventTime": date(at),
            "eventSource": "glue.amazonaws.com",
            "eventName": "CreateSession",
            "awsRegion": REGION,
            "sourceIPAddress": "glue.amazonaws.com",
            "userAgent": "glue.amazonaws.com",
            "requestParameters": {"id": id, "numberOfWorkers": session.workers, "workerType": "G.1X"},
            "responseElements": {"session": {"id": id, "status": "PROVISIONING"}},
            "requestID": format!("request-{id}"),
            "eventID": format!("event-{id}"),
            "readOnly": false,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
        }
    })
}

fn scheduled_event(now: SystemTime) -> Value {
    json!({
        "version": "0",
        "id": "scheduled",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": date(now),
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/glue-session-sweep")],
        "detail": {}
    })
}
