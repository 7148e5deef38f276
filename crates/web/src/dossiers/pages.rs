//! `dossiers` pages: the catalogue, online submission, a dossier's page (with the actions the
//! viewer may take), "my dossiers", the public lookup, the staff work queue, counter submission,
//! document downloads and the indices page.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use smartcity_domain::dossiers::{ActionKind, Channel, DossierStatus, Form, parse_action};
use smartcity_domain::identity::{CitizenId, Role};
use smartcity_domain::procedures::ProcedureLevel;
use smartcity_domain::units::UnitKind;
use smartcity_store::dossiers::{
    DocumentSource, Dossier, DossierDocument, DossierEvent, NewDocument, PersonalDocument, QueueFilter,
};
use smartcity_store::procedures::Procedure;
use smartcity_store::units::Unit;
use smartcity_store::{AuditContext, DossierStore, IdentityStore, ProcedureStore, UnitStore};
use uuid::Uuid;

use super::api::{LookupView, lookup_view};
use super::submit::{self, Applicant, SubmissionInput};
use super::workflow;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::AppQuery;
use crate::shell::page::{PageContext, redirect, render, render_with_status};

fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive()
}

async fn active_wards(state: &AppState) -> AppResult<Vec<Unit>> {
    let day = today();
    Ok(state
        .store
        .list_units()
        .await?
        .into_iter()
        .filter(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune) && u.is_active_on(day))
        .collect())
}

#[derive(Template)]
#[template(path = "dossiers/procedures.html")]
struct CataloguePage {
    ctx: PageContext,
    q: String,
    procedures: Vec<Procedure>,
}

/// Search of the catalogue page.
#[derive(Debug, Deserialize, Default)]
pub struct CatalogueQuery {
    #[serde(default)]
    q: String,
}

/// `GET /procedures?q=`.
pub async fn catalogue(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<CatalogueQuery>,
) -> AppResult<Response> {
    let procedures = state.store.list_procedures(today(), &q.q).await?;
    Ok(render(&CataloguePage { ctx, q: q.q, procedures }))
}

#[derive(Template)]
#[template(path = "dossiers/procedure.html")]
struct ProcedurePage {
    ctx: PageContext,
    p: Procedure,
}

/// `GET /procedures/{code}`.
pub async fn procedure(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let p = workflow::procedure_in_force(&state, &code).await?;
    Ok(render(&ProcedurePage { ctx, p }))
}

#[derive(Template)]
#[template(path = "dossiers/submit.html")]
struct SubmitPage {
    ctx: PageContext,
    p: Procedure,
    wards: Vec<Unit>,
    personal: Vec<PersonalDocument>,
    idempotency_key: String,
    error: Option<String>,
    values: std::collections::BTreeMap<String, String>,
    unit_code: String,
    counter: bool,
    applicant: String,
    /// Counter form: `counter` or `post`, as last chosen.
    channel: String,
}

impl SubmitPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or_default()
    }

    fn reusable(&self, key: &str) -> Vec<&PersonalDocument> {
        self.personal.iter().filter(|d| d.kind == key).collect()
    }
}

async fn submit_page(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    p: Procedure,
    counter: bool,
) -> AppResult<SubmitPage> {
    let personal = if counter { Vec::new() } else { state.store.personal_documents(user.id()).await? };
    Ok(SubmitPage {
        ctx,
        wards: if p.level == ProcedureLevel::Commune { active_wards(state).await? } else { Vec::new() },
        p,
        personal,
        idempotency_key: Uuid::new_v4().to_string(),
        error: None,
        values: Default::default(),
        unit_code: String::new(),
        counter,
        applicant: String::new(),
        channel: String::new(),
    })
}

/// `GET /procedures/{code}/submit`: the online submission form.
pub async fn submit_form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let p = workflow::procedure_in_force(&state, &code).await?;
    Ok(render(&submit_page(&state, ctx, &user, p, false).await?))
}

async fn resubmit(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    p: Procedure,
    counter: bool,
    input: SubmissionInput,
    err: AppError,
) -> AppResult<Response> {
    let lang = ctx.lang_code();
    let mut page = submit_page(state, ctx, user, p, counter).await?;
    page.error = Some(err.message(lang).to_owned());
    page.values = input.form;
    page.unit_code = input.unit_code.unwrap_or_default();
    page.applicant = input.applicant.unwrap_or_default();
    page.channel = input.channel.unwrap_or_default();
    if let Some(key) = input.idempotency_key {
        page.idempotency_key = key;
    }
    Ok(render_with_status(err.status, &page))
}

/// `POST /procedures/{code}/submit` (multipart): submit online, then show the dossier.
pub async fn submit_online(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    multipart: Multipart,
) -> AppResult<Response> {
    let p = workflow::procedure_in_force(&state, &code).await?;
    let input = submit::read_multipart(multipart).await?;
    let applicant = Applicant::from_account(&user.0.account);
    let ctx_audit = AuditContext::account(user.id(), ip);
    let kept = SubmissionInput {
        form: input.form.clone(),
        unit_code: input.unit_code.clone(),
        idempotency_key: input.idempotency_key.clone(),
        ..Default::default()
    };
    match submit::submit(&state, &ctx_audit, &p, applicant, Channel::Online, None, input).await {
        Ok(dossier) => Ok(redirect(&format!("/dossiers/{}", dossier.code))),
        Err(e) if e.status.is_client_error() => resubmit(&state, ctx, &user, p, false, kept, e).await,
        Err(e) => Err(e),
    }
}

/// Identify the applicant of a counter submission by ID number or scanned e-card; only
/// reception officers may submit for someone else.
pub async fn counter_applicant(state: &AppState, officer: &CurrentUser, scanned: &str) -> AppResult<(Applicant, Uuid)> {
    officer.require_any_role(state, &[Role::ReceptionOfficer]).await?;
    let scanned: String = scanned.split_whitespace().collect();
    let account = if let Ok(id) = CitizenId::parse(&scanned) {
        state.store.account_by_citizen_id(&id).await?
    } else {
        crate::identity::admin::identify_holder(state, officer, None, &scanned).await?.map(|(_, a)| a)
    };
    let account = account.ok_or_else(|| {
        AppError::invalid_field(
            "applicant",
            "applicant_not_found",
            "Không tìm thấy công dân với số định danh hoặc thẻ điện tử này. Hãy đăng ký tài khoản cho công dân trước.",
            "No citizen has this ID number or e-card. Register an account for the citizen first.",
        )
    })?;
    Ok((Applicant::from_account(&account), officer.id()))
}

#[derive(Template)]
#[template(path = "dossiers/counter.html")]
struct CounterPage {
    ctx: PageContext,
    procedures: Vec<Procedure>,
}

/// `GET /desk/dossiers/new`: choose the procedure of a counter submission.
pub async fn counter_start(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::ReceptionOfficer]).await?;
    let procedures = state.store.list_procedures(today(), "").await?;
    Ok(render(&CounterPage { ctx, procedures }))
}

/// `GET /desk/dossiers/new/{code}`: the counter form for one procedure.
pub async fn counter_form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::ReceptionOfficer]).await?;
    let p = workflow::procedure_in_force(&state, &code).await?;
    Ok(render(&submit_page(&state, ctx, &user, p, true).await?))
}

/// `POST /desk/dossiers/new/{code}` (multipart): receive at the counter for an identified citizen.
/// The papers are digitised (scanned) here, and the dossier is accepted at once with form 01.
pub async fn counter_submit(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    multipart: Multipart,
) -> AppResult<Response> {
    let p = workflow::procedure_in_force(&state, &code).await?;
    let input = submit::read_multipart(multipart).await?;
    let kept = SubmissionInput {
        form: input.form.clone(),
        unit_code: input.unit_code.clone(),
        idempotency_key: input.idempotency_key.clone(),
        applicant: input.applicant.clone(),
        channel: input.channel.clone(),
        ..Default::default()
    };
    let result = async {
        let channel = submit::desk_channel(input.channel.as_deref())?;
        let (applicant, officer) =
            counter_applicant(&state, &user, input.applicant.as_deref().unwrap_or_default()).await?;
        let dossier = submit::submit(
            &state,
            &AuditContext::account(user.id(), ip.clone()),
            &p,
            applicant,
            channel,
            Some(officer),
            input,
        )
        .await?;
        if dossier.status == DossierStatus::Submitted {
            workflow::perform(
                &state,
                &user,
                ip.clone(),
                &dossier,
                smartcity_domain::dossiers::DossierAction::Accept,
                Vec::new(),
            )
            .await
        } else {
            Ok(dossier)
        }
    }
    .await;
    match result {
        Ok(dossier) => Ok(redirect(&format!("/dossiers/{}", dossier.code))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            resubmit(&state, ctx, &user, p, true, kept, e).await
        }
        Err(e) => Err(e),
    }
}

/// A history row with its form-06 timing.
pub struct EventRow {
    pub event: DossierEvent,
    pub outcome: Option<smartcity_domain::dossiers::StepOutcome>,
}

/// Events with the on-time outcome of each step: a step ends at the next hand-over.
pub fn event_rows(events: Vec<DossierEvent>) -> Vec<EventRow> {
    let ends: Vec<Option<DateTime<Utc>>> = (0..events.len()).map(|i| events.get(i + 1).map(|e| e.at)).collect();
    events
        .into_iter()
        .zip(ends)
        .map(|(event, end)| {
            let outcome = match (event.step_deadline, end) {
                (Some(deadline), Some(end)) => {
                    Some(smartcity_domain::dossiers::step_outcome(deadline, end, smartcity_domain::time::TZ))
                }
                _ => None,
            };
            EventRow { event, outcome }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dossiers/dossier.html")]
struct DossierPage {
    ctx: PageContext,
    d: Dossier,
    p: Procedure,
    events: Vec<EventRow>,
    documents: Vec<DossierDocument>,
    actions: Vec<ActionKind>,
    forms: Vec<Form>,
    units: Vec<Unit>,
    is_owner: bool,
    error: Option<String>,
    overdue: bool,
    /// Fees, receipts, "Pay" and the desk's cash form (`payments`).
    pay: crate::payments::DossierPayments,
}

impl DossierPage {
    fn dom_id(&self, kind: &ActionKind) -> String {
        dom_id(kind)
    }

    fn needs_reason(&self, kind: &ActionKind) -> bool {
        needs_reason(kind)
    }

    fn is_plain(&self, kind: &ActionKind) -> bool {
        is_plain(kind)
    }

    fn step_name(&self) -> String {
        match self.p.steps.get(usize::try_from(self.d.state.current_step).unwrap_or_default()) {
            Some(s) if self.d.status == DossierStatus::Processing => self.ctx.pick(&s.name_vi, &s.name_en).to_owned(),
            _ => String::new(),
        }
    }
}

async fn dossier_page(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    d: Dossier,
    error: Option<String>,
) -> AppResult<DossierPage> {
    let p = state.store.procedure(d.procedure_id).await?.ok_or_else(AppError::not_found)?;
    let events = state.store.dossier_events(d.id).await?;
    let forms = super::api::forms_issued(&events);
    let actions = workflow::available_actions(state, user, &d).await?;
    let units = if actions.contains(&ActionKind::Forward) {
        state
            .store
            .list_units()
            .await?
            .into_iter()
            .filter(|u| u.is_active_on(today()) && u.code.as_str() != d.current_unit_code)
            .collect()
    } else {
        Vec::new()
    };
    let overdue = !d.status.is_final()
        && d.status != DossierStatus::Processed
        && d.state.due_at.is_some_and(|due| due < Utc::now());
    Ok(DossierPage {
        ctx,
        pay: crate::payments::DossierPayments::load(state, user, &d).await?,
        documents: state.store.dossier_documents(d.id).await?,
        events: event_rows(events),
        is_owner: d.applicant_id == Some(user.id()),
        d,
        p,
        actions,
        forms,
        units,
        error,
        overdue,
    })
}

async fn visible(state: &AppState, user: &CurrentUser, code: &str) -> AppResult<Dossier> {
    let d = state.store.dossier_by_code(code).await?.ok_or_else(AppError::not_found)?;
    if workflow::may_view(state, user, &d).await? { Ok(d) } else { Err(AppError::not_found()) }
}

/// `GET /dossiers/{code}`: the dossier for its applicant or staff in scope.
pub async fn dossier(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let d = visible(&state, &user, &code).await?;
    Ok(render(&dossier_page(&state, ctx, &user, d, None).await?))
}

/// Turn the fields of an action form into the JSON payload `parse_action` reads: `items` one per
/// line, `new_due` from a local date-time.
fn action_payload(fields: &Map<String, Value>) -> Value {
    let mut out = fields.clone();
    if let Some(Value::String(items)) = fields.get("items") {
        let list: Vec<Value> =
            items.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Value::String(l.to_owned())).collect();
        out.insert("items".into(), Value::Array(list));
    }
    if let Some(Value::String(local)) = fields.get("new_due")
        && !local.contains('+')
        && let Ok(naive) = chrono::NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%dT%H:%M")
        && let Some(t) = smartcity_domain::time::TZ.from_local_datetime(&naive).single()
    {
        out.insert("new_due".into(), Value::String(t.to_rfc3339()));
    }
    for key in ["note", "comment", "result_note"] {
        if matches!(out.get(key), Some(Value::String(s)) if s.trim().is_empty()) {
            out.remove(key);
        }
    }
    Value::Object(out)
}

/// Files sent with an action in an API body (`documents` as in a submission).
pub async fn action_documents(state: &AppState, dossier: &Dossier, body: &Value) -> AppResult<Vec<NewDocument>> {
    if body.get("documents").is_none() {
        return Ok(Vec::new());
    }
    let (_, input) = submit::read_json(&json!({"procedure_code": "", "documents": body["documents"]}))?;
    documents_from(state, dossier, input).await
}

async fn documents_from(state: &AppState, dossier: &Dossier, input: SubmissionInput) -> AppResult<Vec<NewDocument>> {
    let procedure = state.store.procedure(dossier.procedure_id).await?.ok_or_else(AppError::not_found)?;
    let mut out = Vec::new();
    for (key, (file_name, bytes)) in input.uploads {
        let (vi, en) = procedure
            .documents
            .iter()
            .find(|d| d.key == key)
            .map(|d| (d.name_vi.clone(), d.name_en.clone()))
            .unwrap_or_else(|| ("Kết quả giải quyết".to_owned(), "Result".to_owned()));
        let content_type = submit::check_file(&vi, &en, &file_name, &bytes)?;
        out.push(NewDocument {
            document_key: key,
            title: vi,
            copy_kind: 2,
            source: DocumentSource::Upload { file_name, content_type: content_type.to_owned(), bytes },
        });
    }
    for (key, id) in input.reuses {
        out.push(NewDocument {
            document_key: key,
            title: String::new(),
            copy_kind: 2,
            source: DocumentSource::Reuse { personal_document: id },
        });
    }
    Ok(out)
}

/// `POST /dossiers/{code}/actions` (multipart): take an action from the dossier page.
pub async fn act(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let d = visible(&state, &user, &code).await?;
    let mut fields = Map::new();
    let mut uploads = SubmissionInput::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        AppError::new(
            "upload_invalid",
            e.status(),
            format!("Không đọc được dữ liệu gửi lên: {}", e.body_text()),
            format!("The upload could not be read: {}", e.body_text()),
        )
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(key) = name.strip_prefix("doc.") {
            let file_name = crate::shell::clean_file_name(field.file_name().unwrap_or("tep"));
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::new("upload_invalid", e.status(), e.body_text(), e.body_text()))?;
            if !bytes.is_empty() {
                uploads.uploads.insert(key.to_owned(), (file_name, bytes.to_vec()));
            }
        } else if name != "_csrf" {
            let text = field
                .text()
                .await
                .map_err(|e| AppError::new("upload_invalid", e.status(), e.body_text(), e.body_text()))?;
            fields.insert(name, Value::String(smartcity_domain::text::nfc(&text)));
        }
    }
    let name = fields.get("action").and_then(Value::as_str).unwrap_or_default().to_owned();
    let result = async {
        let action = parse_action(&name, &action_payload(&fields))?;
        let documents = documents_from(&state, &d, uploads).await?;
        workflow::perform(&state, &user, ip, &d, action, documents).await
    }
    .await;
    match result {
        Ok(after) => Ok(redirect(&format!("/dossiers/{}", after.code))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let lang = ctx.lang_code();
            let message = e.message(lang).to_owned();
            let fresh = visible(&state, &user, &code).await?;
            Ok(render_with_status(e.status, &dossier_page(&state, ctx, &user, fresh, Some(message)).await?))
        }
        Err(e) => Err(e),
    }
}

/// `GET /dossiers/{code}/documents/{id}`: download an attached file (applicant or staff).
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((code, id)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    let d = visible(&state, &user, &code).await?;
    let doc =
        state.store.dossier_documents(d.id).await?.into_iter().find(|x| x.id == id).ok_or_else(AppError::not_found)?;
    let (content_type, bytes) = state.store.blob(&doc.sha256).await?.ok_or_else(AppError::not_found)?;
    let mut r = bytes.into_response();
    let ascii: String = doc
        .file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        r.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    r.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(r)
}

#[derive(Template)]
#[template(path = "dossiers/mine.html")]
struct MinePage {
    ctx: PageContext,
    dossiers: Vec<Dossier>,
    personal: Vec<PersonalDocument>,
}

/// `GET /my/dossiers`: the citizen's dossiers and personal document store.
pub async fn mine(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    let dossiers = state.store.dossiers_of_applicant(user.id(), 200).await?;
    let personal = state.store.personal_documents(user.id()).await?;
    Ok(render(&MinePage { ctx, dossiers, personal }))
}

#[derive(Template)]
#[template(path = "dossiers/lookup.html")]
struct LookupPage {
    ctx: PageContext,
    code: String,
    found: Option<std::sync::Arc<LookupView>>,
    error: Option<String>,
}

/// Query of the lookup page.
#[derive(Debug, Deserialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    code: String,
}

/// `GET /lookup?code=`: anyone follows a dossier by its code (initials only).
pub async fn lookup(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<LookupQuery>,
) -> AppResult<Response> {
    let code = q.code.trim().to_owned();
    if code.is_empty() {
        return Ok(render(&LookupPage { ctx, code, found: None, error: None }));
    }
    match lookup_view(&state, &code).await {
        Ok(found) => Ok(render(&LookupPage { ctx, code, found: Some(found), error: None })),
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            let message = e.message(ctx.lang_code()).to_owned();
            Ok(render_with_status(StatusCode::NOT_FOUND, &LookupPage { ctx, code, found: None, error: Some(message) }))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "dossiers/queue.html")]
struct QueuePage {
    ctx: PageContext,
    dossiers: Vec<Dossier>,
    now: DateTime<Utc>,
}

impl QueuePage {
    fn is_overdue(&self, d: &Dossier) -> bool {
        d.state.due_at.is_some_and(|due| due < self.now) && d.status != DossierStatus::Processed
    }
}

/// `GET /desk/dossiers`: the work queue of the officer's units (and their subtrees), most urgent
/// first, overdue highlighted.
pub async fn queue(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    let staff = [Role::ReceptionOfficer, Role::ProcessingOfficer, Role::UnitLeader, Role::Administrator];
    user.require_any_role(&state, &staff).await?;
    let grants = state.store.grants_of(user.id()).await?;
    let all = state.store.list_units().await?;
    let roots: Vec<String> = grants.iter().filter(|g| staff.contains(&g.role)).map(|g| g.unit_code.clone()).collect();
    let scope = crate::units::subtree_codes(&all, &roots);
    let statuses = vec![
        DossierStatus::Submitted,
        DossierStatus::Accepted,
        DossierStatus::Processing,
        DossierStatus::SupplementRequested,
        DossierStatus::AwaitingPayment,
        DossierStatus::Processed,
    ];
    let dossiers = state.store.dossier_queue(&QueueFilter { unit_codes: scope, statuses, limit: 200 }).await?;
    Ok(render(&QueuePage { ctx, dossiers, now: Utc::now() }))
}

#[derive(Template)]
#[template(path = "dossiers/indices.html")]
struct IndicesPage {
    ctx: PageContext,
    view: super::api::IndicesView,
    units: Vec<Unit>,
}

impl IndicesPage {
    fn is_percent(&self, i: &smartcity_domain::indices::Indicator) -> bool {
        matches!(i.unit, smartcity_domain::indices::IndicatorUnit::Percent)
    }
}

/// `GET /indices?unit=&from=&to=`: the QĐ 766 indicators, public.
pub async fn indices(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<super::api::IndicesQuery>,
) -> AppResult<Response> {
    let view = super::indices::compute(&state, q.unit.as_deref(), q.from.as_deref(), q.to.as_deref()).await?;
    let units = state.store.list_units().await?.into_iter().filter(|u| u.is_active_on(today())).collect();
    Ok(render(&IndicesPage { ctx, view, units }))
}

/// Actions that need a reason typed (refuse, stop, withdraw).
pub fn needs_reason(kind: &ActionKind) -> bool {
    matches!(kind, ActionKind::Refuse | ActionKind::Stop | ActionKind::Withdraw)
}

/// Actions with no fields at all (one button).
pub fn is_plain(kind: &ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::Accept
            | ActionKind::StartProcessing
            | ActionKind::ReturnFromForward
            | ActionKind::RequestPayment
            | ActionKind::ConfirmPayment
    )
}

/// Value for an `id` attribute.
pub fn dom_id(kind: &ActionKind) -> String {
    format!("action-{}", kind.as_str().replace('_', "-"))
}
