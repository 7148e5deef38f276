//! `identity` JSON API: log in and out with a session cookie, "who am I", and the desk's e-card
//! lookup for integrations (kiosks, counter software).

use axum::Json;
use axum::extract::State;
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartcity_store::identity::Account;
use smartcity_store::{AuditContext, IdentityStore, SessionStore};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiErrorBody, AppError, AppResult};
use crate::shell::auth::{AuthVia, ClientIp, CurrentUser};
use crate::shell::extract::AppJson;

/// Body of `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Email or mobile phone number.
    pub identifier: String,
    pub password: String,
}

/// A role grant as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// Role code, e.g. `processing_officer`.
    pub role: String,
    pub unit_code: String,
    pub unit_name_vi: String,
    pub unit_name_en: String,
}

/// The caller's own account.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub id: Uuid,
    pub display_name: String,
    /// `citizen` or `staff`.
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The caller's own ID number (never shown for anyone else).
    pub citizen_id: Option<String>,
    pub roles: Vec<RoleView>,
}

/// Reply to a successful login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send it back as `X-CSRF-Token` on every unsafe request of this session.
    pub csrf_token: String,
    pub user: MeResponse,
}

async fn me_view(state: &AppState, account: &Account) -> AppResult<MeResponse> {
    let roles = state
        .store
        .grants_of(account.id)
        .await?
        .into_iter()
        .map(|g| RoleView {
            role: g.role.as_str().to_owned(),
            unit_code: g.unit_code,
            unit_name_vi: g.unit_name_vi,
            unit_name_en: g.unit_name_en,
        })
        .collect();
    Ok(MeResponse {
        id: account.id,
        display_name: account.display_name.clone(),
        kind: account.kind.as_str().to_owned(),
        email: account.email.clone(),
        phone: account.phone.clone(),
        citizen_id: account.citizen_id.clone(),
        roles,
    })
}

/// Log in with a password; sets the `sc_session` cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; session cookie set", body = LoginResponse),
        (status = 401, description = "Wrong identifier or password", body = ApiErrorBody),
        (status = 429, description = "Too many failed attempts", body = ApiErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppJson(body): AppJson<LoginRequest>,
) -> AppResult<Response> {
    let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let session = super::log_in(&state, ip, &body.identifier, &body.password, ua).await?;
    let user = me_view(&state, &session.account).await?;
    let mut r = Json(LoginResponse { csrf_token: session.csrf_token.clone(), user }).into_response();
    r.headers_mut().append(SET_COOKIE, super::session_cookie(&state, &session));
    Ok(r)
}

/// End the current session (needs `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = ApiErrorBody),
        (status = 403, description = "Missing or wrong CSRF token", body = ApiErrorBody),
    ))]
pub async fn logout(State(state): State<AppState>, ClientIp(ip): ClientIp, user: CurrentUser) -> AppResult<Response> {
    if let AuthVia::Session { id_hash } = &user.0.via {
        state.store.delete_session(&AuditContext::account(user.id(), ip), id_hash).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().append(SET_COOKIE, super::clear_session_cookie(&state));
    Ok(r)
}

/// The logged-in account and its roles (session cookie or `Authorization: Bearer` token).
#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "Not logged in", body = ApiErrorBody),
    ),
    security(("session" = []), ("bearer" = [])))]
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<MeResponse>> {
    Ok(Json(me_view(&state, &user.0.account).await?))
}

/// Body of the e-card lookup.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ECardLookupRequest {
    /// What the scanner read from the QR code, or the typed card number.
    pub scanned: String,
}

/// The person an e-card identifies.
#[derive(Debug, Serialize, ToSchema)]
pub struct ECardHolder {
    pub account_id: Uuid,
    pub display_name: String,
    pub citizen_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub card_number: String,
}

/// Identify the holder of an active e-card (reception officers; the read is audited).
#[utoipa::path(post, path = "/api/v1/ecards/lookup", tag = "identity",
    request_body = ECardLookupRequest,
    responses(
        (status = 200, description = "The holder", body = ECardHolder),
        (status = 403, description = "Not a reception officer", body = ApiErrorBody),
        (status = 404, description = "No active card matches", body = ApiErrorBody),
    ))]
pub async fn ecard_lookup(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppJson(body): AppJson<ECardLookupRequest>,
) -> AppResult<Json<ECardHolder>> {
    let (card, holder) = super::admin::identify_holder(&state, &user, ip, &body.scanned).await?.ok_or_else(|| {
        AppError::new(
            "ecard_not_found",
            StatusCode::NOT_FOUND,
            "Không có thẻ đang hoạt động với mã này.",
            "No active card matches this code.",
        )
    })?;
    Ok(Json(ECardHolder {
        account_id: holder.id,
        display_name: holder.display_name,
        citizen_id: holder.citizen_id,
        email: holder.email,
        phone: holder.phone,
        card_number: card.card_number,
    }))
}
