//! The web site the crawler's demo, tests and benchmark crawl:
//!
//!   fake-site serve [PORT]        the test site (traps included) on 127.0.0.1:PORT (default 9003)
//!   fake-site dir PATH [PORT]     the files under PATH on 127.0.0.1:PORT (default 9004)
//!   fake-site hosts N [PORT]      the test site as N hosts, 127.0.0.10 onwards, on PORT (default
//!                                 9003): the first answers 150 ms late, the second's robots.txt
//!                                 sets a Crawl-delay of 0.3 s
//!   fake-site dirs PATH N [PORT]  the files under PATH as N hosts, 127.0.0.10 onwards

use lexopt::ValueExt;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;
use testing::site::{FakeSite, Host};

const USAGE: &str = "usage: fake-site serve [PORT] | fake-site dir PATH [PORT] | \
                     fake-site hosts N [PORT] | fake-site dirs PATH N [PORT]";

/// The first of the loopback addresses that stand for several hosts.
const FIRST_HOST: u8 = 10;

struct Args {
    root: Option<PathBuf>,
    /// `None`: one site on 127.0.0.1.
    hosts: Option<u8>,
    port: u16,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args().unwrap_or_else(|e| usage(e));
    let Some(count) = args.hosts else {
        let site = FakeSite::start_on(args.port, args.root.as_deref()).await?;
        eprintln!("site on {}", site.base_url());
        site.wait().await;
        return Ok(());
    };
    let mut sites = Vec::new();
    for n in 0..count {
        let host = Host {
            ip: Ipv4Addr::new(127, 0, 0, FIRST_HOST + n),
            // Only the test site has a slow host and a Crawl-delay; the benchmark's are alike.
            delay: Duration::from_millis(if n == 0 && args.root.is_none() {
                150
            } else {
                0
            }),
            crawl_delay: (n == 1 && args.root.is_none()).then_some(0.3),
        };
        let site = FakeSite::start_host(host, args.port, args.root.as_deref()).await?;
        eprintln!("site on {}", site.base_url());
        sites.push(site);
    }
    std::future::pending::<()>().await;
    Ok(())
}

fn parse_args() -> Result<Args, lexopt::Error> {
    let mut parser = lexopt::Parser::from_env();
    let command = parser.value()?.string()?;
    let (root, hosts, default_port) = match command.as_str() {
        "serve" => (None, None, 9003),
        "dir" => (Some(PathBuf::from(parser.value()?)), None, 9004),
        "hosts" => (None, Some(count(&mut parser)?), 9003),
        "dirs" => {
            let root = PathBuf::from(parser.value()?);
            (Some(root), Some(count(&mut parser)?), 9004)
        }
        _ => return Err(lexopt::Error::from(format!("unknown command '{command}'"))),
    };
    let port = match parser.next()? {
        None => default_port,
        Some(lexopt::Arg::Value(port)) => port.parse()?,
        Some(arg) => return Err(arg.unexpected()),
    };
    if let Some(arg) = parser.next()? {
        return Err(arg.unexpected());
    }
    Ok(Args { root, hosts, port })
}

/// The number of hosts: 1 to 200, so the addresses stay within 127.0.0.0/24.
fn count(parser: &mut lexopt::Parser) -> Result<u8, lexopt::Error> {
    let n: u8 = parser.value()?.parse()?;
    if (1..=200).contains(&n) {
        Ok(n)
    } else {
        Err(lexopt::Error::from(format!("{n} hosts: give 1 to 200")))
    }
}

fn usage(error: lexopt::Error) -> ! {
    eprintln!("{error}\n{USAGE}");
    std::process::exit(2)
}
