//! Property tests of everything the crawler parses from outside: step events, URLs and HTML.
//! Whatever the input, no panic; a URL's normal form is stable and never leaves http(s) or keeps
//! a fragment or user info; every link found is an absolute URL that reads back the same.
//! scheme by being normalised. `PROPTEST_CASES` sets the number of cases (256 by default, for
//! `make test`; set it higher for a longer run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use crawl_page::Request;
use crawl_page::html;
use crawl_page::normalize::{QueryStrings, normalize};
use proptest::prelude::*;
use serde_json::{Value, json};
use url::Url;

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        prop::sample::select(vec![
            "start",
            "next",
            "crawl",
            "finish",
            "http://127.0.0.1/",
            "/docs/",
            "10.0.0.0/8"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "action",
                    "run_id",
                    "crawl",
                    "name",
                    "base_url",
                    "start_paths",
                    "limits",
                    "concurrency",
                    "pages",
                    "totals",
                    "results",
                    "allow_networks",
                    "keywords",
                ])
                .prop_map(str::to_owned),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// URL-ish text: schemes, hosts, ports, dot segments, escapes, queries and fragments mixed.
fn urlish() -> impl Strategy<Value = String> {
    let part = prop::sample::select(vec![
        "http://",
        "HTTPS://",
        "example.com",
        "EXAMPLE.com",
        ":80",
        ":443",
        ":8080",
        "/",
        "/docs",
        "/./",
        "/../",
        "%2e",
        "%2F",
        "%7e",
        "%41",
        "%",
        "?",
        "?a=1&b=2",
        "#frag",
        "@",
        "user:pw@",
        "[::1]",
        "127.0.0.1",
        "é",
        " ",
        "\\",
        "//",
    ]);
    prop::collection::vec(part, 1..10).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn step_events_never_panic(event in any_json()) {
        let _ = Request::parse(event);
    }

    #[test]
    fn start_requests_never_panic(crawl in any_json(), run_id in ".{0,90}") {
        let _ = Request::parse(json!({"action": "start", "run_id": run_id, "crawl": crawl}));
    }

    #[test]
    fn normal_forms_are_stable(text in urlish(), drop in any::<bool>()) {
        let rule = if drop { QueryStrings::Drop } else { QueryStrings::Keep };
        if let Some(url) = Url::parse(&text).ok().and_then(|u| normalize(&u, rule)) {
            let again = normalize(&url, rule).expect("a normal form normalises");
            prop_assert_eq!(again.as_str(), url.as_str());
            prop_assert!(url.fragment().is_none());
            prop_assert!(url.username().is_empty() && url.password().is_none());
            prop_assert!(matches!(url.scheme(), "http" | "https"));
        }
    }

    #[test]
    fn html_never_panics_and_links_are_absolute(body in prop::collection::vec(any::<u8>(), 0..2048),
                                                 tags in prop::collection::vec(
                                                     prop::sample::select(vec![
                                                         "<a href='", "'>", "<base href=\"", "\">",
                                                         "<!--", "-->", "<script>", "</script>",
                                                         "&amp;", "&#0;", "<title>", "</title>",
                                                         "javascript:", "../", "?q=1", "#x",
                                                     ]), 0..40)) {
        let mut page = tags.concat().into_bytes();
        page.extend_from_slice(&body);
        let base = Url::parse("https://example.com/docs/index.html").unwrap();
        for link in html::parse(&page, &base).links {
            prop_assert_eq!(Url::parse(link.as_str()).ok(), Some(link));
        }
    }
}
