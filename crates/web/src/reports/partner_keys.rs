//! Khóa API đối tác: the administrators' page of Open311 partner keys (`/admin/open311-keys`). A key's secret
//! is shown once, when it is created; only its SHA-256 is stored. Revoking takes effect on the next request.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use smartcity_domain::identity::Role;
use smartcity_domain::text::clean_line;
use smartcity_store::AuditContext;
use smartcity_store::reports::{Open311ApiKey, ReportStore};
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser, hash_secret, random_token};
use crate::shell::extract::AppForm;
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// Prefix of every partner key, so a leaked one is recognisable in logs and secret scanners.
pub const KEY_PREFIX: &str = "o311_";
/// Longest partner name.
const MAX_NAME_CHARS: usize = 120;

/// The routes of the page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/open311-keys", get(keys).post(create))
        .route("/admin/open311-keys/{id}/revoke", post(revoke))
}

/// A fresh partner key: the secret to hand out once, and the hash to store.
pub fn new_partner_key() -> (String, String) {
    let secret = format!("{KEY_PREFIX}{}", random_token());
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// Checks a partner's name: one line, 1–120 characters.
pub fn partner_name(raw: &str) -> AppResult<String> {
    let name = clean_line(raw);
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid_field(
            "name",
            "partner_name_invalid",
            format!("Tên đối tác phải có từ 1 đến {MAX_NAME_CHARS} ký tự."),
            format!("The partner's name must be 1 to {MAX_NAME_CHARS} characters long."),
        ));
    }
    Ok(name)
}

#[derive(Template)]
#[template(path = "admin/open311_keys.html")]
struct KeysPage {
    ctx: PageContext,
    keys: Vec<Open311ApiKey>,
    error: Option<String>,
    created: Option<(String, String)>,
}

const ADMIN: &[Role] = &[Role::Administrator];

async fn page(state: &AppState, ctx: PageContext) -> AppResult<KeysPage> {
    let mut keys = state.store.open311_keys().await?;
    keys.reverse();
    Ok(KeysPage { ctx, keys, error: None, created: None })
}

/// `GET /admin/open311-keys`: every key, newest first, and the form to create one.
async fn keys(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, ADMIN).await?;
    Ok(render(&page(&state, ctx).await?))
}

/// Fields of the create form.
#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

/// `POST /admin/open311-keys`: create a key and show its secret this once.
async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<CreateForm>,
) -> AppResult<Response> {
    user.require_any_role(&state, ADMIN).await?;
    let lang = ctx.lang_code();
    let name = match partner_name(&form.name) {
        Ok(name) => name,
        Err(err) => {
            let mut page = page(&state, ctx).await?;
            page.error = Some(err.message(lang).to_owned());
            return Ok(render_with_status(err.status, &page));
        }
    };
    let (secret, hash) = new_partner_key();
    state.store.create_open311_key(&AuditContext::account(user.id(), ip), &name, &hash).await?;
    let mut page = page(&state, ctx).await?;
    page.created = Some((name, secret));
    Ok(render(&page))
}

/// `POST /admin/open311-keys/{id}/revoke`.
async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_any_role(&state, ADMIN).await?;
    state.store.revoke_open311_key(&AuditContext::account(user.id(), ip), id).await?;
    Ok(redirect("/admin/open311-keys"))
}
