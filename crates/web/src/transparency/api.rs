//! `transparency` JSON API: the ranking of every unit and one unit's detail, for journalists, researchers and
//! partner dashboards: the QĐ 766 indicators, the field-report figures and the environment summary.
//! Public; counts only, never a person.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::environment::EnvironmentSummary;
use super::reports::ReportsTable;
use super::{UnitDetail, UnitsTable};
use crate::AppState;
use crate::error::{ApiErrorBody, AppResult};
use crate::shell::extract::AppQuery;

/// Reporting period, local dates (Asia/Ho_Chi_Minh), both days included.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day (YYYY-MM-DD), default 1 January of this year.
    pub from: Option<String>,
    /// Last day included (YYYY-MM-DD), default today; at most 5 years after `from`.
    pub to: Option<String>,
}

/// QĐ 766 indicators of the city, every ward and commune and every agency over a period, ranked within
/// each group (wards and communes together, agencies together).
#[utoipa::path(get, path = "/api/v1/transparency/units", tag = "transparency", params(PeriodQuery),
    responses((status = 200, description = "Every unit's indicators and rank", body = UnitsTable),
              (status = 422, description = "Malformed, reversed or too long period", body = ApiErrorBody)))]
pub async fn units(State(state): State<AppState>, AppQuery(q): AppQuery<PeriodQuery>) -> AppResult<Json<UnitsTable>> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(super::units_table(&state, &period).await?))
}

/// One unit over a period: indicators with the counts behind them and their formula in words, its rank,
/// and the month-by-month trend.
#[utoipa::path(get, path = "/api/v1/transparency/units/{code}", tag = "transparency",
    params(("code" = String, Path, description = "Unit code, e.g. 19753"), PeriodQuery),
    responses((status = 200, description = "The unit's indicators and trend", body = UnitDetail),
              (status = 404, description = "No such unit in the period", body = ApiErrorBody),
              (status = 422, description = "Malformed, reversed or too long period", body = ApiErrorBody)))]
pub async fn unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Json<UnitDetail>> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(super::unit_detail(&state, &code, &period).await?))
}

/// Reporting period and, optionally, the unit whose months (or map points) are wanted.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ReportsQuery {
    /// First day (YYYY-MM-DD), default 1 January of this year.
    pub from: Option<String>,
    /// Last day included (YYYY-MM-DD), default today; at most 5 years after `from`.
    pub to: Option<String>,
    /// Unit code whose monthly trend is listed (it and the units below it), default the city `46`.
    pub unit: Option<String>,
}

/// Field-report figures of every unit over a period (received, processed, on time, overdue, ratings, median
/// handling time; the counts behind every rate), ranked within each group by the on-time rate, with the
/// monthly trend of one unit.
#[utoipa::path(get, path = "/api/v1/transparency/reports", tag = "transparency", params(ReportsQuery),
    responses((status = 200, description = "Every unit's field-report figures and one unit's months", body = ReportsTable),
              (status = 404, description = "No such unit in the period", body = ApiErrorBody),
              (status = 422, description = "Malformed, reversed or too long period", body = ApiErrorBody)))]
pub async fn reports(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<ReportsQuery>,
) -> AppResult<Json<ReportsTable>> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(super::reports::reports_table(&state, &period, q.unit.as_deref()).await?))
}

/// The environment over a period: for the city and each air station the days per VN_AQI band and the worst
/// day; for each river gauge the peak against BĐ1–BĐ3 and the days at each alarm level.
#[utoipa::path(get, path = "/api/v1/transparency/environment", tag = "transparency", params(PeriodQuery),
    responses((status = 200, description = "Air-quality days and river levels over the period", body = EnvironmentSummary),
              (status = 422, description = "Malformed, reversed or too long period", body = ApiErrorBody)))]
pub async fn environment(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Json<EnvironmentSummary>> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(super::environment::environment_summary(&state, &period).await?))
}
