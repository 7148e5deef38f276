//! The operations centre: figures at a glance for IOC operators only, and the live feed of changes
//! (Server-Sent Events) with catch-up after a reconnect — identifiers and statuses, never a person.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use futures_util::StreamExt;
use serde_json::{Value, json};
use smartcity_domain::identity::Role;
use tower::ServiceExt;

use crate::app::{Session, TestApp};
use crate::dossiers::{act, cast, submit};

async fn ioc_operator(app: &TestApp) -> Session {
    app.staff("ioc@hue.test", &[(Role::IocOperator, "46")]).await;
    app.login("ioc@hue.test").await
}

/// An open event stream and the text read from it so far.
struct Feed {
    body: axum::body::BodyDataStream,
    buffer: String,
}

impl Feed {
    async fn open(app: &TestApp, session: &Session, last_event_id: Option<&str>) -> Feed {
        let mut req = Request::get("/api/v1/ioc/events").header(header::COOKIE, &session.cookie);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let response = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
        Feed { body: response.into_body().into_data_stream(), buffer: String::new() }
    }

    /// The next event of type `kind` (`change` or `resync`): its id and JSON data.
    async fn next(&mut self, kind: &str) -> (String, Value) {
        let wait = async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let frame: String = self.buffer.drain(..end + 2).collect();
                    let field = |name: &str| {
                        frame.lines().find_map(|l| l.strip_prefix(&format!("{name}:")).map(|v| v.trim().to_owned()))
                    };
                    if field("event").as_deref() == Some(kind) {
                        let data = field("data").unwrap_or_default();
                        return (field("id").unwrap_or_default(), serde_json::from_str(&data).unwrap_or(Value::Null));
                    }
                }
                let chunk = self.body.next().await.expect("stream ended").expect("stream error");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        };
        tokio::time::timeout(Duration::from_secs(15), wait).await.unwrap_or_else(|_| panic!("no {kind} event in 15 s"))
    }
}

#[tokio::test]
async fn only_ioc_operators_see_the_figures_and_they_count_todays_dossiers() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    assert_eq!(app.get("/api/v1/ioc/summary", None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/ioc/summary", Some(&c.citizen)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/ioc/events", Some(&c.processing)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/ioc", Some(&c.citizen)).await.status, StatusCode::FORBIDDEN);
    let ioc = ioc_operator(&app).await;
    let before = app.get("/api/v1/ioc/summary", Some(&ioc)).await.json();
    assert_eq!(before["dossiers"], json!({"received_today": 0, "open": 0, "overdue": 0, "on_time_rate_month": null}));
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();
    act(&app, &c.reception, &code, json!({"action": "accept"})).await;
    let after = app.get("/api/v1/ioc/summary", Some(&ioc)).await.json();
    assert_eq!(after["dossiers"]["received_today"], 1);
    assert_eq!(after["dossiers"]["open"], 1);
    assert_eq!(after["dossiers"]["overdue"], 0, "due in the future");
    assert_eq!(after["dossiers"]["on_time_rate_month"], 100.0);
    let page = app.get("/ioc", Some(&ioc)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"tile-received-today\">1<") && page.body.contains("/static/ioc.js"));
}

#[tokio::test]
async fn changes_stream_live_without_personal_data_and_a_reconnect_catches_up() {
    let app = TestApp::new().await;
    let c = cast(&app).await;
    let ioc = ioc_operator(&app).await;
    let mut feed = Feed::open(&app, &ioc, None).await;
    // Let the poller take its first look before the change happens.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let code = submit(&app, &c.citizen, "k").await.json()["code"].as_str().unwrap().to_owned();
    let (first_id, submitted) = feed.next("change").await;
    assert_eq!(submitted["topic"], "dossier.submitted");
    assert_eq!(submitted["data"]["code"], code.as_str());
    assert_eq!(submitted["id"], first_id.as_str());
    act(&app, &c.reception, &code, json!({"action": "accept", "note": "Nguyễn Thị Hoa, 0905 123 456"})).await;
    let (_, accepted) = feed.next("change").await;
    assert_eq!(accepted["data"]["status"].as_str().map(str::is_empty), Some(false), "{accepted}");
    let text = accepted.to_string();
    assert!(!text.contains("Nguyễn") && !text.contains("0905"), "personal data leaked: {text}");
    drop(feed);

    // Reconnect with the first id: the change after it is replayed first.
    let mut again = Feed::open(&app, &ioc, Some(&first_id)).await;
    let (_, replayed) = again.next("change").await;
    assert_eq!(replayed["id"], accepted["id"]);
    drop(again);
    // An id the hub never saw: reload the figures.
    let mut lost = Feed::open(&app, &ioc, Some("018f0000-0000-7000-8000-000000000000")).await;
    lost.next("resync").await;
}

/// A Kim Long river gauge at 2.3 m (above BĐ2: a major flood alarm) and a camera that never reported (offline).
/// Returns the gauge Thing's id and the alarm's id.
async fn flood_and_a_silent_camera(app: &TestApp) -> (i64, String) {
    use smartcity_store::AlarmStore;
    use smartcity_store::sensing::NewObservation;
    let state = smartcity_web::AppState::new(app.store.store(), smartcity_web::WebConfig::default());
    let gauge = crate::environment::thing(
        app,
        "Trạm thủy văn Kim Long",
        json!({"kind": "river_gauge", "ward_code": "19753"}),
        [107.564, 16.4605],
        &[("Mực nước", json!({"gauge": "tram-thuy-van-kim-long"}))],
    )
    .await;
    let reading = NewObservation::new(gauge[0], chrono::Utc::now(), &json!(2.3));
    smartcity_web::sensing::ingest::store_observations(&state, vec![reading]).await.unwrap();
    let camera = json!({"kind": "camera_site", "ward_code": "19753"});
    crate::environment::thing(app, "Camera cầu Trường Tiền", camera, [107.59, 16.47], &[]).await;
    let alarms = app.store.store().list_alarms(true, 10).await.unwrap();
    assert_eq!(alarms.len(), 1, "one flood alarm");
    let thing = app.get(&format!("/sta/v1.1/Datastreams({})/Thing", gauge[0]), None).await.json();
    (thing["@iot.id"].as_i64().unwrap(), alarms[0].id.to_string())
}

/// A form post as htmx sends it (`HX-Request`), answered with a fragment rather than a redirect.
async fn htmx_post(app: &TestApp, session: &Session, path: &str, fields: &[(&str, &str)]) -> crate::app::TestResponse {
    let mut all = fields.to_vec();
    all.push(("_csrf", &session.csrf));
    let req = Request::post(path)
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .body(Body::from(crate::app::form_encode(&all)))
        .unwrap();
    app.send(req).await
}

fn updated_at_of(body: &str, alarm: &str) -> String {
    let item = body.split(&format!("data-alarm=\"{alarm}\"")).nth(1).unwrap();
    item.split("name=\"updated_at\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_dashboard_counts_reports_environment_devices_and_alarms_and_the_queue_acknowledges() {
    let (app, _report) = crate::reports::with_report().await;
    let (_gauge, alarm) = flood_and_a_silent_camera(&app).await;
    let ioc = ioc_operator(&app).await;

    let s = app.get("/api/v1/ioc/summary", Some(&ioc)).await.json();
    assert_eq!(s["reports"]["open"], 1, "{s}");
    assert_eq!(s["reports"]["satisfaction_percent_30d"], Value::Null, "no rating yet");
    assert_eq!(s["environment"]["highest_river"]["level"], "bd2");
    assert_eq!(s["environment"]["highest_river"]["level_m"], 2.3);
    assert_eq!(s["environment"]["worst_aqi"], Value::Null, "no air station");
    let cameras =
        s["devices"]["by_kind"].as_array().unwrap().iter().find(|k| k["kind"] == "camera_site").unwrap().clone();
    assert_eq!((cameras["online"].clone(), cameras["offline"].clone()), (json!(0), json!(1)));
    assert_eq!(s["alarms"]["major"], 1);
    assert_eq!(s["alarms"]["unacknowledged"], 1, "reading the figures raises no device alarm: {s}");
    assert_eq!(s["alarms"]["mean_minutes_to_acknowledge_30d"], Value::Null);

    // The dashboard lists the alarm in its queue with its procedure, and acknowledges it in place.
    let page = app.get("/ioc", Some(&ioc)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("data-alarm=\"{alarm}\"")) && page.body.contains("id=\"ioc-map\""));
    let r = htmx_post(
        &app,
        &ioc,
        &format!("/ioc/hang-doi/{alarm}"),
        &[
            ("action", "acknowledge"),
            ("comment", "Đã báo trực ban"),
            ("updated_at", &updated_at_of(&page.body, &alarm)),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.starts_with("<section id=\"alarm-queue\"") && r.body.contains("data-status=\"active_ack\""));
    let s = app.get("/api/v1/ioc/summary", Some(&ioc)).await.json();
    assert_eq!(s["alarms"]["unacknowledged"], 0, "the figures follow the change at once");
    assert!(s["alarms"]["mean_minutes_to_acknowledge_30d"].is_number());
    let tiles = app.get("/ioc/chi-so", Some(&ioc)).await;
    assert!(tiles.body.starts_with("<div id=\"ioc-tiles\"") && tiles.body.contains("id=\"tile-alarms-unack\">0<"));

    // A stale second click is refused; without htmx the queue answers with the dashboard.
    let stale = htmx_post(
        &app,
        &ioc,
        &format!("/ioc/hang-doi/{alarm}"),
        &[("action", "clear"), ("updated_at", &updated_at_of(&page.body, &alarm))],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let page = app.get("/ioc", Some(&ioc)).await;
    let r = app
        .post_form(
            &format!("/ioc/hang-doi/{alarm}"),
            Some(&ioc),
            &[("action", "clear"), ("updated_at", &updated_at_of(&page.body, &alarm))],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/ioc#hang-doi")));
    assert!(!app.get("/ioc/hang-doi", Some(&ioc)).await.body.contains(&format!("data-alarm=\"{alarm}\"")), "closed");
}

#[tokio::test]
async fn operators_tick_the_procedure_and_administrators_edit_it_without_losing_ticks() {
    use smartcity_store::AuditStore;
    use smartcity_store::OperationsStore;
    use smartcity_store::audit::AuditFilter;
    let app = TestApp::new().await;
    let store = app.store.store();
    assert_eq!(
        store
            .ensure_sop_defaults(
                &smartcity_store::AuditContext::system("test"),
                &smartcity_domain::operations::sop::DEFAULT_PROCEDURES
            )
            .await
            .unwrap(),
        2
    );
    let (_gauge, alarm) = flood_and_a_silent_camera(&app).await;
    let ioc = ioc_operator(&app).await;
    let queue = app.get("/ioc/hang-doi", Some(&ioc)).await.body;
    let steps: Vec<String> = queue
        .split(&format!("/ioc/hang-doi/{alarm}/buoc/"))
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .step_by(2)
        .collect();
    assert_eq!(steps.len(), 5, "the flood procedure's five steps: {queue}");
    let first = &steps[0];

    let r = htmx_post(&app, &ioc, &format!("/ioc/hang-doi/{alarm}/buoc/{first}"), &[("done", "1")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("1/5")
            && r.body.contains(&format!("id=\"sop-{alarm}-{first}\" name=\"done\" value=\"1\" checked"))
    );
    // Ticking again changes nothing; unticking (a checkbox sends nothing) is recorded too.
    htmx_post(&app, &ioc, &format!("/ioc/hang-doi/{alarm}/buoc/{first}"), &[("done", "1")]).await;
    let r = app.post_form(&format!("/ioc/hang-doi/{alarm}/buoc/{first}"), Some(&ioc), &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/ioc#hang-doi")));
    assert!(app.get("/ioc/hang-doi", Some(&ioc)).await.body.contains("0/5"));
    htmx_post(&app, &ioc, &format!("/ioc/hang-doi/{alarm}/buoc/{first}"), &[("done", "1")]).await;
    let audit = store
        .list_audit(&AuditFilter { record_type: Some("alarm".into()), record_id: Some(alarm.clone()) }, 50, 0)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "alarm.sop_ticked").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "alarm.sop_unticked").count(), 1, "{actions:?}");

    // Others may not tick, nor edit; an IOC operator is not an administrator.
    let citizen = {
        app.citizen("an@hue.test", "046090000123").await;
        app.login("an@hue.test").await
    };
    let r = app.post_form(&format!("/ioc/hang-doi/{alarm}/buoc/{first}"), Some(&citizen), &[("done", "1")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/admin/quy-trinh", Some(&ioc)).await.status, StatusCode::FORBIDDEN);

    // The administrator keeps the first step word for word, drops the others and adds one.
    app.staff("admin2@hue.test", &[(Role::Administrator, "46")]).await;
    let admin = app.login("admin2@hue.test").await;
    let form = app.get("/admin/quy-trinh", Some(&admin)).await;
    assert_eq!(form.status, StatusCode::OK);
    let first_line = form
        .body
        .split("id=\"steps-flood_level\"")
        .nth(1)
        .unwrap()
        .split('>')
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let bad = app
        .post_form(
            "/admin/quy-trinh",
            Some(&admin),
            &[("alarm_type", "flood_level"), ("steps", "Một | One\nchỉ tiếng Việt")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Dòng 2") && bad.body.contains("chỉ tiếng Việt"),
        "the error names the line and keeps the text"
    );
    let text = format!("{first_line}\nGọi đội cứu hộ | Call the rescue team");
    let r = app.post_form("/admin/quy-trinh", Some(&admin), &[("alarm_type", "flood_level"), ("steps", &text)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let queue = app.get("/ioc/hang-doi", Some(&ioc)).await.body;
    assert!(queue.contains("1/2") && queue.contains("Gọi đội cứu hộ"), "{queue}");
    // A step retired meanwhile cannot be ticked from a stale page.
    let r = htmx_post(&app, &ioc, &format!("/ioc/hang-doi/{alarm}/buoc/{}", steps[1]), &[("done", "1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("sop_step_unknown") || r.body.contains("quy trình hiện hành"));
    assert_eq!(
        store
            .ensure_sop_defaults(
                &smartcity_store::AuditContext::system("test"),
                &smartcity_domain::operations::sop::DEFAULT_PROCEDURES
            )
            .await
            .unwrap(),
        0,
        "edited procedures are never overwritten"
    );
}

#[tokio::test]
async fn map_layers_are_geojson_for_operators_without_reporters() {
    let (app, report) = crate::reports::with_report().await;
    flood_and_a_silent_camera(&app).await;
    let ioc = ioc_operator(&app).await;
    let r = app.get("/api/v1/ioc/map/reports", Some(&ioc)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/geo+json");
    for private in ["Nguyễn Văn Riêng", "rieng@example.vn", "0912000111"] {
        assert!(!r.body.contains(private), "{private} on the map");
    }
    let reports = r.json();
    assert_eq!(reports["features"].as_array().unwrap().len(), 1);
    assert_eq!(reports["features"][0]["properties"]["id"], report.id.to_string());
    assert_eq!(reports["features"][0]["properties"]["group"], "new");
    let rivers = app.get("/api/v1/ioc/map/rivers", Some(&ioc)).await.json();
    assert_eq!(rivers["features"][0]["properties"]["level"], "bd2");
    assert_eq!(rivers["features"][0]["geometry"]["coordinates"], json!([107.564, 16.4605]));
    let devices = app.get("/api/v1/ioc/map/devices", Some(&ioc)).await.json();
    let camera = devices["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["kind"] == "camera_site")
        .unwrap()
        .clone();
    assert_eq!(camera["properties"]["state"], "offline");
    for layer in ["air", "warnings", "heritage"] {
        let r = app.get(&format!("/api/v1/ioc/map/{layer}"), Some(&ioc)).await;
        assert_eq!(r.status, StatusCode::OK, "{layer}");
        assert_eq!(r.json()["type"], "FeatureCollection");
    }
    let unknown = app.get("/api/v1/ioc/map/tanks", Some(&ioc)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"], "map_layer_unknown");
    assert_eq!(app.get("/api/v1/ioc/map/reports", None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_ward_and_a_device_open_in_detail() {
    let app = TestApp::new().await;
    let (gauge, _alarm) = flood_and_a_silent_camera(&app).await;
    let ioc = ioc_operator(&app).await;
    let r = app.get("/ioc/phuong?ma=19753", Some(&ioc)).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/ioc/phuong/19753")));
    let ward = app.get("/ioc/phuong/19753", Some(&ioc)).await;
    assert_eq!(ward.status, StatusCode::OK, "{}", ward.body);
    assert!(ward.body.contains("id=\"ward-indices\"") && ward.body.contains("data-indicator=\"2.1\""));
    assert!(ward.body.contains("Camera cầu Trường Tiền") && ward.body.contains("data-state=\"offline\""));
    assert_eq!(app.get("/ioc/phuong/abc", Some(&ioc)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/ioc/phuong/99999", Some(&ioc)).await.status, StatusCode::NOT_FOUND);
    let device = app.get(&format!("/ioc/thiet-bi/{gauge}"), Some(&ioc)).await;
    assert_eq!(device.status, StatusCode::OK, "{}", device.body);
    assert!(device.body.contains("<svg class=\"chart\"") && device.body.contains(": 2.3 µg/m³"), "{}", device.body);
    assert!(device.body.contains("Mực nước lũ"), "the gauge's flood alarm is listed");
    assert_eq!(app.get("/ioc/thiet-bi/x", Some(&ioc)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/ioc/thiet-bi/999999", Some(&ioc)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn new_readings_refresh_the_figures_at_once_and_nudge_dashboards_once() {
    let app = TestApp::new().await;
    flood_and_a_silent_camera(&app).await;
    let ioc = ioc_operator(&app).await;
    let before = app.get("/api/v1/ioc/summary", Some(&ioc)).await.json();
    assert_eq!(before["environment"]["highest_river"]["level_m"], 2.3);
    let streams =
        app.get("/sta/v1.1/Datastreams?$filter=properties/gauge%20eq%20'tram-thuy-van-kim-long'", None).await.json();
    let ds = streams["value"][0]["@iot.id"].as_i64().unwrap();
    let mut feed = Feed::open(&app, &ioc, None).await;
    // Newer than the 2.3 m reading, and not in the future.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let now = chrono::Utc::now();
    for (i, level) in [2.5, 2.6].iter().enumerate() {
        let at = (now - chrono::Duration::milliseconds(20 - 10 * i as i64)).to_rfc3339();
        let body = json!([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": [[at, level]]}]);
        let r = app.post_json("/sta/v1.1/CreateObservations", Some(&ioc), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    // The figures follow the reading without waiting for the cache to age.
    let after = app.get("/api/v1/ioc/summary", Some(&ioc)).await.json();
    assert_eq!(after["environment"]["highest_river"]["level_m"], 2.6);
    // Two batches, one nudge naming the Datastream and counting both readings.
    let (_, nudge) = feed.next("change").await;
    assert_eq!(nudge["topic"], "sensing.readings", "{nudge}");
    assert_eq!(nudge["data"]["count"], 2);
    assert_eq!(nudge["data"]["datastream_ids"], json!([ds]));
}

#[tokio::test]
async fn a_burst_of_more_changes_than_one_read_never_stalls_the_live_feed() {
    use smartcity_store::{AuditContext, OperationsStore};
    use smartcity_web::operations::live::LiveHub;
    let app = TestApp::new().await;
    let store = app.store.store();
    store
        .ensure_sop_defaults(
            &smartcity_store::AuditContext::system("test"),
            &smartcity_domain::operations::sop::DEFAULT_PROCEDURES,
        )
        .await
        .unwrap();
    let (_gauge, alarm) = flood_and_a_silent_camera(&app).await;
    let alarm: uuid::Uuid = alarm.parse().unwrap();
    let step = store.sop_steps().await.unwrap().into_iter().find(|s| s.alarm_type == "flood_level").unwrap().id;
    let operator = app.staff("ioc@hue.test", &[(Role::IocOperator, "46")]).await;
    let ctx = AuditContext::account(operator, None);
    let hub = LiveHub::new();
    assert_eq!(hub.poll(&store, chrono::Utc::now()).await.unwrap(), 0, "the first read starts from now");
    // 1,100 changes in a few seconds: more than one read of the outbox takes.
    for i in 0..1_100 {
        store.set_sop_tick(&ctx, alarm, step, operator, i % 2 == 0).await.unwrap();
    }
    assert_eq!(hub.poll(&store, chrono::Utc::now()).await.unwrap(), 1_100, "every change of the burst");
    store.set_sop_tick(&ctx, alarm, step, operator, true).await.unwrap();
    assert_eq!(hub.poll(&store, chrono::Utc::now()).await.unwrap(), 1, "the next change is not stuck behind the burst");
    assert_eq!(hub.poll(&store, chrono::Utc::now()).await.unwrap(), 0, "nothing is published twice");
}
