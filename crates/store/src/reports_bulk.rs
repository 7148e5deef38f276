//! Bulk loading of field reports for the demo and benchmarks (`smartcity demo --reports N`): many reports with
//! their timeline in one transaction, several hundred rows per statement, one audit record per batch, the transparency tallies moved per batch. Real
//! reports never come this way: they go through `ReportStore::create_report` one by one.

use chrono::{DateTime, Utc};
use serde_json::json;
use smartcity_domain::reports::ReportStatus;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::report_rollups::{ReportRollupWrite, ReportSubject};
use crate::reports::Report;
use crate::rows::placeholders;
use crate::{Store, StoreResult, in_write_tx};

/// Rows per INSERT statement: 21 columns × 400 rows stays under SQLite's 32 766 bound parameters.
const ROWS_PER_STATEMENT: usize = 400;

/// One timeline entry of a bulk-loaded report.
#[derive(Debug, Clone)]
pub struct BulkEvent {
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_status: Option<ReportStatus>,
    pub to_status: ReportStatus,
    pub to_unit: Option<String>,
    pub public_note: String,
}

/// A report to bulk-load: the row as it should end up, and its timeline, oldest first. Bulk reports carry no
/// photos nor partner media: `report.media` is not written.
#[derive(Debug, Clone)]
pub struct BulkReport {
    pub report: Report,
    pub events: Vec<BulkEvent>,
}

/// Bulk loading of reports.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait ReportBulkStore {
    /// Writes `reports` and their events in one transaction with one audit record (`report.generated`); the
    /// categories, units and key they name must exist. Returns how many reports were written.
    async fn insert_reports_bulk(&self, ctx: &AuditContext, reports: &[BulkReport]) -> StoreResult<u64>;
}

impl ReportBulkStore for Store {
    async fn insert_reports_bulk(&self, ctx: &AuditContext, reports: &[BulkReport]) -> StoreResult<u64> {
        if reports.is_empty() {
            return Ok(0);
        }
        let events: Vec<(Uuid, &BulkEvent)> =
            reports.iter().flat_map(|r| r.events.iter().map(move |e| (r.report.id, e))).collect();
        in_write_tx!(self, tx => {
            for chunk in reports.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO reports (id, service_code, description, lat, lon, address, ward_code, handling_unit_code, \
                     status, reporter_account_id, reporter_name, reporter_email, reporter_phone, api_key_id, due_at, \
                     answered_at, answer, rating, duplicate_of, created_at, updated_at) VALUES {}",
                    placeholders(chunk.len(), 21)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for BulkReport { report: r, .. } in chunk {
                    q = q
                        .bind(r.id)
                        .bind(r.service_code.clone())
                        .bind(r.description.clone())
                        .bind(r.lat)
                        .bind(r.lon)
                        .bind(r.address.clone())
                        .bind(r.ward_code.clone())
                        .bind(r.handling_unit_code.clone())
                        .bind(r.status.as_str())
                        .bind(r.reporter.account_id)
                        .bind(r.reporter.name.clone())
                        .bind(r.reporter.email.clone())
                        .bind(r.reporter.phone.clone())
                        .bind(r.api_key_id)
                        .bind(r.due_at)
                        .bind(r.answered_at)
                        .bind(r.answer.clone())
                        .bind(r.rating.map(|x| x.as_str()))
                        .bind(r.duplicate_of)
                        .bind(r.created_at)
                        .bind(r.updated_at);
                }
                q.execute(&mut *tx).await?;
            }
            for chunk in events.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO report_events (id, report_id, at, action, from_status, to_status, actor_id, from_unit, \
                     to_unit, public_note, details) VALUES {}",
                    placeholders(chunk.len(), 11)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (report_id, e) in chunk {
                    q = q
                        .bind(Uuid::now_v7())
                        .bind(*report_id)
                        .bind(e.at)
                        .bind(e.action.clone())
                        .bind(e.from_status.map(|s| s.as_str()))
                        .bind(e.to_status.as_str())
                        .bind(None::<Uuid>)
                        .bind(None::<String>)
                        .bind(e.to_unit.clone())
                        .bind(e.public_note.clone())
                        .bind("{\"generated\":true}");
                }
                q.execute(&mut *tx).await?;
            }
            // The transparency tallies, from the rows as written (no need to read them back).
            let subjects: Vec<ReportSubject> = reports.iter().map(|r| ReportSubject::of(&r.report)).collect();
            tx.move_report_rollups(&[], &subjects).await?;
            let first = reports.first().map(|r| r.report.id.to_string()).unwrap_or_default();
            tx.append_audit(ctx, AuditEvent {
                action: "report.generated",
                record_type: "report",
                record_id: first,
                details: json!({"count": reports.len(), "events": events.len()}),
            }).await?;
        });
        self.cache.reports_added();
        Ok(reports.len() as u64)
    }
}
