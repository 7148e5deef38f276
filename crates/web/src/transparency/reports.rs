//! Field-report statistics on the transparency pages: per handling unit (and its subtree; the city counts
//! every report, routed or not) over a period, ranked within the group by the on-time rate, split by month,
//! and the public points of the report map. The counts and handling times come from the running tallies
//! (`store::report_rollups`, moved by every report write), the open reports past their deadline from the index
//! of open reports, the points from [`TransparencyStore`]; the rates from `domain::transparency::reports`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use smartcity_domain::transparency::reports::{HandlingHours, ReportCounts, ReportFigures, report_figures};
use smartcity_domain::transparency::{Period, rank};
use smartcity_store::dossier_rollups::month_of;
use smartcity_store::report_rollups::{ReportRollupStore, UNROUTED};
use smartcity_store::units::Unit;
use smartcity_store::{ReportStore, TransparencyStore, UnitStore};
use utoipa::ToSchema;

use super::api::ReportsQuery;
use super::pages::{csv_field, csv_response};
use super::{CITY, RankGroup, units_in_period};
use crate::AppState;
use crate::dossiers::indices::local_midnight;
use crate::error::{AppError, AppResult};
use crate::shell::extract::AppQuery;
use crate::shell::page::PageContext;

/// One unit's field-report figures over the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitReports {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub group: RankGroup,
    /// Place within its group by the on-time rate (1 = best; ties share a place); null without a settled report.
    pub rank: Option<usize>,
    /// Counts, rates (2 decimals, null = N/A) and the median handling time in hours.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub figures: ReportFigures,
}

/// One month of a unit's (or the city's) field-report figures; no median (the histogram is per period).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub from: String,
    pub to: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub figures: ReportFigures,
}

/// Every unit's field-report figures over a period, ranked within its group, with the monthly trend of one
/// unit (`scope`, the city unless asked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportsTable {
    pub from: String,
    pub to: String,
    /// The unit whose months are listed.
    pub scope: String,
    pub units: Vec<UnitReports>,
    pub months: Vec<ReportMonth>,
}

impl ReportsTable {
    /// The line of `code`, if the unit existed in the period.
    pub fn unit(&self, code: &str) -> Option<&UnitReports> {
        self.units.iter().find(|u| u.code == code.trim())
    }
}

/// Counts per unit code and month bucket, and handling-time histograms per unit code, as the store gave them;
/// reports not routed yet are the city's.
struct Gathered {
    counts: HashMap<String, Vec<ReportCounts>>,
    hours: HashMap<String, HandlingHours>,
    months: usize,
}

async fn gather(state: &AppState, period: &Period) -> AppResult<Gathered> {
    let months = period.months();
    let index: HashMap<NaiveDate, usize> = months.iter().enumerate().map(|(i, m)| (month_of(m.from()), i)).collect();
    let unit_key = |code: String| if code == UNROUTED { CITY.to_owned() } else { code };
    let mut counts: HashMap<String, Vec<ReportCounts>> = HashMap::new();
    let mut hours: HashMap<String, HandlingHours> = HashMap::new();
    for (unit, tallies) in state.store.report_tallies(period.from(), period.to()).await? {
        let unit = unit_key(unit);
        let buckets = counts.entry(unit.clone()).or_insert_with(|| vec![ReportCounts::default(); months.len()]);
        for (month, c) in tallies.months {
            if let Some(b) = index.get(&month).and_then(|&i| buckets.get_mut(i)) {
                *b += c;
            }
        }
        hours.entry(unit).or_default().merge(&tallies.hours);
    }
    // Open reports past their deadline depend on the moment: counted now, from the index of open reports.
    let mut bounds: Vec<_> = months.iter().map(|m| local_midnight(m.from())).collect();
    bounds.push(local_midnight(period.to().succ_opt().unwrap_or(period.to())));
    for (unit, bucket, n) in state.store.overdue_open_reports(&bounds, Utc::now()).await? {
        let unit = unit.map_or_else(|| CITY.to_owned(), unit_key);
        let buckets = counts.entry(unit).or_insert_with(|| vec![ReportCounts::default(); months.len()]);
        if let Some(b) = usize::try_from(bucket).ok().and_then(|i| buckets.get_mut(i)) {
            b.overdue_open += u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(Gathered { counts, hours, months: months.len() })
}

impl Gathered {
    /// Month by month counts of `codes` together.
    fn monthly(&self, codes: &[String]) -> Vec<ReportCounts> {
        let mut out = vec![ReportCounts::default(); self.months];
        for buckets in codes.iter().filter_map(|c| self.counts.get(c)) {
            for (o, b) in out.iter_mut().zip(buckets) {
                *o += *b;
            }
        }
        out
    }

    fn figures(&self, codes: &[String]) -> ReportFigures {
        let mut total = ReportCounts::default();
        for m in self.monthly(codes) {
            total += m;
        }
        let mut hours = HandlingHours::default();
        for h in codes.iter().filter_map(|c| self.hours.get(c)) {
            hours.merge(h);
        }
        report_figures(total, &hours)
    }
}

/// Every unit of the period with its figures (its subtree's reports), ranked within its group.
fn ranked(all: &[Unit], gathered: &Gathered, period: &Period) -> Vec<UnitReports> {
    let mut rows: Vec<UnitReports> = units_in_period(all, period)
        .iter()
        .map(|u| UnitReports {
            code: u.code.to_string(),
            name_vi: u.name_vi.clone(),
            name_en: u.name_en.clone(),
            group: RankGroup::of(u.kind),
            rank: None,
            figures: gathered.figures(&crate::units::subtree_codes(all, &[u.code.to_string()])),
        })
        .collect();
    for group in [RankGroup::City, RankGroup::Commune, RankGroup::Agency] {
        let positions: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].group == group).collect();
        let scores: Vec<Option<f64>> = positions.iter().map(|&i| rows[i].figures.on_time_rate).collect();
        for (&i, r) in positions.iter().zip(rank(&scores)) {
            rows[i].rank = r;
        }
    }
    rows.sort_by_key(|r| (r.group as u8, r.rank.unwrap_or(usize::MAX)));
    rows
}

/// Every unit's field-report figures over `period`, with the months of `scope` (default the city); a scope
/// that is not a unit of the period is 404.
pub async fn reports_table(state: &AppState, period: &Period, scope: Option<&str>) -> AppResult<ReportsTable> {
    let all = state.store.list_units().await?;
    let gathered = gather(state, period).await?;
    let units = ranked(&all, &gathered, period);
    let scope = scope.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(CITY).to_owned();
    if !units.iter().any(|u| u.code == scope) {
        return Err(AppError::not_found());
    }
    let codes = crate::units::subtree_codes(&all, std::slice::from_ref(&scope));
    let months = period
        .months()
        .iter()
        .zip(gathered.monthly(&codes))
        .map(|(m, counts)| ReportMonth {
            month: m.month_label(),
            from: m.from().to_string(),
            to: m.to().to_string(),
            figures: report_figures(counts, &HandlingHours::default()),
        })
        .collect();
    Ok(ReportsTable { from: period.from().to_string(), to: period.to().to_string(), scope, units, months })
}

/// Most points the GeoJSON download carries (newest first; `truncated` says when there were more): a year of a
/// busy city fits; the rest is in the CSV counts.
pub const MAX_MAP_POINTS: i64 = 10_000;

/// The reports sent in `period` (to `unit`'s subtree when given) as a GeoJSON FeatureCollection of points with
/// public fields only: id, category, status, dates, ward, handling unit and the public page. Never the reporter,
/// a contact, the description or the answer (free text may name people; the public page shows them in context),
/// and locations rounded to 3 decimals (about 110 m), as on the public map.
pub async fn report_map(
    state: &AppState,
    period: &Period,
    unit: Option<&str>,
    vi: bool,
) -> AppResult<serde_json::Value> {
    let all = state.store.list_units().await?;
    let units = match unit.map(str::trim).filter(|u| !u.is_empty()) {
        None => Vec::new(),
        Some(code) => {
            if !all.iter().any(|u| u.code.as_str() == code) {
                return Err(AppError::not_found());
            }
            crate::units::subtree_codes(&all, &[code.to_owned()])
        }
    };
    let names: HashMap<String, (String, String)> =
        all.iter().map(|u| (u.code.to_string(), (u.name_vi.clone(), u.name_en.clone()))).collect();
    let name = |code: &Option<String>| {
        code.as_ref().and_then(|c| names.get(c)).map(|(v, e)| if vi { v.clone() } else { e.clone() })
    };
    let categories = state.store.report_categories().await?;
    let start = local_midnight(period.from());
    let end = local_midnight(period.to().succ_opt().unwrap_or(period.to()));
    let local = |t: chrono::DateTime<Utc>| t.with_timezone(&smartcity_domain::time::TZ).to_rfc3339();
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let mut points = state.store.report_points(start, end, &units, MAX_MAP_POINTS + 1).await?;
    // One more than the cap is asked for, so the download can say plainly that it is cut.
    let truncated = points.len() > MAX_MAP_POINTS as usize;
    points.truncate(MAX_MAP_POINTS as usize);
    let features: Vec<serde_json::Value> = points
        .into_iter()
        .map(|p| {
            let status = smartcity_domain::reports::ReportStatus::parse(&p.status).ok();
            let category = categories
                .iter()
                .find(|c| c.code == p.service_code)
                .map(|c| if vi { c.name_vi.clone() } else { c.name_en.clone() });
            serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(p.lon), round(p.lat)]},
                "properties": {
                    "id": p.id.to_string(),
                    "category": p.service_code,
                    "category_name": category,
                    "status": p.status,
                    "status_label": status.map(|s| if vi { s.label_vi() } else { s.label_en() }),
                    "open": status.is_some_and(|s| s.is_open()),
                    "sent_at": local(p.created_at),
                    "due_at": p.due_at.map(local),
                    "answered_at": p.answered_at.map(local),
                    "ward_code": p.ward_code,
                    "ward_name": name(&p.ward_code),
                    "handling_unit_code": p.handling_unit_code,
                    "handling_unit_name": name(&p.handling_unit_code),
                    "url": format!("/phan-anh/{}", p.id),
                }
            })
        })
        .collect();
    Ok(serde_json::json!({
        "type": "FeatureCollection",
        "from": period.from().to_string(),
        "to": period.to().to_string(),
        "truncated": truncated,
        "features": features,
    }))
}

/// `N/A` or the number, for CSV cells.
fn cell(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The CSV columns of a set of figures, after the caller's own.
const FIGURE_COLUMNS: [&str; 14] = [
    "received",
    "rejected",
    "processed",
    "processed_rate",
    "on_time",
    "overdue_open",
    "on_time_rate",
    "rated",
    "satisfied",
    "acceptable",
    "dissatisfied",
    "satisfaction_rate",
    "satisfied_rate",
    "median_hours",
];

fn figure_cells(f: &ReportFigures) -> [String; 14] {
    let c = &f.counts;
    [
        c.received.to_string(),
        c.rejected.to_string(),
        c.processed.to_string(),
        cell(f.processed_rate),
        c.on_time.to_string(),
        c.overdue_open.to_string(),
        cell(f.on_time_rate),
        c.rated.to_string(),
        c.satisfied.to_string(),
        c.acceptable.to_string(),
        c.dissatisfied.to_string(),
        cell(f.satisfaction_rate),
        cell(f.satisfied_rate),
        cell(f.median_hours),
    ]
}

/// Every unit's field-report figures as CSV: one line per unit, every count behind every rate.
pub fn units_csv_text(table: &ReportsTable) -> String {
    let mut out = ["from", "to", "group", "rank", "unit_code", "name_vi", "name_en"]
        .into_iter()
        .chain(FIGURE_COLUMNS)
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for u in &table.units {
        let mut line = vec![
            table.from.clone(),
            table.to.clone(),
            u.group.as_str().to_owned(),
            u.rank.map(|r| r.to_string()).unwrap_or_default(),
            csv_field(&u.code),
            csv_field(&u.name_vi),
            csv_field(&u.name_en),
        ];
        line.extend(figure_cells(&u.figures));
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The months of the table's scope as CSV.
pub fn months_csv_text(table: &ReportsTable) -> String {
    let mut out =
        ["unit_code", "month", "from", "to"].into_iter().chain(FIGURE_COLUMNS).collect::<Vec<_>>().join(",") + "\n";
    for m in &table.months {
        let mut line = vec![csv_field(&table.scope), m.month.clone(), m.from.clone(), m.to.clone()];
        line.extend(figure_cells(&m.figures));
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// `GET /minh-bach/phan-anh.csv?from=&to=`: every unit's field-report figures.
pub async fn units_csv(State(state): State<AppState>, AppQuery(q): AppQuery<ReportsQuery>) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let table = reports_table(&state, &period, None).await?;
    Ok(csv_response(&format!("phan-anh-{}-{}.csv", table.from, table.to), units_csv_text(&table)))
}

/// `GET /minh-bach/phan-anh/theo-thang.csv?from=&to=&unit=`: one unit's (default the city's) months.
pub async fn months_csv(State(state): State<AppState>, AppQuery(q): AppQuery<ReportsQuery>) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let table = reports_table(&state, &period, q.unit.as_deref()).await?;
    let name = format!("phan-anh-{}-{}-{}.csv", table.scope, table.from, table.to);
    Ok(csv_response(&name, months_csv_text(&table)))
}

/// `GET /minh-bach/phan-anh.geojson?from=&to=&unit=`: the report map of the period (see [`report_map`]).
pub async fn geojson(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<ReportsQuery>,
) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let body = report_map(&state, &period, q.unit.as_deref(), ctx.lang_code() == "vi").await?;
    let name = format!("phan-anh-{}-{}.geojson", period.from(), period.to());
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        Json(body),
    )
        .into_response())
}

/// `12.5 %`, or `N/A` without a denominator.
pub(super) fn percent_text(v: Option<f64>) -> String {
    v.map(|v| format!("{v} %")).unwrap_or_else(|| "N/A".to_owned())
}

/// `36.5 giờ`, or `N/A` without a finished report.
pub(super) fn hours_text(ctx: &PageContext, v: Option<f64>) -> String {
    v.map(|h| format!("{h} {}", ctx.t("transparency.hours"))).unwrap_or_else(|| "N/A".to_owned())
}

/// The two trend charts of a list of months: reports received (scaled to the busiest month) and the on-time
/// rate (scaled to 100 %).
pub(super) fn month_charts(ctx: &PageContext, months: &[ReportMonth]) -> [String; 2] {
    use super::chart::{Bar, bar_chart};
    let received: Vec<Bar<'_>> =
        months.iter().map(|m| Bar { label: &m.month, value: Some(m.figures.counts.received as f64) }).collect();
    let busiest = received.iter().filter_map(|b| b.value).fold(1.0_f64, f64::max);
    let on_time: Vec<Bar<'_>> = months.iter().map(|m| Bar { label: &m.month, value: m.figures.on_time_rate }).collect();
    [
        bar_chart(ctx.t("transparency.reports_received"), &received, busiest, ""),
        bar_chart(ctx.t("transparency.reports_on_time"), &on_time, 100.0, " %"),
    ]
}
