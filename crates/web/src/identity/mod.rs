//! `identity` over HTTP: login and registration, "my account", administration of users, roles
//! and e-cards, the one-stop desk's card scan, and the matching JSON API.

pub mod admin;
pub mod api;
pub mod pages;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use smartcity_domain::identity::{Email, PhoneNumber};
use smartcity_domain::text::clean_line;
use smartcity_store::identity::Account;
use smartcity_store::sessions::NewSession;
use smartcity_store::{AuditContext, IdentityStore, SessionStore};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::passwords;
use crate::shell::auth::{hash_secret, random_token};

/// Routes of the identity capability (pages and `/api/v1` endpoints).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/register", get(pages::register_form).post(pages::register_submit))
        .route("/logout", post(pages::logout))
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .route("/account/logout-everywhere", post(pages::logout_everywhere))
        .route("/account/tokens", post(pages::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/account/organisations", post(pages::add_organisation))
        .route("/admin", get(admin::index))
        .route("/admin/users", get(admin::users).post(admin::create_staff))
        .route("/admin/users/new", get(admin::new_staff_form))
        .route("/admin/users/{id}", get(admin::user))
        .route("/admin/users/{id}/grants", post(admin::grant))
        .route("/admin/users/{id}/grants/{grant}/revoke", post(admin::revoke))
        .route("/admin/users/{id}/active", post(admin::set_active))
        .route("/admin/ecards", get(admin::ecards).post(admin::issue_ecard))
        .route("/admin/ecards/{id}/revoke", post(admin::revoke_ecard))
        .route("/desk/ecard", get(admin::desk_form).post(admin::desk_lookup))
        .route("/api/v1/auth/login", post(api::login))
        .route("/api/v1/auth/logout", post(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/ecards/lookup", post(api::ecard_lookup))
}

/// A started session: the cookie secret and the CSRF token that goes with it.
pub struct StartedSession {
    pub account: Account,
    pub secret: String,
    pub csrf_token: String,
}

/// Turn what a person typed into the form stored in the database: emails lowercased, phones as
/// `0xxxxxxxxx`. Anything else is kept as typed (and will not match).
pub fn normalise_identifier(raw: &str) -> String {
    let cleaned = clean_line(raw);
    if cleaned.contains('@') {
        Email::parse(&cleaned).map(|e| e.as_str().to_owned()).unwrap_or(cleaned)
    } else {
        PhoneNumber::parse(&cleaned).map(|p| p.as_str().to_owned()).unwrap_or(cleaned)
    }
}

fn login_failed() -> AppError {
    AppError::new(
        "login_failed",
        StatusCode::UNAUTHORIZED,
        "Email/số điện thoại hoặc mật khẩu không đúng.",
        "Wrong email/phone or password.",
    )
}

/// Check a password login (throttled per account and per address) and start a session.
pub async fn log_in(
    state: &AppState,
    ip: Option<String>,
    identifier: &str,
    password: &str,
    user_agent: Option<&str>,
) -> AppResult<StartedSession> {
    let identifier = normalise_identifier(identifier);
    if let Err(wait) = state.throttle.check(&identifier, ip.as_deref()) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let mut err = AppError::new(
            "login_throttled",
            StatusCode::TOO_MANY_REQUESTS,
            format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."),
            format!("Too many failed logins. Please try again in {minutes} minutes."),
        );
        err.retry_after = Some(wait.as_secs().max(1));
        return Err(err);
    }
    let found = state.store.account_for_login(&identifier).await?;
    let (account, hash) = match found {
        Some(pair) => pair,
        None => {
            // Spend the same time as a real check so timing does not reveal unknown accounts.
            let _ = passwords::verify_password(password.to_owned(), passwords::decoy_hash().await.to_owned()).await;
            state.throttle.record_failure(&identifier, ip.as_deref());
            return Err(login_failed());
        }
    };
    if !passwords::verify_password(password.to_owned(), hash).await {
        state.throttle.record_failure(&identifier, ip.as_deref());
        return Err(login_failed());
    }
    if !account.active {
        return Err(AppError::new(
            "account_disabled",
            StatusCode::FORBIDDEN,
            "Tài khoản đã bị khóa. Liên hệ quản trị viên của đơn vị.",
            "This account is disabled. Contact your unit's administrator.",
        ));
    }
    state.throttle.record_success(&identifier);
    start_session(state, &account, ip, user_agent).await
}

/// Store a new session for `account` (after login, registration or a password change).
pub async fn start_session(
    state: &AppState,
    account: &Account,
    ip: Option<String>,
    user_agent: Option<&str>,
) -> AppResult<StartedSession> {
    let secret = random_token();
    let csrf_token = random_token();
    let expires_at = chrono::Utc::now() + chrono::Duration::hours(state.config.session_hours);
    let user_agent: Option<String> = user_agent.map(|ua| ua.chars().take(300).collect());
    state
        .store
        .create_session(
            &AuditContext::account(account.id, ip),
            NewSession {
                id_hash: &hash_secret(&secret),
                account_id: account.id,
                csrf_token: &csrf_token,
                expires_at,
                user_agent: user_agent.as_deref(),
            },
        )
        .await?;
    Ok(StartedSession { account: account.clone(), secret, csrf_token })
}

/// `Set-Cookie` for a started session.
pub fn session_cookie(state: &AppState, session: &StartedSession) -> axum::http::HeaderValue {
    crate::shell::auth::set_cookie(
        crate::shell::auth::SESSION_COOKIE,
        &session.secret,
        state.config.session_hours * 3600,
        state.config.secure_cookies,
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> axum::http::HeaderValue {
    crate::shell::auth::set_cookie(crate::shell::auth::SESSION_COOKIE, "", 0, state.config.secure_cookies)
}
