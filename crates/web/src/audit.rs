//! `audit` over HTTP: the administrators' view of the hash-chained log, with the chain checked.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use smartcity_domain::audit::AuditRecord;
use smartcity_domain::identity::Role;
use smartcity_domain::units::UnitCode;
use smartcity_store::AuditStore;
use smartcity_store::audit::AuditFilter;

use crate::AppState;
use crate::error::AppResult;
use crate::shell::auth::CurrentUser;
use crate::shell::extract::AppQuery;
use crate::shell::page::{PageContext, render};

/// Routes of the audit capability.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(log_page))
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct LogPage {
    ctx: PageContext,
    records: Vec<AuditRecord>,
    chain: Result<u64, String>,
    record_type: String,
    record_id: String,
}

/// Filters of the log page.
#[derive(Debug, Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    record_id: String,
}

/// `GET /admin/audit`: the newest 200 records (optionally of one record) and whether the whole
/// chain verifies. City administrators only: the log spans every unit.
pub async fn log_page(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    AppQuery(q): AppQuery<LogQuery>,
) -> AppResult<Response> {
    user.require_role_on(&state, &[Role::Administrator], &UnitCode::parse("46")?).await?;
    let filter = AuditFilter {
        record_type: Some(q.record_type.trim().to_owned()).filter(|s| !s.is_empty()),
        record_id: Some(q.record_id.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let records = state.store.list_audit(&filter, 200, 0).await?;
    let chain = state.store.verify_audit().await?.map_err(|b| b.to_string());
    Ok(render(&LogPage { ctx, records, chain, record_type: q.record_type, record_id: q.record_id }))
}
