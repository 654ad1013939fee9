//! Where the WordPress data lives in the lakehouse buckets, shared by the raw extract and the
//! bronze conversion: `wordpress_api/{name}/{name}.{extension}`; and the extract's summary, which
//! passes from one to the other.

use serde::{Deserialize, Serialize};

/// The data source, the first part of every key.
pub const WORDPRESS_PREFIX: &str = "wordpress_api";

/// `wordpress_api/{name}/{name}.{extension}`
pub fn object_key(name: &str, extension: &str) -> String {
    format!("{WORDPRESS_PREFIX}/{name}/{name}.{extension}")
}

/// `state/wordpress_api/{name}.json` in the raw bucket: what the last good extract of an
/// endpoint wrote ([`EndpointState`]), which the next run checks its own size against. Outside
/// the data's prefix, so no reader of the data meets it.
pub fn state_key(name: &str) -> String {
    format!("state/{WORDPRESS_PREFIX}/{name}.json")
}

/// What the last good extract of an endpoint wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointState {
    pub items: u64,
    pub bytes: u64,
}

/// The name in a key of the form [`object_key`] makes; `None` for any other key.
pub fn name_from_key<'k>(key: &'k str, extension: &str) -> Option<&'k str> {
    let rest = key.strip_prefix(WORDPRESS_PREFIX)?.strip_prefix('/')?;
    let (name, file) = rest.split_once('/')?;
    let stem = file.strip_suffix(extension)?.strip_suffix('.')?;
    (!name.is_empty() && stem == name).then_some(name)
}

/// What a raw extract did: `extract-wordpress` returns it, the state machine converts only when
/// `successful` > 0, and `wordpress-to-parquet` takes it as its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractSummary {
    pub successful: usize,
    pub failed: usize,
    pub bucket: String,
    pub written: Vec<Written>,
    pub failures: Vec<ExtractFailure>,
    /// `N Successful | M Failed`
    pub summary: String,
}

/// One endpoint written to the raw bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Written {
    pub name: String,
    pub endpoint: String,
    pub key: String,
    pub items: usize,
    pub pages: u32,
    pub bytes: usize,
}

/// One endpoint that was not written, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractFailure {
    pub endpoint: String,
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let key = object_key("posts", "json");
        assert_eq!(key, "wordpress_api/posts/posts.json");
        assert_eq!(name_from_key(&key, "json"), Some("posts"));
    }

    #[test]
    fn other_keys_are_not_ours() {
        for key in [
            "wordpress_api/posts/other.json",
            "wordpress_api/posts/posts.parquet",
            "wordpress_api/posts.json",
            "wordpress_api/posts/sub/posts.json",
            "wordpress_api//.json",
            "elsewhere/posts/posts.json",
        ] {
            assert_eq!(name_from_key(key, "json"), None, "{key}");
        }
    }
}
