//! SQLite → PostgreSQL → SQLite through `export`/`import`, when `SMARTCITY_TEST_DATABASE_URL`
//! names a PostgreSQL server. Each run gets its own schema and drops it at the end.

use crate::support::{Installation, run, smartcity};

/// A fresh schema on the test server, dropped when the test ends (even on failure).
struct Schema {
    admin_url: String,
    name: String,
}

impl Schema {
    fn create(admin_url: &str) -> Schema {
        let name = format!("cli_{}", uuid::Uuid::new_v4().simple());
        let schema = Schema { admin_url: admin_url.to_owned(), name };
        schema.execute(&format!("CREATE SCHEMA {}", schema.name));
        schema
    }

    /// The URL that puts the binary into this schema.
    fn url(&self) -> String {
        let separator = if self.admin_url.contains('?') { '&' } else { '?' };
        format!("{}{separator}options=-c%20search_path%3D{}", self.admin_url, self.name)
    }

    fn execute(&self, sql: &str) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let pool = sqlx::PgPool::connect(&self.admin_url).await.expect("connect to PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await.expect("schema statement");
            pool.close().await;
        });
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        self.execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}

#[test]
fn a_sqlite_installation_moves_to_postgres_and_back_unchanged() {
    let Some(admin_url) = std::env::var("SMARTCITY_TEST_DATABASE_URL").ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("SMARTCITY_TEST_DATABASE_URL is not set: SQLite → PostgreSQL round trip skipped");
        return;
    };
    let schema = Schema::create(&admin_url);
    let pg_url = schema.url();
    let pg = |args: &[&str], site: &Installation| {
        let mut command = smartcity(site.root());
        command.args(args).args(["--database-url", pg_url.as_str()]);
        run(command, None)
    };

    let sqlite = Installation::new().with_demo();
    let original = sqlite.tables();
    let dump = sqlite.file("from-sqlite.json");
    sqlite.run(&["export", "--file", dump.to_str().expect("utf-8 path")]).success();

    pg(&["import", "--file", dump.to_str().expect("utf-8 path")], &sqlite).success();
    let out = pg(&["audit", "verify"], &sqlite).success();
    assert!(out.stdout.contains(&format!("{} records", original.audit_log.len())), "{}", out.stdout);
    let refused = pg(&["import", "--file", dump.to_str().expect("utf-8 path")], &sqlite).exit_code(1);
    assert!(refused.stderr.contains("not empty"), "{}", refused.stderr);
    assert!(pg(&["demo"], &sqlite).success().stdout.contains("nothing loaded"));

    let from_pg = pg(&["export"], &sqlite).success().stdout;
    let from_pg: smartcity_store::portable::Dump = serde_json::from_str(&from_pg).expect("dump");
    assert_eq!(from_pg.source_backend, "postgres");
    assert_eq!(from_pg.tables, original);

    let back = Installation::new();
    back.run_with_stdin(&["import", "--file", "-"], &serde_json::to_string(&from_pg).expect("json")).success();
    assert_eq!(back.tables(), original);
    back.run(&["audit", "verify"]).success();
}

#[test]
fn the_demo_with_its_dossiers_loads_on_postgres() {
    let Some(admin_url) = std::env::var("SMARTCITY_TEST_DATABASE_URL").ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("SMARTCITY_TEST_DATABASE_URL is not set: demo on PostgreSQL skipped");
        return;
    };
    let schema = Schema::create(&admin_url);
    let pg_url = schema.url();
    let site = Installation::new();
    let pg = |args: &[&str]| {
        let mut command = smartcity(site.root());
        command.args(args).args(["--database-url", pg_url.as_str()]);
        run(command, None)
    };

    let out = pg(&["demo", "--dossiers", "100"]).success();
    assert!(out.stdout.contains("demo data loaded"), "{}", out.stdout);
    assert!(out.stdout.contains("100 synthetic dossiers generated"), "{}", out.stdout);
    assert!(pg(&["demo"]).success().stdout.contains("nothing loaded"));
    pg(&["audit", "verify"]).success();

    let dump: smartcity_store::portable::Dump = serde_json::from_str(&pg(&["export"]).success().stdout).expect("dump");
    let tables = dump.tables;
    assert_eq!(tables.procedures.len(), 26);
    for status in 1..=10 {
        let demo = tables.dossiers.iter().filter(|d| d.status == status && d.unit_code == "19753").count();
        assert!(demo >= 1, "no dossier in Phú Xuân is in status {status}");
    }
    let citizen = tables.accounts.iter().find(|a| a.email.as_deref() == Some("citizen@hue.demo")).expect("citizen");
    let mine = tables.dossiers.iter().filter(|d| d.applicant_id == Some(citizen.id)).count();
    assert!(mine >= 10, "{mine}");
    assert!(tables.dossiers.len() >= 100 + mine);
}
