//! `finish`: writes the crawl's summary and the notification the state machine publishes.

use crate::Deps;
use crate::crawl::Run;
use crate::messages::{Finished, Summary};
use crate::state::progress::Progress;
use crate::web::page;
use shared::Result;

pub async fn finish(deps: &Deps, run: &Run) -> Result<Finished> {
    let crawl = &deps.crawl(run).await?;
    let frontier = deps.frontier(crawl);
    let Progress {
        totals,
        limit_reached,
        ..
    } = frontier.progress().await?;
    let summary = Summary {
        name: crawl.name.clone(),
        run_id: crawl.run_id.clone(),
        sites: crawl.sites.iter().map(|s| s.base_url.clone()).collect(),
        finished_at: page::now(),
        limit_reached,
        pages: frontier.output_uri("pages/"),
        totals,
    };
    let summary_uri = frontier.put_summary(&summary).await?;
    let t = &totals;
    let limit = if limit_reached {
        format!(
            " It stopped at max_pages ({}) with pages still queued.",
            crawl.limits.max_pages
        )
    } else {
        String::new()
    };
    let what = match crawl.sites.as_slice() {
        [site] => site.base_url.to_string(),
        sites => format!("{} sites", sites.len()),
    };
    let full = if t.queue_full > 0 {
        format!(" Not queued, their host's queue full: {}.", t.queue_full)
    } else {
        String::new()
    };
    let recrawl = match &crawl.since {
        Some(since) => format!(
            " Unchanged since run {since} (not downloaded): {} pages, {} bytes.",
            t.unchanged, t.bytes_saved
        ),
        None => String::new(),
    };
    let message = format!(
        "Crawl '{}' of {what} finished.{limit} Pages crawled: {}. Failed: {}. Redirects: {}. Not HTML: \
         {}. Too large: {}. Refused addresses: {}. Skipped by robots.txt: {}. Out of scope: {}. Too \
         deep: {}.{full} Bytes stored: {}.{recrawl} Summary: {summary_uri}",
        crawl.name,
        t.crawled,
        t.failed,
        t.redirects,
        t.not_html,
        t.too_large,
        t.refused,
        t.robots_skipped,
        t.out_of_scope,
        t.too_deep,
        t.bytes
    );
    let pages = if crawl.since.is_some() {
        format!(
            "{} pages ({} unchanged)",
            t.crawled + t.unchanged,
            t.unchanged
        )
    } else {
        format!("{} pages", t.crawled)
    };
    let subject = shared::sns::subject(&format!(
        "Crawl {}: {pages}, {} failed",
        crawl.name, t.failed
    ));
    Ok(Finished {
        summary,
        summary_uri,
        subject,
        message: shared::sns::message(&message),
    })
}
