//! The endpoint list from the SSM parameter, and each endpoint's object name.
//!
//! The parameter holds comma-separated URLs (`https://site/wp-json/wp/v2/posts,https://…`), or a
//! JSON list of URLs or of `{"name": …, "url": …}` objects. An endpoint's name is the last
//! non-empty segment of its URL path (`…/wp/v2/posts` → `posts`), unless the JSON form gives one.
//! A name must be made of `A-Z a-z 0-9 . _ -` (and not be `.` or `..`) and be unique: anything else
//! rejects that endpoint with a reason, rather than changing characters or overwriting another
//! endpoint's object.

use reqwest::Url;
use serde::Deserialize;
use shared::Error;

/// One endpoint to extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub name: String,
    pub url: Url,
}

/// An entry of the list that cannot be extracted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub entry: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Url(String),
    Named { name: String, url: String },
}

/// Parses the parameter's value. Only an unreadable list as a whole is an error; a bad entry
/// is rejected on its own so the others still run.
pub fn parse(value: &str) -> Result<(Vec<Endpoint>, Vec<Rejected>), Error> {
    let value = value.trim();
    let entries: Vec<(Option<String>, String)> = if value.starts_with('[') {
        serde_json::from_str::<Vec<Entry>>(value)
            .map_err(|e| {
                Error::Configuration(format!(
                    "the endpoint list is not a JSON list of URLs or {{\"name\", \"url\"}} objects: {e}"
                ))
            })?
            .into_iter()
            .map(|e| match e {
                Entry::Url(url) => (None, url),
                Entry::Named { name, url } => (Some(name), url),
            })
            .collect()
    } else {
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|url| (None, url.to_owned()))
            .collect()
    };
    if entries.is_empty() {
        return Err(Error::Configuration("the endpoint list is empty".into()));
    }

    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut rejected = Vec::new();
    for (name, url) in entries {
        let entry = url.clone();
        match endpoint(name, &url) {
            Err(reason) => rejected.push(Rejected { entry, reason }),
            Ok(e) => match endpoints.iter().find(|other| other.name == e.name) {
                Some(other) => rejected.push(Rejected {
                    entry,
                    reason: format!(
                        "its name '{}' is already used by {}; give one of them another name",
                        e.name, other.url
                    ),
                }),
                None => endpoints.push(e),
            },
        }
    }
    Ok((endpoints, rejected))
}

fn endpoint(name: Option<String>, url: &str) -> Result<Endpoint, String> {
    let url = Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme '{}' is not http or https", url.scheme()));
    }
    let name = match name {
        Some(n) => n,
        None => url
            .path_segments()
            .and_then(|mut s| s.rfind(|seg| !seg.is_empty()))
            .map(str::to_owned)
            .ok_or_else(|| "the URL has no path to name it by".to_owned())?,
    };
    check_name(&name)?;
    Ok(Endpoint { name, url })
}

fn check_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name == "." || name == ".." || !name.chars().all(allowed) {
        return Err(format!(
            "name '{name}' is not made of A-Z a-z 0-9 . _ - only; name it in the JSON form"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &str) -> Vec<String> {
        parse(value)
            .unwrap()
            .0
            .into_iter()
            .map(|e| e.name)
            .collect()
    }

    #[test]
    fn comma_separated_urls_are_named_by_their_last_segment() {
        assert_eq!(
            names(
                " https://a.example/wp-json/wp/v2/posts , https://a.example/wp-json/wp/v2/tags/,\n"
            ),
            ["posts", "tags"]
        );
    }

    #[test]
    fn json_list_accepts_urls_and_named_objects() {
        let value = r#"["https://a.example/wp-json/wp/v2/posts",
            {"name": "b-posts", "url": "https://b.example/wp-json/wp/v2/posts?status=publish"}]"#;
        let (endpoints, rejected) = parse(value).unwrap();
        assert!(rejected.is_empty());
        assert_eq!(endpoints[1].name, "b-posts");
        assert_eq!(endpoints[1].url.query(), Some("status=publish"));
    }

    #[test]
    fn a_duplicate_name_is_rejected_not_overwritten() {
        let (endpoints, rejected) =
            parse("https://a.example/wp/v2/posts,https://b.example/wp/v2/posts").unwrap();
        assert_eq!(endpoints.len(), 1);
        assert_eq!(rejected[0].entry, "https://b.example/wp/v2/posts");
        assert!(
            rejected[0]
                .reason
                .contains("already used by https://a.example")
        );
    }

    #[test]
    fn names_with_other_characters_are_rejected_not_changed() {
        let (endpoints, rejected) = parse(
            r#"["https://a.example/wp/v2/caf%C3%A9", {"name": "a/b", "url": "https://a.example/x"},
               "https://a.example/", "ftp://a.example/posts", "not a url"]"#,
        )
        .unwrap();
        assert!(endpoints.is_empty());
        let reasons: Vec<_> = rejected.iter().map(|r| r.reason.as_str()).collect();
        assert!(
            reasons[0].starts_with("name 'caf%C3%A9' is not made of"),
            "{reasons:?}"
        );
        assert!(reasons[1].starts_with("name 'a/b'"), "{reasons:?}");
        assert_eq!(reasons[2], "the URL has no path to name it by");
        assert_eq!(reasons[3], "scheme 'ftp' is not http or https");
        assert!(reasons[4].starts_with("not a URL"), "{reasons:?}");
    }

    #[test]
    fn an_empty_or_unreadable_list_is_a_configuration_error() {
        for value in ["", " , ", "[]", "[1, 2]", "[\"x\""] {
            let err = parse(value).unwrap_err();
            assert_eq!(err.error_type(), "ConfigurationError", "{value}: {err}");
        }
    }
}
