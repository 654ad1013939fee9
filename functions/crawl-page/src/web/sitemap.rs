//! Sitemaps (sitemaps.org): the `Sitemap:` lines of robots.txt and the site's `/sitemap.xml`,
//! plain or gzipped, a `<urlset>` of pages or a `<sitemapindex>` of further sitemaps. Read as a
//! stream of XML events with quick-xml (entities decoded, namespaces and other elements
//! ignored), gunzipped by flate2 as it is read, each within the protocol's 50 MB: nothing but
//! the downloaded body and the `<loc>`s taken is held, and the caller stops the reading once it
//! has taken enough.

use flate2::read::GzDecoder;
use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::Event;
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;

/// The protocol's limit on a sitemap, uncompressed.
pub const MAX_BYTES: usize = 50 * 1024 * 1024;

/// One `<loc>` of a sitemap.
#[derive(Debug, PartialEq, Eq)]
pub enum Loc<'a> {
    /// In a `<urlset>`: a page.
    Page(&'a str),
    /// In a `<sitemapindex>`: a further sitemap.
    Sitemap(&'a str),
}

/// Reads a sitemap body, gunzipping it first when it is gzip (by its magic bytes: servers label
/// `.xml.gz` files in many ways), and hands each `<loc>` to `take` until it says to stop.
pub fn read(body: &[u8], take: impl FnMut(Loc<'_>) -> ControlFlow<()>) -> Result<(), String> {
    if body.starts_with(&[0x1f, 0x8b]) {
        // One byte past the limit tells a bomb from a sitemap of exactly 50 MB.
        let gunzipped = GzDecoder::new(body).take(MAX_BYTES as u64 + 1);
        let mut counted = Counted {
            inner: gunzipped,
            read: 0,
        };
        let result = events(BufReader::new(&mut counted), take);
        if counted.read > MAX_BYTES {
            return Err(format!("larger than {MAX_BYTES} bytes uncompressed"));
        }
        result.map_err(|e| match e {
            Failure::Gzip(e) => format!("not valid gzip: {e}"),
            Failure::Xml(e) => e,
        })
    } else {
        events(body, take).map_err(|e| match e {
            Failure::Gzip(e) | Failure::Xml(e) => e,
        })
    }
}

fn not_utf8(e: quick_xml::encoding::EncodingError) -> Failure {
    Failure::Xml(format!("not UTF-8: {e}"))
}

/// Why a sitemap could not be read: its compression, or its XML.
enum Failure {
    Gzip(String),
    Xml(String),
}

/// Counts what the decompressor gave, to tell a sitemap cut at the limit.
struct Counted<R> {
    inner: R,
    read: usize,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

fn events(
    source: impl BufRead,
    mut take: impl FnMut(Loc<'_>) -> ControlFlow<()>,
) -> Result<(), Failure> {
    let mut reader = Reader::from_reader(source);
    let mut buf = Vec::new();
    // The element a <loc> is in (`url` or `sitemap`), the <loc>'s text so far.
    let mut parent: Option<Vec<u8>> = None;
    let mut loc: Option<String> = None;
    let mut last_start = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| match e {
            quick_xml::Error::Io(io) => Failure::Gzip(io.to_string()),
            other => Failure::Xml(format!("not a sitemap: {other}")),
        })?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_vec();
                if name == b"loc" {
                    parent = Some(std::mem::take(&mut last_start));
                    loc = Some(String::new());
                } else {
                    last_start = name;
                }
            }
            // Text is decoded only inside a <loc>: the rest is never looked at.
            Event::Text(text) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&text.decode().map_err(not_utf8)?);
                }
            }
            Event::CData(data) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&data.decode().map_err(not_utf8)?);
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(loc) = loc.as_mut() {
                    let bad =
                        || Failure::Xml("not a sitemap: an unknown entity in a <loc>".to_owned());
                    match reference.resolve_char_ref().map_err(|_| bad())? {
                        Some(c) => loc.push(c),
                        None => {
                            let name = reference.decode().map_err(|_| bad())?;
                            loc.push_str(resolve_xml_entity(&name).ok_or_else(bad)?);
                        }
                    }
                }
            }
            Event::End(end) if end.local_name().as_ref() == b"loc" => {
                if let (Some(text), Some(parent)) = (loc.take(), parent.take()) {
                    let text = text.trim();
                    let found = match parent.as_slice() {
                        b"url" => Some(Loc::Page(text)),
                        b"sitemap" => Some(Loc::Sitemap(text)),
                        _ => None,
                    };
                    if let Some(found) = found
                        && take(found).is_break()
                    {
                        return Ok(());
                    }
                }
            }
            Event::Eof => {
                return if loc.is_some() {
                    Err(Failure::Xml(
                        "not a sitemap: it ends inside a <loc>".to_owned(),
                    ))
                } else {
                    Ok(())
                };
            }
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    /// What `read` finds, all of it.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct Sitemap {
        pages: Vec<String>,
        sitemaps: Vec<String>,
    }

    fn parse(body: &[u8]) -> Result<Sitemap, String> {
        let mut found = Sitemap::default();
        read(body, |loc| {
            match loc {
                Loc::Page(p) => found.pages.push(p.to_owned()),
                Loc::Sitemap(s) => found.sitemaps.push(s.to_owned()),
            }
            ControlFlow::Continue(())
        })?;
        Ok(found)
    }

    const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://example.com/docs/a.html</loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>
    https://example.com/docs/b.html?x=1&amp;y=2
  </loc><priority>0.5</priority></url>
</urlset>"#;

    #[test]
    fn a_urlset_lists_pages_with_entities_decoded() {
        let sitemap = parse(URLSET.as_bytes()).unwrap();
        assert_eq!(
            sitemap.pages,
            [
                "https://example.com/docs/a.html",
                "https://example.com/docs/b.html?x=1&y=2"
            ]
        );
        assert!(sitemap.sitemaps.is_empty());
    }

    #[test]
    fn an_index_lists_sitemaps_and_gzip_is_read() {
        let index = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>https://example.com/sitemap-docs.xml.gz</loc></sitemap>
        </sitemapindex>"#;
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(index.as_bytes()).unwrap();
        let sitemap = parse(&gz.finish().unwrap()).unwrap();
        assert_eq!(
            sitemap.sitemaps,
            ["https://example.com/sitemap-docs.xml.gz"]
        );
        assert!(sitemap.pages.is_empty());
    }

    #[test]
    fn bad_sitemaps_are_named_not_trusted() {
        assert!(
            parse(b"<html><body>Not found</body></html>").is_ok_and(|s| s == Sitemap::default())
        );
        assert!(
            parse(b"<urlset><url><loc>x</url>")
                .unwrap_err()
                .starts_with("not a sitemap")
        );
        assert!(
            parse(&[0x1f, 0x8b, 0, 1, 2])
                .unwrap_err()
                .starts_with("not valid gzip")
        );
        // A gzip bomb: 60 MB of zeros in about 60 KB.
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&vec![b' '; 60 * 1024 * 1024]).unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 1024 * 1024);
        assert!(parse(&bomb).unwrap_err().contains("larger than"));
    }

    #[test]
    fn the_reader_stops_when_told() {
        let mut urlset = String::from("<urlset>");
        for n in 0..1000 {
            urlset.push_str(&format!("<url><loc>https://example.com/{n}</loc></url>"));
        }
        urlset.push_str("<url><loc>broken");
        let mut taken = 0;
        read(urlset.as_bytes(), |_| {
            taken += 1;
            if taken == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(taken, 10, "and the broken end was never read");
    }
}
