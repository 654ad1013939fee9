//! The conversion's input and answer: it takes the extract's summary as the state machine
//! passes it, and its own summary matches its sample in `events/outputs/wordpress-to-parquet/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use wordpress_to_parquet::{Converted, Failure, Input, Summary};

#[test]
fn the_extract_summary_sample_is_an_input() {
    let path = testing::workspace_root().join("events/outputs/extract-wordpress/extracted.json");
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let input: Input = shared::input::parse(sample).unwrap();
    assert!(matches!(input, Input::AfterExtract(s) if s.successful == 1 && s.written.len() == 1));
}

#[test]
fn the_state_machine_reads_this_message() {
    let summary = Summary {
        converted: 1,
        failed: 1,
        empty: 1,
        files: vec![Converted {
            source: "s3://lakehouse-raw-123456789012/wordpress_api/posts/dt=2026-12-06/posts.json"
                .into(),
            keys: vec![
                "wordpress_api/posts/dt=2026-12-06/posts.parquet".into(),
                "wordpress_api/posts/posts.parquet".into(),
            ],
            rows: 250,
            columns: 24,
            bytes: 98_304,
        }],
        skipped: vec!["s3://lakehouse-raw-123456789012/wordpress_api/tags/tags.json".into()],
        failures: vec![Failure {
            source: "s3://lakehouse-raw-123456789012/wordpress_api/users/users.json".into(),
            error: "not a JSON array".into(),
        }],
        summary: "1 Successful | 1 Failed | 1 Empty".into(),
    };
    testing::output_sample("wordpress-to-parquet", "partly-converted", &summary);
    let all = Summary {
        failed: 0,
        failures: vec![],
        summary: "1 Successful | 0 Failed | 1 Empty".into(),
        ..summary
    };
    testing::output_sample("wordpress-to-parquet", "converted", &all);
}
