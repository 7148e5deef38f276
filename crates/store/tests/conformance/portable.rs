//! `portable`: a whole installation moves between databases (and between SQLite and PostgreSQL)
//! through a dump with nothing lost, and a dump that is broken or lands on a used database changes
//! nothing.

use chrono::Duration;
use serde_json::json;
use smartcity_domain::calendar::DayAdjustment;
use smartcity_domain::dossiers::{DossierStatus, Rating};
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::{ECardNumber, Role, TaxCode};
use smartcity_domain::units::UnitKind;
use smartcity_store::ReportHandlingStore;
use smartcity_store::audit::AuditEvent;
use smartcity_store::dossiers::{DossierChange, DossierStore, NewDossierEvent};
use smartcity_store::identity::{Account, ECardStatus, IdentityStore};
use smartcity_store::outbox::OutboxStore;
use smartcity_store::portable::{DUMP_FORMAT, Dump, Tables};
use smartcity_store::procedures::ProcedureStore;
use smartcity_store::reports::{
    NewPhoto, NewReport, NewReportEvent, ReportChange, ReportFilter, ReportStore, Reporter,
};
use smartcity_store::sessions::{NewSession, SessionStore};
use smartcity_store::testing::{fresh_store, test_database_url};
use smartcity_store::units::UnitStore;
use smartcity_store::{AuditContext, AuditStore, CalendarStore, Store, StoreError};

use crate::{
    FEEDBACK_CATEGORIES, admin, cap_phep_hanh_nghe, code, counter_dossier, create_khai_sinh, day, morning_of, new_unit,
    online_dossier, reform_day, register_an, reuse, seed_hue, square, staff, upload,
};

/// Session cookie hash of An's phone, live for a day after `fill`.
const AN_SESSION: &str = "3f1c0c5e9a7b2d4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";

/// Put at least one row in every table, with the shapes that make a move hard: children whose
/// parents sort after them, a merge whose successor sorts after its sources, NULLs and non-NULLs
/// in every optional column, Vietnamese text, used and revoked tokens and cards.
async fn fill(store: &Store) {
    seed_hue(store).await;
    store
        .create_unit(&admin(), new_unit("19800", Some("46"), UnitKind::Ward, "Phường Phú Xuân mới", "New Phu Xuan"))
        .await
        .unwrap();
    store.set_unit_boundary(&admin(), &code("19753"), &square(16.47, 107.58, 0.01)).await.unwrap();
    store.set_unit_boundary(&admin(), &code("19800"), &square(16.43, 107.61, 0.0125)).await.unwrap();
    store
        .rename_unit(&admin(), &code("46.SYT"), "Sở Y tế Huế", "Huế Department of Health", reform_day())
        .await
        .unwrap();
    store.merge_units(&admin(), &[code("19753"), code("19789")], &code("19800"), reform_day()).await.unwrap();

    let an = register_an(store).await;
    let leader = store.create_account(&admin(), staff("Đặng Thị Hoa", "hoa.dang@hue.gov.vn")).await.unwrap();
    let clerk = store.create_account(&admin(), staff("Lê Văn Cường", "cuong.le@hue.gov.vn")).await.unwrap();
    let gone = store.create_account(&admin(), staff("Tài khoản cũ", "cu@hue.gov.vn")).await.unwrap();
    store.set_account_active(&admin(), gone.id, false).await.unwrap();
    let as_leader = AuditContext::account(leader.id, Some("10.46.0.7".to_owned()));
    let as_clerk = AuditContext::account(clerk.id, Some("10.46.0.8".to_owned()));
    store.grant_role(&admin(), leader.id, Role::UnitLeader, &code("46")).await.unwrap();
    store.grant_role(&as_leader, clerk.id, Role::ReceptionOfficer, &code("19800")).await.unwrap();

    let tax_code = TaxCode::parse("0100109106").unwrap();
    store.create_organisation(&as_clerk, &tax_code, "Công ty TNHH Sông Hương", "12 Lê Lợi, Huế", an.id).await.unwrap();
    let lost = ECardNumber::from_body("1000000000001").unwrap();
    let lost = store.issue_ecard(&as_clerk, an.id, lost.as_str(), "qr-an-lost").await.unwrap();
    store.revoke_ecard(&as_clerk, lost.id, "Mất thẻ").await.unwrap();
    let current = ECardNumber::from_body("1000000000002").unwrap();
    store.issue_ecard(&as_clerk, an.id, current.as_str(), "qr-an-current").await.unwrap();

    store.create_api_token(&admin(), clerk.id, "Báo cáo ngày", "sha256:used", "sc_used").await.unwrap();
    store.account_for_api_token("sha256:used").await.unwrap();
    let old = store.create_api_token(&admin(), clerk.id, "Cũ", "sha256:old", "sc_old").await.unwrap();
    store.revoke_api_token(&admin(), clerk.id, old.id).await.unwrap();

    let expires_at = smartcity_store::now() + Duration::days(1);
    let phone = NewSession {
        id_hash: AN_SESSION,
        account_id: an.id,
        csrf_token: "csrf-an",
        expires_at,
        user_agent: Some("Mozilla/5.0 (Android 14; Mobile)"),
    };
    store.create_session(&AuditContext::account(an.id, Some("2402:800::1".to_owned())), phone).await.unwrap();
    let desk =
        NewSession { id_hash: "desk", account_id: clerk.id, csrf_token: "csrf-desk", expires_at, user_agent: None };
    store.create_session(&AuditContext::anonymous(None), desk).await.unwrap();

    let read = AuditEvent {
        action: "personal_data.read",
        record_type: "account",
        record_id: an.id.to_string(),
        details: json!({"fields": ["citizen_id"], "purpose": "Tra cứu hồ sơ “khẩn”", "n": 3, "nested": {"ok": true}}),
    };
    store.record_audit(&as_clerk, read).await.unwrap();

    fill_one_stop_desk(store, &an, &clerk, &as_clerk).await;
    fill_field_reports(store, &an, &clerk).await;
    fill_portal(store, &an, &clerk).await;
    super::sensing::fill_sensing(store).await;
    fill_operations(store, &clerk).await;
}

/// The operations centre: the starting procedures, one of them edited (a retired step), and a step of the
/// sensing fixture's flood alarm ticked by the clerk.
async fn fill_operations(store: &Store, clerk: &Account) {
    use smartcity_domain::operations::sop::{DEFAULT_PROCEDURES, StepText};
    use smartcity_store::{AlarmStore, OperationsStore};
    store.ensure_sop_defaults(&admin(), &DEFAULT_PROCEDURES).await.unwrap();
    let kept = store.sop_steps().await.unwrap().into_iter().find(|s| s.alarm_type == "device_silent").unwrap();
    let edited = [StepText { vi: kept.text_vi.clone(), en: kept.text_en.clone() }];
    store.save_sop_steps(&admin(), "device_silent", &edited).await.unwrap();
    let alarm = store.list_alarms(true, 10).await.unwrap().remove(0);
    let step = store.sop_steps().await.unwrap().into_iter().find(|s| s.alarm_type == alarm.alarm.alarm_type).unwrap();
    store.set_sop_tick(&admin(), alarm.id, step.id, clerk.id, true).await.unwrap();
}

/// The portal: sites, a legal document with its PDF and an illustration (published, so indexed), a heritage place
/// and an event with their facts, an answered question, a cancelled warning and a ward subscription (made after
/// the warning, so no mail is added).
async fn fill_portal(store: &Store, an: &Account, clerk: &Account) {
    use smartcity_domain::portal::{
        ArticleKind, EditorialState, LegalDocument, Severity, Validity, Warning, WarningArea, WarningKind,
    };
    use smartcity_store::portal::{
        ArticleDraft, EventFacts, NewFile, NewQuestion, PlaceFacts, PortalStore, WarningMail,
    };
    store.sync_sites(&admin()).await.unwrap();
    let now = smartcity_store::now();
    let mut draft = ArticleDraft {
        unit_code: code("46"),
        kind: ArticleKind::LegalDocument,
        page_key: String::new(),
        title_vi: "Quy chế cổng thông tin".to_owned(),
        title_en: "Portal rules".to_owned(),
        summary_vi: "Tóm tắt".to_owned(),
        summary_en: "Summary".to_owned(),
        body_vi: "<p>Điều 1</p>".to_owned(),
        body_en: "<p>Article 1</p>".to_owned(),
        legal: Some(LegalDocument {
            number: "54/2023/QĐ-UBND".to_owned(),
            issued_on: day(2023, 9, 30),
            issuer: "UBND tỉnh".to_owned(),
            field: "Công nghệ thông tin".to_owned(),
            effective_from: Some(day(2023, 10, 10)),
            expires_on: None,
        }),
        event: None,
        place: None,
        attachment: Some(NewFile { content_type: "application/pdf".to_owned(), bytes: b"%PDF-1.7 quy che".to_vec() }),
        image: Some(NewFile { content_type: "image/png".to_owned(), bytes: b"\x89PNG anh".to_vec() }),
    };
    let doc = store.create_article(&admin(), Some(clerk.id), draft.clone()).await.unwrap();
    let published = EditorialState {
        status: smartcity_domain::portal::ArticleStatus::Published,
        publish_at: Some(now),
        return_comment: None,
    };
    let doc = store.set_article_state(&admin(), doc.id, doc.updated_at, "approve", published.clone()).await.unwrap();
    store.set_article_syndicated(&admin(), doc.id, true).await.unwrap();
    draft.kind = ArticleKind::HeritagePlace;
    draft.legal = None;
    draft.attachment = None;
    draft.image = None;
    draft.place = Some(PlaceFacts {
        lat: 16.4335,
        lon: 107.5655,
        opening_hours_vi: "7:00–17:30".to_owned(),
        opening_hours_en: "7am–5.30pm".to_owned(),
    });
    draft.event = Some(EventFacts { starts_at: now, place: "Đại Nội".to_owned() });
    let place = store.create_article(&admin(), None, draft.clone()).await.unwrap();
    store
        .edit_article(&admin(), place.id, place.updated_at, Some(clerk.id), draft, EditorialState::draft())
        .await
        .unwrap();
    let q = store
        .ask_question(
            &admin(),
            NewQuestion {
                unit_code: code("46"),
                asker_id: an.id,
                asker_initials: "N.V.A.".to_owned(),
                title: "Câu hỏi".to_owned(),
                body: "Nội dung".to_owned(),
                due_at: now + Duration::days(9),
            },
        )
        .await
        .unwrap();
    store.answer_question(&admin(), q.id, "Trả lời", clerk.id, "/thanh-pho-hue/hoi-dap").await.unwrap();
    let warning = Warning {
        kind: WarningKind::Flood,
        severity: Severity::Severe,
        area: WarningArea::wards(vec![code("19800")]).unwrap(),
        validity: Validity::new(now, now + Duration::hours(6)).unwrap(),
        headline_vi: "Ngập".to_owned(),
        headline_en: "Flood".to_owned(),
        description_vi: String::new(),
        description_en: String::new(),
        cancelled_at: None,
    };
    let mail = WarningMail { subject: "Cảnh báo".to_owned(), body: "Ngập".to_owned() };
    let w = store.create_warning(&admin(), &warning, Some(clerk.id), &mail).await.unwrap();
    store.cancel_warning(&admin(), w.id).await.unwrap();
    store.subscribe_warnings(&admin(), an.id, &code("19800")).await.unwrap();
}

/// Field reports: the catalogue (one category hidden), a used and a revoked partner key, a report
/// from An with a photo that was answered and rated, and an anonymous one through Open311 that was
/// rejected as its duplicate.
async fn fill_field_reports(store: &Store, an: &Account, clerk: &Account) {
    store.load_report_categories_json(&admin(), FEEDBACK_CATEGORIES).await.unwrap();
    let hidden = store.report_categories().await.unwrap().pop().unwrap();
    store.set_report_category_active(&admin(), &hidden.code, false).await.unwrap();
    let partner = store.create_open311_key(&admin(), "FixMyStreet Huế", "sha256:partner").await.unwrap();
    store.verify_open311_key("sha256:partner").await.unwrap();
    let old = store.create_open311_key(&admin(), "Cũ", "sha256:old-partner").await.unwrap();
    store.revoke_open311_key(&admin(), old.id).await.unwrap();

    let category = store.report_categories().await.unwrap().remove(0).code;
    let mut first = NewReport {
        service_code: category.clone(),
        description: "Đèn đường hỏng trước số 5 Lê Lợi".to_owned(),
        location: GeoPoint { lat: 16.4637, lon: 107.5909 },
        address: Some("5 Lê Lợi".to_owned()),
        ward_code: Some("19800".to_owned()),
        handling_unit_code: Some("19800".to_owned()),
        reporter: Reporter {
            account_id: Some(an.id),
            name: Some(an.display_name.clone()),
            email: Some("an.nguyen@example.vn".to_owned()),
            phone: Some("0912345678".to_owned()),
        },
        api_key_id: None,
        photos: vec![NewPhoto { content_type: "image/jpeg".to_owned(), bytes: b"\xff\xd8\xff\xe0 den hong".to_vec() }],
    };
    let as_an = AuditContext::account(an.id, None);
    let report = store.create_report(&as_an, first.clone()).await.unwrap();
    let mut answered = ReportChange::from_report(
        &report,
        smartcity_domain::reports::ReportStatus::Answered,
        NewReportEvent {
            action: "answer".to_owned(),
            actor_id: Some(clerk.id),
            from_unit: Some("19800".to_owned()),
            to_unit: Some("19800".to_owned()),
            public_note: "Đã thay bóng đèn.".to_owned(),
            details: json!({}),
        },
    );
    answered.due_at = Some(report.created_at + Duration::days(9));
    answered.answered_at = Some(report.created_at + Duration::days(2));
    answered.answer = Some("Đã thay bóng đèn.".to_owned());
    answered.rating = Some(Rating::Satisfied);
    answered.photos = vec![NewPhoto { content_type: "image/png".to_owned(), bytes: b"\x89PNG den sang".to_vec() }];
    answered.notify = Some("report.answered".to_owned());
    store.apply_report_change(&AuditContext::account(clerk.id, None), answered).await.unwrap();

    first.reporter = Reporter::default();
    first.address = None;
    first.ward_code = None;
    first.handling_unit_code = None;
    first.photos = vec![];
    first.api_key_id = Some(partner.id);
    // Sent from the reporting page with a draft's idempotency key (`report_submissions`).
    let copy = store.create_report_once(&AuditContext::system("citizen"), first, Some("draft-1")).await.unwrap().report;
    let mut rejected = ReportChange::from_report(
        &copy,
        smartcity_domain::reports::ReportStatus::Rejected(smartcity_domain::reports::RejectReason::Duplicate),
        NewReportEvent { action: "reject".to_owned(), ..Default::default() },
    );
    rejected.duplicate_of = Some(report.id);
    store.apply_report_change(&admin(), rejected).await.unwrap();

    // The handling side: an agency kind's unit, a "+1", and a deadline reminder with its event.
    store.set_report_agency(&admin(), smartcity_domain::reports::AgencyKind::Lighting, "19800").await.unwrap();
    store.support_report(report.id, &format!("account:{}", clerk.id)).await.unwrap();
    let answered = store.report(report.id).await.unwrap().unwrap();
    let payload = json!({"report_id": report.id.to_string()});
    assert!(store.record_report_reminder(&answered, "near_deadline", "report.near_deadline", &payload).await.unwrap());
}

/// Bytes of An's uploaded birth certificate: not UTF-8, so only base64 carries them in JSON.
const BIRTH_SCAN: &[u8] = b"%PDF-1.7\n\x00\x01\xfe\xff\xc3\x28 gi\xe1\xba\xa5y ch\xe1\xbb\xa9ng sinh\n%%EOF";

/// The one-stop desk's tables: a procedure with two versions and a city one, dossiers online and at
/// the counter, an uploaded document reused by a later dossier, a change with a result file and a
/// rating, the outbox with a delivered event, its mail and a failed one, and a day adjustment.
async fn fill_one_stop_desk(store: &Store, an: &Account, clerk: &Account, as_clerk: &AuditContext) {
    create_khai_sinh(store).await;
    store.create_procedure_version(&admin(), cap_phep_hanh_nghe(reform_day())).await.unwrap();
    let khai_sinh = store.create_procedure_version(&admin(), crate::khai_sinh(day(2026, 1, 1))).await.unwrap();
    let local_day = day(2026, 3, 2);

    let mut online = online_dossier(&khai_sinh, an, local_day);
    online.agency_code = "H57.19800".to_owned();
    online.unit_code = "19800".to_owned();
    online.idempotency_key = Some("an-khai-sinh-1".to_owned());
    online.documents = vec![upload("doc1", "giấy chứng sinh.pdf", BIRTH_SCAN)];
    let first = store.submit_dossier(&AuditContext::account(an.id, None), online, morning_of(local_day)).await.unwrap();
    let kept = store.personal_documents(an.id).await.unwrap().remove(0);
    let mut again = online_dossier(&khai_sinh, an, local_day);
    again.agency_code = "H57.19800".to_owned();
    again.unit_code = "19800".to_owned();
    again.documents = vec![reuse("doc1", kept.id)];
    store.submit_dossier(&AuditContext::account(an.id, None), again, morning_of(local_day)).await.unwrap();
    let mut desk = counter_dossier(&khai_sinh, "H57.19800", "19800", local_day);
    desk.created_by = Some(clerk.id);
    desk.documents = vec![upload("doc1", "scan.pdf", BIRTH_SCAN)];
    let desk = store.submit_dossier(as_clerk, desk, morning_of(local_day) + Duration::hours(1)).await.unwrap();
    fill_payments(store, &khai_sinh, &desk, clerk, as_clerk).await;

    let at = morning_of(local_day) + Duration::hours(2);
    let mut state = first.state.clone();
    state.accepted_at = Some(at);
    state.due_at = Some(at + Duration::days(3));
    state.original_due_at = state.due_at;
    state.finished_at = Some(at + Duration::days(1));
    state.returned_at = Some(at + Duration::days(1));
    state.supplement_requests = 1;
    state.supplement_due_at = Some(at + Duration::days(5));
    state.paused_at = Some(at);
    state.paused_seconds = 3600;
    state.status_before_pause = Some(DossierStatus::Processing);
    state.current_step = 2;
    state.step_started_at = Some(at);
    state.has_e_result = true;
    state.rating = Some(Rating::Satisfied);
    state.rating_comment = Some("Nhanh, chu đáo".to_owned());
    state.rated_at = Some(at + Duration::days(2));
    let change = DossierChange {
        dossier_id: first.id,
        expected_updated_at: first.updated_at,
        status: DossierStatus::ResultReturned,
        current_unit_code: "46.SYT".to_owned(),
        state,
        event: NewDossierEvent {
            action: "return_result".to_owned(),
            actor_id: Some(clerk.id),
            actor_name: "Lê Văn Cường".to_owned(),
            from_unit: Some("19800".to_owned()),
            to_unit: Some("46.SYT".to_owned()),
            step_deadline: Some(at + Duration::days(1)),
            form: Some("01".to_owned()),
            note: "Trả kết quả điện tử".to_owned(),
            details: json!({"delivery": "online"}),
        },
        documents: vec![("result".to_owned(), upload("result", "trích lục.pdf", b"%PDF result"))],
        notify: Some("dossier.result_returned".to_owned()),
    };
    store.apply_dossier_change(as_clerk, change).await.unwrap();

    let pending = store.pending_events(10).await.unwrap();
    let mail =
        ("an.nguyen@example.vn".to_owned(), "Hồ sơ đã được tiếp nhận".to_owned(), "Kính gửi ông An,\n…".to_owned());
    store.complete_event(pending[0].id, &[mail]).await.unwrap();
    store.fail_event(pending[1].id).await.unwrap();

    let tet = DayAdjustment::DayOff { date: day(2026, 2, 16), reason: "Nghỉ Tết Bính Ngọ".to_owned() };
    store.set_day_adjustment(&admin(), &tet).await.unwrap();
    let saturday = DayAdjustment::WorkingDay { date: day(2026, 2, 28), reason: "Làm bù".to_owned() };
    store.set_day_adjustment(&admin(), &saturday).await.unwrap();
}

/// The payments tables: fees, an exemption, a series, an online payment confirmed by the gateway, a cash
/// payment refunded in part (an adjusting receipt linked to the original).
async fn fill_payments(
    store: &Store,
    procedure: &smartcity_store::procedures::Procedure,
    dossier: &smartcity_store::dossiers::Dossier,
    clerk: &Account,
    as_clerk: &AuditContext,
) {
    use smartcity_domain::payments::{CollectAt, Exemption, FeeKind, FeeSpec, PaymentEvent, PaymentMethod};
    use smartcity_store::payments::{NewPayment, NewReceiptSeries, NewRefund, PaymentStore, ReceiptIssue, Settlement};
    let fee = |key: &str, amount| FeeSpec {
        key: key.to_owned(),
        kind: FeeKind::Charge,
        name_vi: "Lệ phí hộ tịch".to_owned(),
        name_en: "Civil status charge".to_owned(),
        amount_vnd: amount,
        collect_at: CollectAt::Reception,
        before_processing: true,
    };
    store.set_procedure_fees(&admin(), procedure.id, vec![fee("le_phi", 8_000), fee("phi", 2_000)]).await.unwrap();
    store
        .exempt_fee(
            as_clerk,
            dossier.id,
            "phi",
            Exemption::parse("Người có công", "Chủ tịch UBND").unwrap(),
            Some(clerk.id),
        )
        .await
        .unwrap();
    let series = store
        .create_receipt_series(
            &admin(),
            NewReceiptSeries {
                unit_code: "19800".to_owned(),
                template_symbol: "01BLP0-001".to_owned(),
                series_symbol: "AA/26E".to_owned(),
                collector_name: "UBND Phường Phú Xuân".to_owned(),
                collector_tax_code: "3300101406".to_owned(),
            },
        )
        .await
        .unwrap();
    let issue = ReceiptIssue { series_id: series.id, issued_by_name: "Lê Văn Cường".to_owned() };
    let new = |key: &str, method| NewPayment {
        dossier_id: dossier.id,
        fee: fee(key, 8_000),
        method,
        payer_name: "Trần Thị Bích".to_owned(),
        created_by: Some(clerk.id),
        expires_at: morning_of(day(2026, 3, 2)) + Duration::days(3650),
    };
    let (online, _) = store.open_online_payment(as_clerk, new("le_phi", PaymentMethod::Vnpay)).await.unwrap();
    store
        .settle_payment(
            as_clerk,
            Settlement {
                payment_id: online.id,
                event: PaymentEvent::Confirmed,
                gateway_txn_no: Some("14000001".to_owned()),
                bank_code: Some("NCB".to_owned()),
                rsp_code: Some("00".to_owned()),
                details: json!({"vnp_TxnRef": online.txn_ref}),
                receipt: Some(issue.clone()),
                dossier_change: None,
            },
        )
        .await
        .unwrap();
    let (cash, _) = store
        .record_counter_payment(as_clerk, new("phi_ban_sao", PaymentMethod::Cash), issue.clone(), None)
        .await
        .unwrap();
    store
        .refund_payment(
            as_clerk,
            NewRefund {
                payment_id: cash.id,
                amount_vnd: 3_000,
                reason: "Thu thừa".to_owned(),
                approved_by: "Trưởng bộ phận".to_owned(),
                created_by: Some(clerk.id),
                receipt: issue,
            },
        )
        .await
        .unwrap();
}

/// What the target holds, table by table.
async fn tables_of(store: &Store) -> Tables {
    store.export_dump().await.unwrap().tables
}

fn expect_dump_error(result: Result<(), StoreError>, mentions: &str) {
    match result {
        Err(StoreError::Dump(message)) => assert!(message.contains(mentions), "{message}"),
        other => panic!("expected a refused dump mentioning {mentions:?}, got {other:?}"),
    }
}

/// The target behaves like the source: logins, sessions, roles, the map, cards and tokens.
async fn assert_installation_works(store: &Store) {
    let (an, hash) = store.account_for_login("an.nguyen@example.vn").await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$"));
    let session = store.session(AN_SESSION, smartcity_store::now()).await.unwrap().unwrap();
    assert_eq!(session.account.id, an.id);
    let (leader, _) = store.account_for_login("hoa.dang@hue.gov.vn").await.unwrap().unwrap();
    assert!(store.has_role_on(leader.id, &[Role::UnitLeader], &code("19800")).await.unwrap());
    let located = store.locate_unit(GeoPoint::new(16.47, 107.58).unwrap(), reform_day()).await.unwrap();
    assert_eq!(located.map(|u| u.code), Some(code("19800")));
    let (card, holder) = store.ecard_holder("qr-an-current").await.unwrap().unwrap();
    assert_eq!((card.status, holder.id), (ECardStatus::Active, an.id));
    assert!(store.ecard_holder("qr-an-lost").await.unwrap().is_none());
    let (gone, _) = store.account_for_login("cu@hue.gov.vn").await.unwrap().unwrap();
    assert!(!gone.active);
    assert!(store.account_for_api_token("sha256:used").await.unwrap().is_some());
    assert!(store.account_for_api_token("sha256:old").await.unwrap().is_none());

    let first = store.dossier_by_code("H57.19800-260302-0001").await.unwrap().unwrap();
    assert_eq!((first.status, first.applicant_id), (DossierStatus::ResultReturned, Some(an.id)));
    assert_eq!(first.state.rating, Some(Rating::Satisfied));
    let scan = store.dossier_documents(first.id).await.unwrap().remove(0);
    assert_eq!(store.blob(&scan.sha256).await.unwrap(), Some(("application/pdf".to_owned(), BIRTH_SCAN.to_vec())));
    let events: Vec<_> = store.dossier_events(first.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(events, vec!["submit", "return_result"]);
    let reused = store.dossier_by_code("H57.19800-260302-0002").await.unwrap().unwrap();
    assert!(reused.state.reused_documents);
    assert_eq!(store.personal_documents(an.id).await.unwrap().len(), 2);
    let in_force = store.procedure_in_force("1.001193", day(2026, 3, 2)).await.unwrap().unwrap();
    assert_eq!((in_force.id, in_force.version), (first.procedure_id, 2));
    assert_eq!(store.day_adjustments().await.unwrap().len(), 2);
    assert_eq!(store.list_mail(10).await.unwrap().len(), 1);
    let pending = store.pending_events(10).await.unwrap();
    // The desk's failed delivery, two of its events, the field reports' two submissions, answer and deadline
    // reminder, the sensing fixture's flood alarm and the tick of its first procedure step.
    assert_eq!(pending.iter().map(|e| e.attempts).collect::<Vec<_>>(), vec![1, 0, 0, 0, 0, 0, 0, 0, 0]);

    let reports = store.reports(&ReportFilter { page: 1, page_size: 10, ..Default::default() }).await.unwrap();
    assert_eq!(reports.len(), 2);
    let (copy, answered) = (&reports[0], &reports[1]);
    assert_eq!(copy.duplicate_of, Some(answered.id));
    assert_eq!((answered.reporter.account_id, answered.rating), (Some(an.id), Some(Rating::Satisfied)));
    assert_eq!(store.report_photos(answered.id).await.unwrap().len(), 2);
    assert!(store.verify_open311_key("sha256:partner").await.unwrap().is_some());
    assert!(store.verify_open311_key("sha256:old-partner").await.unwrap().is_none());
}

/// Move `source`'s dump into `target`, check the copy reads back identical and verifies.
async fn move_installation(source: &Store, target: &Store) -> Tables {
    let dump = source.export_dump().await.unwrap();
    let expected_records = source.verify_audit().await.unwrap().unwrap();

    target.import_dump(dump.clone()).await.unwrap();

    let copied = tables_of(target).await;
    assert_eq!(copied, dump.tables);
    assert_eq!(target.verify_audit().await.unwrap(), Ok(expected_records));
    copied
}

#[tokio::test]
async fn every_table_is_filled_by_the_fixture() {
    let store = fresh_store().await;
    fill(&store).await;

    let dump = store.export_dump().await.unwrap();

    assert_eq!(dump.format, DUMP_FORMAT);
    assert_eq!(dump.source_backend, store.backend().as_str());
    assert_eq!(Some(dump.schema_version), Store::migration_versions(store.backend()).into_iter().max());
    for (table, rows) in dump.tables.counts() {
        assert!(rows > 0, "the fixture leaves {table} empty, so the move tests would not cover it");
    }
}

#[tokio::test]
async fn a_dump_imported_into_an_empty_store_reads_back_identical_and_still_verifies() {
    let source = fresh_store().await;
    fill(&source).await;
    let target = fresh_store().await;

    move_installation(&source, &target).await;

    assert_installation_works(&target).await;
}

#[tokio::test]
async fn the_imported_chain_goes_on_where_the_source_stopped() {
    let source = fresh_store().await;
    fill(&source).await;
    let target = fresh_store().await;
    let records = move_installation(&source, &target).await.audit_log.len() as u64;

    register_new_citizen(&target).await;

    assert_eq!(target.verify_audit().await.unwrap(), Ok(records + 1));
    // Dossier codes go on from the moved counters, and a moved idempotency key still answers.
    let procedure = target.procedure_in_force("1.001193", day(2026, 3, 2)).await.unwrap().unwrap();
    let (an, _) = target.account_for_login("an.nguyen@example.vn").await.unwrap().unwrap();
    let next = counter_dossier(&procedure, "H57.19800", "19800", day(2026, 3, 2));
    let next = target.submit_dossier(&admin(), next, morning_of(day(2026, 3, 2))).await.unwrap();
    assert_eq!(next.code, "H57.19800-260302-0004");
    let mut retry = online_dossier(&procedure, &an, day(2026, 3, 2));
    retry.idempotency_key = Some("an-khai-sinh-1".to_owned());
    let retried = target.submit_dossier(&admin(), retry, morning_of(day(2026, 3, 2))).await.unwrap();
    assert_eq!(retried.code, "H57.19800-260302-0001");
}

async fn register_new_citizen(store: &Store) {
    store
        .create_account(&admin(), crate::citizen("Hồ Thị Mai", "mai.ho@example.vn", "0905111222", "046195003333"))
        .await
        .unwrap();
}

#[tokio::test]
async fn importing_into_a_store_that_holds_data_is_refused_and_changes_nothing() {
    let source = fresh_store().await;
    fill(&source).await;
    let dump = source.export_dump().await.unwrap();
    let used = fresh_store().await;
    register_new_citizen(&used).await;
    let before = tables_of(&used).await;

    expect_dump_error(used.import_dump(dump.clone()).await, "not empty");
    expect_dump_error(source.import_dump(dump.clone()).await, "not empty");

    assert_eq!(tables_of(&used).await, before);
    assert_eq!(tables_of(&source).await, dump.tables);
}

#[tokio::test]
async fn a_dump_with_a_tampered_audit_record_is_refused_and_the_target_stays_empty() {
    let source = fresh_store().await;
    fill(&source).await;
    let mut dump = source.export_dump().await.unwrap();
    dump.tables.audit_log[3].actor = Some("someone-else".to_owned());
    let target = fresh_store().await;

    expect_dump_error(target.import_dump(dump.clone()).await, "audit chain");

    assert_eq!(tables_of(&target).await, Tables::default());
    // A dropped record is caught the same way.
    let mut dump = source.export_dump().await.unwrap();
    dump.tables.audit_log.remove(5);
    expect_dump_error(target.import_dump(dump).await, "audit chain");
    assert_eq!(tables_of(&target).await, Tables::default());
}

#[tokio::test]
async fn a_dump_with_a_unit_whose_parent_is_missing_is_refused_and_writes_nothing() {
    let source = fresh_store().await;
    seed_hue(&source).await;
    let mut dump = source.export_dump().await.unwrap();
    dump.tables.units.retain(|u| u.code != "46");
    let target = fresh_store().await;

    expect_dump_error(target.import_dump(dump).await, "19753");

    assert_eq!(tables_of(&target).await, Tables::default());
}

#[tokio::test]
async fn a_dump_whose_rows_break_a_reference_midway_is_rolled_back_entirely() {
    let source = fresh_store().await;
    fill(&source).await;
    let mut dump = source.export_dump().await.unwrap();
    // Sessions are written after units, accounts and grants; this one points at nobody.
    let mut orphan = dump.tables.sessions[0].clone();
    orphan.id_hash = "orphan".to_owned();
    orphan.account_id = uuid::Uuid::now_v7();
    dump.tables.sessions.push(orphan);
    let target = fresh_store().await;

    assert!(matches!(target.import_dump(dump).await, Err(StoreError::Database(_))));

    assert_eq!(tables_of(&target).await, Tables::default());
}

#[tokio::test]
async fn a_dump_from_another_format_or_schema_version_is_refused() {
    let source = fresh_store().await;
    seed_hue(&source).await;
    let dump = source.export_dump().await.unwrap();
    let target = fresh_store().await;

    let newer = Dump { schema_version: dump.schema_version + 1, ..dump.clone() };
    expect_dump_error(target.import_dump(newer).await, "schema version");
    let foreign = Dump { format: "other-dump".to_owned(), ..dump };
    expect_dump_error(target.import_dump(foreign).await, "not a smartcity dump");

    assert_eq!(tables_of(&target).await, Tables::default());
}

#[tokio::test]
async fn a_dump_survives_a_trip_through_json() {
    let store = fresh_store().await;
    fill(&store).await;
    let dump = store.export_dump().await.unwrap();

    let text = serde_json::to_string_pretty(&dump).unwrap();
    let back: Dump = serde_json::from_str(&text).unwrap();

    assert_eq!(back, dump);
    let target = fresh_store().await;
    target.import_dump(back).await.unwrap();
    assert_eq!(tables_of(&target).await, dump.tables);
}

/// A migrated SQLite store in its own directory, whatever `SMARTCITY_TEST_DATABASE_URL` says.
async fn sqlite_store(dir: &tempfile::TempDir) -> Store {
    let store = Store::open_sqlite_in(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

#[tokio::test]
async fn an_installation_moves_from_sqlite_to_postgresql_and_back_unchanged() {
    if test_database_url().is_none() {
        return; // Needs PostgreSQL; CI runs the suite with SMARTCITY_TEST_DATABASE_URL set.
    }
    let first_dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_store(&first_dir).await;
    fill(&sqlite).await;
    let postgres = fresh_store().await;

    let on_postgres = move_installation(&sqlite, &postgres).await;
    assert_eq!(postgres.export_dump().await.unwrap().source_backend, "postgres");
    let back_dir = tempfile::tempdir().unwrap();
    let back = sqlite_store(&back_dir).await;
    let back_on_sqlite = move_installation(&postgres, &back).await;

    assert_eq!(back_on_sqlite, on_postgres);
    assert_eq!(back_on_sqlite, tables_of(&sqlite).await);
    assert_installation_works(&postgres).await;
    assert_installation_works(&back).await;
}

#[tokio::test]
async fn an_installation_started_on_postgresql_moves_to_sqlite_unchanged() {
    if test_database_url().is_none() {
        return; // Needs PostgreSQL; CI runs the suite with SMARTCITY_TEST_DATABASE_URL set.
    }
    let postgres = fresh_store().await;
    fill(&postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_store(&dir).await;

    move_installation(&postgres, &sqlite).await;

    assert_installation_works(&sqlite).await;
}
