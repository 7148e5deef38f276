//! `reports`, the handling side the pages rely on: a draft's idempotency key files one report, a
//! "+1" counts once per person, queue and map listings filter by unit, ward, deadline and rating,
//! per-unit statistics count what the units did, a deadline reminder is enqueued once, and the
//! category changes only on the report the operator read.

use chrono::Duration;
use serde_json::json;
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::Role;
use smartcity_domain::reports::{AgencyKind, ReportStatus};
use smartcity_store::outbox::OutboxStore;
use smartcity_store::reports::{NewReport, NewReportEvent, Report, ReportChange, ReportStore, Reporter};
use smartcity_store::reports_handling::ReportQuery;
use smartcity_store::testing::fresh_store;
use smartcity_store::{AuditContext, ReportHandlingStore, Store, StoreError};

use crate::{FEEDBACK_CATEGORIES, admin, seed_hue};

fn new_report(ward: &str, lat: f64) -> NewReport {
    NewReport {
        service_code: "MT".to_owned(),
        description: "Rác".to_owned(),
        location: GeoPoint { lat, lon: 107.58 },
        address: None,
        ward_code: Some(ward.to_owned()),
        handling_unit_code: None,
        reporter: Reporter { name: Some("Trần Thị Bình".to_owned()), ..Default::default() },
        api_key_id: None,
        photos: vec![],
    }
}

async fn setup(store: &Store) {
    seed_hue(store).await;
    store.load_report_categories_json(&admin(), FEEDBACK_CATEGORIES).await.unwrap();
}

/// Route `report` to `unit` with a deadline `due_in` from its sending, then answer it `answer_in`
/// after sending (if given) and rate it.
async fn handled(
    store: &Store,
    report: &Report,
    unit: &str,
    due_in: Duration,
    answer_in: Option<Duration>,
    rating: Option<Rating>,
) -> Report {
    let status = if answer_in.is_some() { ReportStatus::Answered } else { ReportStatus::InProgress };
    let mut change =
        ReportChange::from_report(report, status, NewReportEvent { action: "answer".into(), ..Default::default() });
    change.handling_unit_code = Some(unit.to_owned());
    change.due_at = Some(report.created_at + due_in);
    change.answered_at = answer_in.map(|d| report.created_at + d);
    change.answer = answer_in.map(|_| "Xong".to_owned());
    change.rating = rating;
    store.apply_report_change(&admin(), change).await.unwrap()
}

#[tokio::test]
async fn an_idempotency_key_files_one_report_and_a_failed_send_frees_it() {
    let store = fresh_store().await;
    setup(&store).await;
    let first = store.create_report_once(&admin(), new_report("19753", 16.47), Some("draft-7")).await.unwrap();
    let again = store.create_report_once(&admin(), new_report("19753", 16.47), Some("draft-7")).await.unwrap();
    assert!(first.created && !again.created);
    assert_eq!(first.report.id, again.report.id);
    let mut broken = new_report("19753", 16.47);
    broken.service_code = "NOPE".to_owned();
    assert!(store.create_report_once(&admin(), broken, Some("draft-8")).await.is_err());
    let retried = store.create_report_once(&admin(), new_report("19753", 16.47), Some("draft-8")).await.unwrap();
    assert!(retried.created, "a send that failed does not hold its key");
}

#[tokio::test]
async fn supports_count_once_per_person() {
    let store = fresh_store().await;
    setup(&store).await;
    let r = store.create_report(&admin(), new_report("19753", 16.47)).await.unwrap();
    assert!(store.support_report(r.id, "account:a").await.unwrap());
    assert!(!store.support_report(r.id, "account:a").await.unwrap());
    assert!(store.support_report(r.id, "browser:b").await.unwrap());
    assert_eq!(store.report_support_counts(&[r.id]).await.unwrap().get(&r.id), Some(&2));
}

#[tokio::test]
async fn listings_filter_by_unit_ward_deadline_and_rating_and_statistics_count_per_unit() {
    let store = fresh_store().await;
    setup(&store).await;
    let a = store.create_report(&admin(), new_report("19753", 16.47)).await.unwrap();
    let b = store.create_report(&admin(), new_report("19789", 16.45)).await.unwrap();
    let c = store.create_report(&admin(), new_report("19789", 16.45)).await.unwrap();
    let _unrouted = store.create_report(&admin(), new_report("19789", 16.45)).await.unwrap();
    handled(&store, &a, "19753", Duration::days(7), Some(Duration::hours(2)), Some(Rating::Satisfied)).await;
    handled(&store, &b, "19789", Duration::days(7), Some(Duration::days(9)), Some(Rating::Dissatisfied)).await;
    handled(&store, &c, "19789", Duration::seconds(-60), None, None).await;

    let q = |query: ReportQuery| {
        let store = store.clone();
        async move {
            let mut ids: Vec<_> = store
                .report_listing(&ReportQuery { limit: 100, ..query })
                .await
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect();
            ids.sort();
            ids
        }
    };
    let mut bc = vec![b.id, c.id];
    bc.sort();
    assert_eq!(q(ReportQuery { handling_units: vec!["19789".into()], ..Default::default() }).await, bc);
    assert_eq!(q(ReportQuery { ward_codes: vec!["19753".into()], ..Default::default() }).await, vec![a.id]);
    assert_eq!(q(ReportQuery { due_before: Some(chrono::Utc::now()), ..Default::default() }).await, vec![c.id]);
    assert_eq!(q(ReportQuery { rating: Some(Rating::Dissatisfied), ..Default::default() }).await, vec![b.id]);
    assert_eq!(q(ReportQuery { statuses: vec![ReportStatus::InProgress], ..Default::default() }).await, vec![c.id]);

    let from = chrono::Utc::now() - Duration::days(1);
    let stats = store.unit_report_stats(from, chrono::Utc::now() + Duration::days(1)).await.unwrap();
    assert_eq!(stats.len(), 2, "unrouted reports belong to no unit");
    let (phu_xuan, thuan_hoa) = (&stats[0], &stats[1]);
    assert_eq!(
        (phu_xuan.unit_code.as_str(), phu_xuan.received, phu_xuan.processed, phu_xuan.on_time),
        ("19753", 1, 1, 1)
    );
    assert!((phu_xuan.average_seconds.unwrap() - 7200.0).abs() < 1.0, "{:?}", phu_xuan.average_seconds);
    assert_eq!((phu_xuan.rated, phu_xuan.content), (1, 1));
    assert_eq!((thuan_hoa.received, thuan_hoa.processed, thuan_hoa.on_time), (2, 1, 0));
    assert_eq!((thuan_hoa.rated, thuan_hoa.content), (1, 0));
    assert!(store.unit_report_stats(from - Duration::days(9), from).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_deadline_reminder_is_enqueued_once_per_deadline_and_unit_staff_are_found() {
    let store = fresh_store().await;
    setup(&store).await;
    let r = store.create_report(&admin(), new_report("19753", 16.47)).await.unwrap();
    let r = handled(&store, &r, "19753", Duration::seconds(-60), None, None).await;
    let before = store.pending_events(100).await.unwrap().len();
    let due = store.reports_needing_reminder("overdue", chrono::Utc::now(), 10).await.unwrap();
    assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), vec![r.id]);
    assert!(store.record_report_reminder(&r, "overdue", "report.overdue", &json!({"report_id": r.id})).await.unwrap());
    assert!(!store.record_report_reminder(&r, "overdue", "report.overdue", &json!({"report_id": r.id})).await.unwrap());
    assert_eq!(store.pending_events(100).await.unwrap().len(), before + 1);
    assert!(store.reports_needing_reminder("overdue", chrono::Utc::now(), 10).await.unwrap().is_empty());

    store.set_report_agency(&admin(), AgencyKind::Lighting, "46.SYT").await.unwrap();
    store.set_report_agency(&admin(), AgencyKind::Lighting, "19753").await.unwrap();
    assert_eq!(store.report_agencies().await.unwrap().get(&AgencyKind::Lighting).map(String::as_str), Some("19753"));
    assert!(store.staff_emails("19753", &[Role::UnitLeader]).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_category_changes_only_on_the_report_that_was_read() {
    let store = fresh_store().await;
    setup(&store).await;
    let r = store.create_report(&admin(), new_report("19753", 16.47)).await.unwrap();
    let changed = store.change_report_category(&AuditContext::system("ioc"), &r, "CS", None).await.unwrap();
    assert_eq!(changed.service_code, "CS");
    assert!(store.report_events(r.id).await.unwrap().iter().any(|e| e.action == "recategorise"));
    let stale = store.change_report_category(&admin(), &r, "GT", None).await;
    assert!(matches!(stale, Err(StoreError::Conflict { constraint }) if constraint == "report_changed"));
}
