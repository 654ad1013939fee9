//! Where the WordPress data lives in the lakehouse buckets, shared by the raw extract and the
//! bronze conversion: the latest view `wordpress_api/{name}/{name}.{extension}` (the layout
//! existing readers know), and each run's own copy under a Hive-style date partition,
//! `wordpress_api/{name}/dt={date}/{name}.{extension}`; and the extract's summary, which passes
//! from one to the other.

use serde::{Deserialize, Serialize};

/// The data source, the first part of every key.
pub const WORDPRESS_PREFIX: &str = "wordpress_api";

/// `wordpress_api/{name}/{name}.{extension}`
pub fn object_key(name: &str, extension: &str) -> String {
    format!("{WORDPRESS_PREFIX}/{name}/{name}.{extension}")
}

/// `wordpress_api/{name}/dt={date}/{name}.deleted.json`: the ids of the items the run of `date`
/// found deleted, `[{"id": 7}, …]`.
pub fn tombstones_key(name: &str, date: &RunDate) -> String {
    format!("{WORDPRESS_PREFIX}/{name}/dt={date}/{name}.deleted.json")
}

/// `state/wordpress_api/{name}.json` in the raw bucket: what the last good extract of an
/// endpoint wrote ([`EndpointState`]), which the next run checks its own size against. Outside
/// the data's prefix, so no reader of the data meets it.
pub fn state_key(name: &str) -> String {
    format!("state/{WORDPRESS_PREFIX}/{name}.json")
}

/// What the last good extract of an endpoint wrote, and what the next one starts from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointState {
    /// Items in the latest view.
    pub items: u64,
    /// Its size.
    pub bytes: u64,
    /// The newest site-local `modified` extracted: the next incremental run asks for what was
    /// modified after it (less the look-back).
    #[serde(default)]
    pub modified: Option<String>,
    /// The ids in the latest view.
    #[serde(default)]
    pub ids: std::collections::BTreeSet<u64>,
    /// Each item's content hash, for the types extracted whole: what changed since.
    #[serde(default)]
    pub hashes: std::collections::BTreeMap<u64, u64>,
    /// The run of the last full listing, which finds deletions.
    #[serde(default)]
    pub last_snapshot: Option<RunDate>,
}

/// `wordpress_api/{name}/dt={date}/{name}.{extension}`: the run of `date`, kept.
pub fn history_key(name: &str, date: &RunDate, extension: &str) -> String {
    format!("{WORDPRESS_PREFIX}/{name}/dt={date}/{name}.{extension}")
}

/// A run's date, `YYYY-MM-DD` (UTC): the partition its data is kept under. Checked where it
/// enters, since it becomes part of every key the run writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunDate(String);

impl RunDate {
    /// The date of an instant, in UTC.
    pub fn of(at: chrono::DateTime<chrono::Utc>) -> Self {
        RunDate(at.format("%Y-%m-%d").to_string())
    }

    /// Whole days from `earlier` to this date.
    pub fn days_since(&self, earlier: &RunDate) -> i64 {
        let date = |d: &RunDate| chrono::NaiveDate::parse_from_str(&d.0, "%Y-%m-%d").ok();
        match (date(self), date(earlier)) {
            (Some(a), Some(b)) => (a - b).num_days(),
            _ => 0,
        }
    }

    /// The run a start by hand (today's) or by a schedule (the date it fired) makes.
    pub fn of_start(start: &crate::input::Start) -> Self {
        match start {
            crate::input::Start::Scheduled(event) => {
                Self::of(event.time.unwrap_or_else(chrono::Utc::now))
            }
            crate::input::Start::ByHand => Self::of(chrono::Utc::now()),
        }
    }
}

impl TryFrom<String> for RunDate {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) if date.format("%Y-%m-%d").to_string() == text => Ok(RunDate(text)),
            _ => Err(format!(
                "'{}' is not a date written YYYY-MM-DD",
                crate::input::shorten(&text)
            )),
        }
    }
}

impl From<RunDate> for String {
    fn from(date: RunDate) -> String {
        date.0
    }
}

impl std::fmt::Display for RunDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
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
    /// The partition this run's data is kept under.
    pub run_date: RunDate,
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
    /// The latest view.
    pub key: String,
    /// This run's own copy: what changed since the last run (everything on a first run).
    pub history_key: String,
    /// Items in the latest view.
    pub items: usize,
    /// Items new or changed since the last run, in `history_key`.
    pub changed: usize,
    /// Items the site no longer has, recorded as tombstones beside `history_key`
    /// (`{name}.deleted.json`) and dropped from the latest view.
    pub deleted: usize,
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
    fn an_objects_name_is_read_back_from_its_key() {
        let key = object_key("posts", "json");
        assert_eq!(key, "wordpress_api/posts/posts.json");
        assert_eq!(name_from_key(&key, "json"), Some("posts"));
    }

    #[test]
    fn a_run_is_kept_under_its_date() {
        let date = RunDate::try_from("2026-12-06".to_owned()).unwrap();
        assert_eq!(
            history_key("posts", &date, "parquet"),
            "wordpress_api/posts/dt=2026-12-06/posts.parquet"
        );
        assert_eq!(
            name_from_key(&history_key("posts", &date, "json"), "json"),
            None
        );
        for bad in [
            "2026-13-01",
            "2026-2-01",
            "2026-02-30",
            "../x",
            "2026-12-06/..",
            "",
        ] {
            assert!(RunDate::try_from(bad.to_owned()).is_err(), "{bad}");
        }
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
