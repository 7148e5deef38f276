//! `TestApp`: a router over a fresh store with a small unit tree, plus helpers to log in and send
//! requests the way a browser or an API client would.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use smartcity_domain::geo::Area;
use smartcity_domain::identity::{CitizenId, Email, Role};
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::identity::{AccountKind, NewAccount};
use smartcity_store::testing::{TestStore, fresh_store};
use smartcity_store::units::NewUnit;
use smartcity_store::{AuditContext, IdentityStore, UnitStore};
use smartcity_web::shell::throttle::LoginThrottle;
use smartcity_web::{AppState, WebConfig, router};
use tower::ServiceExt;
use uuid::Uuid;

/// Ward A: Phú Xuân. Its boundary is the square 16.40–16.50 N, 107.50–107.60 E.
pub const WARD_A: &str = "19753";
/// Ward B: Thuận Hóa, a sibling of ward A.
pub const WARD_B: &str = "19789";
pub const PASSWORD: &str = "mat-khau-thu-nghiem";

pub struct TestApp {
    pub router: Router,
    pub store: TestStore,
}

/// A logged-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    /// Value of a cookie this response sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
            v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_throttle(LoginThrottle::default()).await
    }

    pub async fn with_throttle(throttle: LoginThrottle) -> TestApp {
        let store = fresh_store().await;
        let ctx = AuditContext::system("test");
        let unit = |code: &str, parent: Option<&str>, kind, vi: &str, en: &str| NewUnit {
            code: UnitCode::parse(code).unwrap(),
            parent_code: parent.map(|p| UnitCode::parse(p).unwrap()),
            kind,
            name_vi: vi.into(),
            name_en: en.into(),
            lat: None,
            lon: None,
            valid_from: day(2025, 7, 1),
        };
        store.create_unit(&ctx, unit("46", None, UnitKind::City, "Thành phố Huế", "Huế City")).await.unwrap();
        store
            .create_unit(&ctx, unit(WARD_A, Some("46"), UnitKind::Ward, "Phường Phú Xuân", "Phu Xuan Ward"))
            .await
            .unwrap();
        store
            .create_unit(&ctx, unit(WARD_B, Some("46"), UnitKind::Ward, "Phường Thuận Hóa", "Thuan Hoa Ward"))
            .await
            .unwrap();
        store
            .create_unit(
                &ctx,
                unit(
                    "46.TTHCC",
                    Some("46"),
                    UnitKind::Agency,
                    "Trung tâm Phục vụ hành chính công",
                    "Public Administration Service Centre",
                ),
            )
            .await
            .unwrap();
        let square = serde_json::json!({"type": "Polygon", "coordinates": [[[107.5, 16.4], [107.6, 16.4], [107.6, 16.5], [107.5, 16.5], [107.5, 16.4]]]});
        store
            .set_unit_boundary(&ctx, &UnitCode::parse(WARD_A).unwrap(), &Area::from_geojson_geometry(&square).unwrap())
            .await
            .unwrap();
        let state = AppState::new(store.store(), WebConfig::default()).with_throttle(throttle);
        TestApp { router: router(state), store }
    }

    /// A staff account holding `grants`, with password [`PASSWORD`].
    pub async fn staff(&self, email: &str, grants: &[(Role, &str)]) -> Uuid {
        let hash = smartcity_web::passwords::hash_password(PASSWORD.into()).await.unwrap();
        let account = self
            .store
            .create_account(
                &AuditContext::system("test"),
                NewAccount {
                    kind: AccountKind::Staff,
                    display_name: format!("Cán bộ {email}"),
                    email: Some(Email::parse(email).unwrap()),
                    phone: None,
                    citizen_id: None,
                    password_hash: hash,
                },
            )
            .await
            .unwrap();
        for (role, unit) in grants {
            self.store
                .grant_role(&AuditContext::system("test"), account.id, *role, &UnitCode::parse(unit).unwrap())
                .await
                .unwrap();
        }
        account.id
    }

    /// A citizen account with an ID number, password [`PASSWORD`].
    pub async fn citizen(&self, email: &str, citizen_id: &str) -> Uuid {
        let hash = smartcity_web::passwords::hash_password(PASSWORD.into()).await.unwrap();
        self.store
            .create_account(
                &AuditContext::system("test"),
                NewAccount {
                    kind: AccountKind::Citizen,
                    display_name: "Nguyễn Thị Hoa".into(),
                    email: Some(Email::parse(email).unwrap()),
                    phone: None,
                    citizen_id: Some(CitizenId::parse(citizen_id).unwrap()),
                    password_hash: hash,
                },
            )
            .await
            .unwrap()
            .id
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let mut req = req;
        if req.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        }
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> TestResponse {
        let mut req = Request::get(path);
        if let Some(s) = session {
            req = req.header(header::COOKIE, &s.cookie);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Post a form the way the page would, with the session's CSRF token in `_csrf`.
    pub async fn post_form(&self, path: &str, session: Option<&Session>, fields: &[(&str, &str)]) -> TestResponse {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Some(s) = session {
            all.push(("_csrf", &s.csrf));
        }
        self.post_form_raw(path, session.map(|s| s.cookie.as_str()), &all).await
    }

    pub async fn post_form_raw(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> TestResponse {
        let body: String = form_encode(fields);
        let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    pub async fn post_json(&self, path: &str, session: Option<&Session>, body: serde_json::Value) -> TestResponse {
        self.send_json(Request::post(path), session, body).await
    }

    pub async fn put_json(&self, path: &str, session: Option<&Session>, body: serde_json::Value) -> TestResponse {
        self.send_json(Request::put(path), session, body).await
    }

    async fn send_json(
        &self,
        req: axum::http::request::Builder,
        session: Option<&Session>,
        body: serde_json::Value,
    ) -> TestResponse {
        let mut req = req.header(header::CONTENT_TYPE, "application/json");
        if let Some(s) = session {
            req = req.header(header::COOKIE, &s.cookie).header("x-csrf-token", &s.csrf);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap()).await
    }

    /// Log in through the JSON API and keep the cookie and CSRF token.
    pub async fn login(&self, email: &str) -> Session {
        let r = self
            .post_json("/api/v1/auth/login", None, serde_json::json!({"identifier": email, "password": PASSWORD}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "login of {email} failed: {}", r.body);
        let secret = r.set_cookie("sc_session").expect("session cookie");
        Session { cookie: format!("sc_session={secret}"), csrf: r.json()["csrf_token"].as_str().unwrap().to_owned() }
    }

    /// An anonymous browser: the CSRF cookie a first page view hands out.
    pub async fn anonymous(&self) -> Session {
        let r = self.get("/register", None).await;
        let token = r.set_cookie("sc_csrf").expect("csrf cookie for anonymous visitor");
        Session { cookie: format!("sc_csrf={token}"), csrf: token }
    }
}

pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let k: String = form_urlencoded::byte_serialize(k.as_bytes()).collect();
            let v: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}
