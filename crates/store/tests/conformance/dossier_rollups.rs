//! `dossier_rollups`: the running tallies behind the QĐ 766 indices and the operations centre always equal a
//! recomputation from the dossiers, whatever sequence of writes reached them — submissions, workflow changes,
//! supplements, extensions, results and ratings, exemptions, fee changes, online payments, calendar changes —
//! and a rebuild gives the same rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;
use smartcity_domain::calendar::DayAdjustment;
use smartcity_domain::dossiers::{DossierStatus, Rating};
use smartcity_domain::indices::counts::{IndexCounts, indicators_from_counts};
use smartcity_domain::payments::{CollectAt, Exemption, FeeKind, FeeSpec, PaymentEvent, PaymentMethod, PaymentStatus};
use smartcity_store::dossier_rollups::{DossierRollupStore, month_of};
use smartcity_store::dossiers::{Dossier, DossierChange, DossierStore, NewDossierEvent};
use smartcity_store::payments::{NewPayment, NewReceiptSeries, PaymentStore, ReceiptIssue, SettleOutcome, Settlement};
use smartcity_store::testing::fresh_store;
use smartcity_store::{CalendarStore, Store};

use crate::{admin, counter_dossier, create_khai_sinh, day, morning_of, online_dossier, register_an, seed_hue};

fn charge(key: &str, amount: i64) -> FeeSpec {
    FeeSpec {
        key: key.to_owned(),
        kind: FeeKind::Charge,
        name_vi: format!("Lệ phí {key}"),
        name_en: format!("Charge {key}"),
        amount_vnd: amount,
        collect_at: CollectAt::Reception,
        before_processing: false,
    }
}

/// `dossier` moved to `status` with `edit` applied to its state, as the workflow would hand it over.
async fn change(
    store: &Store,
    dossier: &Dossier,
    status: DossierStatus,
    edit: impl FnOnce(&mut smartcity_store::dossiers::DossierState),
) -> Dossier {
    let mut state = dossier.state.clone();
    edit(&mut state);
    let change = DossierChange {
        dossier_id: dossier.id,
        expected_updated_at: dossier.updated_at,
        status,
        current_unit_code: dossier.current_unit_code.clone(),
        state,
        event: NewDossierEvent { action: status.as_str().to_owned(), details: json!({}), ..Default::default() },
        documents: vec![],
        notify: None,
    };
    store.apply_dossier_change(&admin(), change).await.unwrap()
}

/// The stored daily and monthly tallies must equal the recomputation from the dossiers.
async fn assert_tallies_match(store: &Store, when: &str) {
    let recomputed = store.recomputed_dossier_rollups().await.unwrap();
    assert_eq!(store.stored_dossier_rollups().await.unwrap(), recomputed, "daily tallies after {when}");
    let mut by_month: BTreeMap<(String, NaiveDate), IndexCounts> = BTreeMap::new();
    for ((unit, d), c) in &recomputed {
        by_month.entry((unit.clone(), month_of(*d))).or_default().add_scaled(c, 1);
    }
    by_month.retain(|_, c| !c.is_zero());
    assert_eq!(store.stored_monthly_dossier_rollups().await.unwrap(), by_month, "monthly tallies after {when}");
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

#[tokio::test]
async fn tallies_equal_a_recomputation_after_a_mixed_sequence_of_writes() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let procedure = create_khai_sinh(&store).await;
    let an = register_an(&store).await;
    assert_tallies_match(&store, "nothing").await;

    // Online and counter submissions over two months.
    let online = store
        .submit_dossier(&admin(), online_dossier(&procedure, &an, day(2026, 3, 2)), morning_of(day(2026, 3, 2)))
        .await
        .unwrap();
    let counter = store
        .submit_dossier(
            &admin(),
            counter_dossier(&procedure, "H57.19789", "19789", day(2026, 3, 30)),
            morning_of(day(2026, 3, 30)),
        )
        .await
        .unwrap();
    let late = store
        .submit_dossier(
            &admin(),
            counter_dossier(&procedure, "H57.19753", "19753", day(2026, 2, 27)),
            morning_of(day(2026, 2, 27)),
        )
        .await
        .unwrap();
    assert_tallies_match(&store, "submissions").await;
    assert!(!store.stored_dossier_rollups().await.unwrap().is_empty(), "submissions are tallied");

    // Acceptance with an appointment, a supplement pause and its completion, an extension (form 04).
    let accept = |d: &Dossier, t: DateTime<Utc>, days: i64| {
        let d = d.clone();
        let store = &store;
        async move {
            change(store, &d, DossierStatus::Accepted, |s| {
                s.accepted_at = Some(t);
                s.due_at = Some(t + Duration::days(days));
                s.original_due_at = s.due_at;
                s.step_started_at = Some(t);
            })
            .await
        }
    };
    let online = accept(&online, at(2026, 3, 2, 4), 5).await;
    let counter = accept(&counter, at(2026, 3, 30, 3), 3).await;
    let late = accept(&late, at(2026, 2, 27, 3), 2).await;
    assert_tallies_match(&store, "acceptance").await;
    let online = change(&store, &online, DossierStatus::SupplementRequested, |s| {
        s.supplement_requests = 1;
        s.paused_at = Some(at(2026, 3, 4, 2));
        s.status_before_pause = Some(DossierStatus::Accepted);
    })
    .await;
    assert_tallies_match(&store, "a supplement request").await;
    let online = change(&store, &online, DossierStatus::Processing, |s| {
        s.paused_seconds = (at(2026, 3, 6, 2) - at(2026, 3, 4, 2)).num_seconds();
        s.paused_at = None;
        s.due_at = s.due_at.map(|d| d + Duration::days(2));
        s.status_before_pause = None;
    })
    .await;
    let counter = change(&store, &counter, DossierStatus::Processing, |s| {
        s.due_at = s.due_at.map(|d| d + Duration::days(4));
    })
    .await;
    assert_tallies_match(&store, "a completed supplement and an extension").await;

    // Results: one on time with an e-result and a rating, one late; a refusal and a withdrawal.
    let online = change(&store, &online, DossierStatus::Processed, |s| {
        s.finished_at = Some(at(2026, 3, 9, 2));
        s.has_e_result = true;
    })
    .await;
    let online = change(&store, &online, DossierStatus::ResultReturned, |s| {
        s.returned_at = Some(at(2026, 3, 10, 2));
    })
    .await;
    let online = change(&store, &online, DossierStatus::ResultReturned, |s| {
        s.rating = Some(Rating::Dissatisfied);
        s.rated_at = Some(at(2026, 3, 11, 2));
    })
    .await;
    let _late = change(&store, &late, DossierStatus::Processed, |s| s.finished_at = Some(at(2026, 3, 12, 8))).await;
    let refused = store
        .submit_dossier(
            &admin(),
            counter_dossier(&procedure, "H57.19753", "19753", day(2026, 4, 1)),
            morning_of(day(2026, 4, 1)),
        )
        .await
        .unwrap();
    change(&store, &refused, DossierStatus::Refused, |s| s.finished_at = Some(at(2026, 4, 1, 5))).await;
    let _withdrawn =
        change(&store, &counter, DossierStatus::Withdrawn, |s| s.finished_at = Some(at(2026, 4, 2, 5))).await;
    assert_tallies_match(&store, "results, a refusal and a withdrawal").await;

    // Fees: the version gets two charges; one is waived for a dossier; the other is paid online.
    store
        .set_procedure_fees(&admin(), procedure.id, vec![charge("le_phi", 8_000), charge("ban_sao", 2_000)])
        .await
        .unwrap();
    assert_tallies_match(&store, "new fees of the version").await;
    let fresh = store
        .submit_dossier(&admin(), online_dossier(&procedure, &an, day(2026, 4, 6)), morning_of(day(2026, 4, 6)))
        .await
        .unwrap();
    // Waiving every fee of a dossier means it owes nothing any more.
    for key in ["le_phi", "ban_sao"] {
        store
            .exempt_fee(
                &admin(),
                online.id,
                key,
                Exemption { reason: "Hộ nghèo".to_owned(), approved_by: "Trưởng bộ phận".to_owned() },
                None,
            )
            .await
            .unwrap();
        assert_tallies_match(&store, "an exemption").await;
    }
    let series = store
        .create_receipt_series(
            &admin(),
            NewReceiptSeries {
                unit_code: "19753".to_owned(),
                template_symbol: "01blp0-001".to_owned(),
                series_symbol: "AA/26E".to_owned(),
                collector_name: "UBND Phường Phú Xuân".to_owned(),
                collector_tax_code: "3300101406".to_owned(),
            },
        )
        .await
        .unwrap();
    let (payment, _) = store
        .open_online_payment(
            &admin(),
            NewPayment {
                dossier_id: fresh.id,
                fee: charge("le_phi", 8_000),
                method: PaymentMethod::Vnpay,
                payer_name: fresh.applicant_name.clone(),
                created_by: fresh.applicant_id,
                expires_at: Utc::now() + Duration::minutes(15),
            },
        )
        .await
        .unwrap();
    let settled = store
        .settle_payment(
            &admin(),
            Settlement {
                payment_id: payment.id,
                event: PaymentEvent::Confirmed,
                gateway_txn_no: Some("14000001".to_owned()),
                bank_code: Some("NCB".to_owned()),
                rsp_code: Some("00".to_owned()),
                details: json!({}),
                receipt: Some(ReceiptIssue { series_id: series.id, issued_by_name: "Cổng".to_owned() }),
                dossier_change: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(settled, SettleOutcome::Applied { ref payment, .. } if payment.status == PaymentStatus::Paid));
    assert_tallies_match(&store, "an online payment").await;

    // A compensatory day off inside the late dossier's processing changes its working days.
    store
        .set_day_adjustment(&admin(), &DayAdjustment::DayOff { date: day(2026, 3, 10), reason: "Nghỉ bù".to_owned() })
        .await
        .unwrap();
    assert_tallies_match(&store, "a calendar adjustment").await;
    store.remove_day_adjustment(&admin(), day(2026, 3, 10)).await.unwrap();
    assert_tallies_match(&store, "a removed adjustment").await;

    // The indicators of March read from the tallies match what the dossiers say: the supplement-paused
    // online dossier is on time, the February one is late, the withdrawn one does not count.
    let tallies = store.dossier_tallies(day(2026, 3, 1), day(2026, 3, 31)).await.unwrap();
    let mut march = smartcity_domain::indices::counts::PeriodCounts::default();
    for t in tallies.values() {
        march.add(&t.period());
    }
    let on_time = indicators_from_counts(&march).into_iter().find(|i| i.id == "2.1").unwrap();
    assert_eq!((on_time.numerator, on_time.denominator), (1.0, 2), "{on_time:?}");
    assert_eq!(march.dossiers(), 3);

    // A rebuild from scratch gives the same rows.
    let before = store.stored_dossier_rollups().await.unwrap();
    store.rebuild_dossier_rollups().await.unwrap();
    assert_eq!(store.stored_dossier_rollups().await.unwrap(), before);
    assert_tallies_match(&store, "a rebuild").await;
}
