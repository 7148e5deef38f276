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
pub mod passwords;
pub mod reports;
pub mod sensing;
pub mod shell;
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

/// Settings the web layer needs from the binary's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// How long a login lasts, in hours.
    pub session_hours: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { secure_cookies: false, session_hours: 12 }
    }
}

/// Everything a handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub throttle: Arc<LoginThrottle>,
    /// Sensing's live parts (the MQTT publisher).
    pub sensing: Arc<sensing::SensingRuntime>,
}

impl AppState {
    /// State for a router over `store`.
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self {
            store,
            config: Arc::new(config),
            throttle: Arc::new(LoginThrottle::default()),
            sensing: Arc::new(sensing::SensingRuntime::default()),
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
        .merge(sensing::router())
        .merge(units::router())
        .merge(audit::router())
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), shell::auth::authenticate))
        .layer(from_fn(shell::page::render_errors))
        .layer(from_fn(shell::health::track_requests))
        .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
