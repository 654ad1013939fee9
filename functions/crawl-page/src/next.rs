//! `next`: adds up the last batch (each host's state says what its worker did; a worker that
//! left none failed, and its pages go back to the queue or are recorded as failed), then hands
//! out the next batch, one worker per host with pages queued, or says the crawl is done, or
//! that this execution should hand over to a new one.

use crate::counts::Counts;
use crate::crawl::Crawl;
use crate::frontier::{CLAIMS_IN_FLIGHT, Frontier};
use crate::handler::Deps;
use crate::messages::{Group, MapSettings, Next, State, StepError, WorkerResult};
use crate::page::Record;
use futures_util::{StreamExt, TryStreamExt, stream};
use shared::Result;

/// Batches of up to this many hosts run in the execution's inline Map (its `MaxConcurrency`);
/// larger ones in the distributed Map.
pub const INLINE_HOSTS: usize = 10;

pub async fn next(deps: &Deps, mut state: State) -> Result<Next> {
    let crawl = &deps.stored(&state.crawl).await?;
    let frontier = deps.frontier(crawl);
    if let Some(batch) = state.batch.take() {
        let results = std::mem::take(&mut state.results);
        add_up(&frontier, crawl, &batch, &results, &mut state.totals).await?;
    }
    let limits = &crawl.limits;
    let mut budget = u64::from(limits.max_pages).saturating_sub(state.totals.fetched());
    let queued = frontier.queued_sites().await?;
    let limit_reached = budget == 0 && !queued.is_empty();
    let done = queued.is_empty() || budget == 0;
    let continue_as_new = !done && state.execution_pages >= limits.pages_per_execution;
    let map = MapSettings {
        max_concurrency: deps.config.map_max_concurrency,
        tolerated_failure_percentage: deps.config.map_tolerated_failure_percentage,
        results_prefix: frontier.map_results_prefix(),
    };
    let mut next = Next {
        crawl: state.crawl.clone(),
        totals: state.totals,
        generation: state.generation,
        execution_pages: state.execution_pages,
        batches: state.batches,
        batch: None,
        cursor: state.cursor,
        results: Vec::new(),
        groups: Vec::new(),
        distributed: false,
        items: None,
        map,
        done,
        limit_reached,
        continue_as_new,
        continuation: None,
        continuation_name: None,
    };
    if done {
        return Ok(next);
    }
    if continue_as_new {
        let generation = state.generation + 1;
        next.continuation_name = Some(continuation_name(&crawl.run_id, generation));
        next.continuation = Some(State {
            generation,
            execution_pages: 0,
            ..state
        });
        return Ok(next);
    }
    let hosts = (limits.concurrency as usize).min(deps.config.batch_size);
    let (chosen, cursor) = take_turns(&queued, state.cursor, hosts);
    let mut sizes = Vec::new();
    for site in chosen {
        let size = budget.min(u64::from(limits.pages_per_worker));
        if size == 0 {
            break;
        }
        budget -= size;
        sizes.push((site, size as usize));
    }
    let frontier = &frontier;
    let groups: Vec<Group> = stream::iter(sizes)
        .map(|(site, size)| async move {
            let pages = frontier.next_keys(site, size).await?;
            Ok::<_, shared::Error>(Group { site, pages })
        })
        .buffered(CLAIMS_IN_FLIGHT)
        .try_filter(|g| std::future::ready(!g.pages.is_empty()))
        .try_collect()
        .await?;
    let batch = format!("{:07}", state.batches);
    next.items = Some(frontier.put_batch(&batch, &groups).await?);
    next.execution_pages += groups.iter().map(|g| g.pages.len() as u32).sum::<u32>();
    next.batches += 1;
    next.batch = Some(batch);
    next.cursor = cursor;
    next.distributed = groups.len() > INLINE_HOSTS;
    if !next.distributed {
        next.groups = groups;
    }
    Ok(next)
}

/// Up to `hosts` of the queued sites (ascending), starting at `cursor` and wrapping around, so
/// that with more hosts than a batch holds each gets its turn; and the cursor after them.
fn take_turns(queued: &[usize], cursor: usize, hosts: usize) -> (Vec<usize>, usize) {
    let from = queued.partition_point(|s| *s < cursor);
    let chosen: Vec<usize> = queued[from..]
        .iter()
        .chain(&queued[..from])
        .take(hosts)
        .copied()
        .collect();
    let cursor = chosen.last().map_or(cursor, |s| s + 1);
    (chosen, cursor)
}

/// Adds the batch's workers' counts to the totals. A host whose state does not say its worker
/// finished the batch had its worker fail after Step Functions' retries: its pages go back to
/// the queue with one more attempt, or are recorded as failed.
async fn add_up(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    batch: &str,
    results: &[WorkerResult],
    totals: &mut Counts,
) -> Result<()> {
    let groups = frontier.batch(batch).await?;
    let hosts: Vec<_> = stream::iter(&groups)
        .map(|g| frontier.host(g.site))
        .buffered(CLAIMS_IN_FLIGHT)
        .try_collect()
        .await?;
    for (group, host) in groups.iter().zip(hosts) {
        let host = host.filter(|h| h.batch == batch);
        if let Some(host) = &host {
            totals.add(&host.counts);
        }
        if host.is_some_and(|h| h.done) {
            continue;
        }
        totals.worker_failures += 1;
        let error = results
            .iter()
            .find_map(|r| match r {
                WorkerResult::Failed { site, error } if *site == group.site => Some(error),
                _ => None,
            })
            .map_or_else(
                || {
                    format!(
                        "worker failed: it ended without finishing batch {batch} (see the Map \
                         Run's results under {})",
                        frontier.map_results_prefix()
                    )
                },
                error_text,
            );
        for key in &group.pages {
            retry_or_fail(frontier, crawl, key, &error, totals).await?;
        }
    }
    Ok(())
}

/// `<run>-<generation>`, within the 80 characters an execution name may have.
fn continuation_name(run_id: &str, generation: u32) -> String {
    let suffix = format!("-{generation}");
    let keep = 80 - suffix.len();
    format!("{}{suffix}", &run_id[..run_id.len().min(keep)])
}

fn error_text(error: &StepError) -> String {
    format!("worker failed: {} {}", error.error, error.cause)
        .trim()
        .to_owned()
}

/// A page whose worker failed: back in the queue with one more attempt, or recorded as failed.
async fn retry_or_fail(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    key: &str,
    error: &str,
    totals: &mut Counts,
) -> Result<()> {
    let Some(mut entry) = frontier.entry(key).await? else {
        return Ok(()); // Done before the worker failed.
    };
    entry.attempts += 1;
    if entry.attempts < crawl.limits.max_attempts {
        totals.retries += 1;
        return frontier.enqueue(&entry).await;
    }
    let record = Record::worker_failed(
        entry.url.clone(),
        entry.depth,
        entry.attempts,
        error.to_owned(),
    );
    frontier.put_record(&entry.url, &record).await?;
    totals.failed += 1;
    frontier.dequeue(&entry).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_names_fit_80_characters() {
        assert_eq!(continuation_name("run", 2), "run-2");
        let long = "x".repeat(80);
        let name = continuation_name(&long, 12);
        assert_eq!(name.len(), 80);
        assert!(name.ends_with("x-12"));
    }

    #[test]
    fn every_host_gets_its_turn() {
        let queued = [0, 2, 3, 5, 8];
        assert_eq!(take_turns(&queued, 0, 2), (vec![0, 2], 3));
        assert_eq!(take_turns(&queued, 3, 2), (vec![3, 5], 6));
        assert_eq!(take_turns(&queued, 6, 2), (vec![8, 0], 1), "wraps around");
        assert_eq!(take_turns(&queued, 9, 10), (vec![0, 2, 3, 5, 8], 9));
        assert_eq!(take_turns(&[], 4, 3), (vec![], 4));
    }
}
