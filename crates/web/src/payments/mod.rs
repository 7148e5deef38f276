//! `payments` over HTTP: paying a dossier's fees online through the VNPay gateway (or the built-in sandbox that
//! speaks the same protocol), the gateway's callbacks, money taken at the desk, refunds, and the e-receipts
//! (printable A4 and 80 mm, JSON, XML, public verification).
//!
//! The IPN call is the authority on a payment; the return page only shows what the store already knows. Every
//! state change goes through `PaymentStore` in one transaction with its receipt and, when the dossier was
//! waiting in status 6, the dossier workflow's own `confirm_payment` transition.

pub mod admin;
pub mod api;
pub mod callbacks;
pub mod gateway;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use smartcity_domain::dossiers::{ActionKind, DossierAction, DossierStatus};
use smartcity_domain::identity::Role;
use smartcity_domain::payments::{Exemption, FeeSpec, PaymentStatus, VnpayMerchant};
use smartcity_domain::units::UnitCode;
use smartcity_store::dossiers::{Dossier, DossierChange};
use smartcity_store::payments::{Payment, Receipt, ReceiptSeries};
use smartcity_store::{AuditContext, DossierStore, IdentityStore, PaymentStore, ProcedureStore, UnitStore};

use crate::AppState;
use crate::dossiers::workflow::{self, Actor};
use crate::error::{AppError, AppResult};
use crate::shell::auth::CurrentUser;

/// The built-in sandbox's merchant code.
pub const SANDBOX_TMN_CODE: &str = "HUESBX01";
/// The built-in sandbox's hash secret: public by design, it only signs play money.
pub const SANDBOX_HASH_SECRET: &str = "HUE-SANDBOX-SECRET-NOT-FOR-REAL-MONEY";
/// VNPay's production payment page, used when real merchant credentials are configured.
pub const VNPAY_PRODUCTION_URL: &str = "https://pay.vnpay.vn/vpcpay.html";

/// How the platform talks to its payment gateway.
#[derive(Debug, Clone)]
pub struct PaymentConfig {
    /// The merchant account that signs payment URLs and whose secret verifies callbacks.
    pub merchant: VnpayMerchant,
    /// The built-in sandbox serves `/sandbox/vnpay/…` and is the payment page (no real credentials given).
    pub sandbox: bool,
    /// Public base address for the return URL (e.g. `https://dichvucong.hue.gov.vn`); else the request's host.
    pub public_url: Option<String>,
    /// Minutes a payment stays open at the gateway (`vnp_ExpireDate`).
    pub expiry_minutes: i64,
}

impl Default for PaymentConfig {
    fn default() -> Self {
        PaymentConfig::sandbox(SANDBOX_TMN_CODE, SANDBOX_HASH_SECRET)
    }
}

impl PaymentConfig {
    /// The built-in sandbox with its own merchant code and secret.
    pub fn sandbox(tmn_code: &str, hash_secret: &str) -> Self {
        PaymentConfig {
            merchant: VnpayMerchant {
                tmn_code: tmn_code.to_owned(),
                hash_secret: hash_secret.to_owned(),
                pay_url: "/sandbox/vnpay/pay".to_owned(),
            },
            sandbox: true,
            public_url: None,
            expiry_minutes: 15,
        }
    }

    /// Real VNPay credentials: the payer goes to `pay_url` (VNPay's production page unless given).
    pub fn vnpay(tmn_code: &str, hash_secret: &str, pay_url: Option<&str>) -> Self {
        PaymentConfig {
            merchant: VnpayMerchant {
                tmn_code: tmn_code.to_owned(),
                hash_secret: hash_secret.to_owned(),
                pay_url: pay_url.unwrap_or(VNPAY_PRODUCTION_URL).to_owned(),
            },
            sandbox: false,
            public_url: None,
            expiry_minutes: 15,
        }
    }
}

/// Routes of the payments capability.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dossiers/{code}/payments", post(api::create_payment))
        .route("/api/v1/payments/{id}", get(api::get_payment))
        .route("/api/v1/receipts/verify/{code}", get(api::verify_receipt))
        .route("/api/v1/receipts/{series}/{number}", get(api::get_receipt))
        .route("/payments/vnpay/ipn", get(callbacks::ipn))
        .route("/payments/vnpay/return", get(callbacks::return_page))
        .route("/sandbox/vnpay/pay", get(callbacks::sandbox_page).post(callbacks::sandbox_submit))
        .route("/dossiers/{code}/pay", post(pages::pay))
        .route("/dossiers/{code}/payments/counter", post(pages::counter_payment))
        .route("/dossiers/{code}/payments/exempt", post(pages::exempt))
        .route("/bien-lai/tra-cuu", get(pages::verify_page))
        .route("/desk/payments", get(pages::reconciliation))
        .route("/bien-lai/{series}/{number}", get(pages::receipt_page))
        .route("/bien-lai/{series}/{number}/refund", post(pages::refund))
        .route("/bien-lai/{series}/{number}/replace", post(pages::replace))
        .route("/desk/payments/totals.csv", get(pages::totals_csv))
        .route("/api/v1/payments/totals", get(api::totals))
        .route("/admin/procedures/{code}/fees", get(admin::fees).post(admin::save_fees))
        .route("/admin/receipt-series", get(admin::series).post(admin::create_series))
        .route("/admin/receipt-series/{id}/retire", post(admin::retire_series))
}

/// One fee of a dossier and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct FeeLine {
    pub fee: FeeSpec,
    /// The payment that settled it (paid, or paid then refunded).
    pub paid: Option<Payment>,
    /// An attempt still open at the gateway.
    pub open: Option<Payment>,
    pub exemption: Option<Exemption>,
}

impl FeeLine {
    /// Still to be paid.
    pub fn is_due(&self) -> bool {
        self.paid.is_none() && self.exemption.is_none()
    }
}

/// The fees of `dossier`'s procedure version with their payments and exemptions.
pub async fn fee_lines(state: &AppState, dossier: &Dossier) -> AppResult<Vec<FeeLine>> {
    let procedure = state.store.procedure(dossier.procedure_id).await?.ok_or_else(AppError::not_found)?;
    let fees = state.store.procedure_fees(&procedure).await?;
    let payments = state.store.payments_of_dossier(dossier.id).await?;
    let exemptions = state.store.fee_exemptions(dossier.id).await?;
    Ok(fees
        .into_iter()
        .map(|fee| {
            let mine = payments.iter().filter(|p| p.fee_key == fee.key);
            let paid =
                mine.clone().find(|p| matches!(p.status, PaymentStatus::Paid | PaymentStatus::Refunded)).cloned();
            let open = mine.clone().find(|p| p.status == PaymentStatus::Pending).cloned();
            let exemption = exemptions.iter().find(|(k, _)| *k == fee.key).map(|(_, e)| e.clone());
            FeeLine { fee, paid, open, exemption }
        })
        .collect())
}

/// The fees whose payment holds up processing: those marked so, or every fee when none is.
fn blocking(lines: &[FeeLine]) -> Vec<&FeeLine> {
    let marked: Vec<&FeeLine> = lines.iter().filter(|l| l.fee.before_processing).collect();
    if marked.is_empty() { lines.iter().collect() } else { marked }
}

/// When `paying` is paid now, the dossier's workflow decision to leave status 6 (the existing
/// `confirm_payment` transition, taken by the platform), if it is waiting and nothing else blocks it.
pub async fn release_change(
    state: &AppState,
    dossier: &Dossier,
    paying: &str,
) -> AppResult<Option<(Dossier, DossierChange)>> {
    if dossier.status != DossierStatus::AwaitingPayment {
        return Ok(None);
    }
    let lines = fee_lines(state, dossier).await?;
    if blocking(&lines).iter().any(|l| l.is_due() && l.fee.key != paying) {
        return Ok(None);
    }
    let change = workflow::plan(state, &Actor::system(), dossier, DossierAction::ConfirmPayment, vec![]).await?;
    Ok(Some((dossier.clone(), change)))
}

/// Called after every dossier action: a dossier that starts processing while a fee that must be paid first is
/// still due moves to status 6 (`request_payment`, taken by the platform).
pub async fn after_dossier_action(
    state: &AppState,
    ctx: &AuditContext,
    kind: ActionKind,
    dossier: Dossier,
) -> AppResult<Dossier> {
    if kind != ActionKind::StartProcessing || dossier.status != DossierStatus::Processing {
        return Ok(dossier);
    }
    let lines = fee_lines(state, &dossier).await?;
    if !lines.iter().any(|l| l.fee.before_processing && l.is_due()) {
        return Ok(dossier);
    }
    let change = workflow::plan(state, &Actor::system(), &dossier, DossierAction::RequestPayment, vec![]).await?;
    state.store.apply_dossier_change(ctx, change).await.map_err(workflow::changed_conflict)
}

/// The receipt series of the unit that collects for `dossier`: its own, else the nearest ancestor's.
pub async fn series_for(state: &AppState, dossier: &Dossier) -> AppResult<ReceiptSeries> {
    let mut chain = vec![dossier.unit_code.clone()];
    let mut code = UnitCode::parse(&dossier.unit_code)?;
    while chain.len() < 8 {
        match state.store.unit(&code).await?.and_then(|u| u.parent_code) {
            Some(parent) => {
                chain.push(parent.to_string());
                code = parent;
            }
            None => break,
        }
    }
    state.store.receipt_series_for(&chain).await?.ok_or_else(|| {
        AppError::new(
            "receipt_series_missing",
            axum::http::StatusCode::CONFLICT,
            "Đơn vị thu chưa đăng ký ký hiệu biên lai điện tử; chưa thể thu tiền.",
            "The collecting unit has no e-receipt series registered yet, so no payment can be taken.",
        )
    })
}

/// Whether `user` works the one-stop desk for `dossier` (takes money, refunds).
pub async fn is_desk_for(state: &AppState, user: &CurrentUser, dossier: &Dossier) -> AppResult<bool> {
    let unit = UnitCode::parse(&dossier.unit_code)?;
    Ok(state.store.has_role_on(user.id(), &[Role::ReceptionOfficer], &unit).await?)
}

/// The receipt, if `user` may see it in full: the dossier's applicant or staff of its units.
pub async fn visible_receipt(state: &AppState, user: &CurrentUser, series: &str, number: &str) -> AppResult<Receipt> {
    let number = smartcity_domain::payments::parse_receipt_number(number)?;
    let receipt = state.store.receipt_by_number(series, number).await?.ok_or_else(AppError::not_found)?;
    let dossier = state.store.dossier(receipt.dossier_id).await?.ok_or_else(AppError::not_found)?;
    if workflow::may_view(state, user, &dossier).await? { Ok(receipt) } else { Err(AppError::not_found()) }
}

/// Close the payments whose time at the gateway ran out; the background worker calls this every minute.
pub async fn expire_due(store: &smartcity_store::Store) -> Result<u64, smartcity_store::StoreError> {
    store.expire_payments(&AuditContext::system("worker:payments"), smartcity_store::now()).await
}

/// The dossier's payments block on its page: fees, receipts, and what the viewer may do.
#[derive(Debug, Clone, Default)]
pub struct DossierPayments {
    pub lines: Vec<FeeLine>,
    pub receipts: Vec<Receipt>,
    /// The viewer is the applicant and a fee is due on a dossier still open.
    pub can_pay: bool,
    /// The viewer works the desk for this dossier.
    pub can_collect: bool,
}

impl DossierPayments {
    /// The block for `user` viewing `dossier`.
    pub async fn load(state: &AppState, user: &CurrentUser, dossier: &Dossier) -> AppResult<Self> {
        let lines = fee_lines(state, dossier).await?;
        let receipts = state.store.receipts_of_dossier(dossier.id).await?;
        let open = !dossier.status.is_final();
        let due = lines.iter().any(FeeLine::is_due);
        Ok(DossierPayments {
            can_pay: open && due && dossier.applicant_id == Some(user.id()),
            can_collect: open && due && is_desk_for(state, user, dossier).await?,
            lines,
            receipts,
        })
    }

    /// Amount in đồng, dotted.
    pub fn vnd<T: std::borrow::Borrow<i64>>(&self, amount: T) -> String {
        smartcity_domain::payments::format_vnd(*amount.borrow())
    }
}
