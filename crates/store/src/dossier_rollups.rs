//! Running tallies of the dossiers (`dossier_rollups_daily`, `dossier_rollups_monthly`): what each dossier adds to
//! its unit's counts on each local day, as `domain::indices::counts` defines it. Every write that changes a
//! dossier's index record reads the record before and after the change **inside its transaction** and moves the
//! tallies by the difference, so they always equal a recomputation from the rows; the QĐ 766 indices, the
//! transparency pages and the operations centre's dossier tiles read these sums instead of loading dossiers.
//!
//! Writers: `insert_dossier` and `write_dossier_change` (dossiers), `settle_in_tx` (an online payment settled or
//! refunded), `exempt_fee` and `set_procedure_fees` (payments), the calendar's adjustments (working days of the
//! dossiers spanning the day), the bulk generator, and [`Store::rebuild_dossier_rollups`] (start on a database
//! without tallies, import).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use smartcity_domain::calendar::WorkingCalendar;
use smartcity_domain::dossiers::{Channel, DossierStatus, Rating};
use smartcity_domain::indices::counts::{IndexCounts, LiveState, PeriodCounts, contributions};
use smartcity_domain::indices::{DossierRecord, SupplementPause};
use sqlx::Row;
use uuid::Uuid;

use crate::calendar::adjustment_from_row;
use crate::{Store, StoreResult, in_write_tx, on_reader};

/// A dossier as the tallies see it.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    /// The responsible unit (it never changes), the key of the tallies.
    pub unit: String,
    pub record: DossierRecord,
    pub live: LiveState,
}

/// Which dossiers to read as [`Subject`]s.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Which<'a> {
    /// These dossiers.
    Ids(&'a [Uuid]),
    /// Every dossier of a procedure version (its fees changed).
    Procedure(Uuid),
    /// Dossiers whose processing spans the local day starting at this instant (its calendar entry changed).
    Spanning(DateTime<Utc>),
}

/// The columns of both tally tables, in `IndexCounts::COLUMNS` order.
fn column_list() -> String {
    IndexCounts::COLUMNS.join(", ")
}

/// `CAST(COALESCE(SUM(c), 0) AS BIGINT) AS c, …`: PostgreSQL sums bigint into numeric.
fn sum_list() -> String {
    IndexCounts::COLUMNS
        .iter()
        .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Local (Huế) midnight starting `day`.
pub(crate) fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    smartcity_domain::time::TZ
        .from_local_datetime(&naive)
        .single()
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// The first day of `day`'s month: the key of the monthly tallies.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Earlier than any dossier, and a date both engines store.
const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");

/// Rows per upsert: 20 bound values each, 1,000 per statement (SQLite's cost of binding numbered parameters grows
/// with the square of their number; see `dossiers_bulk`).
const ROWS_PER_UPSERT: usize = 50;

/// Reads the columns after `skip` leading ones as tallies.
fn counts_from_row<R: Row>(row: &R, skip: usize) -> StoreResult<IndexCounts>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut values = Vec::with_capacity(IndexCounts::COLUMNS.len());
    for i in 0..IndexCounts::COLUMNS.len() {
        values.push(row.try_get::<i64, _>(skip + i)?);
    }
    Ok(IndexCounts::from_values(&values))
}

#[derive(sqlx::FromRow)]
struct SubjectRow {
    unit_code: String,
    channel: i64,
    status: i64,
    received_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    original_due_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    supplement_requests: i64,
    paused_at: Option<DateTime<Utc>>,
    paused_seconds: i64,
    has_e_result: bool,
    reused_documents: bool,
    rating: Option<String>,
    paper_result: bool,
    fee_vnd: i64,
    has_documents: bool,
    paid_online: bool,
    has_fee_rows: bool,
    charged_rows: bool,
    unwaived_rows: bool,
    le_phi_waived: bool,
}

/// Everything the index record needs, in one query per batch. Fees follow `PaymentStore::procedure_fees`: the
/// version's fee rows, or one `le_phi` charge of `fee_vnd` when it has none; a dossier owes fees when one costs
/// money and not every fee is waived for it (QĐ 766 3.6). Paid online = a VNPay payment paid or later refunded.
const SUBJECT_SELECT: &str = "SELECT d.unit_code, d.channel, d.status, d.received_at, d.accepted_at, d.due_at, \
     d.original_due_at, d.finished_at, d.supplement_requests, d.paused_at, d.paused_seconds, d.has_e_result, \
     d.reused_documents, d.rating, p.paper_result, p.fee_vnd, \
     EXISTS (SELECT 1 FROM dossier_documents dd WHERE dd.dossier_id = d.id AND dd.purpose <> 'result') AS has_documents, \
     EXISTS (SELECT 1 FROM payments pm WHERE pm.dossier_id = d.id AND pm.method = 'vnpay' \
             AND pm.status IN ('paid', 'refunded')) AS paid_online, \
     EXISTS (SELECT 1 FROM procedure_fees f WHERE f.procedure_id = d.procedure_id) AS has_fee_rows, \
     EXISTS (SELECT 1 FROM procedure_fees f WHERE f.procedure_id = d.procedure_id AND f.amount_vnd > 0) AS charged_rows, \
     EXISTS (SELECT 1 FROM procedure_fees f WHERE f.procedure_id = d.procedure_id AND NOT EXISTS \
             (SELECT 1 FROM fee_exemptions e WHERE e.dossier_id = d.id AND e.fee_key = f.fee_key)) AS unwaived_rows, \
     EXISTS (SELECT 1 FROM fee_exemptions e WHERE e.dossier_id = d.id AND e.fee_key = 'le_phi') AS le_phi_waived \
     FROM dossiers d JOIN procedures p ON p.id = d.procedure_id";

impl SubjectRow {
    /// Whether the record needs the working-day calendar (a processing time).
    fn needs_calendar(&self) -> bool {
        self.accepted_at.is_some() && self.finished_at.is_some() && self.status != DossierStatus::Refused.code()
    }

    fn into_subject(self, calendar: Option<&WorkingCalendar>) -> StoreResult<Subject> {
        let status = DossierStatus::from_code(self.status)?;
        // The closed pauses are kept as one total; they lie between acceptance and the open pause, so they are
        // recorded as one pause starting at acceptance (what the indicators subtract is their length).
        let mut pauses = Vec::new();
        if let Some(accepted) = self.accepted_at
            && self.paused_seconds > 0
        {
            pauses.push(SupplementPause {
                requested_at: accepted,
                submitted_at: Some(accepted + TimeDelta::seconds(self.paused_seconds)),
            });
        }
        if let Some(paused) = self.paused_at {
            pauses.push(SupplementPause { requested_at: paused, submitted_at: None });
        }
        let processing_days = match (self.accepted_at, self.finished_at, calendar) {
            (Some(a), Some(f), Some(cal)) if status != DossierStatus::Refused => {
                Some(cal.working_days_between(a, f) as f64)
            }
            _ => None,
        };
        let charged = self.charged_rows || (!self.has_fee_rows && self.fee_vnd > 0);
        let fees_due = charged && if self.has_fee_rows { self.unwaived_rows } else { !self.le_phi_waived };
        let open = !status.is_final() && self.finished_at.is_none();
        Ok(Subject {
            unit: self.unit_code,
            record: DossierRecord {
                received_at: self.received_at,
                channel: Channel::from_code(self.channel)?,
                status,
                due_at: self.original_due_at,
                finished_at: self.finished_at,
                supplement_pauses: pauses,
                supplement_requests: u32::try_from(self.supplement_requests).unwrap_or(u32::MAX),
                processing_days,
                has_attachments: self.has_documents,
                has_e_result: self.has_e_result,
                paper_result_required: self.paper_result,
                reused_components: self.reused_documents,
                rating: self.rating.as_deref().map(Rating::parse).transpose()?,
                has_complaint: false,
                fees_due,
                paid_online: self.paid_online,
            },
            live: LiveState { open, running_due_at: if open && self.paused_at.is_none() { self.due_at } else { None } },
        })
    }
}

/// The tallies' differences by (unit, day), ready to be added.
pub(crate) type Deltas = HashMap<(String, NaiveDate), IndexCounts>;

/// Adds `sign` × the contributions of `subjects` to `deltas`.
pub(crate) fn accumulate(deltas: &mut Deltas, subjects: &[Subject], sign: i64) {
    for s in subjects {
        for (day, c) in contributions(&s.record, &s.live) {
            deltas.entry((s.unit.clone(), day)).or_default().add_scaled(&c, sign);
        }
    }
}

/// Tally reads and writes inside a transaction, on either engine.
pub(crate) trait RollupWrite {
    /// The dossiers `which` names, as the tallies see them now (in this transaction).
    async fn rollup_subjects(&mut self, which: Which<'_>) -> StoreResult<Vec<Subject>>;
    /// Adds `deltas` to the daily and monthly tallies.
    async fn add_to_rollups(&mut self, deltas: &Deltas) -> StoreResult<()>;
    /// What every dossier contributes, read page by page in id order (a rebuild, a test's recomputation).
    async fn tally_everything(&mut self) -> StoreResult<Deltas>;
    /// Moves the tallies from what `before` contributed to what `after` contributes.
    async fn move_rollups(&mut self, before: &[Subject], after: &[Subject]) -> StoreResult<()> {
        let mut deltas = Deltas::new();
        accumulate(&mut deltas, after, 1);
        accumulate(&mut deltas, before, -1);
        self.add_to_rollups(&deltas).await
    }
}

crate::impl_for_connections!(impl RollupWrite {
    async fn tally_everything(&mut self) -> StoreResult<Deltas> {
        let mut deltas = Deltas::new();
        let mut after = Uuid::nil();
        loop {
            let ids: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM dossiers WHERE id > $1 ORDER BY id LIMIT 2000")
                .bind(after)
                .fetch_all(&mut *self)
                .await?;
            let Some((last,)) = ids.last().copied() else { break };
            let ids: Vec<Uuid> = ids.into_iter().map(|(id,)| id).collect();
            let subjects = self.rollup_subjects(Which::Ids(&ids)).await?;
            accumulate(&mut deltas, &subjects, 1);
            after = last;
        }
        Ok(deltas)
    }

    async fn rollup_subjects(&mut self, which: Which<'_>) -> StoreResult<Vec<Subject>> {
        let rows: Vec<SubjectRow> = match which {
            Which::Ids(ids) => {
                let mut rows = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(200) {
                    let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                    let sql = format!("{SUBJECT_SELECT} WHERE d.id IN ({marks})");
                    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    rows.extend(q.fetch_all(&mut *self).await?);
                }
                rows
            }
            Which::Procedure(id) => {
                let sql = format!("{SUBJECT_SELECT} WHERE d.procedure_id = $1");
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut *self).await?
            }
            Which::Spanning(midnight) => {
                let sql = format!("{SUBJECT_SELECT} WHERE d.accepted_at < $1 AND d.finished_at >= $1");
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(midnight).fetch_all(&mut *self).await?
            }
        };
        // The calendar only matters for processing times; most writes (a submission) never read it.
        let calendar = if rows.iter().any(SubjectRow::needs_calendar) {
            let adjustments: Vec<(NaiveDate, String, String)> =
                sqlx::query_as("SELECT day, kind, reason FROM holiday_adjustments ORDER BY day")
                    .fetch_all(&mut *self)
                    .await?;
            Some(WorkingCalendar::new(adjustments.into_iter().map(adjustment_from_row).collect()))
        } else {
            None
        };
        rows.into_iter().map(|r| r.into_subject(calendar.as_ref())).collect()
    }

    async fn add_to_rollups(&mut self, deltas: &Deltas) -> StoreResult<()> {
        let mut monthly: HashMap<(String, NaiveDate), IndexCounts> = HashMap::new();
        let mut daily: Vec<(&String, NaiveDate, &IndexCounts)> = Vec::new();
        for ((unit, day), c) in deltas {
            if c.is_zero() {
                continue;
            }
            daily.push((unit, *day, c));
            monthly.entry((unit.clone(), month_of(*day))).or_default().add_scaled(c, 1);
        }
        let monthly: Vec<(&String, NaiveDate, &IndexCounts)> =
            monthly.iter().filter(|(_, c)| !c.is_zero()).map(|((u, m), c)| (u, *m, c)).collect();
        for (table, key, rows) in [("dossier_rollups_daily", "day", &daily), ("dossier_rollups_monthly", "month", &monthly)] {
            let width = IndexCounts::COLUMNS.len() + 2;
            let updates = IndexCounts::COLUMNS
                .iter()
                .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            for chunk in rows.chunks(ROWS_PER_UPSERT) {
                let values = (0..chunk.len())
                    .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "INSERT INTO {table} (unit_code, {key}, {}) VALUES {values} ON CONFLICT (unit_code, {key}) DO UPDATE SET {updates}",
                    column_list()
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (unit, day, c) in chunk {
                    q = q.bind((*unit).clone()).bind(*day);
                    for v in c.values() {
                        q = q.bind(v);
                    }
                }
                q.execute(&mut *self).await?;
            }
        }
        Ok(())
    }
});

/// A unit's tallies for a period: the sums before it, and each (clipped) month of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitTallies {
    /// Sum over every day before the period.
    pub before: IndexCounts,
    /// Sum over the days of each month of the period (keyed by the month's first day; clipped to the period).
    pub months: BTreeMap<NaiveDate, IndexCounts>,
}

impl UnitTallies {
    /// The tallies of the whole period.
    pub fn period(&self) -> PeriodCounts {
        let mut during = IndexCounts::default();
        for c in self.months.values() {
            during.add_scaled(c, 1);
        }
        PeriodCounts { before: self.before, during }
    }

    /// The tallies of the month starting `month` (its part inside the period), with everything before it.
    pub fn month(&self, month: NaiveDate) -> PeriodCounts {
        let mut before = self.before;
        for (_, c) in self.months.range(..month) {
            before.add_scaled(c, 1);
        }
        PeriodCounts { before, during: self.months.get(&month).copied().unwrap_or_default() }
    }

    /// Adds another unit's tallies (a subtree).
    pub fn add(&mut self, other: &UnitTallies) {
        self.before.add_scaled(&other.before, 1);
        for (m, c) in &other.months {
            self.months.entry(*m).or_default().add_scaled(c, 1);
        }
    }
}

/// Reading the tallies.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait DossierRollupStore {
    /// Every unit's tallies for the local days `[from, to]`: sums by month (whole months from the monthly table,
    /// the partial first and last months from the daily one) and the sums of every day before `from`.
    async fn dossier_tallies(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<HashMap<String, UnitTallies>>;
    /// Open dossiers whose current appointment falls in `[from, to)` and whose clock runs: the overdue dossiers
    /// of today that the daily tallies (by appointment day) cannot split at `now`.
    async fn dossiers_running_due_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<i64>;
    /// The tallies as stored, daily rows only, zero rows left out (tests compare them with a recomputation).
    async fn stored_dossier_rollups(&self) -> StoreResult<BTreeMap<(String, NaiveDate), IndexCounts>>;
    /// The monthly tallies as stored, zero rows left out.
    async fn stored_monthly_dossier_rollups(&self) -> StoreResult<BTreeMap<(String, NaiveDate), IndexCounts>>;
    /// The daily tallies recomputed from the dossiers, nothing written.
    async fn recomputed_dossier_rollups(&self) -> StoreResult<BTreeMap<(String, NaiveDate), IndexCounts>>;
}

/// Sums of `$table` rows with `$key` in `[$from, $to)` by unit, on the pool of either engine.
macro_rules! sums {
    ($pool:expr, $table:literal, $key:literal, $from:expr, $to:expr) => {{
        let sql = format!(
            "SELECT unit_code, {} FROM {} WHERE {} >= $1 AND {} < $2 GROUP BY unit_code",
            sum_list(),
            $table,
            $key,
            $key
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind($from).bind($to).fetch_all($pool).await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, counts_from_row(r, 1)?)))
            .collect::<StoreResult<Vec<(String, IndexCounts)>>>()?
    }};
}

impl Store {
    /// Rebuilds every tally from the dossiers in one transaction (a database migrated from before the tallies, an
    /// import) and records that they are complete.
    pub async fn rebuild_dossier_rollups(&self) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            sqlx::query("DELETE FROM dossier_rollups_daily").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM dossier_rollups_monthly").execute(&mut *tx).await?;
            let deltas = tx.tally_everything().await?;
            tx.add_to_rollups(&deltas).await?;
            sqlx::query("DELETE FROM dossier_rollups_state").execute(&mut *tx).await?;
            sqlx::query("INSERT INTO dossier_rollups_state (id, built_at) VALUES (1, $1)")
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Builds the tallies when they were never built (the first start after the migration that added them).
    pub(crate) async fn ensure_dossier_rollups(&self) -> StoreResult<()> {
        let built: Option<(i64,)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT id FROM dossier_rollups_state WHERE id = 1").fetch_optional(pool).await?
        });
        if built.is_none() {
            self.rebuild_dossier_rollups().await?;
        }
        Ok(())
    }
}

impl DossierRollupStore for Store {
    async fn dossier_tallies(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<HashMap<String, UnitTallies>> {
        let mut out: HashMap<String, UnitTallies> = HashMap::new();
        if to < from {
            return Ok(out);
        }
        let first_month = month_of(from);
        let next = |m: NaiveDate| m.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
        let day_after_to = to.succ_opt().unwrap_or(NaiveDate::MAX);
        on_reader!(self, pool => {
            for (unit, c) in sums!(pool, "dossier_rollups_monthly", "month", EPOCH, first_month) {
                out.entry(unit).or_default().before.add_scaled(&c, 1);
            }
            if from > first_month {
                for (unit, c) in sums!(pool, "dossier_rollups_daily", "day", first_month, from) {
                    out.entry(unit).or_default().before.add_scaled(&c, 1);
                }
            }
            // Whole months inside the period from the monthly table, the clipped ends from the daily one.
            let mut month = first_month;
            let mut whole: Option<(NaiveDate, NaiveDate)> = None;
            while month <= to {
                let (start, end) = (month.max(from), next(month).min(day_after_to));
                if start == month && end == next(month) {
                    whole = Some((whole.map_or(month, |(a, _)| a), end));
                } else {
                    for (unit, c) in sums!(pool, "dossier_rollups_daily", "day", start, end) {
                        out.entry(unit).or_default().months.entry(month).or_default().add_scaled(&c, 1);
                    }
                }
                month = next(month);
            }
            if let Some((a, b)) = whole {
                let sql = format!(
                    "SELECT unit_code, month, {} FROM dossier_rollups_monthly WHERE month >= $1 AND month < $2",
                    column_list()
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(a).bind(b).fetch_all(pool).await?;
                for r in &rows {
                    let unit: String = r.try_get(0)?;
                    let m: NaiveDate = r.try_get(1)?;
                    out.entry(unit).or_default().months.entry(m).or_default().add_scaled(&counts_from_row(r, 2)?, 1);
                }
            }
        });
        Ok(out)
    }

    async fn dossiers_running_due_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<i64> {
        let finals = DossierStatus::ALL
            .iter()
            .filter(|s| s.is_final())
            .map(|s| s.code().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        // `dossiers_open_due_idx` (due_at, open dossiers only) bounds this to one day of appointments.
        let sql = format!(
            "SELECT COUNT(*) FROM dossiers WHERE finished_at IS NULL AND due_at >= $1 AND due_at < $2 \
             AND paused_at IS NULL AND status NOT IN ({finals})"
        );
        let (n,): (i64,) = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_one(pool).await?
        });
        Ok(n)
    }

    async fn stored_dossier_rollups(&self) -> StoreResult<BTreeMap<(String, NaiveDate), IndexCounts>> {
        stored(self, "dossier_rollups_daily", "day").await
    }

    async fn stored_monthly_dossier_rollups(&self) -> StoreResult<BTreeMap<(String, NaiveDate), IndexCounts>> {
        stored(self, "dossier_rollups_monthly", "month").await
    }

    async fn recomputed_dossier_rollups(&self) -> StoreResult<BTreeMap<(String, NaiveDate), IndexCounts>> {
        let deltas = on_reader!(self, pool => {
            let mut conn = pool.acquire().await?;
            conn.tally_everything().await?
        });
        Ok(deltas.into_iter().filter(|(_, c)| !c.is_zero()).collect())
    }
}

async fn stored(store: &Store, table: &str, key: &str) -> StoreResult<BTreeMap<(String, NaiveDate), IndexCounts>> {
    let sql = format!("SELECT unit_code, {key}, {} FROM {table}", column_list());
    let mut out = BTreeMap::new();
    on_reader!(store, pool => {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
        for r in &rows {
            let c = counts_from_row(r, 2)?;
            if !c.is_zero() {
                out.insert((r.try_get::<String, _>(0)?, r.try_get::<NaiveDate, _>(1)?), c);
            }
        }
    });
    Ok(out)
}
