//! Drill-down from the dashboard: a ward (`/ioc/phuong/{code}`: its dossiers, field reports, devices and QĐ 766
//! indices this month) and a device (`/ioc/thiet-bi/{id}`: its state, the last 24 hours of each of its Datastreams
//! as a chart, and its alarms). The map links here when an operator clicks a ward or a device.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;
use smartcity_domain::indices::Indicator;
use smartcity_domain::units::UnitCode;
use smartcity_store::operations::{DossierCounters, ReportCounters};
use smartcity_store::reports::Report;
use smartcity_store::reports_handling::ReportQuery;
use smartcity_store::sensing::alarms::StoredAlarm;
use smartcity_store::sensing::{EntitySet, SensingStore, StaQuery};
use smartcity_store::units::Unit;
use smartcity_store::{AlarmStore, OperationsStore, ReportHandlingStore, UnitStore};

use super::WATCHERS;
use crate::AppState;
use crate::dossiers::indices::local_midnight;
use crate::error::{AppError, AppResult};
use crate::reports::citizen::short_id;
use crate::sensing::alarms::{Device, alarm_type_labels, device_kind_labels, devices};
use crate::sensing::environment::chart_svg;
use crate::shell::auth::CurrentUser;
use crate::shell::extract::AppQuery;
use crate::shell::page::{PageContext, redirect, render};

/// The ward picked in the dashboard's form.
#[derive(Debug, Deserialize)]
pub struct PickQuery {
    #[serde(default)]
    pub ma: String,
}

fn ward_code(text: &str) -> AppResult<UnitCode> {
    UnitCode::parse(text.trim()).map_err(|e| AppError::from(e).with_field("ma"))
}

/// `GET /ioc/phuong?ma=19753`: the form's way to a ward's page.
pub async fn pick(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PickQuery>,
) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let code = ward_code(&q.ma)?;
    Ok(redirect(&format!("/ioc/phuong/{code}")))
}

#[derive(Template)]
#[template(path = "operations/ward.html")]
struct WardPage {
    ctx: PageContext,
    unit: Unit,
    dossiers: DossierCounters,
    reports: ReportCounters,
    latest_reports: Vec<Report>,
    devices: Vec<Device>,
    indicators: Vec<Indicator>,
    indexed_dossiers: usize,
    month: String,
}

impl WardPage {
    fn short(&self, r: &Report) -> String {
        short_id(&r.id)
    }

    fn kind_label(&self, d: &Device) -> &'static str {
        let (vi, en) = device_kind_labels(&d.kind);
        self.ctx.pick(vi, en)
    }

    fn state_label(&self, d: &Device) -> &'static str {
        let (vi, en) = d.state.labels();
        self.ctx.pick(vi, en)
    }

    fn value(&self, i: &Indicator) -> String {
        match i.value {
            Some(v) if i.id == "2.2" => format!("{v} {}", self.ctx.pick("ngày", "days")),
            Some(v) => format!("{v} %"),
            None => "—".into(),
        }
    }
}

/// `GET /ioc/phuong/{code}`: one ward as the operations centre sees it.
pub async fn ward(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let code = ward_code(&code)?;
    let unit = state.store.unit(&code).await?.ok_or_else(AppError::not_found)?;
    let now = Utc::now();
    let today = now.with_timezone(&smartcity_domain::time::TZ).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let code_text = code.to_string();
    let dossiers = state.store.unit_dossier_counters(&code_text, local_midnight(first), now).await?;
    let reports = state.store.report_counters(Some(&code_text), local_midnight(first), now).await?;
    let latest_reports = state
        .store
        .report_listing(&ReportQuery { ward_codes: vec![code_text.clone()], limit: 20, ..Default::default() })
        .await?;
    let mut devices: Vec<Device> =
        devices(&state, now).await?.into_iter().filter(|d| d.ward_code == code_text).collect();
    devices.sort_by(|a, b| b.state.cmp(&a.state).then(a.name.cmp(&b.name)));
    let first_text = first.to_string();
    let today_text = today.to_string();
    let indices =
        crate::dossiers::indices::compute(&state, Some(&code_text), Some(&first_text), Some(&today_text)).await?;
    Ok(render(&WardPage {
        month: format!("{:02}/{}", first.month(), first.year()),
        indexed_dossiers: indices.dossiers,
        indicators: indices.indicators,
        ctx,
        unit,
        dossiers,
        reports,
        latest_reports,
        devices,
    }))
}

/// One Datastream of a device with its last 24 hours.
pub struct StreamView {
    pub name: String,
    pub unit: String,
    pub latest: Option<(String, f64)>,
    pub chart: String,
    pub points: usize,
}

#[derive(Template)]
#[template(path = "operations/device.html")]
struct DevicePage {
    ctx: PageContext,
    id: i64,
    name: String,
    kind: String,
    ward_code: String,
    state_code: &'static str,
    state_label: &'static str,
    last: Option<DateTime<Utc>>,
    streams: Vec<StreamView>,
    alarms: Vec<StoredAlarm>,
}

impl DevicePage {
    fn alarm_type(&self, a: &StoredAlarm) -> &'static str {
        let (vi, en) = alarm_type_labels(&a.alarm.alarm_type);
        self.ctx.pick(vi, en)
    }

    fn alarm_status(&self, a: &StoredAlarm) -> &'static str {
        let s = a.alarm.status();
        self.ctx.pick(s.label_vi(), s.label_en())
    }
}

/// `GET /ioc/thiet-bi/{id}`: a device (a SensorThings Thing) with its charts and alarms.
pub async fn device(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let id: i64 = id.trim().parse().map_err(|_| {
        AppError::invalid_field(
            "id",
            "device_id_invalid",
            "Mã thiết bị phải là một số nguyên.",
            "A device id is a whole number.",
        )
    })?;
    let thing = state.store.sta_get(EntitySet::Things, id).await?;
    let now = Utc::now();
    let prop = |k: &str| {
        thing.json.get("properties").and_then(|p| p.get(k)).and_then(Value::as_str).unwrap_or_default().to_owned()
    };
    let known = devices(&state, now).await?.into_iter().find(|d| d.id == id);
    let mut q = StaQuery::all(EntitySet::Datastreams, 100);
    q.parent = Some((id, EntitySet::Things.navigation("Datastreams").ok_or_else(AppError::not_found)?));
    let mut streams = Vec::new();
    let mut originators = vec![format!("Things({id})")];
    let mut last_seen: Option<i64> = None;
    for ds in state.store.sta_query(&q).await?.entities {
        originators.push(format!("Datastreams({})", ds.id));
        let samples = state.store.numeric_series(ds.id, now - Duration::hours(24), now + Duration::seconds(1)).await?;
        last_seen = last_seen.max(samples.last().map(|s| s.0));
        let unit = ds
            .json
            .get("unitOfMeasurement")
            .and_then(|u| u.get("symbol"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        streams.push(StreamView {
            name: ds.json.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            latest: samples
                .last()
                .and_then(|(t, v)| DateTime::from_timestamp_micros(*t).map(|at| (ctx.datetime(&at), *v))),
            chart: chart_svg(&samples, now, &[], &unit),
            points: samples.len(),
            unit,
        });
    }
    let alarms: Vec<StoredAlarm> = state
        .store
        .list_alarms(false, 500)
        .await?
        .into_iter()
        .filter(|a| originators.contains(&a.alarm.originator))
        .take(20)
        .collect();
    let (state_code, (state_vi, state_en)) = match known.as_ref().map(|d| d.state) {
        Some(s) => (s.as_str(), s.labels()),
        None => ("sensor", ("Cảm biến", "Sensor")),
    };
    let kind = prop("kind");
    let (kind_vi, kind_en) = device_kind_labels(&kind);
    Ok(render(&DevicePage {
        id,
        name: thing.json.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
        kind: ctx.pick(kind_vi, kind_en).to_owned(),
        ward_code: prop("ward_code"),
        state_code,
        state_label: ctx.pick(state_vi, state_en),
        last: known.and_then(|d| d.last).or_else(|| last_seen.and_then(DateTime::from_timestamp_micros)),
        streams,
        alarms,
        ctx,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ward_code_is_checked() {
        assert!(ward_code(" 19753 ").is_ok());
        let e = ward_code("<script>").err().unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.field, Some("ma"));
        assert!(!e.vi.is_empty() && !e.en.is_empty());
    }
}
