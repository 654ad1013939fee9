//! Property tests of what the extract reads from outside: the endpoint list (an SSM parameter),
//! WordPress page bodies and `Link` headers. Whatever the text, no panic; every endpoint kept is
//! http(s) with a safe, unique object name; every body accepted is a JSON array whose items come
//! out unchanged and counted; a `next` link is always an absolute URL. `PROPTEST_CASES` sets the number of
//! cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use extract_wordpress::{endpoints, fetch};
use proptest::prelude::*;
use reqwest::Url;
use serde_json::Value;
use std::collections::HashSet;
use testing::arbitrary;

const WORDS: &[&str] = &[
    "name",
    "url",
    "https://example.com/wp-json/wp/v2/posts",
    "http://example.com/wp-json/wp/v2/",
    "ftp://example.com/posts",
    "..",
    "posts",
    "id",
    "title",
    "rendered",
    "meta",
];

/// Endpoint lists: comma-separated URL-ish parts, or any JSON.
fn endpoint_list() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(WORDS).prop_map(str::to_owned),
                "[a-z:/.%_ -]{0,30}",
            ],
            0..6
        )
        .prop_map(|parts| parts.join(",")),
        arbitrary::json(WORDS).prop_map(|v| v.to_string()),
    ]
}

/// Page bodies: JSON (arrays most often), or arbitrary text with JSON punctuation.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(arbitrary::json(WORDS), 0..5)
            .prop_map(|items| Value::Array(items).to_string().into_bytes()),
        arbitrary::json(WORDS).prop_map(|v| v.to_string().into_bytes()),
        "[ \\[\\]{}\",:a-z0-9<>]{0,60}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..60),
    ]
}

proptest! {
    #[test]
    fn endpoint_lists_are_parsed_or_refused(list in endpoint_list()) {
        if let Ok((kept, _)) = endpoints::parse(&list) {
            let mut names = HashSet::new();
            for e in kept {
                prop_assert!(matches!(e.url.scheme(), "http" | "https"));
                prop_assert!(e.name != "." && e.name != "..");
                prop_assert!(e
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')));
                prop_assert!(names.insert(e.name), "names are unique");
            }
        }
    }

    #[test]
    fn page_bodies_are_parsed_or_refused(body in body()) {
        let url = Url::parse("https://example.com/wp-json/wp/v2/posts").unwrap();
        if let Ok((inner, count)) = fetch::array_items(&url, &body) {
            // What the extract writes of a page, in brackets, is the page's array, unchanged.
            let original: Vec<Value> = serde_json::from_slice(&body).unwrap();
            let written = [b"[", &body[inner], b"]"].concat();
            let written: Vec<Value> = serde_json::from_slice(&written).unwrap();
            prop_assert_eq!(count, original.len());
            prop_assert_eq!(written, original);
        }
    }

    #[test]
    fn link_headers_give_a_next_target_or_nothing(
        link in prop_oneof!["[<>;, a-z=\"*'%:/.0-9]{0,80}", "\\PC{0,80}"],
    ) {
        let page = Url::parse("https://example.com/wp-json/wp/v2/posts?page=2").unwrap();
        if let Some(next) = fetch::link_next(&link, &page) {
            prop_assert!(link.contains('<') && link.contains("next"), "{next} is not from {link}");
        }
    }
}
