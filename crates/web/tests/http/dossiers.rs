//! One-stop public services over HTTP: submission with documents and idempotency, the workflow
//! across roles and units, the public lookup, forms, notifications, indices and the calendar.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use chrono::NaiveDate;
use serde_json::{Value, json};
use smartcity_domain::identity::Role;
use smartcity_domain::procedures::{
    FieldKind, FormField, OnlineLevel, ProcedureLevel, RequiredDocument, default_steps,
};
use smartcity_store::procedures::NewProcedure;
use smartcity_store::{AuditContext, OutboxStore, ProcedureStore};

use crate::app::{Session, TestApp, WARD_A, WARD_B};

const BIRTH: &str = "1.001193";

fn pdf(tag: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("%PDF-1.4\n% {tag}\n"))
}

async fn with_procedure(app: &TestApp) {
    let doc = |key: &str, vi: &str, required| RequiredDocument {
        key: key.into(),
        name_vi: vi.into(),
        name_en: vi.into(),
        copy_kind: 0,
        required,
    };
    let field = |key: &str, kind, required| FormField {
        key: key.into(),
        label_vi: key.into(),
        label_en: key.into(),
        kind,
        required,
        options: vec![],
    };
    app.store
        .create_procedure_version(
            &AuditContext::system("test"),
            NewProcedure {
                code: BIRTH.into(),
                valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                name_vi: "Đăng ký khai sinh".into(),
                name_en: "Birth registration".into(),
                field_vi: "Hộ tịch".into(),
                field_en: "Civil status".into(),
                level: ProcedureLevel::Commune,
                unit_code: None,
                agency_vi: "UBND cấp xã".into(),
                processing_days: 3,
                online_level: OnlineLevel::Full,
                fee_vnd: 0,
                fee_note: String::new(),
                legal_basis: vec!["Luật Hộ tịch 2014".into()],
                documents: vec![
                    doc("doc1", "Tờ khai đăng ký khai sinh", true),
                    doc("doc2", "Giấy chứng sinh", true),
                    doc("doc3", "Giấy tờ khác (nếu có)", false),
                ],
                form_fields: vec![
                    field("child_name", FieldKind::Text, true),
                    field("birth_date", FieldKind::Date, true),
                ],
                steps: default_steps(3),
                paper_result: true,
            },
        )
        .await
        .unwrap();
}

pub(crate) struct Cast {
    pub(crate) citizen: Session,
    pub(crate) reception: Session,
    pub(crate) processing: Session,
    pub(crate) leader: Session,
}

pub(crate) async fn cast(app: &TestApp) -> Cast {
    with_procedure(app).await;
    app.citizen("dan@example.vn", "046090001234").await;
    app.staff("desk@hue.test", &[(Role::ReceptionOfficer, "46")]).await;
    app.staff("officer@hue.test", &[(Role::ProcessingOfficer, WARD_A)]).await;
    app.staff("leader@hue.test", &[(Role::UnitLeader, WARD_A)]).await;
    Cast {
        citizen: app.login("dan@example.vn").await,
        reception: app.login("desk@hue.test").await,
        processing: app.login("officer@hue.test").await,
        leader: app.login("leader@hue.test").await,
    }
}

fn submission() -> Value {
    json!({
        "procedure_code": BIRTH,
        "unit_code": WARD_A,
        "form": {"child_name": "Nguyễn Minh Khang", "birth_date": "2026-11-20"},
        "documents": [
            {"document_key": "doc1", "file_name": "to-khai.pdf", "content_base64": pdf("to khai")},
            {"document_key": "doc2", "file_name": "giay-chung-sinh.pdf", "content_base64": pdf("chung sinh")}
        ]
    })
}

pub(crate) async fn submit(app: &TestApp, s: &Session, key: &str) -> crate::app::TestResponse {
    let req = Request::post("/api/v1/dossiers")
        .header("content-type", "application/json")
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("idempotency-key", key)
        .body(Body::from(submission().to_string()))
        .unwrap();
    app.send(req).await
}

pub(crate) async fn act(app: &TestApp, s: &Session, code: &str, body: Value) -> crate::app::TestResponse {
    app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(s), body).await
}

#[tokio::test]
async fn a_dossier_goes_from_submission_to_a_rated_result() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let r = submit(&app, &c.citizen, "k-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.json();
    let code = d["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("H57.19753-"), "{code}");
    assert!(code.ends_with("-0001"));
    assert_eq!(d["status_code"], 1);

    let supplement = act(
        &app,
        &c.reception,
        &code,
        json!({"action": "request_supplement", "reason": "Thiếu chữ ký", "items": ["Tờ khai có chữ ký"]}),
    )
    .await;
    assert_eq!(supplement.status, StatusCode::OK, "{}", supplement.body);
    assert_eq!(supplement.json()["status_code"], 5);
    let completed = act(
        &app,
        &c.citizen,
        &code,
        json!({"action": "submit_supplement", "documents": [{"document_key": "doc1", "file_name": "to-khai-ky.pdf", "content_base64": pdf("ky")}]}),
    )
    .await;
    assert_eq!(completed.status, StatusCode::OK, "{}", completed.body);
    assert_eq!(completed.json()["status_code"], 1, "back to submitted: it had not been accepted yet");

    let accepted = act(&app, &c.reception, &code, json!({"action": "accept"})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.json()["status_code"], 2);
    assert!(accepted.json()["due_at"].is_string(), "form 01 gives a due date");

    for (who, action) in [(&c.processing, "start_processing"), (&c.processing, "complete_step")] {
        let r = act(&app, who, &code, json!({"action": action})).await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.body);
    }
    let approved = act(
        &app,
        &c.leader,
        &code,
        json!({"action": "approve", "documents": [{"document_key": "result", "file_name": "trich-luc.pdf", "content_base64": pdf("ket qua")}]}),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["status_code"], 9);
    let returned = act(&app, &c.reception, &code, json!({"action": "return_result", "delivery": "online"})).await;
    assert_eq!(returned.json()["status_code"], 10, "{}", returned.body);
    let rated =
        act(&app, &c.citizen, &code, json!({"action": "rate", "rating": "satisfied", "comment": "Nhanh"})).await;
    assert_eq!(rated.json()["rating"], "satisfied");
    assert!(
        !rated.json()["available_actions"].as_array().unwrap().iter().any(|a| a == "rate"),
        "rated once: no second offer"
    );
    let again = act(&app, &c.citizen, &code, json!({"action": "rate", "rating": "dissatisfied"})).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The citizen downloads the result.
    let view = app.get(&format!("/api/v1/dossiers/{code}"), Some(&c.citizen)).await.json();
    let result = view["documents"].as_array().unwrap().iter().find(|d| d["purpose"] == "result").unwrap();
    let file = app.get(result["url"].as_str().unwrap(), Some(&c.citizen)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.body.starts_with("%PDF"));
    // Forms 01 and 02 were issued and print; 03 was not.
    let form01 = app.get(&format!("/dossiers/{code}/forms/01"), Some(&c.citizen)).await;
    assert_eq!(form01.status, StatusCode::OK);
    assert!(
        form01.body.contains("GIẤY TIẾP NHẬN") || form01.body.contains("Giấy tiếp nhận"),
        "{}",
        &form01.body[..200.min(form01.body.len())]
    );
    assert!(form01.body.contains("<svg"), "QR code to the lookup");
    assert!(form01.body.contains("giay-chung-sinh.pdf"), "form 01 lists the files actually received");
    assert!(!form01.body.contains("Giấy tờ khác (nếu có)"), "not the optional document nobody handed in");
    assert_eq!(app.get(&format!("/dossiers/{code}/forms/02"), Some(&c.citizen)).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/dossiers/{code}/forms/03"), Some(&c.citizen)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/dossiers/{code}/forms/06"), Some(&c.reception)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_retried_submission_with_the_same_key_creates_one_dossier() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let first = submit(&app, &c.citizen, "same-key").await.json();
    let second = submit(&app, &c.citizen, "same-key").await.json();
    assert_eq!(first["code"], second["code"]);
    let third = submit(&app, &c.citizen, "other-key").await.json();
    assert_ne!(first["code"], third["code"]);
    assert!(third["code"].as_str().unwrap().ends_with("-0002"));
}

#[tokio::test]
async fn bad_submissions_are_explained_and_store_nothing() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let mut missing = submission();
    missing["documents"].as_array_mut().unwrap().pop();
    let r = app.post_json("/api/v1/dossiers", Some(&c.citizen), missing).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "documents_missing");
    assert!(r.json()["message_vi"].as_str().unwrap().contains("Giấy chứng sinh"));

    let mut disguised = submission();
    disguised["documents"][1]["content_base64"] =
        Value::String(base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00 not a pdf"));
    let r = app.post_json("/api/v1/dossiers", Some(&c.citizen), disguised).await;
    assert_eq!(r.json()["error"], "file_type_not_allowed");

    let mut bad_form = submission();
    bad_form["form"]["birth_date"] = Value::String("31/02/2026".into());
    let r = app.post_json("/api/v1/dossiers", Some(&c.citizen), bad_form).await;
    assert_eq!(r.json()["error"], "form_invalid");

    let mut no_ward = submission();
    no_ward["unit_code"] = Value::Null;
    let r = app.post_json("/api/v1/dossiers", Some(&c.citizen), no_ward).await;
    assert_eq!(r.json()["field"], "unit_code");

    let mine = app.get("/my/dossiers", Some(&c.citizen)).await;
    assert!(!mine.body.contains("H57."), "nothing was stored");
}

#[tokio::test]
async fn actions_check_the_status_the_role_and_the_unit() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    app.staff("other@hue.test", &[(Role::ProcessingOfficer, WARD_B)]).await;
    let other = app.login("other@hue.test").await;
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();

    let early = act(&app, &c.reception, &code, json!({"action": "approve"})).await;
    assert_eq!(early.status, StatusCode::FORBIDDEN, "a reception officer may not approve");
    let wrong_status = act(&app, &c.leader, &code, json!({"action": "approve"})).await;
    assert_eq!(wrong_status.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_status.json()["error"], "action_not_allowed");
    let citizen_accepts = act(&app, &c.citizen, &code, json!({"action": "accept"})).await;
    assert_eq!(citizen_accepts.status, StatusCode::FORBIDDEN);
    let ward_b = act(&app, &other, &code, json!({"action": "start_processing"})).await;
    assert_eq!(ward_b.status, StatusCode::NOT_FOUND, "ward B does not even see ward A's dossier");
    let no_reason = act(&app, &c.reception, &code, json!({"action": "refuse"})).await;
    assert_eq!(no_reason.json()["field"], "reason");

    let view = app.get(&format!("/api/v1/dossiers/{code}"), Some(&c.citizen)).await.json();
    assert_eq!(view["status_code"], 1, "nothing changed");
}

#[tokio::test]
async fn the_public_lookup_shows_progress_but_no_identity() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();
    act(&app, &c.reception, &code, json!({"action": "accept"})).await;
    let r = app.get(&format!("/api/v1/lookup/{code}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    assert_eq!(body["status_code"], 2);
    assert_eq!(body["applicant_initials"], "N. T. H.");
    assert!(!r.body.contains("Hoa") && !r.body.contains("046090001234") && !r.body.contains("dan@example.vn"));
    let page = app.get(&format!("/lookup?code={}", code.to_lowercase()), None).await;
    assert!(page.body.contains("Được tiếp nhận"));
    assert!(!page.body.contains("Nguyễn Thị Hoa"));
    assert_eq!(app.get("/api/v1/lookup/H57.19753-260101-9999", None).await.status, StatusCode::NOT_FOUND);
}

/// Papers that arrive by the public postal service are digitised by the reception officer like counter papers, and
/// the dossier keeps its channel (QĐ 766 reports postal submissions apart).
#[tokio::test]
async fn the_desk_records_a_dossier_that_arrived_by_post() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let mut body = submission();
    body["applicant"] = json!("046090001234");
    body["channel"] = json!("post");
    let r = app.post_json("/api/v1/dossiers", Some(&c.reception), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["channel"], "post");

    body["channel"] = json!("online");
    let refused = app.post_json("/api/v1/dossiers", Some(&c.reception), body.clone()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["field"], "channel");
    assert!(refused.body.contains("bưu chính") && refused.body.contains("postal"), "{}", refused.body);

    let form = app.get(&format!("/desk/dossiers/new/{BIRTH}"), Some(&c.reception)).await;
    assert!(form.body.contains(r#"name="channel" value="post""#), "the desk form offers the postal channel");
}

/// The public view is kept in memory for pollers; a workflow step must still show on the very next poll.
#[tokio::test]
async fn the_public_lookup_shows_a_step_on_the_next_poll() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/lookup/{code}");
    for _ in 0..3 {
        assert_eq!(app.get(&url, None).await.json()["status_code"], 1, "new, read again from the kept copy");
    }
    act(&app, &c.reception, &code, json!({"action": "accept"})).await;
    assert_eq!(app.get(&url, None).await.json()["status_code"], 2);
    let page = app.get(&format!("/lookup?code={code}"), None).await;
    assert!(page.body.contains("Được tiếp nhận"));
}

#[tokio::test]
async fn the_applicant_is_notified_through_the_mail_outbox() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();
    act(&app, &c.reception, &code, json!({"action": "accept"})).await;
    let delivered = smartcity_web::dossiers::notifications::deliver_pending(&app.store, 100).await.unwrap();
    assert!(delivered >= 2);
    let mails = app.store.list_mail(10).await.unwrap();
    assert!(mails.iter().any(|m| m.to_address == "dan@example.vn" && m.subject.contains("đã được tiếp nhận")));
    assert_eq!(
        smartcity_web::dossiers::notifications::deliver_pending(&app.store, 100).await.unwrap(),
        0,
        "each event once"
    );
}

#[tokio::test]
async fn the_catalogue_search_ignores_diacritics() {
    let app = TestApp::new().await;
    with_procedure(&app).await;
    for q in ["khai%20sinh", "dang%20ky%20khai%20sinh", "than%20khai%20sinh"] {
        let list = app.get(&format!("/api/v1/procedures?q={q}"), None).await.json();
        assert_eq!(list[0]["code"], BIRTH, "{q}");
    }
    let page = app.get("/procedures?q=khai%20sinh", None).await;
    assert!(page.body.contains("Đăng ký khai sinh"));
}

#[tokio::test]
async fn the_calendar_api_uses_the_vietnamese_lunar_calendar() {
    let app = TestApp::new().await;
    let holidays = app.get("/api/v1/calendar/holidays?year=2030", None).await.json();
    let dates: Vec<&str> = holidays.as_array().unwrap().iter().map(|h| h["date"].as_str().unwrap()).collect();
    assert!(dates.contains(&"2030-02-02"), "Tết 2030 is 2 February in Vietnam: {dates:?}");
    assert!(dates.contains(&"2030-04-12"), "Giỗ Tổ 2030");
    let due =
        app.get("/api/v1/calendar/due-date?received_at=2026-02-13T09:00:00%2B07:00&working_days=3", None).await.json();
    assert!(due["due_at_local"].as_str().unwrap().starts_with("2026-02-25T17:00"), "{due}");
    let bad = app.get("/api/v1/calendar/due-date?received_at=yesterday&working_days=3", None).await;
    assert_eq!(bad.json()["field"], "received_at");
    assert_eq!(app.get("/api/v1/calendar/holidays?year=abc", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn indices_are_na_without_dossiers_and_count_them_once_there() {
    let app = TestApp::new().await;
    let empty = app.get("/api/v1/indices?unit=46", None).await.json();
    assert_eq!(empty["indicators"].as_array().unwrap().len(), 7);
    assert!(empty["indicators"][0]["value"].is_null(), "N/A when nothing was received");
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();
    act(&app, &c.reception, &code, json!({"action": "accept"})).await;
    let some = app.get("/api/v1/indices?unit=46", None).await.json();
    assert_eq!(some["dossiers"], 1);
    let online = some["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "3.3").unwrap().clone();
    assert_eq!(online["denominator"], 1);
    let bad = app.get("/api/v1/indices?from=2026-13-01", None).await;
    assert_eq!(bad.json()["field"], "from");
    let page = app.get("/indices", None).await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn an_administrator_publishes_a_new_version_with_an_effective_date() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let admin = app.login("admin@hue.test").await;
    let page = app.get(&format!("/admin/procedures/{BIRTH}"), Some(&admin)).await;
    assert!(page.body.contains("Tờ khai đăng ký khai sinh | Tờ khai đăng ký khai sinh | 0 | yes"));
    let fields = [
        ("code", BIRTH),
        ("valid_from", "2026-01-01"),
        ("name_vi", "Đăng ký khai sinh"),
        ("name_en", "Birth registration"),
        ("level", "commune"),
        ("processing_days", "1"),
        ("fee_vnd", "0"),
        ("documents", "Tờ khai | Declaration | 0 | yes\nGiấy chứng sinh | Birth certificate | 0 | yes"),
        ("form_fields", "[]"),
    ];
    let r = app.post_form("/admin/procedures", Some(&admin), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let current = app.get(&format!("/api/v1/procedures/{BIRTH}"), None).await.json();
    assert_eq!(current["version"], 2);
    assert_eq!(current["processing_days"], 1);
    // The dossier received under version 1 keeps it.
    let view = app.get(&format!("/api/v1/dossiers/{code}"), Some(&c.citizen)).await.json();
    assert!(view["form"]["child_name"].is_string(), "still the version-1 form");

    let mut bad = fields.to_vec();
    bad[1] = ("valid_from", "2025-01-01");
    let r = app.post_form("/admin/procedures", Some(&admin), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("có hiệu lực sau"));
    assert_eq!(app.get("/admin/procedures", Some(&c.reception)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_compensatory_day_off_moves_due_dates() {
    let app = TestApp::new().await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let admin = app.login("admin@hue.test").await;
    let url = "/api/v1/calendar/due-date?received_at=2026-12-01T09:00:00%2B07:00&working_days=1";
    let before = app.get(url, None).await.json();
    assert!(before["due_at_local"].as_str().unwrap().starts_with("2026-12-02"));
    let r = app
        .post_form(
            "/admin/calendar",
            Some(&admin),
            &[("date", "2026-12-02"), ("kind", "day_off"), ("reason", "Thông báo nghỉ bù")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = app.get(url, None).await.json();
    assert!(after["due_at_local"].as_str().unwrap().starts_with("2026-12-03"), "{after}");
    let no_reason = app
        .post_form("/admin/calendar", Some(&admin), &[("date", "2026-12-04"), ("kind", "day_off"), ("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
}
