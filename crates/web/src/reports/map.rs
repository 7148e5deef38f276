//! The public map and list of field reports (`/phan-anh/ban-do`) with filters (category, status,
//! ward, period), the GeoJSON the map loads for its viewport, the ward outlines that let the map work
//! without internet tiles, and per-unit statistics: received, processed, on time, average time,
//! satisfaction. Nothing here carries personal data: points are rounded to about 110 m.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use smartcity_domain::reports::ReportStatus;
use smartcity_store::reports::{BoundingBox, Report, ReportCategory};
use smartcity_store::reports_handling::{ReportQuery, UnitReportStats};
use smartcity_store::units::Unit;
use smartcity_store::{ReportHandlingStore, ReportStore, UnitStore};

use super::citizen::{short_id, unit_names, wards};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::extract::AppQuery;
use crate::shell::page::{PageContext, render};

/// Default period of the map and the statistics: the last 90 days.
const DEFAULT_DAYS: i64 = 90;
/// Most points the map shows at once.
const MAX_POINTS: i64 = 2000;

/// Filters of the map, the list and the GeoJSON.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct MapQuery {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub ward: String,
    /// First day (local), `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last day (local), included.
    #[serde(default)]
    pub to: String,
    /// Viewport `min_lon,min_lat,max_lon,max_lat` (the GeoJSON only).
    #[serde(default)]
    pub bbox: String,
}

fn local_day(text: &str, field: &'static str) -> AppResult<Option<NaiveDate>> {
    match text.trim() {
        "" => Ok(None),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| {
            AppError::invalid_field(
                field,
                "date_invalid",
                format!("Ngày “{t}” không hợp lệ; hãy dùng dạng năm-tháng-ngày, ví dụ 2026-11-27."),
                format!("The date “{t}” is not valid; use year-month-day, e.g. 2026-11-27."),
            )
        }),
    }
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    smartcity_domain::reports::due_at(day) + TimeDelta::seconds(1) - TimeDelta::days(1)
}

/// The store query for `q`, or a clear error for a malformed filter.
pub fn to_query(q: &MapQuery, limit: i64) -> AppResult<ReportQuery> {
    let from = local_day(&q.from, "from")?.map(start_of).unwrap_or_else(|| Utc::now() - TimeDelta::days(DEFAULT_DAYS));
    let to = local_day(&q.to, "to")?.map(|d| start_of(d) + TimeDelta::days(1));
    let statuses = match q.status.trim() {
        "" => Vec::new(),
        "open" => ReportStatus::ALL.into_iter().filter(|s| s.is_open()).collect(),
        s => vec![ReportStatus::parse(s).map_err(|e| AppError::from(e).with_field("status"))?],
    };
    let bbox = match q.bbox.trim() {
        "" => None,
        b => {
            let n: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            match n.as_slice() {
                [min_lon, min_lat, max_lon, max_lat] if min_lat <= max_lat && min_lon <= max_lon => {
                    Some(BoundingBox { min_lat: *min_lat, min_lon: *min_lon, max_lat: *max_lat, max_lon: *max_lon })
                }
                _ => {
                    return Err(AppError::invalid_field(
                        "bbox",
                        "bbox_invalid",
                        "Khung bản đồ phải gồm 4 số: kinh độ nhỏ, vĩ độ nhỏ, kinh độ lớn, vĩ độ lớn.",
                        "The map box must be four numbers: min longitude, min latitude, max longitude, max latitude.",
                    ));
                }
            }
        }
    };
    let one = |s: &str| if s.trim().is_empty() { Vec::new() } else { vec![s.trim().to_owned()] };
    Ok(ReportQuery {
        statuses,
        service_codes: one(&q.category),
        ward_codes: one(&q.ward),
        created_from: Some(from),
        created_to: to,
        bbox,
        limit,
        ..Default::default()
    })
}

/// Per-unit statistics as the page shows them.
pub struct UnitStats(pub UnitReportStats);

impl UnitStats {
    /// Share of processed reports answered in time, in whole percent.
    pub fn on_time_percent(&self) -> Option<u32> {
        percent(self.0.on_time, self.0.processed)
    }

    /// Share of ratings that were satisfied or acceptable, in whole percent.
    pub fn satisfaction_percent(&self) -> Option<u32> {
        percent(self.0.content, self.0.rated)
    }

    /// Mean time to answer, in hours with one decimal.
    pub fn average(&self) -> String {
        self.0.average_seconds.map(|s| format!("{:.1}", s / 3600.0)).unwrap_or_else(|| "—".into())
    }
}

fn percent(part: i64, whole: i64) -> Option<u32> {
    (whole > 0).then(|| ((part as f64) * 100.0 / (whole as f64)).round() as u32)
}

#[derive(Template)]
#[template(path = "reports/map.html")]
struct MapPage {
    ctx: PageContext,
    q: MapQuery,
    categories: Vec<ReportCategory>,
    wards: Vec<Unit>,
    statuses: Vec<ReportStatus>,
    reports: Vec<Report>,
    stats: Vec<(UnitStats, String)>,
    tiles_url: String,
    geojson_query: String,
    error: Option<String>,
}

impl MapPage {
    fn short(&self, r: &Report) -> String {
        short_id(&r.id)
    }

    fn category_name(&self, code: &str) -> String {
        self.categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| self.ctx.pick(&c.name_vi, &c.name_en).to_owned())
            .unwrap_or_else(|| code.to_owned())
    }

    fn pct(&self, v: Option<u32>) -> String {
        v.map(|p| format!("{p} %")).unwrap_or_else(|| "—".into())
    }
}

/// `GET /phan-anh/ban-do`: the map, the filtered list and per-unit statistics.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<MapQuery>,
) -> AppResult<Response> {
    let categories = state.store.report_categories().await?;
    let (reports, stats, error) = match to_query(&q, 100) {
        Ok(query) => {
            let reports = state.store.report_listing(&query).await?;
            let from = query.created_from.unwrap_or_else(|| Utc::now() - TimeDelta::days(DEFAULT_DAYS));
            let to = query.created_to.unwrap_or_else(|| Utc::now() + TimeDelta::days(1));
            let names = unit_names(&state).await?;
            let stats = state
                .store
                .unit_report_stats(from, to)
                .await?
                .into_iter()
                .map(|s| {
                    let name = names
                        .get(&s.unit_code)
                        .map(|(vi, en)| ctx.pick(vi, en).to_owned())
                        .unwrap_or_else(|| s.unit_code.clone());
                    (UnitStats(s), name)
                })
                .collect();
            (reports, stats, None)
        }
        Err(e) => (Vec::new(), Vec::new(), Some(e.message(ctx.lang_code()).to_owned())),
    };
    let geojson_query = form_urlencoded::Serializer::new(String::new())
        .append_pair("category", &q.category)
        .append_pair("status", &q.status)
        .append_pair("ward", &q.ward)
        .append_pair("from", &q.from)
        .append_pair("to", &q.to)
        .finish();
    Ok(render(&MapPage {
        wards: wards(&state).await?,
        statuses: ReportStatus::ALL.to_vec(),
        tiles_url: state.config.map_tiles_url.clone(),
        ctx,
        q,
        categories,
        reports,
        stats,
        geojson_query,
        error,
    }))
}

/// `GET /phan-anh/ban-do.geojson?bbox=&category=&status=&ward=&from=&to=`: the reports in the
/// viewport as a GeoJSON FeatureCollection (category, status, date, link; no personal data).
pub async fn geojson(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<MapQuery>,
) -> AppResult<Response> {
    let query = to_query(&q, MAX_POINTS)?;
    let categories = state.store.report_categories().await?;
    let features: Vec<Value> = state
        .store
        .report_listing(&query)
        .await?
        .into_iter()
        .map(|r| {
            let category = categories
                .iter()
                .find(|c| c.code == r.service_code)
                .map(|c| ctx.pick(&c.name_vi, &c.name_en).to_owned())
                .unwrap_or_default();
            let round = |x: f64| (x * 1000.0).round() / 1000.0;
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(r.lon), round(r.lat)]},
                "properties": {
                    "id": r.id.to_string(),
                    "code": short_id(&r.id),
                    "category": r.service_code,
                    "category_name": category,
                    "status": r.status.as_str(),
                    "status_label": ctx.pick(r.status.label_vi(), r.status.label_en()),
                    "open": r.status.is_open(),
                    "sent_at": r.created_at.with_timezone(&smartcity_domain::time::TZ).to_rfc3339(),
                    "url": format!("/phan-anh/{}", r.id),
                }
            })
        })
        .collect();
    let mut response = Json(json!({"type": "FeatureCollection", "features": features})).into_response();
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, "application/geo+json".parse().map_err(AppError::internal)?);
    Ok(response)
}

/// `GET /phan-anh/ranh-gioi.geojson`: the outlines of Huế's wards and communes from the stored
/// unit boundaries, so the maps show where things are without internet tiles.
pub async fn ward_outlines(State(state): State<AppState>, ctx: PageContext) -> AppResult<Response> {
    let mut features = Vec::new();
    for w in wards(&state).await? {
        if let Some(area) = state.store.unit_boundary(&w.code).await? {
            features.push(json!({
                "type": "Feature",
                "geometry": area.to_geojson_geometry(),
                "properties": {"code": w.code.to_string(), "name": ctx.pick(&w.name_vi, &w.name_en)},
            }));
        }
    }
    let mut response = Json(json!({"type": "FeatureCollection", "features": features})).into_response();
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, "public, max-age=3600".parse().map_err(AppError::internal)?);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_and_are_absent_without_a_base() {
        let stats = |on_time, processed, content, rated| {
            UnitStats(UnitReportStats {
                unit_code: "19753".into(),
                received: 3,
                processed,
                on_time,
                average_seconds: Some(5400.0),
                rated,
                content,
            })
        };
        let s = stats(1, 3, 2, 3);
        assert_eq!((s.on_time_percent(), s.satisfaction_percent(), s.average()), (Some(33), Some(67), "1.5".into()));
        let none = stats(0, 0, 0, 0);
        assert_eq!((none.on_time_percent(), none.satisfaction_percent()), (None, None));
    }

    #[test]
    fn filters_parse_or_fail_clearly() {
        let q = MapQuery { status: "open".into(), bbox: "107.5,16.4,107.6,16.5".into(), ..Default::default() };
        let query = to_query(&q, 10).unwrap_or_else(|e| panic!("{e}"));
        assert!(query.statuses.iter().all(|s| s.is_open()) && !query.statuses.is_empty());
        assert_eq!(query.bbox.map(|b| b.min_lat), Some(16.4));
        for bad in [
            MapQuery { bbox: "1,2,3".into(), ..Default::default() },
            MapQuery { from: "27/11/2026".into(), ..Default::default() },
            MapQuery { status: "done".into(), ..Default::default() },
        ] {
            let e = to_query(&bad, 10).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
            assert!(!e.vi.is_empty() && !e.en.is_empty());
        }
    }
}
