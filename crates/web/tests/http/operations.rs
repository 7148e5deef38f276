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
