//! robots.txt (RFC 9309), fetched once per crawl by the start step and stored with the crawl,
//! so every worker applies the same rules without asking the site again.

use texting_robots::Robot;
use url::Url;

/// The longest `Crawl-delay` honoured.
pub const MAX_CRAWL_DELAY_MS: u64 = 60_000;

/// The rules for our user agent.
pub struct Robots {
    robot: Option<Robot>,
}

impl Robots {
    /// Rules from a robots.txt body. A file that cannot be parsed at all allows everything, as
    /// RFC 9309 says of unparseable lines.
    pub fn parse(agent: &str, txt: &[u8]) -> Self {
        Robots {
            robot: Robot::new(agent, txt).ok(),
        }
    }

    pub fn allows(&self, url: &Url) -> bool {
        self.robot.as_ref().is_none_or(|r| r.allowed(url.as_str()))
    }

    /// The `Sitemap:` lines, as written.
    pub fn sitemaps(&self) -> &[String] {
        self.robot.as_ref().map_or(&[], |r| r.sitemaps.as_slice())
    }

    /// `Crawl-delay`, in milliseconds, capped at [`MAX_CRAWL_DELAY_MS`] (logged when it is):
    /// a site asking for an hour between requests would otherwise hold a crawl for weeks.
    pub fn crawl_delay_ms(&self) -> u64 {
        let Some(asked) = self
            .robot
            .as_ref()
            .and_then(|r| r.delay)
            .filter(|d| d.is_finite() && *d > 0.0)
            .map(|d| f64::from(d) * 1000.0)
        else {
            return 0;
        };
        if asked > MAX_CRAWL_DELAY_MS as f64 {
            tracing::warn!(
                asked_ms = asked as u64,
                used_ms = MAX_CRAWL_DELAY_MS,
                "robots.txt's Crawl-delay is over the cap; the cap is used"
            );
        }
        asked.min(MAX_CRAWL_DELAY_MS as f64) as u64
    }
}

/// The product token robots.txt groups are matched on: the User-Agent up to its first `/`.
pub fn agent_token(user_agent: &str) -> &str {
    user_agent.split('/').next().unwrap_or(user_agent).trim()
}

/// Where a site's robots.txt is.
pub fn robots_url(base: &Url) -> Url {
    let mut url = base.clone();
    url.set_path("/robots.txt");
    url.set_query(None);
    url.set_fragment(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url;

    #[test]
    fn our_group_wins_over_the_wildcard() {
        let txt = b"User-agent: *\nDisallow: /\n\nUser-agent: ServerlessCrawler\nDisallow: /private/\nCrawl-delay: 2\n";
        let robots = Robots::parse("ServerlessCrawler", txt);
        assert!(robots.allows(&url("https://example.com/docs/a.html")));
        assert!(!robots.allows(&url("https://example.com/private/x")));
        assert_eq!(robots.crawl_delay_ms(), 2000);
        let others = Robots::parse("OtherBot", txt);
        assert!(!others.allows(&url("https://example.com/docs/a.html")));
    }

    #[test]
    fn longest_match_wins_and_allow_breaks_ties() {
        let txt = b"User-agent: *\nDisallow: /docs/\nAllow: /docs/public/\n";
        let robots = Robots::parse("ServerlessCrawler", txt);
        assert!(robots.allows(&url("https://example.com/docs/public/a")));
        assert!(!robots.allows(&url("https://example.com/docs/other")));
    }

    #[test]
    fn a_crawl_delay_over_the_cap_is_capped() {
        let robots = Robots::parse("Bot", b"User-agent: *\nCrawl-delay: 3600\n");
        assert_eq!(robots.crawl_delay_ms(), MAX_CRAWL_DELAY_MS);
        let robots = Robots::parse("Bot", b"User-agent: *\nCrawl-delay: 0.5\n");
        assert_eq!(robots.crawl_delay_ms(), 500);
    }

    #[test]
    fn a_robots_txt_that_is_not_one_allows_everything() {
        let robots = Robots::parse("ServerlessCrawler", b"\xff\xfe<html>not robots</html>");
        assert!(robots.allows(&url("https://example.com/anything")));
        assert_eq!(robots.crawl_delay_ms(), 0);
    }

    #[test]
    fn the_agent_token_is_the_product_name_and_robots_txt_is_at_the_origin_root() {
        assert_eq!(
            agent_token("ServerlessCrawler/1.0 (+https://example.com)"),
            "ServerlessCrawler"
        );
        assert_eq!(
            robots_url(&url("https://example.com:8443/docs/index.html?x#y")).as_str(),
            "https://example.com:8443/robots.txt"
        );
    }
}
