//! A WordPress-like REST API on 127.0.0.1 for local runs and tests: the `/wp-json/wp/v2/<type>`
//! routes with `page` / `per_page`, the `X-WP-Total` / `X-WP-TotalPages` / `Link` headers and
//! WordPress's own errors, data shaped like real responses, and faults chosen per request:
//!
//! `?fault=500|html|truncated|slow|429|redirect|lie_pages|empty|short[&times=N][&fault_page=P]`
//! `[&delay_ms=D][&to=URL]` makes the first `N` requests for that route and page fail that way
//! (every request when `times` is absent), on every page or only on page `P`. `redirect` answers
//! 302 to `to` (a path or a URL) with the request's `per_page` and `page`; `lie_pages` announces
//! one page in `X-WP-TotalPages`; `empty` answers `[]` and `short` drops the page's last item,
//! both with the true `X-WP-Total`.
//!
//! Like WordPress, posts, pages and media take `modified_after` (items modified later than it,
//! by the site-local `modified`, WordPress's `post_modified` column), which comments, users and
//! terms ignore; every type takes
//! `orderby=id|modified`, `order=asc|desc`, `include=ID,…` and `_fields=id`. The site changes as a real one does
//! ([`FakeWordPress::edit`], [`FakeWordPress::add`], [`FakeWordPress::delete`]), also while a client
//! reads it ([`FakeWordPress::on_request`]); a site in a process of its own takes the same changes
//! as `POST /_fake/edit|add|delete/{type}/{id}`.
//!
//! A site with [`Site::password`] has drafts ([`Site::drafts`]) and an application password for
//! [`USER`], as WordPress does: posts and pages take `status` (`publish` by default, `any`, or a
//! list), any status but `publish` needs HTTP Basic authentication, and wrong credentials are
//! refused with 401 `incorrect_password` whatever is asked.

use crate::lock;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// The content types the server knows, as in `/wp-json/wp/v2/<type>`.
pub const TYPES: [&str; 7] = [
    "posts",
    "pages",
    "categories",
    "tags",
    "users",
    "comments",
    "media",
];

/// The user the fake site's application password belongs to.
pub const USER: &str = "etl";

/// How many items of each type the site has.
#[derive(Debug, Clone)]
pub struct Site {
    pub counts: HashMap<String, usize>,
    /// Draft posts, after the published ones; only an authenticated client lists them.
    pub drafts: usize,
    /// [`USER`]'s application password; `None` for a site without authentication.
    pub password: Option<String>,
}

impl Default for Site {
    /// 250 posts (three pages of 100), and a handful of everything else.
    fn default() -> Self {
        let counts = [
            ("posts", 250),
            ("pages", 12),
            ("categories", 8),
            ("tags", 30),
            ("users", 4),
            ("comments", 140),
            ("media", 25),
        ];
        Site {
            counts: counts.map(|(k, n)| (k.to_owned(), n)).into(),
            drafts: 0,
            password: None,
        }
    }
}

/// A change to the site's items, made once before a chosen request is served.
type Change = Box<dyn FnOnce(&mut Items) + Send>;

struct Shared {
    base: String,
    /// The `Authorization` header that [`USER`]'s application password gives.
    authorization: Option<String>,
    items: Mutex<Items>,
    requests: Mutex<Vec<String>>,
    faults_served: Mutex<HashMap<String, u32>>,
    on_request: Mutex<HashMap<(String, usize), Change>>,
    served: Mutex<HashMap<String, usize>>,
}

/// The site's items by content type, and the clock their edits are stamped with.
pub struct Items {
    by_kind: HashMap<String, Vec<Value>>,
    base: String,
    /// Seconds past 2026-12-01T00:00:00 of the last edit.
    clock: u64,
}

impl Items {
    fn now(&mut self) -> String {
        self.clock += 1;
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t + chrono::Duration::seconds(self.clock as i64))
            .unwrap_or_default();
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    }

    /// Edits an item as WordPress would: new text in its title (posts, pages, media), name
    /// (terms, users) or content (comments), and, where it has them, `modified` and
    /// `modified_gmt` now.
    pub fn edit(&mut self, kind: &str, id: u64) {
        let now = self.now();
        let Some(item) = self.find(kind, id) else {
            return;
        };
        let text = format!("Edited at {now}");
        if item.get("modified").is_some() {
            item["modified"] = json!(now);
            item["modified_gmt"] = json!(now);
        }
        if item.get("title").is_some() {
            item["title"] = json!({"rendered": text});
        } else if item.get("name").is_some() {
            item["name"] = json!(text);
        } else {
            item["content"] = json!({"rendered": text});
        }
    }

    /// Adds an item, modified now; returns its id.
    pub fn add(&mut self, kind: &str) -> u64 {
        let now = self.now();
        let base = self.base.clone();
        let items = self.by_kind.entry(kind.to_owned()).or_default();
        let id = items
            .iter()
            .filter_map(|i| i["id"].as_u64())
            .max()
            .unwrap_or(0)
            + 1;
        let mut item = generate(kind, id as usize, &base).pop().unwrap_or_default();
        item["modified"] = json!(now);
        item["modified_gmt"] = json!(now);
        items.push(item);
        id
    }

    pub fn delete(&mut self, kind: &str, id: u64) {
        if let Some(items) = self.by_kind.get_mut(kind) {
            items.retain(|i| i["id"].as_u64() != Some(id));
        }
    }

    /// Every item of a type, as a full extraction would see it, ordered by id.
    pub fn all(&self, kind: &str) -> Vec<Value> {
        let mut items = self.by_kind.get(kind).cloned().unwrap_or_default();
        items.sort_by_key(|i| i["id"].as_u64());
        items
    }

    fn find(&mut self, kind: &str, id: u64) -> Option<&mut Value> {
        self.by_kind
            .get_mut(kind)?
            .iter_mut()
            .find(|i| i["id"].as_u64() == Some(id))
    }
}

/// A running fake WordPress site. Dropping it stops the server.
pub struct FakeWordPress {
    base: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeWordPress {
    /// Serves `site` on a free port of 127.0.0.1.
    pub async fn start(site: &Site) -> std::io::Result<Self> {
        Self::start_on(0, site).await
    }

    /// Serves `site` on `port` of 127.0.0.1 (0 picks a free one).
    pub async fn start_on(port: u16, site: &Site) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let mut by_kind: HashMap<String, Vec<Value>> = site
            .counts
            .iter()
            .map(|(kind, n)| (kind.clone(), generate(kind, *n, &base)))
            .collect();
        if site.drafts > 0 {
            let published = site.counts.get("posts").copied().unwrap_or(0);
            let mut posts = generate("posts", published + site.drafts, &base);
            for draft in &mut posts[published..] {
                draft["status"] = json!("draft");
            }
            by_kind.insert("posts".to_owned(), posts);
        }
        let authorization = site.password.as_ref().map(|password| {
            let pair = format!("{USER}:{password}");
            format!("Basic {}", aws_smithy_types::base64::encode(pair))
        });
        let shared = Arc::new(Shared {
            base: base.clone(),
            authorization,
            items: Mutex::new(Items {
                by_kind,
                base: base.clone(),
                clock: 0,
            }),
            requests: Mutex::default(),
            faults_served: Mutex::default(),
            on_request: Mutex::default(),
            served: Mutex::default(),
        });
        let app = Router::new()
            .route("/wp-json/wp/v2/{kind}", axum::routing::get(list))
            .route("/_fake/{change}/{kind}/{id}", axum::routing::post(change))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            // The server only ends with the process or the handle's abort.
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeWordPress {
            base,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The endpoint URL for a content type, e.g. `endpoint("posts")`.
    pub fn endpoint(&self, kind: &str) -> String {
        format!("{}/wp-json/wp/v2/{kind}", self.base)
    }

    /// Every request served so far, as `path?query`.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.requests).clone()
    }

    /// Changes the site's items now.
    pub fn change(&self, change: impl FnOnce(&mut Items)) {
        change(&mut lock(&self.shared.items));
    }

    pub fn edit(&self, kind: &str, id: u64) {
        self.change(|items| items.edit(kind, id));
    }

    pub fn add(&self, kind: &str) -> u64 {
        let mut id = 0;
        self.change(|items| id = items.add(kind));
        id
    }

    pub fn delete(&self, kind: &str, id: u64) {
        self.change(|items| items.delete(kind, id));
    }

    /// Every item of a type as a full extraction would see it now, ordered by id.
    pub fn all(&self, kind: &str) -> Vec<Value> {
        lock(&self.shared.items).all(kind)
    }

    /// Changes the site's items once, right before the `n`th request for `kind` from now on is
    /// served (1 for the next): a change while a client reads the site.
    pub fn on_request(
        &self,
        kind: &str,
        n: usize,
        change: impl FnOnce(&mut Items) + Send + 'static,
    ) {
        let served = lock(&self.shared.served).get(kind).copied().unwrap_or(0);
        lock(&self.shared.on_request).insert((kind.to_owned(), served + n), Box::new(change));
    }

    /// Waits until the server stops (it does not, unless its task fails).
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }
}

impl Drop for FakeWordPress {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path(kind): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    lock(&shared.requests).push(uri.to_string());
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let authenticated = match (sent, &shared.authorization) {
        (None, _) | (Some(_), None) => false,
        (Some(sent), Some(expected)) if sent == expected => true,
        (Some(_), Some(_)) => {
            return wp_error(
                StatusCode::UNAUTHORIZED,
                "incorrect_password",
                "The provided password is an invalid application password.",
            );
        }
    };
    let page: usize = match query.get("page").map(|p| p.parse()) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => return invalid_param("page"),
    };
    let nth = {
        let mut served = lock(&shared.served);
        let n = served.entry(kind.clone()).or_default();
        *n += 1;
        *n
    };
    let change = lock(&shared.on_request).remove(&(kind.clone(), nth));
    if let Some(change) = change {
        change(&mut lock(&shared.items));
    }
    let per_page: usize = match query.get("per_page").map(|p| p.parse()) {
        None => 10,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid_param("per_page"),
    };
    let fault_page: Option<usize> = query.get("fault_page").and_then(|p| p.parse().ok());
    let mut lie = None;
    if let Some(fault) = query
        .get("fault")
        .filter(|_| fault_page.is_none_or(|p| p == page))
    {
        let times: Option<u32> = query.get("times").and_then(|t| t.parse().ok());
        let key = format!("{kind}|{fault}|{page}");
        let served = {
            let mut counts = lock(&shared.faults_served);
            let n = counts.entry(key).or_default();
            *n += 1;
            *n
        };
        if times.is_none_or(|t| served <= t) {
            if matches!(fault.as_str(), "lie_pages" | "empty" | "short") {
                lie = Some(fault.clone());
            } else if fault == "redirect" {
                let to = query.get("to").map_or("/", String::as_str);
                let location = format!("{to}?per_page={per_page}&page={page}");
                return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
            }
            let delay = query.get("delay_ms").and_then(|d| d.parse().ok());
            if let Some(response) = fault_response(fault, delay).await {
                return response;
            }
        }
    }

    // The items are filtered and ordered by reference; only the page served is copied, so a
    // site of many thousand items answers each page quickly.
    let site = lock(&shared.items);
    let Some(all) = site.by_kind.get(&kind) else {
        return wp_error(
            StatusCode::NOT_FOUND,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        );
    };
    let mut items: Vec<&Value> = all.iter().collect();
    // modified_after, on the types whose controller takes it (WordPress ignores it elsewhere).
    if let Some(after) = query.get("modified_after")
        && matches!(kind.as_str(), "posts" | "pages" | "media")
    {
        let after: String = after.chars().take(19).collect();
        items.retain(|i| {
            i["modified"]
                .as_str()
                .is_some_and(|m| m[..19.min(m.len())] > *after)
        });
    }
    if matches!(kind.as_str(), "posts" | "pages") {
        let asked: Vec<&str> = query
            .get("status")
            .map_or("publish", String::as_str)
            .split(',')
            .collect();
        if asked.iter().any(|s| *s != "publish") && !authenticated {
            return invalid_param("status");
        }
        items.retain(|i| {
            let status = i["status"].as_str().unwrap_or("publish");
            asked.contains(&status) || (asked.contains(&"any") && status != "trash")
        });
    }
    if let Some(include) = query.get("include") {
        let ids: Vec<u64> = include
            .split(',')
            .filter_map(|i| i.trim().parse().ok())
            .collect();
        items.retain(|i| i["id"].as_u64().is_some_and(|id| ids.contains(&id)));
    }
    let descending = query.get("order").is_none_or(|o| o != "asc");
    match query.get("orderby").map(String::as_str) {
        Some("modified") => {
            items.sort_by_key(|i| (i["modified"].as_str().unwrap_or(""), i["id"].as_u64()));
        }
        Some("id") => items.sort_by_key(|i| i["id"].as_u64()),
        // Unordered: the site's own order (ids as they were added).
        _ => {}
    }
    if descending && query.contains_key("orderby") {
        items.reverse();
    }
    let only_ids = query.get("_fields").map(String::as_str) == Some("id");

    let total = items.len();
    let total_pages = total.div_ceil(per_page);
    if page > total_pages.max(1) {
        return wp_error(
            StatusCode::BAD_REQUEST,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        );
    }
    let start = (page - 1) * per_page;
    let mut shown: Vec<Value> = items
        .iter()
        .skip(start)
        .take(per_page)
        .map(|i| {
            if only_ids {
                json!({"id": i["id"]})
            } else {
                (*i).clone()
            }
        })
        .collect();
    drop(site);
    match lie.as_deref() {
        Some("empty") => shown.clear(),
        Some("short") => {
            shown.pop();
        }
        _ => {}
    }
    let body = Value::Array(shown);
    let mut headers = HeaderMap::new();
    headers.insert("X-WP-Total", HeaderValue::from(total));
    let announced = if lie.as_deref() == Some("lie_pages") {
        1
    } else {
        total_pages
    };
    headers.insert("X-WP-TotalPages", HeaderValue::from(announced));
    if page < total_pages {
        let next = format!(
            "<{}/wp-json/wp/v2/{kind}?page={}&per_page={per_page}>; rel=\"next\"",
            shared.base,
            page + 1
        );
        if let Ok(v) = HeaderValue::from_str(&next) {
            headers.insert(header::LINK, v);
        }
    }
    json(StatusCode::OK, headers, &body)
}

/// The changes of [`FakeWordPress::edit`], [`FakeWordPress::add`] and [`FakeWordPress::delete`]
/// over HTTP, for a site served in a process of its own (`POST /_fake/edit/posts/7`; `add`
/// ignores the id and answers the new one).
async fn change(
    State(shared): State<Arc<Shared>>,
    Path((change, kind, id)): Path<(String, String, u64)>,
) -> Response {
    let mut items = lock(&shared.items);
    match change.as_str() {
        "edit" => items.edit(&kind, id),
        "add" => return items.add(&kind).to_string().into_response(),
        "delete" => items.delete(&kind, id),
        _ => return StatusCode::NOT_FOUND.into_response(),
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn fault_response(fault: &str, delay_ms: Option<u64>) -> Option<Response> {
    let html = [(header::CONTENT_TYPE, "text/html; charset=UTF-8")];
    Some(match fault {
        "500" => wp_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "There has been a critical error on this website.",
        ),
        "429" => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "0")],
            "Too Many Requests",
        )
            .into_response(),
        "html" => (
            html,
            "<!DOCTYPE html><html><head><title>Maintenance</title></head>\
             <body><h1>Briefly unavailable for scheduled maintenance.</h1></body></html>",
        )
            .into_response(),
        "truncated" => (
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            r#"[{"id":1,"title":{"rendered":"Cut off"#,
        )
            .into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_millis(delay_ms.unwrap_or(10_000))).await;
            return None;
        }
        _ => return None,
    })
}

fn wp_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "data": {"status": status.as_u16()}});
    json(status, HeaderMap::new(), &body)
}

/// A JSON response as WordPress sends it.
fn json(status: StatusCode, mut headers: HeaderMap, body: &Value) -> Response {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    (status, headers, body.to_string()).into_response()
}

fn invalid_param(name: &str) -> Response {
    wp_error(
        StatusCode::BAD_REQUEST,
        "rest_invalid_param",
        &format!("Invalid parameter(s): {name}"),
    )
}

/// `count` items of one content type, as WordPress's REST API returns them (view context).
pub fn generate(kind: &str, count: usize, base: &str) -> Vec<Value> {
    (1..=count)
        .map(|id| match kind {
            "posts" => post(id, base),
            "pages" => page(id, base),
            "categories" => term(id, "category", base),
            "tags" => term(id, "post_tag", base),
            "users" => user(id, base),
            "comments" => comment(id, base),
            "media" => media(id, base),
            _ => json!({"id": id}),
        })
        .collect()
}

/// Deterministic text: the same id always gives the same words.
fn words(seed: usize, n: usize) -> String {
    const WORDS: [&str; 24] = [
        "lambda",
        "data",
        "lakehouse",
        "bronze",
        "parquet",
        "glue",
        "session",
        "athena",
        "query",
        "bucket",
        "event",
        "rule",
        "schedule",
        "state",
        "machine",
        "cost",
        "alarm",
        "topic",
        "python",
        "rust",
        "pipeline",
        "wordpress",
        "api",
        "json",
    ];
    let mut x = seed as u64 ^ 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            WORDS[(x % WORDS.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A date in 2024 for an id, local (UTC+1) and GMT, as WordPress writes them: no zone.
fn dates(id: usize) -> (String, String) {
    let day = id % 28 + 1;
    let month = id / 28 % 12 + 1;
    let hour = id % 23;
    let minute = id * 7 % 60;
    (
        format!("2024-{month:02}-{day:02}T{:02}:{minute:02}:00", hour + 1),
        format!("2024-{month:02}-{day:02}T{hour:02}:{minute:02}:00"),
    )
}

fn links(base: &str, route: &str, id: usize, terms: bool) -> Value {
    let mut links = json!({
        "self": [{"href": format!("{base}/wp-json/wp/v2/{route}/{id}"), "targetHints": {"allow": ["GET"]}}],
        "collection": [{"href": format!("{base}/wp-json/wp/v2/{route}")}],
        "about": [{"href": format!("{base}/wp-json/wp/v2/types/{route}")}],
        "author": [{"embeddable": true, "href": format!("{base}/wp-json/wp/v2/users/1")}],
        "curies": [{"name": "wp", "href": "https://api.w.org/{rel}", "templated": true}],
    });
    if terms {
        links["wp:attachment"] =
            json!([{"href": format!("{base}/wp-json/wp/v2/media?parent={id}")}]);
        links["wp:term"] = json!([
            {"taxonomy": "category", "embeddable": true, "href": format!("{base}/wp-json/wp/v2/categories?post={id}")},
            {"taxonomy": "post_tag", "embeddable": true, "href": format!("{base}/wp-json/wp/v2/tags?post={id}")},
        ]);
    }
    links
}

fn post(id: usize, base: &str) -> Value {
    let (date, date_gmt) = dates(id);
    let paragraphs: Vec<String> = (0..6)
        .map(|p| format!("<p>{}</p>\n", words(id * 10 + p, 60)))
        .collect();
    json!({
        "id": id,
        "date": date,
        "date_gmt": date_gmt,
        "guid": {"rendered": format!("{base}/?p={id}")},
        "modified": date,
        "modified_gmt": date_gmt,
        "slug": format!("post-{id}"),
        "status": "publish",
        "type": "post",
        "link": format!("{base}/{id}/post-{id}/"),
        "title": {"rendered": format!("Post {id}: {}", words(id, 5))},
        "content": {"rendered": paragraphs.concat(), "protected": false},
        "excerpt": {"rendered": format!("<p>{} [&hellip;]</p>\n", words(id, 30)), "protected": false},
        "author": id % 4 + 1,
        "featured_media": if id.is_multiple_of(3) { id % 25 + 1 } else { 0 },
        "comment_status": "open",
        "ping_status": "open",
        "sticky": id.is_multiple_of(50),
        "template": "",
        "format": "standard",
        // Older posts come back with an empty list where newer ones have an object.
        "meta": if id.is_multiple_of(5) { json!([]) } else { json!({"footnotes": ""}) },
        "categories": [id % 8 + 1],
        "tags": if id.is_multiple_of(4) { json!([]) } else { json!([id % 30 + 1, (id + 7) % 30 + 1]) },
        "class_list": [format!("post-{id}"), "post", "type-post", "status-publish", "format-standard", "hentry"],
        "_links": links(base, "posts", id, true),
    })
}

fn page(id: usize, base: &str) -> Value {
    let (date, date_gmt) = dates(id);
    json!({
        "id": 1000 + id,
        "date": date,
        "date_gmt": date_gmt,
        "guid": {"rendered": format!("{base}/?page_id={}", 1000 + id)},
        "modified": date,
        "modified_gmt": date_gmt,
        "slug": format!("page-{id}"),
        "status": "publish",
        "type": "page",
        "link": format!("{base}/page-{id}/"),
        "title": {"rendered": format!("Page {id}")},
        "content": {"rendered": format!("<p>{}</p>\n", words(id, 80)), "protected": false},
        "excerpt": {"rendered": format!("<p>{}</p>\n", words(id, 20)), "protected": false},
        "author": 1,
        "featured_media": 0,
        "parent": if id > 3 { 1001 } else { 0 },
        "menu_order": id,
        "comment_status": "closed",
        "ping_status": "closed",
        "template": "",
        "meta": {"footnotes": ""},
        "class_list": [format!("post-{}", 1000 + id), "page", "type-page", "status-publish", "hentry"],
        "_links": links(base, "pages", 1000 + id, false),
    })
}

fn term(id: usize, taxonomy: &str, base: &str) -> Value {
    let route = if taxonomy == "category" {
        "categories"
    } else {
        "tags"
    };
    let name = words(id + 77, 2);
    json!({
        "id": id,
        "count": id * 3 % 17,
        "description": if id.is_multiple_of(2) { words(id, 8) } else { String::new() },
        "link": format!("{base}/{taxonomy}/{}/", name.replace(' ', "-")),
        "name": name,
        "slug": name.replace(' ', "-"),
        "taxonomy": taxonomy,
        "parent": if taxonomy == "category" && id > 4 { json!(1) } else { json!(0) },
        "meta": [],
        "_links": {
            "self": [{"href": format!("{base}/wp-json/wp/v2/{route}/{id}")}],
            "collection": [{"href": format!("{base}/wp-json/wp/v2/{route}")}],
            "wp:post_type": [{"href": format!("{base}/wp-json/wp/v2/posts?{route}={id}")}],
            "curies": [{"name": "wp", "href": "https://api.w.org/{rel}", "templated": true}],
        },
    })
}

fn user(id: usize, base: &str) -> Value {
    let gravatar = "https://secure.gravatar.com/avatar/0?s=";
    json!({
        "id": id,
        "name": format!("Author {id}"),
        "url": "",
        "description": words(id, 12),
        "link": format!("{base}/author/author-{id}/"),
        "slug": format!("author-{id}"),
        "avatar_urls": {"24": format!("{gravatar}24"), "48": format!("{gravatar}48"), "96": format!("{gravatar}96")},
        "meta": [],
        "_links": {
            "self": [{"href": format!("{base}/wp-json/wp/v2/users/{id}")}],
            "collection": [{"href": format!("{base}/wp-json/wp/v2/users")}],
        },
    })
}

fn comment(id: usize, base: &str) -> Value {
    let (date, date_gmt) = dates(id);
    json!({
        "id": id,
        "post": id % 250 + 1,
        "parent": if id.is_multiple_of(6) { id - 1 } else { 0 },
        "author": if id.is_multiple_of(3) { id % 4 + 1 } else { 0 },
        "author_name": format!("Reader {id}"),
        "author_url": "",
        "date": date,
        "date_gmt": date_gmt,
        "content": {"rendered": format!("<p>{}</p>\n", words(id + 5000, 25))},
        "link": format!("{base}/{0}/post-{0}/#comment-{id}", id % 250 + 1),
        "status": "approved",
        "type": "comment",
        "author_avatar_urls": {"24": "https://secure.gravatar.com/avatar/1?s=24"},
        "meta": [],
        "_links": links(base, "comments", id, false),
    })
}

fn media(id: usize, base: &str) -> Value {
    let (date, date_gmt) = dates(id);
    let file = format!("2024/01/image-{id}.png");
    json!({
        "id": 2000 + id,
        "date": date,
        "date_gmt": date_gmt,
        "guid": {"rendered": format!("{base}/wp-content/uploads/{file}")},
        "modified": date,
        "modified_gmt": date_gmt,
        "slug": format!("image-{id}"),
        "status": "inherit",
        "type": "attachment",
        "link": format!("{base}/image-{id}/"),
        "title": {"rendered": format!("image-{id}")},
        "author": 1,
        "featured_media": 0,
        "comment_status": "open",
        "ping_status": "closed",
        "template": "",
        "meta": [],
        "class_list": [format!("post-{}", 2000 + id), "attachment", "type-attachment"],
        "description": {"rendered": format!("<p class=\"attachment\">{}</p>\n", words(id, 6))},
        "caption": {"rendered": ""},
        "alt_text": "",
        "media_type": "image",
        "mime_type": "image/png",
        "media_details": {
            "width": 1200, "height": 630, "file": file, "filesize": 40_000 + id,
            "sizes": {"thumbnail": {"file": format!("image-{id}-150x150.png"), "width": 150, "height": 150}},
            "image_meta": {"aperture": "0", "credit": "", "camera": "", "keywords": []},
        },
        "post": if id.is_multiple_of(2) { json!(id) } else { Value::Null },
        "source_url": format!("{base}/wp-content/uploads/{file}"),
        "_links": links(base, "media", 2000 + id, false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_shaped_like_wordpress() {
        let posts = generate("posts", 20, "http://127.0.0.1:1");
        assert_eq!(posts.len(), 20);
        assert_eq!(posts[0]["id"], 1);
        assert!(posts[0]["title"]["rendered"].is_string());
        assert!(posts[0]["_links"]["wp:term"].is_array());
        assert!(posts.iter().any(|p| p["meta"] == json!([])));
        assert!(posts.iter().any(|p| p["meta"].is_object()));
        assert!(posts.iter().any(|p| p["tags"] == json!([])));
    }
}
