//! QĐ 766/QĐ-TTg indicators for a unit and its subtree over a period, from the dossiers' running tallies
//! (`domain::indices::counts`, kept by the store in the transaction of every dossier write) with the pure
//! formulas of `domain::indices`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use smartcity_domain::indices::counts::{PeriodCounts, indicators_from_counts};
use smartcity_domain::units::UnitCode;
use smartcity_store::dossier_rollups::UnitTallies;
use smartcity_store::{DossierRollupStore, UnitStore};

use super::api::IndicesView;
use crate::AppState;
use crate::error::{AppError, AppResult};

pub(crate) fn parse_day(field: &'static str, text: Option<&str>, default: NaiveDate) -> AppResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            AppError::invalid_field(
                field,
                "date_invalid",
                format!("{field}: ngày phải có dạng năm-tháng-ngày, ví dụ 2026-01-01."),
                format!("{field}: the date must be year-month-day, e.g. 2026-01-01."),
            )
        }),
    }
}

pub(crate) fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    smartcity_domain::time::TZ
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// Indicators of `unit` (default the city) from `from` to `to` inclusive (local dates), from the running tallies
/// of the unit and its subtree (`store::dossier_rollups`): a few hundred summed rows, whatever the history.
pub async fn compute(
    state: &AppState,
    unit: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<IndicesView> {
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let first_of_year = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let from_day = parse_day("from", from, first_of_year)?;
    let to_day = parse_day("to", to, today)?;
    // Same period rules as the transparency pages (order, at most five years).
    smartcity_domain::transparency::Period::new(from_day, to_day, today)?;
    let unit = UnitCode::parse(unit.filter(|u| !u.trim().is_empty()).unwrap_or("46"))
        .map_err(|e| AppError::from(e).with_field("unit"))?;
    if state.store.unit(&unit).await?.is_none() {
        return Err(AppError::not_found());
    }
    // The unit and every unit below it.
    let all = state.store.list_units().await?;
    let scope = crate::units::subtree_codes(&all, &[unit.to_string()]);
    let tallies = state.store.dossier_tallies(from_day, to_day).await?;
    let counts = scope_counts(&tallies, &scope);
    Ok(IndicesView {
        unit: unit.to_string(),
        from: from_day.to_string(),
        to: to_day.to_string(),
        dossiers: usize::try_from(counts.dossiers()).unwrap_or(usize::MAX),
        indicators: indicators_from_counts(&counts),
    })
}

/// The tallies of the units in `scope`, added up over the whole period.
pub fn scope_counts(tallies: &HashMap<String, UnitTallies>, scope: &[String]) -> PeriodCounts {
    let mut counts = PeriodCounts::default();
    for code in scope {
        if let Some(t) = tallies.get(code) {
            counts.add(&t.period());
        }
    }
    counts
}
