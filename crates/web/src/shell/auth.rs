//! Who is asking, and may they change anything: session cookies and API tokens become an
//! [`Identity`]; every unsafe request must carry the CSRF token of its session (or, before login,
//! of the `sc_csrf` cookie) in an `X-CSRF-Token` header or a `_csrf` form field.

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};
use smartcity_domain::identity::Role;
use smartcity_domain::units::UnitCode;
use smartcity_store::identity::Account;
use smartcity_store::{IdentityStore, SessionStore};

use crate::AppState;
use crate::error::AppError;

/// Cookie holding the session secret (only its SHA-256 is stored).
pub const SESSION_COOKIE: &str = "sc_session";
/// Cookie holding the CSRF token of a visitor who is not logged in.
pub const CSRF_COOKIE: &str = "sc_csrf";
/// Header an htmx or API client echoes the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest urlencoded form the CSRF check buffers.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum AuthVia {
    /// A browser session; `id_hash` identifies it for logout.
    Session { id_hash: String },
    /// A personal API token (`Authorization: Bearer`), immune to CSRF because browsers never
    /// send it on their own.
    ApiToken,
}

/// A logged-in caller.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account: Account,
    pub via: AuthVia,
}

/// What the authentication layer learnt about a request.
#[derive(Debug, Clone)]
pub struct RequestAuth {
    pub identity: Option<Identity>,
    /// The token forms on this page must carry.
    pub csrf_token: String,
}

/// The client's address, for throttling and the audit trail.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

fn client_ip(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// A fresh random secret, hex encoded (256 bits).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a secret, as stored for sessions and API tokens.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with the platform's defaults (HttpOnly, SameSite=Lax, Secure behind TLS).
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolve the caller and enforce CSRF on unsafe methods.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match authenticate_inner(&state, req).await {
        Ok((req, new_csrf_cookie)) => {
            let mut response = next.run(req).await;
            if let Some(token) = new_csrf_cookie {
                response.headers_mut().append(
                    SET_COOKIE,
                    set_cookie(CSRF_COOKIE, &token, 60 * 60 * 24 * 30, state.config.secure_cookies),
                );
            }
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn authenticate_inner(state: &AppState, req: Request) -> Result<(Request, Option<String>), AppError> {
    let headers = req.headers();
    let mut new_csrf_cookie = None;
    let auth = if let Some(bearer) = bearer_token(headers) {
        let account = state.store.account_for_api_token(&hash_secret(&bearer)).await?.ok_or_else(invalid_token)?;
        RequestAuth { identity: Some(Identity { account, via: AuthVia::ApiToken }), csrf_token: String::new() }
    } else {
        let session = match cookie(headers, SESSION_COOKIE) {
            Some(secret) => {
                let id_hash = hash_secret(&secret);
                state.store.session(&id_hash, chrono::Utc::now()).await?.map(|s| (s, id_hash))
            }
            None => None,
        };
        match session {
            Some((session, id_hash)) => RequestAuth {
                identity: Some(Identity { account: session.account, via: AuthVia::Session { id_hash } }),
                csrf_token: session.csrf_token,
            },
            // An anonymous read of the JSON API (the public lookup, open data) never posts a form back: no
            // token is minted for it and no cookie set, which keeps the hottest public reads free of session work.
            None if is_safe_api_read(&req) && cookie(headers, CSRF_COOKIE).is_none() => {
                RequestAuth { identity: None, csrf_token: String::new() }
            }
            None => {
                let token = cookie(headers, CSRF_COOKIE)
                    .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
                    .unwrap_or_else(|| {
                        let token = random_token();
                        new_csrf_cookie = Some(token.clone());
                        token
                    });
                RequestAuth { identity: None, csrf_token: token }
            }
        }
    };

    let needs_check = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !matches!(auth.identity, Some(Identity { via: AuthVia::ApiToken, .. }))
        && !is_open311_post(&req);
    let req = if needs_check { check_csrf(req, &auth).await? } else { req };
    let mut req = req;
    req.extensions_mut().insert(auth);
    Ok((req, new_csrf_cookie))
}

/// A GET/HEAD under `/api/`: answered without CSRF state for anonymous callers.
fn is_safe_api_read(req: &Request) -> bool {
    matches!(*req.method(), Method::GET | Method::HEAD) && req.uri().path().starts_with("/api/")
}

/// Open311 writes authenticate with the partner's `api_key` in the body and never act as the session's user, so
/// a forged cross-site POST gains nothing from the cookie: they skip the CSRF check. Only POSTs to
/// `/open311/v2/<resource>` (one segment: `requests.xml`, `servicerequestupdates.json`) qualify.
fn is_open311_post(req: &Request) -> bool {
    req.method() == Method::POST
        && req.uri().path().strip_prefix("/open311/v2/").is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_owned())
}

fn invalid_token() -> AppError {
    AppError::new(
        "api_token_invalid",
        axum::http::StatusCode::UNAUTHORIZED,
        "Mã truy cập API không hợp lệ hoặc đã bị thu hồi.",
        "The API token is invalid or has been revoked.",
    )
}

/// Unsafe requests from a browser context must echo the expected token. Cross-site requests are
/// refused outright when the browser says so (`Sec-Fetch-Site`). The JSON login endpoint is the
/// one exception: it has no session yet, and cross-site JSON posts are blocked by CORS preflight.
async fn check_csrf(req: Request, auth: &RequestAuth) -> Result<Request, AppError> {
    if req.headers().get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
        return Err(AppError::csrf());
    }
    if req.uri().path() == "/api/v1/auth/login" {
        return Ok(req);
    }
    if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(sent, &auth.csrf_token) { Ok(req) } else { Err(AppError::csrf()) };
    }
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        // File uploads cannot be buffered here; their forms carry the token in the action URL.
        let sent = req
            .uri()
            .query()
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "_csrf").map(|(_, v)| v.into_owned()))
            .unwrap_or_default();
        return if constant_time_eq(&sent, &auth.csrf_token) { Ok(req) } else { Err(AppError::csrf()) };
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::csrf());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| {
        AppError::new(
            "form_too_large",
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "Biểu mẫu quá lớn.",
            "The form is too large.",
        )
    })?;
    let sent =
        form_urlencoded::parse(&bytes).find(|(k, _)| k == "_csrf").map(|(_, v)| v.into_owned()).unwrap_or_default();
    if !constant_time_eq(&sent, &auth.csrf_token) {
        return Err(AppError::csrf());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Extractor: the logged-in caller, or `login_required`.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestAuth>()
            .and_then(|a| a.identity.clone())
            .map(CurrentUser)
            .ok_or_else(AppError::login_required)
    }
}

/// Extractor: the caller if logged in.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<RequestAuth>().and_then(|a| a.identity.clone())))
    }
}

impl CurrentUser {
    /// The account id.
    pub fn id(&self) -> uuid::Uuid {
        self.0.account.id
    }

    /// Require one of `roles` on `unit` (granted there or on an ancestor), else 403.
    pub async fn require_role_on(&self, state: &AppState, roles: &[Role], unit: &UnitCode) -> Result<(), AppError> {
        if state.store.has_role_on(self.id(), roles, unit).await? { Ok(()) } else { Err(AppError::forbidden()) }
    }

    /// Require one of `roles` on any unit at all (for pages that list what the role may see).
    pub async fn require_any_role(&self, state: &AppState, roles: &[Role]) -> Result<(), AppError> {
        let grants = state.store.grants_of(self.id()).await?;
        if grants.iter().any(|g| roles.contains(&g.role)) { Ok(()) } else { Err(AppError::forbidden()) }
    }
}
