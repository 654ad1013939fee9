//! The handler against moto (SSM, S3, SNS) and the fake WordPress site on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

mod support;
use support::handle;

use extract_wordpress::fetch::Limits;
use extract_wordpress::{Config, Deps, http_client};
use serde_json::{Value, json};
use shared::address::Lookup;
use shared::aws::SdkConfig;
use shared::lakehouse::ExtractSummary;
use std::time::Duration;
use testing::wordpress::{FakeWordPress, Site};
use testing::{Inbox, bucket, moto, parameter, secret_parameter, topic_with_inbox};

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
        auth_parameter: None,
        concurrency: 4,
        request_timeout: Duration::from_secs(1),
        // The fake site is on 127.0.0.1, which a deployment reaches only when allowed.
        allowed_networks: vec!["127.0.0.1/32".parse().unwrap()],
        limits: Limits {
            per_page: 100,
            max_pages: 50,
            max_page_bytes: 8 * 1024 * 1024,
            attempts: 3,
            retry_base: Duration::from_millis(10),
            retry_cap: Duration::from_millis(100),
        },
        max_endpoint_bytes: 1 << 30,
        max_shrink_percent: 50,
        stop_before_deadline: Duration::from_secs(10),
        incremental: vec!["posts".into(), "pages".into(), "media".into()],
        lookback: Duration::from_secs(60),
        snapshot_every_days: 7,
    };
    (config, bucket, inbox)
}

fn deps(aws: &SdkConfig, config: Config) -> Deps {
    Deps {
        ssm: aws_sdk_ssm::Client::new(aws),
        s3: shared::aws::s3_client(aws),
        sns: aws_sdk_sns::Client::new(aws),
        http: http_client(&config, Lookup::System).unwrap(),
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

/// The latest view of posts sorted by id, as bytes, and converted to Parquet.
async fn latest_sorted(deps: &Deps, bucket: &str) -> (Vec<Value>, Vec<u8>) {
    let body = shared::s3::get_object(&deps.s3, bucket, "wordpress_api/posts/posts.json")
        .await
        .unwrap();
    let mut items: Vec<Value> = serde_json::from_slice(&body).unwrap();
    items.sort_by_key(|i| i["id"].as_u64());
    let parquet = bronze(&items);
    (items, parquet)
}

fn bronze(items: &[Value]) -> Vec<u8> {
    let json = serde_json::to_vec(items).unwrap();
    wordpress_to_parquet::convert::to_parquet(&json)
        .unwrap()
        .unwrap()
        .bytes
}

async fn put_yesterday(s: &Setup, name: &str) {
    let key = format!("wordpress_api/{name}/{name}.json");
    shared::s3::put_object(
        &s.deps.s3,
        &s.bucket,
        &key,
        b"[\"yesterday\"]".to_vec(),
        "application/json",
    )
    .await
    .unwrap();
}

/// Each run keeps what changed under its date (everything, the first time); the latest view is
/// the whole collection; a day run again is rewritten, not added to.
#[tokio::test]
async fn every_run_keeps_its_changes_under_its_date_and_the_latest_view_is_whole() {
    let s = setup(&[POSTS]).await;
    let first = handle(&s.deps, json!({"run_date": "2026-12-05"}))
        .await
        .unwrap();
    assert_eq!(
        (first.written[0].items, first.written[0].changed),
        (250, 250)
    );
    s.site.edit("posts", 7);
    for _ in 0..2 {
        let again = handle(&s.deps, json!({"run_date": "2026-12-06"}))
            .await
            .unwrap();
        let w = &again.written[0];
        assert_eq!(
            w.history_key,
            "wordpress_api/posts/dt=2026-12-06/posts.json"
        );
        assert_eq!(w.items, 250);
        let day: Vec<Value> = serde_json::from_slice(
            &shared::s3::get_object(&s.deps.s3, &s.bucket, &w.history_key)
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(
            ids(&day).contains(&7),
            "the edited post is in the day's changes"
        );
        assert_eq!(day.len(), w.changed);
    }
    let keys = shared::s3::list_keys(&s.deps.s3, &s.bucket, "wordpress_api/")
        .await
        .unwrap();
    assert_eq!(
        keys,
        [
            "wordpress_api/posts/dt=2026-12-05/posts.json",
            "wordpress_api/posts/dt=2026-12-06/posts.json",
            "wordpress_api/posts/posts.json",
        ]
    );
    assert_eq!(object(&s, "posts").await.unwrap().len(), 250);
}

/// Posts edited, added and deleted between runs and while a run reads, over incremental runs,
/// then a snapshot: the latest view, raw and converted to bronze, is exactly a full extraction
/// of the final site, none missing, none twice, and the deletions are tombstones.
#[tokio::test]
async fn incremental_runs_then_a_snapshot_end_exactly_where_a_full_extraction_would() {
    let aws = moto().await;
    let site = FakeWordPress::start(&Site {
        counts: [("posts".to_owned(), 450)].into(),
        ..Site::default()
    })
    .await
    .unwrap();
    let (mut config, bucket, _) = config(&aws, &site.endpoint("posts")).await;
    config.snapshot_every_days = 2;
    let deps = deps(&aws, config);
    let run = |date: &'static str| {
        let deps = &deps;
        async move {
            let summary = handle(deps, json!({"run_date": date})).await.unwrap();
            assert_eq!(
                summary.summary, "1 Successful | 0 Failed",
                "{date}: {:?}",
                summary.failures
            );
            summary.written[0].clone()
        }
    };
    let first = run("2026-12-01").await;
    assert_eq!((first.items, first.changed, first.deleted), (450, 450, 0));

    // Between runs: 150 posts edited (more than a page of changes), one added, one deleted.
    for id in 100..250 {
        site.edit("posts", id);
    }
    let added = site.add("posts");
    site.delete("posts", 20);
    // While the next run reads, before its second request: a post it has not read edited, one
    // it has read edited again, one added, one deleted.
    site.on_request("posts", 2, |items| {
        items.edit("posts", 5);
        items.edit("posts", 100);
        items.add("posts");
        items.delete("posts", 400);
    });
    let second = run("2026-12-02").await;
    assert!(second.pages >= 2, "{second:?}");
    // At least: the look-back also reads again what changed just before the last run.
    assert!(second.changed >= 150 + 3, "{second:?}");
    assert_eq!(
        second.deleted, 0,
        "no listing: deletions wait for the snapshot"
    );

    // The snapshot, with one more deletion while it lists.
    site.delete("posts", 1);
    site.on_request("posts", 1, |items| items.delete("posts", 33));
    let third = run("2026-12-03").await;
    assert_eq!(third.deleted, 4, "{third:?}");
    let tombstones: Vec<Value> = serde_json::from_slice(
        &shared::s3::get_object(
            &deps.s3,
            &bucket,
            "wordpress_api/posts/dt=2026-12-03/posts.deleted.json",
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(ids(&tombstones), [1, 20, 33, 400]);

    let (latest, latest_parquet) = latest_sorted(&deps, &bucket).await;
    let full = site.all("posts");
    assert_eq!(
        ids(&latest),
        ids(&full),
        "the same posts, none missing, none twice"
    );
    assert!(ids(&latest).contains(&(added as i64)));
    assert_eq!(latest, full, "each in its final version");
    assert_eq!(latest_parquet, bronze(&full), "the same bronze rows");
    assert_eq!(third.items, full.len());
}

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
    assert!(errors[1].contains("is HTML, not JSON"), "{errors:?}");
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

/// With an application password from a SecureString parameter, drafts are extracted; without
/// it, or with a wrong one, the endpoint fails naming why, keeps the previous data, and the
/// password appears in no summary or notification.
#[tokio::test]
async fn an_application_password_extracts_drafts_and_is_never_shown() {
    const PASSWORD: &str = "abcd efgh ijkl mnop qrst uvwx";
    const WRONG: &str = "zzzz yyyy xxxx wwww vvvv uuuu";
    let aws = moto().await;
    let site = FakeWordPress::start(&Site {
        drafts: 5,
        password: Some(PASSWORD.into()),
        ..Site::default()
    })
    .await
    .unwrap();
    let endpoint = format!("{}{POSTS}?status=any", site.base_url());
    let (config, bucket, inbox) = config(&aws, &endpoint).await;
    let origin = site.base_url().to_owned();
    let credentials = |password: &str| {
        let user = testing::wordpress::USER;
        json!({"origin": origin, "username": user, "password": password}).to_string()
    };
    let mut s = Setup {
        deps: deps(&aws, config),
        bucket,
        inbox,
        site,
    };
    let run = |day: &str| json!({ "run_date": day });

    s.deps.config.auth_parameter = Some(secret_parameter(&aws, &credentials(PASSWORD)).await);
    let summary = handle(&s.deps, run("2026-12-05")).await.unwrap();
    assert_eq!(summary.summary, "1 Successful | 0 Failed");
    let posts = object(&s, "posts").await.unwrap();
    let drafts = posts.iter().filter(|p| p["status"] == "draft").count();
    assert_eq!((posts.len(), drafts), (255, 5));

    let mut refusals = Vec::new();
    for (auth, why) in [(None, "HTTP 400 from"), (Some(WRONG), "HTTP 401 from")] {
        s.deps.config.auth_parameter = match auth {
            Some(password) => Some(secret_parameter(&aws, &credentials(password)).await),
            None => None,
        };
        let summary = handle(&s.deps, run("2026-12-06")).await.unwrap();
        assert_eq!(summary.summary, "0 Successful | 1 Failed");
        assert!(summary.failures[0].error.starts_with(why), "{summary:?}");
        assert_eq!(object(&s, "posts").await.unwrap(), posts, "kept");
        refusals.push(serde_json::to_string(&summary).unwrap());
    }
    assert!(refusals[1].contains("(incorrect_password): the site wants valid credentials"));
    let notes = s.inbox.read().await;
    assert_eq!(notes.len(), 2);
    for text in notes.iter().map(|n| &n.message).chain(&refusals) {
        assert!(!text.contains(PASSWORD) && !text.contains(WRONG), "{text}");
    }
    let asked: Vec<String> = s.site.requests();
    assert!(
        asked
            .iter()
            .all(|r| !r.contains(PASSWORD) && !r.contains("abcd"))
    );
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

#[tokio::test]
async fn redirects_are_followed_only_on_the_endpoints_origin() {
    let port = {
        let probe = FakeWordPress::start(&Site::default()).await.unwrap();
        probe.base_url().rsplit(':').next().unwrap().to_owned()
    };
    let foreign = format!("http://127.0.0.2:{port}/wp-json/wp/v2/posts");
    let s = setup(&[
        "/wp-json/wp/v2/posts?fault=redirect&to=/wp-json/wp/v2/posts",
        &format!("/wp-json/wp/v2/tags?fault=redirect&to={foreign}"),
    ])
    .await;
    let summary = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "1 Successful | 1 Failed");
    assert_eq!(
        object(&s, "posts").await.unwrap().len(),
        250,
        "same origin: followed"
    );
    let error = &summary.failures[0].error;
    assert!(
        error.contains("redirected where the extract does not follow"),
        "{error}"
    );
    assert!(error.contains("leaves http://127.0.0.1"), "{error}");
    let tags = s
        .site
        .requests()
        .iter()
        .filter(|r| r.contains("tags"))
        .count();
    assert_eq!(tags, 1, "a refused redirect is not retried");
}

/// The address guard: a name that resolves to the metadata service, or a site on 127.0.0.1
/// without `WORDPRESS_ALLOWED_NETWORKS`, is never connected to, and not retried.
#[tokio::test]
async fn internal_addresses_are_never_requested() {
    let aws = moto().await;
    let site = FakeWordPress::start(&Site::default()).await.unwrap();
    let port = site.base_url().rsplit(':').next().unwrap();
    let list = format!(
        "http://metadata.test:{port}/wp-json/wp/v2/posts,{}",
        site.endpoint("tags")
    );
    let (mut config, _, _) = config(&aws, &list).await;
    config.allowed_networks.clear();
    let table = std::collections::HashMap::from([(
        "metadata.test".to_owned(),
        vec!["169.254.169.254".parse().unwrap()],
    )]);
    let deps = Deps {
        http: http_client(&config, Lookup::Fixed(table)).unwrap(),
        ..deps(&aws, config)
    };
    let summary = handle(&deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "0 Successful | 2 Failed");
    for (failure, address) in summary
        .failures
        .iter()
        .zip(["169.254.169.254", "127.0.0.1"])
    {
        assert!(
            failure.error.contains("was not requested"),
            "{}",
            failure.error
        );
        assert!(failure.error.contains(address), "{}", failure.error);
    }
    assert!(site.requests().is_empty(), "nothing reached the site");
}

/// A day on which the site returns less than it announces leaves the previous data readable,
/// and the notification says so.
#[tokio::test]
async fn a_site_that_returns_less_than_it_announces_keeps_the_previous_data() {
    for (fault, expected) in [
        (
            "lie_pages",
            "X-WP-TotalPages is 1, but X-WP-Total 250 needs 3 pages of 100",
        ),
        (
            "empty&fault_page=1",
            "0 items on 1 pages, but X-WP-Total says 250",
        ),
        (
            "short&fault_page=2",
            "249 items on 3 pages, but X-WP-Total says 250",
        ),
    ] {
        let s = setup(&[&format!("{POSTS}?fault={fault}")]).await;
        put_yesterday(&s, "posts").await;
        let summary = handle(&s.deps, json!({})).await.unwrap();
        assert_eq!(summary.summary, "0 Successful | 1 Failed", "{fault}");
        let error = &summary.failures[0].error;
        assert!(error.contains(expected), "{fault}: {error}");
        assert!(error.ends_with("the previous data is kept"), "{error}");
        assert_eq!(
            object(&s, "posts").await.unwrap(),
            [json!("yesterday")],
            "{fault}"
        );
        let notes = s.inbox.read().await;
        assert!(
            notes[0].message.contains(expected),
            "{fault}: {}",
            notes[0].message
        );
    }
}

/// A run much smaller than the last good one is refused, not taken as the site's new state.
#[tokio::test]
async fn a_run_much_smaller_than_the_last_good_one_replaces_nothing_and_says_so() {
    let s = setup(&["/wp-json/wp/v2/tags"]).await;
    assert_eq!(
        handle(&s.deps, json!({})).await.unwrap().summary,
        "1 Successful | 0 Failed"
    );
    // The same endpoint name on a site that lost most of its tags.
    let shrunk = FakeWordPress::start(&Site {
        counts: [("tags".to_owned(), 5)].into(),
        ..Site::default()
    })
    .await
    .unwrap();
    s.deps
        .ssm
        .put_parameter()
        .name(&s.deps.config.endpoints_parameter)
        .value(shrunk.endpoint("tags"))
        .overwrite(true)
        .send()
        .await
        .unwrap();
    let summary = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "0 Successful | 1 Failed");
    let expected = "refused to replace the latest view: 5 items, against 30 in the last good run";
    assert!(
        summary.failures[0].error.contains(expected),
        "{}",
        summary.failures[0].error
    );
    assert_eq!(
        object(&s, "tags").await.unwrap().len(),
        30,
        "the previous data is kept"
    );
    let notes = s.inbox.read().await;
    assert!(notes[0].message.contains(expected), "{}", notes[0].message);
}

/// An endpoint larger than a part streams into a multipart upload; the object is the whole
/// collection, in order, once complete.
#[tokio::test]
async fn a_large_endpoint_streams_in_parts() {
    let aws = moto().await;
    let site = FakeWordPress::start(&Site {
        counts: [("posts".to_owned(), 6000)].into(),
        ..Site::default()
    })
    .await
    .unwrap();
    let (mut config, bucket, _) = config(&aws, &site.endpoint("posts")).await;
    config.limits.max_pages = 100;
    let deps = deps(&aws, config);
    let summary = handle(&deps, json!({})).await.unwrap();
    assert_eq!(
        summary.summary, "1 Successful | 0 Failed",
        "{:?}",
        summary.failures
    );
    let written = &summary.written[0];
    assert!(
        written.bytes > shared::upload::PART_BYTES,
        "{} bytes",
        written.bytes
    );
    let body = shared::s3::get_object(&deps.s3, &bucket, &written.key)
        .await
        .unwrap();
    let items: Vec<Value> = serde_json::from_slice(&body).unwrap();
    assert_eq!(ids(&items), (1..=6000).collect::<Vec<_>>());
    assert_eq!(body.len(), written.bytes);
}

#[tokio::test]
async fn the_byte_cap_fails_the_endpoint_and_keeps_the_previous_data() {
    let mut s = setup(&[POSTS]).await;
    put_yesterday(&s, "posts").await;
    s.deps.config.max_endpoint_bytes = 50_000;
    let summary = handle(&s.deps, json!({})).await.unwrap();
    let error = &summary.failures[0].error;
    assert!(
        error.contains("more than 50000 bytes (MAX_ENDPOINT_BYTES)"),
        "{error}"
    );
    assert_eq!(object(&s, "posts").await.unwrap(), [json!("yesterday")]);
}

/// Near the Lambda's deadline the extract stops: the unfinished endpoint is reported failed with
/// its previous data untouched, the finished one is written, and the handler answers in time.
#[tokio::test]
async fn the_extract_stops_before_the_deadline() {
    let mut s = setup(&[
        &format!("{POSTS}?fault=slow&delay_ms=5000&fault_page=2"),
        "/wp-json/wp/v2/tags",
    ])
    .await;
    put_yesterday(&s, "posts").await;
    s.deps.config.stop_before_deadline = Duration::from_millis(500);
    s.deps.config.request_timeout = Duration::from_secs(10);
    s.deps.http = http_client(&s.deps.config, Lookup::System).unwrap();
    let started = std::time::Instant::now();
    let deadline = started + Duration::from_secs(2);
    let summary =
        extract_wordpress::handle(&s.deps, shared::input::parse(json!({})).unwrap(), deadline)
            .await
            .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(summary.summary, "1 Successful | 1 Failed");
    let error = &summary.failures[0].error;
    assert!(
        error.contains("stopped 500ms before the Lambda's time-out, after 1 pages"),
        "{error}"
    );
    assert_eq!(object(&s, "posts").await.unwrap(), [json!("yesterday")]);
    assert_eq!(object(&s, "tags").await.unwrap().len(), 30);
}
