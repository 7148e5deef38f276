//! The layers of the operations-centre map (`GET /api/v1/ioc/map/{layer}`), each a GeoJSON FeatureCollection whose
//! features carry the colour and label the dashboard draws, so that the legend and the page agree with the server:
//! field reports by status, air stations by AQI, river gauges by flood alarm level, devices by online state, the
//! areas of warnings in force and heritage places. The ward outlines are the public `/phan-anh/ranh-gioi.geojson`,
//! the offline fallback when no tile server is configured.
//!
//! The IOC sees exact positions (it dispatches crews); reporters' identities are never in a layer.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use smartcity_domain::reports::ReportStatus;
use smartcity_domain::units::UnitCode;
use smartcity_store::reports::Report;
use smartcity_store::reports_handling::ReportQuery;
use smartcity_store::{OperationsStore, PortalStore, ReportHandlingStore, ReportStore, UnitStore};

use super::WATCHERS;
use crate::AppState;
use crate::error::{ApiErrorBody, AppError, AppResult};
use crate::reports::citizen::short_id;
use crate::sensing::alarms::{DeviceState, device_kind_labels, devices};
use crate::sensing::environment::{position, rivers, stations};
use crate::shell::auth::CurrentUser;
use crate::shell::page::PageContext;

/// The layers, in the order the layer control lists them.
pub const LAYERS: [&str; 6] = ["reports", "air", "rivers", "devices", "warnings", "heritage"];

/// Days of field reports the map shows (open ones of any age are shown too).
pub const REPORT_DAYS: i64 = 30;
/// Most reports on the map at once.
const MAX_REPORTS: i64 = 2000;

/// Colours of the report groups, chosen to read on light tiles and as marker borders (WCAG 3:1 against white).
fn report_group(r: &Report, now: DateTime<Utc>) -> (&'static str, &'static str) {
    let overdue = r.status.is_open() && r.due_at.is_some_and(|d| d < now);
    match r.status {
        _ if overdue => ("overdue", "#a1161b"),
        ReportStatus::Submitted | ReportStatus::Verified => ("new", "#1d4ed8"),
        ReportStatus::Answered | ReportStatus::Closed => ("done", "#1e6b34"),
        ReportStatus::Rejected(_) => ("rejected", "#4b5563"),
        _ => ("in_progress", "#9a3412"),
    }
}

/// Colour of a device state.
pub fn device_colour(s: DeviceState) -> &'static str {
    match s {
        DeviceState::Online => "#1e6b34",
        DeviceState::Late => "#9a3412",
        DeviceState::Offline => "#a1161b",
    }
}

/// Colour of a flood alarm level (`normal`, `bd1` … `above_bd3`).
pub fn river_colour(level: &str) -> &'static str {
    match level {
        "bd1" => "#b45309",
        "bd2" => "#c2410c",
        "bd3" | "above_bd3" => "#a1161b",
        _ => "#1d4ed8",
    }
}

fn point(lon: f64, lat: f64, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties})
}

fn collection(features: Vec<Value>) -> AppResult<Response> {
    let mut response = Json(json!({"type": "FeatureCollection", "features": features})).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, "application/geo+json".parse().map_err(AppError::internal)?);
    Ok(response)
}

async fn report_features(state: &AppState, ctx: &PageContext, now: DateTime<Utc>) -> AppResult<Vec<Value>> {
    let categories = state.store.report_categories().await?;
    let recent =
        ReportQuery { created_from: Some(now - Duration::days(REPORT_DAYS)), limit: MAX_REPORTS, ..Default::default() };
    let open = ReportQuery {
        statuses: ReportStatus::ALL.into_iter().filter(|s| s.is_open()).collect(),
        limit: MAX_REPORTS,
        ..Default::default()
    };
    let mut reports = state.store.report_listing(&recent).await?;
    for r in state.store.report_listing(&open).await? {
        if !reports.iter().any(|x| x.id == r.id) {
            reports.push(r);
        }
    }
    Ok(reports
        .into_iter()
        .map(|r| {
            let (group, colour) = report_group(&r, now);
            let category = categories
                .iter()
                .find(|c| c.code == r.service_code)
                .map(|c| ctx.pick(&c.name_vi, &c.name_en).to_owned())
                .unwrap_or_else(|| r.service_code.clone());
            point(
                r.lon,
                r.lat,
                json!({
                    "id": r.id.to_string(),
                    "code": short_id(&r.id),
                    "label": format!("{category} · {}", ctx.pick(r.status.label_vi(), r.status.label_en())),
                    "category": r.service_code,
                    "status": r.status.as_str(),
                    "group": group,
                    "colour": colour,
                    "ward_code": r.ward_code,
                    "sent_at": r.created_at.with_timezone(&smartcity_domain::time::TZ).to_rfc3339(),
                    "url": format!("/ioc/phan-anh/{}", r.id),
                }),
            )
        })
        .collect())
}

async fn air_features(state: &AppState, ctx: &PageContext, now: DateTime<Utc>) -> AppResult<Vec<Value>> {
    Ok(stations(state, now)
        .await?
        .into_iter()
        .filter_map(|s| {
            let (lat, lon) = (s.lat?, s.lon?);
            let (aqi, label, colour, category) = match &s.hourly {
                Some(a) => (Some(a.aqi), ctx.pick(&a.category_vi, &a.category_en).to_owned(), a.colour.clone(), a.category.clone()),
                None => (None, ctx.pick("Chưa đủ số liệu", "Not enough data").to_owned(), "#4b5563".to_owned(), "none".to_owned()),
            };
            Some(point(lon, lat, json!({
                "id": s.id,
                "label": match aqi { Some(v) => format!("{} · AQI {v} · {label}", s.name), None => format!("{} · {label}", s.name) },
                "aqi": aqi,
                "category": category,
                "colour": colour,
                "url": format!("/ioc/thiet-bi/{}", s.id),
            })))
        })
        .collect())
}

async fn river_features(state: &AppState, ctx: &PageContext, now: DateTime<Utc>) -> AppResult<Vec<Value>> {
    let mut out = Vec::new();
    for r in rivers(state, now).await? {
        let (Some(lat), Some(lon)) = position(state, r.id).await? else { continue };
        let level = r.level.clone().unwrap_or_else(|| "none".into());
        let level_label =
            ctx.pick(r.level_vi.as_deref().unwrap_or("—"), r.level_en.as_deref().unwrap_or("—")).to_owned();
        let name = ctx.pick(&r.name_vi, &r.name_en).to_owned();
        out.push(point(
            lon,
            lat,
            json!({
                "id": r.id,
                "label": match r.level_m { Some(m) => format!("{name} · {m:.2} m · {level_label}"), None => name },
                "level_m": r.level_m,
                "level": level,
                "colour": river_colour(&level),
                "url": format!("/ioc/thiet-bi/{}", r.id),
            }),
        ));
    }
    Ok(out)
}

async fn device_features(state: &AppState, ctx: &PageContext, now: DateTime<Utc>) -> AppResult<Vec<Value>> {
    let mut out = Vec::new();
    for d in devices(state, now).await? {
        let (Some(lat), Some(lon)) = position(state, d.id).await? else { continue };
        let (kind_vi, kind_en) = device_kind_labels(&d.kind);
        let (state_vi, state_en) = d.state.labels();
        out.push(point(
            lon,
            lat,
            json!({
                "id": d.id,
                "label": format!("{} · {} · {}", d.name, ctx.pick(kind_vi, kind_en), ctx.pick(state_vi, state_en)),
                "kind": d.kind,
                "state": d.state.as_str(),
                "colour": device_colour(d.state),
                "ward_code": d.ward_code,
                "url": format!("/ioc/thiet-bi/{}", d.id),
            }),
        ));
    }
    Ok(out)
}

async fn warning_features(state: &AppState, ctx: &PageContext, now: DateTime<Utc>) -> AppResult<Vec<Value>> {
    use smartcity_domain::portal::{Severity, WarningArea};
    let all_wards: Vec<UnitCode> = crate::reports::citizen::wards(state).await?.into_iter().map(|u| u.code).collect();
    let mut out = Vec::new();
    for w in state.store.warnings(Some(now), 100).await? {
        let colour = match w.warning.severity {
            Severity::Extreme | Severity::Severe => "#a1161b",
            Severity::Moderate => "#c2410c",
            _ => "#b45309",
        };
        let wards = match &w.warning.area {
            WarningArea::WholeCity => all_wards.clone(),
            WarningArea::Wards(codes) => codes.clone(),
        };
        for code in wards {
            if let Some(area) = state.store.unit_boundary(&code).await? {
                out.push(json!({
                    "type": "Feature",
                    "geometry": area.to_geojson_geometry(),
                    "properties": {
                        "id": w.id.to_string(),
                        "ward_code": code.to_string(),
                        "label": ctx.pick(&w.warning.headline_vi, &w.warning.headline_en),
                        "severity": w.warning.severity.as_str(),
                        "colour": colour,
                        "url": "/canh-bao",
                    },
                }));
            }
        }
    }
    Ok(out)
}

async fn heritage_features(state: &AppState, ctx: &PageContext, now: DateTime<Utc>) -> AppResult<Vec<Value>> {
    Ok(state
        .store
        .heritage_points(now)
        .await?
        .into_iter()
        .map(|p| {
            point(
                p.lon,
                p.lat,
                json!({
                    "id": p.article_id.to_string(),
                    "label": ctx.pick(&p.name_vi, &p.name_en),
                    "colour": "#6d28d9",
                    "ward_code": p.ward_code,
                    "url": format!("/{}/bai-viet/{}", p.site_slug, p.article_id),
                }),
            )
        })
        .collect())
}

/// One layer of the operations-centre map (IOC operators and administrators).
#[utoipa::path(get, path = "/api/v1/ioc/map/{layer}", tag = "operations",
    params(("layer" = String, Path, description = "reports, air, rivers, devices, warnings or heritage")),
    responses((status = 200, description = "GeoJSON FeatureCollection; each feature has `label`, `colour` and `url`", content_type = "application/geo+json", body = Object),
              (status = 401, description = "Not logged in", body = ApiErrorBody),
              (status = 403, description = "Not an IOC operator", body = ApiErrorBody),
              (status = 404, description = "No such layer", body = ApiErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn layer(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: PageContext,
    Path(layer): Path<String>,
) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let now = Utc::now();
    let features = match layer.trim_end_matches(".geojson") {
        "reports" => report_features(&state, &ctx, now).await?,
        "air" => air_features(&state, &ctx, now).await?,
        "rivers" => river_features(&state, &ctx, now).await?,
        "devices" => device_features(&state, &ctx, now).await?,
        "warnings" => warning_features(&state, &ctx, now).await?,
        "heritage" => heritage_features(&state, &ctx, now).await?,
        other => {
            return Err(AppError::new(
                "map_layer_unknown",
                StatusCode::NOT_FOUND,
                format!("Không có lớp bản đồ “{other}”; các lớp: {}.", LAYERS.join(", ")),
                format!("There is no map layer “{other}”; the layers are: {}.", LAYERS.join(", ")),
            ));
        }
    };
    collection(features)
}
