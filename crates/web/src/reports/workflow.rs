//! Carrying out a report action for the pages: who acts (IOC operator, the handling unit's staff,
//! the reporter), what `domain::reports::transition` allows, what the clock does (the deadline is
//! set when the report is first accepted or routed: sending date + the category's working days on
//! the shared calendar), and one store call that writes it with its event, audit and outbox records.
//! Also the routing proposal the IOC is offered, and photo intake.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use smartcity_domain::identity::Role;
use smartcity_domain::reports::{
    Actor, Category, CategoryCode, ReportAction, ReportActionKind, ReportFacts, ReportStatus, RoutingProposal,
    allowed_roles, authorize, due_at, due_date, propose_unit, transition,
};
use smartcity_domain::units::UnitCode;
use smartcity_protocols::images::PhotoLimits;
use smartcity_store::reports::{NewPhoto, NewReportEvent, Report, ReportCategory, ReportChange, ReportStore};
use smartcity_store::{AuditContext, IdentityStore, ReportHandlingStore, StoreError, UnitStore};
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::CurrentUser;

/// The roles of a handling unit's staff.
pub const UNIT_ROLES: [Role; 2] = [Role::ProcessingOfficer, Role::UnitLeader];

/// Largest photo accepted, before re-encoding.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Most photos per report or answer.
pub const MAX_PHOTOS: usize = 4;

/// Whether `user` operates the IOC (an IOC operator grant anywhere: the IOC works city-wide).
pub async fn is_ioc(state: &AppState, user: &CurrentUser) -> AppResult<bool> {
    Ok(state.store.grants_of(user.id()).await?.iter().any(|g| g.role == Role::IocOperator))
}

/// Whether `user` is staff of the unit handling `report` (or of a unit above it).
pub async fn in_handling_unit(state: &AppState, user: &CurrentUser, report: &Report) -> AppResult<bool> {
    match report.handling_unit_code.as_deref().map(UnitCode::parse) {
        Some(Ok(code)) => Ok(state.store.has_role_on(user.id(), &UNIT_ROLES, &code).await?),
        _ => Ok(false),
    }
}

async fn actor(state: &AppState, user: &CurrentUser, report: &Report, kind: ReportActionKind) -> AppResult<Actor> {
    let roles = allowed_roles(kind);
    let grants = state.store.grants_of(user.id()).await?;
    // A person with no staff grant acts as a citizen (citizens need no grant to report or rate).
    let role = grants.iter().map(|g| g.role).find(|r| roles.contains(r)).unwrap_or(Role::Citizen);
    Ok(Actor {
        role,
        in_handling_unit: in_handling_unit(state, user, report).await?,
        is_reporter: report.reporter.account_id == Some(user.id()),
    })
}

/// The actions `user` could take on `report` now (the buttons a page shows).
pub async fn available_actions(
    state: &AppState,
    user: &CurrentUser,
    report: &Report,
) -> AppResult<Vec<ReportActionKind>> {
    let mut out = Vec::new();
    for kind in smartcity_domain::reports::actions_from(report.status) {
        let blocked = match kind {
            ReportActionKind::Rate => report.rating.is_some(),
            ReportActionKind::Reopen => report.rating != Some(smartcity_domain::dossiers::Rating::Dissatisfied),
            ReportActionKind::Start => report.handling_unit_code.is_none(),
            _ => false,
        };
        if !blocked && authorize(kind, &actor(state, user, report, kind).await?).is_ok() {
            out.push(kind);
        }
    }
    Ok(out)
}

/// The category of a report as the domain rules see it.
pub fn domain_category(c: &ReportCategory) -> AppResult<Category> {
    Ok(Category {
        code: CategoryCode::parse(&c.code)?,
        name_vi: c.name_vi.clone(),
        name_en: c.name_en.clone(),
        examples_vi: c.examples_vi.clone(),
        agency_kind_vi: String::new(),
        agency_kind_en: String::new(),
        agency_kind: c.agency_kind,
        typical_agencies: Vec::new(),
        default_deadline_working_days: u32::try_from(c.deadline_days).unwrap_or(7),
        process: c.process,
    })
}

/// The category of `code`, or a clear error naming it.
pub async fn category(state: &AppState, code: &str) -> AppResult<ReportCategory> {
    state.store.report_category(code.trim()).await?.ok_or_else(|| {
        AppError::invalid_field(
            "category",
            "category_unknown",
            format!(
                "Lĩnh vực phản ánh “{}” không có trong danh mục; hãy chọn một lĩnh vực trong danh sách.",
                code.trim()
            ),
            format!("The report category “{}” is not in the catalogue; choose one from the list.", code.trim()),
        )
    })
}

/// The unit the IOC is offered for `report`: the ward containing its point for ward categories,
/// the unit configured for the category's agency kind otherwise (`domain::reports::propose_unit`).
pub async fn proposal(state: &AppState, report: &Report) -> AppResult<RoutingProposal> {
    let c = domain_category(&category(state, &report.service_code).await?)?;
    let ward = report.ward_code.as_deref().and_then(|w| UnitCode::parse(w).ok());
    let agency = state.store.report_agencies().await?.get(&c.agency_kind).and_then(|u| UnitCode::parse(u).ok());
    Ok(propose_unit(&c, ward.as_ref(), agency.as_ref()))
}

/// The deadline of a report sent at `sent_at` in `category`: the end of the last working day.
pub async fn deadline(state: &AppState, category: &ReportCategory, sent_at: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let calendar = crate::dossiers::workflow::calendar(state).await?;
    let days =
        u32::try_from(category.deadline_days).unwrap_or(smartcity_domain::reports::DEFAULT_DEADLINE_WORKING_DAYS);
    Ok(due_at(due_date(&calendar, sent_at, days)))
}

/// A new deadline typed as a local date (`YYYY-MM-DD`): the end of that day in Vietnam.
pub fn parse_new_due(text: &str) -> AppResult<DateTime<Utc>> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map(due_at).map_err(|_| {
        AppError::invalid_field(
            "new_due",
            "new_due_invalid",
            "Hạn xử lý mới phải là một ngày hợp lệ (ngày/tháng/năm).",
            "The new deadline must be a valid date.",
        )
    })
}

/// Check one photo and make it safe to publish: decoded, turned upright by its EXIF orientation and
/// re-encoded as JPEG without metadata (GPS, camera, owner) by `protocols::images::sanitize_photo`,
/// off the async threads. Errors name the file.
pub async fn clean_photo(file_name: &str, bytes: Vec<u8>) -> AppResult<NewPhoto> {
    let limits = PhotoLimits { max_bytes: MAX_PHOTO_BYTES, ..PhotoLimits::default() };
    match crate::shell::clean_image(bytes, limits).await {
        Ok(photo) => Ok(NewPhoto { content_type: photo.content_type.to_owned(), bytes: photo.bytes }),
        Err(e) if e.status.is_server_error() => Err(e),
        Err(e) => {
            let mut err = e.with_field("photos");
            err.vi = format!("Ảnh “{file_name}”: {}", err.vi);
            err.en = format!("Photo “{file_name}”: {}", err.en);
            Err(err)
        }
    }
}

/// Apply `action` to `report` on behalf of `user`; `photos` come with an answer.
pub async fn perform(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<String>,
    report: &Report,
    action: ReportAction,
    photos: Vec<NewPhoto>,
) -> AppResult<Report> {
    let kind = action.kind();
    authorize(kind, &actor(state, user, report, kind).await?).map_err(|e| match e.code {
        "role_not_allowed" | "not_handling_unit" | "not_reporter" => AppError::forbidden(),
        _ => e.into(),
    })?;
    if !photos.is_empty() && kind != ReportActionKind::Answer {
        return Err(AppError::invalid_field(
            "photos",
            "photos_not_expected",
            "Chỉ đính kèm ảnh khi trả lời phản ánh.",
            "Photos are attached only to an answer.",
        ));
    }
    let now = smartcity_store::now();
    let facts = ReportFacts {
        report_id: report.id.to_string(),
        now,
        handling_unit: report.handling_unit_code.as_deref().and_then(|u| UnitCode::parse(u).ok()),
        due_at: report.due_at,
        rating: report.rating,
    };
    let t = transition(report.status, &action, &facts)?;
    let mut change = ReportChange::from_report(
        report,
        t.to,
        NewReportEvent {
            action: kind.as_str().to_owned(),
            actor_id: Some(user.id()),
            from_unit: report.handling_unit_code.clone(),
            to_unit: t.handling_unit.as_ref().map(|u| u.to_string()).or(report.handling_unit_code.clone()),
            public_note: String::new(),
            details: serde_json::to_value(&action).unwrap_or_default(),
        },
    );
    if let Some(unit) = &t.handling_unit {
        if state.store.unit(unit).await?.is_none() {
            return Err(AppError::invalid_field(
                "unit",
                "unit_unknown",
                format!("Không có đơn vị mã {unit}."),
                format!("There is no unit with code {unit}."),
            ));
        }
        change.handling_unit_code = Some(unit.to_string());
    }
    if let Some(due) = t.due_at {
        change.due_at = Some(due);
    }
    if matches!(kind, ReportActionKind::Accept | ReportActionKind::Route) && change.due_at.is_none() {
        let c = category(state, &report.service_code).await?;
        change.due_at = Some(deadline(state, &c, report.created_at).await?);
    }
    let text = smartcity_domain::text::nfc;
    match &action {
        ReportAction::Reject { duplicate_of, note, .. } => {
            change.event.public_note = note.as_deref().map(text).unwrap_or_default();
            if let Some(original) = t.duplicate_of.as_deref() {
                let id = Uuid::parse_str(original.trim()).ok().filter(|_| duplicate_of.is_some()).ok_or_else(|| {
                    AppError::invalid_field(
                        "duplicate_of",
                        "duplicate_of_unknown",
                        "Mã phản ánh gốc không hợp lệ.",
                        "The original report's id is not valid.",
                    )
                })?;
                if state.store.report(id).await?.is_none() {
                    return Err(AppError::invalid_field(
                        "duplicate_of",
                        "duplicate_of_unknown",
                        "Không tìm thấy phản ánh gốc với mã này.",
                        "No report has this id.",
                    ));
                }
                change.duplicate_of = Some(id);
            }
        }
        ReportAction::Extend { reason, .. } | ReportAction::Transfer { reason, .. } => {
            change.event.public_note = text(reason.trim());
        }
        ReportAction::Reopen { reason } => {
            change.event.public_note = text(reason.trim());
            // The reporter rates the next answer afresh.
            change.rating = None;
            change.answered_at = None;
        }
        ReportAction::Answer { text: answer } => {
            let answer = text(answer.trim());
            change.answer = Some(answer.clone());
            change.answered_at = Some(now);
            change.event.public_note = answer;
            change.photos = photos;
        }
        ReportAction::Rate { rating, comment } => {
            change.rating = Some(*rating);
            change.event.details = json!({"rating": rating.as_str(), "comment": comment.as_deref().map(text)});
        }
        ReportAction::Accept | ReportAction::Route { .. } | ReportAction::Start | ReportAction::Close => {}
    }
    change.notify = match kind {
        ReportActionKind::Rate | ReportActionKind::Start => None,
        _ => Some(format!("report.{}", kind.as_str())),
    };
    state.store.apply_report_change(&AuditContext::account(user.id(), ip), change).await.map_err(report_changed)
}

/// A store error as the pages show it: someone acting first is a 409 asking to reload.
pub fn report_changed(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict { constraint } if constraint == "report_changed" => AppError::new(
            "report_changed",
            StatusCode::CONFLICT,
            "Phản ánh vừa được người khác cập nhật. Hãy tải lại trang và thử lại.",
            "Someone else updated this report just now. Reload the page and try again.",
        ),
        other => other.into(),
    }
}

/// A status is "waiting for the IOC": new, verified but not routed, or answered and rated
/// dissatisfied (may be reopened).
pub fn waits_for_ioc(report: &Report) -> bool {
    matches!(report.status, ReportStatus::Submitted | ReportStatus::Verified)
        || (report.status == ReportStatus::Answered
            && report.rating == Some(smartcity_domain::dossiers::Rating::Dissatisfied))
}
