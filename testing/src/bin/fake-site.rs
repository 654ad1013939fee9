//! The web site the crawler's demo, tests and benchmark crawl:
//!
//!   fake-site serve [PORT]      the test site (traps included) on 127.0.0.1:PORT (default 9003)
//!   fake-site dir PATH [PORT]   the files under PATH on 127.0.0.1:PORT (default 9004)

use std::path::Path;
use testing::site::FakeSite;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (root, port) = match args.as_slice() {
        ["serve"] => (None, 9003),
        ["serve", port] => (None, port.parse()?),
        ["dir", path] => (Some(Path::new(*path)), 9004),
        ["dir", path, port] => (Some(Path::new(*path)), port.parse()?),
        _ => return Err("usage: fake-site serve [PORT] | fake-site dir PATH [PORT]".into()),
    };
    let site = FakeSite::start_on(port, root).await?;
    eprintln!("site on {}", site.base_url());
    site.wait().await;
    Ok(())
}
