//! Carrying out a dossier action: who may, what the state machine says, what the clock does. The
//! rules are `domain::dossiers::transition` and `domain::calendar`; this module gathers the facts,
//! checks the actor's role on the dossier's unit, and writes the outcome in one store call.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use smartcity_domain::calendar::WorkingCalendar;
use smartcity_domain::dossiers::{
    ActionKind, DossierAction, DossierFacts, DossierStatus, allowed_roles, requires_owner, transition,
};
use smartcity_domain::identity::Role;
use smartcity_domain::units::UnitCode;
use smartcity_store::dossiers::{Dossier, DossierChange, NewDocument, NewDossierEvent};
use smartcity_store::procedures::Procedure;
use smartcity_store::{
    AuditContext, CalendarStore, DossierStore, IdentityStore, ProcedureStore, StoreError, UnitStore,
};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::CurrentUser;

/// Working days an applicant has to complete a requested supplement before the dossier may be
/// refused or stopped. No national figure exists; Huế's desks use 15 working days in practice [U].
pub const SUPPLEMENT_WORKING_DAYS: u32 = 15;

/// The working-day calendar with the administrators' adjustments.
pub async fn calendar(state: &AppState) -> AppResult<WorkingCalendar> {
    Ok(WorkingCalendar::new(state.store.day_adjustments().await?))
}

/// Whether `user` holds one of `roles` on the dossier's current unit (or its responsible unit), or
/// is a city-wide reception desk officer for reception actions.
async fn acts_on_dossier(state: &AppState, user: &CurrentUser, roles: &[Role], dossier: &Dossier) -> AppResult<bool> {
    for unit in [&dossier.current_unit_code, &dossier.unit_code] {
        let code = UnitCode::parse(unit)?;
        if state.store.has_role_on(user.id(), roles, &code).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether `user` may see the dossier in full: its applicant, or staff of its units.
pub async fn may_view(state: &AppState, user: &CurrentUser, dossier: &Dossier) -> AppResult<bool> {
    if dossier.applicant_id == Some(user.id()) {
        return Ok(true);
    }
    let staff =
        [Role::ReceptionOfficer, Role::ProcessingOfficer, Role::UnitLeader, Role::Administrator, Role::IocOperator];
    acts_on_dossier(state, user, &staff, dossier).await
}

/// The actions `user` could take on the dossier now (for the buttons of the dossier page).
pub async fn available_actions(state: &AppState, user: &CurrentUser, dossier: &Dossier) -> AppResult<Vec<ActionKind>> {
    let mut out = Vec::new();
    let now = Utc::now();
    for kind in smartcity_domain::dossiers::actions_from(dossier.status) {
        // Offer only what would succeed: the status allows more than the facts sometimes do.
        let blocked = match kind {
            ActionKind::Rate => dossier.state.rating.is_some(),
            ActionKind::ReturnFromForward => dossier.current_unit_code == dossier.unit_code,
            ActionKind::ExtendDeadline => dossier.state.due_at.is_none_or(|due| due <= now),
            ActionKind::SubmitSupplement => dossier.state.supplement_due_at.is_some_and(|due| due <= now),
            _ => false,
        };
        if !blocked && authorised(state, user, dossier, kind).await? {
            out.push(kind);
        }
    }
    Ok(out)
}

async fn authorised(state: &AppState, user: &CurrentUser, dossier: &Dossier, kind: ActionKind) -> AppResult<bool> {
    let is_owner = dossier.applicant_id == Some(user.id());
    if requires_owner(kind) {
        // A counter dossier has no online account behind it: the desk acts for the applicant.
        return Ok(is_owner
            || (kind != ActionKind::Rate && acts_on_dossier(state, user, &[Role::ReceptionOfficer], dossier).await?));
    }
    acts_on_dossier(state, user, allowed_roles(kind), dossier).await
}

fn facts(dossier: &Dossier, procedure: &Procedure, now: DateTime<Utc>) -> DossierFacts {
    let s = &dossier.state;
    let mut facts = DossierFacts::new(now);
    facts.accepted = s.accepted_at.is_some();
    facts.forwarded = dossier.current_unit_code != dossier.unit_code;
    facts.supplement_requests = u32::try_from(s.supplement_requests).unwrap_or(u32::MAX);
    facts.due_at = s.due_at;
    facts.supplement_deadline = s.supplement_due_at;
    facts.rated = s.rating.is_some();
    facts.has_result = s.has_e_result || procedure.paper_result;
    facts.current_step = usize::try_from(s.current_step).unwrap_or_default();
    facts.step_count = procedure.steps.len();
    facts
}

/// Deadline of step `index` started at `started`: its budget rounded up to whole working days.
pub fn step_deadline(
    calendar: &WorkingCalendar,
    procedure: &Procedure,
    index: usize,
    started: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let step = procedure.steps.get(index)?;
    Some(calendar.due_date(started, step.days.ceil().max(0.0) as u32))
}

/// Who takes an action: an account, or the platform itself (the payment gateway's notification moving a paid
/// dossier out of status 6), recorded on the dossier's history.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<uuid::Uuid>,
    pub name: String,
}

impl Actor {
    /// The platform acting on its own.
    pub fn system() -> Self {
        Actor { id: None, name: "Hệ thống (cổng thanh toán)".to_owned() }
    }
}

/// Apply `action` to `dossier` on behalf of `user`; `documents` are files that come with it
/// (supplement papers, the electronic result).
pub async fn perform(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<String>,
    dossier: &Dossier,
    action: DossierAction,
    documents: Vec<NewDocument>,
) -> AppResult<Dossier> {
    let kind = action.kind();
    if !authorised(state, user, dossier, kind).await? {
        return Err(AppError::forbidden());
    }
    let actor = Actor { id: Some(user.id()), name: user.0.account.display_name.clone() };
    let change = plan(state, &actor, dossier, action, documents).await?;
    let ctx = AuditContext::account(user.id(), ip);
    let done = state.store.apply_dossier_change(&ctx, change).await.map_err(changed_conflict)?;
    // A procedure that wants its fees before processing sends the dossier to status 6 here.
    crate::payments::after_dossier_action(state, &ctx, kind, done).await
}

/// A stale-read conflict from the store as the user-facing `dossier_changed` error.
pub fn changed_conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict { constraint } if constraint == "dossier_changed" => AppError::new(
            "dossier_changed",
            axum::http::StatusCode::CONFLICT,
            "Hồ sơ vừa được người khác cập nhật. Hãy tải lại trang và thử lại.",
            "Someone else updated this dossier just now. Reload the page and try again.",
        ),
        other => other.into(),
    }
}

/// Decide `action` on `dossier` for `actor` with the state machine and the calendar, and return the change to
/// write (not yet written). Authorisation is the caller's job.
pub async fn plan(
    state: &AppState,
    actor: &Actor,
    dossier: &Dossier,
    action: DossierAction,
    documents: Vec<NewDocument>,
) -> AppResult<DossierChange> {
    let kind = action.kind();
    let procedure = state.store.procedure(dossier.procedure_id).await?.ok_or_else(AppError::not_found)?;
    let now = smartcity_store::now();
    let mut facts = facts(dossier, &procedure, now);
    let purpose = match kind {
        ActionKind::SubmitSupplement => "supplement",
        _ => "result",
    };
    if purpose == "result" && !documents.is_empty() {
        if !matches!(kind, ActionKind::Approve | ActionKind::MarkProcessed | ActionKind::CompleteStep) {
            return Err(AppError::invalid_field(
                "documents",
                "documents_not_expected",
                "Thao tác này không kèm tệp. Tệp kết quả được đính kèm khi phê duyệt hoặc hoàn thành xử lý.",
                "This action takes no files. Attach the result file when approving or completing processing.",
            ));
        }
        facts.has_result = true;
    }
    let step = transition(dossier.status, &action, &facts)?;
    let calendar = calendar(state).await?;
    let mut next = dossier.state.clone();
    let mut unit = dossier.current_unit_code.clone();
    let mut note = String::new();
    let mut details = serde_json::to_value(&action).unwrap_or_default();
    match &action {
        DossierAction::Accept => {
            next.accepted_at = Some(now);
            let due = calendar.due_date(now, u32::try_from(procedure.processing_days).unwrap_or(0));
            next.due_at = Some(due);
            next.original_due_at = Some(due);
        }
        DossierAction::Refuse { reason } | DossierAction::Stop { reason } | DossierAction::Withdraw { reason } => {
            note = reason.clone();
            next.finished_at = Some(now);
        }
        DossierAction::RequestSupplement { reason, items } => {
            note = format!("{reason}\n- {}", items.join("\n- "));
            next.supplement_requests += 1;
            let deadline = calendar
                .add_working_days(now.with_timezone(&smartcity_domain::time::TZ).date_naive(), SUPPLEMENT_WORKING_DAYS);
            next.supplement_due_at = Some(
                calendar.due_date(
                    smartcity_domain::time::TZ
                        .from_local_datetime(&deadline.and_hms_opt(8, 0, 0).unwrap_or_default())
                        .single()
                        .map(|t| t.with_timezone(&Utc))
                        .unwrap_or(now),
                    0,
                ),
            );
            next.status_before_pause = Some(dossier.status);
            if step.pauses_clock {
                next.paused_at = Some(now);
            }
        }
        DossierAction::SubmitSupplement => {
            if documents.is_empty() {
                return Err(AppError::invalid_field(
                    "documents",
                    "supplement_files_missing",
                    "Hãy đính kèm giấy tờ bổ sung theo phiếu yêu cầu (mẫu 02).",
                    "Attach the documents the supplement request (form 02) asked for.",
                ));
            }
            if let Some(paused) = next.paused_at.take() {
                next.paused_seconds += (now - paused).num_seconds().max(0);
                // The appointment moves by the working days the clock stood still.
                let lost = calendar.working_days_between(paused, now).max(0);
                if let Some(due) = next.due_at {
                    let local = due.with_timezone(&smartcity_domain::time::TZ);
                    let moved = calendar.add_working_days(local.date_naive(), u32::try_from(lost).unwrap_or(0));
                    next.due_at = smartcity_domain::time::TZ
                        .from_local_datetime(&moved.and_time(local.time()))
                        .single()
                        .map(|t| t.with_timezone(&Utc));
                }
            }
            next.supplement_due_at = None;
            next.status_before_pause = None;
        }
        DossierAction::StartProcessing => {
            next.current_step = 0;
            next.step_started_at = Some(now);
        }
        DossierAction::CompleteStep { note: n } => {
            note = n.clone().unwrap_or_default();
            if let Some(index) = step.next_step {
                next.current_step = i64::try_from(index).unwrap_or_default();
                next.step_started_at = Some(now);
            }
        }
        DossierAction::Forward { to_unit, note: n } => {
            let target = UnitCode::parse(to_unit).map_err(|e| AppError::from(e).with_field("to_unit"))?;
            if state.store.unit(&target).await?.is_none() {
                return Err(StoreError::NotFound.into());
            }
            note = n.clone().unwrap_or_default();
            unit = target.to_string();
        }
        DossierAction::ReturnFromForward => unit = dossier.unit_code.clone(),
        DossierAction::ExtendDeadline { reason, new_due } => {
            note = reason.clone();
            next.due_at = Some(*new_due);
        }
        DossierAction::Approve | DossierAction::MarkProcessed { .. } => {}
        DossierAction::ReturnResult { .. } => next.returned_at = Some(now),
        DossierAction::Rate { rating, comment } => {
            next.rating = Some(*rating);
            next.rating_comment = comment.clone();
            next.rated_at = Some(now);
        }
        DossierAction::RequestPayment | DossierAction::ConfirmPayment => {}
    }
    if step.to == DossierStatus::Processed && next.finished_at.is_none() {
        next.finished_at = Some(now);
    }
    if !documents.is_empty() && purpose == "result" {
        next.has_e_result = true;
    }
    if let Some(obj) = details.as_object_mut() {
        obj.insert("documents".into(), json!(documents.len()));
    }
    let step_deadline = if step.to == DossierStatus::Processing {
        next.step_started_at
            .and_then(|t| step_deadline(&calendar, &procedure, usize::try_from(next.current_step).unwrap_or(0), t))
    } else {
        None
    };
    let notify = match kind {
        ActionKind::Accept
        | ActionKind::Refuse
        | ActionKind::RequestSupplement
        | ActionKind::ExtendDeadline
        | ActionKind::Stop
        | ActionKind::MarkProcessed
        | ActionKind::Approve
        | ActionKind::ReturnResult => Some(format!("dossier.{}", kind.as_str())),
        ActionKind::CompleteStep if step.to == DossierStatus::Processed => Some("dossier.approve".to_owned()),
        _ => None,
    };
    let change = DossierChange {
        dossier_id: dossier.id,
        expected_updated_at: dossier.updated_at,
        status: step.to,
        current_unit_code: unit.clone(),
        state: next,
        event: NewDossierEvent {
            action: kind.as_str().to_owned(),
            actor_id: actor.id,
            actor_name: actor.name.clone(),
            from_unit: Some(dossier.current_unit_code.clone()),
            to_unit: Some(unit),
            step_deadline,
            form: step.form.map(|f| f.number().to_owned()),
            note,
            details,
        },
        documents: documents.into_iter().map(|d| (purpose.to_owned(), d)).collect(),
        notify,
    };
    Ok(change)
}

/// The procedure version a dossier received now would use.
pub async fn procedure_in_force(state: &AppState, code: &str) -> AppResult<Procedure> {
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    state.store.procedure_in_force(code, today).await?.ok_or_else(|| {
        AppError::new(
            "procedure_not_found",
            axum::http::StatusCode::NOT_FOUND,
            format!("Không có thủ tục mã {code} đang có hiệu lực."),
            format!("There is no procedure with code {code} in force."),
        )
    })
}

/// Display name of the actor recorded on an event, for an account id.
pub async fn account_name(state: &AppState, id: uuid::Uuid) -> AppResult<String> {
    Ok(state.store.account(id).await?.map(|a| a.display_name).unwrap_or_default())
}
