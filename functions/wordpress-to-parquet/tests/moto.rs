//! The handler against moto (SSM, S3, SNS): raw objects in, Parquet read back out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

mod support;
use support::handle;

use polars::prelude::*;
use serde_json::{Value, json};
use testing::wordpress::generate;
use testing::{Inbox, bucket, moto, parameter, topic_with_inbox};
use wordpress_to_parquet::{Config, Deps};

struct Setup {
    deps: Deps,
    raw: String,
    bronze: String,
    inbox: Inbox,
}

async fn setup() -> Setup {
    let aws = moto().await;
    let raw = bucket(&aws).await;
    let bronze = bucket(&aws).await;
    let (topic, inbox) = topic_with_inbox(&aws).await;
    let config = Config {
        raw_bucket_parameter: parameter(&aws, &raw).await,
        bronze_bucket_parameter: parameter(&aws, &bronze).await,
        topic_parameter: parameter(&aws, &topic).await,
    };
    let deps = Deps {
        ssm: aws_sdk_ssm::Client::new(&aws),
        s3: shared::aws::s3_client(&aws),
        sns: aws_sdk_sns::Client::new(&aws),
        config,
    };
    Setup {
        deps,
        raw,
        bronze,
        inbox,
    }
}

impl Setup {
    async fn put_raw(&self, key: &str, body: &[u8]) {
        shared::s3::put_object(
            &self.deps.s3,
            &self.raw,
            key,
            body.to_vec(),
            "application/json",
        )
        .await
        .unwrap();
    }

    async fn put_items(&self, name: &str, items: &[Value]) {
        let key = format!("wordpress_api/{name}/{name}.json");
        self.put_raw(&key, &serde_json::to_vec(items).unwrap())
            .await;
    }

    async fn parquet(&self, name: &str) -> Option<DataFrame> {
        let key = format!("wordpress_api/{name}/{name}.parquet");
        match shared::s3::get_object(&self.deps.s3, &self.bronze, &key).await {
            Ok(bytes) => Some(
                ParquetReader::new(std::io::Cursor::new(bytes))
                    .finish()
                    .unwrap(),
            ),
            Err(shared::Error::NotFound(_)) => None,
            Err(e) => panic!("{e}"),
        }
    }
}

fn ids(frame: &DataFrame) -> Vec<i64> {
    let ids = frame.column("id").unwrap().i64().unwrap();
    ids.iter().map(Option::unwrap).collect()
}

const BASE: &str = "https://blog.example";

#[tokio::test]
async fn every_raw_object_converts_with_its_rows_and_ids() {
    let s = setup().await;
    let mut expected = Vec::new();
    let kinds = [
        ("posts", 250),
        ("categories", 8),
        ("users", 4),
        ("comments", 140),
        ("media", 25),
        ("pages", 12),
    ];
    for (kind, n) in kinds {
        let items = generate(kind, n, BASE);
        s.put_items(kind, &items).await;
        expected.push((kind, items));
    }
    let summary = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "6 Successful | 0 Failed | 0 Empty");
    for (kind, items) in expected {
        let frame = s.parquet(kind).await.unwrap();
        assert_eq!(frame.height(), items.len(), "{kind}");
        let json_ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert_eq!(ids(&frame), json_ids, "{kind}");
    }
    assert!(s.inbox.read().await.is_empty());
}

#[tokio::test]
async fn irregular_shapes_convert_and_the_schema_is_stable() {
    let s = setup().await;
    // meta is an object in one file and [] in the other; tags is [] everywhere in the first.
    let mut posts = generate("posts", 40, BASE);
    for p in &mut posts {
        p["meta"] = json!({"footnotes": ""});
        p["tags"] = json!([]);
    }
    let mut older = generate("posts", 40, BASE);
    for (n, p) in older.iter_mut().enumerate() {
        p["meta"] = json!([]);
        if n % 2 == 1 {
            p.as_object_mut().unwrap().remove("sticky");
        }
    }
    s.put_items("posts", &posts).await;
    s.put_items("older-posts", &older).await;

    let first = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(first.summary, "2 Successful | 0 Failed | 0 Empty");
    let posts_schema = s.parquet("posts").await.unwrap().schema().clone();
    let older_frame = s.parquet("older-posts").await.unwrap();
    assert_eq!(posts_schema.get("meta"), Some(&DataType::String));
    assert_eq!(older_frame.schema().get("meta"), Some(&DataType::String));
    let int_list = DataType::List(Box::new(DataType::Int64));
    assert_eq!(
        posts_schema.get("tags"),
        Some(&int_list),
        "all-empty lists keep their type"
    );
    assert_eq!(older_frame.schema().get("tags"), Some(&int_list));
    assert_eq!(
        older_frame.column("sticky").unwrap().null_count(),
        20,
        "a missing optional field is null"
    );

    handle(&s.deps, json!({})).await.unwrap();
    let again = s.parquet("posts").await.unwrap();
    assert_eq!(
        again.schema().as_ref(),
        posts_schema.as_ref(),
        "same input, same schema"
    );
}

#[tokio::test]
async fn empty_and_broken_objects_are_counted_and_write_nothing() {
    let s = setup().await;
    s.put_items("tags", &generate("tags", 30, BASE)).await;
    s.put_raw("wordpress_api/comments/comments.json", b"[]")
        .await;
    s.put_raw(
        "wordpress_api/users/users.json",
        br#"{"code":"rest_forbidden"}"#,
    )
    .await;
    s.put_raw("wordpress_api/media/media.json", br#"[{"id":1},{"id":"#)
        .await;
    s.put_raw("wordpress_api/notes.txt", b"not ours").await;
    let summary = handle(&s.deps, json!({})).await.unwrap();
    assert_eq!(summary.summary, "1 Successful | 2 Failed | 1 Empty");
    assert!(s.parquet("comments").await.is_none());
    assert!(s.parquet("users").await.is_none());
    assert!(s.parquet("media").await.is_none());
    assert_eq!(s.parquet("tags").await.unwrap().height(), 30);
    let notes = s.inbox.read().await;
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0].subject.as_deref(),
        Some("WordPress bronze: 2 of 3 files failed")
    );
    let message = &notes[0].message;
    assert!(
        message.contains("users/users.json\n  not a JSON array"),
        "{message}"
    );
    assert!(
        message.contains("media/media.json\n  the array ends early"),
        "{message}"
    );
}

/// After an extract, only what that extract wrote is converted: a raw object an earlier run left
/// (here `users`, whose endpoint failed today) keeps its bronze file as it was.
#[tokio::test]
async fn after_an_extract_only_what_it_wrote_is_converted() {
    let s = setup().await;
    s.put_items("posts", &generate("posts", 12, BASE)).await;
    s.put_items("users", &generate("users", 3, BASE)).await;
    // The extract's run of 2026-12-06: its own copy, and the latest view.
    let run: Vec<Value> = generate("posts", 12, BASE);
    s.put_raw(
        "wordpress_api/posts/dt=2026-12-06/posts.json",
        &serde_json::to_vec(&run).unwrap(),
    )
    .await;
    let summary = |bucket: &str, key: &str| {
        json!({
            "run_date": "2026-12-06", "successful": 1, "failed": 1, "bucket": bucket,
            "written": [{"name": "posts", "endpoint": format!("{BASE}/wp-json/wp/v2/posts"),
                         "key": key, "history_key": "wordpress_api/posts/dt=2026-12-06/posts.json",
                         "items": 12, "changed": 12, "deleted": 0, "pages": 1, "bytes": 1}],
            "failures": [{"endpoint": format!("{BASE}/wp-json/wp/v2/users"), "error": "HTTP 500"}],
            "summary": "1 Successful | 1 Failed",
        })
    };
    let converted = handle(&s.deps, summary(&s.raw, "wordpress_api/posts/posts.json"))
        .await
        .unwrap();
    assert_eq!(converted.summary, "1 Successful | 0 Failed | 0 Empty");
    assert_eq!(s.parquet("posts").await.unwrap().height(), 12);
    assert_eq!(
        converted.files[0].keys,
        [
            "wordpress_api/posts/dt=2026-12-06/posts.parquet",
            "wordpress_api/posts/posts.parquet"
        ],
        "the day holds the whole collection: one conversion for both"
    );
    let day = shared::s3::get_object(&s.deps.s3, &s.bronze, &converted.files[0].keys[0])
        .await
        .unwrap();
    let latest = shared::s3::get_object(&s.deps.s3, &s.bronze, "wordpress_api/posts/posts.parquet")
        .await
        .unwrap();
    assert_eq!(day, latest);
    assert!(
        s.parquet("users").await.is_none(),
        "not written by this extract"
    );

    for (bucket, key, expected) in [
        (
            "someone-elses-bucket",
            "wordpress_api/posts/posts.json",
            "not this deployment's raw bucket",
        ),
        (
            s.raw.as_str(),
            "wordpress_api/users/users.json",
            "is not where the extract writes 'posts'",
        ),
        (
            s.raw.as_str(),
            "../posts.json",
            "is not where the extract writes",
        ),
    ] {
        let err = handle(&s.deps, summary(bucket, key)).await.unwrap_err();
        assert_eq!(err.error_type(), "InvalidInput");
        assert!(err.to_string().contains(expected), "{err}");
    }
    assert!(s.parquet("users").await.is_none());
}

/// A day that holds only what changed is converted apart from the latest view.
#[tokio::test]
async fn a_days_changes_and_the_latest_view_are_converted_apart() {
    let s = setup().await;
    let all = generate("posts", 30, BASE);
    s.put_raw(
        "wordpress_api/posts/dt=2026-12-07/posts.json",
        &serde_json::to_vec(&all[..2]).unwrap(),
    )
    .await;
    s.put_items("posts", &all).await;
    let summary = json!({
        "run_date": "2026-12-07", "successful": 1, "failed": 0, "bucket": s.raw,
        "written": [{"name": "posts", "endpoint": format!("{BASE}/wp-json/wp/v2/posts"),
                     "key": "wordpress_api/posts/posts.json",
                     "history_key": "wordpress_api/posts/dt=2026-12-07/posts.json",
                     "items": 30, "changed": 2, "deleted": 1, "pages": 1, "bytes": 1}],
        "failures": [], "summary": "1 Successful | 0 Failed",
    });
    let converted = handle(&s.deps, summary).await.unwrap();
    assert_eq!(converted.summary, "2 Successful | 0 Failed | 0 Empty");
    assert_eq!(
        s.parquet("posts").await.unwrap().height(),
        30,
        "the latest view is whole"
    );
    let day = shared::s3::get_object(
        &s.deps.s3,
        &s.bronze,
        "wordpress_api/posts/dt=2026-12-07/posts.parquet",
    )
    .await
    .unwrap();
    let day = ParquetReader::new(std::io::Cursor::new(day))
        .finish()
        .unwrap();
    assert_eq!(day.height(), 2, "the day holds what changed");
}
