//! The environment over a period on the transparency pages: for the city and each air station the days per
//! VN_AQI band and the worst day, for each river gauge the peak against BĐ1–BĐ3 and the days at each level.
//! The stations and gauges are the Things `/moi-truong` shows (same conventions, see
//! [`crate::sensing::environment`]); the readings come as hourly means and daily highs from
//! [`TransparencyStore`], the summaries from `domain::transparency::environment`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use smartcity_domain::sensing::aqi::{AqiCategory, Pollutant};
use smartcity_domain::sensing::flood::FloodLevel;
use smartcity_domain::transparency::Period;
use smartcity_domain::transparency::environment::{
    AqiDays, HourlySeries, RiverDays, city_daily_aqi, station_daily_aqi, summarise_aqi, summarise_river,
};
use smartcity_store::sensing::EntitySet;
use smartcity_store::{AlarmRuleStore, TransparencyStore};
use utoipa::ToSchema;

use super::api::PeriodQuery;
use super::pages::{csv_field, csv_response};
use crate::AppState;
use crate::dossiers::indices::local_midnight;
use crate::error::AppResult;
use crate::sensing::environment::{prop, related, things_of_kind};
use crate::shell::extract::AppQuery;
use crate::shell::page::{PageContext, render};

/// Huế's offset from UTC (no daylight saving): where a local day starts.
const HUE_UTC_OFFSET_SECONDS: i64 = 7 * 3600;

/// One air-quality station over the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationSummary {
    /// The Thing's `@iot.id`.
    pub id: i64,
    pub name: String,
    pub ward_code: Option<String>,
    /// Days with a daily index, days per band (`good` … `hazardous`), the worst day.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub air: AqiDays,
}

/// One river gauge over the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiverSummary {
    /// Place id in `hue-places.json`, e.g. `tram-thuy-van-kim-long`.
    pub gauge_id: String,
    pub name_vi: String,
    pub name_en: String,
    pub river: String,
    pub bd1_m: f64,
    pub bd2_m: f64,
    pub bd3_m: f64,
    /// The legal text fixing the levels.
    pub basis: String,
    /// Days with readings, the peak (date, metres, level), days per level (`normal` … `above_bd3`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub water: RiverDays,
}

/// The environment of Huế over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnvironmentSummary {
    pub from: String,
    pub to: String,
    /// The city: each day at the highest of its stations' daily indices.
    #[schema(value_type = Object)]
    pub city: AqiDays,
    pub stations: Vec<StationSummary>,
    pub rivers: Vec<RiverSummary>,
}

/// Summarises the air stations and river gauges over `period`.
pub async fn environment_summary(state: &AppState, period: &Period) -> AppResult<EnvironmentSummary> {
    let start = local_midnight(period.from());
    let end = local_midnight(period.to().succ_opt().unwrap_or(period.to()));

    // Air: every pollutant Datastream of every station, one hourly-means query for all of them. The 7 hours
    // before the period feed the first day's 8-hour ozone windows.
    let mut stations = Vec::new();
    for thing in things_of_kind(state, "air_quality_station").await? {
        let mut streams: Vec<(i64, Pollutant)> = Vec::new();
        for ds in related(state, thing.id, "Datastreams", EntitySet::Datastreams).await? {
            if let Some(p) = prop(&ds, "pollutant").and_then(|p| Pollutant::ALL.into_iter().find(|x| x.as_str() == p)) {
                streams.push((ds.id, p));
            }
        }
        stations.push((thing, streams));
    }
    let ids: Vec<i64> = stations.iter().flat_map(|(_, s)| s.iter().map(|(id, _)| *id)).collect();
    let mut hourly: HashMap<i64, HourlySeries> = HashMap::new();
    for (ds, hour, mean) in state.store.hourly_means(&ids, start - chrono::Duration::hours(7), end).await? {
        hourly.entry(ds).or_default().push((hour, mean));
    }
    let mut station_days = Vec::new();
    let mut summaries = Vec::new();
    for (thing, streams) in &stations {
        let series: Vec<(Pollutant, HourlySeries)> =
            streams.iter().map(|(id, p)| (*p, hourly.remove(id).unwrap_or_default())).collect();
        let days = station_daily_aqi(&series, period);
        summaries.push(StationSummary {
            id: thing.id,
            name: thing.json.get("name").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned(),
            ward_code: prop(thing, "ward_code").map(str::to_owned),
            air: summarise_aqi(&days),
        });
        station_days.push(days);
    }
    let city = summarise_aqi(&city_daily_aqi(&station_days));

    // Rivers: the daily highs of each reference gauge's water-level Datastream, against its levels in force.
    let gauges = state.store.river_gauges().await?;
    let mut rivers = Vec::new();
    for thing in things_of_kind(state, "river_gauge").await? {
        for ds in related(state, thing.id, "Datastreams", EntitySet::Datastreams).await? {
            let Some(gauge) = prop(&ds, "gauge").and_then(|g| gauges.iter().find(|x| x.id == g)) else { continue };
            let highs: Vec<_> = state
                .store
                .daily_highs(&[ds.id], start, end, HUE_UTC_OFFSET_SECONDS)
                .await?
                .into_iter()
                .map(|(_, day, v)| (day.with_timezone(&smartcity_domain::time::TZ).date_naive(), v))
                .collect();
            let l = &gauge.alarm_levels;
            rivers.push(RiverSummary {
                gauge_id: gauge.id.clone(),
                name_vi: gauge.name_vi.clone(),
                name_en: gauge.name_en.clone(),
                river: gauge.river.clone(),
                bd1_m: l.bd1(),
                bd2_m: l.bd2(),
                bd3_m: l.bd3(),
                basis: gauge.basis.clone(),
                water: summarise_river(gauge, &highs),
            });
        }
    }
    Ok(EnvironmentSummary {
        from: period.from().to_string(),
        to: period.to().to_string(),
        city,
        stations: summaries,
        rivers,
    })
}

/// The worst day in words: its date (ISO, alike in both languages), index, band and dominant pollutant.
fn worst_text(ctx: &PageContext, air: &AqiDays) -> String {
    match &air.worst {
        Some(w) => format!(
            "{} · AQI {} ({}, {})",
            w.date,
            w.aqi,
            ctx.pick(w.category.label_vi(), w.category.label_en()),
            w.dominant.label()
        ),
        None => "—".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "transparency/environment.html")]
struct EnvironmentPage {
    ctx: PageContext,
    summary: EnvironmentSummary,
    bands: Vec<String>,
    levels: Vec<String>,
}

impl EnvironmentPage {
    fn worst(&self, air: &AqiDays) -> String {
        worst_text(&self.ctx, air)
    }
    fn peak(&self, r: &RiverSummary) -> String {
        match &r.water.peak {
            Some(p) => {
                format!("{:.2} m · {} ({})", p.level_m, p.date, self.ctx.pick(p.level.label_vi(), p.level.label_en()))
            }
            None => "—".to_owned(),
        }
    }
}

/// `GET /minh-bach/moi-truong?from=&to=`: the air and the rivers over a period, with downloads.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let summary = environment_summary(&state, &period).await?;
    let bands = AqiCategory::ALL.iter().map(|c| ctx.pick(c.label_vi(), c.label_en()).to_owned()).collect();
    let levels = FloodLevel::ALL.iter().map(|l| ctx.pick(l.label_vi(), l.label_en()).to_owned()).collect();
    Ok(render(&EnvironmentPage { ctx, summary, bands, levels }))
}

/// Air-quality days as CSV: the city first, then each station; every band's days and the worst day.
pub fn air_csv_text(s: &EnvironmentSummary) -> String {
    let mut header: Vec<String> =
        ["from", "to", "place", "station_id", "ward_code", "days"].map(str::to_owned).to_vec();
    header.extend(AqiCategory::ALL.iter().map(|c| format!("days_{}", c.as_str())));
    header.extend(["worst_date", "worst_aqi", "worst_category", "worst_dominant"].map(str::to_owned));
    let mut out = header.join(",") + "\n";
    let mut line = |place: &str, id: String, ward: &str, air: &AqiDays| {
        let mut cells = vec![s.from.clone(), s.to.clone(), csv_field(place), id, csv_field(ward), air.days.to_string()];
        cells.extend(air.by_category.iter().map(|b| b.days.to_string()));
        match &air.worst {
            Some(w) => cells.extend([
                w.date.to_string(),
                w.aqi.to_string(),
                w.category.as_str().to_owned(),
                w.dominant.as_str().to_owned(),
            ]),
            None => cells.extend([String::new(), String::new(), String::new(), String::new()]),
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    };
    line("Thành phố Huế", String::new(), "46", &s.city);
    for st in &s.stations {
        line(&st.name, st.id.to_string(), st.ward_code.as_deref().unwrap_or_default(), &st.air);
    }
    out
}

/// River gauges as CSV: alarm levels, the peak and the days at each level.
pub fn rivers_csv_text(s: &EnvironmentSummary) -> String {
    let mut header: Vec<String> = [
        "from",
        "to",
        "gauge_id",
        "name_vi",
        "river",
        "bd1_m",
        "bd2_m",
        "bd3_m",
        "days",
        "peak_m",
        "peak_date",
        "peak_level",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(FloodLevel::ALL.iter().map(|l| format!("days_{}", l.as_str())));
    let mut out = header.join(",") + "\n";
    for r in &s.rivers {
        let mut cells = vec![
            s.from.clone(),
            s.to.clone(),
            csv_field(&r.gauge_id),
            csv_field(&r.name_vi),
            csv_field(&r.river),
            r.bd1_m.to_string(),
            r.bd2_m.to_string(),
            r.bd3_m.to_string(),
            r.water.days.to_string(),
        ];
        match &r.water.peak {
            Some(p) => cells.extend([p.level_m.to_string(), p.date.to_string(), p.level.as_str().to_owned()]),
            None => cells.extend([String::new(), String::new(), String::new()]),
        }
        cells.extend(r.water.by_level.iter().map(|l| l.days.to_string()));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// `GET /minh-bach/moi-truong/khong-khi.csv?from=&to=`.
pub async fn air_csv(State(state): State<AppState>, AppQuery(q): AppQuery<PeriodQuery>) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let s = environment_summary(&state, &period).await?;
    Ok(csv_response(&format!("khong-khi-{}-{}.csv", s.from, s.to), air_csv_text(&s)))
}

/// `GET /minh-bach/moi-truong/song.csv?from=&to=`.
pub async fn rivers_csv(State(state): State<AppState>, AppQuery(q): AppQuery<PeriodQuery>) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let s = environment_summary(&state, &period).await?;
    Ok(csv_response(&format!("muc-nuoc-{}-{}.csv", s.from, s.to), rivers_csv_text(&s)))
}
