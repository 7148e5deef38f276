//! Printable legal forms of a dossier (Annex I of TT 03/2025/TT-VPCP): 01 receipt and
//! appointment (with a QR code to the public lookup), 02 supplement request, 03 refusal, 04 apology
//! and new date, 05 stop notice, 06 processing-control sheet, 07 register entry. A4 print CSS.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use smartcity_domain::dossiers::{DossierStatus, Form};
use smartcity_store::dossiers::Dossier;
use smartcity_store::procedures::Procedure;
use smartcity_store::units::Unit;
use smartcity_store::{DossierStore, ProcedureStore, UnitStore};

use super::pages::{EventRow, event_rows};
use super::workflow;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::CurrentUser;
use crate::shell::page::{PageContext, render};

#[derive(Template)]
#[template(path = "dossiers/form.html")]
struct FormPage {
    ctx: PageContext,
    form: Form,
    d: Dossier,
    p: Procedure,
    unit: Option<Unit>,
    events: Vec<EventRow>,
    /// The event that issued this form (its note is the reason, items, new date…).
    issuing: Option<EventRow>,
    /// Documents received with the dossier (form 01 lists what was actually handed in).
    received: Vec<smartcity_store::dossiers::DossierDocument>,
    qr: String,
    lookup_url: String,
}

impl FormPage {
    /// The procedure's name of the document kind a received file satisfies.
    fn document_name(&self, doc: &smartcity_store::dossiers::DossierDocument) -> String {
        self.p
            .documents
            .iter()
            .find(|d| d.key == doc.document_key)
            .map(|d| d.name_vi.clone())
            .unwrap_or_else(|| doc.document_key.clone())
    }
}

/// `GET /dossiers/{code}/forms/{number}`: a form, as issued (applicant or staff in scope).
pub async fn form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path((code, number)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let form = Form::from_number(&number)?;
    let d = state.store.dossier_by_code(&code).await?.ok_or_else(AppError::not_found)?;
    if !workflow::may_view(&state, &user, &d).await? {
        return Err(AppError::not_found());
    }
    let p = state.store.procedure(d.procedure_id).await?.ok_or_else(AppError::not_found)?;
    let events = state.store.dossier_events(d.id).await?;
    let issued = events.iter().any(|e| e.form.as_deref() == Some(form.number()));
    let always = matches!(form, Form::ControlSheet | Form::Register);
    if !issued && !always {
        return Err(AppError::new(
            "form_not_issued",
            axum::http::StatusCode::NOT_FOUND,
            format!("Hồ sơ này chưa có {} (mẫu {}).", form.title_vi(), form.number()),
            format!("This dossier has no {} (form {}) yet.", form.title_en(), form.number()),
        ));
    }
    if form == Form::Register && d.status != DossierStatus::ResultReturned {
        return Err(AppError::new(
            "form_not_issued",
            axum::http::StatusCode::NOT_FOUND,
            "Sổ theo dõi ghi nhận việc trả kết quả; hồ sơ chưa trả kết quả.",
            "The register records the delivery of the result; this dossier has not been returned yet.",
        ));
    }
    let unit = state.store.unit(&smartcity_domain::units::UnitCode::parse(&d.unit_code)?).await?;
    let rows = event_rows(events);
    let issuing = rows
        .iter()
        .rev()
        .find(|r| r.event.form.as_deref() == Some(form.number()))
        .map(|r| EventRow { event: r.event.clone(), outcome: r.outcome });
    // The QR code must work from a phone, so it carries the full address of the lookup page.
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    let lookup_url = format!("{scheme}://{host}/lookup?code={}", d.code);
    let received =
        state.store.dossier_documents(d.id).await?.into_iter().filter(|doc| doc.purpose != "result").collect();
    Ok(render(&FormPage {
        ctx,
        form,
        qr: crate::identity::pages::qr_svg(&lookup_url),
        lookup_url,
        d,
        p,
        unit,
        events: rows,
        issuing,
        received,
    }))
}
