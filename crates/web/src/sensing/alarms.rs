//! Environment API and page (next step).

use axum::Router;

use crate::AppState;

/// Routes of the environment views.
pub fn router() -> Router<AppState> {
    Router::new()
}
