//! The fake WordPress site, for `make demo` and the benchmarks:
//!
//!   fake-wordpress serve [PORT] [--posts N] [--drafts N --password P]
//!                                 serve the default site on 127.0.0.1:PORT (default 9002), with
//!                                 N posts instead of 250, and N drafts that user `etl` lists
//!                                 with application password P
//!   fake-wordpress posts N [uniform]
//!                                 write N generated posts to stdout as one JSON array; with
//!                                 `uniform`, every post's `meta` is an object (none is `[]`)

use lexopt::ValueExt;
use std::io::Write;
use testing::wordpress::{FakeWordPress, Site, generate};

const USAGE: &str = "usage: fake-wordpress serve [PORT] [--posts N] [--drafts N --password P] | fake-wordpress posts N [uniform]";

enum Command {
    Serve {
        port: u16,
        posts: Option<usize>,
        drafts: usize,
        password: Option<String>,
    },
    Posts {
        count: usize,
        uniform: bool,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match parse_args().unwrap_or_else(|e| usage(e)) {
        Command::Serve {
            port,
            posts,
            drafts,
            password,
        } => {
            let mut site = Site {
                drafts,
                password,
                ..Site::default()
            };
            if let Some(n) = posts {
                site.counts.insert("posts".to_owned(), n);
            }
            let site = FakeWordPress::start_on(port, &site).await?;
            eprintln!("fake WordPress on {}", site.base_url());
            site.wait().await;
        }
        Command::Posts { count, uniform } => {
            let mut posts = generate("posts", count, "http://127.0.0.1:9002");
            if uniform {
                for post in &mut posts {
                    post["meta"] = serde_json::json!({"footnotes": ""});
                }
            }
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer(&mut out, &posts)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn parse_args() -> Result<Command, lexopt::Error> {
    use lexopt::Arg::Value;
    let mut parser = lexopt::Parser::from_env();
    let command = parser.value()?.string()?;
    let command = match command.as_str() {
        "serve" => {
            let (mut port, mut posts, mut drafts, mut password) = (9002, None, 0, None);
            while let Some(arg) = parser.next()? {
                match arg {
                    lexopt::Arg::Long("posts") => posts = Some(parser.value()?.parse()?),
                    lexopt::Arg::Long("drafts") => drafts = parser.value()?.parse()?,
                    lexopt::Arg::Long("password") => password = Some(parser.value()?.string()?),
                    Value(value) => port = value.parse()?,
                    arg => return Err(arg.unexpected()),
                }
            }
            Command::Serve {
                port,
                posts,
                drafts,
                password,
            }
        }
        "posts" => Command::Posts {
            count: parser.value()?.parse()?,
            uniform: match parser.next()? {
                None => false,
                Some(Value(word)) if word == "uniform" => true,
                Some(arg) => return Err(arg.unexpected()),
            },
        },
        _ => return Err(lexopt::Error::from(format!("unknown command '{command}'"))),
    };
    if let Some(arg) = parser.next()? {
        return Err(arg.unexpected());
    }
    Ok(command)
}

fn usage(error: lexopt::Error) -> ! {
    eprintln!("{error}\n{USAGE}");
    std::process::exit(2)
}
