//! The streaming extraction (`crawl_page::web::html`, lol_html) against the tree-building one it
//! replaced (html5ever through scraper, kept here): over every page of the Python docs tree,
//! the same resolved links, title and nofollow. `make test` installs the tree (Debian's
//! python3.11-doc) and names it in `PYTHON_DOCS`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(feature = "local-stack")]

use crawl_page::web::html::{Parsed, parse};
use scraper::{Html, Selector};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use url::Url;

/// The extraction as it was, with html5ever's tree builder.
fn parse_with_tree(body: &[u8], url: &Url) -> Parsed {
    let selector = |css| Selector::parse(css).unwrap();
    let document = Html::parse_document(&String::from_utf8_lossy(body));
    let base = document
        .select(&selector("base[href]"))
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| url.join(href.trim()).ok())
        .unwrap_or_else(|| url.clone());
    let links = document
        .select(&selector("a[href], area[href]"))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| base.join(href.trim()).ok())
        .collect();
    let title = document.select(&selector("title")).next().map(|t| {
        t.text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let nofollow = document.select(&selector("meta[name][content]")).any(|m| {
        let value = m.value();
        value
            .attr("name")
            .is_some_and(|n| n.eq_ignore_ascii_case("robots"))
            && value.attr("content").is_some_and(|c| {
                c.split(',')
                    .any(|d| matches!(d.trim().to_ascii_lowercase().as_str(), "nofollow" | "none"))
            })
    });
    Parsed {
        title: title.filter(|t| !t.is_empty()),
        links,
        nofollow,
    }
}

fn html_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            html_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "html") {
            found.push(path);
        }
    }
}

#[test]
fn the_streaming_extraction_finds_what_the_tree_found_on_every_python_docs_page() {
    let root = PathBuf::from(std::env::var("PYTHON_DOCS").expect("PYTHON_DOCS names the tree"));
    let mut pages = Vec::new();
    html_files(&root, &mut pages);
    assert!(
        pages.len() > 500,
        "{} pages under {}",
        pages.len(),
        root.display()
    );
    let mut links = 0;
    for path in &pages {
        let relative = path.strip_prefix(&root).unwrap().to_str().unwrap();
        let url = Url::parse("http://127.0.0.10:9004/")
            .unwrap()
            .join(relative)
            .unwrap();
        let body = std::fs::read(path).unwrap();
        let (new, old) = (parse(&body, &url), parse_with_tree(&body, &url));
        let set = |p: &Parsed| p.links.iter().map(Url::to_string).collect::<BTreeSet<_>>();
        assert_eq!(set(&new), set(&old), "{relative}: links");
        assert_eq!(new.title, old.title, "{relative}: title");
        assert_eq!(new.nofollow, old.nofollow, "{relative}: nofollow");
        links += old.links.len();
    }
    assert!(links > 100_000, "{links} links in all");
}
