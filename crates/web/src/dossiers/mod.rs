//! `dossiers` over HTTP: the procedure catalogue, submission online and at the counter, the
//! workflow, printable forms, the public lookup, work queues, indices and the working-day calendar.

pub mod admin;
pub mod api;
pub mod forms;
pub mod indices;
pub mod notifications;
pub mod pages;
pub mod submit;
pub mod workflow;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// Routes of the dossiers capability.
pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route("/procedures/{code}/submit", get(pages::submit_form).post(pages::submit_online))
        .route("/desk/dossiers/new/{code}", get(pages::counter_form).post(pages::counter_submit))
        .route("/dossiers/{code}/actions", post(pages::act))
        .route("/api/v1/dossiers", post(api::submit))
        .route("/api/v1/dossiers/{code}/actions", post(api::act))
        .layer(DefaultBodyLimit::max(submit::MAX_SUBMISSION_BYTES + 1024 * 1024));
    Router::new()
        .route("/procedures", get(pages::catalogue))
        .route("/admin/procedures", get(admin::procedures).post(admin::create_version))
        .route("/admin/procedures/{code}", get(admin::procedure))
        .route("/admin/calendar", get(admin::calendar).post(admin::adjust))
        .route("/admin/mail", get(admin::mail))
        .route("/procedures/{code}", get(pages::procedure))
        .route("/desk/dossiers", get(pages::queue))
        .route("/desk/dossiers/new", get(pages::counter_start))
        .route("/dossiers/{code}", get(pages::dossier))
        .route("/dossiers/{code}/documents/{id}", get(pages::document))
        .route("/dossiers/{code}/forms/{number}", get(forms::form))
        .route("/my/dossiers", get(pages::mine))
        .route("/lookup", get(pages::lookup))
        .route("/indices", get(pages::indices))
        .route("/api/v1/procedures", get(api::list_procedures))
        .route("/api/v1/procedures/{code}", get(api::get_procedure))
        .route("/api/v1/dossiers/{code}", get(api::get_dossier))
        .route("/api/v1/lookup/{code}", get(api::lookup))
        .route("/api/v1/indices", get(api::indices))
        .route("/api/v1/calendar/holidays", get(api::holidays))
        .route("/api/v1/calendar/due-date", get(api::due_date))
        .merge(uploads)
}
