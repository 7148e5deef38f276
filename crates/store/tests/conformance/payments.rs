//! `payments`: what the gateway callback, the desk and the receipt pages rely on — receipt numbers with no gaps
//! and no duplicates under concurrency, settlements that happen once, one open order per fee, immutable
//! receipts, refunds as adjusting receipts, expiry, and the dossier moved on in the payment's transaction.

use chrono::{Duration, Utc};
use serde_json::json;
use smartcity_domain::dossiers::DossierStatus;
use smartcity_domain::payments::{
    CollectAt, Exemption, FeeKind, FeeSpec, PaymentEvent, PaymentMethod, PaymentStatus, VerificationCode,
};
use smartcity_store::dossiers::{Dossier, DossierChange, DossierStore, NewDossierEvent};
use smartcity_store::payments::{
    NewPayment, NewReceiptSeries, NewRefund, NewReplacement, Payment, PaymentStore, ReceiptIssue, ReceiptSeries,
    RefusedCall, SettleOutcome, Settlement,
};
use smartcity_store::procedures::Procedure;
use smartcity_store::testing::fresh_store;
use smartcity_store::{AuditContext, AuditStore, Store, StoreError};

use crate::{admin, create_khai_sinh, day, morning_of, online_dossier, register_an, row_counts, seed_hue};

fn fee(key: &str, amount: i64) -> FeeSpec {
    FeeSpec {
        key: key.to_owned(),
        kind: FeeKind::Charge,
        name_vi: format!("Lệ phí {key}"),
        name_en: format!("Charge {key}"),
        amount_vnd: amount,
        collect_at: CollectAt::Reception,
        before_processing: true,
    }
}

/// Huế, the birth registration procedure, An's online dossier and a receipt series for ward 19753.
async fn setup(store: &Store) -> (Procedure, Dossier, ReceiptSeries) {
    seed_hue(store).await;
    let procedure = create_khai_sinh(store).await;
    let an = register_an(store).await;
    let dossier = store
        .submit_dossier(&admin(), online_dossier(&procedure, &an, day(2026, 3, 2)), morning_of(day(2026, 3, 2)))
        .await
        .unwrap();
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
    (procedure, dossier, series)
}

fn new_payment(dossier: &Dossier, fee: FeeSpec, method: PaymentMethod) -> NewPayment {
    NewPayment {
        dossier_id: dossier.id,
        fee,
        method,
        payer_name: dossier.applicant_name.clone(),
        created_by: dossier.applicant_id,
        expires_at: Utc::now() + Duration::minutes(15),
    }
}

fn refused(txn_ref: &str, payment: Option<(uuid::Uuid, PaymentStatus)>, rsp_code: &str) -> RefusedCall {
    RefusedCall {
        ctx: AuditContext { actor: Some("gateway:vnpay".to_owned()), ip: None },
        txn_ref: txn_ref.to_owned(),
        payment,
        rsp_code: rsp_code.to_owned(),
        details: json!({"vnp_TxnRef": txn_ref}),
    }
}

fn issue(series: &ReceiptSeries) -> ReceiptIssue {
    ReceiptIssue { series_id: series.id, issued_by_name: "Cổng dịch vụ công".to_owned() }
}

fn confirm(payment: &Payment, series: &ReceiptSeries) -> Settlement {
    Settlement {
        payment_id: payment.id,
        event: PaymentEvent::Confirmed,
        gateway_txn_no: Some("14000001".to_owned()),
        bank_code: Some("NCB".to_owned()),
        rsp_code: Some("00".to_owned()),
        details: json!({"vnp_TxnRef": payment.txn_ref}),
        receipt: Some(issue(series)),
        dossier_change: None,
    }
}

#[tokio::test]
async fn series_symbols_are_checked_and_fees_fall_back_to_the_catalogue_amount() {
    let store = fresh_store().await;
    let (procedure, _, series) = setup(&store).await;
    assert_eq!((series.template_symbol.as_str(), series.slug.as_str()), ("01BLP0-001", "AA-26E"));
    assert_eq!(
        store.receipt_series_for(&["19789".into(), "19753".into()]).await.unwrap().map(|s| s.id),
        Some(series.id)
    );

    // No fee rows and no catalogue fee: nothing to pay.
    assert!(store.procedure_fees(&procedure).await.unwrap().is_empty());
    store
        .set_procedure_fees(&admin(), procedure.id, vec![fee("le_phi", 8_000), fee("phi_ban_sao", 3_000)])
        .await
        .unwrap();
    let fees = store.procedure_fees(&procedure).await.unwrap();
    assert_eq!(
        fees.iter().map(|f| (f.key.as_str(), f.amount_vnd)).collect::<Vec<_>>(),
        [("le_phi", 8_000), ("phi_ban_sao", 3_000)]
    );
    let bad = store.set_procedure_fees(&admin(), procedure.id, vec![fee("le_phi", 0)]).await;
    assert!(matches!(bad, Err(StoreError::Invalid(e)) if e.code == "amount_not_positive"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_payments_get_receipt_numbers_one_to_fifty() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;

    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = store.store();
        let dossier = dossier.clone();
        let series = series.clone();
        tasks.push(tokio::spawn(async move {
            let fee = fee(&format!("phi_{i}"), 1_000 + i);
            if i % 2 == 0 {
                let (payment, _) =
                    store.open_online_payment(&admin(), new_payment(&dossier, fee, PaymentMethod::Vnpay)).await?;
                match store.settle_payment(&admin(), confirm(&payment, &series)).await? {
                    SettleOutcome::Applied { receipt, .. } => Ok::<_, StoreError>(receipt.unwrap().number),
                    SettleOutcome::AlreadySettled(_) => panic!("settled twice"),
                }
            } else {
                let (_, receipt) = store
                    .record_counter_payment(
                        &admin(),
                        new_payment(&dossier, fee, PaymentMethod::Cash),
                        issue(&series),
                        None,
                    )
                    .await?;
                Ok(receipt.number)
            }
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=50).collect::<Vec<i64>>());
    let receipts = store.receipts_of_dossier(dossier.id).await.unwrap();
    assert_eq!(receipts.len(), 50);
    let mut codes: Vec<_> = receipts.iter().map(|r| r.verification_code.clone()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 50);
    assert_eq!(store.receipt_series_for(&["19753".into()]).await.unwrap().unwrap().last_number, 50);
    assert_eq!(store.verify_audit().await.unwrap().map(|n| n > 75), Ok(true));
}

#[tokio::test]
async fn a_confirmation_pays_once_and_a_repeat_writes_nothing() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let (payment, new) = store
        .open_online_payment(&admin(), new_payment(&dossier, fee("le_phi", 150_000), PaymentMethod::Vnpay))
        .await
        .unwrap();
    assert!(new);
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(payment.txn_ref.len(), 32);

    let SettleOutcome::Applied { payment: paid, receipt: Some(receipt) } =
        store.settle_payment(&admin(), confirm(&payment, &series)).await.unwrap()
    else {
        panic!("first confirmation must apply");
    };
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(paid.gateway_txn_no.as_deref(), Some("14000001"));
    assert!(paid.paid_at.is_some());
    assert_eq!((receipt.number, receipt.number_text().as_str()), (1, "0000001"));
    assert_eq!(receipt.amount_words, "Một trăm năm mươi nghìn đồng");
    assert_eq!(receipt.dossier_code, dossier.code);
    assert_eq!(receipt.payer_id_number.as_deref(), Some("046090001234"));
    assert_eq!(receipt.collector_tax_code, "3300101406");
    assert_eq!(receipt.procedure_name, "Đăng ký khai sinh");

    let before = row_counts(&store).await;
    let again = store.settle_payment(&admin(), confirm(&payment, &series)).await.unwrap();
    assert!(matches!(again, SettleOutcome::AlreadySettled(p) if p.status == PaymentStatus::Paid));
    assert_eq!(row_counts(&store).await, before);

    // Reads by number (symbol or slug) and by verification code.
    assert_eq!(store.receipt_by_number("AA-26E", 1).await.unwrap().map(|r| r.id), Some(receipt.id));
    assert_eq!(store.receipt_by_number("aa/26e", 1).await.unwrap().map(|r| r.id), Some(receipt.id));
    let code = VerificationCode::parse(&receipt.verification_code.to_lowercase()).unwrap();
    assert_eq!(store.receipt_by_code(&code).await.unwrap().map(|r| r.id), Some(receipt.id));
    // Paying the same fee again is refused.
    let twice =
        store.open_online_payment(&admin(), new_payment(&dossier, fee("le_phi", 150_000), PaymentMethod::Vnpay)).await;
    assert!(matches!(twice, Err(StoreError::Invalid(e)) if e.code == "fee_already_paid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_tabs_opening_the_same_fee_share_one_order() {
    let store = fresh_store().await;
    let (_, dossier, _) = setup(&store).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.store();
        let new = new_payment(&dossier, fee("le_phi", 50_000), PaymentMethod::Vnpay);
        tasks.push(tokio::spawn(async move { store.open_online_payment(&admin(), new).await }));
    }
    let mut ids = Vec::new();
    let mut created = 0;
    for task in tasks {
        let (p, new) = task.await.unwrap().unwrap();
        ids.push(p.id);
        created += usize::from(new);
    }
    ids.dedup();
    assert_eq!((ids.len(), created), (1, 1));
    assert_eq!(store.payments_of_dossier(dossier.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn issued_receipts_cannot_be_changed_or_deleted() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let (_, receipt) = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("le_phi", 8_000), PaymentMethod::Cash),
            issue(&series),
            None,
        )
        .await
        .unwrap();
    assert_eq!(receipt.method, "cash");
    for sql in ["UPDATE receipts SET amount_vnd = 1", "DELETE FROM receipts"] {
        assert!(store.execute_raw(sql).await.is_err(), "{sql} must be refused");
    }
    assert_eq!(store.receipt(receipt.id).await.unwrap().unwrap().amount_vnd, 8_000);
}

#[tokio::test]
async fn refunds_issue_adjusting_receipts_until_nothing_is_left() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let (payment, original) = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("le_phi", 150_000), PaymentMethod::BankTransfer),
            issue(&series),
            None,
        )
        .await
        .unwrap();
    let refund = |amount: i64| NewRefund {
        payment_id: payment.id,
        amount_vnd: amount,
        reason: "Thu nhầm mức phí".to_owned(),
        approved_by: "Trưởng Bộ phận Một cửa".to_owned(),
        created_by: None,
        receipt: issue(&series),
    };
    let first = store.refund_payment(&admin(), refund(50_000)).await.unwrap();
    assert_eq!((first.kind.as_str(), first.amount_vnd, first.original_id), ("adjustment", -50_000, Some(original.id)));
    assert_eq!(first.amount_words, "Âm năm mươi nghìn đồng");
    assert_eq!(first.number, 2);
    assert_eq!(store.payment(payment.id).await.unwrap().unwrap().status, PaymentStatus::Paid);
    let too_much = store.refund_payment(&admin(), refund(100_001)).await;
    assert!(matches!(too_much, Err(StoreError::Invalid(e)) if e.code == "refund_exceeds_paid"));
    store.refund_payment(&admin(), refund(100_000)).await.unwrap();
    assert_eq!(store.payment(payment.id).await.unwrap().unwrap().status, PaymentStatus::Refunded);
    assert_eq!(store.refunded_total(payment.id).await.unwrap(), 150_000);
    let after = store.refund_payment(&admin(), refund(1)).await;
    assert!(matches!(after, Err(StoreError::Invalid(e)) if e.code == "payment_not_paid"));
    // A refused refund took no number: the series has no gap.
    assert_eq!(
        store.receipts_of_payment(payment.id).await.unwrap().iter().map(|r| r.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[tokio::test]
async fn expired_payments_are_closed_and_a_late_confirmation_changes_nothing() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let mut new = new_payment(&dossier, fee("le_phi", 20_000), PaymentMethod::Vnpay);
    new.expires_at = Utc::now() - Duration::minutes(1);
    let (late, _) = store.open_online_payment(&admin(), new.clone()).await.unwrap();
    let (fresh, _) = store
        .open_online_payment(&admin(), new_payment(&dossier, fee("phi_khac", 5_000), PaymentMethod::Vnpay))
        .await
        .unwrap();

    assert_eq!(store.expire_payments(&admin(), Utc::now()).await.unwrap(), 1);
    assert_eq!(store.expire_payments(&admin(), Utc::now()).await.unwrap(), 0);
    assert_eq!(store.payment(late.id).await.unwrap().unwrap().status, PaymentStatus::Expired);
    assert_eq!(store.payment(fresh.id).await.unwrap().unwrap().status, PaymentStatus::Pending);
    let before = row_counts(&store).await;
    let outcome = store.settle_payment(&admin(), confirm(&late, &series)).await.unwrap();
    assert!(matches!(outcome, SettleOutcome::AlreadySettled(p) if p.status == PaymentStatus::Expired));
    assert_eq!(row_counts(&store).await, before);
    // A new attempt for the same fee opens a new order.
    let (retry, new_order) = store
        .open_online_payment(&admin(), new_payment(&dossier, fee("le_phi", 20_000), PaymentMethod::Vnpay))
        .await
        .unwrap();
    assert!(new_order && retry.id != late.id);
}

#[tokio::test]
async fn cash_at_the_desk_closes_the_open_online_attempt_and_moves_the_dossier() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let (online, _) = store
        .open_online_payment(&admin(), new_payment(&dossier, fee("le_phi", 30_000), PaymentMethod::Vnpay))
        .await
        .unwrap();
    let change = DossierChange {
        dossier_id: dossier.id,
        expected_updated_at: dossier.updated_at,
        status: DossierStatus::Accepted,
        current_unit_code: dossier.current_unit_code.clone(),
        state: dossier.state.clone(),
        event: NewDossierEvent {
            action: "confirm_payment".to_owned(),
            actor_name: "Hệ thống".to_owned(),
            ..Default::default()
        },
        documents: vec![],
        notify: None,
    };
    let (cash, receipt) = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("le_phi", 30_000), PaymentMethod::Cash),
            issue(&series),
            Some((dossier.clone(), change.clone())),
        )
        .await
        .unwrap();
    assert_eq!((cash.status, receipt.amount_vnd), (PaymentStatus::Paid, 30_000));
    assert_eq!(store.payment(online.id).await.unwrap().unwrap().status, PaymentStatus::Failed);
    assert_eq!(store.dossier(dossier.id).await.unwrap().unwrap().status, DossierStatus::Accepted);
    // The gateway's late confirmation of the abandoned attempt finds it settled.
    let late = store.settle_payment(&admin(), confirm(&online, &series)).await.unwrap();
    assert!(matches!(late, SettleOutcome::AlreadySettled(_)));

    // A dossier change based on a stale read rolls the whole payment back: no payment, no number taken.
    let mut stale = change;
    stale.status = DossierStatus::Processing;
    let before = row_counts(&store).await;
    let refused = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("phi", 1_000), PaymentMethod::Cash),
            issue(&series),
            Some((dossier.clone(), stale)),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Conflict { constraint }) if constraint == "dossier_changed"));
    assert_eq!(row_counts(&store).await, before);
}

#[tokio::test]
async fn refused_callbacks_are_audited_and_exemptions_recorded() {
    let store = fresh_store().await;
    let (_, dossier, _) = setup(&store).await;
    store.note_refused_callback(refused("NO-SUCH-ORDER", None, "01")).await.unwrap();
    let trail = crate::audit_trail(&store).await;
    let last = trail.last().unwrap();
    assert_eq!((last.action.as_str(), last.record_id.as_str()), ("payment.callback_refused", "NO-SUCH-ORDER"));

    store
        .exempt_fee(&admin(), dossier.id, "le_phi", Exemption::parse("Hộ nghèo", "Chủ tịch UBND phường").unwrap(), None)
        .await
        .unwrap();
    let exemptions = store.fee_exemptions(dossier.id).await.unwrap();
    assert_eq!(exemptions[0].0, "le_phi");
    assert_eq!(exemptions[0].1.approved_by, "Chủ tịch UBND phường");
}

fn replacement(receipt_id: uuid::Uuid, payer: &str, series: &ReceiptSeries) -> NewReplacement {
    NewReplacement {
        receipt_id,
        payer_name: payer.to_owned(),
        payer_id_number: String::new(),
        reason: "Ghi sai họ tên người nộp".to_owned(),
        receipt: issue(series),
    }
}

#[tokio::test]
async fn a_replacement_takes_the_next_number_names_the_old_receipt_and_happens_once() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let (payment, original) = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("le_phi", 150_000), PaymentMethod::Cash),
            issue(&series),
            None,
        )
        .await
        .unwrap();

    let unchanged = NewReplacement {
        payer_id_number: original.payer_id_number.clone().unwrap_or_default(),
        ..replacement(original.id, &original.payer_name, &series)
    };
    let same = store.replace_receipt(&admin(), unchanged).await;
    assert!(matches!(same, Err(StoreError::Invalid(e)) if e.code == "replacement_changes_nothing"));
    let new = store.replace_receipt(&admin(), replacement(original.id, "Nguyễn Văn Ân", &series)).await.unwrap();
    assert_eq!((new.kind.as_str(), new.number, new.original_id), ("replacement", 2, Some(original.id)));
    assert_eq!((new.payer_name.as_str(), new.amount_vnd, new.payment_id), ("Nguyễn Văn Ân", 150_000, payment.id));
    assert!(new.note.contains("0000001") && new.note.contains("Ghi sai họ tên"), "{}", new.note);
    assert_ne!(new.verification_code, original.verification_code);
    // The old receipt is untouched and names its replacement.
    let old = store.receipt(original.id).await.unwrap().unwrap();
    assert_eq!((old.payer_name, old.number), (original.payer_name.clone(), 1));
    assert_eq!(store.replacement_of(original.id).await.unwrap().map(|r| r.id), Some(new.id));
    assert_eq!(store.replacement_of(new.id).await.unwrap().map(|r| r.id), None);
    let again = store.replace_receipt(&admin(), replacement(original.id, "Nguyễn Văn Bình", &series)).await;
    assert!(matches!(again, Err(StoreError::Invalid(e)) if e.code == "receipt_already_replaced"));

    // A refund now adjusts the receipt in force: the replacement.
    let adjusting = store
        .refund_payment(
            &admin(),
            NewRefund {
                payment_id: payment.id,
                amount_vnd: 50_000,
                reason: "Thu thừa".to_owned(),
                approved_by: "Trưởng bộ phận".to_owned(),
                created_by: None,
                receipt: issue(&series),
            },
        )
        .await
        .unwrap();
    assert_eq!((adjusting.number, adjusting.original_id), (3, Some(new.id)));
    let not_replaceable = store.replace_receipt(&admin(), replacement(adjusting.id, "Nguyễn Văn Ân", &series)).await;
    assert!(matches!(not_replaceable, Err(StoreError::Invalid(e)) if e.code == "receipt_not_replaceable"));
    let trail = crate::audit_trail(&store).await;
    assert!(trail.iter().any(|a| a.action == "receipt.replaced" && a.record_id == "AA/26E-0000001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replacements_of_one_receipt_give_one_and_leave_no_gap() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let (_, original) = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("le_phi", 8_000), PaymentMethod::Cash),
            issue(&series),
            None,
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.store();
        let new = replacement(original.id, &format!("Người nộp số {i}"), &series);
        tasks.push(tokio::spawn(async move { store.replace_receipt(&admin(), new).await }));
    }
    let mut done = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.number, 2);
                done += 1;
            }
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, "receipt_already_replaced"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(done, 1);
    // The refused replacements gave their numbers back.
    let next = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("phi", 2_000), PaymentMethod::Cash),
            issue(&series),
            None,
        )
        .await
        .unwrap()
        .1;
    assert_eq!(next.number, 3);
}

#[tokio::test]
async fn series_follow_tt78_are_unique_and_can_be_retired() {
    let store = fresh_store().await;
    let (_, _, series) = setup(&store).await;
    let new = |template: &str, symbol: &str| NewReceiptSeries {
        unit_code: "19753".to_owned(),
        template_symbol: template.to_owned(),
        series_symbol: symbol.to_owned(),
        collector_name: "UBND Phường Phú Xuân".to_owned(),
        collector_tax_code: "3300101406".to_owned(),
    };
    for (template, symbol, code) in [
        ("01BLP0-001", "AA/26E", "receipt_series_taken"),
        ("BL-1", "AB/26E", "receipt_template_invalid"),
        ("01BLP0-001", "AB26", "receipt_series_invalid"),
    ] {
        let refused = store.create_receipt_series(&admin(), new(template, symbol)).await;
        assert!(matches!(refused, Err(StoreError::Invalid(ref e)) if e.code == code), "{symbol}: {refused:?}");
    }
    let next_year = store.create_receipt_series(&admin(), new("01BLP0-001", "AA/27E")).await.unwrap();
    assert_eq!(store.receipt_series_for(&["19753".into()]).await.unwrap().map(|s| s.id), Some(next_year.id));
    let retired = store.retire_receipt_series(&admin(), next_year.id).await.unwrap();
    assert!(!retired.active);
    assert_eq!(store.receipt_series_for(&["19753".into()]).await.unwrap().map(|s| s.id), Some(series.id));
}

#[tokio::test]
async fn the_breakdown_counts_confirmed_money_by_procedure_unit_channel_and_method() {
    let store = fresh_store().await;
    let (procedure, dossier, series) = setup(&store).await;
    let (cash, _) = store
        .record_counter_payment(
            &admin(),
            new_payment(&dossier, fee("le_phi", 8_000), PaymentMethod::Cash),
            issue(&series),
            None,
        )
        .await
        .unwrap();
    let (online, _) = store
        .open_online_payment(&admin(), new_payment(&dossier, fee("phi_sao", 3_000), PaymentMethod::Vnpay))
        .await
        .unwrap();
    store.settle_payment(&admin(), confirm(&online, &series)).await.unwrap();
    // Opened but never confirmed: not counted.
    store
        .open_online_payment(&admin(), new_payment(&dossier, fee("phi_khac", 5_000), PaymentMethod::Vnpay))
        .await
        .unwrap();
    store
        .refund_payment(
            &admin(),
            NewRefund {
                payment_id: cash.id,
                amount_vnd: 2_000,
                reason: "Thu thừa".to_owned(),
                approved_by: "Trưởng bộ phận".to_owned(),
                created_by: None,
                receipt: issue(&series),
            },
        )
        .await
        .unwrap();
    let rows = store.payment_breakdown(Utc::now() - Duration::hours(1), Utc::now() + Duration::hours(1)).await.unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.procedure_code.as_str(),
                r.unit_code.as_str(),
                r.channel.as_str(),
                r.method.as_str(),
                r.count,
                r.amount_vnd,
                r.refunded_vnd,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (procedure.code.as_str(), "19753", "online", "cash", 1, 8_000, 2_000),
            (procedure.code.as_str(), "19753", "online", "vnpay", 1, 3_000, 0),
        ]
    );
    assert_eq!(rows[0].procedure_name, procedure.name_vi);
    let earlier =
        store.payment_breakdown(Utc::now() - Duration::days(2), Utc::now() - Duration::days(1)).await.unwrap();
    assert!(earlier.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_refused_callbacks_is_audited_in_full_in_one_chain() {
    let store = fresh_store().await;
    let (_, dossier, series) = setup(&store).await;
    let (paid, _) = store
        .open_online_payment(&admin(), new_payment(&dossier, fee("le_phi", 8_000), PaymentMethod::Vnpay))
        .await
        .unwrap();
    store.settle_payment(&admin(), confirm(&paid, &series)).await.unwrap();
    let events_before = store.payment_events(paid.id).await.unwrap().len();
    let audit_before = crate::audit_trail(&store).await.len();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.store();
        let call = if i % 2 == 0 {
            refused(&paid.txn_ref, Some((paid.id, PaymentStatus::Paid)), "02")
        } else {
            refused(&format!("FORGED-{i}"), None, "97")
        };
        tasks.push(tokio::spawn(async move { store.note_refused_callback(call).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    // Every refusal is in the log (a valid chain) and every one about the paid order in its history; the
    // order itself is as it was.
    assert_eq!(crate::audit_trail(&store).await.len(), audit_before + 200);
    assert!(store.verify_audit().await.unwrap().is_ok());
    let events = store.payment_events(paid.id).await.unwrap();
    assert_eq!(events.len(), events_before + 100);
    assert!(
        events[events_before..].iter().all(|e| e.kind == "callback_refused" && e.rsp_code.as_deref() == Some("02"))
    );
    assert_eq!(store.payment(paid.id).await.unwrap().unwrap().status, PaymentStatus::Paid);
}
