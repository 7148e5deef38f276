//! Storage of the Huế smart-city platform.
//!
//! One [`Store`] holds typed sqlx pools for either SQLite (a single writer connection plus a
//! reader pool, WAL) or PostgreSQL. Each capability has a store trait ([`UnitStore`],
//! [`IdentityStore`], [`SessionStore`], [`AuditStore`]) implemented once: the SQL text is shared and
//! the [`on_reader!`]/[`in_write_tx!`] macros expand every body once per backend, so each copy is
//! type-checked against its own driver (no `Any` driver, which cannot carry uuid or timestamps).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub mod audit;
pub mod calendar;
pub mod dossier_rollups;
pub mod dossiers;
pub mod dossiers_bulk;
pub mod identity;
pub mod open311;
pub mod operations;
pub mod outbox;
pub mod payments;
pub mod portable;
pub mod portal;
pub mod procedures;
mod read_cache;
pub mod report_rollups;
pub mod reports;
pub mod reports_bulk;
pub mod reports_handling;
mod rows;
pub mod sensing;
pub mod sessions;
pub mod submissions;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod transparency;
pub mod units;

pub use audit::{AuditContext, AuditStore};
pub use calendar::CalendarStore;
pub use dossier_rollups::DossierRollupStore;
pub use dossiers::DossierStore;
pub use identity::IdentityStore;
pub use operations::OperationsStore;
pub use outbox::OutboxStore;
pub use payments::PaymentStore;
pub use portal::PortalStore;
pub use procedures::ProcedureStore;
pub use report_rollups::ReportRollupStore;
pub use reports::ReportStore;
pub use reports_handling::ReportHandlingStore;
pub use sensing::{AlarmRuleStore, AlarmStore, SensingStore};
pub use sessions::SessionStore;
pub use transparency::TransparencyStore;
pub use units::UnitStore;

/// Which database engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file in the data directory.
    Sqlite,
    /// The server engine for larger installations.
    Postgres,
}

impl Backend {
    /// Stable name used in logs, `/readyz` and dumps.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Every way a store call can fail. Callers map these onto user-facing errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; `constraint` is the index name, e.g. `accounts_email_key`.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// Input broke a domain rule (also raised by stores for rules that need stored state).
    #[error(transparent)]
    Invalid(#[from] smartcity_domain::ValidationError),
    /// A dump could not be imported; nothing was written.
    #[error("dump rejected: {0}")]
    Dump(String),
    /// The database itself failed.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Schema migration failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict { constraint: unique_constraint_name(db.as_ref()) }
            }
            _ => StoreError::Database(err),
        }
    }
}

/// Both engines report the index name in the same shape: PostgreSQL gives the name of the unique
/// index directly, SQLite only says `UNIQUE constraint failed: accounts.email`, which we turn into
/// `accounts_email_key` — the name the migrations give that index on both engines. Primary keys
/// and shortened names are looked up in [`SQLITE_IRREGULAR_INDEXES`].
fn unique_constraint_name(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(name) = db.constraint() {
        return name.to_owned();
    }
    let message = db.message();
    match message.strip_prefix("UNIQUE constraint failed: ") {
        Some(columns) => {
            if let Some((_, name)) = SQLITE_IRREGULAR_INDEXES.iter().find(|(c, _)| *c == columns) {
                return (*name).to_owned();
            }
            let mut parts = columns.split(", ");
            let first = parts.next().unwrap_or_default();
            let (table, column) = first.split_once('.').unwrap_or((first, ""));
            let mut name = format!("{table}_{column}");
            for extra in parts {
                if let Some((_, col)) = extra.split_once('.') {
                    name.push('_');
                    name.push_str(col);
                }
            }
            name.push_str("_key");
            name
        }
        None => message.to_owned(),
    }
}

/// Unique indexes whose PostgreSQL name is not `<table>_<columns>_key`, keyed by the column list
/// SQLite reports: primary keys (`<table>_pkey`) and indexes the migrations name more shortly.
/// Keep in step with the migrations.
const SQLITE_IRREGULAR_INDEXES: &[(&str, &str)] = &[
    ("units.code", "units_pkey"),
    ("unit_changes.id", "unit_changes_pkey"),
    ("unit_boundaries.unit_code", "unit_boundaries_pkey"),
    ("accounts.id", "accounts_pkey"),
    ("organisations.tax_code", "organisations_pkey"),
    ("role_grants.id", "role_grants_pkey"),
    ("role_grants.account_id, role_grants.role, role_grants.unit_code", "role_grants_account_role_unit_key"),
    ("sessions.id_hash", "sessions_pkey"),
    ("api_tokens.id", "api_tokens_pkey"),
    ("ecards.id", "ecards_pkey"),
    ("audit_log.seq", "audit_log_pkey"),
    ("procedures.id", "procedures_pkey"),
    ("blobs.sha256", "blobs_pkey"),
    ("dossiers.id", "dossiers_pkey"),
    ("dossier_events.id", "dossier_events_pkey"),
    ("dossier_documents.id", "dossier_documents_pkey"),
    ("personal_documents.id", "personal_documents_pkey"),
    ("dossier_counters.agency_code, dossier_counters.day", "dossier_counters_pkey"),
    ("idempotency_keys.account_id, idempotency_keys.key", "idempotency_keys_pkey"),
    ("outbox.id", "outbox_pkey"),
    ("mail_outbox.id", "mail_outbox_pkey"),
    ("holiday_adjustments.day", "holiday_adjustments_pkey"),
    ("report_categories.code", "report_categories_pkey"),
    ("open311_api_keys.id", "open311_api_keys_pkey"),
    ("reports.id", "reports_pkey"),
    ("report_events.id", "report_events_pkey"),
    ("report_photos.id", "report_photos_pkey"),
    // payments
    ("procedure_fees.procedure_id, procedure_fees.fee_key", "procedure_fees_pkey"),
    ("fee_exemptions.dossier_id, fee_exemptions.fee_key", "fee_exemptions_pkey"),
    ("receipt_series.id", "receipt_series_pkey"),
    ("payments.id", "payments_pkey"),
    ("payments.dossier_id, payments.fee_key", "payments_open_fee_key"),
    ("payment_events.id", "payment_events_pkey"),
    ("receipts.id", "receipts_pkey"),
    ("refunds.id", "refunds_pkey"),
    ("report_agencies.agency_kind", "report_agencies_pkey"),
    ("report_submissions.idempotency_key", "report_submissions_pkey"),
    ("report_supports.report_id, report_supports.supporter", "report_supports_pkey"),
    ("report_reminders.report_id, report_reminders.kind, report_reminders.due_at", "report_reminders_pkey"),
    ("portal_sites.unit_code", "portal_sites_pkey"),
    ("portal_articles.id", "portal_articles_pkey"),
    ("portal_revisions.id", "portal_revisions_pkey"),
    ("portal_questions.id", "portal_questions_pkey"),
    ("portal_warnings.id", "portal_warnings_pkey"),
    (
        "portal_warning_subscriptions.account_id, portal_warning_subscriptions.ward_code",
        "portal_warning_subscriptions_pkey",
    ),
    ("alarms.id", "alarms_pkey"),
    ("alarm_events.id", "alarm_events_pkey"),
    ("sta_observations.id", "sta_observations_pkey"),
];

/// Result of every store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Handle to the platform's database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    /// In-memory reads shared by every clone (`read_cache`): categories, the portal change counter.
    pub(crate) cache: std::sync::Arc<read_cache::ReadCache>,
    /// Dossier submissions waiting to be written in a group (`submissions`), shared by every clone.
    pub(crate) submissions: std::sync::Arc<submissions::SubmissionQueue>,
    /// Refused gateway calls waiting to be audited in groups (`payments`), shared by every clone.
    pub(crate) refusals: std::sync::Arc<payments::RefusalQueue>,
}

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite {
        /// Exactly one connection: SQLite allows one writer; queuing here beats `SQLITE_BUSY`.
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres {
        pool: PgPool,
    },
}

/// Run `$body` on the read side of the store, once per backend, with `$pool` bound to its pool.
macro_rules! on_reader {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { reader, .. } => {
                let $pool = reader;
                $body
            }
            $crate::Db::Postgres { pool } => {
                let $pool = pool;
                $body
            }
        }
    };
}
pub(crate) use on_reader;

/// Run `$body` inside a write transaction (SQLite: `BEGIN IMMEDIATE` on the single writer), once
/// per backend, with `$tx` bound to the transaction. The transaction commits when `$body`
/// evaluates without an early `?` return; any error rolls everything back.
macro_rules! in_write_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { writer, .. } => {
                let mut $tx = writer.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Db::Postgres { pool } => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use in_write_tx;

/// Implement a crate-private trait for both backends' connection types with one body, so helpers
/// that run inside a transaction (audit append, grants) are written once.
macro_rules! impl_for_connections {
    (impl $trait:ident { $($body:tt)* }) => {
        impl $trait for sqlx::SqliteConnection {
            $($body)*
        }
        impl $trait for sqlx::PgConnection {
            $($body)*
        }
    };
}
pub(crate) use impl_for_connections;

/// The engine a connection type belongs to, for the few statements that differ by dialect.
pub(crate) trait OnBackend {
    const BACKEND: Backend;
}

impl OnBackend for sqlx::SqliteConnection {
    const BACKEND: Backend = Backend::Sqlite;
}

impl OnBackend for sqlx::PgConnection {
    const BACKEND: Backend = Backend::Postgres;
}

/// Current time as stored: microsecond precision, which both engines keep exactly.
pub fn now() -> DateTime<Utc> {
    smartcity_domain::audit::truncate_to_micros(Utc::now())
}

impl Store {
    /// Open (and create if missing) the SQLite database `smartcity.db` inside `data_dir`.
    pub async fn open_sqlite_in(data_dir: &Path) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        Self::open_sqlite_file(&data_dir.join("smartcity.db")).await
    }

    /// Open (and create if missing) a SQLite database file in WAL mode.
    pub async fn open_sqlite_file(path: &Path) -> StoreResult<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        let reader = SqlitePoolOptions::new().max_connections(8).connect_with(options.read_only(true)).await?;
        Ok(Store {
            db: Db::Sqlite { writer, reader },
            cache: read_cache::ReadCache::new(),
            submissions: Default::default(),
            refusals: Default::default(),
        })
    }

    /// Connect to PostgreSQL; `schema`, when given, becomes the `search_path` (used by tests so
    /// that each one gets its own schema).
    pub async fn open_postgres(url: &str, schema: Option<&str>) -> StoreResult<Store> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Store {
            db: Db::Postgres { pool },
            cache: read_cache::ReadCache::new(),
            submissions: Default::default(),
            refusals: Default::default(),
        })
    }

    /// Open whatever `url` names: `postgres://…` / `postgresql://…`, or `sqlite://path` / a path.
    pub async fn open_url(url: &str) -> StoreResult<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url, None).await
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Self::open_sqlite_file(Path::new(path)).await
        }
    }

    /// A number that changes whenever this process writes portal content (articles, sites, warnings, questions,
    /// the search index): a page rendered at one value is still current while the value has not moved. Writes by
    /// other processes do not move it; caches keyed on it must also expire by age.
    pub fn portal_generation(&self) -> u64 {
        self.cache.portal_generation()
    }

    /// A number that changes whenever this process changes an existing report (a workflow step, a new category,
    /// a category's name): a public rendering of a report made at one value is current while the value has not
    /// moved. New reports do not move it (nothing could have shown them before). Other processes' writes do not
    /// either; caches keyed on it must also expire by age.
    pub fn report_generation(&self) -> u64 {
        self.cache.report_generation()
    }

    /// A number that changes whenever this process changes an existing dossier (a workflow step, a payment that
    /// moves its status): a public view of a dossier read at one value is current while the value has not moved.
    /// New dossiers do not move it (nothing could have shown them before); other processes' writes do not either,
    /// so caches keyed on it must also expire by age.
    pub fn dossier_generation(&self) -> u64 {
        self.cache.dossier_generation()
    }

    /// Like [`Store::report_generation`], and moved by new reports too: a rendered list of reports made at one
    /// value is current while the value has not moved (other processes' writes aside: expire by age too).
    pub fn report_list_generation(&self) -> u64 {
        self.cache.report_list_generation()
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Bring the schema up to date. Safe to run on every start.
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Sqlite { writer, .. } => sqlx::migrate!("migrations/sqlite").run(writer).await?,
            Db::Postgres { pool } => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        // Derived data a migration cannot compute in SQL (local days, working days): built once, here.
        self.ensure_dossier_rollups().await?;
        self.ensure_report_rollups().await
    }

    /// Versions of the migrations this binary carries for the current backend.
    pub fn migration_versions(backend: Backend) -> Vec<i64> {
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.iter().map(|m| m.version).collect()
    }

    /// Cheap round trip used by `/readyz`.
    pub async fn ping(&self) -> StoreResult<()> {
        on_reader!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Close all connections (end of `serve`, end of a CLI command).
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { writer, reader } => {
                writer.close().await;
                reader.close().await;
            }
            Db::Postgres { pool } => pool.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_carry_the_same_migration_versions() {
        assert_eq!(Store::migration_versions(Backend::Sqlite), Store::migration_versions(Backend::Postgres));
        assert!(!Store::migration_versions(Backend::Sqlite).is_empty());
    }
}
