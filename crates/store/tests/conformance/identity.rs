//! `identity`: accounts, their uniqueness rules and login lookup, role grants on the unit tree,
//! organisations, e-cards and API tokens.

use chrono::Duration;
use smartcity_domain::identity::{CitizenId, ECardNumber, Role, TaxCode};
use smartcity_store::identity::{AccountKind, ECardStatus, IdentityStore, NewAccount};
use smartcity_store::sessions::{NewSession, SessionStore};
use smartcity_store::testing::fresh_store;
use smartcity_store::{AuditContext, StoreError};

use crate::{admin, citizen, code, register_an, seed_hue, staff};

fn expect_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, expected: &str) {
    match result {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, expected),
        other => panic!("expected a conflict on {expected}, got {other:?}"),
    }
}

fn card_number(body: &str) -> String {
    ECardNumber::from_body(body).unwrap().as_str().to_owned()
}

#[tokio::test]
async fn a_citizen_account_keeps_its_normalised_contacts_and_citizen_id() {
    let store = fresh_store().await;

    let an = register_an(&store).await;

    assert_eq!(an.kind, AccountKind::Citizen);
    assert_eq!(an.display_name, "Nguyễn Văn An");
    assert_eq!(an.email.as_deref(), Some("an.nguyen@example.vn"));
    assert_eq!(an.phone.as_deref(), Some("0912345678"));
    assert_eq!(an.citizen_id.as_deref(), Some("046090001234"));
    assert!(an.active);
    let read = store.account(an.id).await.unwrap().unwrap();
    assert_eq!((read.id, read.created_at, read.email), (an.id, an.created_at, an.email));
    let by_cccd = store.account_by_citizen_id(&CitizenId::parse("046090001234").unwrap()).await.unwrap().unwrap();
    assert_eq!(by_cccd.id, an.id);
    let nobody = CitizenId::parse("046190009999").unwrap();
    assert!(store.account_by_citizen_id(&nobody).await.unwrap().is_none());
    assert!(store.account(uuid::Uuid::now_v7()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_taken_email_phone_or_citizen_id_is_a_conflict_named_after_its_index() {
    let store = fresh_store().await;
    register_an(&store).await;

    // Each attempt reuses exactly one of An's identifiers.
    expect_conflict(
        store
            .create_account(&admin(), citizen("Lê Văn Bảo", "an.nguyen@example.vn", "0987654321", "046091005678"))
            .await,
        "accounts_email_key",
    );
    expect_conflict(
        store
            .create_account(&admin(), citizen("Lê Văn Bảo", "bao.le@example.vn", "+84 912 345 678", "046091005678"))
            .await,
        "accounts_phone_key",
    );
    expect_conflict(
        store.create_account(&admin(), citizen("Lê Văn Bảo", "bao.le@example.vn", "0987654321", "046090001234")).await,
        "accounts_citizen_id_key",
    );

    assert_eq!(store.list_accounts("", 100, 0).await.unwrap().len(), 1);
    let bao = store
        .create_account(&admin(), citizen("Lê Văn Bảo", "bao.le@example.vn", "0987654321", "046091005678"))
        .await
        .unwrap();
    assert_eq!(bao.display_name, "Lê Văn Bảo");
}

#[tokio::test]
async fn accounts_without_email_phone_or_citizen_id_do_not_collide() {
    let store = fresh_store().await;
    let nameless = || NewAccount {
        kind: AccountKind::Staff,
        display_name: "Cán bộ".to_owned(),
        email: None,
        phone: None,
        citizen_id: None,
        password_hash: "hash".to_owned(),
    };

    store.create_account(&admin(), nameless()).await.unwrap();
    store.create_account(&admin(), nameless()).await.unwrap();

    assert_eq!(store.list_accounts("", 100, 0).await.unwrap().len(), 2);
}

#[tokio::test]
async fn login_lookup_by_email_or_phone_returns_the_account_and_its_password_hash() {
    let store = fresh_store().await;
    let an = register_an(&store).await;

    for identifier in ["an.nguyen@example.vn", "0912345678"] {
        let (account, hash) = store.account_for_login(identifier).await.unwrap().unwrap();
        assert_eq!(account.id, an.id, "{identifier}");
        assert_eq!(hash, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$Nguyễn Văn An");
    }
    assert!(store.account_for_login("someone@example.vn").await.unwrap().is_none());
    assert!(store.account_for_login("046090001234").await.unwrap().is_none());
}

#[tokio::test]
async fn accounts_are_listed_newest_first_and_searched_by_name_email_or_phone() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let binh = store
        .create_account(&admin(), citizen("Trần Thị Bình", "binh.tran@example.vn", "0987654321", "046191002222"))
        .await
        .unwrap();
    let hoa = store.create_account(&admin(), staff("Đặng Thị Hoa", "hoa.dang@hue.gov.vn")).await.unwrap();
    let ids =
        |accounts: Vec<smartcity_store::identity::Account>| accounts.into_iter().map(|a| a.id).collect::<Vec<_>>();

    assert_eq!(ids(store.list_accounts("", 10, 0).await.unwrap()), [hoa.id, binh.id, an.id]);
    assert_eq!(ids(store.list_accounts("  ", 10, 0).await.unwrap()), [hoa.id, binh.id, an.id]);
    assert_eq!(ids(store.list_accounts("", 1, 1).await.unwrap()), [binh.id]);
    assert_eq!(ids(store.list_accounts("trần", 10, 0).await.unwrap()), [binh.id]);
    assert_eq!(ids(store.list_accounts("NGUYỄN", 10, 0).await.unwrap()), [an.id]);
    assert_eq!(ids(store.list_accounts("binh.tran@", 10, 0).await.unwrap()), [binh.id]);
    assert_eq!(ids(store.list_accounts("0987", 10, 0).await.unwrap()), [binh.id]);
    assert_eq!(ids(store.list_accounts("hue.gov", 10, 0).await.unwrap()), [hoa.id]);
    assert!(store.list_accounts("không ai", 10, 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_search_finds_names_that_start_with_an_uppercase_vietnamese_letter() {
    let store = fresh_store().await;
    let hoa = store.create_account(&admin(), staff("Đặng Thị Hoa", "hoa@hue.gov.vn")).await.unwrap();
    let o = store.create_account(&admin(), staff("Ông Văn Ích", "ich@hue.gov.vn")).await.unwrap();

    let found = store.list_accounts("đặng", 10, 0).await.unwrap();
    assert_eq!(found.iter().map(|a| a.id).collect::<Vec<_>>(), [hoa.id]);
    let found = store.list_accounts("ông văn", 10, 0).await.unwrap();
    assert_eq!(found.iter().map(|a| a.id).collect::<Vec<_>>(), [o.id]);
    let found = store.list_accounts("dang thi", 10, 0).await.unwrap();
    assert_eq!(found.iter().map(|a| a.id).collect::<Vec<_>>(), [hoa.id], "diacritics are ignored");
}

#[tokio::test]
async fn a_new_password_replaces_the_old_hash() {
    let store = fresh_store().await;
    let an = register_an(&store).await;

    store.set_password(&admin(), an.id, "$argon2id$new").await.unwrap();

    let (_, hash) = store.account_for_login("0912345678").await.unwrap().unwrap();
    assert_eq!(hash, "$argon2id$new");
    assert!(matches!(store.set_password(&admin(), uuid::Uuid::now_v7(), "x").await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn a_disabled_account_is_still_found_for_login_but_inactive_and_its_sessions_are_gone() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let now = smartcity_store::now();
    let session = NewSession {
        id_hash: "an-session",
        account_id: an.id,
        csrf_token: "csrf",
        expires_at: now + Duration::hours(8),
        user_agent: None,
    };
    store.create_session(&admin(), session).await.unwrap();

    store.set_account_active(&admin(), an.id, false).await.unwrap();

    // Login still finds the account so it can say "this account is disabled".
    let (account, _) = store.account_for_login("an.nguyen@example.vn").await.unwrap().unwrap();
    assert_eq!(account.id, an.id);
    assert!(!account.active);
    assert!(store.session("an-session", now).await.unwrap().is_none());
    // Re-enabling does not bring the old session back: it was deleted, not hidden.
    store.set_account_active(&admin(), an.id, true).await.unwrap();
    assert!(store.account(an.id).await.unwrap().unwrap().active);
    assert!(store.session("an-session", now).await.unwrap().is_none());
    assert!(matches!(store.set_account_active(&admin(), uuid::Uuid::now_v7(), false).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn a_role_granted_on_a_ward_covers_that_ward_and_nothing_beside_or_above_it() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let director = store.create_account(&admin(), staff("Giám đốc", "gd@hue.gov.vn")).await.unwrap();
    let officer = store.create_account(&admin(), staff("Cán bộ một cửa", "motcua@hue.gov.vn")).await.unwrap();

    let grant = store
        .grant_role(&AuditContext::account(director.id, None), officer.id, Role::ReceptionOfficer, &code("19753"))
        .await
        .unwrap();

    assert_eq!(grant.account_id, officer.id);
    assert_eq!(grant.role, Role::ReceptionOfficer);
    assert_eq!(grant.unit_code, "19753");
    assert_eq!(grant.unit_name_vi, "Phường Phú Xuân");
    assert_eq!(grant.unit_name_en, "Phu Xuan Ward");
    assert_eq!(grant.granted_by, Some(director.id));
    let reception = [Role::ReceptionOfficer];
    assert!(store.has_role_on(officer.id, &reception, &code("19753")).await.unwrap());
    assert!(!store.has_role_on(officer.id, &reception, &code("19789")).await.unwrap());
    assert!(!store.has_role_on(officer.id, &reception, &code("46")).await.unwrap());
    assert!(!store.has_role_on(officer.id, &[Role::ProcessingOfficer], &code("19753")).await.unwrap());
    assert!(
        store
            .has_role_on(officer.id, &[Role::ProcessingOfficer, Role::ReceptionOfficer], &code("19753"))
            .await
            .unwrap()
    );
    assert!(!store.has_role_on(director.id, &reception, &code("19753")).await.unwrap());
    let grants = store.grants_of(officer.id).await.unwrap();
    assert_eq!(grants.iter().map(|g| g.id).collect::<Vec<_>>(), [grant.id]);
}

#[tokio::test]
async fn a_role_granted_on_the_city_covers_every_unit_below_it() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let leader = store.create_account(&admin(), staff("Lãnh đạo", "ld@hue.gov.vn")).await.unwrap();

    let grant = store.grant_role(&admin(), leader.id, Role::UnitLeader, &code("46")).await.unwrap();

    // An actor that is not an account id (the CLI, the system) leaves `granted_by` empty.
    assert_eq!(grant.granted_by, None);
    for unit in ["46", "19753", "19789", "46.SYT"] {
        assert!(store.has_role_on(leader.id, &[Role::UnitLeader], &code(unit)).await.unwrap(), "{unit}");
    }
}

#[tokio::test]
async fn granting_the_same_role_on_the_same_unit_twice_is_a_conflict() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let officer = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();
    store.grant_role(&admin(), officer.id, Role::Editor, &code("19753")).await.unwrap();

    expect_conflict(
        store.grant_role(&admin(), officer.id, Role::Editor, &code("19753")).await,
        "role_grants_account_role_unit_key",
    );

    store.grant_role(&admin(), officer.id, Role::Editor, &code("19789")).await.unwrap();
    store.grant_role(&admin(), officer.id, Role::UnitLeader, &code("19753")).await.unwrap();
    assert_eq!(store.grants_of(officer.id).await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_grant_needs_an_existing_unit_and_account() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let officer = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();

    match store.grant_role(&admin(), officer.id, Role::Editor, &code("19999")).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, "unit_not_found"),
        other => panic!("expected unit_not_found, got {other:?}"),
    }
    assert!(matches!(
        store.grant_role(&admin(), uuid::Uuid::now_v7(), Role::Editor, &code("19753")).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.grants_of(officer.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_revoked_grant_no_longer_gives_the_role() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let officer = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();
    let grant = store.grant_role(&admin(), officer.id, Role::ProcessingOfficer, &code("46")).await.unwrap();

    store.revoke_grant(&admin(), grant.id).await.unwrap();

    assert!(!store.has_role_on(officer.id, &[Role::ProcessingOfficer], &code("19753")).await.unwrap());
    assert!(store.grants_of(officer.id).await.unwrap().is_empty());
    assert!(matches!(store.revoke_grant(&admin(), grant.id).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn an_organisation_is_listed_under_its_representative_and_its_tax_code_is_unique() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let other = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();
    let tax_code = TaxCode::parse("0100109106").unwrap();

    let created = store
        .create_organisation(&admin(), &tax_code, "Công ty TNHH Sông Hương", "12 Lê Lợi, Huế", an.id)
        .await
        .unwrap();

    let listed = store.organisations_of(an.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].tax_code, "0100109106");
    assert_eq!(listed[0].name, "Công ty TNHH Sông Hương");
    assert_eq!(listed[0].address, "12 Lê Lợi, Huế");
    assert_eq!(listed[0].representative_id, an.id);
    assert_eq!(listed[0].created_at, created.created_at);
    assert!(store.organisations_of(other.id).await.unwrap().is_empty());
    expect_conflict(
        store.create_organisation(&admin(), &tax_code, "Trùng", "Huế", other.id).await,
        "organisations_pkey",
    );
    let branch = TaxCode::parse("0100109106-001").unwrap();
    store.create_organisation(&admin(), &branch, "Chi nhánh Huế", "Huế", an.id).await.unwrap();
    assert_eq!(store.organisations_of(an.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_ecard_identifies_its_holder_by_qr_token_or_number_until_it_is_revoked() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let clerk = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();
    let number = card_number("1234567890123");
    let clerk_ctx = AuditContext::account(clerk.id, None);

    let card = store.issue_ecard(&clerk_ctx, an.id, &number, "qr-token-an-1").await.unwrap();

    assert_eq!(card.status, ECardStatus::Active);
    assert_eq!(card.account_id, an.id);
    assert_eq!(card.card_number, number);
    assert_eq!(card.revoked_at, None);
    for scanned in ["qr-token-an-1", number.as_str()] {
        let (found, holder) = store.ecard_holder(scanned).await.unwrap().unwrap();
        assert_eq!((found.id, holder.id), (card.id, an.id), "{scanned}");
    }
    assert!(store.ecard_holder("qr-token-unknown").await.unwrap().is_none());

    let revoked = store.revoke_ecard(&clerk_ctx, card.id, "Mất thẻ").await.unwrap();

    assert_eq!(revoked.status, ECardStatus::Revoked);
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.revoke_reason.as_deref(), Some("Mất thẻ"));
    assert!(store.ecard_holder("qr-token-an-1").await.unwrap().is_none());
    assert!(store.ecard_holder(&number).await.unwrap().is_none());
    let cards = store.ecards_of(an.id).await.unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].status, ECardStatus::Revoked);
    assert!(matches!(store.revoke_ecard(&clerk_ctx, card.id, "again").await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn ecard_numbers_and_qr_tokens_are_unique_and_cards_need_a_holder() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let first = card_number("1234567890123");
    store.issue_ecard(&admin(), an.id, &first, "qr-1").await.unwrap();

    expect_conflict(store.issue_ecard(&admin(), an.id, &first, "qr-2").await, "ecards_card_number_key");
    expect_conflict(
        store.issue_ecard(&admin(), an.id, &card_number("1234567890124"), "qr-1").await,
        "ecards_qr_token_key",
    );
    assert!(matches!(
        store.issue_ecard(&admin(), uuid::Uuid::now_v7(), &card_number("1234567890125"), "qr-3").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.list_ecards(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn ecards_are_listed_newest_first() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let first = store.issue_ecard(&admin(), an.id, &card_number("1000000000001"), "qr-a").await.unwrap();
    let second = store.issue_ecard(&admin(), an.id, &card_number("1000000000002"), "qr-b").await.unwrap();

    let of_an: Vec<_> = store.ecards_of(an.id).await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(of_an, [second.id, first.id]);
    let latest: Vec<_> = store.list_ecards(1).await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(latest, [second.id]);
}

#[tokio::test]
async fn an_api_token_identifies_its_account_until_revoked_by_its_owner() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let other = store.create_account(&admin(), staff("Cán bộ", "cb@hue.gov.vn")).await.unwrap();

    let token = store.create_api_token(&admin(), an.id, "Báo cáo hằng ngày", "sha256:aaaa", "sc_aaaa").await.unwrap();

    assert_eq!(token.account_id, an.id);
    assert_eq!(token.name, "Báo cáo hằng ngày");
    assert_eq!(token.prefix, "sc_aaaa");
    assert_eq!((token.last_used_at, token.revoked_at), (None, None));
    let holder = store.account_for_api_token("sha256:aaaa").await.unwrap().unwrap();
    assert_eq!(holder.id, an.id);
    assert!(store.api_tokens_of(an.id).await.unwrap()[0].last_used_at.is_some(), "use is recorded");
    assert!(store.account_for_api_token("sha256:bbbb").await.unwrap().is_none());
    // Somebody else cannot revoke An's token.
    assert!(matches!(store.revoke_api_token(&admin(), other.id, token.id).await, Err(StoreError::NotFound)));
    assert!(store.account_for_api_token("sha256:aaaa").await.unwrap().is_some());

    store.revoke_api_token(&admin(), an.id, token.id).await.unwrap();

    assert!(store.account_for_api_token("sha256:aaaa").await.unwrap().is_none());
    assert!(store.api_tokens_of(an.id).await.unwrap()[0].revoked_at.is_some());
    assert!(matches!(store.revoke_api_token(&admin(), an.id, token.id).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn a_disabled_accounts_api_tokens_stop_identifying_it() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    store.create_api_token(&admin(), an.id, "script", "sha256:cccc", "sc_cccc").await.unwrap();

    store.set_account_active(&admin(), an.id, false).await.unwrap();

    assert!(store.account_for_api_token("sha256:cccc").await.unwrap().is_none());
}

#[tokio::test]
async fn api_tokens_are_listed_newest_first_and_their_hashes_are_unique() {
    let store = fresh_store().await;
    let an = register_an(&store).await;
    let first = store.create_api_token(&admin(), an.id, "one", "sha256:1111", "sc_1111").await.unwrap();
    let second = store.create_api_token(&admin(), an.id, "two", "sha256:2222", "sc_2222").await.unwrap();

    let listed: Vec<_> = store.api_tokens_of(an.id).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(listed, [second.id, first.id]);
    expect_conflict(
        store.create_api_token(&admin(), an.id, "three", "sha256:1111", "sc_1111").await,
        "api_tokens_token_hash_key",
    );
}
