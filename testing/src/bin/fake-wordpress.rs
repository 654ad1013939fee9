//! The fake WordPress site, for `make demo` and the benchmarks:
//!
//!   fake-wordpress serve [PORT]   serve the default site on 127.0.0.1:PORT (default 9002)
//!   fake-wordpress posts N [uniform]
//!                                 write N generated posts to stdout as one JSON array; with
//!                                 `uniform`, every post's `meta` is an object (none is `[]`)

use std::io::Write;
use testing::wordpress::{FakeWordPress, Site, generate};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["serve", rest @ ..] => {
            let port = rest.first().map_or(Ok(9002), |p| p.parse())?;
            let site = FakeWordPress::start_on(port, &Site::default()).await?;
            eprintln!("fake WordPress on {}", site.base_url());
            site.wait().await;
            Ok(())
        }
        ["posts", n, rest @ ..] if rest.is_empty() || rest == ["uniform"] => {
            let mut posts = generate("posts", n.parse()?, "http://127.0.0.1:9002");
            if !rest.is_empty() {
                for post in &mut posts {
                    post["meta"] = serde_json::json!({"footnotes": ""});
                }
            }
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer(&mut out, &posts)?;
            out.flush()?;
            Ok(())
        }
        _ => Err("usage: fake-wordpress serve [PORT] | fake-wordpress posts N [uniform]".into()),
    }
}
