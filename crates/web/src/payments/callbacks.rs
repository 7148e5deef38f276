//! The gateway's side: the IPN call (server to server, the only thing that changes a payment), the return page
//! the payer's browser lands on (shows, never changes), and the built-in sandbox gateway that plays VNPay.

use askama::Template;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use smartcity_domain::payments::{
    CallbackError, IpnReply, PaymentEvent, decide_ipn, format_vnd, parse_vnpay_datetime, vnpay_datetime,
    vnpay_signed_query,
};
use smartcity_store::payments::{Payment, Receipt, ReceiptIssue, RefusedCall, SettleOutcome, Settlement};
use smartcity_store::{AuditContext, DossierStore, PaymentStore, StoreError};

use super::gateway::{PaymentGateway, VnpayGateway};
use super::{release_change, series_for};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::ClientIp;
use crate::shell::extract::AppForm;
use crate::shell::page::{PageContext, redirect, render};

/// The collector printed on receipts of online payments.
pub const ONLINE_COLLECTOR: &str = "Cổng dịch vụ công Huế (thanh toán trực tuyến)";

/// A query string as the decoded pairs PHP's `$_GET` would hold (`+` is a space).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> &'a str {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// The parameters worth keeping in the history: every `vnp_*` but the hash.
fn public_params(params: &[(String, String)]) -> Value {
    Value::Object(
        params
            .iter()
            .filter(|(k, _)| k.starts_with("vnp_") && k != "vnp_SecureHash")
            .map(|(k, v)| (k.clone(), Value::String(v.chars().take(300).collect())))
            .collect(),
    )
}

/// `GET /payments/vnpay/ipn`: VNPay's notification. Always 200 with `{"RspCode", "Message"}`.
pub async fn ipn(State(state): State<AppState>, ClientIp(ip): ClientIp, RawQuery(query): RawQuery) -> Response {
    let params = query_pairs(query.as_deref());
    Json(process_ipn(&state, &params, ip).await.to_json()).into_response()
}

/// Handle one notification: verify, look the order up, settle it once. The sandbox calls this same function
/// with the parameters it signed, so its callbacks pass every check a real one does.
pub async fn process_ipn(state: &AppState, params: &[(String, String)], ip: Option<String>) -> IpnReply {
    match ipn_outcome(state, params, ip).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(code = e.code, "payment notification could not be processed");
            IpnReply::Unknown
        }
    }
}

async fn ipn_outcome(state: &AppState, params: &[(String, String)], ip: Option<String>) -> AppResult<IpnReply> {
    let ctx = AuditContext { actor: Some("gateway:vnpay".to_owned()), ip };
    let gateway = VnpayGateway { merchant: &state.config.payments.merchant };
    let details = public_params(params);
    let callback = match gateway.verify(params) {
        Ok(cb) if cb.tmn_code == state.config.payments.merchant.tmn_code => cb,
        Ok(cb) => {
            let reply = IpnReply::OrderNotFound;
            state.store.note_refused_callback(refused(ctx, &cb.txn_ref, None, reply, details)).await?;
            return Ok(reply);
        }
        Err(e) => {
            let reply = match e {
                CallbackError::InvalidSignature => IpnReply::InvalidSignature,
                CallbackError::Malformed => IpnReply::Unknown,
            };
            state.store.note_refused_callback(refused(ctx, param(params, "vnp_TxnRef"), None, reply, details)).await?;
            return Ok(reply);
        }
    };
    // A dossier moved by someone else between our read and the write: read again (three tries).
    for _ in 0..3 {
        let payment = state.store.payment_by_txn_ref(&callback.txn_ref).await?;
        let (reply, event) = decide_ipn(&callback, payment.as_ref().map(|p| (p.amount_vnd, p.status)));
        let (Some(event), Some(payment)) = (event, payment.as_ref()) else {
            let order = payment.as_ref().map(|p| (p.id, p.status));
            state.store.note_refused_callback(refused(ctx, &callback.txn_ref, order, reply, details)).await?;
            return Ok(reply);
        };
        let (receipt, dossier_change) = if event == PaymentEvent::Confirmed {
            let dossier = state.store.dossier(payment.dossier_id).await?.ok_or_else(AppError::not_found)?;
            let series = series_for(state, &dossier).await?;
            let issue = ReceiptIssue { series_id: series.id, issued_by_name: ONLINE_COLLECTOR.to_owned() };
            (Some(issue), release_change(state, &dossier, &payment.fee_key).await?)
        } else {
            (None, None)
        };
        let settlement = Settlement {
            payment_id: payment.id,
            event,
            gateway_txn_no: Some(callback.transaction_no.clone()).filter(|t| !t.is_empty()),
            bank_code: Some(callback.bank_code.clone()).filter(|b| !b.is_empty()),
            rsp_code: Some(IpnReply::ConfirmSuccess.code().to_owned()),
            details: details.clone(),
            receipt,
            dossier_change,
        };
        match state.store.settle_payment(&ctx, settlement).await {
            Ok(SettleOutcome::Applied { .. }) => return Ok(IpnReply::ConfirmSuccess),
            Ok(SettleOutcome::AlreadySettled(p)) => {
                let reply = IpnReply::AlreadyConfirmed;
                let order = Some((p.id, p.status));
                state.store.note_refused_callback(refused(ctx, &callback.txn_ref, order, reply, details)).await?;
                return Ok(reply);
            }
            Err(StoreError::Conflict { constraint }) if constraint == "dossier_changed" => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(IpnReply::Unknown)
}

/// A refused call as the store records it (audit log, and the order's history when it exists).
fn refused(
    ctx: AuditContext,
    txn_ref: &str,
    order: Option<(uuid::Uuid, smartcity_domain::payments::PaymentStatus)>,
    reply: IpnReply,
    details: Value,
) -> RefusedCall {
    RefusedCall { ctx, txn_ref: txn_ref.to_owned(), payment: order, rsp_code: reply.code().to_owned(), details }
}

#[derive(Template)]
#[template(path = "payments/result.html")]
struct ResultPage {
    ctx: PageContext,
    /// The signature of the query checked out.
    verified: bool,
    payment: Option<Payment>,
    dossier_code: String,
    receipt: Option<Receipt>,
    /// What the gateway said (`vnp_ResponseCode`).
    gateway_code: String,
}

impl ResultPage {
    fn vnd<T: std::borrow::Borrow<i64>>(&self, amount: T) -> String {
        format_vnd(*amount.borrow())
    }
}

/// `GET /payments/vnpay/return`: where the gateway sends the payer back. It shows the payment as the store
/// holds it (the IPN decides); it never changes anything, so a refresh or a forged query is harmless.
pub async fn return_page(
    State(state): State<AppState>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let params = query_pairs(query.as_deref());
    let gateway = VnpayGateway { merchant: &state.config.payments.merchant };
    let verified = gateway.verify(&params);
    let (payment, dossier_code, receipt) = match &verified {
        Ok(cb) => match state.store.payment_by_txn_ref(&cb.txn_ref).await? {
            Some(p) => {
                let code = state.store.dossier(p.dossier_id).await?.map(|d| d.code).unwrap_or_default();
                let receipt = state.store.receipts_of_payment(p.id).await?.into_iter().next();
                (Some(p), code, receipt)
            }
            None => (None, String::new(), None),
        },
        Err(_) => (None, String::new(), None),
    };
    Ok(render(&ResultPage {
        ctx,
        verified: verified.is_ok(),
        payment,
        dossier_code,
        receipt,
        gateway_code: param(&params, "vnp_ResponseCode").chars().take(4).collect(),
    }))
}

/// Banks the sandbox offers (VNPay bank codes).
const SANDBOX_BANKS: [(&str, &str); 5] = [
    ("NCB", "Ngân hàng Quốc Dân (NCB)"),
    ("VCB", "Vietcombank"),
    ("BIDV", "BIDV"),
    ("VIETINBANK", "VietinBank"),
    ("AGRIBANK", "Agribank"),
];

#[derive(Template)]
#[template(path = "payments/sandbox.html")]
struct SandboxPage {
    ctx: PageContext,
    query: String,
    amount: String,
    order_info: String,
    txn_ref: String,
    tmn_code: String,
    expired: bool,
    banks: Vec<(&'static str, &'static str)>,
}

fn sandbox_off() -> AppError {
    AppError::not_found()
}

/// The order the sandbox was sent: the query verified with the merchant's secret, as VNPay checks a merchant.
fn sandbox_order(state: &AppState, query: &str) -> AppResult<Vec<(String, String)>> {
    let params = query_pairs(Some(query));
    VnpayGateway { merchant: &state.config.payments.merchant }.verify(&params).map_err(|_| {
        AppError::invalid_field(
            "vnp_SecureHash",
            "gateway_signature_invalid",
            "Sai chữ ký: yêu cầu thanh toán không hợp lệ (mã 70).",
            "Wrong signature: the payment request is not valid (code 70).",
        )
    })?;
    Ok(params)
}

fn sandbox_expired(params: &[(String, String)]) -> bool {
    parse_vnpay_datetime(param(params, "vnp_ExpireDate")).is_some_and(|t| t < chrono::Utc::now())
}

/// `GET /sandbox/vnpay/pay`: the sandbox's payment page — pick a bank, then succeed, fail or cancel.
pub async fn sandbox_page(
    State(state): State<AppState>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    if !state.config.payments.sandbox {
        return Err(sandbox_off());
    }
    let query = query.unwrap_or_default();
    let params = sandbox_order(&state, &query)?;
    let amount = param(&params, "vnp_Amount").parse::<i64>().unwrap_or_default() / 100;
    Ok(render(&SandboxPage {
        ctx,
        amount: format_vnd(amount),
        order_info: param(&params, "vnp_OrderInfo").to_owned(),
        txn_ref: param(&params, "vnp_TxnRef").to_owned(),
        tmn_code: param(&params, "vnp_TmnCode").to_owned(),
        expired: sandbox_expired(&params),
        banks: SANDBOX_BANKS.to_vec(),
        query,
    }))
}

/// The payer's choice on the sandbox page.
#[derive(Debug, Deserialize)]
pub struct SandboxChoice {
    /// The signed query of the payment request, as received.
    pub query: String,
    /// `success`, `fail` or `cancel`.
    pub outcome: String,
    #[serde(default)]
    pub bank: String,
}

/// `POST /sandbox/vnpay/pay`: play VNPay — notify the IPN exactly like the gateway (signed with the merchant's
/// secret, through the same verifying code), then send the browser to the return address.
pub async fn sandbox_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppForm(choice): AppForm<SandboxChoice>,
) -> AppResult<Response> {
    if !state.config.payments.sandbox {
        return Err(sandbox_off());
    }
    let order = sandbox_order(&state, &choice.query)?;
    let (response_code, status) = match choice.outcome.as_str() {
        _ if sandbox_expired(&order) => ("11", "02"),
        "success" => ("00", "00"),
        "fail" => ("51", "02"),
        "cancel" => ("24", "02"),
        _ => {
            return Err(AppError::invalid_field(
                "outcome",
                "sandbox_outcome_invalid",
                "Hãy chọn kết quả thanh toán.",
                "Choose how the payment ends.",
            ));
        }
    };
    let bank = SANDBOX_BANKS.iter().map(|(code, _)| *code).find(|c| *c == choice.bank).unwrap_or("NCB");
    let now = chrono::Utc::now();
    let transaction_no = format!("{:08}", now.timestamp_subsec_micros() % 100_000_000);
    let mut params: Vec<(String, String)> = vec![
        ("vnp_Amount".into(), param(&order, "vnp_Amount").into()),
        ("vnp_BankCode".into(), bank.into()),
        ("vnp_BankTranNo".into(), format!("VNP{transaction_no}")),
        ("vnp_CardType".into(), "ATM".into()),
        ("vnp_OrderInfo".into(), param(&order, "vnp_OrderInfo").into()),
        ("vnp_PayDate".into(), vnpay_datetime(now)),
        ("vnp_ResponseCode".into(), response_code.into()),
        ("vnp_TmnCode".into(), param(&order, "vnp_TmnCode").into()),
        ("vnp_TransactionNo".into(), if response_code == "00" { transaction_no } else { "0".into() }),
        ("vnp_TransactionStatus".into(), status.into()),
        ("vnp_TxnRef".into(), param(&order, "vnp_TxnRef").into()),
    ];
    params.sort();
    let signed = vnpay_signed_query(&state.config.payments.merchant.hash_secret, &params);
    // VNPay does not notify for a request that expired before payment; everything else is notified.
    if response_code != "11" {
        let reply = process_ipn(&state, &query_pairs(Some(&signed)), ip).await;
        tracing::info!(rsp_code = reply.code(), "sandbox gateway notified the IPN");
    }
    // The payer's browser goes back to the merchant's return address, like VNPay does — but only to our own
    // return page: whatever host the (signed) request named, the path and the signed result are kept.
    let return_url = param(&order, "vnp_ReturnUrl");
    let path = return_url.find("/payments/vnpay/return").map_or("/payments/vnpay/return", |i| &return_url[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("/payments/vnpay/return");
    let local = format!("{path}?{signed}");
    Ok(redirect(&local))
}
