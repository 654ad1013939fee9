//! Where the WordPress data lives in the lakehouse buckets, shared by the raw extract and the
//! bronze conversion: `wordpress_api/{name}/{name}.{extension}`.

/// The data source, the first part of every key.
pub const WORDPRESS_PREFIX: &str = "wordpress_api";

/// `wordpress_api/{name}/{name}.{extension}`
pub fn object_key(name: &str, extension: &str) -> String {
    format!("{WORDPRESS_PREFIX}/{name}/{name}.{extension}")
}

/// The name in a key of the form [`object_key`] makes; `None` for any other key.
pub fn name_from_key<'k>(key: &'k str, extension: &str) -> Option<&'k str> {
    let rest = key.strip_prefix(WORDPRESS_PREFIX)?.strip_prefix('/')?;
    let (name, file) = rest.split_once('/')?;
    let stem = file.strip_suffix(extension)?.strip_suffix('.')?;
    (!name.is_empty() && stem == name).then_some(name)
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
