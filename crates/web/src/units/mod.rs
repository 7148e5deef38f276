//! `units` over HTTP: the public list and detail pages, administration (add, rename, merge,
//! retire — scoped to the administrator's subtree), and the JSON API with "which ward is this
//! point in".

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::Role;
use smartcity_domain::text::fold_vietnamese;
use smartcity_domain::units::{UnitCode, UnitKind, validate_unit_name};
use smartcity_store::units::{NewUnit, Unit, UnitChange};
use smartcity_store::{AuditContext, IdentityStore, UnitStore};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiErrorBody, AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser, MaybeUser};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// Routes of the units capability.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units", get(list_page))
        .route("/units/{code}", get(detail_page))
        .route("/admin/units", get(admin_list).post(create))
        .route("/admin/units/{code}/rename", post(rename))
        .route("/admin/units/{code}/merge", post(merge))
        .route("/admin/units/{code}/retire", post(retire))
        .route("/api/v1/units", get(api_list))
        .route("/api/v1/units/locate", get(api_locate))
        .route("/api/v1/units/{code}", get(api_get))
}

/// The codes of `roots` and of every unit below them, each once, roots first (a role granted on a
/// unit reaches its whole subtree).
pub fn subtree_codes(all: &[Unit], roots: &[String]) -> Vec<String> {
    let mut scope: Vec<String> = Vec::new();
    for root in roots {
        if !scope.contains(root) {
            scope.push(root.clone());
        }
    }
    let mut i = 0;
    while i < scope.len() {
        let parent = scope[i].clone();
        for u in all.iter().filter(|u| u.parent_code.as_ref().is_some_and(|p| p.as_str() == parent)) {
            let code = u.code.to_string();
            if !scope.contains(&code) {
                scope.push(code);
            }
        }
        i += 1;
    }
    scope
}

fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive()
}

/// A unit as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    /// GSO code (`46`, `19753`) or agency code (`46.SYT`).
    pub code: String,
    pub parent_code: Option<String>,
    /// `city`, `ward`, `commune` or `agency`.
    pub kind: String,
    pub name_vi: String,
    pub name_en: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// First day in force (YYYY-MM-DD).
    pub valid_from: String,
    /// Day it ended (merged or retired), if it has.
    pub valid_to: Option<String>,
    /// Unit it was merged into.
    pub successor_code: Option<String>,
    /// Whether it exists today (Asia/Ho_Chi_Minh).
    pub active: bool,
}

impl UnitView {
    fn from_unit(u: &Unit) -> Self {
        UnitView {
            code: u.code.to_string(),
            parent_code: u.parent_code.as_ref().map(ToString::to_string),
            kind: u.kind.as_str().to_owned(),
            name_vi: u.name_vi.clone(),
            name_en: u.name_en.clone(),
            lat: u.lat,
            lon: u.lon,
            valid_from: u.valid_from.to_string(),
            valid_to: u.valid_to.map(|d| d.to_string()),
            successor_code: u.successor_code.as_ref().map(ToString::to_string),
            active: u.is_active_on(today()),
        }
    }
}

/// A recorded change, as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitChangeView {
    /// `created`, `renamed`, `merged` or `retired`.
    pub kind: String,
    pub effective_on: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// One unit with its children and history.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: UnitView,
    pub children: Vec<UnitView>,
    pub changes: Vec<UnitChangeView>,
}

/// Filters of the unit list.
#[derive(Debug, Deserialize, IntoParams, Default)]
pub struct UnitListQuery {
    /// Only `city`, `ward`, `commune` or `agency`.
    pub kind: Option<String>,
    /// Include merged and retired units (default false).
    #[serde(default)]
    pub include_ended: bool,
    /// Only units whose folded name contains this text (diacritics ignored).
    pub q: Option<String>,
}

async fn filtered_units(state: &AppState, query: &UnitListQuery) -> AppResult<Vec<Unit>> {
    let kind = query.kind.as_deref().filter(|k| !k.is_empty()).map(UnitKind::parse).transpose()?;
    let needle = query.q.as_deref().map(fold_vietnamese).unwrap_or_default();
    let day = today();
    Ok(state
        .store
        .list_units()
        .await?
        .into_iter()
        .filter(|u| query.include_ended || u.is_active_on(day))
        .filter(|u| kind.is_none_or(|k| u.kind == k))
        .filter(|u| {
            needle.is_empty()
                || fold_vietnamese(&u.name_vi).contains(&needle)
                || fold_vietnamese(&u.name_en).contains(&needle)
                || u.code.as_str().contains(needle.to_uppercase().as_str())
        })
        .collect())
}

/// List administrative units and agencies.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitListQuery),
    responses((status = 200, description = "Units", body = [UnitView]),
              (status = 422, description = "Unknown kind", body = ApiErrorBody)))]
pub async fn api_list(
    State(state): State<AppState>,
    AppQuery(query): AppQuery<UnitListQuery>,
) -> AppResult<Json<Vec<UnitView>>> {
    Ok(Json(filtered_units(&state, &query).await?.iter().map(UnitView::from_unit).collect()))
}

async fn unit_detail(state: &AppState, code: &str) -> AppResult<(Unit, Vec<Unit>, Vec<UnitChange>)> {
    let code = UnitCode::parse(code)?;
    let unit = state.store.unit(&code).await?.ok_or_else(AppError::not_found)?;
    let children =
        state.store.list_units().await?.into_iter().filter(|u| u.parent_code.as_ref() == Some(&unit.code)).collect();
    let changes = state.store.unit_changes(&code).await?;
    Ok((unit, children, changes))
}

/// One unit by code, with its children and its history of changes.
#[utoipa::path(get, path = "/api/v1/units/{code}", tag = "units",
    params(("code" = String, Path, description = "Unit code, e.g. 19753 or 46.SYT")),
    responses((status = 200, description = "The unit", body = UnitDetail),
              (status = 404, description = "No such unit", body = ApiErrorBody),
              (status = 422, description = "Malformed code", body = ApiErrorBody)))]
pub async fn api_get(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<UnitDetail>> {
    let (unit, children, changes) = unit_detail(&state, &code).await?;
    Ok(Json(UnitDetail {
        unit: UnitView::from_unit(&unit),
        children: children.iter().map(UnitView::from_unit).collect(),
        changes: changes
            .into_iter()
            .map(|c| UnitChangeView {
                kind: c.kind.as_str().to_owned(),
                effective_on: c.effective_on.to_string(),
                details: c.details,
            })
            .collect(),
    }))
}

/// A point to locate.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LocateQuery {
    /// Latitude, WGS84 decimal degrees.
    pub lat: f64,
    /// Longitude, WGS84 decimal degrees.
    pub lon: f64,
}

fn outside_hue() -> AppError {
    AppError::new(
        "location_outside_hue",
        StatusCode::NOT_FOUND,
        "Vị trí này không thuộc phường, xã nào của thành phố Huế.",
        "This location is not inside any ward or commune of Huế.",
    )
}

/// The ward or commune containing a point (404 outside Huế).
#[utoipa::path(get, path = "/api/v1/units/locate", tag = "units", params(LocateQuery),
    responses((status = 200, description = "The unit containing the point", body = UnitView),
              (status = 400, description = "lat/lon missing or not numbers", body = ApiErrorBody),
              (status = 404, description = "Outside Huế", body = ApiErrorBody),
              (status = 422, description = "lat/lon out of range", body = ApiErrorBody)))]
pub async fn api_locate(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<LocateQuery>,
) -> AppResult<Json<UnitView>> {
    let point = GeoPoint::new(q.lat, q.lon)?;
    let unit = state.store.locate_unit(point, today()).await?.ok_or_else(outside_hue)?;
    Ok(Json(UnitView::from_unit(&unit)))
}

#[derive(Template)]
#[template(path = "units/list.html")]
struct ListPage {
    ctx: PageContext,
    units: Vec<Unit>,
    q: String,
    admin: bool,
    located: Option<Result<Unit, String>>,
    lat: String,
    lon: String,
    kinds: Vec<UnitKind>,
    form_error: Option<String>,
}

/// Query of the public units page (filter and ward finder).
#[derive(Debug, Deserialize, Default)]
pub struct ListPageQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
}

async fn list_page_data(state: &AppState, ctx: PageContext, query: ListPageQuery, admin: bool) -> AppResult<ListPage> {
    let units =
        filtered_units(state, &UnitListQuery { kind: None, include_ended: admin, q: Some(query.q.clone()) }).await?;
    let lang = ctx.lang_code();
    let located = if query.lat.trim().is_empty() && query.lon.trim().is_empty() {
        None
    } else {
        let parsed = match (query.lat.trim().parse::<f64>(), query.lon.trim().parse::<f64>()) {
            (Ok(lat), Ok(lon)) => GeoPoint::new(lat, lon).map_err(AppError::from),
            _ => Err(AppError::invalid_field(
                "lat",
                "coordinates_invalid",
                "Vĩ độ và kinh độ phải là số thập phân, ví dụ 16.4637 và 107.5909.",
                "Latitude and longitude must be decimal numbers, e.g. 16.4637 and 107.5909.",
            )),
        };
        Some(match parsed {
            Ok(point) => {
                state.store.locate_unit(point, today()).await?.ok_or_else(|| outside_hue().message(lang).to_owned())
            }
            Err(e) => Err(e.message(lang).to_owned()),
        })
    };
    Ok(ListPage {
        ctx,
        units,
        q: query.q,
        admin,
        located,
        lat: query.lat,
        lon: query.lon,
        kinds: UnitKind::ALL.to_vec(),
        form_error: None,
    })
}

/// `GET /units`: every unit in force, a name filter and the ward finder.
pub async fn list_page(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<ListPageQuery>,
) -> AppResult<Response> {
    Ok(render(&list_page_data(&state, ctx, q, false).await?))
}

#[derive(Template)]
#[template(path = "units/detail.html")]
struct DetailPage {
    ctx: PageContext,
    unit: Unit,
    parent: Option<Unit>,
    children: Vec<Unit>,
    changes: Vec<UnitChange>,
    can_admin: bool,
    merge_targets: Vec<Unit>,
    today: String,
    error: Option<String>,
}

async fn detail_data(
    state: &AppState,
    ctx: PageContext,
    user: Option<&CurrentUser>,
    code: &str,
) -> AppResult<DetailPage> {
    let (unit, children, changes) = unit_detail(state, code).await?;
    let can_admin = match user {
        Some(u) => state.store.has_role_on(u.id(), &[Role::Administrator], &unit.code).await?,
        None => false,
    };
    let parent = match &unit.parent_code {
        Some(p) => state.store.unit(p).await?,
        None => None,
    };
    let day = today();
    let merge_targets = if can_admin {
        state
            .store
            .list_units()
            .await?
            .into_iter()
            .filter(|u| u.is_active_on(day) && u.code != unit.code && u.kind == unit.kind)
            .collect()
    } else {
        Vec::new()
    };
    Ok(DetailPage {
        ctx,
        unit,
        parent,
        children,
        changes,
        can_admin,
        merge_targets,
        today: day.to_string(),
        error: None,
    })
}

/// `GET /units/{code}`: a unit, its parent, children and history; administration forms for its
/// administrators.
pub async fn detail_page(
    State(state): State<AppState>,
    ctx: PageContext,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let user = user.map(CurrentUser);
    Ok(render(&detail_data(&state, ctx, user.as_ref(), &code).await?))
}

/// `GET /admin/units`: all units, ended ones included, and the form to add one.
pub async fn admin_list(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListPageQuery>,
) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::Administrator]).await?;
    Ok(render(&list_page_data(&state, ctx, q, true).await?))
}

/// Fields of the add-unit form.
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    code: String,
    parent_code: String,
    kind: String,
    name_vi: String,
    name_en: String,
    #[serde(default)]
    valid_from: String,
}

fn parse_date(field: &'static str, text: &str) -> AppResult<NaiveDate> {
    if text.trim().is_empty() {
        return Ok(today());
    }
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::invalid_field(
            field,
            "date_invalid",
            "Ngày không hợp lệ; dùng dạng năm-tháng-ngày, ví dụ 2025-07-01.",
            "The date is not valid; use year-month-day, e.g. 2025-07-01.",
        )
    })
}

/// `POST /admin/units`: add a unit under a parent the administrator administers.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<CreateForm>,
) -> AppResult<Response> {
    let attempt = async {
        let parent = UnitCode::parse(&form.parent_code).map_err(|e| AppError::from(e).with_field("parent_code"))?;
        user.require_role_on(&state, &[Role::Administrator], &parent).await?;
        let new = NewUnit {
            code: UnitCode::parse(&form.code)?,
            parent_code: Some(parent),
            kind: UnitKind::parse(&form.kind)?,
            name_vi: validate_unit_name(&form.name_vi)?,
            name_en: validate_unit_name(&form.name_en).map_err(|e| AppError::from(e).with_field("name_en"))?,
            lat: None,
            lon: None,
            valid_from: parse_date("valid_from", &form.valid_from)?,
        };
        Ok::<_, AppError>(state.store.create_unit(&AuditContext::account(user.id(), ip.clone()), new).await?)
    };
    match attempt.await {
        Ok(unit) => Ok(redirect(&format!("/units/{}", unit.code))),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            let lang = ctx.lang_code();
            let mut page = list_page_data(&state, ctx, ListPageQuery::default(), true).await?;
            page.form_error = Some(e.message(lang).to_owned());
            Ok(render_with_status(e.status, &page))
        }
    }
}

/// Fields of the rename form.
#[derive(Debug, Deserialize)]
pub struct RenameForm {
    name_vi: String,
    name_en: String,
    #[serde(default)]
    effective_on: String,
}

async fn admin_action<F, Fut>(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    code: &str,
    action: F,
) -> AppResult<Response>
where
    F: FnOnce(UnitCode) -> Fut,
    Fut: std::future::Future<Output = AppResult<()>>,
{
    let unit_code = UnitCode::parse(code)?;
    user.require_role_on(state, &[Role::Administrator], &unit_code).await?;
    match action(unit_code).await {
        Ok(()) => Ok(redirect(&format!("/units/{code}"))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let lang = ctx.lang_code();
            let mut page = detail_data(state, ctx, Some(user), code).await?;
            page.error = Some(e.message(lang).to_owned());
            Ok(render_with_status(e.status, &page))
        }
        Err(e) => Err(e),
    }
}

/// `POST /admin/units/{code}/rename`.
pub async fn rename(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppForm(form): AppForm<RenameForm>,
) -> AppResult<Response> {
    let audit = AuditContext::account(user.id(), ip);
    let (audit, store) = (&audit, &state.store);
    admin_action(&state, ctx, &user, &code, |unit| async move {
        let name_vi = validate_unit_name(&form.name_vi)?;
        let name_en = validate_unit_name(&form.name_en).map_err(|e| AppError::from(e).with_field("name_en"))?;
        let effective = parse_date("effective_on", &form.effective_on)?;
        store.rename_unit(audit, &unit, &name_vi, &name_en, effective).await?;
        Ok(())
    })
    .await
}

/// Fields of the merge form.
#[derive(Debug, Deserialize)]
pub struct MergeForm {
    target: String,
    #[serde(default)]
    effective_on: String,
}

/// `POST /admin/units/{code}/merge`: merge this unit into another (both in the
/// administrator's scope).
pub async fn merge(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppForm(form): AppForm<MergeForm>,
) -> AppResult<Response> {
    let audit = AuditContext::account(user.id(), ip);
    let user_ref = &user;
    let state_ref = &state;
    admin_action(&state, ctx, &user, &code, |unit| async move {
        let target = UnitCode::parse(&form.target).map_err(|e| AppError::from(e).with_field("target"))?;
        user_ref.require_role_on(state_ref, &[Role::Administrator], &target).await?;
        let effective = parse_date("effective_on", &form.effective_on)?;
        state_ref.store.merge_units(&audit, &[unit], &target, effective).await?;
        Ok(())
    })
    .await
}

/// Fields of the retire form.
#[derive(Debug, Deserialize)]
pub struct RetireForm {
    #[serde(default)]
    effective_on: String,
}

/// `POST /admin/units/{code}/retire`.
pub async fn retire(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppForm(form): AppForm<RetireForm>,
) -> AppResult<Response> {
    let audit = AuditContext::account(user.id(), ip);
    let (audit, store) = (&audit, &state.store);
    admin_action(&state, ctx, &user, &code, |unit| async move {
        let effective = parse_date("effective_on", &form.effective_on)?;
        store.retire_unit(audit, &unit, effective).await?;
        Ok(())
    })
    .await
}
