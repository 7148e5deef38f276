//! `transparency`: the reads behind the public figures: the report tallies per handling unit and month (rejected,
//! finished, on time, ratings, handling-time bands), the open reports past their deadline, the public points of
//! the report map, and hourly means and daily highs of sensor readings, identical on both engines.

use chrono::{Duration, Months, TimeZone, Utc};
use serde_json::json;
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::reports::{RejectReason, ReportStatus};
use smartcity_store::dossier_rollups::month_of;
use smartcity_store::report_rollups::{ReportRollupStore, UNROUTED};
use smartcity_store::reports::{NewReport, NewReportEvent, ReportChange, ReportStore, Reporter};
use smartcity_store::sensing::{NewObservation, SensingStore};
use smartcity_store::testing::fresh_store;
use smartcity_store::{Store, TransparencyStore};

use crate::{FEEDBACK_CATEGORIES, admin, seed_hue};

/// A report in `ward`, routed to `unit` with a deadline `due_in` after sending, in `status`, answered `answer_in`
/// after sending and rated when given.
async fn report(
    store: &Store,
    unit: Option<&str>,
    status: ReportStatus,
    due_in: Duration,
    answer_in: Option<Duration>,
    rating: Option<Rating>,
) {
    let r = store
        .create_report(
            &admin(),
            NewReport {
                service_code: "MT".to_owned(),
                description: "Rác".to_owned(),
                location: GeoPoint { lat: 16.46, lon: 107.58 },
                address: None,
                ward_code: Some("19753".to_owned()),
                handling_unit_code: None,
                reporter: Reporter { name: Some("Trần Thị Bình".to_owned()), ..Default::default() },
                api_key_id: None,
                photos: vec![],
            },
        )
        .await
        .unwrap();
    let mut change = ReportChange::from_report(&r, status, NewReportEvent { action: "t".into(), ..Default::default() });
    change.handling_unit_code = unit.map(str::to_owned);
    change.due_at = unit.map(|_| r.created_at + due_in);
    change.answered_at = answer_in.map(|d| r.created_at + d);
    change.answer = answer_in.map(|_| "Xong".to_owned());
    change.rating = rating;
    store.apply_report_change(&admin(), change).await.unwrap();
}

#[tokio::test]
async fn report_tallies_group_by_unit_and_month_and_histograms_by_handling_band() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    store.load_report_categories_json(&admin(), FEEDBACK_CATEGORIES).await.unwrap();
    let week = Duration::days(7);
    let answered = ReportStatus::Answered;
    report(&store, Some("19753"), answered, week, Some(Duration::minutes(150)), Some(Rating::Satisfied)).await;
    report(&store, Some("19753"), ReportStatus::Closed, week, Some(Duration::days(9)), Some(Rating::Acceptable)).await;
    report(&store, Some("19789"), ReportStatus::InProgress, Duration::seconds(-60), None, None).await;
    report(&store, Some("19789"), answered, week, Some(Duration::hours(30)), Some(Rating::Dissatisfied)).await;
    report(&store, None, ReportStatus::Submitted, week, None, None).await;
    report(&store, None, ReportStatus::Rejected(RejectReason::Duplicate), week, None, None).await;

    let now = Utc::now();
    let bounds = [now - Duration::days(2), now - Duration::days(1), now + Duration::hours(1)];
    let today = now.with_timezone(&smartcity_domain::time::TZ).date_naive();
    let first = month_of(today);
    let last = first.checked_add_months(Months::new(1)).unwrap().pred_opt().unwrap();
    // The day alone reads the daily tallies, its whole month the monthly ones: the same figures.
    for (from, to) in [(today, today), (first, last)] {
        let tallies = store.report_tallies(from, to).await.unwrap();
        assert_eq!(tallies.len(), 3, "three handling units ('' = not routed): {tallies:?}");
        let of = |u: &str| {
            let t = &tallies[u];
            assert_eq!(t.months.keys().copied().collect::<Vec<_>>(), vec![first], "one month bucket");
            (t.months[&first], t.hours.clone())
        };
        let (px, px_hours) = of("19753");
        assert_eq!((px.received, px.processed, px.on_time, px.overdue_open), (2, 2, 1, 0));
        assert_eq!((px.rated, px.satisfied, px.acceptable, px.dissatisfied), (2, 1, 1, 0));
        // 2 h 30 min and 216 h (the 6-hour band 216–221 h): the median is the mean of their middles.
        assert_eq!((px_hours.count(), px_hours.median_hours()), (2, Some(110.8)));
        let (th, th_hours) = of("19789");
        assert_eq!((th.received, th.processed, th.on_time, th.dissatisfied), (2, 1, 1, 1));
        assert_eq!(th_hours.median_hours(), Some(30.5));
        let (unrouted, _) = of(UNROUTED);
        assert_eq!((unrouted.received, unrouted.rejected, unrouted.processed), (1, 1, 0));
    }
    let yesterday = today.pred_opt().unwrap();
    assert!(store.report_tallies(yesterday, yesterday).await.unwrap().is_empty(), "nothing sent yesterday");
    assert!(store.report_tallies(today, yesterday).await.unwrap().is_empty(), "an empty period");

    // Open past the deadline: counted at the moment asked, by unit and bucket.
    let overdue = store.overdue_open_reports(&bounds, now).await.unwrap();
    assert_eq!(overdue, vec![(Some("19789".to_owned()), 1, 1)]);
    assert!(store.overdue_open_reports(&bounds, now - Duration::hours(1)).await.unwrap().is_empty(), "not due yet");
    assert!(store.overdue_open_reports(&bounds[..1], now).await.unwrap().is_empty(), "one bound is no bucket");
    assert_eq!(store.stored_report_rollups().await.unwrap(), store.recomputed_report_rollups().await.unwrap());

    let points = store.report_points(bounds[0], bounds[2], &[], 100).await.unwrap();
    assert_eq!(points.len(), 5, "rejected reports are not on the map");
    let th_points = store.report_points(bounds[0], bounds[2], &["19789".to_owned()], 100).await.unwrap();
    assert_eq!(th_points.len(), 2);
    assert!(th_points.iter().all(|p| p.handling_unit_code.as_deref() == Some("19789")));
    assert_eq!(store.report_points(bounds[0], bounds[2], &[], 1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn hourly_means_and_daily_highs_are_aggregated_in_the_database() {
    let store = fresh_store().await;
    let ds = crate::sensing::kim_long(&store).await[4];
    // 2026-03-01 16:00 UTC = 23:00 in Huế; readings every 20 minutes for three hours.
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap();
    let rows: Vec<NewObservation> = (0..9)
        .map(|i| NewObservation::new(ds, start + Duration::minutes(20 * i), &json!(1.0 + i as f64 * 0.1)))
        .collect();
    store.insert_observations(&rows).await.unwrap();
    let end = start + Duration::hours(3);
    let means = store.hourly_means(&[ds], start, end).await.unwrap();
    let got: Vec<(i64, String, f64)> =
        means.iter().map(|(d, t, v)| (*d, t.to_rfc3339(), (v * 100.0).round() / 100.0)).collect();
    assert_eq!(
        got,
        vec![
            (ds, "2026-03-01T16:00:00+00:00".to_owned(), 1.1),
            (ds, "2026-03-01T17:00:00+00:00".to_owned(), 1.4),
            (ds, "2026-03-01T18:00:00+00:00".to_owned(), 1.7),
        ]
    );
    // Local days start at 17:00 UTC: the 16:00 hour belongs to 1 March, the rest to 2 March.
    let highs = store.daily_highs(&[ds], start, end, 7 * 3600).await.unwrap();
    let got: Vec<(String, f64)> = highs.iter().map(|(_, t, v)| (t.to_rfc3339(), (v * 100.0).round() / 100.0)).collect();
    assert_eq!(
        got,
        vec![("2026-02-28T17:00:00+00:00".to_owned(), 1.2), ("2026-03-01T17:00:00+00:00".to_owned(), 1.8),]
    );
    assert!(store.hourly_means(&[], start, end).await.unwrap().is_empty());
    assert!(store.daily_highs(&[ds + 999], start, end, 0).await.unwrap().is_empty());
}
