//! A page's text as a reader sees it, read as a stream with lol_html (as the crawler reads its
//! links): the title, the headings, and the body's text. Comments, `<script>`, `<style>` and the
//! other raw-text elements are not text a reader sees, and neither is `<head>` (but its title);
//! lol_html's tokenizer tells them apart as a browser does, without building a tree.

use lol_html::html_content::TextType;
use lol_html::{HtmlRewriter, Settings, doc_text, element, text};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The most text kept of one page's body, in bytes: enough for any page a person reads, and a
/// bound on what one page adds to the index and its stored text whatever the site serves.
pub const MAX_BODY_BYTES: usize = 200_000;
/// The most kept of a page's title and of its headings.
pub const MAX_TITLE_BYTES: usize = 1_000;
pub const MAX_HEADINGS_BYTES: usize = 20_000;
/// What the tokenizer is given at a time.
const FEED_BYTES: usize = 64 * 1024;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub headings: String,
    pub body: String,
}

#[derive(Default)]
struct Found {
    /// Title elements started so far: only the first one's text is kept.
    titles: u32,
    title: String,
    headings: String,
    body: String,
}

/// Reads `html` (UTF-8; invalid bytes are replaced). A page the tokenizer gives up on keeps the
/// text found before that point.
pub fn extract(html: &[u8]) -> Text {
    let found = RefCell::new(Found::default());
    // Inside `<head>`, whose text is not the page's; an end tag's handler outlives this call's
    // borrows, hence the shared cell.
    let in_head = Rc::new(Cell::new(false));
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![
                element!("head", |el| {
                    in_head.set(true);
                    let in_head = Rc::clone(&in_head);
                    let end: lol_html::EndTagHandler<'static> = Box::new(move |_| {
                        in_head.set(false);
                        Ok(())
                    });
                    el.on_end_tag(end)
                }),
                element!("*", |_| {
                    // Elements separate words: "<p>a</p><p>b</p>" is "a b", not "ab".
                    push(&mut found.borrow_mut().body, " ", MAX_BODY_BYTES);
                    Ok(())
                }),
                // A page that never closes its <head> has it closed by its <body>.
                element!("body", |_| {
                    in_head.set(false);
                    Ok(())
                }),
                element!("title", |_| {
                    found.borrow_mut().titles += 1;
                    Ok(())
                }),
                text!("title", |chunk| {
                    let mut found = found.borrow_mut();
                    if found.titles == 1 {
                        push(&mut found.title, chunk.as_str(), MAX_TITLE_BYTES);
                    }
                    Ok(())
                }),
                element!("h1, h2, h3, h4, h5, h6", |_| {
                    push(&mut found.borrow_mut().headings, " ", MAX_HEADINGS_BYTES);
                    Ok(())
                }),
                text!("h1, h2, h3, h4, h5, h6", |chunk| {
                    if chunk.text_type() == TextType::Data {
                        push(
                            &mut found.borrow_mut().headings,
                            chunk.as_str(),
                            MAX_HEADINGS_BYTES,
                        );
                    }
                    Ok(())
                }),
            ],
            document_content_handlers: vec![doc_text!(|chunk| {
                let mut found = found.borrow_mut();
                // Data is text a reader sees; script data, raw text (style, xmp, iframe,
                // noembed, noframes), RCDATA (title, textarea) and plain text are not body text.
                if chunk.text_type() == TextType::Data && !in_head.get() {
                    push(&mut found.body, chunk.as_str(), MAX_BODY_BYTES);
                }
                Ok(())
            })],
            ..Settings::new()
        },
        // Nothing is rewritten: the output is dropped as it comes.
        |_: &[u8]| {},
    );
    let fed = html
        .chunks(FEED_BYTES)
        .try_for_each(|slice| rewriter.write(slice))
        .and_then(|()| rewriter.end());
    if let Err(e) = fed {
        tracing::debug!(error = %e, "HTML read in part");
    }
    let found = found.into_inner();
    Text {
        title: clean(&found.title),
        headings: clean(&found.headings),
        body: clean(&found.body),
    }
}

/// Appends `text` up to `max` bytes in all, on a character boundary.
fn push(to: &mut String, text: &str, max: usize) {
    let room = max.saturating_sub(to.len());
    if room == 0 {
        return;
    }
    let mut end = text.len().min(room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    to.push_str(&text[..end]);
}

/// Character references decoded (lol_html hands text as written) and white space collapsed.
fn clean(text: &str) -> String {
    htmlize::unescape(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_comments_and_the_head_are_not_text() {
        let text = extract(
            br#"<!doctype html><html><head><title>The  page &amp; more</title>
            <meta name="description" content="metaword"><style>.stylish{}</style>
            <script>var scripted = 1;</script></head>
            <body><!-- commented --><h1>Top <em>heading</em></h1><p>First</p><p>second</p>
            <script>document.write("bodyscript")</script><noscript>fallback</noscript>
            <style>p { color: red }</style><textarea>typed</textarea><h3>Low</h3>
            <p>caf&eacute; &lt;tag&gt;</p></body></html>"#,
        );
        assert_eq!(text.title, "The page & more");
        assert_eq!(text.headings, "Top heading Low");
        for word in [
            "stylish",
            "scripted",
            "commented",
            "bodyscript",
            "color",
            "typed",
            "metaword",
            "page",
        ] {
            assert!(!text.body.contains(word), "{word} in {:?}", text.body);
        }
        for word in ["Top heading", "First second", "Low", "café <tag>"] {
            assert!(text.body.contains(word), "{word} not in {:?}", text.body);
        }
    }

    #[test]
    fn a_page_without_head_or_body_tags_still_has_its_text() {
        let text = extract(b"<title>T</title><p>just text</p>");
        assert_eq!(text.title, "T");
        assert_eq!(text.body, "just text");
    }

    #[test]
    fn text_is_bounded_whatever_the_page() {
        let page = format!("<body>{}</body>", "<p>wörd ".repeat(100_000));
        let text = extract(page.as_bytes());
        assert!(text.body.len() <= MAX_BODY_BYTES);
        assert!(text.body.starts_with("wörd wörd"));
        let headings = format!("<h2>{}</h2>", "x".repeat(50_000));
        assert!(extract(headings.as_bytes()).headings.len() <= MAX_HEADINGS_BYTES);
    }

    #[test]
    fn only_the_first_title_counts() {
        let text = extract(b"<title>first</title><svg><title>icon</title></svg>");
        assert_eq!(text.title, "first");
    }
}
