//! The web site the crawler's demo, tests and benchmark crawl:
//!
//!   fake-site serve [PORT]      the test site (traps included) on 127.0.0.1:PORT (default 9003)
//!   fake-site dir PATH [PORT]   the files under PATH on 127.0.0.1:PORT (default 9004)

use lexopt::ValueExt;
use std::path::PathBuf;
use testing::site::FakeSite;

const USAGE: &str = "usage: fake-site serve [PORT] | fake-site dir PATH [PORT]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (root, port) = parse_args().unwrap_or_else(|e| usage(e));
    let site = FakeSite::start_on(port, root.as_deref()).await?;
    eprintln!("site on {}", site.base_url());
    site.wait().await;
    Ok(())
}

fn parse_args() -> Result<(Option<PathBuf>, u16), lexopt::Error> {
    let mut parser = lexopt::Parser::from_env();
    let command = parser.value()?.string()?;
    let (root, default_port) = match command.as_str() {
        "serve" => (None, 9003),
        "dir" => (Some(PathBuf::from(parser.value()?)), 9004),
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
    Ok((root, port))
}

fn usage(error: lexopt::Error) -> ! {
    eprintln!("{error}\n{USAGE}");
    std::process::exit(2)
}
