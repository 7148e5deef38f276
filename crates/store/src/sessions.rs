//! Login sessions kept in the database, so logout-everywhere and account disabling take effect at
//! once on every server. Only a SHA-256 of the session cookie is stored.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::identity::{ACCOUNT_COLUMNS, Account, AccountRow};
use crate::{Store, StoreResult, in_write_tx, on_reader};

/// A live session with the account it belongs to.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    /// Synchronizer token every unsafe request of this session must echo.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What is stored when a session starts.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub account_id: Uuid,
    pub csrf_token: &'a str,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<&'a str>,
}

/// The sessions part of identity's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait SessionStore {
    /// Start a session (a login).
    async fn create_session(&self, ctx: &AuditContext, new: NewSession<'_>) -> StoreResult<()>;
    /// The session for a cookie hash, if it is unexpired and its account active.
    async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>>;
    /// End one session (a logout).
    async fn delete_session(&self, ctx: &AuditContext, id_hash: &str) -> StoreResult<()>;
    /// End every session of an account ("log out everywhere"); returns how many ended.
    async fn delete_sessions_of(&self, ctx: &AuditContext, account: Uuid) -> StoreResult<u64>;
    /// Drop expired sessions; returns how many.
    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    csrf_token: String,
    session_created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl SessionStore for Store {
    async fn create_session(&self, ctx: &AuditContext, new: NewSession<'_>) -> StoreResult<()> {
        let now = crate::now();
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
            )
            .bind(new.id_hash)
            .bind(new.account_id)
            .bind(new.csrf_token)
            .bind(now)
            .bind(new.expires_at)
            .bind(ctx.ip.as_deref())
            .bind(new.user_agent)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "session.started",
                record_type: "account",
                record_id: new.account_id.to_string(),
                details: json!({}),
            }).await?;
        });
        Ok(())
    }

    async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
        let columns = ACCOUNT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns}, s.csrf_token, s.created_at AS session_created_at, s.expires_at \
             FROM sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND a.active"
        );
        let row: Option<SessionRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id_hash).bind(now).fetch_optional(pool).await?
        });
        Ok(row.map(|r| Session {
            account: r.account.into_account(),
            csrf_token: r.csrf_token,
            created_at: r.session_created_at,
            expires_at: r.expires_at,
        }))
    }

    async fn delete_session(&self, ctx: &AuditContext, id_hash: &str) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let account: Option<(Uuid,)> = sqlx::query_as("SELECT account_id FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some((account,)) = account {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *tx).await?;
                tx.append_audit(ctx, AuditEvent {
                    action: "session.ended",
                    record_type: "account",
                    record_id: account.to_string(),
                    details: json!({}),
                }).await?;
            }
        });
        Ok(())
    }

    async fn delete_sessions_of(&self, ctx: &AuditContext, account: Uuid) -> StoreResult<u64> {
        Ok(in_write_tx!(self, tx => {
            let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "session.ended_everywhere",
                record_type: "account",
                record_id: account.to_string(),
                details: json!({"sessions": done.rows_affected()}),
            }).await?;
            done.rows_affected()
        }))
    }

    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        Ok(in_write_tx!(self, tx => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }))
    }
}
