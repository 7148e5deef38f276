//! `smartcity user add|passwd|grant`: account administration from the command line, for the first
//! administrator of an installation and for recovery. Actions are audited as actor `cli`.

use std::io::BufRead;

use smartcity_domain::identity::{CitizenId, Email, PhoneNumber, Role, check_password_policy};
use smartcity_domain::text::clean_line;
use smartcity_domain::units::UnitCode;
use smartcity_store::identity::{Account, AccountKind, NewAccount};
use smartcity_store::{AuditContext, IdentityStore, SessionStore, Store, StoreError, UnitStore};

use super::{Open, Refusal, open_store, store_failure};
use crate::cli::{PasswordArgs, UserAddArgs, UserGrantArgs, UserPasswdArgs};
use crate::config::Settings;
use crate::demo::CITY_CODE;

/// Actor label of every change made from the command line.
const CLI_ACTOR: &str = "cli";

pub(super) async fn add(settings: &Settings, args: UserAddArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(Refusal::from)?;
    let phone = args.phone.as_deref().map(PhoneNumber::parse).transpose().map_err(Refusal::from)?;
    let citizen_id = args.citizen_id.as_deref().map(CitizenId::parse).transpose().map_err(Refusal::from)?;
    let display_name = clean_line(&args.name);
    if display_name.is_empty() {
        return Err(Refusal {
            vi: "Vui lòng nhập họ tên (--name).".into(), en: "Please give a name (--name).".into()
        }
        .into());
    }
    let password = new_password(&args.password)?;
    let kind = if args.staff { AccountKind::Staff } else { AccountKind::Citizen };

    let store = open_store(settings, Open::CreateIfMissing).await?;
    let outcome = create(&store, kind, display_name, email, phone, citizen_id, password).await;
    store.close().await;
    let (account, citizen_role) = outcome?;
    println!(
        "created {} account {} ({}){}",
        kind.as_str(),
        account.email.as_deref().unwrap_or_default(),
        account.id,
        if citizen_role { " with the citizen role on 46" } else { "" }
    );
    Ok(())
}

/// Create the account; a citizen also gets the citizen role on the city, as the demo citizen has,
/// when the city exists. Returns the account and whether that role was granted.
async fn create(
    store: &Store,
    kind: AccountKind,
    display_name: String,
    email: Email,
    phone: Option<PhoneNumber>,
    citizen_id: Option<CitizenId>,
    password: String,
) -> anyhow::Result<(Account, bool)> {
    let password_hash = smartcity_web::passwords::hash_password(password)
        .await
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    let ctx = AuditContext::system(CLI_ACTOR);
    let new = NewAccount { kind, display_name, email: Some(email), phone, citizen_id, password_hash };
    let account = match store.create_account(&ctx, new).await {
        Err(StoreError::Conflict { constraint }) => return Err(taken(&constraint).into()),
        other => other.map_err(store_failure)?,
    };
    let city = UnitCode::parse(CITY_CODE)?;
    let citizen_role = kind == AccountKind::Citizen && store.unit(&city).await?.is_some();
    if citizen_role {
        store.grant_role(&ctx, account.id, Role::Citizen, &city).await.map_err(store_failure)?;
    }
    Ok((account, citizen_role))
}

/// Which identifier is already held by another account.
fn taken(constraint: &str) -> Refusal {
    let (vi, en) = if constraint.contains("email") {
        ("địa chỉ email", "email address")
    } else if constraint.contains("phone") {
        ("số điện thoại", "phone number")
    } else if constraint.contains("citizen_id") {
        ("số định danh cá nhân", "citizen ID number")
    } else {
        ("thông tin định danh", "identifier")
    };
    Refusal {
        vi: format!("Đã có tài khoản dùng {vi} này."), en: format!("An account with this {en} already exists.")
    }
}

pub(super) async fn passwd(settings: &Settings, args: UserPasswdArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(Refusal::from)?;
    let password = new_password(&args.password)?;
    let store = open_store(settings, Open::MustExist).await?;
    let outcome = async {
        let account = find_account(&store, &email).await?;
        let password_hash = smartcity_web::passwords::hash_password(password)
            .await
            .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
        let ctx = AuditContext::system(CLI_ACTOR);
        store.set_password(&ctx, account.id, &password_hash).await.map_err(store_failure)?;
        // A password reset is often a response to a leak: whoever holds a session loses it.
        let ended = store.delete_sessions_of(&ctx, account.id).await.map_err(store_failure)?;
        anyhow::Ok(ended)
    }
    .await;
    store.close().await;
    let ended = outcome?;
    println!("password changed for {email}; {ended} session(s) ended");
    Ok(())
}

pub(super) async fn grant(settings: &Settings, args: UserGrantArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(Refusal::from)?;
    let role = Role::parse(&args.role).map_err(Refusal::from)?;
    let unit = UnitCode::parse(&args.unit).map_err(Refusal::from)?;
    let store = open_store(settings, Open::MustExist).await?;
    let outcome = async {
        let account = find_account(&store, &email).await?;
        let ctx = AuditContext::system(CLI_ACTOR);
        match store.grant_role(&ctx, account.id, role, &unit).await {
            Err(StoreError::Conflict { .. }) => Err(Refusal {
                vi: format!("{email} đã có vai trò {} tại đơn vị {unit}.", role.label_vi()),
                en: format!("{email} already holds the role {role} on unit {unit}."),
            }
            .into()),
            other => other.map_err(store_failure),
        }
    }
    .await;
    store.close().await;
    let granted = outcome?;
    println!("granted {role} on {} ({}) to {email}", granted.unit_code, granted.unit_name_en);
    Ok(())
}

async fn find_account(store: &Store, email: &Email) -> anyhow::Result<Account> {
    match store.account_for_login(email.as_str()).await? {
        Some((account, _)) if account.email.as_deref() == Some(email.as_str()) => Ok(account),
        _ => Err(Refusal {
            vi: format!("Không có tài khoản nào với email {email}."),
            en: format!("There is no account with email {email}."),
        }
        .into()),
    }
}

/// The new password from the argument or the first line of stdin, checked against the policy.
fn new_password(args: &PasswordArgs) -> anyhow::Result<String> {
    let password = match &args.password {
        Some(password) => password.clone(),
        None => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    check_password_policy(&password).map_err(Refusal::from)?;
    Ok(password)
}
