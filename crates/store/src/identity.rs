//! `identity`: accounts of citizens and staff, organisations they represent, role grants on
//! units, e-cards (thẻ điện tử) and personal API tokens.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use smartcity_domain::ValidationError;
use smartcity_domain::identity::{CitizenId, Email, PhoneNumber, Role, TaxCode};
use smartcity_domain::units::UnitCode;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::units::UnitStore;
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// Whether an account belongs to a member of the public or to an official.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Registered themselves with an ID number (công dân, also a business's representative).
    Citizen,
    /// Created by an administrator (cán bộ, công chức).
    Staff,
}

impl AccountKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Citizen => "citizen",
            AccountKind::Staff => "staff",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "staff" { AccountKind::Staff } else { AccountKind::Citizen }
    }
}

/// A person who can log in.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: Uuid,
    pub kind: AccountKind,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Personal identification number; personal data, never shown on public pages.
    pub citizen_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// What registration or an administrator provides to create an account; already validated.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub kind: AccountKind,
    pub display_name: String,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub citizen_id: Option<CitizenId>,
    /// PHC string (argon2id); hashing happens in the web layer off the async threads.
    pub password_hash: String,
}

/// A role held on a unit, inherited by the unit's subtree.
#[derive(Debug, Clone, Serialize)]
pub struct RoleGrant {
    pub id: Uuid,
    pub account_id: Uuid,
    pub role: Role,
    pub unit_code: String,
    pub unit_name_vi: String,
    pub unit_name_en: String,
    pub granted_by: Option<Uuid>,
    pub granted_at: DateTime<Utc>,
}

/// An organisation (business, association) known by its tax code and represented by an account.
#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub tax_code: String,
    pub name: String,
    pub address: String,
    pub representative_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// State of an e-card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ECardStatus {
    Active,
    Revoked,
}

impl ECardStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ECardStatus::Active => "active",
            ECardStatus::Revoked => "revoked",
        }
    }
}

/// An e-card (thẻ điện tử): a card number and QR token that identify the holder at a counter.
#[derive(Debug, Clone, Serialize)]
pub struct ECard {
    pub id: Uuid,
    pub card_number: String,
    /// Secret carried in the card's QR code; a scan of it identifies the holder.
    pub qr_token: String,
    pub account_id: Uuid,
    pub status: ECardStatus,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
}

/// A personal API token for scripts; only its hash is stored.
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    /// First characters of the token, shown so the owner can tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: Uuid,
    kind: String,
    display_name: String,
    email: Option<String>,
    phone: Option<String>,
    citizen_id: Option<String>,
    active: bool,
    created_at: DateTime<Utc>,
}

pub(crate) const ACCOUNT_COLUMNS: &str = "id, kind, display_name, email, phone, citizen_id, active, created_at";

impl AccountRow {
    pub(crate) fn into_account(self) -> Account {
        Account {
            id: self.id,
            kind: AccountKind::parse(&self.kind),
            display_name: self.display_name,
            email: self.email,
            phone: self.phone,
            citizen_id: self.citizen_id,
            active: self.active,
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    account_id: Uuid,
    role: String,
    unit_code: String,
    name_vi: String,
    name_en: String,
    granted_by: Option<Uuid>,
    granted_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ECardRow {
    id: Uuid,
    card_number: String,
    qr_token: String,
    account_id: Uuid,
    status: String,
    issued_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    revoke_reason: Option<String>,
}

const ECARD_COLUMNS: &str = "id, card_number, qr_token, account_id, status, issued_at, revoked_at, revoke_reason";

impl ECardRow {
    fn into_card(self) -> ECard {
        ECard {
            id: self.id,
            card_number: self.card_number,
            qr_token: self.qr_token,
            account_id: self.account_id,
            status: if self.status == "revoked" { ECardStatus::Revoked } else { ECardStatus::Active },
            issued_at: self.issued_at,
            revoked_at: self.revoked_at,
            revoke_reason: self.revoke_reason,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ApiTokenRow {
    id: Uuid,
    account_id: Uuid,
    name: String,
    prefix: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiTokenRow> for ApiToken {
    fn from(r: ApiTokenRow) -> Self {
        ApiToken {
            id: r.id,
            account_id: r.account_id,
            name: r.name,
            prefix: r.prefix,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// The identity capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait IdentityStore {
    /// Create an account; a taken email, phone or ID number is a `Conflict` on its index.
    async fn create_account(&self, ctx: &AuditContext, new: NewAccount) -> StoreResult<Account>;
    /// One account by id.
    async fn account(&self, id: Uuid) -> StoreResult<Option<Account>>;
    /// The account and password hash for a login identifier (normalised email or phone).
    async fn account_for_login(&self, identifier: &str) -> StoreResult<Option<(Account, String)>>;
    /// The account holding this ID number.
    async fn account_by_citizen_id(&self, id: &CitizenId) -> StoreResult<Option<Account>>;
    /// Accounts whose name, email or phone contains `query` (all when empty), newest first.
    async fn list_accounts(&self, query: &str, limit: i64, offset: i64) -> StoreResult<Vec<Account>>;
    /// Replace an account's password hash.
    async fn set_password(&self, ctx: &AuditContext, id: Uuid, password_hash: &str) -> StoreResult<()>;
    /// Enable or disable an account (disabled accounts cannot log in).
    async fn set_account_active(&self, ctx: &AuditContext, id: Uuid, active: bool) -> StoreResult<()>;
    /// Grant `role` on `unit`; granting twice is a `Conflict`.
    async fn grant_role(
        &self,
        ctx: &AuditContext,
        account: Uuid,
        role: Role,
        unit: &UnitCode,
    ) -> StoreResult<RoleGrant>;
    /// Withdraw a grant.
    async fn revoke_grant(&self, ctx: &AuditContext, grant_id: Uuid) -> StoreResult<()>;
    /// Every grant an account holds, with unit names.
    async fn grants_of(&self, account: Uuid) -> StoreResult<Vec<RoleGrant>>;
    /// Whether the account holds one of `roles` on `unit` or on one of its ancestors.
    async fn has_role_on(&self, account: Uuid, roles: &[Role], unit: &UnitCode) -> StoreResult<bool>;
    /// Record an organisation represented by `representative`.
    async fn create_organisation(
        &self,
        ctx: &AuditContext,
        tax_code: &TaxCode,
        name: &str,
        address: &str,
        representative: Uuid,
    ) -> StoreResult<Organisation>;
    /// Organisations an account represents.
    async fn organisations_of(&self, account: Uuid) -> StoreResult<Vec<Organisation>>;
    /// Issue an e-card to an account.
    async fn issue_ecard(
        &self,
        ctx: &AuditContext,
        account: Uuid,
        card_number: &str,
        qr_token: &str,
    ) -> StoreResult<ECard>;
    /// Revoke an e-card; it stops identifying its holder at once.
    async fn revoke_ecard(&self, ctx: &AuditContext, card: Uuid, reason: &str) -> StoreResult<ECard>;
    /// The active card and its holder for a scanned QR token or typed card number.
    async fn ecard_holder(&self, scanned: &str) -> StoreResult<Option<(ECard, Account)>>;
    /// Cards of an account, newest first.
    async fn ecards_of(&self, account: Uuid) -> StoreResult<Vec<ECard>>;
    /// Most recently issued cards.
    async fn list_ecards(&self, limit: i64) -> StoreResult<Vec<ECard>>;
    /// Store a new API token's hash.
    async fn create_api_token(
        &self,
        ctx: &AuditContext,
        account: Uuid,
        name: &str,
        token_hash: &str,
        prefix: &str,
    ) -> StoreResult<ApiToken>;
    /// An account's tokens, newest first.
    async fn api_tokens_of(&self, account: Uuid) -> StoreResult<Vec<ApiToken>>;
    /// Revoke one of the account's own tokens.
    async fn revoke_api_token(&self, ctx: &AuditContext, account: Uuid, token: Uuid) -> StoreResult<()>;
    /// The active account behind a token hash; records the use.
    async fn account_for_api_token(&self, token_hash: &str) -> StoreResult<Option<Account>>;
}

fn audit(
    action: &'static str,
    record_type: &'static str,
    id: impl ToString,
    details: serde_json::Value,
) -> AuditEvent<'static> {
    AuditEvent { action, record_type, record_id: id.to_string(), details }
}

impl IdentityStore for Store {
    async fn create_account(&self, ctx: &AuditContext, new: NewAccount) -> StoreResult<Account> {
        let id = Uuid::now_v7();
        let now = crate::now();
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO accounts (id, kind, display_name, name_folded, email, phone, citizen_id, password_hash, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $10, $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(id)
            .bind(new.kind.as_str())
            .bind(&new.display_name)
            .bind(new.email.as_ref().map(|e| e.as_str()))
            .bind(new.phone.as_ref().map(|p| p.as_str()))
            .bind(new.citizen_id.as_ref().map(|c| c.as_str()))
            .bind(&new.password_hash)
            .bind(true)
            .bind(now)
            .bind(smartcity_domain::text::fold_vietnamese(&new.display_name))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, audit("account.created", "account", id, json!({"kind": new.kind.as_str()}))).await?;
        });
        self.account(id).await?.ok_or(StoreError::NotFound)
    }

    async fn account(&self, id: Uuid) -> StoreResult<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        let row: Option<AccountRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(AccountRow::into_account))
    }

    async fn account_for_login(&self, identifier: &str) -> StoreResult<Option<(Account, String)>> {
        #[derive(sqlx::FromRow)]
        struct LoginRow {
            #[sqlx(flatten)]
            account: AccountRow,
            password_hash: String,
        }
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE email = $1 OR phone = $1 LIMIT 1");
        let row: Option<LoginRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(identifier).fetch_optional(pool).await?
        });
        Ok(row.map(|r| (r.account.into_account(), r.password_hash)))
    }

    async fn account_by_citizen_id(&self, id: &CitizenId) -> StoreResult<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE citizen_id = $1");
        let row: Option<AccountRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(pool).await?
        });
        Ok(row.map(AccountRow::into_account))
    }

    async fn list_accounts(&self, query: &str, limit: i64, offset: i64) -> StoreResult<Vec<Account>> {
        // Names are matched on their folded form (no diacritics, đ→d), so "dang" and "Đặng" meet;
        // SQLite's LOWER() would only fold ASCII.
        let pattern = format!("%{}%", smartcity_domain::text::fold_vietnamese(query));
        let contact = format!("%{}%", query.trim().to_lowercase());
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts \
             WHERE $1 = '%%' OR name_folded LIKE $1 OR email LIKE $4 OR phone LIKE $4 \
             ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
        );
        let rows: Vec<AccountRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&pattern).bind(limit).bind(offset).bind(&contact).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(AccountRow::into_account).collect())
    }

    async fn set_password(&self, ctx: &AuditContext, id: Uuid, password_hash: &str) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, audit("account.password_changed", "account", id, json!({}))).await?;
        });
        Ok(())
    }

    async fn set_account_active(&self, ctx: &AuditContext, id: Uuid, active: bool) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE accounts SET active = $1, updated_at = $2 WHERE id = $3")
                .bind(active)
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            if !active {
                sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
            }
            let action = if active { "account.enabled" } else { "account.disabled" };
            tx.append_audit(ctx, audit(action, "account", id, json!({}))).await?;
        });
        Ok(())
    }

    async fn grant_role(
        &self,
        ctx: &AuditContext,
        account: Uuid,
        role: Role,
        unit: &UnitCode,
    ) -> StoreResult<RoleGrant> {
        if self.unit(unit).await?.is_none() {
            return Err(StoreError::Invalid(ValidationError::new(
                "unit_code",
                "unit_not_found",
                format!("Không có đơn vị mã {unit}."),
                format!("There is no unit with code {unit}."),
            )));
        }
        if self.account(account).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let id = Uuid::now_v7();
        let granted_by = ctx.actor.as_deref().and_then(|a| Uuid::parse_str(a).ok());
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO role_grants (id, account_id, role, unit_code, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(account)
            .bind(role.as_str())
            .bind(unit.as_str())
            .bind(granted_by)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, audit("role.granted", "account", account,
                json!({"grant": id.to_string(), "role": role.as_str(), "unit": unit.as_str()}))).await?;
        });
        self.grants_of(account).await?.into_iter().find(|g| g.id == id).ok_or(StoreError::NotFound)
    }

    async fn revoke_grant(&self, ctx: &AuditContext, grant_id: Uuid) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let row: Option<(Uuid, String, String)> =
                sqlx::query_as("SELECT account_id, role, unit_code FROM role_grants WHERE id = $1")
                    .bind(grant_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((account, role, unit)) = row else { return Err(StoreError::NotFound) };
            sqlx::query("DELETE FROM role_grants WHERE id = $1").bind(grant_id).execute(&mut *tx).await?;
            tx.append_audit(ctx, audit("role.revoked", "account", account,
                json!({"grant": grant_id.to_string(), "role": role, "unit": unit}))).await?;
        });
        Ok(())
    }

    async fn grants_of(&self, account: Uuid) -> StoreResult<Vec<RoleGrant>> {
        let rows: Vec<GrantRow> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT g.id, g.account_id, g.role, g.unit_code, u.name_vi, u.name_en, g.granted_by, g.granted_at \
                 FROM role_grants g JOIN units u ON u.code = g.unit_code WHERE g.account_id = $1 ORDER BY g.granted_at, g.id",
            )
            .bind(account)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(RoleGrant {
                    id: r.id,
                    account_id: r.account_id,
                    role: Role::parse(&r.role)?,
                    unit_code: r.unit_code,
                    unit_name_vi: r.name_vi,
                    unit_name_en: r.name_en,
                    granted_by: r.granted_by,
                    granted_at: r.granted_at,
                })
            })
            .collect()
    }

    async fn has_role_on(&self, account: Uuid, roles: &[Role], unit: &UnitCode) -> StoreResult<bool> {
        let scope = self.unit_ancestors(unit).await?;
        let grants = self.grants_of(account).await?;
        Ok(grants.iter().any(|g| roles.contains(&g.role) && scope.iter().any(|code| code.as_str() == g.unit_code)))
    }

    async fn create_organisation(
        &self,
        ctx: &AuditContext,
        tax_code: &TaxCode,
        name: &str,
        address: &str,
        representative: Uuid,
    ) -> StoreResult<Organisation> {
        let now = crate::now();
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO organisations (tax_code, name, address, representative_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(tax_code.as_str())
            .bind(name)
            .bind(address)
            .bind(representative)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, audit("organisation.created", "organisation", tax_code.as_str(),
                json!({"representative": representative.to_string()}))).await?;
        });
        Ok(Organisation {
            tax_code: tax_code.as_str().to_owned(),
            name: name.to_owned(),
            address: address.to_owned(),
            representative_id: representative,
            created_at: now,
        })
    }

    async fn organisations_of(&self, account: Uuid) -> StoreResult<Vec<Organisation>> {
        let rows: Vec<(String, String, String, Uuid, DateTime<Utc>)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT tax_code, name, address, representative_id, created_at FROM organisations \
                 WHERE representative_id = $1 ORDER BY created_at",
            )
            .bind(account)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(tax_code, name, address, representative_id, created_at)| Organisation {
                tax_code,
                name,
                address,
                representative_id,
                created_at,
            })
            .collect())
    }

    async fn issue_ecard(
        &self,
        ctx: &AuditContext,
        account: Uuid,
        card_number: &str,
        qr_token: &str,
    ) -> StoreResult<ECard> {
        if self.account(account).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let id = Uuid::now_v7();
        let issued_by = ctx.actor.as_deref().and_then(|a| Uuid::parse_str(a).ok());
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO ecards (id, card_number, qr_token, account_id, status, issued_at, issued_by) \
                 VALUES ($1, $2, $3, $4, 'active', $5, $6)",
            )
            .bind(id)
            .bind(card_number)
            .bind(qr_token)
            .bind(account)
            .bind(crate::now())
            .bind(issued_by)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, audit("ecard.issued", "ecard", id,
                json!({"holder": account.to_string(), "card_number": card_number}))).await?;
        });
        self.ecard(id).await
    }

    async fn revoke_ecard(&self, ctx: &AuditContext, card: Uuid, reason: &str) -> StoreResult<ECard> {
        let revoked_by = ctx.actor.as_deref().and_then(|a| Uuid::parse_str(a).ok());
        in_write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE ecards SET status = 'revoked', revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
                 WHERE id = $4 AND status = 'active'",
            )
            .bind(crate::now())
            .bind(revoked_by)
            .bind(reason)
            .bind(card)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, audit("ecard.revoked", "ecard", card, json!({"reason": reason}))).await?;
        });
        self.ecard(card).await
    }

    async fn ecard_holder(&self, scanned: &str) -> StoreResult<Option<(ECard, Account)>> {
        let sql = format!(
            "SELECT {ECARD_COLUMNS} FROM ecards WHERE (qr_token = $1 OR card_number = $1) AND status = 'active'"
        );
        let row: Option<ECardRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scanned).fetch_optional(pool).await?
        });
        let Some(card) = row.map(ECardRow::into_card) else { return Ok(None) };
        Ok(self.account(card.account_id).await?.map(|account| (card, account)))
    }

    async fn ecards_of(&self, account: Uuid) -> StoreResult<Vec<ECard>> {
        let sql = format!("SELECT {ECARD_COLUMNS} FROM ecards WHERE account_id = $1 ORDER BY issued_at DESC, id DESC");
        let rows: Vec<ECardRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(account).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(ECardRow::into_card).collect())
    }

    async fn list_ecards(&self, limit: i64) -> StoreResult<Vec<ECard>> {
        let sql = format!("SELECT {ECARD_COLUMNS} FROM ecards ORDER BY issued_at DESC, id DESC LIMIT $1");
        let rows: Vec<ECardRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(ECardRow::into_card).collect())
    }

    async fn create_api_token(
        &self,
        ctx: &AuditContext,
        account: Uuid,
        name: &str,
        token_hash: &str,
        prefix: &str,
    ) -> StoreResult<ApiToken> {
        let id = Uuid::now_v7();
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO api_tokens (id, account_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(account)
            .bind(name)
            .bind(token_hash)
            .bind(prefix)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, audit("api_token.created", "account", account,
                json!({"token": id.to_string(), "name": name}))).await?;
        });
        self.api_tokens_of(account).await?.into_iter().find(|t| t.id == id).ok_or(StoreError::NotFound)
    }

    async fn api_tokens_of(&self, account: Uuid) -> StoreResult<Vec<ApiToken>> {
        let rows: Vec<ApiTokenRow> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, account_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens \
                 WHERE account_id = $1 ORDER BY created_at DESC, id DESC",
            )
            .bind(account)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    async fn revoke_api_token(&self, ctx: &AuditContext, account: Uuid, token: Uuid) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
            )
            .bind(crate::now())
            .bind(token)
            .bind(account)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, audit("api_token.revoked", "account", account, json!({"token": token.to_string()}))).await?;
        });
        Ok(())
    }

    async fn account_for_api_token(&self, token_hash: &str) -> StoreResult<Option<Account>> {
        let found: Option<(Uuid, Uuid, Option<DateTime<Utc>>)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT t.id, t.account_id, t.last_used_at FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.active",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        let Some((token_id, account_id, last_used)) = found else { return Ok(None) };
        // Usage is recorded at minute resolution so a busy script does not turn every read
        // into a write on the single SQLite writer.
        let now = crate::now();
        if last_used.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
            in_write_tx!(self, tx => {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(token_id)
                    .execute(&mut *tx)
                    .await?;
            });
        }
        self.account(account_id).await
    }
}

impl Store {
    async fn ecard(&self, id: Uuid) -> StoreResult<ECard> {
        let sql = format!("SELECT {ECARD_COLUMNS} FROM ecards WHERE id = $1");
        let row: ECardRow = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(pool).await?
        });
        Ok(row.into_card())
    }
}
