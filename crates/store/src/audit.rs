//! `audit`: the append-only, hash-chained log of every change of state and of every staff read
//! of a citizen's personal data (Luật 91/2025/QH15 on personal data protection asks for a
//! processing record). Records are written in the same transaction as the change they describe.

use chrono::{DateTime, Utc};
use serde_json::Value;
use smartcity_domain::audit::{AuditRecord, ChainBreak, GENESIS_HASH};
use uuid::Uuid;

use crate::{Backend, OnBackend, Store, StoreResult, impl_for_connections, in_write_tx, on_reader};

/// Who is acting and from where; travels with every write so the audit record can name them.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    /// Account id of the actor, or a label such as `cli` or `system:demo`.
    pub actor: Option<String>,
    /// Client address as seen by the server.
    pub ip: Option<String>,
}

impl AuditContext {
    /// An action taken by a logged-in account.
    pub fn account(id: Uuid, ip: Option<String>) -> Self {
        Self { actor: Some(id.to_string()), ip }
    }

    /// An action taken by the platform itself or an operator at the command line.
    pub fn system(label: &str) -> Self {
        Self { actor: Some(label.to_owned()), ip: None }
    }

    /// An anonymous visitor (registration, failed login).
    pub fn anonymous(ip: Option<String>) -> Self {
        Self { actor: None, ip }
    }
}

/// One entry to append: what happened to which record.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// Dotted action name, e.g. `account.created`, `role.granted`, `personal_data.read`.
    pub action: &'a str,
    /// Table-like name of the record, e.g. `account`, `unit`.
    pub record_type: &'a str,
    /// Identifier of the record.
    pub record_id: String,
    /// Extra facts; never passwords or tokens.
    pub details: Value,
}

/// Writes an audit record on an open connection inside the caller's transaction.
pub(crate) trait AuditAppend: OnBackend {
    async fn append_audit(&mut self, ctx: &AuditContext, event: AuditEvent<'_>) -> StoreResult<AuditRecord>;
    /// Append several records in order with one read of the chain's head and one multi-row INSERT: the same
    /// chain as appending them one by one, in a fraction of the statements (refused gateway calls arrive in
    /// bursts and are written in groups).
    async fn append_audit_batch(&mut self, entries: Vec<(&AuditContext, AuditEvent<'_>)>) -> StoreResult<()>;
}

impl_for_connections!(impl AuditAppend {
    async fn append_audit(&mut self, ctx: &AuditContext, event: AuditEvent<'_>) -> StoreResult<AuditRecord> {
        // On SQLite the single writer connection already serialises appends; PostgreSQL
        // needs a transaction-scoped lock so two writers cannot fork the chain.
        if Self::BACKEND == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(4646001)").execute(&mut *self).await?;
        }
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *self)
                .await?;
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let mut record = AuditRecord {
            seq,
            at: crate::now(),
            actor: ctx.actor.clone(),
            action: event.action.to_owned(),
            record_type: event.record_type.to_owned(),
            record_id: event.record_id,
            ip: ctx.ip.clone(),
            details: event.details,
            prev_hash,
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, record_type, record_id, ip, details, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(record.seq)
        .bind(record.at)
        .bind(record.actor.as_deref())
        .bind(&record.action)
        .bind(&record.record_type)
        .bind(&record.record_id)
        .bind(record.ip.as_deref())
        .bind(record.details.to_string())
        .bind(&record.prev_hash)
        .bind(&record.hash)
        .execute(&mut *self)
        .await?;
        Ok(record)
    }

    async fn append_audit_batch(&mut self, entries: Vec<(&AuditContext, AuditEvent<'_>)>) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        if Self::BACKEND == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(4646001)").execute(&mut *self).await?;
        }
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *self)
                .await?;
        let (mut seq, mut prev_hash) = match last {
            Some((seq, hash)) => (seq, hash),
            None => (0, GENESIS_HASH.to_owned()),
        };
        let at = crate::now();
        let mut records = Vec::with_capacity(entries.len());
        for (ctx, event) in entries {
            seq += 1;
            let mut record = AuditRecord {
                seq,
                at,
                actor: ctx.actor.clone(),
                action: event.action.to_owned(),
                record_type: event.record_type.to_owned(),
                record_id: event.record_id,
                ip: ctx.ip.clone(),
                details: event.details,
                prev_hash: std::mem::take(&mut prev_hash),
                hash: String::new(),
            };
            record.hash = record.compute_hash();
            prev_hash.clone_from(&record.hash);
            records.push(record);
        }
        let rows: Vec<String> = (0..records.len())
            .map(|i| {
                let b = i * 10;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, action, record_type, record_id, ip, details, prev_hash, hash) \
             VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in &records {
            query = query
                .bind(r.seq)
                .bind(r.at)
                .bind(r.actor.as_deref())
                .bind(&r.action)
                .bind(&r.record_type)
                .bind(&r.record_id)
                .bind(r.ip.as_deref())
                .bind(r.details.to_string())
                .bind(&r.prev_hash)
                .bind(&r.hash);
        }
        query.execute(&mut *self).await?;
        Ok(())
    }
});

/// Row shape of `audit_log`; `details` is kept as the exact JSON text that was hashed.
#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub ip: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    pub(crate) fn into_record(self) -> AuditRecord {
        AuditRecord {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            action: self.action,
            record_type: self.record_type,
            record_id: self.record_id,
            ip: self.ip,
            // A details text that no longer parses is itself tampering; keep it visible as a
            // string so the hash check fails on it rather than the read.
            details: serde_json::from_str(&self.details).unwrap_or(Value::String(self.details)),
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

pub(crate) const AUDIT_COLUMNS: &str = "seq, at, actor, action, record_type, record_id, ip, details, prev_hash, hash";

/// Filter for listing the audit log on the admin pages.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only records about this record type (`account`, `unit`, …).
    pub record_type: Option<String>,
    /// Only records about this record id.
    pub record_id: Option<String>,
}

/// The audit capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait AuditStore {
    /// Append one record in its own transaction (used for reads of personal data, which change
    /// nothing else).
    async fn record_audit(&self, ctx: &AuditContext, event: AuditEvent<'_>) -> StoreResult<AuditRecord>;
    /// Newest first, `limit` records from `offset`.
    async fn list_audit(&self, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<Vec<AuditRecord>>;
    /// Check the whole chain: every record present, unedited, linked to the one before.
    /// Returns the number of records checked.
    async fn verify_audit(&self) -> StoreResult<Result<u64, ChainBreak>>;
}

impl AuditStore for Store {
    async fn record_audit(&self, ctx: &AuditContext, event: AuditEvent<'_>) -> StoreResult<AuditRecord> {
        Ok(in_write_tx!(self, tx => tx.append_audit(ctx, event).await?))
    }

    async fn list_audit(&self, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<Vec<AuditRecord>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log \
             WHERE ($1 IS NULL OR record_type = $1) AND ($2 IS NULL OR record_id = $2) \
             ORDER BY seq DESC LIMIT $3 OFFSET $4"
        );
        let rows: Vec<AuditRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(filter.record_type.as_deref())
                .bind(filter.record_id.as_deref())
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(AuditRow::into_record).collect())
    }

    async fn verify_audit(&self) -> StoreResult<Result<u64, ChainBreak>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq");
        let rows: Vec<AuditRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        let records: Vec<AuditRecord> = rows.into_iter().map(AuditRow::into_record).collect();
        Ok(smartcity_domain::audit::verify_chain(&records))
    }
}
