//! Static assets compiled into the binary, so one file is the whole platform. Names carry no
//! hash; they are served with a short cache lifetime and change only with a release.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Every embedded asset: file name, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../../static/htmx.min.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../../static/favicon.svg")),
    ("ioc.js", "text/javascript; charset=utf-8", include_bytes!("../../static/ioc.js")),
    // Field reports: Leaflet 1.9.4 from npm (`dist/`; the stylesheet's `images/` URLs point at the
    // flat `leaflet-*.png` names below), the reporting and map script.
    ("leaflet.js", "text/javascript; charset=utf-8", include_bytes!("../../static/leaflet.js")),
    ("leaflet.css", "text/css; charset=utf-8", include_bytes!("../../static/leaflet.css")),
    ("leaflet-marker-icon.png", "image/png", include_bytes!("../../static/leaflet-marker-icon.png")),
    ("leaflet-marker-icon-2x.png", "image/png", include_bytes!("../../static/leaflet-marker-icon-2x.png")),
    ("leaflet-marker-shadow.png", "image/png", include_bytes!("../../static/leaflet-marker-shadow.png")),
    ("leaflet-layers.png", "image/png", include_bytes!("../../static/leaflet-layers.png")),
    ("leaflet-layers-2x.png", "image/png", include_bytes!("../../static/leaflet-layers-2x.png")),
    ("reports.js", "text/javascript; charset=utf-8", include_bytes!("../../static/reports.js")),
    // The base map every map page shares (tiles when configured, ward outlines always), and place pins.
    ("maps.js", "text/javascript; charset=utf-8", include_bytes!("../../static/maps.js")),
    ("environment.js", "text/javascript; charset=utf-8", include_bytes!("../../static/environment.js")),
];

/// `GET /static/{name}`.
pub async fn serve_asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => {
            let mut r = (*bytes).into_response();
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            r
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
