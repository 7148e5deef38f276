//! Alarm rules edited by administrators: the JSON API and the page, the roles that may and may not, vi/en errors
//! with nothing typed lost, and the effect of an edit on the next reading (a gauge's BĐ levels, a PM2.5 ladder with
//! its clear margin), plus rainfall totals on the environment API.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::json;
use smartcity_domain::identity::Role;
use smartcity_store::AlarmStore;
use smartcity_store::sensing::NewObservation;
use smartcity_web::sensing::ingest::store_observations;
use smartcity_web::{AppState, WebConfig};

use crate::app::TestApp;
use crate::environment::thing;

async fn active(app: &TestApp, alarm_type: &str) -> Vec<(String, String)> {
    app.store
        .list_alarms(true, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.alarm.alarm_type == alarm_type)
        .map(|a| (a.alarm.originator, a.alarm.severity.as_str().to_owned()))
        .collect()
}

#[tokio::test]
async fn an_administrator_lowers_a_gauges_levels_and_the_next_reading_raises_the_alarm() {
    let app = TestApp::new().await;
    let state = AppState::new(app.store.store(), WebConfig::default());
    let gauge = thing(
        &app,
        "Trạm thủy văn Phú Ốc",
        json!({"kind": "river_gauge", "ward_code": "19774"}),
        [107.47, 16.53],
        &[("Mực nước", json!({"gauge": "tram-thuy-van-phu-oc"}))],
    )
    .await;
    let at = |min: i64| Utc::now() - Duration::minutes(min);
    store_observations(&state, vec![NewObservation::new(gauge[0], at(30), &json!(1.2))]).await.unwrap();
    assert!(active(&app, "flood_level").await.is_empty(), "1.2 m is below Phú Ốc's BĐ1 (1.5 m)");

    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    app.staff("ioc@hue.test", &[(Role::IocOperator, "46")]).await;
    let admin = app.login("admin@hue.test").await;
    let ioc = app.login("ioc@hue.test").await;

    // An operator may read the rules but not change them.
    let listed = app.get("/api/v1/alarm-rules", Some(&ioc)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.json()["rules"][0]["code"], "flood_level");
    let levels = json!({"bd1_m": 0.5, "bd2_m": 1.0, "bd3_m": 2.0});
    let r = app.put_json("/api/v1/environment/gauges/tram-thuy-van-phu-oc/levels", Some(&ioc), levels.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Levels out of order are refused with a reason in both languages; an unknown gauge is 404.
    let bad = json!({"bd1_m": 1.0, "bd2_m": 0.5, "bd3_m": 2.0});
    let r = app.put_json("/api/v1/environment/gauges/tram-thuy-van-phu-oc/levels", Some(&admin), bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["message_vi"].as_str().unwrap().contains("BĐ1 < BĐ2 < BĐ3"));
    assert!(r.json()["message_en"].as_str().unwrap().contains("BĐ1 < BĐ2 < BĐ3"));
    let r = app.put_json("/api/v1/environment/gauges/tram-khong-co/levels", Some(&admin), levels.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = app.put_json("/api/v1/environment/gauges/tram-thuy-van-phu-oc/levels", Some(&admin), levels).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["bd2_m"], 1.0);
    let rivers = app.get("/api/v1/environment/rivers", None).await.json();
    assert_eq!(rivers[0]["bd1_m"], 0.5, "the public page shows the levels in force");

    store_observations(&state, vec![NewObservation::new(gauge[0], at(20), &json!(1.2))]).await.unwrap();
    assert_eq!(active(&app, "flood_level").await, [(format!("Datastreams({})", gauge[0]), "major".to_owned())]);
    let audit = app.get("/admin/audit", Some(&admin)).await;
    assert!(audit.body.contains("river_gauge.levels_saved"), "the change is audited");
}

#[tokio::test]
async fn a_pm25_rule_enabled_on_the_page_raises_once_for_a_hovering_value_and_bad_forms_keep_what_was_typed() {
    let app = TestApp::new().await;
    let state = AppState::new(app.store.store(), WebConfig::default());
    let air = thing(
        &app,
        "Trạm không khí Đàn Nam Giao",
        json!({"kind": "air_quality_station"}),
        [107.58, 16.44],
        &[("Bụi PM2.5", json!({"pollutant": "pm25"}))],
    )
    .await;
    // The test Thing's ObservedProperty is called "p": a rule on the Datastream itself.
    app.staff("admin@hue.test", &[(Role::Administrator, "46")]).await;
    app.staff("clerk@hue.test", &[(Role::ReceptionOfficer, "46")]).await;
    let admin = app.login("admin@hue.test").await;
    let clerk = app.login("clerk@hue.test").await;
    assert_eq!(app.get("/admin/quy-tac-canh-bao", Some(&clerk)).await.status, StatusCode::FORBIDDEN);
    let page = app.get("/admin/quy-tac-canh-bao", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"rule-flood_level\"") && page.body.contains("id=\"gauge-tram-thuy-van-kim-long\""));

    let ds = air[0].to_string();
    let form = |warning: &'static str| {
        vec![
            ("kind", "threshold"),
            ("code", "pm25_dan_nam_giao"),
            ("name", "PM2.5 Đàn Nam Giao"),
            ("scope_by", "datastream"),
            ("scope", ds.as_str()),
            ("at_warning", warning),
            ("at_major", "150"),
            ("clear_margin", "5"),
            ("enabled", "on"),
            ("auto_clear", "on"),
        ]
    };
    let r = app.post_form("/admin/quy-tac-canh-bao", Some(&admin), &form("năm mươi")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không phải là số") && r.body.contains("value=\"năm mươi\""), "the typed text comes back");
    let en = app.post_form("/admin/quy-tac-canh-bao?lang=en", Some(&admin), &form("fifty")).await;
    assert!(en.body.contains("is not a number"), "{}", en.body);

    let r = app.post_form("/admin/quy-tac-canh-bao", Some(&admin), &form("50")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rules = app.get("/api/v1/alarm-rules", Some(&admin)).await.json();
    let rule = rules["rules"].as_array().unwrap().iter().find(|r| r["code"] == "pm25_dan_nam_giao").unwrap().clone();
    assert_eq!(rule["condition"]["steps"][0], json!({"at_least": 50.0, "severity": "warning"}));

    // Readings hovering at 50 raise one warning and keep it; falling past the margin clears it.
    let base = Utc::now() - Duration::hours(2);
    for (i, v) in [49.0, 51.0, 48.0, 50.5, 46.0].into_iter().enumerate() {
        let at = base + Duration::minutes(10 * i as i64);
        store_observations(&state, vec![NewObservation::new(air[0], at, &json!(v))]).await.unwrap();
    }
    assert_eq!(active(&app, "pm25_dan_nam_giao").await, [(format!("Datastreams({ds})"), "warning".to_owned())]);
    let all = app.store.list_alarms(false, 50).await.unwrap();
    assert_eq!(all.iter().filter(|a| a.alarm.alarm_type == "pm25_dan_nam_giao").count(), 1, "no flapping");
    store_observations(&state, vec![NewObservation::new(air[0], base + Duration::minutes(60), &json!(44.0))])
        .await
        .unwrap();
    assert!(active(&app, "pm25_dan_nam_giao").await.is_empty(), "44 < 50 − 5 clears it");

    // The API refuses a code that differs from the path, and a rule of a kind it cannot read.
    let mut changed = rule.clone();
    changed["code"] = json!("other");
    let r = app.put_json("/api/v1/alarm-rules/pm25_dan_nam_giao", Some(&admin), changed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut silent = rule.clone();
    silent["condition"] = json!({"kind": "silence", "minutes": 0, "severity": "warning"});
    let r = app.put_json("/api/v1/alarm-rules/pm25_dan_nam_giao", Some(&admin), silent).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "alarm_rule_minutes_invalid");
}

#[tokio::test]
async fn rainfall_is_totalled_by_hour_and_by_local_day() {
    let app = TestApp::new().await;
    let state = AppState::new(app.store.store(), WebConfig::default());
    let rain = thing(
        &app,
        "Trạm đo mưa Huế",
        json!({"kind": "rain_gauge"}),
        [107.59, 16.46],
        &[("Lượng mưa 10 phút", json!({"measure": "rainfall"}))],
    )
    .await;
    let now = Utc::now();
    let rows: Vec<NewObservation> = [(5, 1.5), (25, 2.0), (70, 4.0), (60 * 30, 7.0)]
        .into_iter()
        .map(|(min, mm)| NewObservation::new(rain[0], now - Duration::minutes(min), &json!(mm)))
        .collect();
    store_observations(&state, rows).await.unwrap();
    let r = app.get("/api/v1/environment/rainfall", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let g = &r.json()[0];
    assert_eq!(
        (g["last_1h_mm"].as_f64(), g["last_3h_mm"].as_f64(), g["last_24h_mm"].as_f64()),
        (Some(3.5), Some(7.5), Some(7.5))
    );
    assert_eq!(g["daily"].as_array().unwrap().len(), 7);
    let week: f64 = g["daily"].as_array().unwrap().iter().map(|d| d["total_mm"].as_f64().unwrap()).sum();
    assert!((week - 14.5).abs() < 1e-9, "every reading of the week counts once: {week}");
    let page = app.get("/moi-truong", None).await;
    assert!(page.body.contains("data-rain-gauge=") && page.body.contains("id=\"env-map\""));
}
