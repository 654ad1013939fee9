//! A small web site to crawl, on 127.0.0.1, with every trap a crawler meets: a link cycle, one
//! page linked in seven spellings, redirects in and out of scope and in a loop, a robots.txt
//! disallow, a 404, a 500, a page over the size limit, a PDF, `<base href>`, links to the
//! metadata service and to internal hosts, a sitemap listing a page no link leads to, and a tree
//! of generated pages for long crawls. Every
//! request is recorded, so tests assert on what was fetched.
//!
//! It also serves a directory of files (`serve_dir`), for the crawler benchmark.

use crate::lock;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// Pages under `/tree/`: `/tree/<n>.html` links to its two children and back to the root.
pub const TREE_PAGES: usize = 60;
/// The size of `/docs/huge.html`.
pub const HUGE_PAGE_BYTES: usize = 2 * 1024 * 1024;

const ROBOTS: &str = "User-agent: *\nDisallow: /docs/private/\n";

struct Shared {
    base: String,
    root: Option<PathBuf>,
    /// How long each answer takes (a slow host).
    delay: Duration,
    robots: String,
    requests: Mutex<Vec<String>>,
    user_agents: Mutex<Vec<String>>,
    /// Body bytes sent, in all.
    bytes_sent: Mutex<u64>,
    /// Each request's arrival and answer, from the site's start.
    timings: Mutex<Vec<Timing>>,
    started: std::time::Instant,
}

/// When a request arrived and when its answer was ready, from the site's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub arrived: Duration,
    pub answered: Duration,
}

/// Where a site listens and how it behaves.
#[derive(Debug, Clone, Copy)]
pub struct Host {
    pub ip: std::net::Ipv4Addr,
    pub delay: Duration,
    /// robots.txt's `Crawl-delay`, in seconds.
    pub crawl_delay: Option<f32>,
}

impl Default for Host {
    fn default() -> Self {
        Host {
            ip: std::net::Ipv4Addr::LOCALHOST,
            delay: Duration::ZERO,
            crawl_delay: None,
        }
    }
}

/// A running site. Dropping it stops the server.
pub struct FakeSite {
    base: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeSite {
    /// The test site on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(0, None).await
    }

    /// The test site (`root` = `None`) or the files under `root`, on `port` of 127.0.0.1
    /// (0 picks a free one).
    pub async fn start_on(port: u16, root: Option<&Path>) -> std::io::Result<Self> {
        Self::start_host(Host::default(), port, root).await
    }

    /// The test site or the files under `root` as one host of several: on `host.ip` (a
    /// loopback address), each answer `host.delay` late, robots.txt with `host.crawl_delay`.
    pub async fn start_host(host: Host, port: u16, root: Option<&Path>) -> std::io::Result<Self> {
        if !host.ip.is_loopback() {
            return Err(std::io::Error::other("test sites listen on loopback only"));
        }
        let listener = TcpListener::bind((host.ip, port)).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let robots = match host.crawl_delay {
            Some(seconds) => format!("{ROBOTS}Crawl-delay: {seconds}\n"),
            None => ROBOTS.to_owned(),
        };
        let shared = Arc::new(Shared {
            base: base.clone(),
            root: root.map(Path::to_path_buf),
            delay: host.delay,
            robots,
            requests: Mutex::default(),
            user_agents: Mutex::default(),
            bytes_sent: Mutex::default(),
            timings: Mutex::default(),
            started: std::time::Instant::now(),
        });
        let app = Router::new().fallback(serve).with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeSite {
            base,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Every request's `path?query`, in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.requests).clone()
    }

    /// Every request's User-Agent, in order.
    pub fn user_agents(&self) -> Vec<String> {
        lock(&self.shared.user_agents).clone()
    }

    /// Every request's timing, in order of arrival.
    pub fn timings(&self) -> Vec<Timing> {
        lock(&self.shared.timings).clone()
    }

    /// Body bytes sent so far, in all.
    pub fn bytes_sent(&self) -> u64 {
        *lock(&self.shared.bytes_sent)
    }

    /// Waits until the server stops (it does not, unless its task fails).
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }
}

impl Drop for FakeSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let arrived = shared.started.elapsed();
    tokio::time::sleep(shared.delay).await;
    let response = answer(&shared, request).await;
    lock(&shared.timings).push(Timing {
        arrived,
        answered: shared.started.elapsed(),
    });
    response
}

async fn answer(shared: &Shared, request: Request) -> Response {
    let uri = request.uri();
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    lock(&shared.requests).push(target);
    let agent = header_text(request.headers(), header::USER_AGENT);
    lock(&shared.user_agents).push(agent);
    let path = uri.path().to_owned();
    let if_none_match = header_text(request.headers(), header::IF_NONE_MATCH);
    let response = match &shared.root {
        Some(root) => file(root, &path).await,
        None => page(shared, &path),
    };
    conditional(shared, response, &if_none_match).await
}

/// Every 200 gets an `ETag` from its body; a request whose `If-None-Match` names it gets a 304
/// without the body, as a web server does.
async fn conditional(shared: &Shared, response: Response, if_none_match: &str) -> Response {
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let etag = format!("\"{:016x}\"", shared::input::stable_hash(&body));
    if let Ok(value) = etag.parse() {
        parts.headers.insert(header::ETAG, value);
    }
    if if_none_match == etag {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, axum::body::Body::empty());
    }
    *lock(&shared.bytes_sent) += body.len() as u64;
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn redirect(status: StatusCode, to: &str) -> Response {
    (status, [(header::LOCATION, to.to_owned())]).into_response()
}

fn links(title: &str, hrefs: &[&str], extra: &str) -> Response {
    let anchors: String = hrefs
        .iter()
        .map(|h| format!("<li><a href=\"{h}\">{h}</a></li>\n"))
        .collect();
    html(format!(
        "<!doctype html><html><head><title>{title}</title>{extra}</head><body><h1>{title}</h1>\
         <ul>\n{anchors}</ul></body></html>"
    ))
}

fn page(shared: &Shared, path: &str) -> Response {
    let base = shared.base.as_str();
    match path {
        "/robots.txt" => (
            [(header::CONTENT_TYPE, "text/plain")],
            shared.robots.clone(),
        )
            .into_response(),
        "/docs/" => {
            let spelled = format!("{}/docs/a.html", base.replace("http://", "HTTP://"));
            let hidden = "<!-- <a href=\"/docs/commented.html\">x</a> --><script>\
                          document.write('<a href=\"/docs/scripted.html\">x</a>')</script>";
            links(
                "Test site",
                &[
                    // One page, seven spellings.
                    "a.html",
                    "./a.html#top",
                    &spelled,
                    "/docs/sub/../a.html",
                    "%61.html",
                    "a.html?",
                    "/docs/a.html",
                    "b.html",
                    "old.html",
                    "away.html",
                    "loop1",
                    "missing.html",
                    "broken.html",
                    "huge.html",
                    "manual.pdf",
                    "base.html",
                    "private/secret.html",
                    "/outside.html",
                    "/docsx/page.html",
                    "http://169.254.169.254/latest/meta-data/",
                    "http://127.0.0.1:1/",
                    "http://intranet.test/docs/",
                    "mailto:webmaster@example.com",
                    "javascript:void(0)",
                ],
                hidden,
            )
        }
        // A cycle: a → b → a, both back to the index.
        "/docs/a.html" => links("A", &["b.html", "/docs/", "a.html"], ""),
        "/docs/b.html" => links("B", &["a.html", "./", "c.html"], ""),
        "/docs/c.html" => links("C", &["/docs/"], ""),
        "/docs/old.html" => redirect(StatusCode::MOVED_PERMANENTLY, "/docs/c.html"),
        "/docs/away.html" => redirect(StatusCode::FOUND, "/outside.html"),
        "/docs/loop1" => redirect(StatusCode::FOUND, "loop2"),
        "/docs/loop2" => redirect(StatusCode::FOUND, "loop1"),
        "/docs/broken.html" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "/docs/huge.html" => {
            let filler = "<p>filler</p>\n".repeat(HUGE_PAGE_BYTES / 14 + 1);
            html(format!(
                "<html><body>{filler}<a href=\"/docs/after-huge.html\">x</a></body></html>"
            ))
        }
        "/docs/manual.pdf" => (
            [(header::CONTENT_TYPE, "application/pdf")],
            b"%PDF-1.4\n%%EOF\n".as_slice(),
        )
            .into_response(),
        // Lists one page no link leads to; the rest is linked already, or not to be crawled.
        "/sitemap.xml" => {
            let locs: String = [
                "/docs/a.html",
                "/docs/from-sitemap.html",
                "/docs/private/secret.html",
                "/outside.html",
            ]
            .iter()
            .map(|p| format!("<url><loc>{base}{p}</loc></url>"))
            .collect();
            (
                [(header::CONTENT_TYPE, "application/xml")],
                format!(
                    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{locs}</urlset>"
                ),
            )
                .into_response()
        }
        "/docs/from-sitemap.html" => links("From the sitemap", &["a.html"], ""),
        "/docs/base.html" => links("Base", &["d.html"], "<base href=\"/docs/sub/\">"),
        "/docs/sub/d.html" => links("D", &["../a.html"], ""),
        "/docs/private/secret.html" | "/outside.html" | "/docsx/page.html" => {
            links("Not for crawlers", &[], "")
        }
        _ => match path
            .strip_prefix("/tree/")
            .and_then(|p| p.strip_suffix(".html"))
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if n < TREE_PAGES => {
                let children: Vec<String> = [2 * n + 1, 2 * n + 2]
                    .into_iter()
                    .filter(|c| *c < TREE_PAGES)
                    .map(|c| format!("{c}.html"))
                    .chain(["0.html".to_owned()])
                    .collect();
                let hrefs: Vec<&str> = children.iter().map(String::as_str).collect();
                links(&format!("Tree {n}"), &hrefs, "")
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

/// A file under `root`; a directory serves its `index.html`. Paths with `..` are refused.
async fn file(root: &Path, path: &str) -> Response {
    let relative = path.trim_start_matches('/');
    if relative.split('/').any(|s| s == "..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let mut full = root.join(relative);
    if path.ends_with('/') || full.is_dir() {
        full = full.join("index.html");
    }
    let content_type = match full.extension().and_then(|e| e.to_str()) {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(&full).await {
        Ok(body) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
