//! Transactional outbox: events written in the same transaction as the change they announce, and
//! delivered afterwards by a worker (notifications today; webhooks and live pages later). Mail
//! goes to `mail_outbox`, which administrators can read when no SMTP relay is configured.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{Store, StoreResult, impl_for_connections, in_write_tx, on_reader};

/// Writes an outbox event inside the caller's transaction.
pub(crate) trait OutboxWrite {
    async fn enqueue(&mut self, topic: &str, payload: &Value) -> StoreResult<()>;
}

impl_for_connections!(impl OutboxWrite {
    async fn enqueue(&mut self, topic: &str, payload: &Value) -> StoreResult<()> {
        sqlx::query("INSERT INTO outbox (id, topic, payload, created_at, delivered_at, attempts) VALUES ($1, $2, $3, $4, NULL, 0)")
            .bind(Uuid::now_v7())
            .bind(topic)
            .bind(payload.to_string())
            .bind(crate::now())
            .execute(&mut *self)
            .await?;
        Ok(())
    }
});

/// An event waiting for delivery.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEvent {
    pub id: Uuid,
    pub topic: String,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
}

/// A mail written to the outbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Mail {
    pub id: Uuid,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The outbox's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait OutboxStore {
    /// Oldest undelivered events.
    async fn pending_events(&self, limit: i64) -> StoreResult<Vec<OutboxEvent>>;
    /// Mark an event delivered, writing the mails it produced in the same transaction.
    async fn complete_event(&self, id: Uuid, mails: &[(String, String, String)]) -> StoreResult<()>;
    /// Count a failed delivery attempt.
    async fn fail_event(&self, id: Uuid) -> StoreResult<()>;
    /// Newest mails first.
    async fn list_mail(&self, limit: i64) -> StoreResult<Vec<Mail>>;
}

impl OutboxStore for Store {
    async fn pending_events(&self, limit: i64) -> StoreResult<Vec<OutboxEvent>> {
        let rows: Vec<(Uuid, String, String, DateTime<Utc>, i64)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, topic, payload, created_at, attempts FROM outbox WHERE delivered_at IS NULL AND attempts < 10 \
                 ORDER BY created_at, id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, topic, payload, created_at, attempts)| OutboxEvent {
                id,
                topic,
                payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
                created_at,
                attempts,
            })
            .collect())
    }

    async fn complete_event(&self, id: Uuid, mails: &[(String, String, String)]) -> StoreResult<()> {
        let now = crate::now();
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE outbox SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // Delivered by another worker already: its mails exist, write none twice.
            if done.rows_affected() == 1 {
                for (to, subject, body) in mails {
                    sqlx::query(
                        "INSERT INTO mail_outbox (id, to_address, subject, body, created_at, sent_at) VALUES ($1, $2, $3, $4, $5, NULL)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(to)
                    .bind(subject)
                    .bind(body)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        });
        Ok(())
    }

    async fn fail_event(&self, id: Uuid) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
        });
        Ok(())
    }

    async fn list_mail(&self, limit: i64) -> StoreResult<Vec<Mail>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, to_address, subject, body, created_at, sent_at FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}
