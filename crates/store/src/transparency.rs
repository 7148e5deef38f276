//! `transparency`: the aggregate reads behind the public figures that are not the dossiers' (those come from
//! [`crate::dossiers`]): field-report counts per handling unit and month, handling-time histograms, the public
//! points of the report map, and the hourly means and daily highs of sensor readings. Every read is one
//! `GROUP BY` over an indexed range (`reports.created_at`, `sta_observations(datastream_id, phenomenon_time)`),
//! so a year of the city costs a few hundred rows, not one row per report or reading.

use chrono::{DateTime, Utc};
use smartcity_domain::reports::ReportStatus;
use uuid::Uuid;

use crate::sensing::filter_sql::to_micros;
use crate::{Backend, Store, StoreResult, on_reader};

/// What the reports sent in one time bucket to one handling unit became (see
/// `domain::transparency::reports::ReportCounts` for the meaning of each count).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportCountsRow {
    /// The handling unit; `None` for reports not routed yet (or rejected before routing).
    pub unit_code: Option<String>,
    /// Index of the bucket: reports sent in `[bounds[i], bounds[i + 1])`.
    pub bucket: i64,
    pub received: i64,
    pub rejected: i64,
    pub processed: i64,
    pub on_time: i64,
    pub overdue_open: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub acceptable: i64,
    pub dissatisfied: i64,
}

/// Finished reports of one handling unit answered after `hours` whole hours.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HandlingHoursRow {
    pub unit_code: Option<String>,
    pub hours: i64,
    pub reports: i64,
}

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
    /// Report counts per handling unit and bucket for the reports sent in `[bounds[0], bounds[last])`, the
    /// buckets being consecutive `bounds` (e.g. the months of a period); "overdue" is judged at `now`.
    /// Empty when fewer than two bounds are given.
    async fn report_counts(&self, bounds: &[DateTime<Utc>], now: DateTime<Utc>) -> StoreResult<Vec<ReportCountsRow>>;
    /// How long the finished reports sent in `[from, to)` took to be answered, per handling unit, in whole hours.
    async fn report_handling_hours(&self, from: DateTime<Utc>, to: DateTime<Utc>)
    -> StoreResult<Vec<HandlingHoursRow>>;
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
    async fn report_counts(&self, bounds: &[DateTime<Utc>], now: DateTime<Utc>) -> StoreResult<Vec<ReportCountsRow>> {
        if bounds.len() < 2 {
            return Ok(Vec::new());
        }
        let rejected = status_list(|s| matches!(s, ReportStatus::Rejected(_)));
        let finished = status_list(|s| matches!(s, ReportStatus::Answered | ReportStatus::Closed));
        let open = status_list(ReportStatus::is_open);
        // $1 = now, $2.. = bounds; bucket i holds created_at < bounds[i + 1].
        let n = bounds.len();
        let whens: String =
            (1..n).map(|i| format!("WHEN created_at < ${} THEN {}", i + 2, i - 1)).collect::<Vec<_>>().join(" ");
        let count = |cond: &str| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
        let sql = format!(
            "SELECT handling_unit_code AS unit_code, CAST(CASE {whens} END AS BIGINT) AS bucket, \
             {received} AS received, {rej} AS rejected, {processed} AS processed, {on_time} AS on_time, \
             {overdue} AS overdue_open, {rated} AS rated, {satisfied} AS satisfied, {acceptable} AS acceptable, \
             {dissatisfied} AS dissatisfied \
             FROM reports WHERE created_at >= $2 AND created_at < ${last} GROUP BY 1, 2 ORDER BY 1, 2",
            received = count(&format!("status NOT IN ({rejected})")),
            rej = count(&format!("status IN ({rejected})")),
            processed = count(&format!("status IN ({finished})")),
            on_time = count(&format!(
                "status IN ({finished}) AND answered_at IS NOT NULL AND due_at IS NOT NULL AND answered_at <= due_at"
            )),
            overdue = count(&format!("status IN ({open}) AND due_at IS NOT NULL AND due_at < $1")),
            rated = count(&format!("status NOT IN ({rejected}) AND rating IS NOT NULL")),
            satisfied = count(&format!("status NOT IN ({rejected}) AND rating = 'satisfied'")),
            acceptable = count(&format!("status NOT IN ({rejected}) AND rating = 'acceptable'")),
            dissatisfied = count(&format!("status NOT IN ({rejected}) AND rating = 'dissatisfied'")),
            last = n + 1,
        );
        Ok(on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now);
            for b in bounds {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await?
        }))
    }

    async fn report_handling_hours(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<HandlingHoursRow>> {
        // Only the time difference is dialect-specific. SQLite counts whole seconds (julianday's floating point
        // would put an answer after exactly 216 h into hour 215).
        let hours = match self.backend() {
            Backend::Sqlite => {
                "((CAST(strftime('%s', answered_at) AS INTEGER) - CAST(strftime('%s', created_at) AS INTEGER)) / 3600)"
            }
            Backend::Postgres => "CAST(FLOOR(EXTRACT(EPOCH FROM (answered_at - created_at)) / 3600.0) AS BIGINT)",
        };
        let finished = status_list(|s| matches!(s, ReportStatus::Answered | ReportStatus::Closed));
        let sql = format!(
            "SELECT handling_unit_code AS unit_code, {hours} AS hours, COUNT(*) AS reports FROM reports \
             WHERE created_at >= $1 AND created_at < $2 AND status IN ({finished}) AND answered_at IS NOT NULL \
             GROUP BY 1, 2 ORDER BY 1, 2"
        );
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(pool).await?
        }))
    }

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
