//! `portal`: what the unit sites, the editors' desk and the one search box rely on — every unit gets a site with a
//! unique slug, the public sees only published (or due scheduled) articles, the search index follows every
//! workflow step in the same transaction and finds text whatever its diacritics, syndication shows one source on
//! many sites, and a warning reaches exactly the subscribers of its area.

use chrono::{Duration, Utc};
use smartcity_domain::identity::Role;
use smartcity_domain::portal::{
    ArticleKind, ArticleStatus, EditorialAction, EditorialState, SearchQuery, Severity, SiteSlug, Validity, Warning,
    WarningArea, WarningKind,
};
use smartcity_store::outbox::OutboxStore;
use smartcity_store::portal::{
    ArticleDraft, ArticleFilter, ArticleScope, NewQuestion, PROPOSAL_ACCEPTED, PortalStore, SEARCH_CANDIDATES,
    SearchFilter, SiteEdit, WarningMail,
};
use smartcity_store::testing::fresh_store;
use smartcity_store::{IdentityStore, Store, StoreError};

use crate::{admin, code, create_khai_sinh, register_an, seed_hue, staff};

fn draft(unit: &str, kind: ArticleKind, title: &str, body: &str) -> ArticleDraft {
    ArticleDraft {
        unit_code: code(unit),
        kind,
        page_key: String::new(),
        title_vi: title.to_owned(),
        title_en: String::new(),
        summary_vi: String::new(),
        summary_en: String::new(),
        body_vi: body.to_owned(),
        body_en: String::new(),
        legal: None,
        event: None,
        place: None,
        attachment: None,
        image: None,
    }
}

async fn setup(store: &Store) {
    seed_hue(store).await;
    assert_eq!(store.sync_sites(&admin()).await.unwrap(), 4);
}

/// Create, submit and approve an article the way the workflow does.
async fn publish(store: &Store, d: ArticleDraft) -> smartcity_store::portal::Article {
    let a = store.create_article(&admin(), None, d).await.unwrap();
    let now = Utc::now();
    let s = a.state.apply(&EditorialAction::Submit, Role::Editor, now).unwrap();
    let a = store.set_article_state(&admin(), a.id, a.updated_at, "submit", s).await.unwrap();
    let s = a.state.apply(&EditorialAction::Approve { publish_at: None }, Role::UnitLeader, now).unwrap();
    store.set_article_state(&admin(), a.id, a.updated_at, "approve", s).await.unwrap()
}

fn filter() -> SearchFilter {
    SearchFilter { kind: None, unit: None, from: None, to: None, page: 1, page_size: 20, now: Utc::now() }
}

async fn found(store: &Store, q: &str) -> Vec<String> {
    store.search(&SearchQuery::parse(q), &filter()).await.unwrap().hits.into_iter().map(|h| h.title_vi).collect()
}

fn site_scope(unit: &str, parent: Option<&str>) -> ArticleFilter {
    ArticleFilter {
        scope: ArticleScope::Site { unit: code(unit), parent: parent.map(code), is_ward: parent.is_some() },
        kind: None,
        now: Utc::now(),
        limit: 50,
        offset: 0,
    }
}

async fn titles(store: &Store, f: &ArticleFilter) -> Vec<String> {
    store.public_articles(f).await.unwrap().into_iter().map(|a| a.title_vi).collect()
}

#[tokio::test]
async fn every_unit_gets_one_site_with_a_unique_slug_and_a_clash_is_refused() {
    let store = fresh_store().await;
    setup(&store).await;
    assert_eq!(store.sync_sites(&admin()).await.unwrap(), 0, "a second run makes nothing");
    let slugs: Vec<String> = store.sites().await.unwrap().into_iter().map(|s| s.slug.as_str().to_owned()).collect();
    assert_eq!(slugs, ["phuong-phu-xuan", "phuong-thuan-hoa", "thanh-pho-hue", "so-y-te"]);
    let ward = store.site_by_slug("phuong-phu-xuan").await.unwrap().unwrap();
    assert!(ward.is_ward());
    assert_eq!(ward.parent_code, Some(code("46")));

    let edit = |slug: &str| SiteEdit {
        slug: SiteSlug::parse(slug).unwrap(),
        menu: vec![],
        banner_vi: "Chào mừng".into(),
        banner_en: "Welcome".into(),
        settings: Default::default(),
    };
    match store.update_site(&admin(), &code("19753"), edit("phuong-thuan-hoa")).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "portal_sites_slug_key"),
        other => panic!("expected a slug clash, got {other:?}"),
    }
    let renamed = store.update_site(&admin(), &code("19753"), edit("phu-xuan")).await.unwrap();
    assert_eq!((renamed.slug.as_str(), renamed.banner_en.as_str()), ("phu-xuan", "Welcome"));
    assert!(store.site_by_slug("phuong-phu-xuan").await.unwrap().is_none());
}

#[tokio::test]
async fn search_follows_the_workflow_in_the_same_transaction_and_ignores_diacritics() {
    let store = fresh_store().await;
    setup(&store).await;
    let a = store
        .create_article(&admin(), None, draft("19753", ArticleKind::News, "Sửa Đường Lê Lợi", "<p>Thủ tục mới</p>"))
        .await
        .unwrap();
    assert!(found(&store, "duong").await.is_empty(), "a draft is not searchable");

    let a = {
        let now = Utc::now();
        let s = a.state.apply(&EditorialAction::Submit, Role::Editor, now).unwrap();
        let a = store.set_article_state(&admin(), a.id, a.updated_at, "submit", s).await.unwrap();
        assert!(found(&store, "duong").await.is_empty(), "a submitted article is not searchable");
        let s = a.state.apply(&EditorialAction::Approve { publish_at: None }, Role::UnitLeader, now).unwrap();
        store.set_article_state(&admin(), a.id, a.updated_at, "approve", s).await.unwrap()
    };
    for q in ["duong", "Đường", "đường", "DUONG", "Đu\u{31b}\u{300}o\u{31b}ng", "thu tuc", "le loi", "sua duong le"]
    {
        assert_eq!(found(&store, q).await, ["Sửa Đường Lê Lợi"], "{q}");
    }
    let hit = store.search(&SearchQuery::parse("le loi"), &filter()).await.unwrap().hits.remove(0);
    assert_eq!(hit.url, format!("/phuong-phu-xuan/bai-viet/{}", a.id));
    for nothing in ["", "!!! ??? ###", "xyzzy"] {
        assert!(found(&store, nothing).await.is_empty(), "{nothing}");
    }
    assert!(found(&store, &"đường ".repeat(2000)).await.len() <= 1);

    let s = a.state.apply(&EditorialAction::Unpublish, Role::UnitLeader, Utc::now()).unwrap();
    let a = store.set_article_state(&admin(), a.id, a.updated_at, "unpublish", s).await.unwrap();
    assert!(found(&store, "duong").await.is_empty(), "an unpublished article leaves the index");

    // Editing keeps revisions.
    let s = a.state.apply(&EditorialAction::Edit, Role::Editor, Utc::now()).unwrap();
    store
        .edit_article(&admin(), a.id, a.updated_at, None, draft("19753", ArticleKind::News, "Sửa đường", "<p>b</p>"), s)
        .await
        .unwrap();
    let revisions = store.article_revisions(a.id).await.unwrap();
    assert_eq!(revisions.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(revisions[1].title, "Sửa đường");
    // A stale edit is refused.
    match store.set_article_state(&admin(), a.id, a.updated_at, "submit", EditorialState::draft()).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "article_changed"),
        other => panic!("expected article_changed, got {other:?}"),
    }
}

#[tokio::test]
async fn search_ranks_title_matches_first_and_filters_by_kind_unit_and_page() {
    let store = fresh_store().await;
    setup(&store).await;
    publish(&store, draft("46", ArticleKind::Notice, "Thông báo lịch cắt điện", "<p>Khu vực Lăng Tự Đức</p>")).await;
    publish(&store, draft("19753", ArticleKind::HeritagePlace, "Lăng Tự Đức", "<p>Di tích</p>")).await;
    assert_eq!(found(&store, "lang tu duc").await, ["Lăng Tự Đức", "Thông báo lịch cắt điện"]);

    let mut f = filter();
    f.kind = Some("notice".into());
    let page = store.search(&SearchQuery::parse("lang tu duc"), &f).await.unwrap();
    assert_eq!((page.total, page.hits[0].title_vi.as_str()), (1, "Thông báo lịch cắt điện"));
    let mut f = filter();
    f.unit = Some("19753".into());
    assert_eq!(store.search(&SearchQuery::parse("lang"), &f).await.unwrap().total, 1);
    let mut f = filter();
    f.page_size = 1;
    f.page = 2;
    let second = store.search(&SearchQuery::parse("lang tu duc"), &f).await.unwrap();
    assert_eq!((second.total, second.hits.len()), (2, 1));
    assert_eq!(second.hits[0].title_vi, "Thông báo lịch cắt điện");
}

#[tokio::test]
async fn procedures_are_searchable_from_the_moment_they_are_written() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    create_khai_sinh(&store).await;
    let hits = store.search(&SearchQuery::parse("dang ky khai sinh"), &filter()).await.unwrap().hits;
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].kind.as_str(), hits[0].url.as_str()), ("procedure", "/procedures/1.001193"));
    assert_eq!(store.reindex_procedures(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).await.unwrap(), 1);
    assert_eq!(store.search(&SearchQuery::parse("khai sinh"), &filter()).await.unwrap().total, 1);
}

#[tokio::test]
async fn scheduled_articles_appear_at_their_time_in_lists_and_search() {
    let store = fresh_store().await;
    setup(&store).await;
    let a = store.create_article(&admin(), None, draft("46", ArticleKind::News, "Lễ hội Festival", "")).await.unwrap();
    let now = Utc::now();
    let s = a.state.apply(&EditorialAction::Submit, Role::Editor, now).unwrap();
    let a = store.set_article_state(&admin(), a.id, a.updated_at, "submit", s).await.unwrap();
    let later = now + Duration::hours(2);
    let s = a.state.apply(&EditorialAction::Approve { publish_at: Some(later) }, Role::UnitLeader, now).unwrap();
    assert_eq!(s.status, ArticleStatus::Scheduled);
    store.set_article_state(&admin(), a.id, a.updated_at, "approve", s).await.unwrap();

    assert!(titles(&store, &site_scope("46", None)).await.is_empty());
    assert!(found(&store, "festival").await.is_empty());
    let mut f = site_scope("46", None);
    f.now = later + Duration::minutes(1);
    assert_eq!(titles(&store, &f).await, ["Lễ hội Festival"]);
    let mut sf = filter();
    sf.now = later + Duration::minutes(1);
    assert_eq!(store.search(&SearchQuery::parse("festival"), &sf).await.unwrap().total, 1);
}

#[tokio::test]
async fn city_articles_syndicate_to_wards_and_accepted_ward_articles_reach_the_city() {
    let store = fresh_store().await;
    setup(&store).await;
    let city = publish(&store, draft("46", ArticleKind::News, "Tin thành phố", "")).await;
    let ward = publish(&store, draft("19753", ArticleKind::News, "Tin phường Phú Xuân", "")).await;
    assert_eq!(titles(&store, &site_scope("19789", Some("46"))).await, Vec::<String>::new());
    store.set_article_syndicated(&admin(), city.id, true).await.unwrap();
    assert_eq!(titles(&store, &site_scope("19789", Some("46"))).await, ["Tin thành phố"]);
    assert_eq!(titles(&store, &site_scope("19753", Some("46"))).await, ["Tin phường Phú Xuân", "Tin thành phố"]);
    assert_eq!(titles(&store, &site_scope("46", None)).await, ["Tin thành phố"]);

    let children = ArticleFilter { scope: ArticleScope::Children { unit: code("46") }, ..site_scope("46", None) };
    assert_eq!(titles(&store, &children).await, ["Tin phường Phú Xuân"]);

    store.set_article_proposal(&admin(), ward.id, "proposed").await.unwrap();
    assert_eq!(store.proposed_articles().await.unwrap().len(), 1);
    store.set_article_proposal(&admin(), ward.id, PROPOSAL_ACCEPTED).await.unwrap();
    assert_eq!(titles(&store, &site_scope("46", None)).await, ["Tin phường Phú Xuân", "Tin thành phố"]);
    assert!(store.proposed_articles().await.unwrap().is_empty());
}

fn flood(area: WarningArea, from_hours: i64, to_hours: i64) -> Warning {
    let now = smartcity_store::now();
    Warning {
        kind: WarningKind::Flood,
        severity: Severity::Severe,
        area,
        validity: Validity::new(now + Duration::hours(from_hours), now + Duration::hours(to_hours)).unwrap(),
        headline_vi: "Ngập sâu".into(),
        headline_en: "Deep flooding".into(),
        description_vi: "Tránh đường ven sông".into(),
        description_en: "Avoid riverside roads".into(),
        cancelled_at: None,
    }
}

#[tokio::test]
async fn a_warning_mails_only_the_subscribers_of_its_wards_and_expires_by_itself() {
    let store = fresh_store().await;
    setup(&store).await;
    let an = register_an(&store).await;
    let other = store.create_account(&admin(), staff("Lê Thị Mai", "mai@hue.gov.vn")).await.unwrap();
    store.subscribe_warnings(&admin(), an.id, &code("19753")).await.unwrap();
    store.subscribe_warnings(&admin(), an.id, &code("19753")).await.unwrap();
    store.subscribe_warnings(&admin(), other.id, &code("19789")).await.unwrap();
    assert_eq!(store.warning_subscriptions(an.id).await.unwrap(), ["19753"]);

    let mail = WarningMail { subject: "Cảnh báo ngập".into(), body: "Ngập sâu".into() };
    let w = store
        .create_warning(&admin(), &flood(WarningArea::wards(vec![code("19753")]).unwrap(), -1, 5), None, &mail)
        .await
        .unwrap();
    let mails = store.list_mail(10).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to_address, "an.nguyen@example.vn");
    assert!(w.warning.shows_on(&code("19753"), Utc::now()));

    store.create_warning(&admin(), &flood(WarningArea::WholeCity, -5, -1), None, &mail).await.unwrap();
    assert_eq!(store.list_mail(10).await.unwrap().len(), 3, "the whole city reaches both subscribers");
    let active = store.warnings(Some(smartcity_store::now()), 10).await.unwrap();
    assert_eq!(active.iter().map(|w| w.id).collect::<Vec<_>>(), [w.id], "the expired one is gone");
    assert_eq!(store.warnings(None, 10).await.unwrap().len(), 2);

    store.cancel_warning(&admin(), w.id).await.unwrap();
    assert!(store.warnings(Some(smartcity_store::now()), 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn answered_questions_are_public_once_and_searchable() {
    let store = fresh_store().await;
    setup(&store).await;
    let an = register_an(&store).await;
    let clerk = store.create_account(&admin(), staff("Lê Văn Cường", "cuong@hue.gov.vn")).await.unwrap();
    let q = store
        .ask_question(
            &admin(),
            NewQuestion {
                unit_code: code("19753"),
                asker_id: an.id,
                asker_initials: "N.V.A.".into(),
                title: "Giờ làm việc bộ phận một cửa".into(),
                body: "Thứ bảy có làm việc không?".into(),
                due_at: Utc::now() + Duration::days(9),
            },
        )
        .await
        .unwrap();
    assert!(store.questions(&code("19753"), true, 10).await.unwrap().is_empty());
    assert!(found(&store, "mot cua").await.is_empty());
    store.answer_question(&admin(), q.id, "Có, sáng thứ bảy.", clerk.id, "/phuong-phu-xuan/hoi-dap").await.unwrap();
    let public = store.questions(&code("19753"), true, 10).await.unwrap();
    assert_eq!((public.len(), public[0].asker_initials.as_str()), (1, "N.V.A."));
    assert_eq!(found(&store, "mot cua").await, ["Giờ làm việc bộ phận một cửa"]);
    match store.answer_question(&admin(), q.id, "Lần hai", clerk.id, "/x").await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "question_answered"),
        other => panic!("expected question_answered, got {other:?}"),
    }
}

#[tokio::test]
async fn bulk_published_articles_are_listed_and_searchable_like_any_other() {
    let store = fresh_store().await;
    setup(&store).await;
    let drafts: Vec<_> =
        (0..3).map(|i| draft("19789", ArticleKind::News, &format!("Tin số {i}"), "<p>Đường</p>")).collect();
    let at = Utc::now() - Duration::hours(1);
    assert_eq!(store.bulk_publish_articles(&admin(), &drafts, at).await.unwrap(), 3);
    assert_eq!(titles(&store, &site_scope("19789", Some("46"))).await.len(), 3);
    assert_eq!(store.search(&SearchQuery::parse("tin so duong"), &filter()).await.unwrap().total, 3);
}

#[tokio::test]
async fn a_common_word_counts_up_to_the_cap_and_says_there_are_more() {
    let store = fresh_store().await;
    setup(&store).await;
    let n = usize::try_from(SEARCH_CANDIDATES).unwrap() + 1;
    let drafts: Vec<_> =
        (0..n).map(|i| draft("19789", ArticleKind::News, &format!("Tin số {i}"), "<p>Đường phố</p>")).collect();
    store.bulk_publish_articles(&admin(), &drafts, Utc::now() - Duration::hours(1)).await.unwrap();
    publish(&store, draft("19753", ArticleKind::Notice, "Sửa đường Lê Lợi", "<p>Thông báo</p>")).await;

    let page = store.search(&SearchQuery::parse("duong"), &filter()).await.unwrap();
    assert_eq!((page.total, page.more), (SEARCH_CANDIDATES, true));
    assert_eq!(page.hits.len(), 20);
    // Ranked: the one document with the word in its title comes first.
    assert_eq!(page.hits[0].title_vi, "Sửa đường Lê Lợi");
    let exact = store.search(&SearchQuery::parse("duong le loi"), &filter()).await.unwrap();
    assert_eq!((exact.total, exact.more), (1, false));
    let mut f = filter();
    f.kind = Some("notice".into());
    assert_eq!(store.search(&SearchQuery::parse("duong"), &f).await.unwrap().total, 1, "filters apply before the cap");
}

#[tokio::test]
async fn every_portal_write_moves_the_generation_and_reads_do_not() {
    let store = fresh_store().await;
    setup(&store).await;
    let before = store.portal_generation();
    let a = publish(&store, draft("19753", ArticleKind::News, "Tin", "<p>x</p>")).await;
    let after_publish = store.portal_generation();
    assert!(after_publish > before);
    store.public_articles(&site_scope("19753", Some("46"))).await.unwrap();
    store.search(&SearchQuery::parse("tin"), &filter()).await.unwrap();
    store.sync_sites(&admin()).await.unwrap();
    assert_eq!(store.portal_generation(), after_publish, "reads and a sync that makes nothing");
    store.set_article_syndicated(&admin(), a.id, true).await.unwrap();
    assert!(store.portal_generation() > after_publish);
}
