//! Property tests of everything the crawler parses from outside: step events, URLs and HTML.
//! Whatever the input, no panic; a URL's normal form is stable and never leaves http(s) or keeps
//! a fragment or user info; every link found is an absolute URL that reads back the same.
//! scheme by being normalised. `PROPTEST_CASES` sets the number of cases (256 by default, for
//! `make test`; set it higher for a longer run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use crawl_page::Request;
use crawl_page::normalize::{QueryStrings, normalize};
use crawl_page::web::html;
use proptest::prelude::*;
use serde_json::json;
use shared::input::parse;
use testing::arbitrary;
use url::Url;

/// The words the step and start parsers look for.
const WORDS: &[&str] = &[
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
    "start",
    "next",
    "finish",
    "http://127.0.0.1/",
    "/docs/",
    "10.0.0.0/8",
];

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
    fn step_events_never_panic(event in arbitrary::json(WORDS)) {
        let _ = parse::<Request>(event);
    }

    #[test]
    fn start_requests_never_panic(crawl in arbitrary::json(WORDS), run_id in ".{0,90}") {
        let _ = parse::<Request>(json!({"action": "start", "run_id": run_id, "crawl": crawl}));
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
