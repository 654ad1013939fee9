//! Which URLs belong to a crawl: the base URL's scheme, host and port exactly, and a path under
//! one of the path prefixes, compared on parsed URLs segment by segment (`/docs` covers
//! `/docs/a` but not `/docs-old/a`, which a string prefix would let in). Keywords, when given,
//! narrow that further: the path must contain one of them.

use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
    /// Normalised: each starts with `/`; one ending in `/` matches by directory.
    pub path_prefixes: Vec<String>,
    /// Lower case.
    pub keywords: Vec<String>,
}

impl Scope {
    /// The scope of a crawl of `base`: its directory (as `wget --no-parent`) unless prefixes
    /// are given.
    pub fn new(base: &Url, path_prefixes: &[String], keywords: &[String]) -> Self {
        let path_prefixes = if path_prefixes.is_empty() {
            let path = base.path();
            vec![path[..=path.rfind('/').unwrap_or(0)].to_owned()]
        } else {
            path_prefixes
                .iter()
                .map(|p| format!("/{}", p.trim_start_matches('/')))
                .collect()
        };
        Scope {
            scheme: base.scheme().to_owned(),
            host: base.host_str().unwrap_or_default().to_owned(),
            port: base.port_or_known_default(),
            path_prefixes,
            keywords: keywords.iter().map(|k| k.to_lowercase()).collect(),
        }
    }

    /// Same origin and under a prefix; keywords are not checked (start URLs need not have one).
    pub fn covers(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == self.port
            && self.path_prefixes.iter().any(|p| under(url.path(), p))
    }

    /// `covers`, and the path has one of the keywords if there are any.
    pub fn admits(&self, url: &Url) -> bool {
        self.covers(url)
            && (self.keywords.is_empty() || {
                let path = url.path().to_lowercase();
                self.keywords.iter().any(|k| path.contains(k.as_str()))
            })
    }
}

fn under(path: &str, prefix: &str) -> bool {
    if prefix.ends_with('/') {
        path.starts_with(prefix)
    } else {
        path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url;

    #[test]
    fn default_prefix_is_the_base_directory() {
        let scope = Scope::new(&url("https://docs.example.com/3/index.html"), &[], &[]);
        assert_eq!(scope.path_prefixes, ["/3/"]);
        assert!(scope.covers(&url("https://docs.example.com/3/library/os.html")));
        assert!(!scope.covers(&url("https://docs.example.com/2/index.html")));
    }

    #[test]
    fn prefixes_match_whole_segments_not_strings() {
        let scope = Scope::new(&url("https://example.com/"), &["docs".into()], &[]);
        assert!(scope.covers(&url("https://example.com/docs")));
        assert!(scope.covers(&url("https://example.com/docs/a.html")));
        assert!(!scope.covers(&url("https://example.com/docs-old/a.html")));
        assert!(!scope.covers(&url("https://example.com/docsx")));
    }

    #[test]
    fn origin_must_match_exactly() {
        let scope = Scope::new(&url("https://example.com/docs/"), &[], &[]);
        for other in [
            "http://example.com/docs/a",
            "https://example.com:8443/docs/a",
            "https://www.example.com/docs/a",
            "https://example.com.evil.net/docs/a",
            "https://evil.net/https://example.com/docs/a",
        ] {
            assert!(!scope.covers(&url(other)), "{other}");
        }
        assert!(scope.covers(&url("https://example.com:443/docs/a")));
    }

    #[test]
    fn keywords_narrow_the_scope() {
        let scope = Scope::new(
            &url("https://example.com/"),
            &[],
            &["Lambda".into(), "step-functions".into()],
        );
        assert!(scope.admits(&url("https://example.com/blog/aws-lambda-tips")));
        assert!(scope.admits(&url("https://example.com/step-functions/")));
        assert!(!scope.admits(&url("https://example.com/blog/kubernetes")));
        assert!(scope.covers(&url("https://example.com/blog/kubernetes")));
    }
}
