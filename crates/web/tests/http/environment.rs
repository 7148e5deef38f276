//! The environment API and page computed from stored Observations, and the IOC operator's alarm page: a river
//! crossing BĐ2 raises an alarm that an operator acknowledges and clears, each step audited.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use smartcity_domain::identity::Role;
use smartcity_store::sensing::{EntitySet, NewObservation, Ref, SensingStore, WriteOp};
use smartcity_web::sensing::ingest::store_observations;
use smartcity_web::{AppState, WebConfig};

use crate::app::TestApp;

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// A Thing with one Location and one Datastream per `(name, properties)`; returns the Datastream ids.
pub(crate) async fn thing(
    app: &TestApp,
    name: &str,
    props: Value,
    lon_lat: [f64; 2],
    streams: &[(&str, Value)],
) -> Vec<i64> {
    let mut ops = vec![
        WriteOp::Insert {
            set: EntitySet::Locations,
            props: obj(json!({"name": name, "description": "", "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": lon_lat}})),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::Things,
            props: obj(json!({"name": name, "description": "", "properties": props})),
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
    ];
    for (n, p) in streams {
        ops.push(WriteOp::Insert {
            set: EntitySet::Datastreams,
            props: obj(json!({"name": n, "description": "", "unitOfMeasurement": {"symbol": "µg/m³"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement", "properties": p})),
            links: vec![("Thing", Ref::New(1)), ("Sensor", Ref::New(2)), ("ObservedProperty", Ref::New(3))],
        });
    }
    app.store.sta_write(&ops).await.unwrap()[4..].to_vec()
}

#[tokio::test]
async fn aqi_and_river_levels_are_computed_from_stored_observations() {
    let app = TestApp::new().await;
    let state = AppState::new(app.store.store(), WebConfig::default());
    let air = thing(
        &app,
        "Trạm không khí 83 Hùng Vương",
        json!({"kind": "air_quality_station", "ward_code": "19789"}),
        [107.59, 16.46],
        &[("PM2.5", json!({"pollutant": "pm25"})), ("O3", json!({"pollutant": "o3"}))],
    )
    .await;
    let gauge = thing(
        &app,
        "Trạm thủy văn Kim Long",
        json!({"kind": "river_gauge", "ward_code": "19774"}),
        [107.564, 16.4605],
        &[("Mực nước", json!({"gauge": "tram-thuy-van-kim-long"}))],
    )
    .await;
    let now = Utc::now();
    let mut rows = Vec::new();
    for h in 0..14 {
        let at = now - Duration::minutes(30 + 60 * h);
        rows.push(NewObservation::new(air[0], at, &json!(60.0)));
        rows.push(NewObservation::new(air[1], at, &json!(100.0)));
    }
    for m in 0..12 {
        let at = now - Duration::minutes(10 * (12 - m));
        rows.push(NewObservation::new(gauge[0], at, &json!(1.6 + 0.07 * f64::from(m as u32))));
    }
    store_observations(&state, rows).await.unwrap();

    let aqi = app.get("/api/v1/environment/aqi", None).await;
    assert_eq!(aqi.status, StatusCode::OK, "{}", aqi.body);
    let s = &aqi.json()[0];
    assert_eq!(s["name"], "Trạm không khí 83 Hùng Vương");
    // PM2.5 60 µg/m³ steady: NowCast 60 → 150 + (200−150)/(150−80)·(60−80)… in the 51–80 band: 100 + 50·(60−50)/30 = 117.
    assert_eq!(s["hourly"]["aqi"], 117);
    assert_eq!(s["hourly"]["dominant"], "pm25");
    assert_eq!(s["hourly"]["colour"], "#ff7e00");
    assert_eq!(s["hourly"]["text_colour"], "#000000");
    assert_eq!(s["daily"]["aqi"], 117);
    assert!(s["hourly"]["advice_vi"].as_str().unwrap().len() > 10);
    assert_eq!(s["lat"], 16.46);

    let rivers = app.get("/api/v1/environment/rivers", None).await.json();
    let r = &rivers[0];
    assert_eq!(r["gauge_id"], "tram-thuy-van-kim-long");
    assert_eq!((r["bd1_m"].as_f64(), r["bd2_m"].as_f64(), r["bd3_m"].as_f64()), (Some(1.0), Some(2.0), Some(3.5)));
    assert_eq!(r["level"], "bd2");
    assert_eq!(r["trend"], "rising");

    let page = app.get("/moi-truong", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Trạm không khí 83 Hùng Vương"));
    assert!(page.body.contains("background:#ff7e00;color:#000000"));
    assert!(page.body.contains("<svg class=\"chart\""));
    assert!(page.body.contains("BĐ2 2.0"), "the river chart draws the alarm lines");
    let en = app.get("/moi-truong?lang=en", None).await;
    assert!(en.body.contains("Air quality (VN_AQI)"));
}

#[tokio::test]
async fn a_flood_alarm_is_acknowledged_and_cleared_by_an_ioc_operator_and_audited() {
    let app = TestApp::new().await;
    let state = AppState::new(app.store.store(), WebConfig::default());
    let gauge = thing(
        &app,
        "Trạm thủy văn Kim Long",
        json!({"kind": "river_gauge", "ward_code": "19774"}),
        [107.564, 16.4605],
        &[("Mực nước", json!({"gauge": "tram-thuy-van-kim-long"}))],
    )
    .await;
    store_observations(&state, vec![NewObservation::new(gauge[0], Utc::now(), &json!(2.3))]).await.unwrap();

    app.staff("ioc@hue.test", &[(Role::IocOperator, "46")]).await;
    app.staff("clerk@hue.test", &[(Role::ReceptionOfficer, "46")]).await;
    let clerk = app.login("clerk@hue.test").await;
    assert_eq!(app.get("/ioc/canh-bao", Some(&clerk)).await.status, StatusCode::FORBIDDEN);

    let ioc = app.login("ioc@hue.test").await;
    let page = app.get("/ioc/canh-bao", Some(&ioc)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-type=\"flood_level\""));
    assert!(page.body.contains("data-status=\"active_unack\""));
    assert!(page.body.contains("2.30 m"));
    let id = page.body.split("data-alarm=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let stamp =
        |body: &str| body.split("name=\"updated_at\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    let r = app
        .post_form(
            &format!("/ioc/canh-bao/{id}"),
            Some(&ioc),
            &[("action", "acknowledge"), ("comment", "Đã báo trực ban"), ("updated_at", &stamp(&page.body))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A second click from the stale page is refused.
    let stale = app
        .post_form(
            &format!("/ioc/canh-bao/{id}"),
            Some(&ioc),
            &[("action", "clear"), ("updated_at", &stamp(&page.body))],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    let page = app.get("/ioc/canh-bao", Some(&ioc)).await;
    assert!(page.body.contains("data-status=\"active_ack\""));
    let r = app
        .post_form(
            &format!("/ioc/canh-bao/{id}"),
            Some(&ioc),
            &[("action", "clear"), ("comment", "Nước đã rút"), ("updated_at", &stamp(&page.body))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/ioc/canh-bao", Some(&ioc)).await;
    assert!(!page.body.contains("data-type=\"flood_level\""), "a cleared alarm leaves the active list");
    let all = app.get("/ioc/canh-bao?all=1", Some(&ioc)).await;
    assert!(all.body.contains("data-status=\"cleared_ack\""));
    assert!(all.body.contains("Nước đã rút"));
    assert!(all.body.contains("id=\"device-counts\""));
}
