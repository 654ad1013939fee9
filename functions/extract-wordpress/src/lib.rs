//! Extracts WordPress REST API data to the raw lakehouse bucket: every page of every
//! configured endpoint, streamed as one JSON array per endpoint to
//! `wordpress_api/{name}/{name}.json` (one page in memory at a time, see [`array_writer`]). One
//! endpoint failing never stops the others, and an endpoint replaces its object only when all
//! of it came: every page, as many items as the site announced, not much fewer than the last
//! good run (see [`check_size`]), within the byte cap and before the Lambda's deadline. Any
//! other outcome writes nothing and keeps the previous data.

pub mod array_writer;
pub mod auth;
pub mod config;
pub mod endpoints;
pub mod fetch;
pub mod run;

pub use config::Config;

use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::Deserializer;
use shared::address::{GuardedResolver, Lookup};
use shared::input::Start;
use shared::lakehouse::{self, ExtractFailure, ExtractSummary, RunDate};
use shared::{Error, Result};
use std::time::{Duration, Instant};

/// Sent with every request, so site owners can tell who is calling.
pub const USER_AGENT: &str = concat!(
    "rust-serverless-automations-extract-wordpress/",
    env!("CARGO_PKG_VERSION")
);

pub struct Deps {
    pub ssm: aws_sdk_ssm::Client,
    pub s3: aws_sdk_s3::Client,
    pub sns: aws_sdk_sns::Client,
    pub http: reqwest::Client,
    pub config: Config,
}

/// The HTTP client: the request time-out, a shorter connect time-out, our User-Agent; no proxy
/// from the environment's `*_PROXY` (the deployment decides where requests go); redirects only
/// on the endpoint's origin ([`fetch::same_origin_redirects`]); and only public addresses, or the
/// deployment's allowed networks, connected to, whatever a name resolves to. `lookup` is the
/// system resolver, or a fixed table in tests.
pub fn http_client(config: &Config, lookup: Lookup) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(config.request_timeout)
        .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
        .user_agent(USER_AGENT)
        .no_proxy()
        .redirect(fetch::same_origin_redirects())
        .dns_resolver(GuardedResolver::shared(lookup, config.address_policy()))
        .build()
        .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))
}

/// What starts an extract: the state machine, naming the run's date (its execution's start,
/// so a re-run of an execution rewrites that day's partition); or a start by hand or by a
/// schedule (`{}` or a Scheduled Event), whose run is today's. Anything else is refused, not
/// taken as "run now".
#[derive(Debug, Clone)]
pub enum Input {
    Run { run_date: RunDate },
    Start(Start),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Run {
    run_date: RunDate,
}

impl<'de> Deserialize<'de> for Input {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = serde_json::Value::deserialize(deserializer)?;
        if event.get("run_date").is_some() {
            shared::input::typed(event).map(|r: Run| Input::Run {
                run_date: r.run_date,
            })
        } else {
            shared::input::typed(event).map(Input::Start)
        }
    }
}

impl Input {
    /// The run's date: the one named, a schedule's, or today's.
    pub fn run_date(&self) -> RunDate {
        match self {
            Input::Run { run_date } => run_date.clone(),
            Input::Start(start) => RunDate::of_start(start),
        }
    }
}

/// Extracts every endpoint, stopping `config.stop_before_deadline` before `deadline` (the
/// Lambda's).
pub async fn handle(deps: &Deps, input: Input, deadline: Instant) -> Result<ExtractSummary> {
    let run_date = input.run_date();
    let config = &deps.config;
    let list = shared::ssm::get_parameter(&deps.ssm, &config.endpoints_parameter).await?;
    let bucket = shared::ssm::get_parameter(&deps.ssm, &config.bucket_parameter).await?;
    let topic = shared::ssm::get_parameter(&deps.ssm, &config.topic_parameter).await?;
    let (endpoints, rejected) = endpoints::parse(&list)?;
    let auth = match &config.auth_parameter {
        Some(name) => Some(auth::Credentials::parse(
            name,
            &shared::ssm::get_parameter(&deps.ssm, name).await?,
        )?),
        None => None,
    };
    let http = &fetch::Http {
        client: deps.http.clone(),
        auth,
    };
    tracing::info!(
        endpoints = endpoints.len(),
        seconds_left = deadline.saturating_duration_since(Instant::now()).as_secs(),
        "extracting"
    );

    let mut failures: Vec<ExtractFailure> = rejected
        .into_iter()
        .map(|r| {
            tracing::error!(endpoint = %r.entry, reason = %r.reason, "endpoint rejected");
            ExtractFailure {
                endpoint: r.entry,
                error: r.reason,
            }
        })
        .collect();
    let results: Vec<_> = futures_util::stream::iter(&endpoints)
        .map(|e| {
            let (bucket, run_date) = (&bucket, &run_date);
            async move {
                run::extract(deps, http, bucket, e, run_date, deadline)
                .await
                .map_err(|error| {
                    tracing::error!(endpoint = %e.url, name = %e.name, %error, "endpoint failed");
                    ExtractFailure {
                        endpoint: e.url.to_string(),
                        error,
                    }
                })
            }
        })
        .buffered(config.concurrency)
        .collect()
        .await;
    let mut written = Vec::new();
    for result in results {
        match result {
            Ok(w) => written.push(w),
            Err(f) => failures.push(f),
        }
    }

    let summary = format!("{} Successful | {} Failed", written.len(), failures.len());
    tracing::info!(%bucket, "{summary}");
    if !failures.is_empty() {
        let (subject, message) = failure_notification(&failures, written.len(), &bucket);
        shared::sns::publish(&deps.sns, &topic, &subject, &message).await?;
    }
    Ok(ExtractSummary {
        run_date,
        successful: written.len(),
        failed: failures.len(),
        bucket,
        written,
        failures,
        summary,
    })
}

fn failure_notification(
    failures: &[ExtractFailure],
    successful: usize,
    bucket: &str,
) -> (String, String) {
    let total = failures.len() + successful;
    let subject = format!(
        "WordPress extract: {} of {total} endpoints failed",
        failures.len()
    );
    let mut message = format!(
        "The WordPress extract could not write {} of {total} endpoints to s3://{bucket}/{}/:\n\n",
        failures.len(),
        lakehouse::WORDPRESS_PREFIX
    );
    for f in failures {
        message.push_str(&format!("- {}\n  {}\n", f.endpoint, f.error));
    }
    message.push_str(&format!(
        "\n{successful} endpoints were written. A failed endpoint's object was left as it was. \
         Check the endpoint (is the site up, is the URL right?), then run the workflow again."
    ));
    (subject, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_notification_names_each_endpoint_and_error() {
        let failures = [ExtractFailure {
            endpoint: "https://a.example/wp-json/wp/v2/users".into(),
            error: "HTTP 500 from https://a.example/wp-json/wp/v2/users?per_page=100&page=1".into(),
        }];
        let (subject, message) = failure_notification(&failures, 4, "raw");
        assert_eq!(subject, "WordPress extract: 1 of 5 endpoints failed");
        assert!(message.contains("- https://a.example/wp-json/wp/v2/users\n  HTTP 500"));
        assert!(message.contains("s3://raw/wordpress_api/"));
        assert!(message.contains("4 endpoints were written"));
    }
}
