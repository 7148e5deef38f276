//! The dashboard's tiles beyond dossiers — field reports, environment, devices, alarms — and the cache that lets a
//! thousand dashboards ask for the figures after every change without a thousand computations.
//!
//! Every change the figures count (dossiers, reports, alarms, ticks) writes an outbox event in its own transaction,
//! so a summary computed after the newest event stays true until a newer one appears. Sensor readings write no
//! event; their ingest [`SummaryCache::touch`]es the cache instead (readings from another server process, on a
//! shared PostgreSQL, are seen after [`MAX_AGE`]). An event committed out of order by a concurrent transaction
//! (an older `created_at` than the newest) is likewise seen after [`MAX_AGE`] at most.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use smartcity_store::OperationsStore;
use tokio::sync::Mutex;
use utoipa::ToSchema;

use super::IocSummary;
use crate::AppState;
use crate::error::AppResult;
use crate::sensing::alarms::{DEVICE_KINDS, DeviceState, device_kind_labels, devices};
use crate::sensing::environment::{rivers, stations};

/// Longest time a cached summary is served without recomputing: the readings' share of freshness.
pub const MAX_AGE: Duration = Duration::from_secs(15);

/// Days over which report satisfaction and the time to acknowledge alarms are averaged.
pub const TREND_DAYS: i64 = 30;

/// Field-report tiles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportTiles {
    /// Not answered, rejected or closed.
    pub open: i64,
    /// Open past their handling deadline.
    pub overdue: i64,
    /// Ratings of reports answered in the last 30 days.
    pub rated_30d: i64,
    /// Share of those ratings that are “satisfied” or “acceptable”, in whole percent; null without ratings.
    pub satisfaction_percent_30d: Option<u32>,
}

/// The worst air-quality station now (hourly VN_AQI).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AqiTile {
    pub station_id: i64,
    pub station: String,
    pub aqi: u16,
    /// `good` … `hazardous`.
    pub category: String,
    pub category_vi: String,
    pub category_en: String,
    /// Band colour `#rrggbb` and the text colour that reads on it.
    pub colour: String,
    pub text_colour: String,
}

/// The river gauge highest against its flood alarm levels now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiverTile {
    pub gauge_id: String,
    pub name_vi: String,
    pub name_en: String,
    pub level_m: f64,
    /// `normal`, `bd1`, `bd2`, `bd3`, `above_bd3`.
    pub level: String,
    pub level_vi: String,
    pub level_en: String,
    pub bd1_m: f64,
    pub bd2_m: f64,
    pub bd3_m: f64,
}

/// Environment tiles; absent parts when no station has reported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnvironmentTiles {
    pub worst_aqi: Option<AqiTile>,
    pub highest_river: Option<RiverTile>,
}

/// Devices of one kind by state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceKindTile {
    /// `camera_site`, `wifi_hotspot`, `street_light_cabinet`, `river_gauge`, `rain_gauge`, `air_quality_station`.
    pub kind: String,
    pub label_vi: String,
    pub label_en: String,
    pub online: i64,
    pub late: i64,
    pub offline: i64,
}

/// Device tiles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceTiles {
    /// Offline devices of every kind together.
    pub offline: i64,
    /// Every kind the IOC watches, in a fixed order.
    pub by_kind: Vec<DeviceKindTile>,
}

/// Active alarms by severity and the operators' speed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlarmTiles {
    pub critical: i64,
    pub major: i64,
    pub minor: i64,
    pub warning: i64,
    pub indeterminate: i64,
    /// Active alarms nobody acknowledged yet.
    pub unacknowledged: i64,
    /// Mean minutes from an alarm's start to its acknowledgement, over alarms acknowledged in the last 30 days
    /// (one decimal); null when none was.
    pub mean_minutes_to_acknowledge_30d: Option<f64>,
}

/// Report tiles at `now`.
pub async fn report_tiles(state: &AppState, now: DateTime<Utc>) -> AppResult<ReportTiles> {
    let c = state.store.report_counters(None, now - chrono::Duration::days(TREND_DAYS), now).await?;
    Ok(ReportTiles {
        open: c.open,
        overdue: c.overdue,
        rated_30d: c.rated,
        satisfaction_percent_30d: (c.rated > 0).then(|| ((c.content as f64) * 100.0 / (c.rated as f64)).round() as u32),
    })
}

/// Environment tiles at `now`: the highest hourly AQI among stations and the gauge furthest up its alarm ladder
/// (then highest above its BĐ1).
pub async fn environment_tiles(state: &AppState, now: DateTime<Utc>) -> AppResult<EnvironmentTiles> {
    let worst_aqi = stations(state, now)
        .await?
        .into_iter()
        .filter_map(|s| s.hourly.map(|a| (s.id, s.name, a)))
        .max_by_key(|(_, _, a)| a.aqi)
        .map(|(station_id, station, a)| AqiTile {
            station_id,
            station,
            aqi: a.aqi,
            category: a.category,
            category_vi: a.category_vi,
            category_en: a.category_en,
            colour: a.colour,
            text_colour: a.text_colour,
        });
    let rank = |level: &str| ["normal", "bd1", "bd2", "bd3", "above_bd3"].iter().position(|l| *l == level).unwrap_or(0);
    let highest_river = rivers(state, now)
        .await?
        .into_iter()
        .filter_map(|r| {
            let (level_m, level) = (r.level_m?, r.level?);
            Some(RiverTile {
                gauge_id: r.gauge_id,
                name_vi: r.name_vi,
                name_en: r.name_en,
                level_m,
                level,
                level_vi: r.level_vi.unwrap_or_default(),
                level_en: r.level_en.unwrap_or_default(),
                bd1_m: r.bd1_m,
                bd2_m: r.bd2_m,
                bd3_m: r.bd3_m,
            })
        })
        .max_by(|a, b| {
            rank(&a.level).cmp(&rank(&b.level)).then((a.level_m - a.bd1_m).total_cmp(&(b.level_m - b.bd1_m)))
        });
    Ok(EnvironmentTiles { worst_aqi, highest_river })
}

/// Device tiles at `now`.
pub async fn device_tiles(state: &AppState, now: DateTime<Utc>) -> AppResult<DeviceTiles> {
    let all = devices(state, now).await?;
    let by_kind: Vec<DeviceKindTile> = DEVICE_KINDS
        .iter()
        .map(|kind| {
            let of_kind = || all.iter().filter(|d| d.kind == *kind);
            let count = |s: DeviceState| of_kind().filter(|d| d.state == s).count() as i64;
            let (label_vi, label_en) = device_kind_labels(kind);
            DeviceKindTile {
                kind: (*kind).to_owned(),
                label_vi: label_vi.to_owned(),
                label_en: label_en.to_owned(),
                online: count(DeviceState::Online),
                late: count(DeviceState::Late),
                offline: count(DeviceState::Offline),
            }
        })
        .collect();
    Ok(DeviceTiles { offline: by_kind.iter().map(|k| k.offline).sum(), by_kind })
}

/// Alarm tiles at `now`.
pub async fn alarm_tiles(state: &AppState, now: DateTime<Utc>) -> AppResult<AlarmTiles> {
    use smartcity_domain::operations::alarms::AlarmSeverity as S;
    let c = state.store.alarm_counters(now - chrono::Duration::days(TREND_DAYS)).await?;
    let of = |s: S| c.active_by_severity.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    Ok(AlarmTiles {
        critical: of(S::Critical),
        major: of(S::Major),
        minor: of(S::Minor),
        warning: of(S::Warning),
        indeterminate: of(S::Indeterminate),
        unacknowledged: c.unacknowledged,
        mean_minutes_to_acknowledge_30d: c.mean_seconds_to_acknowledge.map(|s| (s / 6.0).round() / 10.0),
    })
}

struct Cached {
    newest_event: Option<DateTime<Utc>>,
    generation: u64,
    computed: Instant,
    summary: IocSummary,
}

/// The last summary computed, reused while no change happened since and it is younger than [`MAX_AGE`].
#[derive(Default)]
pub struct SummaryCache {
    // A tokio mutex held while computing: dashboards that ask at the same moment wait for one computation
    // instead of each running their own.
    slot: Mutex<Option<Cached>>,
    /// Bumped by changes that write no outbox event (readings).
    generation: AtomicU64,
}

impl SummaryCache {
    /// Something the figures count changed without an outbox event: the next request recomputes.
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The figures now, from the cache when still true.
    pub async fn get(&self, state: &AppState) -> AppResult<IocSummary> {
        let mut slot = self.slot.lock().await;
        let generation = self.generation.load(Ordering::Acquire);
        let newest_event = state.store.newest_event_at().await?;
        if let Some(c) = slot.as_ref()
            && c.newest_event == newest_event
            && c.generation == generation
            && c.computed.elapsed() < MAX_AGE
        {
            return Ok(c.summary.clone());
        }
        let summary = super::compute_summary(state).await?;
        *slot = Some(Cached { newest_event, generation, computed: Instant::now(), summary: summary.clone() });
        Ok(summary)
    }
}
