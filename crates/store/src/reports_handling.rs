//! `reports`, the handling side the web pages need beyond [`crate::reports::ReportStore`]: which unit
//! each agency kind routes to, idempotent submissions (the offline reporting page retries a draft
//! until it gets an answer), "+1" supports of an existing report, work-queue and map listings by
//! handling unit and ward, the rows per-unit statistics are computed from, and the reminders sent
//! before and after a deadline (written with their outbox event, so each goes out once).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use smartcity_domain::dossiers::Rating;
use smartcity_domain::identity::Role;
use smartcity_domain::reports::{AgencyKind, ReportStatus};
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::outbox::OutboxWrite;
use crate::reports::{
    BoundingBox, NewReport, NewReportEvent, REPORT_COLUMNS, Report, ReportRow, ReportStore, ReportWrite,
};
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// A listing of reports for the IOC queue, a unit's queue or the public map. Empty lists mean "any".
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    pub handling_units: Vec<String>,
    pub statuses: Vec<ReportStatus>,
    pub service_codes: Vec<String>,
    pub ward_codes: Vec<String>,
    /// Sent in `[created_from, created_to)`.
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub bbox: Option<BoundingBox>,
    /// Only reports whose deadline is before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// Only reports rated so.
    pub rating: Option<Rating>,
    /// At most this many, newest first (capped at 5000).
    pub limit: i64,
}

/// Thống kê theo đơn vị: what one handling unit did with the reports sent in a period.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct UnitReportStats {
    pub unit_code: String,
    /// Reports routed to the unit (its current handling unit).
    pub received: i64,
    /// Answered ones.
    pub processed: i64,
    /// Answered on or before the deadline.
    pub on_time: i64,
    /// Mean seconds from sending to answer, over the answered ones.
    pub average_seconds: Option<f64>,
    /// Ratings given, and how many were satisfied or acceptable.
    pub rated: i64,
    pub content: i64,
}

/// The outcome of sending a report with an idempotency key.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub report: Report,
    /// False when the key had been used: `report` is the one the first send created.
    pub created: bool,
}

enum Bind {
    Text(String),
    Time(DateTime<Utc>),
    Float(f64),
    Int(i64),
}

/// The handling side's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait ReportHandlingStore {
    /// Route reports of `kind` to `unit_code` (administrator, demo loader).
    async fn set_report_agency(&self, ctx: &AuditContext, kind: AgencyKind, unit_code: &str) -> StoreResult<()>;
    /// Every configured agency kind with its unit.
    async fn report_agencies(&self) -> StoreResult<HashMap<AgencyKind, String>>;

    /// The IOC moves a report to another category (before routing), with a timeline entry;
    /// `Conflict { constraint: "report_changed" }` when the report moved since it was read.
    async fn change_report_category(
        &self,
        ctx: &AuditContext,
        report: &Report,
        service_code: &str,
        actor_id: Option<Uuid>,
    ) -> StoreResult<Report>;

    /// Store a new report once per `idempotency_key`: a second send with the same key returns the
    /// first report and creates nothing. A send that races a first one still in flight gets
    /// `Conflict { constraint: "report_submission_in_flight" }`.
    async fn create_report_once(
        &self,
        ctx: &AuditContext,
        new: NewReport,
        idempotency_key: Option<&str>,
    ) -> StoreResult<Submitted>;

    /// Record that `supporter` (an account id, or a browser's anonymous token hash) backs the
    /// report; false when they already did.
    async fn support_report(&self, report_id: Uuid, supporter: &str) -> StoreResult<bool>;
    /// How many people backed each of `ids` (missing ids have none).
    async fn report_support_counts(&self, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>>;

    /// Reports matching `query`, newest first.
    async fn report_listing(&self, query: &ReportQuery) -> StoreResult<Vec<Report>>;
    /// Per handling unit, the reports sent in `[from, to)`: received, processed, on time, mean
    /// time to answer, ratings; by unit code.
    async fn unit_report_stats(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<UnitReportStats>>;

    /// Email addresses of the active accounts holding one of `roles` directly on `unit_code`
    /// (whom a unit's notifications go to).
    async fn staff_emails(&self, unit_code: &str, roles: &[Role]) -> StoreResult<Vec<String>>;

    /// Open reports (still waiting for the city) due at or before `due_by` that have had no
    /// reminder of `kind` for their current deadline, oldest deadline first.
    async fn reports_needing_reminder(&self, kind: &str, due_by: DateTime<Utc>, limit: i64)
    -> StoreResult<Vec<Report>>;
    /// Mark the reminder of `kind` for the report's current deadline as sent and enqueue `topic`
    /// with `payload`, in one transaction; false (and nothing enqueued) when it was already sent.
    async fn record_report_reminder(
        &self,
        report: &Report,
        kind: &str,
        topic: &str,
        payload: &Value,
    ) -> StoreResult<bool>;
}

/// Statuses in which a report waits for the city: its deadline runs.
fn open_statuses() -> Vec<&'static str> {
    ReportStatus::ALL.into_iter().filter(|s| s.is_open()).map(ReportStatus::as_str).collect()
}

impl ReportHandlingStore for Store {
    async fn set_report_agency(&self, ctx: &AuditContext, kind: AgencyKind, unit_code: &str) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO report_agencies (agency_kind, unit_code, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (agency_kind) DO UPDATE SET unit_code = $2, updated_at = $3",
            )
            .bind(kind.as_str())
            .bind(unit_code)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "report_agency.set",
                record_type: "report_agency",
                record_id: kind.as_str().to_owned(),
                details: json!({"unit": unit_code}),
            }).await?;
        });
        Ok(())
    }

    async fn report_agencies(&self) -> StoreResult<HashMap<AgencyKind, String>> {
        let rows: Vec<(String, String)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT agency_kind, unit_code FROM report_agencies").fetch_all(pool).await?
        });
        let mut out = HashMap::new();
        for (kind, unit) in rows {
            out.insert(AgencyKind::parse(&kind)?, unit);
        }
        Ok(out)
    }

    async fn change_report_category(
        &self,
        ctx: &AuditContext,
        report: &Report,
        service_code: &str,
        actor_id: Option<Uuid>,
    ) -> StoreResult<Report> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE reports SET service_code = $1, updated_at = $2 WHERE id = $3 AND updated_at = $4")
                .bind(service_code)
                .bind(crate::now())
                .bind(report.id)
                .bind(report.updated_at)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict { constraint: "report_changed".into() });
            }
            tx.insert_report_event(report.id, Some(report.status), report.status, &NewReportEvent {
                action: "recategorise".into(),
                actor_id,
                details: json!({"from": report.service_code, "to": service_code}),
                ..Default::default()
            }).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "report.recategorised",
                record_type: "report",
                record_id: report.id.to_string(),
                details: json!({"from": report.service_code, "to": service_code}),
            }).await?;
        });
        self.cache.reports_changed();
        self.report(report.id).await?.ok_or(StoreError::NotFound)
    }

    async fn create_report_once(
        &self,
        ctx: &AuditContext,
        new: NewReport,
        idempotency_key: Option<&str>,
    ) -> StoreResult<Submitted> {
        let Some(key) = idempotency_key.map(str::trim).filter(|k| !k.is_empty()) else {
            return Ok(Submitted { report: self.create_report(ctx, new).await?, created: true });
        };
        let key: String = key.chars().take(100).collect();
        // Reserve the key first, so two sends of one draft cannot both create a report.
        let reserved = in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO report_submissions (idempotency_key, report_id, created_at) VALUES ($1, NULL, $2) \
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(&key)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        });
        if !reserved {
            let existing: Option<(Option<Uuid>,)> = on_reader!(self, pool => {
                sqlx::query_as("SELECT report_id FROM report_submissions WHERE idempotency_key = $1")
                    .bind(&key)
                    .fetch_optional(pool)
                    .await?
            });
            return match existing.and_then(|(id,)| id) {
                Some(id) => {
                    Ok(Submitted { report: self.report(id).await?.ok_or(StoreError::NotFound)?, created: false })
                }
                None => Err(StoreError::Conflict { constraint: "report_submission_in_flight".into() }),
            };
        }
        match self.create_report(ctx, new).await {
            Ok(report) => {
                in_write_tx!(self, tx => {
                    sqlx::query("UPDATE report_submissions SET report_id = $1 WHERE idempotency_key = $2")
                        .bind(report.id)
                        .bind(&key)
                        .execute(&mut *tx)
                        .await?;
                });
                Ok(Submitted { report, created: true })
            }
            Err(e) => {
                in_write_tx!(self, tx => {
                    sqlx::query("DELETE FROM report_submissions WHERE idempotency_key = $1 AND report_id IS NULL")
                        .bind(&key)
                        .execute(&mut *tx)
                        .await?;
                });
                Err(e)
            }
        }
    }

    async fn support_report(&self, report_id: Uuid, supporter: &str) -> StoreResult<bool> {
        Ok(in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO report_supports (report_id, supporter, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (report_id, supporter) DO NOTHING",
            )
            .bind(report_id)
            .bind(supporter)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        }))
    }

    async fn report_support_counts(&self, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT report_id, COUNT(*) FROM report_supports WHERE report_id IN ({}) GROUP BY report_id",
                params.join(", ")
            );
            let rows: Vec<(Uuid, i64)> = on_reader!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    async fn report_listing(&self, query: &ReportQuery) -> StoreResult<Vec<Report>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let push = |binds: &mut Vec<Bind>, value: Bind| {
            binds.push(value);
            format!("${}", binds.len())
        };
        let statuses: Vec<String> = query.statuses.iter().map(|s| s.as_str().to_owned()).collect();
        for (column, values) in [
            ("handling_unit_code", &query.handling_units),
            ("status", &statuses),
            ("service_code", &query.service_codes),
            ("ward_code", &query.ward_codes),
        ] {
            if !values.is_empty() {
                let list: Vec<String> = values.iter().map(|v| push(&mut binds, Bind::Text(v.clone()))).collect();
                clauses.push(format!("{column} IN ({})", list.join(", ")));
            }
        }
        for (op, value) in [(">=", query.created_from), ("<", query.created_to)] {
            if let Some(t) = value {
                let p = push(&mut binds, Bind::Time(t));
                clauses.push(format!("created_at {op} {p}"));
            }
        }
        if let Some(t) = query.due_before {
            let p = push(&mut binds, Bind::Time(t));
            clauses.push(format!("due_at < {p}"));
        }
        if let Some(r) = query.rating {
            let p = push(&mut binds, Bind::Text(r.as_str().to_owned()));
            clauses.push(format!("rating = {p}"));
        }
        if let Some(b) = query.bbox {
            clauses.push(crate::reports::location_clause(&b, &mut |f| push(&mut binds, Bind::Float(f))));
        }
        let limit = push(&mut binds, Bind::Int(query.limit.clamp(1, 5000)));
        let where_sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let sql =
            format!("SELECT {REPORT_COLUMNS} FROM reports {where_sql} ORDER BY created_at DESC, id DESC LIMIT {limit}");
        let rows: Vec<ReportRow> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                q = match b {
                    Bind::Text(s) => q.bind(s.clone()),
                    Bind::Time(t) => q.bind(*t),
                    Bind::Float(f) => q.bind(*f),
                    Bind::Int(i) => q.bind(*i),
                };
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter().map(ReportRow::into_report).collect()
    }

    async fn unit_report_stats(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<UnitReportStats>> {
        // Only the time difference is dialect-specific.
        let seconds = match self.backend() {
            crate::Backend::Sqlite => "(julianday(answered_at) - julianday(created_at)) * 86400.0",
            crate::Backend::Postgres => "EXTRACT(EPOCH FROM (answered_at - created_at))::DOUBLE PRECISION",
        };
        let sql = format!(
            "SELECT handling_unit_code AS unit_code, COUNT(*) AS received, COUNT(answered_at) AS processed, \
             COALESCE(SUM(CASE WHEN answered_at IS NOT NULL AND due_at IS NOT NULL AND answered_at <= due_at \
             THEN 1 ELSE 0 END), 0) AS on_time, AVG({seconds}) AS average_seconds, COUNT(rating) AS rated, \
             COALESCE(SUM(CASE WHEN rating IN ('satisfied', 'acceptable') THEN 1 ELSE 0 END), 0) AS content \
             FROM reports WHERE created_at >= $1 AND created_at < $2 AND handling_unit_code IS NOT NULL \
             GROUP BY handling_unit_code ORDER BY handling_unit_code"
        );
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(pool).await?
        }))
    }

    async fn staff_emails(&self, unit_code: &str, roles: &[Role]) -> StoreResult<Vec<String>> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let params: Vec<String> = (2..2 + roles.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT a.email FROM role_grants g JOIN accounts a ON a.id = g.account_id \
             WHERE g.unit_code = $1 AND g.role IN ({}) AND a.active AND a.email IS NOT NULL ORDER BY a.email",
            params.join(", ")
        );
        let rows: Vec<(String,)> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unit_code);
            for r in roles {
                q = q.bind(r.as_str());
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(e,)| e).collect())
    }

    async fn reports_needing_reminder(
        &self,
        kind: &str,
        due_by: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Report>> {
        let open = open_statuses();
        let params: Vec<String> = (4..4 + open.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE due_at IS NOT NULL AND due_at <= $1 AND status IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM report_reminders m WHERE m.report_id = reports.id AND m.kind = $2 \
             AND m.due_at = reports.due_at) ORDER BY due_at, id LIMIT $3",
            params.join(", ")
        );
        let rows: Vec<ReportRow> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(due_by).bind(kind).bind(limit);
            for s in &open {
                q = q.bind(*s);
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter().map(ReportRow::into_report).collect()
    }

    async fn record_report_reminder(
        &self,
        report: &Report,
        kind: &str,
        topic: &str,
        payload: &Value,
    ) -> StoreResult<bool> {
        let Some(due_at) = report.due_at else { return Ok(false) };
        Ok(in_write_tx!(self, tx => {
            let fresh = sqlx::query(
                "INSERT INTO report_reminders (report_id, kind, due_at, sent_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (report_id, kind, due_at) DO NOTHING",
            )
            .bind(report.id)
            .bind(kind)
            .bind(due_at)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if fresh {
                tx.enqueue(topic, payload).await?;
            }
            fresh
        }))
    }
}
