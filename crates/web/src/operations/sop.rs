//! `/admin/quy-trinh`: administrators edit the standard operating procedure (quy trình xử lý) of each alarm type as
//! lines of `Vietnamese | English` (see `domain::operations::sop`). A step kept word for word keeps its ticks on
//! alarms in progress; a removed step is retired, so past alarms still show what was done.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use smartcity_domain::identity::Role;
use smartcity_domain::operations::sop::{DEFAULT_PROCEDURES, parse_steps, steps_text};
use smartcity_store::{AuditContext, OperationsStore};

use crate::sensing::alarms::alarm_type_labels;
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::AppQuery;
use crate::shell::page::{PageContext, redirect, render};
use crate::{AppError, AppResult, AppState};

/// One procedure as the form shows it.
pub struct ProcedureForm {
    pub alarm_type: String,
    pub label: String,
    pub text: String,
    pub steps: usize,
    /// The error of the last save of this procedure, if it was refused.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "operations/sop.html")]
struct SopPage {
    ctx: PageContext,
    procedures: Vec<ProcedureForm>,
    saved: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct SopQuery {
    #[serde(default)]
    pub saved: Option<String>,
}

/// The alarm types with a procedure: the ones the platform raises, then any other found in the store.
async fn procedures(state: &AppState, ctx: &PageContext) -> AppResult<Vec<ProcedureForm>> {
    let steps = state.store.sop_steps().await?;
    let mut types: Vec<String> = DEFAULT_PROCEDURES.iter().map(|(t, _)| (*t).to_owned()).collect();
    for s in &steps {
        if !types.contains(&s.alarm_type) {
            types.push(s.alarm_type.clone());
        }
    }
    Ok(types
        .into_iter()
        .map(|t| {
            let of_type: Vec<_> = steps.iter().filter(|s| s.alarm_type == t).collect();
            let (vi, en) = alarm_type_labels(&t);
            ProcedureForm {
                label: format!("{} ({t})", ctx.pick(vi, en)),
                text: steps_text(of_type.iter().map(|s| (s.text_vi.as_str(), s.text_en.as_str()))),
                steps: of_type.len(),
                alarm_type: t,
                error: None,
            }
        })
        .collect())
}

/// `GET /admin/quy-trinh`: every procedure in an editable text box.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    AppQuery(q): AppQuery<SopQuery>,
) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::Administrator]).await?;
    let procedures = procedures(&state, &ctx).await?;
    Ok(render(&SopPage { ctx, procedures, saved: q.saved.is_some() }))
}

/// The form of one procedure.
#[derive(Debug, Deserialize)]
pub struct SaveForm {
    pub alarm_type: String,
    #[serde(default)]
    pub steps: String,
}

/// `POST /admin/quy-trinh`: saves one procedure; a line to fix comes back with the text as typed, nothing lost.
pub async fn save(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<SaveForm>,
) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::Administrator]).await?;
    let alarm_type = form.alarm_type.trim();
    let mut procedures = procedures(&state, &ctx).await?;
    if !procedures.iter().any(|p| p.alarm_type == alarm_type) {
        return Err(AppError::invalid_field(
            "alarm_type",
            "alarm_type_unknown",
            format!("Không có loại cảnh báo “{alarm_type}”."),
            format!("There is no alarm type “{alarm_type}”."),
        ));
    }
    match parse_steps(&form.steps) {
        Ok(steps) => {
            state.store.save_sop_steps(&AuditContext::account(user.id(), ip), alarm_type, &steps).await?;
            Ok(redirect("/admin/quy-trinh?saved=1"))
        }
        Err(e) => {
            let message = AppError::from(e).message(ctx.lang_code()).to_owned();
            if let Some(p) = procedures.iter_mut().find(|p| p.alarm_type == alarm_type) {
                p.text = form.steps.clone();
                p.error = Some(message);
            }
            let mut response = render(&SopPage { ctx, procedures, saved: false });
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}
