//! Identity over HTTP: registration, login and throttling, sessions, roles and their scope,
//! API tokens, e-cards at the desk, and the audit trail all of it leaves.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use smartcity_domain::identity::Role;
use smartcity_store::AuditStore;
use smartcity_store::audit::AuditFilter;
use smartcity_web::shell::throttle::LoginThrottle;

use crate::app::{PASSWORD, Session, TestApp, WARD_A, WARD_B};

#[tokio::test]
async fn a_citizen_registers_and_lands_logged_in_on_their_account() {
    let app = TestApp::new().await;
    let anon = app.anonymous().await;
    let r = app
        .post_form(
            "/register",
            Some(&anon),
            &[
                ("full_name", "  Lê   Văn Bình "),
                ("citizen_id", "046085123456"),
                ("contact", "binh@example.vn"),
                ("password", "mot-mat-khau-dai"),
                ("password_confirm", "mot-mat-khau-dai"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/account"));
    let secret = r.set_cookie("sc_session").expect("logged in after registering");
    let session = Session { cookie: format!("sc_session={secret}"), csrf: String::new() };
    let account = app.get("/account", Some(&session)).await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("Lê Văn Bình"), "name is cleaned of extra spaces");
    assert!(account.body.contains("Công dân"), "citizen role on the city");
    // The new account logs in with what it registered.
    let login = app
        .post_json(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"identifier": "BINH@example.vn", "password": "mot-mat-khau-dai"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
}

#[tokio::test]
async fn a_malformed_id_number_is_explained_and_the_form_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let anon = app.anonymous().await;
    let r = app
        .post_form(
            "/register",
            Some(&anon),
            &[
                ("full_name", "Trần Thị Cúc"),
                ("citizen_id", "003090001234"),
                ("contact", "cuc@example.vn"),
                ("password", "mot-mat-khau-dai"),
                ("password_confirm", "mot-mat-khau-dai"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("field-error"));
    assert!(r.body.contains(r#"value="Trần Thị Cúc""#));
    assert!(r.body.contains(r#"value="cuc@example.vn""#));
    assert!(!r.body.contains("mot-mat-khau-dai"), "passwords are never echoed");
    assert!(r.set_cookie("sc_session").is_none());
}

#[tokio::test]
async fn registering_a_taken_id_number_says_so_on_the_field() {
    let app = TestApp::new().await;
    app.citizen("first@example.vn", "046090001234").await;
    let anon = app.anonymous().await;
    let r = app
        .post_form(
            "/register",
            Some(&anon),
            &[
                ("full_name", "Người Thứ Hai"),
                ("citizen_id", "046090001234"),
                ("contact", "0905111222"),
                ("password", "mot-mat-khau-dai"),
                ("password_confirm", "mot-mat-khau-dai"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("đã có tài khoản"), "{}", r.body);
}

#[tokio::test]
async fn wrong_passwords_fail_the_same_way_for_known_and_unknown_accounts() {
    let app = TestApp::new().await;
    app.staff("known@hue.test", &[]).await;
    let known = app
        .post_json(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"identifier": "known@hue.test", "password": "sai-mat-khau"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"identifier": "nobody@hue.test", "password": "sai-mat-khau"}),
        )
        .await;
    assert_eq!(known.status, StatusCode::UNAUTHORIZED);
    assert_eq!(known.json()["error"], "login_failed");
    assert_eq!(known.json(), unknown.json());
    let page = app
        .post_form("/login", Some(&app.anonymous().await), &[("identifier", "known@hue.test"), ("password", "x")])
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains(r#"class="error""#));
    assert!(page.body.contains(r#"value="known@hue.test""#));
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_then_the_address() {
    let app = TestApp::with_throttle(LoginThrottle::new(Duration::from_secs(600), 3, 5)).await;
    app.staff("target@hue.test", &[]).await;
    let attempt = |email: &'static str, password: &'static str, ip: [u8; 4]| {
        let body = serde_json::json!({"identifier": email, "password": password}).to_string();
        let mut req = Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 5000))));
        req
    };
    for _ in 0..3 {
        assert_eq!(app.send(attempt("target@hue.test", "wrong", [10, 0, 0, 1])).await.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is locked, from anywhere.
    let locked = app.send(attempt("target@hue.test", PASSWORD, [10, 0, 0, 2])).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.json()["error"], "login_throttled");
    assert!(locked.headers.contains_key("retry-after"));
    // One address trying many accounts is stopped too.
    for name in ["a@hue.test", "b@hue.test"] {
        app.send(attempt(name, "wrong", [10, 0, 0, 1])).await;
    }
    let from_same_ip = app.send(attempt("c@hue.test", "wrong", [10, 0, 0, 1])).await;
    assert_eq!(from_same_ip.status, StatusCode::TOO_MANY_REQUESTS);
    let from_elsewhere = app.send(attempt("c@hue.test", "wrong", [10, 0, 0, 9])).await;
    assert_eq!(from_elsewhere.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_everywhere_ends_every_session_of_the_account() {
    let app = TestApp::new().await;
    app.staff("two@hue.test", &[]).await;
    let phone = app.login("two@hue.test").await;
    let laptop = app.login("two@hue.test").await;
    let r = app.post_form("/account/logout-everywhere", Some(&laptop), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/me", Some(&phone)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/me", Some(&laptop)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_logs_out_other_sessions() {
    let app = TestApp::new().await;
    app.staff("pw@hue.test", &[]).await;
    let other = app.login("pw@hue.test").await;
    let here = app.login("pw@hue.test").await;
    let wrong = app
        .post_form(
            "/account/password",
            Some(&here),
            &[
                ("current_password", "nope"),
                ("new_password", "mat-khau-moi-2026"),
                ("new_password_confirm", "mat-khau-moi-2026"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post_form(
            "/account/password",
            Some(&here),
            &[
                ("current_password", PASSWORD),
                ("new_password", "mat-khau-moi-2026"),
                ("new_password_confirm", "mat-khau-moi-2026"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.set_cookie("sc_session").is_some(), "this browser stays logged in with a fresh session");
    assert_eq!(app.get("/api/v1/me", Some(&other)).await.status, StatusCode::UNAUTHORIZED);
    let relogin = app
        .post_json(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"identifier": "pw@hue.test", "password": "mat-khau-moi-2026"}),
        )
        .await;
    assert_eq!(relogin.status, StatusCode::OK);
}

#[tokio::test]
async fn me_lists_the_callers_roles() {
    let app = TestApp::new().await;
    app.staff("officer@hue.test", &[(Role::ProcessingOfficer, WARD_A)]).await;
    let s = app.login("officer@hue.test").await;
    let me = app.get("/api/v1/me", Some(&s)).await.json();
    assert_eq!(me["email"], "officer@hue.test");
    assert_eq!(me["roles"][0]["role"], "processing_officer");
    assert_eq!(me["roles"][0]["unit_code"], WARD_A);
}

#[tokio::test]
async fn only_administrators_reach_the_admin_pages() {
    let app = TestApp::new().await;
    app.staff("officer@hue.test", &[(Role::ProcessingOfficer, "46")]).await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let officer = app.login("officer@hue.test").await;
    let admin = app.login("admin@hue.test").await;
    for path in ["/admin", "/admin/users", "/admin/units", "/admin/audit"] {
        assert_eq!(app.get(path, Some(&officer)).await.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(app.get(path, Some(&admin)).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn an_administrator_of_ward_a_cannot_act_on_ward_b() {
    let app = TestApp::new().await;
    app.staff("ward-admin@hue.test", &[(Role::Administrator, WARD_A)]).await;
    let officer = app.staff("officer@hue.test", &[]).await;
    let admin = app.login("ward-admin@hue.test").await;

    let on_b = app
        .post_form(
            &format!("/admin/users/{officer}/grants"),
            Some(&admin),
            &[("role", "processing_officer"), ("unit_code", WARD_B)],
        )
        .await;
    assert_eq!(on_b.status, StatusCode::FORBIDDEN);
    let rename_b = app
        .post_form(
            &format!("/admin/units/{WARD_B}/rename"),
            Some(&admin),
            &[("name_vi", "Phường Mới"), ("name_en", "New Ward")],
        )
        .await;
    assert_eq!(rename_b.status, StatusCode::FORBIDDEN);
    let on_city = app
        .post_form(
            &format!("/admin/users/{officer}/grants"),
            Some(&admin),
            &[("role", "administrator"), ("unit_code", "46")],
        )
        .await;
    assert_eq!(on_city.status, StatusCode::FORBIDDEN, "no escalation to the parent unit");

    let on_a = app
        .post_form(
            &format!("/admin/users/{officer}/grants"),
            Some(&admin),
            &[("role", "processing_officer"), ("unit_code", WARD_A)],
        )
        .await;
    assert_eq!(on_a.status, StatusCode::SEE_OTHER, "{}", on_a.body);
    let page = app.get(&format!("/admin/users/{officer}"), Some(&admin)).await;
    assert!(page.body.contains("Cán bộ xử lý"));
    assert!(page.body.contains("Phường Phú Xuân"));
}

#[tokio::test]
async fn a_city_administrator_grants_on_any_ward_and_duplicates_are_explained() {
    let app = TestApp::new().await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let officer = app.staff("officer@hue.test", &[]).await;
    let admin = app.login("admin@hue.test").await;
    let path = format!("/admin/users/{officer}/grants");
    let fields = [("role", "unit_leader"), ("unit_code", WARD_B)];
    assert_eq!(app.post_form(&path, Some(&admin), &fields).await.status, StatusCode::SEE_OTHER);
    let again = app.post_form(&path, Some(&admin), &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("đã có vai trò này"));
    let bad_role = app.post_form(&path, Some(&admin), &[("role", "mayor"), ("unit_code", WARD_B)]).await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn api_tokens_authenticate_scripts_until_revoked() {
    let app = TestApp::new().await;
    app.staff("script@hue.test", &[]).await;
    let s = app.login("script@hue.test").await;
    let page = app.post_form("/account/tokens", Some(&s), &[("name", "báo cáo hằng ngày")]).await;
    assert_eq!(page.status, StatusCode::OK);
    let token =
        page.body.split(r#"id="new-token" class="token">"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(token.starts_with("sct_"));
    let bearer = |t: &str| {
        Request::get("/api/v1/me").header("authorization", format!("Bearer {t}")).body(Body::empty()).unwrap()
    };
    let me = app.send(bearer(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], "script@hue.test");
    assert_eq!(app.send(bearer("sct_not-a-token")).await.status, StatusCode::UNAUTHORIZED);

    let account = app.get("/account", Some(&s)).await;
    let id = account.body.split("/account/tokens/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    assert!(!account.body.contains(&token), "the token is shown once only");
    app.post_form(&format!("/account/tokens/{id}/revoke"), Some(&s), &[]).await;
    assert_eq!(app.send(bearer(&token)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reception_officer_identifies_a_citizen_by_e_card_and_the_read_is_audited() {
    let app = TestApp::new().await;
    let citizen = app.citizen("dan@example.vn", "046190004321").await;
    app.staff("desk@hue.test", &[(Role::ReceptionOfficer, "46.TTHCC")]).await;
    app.staff("officer@hue.test", &[(Role::ProcessingOfficer, WARD_A)]).await;
    let desk = app.login("desk@hue.test").await;
    let issued = app.post_form("/admin/ecards", Some(&desk), &[("holder", "046190004321")]).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let number =
        issued.body.split(r#"id="issued-card" class="mono">"#).nth(1).unwrap().split('<').next().unwrap().to_owned();

    let found = app.post_json("/api/v1/ecards/lookup", Some(&desk), serde_json::json!({"scanned": number})).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.json()["citizen_id"], "046190004321");
    let reads = app
        .store
        .list_audit(&AuditFilter { record_type: Some("account".into()), record_id: Some(citizen.to_string()) }, 50, 0)
        .await
        .unwrap();
    assert!(reads.iter().any(|r| r.action == "personal_data.read"));

    let officer = app.login("officer@hue.test").await;
    let refused = app.post_json("/api/v1/ecards/lookup", Some(&officer), serde_json::json!({"scanned": number})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown =
        app.post_json("/api/v1/ecards/lookup", Some(&desk), serde_json::json!({"scanned": "4600000000000000"})).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_change_leaves_a_verifiable_audit_chain() {
    let app = TestApp::new().await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let officer = app.staff("officer@hue.test", &[]).await;
    let admin = app.login("admin@hue.test").await;
    app.post_form(
        &format!("/admin/users/{officer}/grants"),
        Some(&admin),
        &[("role", "editor"), ("unit_code", WARD_A)],
    )
    .await;
    let records = app.store.list_audit(&AuditFilter::default(), 500, 0).await.unwrap();
    let grant = records
        .iter()
        .find(|r| r.action == "role.granted" && r.record_id == officer.to_string())
        .expect("grant audited");
    assert_eq!(
        grant.actor.as_deref(),
        Some(records.iter().find(|r| r.action == "session.started").unwrap().record_id.as_str())
    );
    assert_eq!(grant.ip.as_deref(), Some("127.0.0.1"));
    let checked = app.store.verify_audit().await.unwrap().expect("chain verifies");
    assert_eq!(checked as usize, records.len());
    let page = app.get("/admin/audit", Some(&admin)).await;
    assert!(page.body.contains(r#"id="chain-status" class="notice""#));
}
