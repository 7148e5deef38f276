//! The alarm queue of the dashboard (`/ioc`, fragment `/ioc/hang-doi`): alarms not yet closed, most severe and
//! longest waiting first, each with acknowledge / assign-to-me / clear and a comment, and the standard operating
//! procedure of its type as a checklist the operator ticks. Forms work without JavaScript (they post and come back
//! to `/ioc`); with htmx they post in place and get the fresh queue, and the live feed refreshes it when another
//! operator or a rule changes an alarm.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use smartcity_domain::operations::alarms::AlarmSeverity;
use smartcity_domain::operations::sop::can_tick;
use smartcity_store::operations::{SopStep, SopTick};
use smartcity_store::sensing::alarms::StoredAlarm;
use smartcity_store::{AlarmStore, AuditContext, OperationsStore, StoreError};
use uuid::Uuid;

use super::WATCHERS;
use crate::sensing::alarms::{ActionForm, alarm_detail, alarm_type_labels, perform};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::page::{PageContext, redirect, render};
use crate::{AppError, AppResult, AppState};

/// Most alarms the queue lists.
const QUEUE_LIMIT: i64 = 200;

/// One step of an alarm's checklist as shown.
#[derive(Debug, Clone)]
pub struct ChecklistStep {
    pub step: SopStep,
    pub tick: Option<SopTick>,
}

/// One alarm of the queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub alarm: StoredAlarm,
    pub type_label: String,
    pub detail: String,
    /// Minutes since it started.
    pub age_minutes: i64,
    pub checklist: Vec<ChecklistStep>,
    /// Whether the checklist may still change.
    pub open: bool,
}

impl QueueItem {
    /// Steps ticked out of the steps listed.
    pub fn progress(&self) -> (usize, usize) {
        (self.checklist.iter().filter(|s| s.tick.is_some()).count(), self.checklist.len())
    }
}

/// The queue as the dashboard shows it.
#[derive(Debug, Clone, Default)]
pub struct QueueView {
    pub items: Vec<QueueItem>,
}

/// Alarms that are not closed (cleared and acknowledged), active first, most severe first, oldest first, with their
/// checklists.
pub async fn load(state: &AppState, ctx: &PageContext, now: DateTime<Utc>) -> AppResult<QueueView> {
    let alarms: Vec<StoredAlarm> = state
        .store
        .list_alarms(false, QUEUE_LIMIT)
        .await?
        .into_iter()
        .filter(|a| !(a.alarm.cleared && a.alarm.acknowledged))
        .collect();
    let ids: Vec<Uuid> = alarms.iter().map(|a| a.id).collect();
    let steps = state.store.sop_steps().await?;
    let ticks = state.store.sop_ticks(&ids).await?;
    let items = alarms
        .into_iter()
        .map(|a| {
            let checklist = steps
                .iter()
                .filter(|s| s.alarm_type == a.alarm.alarm_type)
                .map(|s| ChecklistStep {
                    step: s.clone(),
                    tick: ticks.iter().find(|t| t.alarm_id == a.id && t.step_id == s.id).cloned(),
                })
                .collect();
            let (vi, en) = alarm_type_labels(&a.alarm.alarm_type);
            QueueItem {
                type_label: ctx.pick(vi, en).to_owned(),
                detail: alarm_detail(ctx, &a),
                age_minutes: (now - a.alarm.start_ts).num_minutes().max(0),
                open: can_tick(&a.alarm).is_ok(),
                checklist,
                alarm: a,
            }
        })
        .collect();
    Ok(QueueView { items })
}

#[derive(Template)]
#[template(path = "operations/queue.html")]
struct QueueFragment {
    ctx: PageContext,
    queue: QueueView,
}

/// Labels shared by the fragment and the dashboard that includes it.
pub trait QueueLabels {
    fn page_ctx(&self) -> &PageContext;

    fn alarm_severity(&self, s: &AlarmSeverity) -> &'static str {
        self.page_ctx().pick(s.label_vi(), s.label_en())
    }

    fn alarm_status(&self, a: &StoredAlarm) -> &'static str {
        let s = a.alarm.status();
        self.page_ctx().pick(s.label_vi(), s.label_en())
    }
}

impl QueueLabels for QueueFragment {
    fn page_ctx(&self) -> &PageContext {
        &self.ctx
    }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some()
}

/// The fresh queue for an htmx request, else back to the dashboard.
async fn answer(state: &AppState, ctx: PageContext, headers: &HeaderMap) -> AppResult<Response> {
    if is_htmx(headers) {
        let queue = load(state, &ctx, Utc::now()).await?;
        Ok(render(&QueueFragment { ctx, queue }))
    } else {
        Ok(redirect("/ioc#hang-doi"))
    }
}

/// `GET /ioc/hang-doi`: the queue alone, for the dashboard to refresh it in place.
pub async fn fragment(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let queue = load(&state, &ctx, Utc::now()).await?;
    Ok(render(&QueueFragment { ctx, queue }))
}

/// `POST /ioc/hang-doi/{id}`: acknowledge, assign to me or clear, from the queue.
pub async fn act(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    perform(&state, &user, ip, id, &form).await?;
    answer(&state, ctx, &headers).await
}

/// A tick (or untick) of one checklist step.
#[derive(Debug, Deserialize)]
pub struct TickForm {
    /// Present (any value but `0`/`false`) when the step is done; an unticked checkbox sends nothing.
    #[serde(default)]
    pub done: Option<String>,
}

/// `POST /ioc/hang-doi/{id}/buoc/{step}`: tick or untick a step of the alarm's procedure.
pub async fn tick(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path((id, step)): Path<(Uuid, Uuid)>,
    Form(form): Form<TickForm>,
) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let alarm = state.store.get_alarm(id).await?;
    can_tick(&alarm.alarm)?;
    let done = form.done.as_deref().is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    let audit = AuditContext::account(user.id(), ip);
    match state.store.set_sop_tick(&audit, id, step, user.id(), done).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            return Err(AppError::invalid_field(
                "step",
                "sop_step_unknown",
                "Bước này không thuộc quy trình hiện hành của cảnh báo (có thể vừa được sửa); hãy tải lại trang.",
                "This step is not in the alarm's current procedure (it may have just been edited); reload the page.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    answer(&state, ctx, &headers).await
}
