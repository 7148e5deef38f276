//! `audit`: every change of state leaves a record written in the same transaction, the records
//! form a hash chain that verifies, and any edit or deletion of the log is detected.

use chrono::Duration;
use serde_json::json;
use smartcity_domain::audit::{ChainBreak, ChainBreakReason, GENESIS_HASH};
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::{ECardNumber, Role, TaxCode};
use smartcity_domain::units::UnitKind;
use smartcity_store::audit::{AuditEvent, AuditFilter};
use smartcity_store::identity::IdentityStore;
use smartcity_store::sessions::{NewSession, SessionStore};
use smartcity_store::testing::fresh_store;
use smartcity_store::units::UnitStore;
use smartcity_store::{AuditContext, AuditStore, Backend, Store, StoreError};

use crate::{
    admin, allow_audit_edits, audit_actions, audit_trail, citizen, code, new_unit, reform_day, register_an, seed_hue,
    square, staff,
};

fn personal_data_read(account: uuid::Uuid) -> AuditEvent<'static> {
    AuditEvent {
        action: "personal_data.read",
        record_type: "account",
        record_id: account.to_string(),
        details: json!({"fields": ["citizen_id", "phone"], "purpose": "Tiếp nhận hồ sơ"}),
    }
}

/// Make every insert into `audit_log` fail, as a full disk or a lost connection would.
async fn break_audit_inserts(store: &Store) {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "CREATE TRIGGER audit_log_refuse_insert BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION audit_log_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$; \
             CREATE TRIGGER audit_log_refuse_insert BEFORE INSERT ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_insert();"
        }
    };
    store.execute_raw(sql).await.unwrap();
}

async fn repair_audit_inserts(store: &Store) {
    let sql = match store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_refuse_insert",
        Backend::Postgres => "DROP TRIGGER audit_log_refuse_insert ON audit_log",
    };
    store.execute_raw(sql).await.unwrap();
}

#[tokio::test]
async fn every_change_of_state_writes_its_audit_record() {
    let store = fresh_store().await;
    let now = smartcity_store::now();

    seed_hue(&store).await;
    store.create_unit(&admin(), new_unit("19800", Some("46"), UnitKind::Ward, "Phường Mới", "New Ward")).await.unwrap();
    store.rename_unit(&admin(), &code("19753"), "Phường Phú Xuân", "Phu Xuan", reform_day()).await.unwrap();
    store.set_unit_boundary(&admin(), &code("19753"), &square(16.47, 107.58, 0.01)).await.unwrap();
    let an = register_an(&store).await;
    store.set_password(&admin(), an.id, "$argon2id$new").await.unwrap();
    let clerk = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();
    let grant = store.grant_role(&admin(), clerk.id, Role::ReceptionOfficer, &code("19753")).await.unwrap();
    store.revoke_grant(&admin(), grant.id).await.unwrap();
    let tax_code = TaxCode::parse("0100109106").unwrap();
    store.create_organisation(&admin(), &tax_code, "Công ty", "Huế", an.id).await.unwrap();
    let number = ECardNumber::from_body("1234567890123").unwrap();
    let card = store.issue_ecard(&admin(), an.id, number.as_str(), "qr").await.unwrap();
    store.revoke_ecard(&admin(), card.id, "Mất thẻ").await.unwrap();
    let token = store.create_api_token(&admin(), an.id, "script", "sha256:aa", "sc_aa").await.unwrap();
    store.revoke_api_token(&admin(), an.id, token.id).await.unwrap();
    let new_session = |id_hash| NewSession {
        id_hash,
        account_id: an.id,
        csrf_token: "csrf",
        expires_at: now + Duration::hours(1),
        user_agent: None,
    };
    store.create_session(&admin(), new_session("s1")).await.unwrap();
    store.delete_session(&admin(), "s1").await.unwrap();
    store.delete_sessions_of(&admin(), an.id).await.unwrap();
    store.set_account_active(&admin(), an.id, false).await.unwrap();
    store.set_account_active(&admin(), an.id, true).await.unwrap();
    store.merge_units(&admin(), &[code("19753"), code("19789")], &code("19800"), reform_day()).await.unwrap();
    store.retire_unit(&admin(), &code("46.SYT"), reform_day()).await.unwrap();
    store.record_audit(&AuditContext::account(clerk.id, None), personal_data_read(an.id)).await.unwrap();

    assert_eq!(
        audit_actions(&store).await,
        [
            "unit.created",
            "unit.created",
            "unit.created",
            "unit.created",
            "unit.created",
            "unit.renamed",
            "unit.boundary_set",
            "account.created",
            "account.password_changed",
            "account.created",
            "role.granted",
            "role.revoked",
            "organisation.created",
            "ecard.issued",
            "ecard.revoked",
            "api_token.created",
            "api_token.revoked",
            "session.started",
            "session.ended",
            "session.ended_everywhere",
            "account.disabled",
            "account.enabled",
            "unit.merged",
            "unit.merged",
            "unit.retired",
            "personal_data.read",
        ]
    );
    let trail = audit_trail(&store).await;
    let created = &trail[7];
    assert_eq!(created.record_type, "account");
    assert_eq!(created.record_id, an.id.to_string());
    assert_eq!(created.actor.as_deref(), Some("test:admin"));
    assert_eq!(created.ip.as_deref(), Some("203.113.1.10"));
    let merged: Vec<_> = trail.iter().filter(|r| r.action == "unit.merged").map(|r| r.record_id.as_str()).collect();
    assert_eq!(merged, ["19753", "19789"]);
    let read = trail.last().unwrap();
    assert_eq!(read.actor, Some(clerk.id.to_string()));
    assert_eq!(read.details["purpose"], "Tiếp nhận hồ sơ");
    // Secrets never reach the log.
    let log_text = serde_json::to_string(&trail).unwrap();
    assert!(!log_text.contains("$argon2id") && !log_text.contains("sha256:aa") && !log_text.contains("csrf"));

    // Reads change nothing, so they write nothing.
    store.account_for_login("0912345678").await.unwrap();
    store.has_role_on(clerk.id, &[Role::ReceptionOfficer], &code("19753")).await.unwrap();
    store.ecard_holder("qr").await.unwrap();
    store.session("s1", now).await.unwrap();
    store.locate_unit(GeoPoint::new(16.47, 107.58).unwrap(), reform_day()).await.unwrap();
    store.list_units().await.unwrap();
    assert_eq!(audit_trail(&store).await, trail);
}

#[tokio::test]
async fn the_records_form_a_chain_from_genesis_that_verifies() {
    let store = fresh_store().await;
    assert_eq!(store.verify_audit().await.unwrap(), Ok(0));
    seed_hue(&store).await;
    let an = register_an(&store).await;
    store.record_audit(&admin(), personal_data_read(an.id)).await.unwrap();

    let trail = audit_trail(&store).await;

    assert_eq!(trail.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    assert_eq!(trail[0].prev_hash, GENESIS_HASH);
    for pair in trail.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    for record in &trail {
        assert_eq!(record.hash, record.compute_hash(), "seq {}", record.seq);
    }
    assert_eq!(store.verify_audit().await.unwrap(), Ok(6));
}

#[tokio::test]
async fn a_write_refused_by_a_unique_index_leaves_no_row_and_no_audit_record() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let an = register_an(&store).await;
    store.grant_role(&admin(), an.id, Role::Editor, &code("19753")).await.unwrap();
    let before = store.export_dump().await.unwrap().tables;

    let duplicate = citizen("Người Khác", "an.nguyen@example.vn", "0987654321", "046091005678");
    assert!(matches!(store.create_account(&admin(), duplicate).await, Err(StoreError::Conflict { .. })));
    assert!(matches!(
        store.grant_role(&admin(), an.id, Role::Editor, &code("19753")).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.create_unit(&admin(), new_unit("19789", Some("46"), UnitKind::Ward, "Trùng", "Duplicate")).await,
        Err(StoreError::Conflict { .. })
    ));

    assert_eq!(store.export_dump().await.unwrap().tables, before);
    assert_eq!(store.verify_audit().await.unwrap(), Ok(6));
}

#[tokio::test]
async fn a_change_whose_audit_record_cannot_be_written_is_rolled_back() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    store.create_unit(&admin(), new_unit("19800", Some("46"), UnitKind::Ward, "Phường Mới", "New Ward")).await.unwrap();
    let an = register_an(&store).await;
    let now = smartcity_store::now();
    let live = NewSession {
        id_hash: "live",
        account_id: an.id,
        csrf_token: "csrf",
        expires_at: now + Duration::hours(1),
        user_agent: None,
    };
    store.create_session(&admin(), live).await.unwrap();
    let before = store.export_dump().await.unwrap().tables;

    break_audit_inserts(&store).await;
    let results = [
        store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.map(drop),
        // Disabling both flips `active` and deletes sessions before the audit append.
        store.set_account_active(&admin(), an.id, false).await,
        // The first source is already ended when its audit append fails.
        store.merge_units(&admin(), &[code("19753"), code("19789")], &code("19800"), reform_day()).await,
        store.set_unit_boundary(&admin(), &code("19753"), &square(16.47, 107.58, 0.01)).await,
        store.grant_role(&admin(), an.id, Role::Editor, &code("46")).await.map(drop),
        store.rename_unit(&admin(), &code("46"), "Huế", "Hue", reform_day()).await.map(drop),
    ];
    repair_audit_inserts(&store).await;

    for (i, result) in results.into_iter().enumerate() {
        assert!(matches!(result, Err(StoreError::Database(_))), "change {i}: {result:?}");
    }
    assert_eq!(store.export_dump().await.unwrap().tables, before);
    assert!(store.session("live", now).await.unwrap().is_some());
    assert_eq!(store.verify_audit().await.unwrap(), Ok(7));
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let trail = audit_trail(&store).await;

    for sql in ["UPDATE audit_log SET action = 'unit.retired' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"] {
        match store.execute_raw(sql).await {
            Err(StoreError::Database(e)) => {
                assert!(e.to_string().contains("append-only"), "{sql}: {e}")
            }
            other => panic!("{sql} should be refused, got {other:?}"),
        }
    }

    assert_eq!(audit_trail(&store).await, trail);
    assert_eq!(store.verify_audit().await.unwrap(), Ok(4));
}

#[tokio::test]
async fn an_edited_record_is_reported_at_its_seq() {
    for (column, value) in [
        ("action", "'unit.retired'"),
        ("actor", "'someone-else'"),
        ("record_id", "'19789'"),
        ("ip", "NULL"),
        ("details", "'{\"effective_on\":\"2020-01-01\"}'"),
    ] {
        let store = fresh_store().await;
        seed_hue(&store).await;
        allow_audit_edits(&store).await;

        let sql = format!("UPDATE audit_log SET {column} = {value} WHERE seq = 2");
        assert_eq!(store.execute_raw(&sql).await.unwrap(), 1);

        assert_eq!(
            store.verify_audit().await.unwrap(),
            Err(ChainBreak { seq: 2, reason: ChainBreakReason::HashMismatch }),
            "edit of {column}"
        );
    }
}

#[tokio::test]
async fn a_rehashed_record_breaks_the_link_from_the_next_one() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    allow_audit_edits(&store).await;
    let mut forged = audit_trail(&store).await.remove(1);
    forged.action = "unit.retired".to_owned();
    forged.hash = forged.compute_hash();

    let sql = format!("UPDATE audit_log SET action = 'unit.retired', hash = '{}' WHERE seq = 2", forged.hash);
    store.execute_raw(&sql).await.unwrap();

    assert_eq!(
        store.verify_audit().await.unwrap(),
        Err(ChainBreak { seq: 3, reason: ChainBreakReason::PrevHashMismatch })
    );
}

#[tokio::test]
async fn a_deleted_record_is_reported_as_a_gap() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    allow_audit_edits(&store).await;

    assert_eq!(store.execute_raw("DELETE FROM audit_log WHERE seq = 2").await.unwrap(), 1);

    assert_eq!(
        store.verify_audit().await.unwrap(),
        Err(ChainBreak { seq: 3, reason: ChainBreakReason::Gap { expected: 2 } })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_extend_one_unbroken_chain() {
    let store = fresh_store().await;
    let an = register_an(&store).await;

    let writers: Vec<_> = (0..24)
        .map(|i| {
            let store = store.store();
            tokio::spawn(async move {
                let ctx = AuditContext::system(&format!("worker-{i}"));
                store.record_audit(&ctx, personal_data_read(an.id)).await
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().unwrap();
    }

    assert_eq!(store.verify_audit().await.unwrap(), Ok(25));
}

#[tokio::test]
async fn the_log_is_listed_newest_first_and_filtered_by_record() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let an = register_an(&store).await;
    store.record_audit(&admin(), personal_data_read(an.id)).await.unwrap();

    let about_an = AuditFilter { record_type: Some("account".to_owned()), record_id: Some(an.id.to_string()) };
    let actions: Vec<_> = store.list_audit(&about_an, 10, 0).await.unwrap().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["personal_data.read", "account.created"]);

    let units = AuditFilter { record_type: Some("unit".to_owned()), record_id: None };
    let seqs: Vec<_> = store.list_audit(&units, 2, 1).await.unwrap().into_iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [3, 2]);
    let one_unit = AuditFilter { record_type: None, record_id: Some("46.SYT".to_owned()) };
    assert_eq!(store.list_audit(&one_unit, 10, 0).await.unwrap().len(), 1);
}
