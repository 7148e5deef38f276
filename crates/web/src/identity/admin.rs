//! Administration of people: users and their role grants (scoped: an administrator acts only
//! inside the subtree of the unit they administer), e-cards, and the one-stop desk's card scan.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use smartcity_domain::identity::{CitizenId, ECardNumber, Email, PhoneNumber, Role, check_password_policy};
use smartcity_domain::text::clean_line;
use smartcity_domain::units::UnitCode;
use smartcity_store::audit::AuditEvent;
use smartcity_store::identity::{Account, AccountKind, ECard, NewAccount, RoleGrant};
use smartcity_store::units::Unit;
use smartcity_store::{AuditContext, AuditStore, IdentityStore, UnitStore};
use uuid::Uuid;

use super::pages::CITY_UNIT;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::passwords;
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

#[derive(Template)]
#[template(path = "admin/index.html")]
struct AdminIndex {
    ctx: PageContext,
}

/// `GET /admin`: what an administrator can manage.
pub async fn index(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::Administrator]).await?;
    Ok(render(&AdminIndex { ctx }))
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: PageContext,
    q: String,
    users: Vec<Account>,
}

/// Query of the users list.
#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

/// `GET /admin/users?q=`: search accounts.
pub async fn users(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    AppQuery(query): AppQuery<UsersQuery>,
) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::Administrator]).await?;
    let q = clean_line(&query.q);
    let users = state.store.list_accounts(&q, 50, query.page.max(0) * 50).await?;
    Ok(render(&UsersPage { ctx, q, users }))
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    ctx: PageContext,
    account: Account,
    grants: Vec<RoleGrant>,
    units: Vec<Unit>,
    roles: Vec<Role>,
    error: Option<String>,
}

async fn user_page(
    state: &AppState,
    ctx: PageContext,
    viewer: &CurrentUser,
    id: Uuid,
    ip: Option<String>,
) -> AppResult<UserPage> {
    let account = state.store.account(id).await?.ok_or_else(AppError::not_found)?;
    if account.citizen_id.is_some() && account.id != viewer.id() {
        // Luật 91/2025/QH15: staff reads of a citizen's personal data are recorded.
        state
            .store
            .record_audit(
                &AuditContext::account(viewer.id(), ip),
                AuditEvent {
                    action: "personal_data.read",
                    record_type: "account",
                    record_id: account.id.to_string(),
                    details: json!({"view": "admin.user"}),
                },
            )
            .await?;
    }
    let today = chrono::Utc::now().date_naive();
    let units = state.store.list_units().await?.into_iter().filter(|u| u.is_active_on(today)).collect();
    Ok(UserPage {
        ctx,
        grants: state.store.grants_of(id).await?,
        account,
        units,
        roles: Role::ALL.to_vec(),
        error: None,
    })
}

/// `GET /admin/users/{id}`: an account, its grants and the grant form.
pub async fn user(
    State(state): State<AppState>,
    ctx: PageContext,
    viewer: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    viewer.require_any_role(&state, &[Role::Administrator]).await?;
    Ok(render(&user_page(&state, ctx, &viewer, id, ip).await?))
}

/// Fields of the grant form.
#[derive(Deserialize)]
pub struct GrantForm {
    role: String,
    unit_code: String,
}

/// `POST /admin/users/{id}/grants`: grant a role on a unit the administrator administers.
pub async fn grant(
    State(state): State<AppState>,
    ctx: PageContext,
    admin: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
    AppForm(form): AppForm<GrantForm>,
) -> AppResult<Response> {
    admin.require_any_role(&state, &[Role::Administrator]).await?;
    let parsed = Role::parse(&form.role).and_then(|role| UnitCode::parse(&form.unit_code).map(|unit| (role, unit)));
    let result = match parsed {
        Ok((role, unit)) => {
            admin.require_role_on(&state, &[Role::Administrator], &unit).await?;
            state
                .store
                .grant_role(&AuditContext::account(admin.id(), ip.clone()), id, role, &unit)
                .await
                .map_err(AppError::from)
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/admin/users/{id}#grants"))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let lang = ctx.lang_code();
            let mut page = user_page(&state, ctx, &admin, id, ip).await?;
            page.error = Some(e.message(lang).to_owned());
            Ok(render_with_status(e.status, &page))
        }
        Err(e) => Err(e),
    }
}

/// `POST /admin/users/{id}/grants/{grant}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    admin: CurrentUser,
    ClientIp(ip): ClientIp,
    Path((id, grant)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    let held = state.store.grants_of(id).await?;
    let target = held.iter().find(|g| g.id == grant).ok_or_else(AppError::not_found)?;
    admin.require_role_on(&state, &[Role::Administrator], &UnitCode::parse(&target.unit_code)?).await?;
    state.store.revoke_grant(&AuditContext::account(admin.id(), ip), grant).await?;
    Ok(redirect(&format!("/admin/users/{id}#grants")))
}

/// Fields of the enable/disable form.
#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

/// `POST /admin/users/{id}/active`: disable (ends every session) or re-enable an account. Only
/// administrators of the whole city may, since an account is not tied to one unit.
pub async fn set_active(
    State(state): State<AppState>,
    admin: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
    AppForm(form): AppForm<ActiveForm>,
) -> AppResult<Response> {
    admin.require_role_on(&state, &[Role::Administrator], &UnitCode::parse(CITY_UNIT)?).await?;
    if id == admin.id() {
        return Err(AppError::invalid_field(
            "active",
            "cannot_disable_self",
            "Bạn không thể tự khóa tài khoản của mình.",
            "You cannot disable your own account.",
        ));
    }
    state.store.set_account_active(&AuditContext::account(admin.id(), ip), id, form.active == "true").await?;
    Ok(redirect(&format!("/admin/users/{id}")))
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewStaffPage {
    ctx: PageContext,
    form: StaffForm,
    errors: Vec<(&'static str, String)>,
}

impl NewStaffPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

/// Fields of the staff account form.
#[derive(Deserialize, Default, Clone)]
pub struct StaffForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
}

/// `GET /admin/users/new`.
pub async fn new_staff_form(
    State(state): State<AppState>,
    ctx: PageContext,
    admin: CurrentUser,
) -> AppResult<Response> {
    admin.require_any_role(&state, &[Role::Administrator]).await?;
    Ok(render(&NewStaffPage { ctx, form: StaffForm::default(), errors: Vec::new() }))
}

/// `POST /admin/users`: create a staff account (roles are granted on its page next).
pub async fn create_staff(
    State(state): State<AppState>,
    ctx: PageContext,
    admin: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<StaffForm>,
) -> AppResult<Response> {
    admin.require_any_role(&state, &[Role::Administrator]).await?;
    let lang = ctx.lang_code();
    let mut errors: Vec<AppError> = Vec::new();
    let name = clean_line(&form.full_name);
    if name.chars().count() < 2 {
        errors.push(AppError::invalid_field(
            "full_name",
            "full_name_invalid",
            "Hãy nhập họ và tên.",
            "Enter the full name.",
        ));
    }
    let email = Email::parse(&form.email).map_err(|e| errors.push(e.into())).ok();
    let phone = if form.phone.trim().is_empty() {
        None
    } else {
        PhoneNumber::parse(&form.phone).map_err(|e| errors.push(e.into())).ok()
    };
    if let Err(e) = check_password_policy(&form.password) {
        errors.push(e.into());
    }
    if errors.is_empty() {
        let hash = passwords::hash_password(form.password.clone()).await?;
        let created = state
            .store
            .create_account(
                &AuditContext::account(admin.id(), ip),
                NewAccount {
                    kind: AccountKind::Staff,
                    display_name: name,
                    email,
                    phone,
                    citizen_id: None,
                    password_hash: hash,
                },
            )
            .await;
        match created {
            Ok(account) => return Ok(redirect(&format!("/admin/users/{}", account.id))),
            Err(e) => errors.push(AppError::from(e)),
        }
    }
    let mut form = form;
    form.password.clear();
    let errors = errors.iter().map(|e| (e.field.unwrap_or("full_name"), e.message(lang).to_owned())).collect();
    Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &NewStaffPage { ctx, form, errors }))
}

#[derive(Template)]
#[template(path = "admin/ecards.html")]
struct ECardsPage {
    ctx: PageContext,
    cards: Vec<(ECard, String)>,
    error: Option<String>,
    issued: Option<ECard>,
}

async fn ecards_page(state: &AppState, ctx: PageContext) -> AppResult<ECardsPage> {
    let cards = state.store.list_ecards(100).await?;
    let mut rows = Vec::with_capacity(cards.len());
    for card in cards {
        let holder = state.store.account(card.account_id).await?.map(|a| a.display_name).unwrap_or_default();
        rows.push((card, holder));
    }
    Ok(ECardsPage { ctx, cards: rows, error: None, issued: None })
}

const CARD_ROLES: &[Role] = &[Role::Administrator, Role::ReceptionOfficer];

/// `GET /admin/ecards`: recent cards and the issue form.
pub async fn ecards(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, CARD_ROLES).await?;
    Ok(render(&ecards_page(&state, ctx).await?))
}

/// Fields of the issue form.
#[derive(Deserialize)]
pub struct IssueForm {
    holder: String,
}

/// Find an account by email, phone or ID number, as typed at a desk.
async fn find_holder(state: &AppState, typed: &str) -> AppResult<Option<Account>> {
    let typed = clean_line(typed);
    if let Ok(id) = CitizenId::parse(&typed) {
        return Ok(state.store.account_by_citizen_id(&id).await?);
    }
    let identifier = super::normalise_identifier(&typed);
    Ok(state.store.account_for_login(&identifier).await?.map(|(a, _)| a))
}

/// A new card number (46 + 13 random digits + Luhn digit) and QR secret.
pub fn new_card_credentials() -> AppResult<(ECardNumber, String)> {
    let mut rng = rand::rng();
    let body: String = (0..13).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
    let number = ECardNumber::from_body(&body)?;
    Ok((number, crate::shell::auth::random_token()))
}

/// `POST /admin/ecards`: issue a card to a holder.
pub async fn issue_ecard(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<IssueForm>,
) -> AppResult<Response> {
    user.require_any_role(&state, CARD_ROLES).await?;
    let lang = ctx.lang_code();
    let Some(holder) = find_holder(&state, &form.holder).await? else {
        let mut page = ecards_page(&state, ctx).await?;
        let err = AppError::invalid_field(
            "holder",
            "holder_not_found",
            "Không tìm thấy tài khoản với email, số điện thoại hoặc số định danh này. Người dân cần đăng ký tài khoản trước.",
            "No account has this email, phone or ID number. The citizen must register first.",
        );
        page.error = Some(err.message(lang).to_owned());
        return Ok(render_with_status(err.status, &page));
    };
    let (number, token) = new_card_credentials()?;
    let card =
        state.store.issue_ecard(&AuditContext::account(user.id(), ip), holder.id, number.as_str(), &token).await?;
    let mut page = ecards_page(&state, ctx).await?;
    page.issued = Some(card);
    Ok(render(&page))
}

/// Fields of the revoke form.
#[derive(Deserialize)]
pub struct RevokeCardForm {
    #[serde(default)]
    reason: String,
}

/// `POST /admin/ecards/{id}/revoke`.
pub async fn revoke_ecard(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
    AppForm(form): AppForm<RevokeCardForm>,
) -> AppResult<Response> {
    user.require_any_role(&state, CARD_ROLES).await?;
    let reason = clean_line(&form.reason);
    let reason = if reason.is_empty() { "—".to_owned() } else { reason };
    state.store.revoke_ecard(&AuditContext::account(user.id(), ip), id, &reason).await?;
    Ok(redirect("/admin/ecards"))
}

#[derive(Template)]
#[template(path = "desk/ecard.html")]
struct DeskPage {
    ctx: PageContext,
    holder: Option<Account>,
    card: Option<ECard>,
    not_found: bool,
}

/// `GET /desk/ecard`: the scan form of a reception officer.
pub async fn desk_form(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::ReceptionOfficer]).await?;
    Ok(render(&DeskPage { ctx, holder: None, card: None, not_found: false }))
}

/// Fields of the scan form (a QR scanner types into the field and presses Enter).
#[derive(Deserialize)]
pub struct ScanForm {
    scanned: String,
}

/// Identify a card holder for a reception officer; the read of personal data is logged.
pub async fn identify_holder(
    state: &AppState,
    officer: &CurrentUser,
    ip: Option<String>,
    scanned: &str,
) -> AppResult<Option<(ECard, Account)>> {
    officer.require_any_role(state, &[Role::ReceptionOfficer]).await?;
    let scanned: String = scanned.split_whitespace().collect();
    let found = state.store.ecard_holder(&scanned).await?;
    if let Some((card, holder)) = &found {
        state
            .store
            .record_audit(
                &AuditContext::account(officer.id(), ip),
                AuditEvent {
                    action: "personal_data.read",
                    record_type: "account",
                    record_id: holder.id.to_string(),
                    details: json!({"view": "desk.ecard", "card": card.id.to_string()}),
                },
            )
            .await?;
    }
    Ok(found)
}

/// `POST /desk/ecard`: show who the card belongs to.
pub async fn desk_lookup(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<ScanForm>,
) -> AppResult<Response> {
    let found = identify_holder(&state, &user, ip, &form.scanned).await?;
    let not_found = found.is_none();
    let (card, holder) = found.map_or((None, None), |(c, h)| (Some(c), Some(h)));
    let status = if not_found { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok(render_with_status(status, &DeskPage { ctx, holder, card, not_found }))
}
