//! Sitemaps (sitemaps.org): the `Sitemap:` lines of robots.txt and the site's `/sitemap.xml`,
//! plain or gzipped, a `<urlset>` of pages or a `<sitemapindex>` of further sitemaps. Read
//! with quick-xml's serde reader (entities decoded, namespaces and other elements ignored) and
//! flate2, each within the protocol's 50 MB.

use flate2::read::GzDecoder;
use serde::Deserialize;
use std::io::Read;

/// The protocol's limit on a sitemap, uncompressed.
pub const MAX_BYTES: usize = 50 * 1024 * 1024;

/// What one sitemap lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// `<urlset>`: pages.
    pub pages: Vec<String>,
    /// `<sitemapindex>`: further sitemaps.
    pub sitemaps: Vec<String>,
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    url: Vec<Loc>,
    #[serde(default)]
    sitemap: Vec<Loc>,
}

#[derive(Deserialize)]
struct Loc {
    loc: String,
}

/// Parses a sitemap body, gunzipping it first when it is gzip (by its magic bytes: servers
/// label `.xml.gz` files in many ways).
pub fn parse(body: &[u8]) -> Result<Sitemap, String> {
    let text = if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(body)
            .take(MAX_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("not valid gzip: {e}"))?;
        if out.len() > MAX_BYTES {
            return Err(format!("larger than {MAX_BYTES} bytes uncompressed"));
        }
        out
    } else {
        body.to_vec()
    };
    let text = std::str::from_utf8(&text).map_err(|e| format!("not UTF-8: {e}"))?;
    let document: Document =
        quick_xml::de::from_str(text).map_err(|e| format!("not a sitemap: {e}"))?;
    let locs = |list: Vec<Loc>| list.into_iter().map(|l| l.loc.trim().to_owned()).collect();
    Ok(Sitemap {
        pages: locs(document.url),
        sitemaps: locs(document.sitemap),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

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
}
