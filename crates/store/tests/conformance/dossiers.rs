//! `dossiers`: what the one-stop desk and the portal rely on when a dossier is submitted and moves
//! through its life cycle — codes that never repeat or skip, retries that do not duplicate,
//! documents kept once per content, the citizen's document store, changes guarded against a
//! concurrent officer, and the queries behind work queues and the QĐ 766 indices.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use smartcity_domain::dossiers::{ApplicantKind, Channel, DossierCode, DossierStatus};
use smartcity_store::dossiers::{Dossier, DossierChange, DossierStore, NewDossierEvent, QueueFilter};
use smartcity_store::identity::{Account, IdentityStore};
use smartcity_store::outbox::OutboxStore;
use smartcity_store::procedures::{Procedure, ProcedureStore};
use smartcity_store::testing::fresh_store;
use smartcity_store::{AuditContext, AuditStore, DossierRollupStore, Store, StoreError};
use uuid::Uuid;

use crate::{
    admin, audit_trail, citizen, counter_dossier, create_khai_sinh, day, khai_sinh, morning_of, online_dossier,
    register_an, reuse, row_counts, seed_hue, staff, upload,
};

/// The day most dossiers here are received: Monday 2 March 2026.
fn monday() -> NaiveDate {
    day(2026, 3, 2)
}

/// Huế, birth registration in force, An and a desk officer.
async fn setup(store: &Store) -> (Procedure, Account, Account) {
    seed_hue(store).await;
    let procedure = create_khai_sinh(store).await;
    let an = register_an(store).await;
    let officer = store.create_account(&admin(), staff("Lê Văn Cường", "cuong.le@hue.gov.vn")).await.unwrap();
    (procedure, an, officer)
}

/// Hồ Thị Mai, a second citizen.
async fn register_mai(store: &Store) -> Account {
    store
        .create_account(&admin(), citizen("Hồ Thị Mai", "mai.ho@example.vn", "0905111222", "046195003333"))
        .await
        .unwrap()
}

/// Rows of one table.
async fn rows_in(store: &Store, table: &str) -> usize {
    row_counts(store).await.into_iter().find(|(t, _)| *t == table).map(|(_, n)| n).unwrap()
}

fn sequence(dossier: &Dossier) -> u64 {
    DossierCode::parse(&dossier.code).unwrap().sequence()
}

fn expect_invalid(result: Result<Dossier, StoreError>, code: &str) {
    match result {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, code, "{e}"),
        other => panic!("expected a validation error {code}, got {other:?}"),
    }
}

/// The desk accepts `dossier` at `at`, due three days later; `notify` announces it.
fn accept(dossier: &Dossier, officer: &Account, at: DateTime<Utc>, notify: bool) -> DossierChange {
    let mut state = dossier.state.clone();
    state.accepted_at = Some(at);
    state.due_at = Some(at + Duration::days(3));
    state.original_due_at = state.due_at;
    state.current_step = 1;
    state.step_started_at = Some(at);
    DossierChange {
        dossier_id: dossier.id,
        expected_updated_at: dossier.updated_at,
        status: DossierStatus::Accepted,
        current_unit_code: dossier.current_unit_code.clone(),
        state,
        event: NewDossierEvent {
            action: "accept".to_owned(),
            actor_id: Some(officer.id),
            actor_name: officer.display_name.clone(),
            from_unit: None,
            to_unit: None,
            step_deadline: Some(at + Duration::days(1)),
            form: Some("01".to_owned()),
            note: "Hồ sơ đầy đủ, hẹn trả sau 3 ngày".to_owned(),
            details: json!({"checked": ["doc1"]}),
        },
        documents: vec![],
        notify: notify.then(|| "dossier.accepted".to_owned()),
    }
}

/// `change` moved to another status, with a new due date (or none).
fn moved(mut change: DossierChange, status: DossierStatus, due_at: Option<DateTime<Utc>>) -> DossierChange {
    change.status = status;
    change.state.due_at = due_at;
    change.state.original_due_at = due_at;
    change
}

#[tokio::test]
async fn a_submitted_dossier_reads_back_with_its_first_event_audit_record_and_outbox_event() {
    let store = fresh_store().await;
    let (procedure, an, officer) = setup(&store).await;
    let received_at = morning_of(monday()) + Duration::nanoseconds(123_456_789);
    let mut new = counter_dossier(&procedure, "H57.19753", "19753", monday());
    new.created_by = Some(officer.id);
    new.applicant_kind = ApplicantKind::HouseholdBusiness;
    new.applicant_tax_code = Some("0100109106".to_owned());
    let as_officer = AuditContext::account(officer.id, Some("10.46.0.8".to_owned()));

    let dossier = store.submit_dossier(&as_officer, new, received_at).await.unwrap();

    assert_eq!(dossier.code, "H57.19753-260302-0001");
    assert_eq!(dossier.procedure_id, procedure.id);
    assert_eq!(dossier.procedure_code, "1.001193");
    assert_eq!((dossier.unit_code.as_str(), dossier.current_unit_code.as_str()), ("19753", "19753"));
    assert_eq!(dossier.applicant_id, None);
    assert_eq!(dossier.applicant_name, "Trần Thị Bích");
    assert_eq!(dossier.applicant_citizen_id.as_deref(), Some("046185007777"));
    assert_eq!(dossier.applicant_kind, ApplicantKind::HouseholdBusiness);
    assert_eq!(dossier.applicant_tax_code.as_deref(), Some("0100109106"));
    assert_eq!(dossier.applicant_contact, "0914555666");
    assert_eq!(dossier.channel, Channel::Counter);
    assert_eq!(dossier.status, DossierStatus::Submitted);
    assert_eq!(dossier.form_data, json!({"child_name": "Trần Gia Huy", "gender": "Nam"}));
    assert_eq!(dossier.state.received_at, morning_of(monday()) + Duration::microseconds(123_456));
    assert_eq!(dossier.state.accepted_at, None);
    assert_eq!(dossier.state.due_at, None);
    assert_eq!(
        (dossier.state.current_step, dossier.state.supplement_requests, dossier.state.paused_seconds),
        (0, 0, 0)
    );
    assert!(!dossier.state.reused_documents && !dossier.state.has_e_result);
    assert_eq!(dossier.created_by, Some(officer.id));
    assert_eq!(store.dossier(dossier.id).await.unwrap().unwrap().updated_at, dossier.updated_at);

    let by_code = store.dossier_by_code("  h57.19753-260302-0001 ").await.unwrap().unwrap();
    assert_eq!(by_code.id, dossier.id);
    assert!(store.dossier_by_code("H57.19753-260302-0002").await.unwrap().is_none());
    assert!(store.dossier(Uuid::now_v7()).await.unwrap().is_none());

    let events = store.dossier_events(dossier.id).await.unwrap();
    assert_eq!(events.len(), 1);
    let submit = &events[0];
    assert_eq!(submit.action, "submit");
    assert_eq!((submit.from_status, submit.to_status), (None, DossierStatus::Submitted));
    assert_eq!(submit.actor_id, Some(officer.id));
    assert_eq!(submit.actor_name, "Trần Thị Bích");
    assert_eq!(submit.to_unit.as_deref(), Some("19753"));
    assert_eq!(submit.details["channel"], "counter");
    assert_eq!(submit.details["reused"], false);

    let last = audit_trail(&store).await.pop().unwrap();
    assert_eq!(last.action, "dossier.submitted");
    assert_eq!((last.record_type.as_str(), last.record_id.as_str()), ("dossier", "H57.19753-260302-0001"));
    assert_eq!(last.actor, Some(officer.id.to_string()));
    assert_eq!(last.details["procedure"], "1.001193");

    let pending = store.pending_events(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].topic, "dossier.submitted");
    assert_eq!(pending[0].payload["dossier_id"], dossier.id.to_string());
    assert_eq!(pending[0].payload["code"], dossier.code);
    assert_eq!(pending[0].payload["status"], "submitted");

    // The applicant's own lists: by account (none here) and by ID number.
    assert!(store.dossiers_of_applicant(an.id, 10).await.unwrap().is_empty());
    let by_id: Vec<_> = store.dossiers_of_citizen_id("046185007777", 10).await.unwrap().iter().map(|d| d.id).collect();
    assert_eq!(by_id, vec![dossier.id]);
}

#[tokio::test]
async fn codes_count_from_0001_per_agency_and_local_day() {
    let store = fresh_store().await;
    let (procedure, _, _) = setup(&store).await;
    let submit = |agency: &'static str, unit: &'static str, local_day: NaiveDate| {
        let store = &store;
        let new = counter_dossier(&procedure, agency, unit, local_day);
        async move { store.submit_dossier(&admin(), new, morning_of(local_day)).await.unwrap().code }
    };
    let tuesday = day(2026, 3, 3);

    let codes = vec![
        submit("H57.19753", "19753", monday()).await,
        submit("H57.19753", "19753", monday()).await,
        submit("H57.19789", "19789", monday()).await,
        submit("H57.19753", "19753", tuesday).await,
        submit("H57.19753", "19753", monday()).await,
        submit("H57.19789", "19789", tuesday).await,
        submit("H57.19789", "19789", tuesday).await,
        // New year's eve and the first day of 2027: the date part is yymmdd.
        submit("H57.19753", "19753", day(2026, 12, 31)).await,
        submit("H57.19753", "19753", day(2027, 1, 1)).await,
    ];

    assert_eq!(
        codes,
        vec![
            "H57.19753-260302-0001",
            "H57.19753-260302-0002",
            "H57.19789-260302-0001",
            "H57.19753-260303-0001",
            "H57.19753-260302-0003",
            "H57.19789-260303-0001",
            "H57.19789-260303-0002",
            "H57.19753-261231-0001",
            "H57.19753-270101-0001",
        ]
    );
    let counters: Vec<_> = store
        .export_dump()
        .await
        .unwrap()
        .tables
        .dossier_counters
        .into_iter()
        .map(|c| (c.agency_code, c.day, c.last_seq))
        .collect();
    assert_eq!(
        counters,
        vec![
            ("H57.19753".to_owned(), monday(), 3),
            ("H57.19753".to_owned(), tuesday, 1),
            ("H57.19753".to_owned(), day(2026, 12, 31), 1),
            ("H57.19753".to_owned(), day(2027, 1, 1), 1),
            ("H57.19789".to_owned(), monday(), 1),
            ("H57.19789".to_owned(), tuesday, 2),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_submissions_get_distinct_gap_free_codes() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;

    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.store();
        let mut new = if i % 4 == 0 {
            counter_dossier(&procedure, "H57.19789", "19789", monday())
        } else {
            online_dossier(&procedure, &an, monday())
        };
        new.documents = vec![upload("doc1", &format!("giay-chung-sinh-{i}.pdf"), format!("scan {i}").as_bytes())];
        tasks.push(tokio::spawn(async move { store.submit_dossier(&admin(), new, morning_of(monday())).await }));
    }
    let mut ward = Vec::new();
    let mut other = Vec::new();
    for task in tasks {
        let dossier = task.await.unwrap().unwrap();
        if dossier.unit_code == "19753" { ward.push(sequence(&dossier)) } else { other.push(sequence(&dossier)) }
    }

    ward.sort_unstable();
    other.sort_unstable();
    assert_eq!(ward, (1..=15).collect::<Vec<_>>());
    assert_eq!(other, (1..=5).collect::<Vec<_>>());
    assert_eq!(rows_in(&store, "dossiers").await, 20);
    assert_eq!(rows_in(&store, "dossier_documents").await, 20);
    assert_eq!(rows_in(&store, "outbox").await, 20);
    assert_eq!(store.verify_audit().await.unwrap().map(|n| n > 20), Ok(true));
}

/// Many submissions at once are written in groups (`smartcity_store::submissions`): each must still get exactly
/// what a lone submission gets — its own code, documents, personal-store copies, event, audit record with its
/// actor, outbox event and tallies — and a bad one among them (a key already used) must not fail the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crowd_of_submissions_is_written_as_if_each_came_alone() {
    let store = fresh_store().await;
    let (procedure, an, officer) = setup(&store).await;
    let mai = register_mai(&store).await;
    let mut first = online_dossier(&procedure, &an, monday());
    first.idempotency_key = Some("taken".to_owned());
    let first = store.submit_dossier(&admin(), first, morning_of(monday())).await.unwrap();

    let mut tasks = Vec::new();
    for i in 0..150_usize {
        let store = store.store();
        let mut new = match i % 3 {
            0 => counter_dossier(&procedure, "H57.19789", "19789", monday()),
            1 => online_dossier(&procedure, &an, monday()),
            _ => online_dossier(&procedure, &mai, monday()),
        };
        // Two files each; every tenth dossier shares its second file's content with the others.
        let shared = if i % 10 == 0 { b"%PDF-1.7 the same scan".to_vec() } else { format!("scan {i} b").into_bytes() };
        new.documents = vec![
            upload("doc1", &format!("to-khai-{i}.pdf"), format!("scan {i} a").as_bytes()),
            upload("doc2", &format!("giay-chung-sinh-{i}.pdf"), &shared),
        ];
        if i == 76 {
            new.idempotency_key = Some("taken".to_owned());
        }
        let actor = if i % 3 == 0 { AuditContext::account(officer.id, None) } else { admin() };
        tasks.push(tokio::spawn(async move { (i, store.submit_dossier(&actor, new, morning_of(monday())).await) }));
    }
    let mut ward = Vec::new();
    let mut other = Vec::new();
    for task in tasks {
        let (i, dossier) = task.await.unwrap();
        let dossier = dossier.unwrap();
        if i == 76 {
            assert_eq!(dossier.id, first.id, "a used key answers with its first dossier");
            continue;
        }
        assert_eq!(dossier.status, DossierStatus::Submitted);
        assert_eq!(store.dossier(dossier.id).await.unwrap().unwrap().code, dossier.code);
        let documents = store.dossier_documents(dossier.id).await.unwrap();
        let names: Vec<_> = documents.iter().map(|d| d.file_name.as_str()).collect();
        assert!(names.contains(&format!("to-khai-{i}.pdf").as_str()), "{names:?}");
        assert_eq!(documents.len(), 2);
        assert_eq!(store.dossier_events(dossier.id).await.unwrap().len(), 1);
        if dossier.unit_code == "19753" { ward.push(sequence(&dossier)) } else { other.push(sequence(&dossier)) }
    }

    ward.sort_unstable();
    other.sort_unstable();
    assert_eq!(ward, (2..=100).collect::<Vec<_>>(), "the first dossier took 0001; no gap, no repeat");
    assert_eq!(other, (1..=50).collect::<Vec<_>>());
    assert_eq!(rows_in(&store, "dossiers").await, 150);
    assert_eq!(rows_in(&store, "dossier_documents").await, 298);
    assert_eq!(rows_in(&store, "blobs").await, 149 + 134 + 1, "each content once");
    assert_eq!(rows_in(&store, "outbox").await, 150);
    assert_eq!(rows_in(&store, "idempotency_keys").await, 1);
    // Online applicants keep their uploads: An's first dossier had none, then 49 new dossiers (the 50th was the
    // retry) × 2 files; Mai's 50 dossiers × 2 files.
    assert_eq!(store.personal_documents(an.id).await.unwrap().len(), 98);
    assert_eq!(store.personal_documents(mai.id).await.unwrap().len(), 100);

    let trail = audit_trail(&store).await;
    let submitted: Vec<_> = trail.iter().filter(|r| r.action == "dossier.submitted").collect();
    assert_eq!(submitted.len(), 150);
    let by_officer = submitted.iter().filter(|r| r.actor == Some(officer.id.to_string())).count();
    assert_eq!(by_officer, 50, "each record names its own actor");
    assert_eq!(store.verify_audit().await.unwrap().map(|n| n as usize >= trail.len()), Ok(true));
    let recomputed = store.recomputed_dossier_rollups().await.unwrap();
    assert_eq!(store.stored_dossier_rollups().await.unwrap(), recomputed);
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_dossier_and_writes_nothing() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;
    let mut new = online_dossier(&procedure, &an, monday());
    new.idempotency_key = Some("7d5c0f52-retry".to_owned());
    new.documents = vec![upload("doc1", "giay-chung-sinh.pdf", b"%PDF-1.7 birth")];
    let first = store.submit_dossier(&admin(), new.clone(), morning_of(monday())).await.unwrap();
    let before = store.export_dump().await.unwrap().tables;

    // The retry may even carry other values (a resubmitted form); the first dossier stands.
    let mut retry = new.clone();
    retry.form_data = json!({"child_name": "Tên khác", "gender": "Nữ"});
    retry.documents = vec![upload("doc1", "khac.pdf", b"other bytes")];
    let again = store.submit_dossier(&admin(), retry, morning_of(monday()) + Duration::minutes(1)).await.unwrap();

    assert_eq!(again.id, first.id);
    assert_eq!(again.code, first.code);
    assert_eq!(again.form_data, first.form_data);
    assert_eq!(store.export_dump().await.unwrap().tables, before);

    // Another key from the same account is a new dossier.
    let mut next = new;
    next.idempotency_key = Some("second-key".to_owned());
    let second = store.submit_dossier(&admin(), next, morning_of(monday())).await.unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(sequence(&second), 2);
}

#[tokio::test]
async fn the_same_key_from_another_account_makes_a_new_dossier() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;
    let mai = register_mai(&store).await;
    let mut from_an = online_dossier(&procedure, &an, monday());
    from_an.idempotency_key = Some("submit-1".to_owned());
    let mut from_mai = online_dossier(&procedure, &mai, monday());
    from_mai.idempotency_key = Some("submit-1".to_owned());

    let first = store.submit_dossier(&admin(), from_an, morning_of(monday())).await.unwrap();
    let second = store.submit_dossier(&admin(), from_mai, morning_of(monday())).await.unwrap();

    assert_ne!(first.id, second.id);
    assert_eq!(second.applicant_id, Some(mai.id));
    assert_eq!((sequence(&first), sequence(&second)), (1, 2));
    assert_eq!(rows_in(&store, "idempotency_keys").await, 2);
    assert_eq!(rows_in(&store, "dossiers").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_make_one_dossier() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;
    let mut new = online_dossier(&procedure, &an, monday());
    new.idempotency_key = Some("double-click".to_owned());

    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.store();
        let new = new.clone();
        tasks.push(tokio::spawn(async move { store.submit_dossier(&admin(), new, morning_of(monday())).await }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().id);
    }

    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(rows_in(&store, "dossiers").await, 1);
    assert_eq!(rows_in(&store, "dossier_events").await, 1);
    assert_eq!(rows_in(&store, "outbox").await, 1);
    // The retries that lost the race did not use up a number either.
    let next = store.submit_dossier(&admin(), online_dossier(&procedure, &an, monday()), morning_of(monday())).await;
    assert_eq!(sequence(&next.unwrap()), 2);
}

#[tokio::test]
async fn documents_are_stored_once_per_content_and_read_back_byte_for_byte() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;
    // Every byte value, so nothing on the way may treat the file as text.
    let scan: Vec<u8> = (0..=255u8).chain([0, 0xff, 0xfe, 0x00, b'\n']).collect();
    let sha = hex::encode(Sha256::digest(&scan));
    let mut new = online_dossier(&procedure, &an, monday());
    new.documents = vec![upload("doc1", "giay-chung-sinh.pdf", &scan), upload("doc2", "ban-sao.pdf", &scan)];

    let dossier = store.submit_dossier(&admin(), new, morning_of(monday())).await.unwrap();
    let mut at_counter = counter_dossier(&procedure, "H57.19753", "19753", monday());
    at_counter.documents = vec![upload("doc1", "scan-quay.pdf", &scan)];
    let other = store.submit_dossier(&admin(), at_counter, morning_of(monday())).await.unwrap();

    assert_eq!(rows_in(&store, "blobs").await, 1);
    assert_eq!(rows_in(&store, "dossier_documents").await, 3);
    let documents = store.dossier_documents(dossier.id).await.unwrap();
    let described: Vec<_> = documents
        .iter()
        .map(|d| {
            (d.document_key.as_str(), d.purpose.as_str(), d.sha256.as_str(), d.file_name.as_str(), d.size, d.copy_kind)
        })
        .collect();
    assert_eq!(
        described,
        vec![
            ("doc1", "submission", sha.as_str(), "giay-chung-sinh.pdf", 261, 2),
            ("doc2", "submission", sha.as_str(), "ban-sao.pdf", 261, 2),
        ]
    );
    assert!(documents.iter().all(|d| d.content_type == "application/pdf" && d.reused_from.is_none()));
    assert_eq!(store.dossier_documents(other.id).await.unwrap()[0].sha256, sha);
    assert_eq!(store.blob(&sha).await.unwrap(), Some(("application/pdf".to_owned(), scan.clone())));
    assert_eq!(store.blob(&hex::encode(Sha256::digest(b"never uploaded"))).await.unwrap(), None);
    assert!(store.dossier_documents(Uuid::now_v7()).await.unwrap().is_empty());
    assert_eq!(store.dossier_events(dossier.id).await.unwrap()[0].details["documents"], 2);
}

#[tokio::test]
async fn an_online_citizens_uploads_land_in_their_store_and_are_reused_by_a_later_dossier() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;
    let mut first = online_dossier(&procedure, &an, monday());
    first.documents = vec![upload("doc1", "giay-chung-sinh.pdf", b"%PDF birth certificate")];
    let first = store.submit_dossier(&admin(), first, morning_of(monday())).await.unwrap();

    let stored = store.personal_documents(an.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    let kept = &stored[0];
    assert_eq!((kept.account_id, kept.kind.as_str(), kept.title.as_str()), (an.id, "doc1", "Tệp giay-chung-sinh.pdf"));
    assert_eq!((kept.file_name.as_str(), kept.content_type.as_str()), ("giay-chung-sinh.pdf", "application/pdf"));
    assert_eq!(kept.size, 22);
    assert_eq!(kept.sha256, hex::encode(Sha256::digest(b"%PDF birth certificate")));
    assert_eq!(kept.source_dossier_id, Some(first.id));
    assert!(!first.state.reused_documents);

    let mut second = online_dossier(&procedure, &an, monday());
    second.documents = vec![reuse("doc1", kept.id), upload("doc2", "ket-hon.pdf", b"%PDF marriage")];
    let second = store.submit_dossier(&admin(), second, morning_of(monday())).await.unwrap();

    assert!(second.state.reused_documents);
    let documents = store.dossier_documents(second.id).await.unwrap();
    let reused = documents.iter().find(|d| d.document_key == "doc1").unwrap();
    assert_eq!(reused.reused_from, Some(kept.id));
    assert_eq!(
        (reused.sha256.as_str(), reused.file_name.as_str(), reused.size),
        (kept.sha256.as_str(), "giay-chung-sinh.pdf", 22)
    );
    assert_eq!(store.dossier_events(second.id).await.unwrap()[0].details["reused"], true);
    // The reused file is not stored again; the new upload is.
    let kinds: Vec<_> = store.personal_documents(an.id).await.unwrap().into_iter().map(|d| d.kind).collect();
    assert_eq!(kinds, vec!["doc2", "doc1"]);
    assert_eq!(rows_in(&store, "blobs").await, 2);

    // Uploads kept out of the store on request (and those of visitors without an account) stay out.
    let mut not_kept = online_dossier(&procedure, &an, monday());
    not_kept.keep_in_personal_store = false;
    not_kept.documents = vec![upload("doc1", "mot-lan.pdf", b"only this once")];
    store.submit_dossier(&admin(), not_kept, morning_of(monday())).await.unwrap();
    let mut visitor = counter_dossier(&procedure, "H57.19753", "19753", monday());
    visitor.keep_in_personal_store = true;
    visitor.documents = vec![upload("doc1", "khach.pdf", b"a visitor's scan")];
    store.submit_dossier(&admin(), visitor, morning_of(monday())).await.unwrap();
    assert_eq!(rows_in(&store, "personal_documents").await, 2);
}

#[tokio::test]
async fn reusing_someone_elses_document_is_refused_and_the_dossier_is_not_created() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;
    let mai = register_mai(&store).await;
    let mut from_mai = online_dossier(&procedure, &mai, monday());
    from_mai.documents = vec![upload("doc1", "mai.pdf", b"Mai's birth certificate")];
    store.submit_dossier(&admin(), from_mai, morning_of(monday())).await.unwrap();
    let mais = store.personal_documents(mai.id).await.unwrap()[0].id;
    let before = store.export_dump().await.unwrap().tables;

    // An uploads a file first, then points at Mai's: nothing of the submission may remain.
    let mut taking = online_dossier(&procedure, &an, monday());
    taking.idempotency_key = Some("k".to_owned());
    taking.documents = vec![upload("doc2", "an.pdf", b"An's marriage certificate"), reuse("doc1", mais)];
    expect_invalid(store.submit_dossier(&admin(), taking, morning_of(monday())).await, "personal_document_not_yours");
    let mut at_counter = counter_dossier(&procedure, "H57.19753", "19753", monday());
    at_counter.documents = vec![reuse("doc1", mais)];
    expect_invalid(
        store.submit_dossier(&admin(), at_counter, morning_of(monday())).await,
        "personal_document_not_yours",
    );
    let mut unknown = online_dossier(&procedure, &an, monday());
    unknown.documents = vec![reuse("doc1", Uuid::now_v7())];
    expect_invalid(store.submit_dossier(&admin(), unknown, morning_of(monday())).await, "personal_document_not_found");

    assert_eq!(store.export_dump().await.unwrap().tables, before);
    assert!(store.verify_audit().await.unwrap().is_ok());
    // The refused submissions did not use up a number, and the key is still free.
    let mut retry = online_dossier(&procedure, &an, monday());
    retry.idempotency_key = Some("k".to_owned());
    let accepted = store.submit_dossier(&admin(), retry, morning_of(monday())).await.unwrap();
    assert_eq!(sequence(&accepted), 2);
}

#[tokio::test]
async fn a_dossier_keeps_the_procedure_version_it_was_submitted_under() {
    let store = fresh_store().await;
    let (first_version, an, _) = setup(&store).await;
    let dossier = store
        .submit_dossier(&admin(), online_dossier(&first_version, &an, monday()), morning_of(monday()))
        .await
        .unwrap();

    let mut amended = khai_sinh(day(2026, 6, 1));
    amended.processing_days = 1;
    let second_version = store.create_procedure_version(&admin(), amended).await.unwrap();

    let read = store.dossier(dossier.id).await.unwrap().unwrap();
    assert_eq!(read.procedure_id, first_version.id);
    let under = store.procedure(read.procedure_id).await.unwrap().unwrap();
    assert_eq!((under.version, under.processing_days, under.valid_to), (1, 3, Some(day(2026, 6, 1))));
    let in_force = store.procedure_in_force("1.001193", day(2026, 6, 1)).await.unwrap().unwrap();
    assert_eq!(in_force.id, second_version.id);
    let later = store
        .submit_dossier(&admin(), online_dossier(&in_force, &an, day(2026, 6, 1)), morning_of(day(2026, 6, 1)))
        .await
        .unwrap();
    assert_eq!(later.procedure_id, second_version.id);
    assert_eq!(store.dossier(dossier.id).await.unwrap().unwrap().procedure_id, first_version.id);
}

#[tokio::test]
async fn a_change_writes_the_new_state_its_event_an_audit_record_and_an_outbox_event() {
    let store = fresh_store().await;
    let (procedure, an, officer) = setup(&store).await;
    let dossier =
        store.submit_dossier(&admin(), online_dossier(&procedure, &an, monday()), morning_of(monday())).await.unwrap();
    let at = morning_of(monday()) + Duration::hours(1);
    let change = accept(&dossier, &officer, at, true);
    let as_officer = AuditContext::account(officer.id, Some("10.46.0.8".to_owned()));

    let accepted = store.apply_dossier_change(&as_officer, change.clone()).await.unwrap();

    assert_eq!(accepted.status, DossierStatus::Accepted);
    assert_eq!(accepted.state, change.state);
    assert!(accepted.updated_at > dossier.updated_at);
    assert_eq!(store.dossier(dossier.id).await.unwrap().unwrap().state, change.state);
    let events = store.dossier_events(dossier.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["submit", "accept"]);
    let event = &events[1];
    assert_eq!((event.from_status, event.to_status), (Some(DossierStatus::Submitted), DossierStatus::Accepted));
    assert_eq!((event.actor_id, event.actor_name.as_str()), (Some(officer.id), "Lê Văn Cường"));
    assert_eq!((event.step, event.step_deadline), (1, Some(at + Duration::days(1))));
    assert_eq!((event.form.as_deref(), event.note.as_str()), (Some("01"), "Hồ sơ đầy đủ, hẹn trả sau 3 ngày"));
    assert_eq!(event.details, json!({"checked": ["doc1"]}));
    let audit = audit_trail(&store).await.pop().unwrap();
    assert_eq!((audit.action.as_str(), audit.record_id.as_str()), ("dossier.action", dossier.code.as_str()));
    assert_eq!(audit.actor, Some(officer.id.to_string()));
    assert_eq!(audit.details, json!({"action": "accept", "from": "submitted", "to": "accepted", "form": "01"}));
    let topics: Vec<_> = store.pending_events(10).await.unwrap().into_iter().map(|e| (e.topic, e.payload)).collect();
    assert_eq!(topics.len(), 2);
    assert_eq!(topics[1].0, "dossier.accepted");
    assert_eq!(topics[1].1["code"], dossier.code);
    assert_eq!(topics[1].1["action"], "accept");
    assert_eq!(topics[1].1["status"], "accepted");

    // Without `notify` the event and audit record are written, the outbox is left alone.
    let mut processing = moved(accept(&accepted, &officer, at, false), DossierStatus::Processing, change.state.due_at);
    processing.event.action = "forward".to_owned();
    processing.event.form = None;
    let processing = store.apply_dossier_change(&as_officer, processing).await.unwrap();
    assert_eq!(processing.status, DossierStatus::Processing);
    assert_eq!(store.dossier_events(dossier.id).await.unwrap().len(), 3);
    assert_eq!(audit_trail(&store).await.pop().unwrap().details["to"], "processing");
    assert_eq!(rows_in(&store, "outbox").await, 2);

    // A result file travels with its change and lands in the applicant's store as a result.
    let mut done = moved(accept(&processing, &officer, at, true), DossierStatus::Processed, change.state.due_at);
    done.state.finished_at = Some(at + Duration::days(2));
    done.state.has_e_result = true;
    done.event.action = "finish".to_owned();
    done.documents = vec![("result".to_owned(), upload("result", "trich-luc-khai-sinh.pdf", b"%PDF result"))];
    let done = store.apply_dossier_change(&as_officer, done).await.unwrap();
    assert!(done.state.has_e_result);
    let result = store.dossier_documents(dossier.id).await.unwrap().pop().unwrap();
    assert_eq!((result.purpose.as_str(), result.file_name.as_str()), ("result", "trich-luc-khai-sinh.pdf"));
    let kept = store.personal_documents(an.id).await.unwrap();
    assert_eq!((kept[0].kind.as_str(), kept[0].source_dossier_id), ("result", Some(dossier.id)));
}

#[tokio::test]
async fn a_change_based_on_a_stale_read_is_a_conflict_and_writes_nothing() {
    let store = fresh_store().await;
    let (procedure, an, officer) = setup(&store).await;
    let dossier =
        store.submit_dossier(&admin(), online_dossier(&procedure, &an, monday()), morning_of(monday())).await.unwrap();
    let at = morning_of(monday()) + Duration::hours(1);
    // Two officers open the same dossier; the first one accepts it.
    let accepted = store.apply_dossier_change(&admin(), accept(&dossier, &officer, at, true)).await.unwrap();
    let before = store.export_dump().await.unwrap().tables;

    let mut refuse = moved(accept(&dossier, &officer, at, true), DossierStatus::Refused, None);
    refuse.event.action = "refuse".to_owned();
    refuse.event.form = Some("03".to_owned());
    refuse.documents = vec![("result".to_owned(), upload("refusal", "tu-choi.pdf", b"%PDF refusal"))];
    let stale = store.apply_dossier_change(&admin(), refuse.clone()).await;

    match stale {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "dossier_changed"),
        other => panic!("expected a dossier_changed conflict, got {other:?}"),
    }
    assert_eq!(store.export_dump().await.unwrap().tables, before);
    let read = store.dossier(dossier.id).await.unwrap().unwrap();
    assert_eq!((read.status, read.updated_at), (DossierStatus::Accepted, accepted.updated_at));
    // Read again, the same decision goes through.
    refuse.expected_updated_at = read.updated_at;
    let refused = store.apply_dossier_change(&admin(), refuse).await.unwrap();
    assert_eq!(refused.status, DossierStatus::Refused);
    // A dossier that does not exist cannot be changed.
    let mut ghost = accept(&dossier, &officer, at, true);
    ghost.dossier_id = Uuid::now_v7();
    assert!(matches!(store.apply_dossier_change(&admin(), ghost).await, Err(StoreError::NotFound)));
}

/// Submit a counter dossier for `unit`, received at `received_at`, and give it `status` with
/// `due_at` (kept `Submitted` without a due date when `status` is `Submitted`).
async fn dossier_in(
    store: &Store,
    procedure: &Procedure,
    officer: &Account,
    unit: &str,
    received_at: DateTime<Utc>,
    status: DossierStatus,
    due_at: Option<DateTime<Utc>>,
) -> Dossier {
    let local_day = received_at.date_naive();
    let new = counter_dossier(procedure, &format!("H57.{unit}"), unit, local_day);
    let dossier = store.submit_dossier(&admin(), new, received_at).await.unwrap();
    if status == DossierStatus::Submitted {
        return dossier;
    }
    let change = moved(accept(&dossier, officer, received_at, false), status, due_at);
    store.apply_dossier_change(&admin(), change).await.unwrap()
}

#[tokio::test]
async fn a_work_queue_shows_the_units_dossiers_in_the_statuses_asked_for_most_urgent_first() {
    let store = fresh_store().await;
    let (procedure, _, officer) = setup(&store).await;
    let received = |h: i64| morning_of(monday()) + Duration::hours(h);
    let due = |d: i64| Some(morning_of(monday()) + Duration::days(d));
    let ours = |h, status, d| {
        let (store, procedure, officer) = (&store, &procedure, &officer);
        async move { dossier_in(store, procedure, officer, "19753", received(h), status, d).await.id }
    };
    let late_due = ours(0, DossierStatus::Accepted, due(5)).await;
    let undated_late = ours(3, DossierStatus::Submitted, None).await;
    let soon_due = ours(1, DossierStatus::Accepted, due(2)).await;
    let processing = ours(2, DossierStatus::Processing, due(3)).await;
    let undated_early = ours(1, DossierStatus::Submitted, None).await;
    let refused = ours(0, DossierStatus::Refused, None).await;
    let elsewhere =
        dossier_in(&store, &procedure, &officer, "19789", received(0), DossierStatus::Accepted, due(1)).await.id;
    // Forwarded to the Department of Health: it leaves the ward's queue for the department's.
    let forwarded =
        dossier_in(&store, &procedure, &officer, "19753", received(0), DossierStatus::Accepted, due(4)).await;
    let mut forward = moved(accept(&forwarded, &officer, received(0), false), DossierStatus::Processing, due(4));
    forward.current_unit_code = "46.SYT".to_owned();
    store.apply_dossier_change(&admin(), forward).await.unwrap();

    let queue = |units: &[&str], statuses: &[DossierStatus], limit| {
        let filter = QueueFilter {
            unit_codes: units.iter().map(|u| (*u).to_owned()).collect(),
            statuses: statuses.to_vec(),
            limit,
        };
        let store = &store;
        async move { store.dossier_queue(&filter).await.unwrap().into_iter().map(|d| d.id).collect::<Vec<_>>() }
    };
    let open = [DossierStatus::Submitted, DossierStatus::Accepted, DossierStatus::Processing];

    assert_eq!(queue(&["19753"], &open, 50).await, vec![soon_due, processing, late_due, undated_early, undated_late]);
    assert_eq!(
        queue(&["19753", "19789"], &open, 50).await,
        vec![elsewhere, soon_due, processing, late_due, undated_early, undated_late]
    );
    assert_eq!(queue(&["19753"], &[DossierStatus::Submitted], 50).await, vec![undated_early, undated_late]);
    assert_eq!(queue(&["19753"], &[DossierStatus::Refused], 50).await, vec![refused]);
    assert_eq!(queue(&["46.SYT"], &open, 50).await, vec![forwarded.id]);
    assert_eq!(queue(&["19753"], &open, 2).await, vec![soon_due, processing]);
    assert!(queue(&[], &open, 50).await.is_empty());
    assert!(queue(&["19753"], &[], 50).await.is_empty());
    assert!(queue(&["19753' OR '1'='1"], &open, 50).await.is_empty());
}

#[tokio::test]
async fn the_dossiers_of_a_period_are_those_received_before_its_end_and_not_finished_before_its_start() {
    let store = fresh_store().await;
    let (procedure, _, officer) = setup(&store).await;
    let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    let february = Utc.with_ymd_and_hms(2026, 2, 10, 2, 0, 0).unwrap();
    let march = Utc.with_ymd_and_hms(2026, 3, 16, 2, 0, 0).unwrap();
    let submit = |unit: &'static str, received_at: DateTime<Utc>, finished_at: Option<DateTime<Utc>>| {
        let (store, procedure, officer) = (&store, &procedure, &officer);
        async move {
            let dossier = dossier_in(store, procedure, officer, unit, received_at, DossierStatus::Accepted, None).await;
            if finished_at.is_none() {
                return dossier.id;
            }
            let mut finish = moved(accept(&dossier, officer, received_at, false), DossierStatus::Processed, None);
            finish.state.finished_at = finished_at;
            store.apply_dossier_change(&admin(), finish).await.unwrap().id
        }
    };
    let open_since_february = submit("19753", february, None).await;
    let _finished_in_february = submit("19753", february, Some(from - Duration::microseconds(1))).await;
    let finished_at_the_start = submit("19753", february, Some(from)).await;
    let finished_after_the_end = submit("19753", february, Some(to + Duration::days(3))).await;
    let received_in_march = submit("19753", march, Some(march + Duration::days(2))).await;
    let _received_at_the_end = submit("19753", to, None).await;
    let _received_just_before_the_start =
        submit("19753", from - Duration::microseconds(1), Some(from - Duration::microseconds(1))).await;
    let last_moment = submit("19753", to - Duration::microseconds(1), None).await;
    let other_ward = submit("19789", march, None).await;

    let period = |units: &[&str]| {
        let units: Vec<String> = units.iter().map(|u| (*u).to_owned()).collect();
        let store = &store;
        async move {
            let mut ids: Vec<Uuid> =
                store.dossiers_for_period(&units, from, to).await.unwrap().into_iter().map(|d| d.id).collect();
            ids.sort_unstable();
            ids
        }
    };
    let mut expected =
        vec![open_since_february, finished_at_the_start, finished_after_the_end, received_in_march, last_moment];
    expected.sort_unstable();
    assert_eq!(period(&["19753"]).await, expected);
    expected.push(other_ward);
    expected.sort_unstable();
    assert_eq!(period(&["19753", "19789"]).await, expected);
    assert!(period(&[]).await.is_empty());
    assert!(period(&["46.SYT"]).await.is_empty());
}

#[tokio::test]
async fn a_citizens_dossiers_are_listed_newest_first() {
    let store = fresh_store().await;
    let (procedure, an, _) = setup(&store).await;
    let mai = register_mai(&store).await;
    let mut ids = Vec::new();
    for (i, local_day) in [day(2026, 3, 2), day(2026, 3, 4), day(2026, 3, 3)].into_iter().enumerate() {
        let dossier = store
            .submit_dossier(&admin(), online_dossier(&procedure, &an, local_day), morning_of(local_day))
            .await
            .unwrap();
        ids.push((i, dossier.id));
    }
    store.submit_dossier(&admin(), online_dossier(&procedure, &mai, monday()), morning_of(monday())).await.unwrap();

    let listed: Vec<_> = store.dossiers_of_applicant(an.id, 10).await.unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(listed, vec![ids[1].1, ids[2].1, ids[0].1]);
    assert_eq!(store.dossiers_of_applicant(an.id, 1).await.unwrap().len(), 1);
    let by_id: Vec<_> =
        store.dossiers_of_citizen_id("046090001234", 10).await.unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(by_id, listed);
}
