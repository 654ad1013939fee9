//! Support for the tests that run against moto (`scripts/with-stack.sh` starts it and sets
//! `AWS_ENDPOINT_URL`; each crate's `local-stack` feature builds them). Tests share one moto, so
//! every resource gets a unique name.
#![allow(clippy::expect_used, clippy::panic)]

pub mod arbitrary;
pub mod site;
pub mod wordpress;

use aws_config::SdkConfig;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A lock that a panicking test thread cannot poison for the others: the servers here only
/// record requests.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The SDK configuration pointing at moto. Panics with the fix when moto is not running.
pub async fn moto() -> SdkConfig {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if url.starts_with("http://127.0.0.1:") => shared::aws::load_config().await,
        _ => panic!(
            "these tests need moto on 127.0.0.1: run them with `scripts/with-stack.sh \
             --no-functions cargo test --all-features`, or `make test`"
        ),
    }
}

/// `prefix-<pid>-<time>-<n>`: unique across tests and runs on one moto.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Adds an event to RDS's event history on the local moto (`scripts/local_moto.py`), as RDS
/// itself records one: `source_type` is `db-instance` or `db-cluster`, `date` RFC 3339.
pub async fn add_rds_event(source_id: &str, source_type: &str, message: &str, date: &str) {
    let url = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL names moto");
    let body = serde_json::json!({
        "region": "us-east-1", "source_identifier": source_id, "source_type": source_type,
        "message": message, "date": date,
    });
    let response = reqwest::Client::new()
        .post(format!("{url}/_local/rds-events"))
        .body(body.to_string())
        .send()
        .await
        .expect("moto answers");
    assert!(
        response.status().is_success(),
        "moto refused the RDS event: {}",
        response.text().await.unwrap_or_default()
    );
}

/// A new SNS topic, and an inbox subscribed to it.
pub async fn topic_with_inbox(config: &SdkConfig) -> (String, Inbox) {
    let topic = aws_sdk_sns::Client::new(config)
        .create_topic()
        .name(unique("topic"))
        .send()
        .await
        .expect("create topic")
        .topic_arn
        .expect("topic arn");
    let inbox = Inbox::subscribe(config, &[&topic]).await;
    (topic, inbox)
}

/// A new, empty S3 bucket.
pub async fn bucket(config: &SdkConfig) -> String {
    let name = unique("bucket");
    shared::aws::s3_client(config)
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("create bucket");
    name
}

/// A new SSM String parameter holding `value`; returns its name.
pub async fn parameter(config: &SdkConfig, value: &str) -> String {
    put_parameter(config, value, aws_sdk_ssm::types::ParameterType::String).await
}

/// A new SecureString parameter holding `value`; returns its name.
pub async fn secret_parameter(config: &SdkConfig, value: &str) -> String {
    put_parameter(
        config,
        value,
        aws_sdk_ssm::types::ParameterType::SecureString,
    )
    .await
}

async fn put_parameter(
    config: &SdkConfig,
    value: &str,
    kind: aws_sdk_ssm::types::ParameterType,
) -> String {
    let name = format!("/test/{}", unique("parameter"));
    aws_sdk_ssm::Client::new(config)
        .put_parameter()
        .name(&name)
        .value(value)
        .r#type(kind)
        .send()
        .await
        .expect("put parameter");
    name
}

/// One SNS notification as a subscriber receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub subject: Option<String>,
    pub message: String,
}

/// An SQS queue subscribed to SNS topics: how a test reads what was published.
pub struct Inbox {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl Inbox {
    pub async fn subscribe(config: &SdkConfig, topic_arns: &[&str]) -> Self {
        let sqs = aws_sdk_sqs::Client::new(config);
        let sns = aws_sdk_sns::Client::new(config);
        let name = unique("inbox");
        let queue_url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .expect("create queue")
            .queue_url
            .expect("queue url");
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        for topic in topic_arns {
            sns.subscribe()
                .topic_arn(*topic)
                .protocol("sqs")
                .endpoint(format!("arn:aws:sqs:{region}:123456789012:{name}"))
                .send()
                .await
                .expect("subscribe queue");
        }
        Inbox { sqs, queue_url }
    }

    /// Everything delivered so far.
    pub async fn read(&self) -> Vec<Notification> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        out.messages()
            .iter()
            .map(|m| {
                let envelope: serde_json::Value =
                    serde_json::from_str(m.body().unwrap_or("{}")).expect("SNS envelope");
                Notification {
                    subject: envelope["Subject"].as_str().map(str::to_owned),
                    message: envelope["Message"].as_str().unwrap_or_default().to_owned(),
                }
            })
            .collect()
    }
}

/// The workspace's folder, found at run time from the package under test (`cargo test` sets
/// `CARGO_MANIFEST_DIR` for it): the path `env!` bakes in at build time is where this crate was
/// built, which a build cache shared between clones can have moved since.
pub fn workspace_root() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_dir().expect("the current folder"));
    package
        .ancestors()
        .find(|folder| folder.join("Cargo.lock").is_file())
        .unwrap_or_else(|| panic!("no Cargo.lock above {}", package.display()))
        .to_path_buf()
}

/// Checks a message a function answers, serialised, against its sample in
/// `events/outputs/<function>/<name>.json`, which the state machines' field-path test runs the
/// ASL files on (`tests/sfn/field-paths.test.mjs`): renaming a field fails here, then there.
/// `UPDATE_OUTPUTS=1` rewrites the sample instead.
pub fn output_sample(function: &str, name: &str, message: &impl serde::Serialize) {
    let path = workspace_root()
        .join("events/outputs")
        .join(function)
        .join(format!("{name}.json"));
    let value = serde_json::to_value(message).expect("serialise the message");
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        let text = serde_json::to_string_pretty(&value).expect("format the message");
        std::fs::write(&path, text + "\n").expect("write the sample");
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; UPDATE_OUTPUTS=1 writes it", path.display()));
    let sample: serde_json::Value = serde_json::from_str(&text).expect("the sample is JSON");
    assert_eq!(
        value,
        sample,
        "{} no longer matches the message; if the change is meant, rerun with UPDATE_OUTPUTS=1 \
         and check the state machines",
        path.display()
    );
}

/// Each control of the remediation catalogue and its sample finding event: S3.8's is
/// `events/route-finding/securityhub-findings-imported.json` (its first finding), every other
/// control's `securityhub-finding-<control>.json`, one finding each.
pub fn control_finding_events() -> Vec<(&'static str, serde_json::Value)> {
    shared::remediation::CONTROLS
        .iter()
        .map(|c| {
            let file = if c.id == "S3.8" {
                "securityhub-findings-imported.json".to_owned()
            } else {
                format!(
                    "securityhub-finding-{}.json",
                    c.id.to_lowercase().replace('.', "-")
                )
            };
            let path = workspace_root().join("events/route-finding").join(&file);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
            let event = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            (c.id, event)
        })
        .collect()
}

/// Every sample under `events/<function>/`, parsed, by file name, after checking that the
/// files are exactly `expected`: a sample without an expectation, or the reverse, fails.
/// A file that is not JSON fails too.
pub fn sample_events(function: &str, expected: &[&str]) -> BTreeMap<String, serde_json::Value> {
    let samples = read_samples(function);
    let files: Vec<&str> = samples.keys().map(String::as_str).collect();
    let mut listed = expected.to_vec();
    listed.sort_unstable();
    assert_eq!(
        files, listed,
        "every sample needs an expectation, and every expectation a sample"
    );
    samples
}

/// Every sample under `events/<function>/` is parsed as `T`, as the function's payload is, or
/// refused with `InvalidInput`, as `expected` (file name, accepted) says.
pub fn check_samples_parse<T: serde::de::DeserializeOwned>(
    function: &str,
    expected: &[(&str, bool)],
) {
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    for (name, event) in sample_events(function, &names) {
        let accepted = expected.iter().any(|(n, ok)| *n == name && *ok);
        match shared::input::parse::<T>(event) {
            Ok(_) => assert!(accepted, "{name} should be refused"),
            Err(e) => {
                assert!(!accepted, "{name}: {e}");
                assert_eq!(e.error_type(), "InvalidInput", "{name}");
            }
        }
    }
}

/// Of [`LAMBDA_EVENTS_FIXTURES`], only the EventBridge schedule parses as `T`, the input of a
/// scheduled job: an EC2 state change, SNS deliveries and CloudTrail records are refused
/// instead of being taken as "run now".
pub fn check_only_the_schedule_parses<T: serde::de::DeserializeOwned + std::fmt::Debug>() {
    for (name, event) in lambda_events_fixtures(LAMBDA_EVENTS_FIXTURES) {
        let result = shared::input::parse::<T>(event);
        if name == "example-eventbridge-schedule.json" {
            assert!(result.is_ok(), "{name}: {result:?}");
        } else {
            let err = result.expect_err(&name);
            assert_eq!(err.error_type(), "InvalidInput", "{name}");
        }
    }
}

fn read_samples(function: &str) -> BTreeMap<String, serde_json::Value> {
    let dir = workspace_root().join("events").join(function);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("file name")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("read sample");
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, value)
        })
        .collect()
}

/// The event fixtures `aws_lambda_events` ships in its source (`src/fixtures/`), by file name:
/// the shapes AWS sends, written down by others. The crate's source is the locked version's, as
/// cargo unpacked it under `$CARGO_HOME/registry/src/`.
pub fn lambda_events_fixtures(names: &[&str]) -> BTreeMap<String, serde_json::Value> {
    let root = workspace_root();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("read Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"aws_lambda_events\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .expect("aws_lambda_events is locked")
        .trim_matches('"');
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let fixtures = std::fs::read_dir(cargo_home.join("registry/src"))
        .expect("cargo's registry sources")
        .filter_map(|index| {
            let dir = index
                .ok()?
                .path()
                .join(format!("aws_lambda_events-{version}"));
            dir.is_dir().then(|| dir.join("src/fixtures"))
        })
        .next()
        .expect("aws_lambda_events' source, unpacked by the build");
    names
        .iter()
        .map(|name| {
            let path = fixtures.join(name);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            ((*name).to_owned(), value)
        })
        .collect()
}

/// The fixtures of [`lambda_events_fixtures`] for the events this project's functions may meet:
/// EventBridge events (a schedule, an EC2 state change), SNS deliveries (an RDS-less message, an
/// object message, SES and CloudWatch alarm notifications), and bare CloudTrail records.
pub const LAMBDA_EVENTS_FIXTURES: &[&str] = &[
    "example-eventbridge-schedule.json",
    "example-eventbridge-event-obj.json",
    "example-sns-event.json",
    "example-sns-event-obj.json",
    "example-sns-event-pascal-case.json",
    "example-ses-sns-event.json",
    "example-cloudwatch-alarm-sns-payload-single-metric.json",
    "example-cloudwatch-cloudtrail-assumed-role.json",
    "example-cloudwatch-cloudtrail-unknown-federate.json",
    "example-cloudwatch-cloudtrail-unknown-user-auth.json",
];
