//! The IOC operator's alarm page (`/ioc/canh-bao`): active alarms, most severe and longest waiting first, with
//! acknowledge / assign-to-me / clear and a comment (each audited by the store), and the infrastructure devices by
//! kind and ward with their online / late / offline state. A device whose last Observation is older than the
//! silence rule allows raises a `device_silent` alarm ([`check_devices`], run by the server every minute and on
//! each view of the page).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use smartcity_domain::identity::Role;
use smartcity_domain::operations::alarms::{AlarmSeverity, acknowledge, assign, clear};
use smartcity_domain::sensing::alarm_rules::{AlarmRule, RuleCondition, evaluate_silence};
use smartcity_domain::sensing::sensorthings::parse_filter;
use smartcity_store::sensing::alarms::{AlarmEvent, OperatorAction, StoredAlarm};
use smartcity_store::sensing::{EntitySet, SensingStore, StaQuery};
use smartcity_store::{AlarmRuleStore, AlarmStore, AuditContext, StoreError};
use uuid::Uuid;

use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::page::{PageContext, redirect, render};
use crate::{AppError, AppResult, AppState};

/// The alarm type a silent device raises.
pub const SILENT_ALARM: &str = smartcity_domain::sensing::alarm_rules::SILENT_RULE;

/// Routes of the alarm pages.
pub fn router() -> Router<AppState> {
    Router::new().route("/ioc/canh-bao", get(page)).route("/ioc/canh-bao/{id}", post(act))
}

/// Tình trạng kết nối: a device's state from the age of its last Observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeviceState {
    Online,
    Late,
    Offline,
}

impl DeviceState {
    /// Stable code: `online`, `late`, `offline`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceState::Online => "online",
            DeviceState::Late => "late",
            DeviceState::Offline => "offline",
        }
    }

    /// Label in Vietnamese and English.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            DeviceState::Online => ("Đang hoạt động", "Online"),
            DeviceState::Late => ("Chậm báo", "Late"),
            DeviceState::Offline => ("Mất kết nối", "Offline"),
        }
    }
}

/// Online up to 15 minutes after its last reading (the demo devices report every 10), late up to an hour,
/// offline after that or when it never reported.
pub fn device_state(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DeviceState {
    match last.map(|t| now - t) {
        Some(age) if age <= Duration::minutes(15) => DeviceState::Online,
        Some(age) if age <= Duration::hours(1) => DeviceState::Late,
        _ => DeviceState::Offline,
    }
}

/// The kinds of things the IOC watches as infrastructure (the `kind` property of a Thing).
pub const DEVICE_KINDS: [&str; 6] =
    ["camera_site", "wifi_hotspot", "street_light_cabinet", "river_gauge", "rain_gauge", "air_quality_station"];

/// What a device kind is called, in Vietnamese and English.
pub fn device_kind_labels(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "camera_site" => ("Camera", "Camera"),
        "wifi_hotspot" => ("Điểm wifi công cộng", "Public wifi hotspot"),
        "street_light_cabinet" => ("Tủ điện chiếu sáng", "Street-light cabinet"),
        "river_gauge" => ("Trạm đo mực nước", "River gauge"),
        "rain_gauge" => ("Trạm đo mưa", "Rain gauge"),
        "air_quality_station" => ("Trạm quan trắc không khí", "Air-quality station"),
        _ => ("Thiết bị khác", "Other device"),
    }
}

/// A device as the page lists it.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub ward_code: String,
    pub state: DeviceState,
    /// Time of its newest Observation.
    pub last: Option<DateTime<Utc>>,
}

/// Every infrastructure device with its state, read only (the dashboard's figures and map).
pub async fn devices(state: &AppState, now: DateTime<Utc>) -> Result<Vec<Device>, StoreError> {
    let latest = state.store.latest_observation_per_thing().await?;
    let filter = parse_filter(
        &DEVICE_KINDS.iter().map(|k| format!("properties/kind eq '{k}'")).collect::<Vec<_>>().join(" or "),
    )?;
    let mut q = StaQuery::all(EntitySet::Things, 5_000);
    q.filter = Some(&filter);
    Ok(state
        .store
        .sta_query(&q)
        .await?
        .entities
        .into_iter()
        .map(|t| {
            let p = |k: &str| {
                t.json.get("properties").and_then(|p| p.get(k)).and_then(Value::as_str).unwrap_or("").to_owned()
            };
            let last = latest.get(&t.id).copied().and_then(DateTime::from_timestamp_micros);
            Device {
                id: t.id,
                name: t.json.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
                kind: p("kind"),
                ward_code: p("ward_code"),
                state: device_state(last, now),
                last,
            }
        })
        .collect())
}

/// Every device with its state; each silence rule in force (`device_silent` by default: an hour without an
/// Observation) raises or clears its alarm on the device.
pub async fn check_devices(state: &AppState, now: DateTime<Utc>) -> Result<Vec<Device>, StoreError> {
    let devices = devices(state, now).await?;
    let rules: Vec<AlarmRule> = state
        .store
        .alarm_rules()
        .await?
        .into_iter()
        .filter(|r| matches!(r.condition, RuleCondition::Silence { .. }))
        .collect();
    let ctx = AuditContext::system("sensing:device-rule");
    for d in &devices {
        for rule in &rules {
            let details = json!({"last_observation": d.last, "kind": d.kind});
            let Some(condition) = evaluate_silence(rule, d.last, now, details) else { continue };
            state.store.evaluate_alarm(&ctx, &format!("Things({})", d.id), &d.name, &rule.code, condition).await?;
        }
    }
    Ok(devices)
}

/// One row of the counts table: kind, ward, online, late, offline.
type CountRow = (String, String, usize, usize, usize);

#[derive(Template)]
#[template(path = "sensing/alarms.html")]
struct AlarmsPage {
    ctx: PageContext,
    alarms: Vec<(StoredAlarm, Vec<AlarmEvent>)>,
    counts: Vec<CountRow>,
    show_cleared: bool,
    done: bool,
}

impl AlarmsPage {
    fn severity_label(&self, s: &AlarmSeverity) -> &'static str {
        self.ctx.pick(s.label_vi(), s.label_en())
    }

    fn status_label(&self, a: &StoredAlarm) -> &'static str {
        let s = a.alarm.status();
        self.ctx.pick(s.label_vi(), s.label_en())
    }

    fn local(&self, t: &DateTime<Utc>) -> String {
        self.ctx.datetime(t)
    }

    fn detail_text(&self, a: &StoredAlarm) -> String {
        alarm_detail(&self.ctx, a)
    }
}

/// What raised an alarm, in a few words: the water level and alarm level for a flood, the reading against the
/// threshold for a threshold rule, the device kind for a silent device.
pub fn alarm_detail(ctx: &PageContext, a: &StoredAlarm) -> String {
    let d = &a.alarm.details;
    match (d.get("water_level_m").and_then(Value::as_f64), d.get("level_vi").and_then(Value::as_str)) {
        (Some(m), Some(vi)) => {
            let label = ctx.pick(vi, d.get("level_en").and_then(Value::as_str).unwrap_or(vi));
            format!("{m:.2} m · {label}")
        }
        _ if d.get("threshold").is_some() => {
            let value = d.get("value").and_then(Value::as_f64).unwrap_or(f64::NAN);
            match d.get("threshold").and_then(Value::as_f64) {
                Some(t) => format!("{value} (≥ {t})"),
                None => format!("{value}"),
            }
        }
        _ => {
            let kind = d.get("kind").and_then(Value::as_str).unwrap_or_default();
            let (vi, en) = device_kind_labels(kind);
            if kind.is_empty() { String::new() } else { ctx.pick(vi, en).to_owned() }
        }
    }
}

/// What an alarm type is called.
pub fn alarm_type_labels(alarm_type: &str) -> (&'static str, &'static str) {
    match alarm_type {
        crate::sensing::ingest::FLOOD_ALARM => ("Mực nước lũ", "Flood level"),
        SILENT_ALARM => ("Thiết bị mất kết nối", "Device silent"),
        smartcity_domain::sensing::alarm_rules::PM25_RULE => ("Bụi PM2.5 cao", "High PM2.5"),
        _ => ("Cảnh báo theo quy tắc", "Rule alarm"),
    }
}

async fn require_ioc(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    user.require_any_role(state, &[Role::IocOperator, Role::Administrator]).await
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: PageContext,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> AppResult<Response> {
    require_ioc(&state, &user).await?;
    let now = Utc::now();
    let devices = check_devices(&state, now).await?;
    let mut counts: BTreeMap<(String, String), (usize, usize, usize)> = BTreeMap::new();
    for d in devices {
        let c = counts.entry((d.kind, d.ward_code)).or_default();
        match d.state {
            DeviceState::Online => c.0 += 1,
            DeviceState::Late => c.1 += 1,
            DeviceState::Offline => c.2 += 1,
        }
    }
    let show_cleared = q.all.is_some();
    let mut alarms = Vec::new();
    for a in state.store.list_alarms(!show_cleared, 200).await? {
        let history = state.store.alarm_history(a.id).await?;
        alarms.push((a, history));
    }
    Ok(render(&AlarmsPage {
        ctx,
        alarms,
        counts: counts.into_iter().map(|((k, w), (on, late, off))| (k, w, on, late, off)).collect(),
        show_cleared,
        done: q.done.is_some(),
    }))
}

/// An operator's action on an alarm, as the forms send it.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    pub action: String,
    #[serde(default)]
    pub comment: String,
    /// `updated_at` of the alarm as shown, so that a second operator's stale click is refused.
    pub updated_at: String,
}

async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    require_ioc(&state, &user).await?;
    perform(&state, &user, ip, id, &form).await?;
    Ok(redirect("/ioc/canh-bao?done=1"))
}

/// Applies an operator's action (`acknowledge`, `assign` to themselves, `clear`) with its comment, if the alarm is
/// still as the operator saw it; the caller has checked the role.
pub async fn perform(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<String>,
    id: Uuid,
    form: &ActionForm,
) -> AppResult<()> {
    let current = state.store.get_alarm(id).await?;
    let expected = DateTime::parse_from_rfc3339(&form.updated_at).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        AppError::invalid_field(
            "updated_at",
            "alarm_stale",
            "Trang đã cũ; hãy tải lại.",
            "The page is stale; reload it.",
        )
    })?;
    let now = smartcity_store::now();
    let comment = smartcity_domain::text::clean_line(&form.comment);
    if comment.chars().count() > 500 {
        return Err(AppError::invalid_field(
            "comment",
            "comment_too_long",
            "Ghi chú tối đa 500 ký tự.",
            "The comment may have at most 500 characters.",
        ));
    }
    let (action, new_state) = match form.action.as_str() {
        "acknowledge" => (OperatorAction::Acknowledge, acknowledge(&current.alarm, now)?),
        "assign" => (OperatorAction::Assign, assign(&current.alarm, Some(&user.0.account.display_name), now)?),
        "clear" => (OperatorAction::Clear, clear(&current.alarm, now)?),
        _ => {
            return Err(AppError::new(
                "alarm_action_unknown",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Thao tác không hợp lệ.",
                "Unknown action.",
            ));
        }
    };
    let ctx = AuditContext::account(user.id(), ip);
    match state.store.apply_operator_action(&ctx, id, expected, action, &new_state, &comment).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(AppError::new(
            "alarm_changed",
            StatusCode::CONFLICT,
            "Cảnh báo vừa thay đổi (do người khác hoặc do quy tắc); hãy tải lại trang.",
            "The alarm has just changed (by someone else or by its rule); reload the page.",
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_online_late_or_offline_by_the_age_of_its_last_reading() {
        let now = Utc::now();
        assert_eq!(device_state(Some(now - Duration::minutes(10)), now), DeviceState::Online);
        assert_eq!(device_state(Some(now - Duration::minutes(40)), now), DeviceState::Late);
        assert_eq!(device_state(Some(now - Duration::hours(2)), now), DeviceState::Offline);
        assert_eq!(device_state(None, now), DeviceState::Offline);
    }
}
