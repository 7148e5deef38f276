//! Transactional outbox: events written in the same transaction as the change they announce, and
//! delivered afterwards by a worker (notifications today; webhooks and live pages later). Mail
//! goes to `mail_outbox`, which administrators can read when no SMTP relay is configured.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::rows::{placeholders, rows_per_statement};
use crate::{Store, StoreResult, impl_for_connections, in_write_tx, on_reader};

/// Writes an outbox event inside the caller's transaction.
pub(crate) trait OutboxWrite {
    async fn enqueue(&mut self, topic: &str, payload: &Value) -> StoreResult<()>;
    /// Several events in multi-row statements, in order (grouped submissions).
    async fn enqueue_many(&mut self, events: &[(&str, Value)]) -> StoreResult<()>;
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

    async fn enqueue_many(&mut self, events: &[(&str, Value)]) -> StoreResult<()> {
        let now = crate::now();
        for chunk in events.chunks(rows_per_statement(6)) {
            let sql = format!(
                "INSERT INTO outbox (id, topic, payload, created_at, delivered_at, attempts) VALUES {}",
                placeholders(chunk.len(), 6)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (topic, payload) in chunk {
                q = q.bind(Uuid::now_v7()).bind(*topic).bind(payload.to_string()).bind(now).bind(None::<DateTime<Utc>>).bind(0_i64);
            }
            q.execute(&mut *self).await?;
        }
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
    /// When the SMTP relay accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When the relay refused it for good, and its answer.
    pub failed_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
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
    /// Write a mail straight to the outbox (a mail not born from an outbox event); returns its id.
    async fn queue_mail(&self, to: &str, subject: &str, body: &str) -> StoreResult<Uuid>;
    /// Oldest mails not yet handed to the SMTP relay.
    async fn unsent_mail(&self, limit: i64) -> StoreResult<Vec<Mail>>;
    /// Record that the relay accepted a mail; `false` when it was marked already (another worker).
    async fn mark_mail_sent(&self, id: Uuid) -> StoreResult<bool>;
    /// Record that the relay refused a mail for good, with its answer; it leaves the queue.
    async fn mark_mail_failed(&self, id: Uuid, failure: &str) -> StoreResult<()>;
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
                "SELECT id, to_address, subject, body, created_at, sent_at, failed_at, failure FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn queue_mail(&self, to: &str, subject: &str, body: &str) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO mail_outbox (id, to_address, subject, body, created_at, sent_at) VALUES ($1, $2, $3, $4, $5, NULL)",
            )
            .bind(id)
            .bind(to)
            .bind(subject)
            .bind(body)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
        });
        Ok(id)
    }

    async fn unsent_mail(&self, limit: i64) -> StoreResult<Vec<Mail>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, to_address, subject, body, created_at, sent_at, failed_at, failure FROM mail_outbox \
                 WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY created_at, id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn mark_mail_sent(&self, id: Uuid) -> StoreResult<bool> {
        let now = crate::now();
        let marked = in_write_tx!(self, tx => {
            sqlx::query("UPDATE mail_outbox SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(marked == 1)
    }

    async fn mark_mail_failed(&self, id: Uuid, failure: &str) -> StoreResult<()> {
        let now = crate::now();
        in_write_tx!(self, tx => {
            sqlx::query("UPDATE mail_outbox SET failed_at = $1, failure = $2 WHERE id = $3 AND sent_at IS NULL")
                .bind(now)
                .bind(failure)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
