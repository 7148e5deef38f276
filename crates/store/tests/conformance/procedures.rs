//! `procedures`: the versioned catalogue of administrative procedures. A new version takes over on
//! its start date, the right version is found for any day, and citizens find a procedure by the
//! words they type, with or without diacritics.

use smartcity_domain::procedures::{OnlineLevel, ProcedureLevel};
use smartcity_store::AuditStore;
use smartcity_store::audit::AuditFilter;
use smartcity_store::procedures::ProcedureStore;
use smartcity_store::testing::fresh_store;

use crate::{admin, audit_actions, cap_phep_hanh_nghe, day, khai_sinh, procedure, reform_day, seed_hue};

#[tokio::test]
async fn a_procedure_version_reads_back_as_created() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let new = cap_phep_hanh_nghe(reform_day());

    let created = store.create_procedure_version(&admin(), new.clone()).await.unwrap();

    let read = store.procedure(created.id).await.unwrap().unwrap();
    for p in [&created, &read] {
        assert_eq!(p.code, "1.004567");
        assert_eq!(p.version, 1);
        assert_eq!((p.valid_from, p.valid_to), (reform_day(), None));
        assert_eq!(p.name_vi, new.name_vi);
        assert_eq!(p.name_en, new.name_en);
        assert_eq!(
            (p.field_vi.as_str(), p.field_en.as_str()),
            ("Khám bệnh, chữa bệnh", "Medical examination and treatment")
        );
        assert_eq!(p.level, ProcedureLevel::City);
        assert_eq!(p.unit_code.as_deref(), Some("46.SYT"));
        assert_eq!(p.agency_vi, "Sở Y tế");
        assert_eq!(p.processing_days, 20);
        assert_eq!(p.online_level, OnlineLevel::Partial);
        assert_eq!((p.fee_vnd, p.fee_note.as_str()), (360_000, ""));
        assert_eq!(p.legal_basis, new.legal_basis);
        assert_eq!(p.documents, new.documents);
        assert_eq!(p.form_fields, new.form_fields);
        assert_eq!(p.steps, new.steps);
        assert!(!p.paper_result);
    }
    assert_eq!(read.created_at, created.created_at);
    assert_eq!(store.procedure(uuid::Uuid::now_v7()).await.unwrap().map(|p| p.id), None);
    let records = store
        .list_audit(&AuditFilter { record_type: Some("procedure".to_owned()), record_id: None }, 10, 0)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].action, "procedure.version_created");
    assert_eq!(records[0].record_id, "1.004567");
    assert_eq!(records[0].actor.as_deref(), Some("test:admin"));
    assert_eq!(records[0].details["version"], 1);
    assert_eq!(records[0].details["id"], created.id.to_string());
}

#[tokio::test]
async fn a_new_version_closes_the_previous_one_on_its_start_date() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let other = store.create_procedure_version(&admin(), cap_phep_hanh_nghe(reform_day())).await.unwrap();
    let first = store.create_procedure_version(&admin(), khai_sinh(reform_day())).await.unwrap();

    let mut amended = khai_sinh(day(2026, 1, 1));
    amended.processing_days = 1;
    let second = store.create_procedure_version(&admin(), amended).await.unwrap();

    assert_eq!((second.version, second.valid_from, second.valid_to), (2, day(2026, 1, 1), None));
    let versions = store.procedure_versions("1.001193").await.unwrap();
    let spans: Vec<_> = versions.iter().map(|p| (p.id, p.version, p.valid_from, p.valid_to)).collect();
    assert_eq!(spans, vec![(first.id, 1, reform_day(), Some(day(2026, 1, 1))), (second.id, 2, day(2026, 1, 1), None)]);
    assert_eq!(versions[0].processing_days, 3);
    assert_eq!(versions[1].processing_days, 1);
    // Another procedure's open version is not touched.
    assert_eq!(store.procedure(other.id).await.unwrap().unwrap().valid_to, None);
    assert!(store.procedure_versions("9.999999").await.unwrap().is_empty());

    let third = store.create_procedure_version(&admin(), khai_sinh(day(2027, 1, 1))).await.unwrap();
    let spans: Vec<_> =
        store.procedure_versions("1.001193").await.unwrap().iter().map(|p| (p.version, p.valid_to)).collect();
    assert_eq!(spans, vec![(1, Some(day(2026, 1, 1))), (2, Some(day(2027, 1, 1))), (3, None)]);
    assert_eq!(third.version, 3);
    let created = audit_actions(&store).await.iter().filter(|a| *a == "procedure.version_created").count();
    assert_eq!(created, 4);
}

#[tokio::test]
async fn the_version_in_force_is_picked_by_date() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let first = store.create_procedure_version(&admin(), khai_sinh(reform_day())).await.unwrap();
    let second = store.create_procedure_version(&admin(), khai_sinh(day(2026, 1, 1))).await.unwrap();

    let in_force = |d| {
        let store = &store;
        async move { store.procedure_in_force("1.001193", d).await.unwrap().map(|p| p.id) }
    };
    assert_eq!(in_force(day(2025, 6, 30)).await, None);
    assert_eq!(in_force(reform_day()).await, Some(first.id));
    assert_eq!(in_force(day(2025, 12, 31)).await, Some(first.id));
    assert_eq!(in_force(day(2026, 1, 1)).await, Some(second.id));
    assert_eq!(in_force(day(2040, 5, 19)).await, Some(second.id));
    assert_eq!(store.procedure_in_force("9.999999", day(2026, 1, 1)).await.unwrap().map(|p| p.id), None);

    // The model's own check agrees with the store's choice.
    let versions = store.procedure_versions("1.001193").await.unwrap();
    assert!(versions[0].in_force_on(day(2025, 12, 31)) && !versions[0].in_force_on(day(2026, 1, 1)));
    assert!(!versions[1].in_force_on(day(2025, 12, 31)) && versions[1].in_force_on(day(2026, 1, 1)));
}

/// The catalogue the search tests look in: two civil-status procedures and a city one.
async fn seed_catalogue(store: &smartcity_store::Store) {
    seed_hue(store).await;
    store.create_procedure_version(&admin(), khai_sinh(reform_day())).await.unwrap();
    let khai_tu = procedure("1.000656", "Đăng ký khai tử", "Death registration", ProcedureLevel::Commune, reform_day());
    store.create_procedure_version(&admin(), khai_tu).await.unwrap();
    store.create_procedure_version(&admin(), cap_phep_hanh_nghe(reform_day())).await.unwrap();
}

/// Vietnamese names found for `query` on 2026-03-02, best first.
async fn search(store: &smartcity_store::Store, query: &str) -> Vec<String> {
    store.list_procedures(day(2026, 3, 2), query).await.unwrap().into_iter().map(|p| p.name_vi).collect()
}

#[tokio::test]
async fn birth_registration_is_found_by_the_words_citizens_type() {
    let store = fresh_store().await;
    seed_catalogue(&store).await;

    for query in ["khai sinh", "dang ky khai sinh", "Đăng ký khai sinh", "  KHAI   SINH ", "than khai sinh", "1.001193"]
    {
        let found = search(&store, query).await;
        assert_eq!(found.first().map(String::as_str), Some("Đăng ký khai sinh"), "{query:?} found {found:?}");
    }
    // "than" matches nothing, but two of three words are more than half.
    assert_eq!(search(&store, "than khai sinh").await, vec!["Đăng ký khai sinh"]);
    assert_eq!(search(&store, "khai tu").await.first().map(String::as_str), Some("Đăng ký khai tử"));
    assert_eq!(search(&store, "giay phep hanh nghe").await, vec!["Cấp giấy phép hành nghề khám bệnh, chữa bệnh"]);
    assert!(search(&store, "ket hon xe may").await.is_empty());
    assert!(search(&store, "xyz").await.is_empty());
}

#[tokio::test]
async fn an_empty_query_lists_every_procedure_in_force_once() {
    let store = fresh_store().await;
    seed_catalogue(&store).await;
    let current = store.create_procedure_version(&admin(), khai_sinh(day(2026, 1, 1))).await.unwrap();
    store
        .create_procedure_version(
            &admin(),
            procedure("2.000001", "Thủ tục tương lai", "A future procedure", ProcedureLevel::City, day(2027, 1, 1)),
        )
        .await
        .unwrap();

    let listed = store.list_procedures(day(2026, 3, 2), "").await.unwrap();

    let mut codes: Vec<_> = listed.iter().map(|p| p.code.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, vec!["1.000656", "1.001193", "1.004567"]);
    let birth = listed.iter().find(|p| p.code == "1.001193").unwrap();
    assert_eq!(birth.id, current.id);
    // Before the new version, the old one is listed; before the reform, nothing is.
    let before = store.list_procedures(day(2025, 12, 31), "khai sinh").await.unwrap();
    assert_eq!(before.first().map(|p| p.version), Some(1));
    assert!(store.list_procedures(day(2025, 6, 30), "").await.unwrap().is_empty());
}
