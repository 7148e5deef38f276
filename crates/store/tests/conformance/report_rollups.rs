//! `report_rollups`: the running tallies of field reports behind the transparency pages always equal a
//! recomputation from the reports, whatever sequence of writes reached them — submissions, routing, transfers,
//! deadline extensions, answers, ratings, reopening, rejections, the bulk generator — and a rebuild gives the
//! same rows.

use chrono::{Duration, Utc};
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::reports::{RejectReason, ReportStatus};
use smartcity_store::Store;
use smartcity_store::report_rollups::ReportRollupStore;
use smartcity_store::reports::{NewReport, NewReportEvent, Report, ReportChange, ReportMedia, ReportStore, Reporter};
use smartcity_store::reports_bulk::{BulkEvent, BulkReport, ReportBulkStore};
use smartcity_store::testing::fresh_store;
use uuid::Uuid;

use crate::{FEEDBACK_CATEGORIES, admin, seed_hue};

async fn assert_tallies_match(store: &Store, when: &str) {
    let stored = store.stored_report_rollups().await.unwrap();
    assert_eq!(stored, store.recomputed_report_rollups().await.unwrap(), "tallies after {when}");
}

async fn submit(store: &Store) -> Report {
    store
        .create_report(
            &admin(),
            NewReport {
                service_code: "MT".to_owned(),
                description: "Rác thải".to_owned(),
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
        .unwrap()
}

/// A tiny deterministic generator (xorshift), so the sequence is random-looking yet the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test]
async fn every_report_write_keeps_the_tallies_equal_to_a_recomputation() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    store.load_report_categories_json(&admin(), FEEDBACK_CATEGORIES).await.unwrap();
    let mut reports = Vec::new();
    for _ in 0..4 {
        reports.push(submit(&store).await);
    }
    assert_tallies_match(&store, "submissions").await;
    assert!(!store.stored_report_rollups().await.unwrap().daily.is_empty(), "submissions are tallied");

    // A random walk of handling actions over the four reports: each changes what the tallies hold.
    let units = [None, Some("19753"), Some("19789"), Some("46.SYT")];
    let statuses = [
        ReportStatus::Verified,
        ReportStatus::Assigned,
        ReportStatus::InProgress,
        ReportStatus::Extended,
        ReportStatus::Transferred,
        ReportStatus::Answered,
        ReportStatus::Reopened,
        ReportStatus::Closed,
        ReportStatus::Rejected(RejectReason::Duplicate),
    ];
    let ratings = [None, Some(Rating::Satisfied), Some(Rating::Acceptable), Some(Rating::Dissatisfied)];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for step in 0..40 {
        let i = usize::try_from(rng.below(reports.len() as u64)).unwrap();
        let r = &reports[i];
        let status = statuses[usize::try_from(rng.below(statuses.len() as u64)).unwrap()];
        let mut change =
            ReportChange::from_report(r, status, NewReportEvent { action: "t".into(), ..Default::default() });
        change.handling_unit_code = units[usize::try_from(rng.below(4)).unwrap()].map(str::to_owned);
        change.due_at = Some(r.created_at + Duration::hours(i64::try_from(rng.below(300)).unwrap() - 50));
        let answered = matches!(status, ReportStatus::Answered | ReportStatus::Closed) || rng.below(4) == 0;
        change.answered_at = answered.then(|| r.created_at + Duration::hours(i64::try_from(rng.below(2000)).unwrap()));
        change.rating = ratings[usize::try_from(rng.below(4)).unwrap()];
        reports[i] = store.apply_report_change(&admin(), change).await.unwrap();
        assert_tallies_match(&store, &format!("step {step} ({status})")).await;
    }

    // A change refused because someone acted first moves nothing.
    let stale = ReportChange::from_report(
        &Report { updated_at: reports[0].updated_at - Duration::seconds(5), ..reports[0].clone() },
        ReportStatus::Closed,
        NewReportEvent { action: "t".into(), ..Default::default() },
    );
    let before = store.stored_report_rollups().await.unwrap();
    assert!(store.apply_report_change(&admin(), stale).await.is_err());
    assert_eq!(store.stored_report_rollups().await.unwrap(), before, "a refused change moves nothing");

    // The generator's reports, sent over the last 90 days (several months), land in the same tallies.
    let now = Utc::now();
    let bulk: Vec<BulkReport> = (0..30i64)
        .map(|k| {
            let created_at = now - Duration::days(3 * k) - Duration::minutes(k);
            let status =
                [ReportStatus::Closed, ReportStatus::InProgress, ReportStatus::Rejected(RejectReason::Invalid)]
                    [usize::try_from(k % 3).unwrap()];
            let answered_at = (status == ReportStatus::Closed).then(|| created_at + Duration::hours(k * 7));
            BulkReport {
                report: Report {
                    id: Uuid::now_v7(),
                    service_code: "MT".to_owned(),
                    description: "Sinh tự động".to_owned(),
                    lat: 16.46,
                    lon: 107.58,
                    address: None,
                    ward_code: Some("19753".to_owned()),
                    handling_unit_code: (k % 4 != 0).then(|| "19753".to_owned()),
                    status,
                    reporter: Reporter::default(),
                    api_key_id: None,
                    due_at: Some(created_at + Duration::days(5)),
                    answered_at,
                    answer: answered_at.map(|_| "Xong".to_owned()),
                    rating: answered_at.and(ratings[usize::try_from(k % 4).unwrap()]),
                    duplicate_of: None,
                    media: ReportMedia::default(),
                    created_at,
                    updated_at: created_at,
                },
                events: vec![BulkEvent {
                    at: created_at,
                    action: "submit".to_owned(),
                    from_status: None,
                    to_status: ReportStatus::Submitted,
                    to_unit: None,
                    public_note: String::new(),
                }],
            }
        })
        .collect();
    assert_eq!(store.insert_reports_bulk(&admin(), &bulk).await.unwrap(), 30);
    assert_tallies_match(&store, "the bulk generator").await;
    assert!(store.stored_report_rollups().await.unwrap().monthly.len() >= 3, "several months are tallied");

    // A rebuild (an import, a database from before the tallies) gives the very same rows.
    let kept = store.stored_report_rollups().await.unwrap();
    store.rebuild_report_rollups().await.unwrap();
    assert_eq!(store.stored_report_rollups().await.unwrap(), kept, "a rebuild changes nothing");
}
