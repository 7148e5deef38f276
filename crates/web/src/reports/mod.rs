//! `reports`: field reports (phản ánh hiện trường) on the web — the citizen's reporting page and the
//! public page of a report ([`citizen`]), the IOC's verification and routing ([`ioc`]), the handling
//! unit's work ([`unit`]), the public map and statistics ([`map`]), the actions' rules
//! ([`workflow`]), notifications ([`notifications`]), the installable reporting app ([`pwa`]) and the
//! Open311 GeoReport v2 API with mySociety's updates ([`open311`] reads, [`open311_write`] writes) and the
//! administrators' page of partner keys ([`partner_keys`]).

pub mod citizen;
pub mod ioc;
pub mod map;
pub mod notifications;
pub mod open311;
pub mod open311_cache;
pub mod open311_write;
pub mod partner_keys;
pub mod pwa;
pub mod unit;
pub mod workflow;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// Routes of the reports capability.
pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route("/phan-anh", get(citizen::new_report).post(citizen::submit_report))
        .route("/don-vi/phan-anh/{id}", get(unit::report).post(unit::act))
        .layer(DefaultBodyLimit::max(citizen::MAX_REPORT_BYTES));
    Router::new()
        .route("/phan-anh/gan-day", get(citizen::nearby))
        .route("/phan-anh/ban-do", get(map::page))
        .route("/phan-anh/ban-do.geojson", get(map::geojson))
        .route("/phan-anh/ranh-gioi.geojson", get(map::ward_outlines))
        .route("/phan-anh/manifest.webmanifest", get(pwa::manifest))
        .route("/phan-anh/sw.js", get(pwa::service_worker))
        .route("/phan-anh/{id}", get(citizen::report))
        .route("/phan-anh/{id}/danh-gia", post(citizen::rate))
        .route("/phan-anh/{id}/ung-ho", post(citizen::support))
        .route("/phan-anh/{id}/anh/{photo}", get(citizen::photo))
        .route("/ioc/phan-anh", get(ioc::queue))
        .route("/ioc/phan-anh/{id}", get(ioc::report).post(ioc::act))
        .route("/don-vi/phan-anh", get(unit::queue))
        .merge(open311::router())
        .merge(partner_keys::router())
        .merge(uploads)
}
