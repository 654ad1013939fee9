//! `next`: adds the last batch's counts to the totals, puts the pages of failed workers back in
//! the queue (or records them as failed), and hands out the next batch, or says the crawl is
//! done, or that this execution should hand over to a new one.

use crate::counts::Counts;
use crate::crawl::Crawl;
use crate::frontier::Frontier;
use crate::handler::Deps;
use crate::messages::{Crawled, Next, State, StepError, WorkerResult};
use crate::page::Record;
use shared::Result;

pub async fn next(deps: &Deps, mut state: State) -> Result<Next> {
    let crawl = &deps.stored(&state.crawl).await?;
    let frontier = deps.frontier(crawl);
    for result in std::mem::take(&mut state.results) {
        match result {
            WorkerResult::Done(Crawled {
                counts,
                last_request_ms,
            }) => {
                state.totals.add(&counts);
                state.last_request_ms = state.last_request_ms.max(last_request_ms);
            }
            WorkerResult::Failed {
                failed_pages,
                error,
            } => {
                state.totals.worker_failures += 1;
                let error = error_text(&error);
                for key in failed_pages {
                    retry_or_fail(&frontier, crawl, &key, &error, &mut state.totals).await?;
                }
            }
        }
    }
    let limits = &crawl.limits;
    let budget = u64::from(limits.max_pages).saturating_sub(state.totals.fetched());
    // One host, so one worker a batch.
    let batch = u64::from(limits.pages_per_worker).min(budget);
    let keys = frontier
        .next_keys(usize::try_from(batch.max(1)).unwrap_or(1))
        .await?;
    let limit_reached = budget == 0 && !keys.is_empty();
    let done = keys.is_empty() || budget == 0;
    let continue_as_new = !done && state.execution_pages >= limits.pages_per_execution;
    let mut next = Next {
        crawl: state.crawl.clone(),
        totals: state.totals,
        generation: state.generation,
        execution_pages: state.execution_pages,
        last_request_ms: state.last_request_ms,
        groups: Vec::new(),
        done,
        limit_reached,
        continue_as_new,
        continuation: None,
        continuation_name: None,
    };
    if continue_as_new {
        let generation = state.generation + 1;
        next.continuation_name = Some(continuation_name(&crawl.run_id, generation));
        next.continuation = Some(State {
            generation,
            execution_pages: 0,
            ..state
        });
    } else if !done {
        next.execution_pages += u32::try_from(keys.len()).unwrap_or(u32::MAX);
        next.groups = vec![keys];
    }
    Ok(next)
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
}
