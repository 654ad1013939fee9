//! The state machines run in aws-local-stepfunctions (`tests/sfn/simulate.mjs`), one Node
//! process for the whole simulation: executions go in on its stdin, outcomes come back on its
//! stdout. Its timers run on the simulated clock's speed, so the real ASL's Wait states and
//! Retry back-offs (with their jitter) take simulated time.

use crate::cloud::{Cloud, Start};
use serde::Deserialize;
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc::UnboundedReceiver;

#[derive(Deserialize)]
struct Outcome {
    name: String,
    status: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    notified: Vec<(String, String)>,
}

/// The running engine; dropping it stops the Node process.
pub struct Engine {
    _child: Child,
}

/// Starts the engine and waits until it is ready. `machines` maps each state machine's name
/// to its `DefinitionSubstitutions`.
pub async fn spawn(
    cloud: Arc<Cloud>,
    mut starts: UnboundedReceiver<Start>,
    lambda_url: &str,
    speed: f64,
    machines: &Value,
) -> Result<Engine, String> {
    // `cargo run` names the package's folder at run time; the one baked in at build time is
    // where the binary was built, which a shared build cache can have moved since.
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let dir = format!("{manifest}/../tests/sfn");
    let mut child = Command::new("node")
        .args(["--require", "./lib/polyfill.cjs", "simulate.mjs"])
        .current_dir(&dir)
        .env("SIM_LAMBDA_URL", lambda_url)
        .env("SIM_SPEED", speed.to_string())
        .env("SIM_MACHINES", machines.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start node in {dir}: {e}"))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("node's stdin and stdout are not piped".into());
    };
    let mut lines = BufReader::new(stdout).lines();
    match lines.next_line().await {
        Ok(Some(line)) if line.contains("ready") => {}
        other => return Err(format!("the engine did not start: {other:?}")),
    }
    tokio::spawn(async move {
        while let Some(start) = starts.recv().await {
            let line = json!({"machine": start.machine, "name": start.name, "input": start.input});
            if stdin
                .write_all(format!("{line}\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            match serde_json::from_str::<Outcome>(&line) {
                Ok(o) => {
                    let result = match o.status.as_str() {
                        "SUCCEEDED" => Ok(()),
                        _ => Err(o.error.unwrap_or_else(|| o.status.clone())),
                    };
                    cloud.finish(&o.name, result, &o.notified);
                }
                Err(e) => eprintln!("engine: unreadable line ({e}): {line}"),
            }
        }
    });
    Ok(Engine { _child: child })
}
