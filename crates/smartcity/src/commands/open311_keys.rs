//! `smartcity open311-key add|list|revoke`: Open311 partner keys from the command line, for an installation
//! without an administrator account yet, or for scripts. Same rules as `/admin/open311-keys`.

use smartcity_store::AuditContext;
use smartcity_store::reports::ReportStore;
use smartcity_web::reports::partner_keys::{new_partner_key, partner_name};
use uuid::Uuid;

use super::{Open, Refusal, open_store, store_failure};
use crate::config::Settings;

/// Creates a key and prints its secret on standard output (the only time it is shown).
pub(super) async fn add(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let name = partner_name(name).map_err(|e| Refusal { vi: e.vi.clone(), en: e.en.clone() })?;
    let store = open_store(settings, Open::CreateIfMissing).await?;
    let (secret, hash) = new_partner_key();
    let created = store.create_open311_key(&AuditContext::system("cli"), &name, &hash).await.map_err(store_failure);
    store.close().await;
    let key = created?;
    eprintln!("key {} created for “{}”; the secret below is shown only once:", key.id, key.name);
    println!("{secret}");
    Ok(())
}

/// Lists the keys, newest last.
pub(super) async fn list(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings, Open::MustExist).await?;
    let keys = store.open311_keys().await;
    store.close().await;
    for key in keys? {
        let state = match key.revoked_at {
            Some(at) => format!("revoked {}", at.to_rfc3339()),
            None => "active".to_owned(),
        };
        let used =
            key.last_used_at.map_or_else(|| "never used".to_owned(), |t| format!("last used {}", t.to_rfc3339()));
        println!("{}\t{}\t{state}\t{used}", key.id, key.name);
    }
    Ok(())
}

/// Revokes a key.
pub(super) async fn revoke(settings: &Settings, id: Uuid) -> anyhow::Result<()> {
    let store = open_store(settings, Open::MustExist).await?;
    let done = store.revoke_open311_key(&AuditContext::system("cli"), id).await;
    store.close().await;
    match done {
        Ok(()) => {
            println!("key {id} revoked");
            Ok(())
        }
        Err(smartcity_store::StoreError::NotFound) => Err(Refusal {
            vi: format!("không có khóa đang dùng với mã {id}."),
            en: format!("there is no active key with id {id}."),
        }
        .into()),
        Err(e) => Err(store_failure(e)),
    }
}
