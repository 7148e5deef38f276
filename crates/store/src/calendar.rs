//! Per-year adjustments of the working-day calendar (compensatory days off, swapped working
//! Saturdays) that an administrator enters when the Prime Minister announces them
//! (Labour Code 2019 Art. 112(3)).

use chrono::NaiveDate;
use serde_json::json;
use smartcity_domain::calendar::DayAdjustment;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::{Store, StoreResult, in_write_tx, on_reader};

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
        Ok(rows
            .into_iter()
            .map(|(date, kind, reason)| {
                if kind == "working_day" {
                    DayAdjustment::WorkingDay { date, reason }
                } else {
                    DayAdjustment::DayOff { date, reason }
                }
            })
            .collect())
    }

    async fn set_day_adjustment(&self, ctx: &AuditContext, adjustment: &DayAdjustment) -> StoreResult<()> {
        let (day, kind, reason) = match adjustment {
            DayAdjustment::DayOff { date, reason } => (*date, "day_off", reason),
            DayAdjustment::WorkingDay { date, reason } => (*date, "working_day", reason),
        };
        in_write_tx!(self, tx => {
            sqlx::query("DELETE FROM holiday_adjustments WHERE day = $1").bind(day).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO holiday_adjustments (day, kind, reason, created_at) VALUES ($1, $2, $3, $4)")
                .bind(day)
                .bind(kind)
                .bind(reason)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
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
            sqlx::query("DELETE FROM holiday_adjustments WHERE day = $1").bind(day).execute(&mut *tx).await?;
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
