//! Pages every visitor uses: log in, register, log out, and "my account".

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smartcity_domain::identity::{CitizenId, Email, PhoneNumber, Role, TaxCode, check_password_policy};
use smartcity_domain::text::clean_line;
use smartcity_domain::units::UnitCode;
use smartcity_store::identity::{Account, AccountKind, ApiToken, ECard, NewAccount, Organisation, RoleGrant};
use smartcity_store::{AuditContext, IdentityStore, SessionStore, StoreError};
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::passwords;
use crate::shell::auth::{AuthVia, ClientIp, CurrentUser, MaybeUser};
use crate::shell::extract::AppForm;
use crate::shell::page::{PageContext, redirect, render, render_with_status, safe_local_path};

/// The unit citizens' own role is granted on: the whole city.
pub const CITY_UNIT: &str = "46";

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers.get(USER_AGENT).and_then(|v| v.to_str().ok())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageContext,
    identifier: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_form(ctx: PageContext, axum::extract::Query(q): axum::extract::Query<LoginQuery>) -> Response {
    let next = safe_local_path(q.next.as_deref().unwrap_or("/account")).to_owned();
    render(&LoginPage { ctx, identifier: String::new(), next, error: None })
}

/// Fields of the login form.
#[derive(Deserialize)]
pub struct LoginForm {
    identifier: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: on success a session cookie and a redirect; on failure the form again with
/// the message and what was typed.
pub async fn login_submit(
    State(state): State<AppState>,
    ctx: PageContext,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppForm(form): AppForm<LoginForm>,
) -> Response {
    match super::log_in(&state, ip, &form.identifier, &form.password, user_agent(&headers)).await {
        Ok(session) => {
            let mut r = redirect(safe_local_path(if form.next.is_empty() { "/account" } else { &form.next }));
            r.headers_mut().append(SET_COOKIE, super::session_cookie(&state, &session));
            r
        }
        Err(err) => {
            let status = err.status;
            let message = err.message(ctx.lang_code()).to_owned();
            let mut r = render_with_status(
                status,
                &LoginPage { ctx, identifier: form.identifier, next: form.next, error: Some(message) },
            );
            if let Some(secs) = err.retry_after
                && let Ok(v) = secs.to_string().parse()
            {
                r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            r
        }
    }
}

/// Fields of the registration form, kept as typed so a rejected form comes back filled in.
#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub citizen_id: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: PageContext,
    form: RegisterForm,
    errors: Vec<(&'static str, String)>,
}

impl RegisterPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

/// `GET /register`.
pub async fn register_form(ctx: PageContext) -> Response {
    render(&RegisterPage { ctx, form: RegisterForm::default(), errors: Vec::new() })
}

/// A validated registration.
pub struct Registration {
    pub display_name: String,
    pub citizen_id: CitizenId,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub password: String,
}

/// Check every field at once so the citizen sees all problems in one go.
pub fn validate_registration(form: &RegisterForm) -> Result<Registration, Vec<AppError>> {
    let mut errors = Vec::new();
    let display_name = clean_line(&form.full_name);
    if display_name.chars().count() < 2 || display_name.chars().count() > 100 {
        errors.push(AppError::invalid_field(
            "full_name",
            "full_name_invalid",
            "Hãy nhập họ và tên (2–100 ký tự).",
            "Enter your full name (2–100 characters).",
        ));
    }
    let citizen_id = CitizenId::parse(&form.citizen_id).map_err(|e| errors.push(e.into())).ok();
    let contact = clean_line(&form.contact);
    let (email, phone) = if contact.contains('@') {
        (Email::parse(&contact).map_err(|e| errors.push(AppError::from(e).with_field("contact"))).ok(), None)
    } else if contact.is_empty() {
        errors.push(AppError::invalid_field(
            "contact",
            "contact_missing",
            "Hãy nhập email hoặc số điện thoại di động.",
            "Enter an email address or a mobile phone number.",
        ));
        (None, None)
    } else {
        (None, PhoneNumber::parse(&contact).map_err(|e| errors.push(AppError::from(e).with_field("contact"))).ok())
    };
    if let Err(e) = check_password_policy(&form.password) {
        errors.push(e.into());
    } else if form.password != form.password_confirm {
        errors.push(AppError::invalid_field(
            "password_confirm",
            "password_mismatch",
            "Hai mật khẩu không khớp.",
            "The two passwords do not match.",
        ));
    }
    match (errors.is_empty(), citizen_id) {
        (true, Some(citizen_id)) => {
            Ok(Registration { display_name, citizen_id, email, phone, password: form.password.clone() })
        }
        _ => Err(errors),
    }
}

/// Create a citizen account with the citizen role on the city.
pub async fn register_citizen(state: &AppState, ip: Option<String>, reg: Registration) -> AppResult<Account> {
    let password_hash = passwords::hash_password(reg.password).await?;
    let ctx = AuditContext::anonymous(ip.clone());
    let account = state
        .store
        .create_account(
            &ctx,
            NewAccount {
                kind: AccountKind::Citizen,
                display_name: reg.display_name,
                email: reg.email,
                phone: reg.phone,
                citizen_id: Some(reg.citizen_id),
                password_hash,
            },
        )
        .await?;
    let city = UnitCode::parse(CITY_UNIT)?;
    match state.store.grant_role(&AuditContext::account(account.id, ip), account.id, Role::Citizen, &city).await {
        Ok(_) | Err(StoreError::Invalid(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(account)
}

/// `POST /register`: create the account, log in, go to "my account".
pub async fn register_submit(
    State(state): State<AppState>,
    ctx: PageContext,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppForm(form): AppForm<RegisterForm>,
) -> Response {
    let lang = ctx.lang_code();
    let fail = |ctx: PageContext, form: RegisterForm, errs: Vec<AppError>| {
        let errors = errs.iter().map(|e| (e.field.unwrap_or("full_name"), e.message(lang).to_owned())).collect();
        let mut form = form;
        form.password.clear();
        form.password_confirm.clear();
        render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage { ctx, form, errors })
    };
    let reg = match validate_registration(&form) {
        Ok(reg) => reg,
        Err(errs) => return fail(ctx, form, errs),
    };
    let account = match register_citizen(&state, ip.clone(), reg).await {
        Ok(a) => a,
        Err(e) if e.field.is_some() => return fail(ctx, form, vec![e]),
        Err(e) => return e.into_response(),
    };
    match super::start_session(&state, &account, ip, user_agent(&headers)).await {
        Ok(session) => {
            let mut r = redirect("/account");
            r.headers_mut().append(SET_COOKIE, super::session_cookie(&state, &session));
            r
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /logout`: end this session.
pub async fn logout(State(state): State<AppState>, ClientIp(ip): ClientIp, MaybeUser(user): MaybeUser) -> Response {
    if let Some(identity) = user
        && let AuthVia::Session { id_hash } = &identity.via
        && let Err(e) = state.store.delete_session(&AuditContext::account(identity.account.id, ip), id_hash).await
    {
        return AppError::from(e).into_response();
    }
    let mut r = redirect("/");
    r.headers_mut().append(SET_COOKIE, super::clear_session_cookie(&state));
    r
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageContext,
    account: Account,
    grants: Vec<RoleGrant>,
    ecards: Vec<(ECard, String)>,
    tokens: Vec<ApiToken>,
    organisations: Vec<Organisation>,
    new_token: Option<String>,
    notice: Option<&'static str>,
    errors: Vec<(&'static str, String)>,
}

impl AccountPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

/// Draw a QR code as inline SVG (dark modules on white, quiet zone included).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(160, 160)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    }
}

async fn account_page(state: &AppState, ctx: PageContext, account: Account) -> AppResult<AccountPage> {
    let id = account.id;
    let ecards = state
        .store
        .ecards_of(id)
        .await?
        .into_iter()
        .map(|card| {
            let svg = qr_svg(&card.qr_token);
            (card, svg)
        })
        .collect();
    Ok(AccountPage {
        ctx,
        grants: state.store.grants_of(id).await?,
        ecards,
        tokens: state.store.api_tokens_of(id).await?,
        organisations: state.store.organisations_of(id).await?,
        account,
        new_token: None,
        notice: None,
        errors: Vec::new(),
    })
}

/// `GET /account`.
pub async fn account(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&account_page(&state, ctx, user.0.account).await?))
}

/// Fields of the password change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

/// `POST /account/password`: check the current password, store the new one, end every other
/// session and start a fresh one here.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppForm(form): AppForm<PasswordForm>,
) -> AppResult<Response> {
    let account = user.0.account.clone();
    let lang = ctx.lang_code();
    let mut errors: Vec<AppError> = Vec::new();
    let stored = state
        .store
        .account_for_login(account.email.as_deref().or(account.phone.as_deref()).unwrap_or_default())
        .await?;
    let current_ok = match stored {
        Some((_, hash)) => passwords::verify_password(form.current_password, hash).await,
        None => false,
    };
    if !current_ok {
        errors.push(AppError::invalid_field(
            "current_password",
            "password_wrong",
            "Mật khẩu hiện tại không đúng.",
            "The current password is wrong.",
        ));
    }
    if let Err(e) = check_password_policy(&form.new_password) {
        errors.push(AppError::from(e).with_field("new_password"));
    } else if form.new_password != form.new_password_confirm {
        errors.push(AppError::invalid_field(
            "new_password_confirm",
            "password_mismatch",
            "Hai mật khẩu không khớp.",
            "The two passwords do not match.",
        ));
    }
    if !errors.is_empty() {
        let mut page = account_page(&state, ctx, account).await?;
        page.errors = errors.iter().map(|e| (e.field.unwrap_or(""), e.message(lang).to_owned())).collect();
        return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let hash = passwords::hash_password(form.new_password).await?;
    let audit = AuditContext::account(account.id, ip.clone());
    state.store.set_password(&audit, account.id, &hash).await?;
    state.store.delete_sessions_of(&audit, account.id).await?;
    let session = super::start_session(&state, &account, ip, user_agent(&headers)).await?;
    let mut ctx = ctx;
    ctx.csrf_token = session.csrf_token.clone();
    let mut page = account_page(&state, ctx, account).await?;
    page.notice = Some("account.password_changed");
    let mut r = render(&page);
    r.headers_mut().append(SET_COOKIE, super::session_cookie(&state, &session));
    Ok(r)
}

/// `POST /account/logout-everywhere`: end every session of the account, this one included.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
) -> AppResult<Response> {
    state.store.delete_sessions_of(&AuditContext::account(user.id(), ip), user.id()).await?;
    let mut r = redirect("/login");
    r.headers_mut().append(SET_COOKIE, super::clear_session_cookie(&state));
    Ok(r)
}

/// Fields of the token form.
#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
}

/// Prefix that marks the platform's tokens (helps secret scanners and people).
pub const TOKEN_PREFIX: &str = "sct_";

/// `POST /account/tokens`: create a token and show it once.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<TokenForm>,
) -> AppResult<Response> {
    let name = clean_line(&form.name);
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid_field(
            "name",
            "token_name_invalid",
            "Hãy đặt tên cho mã (1–80 ký tự), ví dụ \"script báo cáo\".",
            "Give the token a name (1–80 characters), e.g. \"report script\".",
        ));
    }
    let token = format!("{TOKEN_PREFIX}{}", crate::shell::auth::random_token());
    let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
    state
        .store
        .create_api_token(
            &AuditContext::account(user.id(), ip),
            user.id(),
            &name,
            &crate::shell::auth::hash_secret(&token),
            &prefix,
        )
        .await?;
    let mut page = account_page(&state, ctx, user.0.account).await?;
    page.new_token = Some(token);
    Ok(render(&page))
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    state.store.revoke_api_token(&AuditContext::account(user.id(), ip), user.id(), id).await?;
    Ok(redirect("/account#tokens"))
}

/// Fields of the organisation form.
#[derive(Deserialize)]
pub struct OrganisationForm {
    tax_code: String,
    name: String,
    #[serde(default)]
    address: String,
}

/// `POST /account/organisations`: record an organisation the user represents.
pub async fn add_organisation(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<OrganisationForm>,
) -> AppResult<Response> {
    let lang = ctx.lang_code();
    let mut errors = Vec::new();
    let tax_code = TaxCode::parse(&form.tax_code).map_err(|e| errors.push(AppError::from(e))).ok();
    let name = clean_line(&form.name);
    if name.chars().count() < 2 {
        errors.push(AppError::invalid_field(
            "org_name",
            "organisation_name_missing",
            "Hãy nhập tên tổ chức.",
            "Enter the organisation's name.",
        ));
    }
    let result = match tax_code {
        Some(tax_code) if errors.is_empty() => state
            .store
            .create_organisation(
                &AuditContext::account(user.id(), ip),
                &tax_code,
                &name,
                &clean_line(&form.address),
                user.id(),
            )
            .await
            .map(|_| ())
            .map_err(AppError::from),
        _ => Ok(()),
    };
    if let Err(e) = result {
        errors.push(e);
    }
    if errors.is_empty() {
        return Ok(redirect("/account#organisations"));
    }
    let mut page = account_page(&state, ctx, user.0.account).await?;
    page.errors = errors.iter().map(|e| (e.field.unwrap_or("tax_code"), e.message(lang).to_owned())).collect();
    Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
