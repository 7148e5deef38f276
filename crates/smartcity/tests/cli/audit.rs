//! `smartcity audit verify`: the hash chain checked end to end.

use crate::support::Installation;

#[test]
fn the_demo_audit_chain_verifies() {
    let site = Installation::new().with_demo();
    let records = site.tables().audit_log.len();
    assert!(records > 100, "every unit, boundary, account and grant is audited");
    let out = site.run(&["audit", "verify"]).success();
    assert!(out.stdout.contains(&format!("audit log OK: {records} records")), "{}", out.stdout);
}

#[tokio::test]
async fn an_edited_record_fails_verification_with_its_seq() {
    let site = Installation::new().with_demo();
    let url = format!("sqlite://{}", site.data_dir().join("smartcity.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("open the database file");
    // The triggers refuse edits; someone tampering drops them first, which is what we simulate.
    sqlx::query("DROP TRIGGER audit_log_no_update").execute(&pool).await.expect("drop trigger");
    sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 5").execute(&pool).await.expect("tamper");
    pool.close().await;

    let out = site.run(&["audit", "verify"]).exit_code(1);
    assert!(out.stdout.contains("BROKEN at seq 5"), "{}", out.stdout);
    assert!(out.stdout.contains("edited"), "the reason is given: {}", out.stdout);
}
