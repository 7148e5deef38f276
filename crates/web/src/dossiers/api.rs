//! `dossiers` JSON API: the catalogue, submission, actions, the public lookup, the QĐ 766
//! indices and the working-day calendar, so partner systems compute the same dates.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use smartcity_domain::calendar::{Holiday, parse_working_days, parse_year};
use smartcity_domain::dossiers::{Channel, Form, parse_action};
use smartcity_domain::identity::display_name_initials;
use smartcity_domain::indices::Indicator;
use smartcity_store::dossiers::{Dossier, DossierDocument, DossierEvent};
use smartcity_store::procedures::Procedure;
use smartcity_store::{AuditContext, DossierStore, ProcedureStore};
use utoipa::{IntoParams, ToSchema};

use super::submit::{self, Applicant};
use super::workflow;
use crate::AppState;
use crate::error::{ApiErrorBody, AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppJson, AppQuery};

fn today() -> NaiveDate {
    Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive()
}

/// A procedure in the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureView {
    pub code: String,
    pub version: i64,
    pub valid_from: String,
    pub name_vi: String,
    pub name_en: String,
    pub field_vi: String,
    /// `city` or `commune`.
    pub level: String,
    pub unit_code: Option<String>,
    pub agency_vi: String,
    /// Legal processing time in working days (0 = same day).
    pub processing_days: i64,
    /// `toan_trinh` (full online) or `mot_phan` (partly online).
    pub online_level: String,
    /// Fee in whole đồng.
    pub fee_vnd: i64,
    pub fee_note: String,
    pub legal_basis: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub documents: Value,
    #[schema(value_type = Vec<Object>)]
    pub form_fields: Value,
    #[schema(value_type = Vec<Object>)]
    pub steps: Value,
}

impl ProcedureView {
    /// The API view of a procedure version.
    pub fn from_procedure(p: &Procedure) -> Self {
        ProcedureView {
            code: p.code.clone(),
            version: p.version,
            valid_from: p.valid_from.to_string(),
            name_vi: p.name_vi.clone(),
            name_en: p.name_en.clone(),
            field_vi: p.field_vi.clone(),
            level: p.level.as_str().to_owned(),
            unit_code: p.unit_code.clone(),
            agency_vi: p.agency_vi.clone(),
            processing_days: p.processing_days,
            online_level: p.online_level.as_str().to_owned(),
            fee_vnd: p.fee_vnd,
            fee_note: p.fee_note.clone(),
            legal_basis: p.legal_basis.clone(),
            documents: serde_json::to_value(&p.documents).unwrap_or_default(),
            form_fields: serde_json::to_value(&p.form_fields).unwrap_or_default(),
            steps: serde_json::to_value(&p.steps).unwrap_or_default(),
        }
    }
}

/// Search of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ProcedureQuery {
    /// Words to look for; diacritics are ignored.
    #[serde(default)]
    pub q: String,
}

/// Procedures in force today, optionally searched.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "dossiers", params(ProcedureQuery),
    responses((status = 200, description = "Procedures", body = [ProcedureView])))]
pub async fn list_procedures(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<ProcedureQuery>,
) -> AppResult<Json<Vec<ProcedureView>>> {
    let list = state.store.list_procedures(today(), &q.q).await?;
    Ok(Json(list.iter().map(ProcedureView::from_procedure).collect()))
}

/// The version of a procedure in force today.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "National TTHC code, e.g. 1.001193")),
    responses((status = 200, description = "The procedure", body = ProcedureView),
              (status = 404, description = "No such procedure in force", body = ApiErrorBody)))]
pub async fn get_procedure(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<ProcedureView>> {
    Ok(Json(ProcedureView::from_procedure(&workflow::procedure_in_force(&state, &code).await?)))
}

/// A dossier as its applicant or staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    pub unit_code: String,
    pub current_unit_code: String,
    /// National status code 1–10.
    pub status_code: i64,
    pub status: String,
    pub status_vi: String,
    pub status_en: String,
    /// `counter`, `online` or `post`.
    pub channel: String,
    pub applicant_name: String,
    pub received_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub supplement_requests: i64,
    pub supplement_due_at: Option<DateTime<Utc>>,
    pub current_step: i64,
    pub rating: Option<String>,
    #[schema(value_type = Object)]
    pub form: Value,
    #[schema(value_type = Vec<Object>)]
    pub events: Value,
    #[schema(value_type = Vec<Object>)]
    pub documents: Value,
    /// Actions the caller may take now.
    pub available_actions: Vec<String>,
}

/// Build the full view (events, documents with download links, allowed actions).
pub async fn dossier_view(state: &AppState, user: &CurrentUser, dossier: &Dossier) -> AppResult<DossierView> {
    let procedure = state.store.procedure(dossier.procedure_id).await?.ok_or_else(AppError::not_found)?;
    dossier_view_with(state, user, dossier, &procedure).await
}

/// [`dossier_view`] when the caller already holds the dossier's procedure version (a submission just made).
async fn dossier_view_with(
    state: &AppState,
    user: &CurrentUser,
    dossier: &Dossier,
    procedure: &smartcity_store::procedures::Procedure,
) -> AppResult<DossierView> {
    let events: Vec<DossierEvent> = state.store.dossier_events(dossier.id).await?;
    let documents: Vec<DossierDocument> = state.store.dossier_documents(dossier.id).await?;
    let documents: Vec<Value> = documents
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("url".into(), Value::String(format!("/dossiers/{}/documents/{}", dossier.code, d.id)));
            }
            v
        })
        .collect();
    let actions = workflow::available_actions(state, user, dossier).await?;
    Ok(DossierView {
        code: dossier.code.clone(),
        procedure_code: procedure.code.clone(),
        procedure_name_vi: procedure.name_vi.clone(),
        procedure_name_en: procedure.name_en.clone(),
        unit_code: dossier.unit_code.clone(),
        current_unit_code: dossier.current_unit_code.clone(),
        status_code: dossier.status.code(),
        status: dossier.status.as_str().to_owned(),
        status_vi: dossier.status.label_vi().to_owned(),
        status_en: dossier.status.label_en().to_owned(),
        channel: dossier.channel.as_str().to_owned(),
        applicant_name: dossier.applicant_name.clone(),
        received_at: dossier.state.received_at,
        accepted_at: dossier.state.accepted_at,
        due_at: dossier.state.due_at,
        finished_at: dossier.state.finished_at,
        returned_at: dossier.state.returned_at,
        supplement_requests: dossier.state.supplement_requests,
        supplement_due_at: dossier.state.supplement_due_at,
        current_step: dossier.state.current_step,
        rating: dossier.state.rating.map(|r| r.as_str().to_owned()),
        form: dossier.form_data.clone(),
        events: serde_json::to_value(&events).unwrap_or_default(),
        documents: Value::Array(documents),
        available_actions: actions.iter().map(|a| a.as_str().to_owned()).collect(),
    })
}

/// Body of `POST /api/v1/dossiers`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitRequest {
    /// National code of the procedure.
    pub procedure_code: String,
    /// Ward or commune handling a commune-level procedure.
    pub unit_code: Option<String>,
    /// Values of the procedure's form fields.
    #[schema(value_type = Object)]
    pub form: Value,
    /// One entry per required document: `{document_key, file_name, content_base64}` for a new file or
    /// `{document_key, reuse}` with the id of a document from the applicant's personal store.
    #[schema(value_type = Vec<Object>)]
    pub documents: Value,
    /// Counter submissions: the applicant's ID number or scanned e-card.
    pub applicant: Option<String>,
}

/// Submit a dossier (citizens for themselves; reception officers for an identified citizen).
/// An `Idempotency-Key` header makes retries safe: the same key returns the same dossier.
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", request_body = SubmitRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe submission key")),
    responses((status = 201, description = "Submitted", body = DossierView),
              (status = 422, description = "Missing documents, bad form values or files", body = ApiErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppJson(body): AppJson<Value>,
) -> AppResult<Response> {
    let (code, mut input) = submit::read_json(&body)?;
    input.idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let procedure = workflow::procedure_in_force(&state, &code).await?;
    let ctx = AuditContext::account(user.id(), ip);
    let dossier = match input.applicant.clone() {
        Some(scanned) => {
            let channel = submit::desk_channel(input.channel.as_deref())?;
            let (applicant, officer) = super::pages::counter_applicant(&state, &user, &scanned).await?;
            submit::submit(&state, &ctx, &procedure, applicant, channel, Some(officer), input).await?
        }
        None => {
            submit::submit(
                &state,
                &ctx,
                &procedure,
                Applicant::from_account(&user.0.account),
                Channel::Online,
                None,
                input,
            )
            .await?
        }
    };
    let view = dossier_view_with(&state, &user, &dossier, &procedure).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn visible_dossier(state: &AppState, user: &CurrentUser, code: &str) -> AppResult<Dossier> {
    let dossier = state.store.dossier_by_code(code).await?.ok_or_else(AppError::not_found)?;
    if !workflow::may_view(state, user, &dossier).await? {
        // Not found rather than forbidden: a code alone must not confirm that a dossier exists
        // beyond what the public lookup shows.
        return Err(AppError::not_found());
    }
    Ok(dossier)
}

/// A dossier with its history and documents (its applicant, or staff of its units).
#[utoipa::path(get, path = "/api/v1/dossiers/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "Dossier code")),
    responses((status = 200, description = "The dossier", body = DossierView),
              (status = 404, description = "No such dossier visible to the caller", body = ApiErrorBody)))]
pub async fn get_dossier(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<DossierView>> {
    let dossier = visible_dossier(&state, &user, &code).await?;
    Ok(Json(dossier_view(&state, &user, &dossier).await?))
}

/// Body of `POST /api/v1/dossiers/{code}/actions`: `action` plus its fields (`reason`, `items`,
/// `to_unit`, `note`, `new_due`, `delivery`, `rating`, `comment`), and `documents` as in a
/// submission for supplements and results.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionRequest {
    /// accept, refuse, request_supplement, submit_supplement, start_processing, complete_step, forward,
    /// return_from_forward, approve, request_payment, confirm_payment, stop, withdraw, extend_deadline,
    /// mark_processed, return_result, rate.
    pub action: String,
}

/// Take an action on a dossier; the role and unit scope are checked, the transition follows the
/// national status flow, and the change is audited and announced.
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/actions", tag = "dossiers", request_body = ActionRequest,
    params(("code" = String, Path, description = "Dossier code")),
    responses((status = 200, description = "The dossier after the action", body = DossierView),
              (status = 403, description = "Not allowed for this role or unit", body = ApiErrorBody),
              (status = 409, description = "Changed by someone else meanwhile", body = ApiErrorBody),
              (status = 422, description = "Not allowed from the current status, or bad fields", body = ApiErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppJson(body): AppJson<Value>,
) -> AppResult<Json<DossierView>> {
    let dossier = visible_dossier(&state, &user, &code).await?;
    let name = body.get("action").and_then(Value::as_str).unwrap_or_default().to_owned();
    let action = parse_action(&name, &body)?;
    let documents = super::pages::action_documents(&state, &dossier, &body).await?;
    let after = workflow::perform(&state, &user, ip, &dossier, action, documents).await?;
    Ok(Json(dossier_view(&state, &user, &after).await?))
}

/// What anyone may see of a dossier by its code: no personal data beyond initials.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupView {
    pub code: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    /// Initials of the applicant only, e.g. "N. V. A."
    pub applicant_initials: String,
    pub status_code: i64,
    pub status_vi: String,
    pub status_en: String,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// Name of the current step, while processing.
    pub current_step_vi: Option<String>,
    pub current_step_en: Option<String>,
    pub unit_code: String,
}

/// Public views by code, kept while no dossier has changed in this process (`Store::dossier_generation`) and for
/// [`LOOKUP_TTL`] at most, so a status set by another process shows within a second.
pub type LookupCache = crate::shell::memo::Memo<String, Arc<LookupView>>;

/// How long a public view is served without reading the dossier again, at most.
pub const LOOKUP_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The cache of public views `AppState` starts with (at most 20,000 codes).
pub fn lookup_cache() -> LookupCache {
    LookupCache::new(20_000, LOOKUP_TTL)
}

/// The public view of a dossier: one indexed query (`DossierStore::dossier_lookup`), nothing else — or none while
/// `state.dossier_lookups` holds a current copy. Unknown codes are not kept: a code is unknown only until its
/// dossier is written.
pub async fn lookup_view(state: &AppState, code: &str) -> AppResult<Arc<LookupView>> {
    let generation = state.store.dossier_generation();
    if let Some(view) = state.dossier_lookups.get(&code.to_owned(), generation) {
        return Ok(view);
    }
    let dossier = state.store.dossier_lookup(code).await?.ok_or_else(|| {
        AppError::new(
            "dossier_not_found",
            StatusCode::NOT_FOUND,
            "Không tìm thấy hồ sơ với mã này. Kiểm tra lại mã trên giấy tiếp nhận (mẫu 01).",
            "No dossier has this code. Check the code on your receipt (form 01).",
        )
    })?;
    let view = Arc::new(LookupView {
        code: dossier.code,
        procedure_name_vi: dossier.procedure_name_vi,
        procedure_name_en: dossier.procedure_name_en,
        applicant_initials: display_name_initials(&dossier.applicant_name),
        status_code: dossier.status.code(),
        status_vi: dossier.status.label_vi().to_owned(),
        status_en: dossier.status.label_en().to_owned(),
        received_at: dossier.received_at,
        due_at: dossier.due_at,
        current_step_vi: dossier.current_step.as_ref().map(|s| s.name_vi.clone()),
        current_step_en: dossier.current_step.map(|s| s.name_en),
        unit_code: dossier.unit_code,
    });
    state.dossier_lookups.put(code.to_owned(), generation, Arc::clone(&view));
    Ok(view)
}

/// Public follow-up of a dossier by code (status, due date, current step; initials only).
#[utoipa::path(get, path = "/api/v1/lookup/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "Dossier code from form 01")),
    responses((status = 200, description = "Public status", body = LookupView),
              (status = 404, description = "No such dossier", body = ApiErrorBody)))]
pub async fn lookup(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<Arc<LookupView>>> {
    Ok(Json(lookup_view(&state, &code).await?))
}

/// Period and unit of the indices.
#[derive(Debug, Deserialize, IntoParams)]
pub struct IndicesQuery {
    /// Unit code; its whole subtree counts (default: the city).
    pub unit: Option<String>,
    /// First day (YYYY-MM-DD, local), default 1 January of this year.
    pub from: Option<String>,
    /// Last day included (YYYY-MM-DD, local), default today.
    pub to: Option<String>,
}

/// QĐ 766 indicators of a unit over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicesView {
    pub unit: String,
    pub from: String,
    pub to: String,
    pub dossiers: usize,
    #[schema(value_type = Vec<Object>)]
    pub indicators: Vec<Indicator>,
}

/// The QĐ 766/QĐ-TTg indicators (2.1, 2.2, 3.3, 4.2, 4.3, 5.4) computed from the dossiers.
#[utoipa::path(get, path = "/api/v1/indices", tag = "dossiers", params(IndicesQuery),
    responses((status = 200, description = "Indicators; value null = N/A", body = IndicesView),
              (status = 422, description = "Bad unit or dates", body = ApiErrorBody)))]
pub async fn indices(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<IndicesQuery>,
) -> AppResult<Json<IndicesView>> {
    Ok(Json(super::indices::compute(&state, q.unit.as_deref(), q.from.as_deref(), q.to.as_deref()).await?))
}

/// Year of the holiday list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HolidaysQuery {
    pub year: String,
}

/// Public holidays and adjusted days off of a year (Labour Code 2019 Art. 112, lunar dates at UTC+7).
#[utoipa::path(get, path = "/api/v1/calendar/holidays", tag = "calendar", params(HolidaysQuery),
    responses((status = 200, description = "Days off", body = [Object]),
              (status = 422, description = "Bad year", body = ApiErrorBody)))]
pub async fn holidays(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<HolidaysQuery>,
) -> AppResult<Json<Vec<Holiday>>> {
    let year = parse_year(&q.year)?;
    Ok(Json(workflow::calendar(&state).await?.holidays(year)))
}

/// Inputs of the due-date calculation.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DueDateQuery {
    /// RFC 3339 instant of reception, e.g. 2026-11-27T09:30:00+07:00.
    pub received_at: String,
    /// Processing time in working days.
    pub working_days: String,
}

/// Result of the due-date calculation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueDateView {
    pub received_at: DateTime<Utc>,
    pub working_days: u32,
    /// End of office hours of the last working day, UTC.
    pub due_at: DateTime<Utc>,
    /// The same in Asia/Ho_Chi_Minh.
    pub due_at_local: String,
}

/// The due date of a dossier received at `received_at` with `working_days` to process.
#[utoipa::path(get, path = "/api/v1/calendar/due-date", tag = "calendar", params(DueDateQuery),
    responses((status = 200, description = "Due date", body = DueDateView),
              (status = 422, description = "Bad instant or day count", body = ApiErrorBody)))]
pub async fn due_date(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<DueDateQuery>,
) -> AppResult<Json<DueDateView>> {
    let received_at = DateTime::parse_from_rfc3339(q.received_at.trim())
        .map_err(|_| {
            AppError::invalid_field(
                "received_at",
                "received_at_invalid",
                "received_at phải là thời điểm RFC 3339 có múi giờ, ví dụ 2026-11-27T09:30:00+07:00.",
                "received_at must be an RFC 3339 instant with an offset, e.g. 2026-11-27T09:30:00+07:00.",
            )
        })?
        .with_timezone(&Utc);
    let days = parse_working_days(&q.working_days)?;
    let due = workflow::calendar(&state).await?.due_date(received_at, days);
    Ok(Json(DueDateView {
        received_at,
        working_days: days,
        due_at: due,
        due_at_local: due.with_timezone(&smartcity_domain::time::TZ).to_rfc3339(),
    }))
}

/// Which form numbers a dossier has issued so far (for links on its page).
pub fn forms_issued(events: &[DossierEvent]) -> Vec<Form> {
    let mut out: Vec<Form> =
        events.iter().filter_map(|e| e.form.as_deref()).filter_map(|n| Form::from_number(n).ok()).collect();
    out.push(Form::ControlSheet);
    out.sort_by_key(|f| f.number());
    out.dedup();
    out
}
