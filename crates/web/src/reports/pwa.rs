//! The reporting page as an installable web app: a manifest and a service worker scoped to
//! `/phan-anh/`. The worker keeps the page and its assets for offline use; drafts composed offline
//! (photos included) live in IndexedDB and are sent by `static/reports.js` when the connection
//! returns, each with its own idempotency key so a retried send never files a report twice.

use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::shell::page::PageContext;

/// `GET /phan-anh/manifest.webmanifest`.
pub async fn manifest(ctx: PageContext) -> Response {
    let body = json!({
        "name": ctx.t("reports.app_name"),
        "short_name": ctx.t("reports.app_short_name"),
        "lang": ctx.lang_code(),
        "start_url": "/phan-anh",
        "scope": "/phan-anh",
        "display": "standalone",
        "background_color": "#f4f1ea",
        "theme_color": "#5b2a86",
        "icons": [{"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    });
    let mut r = body.to_string().into_response();
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/manifest+json"));
    r
}

/// The service worker: network first for pages (so a fresh CSRF token and data come when online),
/// the cached copy when offline; assets from the cache.
const SERVICE_WORKER: &str = include_str!("../../static/reports-sw.js");

/// `GET /phan-anh/sw.js`, served under `/phan-anh/` so its scope covers the reporting pages.
pub async fn service_worker() -> Response {
    let mut r = SERVICE_WORKER.into_response();
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Lets the worker control `/phan-anh` itself, not only what lies under `/phan-anh/`.
    r.headers_mut().insert("service-worker-allowed", HeaderValue::from_static("/phan-anh"));
    r
}
