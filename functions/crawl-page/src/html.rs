//! Links and title of an HTML page, with a real HTML parser (html5ever, through scraper): the
//! browser's rules for entities (`&amp;` in a query), comments and scripts (a `<a href>` inside
//! either is not a link), and `<base href>`, which changes what relative links resolve against.

use scraper::{Html, Selector};
use std::sync::LazyLock;
use url::Url;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub title: Option<String>,
    /// Resolved against the base, in document order, with duplicates; not yet normalised.
    pub links: Vec<Url>,
    /// `<meta name="robots" content="nofollow">`: the page asks not to follow its links.
    pub nofollow: bool,
}

#[allow(clippy::expect_used)] // Constant selectors, each parsed by a test.
fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("a valid CSS selector")
}

static LINKS: LazyLock<Selector> = LazyLock::new(|| selector("a[href], area[href]"));
static BASE: LazyLock<Selector> = LazyLock::new(|| selector("base[href]"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static META_ROBOTS: LazyLock<Selector> = LazyLock::new(|| selector("meta[name][content]"));

/// Parses `body` (UTF-8; invalid bytes are replaced) fetched from `url`.
pub fn parse(body: &[u8], url: &Url) -> Parsed {
    let text = String::from_utf8_lossy(body);
    let document = Html::parse_document(&text);
    // Only the first <base href> counts, and only if it parses.
    let base = document
        .select(&BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| url.join(href.trim()).ok())
        .unwrap_or_else(|| url.clone());
    let links = document
        .select(&LINKS)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| base.join(href.trim()).ok())
        .collect();
    let title = document.select(&TITLE).next().map(|t| {
        t.text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let nofollow = document.select(&META_ROBOTS).any(|m| {
        let value = m.value();
        value
            .attr("name")
            .is_some_and(|n| n.eq_ignore_ascii_case("robots"))
            && value.attr("content").is_some_and(|c| {
                c.split(',')
                    .any(|d| matches!(d.trim().to_ascii_lowercase().as_str(), "nofollow" | "none"))
            })
    });
    Parsed {
        title: title.filter(|t| !t.is_empty()),
        links,
        nofollow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(html: &str, url: &str) -> Vec<String> {
        parse(html.as_bytes(), &Url::parse(url).unwrap())
            .links
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn selectors_parse() {
        for css in [
            "a[href], area[href]",
            "base[href]",
            "title",
            "meta[name][content]",
        ] {
            assert!(Selector::parse(css).is_ok(), "{css}");
        }
    }

    #[test]
    fn links_resolve_against_the_page_and_entities_are_decoded() {
        let html = r#"<a href="b.html">b</a> <a href="/c?x=1&amp;y=2">c</a>
            <a href="https://other.example/">o</a> <area href="../d.html">"#;
        assert_eq!(
            links(html, "https://example.com/docs/a.html"),
            [
                "https://example.com/docs/b.html",
                "https://example.com/c?x=1&y=2",
                "https://other.example/",
                "https://example.com/d.html",
            ]
        );
    }

    #[test]
    fn base_href_changes_the_base() {
        let html = r#"<head><base href="/docs/sub/"></head><body><a href="d.html">d</a></body>"#;
        assert_eq!(
            links(html, "https://example.com/docs/base.html"),
            ["https://example.com/docs/sub/d.html"]
        );
    }

    #[test]
    fn comments_scripts_and_attribute_lookalikes_are_not_links() {
        let html = r#"<!-- <a href="/commented">x</a> -->
            <script>document.write('<a href="/scripted">x</a>')</script>
            <p data-href="/data">x</p><link href="/style.css" rel="stylesheet">
            <a name="anchor">no href</a><a href="/real">real</a>"#;
        assert_eq!(
            links(html, "https://example.com/"),
            ["https://example.com/real"]
        );
    }

    #[test]
    fn title_is_trimmed_and_nofollow_is_read() {
        let page = parse(
            b"<title>\n  Python   docs </title><meta name=ROBOTS content='noindex, NoFollow'>",
            &Url::parse("https://example.com/").unwrap(),
        );
        assert_eq!(page.title.as_deref(), Some("Python docs"));
        assert!(page.nofollow);
    }

    #[test]
    fn hostile_markup_does_not_break_the_parser() {
        let mut html =
            String::from("<a href='javascript:alert(1)'>x</a><a href='http://[::1'>bad</a>");
        html.push_str(&"<div>".repeat(10_000));
        html.push_str("<a href='/deep'>deep</a>");
        html.push_str(&"\u{0}\u{fffd}<<<>>>&#xD800;&bogus;".repeat(1_000));
        let found = links(&html, "https://example.com/");
        assert!(found.contains(&"https://example.com/deep".to_owned()));
        assert!(found.contains(&"javascript:alert(1)".to_owned()));
        let invalid_utf8 = parse(
            b"<title>\xff\xfe</title><a href='/x'>",
            &Url::parse("https://example.com/").unwrap(),
        );
        assert_eq!(invalid_utf8.links.len(), 1);
    }
}
