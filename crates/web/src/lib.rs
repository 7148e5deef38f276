//! HTTP face of the Huế smart-city platform: server-rendered pages (askama + htmx), the JSON API
//! under `/api/v1`, and the shell they share (errors, sessions, CSRF, i18n, metrics).

pub mod error;
pub mod passwords;

use smartcity_store::Store;

pub use error::{AppError, AppResult};

/// Settings the web layer needs from the binary's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// How long a login lasts without activity, in hours.
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
    pub config: std::sync::Arc<WebConfig>,
}

impl AppState {
    /// State for a router over `store`.
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self { store, config: std::sync::Arc::new(config) }
    }
}

/// The whole application. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so throttling sees client addresses.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .with_state(state)
}
