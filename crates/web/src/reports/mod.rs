//! `reports`: field reports (phản ánh hiện trường) on the web: the Open311 GeoReport v2 API with mySociety's
//! updates ([`open311`] reads, [`open311_write`] writes) and the administrators' page of partner keys
//! ([`partner_keys`]).

pub mod open311;
pub mod open311_write;
pub mod partner_keys;

use axum::Router;

use crate::AppState;

/// Routes of the reports capability.
pub fn router() -> Router<AppState> {
    open311::router().merge(partner_keys::router())
}
