//! HTTP face of the Huế smart-city platform: server-rendered pages (askama + htmx), the JSON API
//! under `/api/v1`, and the shell they share (errors, sessions, CSRF, i18n, metrics).
//!
//! A request passes, outermost first: tracing → panic catcher → timeout → body limit → metrics →
//! error rendering (JSON under `/api/`, pages elsewhere) → authentication and CSRF → the
//! capability's handler.

pub mod audit;
pub mod dossiers;
pub mod error;
pub mod i18n;
pub mod identity;
pub mod openapi;
pub mod operations;
pub mod passwords;
pub mod payments;
pub mod portal;
pub mod reports;
pub mod sensing;
pub mod shell;
pub mod transparency;
pub mod units;

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::get;
use smartcity_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{AppError, AppResult};

use shell::page::{PageContext, render};
use shell::throttle::LoginThrottle;

/// Largest request body any route accepts (the upload routes; see `router`).
pub const MAX_UPLOAD_BODY_BYTES: usize = 48 * 1024 * 1024;

/// Settings the web layer needs from the binary's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// How long a login lasts, in hours.
    pub session_hours: i64,
    /// The payment gateway (the built-in sandbox unless real credentials are configured).
    pub payments: payments::PaymentConfig,
    /// Tile URL template of the report maps; empty keeps them offline (ward outlines only).
    pub map_tiles_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 12,
            payments: payments::PaymentConfig::default(),
            map_tiles_url: String::new(),
        }
    }
}

/// Everything a handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub throttle: Arc<LoginThrottle>,
    /// Live changes fanned out to the operations-centre dashboards.
    pub live: Arc<operations::live::LiveHub>,
    /// The operations centre's figures, shared by every dashboard until something changes.
    pub ioc_summary: Arc<operations::summary::SummaryCache>,
    /// Sensing's live parts (the MQTT publisher).
    pub sensing: Arc<sensing::SensingRuntime>,
    /// Rendered unit-site home pages for anonymous visitors (`portal::home_cache`).
    pub home_pages: Arc<portal::home_cache::HomePageCache>,
    /// Rendered Open311 single-request documents (`reports::open311_cache`).
    pub open311_requests: Arc<reports::open311_cache::RequestCache>,
    /// Public views of dossiers by code (`dossiers::api::lookup_view`), which citizens and partners poll.
    pub dossier_lookups: Arc<dossiers::api::LookupCache>,
    /// Rendered Open311 lists of requests, by query (`reports::open311_cache`).
    pub open311_lists: Arc<reports::open311_cache::ListCache>,
    /// Results of recent portal searches (`portal::search`).
    pub searches: Arc<portal::search::SearchMemo>,
}

impl AppState {
    /// State for a router over `store`.
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self {
            store,
            config: Arc::new(config),
            throttle: Arc::new(LoginThrottle::default()),
            live: Arc::new(operations::live::LiveHub::new()),
            ioc_summary: Arc::new(operations::summary::SummaryCache::default()),
            sensing: Arc::new(sensing::SensingRuntime::default()),
            home_pages: Arc::new(portal::home_cache::HomePageCache::default()),
            open311_requests: Arc::new(reports::open311_cache::request_cache()),
            open311_lists: Arc::new(reports::open311_cache::list_cache()),
            searches: Arc::new(portal::search::search_memo()),
            dossier_lookups: Arc::new(dossiers::api::lookup_cache()),
        }
    }

    /// Same, with custom login limits (tests).
    pub fn with_throttle(mut self, throttle: LoginThrottle) -> Self {
        self.throttle = Arc::new(throttle);
        self
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageContext,
}

async fn home(ctx: PageContext) -> Response {
    render(&HomePage { ctx })
}

async fn not_found() -> AppError {
    AppError::not_found()
}

/// The whole application. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so throttling sees client addresses.
pub fn router(state: AppState) -> Router {
    shell::health::metrics_handle();
    Router::new()
        .route("/", get(home))
        .route("/lang/{code}", get(shell::page::switch_language))
        .route("/static/{name}", get(shell::assets::serve_asset))
        .route("/healthz", get(shell::health::healthz))
        .route("/readyz", get(shell::health::readyz))
        .route("/metrics", get(shell::health::metrics))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .merge(identity::router())
        .merge(dossiers::router())
        .merge(reports::router())
        .merge(payments::router())
        .merge(sensing::router())
        .merge(units::router())
        .merge(audit::router())
        .merge(transparency::router())
        .merge(operations::router())
        .merge(portal::router())
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), shell::auth::authenticate))
        .layer(from_fn(shell::page::render_errors))
        .layer(from_fn(shell::health::track_requests))
        // The ceiling of the upload routes (dossier files, report photos), which raise axum's 2 MB
        // `DefaultBodyLimit` for themselves; every other route keeps that 2 MB default.
        .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
