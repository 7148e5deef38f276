//! Running tallies of the field reports (`report_rollups_daily`/`_monthly`, `report_handling_daily`/`_monthly`):
//! what each report adds to its handling unit's counts on the local day it was sent, as
//! `domain::transparency::reports::report_tally` defines it, and its handling-time band once answered. Every write
//! that changes a report's status, unit, deadline, answer or rating reads the report before and after the change
//! **inside its transaction** and moves the tallies by the difference, so they always equal a recomputation from
//! the rows; the transparency pages read these sums instead of grouping every report of the period.
//!
//! Writers: `create_report_with_details` and `apply_report_change` (reports), the bulk generator
//! (`reports_bulk`), and [`Store::rebuild_report_rollups`] (start on a database without tallies, import).
//! Not tallied: the reports still open past their deadline, which change with the clock; they are counted when
//! read from `reports_open_due_idx`, which holds only open reports.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use smartcity_domain::dossiers::Rating;
use smartcity_domain::reports::ReportStatus;
use smartcity_domain::transparency::reports::{
    HandlingHours, ReportCounts, ReportFacts, handling_bucket, report_tally,
};
use sqlx::Row;
use uuid::Uuid;

use crate::dossier_rollups::month_of;
use crate::{Store, StoreResult, in_write_tx, on_reader};

/// The tally key of reports not routed to a unit (yet).
pub const UNROUTED: &str = "";

/// A report as the tallies see it.
#[derive(Debug, Clone)]
pub(crate) struct ReportSubject {
    /// The handling unit, [`UNROUTED`] when none.
    pub unit: String,
    pub facts: ReportFacts,
}

impl ReportSubject {
    /// A report as written.
    pub(crate) fn of(r: &crate::reports::Report) -> Self {
        ReportSubject {
            unit: r.handling_unit_code.clone().unwrap_or_default(),
            facts: ReportFacts {
                status: r.status,
                created_at: r.created_at,
                due_at: r.due_at,
                answered_at: r.answered_at,
                rating: r.rating,
            },
        }
    }

    /// The local (Huế) day the report was sent: the day its tallies are kept under.
    fn day(&self) -> NaiveDate {
        self.facts.created_at.with_timezone(&smartcity_domain::time::TZ).date_naive()
    }
}

#[derive(sqlx::FromRow)]
struct SubjectRow {
    handling_unit_code: Option<String>,
    status: String,
    created_at: DateTime<Utc>,
    due_at: Option<DateTime<Utc>>,
    answered_at: Option<DateTime<Utc>>,
    rating: Option<String>,
}

impl SubjectRow {
    fn into_subject(self) -> StoreResult<ReportSubject> {
        Ok(ReportSubject {
            unit: self.handling_unit_code.unwrap_or_default(),
            facts: ReportFacts {
                status: ReportStatus::parse(&self.status)?,
                created_at: self.created_at,
                due_at: self.due_at,
                answered_at: self.answered_at,
                rating: self.rating.as_deref().map(Rating::parse).transpose()?,
            },
        })
    }
}

const SUBJECT_SELECT: &str = "SELECT handling_unit_code, status, created_at, due_at, answered_at, rating FROM reports";

/// The differences to add, by (unit, local day): counts, and reports per handling-time band.
#[derive(Debug, Default)]
pub(crate) struct ReportDeltas {
    counts: HashMap<(String, NaiveDate), [i64; 8]>,
    bands: HashMap<(String, NaiveDate, u64), i64>,
}

impl ReportDeltas {
    /// Adds `sign` × what `subjects` contribute.
    pub(crate) fn accumulate(&mut self, subjects: &[ReportSubject], sign: i64) {
        for s in subjects {
            let (counts, hours) = report_tally(&s.facts);
            let day = s.day();
            let slot = self.counts.entry((s.unit.clone(), day)).or_default();
            for (o, v) in slot.iter_mut().zip(counts.tally_values()) {
                *o += sign * v;
            }
            if let Some(h) = hours {
                *self.bands.entry((s.unit.clone(), day, handling_bucket(h))).or_default() += sign;
            }
        }
    }
}

/// Rows per upsert: at most 10 bound values each, ~1,000 per statement (see `dossier_rollups::ROWS_PER_UPSERT`).
const ROWS_PER_UPSERT: usize = 100;

/// `INSERT … ON CONFLICT (keys) DO UPDATE SET v = v + excluded.v` for `rows` rows of `keys` then `values`.
fn upsert_sql(table: &str, keys: &[&str], values: &[&str], rows: usize) -> String {
    let width = keys.len() + values.len();
    let marks = (0..rows)
        .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = values.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO {table} ({}, {}) VALUES {marks} ON CONFLICT ({}) DO UPDATE SET {updates}",
        keys.join(", "),
        values.join(", "),
        keys.join(", ")
    )
}

/// Tally reads and writes inside a transaction, on either engine.
pub(crate) trait ReportRollupWrite {
    /// The reports `ids` as the tallies see them now (in this transaction).
    async fn report_subjects(&mut self, ids: &[Uuid]) -> StoreResult<Vec<ReportSubject>>;
    /// Adds `deltas` to the daily and monthly tallies.
    async fn add_to_report_rollups(&mut self, deltas: &ReportDeltas) -> StoreResult<()>;
    /// What every report contributes, read page by page in id order (a rebuild, a test's recomputation).
    async fn tally_every_report(&mut self) -> StoreResult<ReportDeltas>;
    /// Moves the tallies from what `before` contributed to what `after` contributes.
    async fn move_report_rollups(&mut self, before: &[ReportSubject], after: &[ReportSubject]) -> StoreResult<()> {
        let mut deltas = ReportDeltas::default();
        deltas.accumulate(after, 1);
        deltas.accumulate(before, -1);
        self.add_to_report_rollups(&deltas).await
    }
}

crate::impl_for_connections!(impl ReportRollupWrite {
    async fn report_subjects(&mut self, ids: &[Uuid]) -> StoreResult<Vec<ReportSubject>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("{SUBJECT_SELECT} WHERE id IN ({marks})");
            let mut q = sqlx::query_as::<_, SubjectRow>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *self).await? {
                out.push(row.into_subject()?);
            }
        }
        Ok(out)
    }

    async fn tally_every_report(&mut self) -> StoreResult<ReportDeltas> {
        let mut deltas = ReportDeltas::default();
        let mut after = Uuid::nil();
        loop {
            let rows = sqlx::query(
                "SELECT id, handling_unit_code, status, created_at, due_at, answered_at, rating FROM reports \
                 WHERE id > $1 ORDER BY id LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&mut *self)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get(0)?;
            let subjects = rows
                .iter()
                .map(|r| {
                    SubjectRow {
                        handling_unit_code: r.try_get(1)?,
                        status: r.try_get(2)?,
                        created_at: r.try_get(3)?,
                        due_at: r.try_get(4)?,
                        answered_at: r.try_get(5)?,
                        rating: r.try_get(6)?,
                    }
                    .into_subject()
                })
                .collect::<StoreResult<Vec<_>>>()?;
            deltas.accumulate(&subjects, 1);
        }
        Ok(deltas)
    }

    async fn add_to_report_rollups(&mut self, deltas: &ReportDeltas) -> StoreResult<()> {
        let mut monthly: HashMap<(String, NaiveDate), [i64; 8]> = HashMap::new();
        for ((unit, day), c) in &deltas.counts {
            let slot = monthly.entry((unit.clone(), month_of(*day))).or_default();
            for (o, v) in slot.iter_mut().zip(c) {
                *o += v;
            }
        }
        let mut monthly_bands: HashMap<(String, NaiveDate, u64), i64> = HashMap::new();
        for ((unit, day, band), n) in &deltas.bands {
            *monthly_bands.entry((unit.clone(), month_of(*day), *band)).or_default() += n;
        }
        let values = ReportCounts::TALLY_COLUMNS;
        for (table, key, rows) in
            [("report_rollups_daily", "day", &deltas.counts), ("report_rollups_monthly", "month", &monthly)]
        {
            let rows: Vec<_> = rows.iter().filter(|(_, c)| c.iter().any(|v| *v != 0)).collect();
            for chunk in rows.chunks(ROWS_PER_UPSERT) {
                let sql = upsert_sql(table, &["unit_code", key], &values, chunk.len());
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for ((unit, day), c) in chunk {
                    q = q.bind(unit.clone()).bind(*day);
                    for v in *c {
                        q = q.bind(*v);
                    }
                }
                q.execute(&mut *self).await?;
            }
        }
        for (table, key, rows) in
            [("report_handling_daily", "day", &deltas.bands), ("report_handling_monthly", "month", &monthly_bands)]
        {
            let rows: Vec<_> = rows.iter().filter(|(_, n)| **n != 0).collect();
            for chunk in rows.chunks(ROWS_PER_UPSERT) {
                let sql = upsert_sql(table, &["unit_code", key, "bucket"], &["reports"], chunk.len());
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for ((unit, day, band), n) in chunk {
                    q = q.bind(unit.clone()).bind(*day).bind(i64::try_from(*band).unwrap_or(i64::MAX)).bind(**n);
                }
                q.execute(&mut *self).await?;
            }
        }
        Ok(())
    }
});

/// One unit's field-report figures over a period, from the tallies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitReportTallies {
    /// Counts by the month the reports were sent in (keyed by the month's first day; clipped to the period);
    /// `overdue_open` is 0 here: see [`ReportRollupStore::overdue_open_reports`].
    pub months: BTreeMap<NaiveDate, ReportCounts>,
    /// Handling times of the period's processed reports.
    pub hours: HandlingHours,
}

/// Reading the tallies.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait ReportRollupStore {
    /// Every unit's tallies for the reports sent on the local days `[from, to]` (keyed by unit code,
    /// [`UNROUTED`] for reports not routed): whole months from the monthly tables, the clipped first and last
    /// months from the daily ones.
    async fn report_tallies(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<HashMap<String, UnitReportTallies>>;
    /// Open reports past their deadline at `now`, by handling unit (`None`: not routed) and bucket, for the
    /// reports sent in `[bounds[0], bounds[last])`, bucket `i` being `[bounds[i], bounds[i + 1])`.
    async fn overdue_open_reports(
        &self,
        bounds: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(Option<String>, i64, i64)>>;
    /// The tallies as stored, zero rows left out: counts by (unit, day) and bands by (unit, day, band).
    async fn stored_report_rollups(&self) -> StoreResult<StoredReportRollups>;
    /// The same recomputed from the reports, nothing written.
    async fn recomputed_report_rollups(&self) -> StoreResult<StoredReportRollups>;
}

/// Tallies as comparable maps (tests compare the stored ones with a recomputation): daily counts, daily bands,
/// and the monthly tables summed back to days' months.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredReportRollups {
    pub daily: BTreeMap<(String, NaiveDate), [i64; 8]>,
    pub daily_bands: BTreeMap<(String, NaiveDate, i64), i64>,
    pub monthly: BTreeMap<(String, NaiveDate), [i64; 8]>,
    pub monthly_bands: BTreeMap<(String, NaiveDate, i64), i64>,
}

impl StoredReportRollups {
    fn from_deltas(d: &ReportDeltas) -> Self {
        let mut out = Self::default();
        for ((unit, day), c) in &d.counts {
            if c.iter().any(|v| *v != 0) {
                out.daily.insert((unit.clone(), *day), *c);
                let m = out.monthly.entry((unit.clone(), month_of(*day))).or_default();
                for (o, v) in m.iter_mut().zip(c) {
                    *o += v;
                }
            }
        }
        for ((unit, day, band), n) in &d.bands {
            if *n != 0 {
                let band = i64::try_from(*band).unwrap_or(i64::MAX);
                out.daily_bands.insert((unit.clone(), *day, band), *n);
                *out.monthly_bands.entry((unit.clone(), month_of(*day), band)).or_default() += n;
            }
        }
        out.monthly.retain(|_, c| c.iter().any(|v| *v != 0));
        out.monthly_bands.retain(|_, n| *n != 0);
        out
    }
}

fn tally_list() -> String {
    ReportCounts::TALLY_COLUMNS.join(", ")
}

/// `CAST(COALESCE(SUM(c), 0) AS BIGINT) AS c, …`: PostgreSQL sums bigint into numeric.
fn tally_sums() -> String {
    ReportCounts::TALLY_COLUMNS
        .iter()
        .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn values_of<R: Row>(row: &R, skip: usize) -> StoreResult<[i64; 8]>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut out = [0; 8];
    for (i, o) in out.iter_mut().enumerate() {
        *o = row.try_get::<i64, _>(skip + i)?;
    }
    Ok(out)
}

impl Store {
    /// Rebuilds every report tally from the reports in one transaction (a database migrated from before the
    /// tallies, an import) and records that they are complete.
    pub async fn rebuild_report_rollups(&self) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            for table in ["report_rollups_daily", "report_rollups_monthly", "report_handling_daily",
                          "report_handling_monthly", "report_rollups_state"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
            }
            let deltas = tx.tally_every_report().await?;
            tx.add_to_report_rollups(&deltas).await?;
            sqlx::query("INSERT INTO report_rollups_state (id, built_at) VALUES (1, $1)")
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Builds the tallies when they were never built (the first start after the migration that added them).
    pub(crate) async fn ensure_report_rollups(&self) -> StoreResult<()> {
        let (built,): (i64,) = on_reader!(self, pool => {
            sqlx::query_as("SELECT COUNT(*) FROM report_rollups_state WHERE id = 1").fetch_one(pool).await?
        });
        if built == 0 {
            self.rebuild_report_rollups().await?;
        }
        Ok(())
    }
}

impl ReportRollupStore for Store {
    async fn report_tallies(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<HashMap<String, UnitReportTallies>> {
        let mut out: HashMap<String, UnitReportTallies> = HashMap::new();
        if to < from {
            return Ok(out);
        }
        let next = |m: NaiveDate| m.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
        let day_after_to = to.succ_opt().unwrap_or(NaiveDate::MAX);
        // The ranges to read: whole months as one range of the monthly tables, clipped months from the daily ones.
        let mut whole: Option<(NaiveDate, NaiveDate)> = None;
        let mut clipped: Vec<(NaiveDate, NaiveDate, NaiveDate)> = Vec::new();
        let mut month = month_of(from);
        while month <= to {
            let (start, end) = (month.max(from), next(month).min(day_after_to));
            if start == month && end == next(month) {
                whole = Some((whole.map_or(month, |(a, _)| a), end));
            } else {
                clipped.push((month, start, end));
            }
            month = next(month);
        }
        let counts_whole = format!(
            "SELECT unit_code, month, {} FROM report_rollups_monthly WHERE month >= $1 AND month < $2",
            tally_list()
        );
        let counts_clipped = format!(
            "SELECT unit_code, {} FROM report_rollups_daily WHERE day >= $1 AND day < $2 GROUP BY unit_code",
            tally_sums()
        );
        let bands = |table: &str, key: &str| {
            format!(
                "SELECT unit_code, bucket, CAST(SUM(reports) AS BIGINT) FROM {table} WHERE {key} >= $1 AND {key} < $2 \
                 GROUP BY unit_code, bucket"
            )
        };
        let mut band_rows: Vec<(String, i64, i64)> = Vec::new();
        on_reader!(self, pool => {
            if let Some((a, b)) = whole {
                let rows = sqlx::query(sqlx::AssertSqlSafe(counts_whole.clone())).bind(a).bind(b).fetch_all(pool).await?;
                for r in &rows {
                    let unit: String = r.try_get(0)?;
                    let m: NaiveDate = r.try_get(1)?;
                    *out.entry(unit).or_default().months.entry(m).or_default() +=
                        ReportCounts::from_tally_values(&values_of(r, 2)?);
                }
                band_rows.extend(
                    sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(bands("report_handling_monthly", "month")))
                        .bind(a)
                        .bind(b)
                        .fetch_all(pool)
                        .await?,
                );
            }
            for (m, start, end) in &clipped {
                let rows =
                    sqlx::query(sqlx::AssertSqlSafe(counts_clipped.clone())).bind(*start).bind(*end).fetch_all(pool).await?;
                for r in &rows {
                    let unit: String = r.try_get(0)?;
                    *out.entry(unit).or_default().months.entry(*m).or_default() +=
                        ReportCounts::from_tally_values(&values_of(r, 1)?);
                }
                band_rows.extend(
                    sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(bands("report_handling_daily", "day")))
                        .bind(*start)
                        .bind(*end)
                        .fetch_all(pool)
                        .await?,
                );
            }
        });
        for (unit, band, n) in band_rows {
            out.entry(unit).or_default().hours.add(band, u64::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }

    async fn overdue_open_reports(
        &self,
        bounds: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(Option<String>, i64, i64)>> {
        if bounds.len() < 2 {
            return Ok(Vec::new());
        }
        let open = crate::operations::open_report_codes();
        let n = bounds.len();
        // $1 = now, $2.. = bounds; bucket i holds created_at < bounds[i + 1].
        let whens: String =
            (1..n).map(|i| format!("WHEN created_at < ${} THEN {}", i + 2, i - 1)).collect::<Vec<_>>().join(" ");
        // The status list is the predicate of `reports_open_due_idx`, written the same way so both engines use it.
        let sql = format!(
            "SELECT handling_unit_code, CAST(CASE {whens} END AS BIGINT) AS bucket, COUNT(*) FROM reports \
             WHERE status IN ({open}) AND due_at < $1 AND created_at >= $2 AND created_at < ${last} \
             GROUP BY 1, 2 ORDER BY 1, 2",
            last = n + 1
        );
        Ok(on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now);
            for b in bounds {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await?
        }))
    }

    async fn stored_report_rollups(&self) -> StoreResult<StoredReportRollups> {
        let mut out = StoredReportRollups::default();
        on_reader!(self, pool => {
            for (table, key) in [("report_rollups_daily", "day"), ("report_rollups_monthly", "month")] {
                let sql = format!("SELECT unit_code, {key}, {} FROM {table}", tally_list());
                for r in &sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await? {
                    let values = values_of(r, 2)?;
                    if values.iter().any(|v| *v != 0) {
                        let k = (r.try_get::<String, _>(0)?, r.try_get::<NaiveDate, _>(1)?);
                        if key == "day" { out.daily.insert(k, values); } else { out.monthly.insert(k, values); }
                    }
                }
            }
            for (table, key) in [("report_handling_daily", "day"), ("report_handling_monthly", "month")] {
                let sql = format!("SELECT unit_code, {key}, bucket, reports FROM {table} WHERE reports <> 0");
                let rows: Vec<(String, NaiveDate, i64, i64)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
                let target = if key == "day" { &mut out.daily_bands } else { &mut out.monthly_bands };
                target.extend(rows.into_iter().map(|(u, d, b, n)| ((u, d, b), n)));
            }
        });
        Ok(out)
    }

    async fn recomputed_report_rollups(&self) -> StoreResult<StoredReportRollups> {
        let deltas = on_reader!(self, pool => {
            let mut conn = pool.acquire().await?;
            conn.tally_every_report().await?
        });
        Ok(StoredReportRollups::from_deltas(&deltas))
    }
}

#[cfg(test)]
mod tests {
    /// The partial indexes of open reports only serve queries whose status list is written exactly as theirs:
    /// the migration's list must stay the open statuses of the domain, in the same order.
    #[test]
    fn the_open_report_indexes_list_exactly_the_open_statuses() {
        let open = crate::operations::open_report_codes();
        for migration in [
            include_str!("../migrations/sqlite/20261127000016_report_rollups.sql"),
            include_str!("../migrations/postgres/20261127000016_report_rollups.sql"),
        ] {
            assert_eq!(migration.matches(&format!("WHERE status IN ({open});")).count(), 2, "{open}");
        }
    }
}
