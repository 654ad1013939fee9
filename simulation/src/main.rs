//! The cost-safety simulation: a month of Glue interactive sessions and RDS auto-starts, with
//! lost events, duplicated events and throttled API calls, played through the real handlers
//! and the real state machines on an accelerated clock. It prints what was left running past
//! its budget (the goal is nothing), how many stop calls each resource got (the goal is one),
//! the executions that failed and the alarms that would have fired, and exits non-zero if any
//! goal is missed.
//!
//! ```text
//! cost-simulation [--sessions N] [--databases N] [--days N] [--speed X] [--seed N] [--json FILE]
//! ```

mod clock;
mod cloud;
mod engine;
mod functions;
mod report;
mod run;
mod scenario;

use scenario::Options;
use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, as the AWS wire formats carry time.
pub fn epoch_seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

fn main() -> ExitCode {
    match main_with_result() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cost-simulation: {e}");
            ExitCode::from(2)
        }
    }
}

fn main_with_result() -> Result<bool, String> {
    let (options, json) = parse(std::env::args().skip(1))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let plan = scenario::plan(&options);
    let outcome = runtime.block_on(run::simulate(&options, &plan))?;
    let report = report::report(&options, &plan, &outcome);
    let mut stdout = std::io::stdout();
    write!(stdout, "{}", report::table(&report)).map_err(|e| e.to_string())?;
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(report.goals_met())
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<(Options, Option<String>), String> {
    use lexopt::prelude::*;
    let mut options = Options::month();
    let mut json = None;
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        let Long(flag) = arg else {
            return Err(arg.unexpected().to_string());
        };
        let flag = format!("--{flag}");
        let value = parser
            .value()
            .map_err(|e| e.to_string())?
            .string()
            .map_err(|e| format!("{flag} must be text, got {e:?}"))?;
        let number = |what: &str| -> Result<f64, String> {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{flag} must be {what}, got '{value}'"))
        };
        match flag.as_str() {
            "--sessions" => options.sessions = number("a count")? as usize,
            "--databases" => options.databases = number("a count")? as usize,
            "--days" => options.days = (number("a number of days")? as u32).max(1),
            "--speed" => options.speed = number("a positive factor")?.max(1.0),
            "--seed" => options.seed = number("a number")? as u64,
            "--json" => json = Some(value),
            _ => {
                return Err(format!(
                    "unknown option {flag}: expected --sessions, --databases, --days, --speed, \
                     --seed or --json"
                ));
            }
        }
    }
    Ok((options, json))
}
