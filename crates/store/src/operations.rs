//! `operations`: what the operations centre (IOC) reads at a glance — counters computed by indexed
//! queries, never by loading rows — and the outbox events replayed to its live dashboard.

use chrono::{DateTime, Utc};
use serde_json::Value;
use smartcity_domain::dossiers::DossierStatus;
use uuid::Uuid;

use crate::{Store, StoreResult, on_reader};

/// Dossier figures of the whole city at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DossierCounters {
    /// Received since `since` (local midnight of today).
    pub received_since: i64,
    /// Not in a final status.
    pub open: i64,
    /// Open, running (not paused for a supplement) and past their appointment date.
    pub overdue: i64,
}

/// An outbox event as the live dashboard sees it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: Uuid,
    pub topic: String,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

/// The operations capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait OperationsStore {
    /// Dossier counters at `now`, received ones counted from `since`.
    async fn dossier_counters(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<DossierCounters>;
    /// Outbox events written at or after `since`, oldest first, at most `limit`.
    async fn events_since(&self, since: DateTime<Utc>, limit: i64) -> StoreResult<Vec<StoredEvent>>;
}

/// The numeric codes of final statuses, for an `IN` list built from constants only.
fn final_codes() -> String {
    DossierStatus::ALL.iter().filter(|s| s.is_final()).map(|s| s.code().to_string()).collect::<Vec<_>>().join(", ")
}

impl OperationsStore for Store {
    async fn dossier_counters(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<DossierCounters> {
        let finals = final_codes();
        let open_sql = format!("SELECT COUNT(*) FROM dossiers WHERE finished_at IS NULL AND status NOT IN ({finals})");
        let overdue_sql = format!(
            "SELECT COUNT(*) FROM dossiers WHERE finished_at IS NULL AND status NOT IN ({finals}) \
             AND paused_at IS NULL AND due_at < $1"
        );
        let (received, open, overdue): ((i64,), (i64,), (i64,)) = on_reader!(self, pool => {
            let received = sqlx::query_as("SELECT COUNT(*) FROM dossiers WHERE received_at >= $1")
                .bind(since)
                .fetch_one(pool)
                .await?;
            let open = sqlx::query_as(sqlx::AssertSqlSafe(open_sql)).fetch_one(pool).await?;
            let overdue = sqlx::query_as(sqlx::AssertSqlSafe(overdue_sql)).bind(now).fetch_one(pool).await?;
            (received, open, overdue)
        });
        Ok(DossierCounters { received_since: received.0, open: open.0, overdue: overdue.0 })
    }

    async fn events_since(&self, since: DateTime<Utc>, limit: i64) -> StoreResult<Vec<StoredEvent>> {
        let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, topic, payload, created_at FROM outbox WHERE created_at >= $1 ORDER BY created_at, id LIMIT $2",
            )
            .bind(since)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, topic, payload, created_at)| StoredEvent {
                id,
                topic,
                payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
                created_at,
            })
            .collect())
    }
}
