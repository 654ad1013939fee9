//! The function's configuration, its dependencies, and the dispatch of each action to its
//! module.

use crate::address::{AddressPolicy, Lookup};
use crate::crawl::Crawl;
use crate::fetch::Fetcher;
use crate::frontier::Frontier;
use crate::messages::{Crawled, Request, Response};
use crate::{finish, next, start, worker};
use aws_sdk_s3::Client;
use shared::config::{Vars, optional, required};
use shared::{Error, Result};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub bucket: String,
    pub user_agent: String,
}

impl Config {
    pub fn from_vars(vars: &impl Vars) -> Result<Self> {
        Ok(Config {
            bucket: required(vars, "CRAWL_BUCKET")?,
            user_agent: optional(vars, "CRAWLER_USER_AGENT")
                .unwrap_or_else(|| "ServerlessAutomationsCrawler/1.0".to_owned()),
        })
    }
}

pub struct Deps {
    pub s3: Client,
    pub config: Config,
    pub lookup: Lookup,
}

impl Deps {
    pub(crate) fn frontier(&self, crawl: &Crawl) -> Frontier<'_> {
        Frontier::new(&self.s3, &self.config.bucket, crawl)
    }

    /// The crawl as stored by its start step, which must be the one the input names: a step's
    /// input could carry any limits, networks or scope, so only the checked copy is used.
    pub(crate) async fn stored(&self, claimed: &Crawl) -> Result<Crawl> {
        let stored = self.frontier(claimed).crawl().await?;
        if stored != *claimed {
            return Err(Error::InvalidInput(format!(
                "the crawl in the input is not crawl '{}' run '{}' as its start step stored it \
                 ({}): a running crawl cannot be changed",
                claimed.name,
                claimed.run_id,
                self.frontier(claimed).output_uri("crawl.json")
            )));
        }
        Ok(stored)
    }

    pub(crate) fn fetcher(&self, crawl: &Crawl, max_bytes: usize) -> Result<Fetcher> {
        Fetcher::new(
            &self.config.user_agent,
            Duration::from_secs(u64::from(crawl.limits.timeout_seconds)),
            max_bytes,
            self.lookup.clone(),
            AddressPolicy {
                allow_networks: crawl.allow_networks.clone(),
            },
        )
        .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))
    }
}

pub async fn handle(deps: &Deps, request: Request) -> Result<Response> {
    Ok(match request {
        Request::Start { run_id, crawl } => {
            Response::Started(start::start(deps, crawl.validate(&run_id)?).await?)
        }
        Request::Next(state) => Response::Next(Box::new(next::next(deps, state).await?)),
        Request::Crawl {
            crawl,
            pages,
            worker,
        } => Response::Crawled(Crawled {
            counts: worker::crawl_pages(deps, &crawl, &pages, worker).await?,
        }),
        Request::Finish {
            crawl,
            totals,
            limit_reached,
        } => Response::Finished(finish::finish(deps, &crawl, totals, limit_reached).await?),
    })
}
