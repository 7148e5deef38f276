//! Public transparency (`/minh-bach`): every unit's QĐ 766 figures from real dossiers, ranked within its
//! group, explained, split by month and downloadable — and never a person's identity.

use axum::http::StatusCode;
use chrono::{Datelike, Utc};
use serde_json::{Value, json};

use crate::app::{TestApp, WARD_A, WARD_B};
use crate::dossiers::{act, cast, submit};

fn unit<'a>(table: &'a Value, code: &str) -> &'a Value {
    table["units"].as_array().unwrap().iter().find(|u| u["code"] == code).unwrap_or_else(|| panic!("{code} missing"))
}

/// A ward with one accepted dossier and a sibling ward with none.
async fn one_dossier_in_ward_a(app: &TestApp) -> String {
    let c = cast(app).await;
    let code = submit(app, &c.citizen, "t").await.json()["code"].as_str().unwrap().to_owned();
    assert_eq!(act(app, &c.reception, &code, json!({"action": "accept"})).await.status, StatusCode::OK);
    code
}

#[tokio::test]
async fn every_unit_is_listed_with_its_own_dossiers_and_ranked_within_its_group() {
    let app = TestApp::new().await;
    one_dossier_in_ward_a(&app).await;
    let table = app.get("/api/v1/transparency/units", None).await.json();
    let city = unit(&table, "46");
    assert_eq!(city["group"], "city");
    assert_eq!(city["dossiers"], 1, "the city counts its wards' dossiers");
    assert_eq!(city["rank"], 1);
    let a = unit(&table, WARD_A);
    assert_eq!((a["group"].as_str(), a["dossiers"].as_u64()), (Some("commune"), Some(1)));
    let on_time = a["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "2.1").unwrap();
    assert_eq!((on_time["numerator"].as_f64(), on_time["denominator"].as_u64()), (Some(1.0), Some(1)));
    assert!(a["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 100.0), "{a}");
    assert_eq!(a["rank"], 1, "the only ward with data ranks first");
    let b = unit(&table, WARD_B);
    assert_eq!(b["dossiers"], 0);
    assert!(b["score"].is_null() && b["rank"].is_null(), "no dossiers: N/A, not last: {b}");
    let agency = unit(&table, "46.TTHCC");
    assert_eq!(agency["group"], "agency");
    // Ranked groups come in order: the city, then wards and communes, then agencies.
    let groups: Vec<&str> = table["units"].as_array().unwrap().iter().map(|u| u["group"].as_str().unwrap()).collect();
    assert_eq!(groups.first(), Some(&"city"));
    assert!(groups.windows(2).all(|w| !(w[0] == "agency" && w[1] == "commune")), "{groups:?}");
}

#[tokio::test]
async fn a_unit_shows_each_figure_with_its_formula_and_a_month_by_month_trend() {
    let app = TestApp::new().await;
    one_dossier_in_ward_a(&app).await;
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let from = format!("{}-01-01", today.year());
    let detail = app.get(&format!("/api/v1/transparency/units/{WARD_A}?from={from}&to={today}"), None).await.json();
    assert_eq!(detail["unit"]["code"], WARD_A);
    let months = detail["months"].as_array().unwrap();
    assert_eq!(months.len(), today.month() as usize, "one bucket per month of the year so far");
    assert_eq!(months[0]["month"], format!("{}-01", today.year()));
    let last = months.last().unwrap();
    let on_time = last["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "2.1").unwrap();
    assert_eq!(on_time["denominator"], 1, "this month holds the dossier");
    if months.len() > 1 {
        let first = months[0]["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "2.1").unwrap();
        assert!(first["value"].is_null(), "January had no dossier: N/A");
    }
    for e in detail["explained"].as_array().unwrap() {
        assert!(!e["how_vi"].as_str().unwrap().is_empty() && !e["how_en"].as_str().unwrap().is_empty(), "{e}");
        assert!(e["denominator"].is_u64(), "the counts behind the figure: {e}");
    }
    let page = app.get(&format!("/minh-bach/don-vi/{WARD_A}?from={from}&to={today}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"chi-so-2-1\"") && page.body.contains("id=\"months\""));
    let csv = app.get(&format!("/minh-bach/don-vi/{WARD_A}/theo-thang.csv?from={from}&to={today}"), None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 1 + months.len(), "a header and one line per month");
}

#[tokio::test]
async fn two_wards_compare_side_by_side_and_the_ranking_downloads_as_csv() {
    let app = TestApp::new().await;
    one_dossier_in_ward_a(&app).await;
    let page = app.get(&format!("/minh-bach/so-sanh?a={WARD_A}&b={WARD_B}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"comparison\""));
    assert!(page.body.contains("Phường Phú Xuân") && page.body.contains("Phường Thuận Hóa"));
    let overview = app.get("/minh-bach", None).await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("id=\"ranking\"") && overview.body.contains("/minh-bach/cach-tinh#chi-so-2-1"));
    let csv = app.get("/minh-bach/don-vi.csv", None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(csv.body.starts_with('\u{feff}'), "BOM so spreadsheets read Vietnamese");
    let header: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().next().unwrap().split(',').collect();
    assert!(header.contains(&"2.1_value") && header.contains(&"5.4_denominator"));
    let ward_line = csv.body.lines().find(|l| l.contains(&format!(",{WARD_A},"))).unwrap();
    assert!(ward_line.contains("Phường Phú Xuân"));
    let formulas = app.get("/minh-bach/cach-tinh", None).await;
    assert!(formulas.body.contains("id=\"chi-so-5-4\""));
}

#[tokio::test]
async fn public_figures_never_name_the_applicant() {
    let app = TestApp::new().await;
    let code = one_dossier_in_ward_a(&app).await;
    for path in [
        "/api/v1/transparency/units".to_owned(),
        format!("/api/v1/transparency/units/{WARD_A}"),
        "/minh-bach".to_owned(),
        format!("/minh-bach/so-sanh?a={WARD_A}&b={WARD_B}"),
        "/minh-bach/don-vi.csv".to_owned(),
        format!("/minh-bach/don-vi/{WARD_A}"),
    ] {
        let r = app.get(&path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for secret in ["Nguyễn Thị Hoa", "046090001234", "dan@example.vn", code.as_str()] {
            assert!(!r.body.contains(secret), "{path} shows {secret}");
        }
    }
}

#[tokio::test]
async fn bad_periods_and_units_get_clear_errors() {
    let app = TestApp::new().await;
    let reversed = app.get("/api/v1/transparency/units?from=2026-05-01&to=2026-04-01", None).await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reversed.json()["error"], "period_reversed");
    let long = app.get("/api/v1/transparency/units?from=2019-01-01&to=2026-01-01", None).await;
    assert_eq!(long.json()["error"], "period_too_long");
    let malformed = app.get("/api/v1/transparency/units?from=yesterday", None).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(malformed.json()["field"], "from");
    let unknown = app.get("/api/v1/transparency/units/99999", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let page = app.get("/minh-bach?from=2026-05-01&to=2026-04-01", None).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Ngày kết thúc"), "the page says what to fix");
}
