//! `transparency`: the reads behind the public figures that are neither tallies of dossiers
//! ([`crate::dossier_rollups`]) nor of field reports ([`crate::report_rollups`]): the public points of the report
//! map, and the hourly means and daily highs of sensor readings, each one `GROUP BY` or page over an indexed range
//! (`reports.created_at`, `sta_observations(datastream_id, phenomenon_time)`).

use chrono::{DateTime, Utc};
use smartcity_domain::reports::ReportStatus;
use uuid::Uuid;

use crate::sensing::filter_sql::to_micros;
use crate::{Store, StoreResult, on_reader};

/// The public fields of a report on the transparency map: no reporter, no contact, no description or answer
/// (free text may name people), a location the caller rounds.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReportPoint {
    pub id: Uuid,
    pub service_code: String,
    pub status: String,
    pub ward_code: Option<String>,
    pub handling_unit_code: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub created_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// The transparency capability's reads.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait TransparencyStore {
    /// Public points of the reports sent in `[from, to)` (not rejected), handled by one of `units` when it is
    /// not empty, newest first, at most `limit`.
    async fn report_points(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        units: &[String],
        limit: i64,
    ) -> StoreResult<Vec<ReportPoint>>;
    /// Mean of the numeric Observations of each of `datastreams` per whole UTC hour of phenomenonTime in
    /// `[from, to)`: (Datastream id, hour start, mean), ordered by Datastream and hour.
    async fn hourly_means(
        &self,
        datastreams: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, DateTime<Utc>, f64)>>;
    /// Highest numeric Observation of each of `datastreams` per day in `[from, to)`, days starting at
    /// `utc_offset_seconds` (25 200 for Huế): (Datastream id, first instant of the day, highest value).
    async fn daily_highs(
        &self,
        datastreams: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        utc_offset_seconds: i64,
    ) -> StoreResult<Vec<(i64, DateTime<Utc>, f64)>>;
}

/// `'a', 'b'` of status codes: our own constants, never input, so they go into the SQL as literals.
fn status_list(keep: impl Fn(ReportStatus) -> bool) -> String {
    ReportStatus::ALL
        .into_iter()
        .filter(|s| keep(*s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_DAY: i64 = 86_400_000_000;

impl TransparencyStore for Store {
    async fn report_points(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        units: &[String],
        limit: i64,
    ) -> StoreResult<Vec<ReportPoint>> {
        let rejected = status_list(|s| matches!(s, ReportStatus::Rejected(_)));
        let unit_clause = if units.is_empty() {
            String::new()
        } else {
            format!(" AND handling_unit_code IN ({})", placeholders(4, units.len()))
        };
        let sql = format!(
            "SELECT id, service_code, status, ward_code, handling_unit_code, lat, lon, created_at, due_at, answered_at \
             FROM reports WHERE created_at >= $1 AND created_at < $2 AND status NOT IN ({rejected}){unit_clause} \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        );
        Ok(on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).bind(limit.clamp(1, 20_000));
            for u in units {
                q = q.bind(u.clone());
            }
            q.fetch_all(pool).await?
        }))
    }

    async fn hourly_means(
        &self,
        datastreams: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, DateTime<Utc>, f64)>> {
        if datastreams.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT datastream_id, phenomenon_time / {MICROS_PER_HOUR} AS hour, AVG(result_number) AS mean \
             FROM sta_observations WHERE datastream_id IN ({}) AND phenomenon_time >= $1 AND phenomenon_time < $2 \
             AND result_number IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
            placeholders(3, datastreams.len())
        );
        let rows: Vec<(i64, i64, f64)> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(to_micros(from)).bind(to_micros(to));
            for d in datastreams {
                q = q.bind(*d);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().filter_map(|(d, h, v)| DateTime::from_timestamp(h * 3600, 0).map(|t| (d, t, v))).collect())
    }

    async fn daily_highs(
        &self,
        datastreams: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        utc_offset_seconds: i64,
    ) -> StoreResult<Vec<(i64, DateTime<Utc>, f64)>> {
        if datastreams.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT datastream_id, (phenomenon_time + $3) / {MICROS_PER_DAY} AS day, MAX(result_number) AS high \
             FROM sta_observations WHERE datastream_id IN ({}) AND phenomenon_time >= $1 AND phenomenon_time < $2 \
             AND result_number IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
            placeholders(4, datastreams.len())
        );
        let offset_us = utc_offset_seconds * 1_000_000;
        let rows: Vec<(i64, i64, f64)> = on_reader!(self, pool => {
            let mut q =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(to_micros(from)).bind(to_micros(to)).bind(offset_us);
            for d in datastreams {
                q = q.bind(*d);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(d, day, v)| DateTime::from_timestamp(day * 86_400 - utc_offset_seconds, 0).map(|t| (d, t, v)))
            .collect())
    }
}
