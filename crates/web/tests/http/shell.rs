//! The shell: languages, CSRF, errors, health and the OpenAPI document.

use axum::http::StatusCode;

use crate::app::TestApp;

#[tokio::test]
async fn pages_are_vietnamese_by_default_and_switch_to_english() {
    let app = TestApp::new().await;
    let home = app.get("/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(r#"<html lang="vi">"#));
    assert!(home.body.contains("Dịch vụ của thành phố Huế"));
    assert!(home.body.contains(r#"id="lang-switch""#));

    let switch = app.get("/lang/en?next=%2Flogin", None).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), Some("/login"));
    assert_eq!(switch.set_cookie("lang").as_deref(), Some("en"));

    let req = axum::http::Request::get("/login").header("cookie", "lang=en").body(axum::body::Body::empty()).unwrap();
    let english = app.send(req).await;
    assert!(english.body.contains(r#"<html lang="en">"#));
    assert!(english.body.contains("Email or phone"));
    assert!(english.body.contains("Tiếng Việt"));
}

#[tokio::test]
async fn the_language_switch_never_redirects_off_site() {
    let app = TestApp::new().await;
    let r = app.get("/lang/en?next=%2F%2Fevil.example", None).await;
    assert_eq!(r.location(), Some("/"));
}

#[tokio::test]
async fn unsafe_requests_without_the_csrf_token_are_refused() {
    let app = TestApp::new().await;
    app.staff("officer@hue.test", &[]).await;
    let session = app.login("officer@hue.test").await;

    // A form post with the session cookie but no token.
    let r = app.post_form_raw("/logout", Some(&session.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("csrf_token_invalid"));
    // A wrong token.
    let r = app.post_form_raw("/logout", Some(&session.cookie), &[("_csrf", "0000")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // JSON API with the cookie but without the header.
    let req = axum::http::Request::post("/api/v1/auth/logout")
        .header("cookie", &session.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "csrf_token_invalid");
    // Still logged in after all three.
    assert_eq!(app.get("/account", Some(&session)).await.status, StatusCode::OK);
    // The right token works.
    let r = app.post_form("/logout", Some(&session), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/account", Some(&session)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_a_token() {
    let app = TestApp::new().await;
    app.staff("officer@hue.test", &[]).await;
    let session = app.login("officer@hue.test").await;
    let req = axum::http::Request::post("/logout")
        .header("cookie", &session.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(format!("_csrf={}", session.csrf)))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_errors_are_json_with_both_languages_and_pages_are_html() {
    let app = TestApp::new().await;
    let api = app.get("/api/v1/units/99999", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    let body = api.json();
    assert_eq!(body["error"], "not_found");
    assert!(body["message_vi"].as_str().unwrap().contains("Không tìm thấy"));
    assert!(body["message_en"].as_str().unwrap().contains("not found"));

    let page = app.get("/no-such-page", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("<html"));
    assert!(page.body.contains("Không tìm thấy"));

    let english = app.get("/api/v1/units/99999?lang=en", None).await;
    assert!(english.json()["message"].as_str().unwrap().contains("not found"));
}

#[tokio::test]
async fn pages_that_need_a_login_send_the_visitor_to_it_and_back() {
    let app = TestApp::new().await;
    let r = app.get("/account", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login?next=%2Faccount"));
    let api = app.get("/api/v1/me", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.json()["error"], "login_required");
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz", None).await.body, "ok");
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.body.starts_with("ready"));
    app.get("/", None).await;
    let metrics = app.get("/metrics", None).await;
    assert!(metrics.body.contains("http_requests_total"), "{}", metrics.body);
}

#[tokio::test]
async fn static_assets_are_embedded() {
    let app = TestApp::new().await;
    let css = app.get("/static/app.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(app.get("/static/htmx.min.js", None).await.body.contains("htmx"));
    assert_eq!(app.get("/static/missing.js", None).await.status, StatusCode::NOT_FOUND);
}

/// Every `/api/v1` route the router serves is in the OpenAPI document, and vice versa.
#[tokio::test]
async fn the_openapi_document_covers_every_json_endpoint() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi.json", None).await.json();
    assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    let documented: std::collections::BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| format!("{} {path}", m.to_uppercase())))
        .collect();
    let served: std::collections::BTreeSet<String> = [
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/logout",
        "GET /api/v1/me",
        "POST /api/v1/ecards/lookup",
        "GET /api/v1/units",
        "GET /api/v1/units/{code}",
        "GET /api/v1/units/locate",
        "GET /api/v1/procedures",
        "GET /api/v1/procedures/{code}",
        "POST /api/v1/dossiers",
        "GET /api/v1/dossiers/{code}",
        "POST /api/v1/dossiers/{code}/actions",
        "GET /api/v1/lookup/{code}",
        "GET /api/v1/indices",
        "GET /api/v1/calendar/holidays",
        "GET /api/v1/calendar/due-date",
        "GET /api/v1/transparency/units",
        "GET /api/v1/transparency/units/{code}",
        "GET /api/v1/transparency/reports",
        "GET /api/v1/transparency/environment",
        "GET /api/v1/ioc/summary",
        "GET /api/v1/ioc/events",
        "GET /api/v1/ioc/map/{layer}",
        "POST /api/v1/dossiers/{code}/payments",
        "GET /api/v1/payments/{id}",
        "GET /api/v1/payments/totals",
        "GET /api/v1/receipts/{series}/{number}",
        "GET /api/v1/receipts/verify/{code}",
        "GET /api/v1/search",
        "GET /api/v1/environment/aqi",
        "GET /api/v1/environment/rivers",
        "GET /api/v1/environment/rainfall",
        "GET /api/v1/alarm-rules",
        "PUT /api/v1/alarm-rules/{code}",
        "PUT /api/v1/environment/gauges/{id}/levels",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(documented, served);
    // And each really is served (no 404 from the fallback).
    for entry in &served {
        let (method, path) = entry.split_once(' ').unwrap();
        let path =
            path.replace("{code}", "46").replace("{id}", "46").replace("{series}", "AA-26E").replace("{number}", "1");
        // A route that exists answers something other than the fallback's 404 page for an
        // unknown procedure/dossier code; those two report their own not-found codes.
        let req = axum::http::Request::builder()
            .method(method)
            .uri(&path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let r = app.send(req).await;
        assert!(
            !(r.status == StatusCode::NOT_FOUND && r.body.contains("\"not_found\"")),
            "{entry} not served: {}",
            r.body
        );
    }
}
