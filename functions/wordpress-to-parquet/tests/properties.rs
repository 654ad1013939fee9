//! Property tests of the conversion: arbitrary JSON (WordPress-like items with fields of every
//! type, nested and missing) never panics it; when it converts, the Parquet holds exactly one
//! row per item, read back. `PROPTEST_CASES` sets the number of cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use polars::prelude::{ParquetReader, SerReader};
use proptest::prelude::*;
use serde_json::Value;
use std::io::Cursor;
use testing::arbitrary;
use wordpress_to_parquet::convert::to_parquet;

const WORDS: &[&str] = &[
    "id",
    "date",
    "date_gmt",
    "modified",
    "slug",
    "status",
    "title",
    "rendered",
    "content",
    "protected",
    "meta",
    "categories",
    "tags",
    "author",
    "2026-11-20T09:14:07",
];

fn items() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(
            prop::collection::btree_map(prop::sample::select(WORDS), arbitrary::json(WORDS), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
            0..8,
        )
        .prop_map(|items| Value::Array(items).to_string().into_bytes()),
        1 => arbitrary::json(WORDS).prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #[test]
    fn any_items_convert_row_for_row_or_are_refused(json in items()) {
        if let Ok(Some(parquet)) = to_parquet(&json) {
            let items: Vec<Value> = serde_json::from_slice(&json).unwrap();
            prop_assert_eq!(parquet.rows, items.len());
            let frame = ParquetReader::new(Cursor::new(parquet.bytes)).finish().unwrap();
            prop_assert_eq!(frame.height(), items.len());
        }
    }
}
