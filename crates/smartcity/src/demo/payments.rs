//! Demo payments: the city desk's receipt series, fees on the sample procedures, a demo dossier paid online
//! through the built-in sandbox's own notification path, cash and a bank transfer taken at the desk, a partial
//! refund (an adjusting receipt), a receipt replaced because the payer was someone else (a replacement
//! receipt), and the dossier that waits in status 6 left unpaid for the visitor to pay.
//!
//! Everything goes through the web layer's functions (the IPN handler, the desk's receipt flow), so each
//! payment carries the events, receipts and audit records a real one would. Steps whose result is already
//! there are skipped, so a load that stopped half-way carries on.

use anyhow::Context;
use axum::http::HeaderMap;
use chrono::Utc;
use smartcity_domain::payments::{CollectAt, FeeKind, FeeSpec, PaymentMethod, vnpay_datetime, vnpay_signed_query};
use smartcity_store::dossiers::Dossier;
use smartcity_store::identity::Account;
use smartcity_store::payments::{NewPayment, NewReceiptSeries, NewRefund, NewReplacement, PaymentStore, ReceiptIssue};
use smartcity_store::{AuditContext, DossierStore, IdentityStore, ProcedureStore, Store};
use smartcity_web::payments::{self as web_payments, api, callbacks};
use smartcity_web::shell::auth::{AuthVia, CurrentUser, Identity};
use smartcity_web::{AppState, WebConfig};

use super::{CITIZEN_EMAIL, CITY_CODE};

/// The city desk's e-receipt series. The tax code is a made-up one with a valid check digit: the real one of
/// the Public Administration Service Centre was not looked up.
const SERIES: (&str, &str, &str, &str) =
    ("01BLP0-001", "AA/26E", "Trung tâm Phục vụ hành chính công thành phố Huế", "3300101406");

/// Explicit fees: (procedure, key, kind, name vi, name en, amount, when, before processing).
type DemoFee = (&'static str, &'static str, FeeKind, &'static str, &'static str, i64, CollectAt, bool);
const FEES: [DemoFee; 2] = [
    (
        "2.000635",
        "le_phi",
        FeeKind::Charge,
        "Lệ phí cấp bản sao trích lục hộ tịch",
        "Charge for a copy of a civil status extract",
        8_000,
        CollectAt::Reception,
        true,
    ),
    (
        "1.004194",
        "le_phi",
        FeeKind::Charge,
        "Lệ phí đăng ký cư trú (tạm trú)",
        "Residence registration charge (temporary)",
        15_000,
        CollectAt::Reception,
        false,
    ),
];

fn as_user(account: Account) -> CurrentUser {
    CurrentUser(Identity { account, via: AuthVia::Session { id_hash: String::new() } })
}

async fn account(store: &Store, email: &str) -> anyhow::Result<Account> {
    Ok(store.account_for_login(email).await?.with_context(|| format!("the demo account {email}"))?.0)
}

/// The demo dossier of the applicant with ID number `citizen_id` for `procedure`.
async fn dossier_of(store: &Store, citizen_id: &str, procedure: &str) -> anyhow::Result<Option<Dossier>> {
    Ok(store.dossiers_of_citizen_id(citizen_id, 100).await?.into_iter().find(|d| d.procedure_code == procedure))
}

/// Whether `fee` of `dossier` is still due.
async fn due(state: &AppState, dossier: &Dossier) -> anyhow::Result<bool> {
    Ok(web_payments::fee_lines(state, dossier).await?.iter().any(web_payments::FeeLine::is_due))
}

/// Load the payments demo. Returns how many payments were recorded now.
pub(super) async fn load(store: &Store, ctx: &AuditContext) -> anyhow::Result<usize> {
    let state = AppState::new(store.clone(), WebConfig::default());
    if store.receipt_series().await?.is_empty() {
        let (template, series, name, tax) = SERIES;
        store
            .create_receipt_series(
                ctx,
                NewReceiptSeries {
                    unit_code: CITY_CODE.to_owned(),
                    template_symbol: template.to_owned(),
                    series_symbol: series.to_owned(),
                    collector_name: name.to_owned(),
                    collector_tax_code: tax.to_owned(),
                },
            )
            .await?;
    }
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    for (code, key, kind, vi, en, amount, when, before) in FEES {
        let procedure = store.procedure_in_force(code, today).await?.with_context(|| format!("procedure {code}"))?;
        let fee = FeeSpec {
            key: key.to_owned(),
            kind,
            name_vi: vi.to_owned(),
            name_en: en.to_owned(),
            amount_vnd: amount,
            collect_at: when,
            before_processing: before,
        };
        store.set_procedure_fees(ctx, procedure.id, vec![fee]).await?;
    }

    let citizen = as_user(account(store, CITIZEN_EMAIL).await?);
    let desk = as_user(account(store, "reception@hue.demo").await?);
    let mut recorded = 0;

    // Online, through the sandbox: the citizen's accepted residence registration (15 000 đ).
    let citizen_id = citizen.0.account.citizen_id.clone().unwrap_or_default();
    let accepted = dossier_of(store, &citizen_id, "1.004194").await?.context("the demo residence registration")?;
    if due(&state, &accepted).await? {
        let (payment, _) = api::open_online(&state, &citizen, None, &HeaderMap::new(), &accepted, None, "vi").await?;
        let mut params: Vec<(String, String)> = [
            ("vnp_Amount", (payment.amount_vnd * 100).to_string()),
            ("vnp_BankCode", "NCB".to_owned()),
            ("vnp_CardType", "ATM".to_owned()),
            ("vnp_OrderInfo", "Thanh toan le phi dang ky tam tru".to_owned()),
            ("vnp_PayDate", vnpay_datetime(Utc::now())),
            ("vnp_ResponseCode", "00".to_owned()),
            ("vnp_TmnCode", state.config.payments.merchant.tmn_code.clone()),
            ("vnp_TransactionNo", "14260001".to_owned()),
            ("vnp_TransactionStatus", "00".to_owned()),
            ("vnp_TxnRef", payment.txn_ref.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        params.sort();
        let query = vnpay_signed_query(&state.config.payments.merchant.hash_secret, &params);
        let reply = callbacks::process_ipn(&state, &callbacks::query_pairs(Some(&query)), None).await;
        anyhow::ensure!(reply.code() == "00", "the demo IPN was answered {}", reply.code());
        recorded += 1;
    }

    // At the desk, when the results were handed over: cash for certified copies (2 000 đ), later refunded in
    // part; a bank transfer for a certified signature (10 000 đ).
    let series = store.receipt_series().await?.into_iter().next().context("the demo receipt series")?;
    let issue = ReceiptIssue { series_id: series.id, issued_by_name: desk.0.account.display_name.clone() };
    let desk_ctx = AuditContext::account(desk.id(), None);
    for (citizen_id, procedure, method) in
        [("046192004321", "2.000815", PaymentMethod::Cash), ("046085012345", "2.000884", PaymentMethod::BankTransfer)]
    {
        let Some(dossier) = dossier_of(store, citizen_id, procedure).await? else { continue };
        let lines = web_payments::fee_lines(&state, &dossier).await?;
        let Some(line) = lines.iter().find(|l| l.is_due()) else { continue };
        let new = NewPayment {
            dossier_id: dossier.id,
            fee: line.fee.clone(),
            method,
            payer_name: dossier.applicant_name.clone(),
            created_by: Some(desk.id()),
            expires_at: smartcity_store::now(),
        };
        let (payment, receipt) = store.record_counter_payment(&desk_ctx, new, issue.clone(), None).await?;
        recorded += 1;
        if method == PaymentMethod::BankTransfer {
            // The transfer came from the applicant's daughter, who holds the power of attorney: the receipt is
            // replaced (biên lai thay thế) with her as the payer; the first one stays, naming its replacement.
            store
                .replace_receipt(
                    &desk_ctx,
                    NewReplacement {
                        receipt_id: receipt.id,
                        payer_name: "Trần Thị Hoa".to_owned(),
                        payer_id_number: String::new(),
                        reason: "Người chuyển khoản là người được ủy quyền, không phải người nộp hồ sơ".to_owned(),
                        receipt: issue.clone(),
                    },
                )
                .await?;
        }
        if method == PaymentMethod::Cash {
            store
                .refund_payment(
                    &desk_ctx,
                    NewRefund {
                        payment_id: payment.id,
                        amount_vnd: 1_000,
                        reason: "Thu thừa: chỉ chứng thực một bản sao".to_owned(),
                        approved_by: "Trưởng Bộ phận Một cửa".to_owned(),
                        created_by: Some(desk.id()),
                        receipt: issue.clone(),
                    },
                )
                .await?;
        }
    }
    Ok(recorded)
}
