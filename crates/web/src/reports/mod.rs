//! `reports`: field reports (phản ánh hiện trường) on the web. So far the read side of the Open311
//! GeoReport v2 API ([`open311`]); reporting pages, POST and mySociety updates come next.

pub mod open311;

use axum::Router;

use crate::AppState;

/// Routes of the reports capability.
pub fn router() -> Router<AppState> {
    open311::router()
}
