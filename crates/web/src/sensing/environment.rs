//! Môi trường: air quality (VN_AQI, QĐ 1459/QĐ-TCMT) and river levels against the flood alarm levels
//! (QĐ 05/2020/QĐ-TTg), computed from the stored Observations with the domain's rules and served as JSON
//! (`/api/v1/environment/aqi`, `/api/v1/environment/rivers`, `/api/v1/environment/rainfall`) and as the public
//! page `/moi-truong`: a map (stations coloured by AQI band, gauges by alarm level), 24-hour and 7-day charts drawn
//! as SVG on the server, and rainfall (hourly and daily totals) next to the river levels, since Huế's floods follow
//! the rain.
//!
//! Conventions the computation relies on (the demo and device set-up follow them): an air-quality station is a
//! Thing with `properties.kind = "air_quality_station"` whose Datastreams carry `properties.pollutant` (`pm25`,
//! `pm10`, `o3`, `co`, `so2`, `no2`, in µg/m³); a river gauge is a Thing with `properties.kind = "river_gauge"` whose
//! water-level Datastream carries `properties.gauge`, the gauge id of `hue-places.json`. Hourly values are the means
//! of rolling hours ending now; the daily index uses the last 24 such hours (a rolling day rather than the
//! decision's 01:00–24:00 calendar day, so the page is never empty after midnight).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use smartcity_domain::sensing::aqi::{
    AqiCategory, AqiReport, DailyConcentrations, HourlyConcentrations, Pollutant, daily_aqi, hourly_aqi, max_8h_mean,
    nowcast,
};
use smartcity_domain::sensing::flood::{WaterLevelReading, assess, trend};
use smartcity_domain::sensing::rainfall;
use smartcity_domain::sensing::sensorthings::parse_filter;
use smartcity_store::AlarmRuleStore;
use smartcity_store::sensing::{EntitySet, SensingStore, StaEntity, StaQuery, format_micros};

use crate::shell::page::{PageContext, render};
use crate::{AppResult, AppState};

/// Routes of the environment views.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/environment/aqi", get(api_aqi))
        .route("/api/v1/environment/rivers", get(api_rivers))
        .route("/api/v1/environment/rainfall", get(api_rainfall))
        .route("/moi-truong", get(page))
}

/// One sub-index of a report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubIndexView {
    /// `pm25`, `pm10`, `o3`, `co`, `so2`, `no2`.
    pub pollutant: String,
    /// "PM2.5", "O₃"…
    pub label: String,
    /// µg/m³ (NowCast for dust in the hourly index).
    pub concentration: f64,
    pub value: u16,
}

/// An AQI with what the decision requires to be published with it (Table 3).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AqiView {
    pub aqi: u16,
    /// `good`, `moderate`, `poor`, `bad`, `very_bad`, `hazardous`.
    pub category: String,
    pub category_vi: String,
    pub category_en: String,
    /// Band colour, `#rrggbb`.
    pub colour: String,
    /// Black or white, whichever reads better on the band colour.
    pub text_colour: String,
    pub dominant: String,
    pub sub_indices: Vec<SubIndexView>,
    pub advice_vi: String,
    pub advice_en: String,
    pub advice_sensitive_vi: String,
    pub advice_sensitive_en: String,
    /// "VN_AQI (QĐ 1459/QĐ-TCMT)".
    pub method: String,
}

/// An air-quality station with its hourly and daily AQI.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StationAqi {
    /// The Thing's `@iot.id`.
    pub id: i64,
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub ward_code: Option<String>,
    /// Newest Observation used.
    pub observed_at: Option<String>,
    /// AQIʰ; absent without at least two of the last three hours of PM data.
    pub hourly: Option<AqiView>,
    /// AQIᵈ over the last 24 hours.
    pub daily: Option<AqiView>,
    #[serde(skip)]
    #[schema(ignore)]
    pub chart: String,
    /// Hourly means of PM2.5 over 7 days, as SVG.
    #[serde(skip)]
    #[schema(ignore)]
    pub chart_7d: String,
    /// `observed_at` in Huế time, for the page.
    #[serde(skip)]
    #[schema(ignore)]
    pub observed_local: String,
}

/// A river gauge against its alarm levels.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiverView {
    /// The Thing's `@iot.id`.
    pub id: i64,
    /// Place id in `hue-places.json`, e.g. `tram-thuy-van-kim-long`.
    pub gauge_id: String,
    pub name_vi: String,
    pub name_en: String,
    pub river: String,
    /// Where the gauge stands (its Thing's first Location).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub bd1_m: f64,
    pub bd2_m: f64,
    pub bd3_m: f64,
    /// The legal text fixing the levels.
    pub basis: String,
    pub level_m: Option<f64>,
    pub observed_at: Option<String>,
    /// `normal`, `bd1`, `bd2`, `bd3`, `above_bd3`.
    pub level: Option<String>,
    pub level_vi: Option<String>,
    pub level_en: Option<String>,
    /// `rising`, `falling`, `steady`, from the last three hours.
    pub trend: Option<String>,
    pub trend_vi: Option<String>,
    pub trend_en: Option<String>,
    pub rate_m_per_h: Option<f64>,
    pub margin_vi: Option<String>,
    pub margin_en: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    pub chart: String,
    /// Hourly means over 7 days, with the BĐ lines, as SVG.
    #[serde(skip)]
    #[schema(ignore)]
    pub chart_7d: String,
    /// `observed_at` in Huế time, for the page.
    #[serde(skip)]
    #[schema(ignore)]
    pub observed_local: String,
}

/// Local (Asia/Ho_Chi_Minh) time of a µs instant.
fn local(us: Option<i64>) -> String {
    us.and_then(DateTime::from_timestamp_micros).map(smartcity_domain::time::format_local_datetime).unwrap_or_default()
}

/// Black or white text on `rgb`, whichever has the higher WCAG contrast ratio.
pub fn text_colour(rgb: [u8; 3]) -> &'static str {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let l = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) { "#000000" } else { "#ffffff" }
}

fn aqi_view(r: &AqiReport) -> AqiView {
    let c: AqiCategory = r.category;
    AqiView {
        aqi: r.aqi,
        category: c.as_str().into(),
        category_vi: c.label_vi().into(),
        category_en: c.label_en().into(),
        colour: c.hex(),
        text_colour: text_colour(c.rgb()).into(),
        dominant: r.dominant.as_str().into(),
        sub_indices: r
            .sub_indices
            .iter()
            .map(|s| SubIndexView {
                pollutant: s.pollutant.as_str().into(),
                label: s.pollutant.label().into(),
                concentration: (s.concentration * 10.0).round() / 10.0,
                value: s.value,
            })
            .collect(),
        advice_vi: c.advice_general_vi().into(),
        advice_en: c.advice_general_en().into(),
        advice_sensitive_vi: c.advice_sensitive_vi().into(),
        advice_sensitive_en: c.advice_sensitive_en().into(),
        method: "VN_AQI (QĐ 1459/QĐ-TCMT)".into(),
    }
}

/// Means of rolling hours ending at `now`, newest first: element `i` covers `(now − (i+1) h, now − i h]`.
pub fn hourly_means(samples: &[(i64, f64)], now: DateTime<Utc>, hours: usize) -> Vec<Option<f64>> {
    let end = now.timestamp_micros();
    let mut sums = vec![(0.0, 0u32); hours];
    for (t, v) in samples {
        if *t > end || !v.is_finite() {
            continue;
        }
        let i = ((end - t) / 3_600_000_000) as usize;
        if i < hours {
            sums[i].0 += v;
            sums[i].1 += 1;
        }
    }
    sums.into_iter().map(|(s, n)| (n > 0).then(|| s / f64::from(n))).collect()
}

/// The hourly and daily AQI from 24 hourly means per pollutant (newest first).
pub fn station_reports(series: &[(Pollutant, Vec<Option<f64>>)]) -> (Option<AqiReport>, Option<AqiReport>) {
    let mut h = HourlyConcentrations::default();
    let mut d = DailyConcentrations::default();
    for (p, hours) in series {
        let last = hours.first().copied().flatten();
        let present: Vec<f64> = hours.iter().flatten().copied().collect();
        let mean = (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64);
        let max = present.iter().copied().reduce(f64::max);
        match p {
            Pollutant::Pm25 => {
                h.pm25_nowcast = nowcast(&hours[..hours.len().min(12)]).map(|n| n.concentration);
                d.pm25_24h = mean;
            }
            Pollutant::Pm10 => {
                h.pm10_nowcast = nowcast(&hours[..hours.len().min(12)]).map(|n| n.concentration);
                d.pm10_24h = mean;
            }
            Pollutant::O3 => {
                h.o3_1h = last;
                d.o3_1h_max = max;
                let oldest_first: Vec<Option<f64>> = hours.iter().rev().copied().collect();
                d.o3_8h_max = max_8h_mean(&oldest_first);
            }
            Pollutant::Co => (h.co_1h, d.co_1h_max) = (last, max),
            Pollutant::So2 => (h.so2_1h, d.so2_1h_max) = (last, max),
            Pollutant::No2 => (h.no2_1h, d.no2_1h_max) = (last, max),
        }
    }
    (hourly_aqi(&h).ok(), daily_aqi(&d).ok())
}

/// The Things whose `properties.kind` is `kind` (also read by the transparency summary).
pub(crate) async fn things_of_kind(state: &AppState, kind: &str) -> AppResult<Vec<StaEntity>> {
    // The kind is a fixed word of ours, never user input; it still goes through the parser and a bound parameter.
    let filter = parse_filter(&format!("properties/kind eq '{kind}'"))?;
    let mut q = StaQuery::all(EntitySet::Things, 1000);
    q.filter = Some(&filter);
    Ok(state.store.sta_query(&q).await?.entities)
}

/// The entities of `to` a Thing links to through `navigation` (its Datastreams, its Locations).
pub(crate) async fn related(
    state: &AppState,
    thing: i64,
    navigation: &str,
    to: EntitySet,
) -> AppResult<Vec<StaEntity>> {
    let mut q = StaQuery::all(to, 1000);
    q.parent = Some((thing, EntitySet::Things.navigation(navigation).ok_or_else(crate::AppError::not_found)?));
    Ok(state.store.sta_query(&q).await?.entities)
}

pub async fn position(state: &AppState, thing: i64) -> AppResult<(Option<f64>, Option<f64>)> {
    let locations = related(state, thing, "Locations", EntitySet::Locations).await?;
    let coords = locations.first().and_then(|l| l.json.get("location")).and_then(|g| g.get("coordinates"));
    let at = |i: usize| coords.and_then(|c| c.get(i)).and_then(Value::as_f64);
    Ok((at(1), at(0)))
}

/// A string of an entity's `properties`.
pub(crate) fn prop<'a>(e: &'a StaEntity, key: &str) -> Option<&'a str> {
    e.json.get("properties").and_then(|p| p.get(key)).and_then(Value::as_str)
}

/// Every air-quality station with its indices.
pub async fn stations(state: &AppState, now: DateTime<Utc>) -> AppResult<Vec<StationAqi>> {
    let mut out = Vec::new();
    for thing in things_of_kind(state, "air_quality_station").await? {
        let mut series = Vec::new();
        let mut newest: Option<i64> = None;
        let mut pm25_points = Vec::new();
        let mut pm25_week = Vec::new();
        for ds in related(state, thing.id, "Datastreams", EntitySet::Datastreams).await? {
            let Some(p) = prop(&ds, "pollutant").and_then(|p| Pollutant::ALL.into_iter().find(|x| x.as_str() == p))
            else {
                continue;
            };
            let from = if p == Pollutant::Pm25 { now - Duration::days(7) } else { now - Duration::hours(24) };
            let mut samples = state.store.numeric_series(ds.id, from, now + Duration::seconds(1)).await?;
            newest = newest.max(samples.last().map(|s| s.0));
            if p == Pollutant::Pm25 {
                pm25_week = hourly_points(&samples, now, 7 * 24);
                let day_ago = (now - Duration::hours(24)).timestamp_micros();
                samples.retain(|s| s.0 >= day_ago);
                pm25_points = samples.clone();
            }
            series.push((p, hourly_means(&samples, now, 24)));
        }
        let (hourly, daily) = station_reports(&series);
        let (lat, lon) = position(state, thing.id).await?;
        out.push(StationAqi {
            id: thing.id,
            name: thing.json.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            lat,
            lon,
            ward_code: prop(&thing, "ward_code").map(str::to_owned),
            observed_at: newest.map(format_micros),
            observed_local: local(newest),
            hourly: hourly.as_ref().map(aqi_view),
            daily: daily.as_ref().map(aqi_view),
            chart: chart_svg(&pm25_points, now, &[], "µg/m³"),
            chart_7d: chart_svg_over(&pm25_week, now, Duration::days(7), &[], "µg/m³"),
        });
    }
    Ok(out)
}

/// Every river gauge with its level, trend and margins.
pub async fn rivers(state: &AppState, now: DateTime<Utc>) -> AppResult<Vec<RiverView>> {
    let gauges = state.store.river_gauges().await?;
    let mut out = Vec::new();
    for thing in things_of_kind(state, "river_gauge").await? {
        let (lat, lon) = position(state, thing.id).await?;
        for ds in related(state, thing.id, "Datastreams", EntitySet::Datastreams).await? {
            let Some(gauge) = prop(&ds, "gauge").and_then(|g| gauges.iter().find(|x| x.id == g)) else { continue };
            let mut samples =
                state.store.numeric_series(ds.id, now - Duration::days(7), now + Duration::seconds(1)).await?;
            let week = hourly_points(&samples, now, 7 * 24);
            let day_ago = (now - Duration::hours(24)).timestamp_micros();
            samples.retain(|s| s.0 >= day_ago);
            let last = samples.last().copied();
            let recent: Vec<WaterLevelReading> = samples
                .iter()
                .filter(|(t, _)| *t >= (now - Duration::hours(3)).timestamp_micros())
                .filter_map(|(t, v)| {
                    DateTime::from_timestamp_micros(*t).map(|at| WaterLevelReading { at, level_m: *v })
                })
                .collect();
            let tr = trend(&recent);
            let assessment = last.and_then(|(_, v)| assess(gauge, v).ok());
            let l = &gauge.alarm_levels;
            let lines = [(l.bd1(), "BĐ1"), (l.bd2(), "BĐ2"), (l.bd3(), "BĐ3")];
            out.push(RiverView {
                id: thing.id,
                gauge_id: gauge.id.clone(),
                name_vi: gauge.name_vi.clone(),
                name_en: gauge.name_en.clone(),
                river: gauge.river.clone(),
                lat,
                lon,
                bd1_m: l.bd1(),
                bd2_m: l.bd2(),
                bd3_m: l.bd3(),
                basis: gauge.basis.clone(),
                level_m: last.map(|(_, v)| v),
                observed_at: last.map(|(t, _)| format_micros(t)),
                observed_local: local(last.map(|(t, _)| t)),
                level: assessment.as_ref().map(|a| a.level.as_str().into()),
                level_vi: assessment.as_ref().map(|a| a.level.label_vi().into()),
                level_en: assessment.as_ref().map(|a| a.level.label_en().into()),
                trend: tr.map(|t| t.trend.as_str().into()),
                trend_vi: tr.map(|t| t.trend.label_vi().into()),
                trend_en: tr.map(|t| t.trend.label_en().into()),
                rate_m_per_h: tr.map(|t| (t.rate_m_per_h * 100.0).round() / 100.0),
                margin_vi: assessment.as_ref().map(|a| a.margin_vi()),
                margin_en: assessment.as_ref().map(|a| a.margin_en()),
                chart: chart_svg(&samples, now, &lines, "m"),
                chart_7d: chart_svg_over(&week, now, Duration::days(7), &lines, "m"),
            });
        }
    }
    Ok(out)
}

/// A 24-hour line chart as inline SVG (numbers only, no text from users), with dashed horizontal lines for
/// thresholds such as BĐ1–BĐ3.
pub fn chart_svg(points: &[(i64, f64)], now: DateTime<Utc>, lines: &[(f64, &str)], unit: &str) -> String {
    chart_svg_over(points, now, Duration::hours(24), lines, unit)
}

/// Hourly means over the last `hours` hours as chart points (µs at the middle of each hour, oldest first), so a
/// week of 10-minute readings draws as 168 points rather than a thousand.
pub fn hourly_points(samples: &[(i64, f64)], now: DateTime<Utc>, hours: usize) -> Vec<(i64, f64)> {
    let end = now.timestamp_micros();
    hourly_means(samples, now, hours)
        .into_iter()
        .enumerate()
        .rev()
        .filter_map(|(i, m)| m.map(|v| (end - i as i64 * 3_600_000_000 - 1_800_000_000, v)))
        .collect()
}

/// [`chart_svg`] over the `span` ending at `now`.
pub fn chart_svg_over(
    points: &[(i64, f64)],
    now: DateTime<Utc>,
    span: Duration,
    lines: &[(f64, &str)],
    unit: &str,
) -> String {
    let (w, h, pad) = (320.0, 110.0, 14.0);
    if points.is_empty() {
        return String::new();
    }
    let start = (now - span).timestamp_micros() as f64;
    let span = (now.timestamp_micros() as f64 - start).max(1.0);
    let values = points.iter().map(|p| p.1).chain(lines.iter().map(|l| l.0));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if hi - lo < 1e-9 { (lo - 1.0, hi + 1.0) } else { (lo - (hi - lo) * 0.1, hi + (hi - lo) * 0.1) };
    let x = |t: i64| pad + (t as f64 - start) / span * (w - 2.0 * pad);
    let y = |v: f64| h - pad - (v - lo) / (hi - lo) * (h - 2.0 * pad);
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-hidden="true" focusable="false"><rect x="0" y="0" width="{w}" height="{h}" fill="#fff" stroke="#ccc"/>"##
    );
    for (v, label) in lines {
        let yy = y(*v);
        svg.push_str(&format!(
            r##"<line x1="{pad}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#b00020" stroke-dasharray="4 3"/><text x="{}" y="{:.1}" font-size="9" fill="#b00020" text-anchor="end">{label} {v:.1}</text>"##,
            w - pad,
            w - pad,
            yy - 2.0
        ));
    }
    let path: Vec<String> = points.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
    svg.push_str(&format!(
        r##"<polyline fill="none" stroke="#1f4e79" stroke-width="2" points="{}"/>"##,
        path.join(" ")
    ));
    svg.push_str(&format!(r##"<text x="{pad}" y="10" font-size="9" fill="#333">{hi:.1} {unit}</text><text x="{pad}" y="{:.0}" font-size="9" fill="#333">{lo:.1}</text></svg>"##, h - 2.0));
    svg
}

/// One day's rainfall.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DailyRainView {
    /// Local date (Asia/Ho_Chi_Minh), `YYYY-MM-DD`.
    pub date: String,
    pub total_mm: f64,
}

/// A rain gauge with its recent totals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RainGaugeView {
    /// The Thing's `@iot.id`.
    pub id: i64,
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Rain in the last hour, 3 hours and 24 hours, mm.
    pub last_1h_mm: f64,
    pub last_3h_mm: f64,
    pub last_24h_mm: f64,
    /// Totals of the last 24 rolling hours, newest first, mm.
    pub hourly_mm: Vec<f64>,
    /// Totals of the last 7 local days, oldest first (today last, so far).
    pub daily: Vec<DailyRainView>,
    pub observed_at: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    pub chart_hours: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub chart_days: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub observed_local: String,
}

/// Every rain gauge (a Thing with `properties.kind = "rain_gauge"`) with the totals of its Datastreams whose
/// `properties.measure` is `rainfall` (mm fallen in each reading's interval).
pub async fn rain_gauges(state: &AppState, now: DateTime<Utc>) -> AppResult<Vec<RainGaugeView>> {
    let mut out = Vec::new();
    for thing in things_of_kind(state, "rain_gauge").await? {
        let mut samples = Vec::new();
        for ds in related(state, thing.id, "Datastreams", EntitySet::Datastreams).await? {
            if prop(&ds, "measure") != Some("rainfall") {
                continue;
            }
            samples
                .extend(state.store.numeric_series(ds.id, now - Duration::days(8), now + Duration::seconds(1)).await?);
        }
        let newest = samples.iter().map(|s| s.0).max();
        let timed: Vec<(DateTime<Utc>, f64)> =
            samples.iter().filter_map(|(t, v)| DateTime::from_timestamp_micros(*t).map(|at| (at, *v))).collect();
        let hourly = rainfall::hourly_totals(&timed, now, 24);
        let daily = rainfall::daily_totals(&timed, now, 7);
        let sum = |n: usize| (hourly.iter().take(n).sum::<f64>() * 10.0).round() / 10.0;
        let (lat, lon) = position(state, thing.id).await?;
        let hour_bars: Vec<(String, f64)> = hourly
            .iter()
            .enumerate()
            .rev()
            .map(|(i, v)| (if i % 6 == 0 { format!("-{i}h") } else { String::new() }, *v))
            .collect();
        let day_bars: Vec<(String, f64)> = daily.iter().map(|(d, v)| (d.format("%d/%m").to_string(), *v)).collect();
        out.push(RainGaugeView {
            id: thing.id,
            name: thing.json.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            lat,
            lon,
            last_1h_mm: sum(1),
            last_3h_mm: sum(3),
            last_24h_mm: sum(24),
            chart_hours: bar_chart_svg(&hour_bars, "mm"),
            chart_days: bar_chart_svg(&day_bars, "mm"),
            hourly_mm: hourly,
            daily: daily.into_iter().map(|(d, total_mm)| DailyRainView { date: d.to_string(), total_mm }).collect(),
            observed_at: newest.map(format_micros),
            observed_local: local(newest),
        });
    }
    Ok(out)
}

/// A bar chart as inline SVG: one bar per value, oldest first, each with its (possibly empty) label below; labels
/// are ours (hours, dates), never text from users.
pub fn bar_chart_svg(bars: &[(String, f64)], unit: &str) -> String {
    let (w, h, pad, foot) = (320.0, 110.0, 14.0, 12.0);
    if bars.is_empty() {
        return String::new();
    }
    let hi = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1.0);
    let slot = (w - 2.0 * pad) / bars.len() as f64;
    let y = |v: f64| h - pad - foot - v / hi * (h - 2.0 * pad - foot);
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-hidden="true" focusable="false"><rect x="0" y="0" width="{w}" height="{h}" fill="#fff" stroke="#ccc"/>"##
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let x = pad + i as f64 * slot;
        let top = y(*v);
        svg.push_str(&format!(
            r##"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="#1565c0"/>"##,
            x + slot * 0.1,
            slot * 0.8,
            (h - pad - foot - top).max(0.0)
        ));
        if !label.is_empty() {
            svg.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="8" fill="#333" text-anchor="middle">{}</text>"##,
                x + slot / 2.0,
                h - pad + 2.0,
                label
            ));
        }
    }
    svg.push_str(&format!(r##"<text x="{pad}" y="10" font-size="9" fill="#333">{hi:.1} {unit}</text></svg>"##));
    svg
}

#[utoipa::path(get, path = "/api/v1/environment/rainfall", tag = "sensing",
    responses((status = 200, description = "Every rain gauge with its hourly totals of the last 24 hours and daily totals of the last 7 days", body = [RainGaugeView])))]
pub async fn api_rainfall(State(state): State<AppState>) -> AppResult<Json<Vec<RainGaugeView>>> {
    Ok(Json(rain_gauges(&state, Utc::now()).await?))
}

#[utoipa::path(get, path = "/api/v1/environment/aqi", tag = "sensing",
    responses((status = 200, description = "Every air-quality station with its hourly and daily VN_AQI", body = [StationAqi])))]
pub async fn api_aqi(State(state): State<AppState>) -> AppResult<Json<Vec<StationAqi>>> {
    Ok(Json(stations(&state, Utc::now()).await?))
}

#[utoipa::path(get, path = "/api/v1/environment/rivers", tag = "sensing",
    responses((status = 200, description = "River gauges against their flood alarm levels BĐ1–BĐ3", body = [RiverView])))]
pub async fn api_rivers(State(state): State<AppState>) -> AppResult<Json<Vec<RiverView>>> {
    Ok(Json(rivers(&state, Utc::now()).await?))
}

#[derive(Template)]
#[template(path = "sensing/environment.html")]
struct EnvironmentPage {
    ctx: PageContext,
    stations: Vec<StationAqi>,
    rivers: Vec<RiverView>,
    rain: Vec<RainGaugeView>,
    bands: Vec<(String, String, String, String)>,
    tiles_url: String,
}

impl EnvironmentPage {
    /// The colour of a gauge on the map by the level the water stands at (no reading: grey).
    fn level_colour(&self, r: &RiverView) -> &'static str {
        match r.level.as_deref() {
            Some("normal") => "#2e7d32",
            Some("bd1") => "#f9a825",
            Some("bd2") => "#ef6c00",
            Some(_) => "#c62828",
            None => "#757575",
        }
    }

    /// The colour of a station on the map by its hourly AQI band (no index: grey).
    fn aqi_colour(&self, s: &StationAqi) -> String {
        s.hourly.as_ref().map_or_else(|| "#757575".to_owned(), |h| h.colour.clone())
    }
}

async fn page(State(state): State<AppState>, ctx: PageContext) -> AppResult<Response> {
    let now = Utc::now();
    let bands = AqiCategory::ALL
        .iter()
        .map(|c| {
            let (a, b) = c.range();
            (
                format!("{a}–{b}"),
                ctx.pick(c.label_vi(), c.label_en()).to_owned(),
                c.hex(),
                text_colour(c.rgb()).to_owned(),
            )
        })
        .collect();
    Ok(render(&EnvironmentPage {
        stations: stations(&state, now).await?,
        rivers: rivers(&state, now).await?,
        rain: rain_gauges(&state, now).await?,
        bands,
        tiles_url: state.config.map_tiles_url.clone(),
        ctx,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_text_colours_meet_contrast_and_hours_bucket_backwards() {
        let colours: Vec<&str> = AqiCategory::ALL.iter().map(|c| text_colour(c.rgb())).collect();
        assert_eq!(colours, ["#000000", "#000000", "#000000", "#000000", "#ffffff", "#ffffff"]);
        let now = DateTime::from_timestamp(10 * 3600, 0).unwrap();
        let us = |h: f64| (h * 3_600_000_000.0) as i64;
        let m = hourly_means(&[(us(9.5), 10.0), (us(9.9), 20.0), (us(8.5), 5.0), (us(11.0), 99.0)], now, 3);
        assert_eq!(m, vec![Some(15.0), Some(5.0), None]);
    }

    #[test]
    fn the_decisions_worked_example_gives_the_hourly_index_through_the_station_path() {
        // PM2.5 09:00–20:00 (newest first), O₃ 136.1 and NO₂ 118.7 in the last hour (QĐ 1459 worked example).
        let pm: Vec<Option<f64>> =
            [20.6, 19.6, 22.4, 20.3, 16.5, 19.0, 16.5, 19.5, 23.5, 20.5, 24.7, 26.9].map(Some).to_vec();
        let (h, _) = station_reports(&[
            (Pollutant::Pm25, pm),
            (Pollutant::O3, vec![Some(136.1)]),
            (Pollutant::No2, vec![Some(118.7)]),
        ]);
        let h = h.unwrap();
        // Half-up rounding gives 59 where the decision prints 60 (see domain::sensing::aqi).
        assert_eq!((h.aqi, h.dominant), (59, Pollutant::No2));
    }
}
