//! A fresh, migrated store per test: SQLite in a temporary directory by default, or a new
//! PostgreSQL schema when `SMARTCITY_TEST_DATABASE_URL` is set, so tests run in parallel on both.

use std::ops::Deref;

use crate::{Db, Store, StoreResult};

/// A store that lives as long as the test; its SQLite directory is removed on drop.
pub struct TestStore {
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

impl Deref for TestStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl TestStore {
    /// The store itself, to hand to an application under test.
    pub fn store(&self) -> Store {
        self.store.clone()
    }
}

/// The PostgreSQL URL tests should use, if any.
pub fn test_database_url() -> Option<String> {
    std::env::var("SMARTCITY_TEST_DATABASE_URL").ok().filter(|u| !u.trim().is_empty())
}

/// Create and migrate an empty store for one test.
///
/// # Panics
/// When the database cannot be created: a test cannot go on without one.
#[expect(clippy::unwrap_used, reason = "test fixture: failing loudly is the point")]
pub async fn fresh_store() -> TestStore {
    let (store, dir) = match test_database_url() {
        Some(url) => {
            let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.unwrap();
            admin.close().await;
            (Store::open_postgres(&url, Some(&schema)).await.unwrap(), None)
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            (Store::open_sqlite_in(dir.path()).await.unwrap(), Some(dir))
        }
    };
    store.migrate().await.unwrap();
    TestStore { store, _dir: dir }
}

impl Store {
    /// Run SQL outside the store traits (on the SQLite writer or the PostgreSQL pool), for tests
    /// that must do what the application never does — drop the audit triggers and tamper with
    /// the log. Returns how many rows the statements changed.
    pub async fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        let done = match &self.db {
            Db::Sqlite { writer, .. } => sqlx::raw_sql(sql).execute(writer).await?.rows_affected(),
            Db::Postgres { pool } => sqlx::raw_sql(sql).execute(pool).await?.rows_affected(),
        };
        Ok(done)
    }
}
