//! A host's queue and every URL the host has ever queued, kept whole in one object that only
//! the host's worker of the moment writes (between batches, `next` for a worker that failed).
//! One writer per host is what lets a URL be queued once without a conditional PUT per link:
//! links to other hosts go to those hosts' inboxes (`state::frontier`), and each host's worker
//! takes them in against its own set. Stored once per turn, not once per page.
//!
//! The stored form is the entries as a JSON array on the first line, then the 16-byte digests of
//! the URLs seen, one after the other (JSON escapes every newline inside the array).

use crate::state::counts::Counts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::{Error, Result};
use std::collections::{BTreeMap, HashSet, VecDeque};
use url::Url;

/// URLs one host may have seen (16 bytes each: 16 MB).
pub const MAX_SEEN: usize = 1_000_000;
/// URLs one host may have queued at once (about 150 bytes each in memory): more than a crawl
/// of the host could take at the fastest pace in a day of workers' turns.
pub const MAX_QUEUED: usize = 100_000;

/// 128 bits of SHA-256 of the normalised URL: no collision in any crawl's lifetime.
pub type Digest16 = [u8; 16];

pub fn url_digest(url: &Url) -> Digest16 {
    let mut digest = [0; 16];
    digest.copy_from_slice(&Sha256::digest(url.as_str().as_bytes())[..16]);
    digest
}

/// A queued URL of the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub url: Url,
    pub depth: u32,
    /// Attempts already made: 429, 5xx and silence put the URL back with one more.
    #[serde(default)]
    pub attempts: u32,
}

/// What offering a URL to the queue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    /// New: queued.
    Queued,
    /// Queued or crawled before.
    Seen,
    /// New, but the host's queue or its set of seen URLs is full: not queued.
    Full,
}

impl Offered {
    /// Counts it: a new URL as `queued` or `queue_full`, one seen before not at all.
    pub fn count(self, counts: &mut Counts) {
        match self {
            Offered::Queued => counts.queued += 1,
            Offered::Seen => {}
            Offered::Full => counts.queue_full += 1,
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HostQueue {
    /// The entries by depth, each depth in the order they came: breadth first.
    levels: BTreeMap<u32, VecDeque<Entry>>,
    len: usize,
    seen: HashSet<Digest16>,
}

impl HostQueue {
    /// Queues `url` at `depth` unless the host has seen it.
    pub fn offer(&mut self, url: &Url, depth: u32) -> Offered {
        let digest = url_digest(url);
        if self.seen.contains(&digest) {
            return Offered::Seen;
        }
        if self.seen.len() >= MAX_SEEN || self.len >= MAX_QUEUED {
            return Offered::Full;
        }
        self.seen.insert(digest);
        self.put_back(Entry {
            url: url.clone(),
            depth,
            attempts: 0,
        });
        Offered::Queued
    }

    /// An entry taken earlier goes back, with its attempts (a page to try again), after the
    /// others of its depth.
    pub fn put_back(&mut self, entry: Entry) {
        self.levels.entry(entry.depth).or_default().push_back(entry);
        self.len += 1;
    }

    /// The shallowest entry, the first queued of its depth: breadth first.
    pub fn pop(&mut self) -> Option<Entry> {
        let mut level = self.levels.first_entry()?;
        let entry = level.get_mut().pop_front();
        if level.get().is_empty() {
            level.remove();
        }
        self.len -= usize::from(entry.is_some());
        entry
    }

    /// Up to `n` entries, as [`pop`](Self::pop) gives them.
    pub fn take(&mut self, n: usize) -> Vec<Entry> {
        std::iter::from_fn(|| self.pop()).take(n).collect()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let entries: Vec<&Entry> = self.levels.values().flatten().collect();
        let mut body = serde_json::to_vec(&entries)
            .map_err(|e| Error::Internal(format!("cannot serialise a host's queue: {e}")))?;
        body.reserve(1 + self.seen.len() * 16);
        body.push(b'\n');
        body.extend(self.seen.iter().flatten());
        Ok(body)
    }

    /// As [`to_bytes`](Self::to_bytes) stored it; `what` names the object in an error.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let corrupt = |why: String| Error::Internal(format!("{what} is not a host's queue: {why}"));
        let split = bytes
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| corrupt("no line ends its entries".to_owned()))?;
        let (entries, digests) = (&bytes[..split], &bytes[split + 1..]);
        if digests.len() % 16 != 0 {
            return Err(corrupt(format!("{} bytes of digests", digests.len())));
        }
        let entries: Vec<Entry> =
            serde_json::from_slice(entries).map_err(|e| corrupt(e.to_string()))?;
        let mut queue = HostQueue {
            seen: HashSet::with_capacity(digests.len() / 16),
            ..HostQueue::default()
        };
        for entry in entries {
            queue.put_back(entry);
        }
        for digest in digests.chunks_exact(16) {
            queue.seen.insert(digest.try_into().unwrap_or_default());
        }
        Ok(queue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str) -> Url {
        Url::parse(&format!("https://example.com{path}")).unwrap()
    }

    #[test]
    fn a_url_is_queued_once_whatever_its_depth_and_even_after_it_was_taken() {
        let mut queue = HostQueue::default();
        assert_eq!(queue.offer(&url("/a"), 1), Offered::Queued);
        assert_eq!(queue.offer(&url("/a"), 0), Offered::Seen);
        assert_eq!(queue.take(5).len(), 1);
        assert_eq!(queue.offer(&url("/a"), 2), Offered::Seen);
        assert!(queue.is_empty());
    }

    #[test]
    fn it_hands_out_the_shallowest_first_in_the_order_they_came() {
        let mut queue = HostQueue::default();
        for (path, depth) in [("/d2", 2), ("/d1a", 1), ("/d0", 0), ("/d1b", 1)] {
            queue.offer(&url(path), depth);
        }
        let taken: Vec<String> = queue
            .take(3)
            .iter()
            .map(|e| e.url.path().to_owned())
            .collect();
        assert_eq!(taken, ["/d0", "/d1a", "/d1b"]);
        assert_eq!(queue.len(), 1);
    }

    #[test]
    fn it_reads_back_what_it_stored() {
        let mut queue = HostQueue::default();
        queue.offer(&url("/a\nb"), 0);
        queue.offer(&url("/c"), 3);
        let mut taken = queue.take(1);
        taken[0].attempts = 2;
        queue.put_back(taken.remove(0));
        let back = HostQueue::from_bytes(&queue.to_bytes().unwrap(), "q").unwrap();
        assert_eq!(back, queue);
        assert_eq!(
            HostQueue::from_bytes(b"[]\n", "q").unwrap(),
            HostQueue::default()
        );
    }

    #[test]
    fn a_corrupt_object_is_an_error_naming_it() {
        for body in [&b"[]"[..], b"[]\n12345", b"{}\n"] {
            let err = HostQueue::from_bytes(body, "s3://b/q").unwrap_err();
            assert!(err.to_string().contains("s3://b/q"), "{err}");
        }
    }

    #[test]
    fn a_full_queue_refuses_new_urls_and_still_knows_the_old_ones() {
        let mut queue = HostQueue::default();
        for i in 0..MAX_QUEUED {
            queue.put_back(Entry {
                url: url("/x"),
                depth: 0,
                attempts: 0,
            });
            queue.seen.insert((i as u128).to_le_bytes());
        }
        assert_eq!(queue.offer(&url("/new"), 1), Offered::Full);
        queue.take(1);
        assert_eq!(queue.offer(&url("/new"), 1), Offered::Queued);
    }
}
