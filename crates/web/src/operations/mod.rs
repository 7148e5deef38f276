//! `operations`: the operations centre (IOC) of Huế — the figures an operator watches at a glance
//! (`/api/v1/ioc/summary`) and the live feed of changes (`/api/v1/ioc/events`, Server-Sent Events), on
//! the `/ioc` dashboard. Counters come from indexed counts, never from loading rows; live events come
//! from the outbox through [`live::LiveHub`].

pub mod live;
pub mod map;
pub mod queue;
pub mod sop;
pub mod summary;
pub mod wards;

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, Utc};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use smartcity_domain::identity::Role;
use smartcity_domain::indices::counts::{PeriodCounts, indicators_from_counts};
use smartcity_store::DossierRollupStore;
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::dossiers::indices::local_midnight;
use crate::error::{ApiErrorBody, AppResult};
use crate::shell::auth::CurrentUser;
use crate::shell::page::{PageContext, render};
use queue::QueueLabels as _;

/// Routes of the operations capability.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ioc", get(dashboard))
        .route("/ioc/chi-so", get(tiles))
        .route("/ioc/hang-doi", get(queue::fragment))
        .route("/ioc/hang-doi/{id}", post(queue::act))
        .route("/ioc/hang-doi/{id}/buoc/{step}", post(queue::tick))
        .route("/ioc/phuong", get(wards::pick))
        .route("/ioc/phuong/{code}", get(wards::ward))
        .route("/ioc/thiet-bi/{id}", get(wards::device))
        .route("/admin/quy-trinh", get(sop::page).post(sop::save))
        .route("/api/v1/ioc/summary", get(summary))
        .route("/api/v1/ioc/events", get(events))
        .route("/api/v1/ioc/map/{layer}", get(map::layer))
}

/// Who may watch the operations centre.
pub const WATCHERS: [Role; 2] = [Role::IocOperator, Role::Administrator];

/// Dossier tiles of the dashboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DossierTiles {
    /// Received today (since local midnight).
    pub received_today: i64,
    /// Not yet in a final status.
    pub open: i64,
    /// Open, not paused for a supplement, past the appointment date.
    pub overdue: i64,
    /// QĐ 766 indicator 2.1 for the city this month so far, in percent; null when no dossier counts yet.
    pub on_time_rate_month: Option<f64>,
}

/// What the operations centre shows at a glance (`sensorthings-iot.md` §4): dossiers, field reports,
/// environment, devices and alarms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IocSummary {
    /// When the figures were taken.
    pub at: DateTime<Utc>,
    pub dossiers: DossierTiles,
    pub reports: summary::ReportTiles,
    pub environment: summary::EnvironmentTiles,
    pub devices: summary::DeviceTiles,
    pub alarms: summary::AlarmTiles,
}

/// The figures now.
pub async fn compute_summary(state: &AppState) -> AppResult<IocSummary> {
    let now = Utc::now();
    Ok(IocSummary {
        at: now,
        dossiers: dossier_tiles(state, now).await?,
        reports: summary::report_tiles(state, now).await?,
        environment: summary::environment_tiles(state, now).await?,
        devices: summary::device_tiles(state, now).await?,
        alarms: summary::alarm_tiles(state, now).await?,
    })
}

/// The dossier tiles from the running tallies (`store::dossier_rollups`, moved by every dossier write): the
/// month's tallies give QĐ 766 indicator 2.1 and, with the days before, the dossiers still open; the appointment
/// days before today give the overdue ones, and one indexed count splits today's appointments at `now`.
async fn dossier_tiles(state: &AppState, now: DateTime<Utc>) -> AppResult<DossierTiles> {
    let today = now.with_timezone(&smartcity_domain::time::TZ).date_naive();
    let month = state.store.dossier_tallies(today.with_day(1).unwrap_or(today), today).await?;
    let mut counts = PeriodCounts::default();
    for t in month.values() {
        counts.add(&t.period());
    }
    let on_time = indicators_from_counts(&counts).into_iter().find(|i| i.id == "2.1").and_then(|i| i.value);
    let day = state.store.dossier_tallies(today, today).await?;
    let (mut received_today, mut open, mut overdue) = (0, 0, 0);
    for t in day.values() {
        let during = t.period().during;
        received_today += during.received;
        open += t.before.open_now + during.open_now;
        overdue += t.before.running_due;
    }
    overdue += state.store.dossiers_running_due_between(local_midnight(today), now).await?;
    Ok(DossierTiles { received_today, open, overdue, on_time_rate_month: on_time })
}

/// The operations centre's figures now (IOC operators and administrators).
#[utoipa::path(get, path = "/api/v1/ioc/summary", tag = "operations",
    responses((status = 200, description = "Figures at a glance", body = IocSummary),
              (status = 401, description = "Not logged in", body = ApiErrorBody),
              (status = 403, description = "Not an IOC operator", body = ApiErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn summary(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<IocSummary>> {
    user.require_any_role(&state, &WATCHERS).await?;
    Ok(Json(state.ioc_summary.get(&state).await?))
}

fn sse_event(e: &live::LiveEvent) -> Event {
    Event::default()
        .id(e.id.to_string())
        .event("change")
        .json_data(e)
        .unwrap_or_else(|_| Event::default().comment("unserialisable event"))
}

/// Tells a dashboard it missed events it cannot get back: reload the figures.
fn resync() -> Event {
    Event::default().event("resync").data("{}")
}

/// Live changes (Server-Sent Events, event `change` with a JSON body `{id, topic, at, data}`). Send
/// `Last-Event-ID` after a drop to get what was missed; an event `resync` means reload the figures.
#[utoipa::path(get, path = "/api/v1/ioc/events", tag = "operations",
    responses((status = 200, description = "text/event-stream of changes", content_type = "text/event-stream", body = String),
              (status = 401, description = "Not logged in", body = ApiErrorBody),
              (status = 403, description = "Not an IOC operator", body = ApiErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    user.require_any_role(&state, &WATCHERS).await?;
    // Subscribe first, then read the backlog: an event may come twice (the page ignores repeats by
    // id), never zero times.
    let receiver = state.live.subscribe();
    state.live.ensure_polling(state.store.clone());
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| Uuid::parse_str(v.trim()).ok());
    let backlog: Vec<Event> = match last {
        None => Vec::new(),
        Some(id) => match state.live.since(id) {
            Some(missed) => missed.iter().map(sse_event).collect(),
            None => vec![resync()],
        },
    };
    let live = stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(e) => Some((Ok(sse_event(&e)), receiver)),
            Err(RecvError::Lagged(_)) => Some((Ok(resync()), receiver)),
            Err(RecvError::Closed) => None,
        }
    });
    let stream = stream::iter(backlog.into_iter().map(Ok)).chain(live);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[derive(Template)]
#[template(path = "operations/dashboard.html")]
struct DashboardPage {
    ctx: PageContext,
    summary: IocSummary,
    queue: queue::QueueView,
    /// (layer key, label, legend colour).
    layers: Vec<(&'static str, &'static str, &'static str)>,
    tiles_url: String,
    wards: Vec<smartcity_store::units::Unit>,
}

impl queue::QueueLabels for DashboardPage {
    fn page_ctx(&self) -> &PageContext {
        &self.ctx
    }
}

/// The map's layers with their label and legend colour, in the order of [`map::LAYERS`].
fn layer_legend(ctx: &PageContext) -> Vec<(&'static str, &'static str, &'static str)> {
    map::LAYERS
        .iter()
        .map(|key| {
            let (vi, en, colour) = match *key {
                "reports" => ("Phản ánh hiện trường", "Field reports", "#9a3412"),
                "air" => ("Trạm không khí (AQI)", "Air stations (AQI)", "#1e6b34"),
                "rivers" => ("Trạm mực nước (BĐ)", "River gauges (alarm level)", "#1d4ed8"),
                "devices" => ("Camera, wifi, chiếu sáng", "Cameras, wifi, street lights", "#4b5563"),
                "warnings" => ("Vùng cảnh báo", "Warning areas", "#a1161b"),
                _ => ("Di tích", "Heritage sites", "#6d28d9"),
            };
            (*key, ctx.pick(vi, en), colour)
        })
        .collect()
}

/// `GET /ioc`: the operator's dashboard — tiles, map, alarm queue and live changes, refreshed in place.
pub async fn dashboard(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let summary = state.ioc_summary.get(&state).await?;
    let queue = queue::load(&state, &ctx, Utc::now()).await?;
    Ok(render(&DashboardPage {
        layers: layer_legend(&ctx),
        tiles_url: state.config.map_tiles_url.clone(),
        wards: crate::reports::citizen::wards(&state).await?,
        ctx,
        summary,
        queue,
    }))
}

#[derive(Template)]
#[template(path = "operations/tiles.html")]
struct TilesFragment {
    ctx: PageContext,
    summary: IocSummary,
}

/// `GET /ioc/chi-so`: the tiles alone, for the dashboard to refresh them in place after a change.
pub async fn tiles(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, &WATCHERS).await?;
    let summary = state.ioc_summary.get(&state).await?;
    Ok(render(&TilesFragment { ctx, summary }))
}
