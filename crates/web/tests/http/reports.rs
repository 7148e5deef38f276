//! Field reports over Open311 GeoReport v2 (read side): services, request listings with filters,
//! one request, in XML and JSON, with the protocol's errors — and never the reporter's identity.

use smartcity_domain::geo::GeoPoint;
use smartcity_store::AuditContext;
use smartcity_store::reports::{NewReport, Report, ReportStore, Reporter};

use crate::app::TestApp;

const CATEGORIES: &str = include_str!("../../../smartcity/seed/feedback-categories.json");

/// The app with the shipped categories and one report from An (name, email, phone given).
pub(crate) async fn with_report() -> (TestApp, Report) {
    let app = TestApp::new().await;
    let ctx = AuditContext::system("test");
    app.store.load_report_categories_json(&ctx, CATEGORIES).await.unwrap();
    let code = app.store.report_categories().await.unwrap().remove(0).code;
    let report = app
        .store
        .create_report(
            &ctx,
            NewReport {
                service_code: code,
                description: "Đèn đường hỏng <script>".to_owned(),
                location: GeoPoint { lat: 16.45, lon: 107.55 },
                address: Some("5 Lê Lợi".to_owned()),
                ward_code: None,
                handling_unit_code: None,
                reporter: Reporter {
                    account_id: None,
                    name: Some("Nguyễn Văn Riêng".to_owned()),
                    email: Some("rieng@example.vn".to_owned()),
                    phone: Some("0912000111".to_owned()),
                },
                api_key_id: None,
                photos: vec![],
            },
        )
        .await
        .unwrap();
    (app, report)
}

fn assert_no_identity(body: &str) {
    for private in ["Nguyễn Văn Riêng", "rieng@example.vn", "0912000111"] {
        assert!(!body.contains(private), "{private} leaked: {body}");
    }
}

#[tokio::test]
async fn services_are_listed_in_both_formats() {
    let (app, report) = with_report().await;
    let json = app.get("/open311/v2/services.json", None).await;
    assert_eq!(json.status, 200);
    assert!(json.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let list = json.json();
    assert!(list.as_array().unwrap().iter().any(|s| s["service_code"] == report.service_code.as_str()));

    let xml = app.get("/open311/v2/services.xml", None).await;
    assert_eq!(xml.status, 200);
    assert!(xml.headers["content-type"].to_str().unwrap().starts_with("text/xml"));
    assert!(xml.body.starts_with("<?xml"));
    assert!(xml.body.contains(&format!("<service_code>{}</service_code>", report.service_code)));
}

#[tokio::test]
async fn a_request_reads_back_by_id_without_the_reporter() {
    let (app, report) = with_report().await;
    let json = app.get(&format!("/open311/v2/requests/{}.json", report.id), None).await;
    assert_eq!(json.status, 200, "{}", json.body);
    let list = json.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["service_request_id"], report.id.to_string());
    assert_eq!(list[0]["status"], "open");
    assert_no_identity(&json.body);

    let xml = app.get(&format!("/open311/v2/requests/{}.xml", report.id), None).await;
    assert_eq!(xml.status, 200);
    assert!(xml.body.contains(&format!("<service_request_id>{}</service_request_id>", report.id)));
    assert!(xml.body.contains("&lt;script&gt;"), "text is escaped: {}", xml.body);
    assert_no_identity(&xml.body);
}

#[tokio::test]
async fn listings_filter_by_service_status_and_ids() {
    let (app, report) = with_report().await;
    let all = app.get("/open311/v2/requests.json", None).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.json().as_array().unwrap().len(), 1);
    assert_no_identity(&all.body);

    let open =
        app.get(&format!("/open311/v2/requests.json?status=open&service_code={}", report.service_code), None).await;
    assert_eq!(open.json().as_array().unwrap().len(), 1);
    let closed = app.get("/open311/v2/requests.json?status=closed", None).await;
    assert_eq!(closed.json().as_array().unwrap().len(), 0);
    let other = app.get("/open311/v2/requests.xml?service_code=NO_SUCH", None).await;
    assert_eq!(other.status, 200);
    assert!(!other.body.contains("<request>"));
    let by_id = app.get(&format!("/open311/v2/requests.json?service_request_id={}", report.id), None).await;
    assert_eq!(by_id.json().as_array().unwrap().len(), 1);
    let near = app.get("/open311/v2/requests.json?lat=16.45&long=107.55&radius=100", None).await;
    assert_eq!(near.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_dates_unknown_ids_and_formats_are_protocol_errors() {
    let (app, _) = with_report().await;
    let bad = app.get("/open311/v2/requests.json?start_date=yesterday", None).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()[0]["code"], 400);
    let bad_xml = app.get("/open311/v2/requests.xml?start_date=yesterday", None).await;
    assert_eq!(bad_xml.status, 400);
    assert!(bad_xml.body.contains("<errors>"), "{}", bad_xml.body);

    for id in [uuid::Uuid::now_v7().to_string(), "not-an-id".to_owned()] {
        let missing = app.get(&format!("/open311/v2/requests/{id}.json"), None).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()[0]["code"], 404);
    }
    let unknown = app.get("/open311/v2/requests.html", None).await;
    assert_eq!(unknown.status, 404);
    let nothing = app.get("/open311/v2/nothing.json", None).await;
    assert_eq!(nothing.status, 404);
}
