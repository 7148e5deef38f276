//! Public transparency (`/minh-bach`): every unit's QĐ 766 figures from real dossiers, ranked within its
//! group, explained, split by month and downloadable — and never a person's identity.

use axum::http::StatusCode;
use chrono::{Datelike, Utc};
use serde_json::{Value, json};
use smartcity_store::reports::ReportStore;

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

// ------------------------------------------------------------------------------------------------------------
// Field-report statistics, the report map and the environment summary
// ------------------------------------------------------------------------------------------------------------

const CATEGORIES: &str = include_str!("../../../smartcity/seed/feedback-categories.json");
const REPORTER: &str = "Nguyễn Văn Riêng";
const DESCRIPTION: &str = "Cây đổ trước nhà bà Tôn Nữ Lan";

/// A report in `ward`, routed to `unit` with a deadline `due_in` after sending, answered `answer_in` after
/// sending and rated (when given), or left in `status`.
async fn report(
    app: &TestApp,
    ward: &str,
    unit: Option<&str>,
    due_in: chrono::Duration,
    answer_in: Option<chrono::Duration>,
    rating: Option<smartcity_domain::dossiers::Rating>,
    status: smartcity_domain::reports::ReportStatus,
) {
    use smartcity_store::reports::{NewReport, NewReportEvent, ReportChange, Reporter};
    let ctx = smartcity_store::AuditContext::system("test");
    let code = app.store.report_categories().await.unwrap().remove(0).code;
    let r = app
        .store
        .create_report(
            &ctx,
            NewReport {
                service_code: code,
                description: DESCRIPTION.to_owned(),
                location: smartcity_domain::geo::GeoPoint { lat: 16.46712, lon: 107.59049 },
                address: Some("12 Lê Lợi".to_owned()),
                ward_code: Some(ward.to_owned()),
                handling_unit_code: None,
                reporter: Reporter {
                    name: Some(REPORTER.to_owned()),
                    email: Some("rieng@example.vn".into()),
                    ..Default::default()
                },
                api_key_id: None,
                photos: vec![],
            },
        )
        .await
        .unwrap();
    let status = if answer_in.is_some() { smartcity_domain::reports::ReportStatus::Answered } else { status };
    let mut change = ReportChange::from_report(&r, status, NewReportEvent { action: "t".into(), ..Default::default() });
    change.handling_unit_code = unit.map(str::to_owned);
    change.due_at = unit.map(|_| r.created_at + due_in);
    change.answered_at = answer_in.map(|d| r.created_at + d);
    change.answer = answer_in.map(|_| "Đã xử lý.".to_owned());
    change.rating = rating;
    app.store.apply_report_change(&ctx, change).await.unwrap();
}

/// Ward A answered one report in 2 hours (on time, satisfied); ward B answered one after 9 days (late, not
/// satisfied) and has one open past its deadline; one report waits for routing; one was rejected.
async fn five_reports(app: &TestApp) {
    use chrono::Duration;
    use smartcity_domain::dossiers::Rating;
    use smartcity_domain::reports::{RejectReason, ReportStatus};
    app.store.load_report_categories_json(&smartcity_store::AuditContext::system("test"), CATEGORIES).await.unwrap();
    let week = Duration::days(7);
    let none = ReportStatus::Submitted;
    report(app, WARD_A, Some(WARD_A), week, Some(Duration::hours(2)), Some(Rating::Satisfied), none).await;
    report(app, WARD_B, Some(WARD_B), week, Some(Duration::days(9)), Some(Rating::Dissatisfied), none).await;
    report(app, WARD_B, Some(WARD_B), Duration::seconds(-60), None, None, ReportStatus::InProgress).await;
    report(app, WARD_B, None, week, None, None, ReportStatus::Verified).await;
    report(app, WARD_A, None, week, None, None, ReportStatus::Rejected(RejectReason::Invalid)).await;
}

#[tokio::test]
async fn report_figures_count_what_each_unit_did_with_the_counts_behind_every_rate() {
    let app = TestApp::new().await;
    five_reports(&app).await;
    let table = app.get("/api/v1/transparency/reports", None).await;
    assert_eq!(table.status, StatusCode::OK, "{}", table.body);
    let table = table.json();
    let city = unit(&table, "46");
    assert_eq!(
        [
            &city["received"],
            &city["rejected"],
            &city["processed"],
            &city["on_time"],
            &city["overdue_open"],
            &city["rated"]
        ],
        [&json!(4), &json!(1), &json!(2), &json!(1), &json!(1), &json!(2)],
        "the city counts every report, routed or not: {city}"
    );
    assert_eq!(city["on_time_rate"], 33.33, "1 on time of 2 processed + 1 overdue");
    assert_eq!(city["processed_rate"], 50.0);
    assert_eq!((city["satisfaction_rate"].as_f64(), city["satisfied_rate"].as_f64()), (Some(50.0), Some(50.0)));
    assert_eq!(city["median_hours"], 110.8, "between 2.5 h and 219 h, the middle of the 6-hour band 216–221 h");
    let a = unit(&table, WARD_A);
    assert_eq!(
        (a["received"].as_u64(), a["on_time_rate"].as_f64(), a["rank"].as_u64()),
        (Some(1), Some(100.0), Some(1))
    );
    let b = unit(&table, WARD_B);
    assert_eq!(
        (b["received"].as_u64(), b["processed"].as_u64(), b["overdue_open"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!((b["on_time_rate"].as_f64(), b["rank"].as_u64()), (Some(0.0), Some(2)));
    assert!(unit(&table, "46.TTHCC")["on_time_rate"].is_null(), "no reports: N/A, unranked");
    let months = table["months"].as_array().unwrap();
    assert_eq!(table["scope"], "46");
    assert_eq!(months.last().unwrap()["received"], 4, "this month holds every report");
    let total: u64 = months.iter().map(|m| m["received"].as_u64().unwrap()).sum();
    assert_eq!(total, 4, "months add up to the period");
    let ward = app.get(&format!("/api/v1/transparency/reports?unit={WARD_B}"), None).await.json();
    assert_eq!(ward["months"].as_array().unwrap().last().unwrap()["received"], 2);
    assert_eq!(app.get("/api/v1/transparency/reports?unit=99999", None).await.status, StatusCode::NOT_FOUND);

    // The pages: the city's figures, the ranking, a unit's months, two wards compared; every figure links to
    // its formula, which exists.
    let overview = app.get("/minh-bach", None).await;
    assert!(overview.body.contains("id=\"city-report-figures\"") && overview.body.contains("id=\"report-ranking\""));
    assert!(overview.body.contains(&format!("<tr data-unit=\"{WARD_B}\">")));
    assert!(overview.body.contains("33.33 %") && overview.body.contains("110.8 giờ"), "city figures shown");
    let english = app.get("/minh-bach?lang=en", None).await;
    assert!(english.body.contains("110.8 hours") && english.body.contains("Field reports"));
    let formulas = app.get("/minh-bach/cach-tinh", None).await.body;
    for anchor in
        ["pa-tiep-nhan", "pa-da-xu-ly", "pa-dung-han", "pa-hai-long", "pa-thoi-gian", "mt-aqi-ngay", "mt-muc-nuoc"]
    {
        assert!(
            overview.body.contains(&format!("/minh-bach/cach-tinh#{anchor}")) || anchor.starts_with("mt-"),
            "{anchor}"
        );
        assert!(formulas.contains(&format!("id=\"{anchor}\"")), "formula {anchor} missing");
    }
    let unit_page = app.get(&format!("/minh-bach/don-vi/{WARD_B}"), None).await;
    assert_eq!(unit_page.status, StatusCode::OK);
    assert!(unit_page.body.contains("id=\"unit-report-figures\"") && unit_page.body.contains("id=\"report-months\""));
    let compare = app.get(&format!("/minh-bach/so-sanh?a={WARD_A}&b={WARD_B}"), None).await;
    assert!(compare.body.contains("id=\"report-comparison\""), "the report figures are compared too");

    // Downloads: every table as CSV with the counts.
    let csv = app.get("/minh-bach/phan-anh.csv", None).await;
    assert!(csv.body.starts_with('\u{feff}') && csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("from,to,group,rank,unit_code,name_vi,name_en,received,rejected,processed"));
    let b_line = lines.iter().find(|l| l.contains(&format!(",{WARD_B},"))).unwrap();
    assert!(b_line.contains(",2,0,1,50,0,1,0,1,0,0,1,0,0,"), "{b_line}");
    let months_csv = app.get(&format!("/minh-bach/phan-anh/theo-thang.csv?unit={WARD_A}"), None).await;
    assert_eq!(months_csv.body.lines().count(), 1 + months.len());
}

#[tokio::test]
async fn the_report_map_downloads_as_geojson_with_public_fields_only() {
    let app = TestApp::new().await;
    five_reports(&app).await;
    let all = app.get("/minh-bach/phan-anh.geojson", None).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.headers["content-type"].to_str().unwrap().starts_with("application/geo+json"));
    let fc = all.json();
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["truncated"], false);
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 4, "rejected reports are not on the map");
    let f = &features[0];
    assert_eq!(f["geometry"]["type"], "Point");
    assert_eq!(f["geometry"]["coordinates"], json!([107.59, 16.467]), "rounded to about 110 m");
    let mut keys: Vec<&str> = f["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "answered_at",
            "category",
            "category_name",
            "due_at",
            "handling_unit_code",
            "handling_unit_name",
            "id",
            "open",
            "sent_at",
            "status",
            "status_label",
            "url",
            "ward_code",
            "ward_name"
        ]
    );
    for private in [REPORTER, "rieng@example.vn", DESCRIPTION, "Tôn Nữ Lan", "12 Lê Lợi", "Đã xử lý."] {
        assert!(!all.body.contains(private), "{private} is on the public map");
    }
    let ward = app.get(&format!("/minh-bach/phan-anh.geojson?unit={WARD_B}"), None).await.json();
    assert_eq!(ward["features"].as_array().unwrap().len(), 2, "the unit's handled reports only");
    assert_eq!(app.get("/minh-bach/phan-anh.geojson?unit=99999", None).await.status, StatusCode::NOT_FOUND);
    // And no public table names the reporter either.
    for path in ["/minh-bach", "/api/v1/transparency/reports", "/minh-bach/phan-anh.csv"] {
        let body = app.get(path, None).await.body;
        assert!(!body.contains(REPORTER) && !body.contains(DESCRIPTION), "{path}");
    }
}

#[tokio::test]
async fn report_and_environment_periods_out_of_range_get_clear_errors_in_both_languages() {
    let app = TestApp::new().await;
    for (path, code, field) in [
        ("/api/v1/transparency/reports?from=2026-13-01", "date_invalid", "from"),
        ("/api/v1/transparency/reports?from=2026-05-01&to=2026-04-01", "period_reversed", "to"),
        ("/api/v1/transparency/environment?from=2019-01-01&to=2026-01-01", "period_too_long", "from"),
        ("/api/v1/transparency/environment?from=1990-01-01&to=1990-02-01", "period_out_of_range", "from"),
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let e = r.json();
        assert_eq!((e["error"].as_str(), e["field"].as_str()), (Some(code), Some(field)), "{path}: {e}");
        assert!(!e["message_vi"].as_str().unwrap().is_empty() && !e["message_en"].as_str().unwrap().is_empty());
    }
    for path in [
        "/minh-bach/phan-anh.geojson?from=2026-05-01&to=2026-04-01",
        "/minh-bach/phan-anh.csv?to=27/11/2026",
        "/minh-bach/moi-truong?from=2030-01-01&to=2030-02-01",
        "/minh-bach/moi-truong/song.csv?from=2026-05-01&to=2026-04-01",
    ] {
        assert_eq!(app.get(path, None).await.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
}

#[tokio::test]
async fn the_environment_summary_counts_aqi_days_per_band_and_river_days_per_alarm_level() {
    use chrono::{Duration, TimeZone};
    use smartcity_store::sensing::{EntitySet, NewObservation, Ref, SensingStore, WriteOp};
    let app = TestApp::new().await;
    let state = smartcity_web::AppState::new(app.store.store(), smartcity_web::WebConfig::default());
    let obj = |v: Value| v.as_object().unwrap().clone();
    let mut streams = Vec::new();
    for (name, kind, ds_props) in [
        ("Trạm không khí A", "air_quality_station", json!({"pollutant": "pm25"})),
        ("Trạm thủy văn Kim Long", "river_gauge", json!({"gauge": "tram-thuy-van-kim-long"})),
    ] {
        let ops = vec![
            WriteOp::Insert {
                set: EntitySet::Locations,
                props: obj(json!({"name": name, "description": "", "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [107.564, 16.4605]}})),
                links: vec![],
            },
            WriteOp::Insert {
                set: EntitySet::Things,
                props: obj(json!({"name": name, "description": "", "properties": {"kind": kind, "ward_code": WARD_A}})),
                links: vec![("Locations", Ref::New(0))],
            },
            WriteOp::Insert {
                set: EntitySet::Sensors,
                props: obj(json!({"name": "s", "description": "", "encodingType": "text/plain", "metadata": ""})),
                links: vec![],
            },
            WriteOp::Insert {
                set: EntitySet::ObservedProperties,
                props: obj(json!({"name": "p", "definition": "", "description": ""})),
                links: vec![],
            },
            WriteOp::Insert {
                set: EntitySet::Datastreams,
                props: obj(json!({"name": name, "description": "", "unitOfMeasurement": {"symbol": "x"},
                    "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                    "properties": ds_props})),
                links: vec![("Thing", Ref::New(1)), ("Sensor", Ref::New(2)), ("ObservedProperty", Ref::New(3))],
            },
        ];
        streams.push(app.store.sta_write(&ops).await.unwrap()[4]);
    }
    // Two local days: PM2.5 60 µg/m³ all day (AQI 117, poor) then 10 (AQI 20, good) with 17 hours only on a
    // third day (too few to count); Kim Long peaks at 2.3 m (BĐ2) on the first day, 0.6 m on the second.
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let (d1, d2, d3) = (today - Duration::days(4), today - Duration::days(3), today - Duration::days(2));
    let at = |d: chrono::NaiveDate, h: i64| {
        smartcity_domain::time::TZ.from_local_datetime(&d.and_hms_opt(0, 20, 0).unwrap()).unwrap().with_timezone(&Utc)
            + Duration::hours(h)
    };
    let mut rows = Vec::new();
    for h in 0..24 {
        rows.push(NewObservation::new(streams[0], at(d1, h), &json!(60.0)));
        rows.push(NewObservation::new(streams[0], at(d2, h), &json!(10.0)));
        rows.push(NewObservation::new(streams[1], at(d1, h), &json!(if h == 15 { 2.3 } else { 0.8 })));
        rows.push(NewObservation::new(streams[1], at(d2, h), &json!(0.6)));
    }
    for h in 0..17 {
        rows.push(NewObservation::new(streams[0], at(d3, h), &json!(400.0)));
    }
    smartcity_web::sensing::ingest::store_observations(&state, rows).await.unwrap();

    let s = app.get(&format!("/api/v1/transparency/environment?from={d1}&to={d3}"), None).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    let s = s.json();
    let station = &s["stations"][0];
    assert_eq!(station["name"], "Trạm không khí A");
    assert_eq!(station["days"], 2, "the 17-hour day does not count: {station}");
    let bands: Vec<u64> =
        station["by_category"].as_array().unwrap().iter().map(|b| b["days"].as_u64().unwrap()).collect();
    assert_eq!(bands, [1, 0, 1, 0, 0, 0]);
    assert_eq!(
        (station["worst"]["date"].as_str(), station["worst"]["aqi"].as_u64()),
        (Some(d1.to_string().as_str()), Some(117))
    );
    assert_eq!(s["city"]["days"], 2);
    let river = &s["rivers"][0];
    assert_eq!(river["gauge_id"], "tram-thuy-van-kim-long");
    assert_eq!((river["peak"]["level_m"].as_f64(), river["peak"]["level"].as_str()), (Some(2.3), Some("bd2")));
    assert_eq!(river["peak"]["date"], d1.to_string());
    let levels: Vec<u64> = river["by_level"].as_array().unwrap().iter().map(|l| l["days"].as_u64().unwrap()).collect();
    assert_eq!(levels, [1, 0, 1, 0, 0]);

    let page = app.get(&format!("/minh-bach/moi-truong?from={d1}&to={d3}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"air-days\"") && page.body.contains("id=\"river-days\""));
    assert!(page.body.contains("href=\"/moi-truong\""), "links to the live environment page");
    assert!(page.body.contains("2.30 m") && page.body.contains("Báo động 2"));
    let air = app.get(&format!("/minh-bach/moi-truong/khong-khi.csv?from={d1}&to={d3}"), None).await;
    let air_lines: Vec<&str> = air.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(air_lines.len(), 3, "header, the city, the station");
    assert!(air_lines[0].contains("days_good") && air_lines[2].contains(&format!(",1,0,1,0,0,0,{d1},117,poor,pm25")));
    let rivers = app.get(&format!("/minh-bach/moi-truong/song.csv?from={d1}&to={d3}"), None).await;
    assert!(rivers.body.contains(&format!(",2.3,{d1},bd2,1,0,1,0,0")), "{}", rivers.body);
}
