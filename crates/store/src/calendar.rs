//! Per-year adjustments of the working-day calendar (compensatory days off, swapped working
//! Saturdays) that an administrator enters when the Prime Minister announces them
//! (Labour Code 2019 Art. 112(3)).

use chrono::NaiveDate;
use serde_json::json;
use smartcity_domain::calendar::DayAdjustment;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::dossier_rollups::{RollupWrite, Which, local_midnight};
use crate::{Store, StoreResult, in_write_tx, on_reader};

/// An adjustment from its `holiday_adjustments` row (day, kind, reason).
pub(crate) fn adjustment_from_row((date, kind, reason): (NaiveDate, String, String)) -> DayAdjustment {
    if kind == "working_day" {
        DayAdjustment::WorkingDay { date, reason }
    } else {
        DayAdjustment::DayOff { date, reason }
    }
}

/// The calendar's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait CalendarStore {
    /// Every adjustment, by date.
    async fn day_adjustments(&self) -> StoreResult<Vec<DayAdjustment>>;
    /// Add or replace the adjustment of a day.
    async fn set_day_adjustment(&self, ctx: &AuditContext, adjustment: &DayAdjustment) -> StoreResult<()>;
    /// Remove the adjustment of a day (back to the statutory rules).
    async fn remove_day_adjustment(&self, ctx: &AuditContext, day: NaiveDate) -> StoreResult<()>;
}

impl CalendarStore for Store {
    async fn day_adjustments(&self) -> StoreResult<Vec<DayAdjustment>> {
        let rows: Vec<(NaiveDate, String, String)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT day, kind, reason FROM holiday_adjustments ORDER BY day").fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(adjustment_from_row).collect())
    }

    async fn set_day_adjustment(&self, ctx: &AuditContext, adjustment: &DayAdjustment) -> StoreResult<()> {
        let (day, kind, reason) = match adjustment {
            DayAdjustment::DayOff { date, reason } => (*date, "day_off", reason),
            DayAdjustment::WorkingDay { date, reason } => (*date, "working_day", reason),
        };
        in_write_tx!(self, tx => {
            // The processing times (QĐ 766 2.2) of the dossiers spanning the day change with it.
            let tallied_before = tx.rollup_subjects(Which::Spanning(local_midnight(day))).await?;
            sqlx::query("DELETE FROM holiday_adjustments WHERE day = $1").bind(day).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO holiday_adjustments (day, kind, reason, created_at) VALUES ($1, $2, $3, $4)")
                .bind(day)
                .bind(kind)
                .bind(reason)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
            let tallied_after = tx.rollup_subjects(Which::Spanning(local_midnight(day))).await?;
            tx.move_rollups(&tallied_before, &tallied_after).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "calendar.adjusted",
                record_type: "calendar",
                record_id: day.to_string(),
                details: json!({"kind": kind, "reason": reason}),
            }).await?;
        });
        Ok(())
    }

    async fn remove_day_adjustment(&self, ctx: &AuditContext, day: NaiveDate) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let tallied_before = tx.rollup_subjects(Which::Spanning(local_midnight(day))).await?;
            sqlx::query("DELETE FROM holiday_adjustments WHERE day = $1").bind(day).execute(&mut *tx).await?;
            let tallied_after = tx.rollup_subjects(Which::Spanning(local_midnight(day))).await?;
            tx.move_rollups(&tallied_before, &tallied_after).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "calendar.adjustment_removed",
                record_type: "calendar",
                record_id: day.to_string(),
                details: json!({}),
            }).await?;
        });
        Ok(())
    }
}
