//! Sessions: a login lasts until it expires or is ended, on every server at once.

use chrono::{DateTime, Duration, Utc};
use smartcity_store::identity::IdentityStore;
use smartcity_store::sessions::{NewSession, SessionStore};
use smartcity_store::testing::fresh_store;
use smartcity_store::{AuditContext, StoreError};
use uuid::Uuid;

use crate::{admin, audit_actions, register_an, staff};

fn session(id_hash: &str, account_id: Uuid, expires_at: DateTime<Utc>) -> NewSession<'_> {
    NewSession {
        id_hash,
        account_id,
        csrf_token: "csrf-token",
        expires_at,
        user_agent: Some("Mozilla/5.0 (Android 14) Firefox/140.0"),
    }
}

#[tokio::test]
async fn a_session_is_found_until_the_instant_it_expires() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let start = smartcity_store::now();
    let expires = start + Duration::hours(2);

    store
        .create_session(&AuditContext::account(an.id, Some("14.160.1.1".to_owned())), session("h1", an.id, expires))
        .await
        .unwrap();

    let found = store.session("h1", start).await.unwrap().unwrap();
    assert_eq!(found.account.id, an.id);
    assert_eq!(found.csrf_token, "csrf-token");
    assert_eq!(found.expires_at, expires);
    assert!(found.created_at >= start && found.created_at < expires);
    let last_moment = expires - Duration::microseconds(1);
    assert!(store.session("h1", last_moment).await.unwrap().is_some());
    assert!(store.session("h1", expires).await.unwrap().is_none());
    assert!(store.session("h1", expires + Duration::days(1)).await.unwrap().is_none());
}

#[tokio::test]
async fn an_unknown_cookie_finds_no_session() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let now = smartcity_store::now();
    store.create_session(&admin(), session("h1", an.id, now + Duration::hours(1))).await.unwrap();

    assert!(store.session("h2", now).await.unwrap().is_none());
}

#[tokio::test]
async fn logging_out_ends_only_that_session() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let now = smartcity_store::now();
    store.create_session(&admin(), session("phone", an.id, now + Duration::hours(1))).await.unwrap();
    store.create_session(&admin(), session("laptop", an.id, now + Duration::hours(1))).await.unwrap();

    store.delete_session(&admin(), "phone").await.unwrap();

    assert!(store.session("phone", now).await.unwrap().is_none());
    assert!(store.session("laptop", now).await.unwrap().is_some());
    // Logging out with a cookie that matches nothing succeeds and records nothing.
    let records = audit_actions(&store).await.len();
    store.delete_session(&admin(), "phone").await.unwrap();
    assert_eq!(audit_actions(&store).await.len(), records);
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_that_account_only() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let clerk = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();
    let now = smartcity_store::now();
    let later = now + Duration::hours(1);
    store.create_session(&admin(), session("an-phone", an.id, later)).await.unwrap();
    store.create_session(&admin(), session("an-laptop", an.id, later)).await.unwrap();
    store.create_session(&admin(), session("clerk", clerk.id, later)).await.unwrap();

    assert_eq!(store.delete_sessions_of(&admin(), an.id).await.unwrap(), 2);

    assert!(store.session("an-phone", now).await.unwrap().is_none());
    assert!(store.session("an-laptop", now).await.unwrap().is_none());
    assert!(store.session("clerk", now).await.unwrap().is_some());
    assert_eq!(store.delete_sessions_of(&admin(), an.id).await.unwrap(), 0);
}

#[tokio::test]
async fn purging_deletes_expired_sessions_and_keeps_live_ones() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let start = smartcity_store::now();
    store.create_session(&admin(), session("short", an.id, start + Duration::hours(1))).await.unwrap();
    store.create_session(&admin(), session("exact", an.id, start + Duration::hours(2))).await.unwrap();
    store.create_session(&admin(), session("long", an.id, start + Duration::hours(3))).await.unwrap();

    assert_eq!(store.purge_expired_sessions(start + Duration::hours(2)).await.unwrap(), 2);

    // Gone for good: not even found at a time when they were still valid.
    assert!(store.session("short", start).await.unwrap().is_none());
    assert!(store.session("exact", start).await.unwrap().is_none());
    assert!(store.session("long", start + Duration::hours(2)).await.unwrap().is_some());
    assert_eq!(store.purge_expired_sessions(start + Duration::hours(2)).await.unwrap(), 0);
}

#[tokio::test]
async fn a_cookie_hash_already_in_use_is_a_conflict_on_the_sessions_key() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let later = smartcity_store::now() + Duration::hours(1);
    store.create_session(&admin(), session("h1", an.id, later)).await.unwrap();

    match store.create_session(&admin(), session("h1", an.id, later)).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "sessions_pkey"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
