//! Open311 GeoReport v2 conformance through the router: discovery, service definitions, POST requests (keys,
//! attributes, places, photos), every listing filter, tokens, mySociety's updates both ways, partner keys on the
//! admin page, the rate limit — in XML and JSON, with the protocol's errors and never the reporter's identity.

use axum::body::Body;
use axum::http::{Request, header};
use chrono::NaiveDate;
use image::ImageEncoder;
use smartcity_domain::identity::Role;
use smartcity_domain::reports::ReportStatus;
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::reports::{NewReportEvent, ReportChange, ReportStore};
use smartcity_store::units::NewUnit;
use smartcity_store::{AuditContext, AuditStore, UnitStore};
use smartcity_web::shell::auth::hash_secret;

use crate::app::{TestApp, TestResponse, WARD_A, form_encode};

const CATEGORIES: &str = include_str!("../../../smartcity/seed/feedback-categories.json");
/// Inside ward A's square.
const LAT: &str = "16.45";
const LONG: &str = "107.55";
const REPORTER: [&str; 4] = ["Trần Văn Kín", "kin@example.vn", "0912999888", "Kín"];

/// The app with the category catalogue, a ward with a centre (for address-only reports) and a partner key.
async fn app_with_key() -> (TestApp, String) {
    let app = TestApp::new().await;
    let ctx = AuditContext::system("test");
    app.store.load_report_categories_json(&ctx, CATEGORIES).await.unwrap();
    app.store
        .create_unit(
            &ctx,
            NewUnit {
                code: UnitCode::parse("19800").unwrap(),
                parent_code: Some(UnitCode::parse("46").unwrap()),
                kind: UnitKind::Ward,
                name_vi: "Phường Kim Long".into(),
                name_en: "Kim Long Ward".into(),
                lat: Some(16.46),
                lon: Some(107.55),
                valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            },
        )
        .await
        .unwrap();
    let secret = format!("o311_test_{}", uuid::Uuid::now_v7());
    app.store.create_open311_key(&ctx, "FixMyStreet Huế", &hash_secret(&secret)).await.unwrap();
    (app, secret)
}

async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    app.post_form_raw(path, None, fields).await
}

/// A report filed through the API; returns its id.
async fn file(app: &TestApp, key: &str, service: &str, extra: &[(&str, &str)]) -> String {
    let mut fields = vec![("api_key", key), ("service_code", service), ("lat", LAT), ("long", LONG)];
    fields.extend_from_slice(extra);
    let r = post(app, "/open311/v2/requests.json", &fields).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("token").is_none());
    list[0]["service_request_id"].as_str().expect("id is a string").to_owned()
}

fn assert_no_identity(body: &str) {
    for private in REPORTER {
        assert!(!body.contains(private), "{private} leaked: {body}");
    }
}

fn assert_error(r: &TestResponse, status: u16, xml: bool) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    if xml {
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/xml"), "{:?}", r.headers);
        assert!(r.body.starts_with("<?xml"), "{}", r.body);
        assert!(r.body.contains(&format!("<errors><error><code>{status}</code><description>")), "{}", r.body);
    } else {
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/json"));
        let list = r.json();
        assert_eq!(list[0]["code"], status, "{}", r.body);
        assert!(!list[0]["description"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn discovery_lists_the_endpoint_in_both_formats() {
    let (app, _) = app_with_key().await;
    let json = app.get("/open311/v2/discovery.json", None).await;
    assert_eq!(json.status, 200);
    let d = json.json();
    assert!(d["changeset"].as_str().unwrap().ends_with("+07:00"));
    assert!(!d["contact"].as_str().unwrap().is_empty());
    assert!(d["key_service"].as_str().unwrap().contains("/admin/open311-keys"));
    let endpoint = &d["endpoints"][0];
    assert_eq!(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(endpoint["url"].as_str().unwrap().ends_with("/open311/v2"));
    assert_eq!(endpoint["type"], "production");
    assert_eq!(endpoint["formats"], serde_json::json!(["text/xml", "application/json"]));
    let xml = app.get("/open311/v2/discovery.xml", None).await;
    assert_eq!(xml.status, 200);
    assert!(xml.body.contains("<discovery>") && xml.body.contains("<format>application/json</format>"));
}

#[tokio::test]
async fn service_definitions_carry_attributes_and_list_values() {
    let (app, _) = app_with_key().await;
    let services = app.get("/open311/v2/services.json", None).await.json();
    let lights = services.as_array().unwrap().iter().find(|s| s["service_code"] == "CS").unwrap();
    assert_eq!(lights["metadata"], true);
    assert_eq!(lights["type"], "realtime");

    let json = app.get("/open311/v2/services/CS.json", None).await;
    assert_eq!(json.status, 200, "{}", json.body);
    let d = json.json();
    assert_eq!(d["service_code"], "CS");
    let attrs = d["attributes"].as_array().unwrap();
    let orders: Vec<u64> = attrs.iter().map(|a| a["order"].as_u64().unwrap()).collect();
    assert_eq!(orders, [1, 2, 3]);
    assert_eq!(attrs[0]["datatype"], "singlevaluelist");
    assert_eq!(attrs[0]["values"].as_array().unwrap().len(), 3);
    assert_eq!(attrs[1]["datatype"], "multivaluelist");
    assert_eq!(attrs[2]["code"], "SO_COT");
    assert!(attrs[2].get("values").is_none(), "absent fields are omitted");

    let xml = app.get("/open311/v2/services/CS.xml", None).await;
    assert!(xml.body.contains("<service_definition>") && xml.body.contains("<value><key>cao</key>"), "{}", xml.body);
    assert_error(&app.get("/open311/v2/services/NOPE.xml", None).await, 404, true);
    assert_error(&app.get("/open311/v2/services/NOPE.json", None).await, 404, false);
    assert_error(&app.get("/open311/v2/services/CS.html", None).await, 404, true);
}

#[tokio::test]
async fn jurisdiction_is_optional_and_another_city_is_unknown() {
    let (app, _) = app_with_key().await;
    assert_eq!(app.get("/open311/v2/services.json?jurisdiction_id=hue.gov.vn", None).await.status, 200);
    assert_error(&app.get("/open311/v2/services.json?jurisdiction_id=sfgov.org", None).await, 404, false);
    assert_error(&app.get("/open311/v2/requests.xml?jurisdiction_id=sfgov.org", None).await, 404, true);
}

#[tokio::test]
async fn a_partner_files_a_report_that_routes_to_the_ward_and_reads_back_without_the_reporter() {
    let (app, key) = app_with_key().await;
    let id = file(
        &app,
        &key,
        "MT",
        &[
            ("description", "Rác tồn đọng <b>bốc mùi</b>"),
            ("first_name", REPORTER[3]),
            ("last_name", "Trần Văn"),
            ("email", REPORTER[1]),
            ("phone", REPORTER[2]),
            ("attribute[MUC_DO]", "cao"),
            ("attribute[ANH_HUONG][]", "nguoi_di_bo"),
            ("attribute[ANH_HUONG][]", "hoc_sinh"),
            ("media_url", "https://fms.example/photo/1.jpg"),
        ],
    )
    .await;
    let stored = app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.status, ReportStatus::Submitted);
    assert_eq!(stored.ward_code.as_deref(), Some(WARD_A));
    assert_eq!(stored.handling_unit_code.as_deref(), Some(WARD_A), "a ward category goes to the ward of the point");
    assert_eq!(stored.reporter.email.as_deref(), Some(REPORTER[1]), "kept for the IOC");
    assert!(stored.api_key_id.is_some());

    let json = app.get(&format!("/open311/v2/requests/{id}.json"), None).await;
    assert_eq!(json.status, 200);
    let r = &json.json()[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], "MT");
    assert_eq!(r["agency_responsible"], WARD_A);
    assert_eq!(r["media_url"], "https://fms.example/photo/1.jpg");
    assert_eq!(r["lat"], 16.45);
    assert!(r["requested_datetime"].as_str().unwrap().ends_with("+07:00"));
    assert!(r.get("expected_datetime").is_none() && r.get("zipcode").is_none(), "absent fields are omitted");
    assert_no_identity(&json.body);
    let xml = app.get(&format!("/open311/v2/requests/{id}.xml"), None).await;
    assert!(xml.body.contains("&lt;b&gt;bốc mùi&lt;/b&gt;"), "HTML is text: {}", xml.body);
    assert_no_identity(&xml.body);

    // The partner's answers are kept with the first event, and the POST is audited under the key.
    let events = app.store.report_events(stored.id).await.unwrap();
    assert_eq!(events[0].details["open311"]["attributes"]["ANH_HUONG"], serde_json::json!(["nguoi_di_bo", "hoc_sinh"]));
    let audit = app
        .store
        .list_audit(
            &smartcity_store::audit::AuditFilter { record_type: Some("report".into()), record_id: Some(id.clone()) },
            10,
            0,
        )
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.actor.as_deref().is_some_and(|x| x.starts_with("open311:"))), "{audit:?}");
}

#[tokio::test]
async fn an_agency_category_routes_to_the_agency_and_an_address_locates_the_ward() {
    let (app, key) = app_with_key().await;
    let id = file(&app, &key, "DVC", &[]).await;
    let stored = app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.handling_unit_code.as_deref(), Some("46.TTHCC"));

    let r = post(
        &app,
        "/open311/v2/requests.xml",
        &[("api_key", &key), ("service_code", "MT"), ("address_string", "12 Lê Lợi, Phường Kim Long, Huế")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<service_requests><request><service_request_id>"), "{}", r.body);
    let id = r.body.split("<service_request_id>").nth(1).unwrap().split('<').next().unwrap();
    let stored = app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.ward_code.as_deref(), Some("19800"));
    assert_eq!((stored.lat, stored.lon), (16.46, 107.55));
    assert_eq!(stored.address.as_deref(), Some("12 Lê Lợi, Phường Kim Long, Huế"));
}

#[tokio::test]
async fn every_post_error_is_a_protocol_error() {
    let (app, key) = app_with_key().await;
    let revoked = "o311_revoked";
    let ctx = AuditContext::system("test");
    let k = app.store.create_open311_key(&ctx, "Old", &hash_secret(revoked)).await.unwrap();
    app.store.revoke_open311_key(&ctx, k.id).await.unwrap();
    let long = "x".repeat(4001);
    let at = |extra: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
        // `extra` replaces the base value of a parameter it names, so no parameter is sent twice.
        let mut v = vec![("service_code", "MT"), ("lat", LAT), ("long", LONG)];
        v.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
        v.extend_from_slice(extra);
        v.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    };
    let keyed = |key: &str, extra: &[(&'static str, &'static str)]| {
        let mut v = vec![("api_key".to_owned(), key.to_owned())];
        v.extend(at(extra));
        v
    };
    let mut too_long = keyed(&key, &[]);
    too_long.push(("description".into(), long));
    let cases: Vec<(Vec<(String, String)>, u16)> = vec![
        (at(&[]), 403),
        (keyed("wrong", &[]), 403),
        (keyed(revoked, &[]), 403),
        (keyed(&key, &[("service_code", "NOPE")]), 404),
        (keyed(&key, &[("jurisdiction_id", "x.org")]), 404),
        (vec![("api_key".into(), key.clone()), ("lat".into(), LAT.into()), ("long".into(), LONG.into())], 400),
        (vec![("api_key".into(), key.clone()), ("service_code".into(), "MT".into())], 400),
        (keyed(&key, &[("lat", "10.77"), ("long", "106.70")]), 400),
        (keyed(&key, &[("lat", "abc")]), 400),
        (
            vec![
                ("api_key".into(), key.clone()),
                ("service_code".into(), "MT".into()),
                ("address_string".into(), "Quận 1, TP Hồ Chí Minh".into()),
            ],
            400,
        ),
        (too_long, 400),
        (keyed(&key, &[("attribute[MUC_DO]", "rat_cao")]), 400),
        (keyed(&key, &[("service_code", "CTN"), ("attribute[DO_SAU_CM]", "sâu")]), 400),
        (keyed(&key, &[("attribute[MUC_DO][]", "cao")]), 400),
        (keyed(&key, &[("media_url", "javascript:x")]), 400),
    ];
    for (fields, status) in cases {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for (suffix, xml) in [("xml", true), ("json", false)] {
            let r = post(&app, &format!("/open311/v2/requests.{suffix}"), &fields).await;
            assert_error(&r, status, xml);
        }
    }
    let out = post(
        &app,
        "/open311/v2/requests.json",
        &[("api_key", &key), ("service_code", "MT"), ("lat", "10.77"), ("long", "106.70")],
    )
    .await;
    assert!(out.json()[0]["description"].as_str().unwrap().contains("outside"), "{}", out.body);
    assert!(app.store.reports(&Default::default()).await.unwrap().is_empty(), "nothing was stored");
}

fn jpeg_with_gps() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 20, image::Rgb([200, 30, 30]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .write_image(img.as_raw(), 40, 20, image::ExtendedColorType::Rgb8)
        .unwrap();
    // APP1 "Exif" with a little-endian TIFF whose only IFD holds a recognisable ImageDescription.
    let mut tiff =
        b"II\x2A\x00\x08\x00\x00\x00\x01\x00\x0E\x01\x02\x00\x10\x00\x00\x00\x1A\x00\x00\x00\x00\x00\x00\x00".to_vec();
    tiff.extend_from_slice(b"GPS-16.45-107.55");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(2 + 6 + tiff.len()).unwrap().to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn post_multipart(app: &TestApp, path: &str, fields: &[(&str, &str)], file: &[u8]) -> TestResponse {
    let boundary = "----open311-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

#[tokio::test]
async fn an_uploaded_photo_is_stored_without_exif_and_a_non_image_is_refused() {
    let (app, key) = app_with_key().await;
    let photo = jpeg_with_gps();
    let fields = [("api_key", key.as_str()), ("service_code", "CS"), ("lat", LAT), ("long", LONG)];
    let r = post_multipart(&app, "/open311/v2/requests.json", &fields, &photo).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()[0]["service_request_id"].as_str().unwrap().to_owned();
    let read = app.get(&format!("/open311/v2/requests/{id}.json?extensions=true"), None).await.json();
    let url = read[0]["media_url"].as_str().unwrap().to_owned();
    let path = url.split_once("/open311/").map(|(_, p)| format!("/open311/{p}")).unwrap();
    let served = app.send(Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers["content-type"], "image/jpeg");
    let bytes = served.body.as_bytes();
    assert!(!bytes.windows(4).any(|w| w == b"Exif") && !served.body.contains("GPS-16.45"), "metadata is gone");
    assert_eq!(read[0]["extended_attributes"]["channel"], "open311");
    assert_eq!(read[0]["extended_attributes"]["detailed_status"], "PENDING");

    let refused = post_multipart(&app, "/open311/v2/requests.xml", &fields, b"%PDF-1.4 not a photo").await;
    assert_error(&refused, 400, true);
    assert!(refused.body.contains("not a photo"), "{}", refused.body);
    let bomb = post_multipart(&app, "/open311/v2/requests.json", &fields, &png_claiming_huge()).await;
    assert_error(&bomb, 400, false);
    assert_eq!(app.get("/open311/v2/photos/abc.jpg", None).await.status, 404);
}

/// A PNG whose header claims 50000 × 50000 pixels.
fn png_claiming_huge() -> Vec<u8> {
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&[0, 0, 0], 1, 1, image::ExtendedColorType::Rgb8)
        .unwrap();
    png[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    png
}

#[tokio::test]
async fn listings_apply_every_filter() {
    let (app, key) = app_with_key().await;
    let a = file(&app, &key, "MT", &[("description", "một")]).await;
    let b = file(&app, &key, "CS", &[("description", "hai")]).await;
    let c = file(&app, &key, "CS", &[("description", "ba")]).await;
    let ids = |r: TestResponse| -> Vec<String> {
        assert_eq!(r.status, 200, "{}", r.body);
        r.json().as_array().unwrap().iter().map(|x| x["service_request_id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(app.get("/open311/v2/requests.json", None).await), [c.clone(), b.clone(), a.clone()]);
    assert_eq!(ids(app.get("/open311/v2/requests.json?service_code=CS", None).await), [c.clone(), b.clone()]);
    assert_eq!(
        ids(app.get("/open311/v2/requests.json?service_code=MT,CS&page_size=1&page=2", None).await),
        std::slice::from_ref(&b)
    );
    let two = format!("/open311/v2/requests.json?service_request_id={a},{c}&service_code=CS");
    assert_eq!(ids(app.get(&two, None).await), [c.clone(), a.clone()], "ids override the other filters");
    assert!(ids(app.get("/open311/v2/requests.json?status=closed", None).await).is_empty());
    assert_eq!(ids(app.get("/open311/v2/requests.json?status=open,closed", None).await).len(), 3);
    assert!(
        ids(app
            .get("/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00%2B07:00", None)
            .await)
        .is_empty()
    );
    assert_eq!(ids(app.get("/open311/v2/requests.json?updated_after=2020-01-01T00:00:00Z", None).await).len(), 3);
    assert!(ids(app.get("/open311/v2/requests.json?updated_before=2020-01-01T00:00:00Z", None).await).is_empty());
    assert_eq!(ids(app.get("/open311/v2/requests.json?lat=16.45&long=107.55&radius=50", None).await).len(), 3);
    assert!(ids(app.get("/open311/v2/requests.json?lat=16.49&long=107.59&radius=50", None).await).is_empty());
    let ext = app.get("/open311/v2/requests.json?extensions=true&service_code=MT", None).await.json();
    assert_eq!(ext[0]["extended_attributes"]["ward"], WARD_A);
    assert_eq!(ext[0]["extended_attributes"]["internal_status"], "submitted");
    assert!(app.get("/open311/v2/requests.json", None).await.json()[0].get("extended_attributes").is_none());
    let xml = app.get("/open311/v2/requests.xml?service_code=CS", None).await;
    assert_eq!(xml.body.matches("<request>").count(), 2);

    for bad in [
        "start_date=yesterday",
        "end_date=2026-13-01T00:00:00Z",
        "start_date=2026-01-01T00:00:00Z&end_date=2025-01-01T00:00:00Z",
        "start_date=2025-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        "status=pending",
        "page=0",
        "page_size=1001",
        "lat=16.4&long=107.5",
        "lat=16.4&long=107.5&radius=-1",
        "extensions=maybe",
        "updated_after=now",
    ] {
        assert_error(&app.get(&format!("/open311/v2/requests.json?{bad}"), None).await, 400, false);
        assert_error(&app.get(&format!("/open311/v2/requests.xml?{bad}"), None).await, 400, true);
    }
}

#[tokio::test]
async fn tokens_resolve_to_their_request() {
    let (app, key) = app_with_key().await;
    let id = file(&app, &key, "MT", &[]).await;
    let json = app.get(&format!("/open311/v2/tokens/{id}.json"), None).await;
    assert_eq!(json.status, 200);
    assert_eq!(json.json()[0]["service_request_id"], id.as_str());
    assert_eq!(json.json()[0]["token"], id.as_str());
    let xml = app.get(&format!("/open311/v2/tokens/{id}.xml"), None).await;
    assert!(xml.body.contains(&format!("<token>{id}</token>")));
    assert_error(&app.get("/open311/v2/tokens/nope.json", None).await, 404, false);
    assert_error(&app.get(&format!("/open311/v2/tokens/{}.xml", uuid::Uuid::now_v7()), None).await, 404, true);
}

/// Moves a report to `answered` as the handling unit would.
async fn answer(app: &TestApp, id: &str) {
    let report = app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    let mut change = ReportChange::from_report(
        &report,
        ReportStatus::Answered,
        NewReportEvent { action: "answer".into(), public_note: "Đã thay bóng đèn.".into(), ..Default::default() },
    );
    change.answer = Some("Đã thay bóng đèn.".into());
    app.store.apply_report_change(&AuditContext::system("test"), change).await.unwrap();
}

#[tokio::test]
async fn a_polled_request_shows_each_change_at_once() {
    let (app, key) = app_with_key().await;
    let id = file(&app, &key, "CS", &[("description", "Đèn hỏng"), ("media_url", "https://cdn.example/den.jpg")]).await;
    let path = format!("/open311/v2/requests/{id}.json");
    let before = app.get(&path, None).await.json();
    assert_eq!(
        (before[0]["status"].as_str(), before[0]["media_url"].as_str()),
        (Some("open"), Some("https://cdn.example/den.jpg"))
    );
    assert_eq!(app.get(&path, None).await.json(), before, "polled again, the same document");
    let xml = app.get(&format!("/open311/v2/requests/{id}.xml"), None).await;
    assert!(xml.body.starts_with("<?xml"), "each format is its own document");

    answer(&app, &id).await;
    let after = app.get(&path, None).await.json();
    assert_eq!(
        (after[0]["status"].as_str(), after[0]["status_notes"].as_str()),
        (Some("closed"), Some("Đã thay bóng đèn."))
    );
    assert!(app.get(&format!("/open311/v2/requests/{id}.xml"), None).await.body.contains("Đã thay bóng đèn."));

    // A category renamed by an administrator is a change too (its name is the request's service_name).
    let ctx = AuditContext::system("test");
    let mut categories: serde_json::Value = serde_json::from_str(CATEGORIES).unwrap();
    for c in categories["categories"].as_array_mut().into_iter().flatten() {
        if c["code"] == "CS" {
            c["name_vi"] = "Chiếu sáng công cộng (đổi tên)".into();
        }
    }
    app.store.load_report_categories_json(&ctx, &categories.to_string()).await.unwrap();
    assert_eq!(app.get(&path, None).await.json()[0]["service_name"], "Chiếu sáng công cộng (đổi tên)");
}

#[tokio::test]
async fn a_listed_page_shows_a_new_report_and_each_change_at_once() {
    let (app, key) = app_with_key().await;
    let first = file(&app, &key, "CS", &[("description", "Đèn hỏng")]).await;
    let list = "/open311/v2/requests.json?service_code=CS,MT&status=open";
    let ids = |r: TestResponse| -> Vec<String> {
        r.json().as_array().unwrap().iter().map(|x| x["service_request_id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(app.get(list, None).await), std::slice::from_ref(&first));
    assert_eq!(ids(app.get(list, None).await), std::slice::from_ref(&first), "asked again, the same list");

    // A new report is on the list at once, though the list was kept.
    let second = file(&app, &key, "MT", &[("description", "Rác")]).await;
    assert_eq!(ids(app.get(list, None).await), [second.clone(), first.clone()]);
    // So is a change of a listed report: answered, it is no longer open.
    answer(&app, &first).await;
    assert_eq!(ids(app.get(list, None).await), std::slice::from_ref(&second));
    assert_eq!(app.get("/open311/v2/requests.json?service_code=CS", None).await.json()[0]["status"], "closed");
    // Refused queries are answered as errors every time, never kept.
    for _ in 0..2 {
        assert_error(&app.get("/open311/v2/requests.json?status=maybe", None).await, 400, false);
    }
}

fn update_fields<'a>(
    key: &'a str,
    id: &'a str,
    update_id: &'a str,
    status: &'a str,
    text: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", key),
        ("service_request_id", id),
        ("update_id", update_id),
        ("status", status),
        ("updated_datetime", "2026-11-27T09:00:00+07:00"),
        ("description", text),
        ("first_name", REPORTER[3]),
        ("email", REPORTER[1]),
    ]
}

#[tokio::test]
async fn updates_round_trip_between_fixmystreet_and_the_city() {
    let (app, key) = app_with_key().await;
    let id = file(&app, &key, "CS", &[("description", "Đèn hỏng")]).await;

    // A citizen's comment: recorded, status unchanged, visible in GET updates.
    let r = post(&app, "/open311/v2/servicerequestupdates.json", &update_fields(&key, &id, "fms-1", "OPEN", "Vẫn tối"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let our_id = r.json()[0]["update_id"].as_str().unwrap().to_owned();
    let again =
        post(&app, "/open311/v2/servicerequestupdates.json", &update_fields(&key, &id, "fms-1", "OPEN", "Vẫn tối"))
            .await;
    assert_eq!(again.json()[0]["update_id"], our_id.as_str(), "a retried update is recorded once");

    let updates = app.get("/open311/v2/servicerequestupdates.json", None).await;
    assert_eq!(updates.status, 200);
    let list = updates.json();
    let comment = list.as_array().unwrap().iter().find(|u| u["update_id"] == our_id.as_str()).expect("the comment");
    assert_eq!(comment["service_request_id"], id.as_str());
    assert_eq!(comment["status"], "open");
    assert_eq!(comment["description"], "Vẫn tối");
    assert!(comment["updated_datetime"].as_str().unwrap().ends_with("+07:00"));
    assert_no_identity(&updates.body);
    let xml = app.get("/open311/v2/servicerequestupdates.xml", None).await;
    assert!(xml.body.contains("<service_request_updates><request_update>"), "{}", xml.body);

    // The unit answers; FixMyStreet says it is fixed: the report closes.
    answer(&app, &id).await;
    let answered = app.get("/open311/v2/servicerequestupdates.json", None).await.json();
    assert!(
        answered.as_array().unwrap().iter().any(|u| u["status"] == "closed" && u["description"] == "Đã thay bóng đèn.")
    );
    let r =
        post(&app, "/open311/v2/servicerequestupdates.xml", &update_fields(&key, &id, "fms-2", "FIXED", "Sáng rồi"))
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<request_update><update_id>"));
    let read = app.get(&format!("/open311/v2/requests/{id}.json?extensions=true"), None).await.json();
    assert_eq!(read[0]["status"], "closed");
    assert_eq!(read[0]["extended_attributes"]["internal_status"], "closed");
    assert_eq!(read[0]["status_notes"], "Đã thay bóng đèn.");

    // A window in the past has nothing; a malformed window is a 400.
    let old = app
        .get(
            "/open311/v2/servicerequestupdates.json?start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(old.json().as_array().unwrap().len(), 0);
    assert_error(
        &app.get("/open311/v2/servicerequestupdates.json?start_date=2020-01-01T00:00:00Z", None).await,
        400,
        false,
    );
    assert_error(&app.get("/open311/v2/servicerequestupdates.xml?api_key=wrong", None).await, 403, true);
}

#[tokio::test]
async fn not_fixed_rates_the_answer_dissatisfied_and_bad_updates_are_refused() {
    let (app, key) = app_with_key().await;
    let id = file(&app, &key, "CS", &[]).await;
    answer(&app, &id).await;
    let r = post(&app, "/open311/v2/servicerequestupdates.json", &update_fields(&key, &id, "u1", "REOPEN", "Vẫn hỏng"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stored = app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.status, ReportStatus::Answered);
    assert_eq!(stored.rating.map(|r| r.as_str()), Some("dissatisfied"), "the IOC may now reopen it");

    let missing = uuid::Uuid::now_v7().to_string();
    let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
        (update_fields("wrong", &id, "u2", "OPEN", "x"), 403),
        (update_fields(&key, &missing, "u2", "OPEN", "x"), 404),
        (update_fields(&key, "not-an-id", "u2", "OPEN", "x"), 404),
        (update_fields(&key, &id, "u2", "SOLVED", "x"), 400),
        (vec![("api_key", &key), ("service_request_id", &id), ("status", "OPEN")], 400),
    ];
    for (fields, status) in cases {
        assert_error(&post(&app, "/open311/v2/servicerequestupdates.json", &fields).await, status, false);
        assert_error(&post(&app, "/open311/v2/servicerequestupdates.xml", &fields).await, status, true);
    }
}

#[tokio::test]
async fn open311_posts_need_no_csrf_token_but_pages_still_do() {
    let (app, key) = app_with_key().await;
    let admin = app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let _ = admin;
    let session = app.login("admin@hue.test").await;
    let body = form_encode(&[("api_key", &key), ("service_code", "MT"), ("lat", LAT), ("long", LONG)]);
    let req = Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &session.cookie)
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status, 200);
    let page = app.post_form_raw("/admin/open311-keys", Some(&session.cookie), &[("name", "Không token")]).await;
    assert_eq!(page.status, 403, "the admin page keeps its CSRF check");
}

#[tokio::test]
async fn administrators_create_list_and_revoke_partner_keys() {
    let (app, _) = app_with_key().await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    app.staff("ioc@hue.test", &[(Role::IocOperator, "46")]).await;
    let admin = app.login("admin@hue.test").await;
    let created = app.post_form("/admin/open311-keys", Some(&admin), &[("name", "Ứng dụng Hue-S")]).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let secret = created.body.split("value=\"o311_").nth(1).unwrap().split('"').next().unwrap();
    let secret = format!("o311_{secret}");
    let list = app.get("/admin/open311-keys", Some(&admin)).await;
    assert!(list.body.contains("Ứng dụng Hue-S"));
    assert!(!list.body.contains(&secret), "the secret is shown once");

    let id = file(&app, &secret, "MT", &[]).await;
    assert!(!id.is_empty());
    let key = app.store.open311_keys().await.unwrap().into_iter().find(|k| k.name == "Ứng dụng Hue-S").unwrap();
    assert!(key.last_used_at.is_some());
    let revoked = app.post_form(&format!("/admin/open311-keys/{}/revoke", key.id), Some(&admin), &[]).await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let refused = post(
        &app,
        "/open311/v2/requests.json",
        &[("api_key", &secret), ("service_code", "MT"), ("lat", LAT), ("long", LONG)],
    )
    .await;
    assert_error(&refused, 403, false);

    let blank = app.post_form("/admin/open311-keys", Some(&admin), &[("name", "  ")]).await;
    assert_eq!(blank.status, 422);
    let ioc = app.login("ioc@hue.test").await;
    assert_eq!(app.get("/admin/open311-keys", Some(&ioc)).await.status, 403);
    assert_eq!(app.post_form("/admin/open311-keys", Some(&ioc), &[("name", "X")]).await.status, 403);
}

#[tokio::test]
async fn a_partner_over_its_rate_gets_429_and_others_do_not() {
    let (app, key) = app_with_key().await;
    let ctx = AuditContext::system("test");
    let other = "o311_other_partner";
    app.store.create_open311_key(&ctx, "Other", &hash_secret(other)).await.unwrap();
    let fields = [("api_key", key.as_str()), ("service_code", "NOPE"), ("lat", LAT), ("long", LONG)];
    for _ in 0..60 {
        assert_eq!(post(&app, "/open311/v2/requests.json", &fields).await.status, 404);
    }
    let limited = post(&app, "/open311/v2/requests.xml", &fields).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.body.contains("<errors><error><code>429</code>"), "{}", limited.body);
    let fine = post(
        &app,
        "/open311/v2/requests.json",
        &[("api_key", other), ("service_code", "NOPE"), ("lat", LAT), ("long", LONG)],
    )
    .await;
    assert_eq!(fine.status, 404);
}

#[tokio::test]
async fn a_ten_megabyte_description_is_refused_without_a_server_error() {
    let (app, key) = app_with_key().await;
    let huge = "x".repeat(10 * 1024 * 1024);
    let r = post(
        &app,
        "/open311/v2/requests.json",
        &[("api_key", &key), ("service_code", "MT"), ("lat", LAT), ("long", LONG), ("description", &huge)],
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(app.store.reports(&Default::default()).await.unwrap().is_empty());
}
