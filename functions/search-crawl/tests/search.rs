//! Searches of indexes built as index-crawl builds them (its text extraction and index builder),
//! opened as the function opens them: what is found, what is not, and what is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use index_crawl::documents::Document;
use index_crawl::index::Builder;
use proptest::prelude::*;
use search_crawl::query::Query;
use search_crawl::searcher::Loaded;
use shared::Error;
use shared::search::{IndexFile, Manifest};

/// An index of `(url, html)` pages, opened as the search function opens one.
fn index(pages: &[(String, Vec<u8>)]) -> Loaded {
    let builder = Builder::new().unwrap();
    for (i, (url, html)) in pages.iter().enumerate() {
        let text = index_crawl::text::extract(html);
        builder
            .add(&Document {
                page: format!("{i:032x}"),
                etag: "\"e\"".into(),
                url: url.clone(),
                fetched_at: "2026-12-07T00:00:00Z".into(),
                title: text.title,
                headings: text.headings,
                body: text.body,
            })
            .unwrap();
    }
    let files = builder.finish().unwrap();
    let manifest = Manifest {
        name: "docs".into(),
        run_id: "run-1".into(),
        finished_at: "2026-12-07T00:00:00Z".into(),
        built_at: "2026-12-07T00:00:00Z".into(),
        pages: pages.len() as u64,
        extracted: pages.len() as u64,
        reused: 0,
        html_bytes: 0,
        index_bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
        files: files
            .iter()
            .map(|(name, b)| IndexFile {
                name: name.clone(),
                bytes: b.len() as u64,
            })
            .collect(),
    };
    Loaded::open(manifest, files).unwrap()
}

fn query(q: &str) -> Query {
    Query {
        q: q.into(),
        crawl: "docs".into(),
        limit: Some(3),
        run_id: None,
    }
}

fn urls(loaded: &Loaded, q: &str) -> Vec<String> {
    loaded
        .search(&query(q).check().unwrap())
        .unwrap()
        .results
        .into_iter()
        .map(|h| h.url)
        .collect()
}

fn site() -> Loaded {
    let page = |path: &str, html: &str| {
        (
            format!("https://example.com/{path}"),
            html.as_bytes().to_vec(),
        )
    };
    index(&[
        page(
            "tea.html",
            "<html><head><title>Green tea</title><script>var hiddenscriptword = 1;</script>\
             <style>.hiddenstyleword { color: red }</style></head><body><h1>Brewing</h1>\
             <!-- hiddencommentword --><p>Steep green tea for two minutes at 80 degrees.</p></body></html>",
        ),
        page(
            "coffee.html",
            "<title>Coffee</title><p>Espresso is brewed under pressure; tea is not.</p>",
        ),
    ])
}

#[test]
fn the_page_about_the_words_comes_first_with_its_words_highlighted() {
    let loaded = site();
    let answer = loaded.search(&query("green tea").check().unwrap()).unwrap();
    assert_eq!(answer.results[0].url, "https://example.com/tea.html");
    assert_eq!(answer.results[0].title, "Green tea");
    assert_eq!(answer.results[0].run_id, "run-1");
    assert!(
        answer.results[0]
            .snippet
            .contains("<b>green</b> <b>tea</b>"),
        "{}",
        answer.results[0].snippet
    );
    assert_eq!(answer.matches, 2);
    // Stemmed: "brews" finds "brewed" and "Brewing".
    assert_eq!(urls(&loaded, "brews").len(), 2);
}

#[test]
fn words_only_in_scripts_styles_or_comments_find_nothing() {
    let loaded = site();
    for word in [
        "hiddenscriptword",
        "hiddenstyleword",
        "hiddencommentword",
        "color",
    ] {
        assert!(urls(&loaded, word).is_empty(), "{word} found");
    }
}

#[test]
fn query_syntax_errors_are_invalid_input_naming_the_query() {
    let loaded = site();
    for q in [
        "title:(tea",
        "nosuchfield:tea",
        "a:*",
        "tea AND",
        "\"unclosed",
    ] {
        match loaded.search(&query(q).check().unwrap()) {
            Err(Error::InvalidInput(message)) => assert!(message.contains("query"), "{message}"),
            Ok(answer) => {
                // tantivy reads some of these leniently; what it answers must still be pages.
                assert!(answer.results.len() <= 3, "{q}");
            }
            Err(other) => panic!("{q}: {other}"),
        }
    }
    for q in ["title:(tea", "a:*"] {
        assert!(
            matches!(
                loaded.search(&query(q).check().unwrap()),
                Err(Error::InvalidInput(_))
            ),
            "{q}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever is typed, the answer is results or a clear refusal: never a panic, never
    /// another error.
    #[test]
    fn any_query_is_answered_or_refused(q in "(?s).{0,600}", syntax in "[a-z:()\\[\\]{}\"~*^+\\- ]{0,40}") {
        let loaded = site();
        for q in [q.clone(), syntax.clone(), format!("{syntax}{q}")] {
            match query(&q).check() {
                Err(Error::InvalidInput(_)) => {}
                Err(other) => prop_assert!(false, "{other}"),
                Ok(checked) => match loaded.search(&checked) {
                    Ok(answer) => prop_assert!(answer.results.len() <= 3),
                    Err(Error::InvalidInput(_)) => {}
                    Err(other) => prop_assert!(false, "{q:?}: {other}"),
                },
            }
        }
    }
}

/// Over every page of the Python docs, each query written from a page's title (kept in
/// `tests/python-docs-queries.json`) has that page in its first three results. `make test`
/// installs the tree (Debian's python3.11-doc) and names it in `PYTHON_DOCS`.
#[cfg(feature = "local-stack")]
#[test]
fn each_title_query_finds_its_page_in_the_first_three_over_the_python_docs() {
    use std::path::{Path, PathBuf};
    let root = PathBuf::from(
        std::env::var("PYTHON_DOCS").expect("PYTHON_DOCS names the Python docs tree"),
    );
    fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                html_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "html") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    html_files(&root, &mut files);
    assert!(files.len() > 500, "{} pages under {root:?}", files.len());
    let pages: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap().to_str().unwrap();
            (
                format!("https://docs.python.org/3.11/{relative}"),
                std::fs::read(path).unwrap(),
            )
        })
        .collect();
    let loaded = index(&pages);
    #[derive(serde::Deserialize)]
    struct Case {
        q: String,
        page: String,
    }
    let cases: Vec<Case> = serde_json::from_str(include_str!("python-docs-queries.json")).unwrap();
    assert_eq!(cases.len(), 20);
    let missed: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let found = urls(&loaded, &case.q);
            let wanted = format!("https://docs.python.org/3.11/{}", case.page);
            (!found.contains(&wanted)).then(|| format!("{:?} gave {found:?}", case.q))
        })
        .collect();
    assert!(missed.is_empty(), "{missed:#?}");
}
