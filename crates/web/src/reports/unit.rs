//! The handling unit's side of field reports (`/don-vi/phan-anh`): the reports routed to the
//! officer's units (and their subtrees) with deadline and overdue flags, and a report's page with
//! the unit's actions — start, more time (reason and new date), transfer, answer with text and
//! photos. The reporter's identity is never shown here: the unit sees what the public sees.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use smartcity_domain::reports::{ReportAction, ReportActionKind, ReportStatus};
use smartcity_domain::units::UnitCode;
use smartcity_store::reports::{NewPhoto, Report};
use smartcity_store::reports_handling::ReportQuery;
use smartcity_store::units::Unit;
use smartcity_store::{IdentityStore, ReportHandlingStore, ReportStore, UnitStore};

use super::citizen::{PublicReport, action_label, find_report, public_report, short_id};
use super::workflow::{self, MAX_PHOTOS, UNIT_ROLES};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// A report is "near its deadline" within this long of it.
pub const NEAR_DEADLINE: TimeDelta = TimeDelta::days(1);

/// The unit codes the officer works for: their grant units and everything below them.
async fn scope(state: &AppState, user: &CurrentUser) -> AppResult<Vec<String>> {
    user.require_any_role(state, &UNIT_ROLES).await?;
    let grants = state.store.grants_of(user.id()).await?;
    let roots: Vec<String> =
        grants.iter().filter(|g| UNIT_ROLES.contains(&g.role)).map(|g| g.unit_code.clone()).collect();
    Ok(crate::units::subtree_codes(&state.store.list_units().await?, &roots))
}

#[derive(Template)]
#[template(path = "reports/unit_queue.html")]
struct QueuePage {
    ctx: PageContext,
    rows: Vec<(Report, String)>,
    now: DateTime<Utc>,
}

impl QueuePage {
    fn short(&self, r: &Report) -> String {
        short_id(&r.id)
    }

    fn overdue(&self, r: &Report) -> bool {
        r.due_at.is_some_and(|due| smartcity_domain::reports::is_overdue(due, self.now, r.status))
    }

    fn near(&self, r: &Report) -> bool {
        !self.overdue(r)
            && r.due_at
                .is_some_and(|due| smartcity_domain::reports::needs_escalation(due - NEAR_DEADLINE, self.now, r.status))
    }
}

/// `GET /don-vi/phan-anh`: the reports the officer's units handle, most urgent deadline first.
pub async fn queue(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    let units = scope(&state, &user).await?;
    let statuses = vec![
        ReportStatus::Assigned,
        ReportStatus::InProgress,
        ReportStatus::Extended,
        ReportStatus::Transferred,
        ReportStatus::Reopened,
        ReportStatus::Answered,
    ];
    let mut reports = state
        .store
        .report_listing(&ReportQuery { handling_units: units, statuses, limit: 500, ..Default::default() })
        .await?;
    // Open reports by deadline, then the answered ones.
    reports.sort_by_key(|r| (!r.status.is_open(), r.due_at));
    let categories = state.store.report_categories().await?;
    let rows = reports
        .into_iter()
        .map(|r| {
            let name = categories
                .iter()
                .find(|c| c.code == r.service_code)
                .map(|c| ctx.pick(&c.name_vi, &c.name_en).to_owned())
                .unwrap_or_default();
            (r, name)
        })
        .collect();
    Ok(render(&QueuePage { ctx, rows, now: Utc::now() }))
}

#[derive(Template)]
#[template(path = "reports/unit_report.html")]
struct ReportPage {
    ctx: PageContext,
    r: PublicReport,
    actions: Vec<ReportActionKind>,
    units: Vec<Unit>,
    error: Option<String>,
}

impl ReportPage {
    fn action_label(&self, action: &str) -> String {
        action_label(&self.ctx, action)
    }

    fn has(&self, kind: &str) -> bool {
        self.actions.iter().any(|a| a.as_str() == kind)
    }
}

/// The report, if the officer's unit handles it; 403 otherwise (also for reports never routed).
async fn handled(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<Report> {
    user.require_any_role(state, &UNIT_ROLES).await?;
    let report = find_report(state, id).await?;
    if workflow::in_handling_unit(state, user, &report).await? { Ok(report) } else { Err(AppError::forbidden()) }
}

async fn report_page(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    report: Report,
    error: Option<String>,
) -> AppResult<ReportPage> {
    let actions = workflow::available_actions(state, user, &report).await?;
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let units = if actions.contains(&ReportActionKind::Transfer) {
        state
            .store
            .list_units()
            .await?
            .into_iter()
            .filter(|u| u.is_active_on(today) && Some(u.code.as_str()) != report.handling_unit_code.as_deref())
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReportPage { r: public_report(state, report).await?, ctx, actions, units, error })
}

/// `GET /don-vi/phan-anh/{id}`: a report for its handling unit (no reporter identity).
pub async fn report(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let report = handled(&state, &user, &id).await?;
    Ok(render(&report_page(&state, ctx, &user, report, None).await?))
}

/// Read the multipart action form: text fields and up to four photos.
async fn read_action(
    mut multipart: Multipart,
) -> AppResult<(std::collections::HashMap<String, String>, Vec<NewPhoto>)> {
    let bad = super::citizen::upload_error;
    let mut fields = std::collections::HashMap::new();
    let mut photos = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let file_name = crate::shell::clean_file_name(field.file_name().unwrap_or("anh"));
            let bytes = field.bytes().await.map_err(bad)?;
            if bytes.is_empty() {
                continue;
            }
            if photos.len() >= MAX_PHOTOS {
                return Err(AppError::invalid_field(
                    "photos",
                    "too_many_photos",
                    format!("Mỗi câu trả lời kèm tối đa {MAX_PHOTOS} ảnh."),
                    format!("An answer takes at most {MAX_PHOTOS} photos."),
                ));
            }
            photos.push(workflow::clean_photo(&file_name, bytes.to_vec()).await?);
        } else {
            fields.insert(name, smartcity_domain::text::nfc(&field.text().await.map_err(bad)?));
        }
    }
    Ok((fields, photos))
}

fn action_from(fields: &std::collections::HashMap<String, String>) -> AppResult<ReportAction> {
    let get = |k: &str| fields.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    Ok(match get("action").as_str() {
        "start" => ReportAction::Start,
        "extend" => {
            ReportAction::Extend { reason: get("reason"), new_due_at: workflow::parse_new_due(&get("new_due"))? }
        }
        "transfer" => ReportAction::Transfer {
            to_unit: UnitCode::parse(&get("to_unit")).map_err(|e| AppError::from(e).with_field("to_unit"))?,
            reason: get("reason"),
        },
        "answer" => ReportAction::Answer { text: get("text") },
        other => {
            return Err(AppError::invalid_field(
                "action",
                "action_unknown",
                format!("Thao tác “{other}” không có ở đây."),
                format!("There is no action “{other}” here."),
            ));
        }
    })
}

/// `POST /don-vi/phan-anh/{id}` (multipart, CSRF token in the action URL): the unit's actions.
pub async fn act(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> AppResult<Response> {
    let report = handled(&state, &user, &id).await?;
    let result = async {
        let (fields, photos) = read_action(multipart).await?;
        let action = action_from(&fields)?;
        workflow::perform(&state, &user, ip, &report, action, photos).await
    }
    .await;
    match result {
        // After a transfer the report is no longer this unit's: back to the queue.
        Ok(after) if workflow::in_handling_unit(&state, &user, &after).await? => {
            Ok(redirect(&format!("/don-vi/phan-anh/{}", after.id)))
        }
        Ok(_) => Ok(redirect("/don-vi/phan-anh")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let message = e.message(ctx.lang_code()).to_owned();
            let fresh = find_report(&state, &id).await?;
            Ok(render_with_status(e.status, &report_page(&state, ctx, &user, fresh, Some(message)).await?))
        }
        Err(e) => Err(e),
    }
}
