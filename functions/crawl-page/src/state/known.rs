//! The URLs a host's workers know were claimed, kept from one worker of the host to the next.
//! A claim is a conditional PUT, billed even when it answers 412, and a documentation site's
//! pages repeat the same hundred links: without this, every page paid for all of them again.
//! With it, a link costs one claim per host, the first time one of its workers meets it.
//!
//! It is only a cache of claims that need no second look: a URL is added once this host queued
//! it, or once it lost its claim to a finder that never reads this cache (the start step, a
//! page of another host). A claim lost to a page of this host is not added: that page may have
//! died between its claim and its queueing, and when it comes back it must find its claim,
//! not a cache saying the URL is taken. The cache is stored when a worker ends its turn, so a
//! worker that dies leaves it as it was.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use url::Url;

/// Digests one host keeps (16 bytes each: 8 MB), so a worker's memory stays bounded on a site
/// of millions of URLs; past it, new links are claimed every time, as without the cache.
pub const MAX_KNOWN: usize = 500_000;

/// 128 bits of SHA-256 of the normalised URL: no collision in any crawl's lifetime.
pub type Digest16 = [u8; 16];

pub fn url_digest(url: &Url) -> Digest16 {
    let mut digest = [0; 16];
    digest.copy_from_slice(&Sha256::digest(url.as_str().as_bytes())[..16]);
    digest
}

#[derive(Debug, Default)]
pub struct Known {
    /// The host whose workers keep it; none for a step's own, which is not kept.
    pub site: Option<usize>,
    digests: HashSet<Digest16>,
    changed: bool,
}

impl Known {
    /// As stored: the digests one after the other. A body that is not whole digests is cut to
    /// the whole ones (a cache read short only costs claims).
    pub fn from_bytes(site: usize, bytes: &[u8]) -> Self {
        let digests = bytes
            .chunks_exact(16)
            .take(MAX_KNOWN)
            .filter_map(|d| d.try_into().ok())
            .collect();
        Known {
            site: Some(site),
            digests,
            changed: false,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.digests.iter().flatten().copied().collect()
    }

    pub fn contains(&self, url: &Url) -> bool {
        self.digests.contains(&url_digest(url))
    }

    /// Notes a URL whose claim S3 answered; nothing once [`MAX_KNOWN`] are kept.
    pub fn insert(&mut self, url: &Url) {
        if self.digests.len() < MAX_KNOWN {
            self.changed |= self.digests.insert(url_digest(url));
        }
    }

    /// Whether anything was added since it was read.
    pub fn changed(&self) -> bool {
        self.changed
    }

    pub(crate) fn len(&self) -> usize {
        self.digests.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str) -> Url {
        Url::parse(&format!("https://example.com/{path}")).unwrap()
    }

    #[test]
    fn it_reads_back_what_it_stored_and_says_when_it_grew() {
        let mut known = Known::from_bytes(0, &[]);
        known.insert(&url("a"));
        known.insert(&url("b"));
        assert!(known.changed());
        let read = Known::from_bytes(0, &known.to_bytes());
        assert_eq!(read.len(), 2);
        assert!(read.contains(&url("a")) && read.contains(&url("b")));
        assert!(!read.contains(&url("c")));
        assert!(!read.changed(), "a cache just read has nothing to store");
        let mut again = read;
        again.insert(&url("a"));
        assert!(!again.changed(), "a URL it knew already changes nothing");
    }

    #[test]
    fn a_torn_body_keeps_its_whole_digests() {
        let mut known = Known::default();
        known.insert(&url("a"));
        let mut bytes = known.to_bytes();
        bytes.extend_from_slice(&[1, 2, 3]);
        let read = Known::from_bytes(0, &bytes);
        assert_eq!(read.len(), 1);
        assert!(read.contains(&url("a")));
    }

    #[test]
    fn it_stops_growing_at_its_cap() {
        let mut known = Known::from_bytes(0, &[7; 16 * 3]);
        assert_eq!(known.len(), 1, "equal digests are one");
        for i in 0..10 {
            known.insert(&url(&i.to_string()));
        }
        assert_eq!(known.len(), 11);
        let full: Vec<u8> = (0..MAX_KNOWN as u32 + 5)
            .flat_map(|i| {
                let mut d = [0u8; 16];
                d[..4].copy_from_slice(&i.to_be_bytes());
                d
            })
            .collect();
        let mut full = Known::from_bytes(0, &full);
        assert_eq!(full.len(), MAX_KNOWN);
        full.insert(&url("new"));
        assert!(!full.contains(&url("new")) && !full.changed());
    }
}
