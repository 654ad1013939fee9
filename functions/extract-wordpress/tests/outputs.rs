//! The extract's summary, which the `wordpress-raw-to-bronze` state machine reads and hands to
//! the conversion, against its sample in `events/outputs/extract-wordpress/`.

#![allow(clippy::unwrap_used)] // test helpers

use shared::lakehouse::{ExtractFailure, ExtractSummary, RunDate, Written};

#[test]
fn the_state_machine_reads_this_message() {
    let partly = ExtractSummary {
        run_date: RunDate::try_from("2026-12-06".to_owned()).unwrap(),
        successful: 1,
        failed: 1,
        bucket: "lakehouse-raw-123456789012".into(),
        written: vec![Written {
            name: "posts".into(),
            endpoint: "https://blog.example/wp-json/wp/v2/posts".into(),
            key: "wordpress_api/posts/posts.json".into(),
            history_key: "wordpress_api/posts/dt=2026-12-06/posts.json".into(),
            items: 250,
            changed: 12,
            deleted: 1,
            pages: 3,
            bytes: 1_048_576,
        }],
        failures: vec![ExtractFailure {
            endpoint: "https://blog.example/wp-json/wp/v2/users".into(),
            error: "HTTP 500".into(),
        }],
        summary: "1 Successful | 1 Failed".into(),
    };
    testing::output_sample("extract-wordpress", "partly-extracted", &partly);
    let all = ExtractSummary {
        failed: 0,
        failures: vec![],
        summary: "1 Successful | 0 Failed".into(),
        ..partly.clone()
    };
    testing::output_sample("extract-wordpress", "extracted", &all);
    let nothing = ExtractSummary {
        successful: 0,
        written: vec![],
        summary: "0 Successful | 1 Failed".into(),
        ..partly
    };
    testing::output_sample("extract-wordpress", "nothing-extracted", &nothing);
}
