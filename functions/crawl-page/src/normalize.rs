//! One spelling per URL, so the visited set sees `HTTP://Example.com:80/a/./b#top` and
//! `http://example.com/a/b` as the same page.
//!
//! The URL parser (WHATWG) already lower-cases the scheme and host, drops default ports and
//! resolves `.` and `..` segments. On top of that: the fragment is dropped (it never reaches the
//! server), user info makes the URL unusable (never sent), percent-escapes of unreserved
//! characters are decoded and the others upper-cased (RFC 3986, 6.2.2), and the query string is
//! kept byte for byte (parameter order can matter to the server) unless the crawl drops query
//! strings; an empty `?` is removed either way.

use serde::{Deserialize, Serialize};
use url::Url;

/// What happens to query strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryStrings {
    /// `?a=1` and `?a=2` are different pages.
    #[default]
    Keep,
    /// Every query string is removed: for sites that add session ids or tracking parameters.
    Drop,
}

/// The normal form of `url`, or `None` for what a crawler does not fetch: a scheme other than
/// http(s), or user info.
pub fn normalize(url: &Url, query: QueryStrings) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let mut url = url.clone();
    url.set_fragment(None);
    let path = normalize_escapes(url.path());
    url.set_path(&path);
    let query = match (query, url.query()) {
        (QueryStrings::Keep, Some(q)) if !q.is_empty() => Some(normalize_escapes(q)),
        _ => None,
    };
    url.set_query(query.as_deref());
    Some(url)
}

/// Decodes `%41` to `A` (and every other unreserved character) and upper-cases the hex digits
/// of every other escape (RFC 3986, 6.2.2). Written here because `percent-encoding` decodes or
/// encodes whole strings: decoding `%2F` would change the path it names.
fn normalize_escapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        // Two hex digits exactly: from_str_radix alone would take `%+F` for an escape of 0x0F.
        let escape = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(b) if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => {
                out.push(char::from(b));
                i += 3;
            }
            Some(b) => {
                out.push_str(&format!("%{b:02X}"));
                i += 3;
            }
            None => {
                // Multi-byte characters are copied whole.
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> Option<String> {
        normalize(&Url::parse(text).unwrap(), QueryStrings::Keep).map(String::from)
    }

    #[test]
    fn spellings_of_one_page_become_one_url() {
        let same = [
            "http://example.com/docs/a.html",
            "HTTP://EXAMPLE.com/docs/a.html",
            "http://example.com:80/docs/a.html",
            "http://example.com/docs/./a.html",
            "http://example.com/docs/sub/../a.html",
            "http://example.com/docs/a.html#section",
            "http://example.com/docs/a.html?",
            "http://example.com/docs/%61.html",
            "http://example.com/%64ocs/a.html",
        ];
        for text in same {
            assert_eq!(
                norm(text).as_deref(),
                Some("http://example.com/docs/a.html"),
                "{text}"
            );
        }
    }

    #[test]
    fn only_two_hex_digits_make_an_escape() {
        assert_eq!(normalize_escapes("/a%+Fb%-1c%4"), "/a%+Fb%-1c%4");
        assert_eq!(normalize_escapes("/a%+f%41"), "/a%+fA");
    }

    #[test]
    fn other_escapes_are_upper_cased_and_kept() {
        assert_eq!(
            norm("https://example.com/a%2fb%3f?q=%7e%2f").as_deref(),
            Some("https://example.com/a%2Fb%3F?q=~%2F")
        );
        assert_eq!(
            norm("https://example.com/caf%C3%A9").as_deref(),
            Some("https://example.com/caf%C3%A9")
        );
        // An incomplete escape is left as it is.
        assert_eq!(
            norm("https://example.com/100%").as_deref(),
            Some("https://example.com/100%")
        );
    }

    #[test]
    fn https_keeps_a_non_default_port_and_drops_443() {
        assert_eq!(
            norm("https://example.com:443/").as_deref(),
            Some("https://example.com/")
        );
        assert_eq!(
            norm("https://example.com:8443/").as_deref(),
            Some("https://example.com:8443/")
        );
    }

    #[test]
    fn query_strings_are_kept_in_order_or_dropped() {
        let url = Url::parse("https://example.com/s?b=2&a=1#x").unwrap();
        assert_eq!(
            normalize(&url, QueryStrings::Keep).unwrap().as_str(),
            "https://example.com/s?b=2&a=1"
        );
        assert_eq!(
            normalize(&url, QueryStrings::Drop).unwrap().as_str(),
            "https://example.com/s"
        );
    }

    #[test]
    fn what_a_crawler_never_fetches_has_no_normal_form() {
        for text in [
            "mailto:someone@example.com",
            "javascript:alert(1)",
            "ftp://example.com/file",
            "data:text/html,hi",
            "http://user:secret@example.com/",
        ] {
            assert_eq!(norm(text), None, "{text}");
        }
    }
}
