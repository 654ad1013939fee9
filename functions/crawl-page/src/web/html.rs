//! Links and title of an HTML page, read as a stream with lol_html, which tokenizes as a browser
//! does (comments, `<script>`, `<style>`, `<title>` and the other raw-text elements are not
//! markup; SVG and MathML are foreign content) without building the document's tree: about a
//! tenth of html5ever's tree builder's CPU on the Python docs (`docs/web-crawler.md`), and no
//! memory that grows with the page beyond what is found. lol_html hands attribute values and text
//! as written, so htmlize decodes their character references by the HTML standard's rules
//! (`&amp;` in a query, `&copy` without its semicolon, but not `&copy=` in an attribute).

use lol_html::{HtmlRewriter, Settings, element, text};
use std::cell::RefCell;
use url::Url;

/// Links read from one page, duplicates included: a page may have any number (a 50 MB page of
/// links has half a million), and the crawl follows at most
/// [`MAX_LINKS`](crate::web::page::MAX_LINKS) distinct ones. The Python docs' largest has 17,251.
pub const MAX_HREFS: usize = 50_000;
/// What the tokenizer is given at a time.
const FEED_BYTES: usize = 64 * 1024;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub title: Option<String>,
    /// Resolved against the base, in document order, with duplicates; not yet normalised; the
    /// first [`MAX_HREFS`].
    pub links: Vec<Url>,
    /// `<meta name="robots" content="nofollow">`: the page asks not to follow its links.
    pub nofollow: bool,
}

/// What the handlers find, as written in the page.
#[derive(Default)]
struct Found {
    base: Option<String>,
    hrefs: Vec<String>,
    /// Title elements started so far: only the first one's text is kept.
    titles: u32,
    title: Option<String>,
    nofollow: bool,
}

/// Parses `body` (UTF-8; invalid bytes are replaced) fetched from `url`.
pub fn parse(body: &[u8], url: &Url) -> Parsed {
    let found = RefCell::new(Found::default());
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![
                element!("a[href], area[href]", |el| {
                    let mut found = found.borrow_mut();
                    if found.hrefs.len() < MAX_HREFS
                        && let Some(href) = el.get_attribute("href")
                    {
                        found.hrefs.push(href);
                    }
                    Ok(())
                }),
                element!("base[href]", |el| {
                    let mut found = found.borrow_mut();
                    if found.base.is_none() {
                        found.base = el.get_attribute("href");
                    }
                    Ok(())
                }),
                element!("meta[name][content]", |el| {
                    let robots = el
                        .get_attribute("name")
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case("robots"));
                    if robots && el.get_attribute("content").is_some_and(|c| nofollow(&c)) {
                        found.borrow_mut().nofollow = true;
                    }
                    Ok(())
                }),
                element!("title", |_| {
                    let mut found = found.borrow_mut();
                    found.titles += 1;
                    if found.titles == 1 {
                        found.title = Some(String::new());
                    }
                    Ok(())
                }),
                text!("title", |chunk| {
                    let mut found = found.borrow_mut();
                    if found.titles == 1
                        && let Some(title) = found.title.as_mut()
                    {
                        title.push_str(chunk.as_str());
                    }
                    Ok(())
                }),
            ],
            ..Settings::new()
        },
        // Nothing is rewritten: the output is dropped as it comes.
        |_: &[u8]| {},
    );
    // Fed in slices, as it would come from the network, so that nothing lol_html keeps or
    // hands on is ever the size of the page. A page the tokenizer gives up on keeps what was
    // found before that point.
    let fed = body
        .chunks(FEED_BYTES)
        .try_for_each(|slice| rewriter.write(slice))
        .and_then(|()| rewriter.end());
    if let Err(e) = fed {
        tracing::debug!(%url, error = %e, "HTML read in part");
    }
    let found = found.into_inner();
    // Only the first <base href> counts, and only if it parses.
    let base = found
        .base
        .and_then(|href| {
            url.join(htmlize::unescape_attribute(href.as_str()).trim())
                .ok()
        })
        .unwrap_or_else(|| url.clone());
    Parsed {
        title: found
            .title
            .map(|t| {
                htmlize::unescape(t.as_str())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|t| !t.is_empty()),
        links: found
            .hrefs
            .iter()
            .filter_map(|href| {
                base.join(htmlize::unescape_attribute(href.as_str()).trim())
                    .ok()
            })
            .collect(),
        nofollow: found.nofollow,
    }
}

/// A robots meta `content` that says not to follow the page's links.
fn nofollow(content: &str) -> bool {
    htmlize::unescape_attribute(content)
        .split(',')
        .any(|d| matches!(d.trim().to_ascii_lowercase().as_str(), "nofollow" | "none"))
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
        let page = parse(
            b"<title>A &amp; B &lt;3 &copy</title><title>second</title><svg><title>icon</title></svg>",
            &Url::parse("https://example.com/").unwrap(),
        );
        assert_eq!(page.title.as_deref(), Some("A & B <3 \u{a9}"));
        assert!(!page.nofollow);
    }

    #[test]
    fn character_references_in_hrefs_follow_the_attribute_rules() {
        let html = r#"<a href="/a?x=1&amp;y=2">a</a><a href="/b?c=1&copy=2">b</a>
            <a href="/c?&#x41;&#66;">c</a><textarea><a href="/in-textarea">t</a></textarea>
            <style>a[href="/in-style"]{}</style><a href=/unquoted>u</a>"#;
        assert_eq!(
            links(html, "https://example.com/"),
            [
                "https://example.com/a?x=1&y=2",
                "https://example.com/b?c=1&copy=2",
                "https://example.com/c?AB",
                "https://example.com/unquoted",
            ]
        );
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
