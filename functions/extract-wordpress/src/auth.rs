//! WordPress application passwords (WordPress 5.6 and later), for drafts and private content.
//!
//! The credentials come from a SecureString parameter (`AUTH_PARAMETER`), read decrypted at each
//! run so a rotated password is used at once, as a JSON object:
//! `{"origin": "https://blog.example.com", "username": "etl", "password": "abcd efgh ijkl mnop qrst uvwx"}`.
//! They are sent, as HTTP Basic authentication, only to that origin, and only over HTTPS (plain
//! HTTP only to a loopback address, for local runs): an endpoint elsewhere in the list is asked
//! without them, and redirects never leave an endpoint's origin. The password never reaches a log,
//! an error or a notification: [`Credentials`]' `Debug` hides it, errors about the parameter name
//! only where it is wrong, and reqwest marks the header sensitive.

use reqwest::{RequestBuilder, Url};
use serde::Deserialize;
use shared::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    origin: String,
    username: String,
    password: String,
}

/// A user's application password, and the one origin it is sent to.
pub struct Credentials {
    origin: url::Origin,
    username: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("origin", &self.origin.ascii_serialization())
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl Credentials {
    /// Reads the parameter's value; `parameter` is its name, for the error.
    pub fn parse(parameter: &str, value: &str) -> Result<Self> {
        let bad = |why: String| {
            Error::Configuration(format!(
                "the credentials in SSM parameter '{parameter}' {why}; nothing was extracted"
            ))
        };
        // serde's message can quote the value; only where it went wrong is named.
        let stored: Stored = serde_json::from_str(value).map_err(|e| {
            bad(format!(
                "are not a JSON object of origin, username and password (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let origin = Url::parse(&stored.origin)
            .map_err(|e| bad(format!("have an origin that is not a URL: {e}")))?;
        if !matches!(origin.path(), "" | "/")
            || origin.query().is_some()
            || origin.fragment().is_some()
            || !origin.username().is_empty()
            || origin.password().is_some()
        {
            return Err(bad(
                "have an origin with more than a scheme, host and port (like https://blog.example.com)"
                    .into(),
            ));
        }
        let loopback = match origin.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        };
        if origin.scheme() != "https" && !(origin.scheme() == "http" && loopback) {
            return Err(bad(format!(
                "name {}: a password is sent only over HTTPS",
                origin.origin().ascii_serialization()
            )));
        }
        // Basic authentication splits user and password at the first colon.
        if stored.username.is_empty() || stored.username.contains(':') {
            return Err(bad("have an empty username, or one with a colon".into()));
        }
        if stored.password.trim().is_empty() {
            return Err(bad("have an empty password".into()));
        }
        Ok(Credentials {
            origin: origin.origin(),
            username: stored.username,
            password: stored.password,
        })
    }

    /// The request, authenticated when it goes to the credentials' origin.
    pub fn apply(&self, request: RequestBuilder, url: &Url) -> RequestBuilder {
        if url.origin() == self.origin {
            request.basic_auth(&self.username, Some(&self.password))
        } else {
            request
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "abcd efgh ijkl mnop qrst uvwx";

    fn parse(value: serde_json::Value) -> Result<Credentials> {
        Credentials::parse("/wp/auth", &value.to_string())
    }

    #[test]
    fn credentials_go_only_to_their_origin() {
        let c = parse(serde_json::json!({
            "origin": "https://blog.example.com", "username": "etl", "password": SECRET
        }))
        .unwrap();
        let client = reqwest::Client::new();
        let header = |url: &str| {
            let url = Url::parse(url).unwrap();
            let request = c.apply(client.get(url.clone()), &url).build().unwrap();
            request.headers().get("authorization").cloned()
        };
        let sent = header("https://blog.example.com/wp-json/wp/v2/posts?status=any").unwrap();
        assert!(sent.is_sensitive(), "reqwest keeps it out of Debug output");
        assert!(sent.to_str().unwrap().starts_with("Basic "));
        for elsewhere in [
            "http://blog.example.com/wp-json/wp/v2/posts",
            "https://blog.example.com:8443/wp-json/wp/v2/posts",
            "https://other.example.com/wp-json/wp/v2/posts",
        ] {
            assert_eq!(header(elsewhere), None, "{elsewhere}");
        }
        assert!(!format!("{c:?}").contains(SECRET));
    }

    #[test]
    fn bad_credentials_are_refused_without_quoting_them() {
        let cases = [
            serde_json::json!(SECRET),
            serde_json::json!({"origin": "https://a.example", "username": "etl"}),
            serde_json::json!({"origin": "https://a.example", "username": "etl", "password": SECRET, "extra": 1}),
            serde_json::json!({"origin": "http://a.example", "username": "etl", "password": SECRET}),
            serde_json::json!({"origin": "https://a.example/wp-json", "username": "etl", "password": SECRET}),
            serde_json::json!({"origin": "a.example", "username": "etl", "password": SECRET}),
            serde_json::json!({"origin": "https://a.example", "username": "e:tl", "password": SECRET}),
            serde_json::json!({"origin": "https://a.example", "username": "etl", "password": " "}),
            serde_json::json!({"origin": "https://a.example", "username": "etl", "password": 12345678}),
        ];
        for case in cases {
            let err = parse(case.clone()).unwrap_err().to_string();
            assert!(err.contains("'/wp/auth'"), "{err}");
            assert!(!err.contains(SECRET) && !err.contains("12345678"), "{err}");
        }
        assert!(Credentials::parse("/wp/auth", "not json").is_err());
    }

    #[test]
    fn plain_http_is_allowed_only_to_loopback() {
        for origin in ["http://127.0.0.1:9002", "http://[::1]:9002"] {
            let value =
                serde_json::json!({"origin": origin, "username": "etl", "password": SECRET});
            assert!(parse(value).is_ok(), "{origin}");
        }
        let value = serde_json::json!({"origin": "http://localhost:9002", "username": "etl", "password": SECRET});
        assert!(parse(value).is_err(), "a name may resolve anywhere");
    }
}
