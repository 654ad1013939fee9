//! Extracts WordPress REST API data to the raw lakehouse bucket: every page of every
//! configured endpoint, written as one JSON array per endpoint at
//! `wordpress_api/{name}/{name}.json`. One endpoint failing never stops the others, and an
//! endpoint that fails on any page writes nothing.

pub mod config;
pub mod endpoints;
pub mod fetch;

pub use config::Config;

use endpoints::Endpoint;
use futures_util::StreamExt;
use serde_json::value::RawValue;
use shared::input::Start;
use shared::lakehouse::{self, ExtractFailure, ExtractSummary, Written};
use shared::{Error, Result};
use std::time::Duration;

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

/// The HTTP client: the request time-out, a shorter connect time-out, our User-Agent.
pub fn http_client(config: &Config) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(config.request_timeout)
        .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))
}

/// Extracts every endpoint. The input carries nothing (a schedule or a person starts a run),
/// but it is typed: an event meant for another function is refused, not taken as "run now".
pub async fn handle(deps: &Deps, _start: Start) -> Result<ExtractSummary> {
    let config = &deps.config;
    let list = shared::ssm::get_parameter(&deps.ssm, &config.endpoints_parameter).await?;
    let bucket = shared::ssm::get_parameter(&deps.ssm, &config.bucket_parameter).await?;
    let topic = shared::ssm::get_parameter(&deps.ssm, &config.topic_parameter).await?;
    let (endpoints, rejected) = endpoints::parse(&list)?;

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
        .map(|e| extract(deps, &bucket, e))
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
        successful: written.len(),
        failed: failures.len(),
        bucket,
        written,
        failures,
        summary,
    })
}

/// One endpoint: every page, then one PUT. Any failure leaves the bucket as it was.
async fn extract(
    deps: &Deps,
    bucket: &str,
    endpoint: &Endpoint,
) -> Result<Written, ExtractFailure> {
    let failure = |error: String| {
        tracing::error!(endpoint = %endpoint.url, name = %endpoint.name, %error, "endpoint failed");
        ExtractFailure {
            endpoint: endpoint.url.to_string(),
            error,
        }
    };
    let fetched = fetch::fetch_all(&deps.http, &endpoint.url, &deps.config.limits)
        .await
        .map_err(|e| failure(e.to_string()))?;
    let body = json_array(&fetched.items);
    let key = lakehouse::object_key(&endpoint.name, "json");
    let bytes = body.len();
    shared::s3::put_object(&deps.s3, bucket, &key, body, "application/json")
        .await
        .map_err(|e| failure(e.to_string()))?;
    tracing::info!(endpoint = %endpoint.url, %key, items = fetched.items.len(), pages = fetched.pages, bytes, "written");
    Ok(Written {
        name: endpoint.name.clone(),
        endpoint: endpoint.url.to_string(),
        key,
        items: fetched.items.len(),
        pages: fetched.pages,
        bytes,
    })
}

/// The items as one JSON array, each item's text exactly as the server sent it.
pub fn json_array(items: &[Box<RawValue>]) -> Vec<u8> {
    let len = items.iter().map(|i| i.get().len() + 1).sum::<usize>() + 2;
    let mut body = Vec::with_capacity(len);
    body.push(b'[');
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item.get().as_bytes());
    }
    body.push(b']');
    body
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
    fn json_array_joins_items_unchanged() {
        let items: Vec<Box<RawValue>> = serde_json::from_str(r#"[{"a" : 1}, [ ], "x"]"#).unwrap();
        assert_eq!(json_array(&items), br#"[{"a" : 1},[ ],"x"]"#);
        assert_eq!(json_array(&[]), b"[]");
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
