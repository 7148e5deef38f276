//! Payments over HTTP, on both engines: a citizen pays through the built-in sandbox (which notifies the IPN like
//! VNPay), receipts print and verify, the desk takes cash and refunds, a dossier waiting in status 6 moves on
//! when paid — and the gateway's callback refuses every forgery with the right RspCode, audited, changing nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};
use smartcity_domain::identity::Role;
use smartcity_domain::payments::{CollectAt, FeeKind, FeeSpec, vnpay_datetime, vnpay_signed_query};
use smartcity_domain::procedures::{OnlineLevel, ProcedureLevel, RequiredDocument, default_steps};
use smartcity_store::payments::{NewReceiptSeries, PaymentStore};
use smartcity_store::procedures::NewProcedure;
use smartcity_store::{AuditContext, AuditStore, ProcedureStore};
use smartcity_web::payments::SANDBOX_HASH_SECRET;

use crate::app::{Session, TestApp, TestResponse, WARD_A};

const PROCEDURE: &str = "2.000635";

/// A procedure with a 150 000 đ charge that must be paid before processing, and a receipt series for the city.
async fn with_paid_procedure(app: &TestApp) {
    let ctx = AuditContext::system("test");
    let procedure = app
        .store
        .create_procedure_version(
            &ctx,
            NewProcedure {
                code: PROCEDURE.into(),
                valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                name_vi: "Cấp bản sao trích lục hộ tịch".into(),
                name_en: "Copy of a civil status extract".into(),
                field_vi: "Hộ tịch".into(),
                field_en: "Civil status".into(),
                level: ProcedureLevel::Commune,
                unit_code: None,
                agency_vi: "UBND cấp xã".into(),
                processing_days: 1,
                online_level: OnlineLevel::Full,
                fee_vnd: 150_000,
                fee_note: String::new(),
                legal_basis: vec!["Thông tư 85/2019/TT-BTC".into()],
                documents: vec![RequiredDocument {
                    key: "doc1".into(),
                    name_vi: "Tờ khai".into(),
                    name_en: "Declaration".into(),
                    copy_kind: 0,
                    required: true,
                }],
                form_fields: vec![],
                steps: default_steps(1),
                paper_result: false,
            },
        )
        .await
        .unwrap();
    let fee = FeeSpec {
        key: "le_phi".into(),
        kind: FeeKind::Charge,
        name_vi: "Lệ phí cấp bản sao trích lục".into(),
        name_en: "Charge for the copy".into(),
        amount_vnd: 150_000,
        collect_at: CollectAt::Reception,
        before_processing: true,
    };
    app.store.set_procedure_fees(&ctx, procedure.id, vec![fee]).await.unwrap();
    app.store
        .create_receipt_series(
            &ctx,
            NewReceiptSeries {
                unit_code: "46".into(),
                template_symbol: "01BLP0-001".into(),
                series_symbol: "AA/26E".into(),
                collector_name: "Trung tâm Phục vụ hành chính công thành phố Huế".into(),
                collector_tax_code: "3300101406".into(),
            },
        )
        .await
        .unwrap();
}

struct Cast {
    citizen: Session,
    other: Session,
    reception: Session,
    processing: Session,
}

async fn cast(app: &TestApp) -> Cast {
    with_paid_procedure(app).await;
    app.citizen("dan@example.vn", "046090001234").await;
    app.citizen("khac@example.vn", "046090009999").await;
    app.staff("desk@hue.test", &[(Role::ReceptionOfficer, "46")]).await;
    app.staff("officer@hue.test", &[(Role::ProcessingOfficer, WARD_A)]).await;
    Cast {
        citizen: app.login("dan@example.vn").await,
        other: app.login("khac@example.vn").await,
        reception: app.login("desk@hue.test").await,
        processing: app.login("officer@hue.test").await,
    }
}

async fn submit(app: &TestApp, s: &Session) -> String {
    let pdf = base64::engine::general_purpose::STANDARD.encode("%PDF-1.4\n% to khai\n");
    let body = json!({"procedure_code": PROCEDURE, "unit_code": WARD_A, "form": {},
        "documents": [{"document_key": "doc1", "file_name": "to-khai.pdf", "content_base64": pdf}]});
    let r = app.post_json("/api/v1/dossiers", Some(s), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_owned()
}

async fn open_payment(app: &TestApp, s: &Session, code: &str) -> TestResponse {
    app.post_json(&format!("/api/v1/dossiers/{code}/payments"), Some(s), json!({})).await
}

/// The query of a payment URL, as decoded pairs.
fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn get<'a>(params: &'a [(String, String)], key: &str) -> &'a str {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap()
}

/// An IPN query for `txn_ref` as VNPay would send it, signed with `secret`.
fn ipn_query(secret: &str, txn_ref: &str, amount_x100: &str, response: &str) -> String {
    let mut params: Vec<(String, String)> = [
        ("vnp_Amount", amount_x100),
        ("vnp_BankCode", "NCB"),
        ("vnp_CardType", "ATM"),
        ("vnp_OrderInfo", "Thanh toan le phi"),
        ("vnp_PayDate", &vnpay_datetime(Utc::now())),
        ("vnp_ResponseCode", response),
        ("vnp_TmnCode", "HUESBX01"),
        ("vnp_TransactionNo", "14226112"),
        ("vnp_TransactionStatus", response),
        ("vnp_TxnRef", txn_ref),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    params.sort();
    vnpay_signed_query(secret, &params)
}

async fn ipn(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/payments/vnpay/ipn?{query}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "the IPN always answers 200: {}", r.body);
    r.json()
}

/// Row counts of every table but the two logs a refused callback appends to (the audit log and the payment's
/// own history): what "changes nothing" means.
async fn counts(app: &TestApp) -> Vec<(&'static str, usize)> {
    let all = app.store.export_dump().await.unwrap().tables.counts();
    all.into_iter().filter(|(t, _)| !matches!(*t, "audit_log" | "payment_events")).collect()
}

async fn status_of(app: &TestApp, s: &Session, payment_id: &str) -> String {
    let r = app.get(&format!("/api/v1/payments/{payment_id}"), Some(s)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["status"].as_str().unwrap().to_owned()
}

async fn last_audit_action(app: &TestApp) -> (String, String) {
    let records = app.store.list_audit(&Default::default(), 1, 0).await.unwrap();
    (records[0].action.clone(), records[0].details["rsp_code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_citizen_pays_through_the_sandbox_and_gets_a_printable_verifiable_receipt() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let page = app.get(&format!("/dossiers/{code}"), Some(&c.citizen)).await;
    assert!(page.body.contains("id=\"pay-le_phi\""), "the dossier page offers to pay");

    let r = open_payment(&app, &c.citizen, &code).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let payment = r.json();
    assert_eq!((payment["status"].as_str(), payment["amount_vnd"].as_i64()), (Some("pending"), Some(150_000)));
    let url = payment["payment_url"].as_str().unwrap().to_owned();
    assert!(url.contains("/sandbox/vnpay/pay?"), "{url}");
    let params = query_of(&url);
    assert_eq!(get(&params, "vnp_Amount"), "15000000");
    assert_eq!(get(&params, "vnp_Version"), "2.1.0");
    assert_eq!(get(&params, "vnp_TxnRef"), payment["txn_ref"].as_str().unwrap());
    assert!(get(&params, "vnp_ReturnUrl").ends_with("/payments/vnpay/return"));

    // The sandbox page, then "success": it notifies the IPN and sends the browser back.
    let path = &url[url.find("/sandbox").unwrap()..];
    let sandbox = app.get(path, Some(&c.citizen)).await;
    assert_eq!(sandbox.status, StatusCode::OK, "{}", sandbox.body);
    assert!(sandbox.body.contains("150.000"));
    let query = path.split_once('?').unwrap().1;
    let back = app
        .post_form("/sandbox/vnpay/pay", Some(&c.citizen), &[("query", query), ("outcome", "success"), ("bank", "VCB")])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let location = back.location().unwrap().to_owned();
    assert!(location.starts_with("/payments/vnpay/return?"), "{location}");
    let result = app.get(&location, Some(&c.citizen)).await;
    assert!(result.body.contains("data-status=\"paid\""), "{}", result.body);

    let id = payment["id"].as_str().unwrap();
    let paid = app.get(&format!("/api/v1/payments/{id}"), Some(&c.citizen)).await.json();
    assert_eq!((paid["status"].as_str(), paid["bank_code"].as_str()), (Some("paid"), Some("VCB")));
    let receipt_url = paid["receipts"][0].as_str().unwrap().to_owned();
    assert_eq!(receipt_url, "/api/v1/receipts/AA-26E/1");
    let receipt = app.get(&receipt_url, Some(&c.citizen)).await.json();
    assert_eq!(receipt["number"], "0000001");
    assert_eq!(receipt["amount_in_words"], "Một trăm năm mươi nghìn đồng");
    assert_eq!(receipt["payer_id_number"], "046090001234");
    assert_eq!(receipt["dossier_code"], code.as_str());
    let xml = app.get(&format!("{receipt_url}?format=xml"), Some(&c.citizen)).await;
    assert_eq!(xml.headers["content-type"], "application/xml; charset=utf-8");
    assert!(xml.body.contains("<SoBienLai>0000001</SoBienLai>") && xml.body.contains("<SoTien>150000</SoTien>"));

    // Printable A4 and thermal pages; another citizen sees nothing.
    let a4 = app.get("/bien-lai/AA-26E/1", Some(&c.citizen)).await;
    assert_eq!(a4.status, StatusCode::OK);
    assert!(a4.body.contains("size: A4") && a4.body.contains("Một trăm năm mươi nghìn đồng"));
    let thermal = app.get("/bien-lai/AA-26E/0000001?format=thermal", Some(&c.citizen)).await;
    assert!(thermal.body.contains("size: 80mm auto") && thermal.body.contains("receipt thermal"));
    assert_eq!(app.get("/bien-lai/AA-26E/1", Some(&c.other)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&receipt_url, Some(&c.other)).await.status, StatusCode::NOT_FOUND);

    // Anyone verifies it by code, without the ID number.
    let vcode = receipt["verification_code"].as_str().unwrap();
    let check = app.get(&format!("/api/v1/receipts/verify/{}", vcode.to_lowercase()), None).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert_eq!(check.json()["payer_initials"], "N. T. H.");
    assert!(!check.body.contains("046090001234"));
    let public = app.get(&format!("/bien-lai/tra-cuu?code={vcode}"), None).await;
    assert!(public.body.contains("id=\"verify-result\"") && !public.body.contains("046090001234"));
    assert_eq!(app.get("/api/v1/receipts/verify/0000-0000-0000-0000", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/receipts/verify/nope", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Paid: no second payment, and the page no longer offers one.
    assert_eq!(open_payment(&app, &c.citizen, &code).await.status, StatusCode::CONFLICT);
    assert!(!app.get(&format!("/dossiers/{code}"), Some(&c.citizen)).await.body.contains("id=\"pay-le_phi\""));
}

#[tokio::test]
async fn a_cancelled_payment_can_be_retried() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let first = open_payment(&app, &c.citizen, &code).await.json();
    let url = first["payment_url"].as_str().unwrap();
    let query = url.split_once('?').unwrap().1;
    let back = app.post_form("/sandbox/vnpay/pay", Some(&c.citizen), &[("query", query), ("outcome", "cancel")]).await;
    let result = app.get(back.location().unwrap(), Some(&c.citizen)).await;
    assert!(result.body.contains("data-status=\"failed\""), "{}", result.body);
    assert_eq!(status_of(&app, &c.citizen, first["id"].as_str().unwrap()).await, "failed");

    // The day's reconciliation lists the cancelled order as not confirmed (desk staff only).
    let report = app.get("/desk/payments", Some(&c.reception)).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert!(report.body.contains(first["txn_ref"].as_str().unwrap()), "the cancelled order is listed");
    assert_eq!(app.get("/desk/payments", Some(&c.citizen)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/desk/payments?day=hom-qua", Some(&c.reception)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let retry = open_payment(&app, &c.citizen, &code).await.json();
    assert_ne!(retry["id"], first["id"], "a new order after a cancelled one");
    let query = retry["payment_url"].as_str().unwrap().split_once('?').unwrap().1.to_owned();
    app.post_form("/sandbox/vnpay/pay", Some(&c.citizen), &[("query", &query), ("outcome", "success")]).await;
    assert_eq!(status_of(&app, &c.citizen, retry["id"].as_str().unwrap()).await, "paid");
}

#[tokio::test]
async fn every_forged_or_repeated_callback_is_refused_audited_and_changes_nothing() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let payment = open_payment(&app, &c.citizen, &code).await.json();
    let txn = payment["txn_ref"].as_str().unwrap();
    let id = payment["id"].as_str().unwrap();
    let before = counts(&app).await;

    // Forged signature (another secret), and a valid one with the amount changed afterwards: 97.
    let forged = ipn(&app, &ipn_query("not-the-secret", txn, "15000000", "00")).await;
    assert_eq!(forged, json!({"RspCode": "97", "Message": "Invalid signature"}));
    assert_eq!(last_audit_action(&app).await, ("payment.callback_refused".to_owned(), "97".to_owned()));
    let tampered =
        ipn_query(SANDBOX_HASH_SECRET, txn, "15000000", "00").replace("vnp_Amount=15000000", "vnp_Amount=100");
    assert_eq!(ipn(&app, &tampered).await["RspCode"], "97");
    assert_eq!(ipn(&app, "").await["RspCode"], "97", "no parameters at all");
    // Correctly signed but for another amount: 04. Unknown order: 01.
    assert_eq!(ipn(&app, &ipn_query(SANDBOX_HASH_SECRET, txn, "100", "00")).await["RspCode"], "04");
    assert_eq!(last_audit_action(&app).await.1, "04");
    assert_eq!(ipn(&app, &ipn_query(SANDBOX_HASH_SECRET, "NO-SUCH-ORDER", "15000000", "00")).await["RspCode"], "01");
    // The return address with a success never changes the payment, signed or not.
    let shown = app
        .get(
            &format!("/payments/vnpay/return?{}", ipn_query(SANDBOX_HASH_SECRET, txn, "15000000", "00")),
            Some(&c.citizen),
        )
        .await;
    assert!(shown.body.contains("data-status=\"pending\""), "{}", shown.body);
    let forged_return =
        app.get(&format!("/payments/vnpay/return?{}", ipn_query("x", txn, "15000000", "00")), None).await;
    assert!(forged_return.body.contains("data-status=\"invalid\""));
    assert_eq!(counts(&app).await, before, "nothing but the audit log changed");
    assert_eq!(status_of(&app, &c.citizen, id).await, "pending");

    // The real notification pays it; replaying it is answered 02 and changes nothing.
    let genuine = ipn_query(SANDBOX_HASH_SECRET, txn, "15000000", "00");
    assert_eq!(ipn(&app, &genuine).await, json!({"RspCode": "00", "Message": "Confirm Success"}));
    let paid = counts(&app).await;
    assert_eq!(ipn(&app, &genuine).await, json!({"RspCode": "02", "Message": "Order already confirmed"}));
    // A failure notification for the paid order is also "already confirmed".
    assert_eq!(ipn(&app, &ipn_query(SANDBOX_HASH_SECRET, txn, "15000000", "24")).await["RspCode"], "02");
    assert_eq!(counts(&app).await, paid);
    assert_eq!(
        app.store
            .receipts_of_dossier(app.store.payment_by_txn_ref(txn).await.unwrap().unwrap().dossier_id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(app.store.verify_audit().await.unwrap().map(|n| n > 5), Ok(true));
}

#[tokio::test]
async fn a_late_notification_after_expiry_is_refused() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let payment = open_payment(&app, &c.citizen, &code).await.json();
    let txn = payment["txn_ref"].as_str().unwrap();
    // The worker's sweep, an hour later.
    let later = Utc::now() + chrono::Duration::hours(1);
    assert_eq!(app.store.expire_payments(&AuditContext::system("test"), later).await.unwrap(), 1);
    let before = counts(&app).await;
    let reply = ipn(&app, &ipn_query(SANDBOX_HASH_SECRET, txn, "15000000", "00")).await;
    assert_eq!(reply["RspCode"], "02");
    assert_eq!(status_of(&app, &c.citizen, payment["id"].as_str().unwrap()).await, "expired");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn two_tabs_paying_the_same_fee_pay_once_and_record_once() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let (a, b) = tokio::join!(open_payment(&app, &c.citizen, &code), open_payment(&app, &c.citizen, &code));
    let (a, b) = (a.json(), b.json());
    assert_eq!(a["id"], b["id"], "both tabs carry the same order");
    let txn = a["txn_ref"].as_str().unwrap();
    let query = ipn_query(SANDBOX_HASH_SECRET, txn, "15000000", "00");
    let (x, y) = tokio::join!(ipn(&app, &query), ipn(&app, &query));
    let mut codes = [x["RspCode"].as_str().unwrap().to_owned(), y["RspCode"].as_str().unwrap().to_owned()];
    codes.sort();
    assert_eq!(codes, ["00", "02"]);
    let dossier_id = app.store.payment_by_txn_ref(txn).await.unwrap().unwrap().dossier_id;
    assert_eq!(app.store.payments_of_dossier(dossier_id).await.unwrap().len(), 1);
    assert_eq!(app.store.receipts_of_dossier(dossier_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_dossier_waits_in_status_6_until_its_fee_is_paid() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let act = |s: &Session, body: Value| {
        let path = format!("/api/v1/dossiers/{code}/actions");
        let s = s.clone();
        let app = &app;
        async move { app.post_json(&path, Some(&s), body).await }
    };
    assert_eq!(act(&c.reception, json!({"action": "accept"})).await.status, StatusCode::OK);
    let started = act(&c.processing, json!({"action": "start_processing"})).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let view = app.get(&format!("/api/v1/dossiers/{code}"), Some(&c.citizen)).await.json();
    assert_eq!(view["status_code"], 6, "the procedure wants its fee before processing");

    let payment = open_payment(&app, &c.citizen, &code).await.json();
    let reply =
        ipn(&app, &ipn_query(SANDBOX_HASH_SECRET, payment["txn_ref"].as_str().unwrap(), "15000000", "00")).await;
    assert_eq!(reply["RspCode"], "00");
    let view = app.get(&format!("/api/v1/dossiers/{code}"), Some(&c.citizen)).await.json();
    assert_eq!(view["status_code"], 4, "paid: processing goes on");
    let history = app.get(&format!("/dossiers/{code}"), Some(&c.citizen)).await.body;
    assert!(history.contains("request_payment") && history.contains("confirm_payment"));

    // QĐ 766 indicator 3.6 counts it: one dossier with fees, paid online.
    let indices = app.get("/api/v1/indices?unit=46", None).await.json();
    let online = indices["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "3.6").unwrap().clone();
    assert_eq!(
        (online["numerator"].as_f64(), online["denominator"].as_u64(), online["value"].as_f64()),
        (Some(1.0), Some(1), Some(100.0))
    );
}

#[tokio::test]
async fn the_desk_takes_cash_prints_a_thermal_receipt_and_refunds_with_an_adjusting_receipt() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    // A citizen cannot record cash.
    let refused = app
        .post_form(
            &format!("/dossiers/{code}/payments/counter"),
            Some(&c.citizen),
            &[("fee_key", "le_phi"), ("method", "cash")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = app.get(&format!("/dossiers/{code}"), Some(&c.reception)).await;
    assert!(page.body.contains("id=\"counter-payment\""));
    let taken = app
        .post_form(
            &format!("/dossiers/{code}/payments/counter"),
            Some(&c.reception),
            &[("fee_key", "le_phi"), ("method", "cash")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    assert_eq!(taken.location(), Some("/bien-lai/AA-26E/1?format=thermal"));
    let thermal = app.get("/bien-lai/AA-26E/1?format=thermal", Some(&c.reception)).await;
    assert!(thermal.body.contains("Tiền mặt") && thermal.body.contains("id=\"refund-form\""));
    // The fee is paid: paying online is refused.
    assert_eq!(open_payment(&app, &c.citizen, &code).await.status, StatusCode::CONFLICT);

    let bad = app
        .post_form(
            "/bien-lai/AA-26E/1/refund",
            Some(&c.reception),
            &[("amount", "200.000"), ("reason", "Thu thừa"), ("approved_by", "Trưởng bộ phận")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("id=\"refund-error\""), "{}", bad.body);
    let refund = app
        .post_form(
            "/bien-lai/AA-26E/1/refund",
            Some(&c.reception),
            &[("amount", "50.000"), ("reason", "Thu thừa"), ("approved_by", "Trưởng bộ phận")],
        )
        .await;
    assert_eq!(refund.location(), Some("/bien-lai/AA-26E/2"), "{}", refund.body);
    let adjusting = app.get("/api/v1/receipts/AA-26E/2", Some(&c.citizen)).await.json();
    assert_eq!((adjusting["kind"].as_str(), adjusting["amount_vnd"].as_i64()), (Some("adjustment"), Some(-50_000)));
    assert_eq!(adjusting["adjusts"], "AA/26E/0000001");
    assert_eq!(
        app.post_form(
            "/bien-lai/AA-26E/1/refund",
            Some(&c.citizen),
            &[("amount", "1"), ("reason", "x"), ("approved_by", "y")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_desk_waives_a_fee_with_reason_and_approver_and_the_dossier_moves_on() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&c.reception), json!({"action": "accept"})).await;
    app.post_json(
        &format!("/api/v1/dossiers/{code}/actions"),
        Some(&c.processing),
        json!({"action": "start_processing"}),
    )
    .await;
    let path = format!("/dossiers/{code}/payments/exempt");
    let missing =
        app.post_form(&path, Some(&c.reception), &[("fee_key", "le_phi"), ("reason", " "), ("approved_by", "x")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.post_form(&path, Some(&c.citizen), &[("fee_key", "le_phi"), ("reason", "x"), ("approved_by", "y")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let done = app
        .post_form(
            &path,
            Some(&c.reception),
            &[("fee_key", "le_phi"), ("reason", "Hộ nghèo"), ("approved_by", "Chủ tịch UBND phường")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let view = app.get(&format!("/api/v1/dossiers/{code}"), Some(&c.citizen)).await.json();
    assert_eq!(view["status_code"], 4, "waived: processing goes on");
    assert_eq!(open_payment(&app, &c.citizen, &code).await.status, StatusCode::CONFLICT, "nothing left to pay");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_never_a_5xx() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let r = app
        .post_json(&format!("/api/v1/dossiers/{code}/payments"), Some(&c.citizen), json!({"fee_key": "khong_co"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message_vi"].as_str().unwrap().contains("khong_co"));
    assert_eq!(open_payment(&app, &c.other, &code).await.status, StatusCode::NOT_FOUND, "not their dossier");
    assert_eq!(app.get("/api/v1/payments/not-a-uuid", Some(&c.citizen)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/receipts/AA-26E/abc", Some(&c.citizen)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sandbox = app.get("/sandbox/vnpay/pay?vnp_TxnRef=x&vnp_SecureHash=00", None).await;
    assert_eq!(sandbox.status, StatusCode::UNPROCESSABLE_ENTITY);
    let req = Request::get("/payments/vnpay/ipn?vnp_Amount=%ZZ&&&=").body(Body::empty()).unwrap();
    assert_eq!(app.send(req).await.json()["RspCode"], "97");
}

#[tokio::test]
async fn city_administrators_set_a_versions_fees_and_bad_amounts_are_refused_in_both_languages() {
    let app = TestApp::new().await;
    with_paid_procedure(&app).await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    app.staff("ward-admin@hue.test", &[(Role::Administrator, WARD_A)]).await;
    let admin = app.login("admin@hue.test").await;
    let ward_admin = app.login("ward-admin@hue.test").await;
    let path = format!("/admin/procedures/{PROCEDURE}/fees");
    let page = app.get(&path, Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"le_phi\"") && page.body.contains("value=\"150.000\""), "{}", page.body);
    assert_eq!(app.get(&path, Some(&ward_admin)).await.status, StatusCode::FORBIDDEN, "the catalogue is the city's");

    let row = |amount: &'static str| {
        vec![
            ("version", "1"),
            ("rows", "2"),
            ("key_0", "le_phi"),
            ("kind_0", "le_phi"),
            ("name_vi_0", "Lệ phí cấp bản sao"),
            ("amount_0", "8.000"),
            ("collect_at_0", "reception"),
            ("before_0", "on"),
            ("key_1", "phi_gui"),
            ("kind_1", "phi"),
            ("name_vi_1", "Phí gửi kết quả qua bưu chính"),
            ("amount_1", amount),
            ("collect_at_1", "result"),
        ]
    };
    for (amount, vi, en) in [
        ("-20.000", "Dòng 2: Số tiền không được âm.", "Row 2: The amount cannot be negative."),
        ("20.000,5", "Dòng 2: Số tiền tính bằng đồng, không có phần lẻ", "Row 2: Amounts are whole đồng"),
    ] {
        let refused = app.post_form(&path, Some(&admin), &row(amount)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains(vi), "{}", refused.body);
        assert!(refused.body.contains(&format!("value=\"{amount}\"")), "what was typed comes back");
        let english = app.post_form(&format!("{path}?lang=en"), Some(&admin), &row(amount)).await;
        assert!(english.body.contains(en), "{}", english.body);
    }
    let procedure = app.store.procedure_versions(PROCEDURE).await.unwrap().pop().unwrap();
    assert_eq!(app.store.procedure_fees(&procedure).await.unwrap()[0].amount_vnd, 150_000, "nothing saved");

    let saved = app.post_form(&path, Some(&admin), &row("20.000")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let fees = app.store.procedure_fees(&procedure).await.unwrap();
    assert_eq!(
        fees.iter()
            .map(|f| (f.key.as_str(), f.amount_vnd, f.collect_at.as_str(), f.before_processing))
            .collect::<Vec<_>>(),
        [("le_phi", 8_000, "reception", true), ("phi_gui", 20_000, "result", false)]
    );
    assert_eq!(app.post_form(&path, Some(&ward_admin), &row("20.000")).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unit_administrators_register_their_own_units_series_and_bad_symbols_are_refused() {
    let app = TestApp::new().await;
    with_paid_procedure(&app).await;
    app.staff("ward-admin@hue.test", &[(Role::Administrator, WARD_A)]).await;
    let ward_admin = app.login("ward-admin@hue.test").await;
    let page = app.get("/admin/receipt-series", Some(&ward_admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("data-series=\"AA/26E\""), "the city's series is not theirs");
    let form = |unit: &'static str, template: &'static str, series: &'static str| {
        vec![
            ("unit_code", unit),
            ("template_symbol", template),
            ("series_symbol", series),
            ("collector_name", "UBND phường"),
            ("collector_tax_code", "3300101406"),
        ]
    };
    let taken = app.post_form("/admin/receipt-series", Some(&ward_admin), &form(WARD_A, "01BLP0-001", "AA/26E")).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("Ký hiệu biên lai AA/26E đã được đăng ký"), "{}", taken.body);
    let bad = app.post_form("/admin/receipt-series", Some(&ward_admin), &form(WARD_A, "BLP-1", "PX/26E")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("01BLP0-001"), "{}", bad.body);
    let elsewhere =
        app.post_form("/admin/receipt-series", Some(&ward_admin), &form("46", "01BLP0-001", "PX/26E")).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "not their unit");
    let done = app.post_form("/admin/receipt-series", Some(&ward_admin), &form(WARD_A, "01blp0-002", "px/26e")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = app.get("/admin/receipt-series", Some(&ward_admin)).await;
    assert!(page.body.contains("data-series=\"PX/26E\"") && page.body.contains("01BLP0-002"));
    let series = app.store.receipt_series().await.unwrap();
    let mine = series.iter().find(|s| s.series_symbol == "PX/26E").unwrap();
    let city = series.iter().find(|s| s.series_symbol == "AA/26E").unwrap();
    let retire_city = app.post_form(&format!("/admin/receipt-series/{}/retire", city.id), Some(&ward_admin), &[]).await;
    assert_eq!(retire_city.status, StatusCode::FORBIDDEN);
    let retired = app.post_form(&format!("/admin/receipt-series/{}/retire", mine.id), Some(&ward_admin), &[]).await;
    assert_eq!(retired.status, StatusCode::SEE_OTHER);
    assert!(!app.store.receipt_series().await.unwrap().iter().any(|s| s.id == mine.id && s.active));
}

#[tokio::test]
async fn the_desk_replaces_a_receipt_and_both_receipts_and_the_public_check_show_the_link() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    let taken = app
        .post_form(
            &format!("/dossiers/{code}/payments/counter"),
            Some(&c.reception),
            &[("fee_key", "le_phi"), ("method", "cash")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let old = app.get("/api/v1/receipts/AA-26E/1", Some(&c.citizen)).await.json();
    let fields = [("payer_name", "Trần Thị Dân"), ("payer_id_number", "046090001234"), ("reason", "Ghi sai họ tên")];
    assert_eq!(
        app.post_form("/bien-lai/AA-26E/1/replace", Some(&c.citizen), &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let no_reason = app
        .post_form("/bien-lai/AA-26E/1/replace", Some(&c.reception), &[("payer_name", "Trần Thị Dân"), ("reason", " ")])
        .await;
    assert!(no_reason.body.contains("Hãy ghi lý do thay thế biên lai."), "{}", no_reason.body);
    let replaced = app.post_form("/bien-lai/AA-26E/1/replace", Some(&c.reception), &fields).await;
    assert_eq!(replaced.location(), Some("/bien-lai/AA-26E/2"), "{}", replaced.body);

    let new = app.get("/api/v1/receipts/AA-26E/2", Some(&c.citizen)).await.json();
    assert_eq!((new["kind"].as_str(), new["replaces"].as_str()), (Some("replacement"), Some("AA/26E/0000001")));
    assert_eq!((new["payer_name"].as_str(), new["amount_vnd"].as_i64()), (Some("Trần Thị Dân"), Some(150_000)));
    let old_now = app.get("/api/v1/receipts/AA-26E/1", Some(&c.citizen)).await.json();
    assert_eq!(old_now["replaced_by"], "AA/26E/0000002");
    assert_eq!(old_now["payer_name"], old["payer_name"], "the old receipt is unchanged");
    let xml = app.get("/api/v1/receipts/AA-26E/1?format=xml", Some(&c.citizen)).await;
    assert!(xml.body.contains("<BiThayTheBoiBienLai>AA/26E/0000002</BiThayTheBoiBienLai>"), "{}", xml.body);

    let old_code = old["verification_code"].as_str().unwrap();
    let check = app.get(&format!("/api/v1/receipts/verify/{old_code}"), None).await.json();
    assert_eq!((check["valid"].as_bool(), check["replaced_by"].as_str()), (Some(false), Some("AA/26E/0000002")));
    let page = app.get(&format!("/bien-lai/tra-cuu?code={old_code}"), None).await;
    assert!(page.body.contains("id=\"verify-replaced\"") && page.body.contains("AA/26E/0000002"));
    let new_check =
        app.get(&format!("/api/v1/receipts/verify/{}", new["verification_code"].as_str().unwrap()), None).await;
    assert_eq!(new_check.json()["replaces"], "AA/26E/0000001");
    assert!(!new_check.body.contains("046090001234"), "no ID numbers on the public check");
    let old_page = app.get("/bien-lai/AA-26E/1", Some(&c.reception)).await;
    assert!(old_page.body.contains("id=\"receipt-replaced\"") && !old_page.body.contains("id=\"replace-form\""));
    let again = app.post_form("/bien-lai/AA-26E/1/replace", Some(&c.reception), &fields).await;
    assert!(again.body.contains("Biên lai này đã được thay thế"), "{}", again.body);
}

#[tokio::test]
async fn totals_by_procedure_unit_channel_and_method_come_as_a_page_csv_and_json() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let code = submit(&app, &c.citizen).await;
    app.post_form(
        &format!("/dossiers/{code}/payments/counter"),
        Some(&c.reception),
        &[("fee_key", "le_phi"), ("method", "cash")],
    )
    .await;
    let paid_online = submit(&app, &c.citizen).await;
    let opened = open_payment(&app, &c.citizen, &paid_online).await.json();
    let query = ipn_query(SANDBOX_HASH_SECRET, opened["txn_ref"].as_str().unwrap(), "15000000", "00");
    assert_eq!(ipn(&app, &query).await["RspCode"], "00");

    let json = app.get("/api/v1/payments/totals", Some(&c.reception)).await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.body);
    let json = json.json();
    let rows: Vec<(String, String, String, String, i64, i64)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_owned();
            (
                s("procedure_code"),
                s("channel"),
                s("method"),
                s("gateway"),
                r["count"].as_i64().unwrap(),
                r["amount_vnd"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (PROCEDURE.to_owned(), "online".to_owned(), "cash".to_owned(), String::new(), 1, 150_000),
            (PROCEDURE.to_owned(), "online".to_owned(), "vnpay".to_owned(), "vnpay".to_owned(), 1, 150_000),
        ]
    );
    assert_eq!(json["amount_vnd"], 300_000);
    let csv = app.get("/desk/payments/totals.csv", Some(&c.reception)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains(&format!(
            "{PROCEDURE},Cấp bản sao trích lục hộ tịch,{WARD_A},online,vnpay,vnpay,1,150000,0,150000"
        )),
        "{}",
        csv.body
    );
    let page = app.get("/desk/payments", Some(&c.reception)).await;
    assert!(page.body.contains("id=\"totals\"") && page.body.contains("300.000"), "{}", page.body);
    assert_eq!(app.get("/api/v1/payments/totals", Some(&c.citizen)).await.status, StatusCode::FORBIDDEN);
    let reversed = app.get("/api/v1/payments/totals?from=2026-11-20&to=2026-11-01", Some(&c.reception)).await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reversed.json()["error"], "period_invalid");
}
