//! Extracts WordPress REST API data to the raw lakehouse bucket: every page of every
//! configured endpoint, streamed as one JSON array per endpoint to
//! `wordpress_api/{name}/{name}.json` (one page in memory at a time, see [`upload`]). One
//! endpoint failing never stops the others, and an endpoint replaces its object only when all
//! of it came: every page, as many items as the site announced, not much fewer than the last
//! good run (see [`check_size`]), within the byte cap and before the Lambda's deadline. Any
//! other outcome writes nothing and keeps the previous data.

pub mod config;
pub mod endpoints;
pub mod fetch;
pub mod upload;

pub use config::Config;

use endpoints::Endpoint;
use fetch::{FetchError, Pager};
use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::Deserializer;
use shared::address::{GuardedResolver, Lookup};
use shared::input::Start;
use shared::lakehouse::{self, EndpointState, ExtractFailure, ExtractSummary, RunDate, Written};
use shared::{Error, Result};
use std::time::{Duration, Instant};
use upload::Upload;

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
        .map(|e| extract(deps, &bucket, e, &run_date, deadline))
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

/// One endpoint: its pages streamed into the run's own object under its date partition, which
/// becomes visible only when every check passed, then copied over the latest view. Any failure
/// leaves the latest view as it was.
async fn extract(
    deps: &Deps,
    bucket: &str,
    endpoint: &Endpoint,
    run_date: &RunDate,
    deadline: Instant,
) -> Result<Written, ExtractFailure> {
    let failure = |error: String| {
        tracing::error!(endpoint = %endpoint.url, name = %endpoint.name, %error, "endpoint failed");
        ExtractFailure {
            endpoint: endpoint.url.to_string(),
            error,
        }
    };
    let config = &deps.config;
    if let Some(ip) = config.address_policy().refused_literal(&endpoint.url) {
        return Err(failure(
            FetchError::AddressRefused {
                url: endpoint.url.to_string(),
                detail: format!(
                    "{ip} is not an address the extract may reach (WORDPRESS_ALLOWED_NETWORKS)"
                ),
            }
            .to_string(),
        ));
    }
    let state_key = lakehouse::state_key(&endpoint.name);
    let last_good = read_state(&deps.s3, bucket, &state_key)
        .await
        .map_err(|e| {
            failure(format!(
                "the last good run cannot be read, so nothing is replaced: {e}"
            ))
        })?;
    let key = lakehouse::object_key(&endpoint.name, "json");
    let history_key = lakehouse::history_key(&endpoint.name, run_date, "json");
    let mut upload = Upload::new(&deps.s3, bucket, &history_key, "application/json");
    let mut pager = Pager::new(&deps.http, &endpoint.url, &config.limits);
    let stop_at = deadline
        .checked_sub(config.stop_before_deadline)
        .unwrap_or(deadline);
    let filled = tokio::time::timeout_at(
        stop_at.into(),
        fill(&mut pager, &mut upload, config.max_endpoint_bytes),
    )
    .await;
    let checked = match filled {
        Ok(Ok(())) => pager
            .check_complete()
            .map_err(|e| e.to_string())
            .and_then(|()| check_size(pager.items, last_good.as_ref(), config.max_shrink_percent)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!(
            "stopped {:?} before the Lambda's time-out, after {} pages",
            config.stop_before_deadline, pager.pages
        )),
    };
    if let Err(error) = checked {
        upload.abort().await;
        return Err(failure(format!("{error}; the previous data is kept")));
    }
    let bytes = upload.finish().await.map_err(|e| failure(e.to_string()))?;
    shared::s3::copy_object(&deps.s3, bucket, &history_key, &key)
        .await
        .map_err(|e| {
            failure(format!(
                "the run is kept at {history_key}, but the latest view was not replaced: {e}"
            ))
        })?;
    let state = EndpointState {
        items: pager.items,
        bytes,
    };
    // The data is written: a state that cannot be saved only means the next run checks its
    // size against an older run.
    if let Err(e) = write_state(&deps.s3, bucket, &state_key, &state).await {
        tracing::warn!(%state_key, error = %e, "the run's state was not saved");
    }
    tracing::info!(endpoint = %endpoint.url, %key, items = pager.items, pages = pager.pages, bytes, "written");
    Ok(Written {
        name: endpoint.name.clone(),
        endpoint: endpoint.url.to_string(),
        key,
        history_key,
        items: pager.items as usize,
        pages: pager.pages,
        bytes: bytes as usize,
    })
}

/// Every page into the upload, as one JSON array of their items, unchanged.
async fn fill(
    pager: &mut Pager<'_>,
    upload: &mut Upload<'_>,
    max_bytes: u64,
) -> std::result::Result<(), String> {
    let write = |e: Error| e.to_string();
    upload.write(b"[").await.map_err(write)?;
    let mut first = true;
    while let Some(page) = pager.next_page().await.map_err(|e| e.to_string())? {
        if page.count > 0 {
            if !first {
                upload.write(b",").await.map_err(write)?;
            }
            upload.write(page.items()).await.map_err(write)?;
            first = false;
        }
        if upload.bytes() > max_bytes {
            return Err(format!(
                "more than {max_bytes} bytes (MAX_ENDPOINT_BYTES) after {} pages",
                pager.pages
            ));
        }
    }
    upload.write(b"]").await.map_err(write)
}

/// A run much smaller than the last good one is refused, not taken as the site's new state: a
/// site that lost its data, or answers for a while with a fraction of it, must not replace the
/// data the lakehouse has.
pub fn check_size(
    items: u64,
    last_good: Option<&EndpointState>,
    max_shrink_percent: u8,
) -> std::result::Result<(), String> {
    let Some(last) = last_good else {
        return Ok(());
    };
    let floor = last.items * u64::from(100 - max_shrink_percent.min(100)) / 100;
    if items < floor || (items == 0 && last.items > 0) {
        return Err(format!(
            "refused to replace the latest view: {items} items, against {} in the last good run \
             (more than MAX_SHRINK_PERCENT={max_shrink_percent}% fewer)",
            last.items
        ));
    }
    Ok(())
}

async fn read_state(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<EndpointState>> {
    match shared::s3::get_object(s3, bucket, key).await {
        Ok(body) => serde_json::from_slice(&body).map(Some).map_err(|e| {
            Error::Internal(format!("s3://{bucket}/{key} is not an extract state: {e}"))
        }),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn write_state(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    state: &EndpointState,
) -> Result<()> {
    let body = serde_json::to_vec(state)
        .map_err(|e| Error::Internal(format!("the state cannot be serialised: {e}")))?;
    shared::s3::put_object(s3, bucket, key, body, "application/json").await
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
    fn a_run_much_smaller_than_the_last_good_one_is_refused() {
        let last = EndpointState {
            items: 250,
            bytes: 1,
        };
        assert_eq!(check_size(125, Some(&last), 50), Ok(()));
        assert_eq!(check_size(10, None, 50), Ok(()), "nothing to compare with");
        let err = check_size(124, Some(&last), 50).unwrap_err();
        assert!(err.contains("124 items, against 250"), "{err}");
        assert!(
            check_size(0, Some(&last), 100).is_err(),
            "nothing at all never replaces"
        );
        let empty = EndpointState { items: 0, bytes: 2 };
        assert_eq!(check_size(0, Some(&empty), 50), Ok(()));
    }

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
