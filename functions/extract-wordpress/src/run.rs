//! One endpoint's run. The first run, and every run of a type WordPress cannot filter by date
//! (comments, users, terms), reads the whole collection ([`full`]); later runs of posts, pages and
//! media read only what changed since the last run ([`changes`]), and every
//! `SNAPSHOT_EVERY_DAYS` also list the ids, which finds deletions. Either way the run writes what
//! changed to its date partition, the whole current collection to the latest view, and the ids
//! the site deleted as tombstones; nothing becomes visible unless every check passed, so a
//! failure leaves the previous data as it was.

use crate::Deps;
use crate::array_writer::ArrayWriter;
use crate::endpoints::Endpoint;
use crate::fetch::{self, FetchError, Http, Pager, Stamp};
use shared::json_array::ArrayItems;
use shared::lakehouse::{self, EndpointState, RunDate, Written};
use shared::upload::Upload;
use shared::{Error, Result};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// Extracts one endpoint; on any failure, the reason (the previous data is kept).
pub async fn extract(
    deps: &Deps,
    http: &Http,
    bucket: &str,
    endpoint: &Endpoint,
    run_date: &RunDate,
    deadline: Instant,
) -> std::result::Result<Written, String> {
    let config = &deps.config;
    if let Some(ip) = config.address_policy().refused_literal(&endpoint.url) {
        return Err(FetchError::AddressRefused {
            url: endpoint.url.to_string(),
            detail: format!(
                "{ip} is not an address the extract may reach (WORDPRESS_ALLOWED_NETWORKS)"
            ),
        }
        .to_string());
    }
    let state_key = lakehouse::state_key(&endpoint.name);
    let last = read_state(&deps.s3, bucket, &state_key)
        .await
        .map_err(|e| format!("the last good run cannot be read, so nothing is replaced: {e}"))?;
    let key = lakehouse::object_key(&endpoint.name, "json");
    let history_key = lakehouse::history_key(&endpoint.name, run_date, "json");
    let mut out = Outputs {
        latest: ArrayWriter::open(Upload::new(&deps.s3, bucket, &key, "application/json"))
            .await
            .map_err(|e| e.to_string())?,
        day: ArrayWriter::open(Upload::new(
            &deps.s3,
            bucket,
            &history_key,
            "application/json",
        ))
        .await
        .map_err(|e| e.to_string())?,
    };
    let pages = AtomicU32::new(0);
    let incremental = config.incremental.contains(&endpoint.name);
    let stop_at = deadline
        .checked_sub(config.stop_before_deadline)
        .unwrap_or(deadline);
    // An incremental type reads what changed since its last run's newest change; the first run,
    // and any run without one, reads everything.
    let since = last
        .as_ref()
        .filter(|_| incremental)
        .and_then(|l| l.modified.as_deref())
        .and_then(|m| minus(m, config.lookback));
    let read = Read {
        deps,
        http,
        endpoint,
        pages: &pages,
    };
    let work = async {
        match (&last, since) {
            (Some(last), Some(since)) => {
                let snapshot = last.last_snapshot.as_ref().is_none_or(|s| {
                    run_date.days_since(s) >= i64::from(config.snapshot_every_days)
                });
                let plan = Changes {
                    since,
                    snapshot,
                    bucket,
                    key: &key,
                };
                changes(read, last, plan, run_date, &mut out).await
            }
            _ => full(read, last.as_ref(), incremental, run_date, &mut out).await,
        }
    };
    let done = match tokio::time::timeout_at(stop_at.into(), work).await {
        Ok(done) => done,
        Err(_) => Err(format!(
            "stopped {:?} before the Lambda's time-out, after {} pages",
            config.stop_before_deadline,
            pages.load(Ordering::Relaxed)
        )),
    }
    .and_then(|done| {
        check_size(done.state.items, last.as_ref(), config.max_shrink_percent).map(|()| done)
    });
    let done = match done {
        Ok(done) => done,
        Err(error) => {
            out.day.abort().await;
            out.latest.abort().await;
            return Err(format!("{error}; the previous data is kept"));
        }
    };
    // The day's changes first: the latest view is replaced only once they are kept.
    if let Err(e) = out.day.finish().await {
        out.latest.abort().await;
        return Err(format!("{e}; the previous data is kept"));
    }
    if !done.deleted.is_empty() {
        let tombstones: Vec<serde_json::Value> = done
            .deleted
            .iter()
            .map(|id| serde_json::json!({ "id": id }))
            .collect();
        let body = serde_json::to_vec(&tombstones)
            .map_err(|e| format!("the tombstones cannot be serialised: {e}"))?;
        let tombstones_key = lakehouse::tombstones_key(&endpoint.name, run_date);
        if let Err(e) =
            shared::s3::put_object(&deps.s3, bucket, &tombstones_key, body, "application/json")
                .await
        {
            out.latest.abort().await;
            return Err(format!("{e}; the previous data is kept"));
        }
    }
    let bytes = out.latest.finish().await.map_err(|e| {
        format!("the run is kept at {history_key}, but the latest view was not replaced: {e}")
    })?;
    let state = EndpointState {
        bytes,
        ..done.state
    };
    // The data is written: a state that cannot be saved only means the next run reads more than
    // it needs, or checks its size against an older run.
    if let Err(e) = write_state(&deps.s3, bucket, &state_key, &state).await {
        tracing::warn!(%state_key, error = %e, "the run's state was not saved");
    }
    tracing::info!(endpoint = %endpoint.url, %key, items = state.items, changed = done.changed, deleted = done.deleted.len(), pages = done.pages, bytes, "written");
    Ok(Written {
        name: endpoint.name.clone(),
        endpoint: endpoint.url.to_string(),
        key,
        history_key,
        items: state.items as usize,
        changed: done.changed,
        deleted: done.deleted.len(),
        pages: done.pages,
        bytes: bytes as usize,
    })
}

/// The run's two objects, both invisible until finished.
struct Outputs<'a> {
    latest: ArrayWriter<'a>,
    day: ArrayWriter<'a>,
}

/// What the reading steps need.
struct Read<'a> {
    deps: &'a Deps,
    http: &'a Http,
    endpoint: &'a Endpoint,
    /// Pages read so far, for a run stopped by the deadline.
    pages: &'a AtomicU32,
}

/// What a run found: the state the next run starts from, what changed, what was deleted.
struct Done {
    state: EndpointState,
    changed: usize,
    deleted: BTreeSet<u64>,
    pages: u32,
}

/// The whole collection, page by page, into the latest view; into the day's partition, the items
/// whose content hash differs from the last run's (all of them on a first run, or for an
/// incremental type); tombstones for the ids the last run had and this one did not, each
/// confirmed gone.
async fn full(
    read: Read<'_>,
    last: Option<&EndpointState>,
    incremental: bool,
    run_date: &RunDate,
    out: &mut Outputs<'_>,
) -> std::result::Result<Done, String> {
    let config = &read.deps.config;
    let url = &read.endpoint.url;
    let mut pager = Pager::new(read.http, url, &config.limits);
    let mut state = EndpointState {
        last_snapshot: Some(run_date.clone()),
        ..EndpointState::default()
    };
    let mut changed = 0;
    let written = |e: Error| e.to_string();
    while let Some(page) = pager.next_page().await.map_err(|e| e.to_string())? {
        read.pages.store(pager.pages, Ordering::Relaxed);
        out.latest.push(page.items()).await.map_err(written)?;
        for item in page.elements() {
            let stamp = Stamp::of(url, item).map_err(|e| e.to_string())?;
            state.ids.insert(stamp.id);
            let is_new = if incremental {
                let second = stamp
                    .modified
                    .map(|m| m.chars().take(19).collect::<String>());
                state.modified = state.modified.clone().max(second);
                true
            } else {
                let hash = shared::input::stable_hash(item.get().as_bytes());
                state.hashes.insert(stamp.id, hash);
                last.and_then(|l| l.hashes.get(&stamp.id)) != Some(&hash)
            };
            if is_new {
                changed += 1;
                out.day.push(item.get().as_bytes()).await.map_err(written)?;
            }
        }
        if out.latest.bytes() > config.max_endpoint_bytes {
            return Err(format!(
                "more than {} bytes (MAX_ENDPOINT_BYTES) after {} pages",
                config.max_endpoint_bytes, pager.pages
            ));
        }
    }
    pager.check_complete().map_err(|e| e.to_string())?;
    let candidates: BTreeSet<u64> = last
        .map(|l| l.ids.difference(&state.ids).copied().collect())
        .unwrap_or_default();
    let deleted = confirm_gone(&read, &candidates).await?;
    state.items = state.ids.len() as u64;
    Ok(Done {
        state,
        changed,
        deleted,
        pages: pager.pages,
    })
}

/// An incremental run: from when, whether it lists every id, and where the previous latest view
/// is.
struct Changes<'a> {
    since: String,
    snapshot: bool,
    bucket: &'a str,
    key: &'a str,
}

/// What changed since the last run ([`fetch::changed_since`], from its newest change less the
/// look-back) into the day's partition; with a snapshot, every id listed, and the ids the last
/// run had that the site no longer has, each confirmed gone, as tombstones. The latest view is
/// the previous one, read back as a stream, without the changed and deleted items, then the
/// changed ones.
async fn changes(
    read: Read<'_>,
    last: &EndpointState,
    plan: Changes<'_>,
    run_date: &RunDate,
    out: &mut Outputs<'_>,
) -> std::result::Result<Done, String> {
    let config = &read.deps.config;
    let url = &read.endpoint.url;
    let http = read.http;
    let changed = fetch::changed_since(http, url, &plan.since, &config.limits)
        .await
        .map_err(|e| e.to_string())?;
    let mut pages = changed.pages;
    read.pages.store(pages, Ordering::Relaxed);
    let mut deleted = BTreeSet::new();
    if plan.snapshot {
        let listed = fetch::list_ids(http, url, &config.limits)
            .await
            .map_err(|e| e.to_string())?;
        pages += listed
            .len()
            .div_ceil(config.limits.per_page as usize)
            .max(1) as u32;
        let candidates: BTreeSet<u64> = last
            .ids
            .iter()
            .chain(changed.items.keys())
            .filter(|id| !listed.contains(id))
            .copied()
            .collect();
        deleted = confirm_gone(&read, &candidates).await?;
    }
    let written = |e: Error| e.to_string();
    for (id, (_, item)) in &changed.items {
        if !deleted.contains(id) {
            out.day.push(item.get().as_bytes()).await.map_err(written)?;
        }
    }
    let keep = |id: u64| !changed.items.contains_key(&id) && !deleted.contains(&id);
    copy_kept(read.deps, plan.bucket, plan.key, &mut out.latest, keep).await?;
    for (id, (_, item)) in &changed.items {
        if !deleted.contains(id) {
            out.latest
                .push(item.get().as_bytes())
                .await
                .map_err(written)?;
        }
    }
    if out.latest.bytes() > config.max_endpoint_bytes {
        return Err(format!(
            "more than {} bytes (MAX_ENDPOINT_BYTES)",
            config.max_endpoint_bytes
        ));
    }
    let mut ids: BTreeSet<u64> = last
        .ids
        .union(&changed.items.keys().copied().collect())
        .copied()
        .collect();
    ids.retain(|id| !deleted.contains(id));
    let newest = changed.items.values().map(|(m, _)| m.clone()).max();
    let state = EndpointState {
        items: ids.len() as u64,
        bytes: 0,
        modified: last.modified.clone().max(newest),
        ids,
        hashes: Default::default(),
        last_snapshot: if plan.snapshot {
            Some(run_date.clone())
        } else {
            last.last_snapshot.clone()
        },
    };
    Ok(Done {
        state,
        changed: changed
            .items
            .keys()
            .filter(|id| !deleted.contains(id))
            .count(),
        deleted,
        pages,
    })
}

/// Of the ids a listing missed, those the site really deleted. One it still has means the site
/// changed while it was listed: the run is refused rather than dropping that item.
async fn confirm_gone(
    read: &Read<'_>,
    candidates: &BTreeSet<u64>,
) -> std::result::Result<BTreeSet<u64>, String> {
    if candidates.is_empty() {
        return Ok(BTreeSet::new());
    }
    let gone = fetch::gone(
        read.http,
        &read.endpoint.url,
        candidates,
        &read.deps.config.limits,
    )
    .await
    .map_err(|e| e.to_string())?;
    match candidates.difference(&gone).next() {
        Some(id) => Err(format!(
            "item {id} was not listed, but the site has it: the site changed while it was read"
        )),
        None => Ok(gone),
    }
}

/// The previous latest view, streamed from S3, its items that `keep` accepts appended to
/// `latest`.
async fn copy_kept(
    deps: &Deps,
    bucket: &str,
    key: &str,
    latest: &mut ArrayWriter<'_>,
    keep: impl Fn(u64) -> bool,
) -> std::result::Result<(), String> {
    let (mut body, _) = shared::s3::get_object_stream(&deps.s3, bucket, key, None)
        .await
        .map_err(|e| {
            format!(
                "the latest view s3://{bucket}/{key} cannot be read ({e}); delete \
                 state/wordpress_api/<name>.json for a full extraction"
            )
        })?;
    let mut items = ArrayItems::default();
    let mut kept: Vec<u8> = Vec::new();
    let mut separator = false;
    while let Some(chunk) = body
        .try_next()
        .await
        .map_err(|e| format!("reading s3://{bucket}/{key}: {e}"))?
    {
        items.feed(&chunk, |item| {
            let id: Stamp = serde_json::from_slice(item)
                .map_err(|e| format!("s3://{bucket}/{key} holds an item without an id: {e}"))?;
            if keep(id.id) {
                if separator {
                    kept.push(b',');
                }
                kept.extend_from_slice(item);
                separator = true;
            }
            Ok::<(), String>(())
        })?;
        if !kept.is_empty() {
            latest.push(&kept).await.map_err(|e| e.to_string())?;
            kept.clear();
            separator = false;
        }
    }
    items
        .finish()
        .map_err(|e| format!("s3://{bucket}/{key}: {e}"))
}

/// `YYYY-MM-DDTHH:MM:SS` less a duration.
fn minus(time: &str, by: std::time::Duration) -> Option<String> {
    let at = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%dT%H:%M:%S").ok()?;
    let by = chrono::Duration::from_std(by).ok()?;
    Some((at - by).format("%Y-%m-%dT%H:%M:%S").to_string())
}

/// A run much smaller than the last good one is refused, not taken as the site's new state: a
/// site that lost its data, or answers for a while with a fraction of it, must not replace the
/// data the lakehouse has.
pub fn check_size(
    items: u64,
    last_good: Option<&EndpointState>,
    max_shrink_percent: u8,
) -> std::result::Result<(), String> {
    let Some(last) = last_good else {
        return Ok(());
    };
    let floor = last.items * u64::from(100 - max_shrink_percent.min(100)) / 100;
    if items < floor || (items == 0 && last.items > 0) {
        return Err(format!(
            "refused to replace the latest view: {items} items, against {} in the last good run \
             (more than MAX_SHRINK_PERCENT={max_shrink_percent}% fewer)",
            last.items
        ));
    }
    Ok(())
}

async fn read_state(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<EndpointState>> {
    match shared::s3::get_object(s3, bucket, key).await {
        Ok(body) => serde_json::from_slice(&body).map(Some).map_err(|e| {
            Error::Internal(format!("s3://{bucket}/{key} is not an extract state: {e}"))
        }),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn write_state(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    state: &EndpointState,
) -> Result<()> {
    let body = serde_json::to_vec(state)
        .map_err(|e| Error::Internal(format!("the state cannot be serialised: {e}")))?;
    shared::s3::put_object(s3, bucket, key, body, "application/json").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_much_smaller_than_the_last_good_one_is_refused() {
        let last = EndpointState {
            items: 250,
            ..EndpointState::default()
        };
        assert_eq!(check_size(125, Some(&last), 50), Ok(()));
        assert_eq!(check_size(10, None, 50), Ok(()), "nothing to compare with");
        let err = check_size(124, Some(&last), 50).unwrap_err();
        assert!(err.contains("124 items, against 250"), "{err}");
        assert!(
            check_size(0, Some(&last), 100).is_err(),
            "nothing at all never replaces"
        );
        assert_eq!(check_size(0, Some(&EndpointState::default()), 50), Ok(()));
    }

    #[test]
    fn the_look_back_is_taken_from_the_newest_change() {
        let day = std::time::Duration::from_secs(86_400);
        assert_eq!(
            minus("2026-12-06T07:00:00", day).as_deref(),
            Some("2026-12-05T07:00:00")
        );
        assert_eq!(minus("soon", day), None);
    }
}
