//! `transparency` (minh bạch): public pages and API where everyone watches how well each unit of Huế serves
//! them — the QĐ 766/QĐ-TTg indicators of the city, every ward and commune and every agency over a period,
//! ranked, split by month, each figure with the counts behind it and its formula in words, downloadable as
//! CSV and JSON. No personal data: only counts per unit. The figures come from the dossiers' running tallies
//! (`store::dossier_rollups`), so a year of the whole city reads a few hundred rows.

pub mod api;
pub mod chart;
pub mod pages;

use std::collections::HashMap;

use axum::Router;
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use smartcity_domain::indices::Indicator;
use smartcity_domain::indices::counts::indicators_from_counts;
use smartcity_domain::transparency::{Period, rank, score_percent, total_points};
use smartcity_domain::units::UnitKind;
use smartcity_store::dossier_rollups::{UnitTallies, month_of};
use smartcity_store::units::Unit;
use smartcity_store::{DossierRollupStore, UnitStore};
use utoipa::ToSchema;

use crate::AppState;
use crate::dossiers::indices::parse_day;
use crate::error::{AppError, AppResult};

/// Routes of the transparency capability.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/minh-bach", get(pages::overview))
        .route("/minh-bach/cach-tinh", get(pages::formulas))
        .route("/minh-bach/so-sanh", get(pages::compare))
        .route("/minh-bach/don-vi.csv", get(pages::units_csv))
        .route("/minh-bach/don-vi/{code}", get(pages::unit))
        .route("/minh-bach/don-vi/{code}/theo-thang.csv", get(pages::unit_csv))
        .route("/api/v1/transparency/units", get(api::units))
        .route("/api/v1/transparency/units/{code}", get(api::unit))
}

/// Which units are ranked against each other: a ward is compared with wards and communes, an agency with
/// agencies; the city stands alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankGroup {
    /// The city as a whole.
    City,
    /// Wards and communes (cấp xã).
    Commune,
    /// Departments and other agencies (sở, ban, ngành).
    Agency,
}

impl RankGroup {
    fn of(kind: UnitKind) -> Self {
        match kind {
            UnitKind::City => RankGroup::City,
            UnitKind::Ward | UnitKind::Commune => RankGroup::Commune,
            UnitKind::Agency => RankGroup::Agency,
        }
    }

    /// Stable code, used in CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RankGroup::City => "city",
            RankGroup::Commune => "commune",
            RankGroup::Agency => "agency",
        }
    }
}

/// One unit's line of the ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRow {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub group: RankGroup,
    /// Dossiers that count for the period (received in it or still open during it).
    pub dossiers: usize,
    /// Points earned ÷ points possible on the indicators that are not N/A, × 100; null when all are N/A.
    pub score: Option<f64>,
    /// Points earned on the scored indicators.
    pub points: Option<f64>,
    /// Points possible on the scored indicators that are not N/A.
    pub max_points: Option<f64>,
    /// Place within its group (1 = best; ties share a place); null when unscored.
    pub rank: Option<usize>,
    #[schema(value_type = Vec<Object>)]
    pub indicators: Vec<Indicator>,
}

impl UnitRow {
    /// The indicator with this QĐ 766 number, if computed.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// Every unit's indicators over a period, ranked within its group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitsTable {
    pub from: String,
    pub to: String,
    pub units: Vec<UnitRow>,
}

/// One month of a unit's trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    pub from: String,
    pub to: String,
    #[schema(value_type = Vec<Object>)]
    pub indicators: Vec<Indicator>,
}

/// An indicator with the sentence that says how it is computed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExplainedIndicator {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub indicator: Indicator,
    pub how_vi: String,
    pub how_en: String,
}

/// One unit over a period: its line of the ranking, the formulas in words and the monthly trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitDetail {
    pub from: String,
    pub to: String,
    pub unit: UnitRow,
    pub explained: Vec<ExplainedIndicator>,
    pub months: Vec<MonthRow>,
}

/// Today in Huế.
fn today() -> NaiveDate {
    Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive()
}

/// Reads `from`/`to` (default: 1 January of this year to today) and checks them.
pub fn period(from: Option<&str>, to: Option<&str>) -> AppResult<Period> {
    let today = today();
    let first_of_year = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let from = parse_day("from", from, first_of_year)?;
    let to = parse_day("to", to, today)?;
    Ok(Period::new(from, to, today)?)
}

/// The units shown: those that existed at some point of the period, the city first.
fn units_in_period(all: &[Unit], period: &Period) -> Vec<Unit> {
    let mut units: Vec<Unit> =
        all.iter().filter(|u| u.is_active_on(period.to()) || u.is_active_on(period.from())).cloned().collect();
    units.sort_by_key(|u| (RankGroup::of(u.kind) as u8, u.code.to_string()));
    units
}

/// Every unit's running tallies for the period (`store::dossier_rollups`), by the unit that holds the dossiers.
async fn tallies_by_unit(state: &AppState, period: &Period) -> AppResult<HashMap<String, UnitTallies>> {
    Ok(state.store.dossier_tallies(period.from(), period.to()).await?)
}

/// The tallies of `unit` and every unit below it.
fn subtree_tallies(all: &[Unit], grouped: &HashMap<String, UnitTallies>, unit: &str) -> UnitTallies {
    let mut sum = UnitTallies::default();
    for code in crate::units::subtree_codes(all, &[unit.to_owned()]) {
        if let Some(t) = grouped.get(&code) {
            sum.add(t);
        }
    }
    sum
}

fn row(unit: &Unit, tallies: &UnitTallies) -> UnitRow {
    let counts = tallies.period();
    let indicators = indicators_from_counts(&counts);
    let totals = total_points(&indicators);
    UnitRow {
        code: unit.code.to_string(),
        name_vi: unit.name_vi.clone(),
        name_en: unit.name_en.clone(),
        group: RankGroup::of(unit.kind),
        dossiers: usize::try_from(counts.dossiers()).unwrap_or(usize::MAX),
        score: score_percent(&indicators),
        points: totals.map(|(p, _)| p),
        max_points: totals.map(|(_, m)| m),
        rank: None,
        indicators,
    }
}

/// Every unit's lines, ranked within its group (best first inside each group).
fn ranked_rows(all: &[Unit], grouped: &HashMap<String, UnitTallies>, period: &Period) -> Vec<UnitRow> {
    let mut rows: Vec<UnitRow> =
        units_in_period(all, period).iter().map(|u| row(u, &subtree_tallies(all, grouped, u.code.as_str()))).collect();
    for group in [RankGroup::City, RankGroup::Commune, RankGroup::Agency] {
        let positions: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].group == group).collect();
        let scores: Vec<Option<f64>> = positions.iter().map(|&i| rows[i].score).collect();
        for (&i, r) in positions.iter().zip(rank(&scores)) {
            rows[i].rank = r;
        }
    }
    rows.sort_by_key(|r| (r.group as u8, r.rank.unwrap_or(usize::MAX)));
    rows
}

/// Every unit's indicators over `period`, ranked within its group.
pub async fn units_table(state: &AppState, period: &Period) -> AppResult<UnitsTable> {
    let all = state.store.list_units().await?;
    let grouped = tallies_by_unit(state, period).await?;
    let units = ranked_rows(&all, &grouped, period);
    Ok(UnitsTable { from: period.from().to_string(), to: period.to().to_string(), units })
}

/// One unit over `period`: its ranking line (rank within its group), formulas and the monthly trend.
pub async fn unit_detail(state: &AppState, code: &str, period: &Period) -> AppResult<UnitDetail> {
    let all = state.store.list_units().await?;
    let grouped = tallies_by_unit(state, period).await?;
    let unit = ranked_rows(&all, &grouped, period)
        .into_iter()
        .find(|u| u.code == code.trim())
        .ok_or_else(AppError::not_found)?;
    let tallies = subtree_tallies(&all, &grouped, &unit.code);
    let months = period
        .months()
        .iter()
        .map(|m| MonthRow {
            month: m.month_label(),
            from: m.from().to_string(),
            to: m.to().to_string(),
            indicators: indicators_from_counts(&tallies.month(month_of(m.from()))),
        })
        .collect();
    let explained = unit
        .indicators
        .iter()
        .map(|i| {
            let (vi, en) = smartcity_domain::transparency::explanation(&i.id).unwrap_or_default();
            ExplainedIndicator { indicator: i.clone(), how_vi: vi.to_owned(), how_en: en.to_owned() }
        })
        .collect();
    Ok(UnitDetail { from: period.from().to_string(), to: period.to().to_string(), unit, explained, months })
}
