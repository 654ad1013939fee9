//! What the functions that read web servers share: a body read with a size limit, a
//! `Retry-After` read, and an error's whole chain as one line.

/// How long a `Retry-After` value asks to wait: delay seconds, or an HTTP date (none if it has
/// passed); `None` for anything else (RFC 9110 §10.2.3).
pub fn retry_after(value: &str) -> Option<std::time::Duration> {
    let value = value.trim();
    value
        .parse()
        .map(std::time::Duration::from_secs)
        .ok()
        .or_else(|| {
            let at = httpdate::parse_http_date(value).ok()?;
            Some(
                at.duration_since(std::time::SystemTime::now())
                    .unwrap_or_default(),
            )
        })
}

/// Why a capped body read stopped.
#[derive(Debug)]
pub enum BodyError {
    /// The body is larger than the limit; reading stopped there.
    TooLarge,
    /// The connection failed or timed out while reading.
    Transport(reqwest::Error),
}

/// Reads the whole body, refusing one over `limit` bytes without reading past the limit
/// (a declared `Content-Length` over the limit is refused before reading anything).
pub async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    // The announced size at once: growing by doubling would hold the old buffer and one twice
    // its size at the same time (96 MB for a 50 MB page).
    let announced = response.content_length().map_or(0, |n| n as usize);
    let mut body = Vec::with_capacity(announced);
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The first `limit` bytes of a body, the rest left unread: for a file that is read only up to
/// a size and used as far as it goes (robots.txt, RFC 9309 §2.5).
pub async fn read_prefix(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while body.len() < limit {
        let Some(chunk) = response.chunk().await? else {
            break;
        };
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(body)
}

/// `outer: inner: innermost`, so a log line or a notification says what really failed
/// (reqwest's own message is often only "error sending request").
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
