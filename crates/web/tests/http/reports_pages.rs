//! Field-report pages through the router: the citizen's reporting page (photos, pin, out-of-area,
//! anonymous contact, idempotent resend), the public page, the IOC queue and actions, the handling
//! unit's pages, ratings and reopening, the public map, notifications — with the roles and scopes
//! that may and may not act, and the rule that the unit and the public never see the reporter.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use smartcity_domain::identity::Role;
use smartcity_domain::reports::AgencyKind;
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::audit::AuditFilter;
use smartcity_store::reports::{ReportFilter, ReportStore};
use smartcity_store::units::NewUnit;
use smartcity_store::{AuditContext, AuditStore, OutboxStore, ReportHandlingStore, UnitStore};

use crate::app::{Session, TestApp, TestResponse, WARD_A, WARD_B};

const CATEGORIES: &str = include_str!("../../../smartcity/seed/feedback-categories.json");
/// A 1 × 1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
/// Inside ward A (Phú Xuân), whose boundary is the square 16.40–16.50 N, 107.50–107.60 E.
const LAT: &str = "16.4512345";
const LON: &str = "107.5523456";
/// The anonymous reporter's identity, which only the IOC may see.
const NAME: &str = "Trần Văn Bí Mật";
const PHONE: &str = "0912345678";
const EMAIL: &str = "bimat@example.vn";

/// Text fields of a multipart body.
type Fields<'a> = Vec<(&'a str, &'a str)>;
/// Files of a multipart body: (file name, bytes).
type Photos<'a> = Vec<(&'a str, Vec<u8>)>;

fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(PNG).unwrap()
}

/// A multipart body: text fields, then files in `photos`.
fn multipart(fields: &[(&str, &str)], photos: &[(&str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "----smartcity-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (name, bytes) in photos {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    s: &Session,
    fields: &[(&str, &str)],
    photos: &[(&str, Vec<u8>)],
) -> TestResponse {
    let (content_type, body) = multipart(fields, photos);
    let sep = if path.contains('?') { '&' } else { '?' };
    let req = Request::post(format!("{path}{sep}_csrf={}", s.csrf))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, &s.cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// The app with the shipped categories, the IOC and two agencies, and one person per role.
struct Cast {
    app: TestApp,
    ioc: Session,
    officer_a: Session,
    officer_b: Session,
    citizen: Session,
}

async fn cast() -> Cast {
    let app = TestApp::new().await;
    let ctx = AuditContext::system("test");
    app.store.load_report_categories_json(&ctx, CATEGORIES).await.unwrap();
    for (code, vi, en) in [("46.IOC", "Trung tâm IOC", "IOC"), ("46.SXD", "Sở Xây dựng", "Department of Construction")]
    {
        app.store
            .create_unit(
                &ctx,
                NewUnit {
                    code: UnitCode::parse(code).unwrap(),
                    parent_code: Some(UnitCode::parse("46").unwrap()),
                    kind: UnitKind::Agency,
                    name_vi: vi.into(),
                    name_en: en.into(),
                    lat: None,
                    lon: None,
                    valid_from: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                },
            )
            .await
            .unwrap();
    }
    app.store.set_report_agency(&ctx, AgencyKind::Lighting, "46.SXD").await.unwrap();
    app.staff("ioc@test.vn", &[(Role::IocOperator, "46.IOC")]).await;
    app.staff("officer-a@test.vn", &[(Role::ProcessingOfficer, WARD_A)]).await;
    app.staff("officer-b@test.vn", &[(Role::ProcessingOfficer, WARD_B)]).await;
    app.citizen("dan@test.vn", "046090001234").await;
    Cast {
        ioc: app.login("ioc@test.vn").await,
        officer_a: app.login("officer-a@test.vn").await,
        officer_b: app.login("officer-b@test.vn").await,
        citizen: app.login("dan@test.vn").await,
        app,
    }
}

fn report_fields<'a>(key: &'a str, category: &'a str, description: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("idempotency_key", key),
        ("category", category),
        ("description", description),
        ("lat", LAT),
        ("lon", LON),
        ("address", "12 Lê Lợi"),
        ("name", NAME),
        ("phone", PHONE),
        ("email", EMAIL),
    ]
}

/// An anonymous report of rubbish (MT, a ward category) with one photo; returns its id.
async fn anonymous_report(app: &TestApp, key: &str) -> String {
    let anon = app.anonymous().await;
    let r = post_multipart(
        app,
        "/phan-anh",
        &anon,
        &report_fields(key, "MT", "Rác ùn ứ <b>đầu hẻm</b>"),
        &[("rac.png", png())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().unwrap().trim_start_matches("/phan-anh/").to_owned()
}

fn assert_no_reporter(page: &str, where_: &str) {
    for private in [NAME, PHONE, EMAIL] {
        assert!(!page.contains(private), "{private} leaked on {where_}");
    }
}

async fn ioc_act(c: &Cast, id: &str, fields: &[(&str, &str)]) -> TestResponse {
    c.app.post_form(&format!("/ioc/phan-anh/{id}"), Some(&c.ioc), fields).await
}

async fn unit_act(
    c: &Cast,
    s: &Session,
    id: &str,
    fields: &[(&str, &str)],
    photos: &[(&str, Vec<u8>)],
) -> TestResponse {
    post_multipart(&c.app, &format!("/don-vi/phan-anh/{id}"), s, fields, photos).await
}

#[tokio::test]
async fn a_citizen_reports_with_a_photo_and_the_public_page_shows_it_without_the_reporter() {
    let c = cast().await;
    let form = c.app.get("/phan-anh", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"report-map\"") && form.body.contains("/static/leaflet.js"));
    assert!(form.body.contains("Môi trường") || form.body.contains("MT"), "categories listed");
    assert!(form.body.contains("rel=\"manifest\""), "installable");

    // Decomposed Vietnamese (NFD) is stored composed (NFC); HTML is kept as text.
    let nfd = "Đèn đường hỏng ở hẻm 5 — tối om <script>alert(1)</script> Hue\u{0302}\u{0301}";
    let anon = c.app.anonymous().await;
    let r =
        post_multipart(&c.app, "/phan-anh", &anon, &report_fields("draft-1", "MT", nfd), &[("den.png", png())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().unwrap().trim_start_matches("/phan-anh/").to_owned();
    let stored = c.app.store.report(uuid::Uuid::parse_str(&id).unwrap()).await.unwrap().unwrap();
    assert!(stored.description.ends_with("Hu\u{1EBF}"), "NFC: {:?}", stored.description);
    assert_eq!(stored.ward_code.as_deref(), Some(WARD_A), "the ward containing the pin");
    assert_eq!(stored.reporter.phone.as_deref(), Some(PHONE));

    let page = c.app.get(&format!("/phan-anh/{id}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "shown escaped");
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("16.451, 107.552"), "approximate place, not the exact pin");
    assert!(!page.body.contains(LAT));
    assert_no_reporter(&page.body, "the public page");

    // The photo is served, re-encoded as JPEG (no metadata survives a re-encode).
    let photo = c.app.store.report_photos(stored.id).await.unwrap().remove(0);
    assert_eq!(photo.content_type, "image/jpeg");
    let served = c.app.get(&format!("/phan-anh/{id}/anh/{}", photo.id), None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/jpeg");
    assert!(page.body.contains(&format!("/phan-anh/{id}/anh/{}", photo.id)));
}

#[tokio::test]
async fn bad_reports_are_explained_in_both_languages_keep_what_was_typed_and_store_nothing() {
    let c = cast().await;
    let anon = c.app.anonymous().await;
    let mut outside = report_fields("k-out", "MT", "Ngập sâu trước chợ");
    outside.retain(|(k, _)| *k != "lat" && *k != "lon");
    outside.extend([("lat", "10.7769"), ("lon", "106.7009")]);
    let r = post_multipart(&c.app, "/phan-anh", &anon, &outside, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("ngoài địa bàn thành phố Huế"), "{}", r.body);
    assert!(r.body.contains("Ngập sâu trước chợ") && r.body.contains(NAME), "the form keeps what was typed");
    let en = post_multipart(&c.app, "/phan-anh?lang=en", &anon, &outside, &[]).await;
    assert!(en.body.contains("outside Huế City"), "{}", en.body);

    let cases: Vec<(Fields, Photos, &str)> = vec![
        (report_fields("k1", "KHONGCO", "x"), vec![], "category_unknown"),
        (report_fields("k2", "MT", "   "), vec![], "description_invalid"),
        (report_fields("k3", "MT", "Có ảnh giả"), vec![("virus.jpg", b"MZ not a photo".to_vec())], "photo"),
        (
            report_fields("k4", "MT", "Không toạ độ").into_iter().filter(|(k, _)| *k != "lat" && *k != "lon").collect(),
            vec![],
            "location_required",
        ),
        (
            report_fields("k5", "MT", "Không liên hệ")
                .into_iter()
                .filter(|(k, _)| *k != "phone" && *k != "email")
                .collect(),
            vec![],
            "contact_required",
        ),
    ];
    for (fields, photos, what) in cases {
        let r = post_multipart(&c.app, "/phan-anh", &anon, &fields, &photos).await;
        assert!(r.status.is_client_error() && r.status != StatusCode::NOT_FOUND, "{what}: {} {}", r.status, r.body);
        assert!(r.body.contains("report-error"), "{what}: an error is shown on the form");
    }
    let long = "x".repeat(4001);
    let r = post_multipart(&c.app, "/phan-anh", &anon, &report_fields("k6", "MT", &long), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // With the address and a ward instead of a pin, the report is accepted.
    let mut by_address = report_fields("k7", "MT", "Theo địa chỉ");
    by_address.retain(|(k, _)| *k != "lat" && *k != "lon");
    by_address.push(("ward", WARD_A));
    let r = post_multipart(&c.app, "/phan-anh", &anon, &by_address, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let all = c.app.store.reports(&ReportFilter { page: 1, page_size: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 1, "nothing stored from the refused reports");
}

#[tokio::test]
async fn a_draft_sent_twice_with_its_idempotency_key_creates_one_report() {
    let c = cast().await;
    let first = anonymous_report(&c.app, "offline-draft-42").await;
    let second = anonymous_report(&c.app, "offline-draft-42").await;
    assert_eq!(first, second);
    let all = c.app.store.reports(&ReportFilter { page: 1, page_size: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 1);
    let third = anonymous_report(&c.app, "another-draft").await;
    assert_ne!(first, third);
}

#[tokio::test]
async fn the_ioc_verifies_and_routes_the_unit_answers_the_reporter_rates_and_the_ioc_reopens() {
    let c = cast().await;
    // A logged-in citizen reports; the public page offers no rating yet.
    let r = post_multipart(
        &c.app,
        "/phan-anh",
        &c.citizen,
        &[("idempotency_key", "c1"), ("category", "MT"), ("description", "Rác"), ("lat", LAT), ("lon", LON)],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().unwrap().trim_start_matches("/phan-anh/").to_owned();

    // The IOC queue lists it with the reporter; the report page proposes the ward, and the read is audited.
    let queue = c.app.get("/ioc/phan-anh", Some(&c.ioc)).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("/ioc/phan-anh/{id}")) && queue.body.contains("Nguyễn Thị Hoa"));
    let page = c.app.get(&format!("/ioc/phan-anh/{id}"), Some(&c.ioc)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("dan@test.vn"), "the IOC sees the contact");
    assert!(page.body.contains("Phường Phú Xuân") && page.body.contains("id=\"proposal\""));
    let reads = c
        .app
        .store
        .list_audit(&AuditFilter { record_type: Some("report".into()), record_id: Some(id.clone()) }, 50, 0)
        .await
        .unwrap();
    assert!(reads.iter().any(|a| a.action == "personal_data.read"), "the IOC's view of the reporter is audited");
    let queue_reads = c
        .app
        .store
        .list_audit(&AuditFilter { record_type: Some("report".into()), record_id: Some("ioc.queue".into()) }, 50, 0)
        .await
        .unwrap();
    assert!(queue_reads.iter().any(|a| a.details.to_string().contains(&id)), "so is the queue listing names");

    // Before routing, no unit may open it.
    assert_eq!(c.app.get(&format!("/don-vi/phan-anh/{id}"), Some(&c.officer_a)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ioc_act(&c, &id, &[("action", "accept")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(ioc_act(&c, &id, &[("action", "route"), ("unit", WARD_A)]).await.status, StatusCode::SEE_OTHER);
    let routed = c.app.store.report(uuid::Uuid::parse_str(&id).unwrap()).await.unwrap().unwrap();
    assert_eq!(routed.handling_unit_code.as_deref(), Some(WARD_A));
    assert!(routed.due_at.is_some(), "the deadline runs from routing");

    // The other ward's officer may neither see nor act; the right one starts and answers with a photo.
    assert_eq!(c.app.get(&format!("/don-vi/phan-anh/{id}"), Some(&c.officer_b)).await.status, StatusCode::FORBIDDEN);
    let refused = unit_act(&c, &c.officer_b, &id, &[("action", "start")], &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let list = c.app.get("/don-vi/phan-anh", Some(&c.officer_a)).await;
    assert!(list.body.contains(&format!("/don-vi/phan-anh/{id}")));
    assert!(!c.app.get("/don-vi/phan-anh", Some(&c.officer_b)).await.body.contains(&id));
    assert_eq!(unit_act(&c, &c.officer_a, &id, &[("action", "start")], &[]).await.status, StatusCode::SEE_OTHER);
    let answered = unit_act(
        &c,
        &c.officer_a,
        &id,
        &[("action", "answer"), ("text", "Đã thu gom rác lúc 9 giờ.")],
        &[("sau.png", png())],
    )
    .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);

    // The public page shows the answer, its photo, the timeline and whether it was on time.
    let public = c.app.get(&format!("/phan-anh/{id}"), None).await;
    assert!(public.body.contains("Đã thu gom rác lúc 9 giờ."));
    assert!(public.body.contains("id=\"answer-photos\"") && public.body.contains("id=\"report-timeline\""));
    assert!(public.body.contains("Đúng hạn"));
    assert!(public.body.contains("Chuyển đơn vị xử lý</strong> → Phường Phú Xuân"), "the timeline names the unit");
    assert!(!public.body.contains("rate-form"), "anonymous visitors do not rate");

    // Only the reporter rates, once; dissatisfied lets the IOC reopen to the same unit.
    let mine = c.app.get(&format!("/phan-anh/{id}"), Some(&c.citizen)).await;
    assert!(mine.body.contains("rate-form"));
    let stranger =
        c.app.post_form(&format!("/phan-anh/{id}/danh-gia"), Some(&c.officer_a), &[("rating", "satisfied")]).await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    let rated = c
        .app
        .post_form(
            &format!("/phan-anh/{id}/danh-gia"),
            Some(&c.citizen),
            &[("rating", "dissatisfied"), ("comment", "Vẫn còn rác")],
        )
        .await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
    let again =
        c.app.post_form(&format!("/phan-anh/{id}/danh-gia"), Some(&c.citizen), &[("rating", "satisfied")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "rated once");
    assert!(c.app.get("/ioc/phan-anh", Some(&c.ioc)).await.body.contains(&id), "back with the IOC");
    assert_eq!(ioc_act(&c, &id, &[("action", "reopen"), ("note", "Kiểm tra lại")]).await.status, StatusCode::SEE_OTHER);
    let reopened = c.app.store.report(uuid::Uuid::parse_str(&id).unwrap()).await.unwrap().unwrap();
    assert_eq!((reopened.status.as_str(), reopened.rating), ("reopened", None));
    assert_eq!(unit_act(&c, &c.officer_a, &id, &[("action", "start")], &[]).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn roles_and_scopes_are_enforced() {
    let c = cast().await;
    let id = anonymous_report(&c.app, "scope").await;
    // Anonymous visitors are sent to log in; citizens and unit officers are refused the IOC.
    let anon = c.app.get("/ioc/phan-anh", None).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert!(anon.location().unwrap().starts_with("/login"));
    for s in [&c.citizen, &c.officer_a] {
        assert_eq!(c.app.get("/ioc/phan-anh", Some(s)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.app.get(&format!("/ioc/phan-anh/{id}"), Some(s)).await.status, StatusCode::FORBIDDEN);
        let r = c.app.post_form(&format!("/ioc/phan-anh/{id}"), Some(s), &[("action", "accept")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(c.app.get("/don-vi/phan-anh", Some(&c.citizen)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(c.app.get("/don-vi/phan-anh", Some(&c.ioc)).await.status, StatusCode::FORBIDDEN);
    // The IOC cannot answer in the unit's place, nor can a unit verify.
    assert_eq!(ioc_act(&c, &id, &[("action", "route"), ("unit", WARD_A)]).await.status, StatusCode::SEE_OTHER);
    let r = unit_act(&c, &c.ioc, &id, &[("action", "answer"), ("text", "x")], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the CSRF token nothing happens.
    let r = c.app.post_form_raw(&format!("/ioc/phan-anh/{id}"), Some(&c.ioc.cookie), &[("action", "close")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad input on actions is a clear 4xx, never a 5xx.
    for fields in [
        vec![("action", "reject"), ("reason", "duplicate")],
        vec![("action", "reject"), ("reason", "duplicate"), ("duplicate_of", "not-a-uuid")],
        vec![("action", "route"), ("unit", "99999")],
        vec![("action", "fly")],
    ] {
        let r = ioc_act(&c, &id, &fields).await;
        assert!(r.status.is_client_error(), "{fields:?}: {}", r.status);
        assert!(r.body.contains("action-error"), "{fields:?}");
    }
    let r = unit_act(
        &c,
        &c.officer_a,
        &id,
        &[("action", "extend"), ("reason", "Chờ vật tư"), ("new_due", "ngày mai")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.app.get("/phan-anh/khong-co", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.app.get(&format!("/phan-anh/{}", uuid::Uuid::nil()), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_handling_unit_never_sees_the_reporter() {
    let c = cast().await;
    let id = anonymous_report(&c.app, "privacy").await;
    assert_eq!(ioc_act(&c, &id, &[("action", "route"), ("unit", WARD_A)]).await.status, StatusCode::SEE_OTHER);
    let mut seen = Vec::new();
    seen.push(c.app.get("/don-vi/phan-anh", Some(&c.officer_a)).await);
    seen.push(c.app.get(&format!("/don-vi/phan-anh/{id}"), Some(&c.officer_a)).await);
    seen.push(
        unit_act(&c, &c.officer_a, &id, &[("action", "extend"), ("reason", ""), ("new_due", "2099-01-01")], &[]).await,
    );
    seen.push(unit_act(&c, &c.officer_a, &id, &[("action", "start")], &[]).await);
    seen.push(c.app.get(&format!("/don-vi/phan-anh/{id}"), Some(&c.officer_a)).await);
    seen.push(unit_act(&c, &c.officer_a, &id, &[("action", "answer"), ("text", "Xong")], &[]).await);
    seen.push(c.app.get(&format!("/phan-anh/{id}"), Some(&c.officer_a)).await);
    seen.push(c.app.get("/phan-anh/ban-do", Some(&c.officer_a)).await);
    seen.push(c.app.get("/phan-anh/ban-do.geojson", Some(&c.officer_a)).await);
    for (i, page) in seen.iter().enumerate() {
        assert!(page.status.is_success() || page.status.is_redirection() || page.status.is_client_error(), "{i}");
        assert_no_reporter(&page.body, &format!("unit view {i}"));
    }
    assert!(seen[1].body.contains("Rác ùn ứ"), "the unit sees the report itself");
    // And the unit's notification mails carry no identity either.
    smartcity_web::dossiers::notifications::deliver_pending(&c.app.store.store(), 100).await.unwrap();
    let mails = c.app.store.list_mail(100).await.unwrap();
    let to_unit: Vec<_> = mails.iter().filter(|m| m.to_address == "officer-a@test.vn").collect();
    assert!(!to_unit.is_empty(), "the unit is told of the assignment");
    for m in to_unit {
        assert_no_reporter(&format!("{} {}", m.subject, m.body), "a unit mail");
    }
    assert!(mails.iter().any(|m| m.to_address == EMAIL), "the reporter is told of the answer");
}

#[tokio::test]
async fn nearby_reports_can_be_supported_and_likely_duplicates_are_flagged_for_the_ioc() {
    let c = cast().await;
    let first = anonymous_report(&c.app, "dup-1").await;
    let nearby = c.app.get(&format!("/phan-anh/gan-day?category=MT&lat={LAT}&lon={LON}"), None).await;
    assert_eq!(nearby.status, StatusCode::OK);
    assert!(nearby.body.contains(&format!("/phan-anh/{first}/ung-ho")));
    assert_no_reporter(&nearby.body, "the nearby list");
    let other_category = c.app.get(&format!("/phan-anh/gan-day?category=CS&lat={LAT}&lon={LON}"), None).await;
    assert!(!other_category.body.contains(&first));

    let anon = c.app.anonymous().await;
    let r = c.app.post_form(&format!("/phan-anh/{first}/ung-ho"), Some(&anon), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    c.app.post_form(&format!("/phan-anh/{first}/ung-ho"), Some(&anon), &[]).await;
    c.app.post_form(&format!("/phan-anh/{first}/ung-ho"), Some(&c.citizen), &[]).await;
    let page = c.app.get(&format!("/phan-anh/{first}"), None).await;
    assert!(page.body.contains("id=\"report-supports\">2<"), "one support per person");

    let second = anonymous_report(&c.app, "dup-2").await;
    let queue = c.app.get("/ioc/phan-anh", Some(&c.ioc)).await;
    assert!(queue.body.contains("duplicate-flag"));
    let page = c.app.get(&format!("/ioc/phan-anh/{second}"), Some(&c.ioc)).await;
    assert!(page.body.contains("id=\"duplicates\"") && page.body.contains(&first));
    let r = ioc_act(&c, &second, &[("action", "reject"), ("reason", "duplicate"), ("duplicate_of", &first)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let public = c.app.get(&format!("/phan-anh/{second}"), None).await;
    assert!(public.body.contains("trùng lặp") && public.body.contains(&format!("/phan-anh/{first}")));
}

#[tokio::test]
async fn the_public_map_filters_serves_geojson_without_personal_data_and_counts_per_unit() {
    let c = cast().await;
    let id = anonymous_report(&c.app, "map").await;
    ioc_act(&c, &id, &[("action", "route"), ("unit", WARD_A)]).await;
    unit_act(&c, &c.officer_a, &id, &[("action", "answer"), ("text", "Xong")], &[]).await;

    let geo = c.app.get("/phan-anh/ban-do.geojson?bbox=107.5,16.4,107.6,16.5", None).await;
    assert_eq!(geo.status, StatusCode::OK);
    assert_eq!(geo.headers[header::CONTENT_TYPE], "application/geo+json");
    let json = geo.json();
    let feature = &json["features"][0];
    assert_eq!(feature["properties"]["id"], id.as_str());
    assert_eq!(feature["geometry"]["coordinates"][1], 16.451);
    assert_no_reporter(&geo.body, "the GeoJSON");
    let empty = c.app.get("/phan-anh/ban-do.geojson?bbox=100,10,101,11", None).await.json();
    assert_eq!(empty["features"].as_array().unwrap().len(), 0);
    let filtered = c.app.get("/phan-anh/ban-do.geojson?status=in_progress", None).await.json();
    assert_eq!(filtered["features"].as_array().unwrap().len(), 0);
    assert_eq!(c.app.get("/phan-anh/ban-do.geojson?bbox=1,2", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let page = c.app.get(&format!("/phan-anh/ban-do?ward={WARD_A}&status=answered"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("/phan-anh/{id}")));
    assert!(page.body.contains("id=\"unit-stats\"") && page.body.contains("Phường Phú Xuân"));
    assert_no_reporter(&page.body, "the map page");
    let bad = c.app.get("/phan-anh/ban-do?from=hôm-qua", None).await;
    assert_eq!(bad.status, StatusCode::OK, "a bad filter is explained on the page");
    assert!(bad.body.contains("không hợp lệ"));

    let outlines = c.app.get("/phan-anh/ranh-gioi.geojson", None).await.json();
    assert_eq!(outlines["features"][0]["properties"]["code"], WARD_A);
    assert_eq!(c.app.get("/phan-anh/manifest.webmanifest", None).await.json()["start_url"], "/phan-anh");
    let sw = c.app.get("/phan-anh/sw.js", None).await;
    assert_eq!(sw.headers["service-worker-allowed"], "/phan-anh");
    for asset in ["leaflet.js", "leaflet.css", "leaflet-marker-icon.png", "reports.js"] {
        assert_eq!(c.app.get(&format!("/static/{asset}"), None).await.status, StatusCode::OK, "{asset}");
    }
}

#[tokio::test]
async fn reporters_are_told_and_overdue_reports_are_escalated_once() {
    let c = cast().await;
    c.app.staff("leader-a@test.vn", &[(Role::UnitLeader, WARD_A)]).await;
    let id = anonymous_report(&c.app, "notify").await;
    ioc_act(&c, &id, &[("action", "accept")]).await;
    ioc_act(&c, &id, &[("action", "route"), ("unit", WARD_A)]).await;
    let store = c.app.store.store();
    smartcity_web::dossiers::notifications::deliver_pending(&store, 100).await.unwrap();
    let mails = c.app.store.list_mail(100).await.unwrap();
    assert!(mails.iter().any(|m| m.to_address == EMAIL && m.subject.contains("tiếp nhận")), "{mails:?}");

    // Past the deadline: the leader and the IOC hear of it, once.
    let later = chrono::Utc::now() + chrono::TimeDelta::days(60);
    let sent = smartcity_web::reports::notifications::remind_due_reports(&store, later, 100).await.unwrap();
    assert!(sent >= 1);
    assert_eq!(smartcity_web::reports::notifications::remind_due_reports(&store, later, 100).await.unwrap(), 0);
    smartcity_web::dossiers::notifications::deliver_pending(&store, 100).await.unwrap();
    let mails = c.app.store.list_mail(100).await.unwrap();
    assert!(mails.iter().any(|m| m.to_address == "leader-a@test.vn" && m.subject.contains("quá hạn")));
    assert!(mails.iter().any(|m| m.to_address == "ioc@test.vn" && m.subject.contains("quá hạn")));
}

#[tokio::test]
async fn only_the_upload_routes_take_large_bodies() {
    let c = cast().await;
    // A 3 MB JSON body on an ordinary route is refused by axum's default limit, not read.
    let big = serde_json::json!({"identifier": "x".repeat(3 * 1024 * 1024), "password": "y"});
    let r = c.app.post_json("/api/v1/auth/login", None, big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(300)]);
    // A 3 MB photo on the reporting page reaches the photo check.
    let anon = c.app.anonymous().await;
    let photo = vec![b'x'; 3 * 1024 * 1024];
    let r =
        post_multipart(&c.app, "/phan-anh", &anon, &report_fields("big", "MT", "Ảnh lớn"), &[("a.jpg", photo)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
