//! `next`: adds up the last batch (each host's state says what its worker did; a worker that
//! did not end its turn failed, and its pages go back to its host's queue or are recorded as
//! failed), then hands out the next batch, its hosts with pages queued or links in their inbox
//! shared among workers, or says the crawl is done, or that this execution should hand over to a
//! new one.

use crate::Deps;
use crate::crawl::{Crawl, Run};
use crate::messages::{Group, Item, MapSettings, Next, StepError, WorkerResult};
use crate::state::counts::Counts;
use crate::state::frontier::{Frontier, Host, PUTS_IN_FLIGHT};
use crate::state::progress::Progress;
use crate::web::pace;
use crate::web::page::Record;
use futures_util::{StreamExt, TryStreamExt, stream};
use shared::Result;
use std::collections::BTreeSet;

/// Batches of up to this many hosts run in the execution's inline Map (its `MaxConcurrency`);
/// larger ones in the distributed Map.
pub const INLINE_HOSTS: usize = 10;

/// `batch` is the batch the asking execution just ran (none when it starts): it is added up if
/// it is the one handed out. Any other is a step retried after it handed out the next one, or a
/// resumed crawl: the batch handed out is then handed out again, and nothing is counted twice.
pub async fn next(
    deps: &Deps,
    run: &Run,
    execution: &str,
    batch: Option<&str>,
    results: &[WorkerResult],
) -> Result<Next> {
    let crawl = &deps.crawl(run).await?;
    let frontier = deps.frontier(crawl);
    let mut progress = frontier.progress().await?;
    progress.driven_by(execution)?;
    let mut answer = Next {
        run: run.clone(),
        batch: None,
        workers: Vec::new(),
        results: Vec::new(),
        distributed: false,
        items: None,
        map: MapSettings {
            max_concurrency: deps.config.map_max_concurrency,
            tolerated_failure_percentage: deps.config.map_tolerated_failure_percentage,
            results_prefix: frontier.map_results_prefix(),
        },
        done: false,
        continue_as_new: false,
        continuation_name: None,
    };
    match progress.current.clone() {
        Some(current) if batch == Some(current.as_str()) => {
            let before = progress.totals;
            add_up(&frontier, crawl, &current, results, &mut progress).await?;
            progress.added_up(progress.totals != before)?;
        }
        Some(current) => {
            let workers = frontier.batch(&current).await?;
            frontier.put_progress(&progress).await?;
            return Ok(hand_out(answer, deps, &frontier, current, workers));
        }
        None => {}
    }
    let limits = &crawl.limits;
    let budget = u64::from(limits.max_pages).saturating_sub(progress.totals.fetched());
    let inbox: BTreeSet<usize> = frontier.inbox_sites().await?.into_iter().collect();
    let queued: Vec<usize> = progress.pending.union(&inbox).copied().collect();
    progress.limit_reached = budget == 0 && !queued.is_empty();
    answer.done = queued.is_empty() || budget == 0;
    answer.continue_as_new = !answer.done && progress.execution_pages >= limits.pages_per_execution;
    if answer.continue_as_new {
        answer.continuation_name = Some(continuation_name(
            &crawl.run_id,
            progress.generation.saturating_add(1),
        ));
    }
    if answer.done || answer.continue_as_new {
        frontier.put_progress(&progress).await?;
        return Ok(answer);
    }
    let hosts = (limits.concurrency as usize).min(deps.config.batch_size);
    // No more hosts than pages left, and each an equal share of them, up to a worker's pages:
    // whatever the hosts find in their turns, the batch cannot pass `max_pages`.
    let hosts = hosts.min(usize::try_from(budget).unwrap_or(usize::MAX));
    let (chosen, cursor) = take_turns(&queued, progress.cursor, hosts);
    let share = (budget / chosen.len().max(1) as u64).min(u64::from(limits.pages_per_worker()));
    let groups: Vec<Group> = chosen
        .iter()
        .map(|&site| Group {
            site,
            take: share as u32,
        })
        .collect();
    let batch = progress.hand_out(groups.iter().map(|g| g.take as usize).sum())?;
    progress.cursor = cursor;
    // Each worker paces up to `hosts_per_worker` hosts at once.
    let workers: Vec<Item> = groups
        .chunks(limits.hosts_per_worker() as usize)
        .map(|hosts| Item {
            sites: hosts.iter().map(|g| g.site).collect(),
        })
        .collect();
    frontier.put_batch(&batch, &groups, &workers).await?;
    // Last: a step that dies before this hands the same batch out again when retried.
    frontier.put_progress(&progress).await?;
    Ok(hand_out(answer, deps, &frontier, batch, workers))
}

/// The answer that hands `batch` out: its workers for the inline Map, or where the distributed
/// Map reads them.
fn hand_out(
    mut answer: Next,
    deps: &Deps,
    frontier: &Frontier<'_>,
    batch: String,
    workers: Vec<Item>,
) -> Next {
    let hosts: usize = workers.iter().map(|w| w.sites.len()).sum();
    answer.distributed = hosts > INLINE_HOSTS;
    if answer.distributed {
        answer.items = Some(frontier.batch_items(&deps.config.bucket, &batch));
    } else {
        answer.workers = workers;
    }
    answer.batch = Some(batch);
    answer
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

/// Adds the batch's workers' counts to the totals, and notes how many pages each host has
/// left. A host whose state does not say its worker finished the batch had its worker fail
/// after Step Functions' retries: its pages go back to its queue with one more attempt, or are
/// recorded as failed. That is stored as the host's state for the batch, so a `next` retried
/// after it counts it once.
async fn add_up(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    batch: &str,
    results: &[WorkerResult],
    progress: &mut Progress,
) -> Result<()> {
    let sites: Vec<usize> = frontier
        .batch(batch)
        .await?
        .into_iter()
        .flat_map(|worker| worker.sites)
        .collect();
    let hosts: Vec<_> = stream::iter(&sites)
        .map(|site| frontier.host(*site))
        .buffered(PUTS_IN_FLIGHT)
        .try_collect()
        .await?;
    for (&site, host) in sites.iter().zip(hosts) {
        let host = match host.filter(|h| h.batch == batch && h.done) {
            Some(host) => host,
            None => {
                let error = results
                    .iter()
                    .find_map(|r| match r {
                        WorkerResult::Failed { sites, error } if sites.contains(&site) => {
                            Some(error)
                        }
                        _ => None,
                    })
                    .map_or_else(
                        || {
                            format!(
                                "worker failed: it ended without finishing batch {batch} (see \
                                 the Map Run's results under {})",
                                frontier.map_results_prefix()
                            )
                        },
                        error_text,
                    );
                put_back(frontier, crawl, batch, site, &error).await?
            }
        };
        progress.totals.add(&host.counts)?;
        progress.left(site, host.queued);
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

/// Ends the turn of a host whose worker failed: the pages it took go back to the queue version
/// it started from, with one more attempt, or are recorded as failed after `max_attempts`; what
/// it stored of its records is removed, since those pages will be fetched again.
async fn put_back(
    frontier: &Frontier<'_>,
    crawl: &Crawl,
    batch: &str,
    site: usize,
    error: &str,
) -> Result<Host> {
    let take = frontier.group(batch, site).await?.take;
    // The state the worker started from: its queue version is the last one that counts.
    let earlier = frontier.host(site).await?.unwrap_or_default();
    let mut queue = frontier.queue(site, &earlier.queue).await?;
    let mut counts = Counts {
        worker_failures: 1,
        ..Counts::default()
    };
    let mut failed = Vec::new();
    for mut entry in queue.take(take as usize) {
        entry.attempts += 1;
        if entry.attempts < crawl.limits.max_attempts {
            counts.retries += 1;
            queue.put_back(entry);
            continue;
        }
        // A page an attempt stored, which no record would describe.
        frontier.delete_page(&entry.url).await?;
        let record =
            Record::worker_failed(entry.url, entry.depth, entry.attempts, error.to_owned());
        record.write_line(&mut failed)?;
        counts.failed += 1;
    }
    frontier.delete_records(site, batch).await?;
    let version = format!("{batch}-failed");
    if !failed.is_empty() {
        frontier.put_records(site, &version, 0, failed).await?;
    }
    frontier.put_queue(site, &version, &queue).await?;
    let host = Host {
        batch: batch.to_owned(),
        // The failed worker's requests were all before now.
        last_request_ms: pace::unix_ms(),
        counts,
        done: true,
        queue: version,
        queued: queue.len() as u64,
    };
    frontier.put_host(site, &host).await?;
    if earlier.queue != host.queue {
        frontier.delete_queue(site, &earlier.queue).await?;
    }
    Ok(host)
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
