//! `reports`: what the Open311 API and the IOC rely on — a report is written whole (photos,
//! timeline, audit, outbox) or not at all, changes are guarded against a concurrent operator,
//! listings honour every Open311 filter newest first, duplicates are found nearby, and partner
//! keys work until revoked.

use chrono::Duration;
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::reports::{RejectReason, ReportStatus};
use smartcity_store::outbox::OutboxStore;
use smartcity_store::reports::{
    BoundingBox, NewPhoto, NewReport, NewReportEvent, Report, ReportChange, ReportFilter, ReportMedia, ReportStore,
    Reporter,
};
use smartcity_store::testing::fresh_store;
use smartcity_store::{AuditContext, Store, StoreError};

use crate::{FEEDBACK_CATEGORIES, admin, audit_actions, register_an, seed_hue};

/// The Citadel's Ngọ Môn gate, inside Huế.
const NGO_MON: GeoPoint = GeoPoint { lat: 16.4678, lon: 107.5786 };

/// Huế with the shipped category catalogue.
async fn setup(store: &Store) -> String {
    seed_hue(store).await;
    let n = store.load_report_categories_json(&admin(), FEEDBACK_CATEGORIES).await.unwrap();
    assert!(n > 0);
    store.report_categories().await.unwrap().remove(0).code
}

fn report_at(service_code: &str, at: GeoPoint, description: &str) -> NewReport {
    NewReport {
        service_code: service_code.to_owned(),
        description: description.to_owned(),
        location: at,
        address: None,
        ward_code: Some("19753".to_owned()),
        handling_unit_code: None,
        reporter: Reporter { name: Some("Trần Thị Bình".to_owned()), ..Default::default() },
        api_key_id: None,
        photos: vec![],
    }
}

/// A point `metres` north of `p`.
fn north_of(p: GeoPoint, metres: f64) -> GeoPoint {
    GeoPoint { lat: p.lat + metres / 111_194.9, lon: p.lon }
}

fn page(filter: ReportFilter) -> ReportFilter {
    ReportFilter { page: 1, page_size: 100, ..filter }
}

fn ids(reports: &[Report]) -> Vec<uuid::Uuid> {
    reports.iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn the_shipped_catalogue_loads_and_reloads_without_duplicates() {
    let store = fresh_store().await;
    let first = setup(&store).await;
    let before = store.report_categories().await.unwrap();
    store.load_report_categories_json(&admin(), FEEDBACK_CATEGORIES).await.unwrap();
    assert_eq!(store.report_categories().await.unwrap(), before);
    let category = store.report_category(&first).await.unwrap().unwrap();
    assert!(category.active && category.deadline_days >= 1);
    assert!(store.report_category("NO_SUCH").await.unwrap().is_none());

    store.set_report_category_active(&admin(), &first, false).await.unwrap();
    assert!(!store.report_category(&first).await.unwrap().unwrap().active);
    assert!(matches!(store.set_report_category_active(&admin(), "NO_SUCH", false).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn a_report_is_stored_with_its_photos_first_event_audit_and_outbox_event() {
    let store = fresh_store().await;
    let category = setup(&store).await;
    let an = register_an(&store).await;
    let mut new = report_at(&category, NGO_MON, "Cây đổ chắn đường <b>Đinh Tiên Hoàng</b>");
    new.reporter.account_id = Some(an.id);
    new.photos = vec![
        NewPhoto { content_type: "image/jpeg".to_owned(), bytes: b"\xff\xd8 one".to_vec() },
        NewPhoto { content_type: "image/jpeg".to_owned(), bytes: b"\xff\xd8 one".to_vec() },
    ];

    let report = store.create_report(&AuditContext::account(an.id, None), new).await.unwrap();

    assert_eq!(report.status, ReportStatus::Submitted);
    assert_eq!(report.description, "Cây đổ chắn đường <b>Đinh Tiên Hoàng</b>", "text is stored as sent");
    assert_eq!(report.reporter.account_id, Some(an.id));
    assert_eq!(report.created_at, report.updated_at);
    let photos = store.report_photos(report.id).await.unwrap();
    assert_eq!(photos.len(), 2);
    assert_eq!(photos[0].sha256, photos[1].sha256, "same bytes, one blob");
    let events = store.report_events(report.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].from_status, events[0].to_status), (None, ReportStatus::Submitted));
    assert!(audit_actions(&store).await.contains(&"report.submitted".to_owned()));
    let pending = store.pending_events(100).await.unwrap();
    assert!(pending.iter().any(|e| e.topic == "report.submitted"));
    assert_eq!(store.report(report.id).await.unwrap().unwrap().id, report.id);
    assert!(store.report(uuid::Uuid::now_v7()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_report_in_an_unknown_category_writes_nothing() {
    let store = fresh_store().await;
    setup(&store).await;
    let result = store.create_report(&admin(), report_at("NO_SUCH", NGO_MON, "x")).await;
    assert!(result.is_err());
    assert!(store.reports(&page(ReportFilter::default())).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_change_is_applied_once_and_a_stale_one_is_refused() {
    let store = fresh_store().await;
    let category = setup(&store).await;
    let report = store.create_report(&admin(), report_at(&category, NGO_MON, "Ngập nước")).await.unwrap();
    let event =
        NewReportEvent { action: "verify".to_owned(), public_note: "Đã xác minh".to_owned(), ..Default::default() };

    let mut change = ReportChange::from_report(&report, ReportStatus::Verified, event.clone());
    change.notify = Some("report.verified".to_owned());
    let verified = store.apply_report_change(&admin(), change).await.unwrap();
    assert_eq!(verified.status, ReportStatus::Verified);
    assert!(verified.updated_at > report.updated_at);

    let stale = ReportChange::from_report(&report, ReportStatus::Rejected(RejectReason::Invalid), event);
    match store.apply_report_change(&admin(), stale).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "report_changed"),
        other => panic!("expected report_changed, got {other:?}"),
    }
    let events = store.report_events(report.id).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].public_note, "Đã xác minh");
    assert_eq!(events[1].from_status, Some(ReportStatus::Submitted));
    assert!(store.pending_events(100).await.unwrap().iter().any(|e| e.topic == "report.verified"));

    let mut answer = ReportChange::from_report(
        &verified,
        ReportStatus::Answered,
        NewReportEvent { action: "answer".to_owned(), ..Default::default() },
    );
    answer.answer = Some("Đã bơm thoát nước.".to_owned());
    answer.answered_at = Some(smartcity_store::now());
    answer.rating = Some(Rating::Acceptable);
    answer.photos = vec![NewPhoto { content_type: "image/png".to_owned(), bytes: b"\x89PNG".to_vec() }];
    let answered = store.apply_report_change(&admin(), answer).await.unwrap();
    assert_eq!(answered.answer.as_deref(), Some("Đã bơm thoát nước."));
    assert_eq!(answered.rating, Some(Rating::Acceptable));
    assert_eq!(store.report_photos(report.id).await.unwrap()[0].purpose, "answer");
}

#[tokio::test]
async fn listings_honour_every_open311_filter_newest_first() {
    let store = fresh_store().await;
    let category = setup(&store).await;
    let other = store.report_categories().await.unwrap().remove(1).code;
    let a = store.create_report(&admin(), report_at(&category, NGO_MON, "a")).await.unwrap();
    let b = store.create_report(&admin(), report_at(&other, north_of(NGO_MON, 3000.0), "b")).await.unwrap();
    let c = store.create_report(&admin(), report_at(&category, north_of(NGO_MON, 100.0), "c")).await.unwrap();
    let c = store
        .apply_report_change(
            &admin(),
            ReportChange::from_report(
                &c,
                ReportStatus::Verified,
                NewReportEvent { action: "verify".into(), ..Default::default() },
            ),
        )
        .await
        .unwrap();

    let all = store.reports(&page(ReportFilter::default())).await.unwrap();
    assert_eq!(ids(&all), vec![c.id, b.id, a.id], "newest first");

    let by_id = store.reports(&page(ReportFilter { ids: vec![a.id, b.id], ..Default::default() })).await.unwrap();
    assert_eq!(ids(&by_id), vec![b.id, a.id]);
    let by_code =
        store.reports(&page(ReportFilter { service_codes: vec![other.clone()], ..Default::default() })).await.unwrap();
    assert_eq!(ids(&by_code), vec![b.id]);
    let by_status = store
        .reports(&page(ReportFilter { statuses: vec![ReportStatus::Verified], ..Default::default() }))
        .await
        .unwrap();
    assert_eq!(ids(&by_status), vec![c.id]);

    let window =
        ReportFilter { created_from: Some(b.created_at), created_to: Some(c.created_at), ..Default::default() };
    assert_eq!(ids(&store.reports(&page(window)).await.unwrap()), vec![b.id], "half-open window");
    let updated = ReportFilter { updated_from: Some(c.updated_at), ..Default::default() };
    assert_eq!(ids(&store.reports(&page(updated)).await.unwrap()), vec![c.id]);
    let before = ReportFilter { updated_to: Some(a.created_at + Duration::microseconds(1)), ..Default::default() };
    assert_eq!(ids(&store.reports(&page(before)).await.unwrap()), vec![a.id]);

    let bbox = BoundingBox { min_lat: 16.46, max_lat: 16.47, min_lon: 107.57, max_lon: 107.58 };
    let in_box = store.reports(&page(ReportFilter { bbox: Some(bbox), ..Default::default() })).await.unwrap();
    assert_eq!(ids(&in_box), vec![c.id, a.id]);
    let near = ReportFilter { near: Some((NGO_MON, 50.0)), ..Default::default() };
    assert_eq!(ids(&store.reports(&page(near)).await.unwrap()), vec![a.id], "radius is a circle in metres");

    let first_page = ReportFilter { page: 1, page_size: 2, ..Default::default() };
    let second_page = ReportFilter { page: 2, page_size: 2, ..Default::default() };
    assert_eq!(ids(&store.reports(&first_page).await.unwrap()), vec![c.id, b.id]);
    assert_eq!(ids(&store.reports(&second_page).await.unwrap()), vec![a.id]);
}

#[tokio::test]
async fn the_media_of_a_report_travel_on_its_row_in_the_order_sent() {
    let store = fresh_store().await;
    let category = setup(&store).await;
    let mut new = report_at(&category, NGO_MON, "Đèn tắt");
    new.photos = vec![
        NewPhoto { content_type: "image/jpeg".to_owned(), bytes: b"\xff\xd8 first".to_vec() },
        NewPhoto { content_type: "image/jpeg".to_owned(), bytes: b"\xff\xd8 second".to_vec() },
    ];
    let urls =
        serde_json::json!({"open311": {"media_urls": ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"]}});
    let report = store.create_report_with_details(&admin(), new, urls).await.unwrap();
    let photos: Vec<String> = store.report_photos(report.id).await.unwrap().into_iter().map(|p| p.sha256).collect();
    let expected = ReportMedia {
        photos,
        external: vec!["https://cdn.example/1.jpg".to_owned(), "https://cdn.example/2.jpg".to_owned()],
    };
    assert_eq!(report.media, expected);
    let listed = store.reports(&page(ReportFilter { ids: vec![report.id], ..Default::default() })).await.unwrap();
    assert_eq!(listed[0].media, expected, "a page of requests carries them too");

    // The answer's photos are not the report's media; a report without any has none.
    let answered = store
        .apply_report_change(&admin(), {
            let mut change = ReportChange::from_report(
                &report,
                ReportStatus::Verified,
                NewReportEvent { action: "verify".into(), ..Default::default() },
            );
            change.photos = vec![NewPhoto { content_type: "image/jpeg".to_owned(), bytes: b"\xff\xd8 fixed".to_vec() }];
            change
        })
        .await
        .unwrap();
    assert_eq!(answered.media, expected);
    let plain = store.create_report(&admin(), report_at(&category, NGO_MON, "Rác")).await.unwrap();
    assert_eq!(plain.media, ReportMedia::default());
}

#[tokio::test]
async fn a_viewport_across_grid_cells_finds_every_report_inside_newest_first() {
    let store = fresh_store().await;
    let category = setup(&store).await;
    // 16.47° N is a row boundary of the 0.01° grid and 107.58° E a column boundary: the four reports around the
    // corner lie in four different cells.
    let corner = GeoPoint { lat: 16.47, lon: 107.58 };
    let mut inside = Vec::new();
    for (dlat, dlon) in [(-0.0005, -0.0005), (0.0005, -0.0005), (-0.0005, 0.0005), (0.0005, 0.0005)] {
        let at = GeoPoint { lat: corner.lat + dlat, lon: corner.lon + dlon };
        inside.push(store.create_report(&admin(), report_at(&category, at, "x")).await.unwrap().id);
    }
    let far = store.create_report(&admin(), report_at(&category, north_of(corner, 2500.0), "far")).await.unwrap();
    inside.reverse();

    let near = ReportFilter { near: Some((corner, 200.0)), ..Default::default() };
    assert_eq!(ids(&store.reports(&page(near)).await.unwrap()), inside, "newest first, every cell");
    let bbox = BoundingBox { min_lat: 16.469, max_lat: 16.471, min_lon: 107.579, max_lon: 107.581 };
    let boxed = store.reports(&page(ReportFilter { bbox: Some(bbox), ..Default::default() })).await.unwrap();
    assert_eq!(ids(&boxed), inside);
    // A viewport too large for a cell list (most of Vietnam) still answers, through the plain rectangle.
    let country = BoundingBox { min_lat: 8.0, max_lat: 23.5, min_lon: 102.0, max_lon: 110.0 };
    let all = store.reports(&page(ReportFilter { bbox: Some(country), ..Default::default() })).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].id, far.id);
}

#[tokio::test]
async fn open_reports_of_some_services_page_newest_first_without_gaps() {
    let store = fresh_store().await;
    setup(&store).await;
    let codes: Vec<String> = store.report_categories().await.unwrap().into_iter().map(|c| c.code).collect();
    let mut open = Vec::new();
    for (i, code) in codes.iter().take(3).cycle().take(7).enumerate() {
        let r = store.create_report(&admin(), report_at(code, NGO_MON, &format!("r{i}"))).await.unwrap();
        if i % 3 == 2 {
            // Rejected ones are not open and must not take a place on a page.
            let change = ReportChange::from_report(
                &r,
                ReportStatus::Rejected(RejectReason::Invalid),
                NewReportEvent { action: "reject".into(), ..Default::default() },
            );
            store.apply_report_change(&admin(), change).await.unwrap();
        } else {
            open.push(r.id);
        }
    }
    store.create_report(&admin(), report_at(&codes[5], NGO_MON, "another service")).await.unwrap();
    open.reverse();
    let filter = |page: i64| ReportFilter {
        service_codes: codes[..3].to_vec(),
        statuses: vec![ReportStatus::Submitted],
        page,
        page_size: 2,
        ..Default::default()
    };
    let mut seen = Vec::new();
    for p in 1..=4 {
        seen.extend(ids(&store.reports(&filter(p)).await.unwrap()));
    }
    assert_eq!(seen, open);
}

#[tokio::test]
async fn nearby_recent_reports_of_the_category_are_duplicate_candidates_nearest_first() {
    let store = fresh_store().await;
    let category = setup(&store).await;
    let other = store.report_categories().await.unwrap().remove(1).code;
    let far = store.create_report(&admin(), report_at(&category, north_of(NGO_MON, 120.0), "far")).await.unwrap();
    let close = store.create_report(&admin(), report_at(&category, north_of(NGO_MON, 20.0), "close")).await.unwrap();
    store.create_report(&admin(), report_at(&category, north_of(NGO_MON, 500.0), "too far")).await.unwrap();
    store.create_report(&admin(), report_at(&other, NGO_MON, "other category")).await.unwrap();
    let since = smartcity_store::now() - Duration::days(7);

    let found = store.nearby_reports(Some(&category), NGO_MON, 150.0, since, 10).await.unwrap();
    assert_eq!(ids(&found), vec![close.id, far.id]);
    let later = store.nearby_reports(Some(&category), NGO_MON, 150.0, smartcity_store::now(), 10).await.unwrap();
    assert!(later.is_empty(), "older reports are not candidates");
}

#[tokio::test]
async fn updates_between_two_instants_cover_every_report_oldest_first() {
    let store = fresh_store().await;
    let category = setup(&store).await;
    let start = smartcity_store::now();
    let a = store.create_report(&admin(), report_at(&category, NGO_MON, "a")).await.unwrap();
    store
        .apply_report_change(
            &admin(),
            ReportChange::from_report(
                &a,
                ReportStatus::Verified,
                NewReportEvent { action: "verify".into(), ..Default::default() },
            ),
        )
        .await
        .unwrap();
    let end = smartcity_store::now() + Duration::seconds(1);
    let events = store.report_events_between(start, end, 100).await.unwrap();
    let statuses: Vec<_> = events.iter().map(|e| e.to_status).collect();
    assert_eq!(statuses, vec![ReportStatus::Submitted, ReportStatus::Verified]);
    assert_eq!(store.report_events_between(start, end, 1).await.unwrap().len(), 1);
    assert!(store.report_events_between(end, end + Duration::hours(2), 100).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_partner_key_works_until_revoked_and_its_hash_is_unique() {
    let store = fresh_store().await;
    let key = store.create_open311_key(&admin(), "FixMyStreet", "hash-1").await.unwrap();
    assert!(key.last_used_at.is_none());
    let used = store.verify_open311_key("hash-1").await.unwrap().unwrap();
    assert_eq!(used.id, key.id);
    assert!(used.last_used_at.is_some());
    assert!(store.verify_open311_key("hash-2").await.unwrap().is_none());

    match store.create_open311_key(&admin(), "Copy", "hash-1").await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "open311_api_keys_key_hash_key"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    store.revoke_open311_key(&admin(), key.id).await.unwrap();
    assert!(store.verify_open311_key("hash-1").await.unwrap().is_none());
    assert!(matches!(store.revoke_open311_key(&admin(), key.id).await, Err(StoreError::NotFound)));
    assert!(store.open311_keys().await.unwrap()[0].revoked_at.is_some());
    let actions = audit_actions(&store).await;
    assert!(actions.contains(&"open311_key.created".to_owned()) && actions.contains(&"open311_key.revoked".to_owned()));
}
