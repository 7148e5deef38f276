//! Administration of the one-stop services: procedure versions (a change takes effect on a date;
//! dossiers keep the version they were received under) and the per-year calendar adjustments.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;
use smartcity_domain::calendar::{DayAdjustment, Holiday};
use smartcity_domain::identity::Role;
use smartcity_domain::procedures::{FormField, OnlineLevel, ProcedureLevel, RequiredDocument, default_steps};
use smartcity_domain::text::clean_line;
use smartcity_domain::units::UnitCode;
use smartcity_store::procedures::{NewProcedure, Procedure};
use smartcity_store::{AuditContext, CalendarStore, ProcedureStore};

use super::workflow;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

async fn require_city_admin(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    user.require_role_on(state, &[Role::Administrator], &UnitCode::parse("46")?).await
}

#[derive(Template)]
#[template(path = "dossiers/admin_procedures.html")]
struct ProceduresPage {
    ctx: PageContext,
    procedures: Vec<Procedure>,
}

/// `GET /admin/procedures`: the catalogue as administrators see it.
pub async fn procedures(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let procedures = smartcity_store::ProcedureStore::list_procedures(&state.store, today, "").await?;
    Ok(render(&ProceduresPage { ctx, procedures }))
}

/// The editable fields of a procedure version, as text.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct VersionForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    field_vi: String,
    #[serde(default)]
    field_en: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    agency_vi: String,
    #[serde(default)]
    processing_days: String,
    #[serde(default)]
    online_level: String,
    #[serde(default)]
    fee_vnd: String,
    #[serde(default)]
    fee_note: String,
    /// One document per line: `name | name in English | copy kind 0/1/2 | required yes/no`.
    #[serde(default)]
    documents: String,
    /// The form definition as JSON (a list of fields).
    #[serde(default)]
    form_fields: String,
}

impl VersionForm {
    fn from_procedure(p: &Procedure) -> Self {
        VersionForm {
            code: p.code.clone(),
            valid_from: String::new(),
            name_vi: p.name_vi.clone(),
            name_en: p.name_en.clone(),
            field_vi: p.field_vi.clone(),
            field_en: p.field_en.clone(),
            level: p.level.as_str().to_owned(),
            unit_code: p.unit_code.clone().unwrap_or_default(),
            agency_vi: p.agency_vi.clone(),
            processing_days: p.processing_days.to_string(),
            online_level: p.online_level.as_str().to_owned(),
            fee_vnd: p.fee_vnd.to_string(),
            fee_note: p.fee_note.clone(),
            documents: p
                .documents
                .iter()
                .map(|d| {
                    format!(
                        "{} | {} | {} | {}",
                        d.name_vi,
                        d.name_en,
                        d.copy_kind,
                        if d.required { "yes" } else { "no" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            form_fields: serde_json::to_string_pretty(&p.form_fields).unwrap_or_default(),
        }
    }

    /// Turn the text into a new version, naming the field of the first problem found.
    fn parse(&self, previous: Option<&Procedure>) -> AppResult<NewProcedure> {
        let code = clean_line(&self.code);
        if code.is_empty() || code.len() > 40 {
            return Err(AppError::invalid_field(
                "code",
                "procedure_code_invalid",
                "Hãy nhập mã thủ tục (tối đa 40 ký tự).",
                "Enter the procedure code (40 characters at most).",
            ));
        }
        let valid_from = NaiveDate::parse_from_str(self.valid_from.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::invalid_field(
                "valid_from",
                "date_invalid",
                "Ngày hiệu lực phải có dạng năm-tháng-ngày.",
                "The effective date must be year-month-day.",
            )
        })?;
        if let Some(prev) = previous
            && valid_from <= prev.valid_from
        {
            return Err(AppError::invalid_field(
                "valid_from",
                "version_not_later",
                format!("Phiên bản mới phải có hiệu lực sau {}.", prev.valid_from.format("%d/%m/%Y")),
                format!("The new version must take effect after {}.", prev.valid_from),
            ));
        }
        let name_vi = clean_line(&self.name_vi);
        if name_vi.chars().count() < 3 {
            return Err(AppError::invalid_field(
                "name_vi",
                "procedure_name_missing",
                "Hãy nhập tên thủ tục.",
                "Enter the procedure's name.",
            ));
        }
        let number = |field: &'static str, text: &str| -> AppResult<i64> {
            let t = text.trim().replace(['.', ' '], "");
            t.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                AppError::invalid_field(
                    field,
                    "number_invalid",
                    format!("{field} phải là số nguyên không âm."),
                    format!("{field} must be a whole number, 0 or more."),
                )
            })
        };
        let processing_days = number("processing_days", &self.processing_days)?;
        let fee_vnd = number("fee_vnd", &self.fee_vnd)?;
        let mut documents = Vec::new();
        for (i, line) in self.documents.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let copy_kind =
                parts.get(2).and_then(|k| k.parse::<i64>().ok()).filter(|k| (0..=2).contains(k)).unwrap_or(1);
            documents.push(RequiredDocument {
                key: format!("doc{}", i + 1),
                name_vi: clean_line(parts[0]),
                name_en: clean_line(parts.get(1).copied().filter(|s| !s.is_empty()).unwrap_or(parts[0])),
                copy_kind,
                required: !matches!(parts.get(3).map(|s| s.to_lowercase()), Some(ref s) if s == "no" || s == "không"),
            });
        }
        if documents.is_empty() {
            return Err(AppError::invalid_field(
                "documents",
                "documents_required",
                "Hãy liệt kê ít nhất một thành phần hồ sơ.",
                "List at least one document.",
            ));
        }
        let form_fields: Vec<FormField> = if self.form_fields.trim().is_empty() {
            Vec::new()
        } else {
            serde_json::from_str(&self.form_fields).map_err(|e| {
                AppError::invalid_field(
                    "form_fields",
                    "form_fields_invalid",
                    format!("Định nghĩa biểu mẫu không phải JSON hợp lệ: {e}"),
                    format!("The form definition is not valid JSON: {e}"),
                )
            })?
        };
        let level = ProcedureLevel::parse(&self.level)?;
        let unit_code = match level {
            ProcedureLevel::City => Some(
                UnitCode::parse(if self.unit_code.trim().is_empty() { "46" } else { &self.unit_code })?.to_string(),
            ),
            ProcedureLevel::Commune => None,
        };
        Ok(NewProcedure {
            code,
            valid_from,
            name_en: clean_line(&self.name_en),
            name_vi,
            field_vi: clean_line(&self.field_vi),
            field_en: clean_line(&self.field_en),
            level,
            unit_code,
            agency_vi: clean_line(&self.agency_vi),
            processing_days,
            online_level: OnlineLevel::parse(&self.online_level),
            fee_vnd,
            fee_note: clean_line(&self.fee_note),
            legal_basis: previous.map(|p| p.legal_basis.clone()).unwrap_or_default(),
            documents,
            form_fields,
            steps: previous
                .filter(|p| p.processing_days == processing_days)
                .map(|p| p.steps.clone())
                .unwrap_or_else(|| default_steps(processing_days)),
            paper_result: previous.is_none_or(|p| p.paper_result),
        })
    }
}

#[derive(Template)]
#[template(path = "dossiers/admin_procedure.html")]
struct VersionPage {
    ctx: PageContext,
    versions: Vec<Procedure>,
    form: VersionForm,
    error: Option<String>,
    is_new: bool,
}

/// `GET /admin/procedures/{code}` (`new` for a new procedure): versions and the new-version form.
pub async fn procedure(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    if code == "new" {
        let form = VersionForm {
            level: "commune".into(),
            online_level: "mot_phan".into(),
            processing_days: "3".into(),
            fee_vnd: "0".into(),
            ..Default::default()
        };
        return Ok(render(&VersionPage { ctx, versions: Vec::new(), form, error: None, is_new: true }));
    }
    let versions = state.store.procedure_versions(&code).await?;
    let last = versions.last().ok_or_else(AppError::not_found)?;
    let form = VersionForm::from_procedure(last);
    Ok(render(&VersionPage { ctx, form, versions, error: None, is_new: false }))
}

/// `POST /admin/procedures`: add a version (or a new procedure).
pub async fn create_version(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<VersionForm>,
) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    let versions = state.store.procedure_versions(clean_line(&form.code).as_str()).await?;
    let result = match form.parse(versions.last()) {
        Ok(new) => state
            .store
            .create_procedure_version(&AuditContext::account(user.id(), ip), new)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(redirect(&format!("/admin/procedures/{}", p.code))),
        Err(e) if e.status.is_client_error() => {
            let message = e.message(ctx.lang_code()).to_owned();
            let is_new = versions.is_empty();
            Ok(render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &VersionPage { ctx, versions, form, error: Some(message), is_new },
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "dossiers/admin_calendar.html")]
struct CalendarPage {
    ctx: PageContext,
    year: i32,
    holidays: Vec<Holiday>,
    adjustments: Vec<DayAdjustment>,
    error: Option<String>,
}

impl CalendarPage {
    fn adjustment_date(&self, a: &DayAdjustment) -> String {
        a.date().to_string()
    }

    fn adjustment_is_day_off(&self, a: &DayAdjustment) -> bool {
        matches!(a, DayAdjustment::DayOff { .. })
    }

    fn adjustment_reason<'a>(&self, a: &'a DayAdjustment) -> &'a str {
        match a {
            DayAdjustment::DayOff { reason, .. } | DayAdjustment::WorkingDay { reason, .. } => reason,
        }
    }
}

/// Year shown on the calendar page.
#[derive(Debug, Deserialize, Default)]
pub struct YearQuery {
    year: Option<String>,
}

async fn calendar_page(
    state: &AppState,
    ctx: PageContext,
    year: i32,
    error: Option<String>,
) -> AppResult<CalendarPage> {
    let calendar = workflow::calendar(state).await?;
    let adjustments = state.store.day_adjustments().await?.into_iter().filter(|a| a.date().year() == year).collect();
    Ok(CalendarPage { ctx, year, holidays: calendar.holidays(year), adjustments, error })
}

/// `GET /admin/calendar?year=`: holidays of a year and the adjustments entered for it.
pub async fn calendar(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    let year = match q.year.as_deref() {
        Some(y) => smartcity_domain::calendar::parse_year(y)?,
        None => Utc::now().with_timezone(&smartcity_domain::time::TZ).year(),
    };
    Ok(render(&calendar_page(&state, ctx, year, None).await?))
}

/// Fields of the adjustment form.
#[derive(Debug, Deserialize)]
pub struct AdjustmentForm {
    date: String,
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    remove: String,
}

/// `POST /admin/calendar`: add, replace or remove the adjustment of a day.
pub async fn adjust(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<AdjustmentForm>,
) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    let audit = AuditContext::account(user.id(), ip);
    let date = match NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            let err = AppError::invalid_field(
                "date",
                "date_invalid",
                "Ngày phải có dạng năm-tháng-ngày.",
                "The date must be year-month-day.",
            );
            let year = Utc::now().with_timezone(&smartcity_domain::time::TZ).year();
            let message = err.message(ctx.lang_code()).to_owned();
            return Ok(render_with_status(err.status, &calendar_page(&state, ctx, year, Some(message)).await?));
        }
    };
    if form.remove == "1" {
        state.store.remove_day_adjustment(&audit, date).await?;
    } else {
        let reason = clean_line(&form.reason);
        if reason.is_empty() {
            let err = AppError::invalid_field(
                "reason",
                "reason_required",
                "Hãy ghi căn cứ (ví dụ số thông báo của Thủ tướng).",
                "Give the basis (e.g. the Prime Minister's notice).",
            );
            let message = err.message(ctx.lang_code()).to_owned();
            return Ok(render_with_status(err.status, &calendar_page(&state, ctx, date.year(), Some(message)).await?));
        }
        let adjustment = if form.kind == "working_day" {
            DayAdjustment::WorkingDay { date, reason }
        } else {
            DayAdjustment::DayOff { date, reason }
        };
        state.store.set_day_adjustment(&audit, &adjustment).await?;
    }
    Ok(redirect(&format!("/admin/calendar?year={}", date.year())))
}

#[derive(Template)]
#[template(path = "dossiers/admin_mail.html")]
struct MailPage {
    ctx: PageContext,
    mails: Vec<smartcity_store::outbox::Mail>,
}

/// `GET /admin/mail`: the mail outbox — what the platform sent (or would send through SMTP) to
/// citizens, newest first.
pub async fn mail(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    let mails = smartcity_store::OutboxStore::list_mail(&state.store, 200).await?;
    Ok(render(&MailPage { ctx, mails }))
}
