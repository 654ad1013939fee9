//! The handler against moto (SSM, S3, SNS) and the fake WordPress site on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use extract_wordpress::fetch::Limits;
use extract_wordpress::{Config, Deps, http_client};
use serde_json::{Value, json};
use shared::aws::SdkConfig;
use shared::lakehouse::ExtractSummary;
use std::time::Duration;
use testing::wordpress::{FakeWordPress, Site};
use testing::{Inbox, bucket, moto, parameter, topic_with_inbox};

/// The handler on a raw payload, as Lambda delivers it.
async fn handle(deps: &Deps, event: Value) -> shared::Result<ExtractSummary> {
    extract_wordpress::handle(deps, shared::input::parse(event)?).await
}

struct Setup {
    deps: Deps,
    bucket: String,
    inbox: Inbox,
    site: FakeWordPress,
}

/// Moto resources and a fake site; `endpoints` are paths on the site, joined with commas.
async fn setup(endpoints: &[&str]) -> Setup {
    let aws = moto().await;
    let site = FakeWordPress::start(&Site::default()).await.unwrap();
    let list: Vec<String> = endpoints
        .iter()
        .map(|e| format!("{}{e}", site.base_url()))
        .collect();
    let (config, bucket, inbox) = config(&aws, &list.join(",")).await;
    Setup {
        deps: deps(&aws, config),
        bucket,
        inbox,
        site,
    }
}

/// Parameters for the endpoint list, a new bucket and a new topic; fast retries and time-outs.
async fn config(aws: &SdkConfig, list: &str) -> (Config, String, Inbox) {
    let bucket = bucket(aws).await;
    let (topic, inbox) = topic_with_inbox(aws).await;
    let config = Config {
        endpoints_parameter: parameter(aws, list).await,
        bucket_parameter: parameter(aws, &bucket).await,
        topic_parameter: parameter(aws, &topic).await,
        concurrency: 4,
        request_timeout: Duration::from_secs(1),
        limits: Limits {
            per_page: 100,
            max_pages: 50,
            max_page_bytes: 8 * 1024 * 1024,
            attempts: 3,
            retry_base: Duration::from_millis(10),
            retry_cap: Duration::from_millis(100),
        },
    };
    (config, bucket, inbox)
}

fn deps(aws: &SdkConfig, config: Config) -> Deps {
    Deps {
        ssm: aws_sdk_ssm::Client::new(aws),
        s3: shared::aws::s3_client(aws),
        sns: aws_sdk_sns::Client::new(aws),
        http: http_client(&config).unwrap(),
        config,
    }
}

async fn object(s: &Setup, name: &str) -> Option<Vec<Value>> {
    let key = format!("wordpress_api/{name}/{name}.json");
    match shared::s3::get_object(&s.deps.s3, &s.bucket, &key).await {
        Ok(body) => Some(serde_json::from_slice(&body).unwrap()),
        Err(shared::Error::NotFound(_)) => None,
        Err(e) => panic!("{e}"),
    }
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

const POSTS: &str = "/wp-json/wp/v2/posts";

#[tokio::test]
async fn all_250_posts_over_3_pages_land_in_one_object() {
    let s = setup(&[POSTS]).await;
    let summary = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "1 Successful | 0 Failed");
    assert_eq!(summary.written[0].pages, 3);
    assert_eq!(summary.written[0].items, 250);
    let posts = object(&s, "posts").await.unwrap();
    assert_eq!(ids(&posts), (1..=250).collect::<Vec<_>>());
    assert_eq!(
        s.site.requests(),
        [1, 2, 3].map(|p| format!("{POSTS}?per_page=100&page={p}"))
    );
    assert!(
        s.inbox.read().await.is_empty(),
        "no failure, no notification"
    );
}

#[tokio::test]
async fn one_failing_endpoint_of_five_writes_nothing_and_is_named() {
    for fault in ["500", "html", "truncated"] {
        let users = format!("/wp-json/wp/v2/users?fault={fault}");
        let s = setup(&[
            POSTS,
            "/wp-json/wp/v2/pages",
            "/wp-json/wp/v2/categories",
            "/wp-json/wp/v2/tags",
            &users,
        ])
        .await;
        let summary = handle(&s.deps, json!({})).await.unwrap();
        assert_eq!(summary.summary, "4 Successful | 1 Failed", "{fault}");
        for name in ["posts", "pages", "categories", "tags"] {
            assert!(object(&s, name).await.is_some(), "{fault}: {name} written");
        }
        assert_eq!(
            object(&s, "users").await,
            None,
            "{fault}: users not written"
        );
        let notes = s.inbox.read().await;
        assert_eq!(notes.len(), 1, "{fault}: one notification");
        assert_eq!(
            notes[0].subject.as_deref(),
            Some("WordPress extract: 1 of 5 endpoints failed")
        );
        assert!(
            notes[0].message.contains(&users),
            "{fault}: {}",
            notes[0].message
        );
        assert!(notes[0].message.contains(&summary.failures[0].error));
    }
}

#[tokio::test]
async fn the_failure_says_what_was_wrong() {
    let s = setup(&[
        "/wp-json/wp/v2/posts?fault=500",
        "/wp-json/wp/v2/pages?fault=html",
        "/wp-json/wp/v2/tags?fault=truncated",
        "/wp-json/wp/v2/media?fault=slow&delay_ms=3000",
        "/wp-json/wp/v2/nothing",
    ])
    .await;
    let summary = handle(&s.deps, json!({})).await.unwrap();
    let errors: Vec<&str> = summary.failures.iter().map(|f| f.error.as_str()).collect();
    assert!(errors[0].starts_with("HTTP 500 from"), "{errors:?}");
    assert!(errors[1].ends_with("is HTML, not JSON"), "{errors:?}");
    assert!(errors[2].contains("is not valid JSON: EOF"), "{errors:?}");
    assert!(errors[3].starts_with("no response from"), "{errors:?}");
    assert!(errors[4].starts_with("HTTP 404 from"), "{errors:?}");
    assert_eq!(summary.summary, "0 Successful | 5 Failed");
    let posts_requests = s
        .site
        .requests()
        .iter()
        .filter(|r| r.contains("posts"))
        .count();
    assert_eq!(posts_requests, 3, "a 500 is tried 3 times (MAX_ATTEMPTS)");
}

#[tokio::test]
async fn throttling_is_retried() {
    let s = setup(&["/wp-json/wp/v2/posts?fault=429&times=2"]).await;
    let summary = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "1 Successful | 0 Failed");
    assert_eq!(object(&s, "posts").await.unwrap().len(), 250);
}

#[tokio::test]
async fn a_failure_on_a_later_page_leaves_the_previous_object_as_it_was() {
    let s = setup(&["/wp-json/wp/v2/posts?fault=500&fault_page=2"]).await;
    let key = "wordpress_api/posts/posts.json";
    shared::s3::put_object(
        &s.deps.s3,
        &s.bucket,
        key,
        b"[\"yesterday\"]".to_vec(),
        "application/json",
    )
    .await
    .unwrap();
    let summary = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "0 Successful | 1 Failed");
    assert_eq!(object(&s, "posts").await.unwrap(), [json!("yesterday")]);
}

#[tokio::test]
async fn a_missing_parameter_is_a_configuration_error_naming_it() {
    let mut s = setup(&[POSTS]).await;
    s.deps.config.bucket_parameter = "/no/such/parameter".into();
    let err = handle(&s.deps, json!({})).await.unwrap_err();
    assert_eq!(err.error_type(), "ConfigurationError");
    assert!(err.to_string().contains("/no/such/parameter"), "{err}");
    assert!(s.site.requests().is_empty(), "nothing fetched");
}

#[tokio::test]
async fn a_bad_entry_fails_alone() {
    let aws = moto().await;
    let site = FakeWordPress::start(&Site::default()).await.unwrap();
    let list = json!([
        site.endpoint("tags"),
        {"name": "tags", "url": site.endpoint("categories")},
        "ftp://127.0.0.1/x",
    ]);
    let (config, _, inbox) = config(&aws, &list.to_string()).await;
    let summary: ExtractSummary = handle(&deps(&aws, config), json!({})).await.unwrap();
    assert_eq!(summary.summary, "1 Successful | 2 Failed");
    assert!(summary.failures[0].error.contains("already used by"));
    assert!(inbox.read().await[0].message.contains("ftp://127.0.0.1/x"));
}
