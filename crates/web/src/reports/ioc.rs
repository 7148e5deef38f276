//! The IOC operator's side of field reports: the queue of reports waiting for verification,
//! routing or a decision after a dissatisfied rating, with likely-duplicate flags; a report's page
//! with the reporter's identity (the IOC alone sees it, and every view is an audited read of personal
//! data, Luật 91/2025/QH15), the routing proposal with override, and the verification actions.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::Role;
use smartcity_domain::reports::{
    CategoryCode, DuplicateScore, RejectReason, ReportAction, ReportActionKind, ReportCandidate, ReportStatus,
    RoutingProposal, WEAK_DUPLICATE_M, likely_duplicates,
};
use smartcity_domain::units::UnitCode;
use smartcity_store::audit::AuditEvent;
use smartcity_store::reports::{Report, ReportCategory};
use smartcity_store::reports_handling::ReportQuery;
use smartcity_store::units::Unit;
use smartcity_store::{AuditContext, AuditStore, ReportHandlingStore, ReportStore, UnitStore};

use super::citizen::{PublicReport, action_label, find_report, public_report, short_id};
use super::workflow;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::AppForm;
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// Luật 91/2025/QH15: a reporter's identity is personal data; every IOC view of it is recorded.
async fn reporters_read(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<String>,
    record_id: String,
    details: serde_json::Value,
) -> AppResult<()> {
    let event = AuditEvent { action: "personal_data.read", record_type: "report", record_id, details };
    state.store.record_audit(&AuditContext::account(user.id(), ip), event).await?;
    Ok(())
}

async fn require_ioc(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    user.require_any_role(state, &[Role::IocOperator]).await
}

/// Reports among the recent ones that may describe the same issue as `report`.
pub async fn duplicates_of(state: &AppState, report: &Report) -> AppResult<Vec<(Report, DuplicateScore)>> {
    let Ok(category) = CategoryCode::parse(&report.service_code) else { return Ok(Vec::new()) };
    let point = GeoPoint { lat: report.lat, lon: report.lon };
    let since = report.created_at - smartcity_domain::reports::DUPLICATE_WINDOW;
    let recent: Vec<Report> = state
        .store
        .nearby_reports(Some(&report.service_code), point, WEAK_DUPLICATE_M, since, 50)
        .await?
        .into_iter()
        .filter(|r| r.id != report.id && !matches!(r.status, ReportStatus::Rejected(_)))
        .collect();
    let candidate = |r: &Report| ReportCandidate {
        id: r.id.to_string(),
        category: category.clone(),
        location: GeoPoint { lat: r.lat, lon: r.lon },
        sent_at: r.created_at,
    };
    let scored = likely_duplicates(&candidate(report), &recent.iter().map(candidate).collect::<Vec<_>>());
    Ok(scored
        .into_iter()
        .filter_map(|(id, score)| recent.iter().find(|r| r.id.to_string() == id).map(|r| (r.clone(), score)))
        .collect())
}

/// One row of the IOC queue.
pub struct QueueRow {
    pub report: Report,
    pub category: String,
    pub ward: String,
    pub duplicates: usize,
    pub urgent: bool,
}

#[derive(Template)]
#[template(path = "reports/ioc_queue.html")]
struct QueuePage {
    ctx: PageContext,
    rows: Vec<QueueRow>,
    overdue: Vec<QueueRow>,
}

impl QueuePage {
    fn short(&self, r: &Report) -> String {
        short_id(&r.id)
    }
}

async fn rows(state: &AppState, ctx: &PageContext, reports: Vec<Report>) -> AppResult<Vec<QueueRow>> {
    let categories = state.store.report_categories().await?;
    let names = super::citizen::unit_names(state).await?;
    let mut out = Vec::new();
    for report in reports {
        let c = categories.iter().find(|c| c.code == report.service_code);
        let duplicates = if workflow::waits_for_ioc(&report) { duplicates_of(state, &report).await?.len() } else { 0 };
        out.push(QueueRow {
            category: c.map(|c| ctx.pick(&c.name_vi, &c.name_en).to_owned()).unwrap_or_default(),
            urgent: c.is_some_and(|c| c.process == smartcity_domain::reports::Process::Immediate),
            ward: report
                .ward_code
                .as_ref()
                .and_then(|w| names.get(w))
                .map(|(vi, en)| ctx.pick(vi, en).to_owned())
                .unwrap_or_default(),
            duplicates,
            report,
        });
    }
    Ok(out)
}

/// `GET /ioc/phan-anh`: reports waiting for the IOC (new, verified, answered but rated
/// dissatisfied), urgent categories first, then the oldest; and the overdue ones to chase. The
/// list shows reporters' names, so viewing it is an audited read of personal data.
pub async fn queue(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
) -> AppResult<Response> {
    require_ioc(&state, &user).await?;
    let mut waiting = state
        .store
        .report_listing(&ReportQuery {
            statuses: vec![ReportStatus::Submitted, ReportStatus::Verified],
            limit: 200,
            ..Default::default()
        })
        .await?;
    waiting.extend(
        state
            .store
            .report_listing(&ReportQuery {
                statuses: vec![ReportStatus::Answered],
                rating: Some(smartcity_domain::dossiers::Rating::Dissatisfied),
                limit: 100,
                ..Default::default()
            })
            .await?,
    );
    if !waiting.is_empty() {
        let ids: Vec<String> = waiting.iter().map(|r| r.id.to_string()).collect();
        reporters_read(&state, &user, ip, "ioc.queue".to_owned(), json!({"view": "ioc.queue", "reports": ids})).await?;
    }
    let mut rows_now = rows(&state, &ctx, waiting).await?;
    rows_now.sort_by(|a, b| b.urgent.cmp(&a.urgent).then(a.report.created_at.cmp(&b.report.created_at)));
    let now = Utc::now();
    let open: Vec<ReportStatus> = ReportStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
    let overdue = state
        .store
        .report_listing(&ReportQuery { statuses: open, due_before: Some(now), limit: 100, ..Default::default() })
        .await?;
    let overdue = rows(&state, &ctx, overdue).await?;
    Ok(render(&QueuePage { ctx, rows: rows_now, overdue }))
}

#[derive(Template)]
#[template(path = "reports/ioc_report.html")]
struct ReportPage {
    ctx: PageContext,
    r: PublicReport,
    duplicates: Vec<(Report, DuplicateScore)>,
    proposal: RoutingProposal,
    proposal_unit: String,
    units: Vec<Unit>,
    categories: Vec<ReportCategory>,
    actions: Vec<ReportActionKind>,
    error: Option<String>,
}

impl ReportPage {
    fn action_label(&self, action: &str) -> String {
        action_label(&self.ctx, action)
    }

    fn short(&self, r: &Report) -> String {
        short_id(&r.id)
    }

    fn has(&self, kind: &str) -> bool {
        self.actions.iter().any(|a| a.as_str() == kind)
    }

    fn distance(&self, s: &DuplicateScore) -> String {
        format!("{:.0}", s.distance_m)
    }

    fn is_proposed(&self, u: &Unit) -> bool {
        self.proposal.unit.as_ref() == Some(&u.code)
    }
}

async fn report_page(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    ip: Option<String>,
    report: Report,
    error: Option<String>,
) -> AppResult<ReportPage> {
    reporters_read(state, user, ip, report.id.to_string(), json!({"view": "ioc.report"})).await?;
    let duplicates = duplicates_of(state, &report).await?;
    let proposal = workflow::proposal(state, &report).await?;
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let units: Vec<Unit> = state.store.list_units().await?.into_iter().filter(|u| u.is_active_on(today)).collect();
    let proposal_unit = proposal
        .unit
        .as_ref()
        .and_then(|code| units.iter().find(|u| &u.code == code))
        .map(|u| ctx.pick(&u.name_vi, &u.name_en).to_owned())
        .unwrap_or_default();
    let actions = workflow::available_actions(state, user, &report).await?;
    let categories = state.store.report_categories().await?.into_iter().filter(|c| c.active).collect();
    Ok(ReportPage {
        r: public_report(state, report).await?,
        ctx,
        duplicates,
        proposal,
        proposal_unit,
        units,
        categories,
        actions,
        error,
    })
}

/// `GET /ioc/phan-anh/{id}`: a report for the IOC, reporter included (audited).
pub async fn report(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> AppResult<Response> {
    require_ioc(&state, &user).await?;
    let report = find_report(&state, &id).await?;
    Ok(render(&report_page(&state, ctx, &user, ip, report, None).await?))
}

/// An IOC action form: `action` and the fields it needs.
#[derive(Debug, Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    duplicate_of: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    category: String,
}

fn action_from(form: &ActionForm) -> AppResult<Option<ReportAction>> {
    let text = |s: &str| Some(smartcity_domain::text::nfc(s.trim())).filter(|s| !s.is_empty());
    let action = match form.action.as_str() {
        "category" => return Ok(None),
        "accept" => ReportAction::Accept,
        "reject" => ReportAction::Reject {
            reason: RejectReason::parse(&form.reason).map_err(|e| AppError::from(e).with_field("reason"))?,
            duplicate_of: text(&form.duplicate_of),
            note: text(&form.note),
        },
        "route" => {
            ReportAction::Route { unit: UnitCode::parse(&form.unit).map_err(|e| AppError::from(e).with_field("unit"))? }
        }
        "reopen" => ReportAction::Reopen { reason: form.note.clone() },
        "close" => ReportAction::Close,
        other => {
            return Err(AppError::invalid_field(
                "action",
                "action_unknown",
                format!("Thao tác “{other}” không có ở đây."),
                format!("There is no action “{other}” here."),
            ));
        }
    };
    Ok(Some(action))
}

/// `POST /ioc/phan-anh/{id}` (form): verify, reject, change the category, route, reopen, close.
pub async fn act(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    AppForm(form): AppForm<ActionForm>,
) -> AppResult<Response> {
    require_ioc(&state, &user).await?;
    let report = find_report(&state, &id).await?;
    let result = async {
        match action_from(&form)? {
            Some(action) => workflow::perform(&state, &user, ip.clone(), &report, action, Vec::new()).await,
            None => {
                let category = workflow::category(&state, &form.category).await?;
                if !matches!(report.status, ReportStatus::Submitted | ReportStatus::Verified) {
                    return Err(AppError::invalid_field(
                        "category",
                        "category_locked",
                        "Chỉ đổi lĩnh vực trước khi chuyển đơn vị xử lý.",
                        "The category can be changed only before the report is routed.",
                    ));
                }
                state
                    .store
                    .change_report_category(
                        &AuditContext::account(user.id(), ip.clone()),
                        &report,
                        &category.code,
                        Some(user.id()),
                    )
                    .await
                    .map_err(workflow::report_changed)
            }
        }
    }
    .await;
    match result {
        Ok(after) => Ok(redirect(&format!("/ioc/phan-anh/{}", after.id))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let message = e.message(ctx.lang_code()).to_owned();
            let fresh = find_report(&state, &id).await?;
            Ok(render_with_status(e.status, &report_page(&state, ctx, &user, ip, fresh, Some(message)).await?))
        }
        Err(e) => Err(e),
    }
}
