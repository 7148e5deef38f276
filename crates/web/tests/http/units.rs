//! Units over HTTP: the JSON API (list, one unit, locate) and administration.

use axum::http::StatusCode;
use smartcity_domain::identity::Role;

use crate::app::{TestApp, WARD_A, WARD_B};

#[tokio::test]
async fn the_api_lists_units_and_filters_them() {
    let app = TestApp::new().await;
    let all = app.get("/api/v1/units", None).await.json();
    assert_eq!(all.as_array().unwrap().len(), 4);
    assert_eq!(all[0]["code"], "46");
    let wards = app.get("/api/v1/units?kind=ward", None).await.json();
    assert_eq!(wards.as_array().unwrap().len(), 2);
    let folded = app.get("/api/v1/units?q=thuan%20hoa", None).await.json();
    assert_eq!(folded[0]["code"], WARD_B, "search ignores diacritics");
    let bad = app.get("/api/v1/units?kind=district", None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "kind");
}

#[tokio::test]
async fn one_unit_comes_with_children_and_history() {
    let app = TestApp::new().await;
    let city = app.get("/api/v1/units/46", None).await.json();
    assert_eq!(city["name_vi"], "Thành phố Huế");
    assert_eq!(city["children"].as_array().unwrap().len(), 3);
    assert_eq!(city["changes"][0]["kind"], "created");
    let malformed = app.get("/api/v1/units/ABC", None).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(malformed.json()["error"], "unit_code_invalid");
}

#[tokio::test]
async fn locate_finds_the_ward_containing_a_point_and_404s_outside_hue() {
    let app = TestApp::new().await;
    let inside = app.get("/api/v1/units/locate?lat=16.45&lon=107.55", None).await;
    assert_eq!(inside.status, StatusCode::OK);
    assert_eq!(inside.json()["code"], WARD_A);
    let outside = app.get("/api/v1/units/locate?lat=21.03&lon=105.85", None).await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    assert_eq!(outside.json()["error"], "location_outside_hue");
    let out_of_range = app.get("/api/v1/units/locate?lat=95&lon=107.5", None).await;
    assert_eq!(out_of_range.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_a_number = app.get("/api/v1/units/locate?lat=abc&lon=107.5", None).await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_a_number.json()["error"], "query_invalid");
}

#[tokio::test]
async fn a_merged_ward_resolves_to_its_successor() {
    let app = TestApp::new().await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let admin = app.login("admin@hue.test").await;
    let r = app
        .post_form(
            &format!("/admin/units/{WARD_A}/merge"),
            Some(&admin),
            &[("target", WARD_B), ("effective_on", "2025-08-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let located = app.get("/api/v1/units/locate?lat=16.45&lon=107.55", None).await.json();
    assert_eq!(located["code"], WARD_B);
    let merged = app.get(&format!("/api/v1/units/{WARD_A}"), None).await.json();
    assert_eq!(merged["active"], false);
    assert_eq!(merged["successor_code"], WARD_B);
    let active = app.get("/api/v1/units?kind=ward", None).await.json();
    assert_eq!(active.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn administrators_add_and_rename_units_with_clear_errors() {
    let app = TestApp::new().await;
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    let admin = app.login("admin@hue.test").await;
    let created = app
        .post_form(
            "/admin/units",
            Some(&admin),
            &[
                ("code", "46.sgddt"),
                ("parent_code", "46"),
                ("kind", "agency"),
                ("name_vi", "Sở Giáo dục và Đào tạo"),
                ("name_en", "Department of Education and Training"),
                ("valid_from", "2025-07-01"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location(), Some("/units/46.SGDDT"));
    let duplicate = app
        .post_form(
            "/admin/units",
            Some(&admin),
            &[
                ("code", "46.SGDDT"),
                ("parent_code", "46"),
                ("kind", "agency"),
                ("name_vi", "Trùng"),
                ("name_en", "Duplicate"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(duplicate.body.contains("Mã đơn vị này đã tồn tại"));
    let bad_date = app
        .post_form(
            &format!("/admin/units/{WARD_B}/rename"),
            Some(&admin),
            &[("name_vi", "Phường Thuận Hóa Mới"), ("name_en", "New Thuan Hoa"), ("effective_on", "01/07/2026")],
        )
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_date.body.contains("năm-tháng-ngày"));
    let renamed = app
        .post_form(
            &format!("/admin/units/{WARD_B}/rename"),
            Some(&admin),
            &[("name_vi", "Phường Thuận Hóa Mới"), ("name_en", "New Thuan Hoa"), ("effective_on", "2026-01-01")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let unit = app.get(&format!("/api/v1/units/{WARD_B}"), None).await.json();
    assert_eq!(unit["name_vi"], "Phường Thuận Hóa Mới");
    assert_eq!(unit["changes"][1]["details"]["from_vi"], "Phường Thuận Hóa");
}

#[tokio::test]
async fn the_public_units_page_finds_a_ward_by_coordinates() {
    let app = TestApp::new().await;
    let page = app.get("/units?lat=16.45&lon=107.55", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"id="locate-result" class="notice""#));
    assert!(page.body.contains("Phường Phú Xuân"));
    let bad = app.get("/units?lat=abc&lon=1", None).await;
    assert!(bad.body.contains(r#"id="locate-result" class="error""#));
}
