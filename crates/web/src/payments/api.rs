//! `payments` JSON API: open a payment for a dossier's fee (answering with the gateway address), read a payment,
//! read a receipt (JSON, or XML with `?format=xml`), and verify a receipt by its code (public, no personal data).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use smartcity_domain::identity::display_name_initials;
use smartcity_domain::payments::{PaymentMethod, ReceiptKind, VerificationCode, format_receipt_number, format_vnd};
use smartcity_store::dossiers::Dossier;
use smartcity_store::payments::{NewPayment, Payment, Receipt};
use smartcity_store::{AuditContext, DossierStore, PaymentStore};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::gateway::{PaymentGateway, VnpayGateway, order};
use super::{FeeLine, fee_lines};
use crate::AppState;
use crate::dossiers::workflow;
use crate::error::{ApiErrorBody, AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppJson, AppQuery};

/// Body of `POST /api/v1/dossiers/{code}/payments`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePaymentRequest {
    /// The fee to pay (`le_phi`…); the first fee still due when omitted.
    #[serde(default)]
    pub fee_key: Option<String>,
    /// `vi` (default) or `en`: the language of the gateway's page.
    #[serde(default)]
    pub locale: Option<String>,
}

/// A payment as its payer or staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: Uuid,
    pub dossier_code: String,
    pub fee_key: String,
    pub fee_name_vi: String,
    pub fee_name_en: String,
    /// Whole đồng.
    pub amount_vnd: i64,
    /// `vnpay`, `cash` or `bank_transfer`.
    pub method: String,
    /// `created`, `pending`, `paid`, `failed`, `expired` or `refunded`.
    pub status: String,
    /// Our order reference (`vnp_TxnRef`).
    pub txn_ref: String,
    pub gateway_txn_no: Option<String>,
    pub bank_code: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub paid_at: Option<String>,
    /// Where to send the payer (pending online payments only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_url: Option<String>,
    /// Addresses of the payment's receipts (`/api/v1/receipts/{series}/{number}`).
    pub receipts: Vec<String>,
}

fn view(payment: &Payment, dossier_code: &str, url: Option<String>, receipts: &[Receipt]) -> PaymentView {
    PaymentView {
        id: payment.id,
        dossier_code: dossier_code.to_owned(),
        fee_key: payment.fee_key.clone(),
        fee_name_vi: payment.fee_name_vi.clone(),
        fee_name_en: payment.fee_name_en.clone(),
        amount_vnd: payment.amount_vnd,
        method: payment.method.as_str().to_owned(),
        status: payment.status.as_str().to_owned(),
        txn_ref: payment.txn_ref.clone(),
        gateway_txn_no: payment.gateway_txn_no.clone(),
        bank_code: payment.bank_code.clone(),
        created_at: payment.created_at.to_rfc3339(),
        expires_at: payment.expires_at.to_rfc3339(),
        paid_at: payment.paid_at.map(|t| t.to_rfc3339()),
        payment_url: url,
        receipts: receipts.iter().map(|r| format!("/api/v1/receipts/{}/{}", r.series_slug(), r.number)).collect(),
    }
}

/// Our public address: the configured one, else the scheme and host the request came with.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.payments.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let https = state.config.secure_cookies
        || headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// Open (or reopen, for a second tab) the online payment of one due fee of `dossier`, and the gateway address
/// to send the payer to. Only the dossier's applicant pays online.
pub async fn open_online(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<String>,
    headers: &HeaderMap,
    dossier: &Dossier,
    fee_key: Option<&str>,
    locale: &str,
) -> AppResult<(Payment, String)> {
    if dossier.applicant_id != Some(user.id()) {
        return Err(AppError::forbidden());
    }
    if dossier.status.is_final() {
        return Err(AppError::new(
            "dossier_closed",
            StatusCode::CONFLICT,
            "Hồ sơ đã kết thúc; không thể thanh toán.",
            "The dossier is closed; nothing can be paid.",
        ));
    }
    let lines = fee_lines(state, dossier).await?;
    let line: &FeeLine = match fee_key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => lines.iter().find(|l| l.fee.key == key).ok_or_else(|| {
            AppError::invalid_field(
                "fee_key",
                "fee_not_found",
                format!("Thủ tục không có khoản thu “{key}”."),
                format!("The procedure has no fee “{key}”."),
            )
        })?,
        None => lines.iter().find(|l| l.is_due()).ok_or_else(|| {
            AppError::new(
                "nothing_due",
                StatusCode::CONFLICT,
                "Hồ sơ không còn khoản phí, lệ phí nào phải nộp.",
                "Nothing is due on this dossier.",
            )
        })?,
    };
    if line.exemption.is_some() {
        return Err(AppError::new(
            "fee_exempted",
            StatusCode::CONFLICT,
            "Khoản thu này đã được miễn.",
            "This fee has been waived.",
        ));
    }
    let config = &state.config.payments;
    let (payment, _) = state
        .store
        .open_online_payment(
            &AuditContext::account(user.id(), ip.clone()),
            NewPayment {
                dossier_id: dossier.id,
                fee: line.fee.clone(),
                method: PaymentMethod::Vnpay,
                payer_name: dossier.applicant_name.clone(),
                created_by: Some(user.id()),
                expires_at: Utc::now() + Duration::minutes(config.expiry_minutes),
            },
        )
        .await?;
    let base = base_url(state, headers);
    let info = format!("Thanh toan {} ho so {}", line.fee.name_vi, dossier.code);
    let gateway = VnpayGateway { merchant: &config.merchant };
    let url = gateway.payment_url(&order(
        &payment.txn_ref,
        payment.amount_vnd,
        &info,
        locale,
        format!("{base}/payments/vnpay/return"),
        ip,
        payment.created_at,
        payment.expires_at,
    ));
    let url = if url.starts_with('/') { format!("{base}{url}") } else { url };
    Ok((payment, url))
}

/// Open an online payment for a fee of the dossier and get the gateway address to send the payer to. A second
/// call for the same fee while the first is open returns the same order.
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/payments", tag = "payments", request_body = CreatePaymentRequest,
    params(("code" = String, Path, description = "Dossier code")),
    responses((status = 201, description = "Payment open at the gateway", body = PaymentView),
              (status = 409, description = "Nothing due, fee waived, dossier closed or no receipt series", body = ApiErrorBody),
              (status = 422, description = "Unknown fee, or the fee is already paid", body = ApiErrorBody)))]
pub async fn create_payment(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    AppJson(body): AppJson<CreatePaymentRequest>,
) -> AppResult<Response> {
    let dossier = state.store.dossier_by_code(&code).await?.ok_or_else(AppError::not_found)?;
    if !workflow::may_view(&state, &user, &dossier).await? {
        return Err(AppError::not_found());
    }
    super::series_for(&state, &dossier).await?;
    let locale = body.locale.as_deref().unwrap_or("vi");
    let (payment, url) = open_online(&state, &user, ip, &headers, &dossier, body.fee_key.as_deref(), locale).await?;
    Ok((StatusCode::CREATED, Json(view(&payment, &dossier.code, Some(url), &[]))).into_response())
}

/// A payment, for the dossier's applicant or staff in scope.
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments",
    params(("id" = Uuid, Path, description = "Payment id")),
    responses((status = 200, description = "The payment", body = PaymentView),
              (status = 404, description = "No such payment visible to the caller", body = ApiErrorBody)))]
pub async fn get_payment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<PaymentView>> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::not_found())?;
    let payment = state.store.payment(id).await?.ok_or_else(AppError::not_found)?;
    let dossier = state.store.dossier(payment.dossier_id).await?.ok_or_else(AppError::not_found)?;
    if !workflow::may_view(&state, &user, &dossier).await? {
        return Err(AppError::not_found());
    }
    let receipts = state.store.receipts_of_payment(payment.id).await?;
    Ok(Json(view(&payment, &dossier.code, None, &receipts)))
}

/// An e-receipt with every field it carries (ND 123/2020, TT 78/2021).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// Tên loại biên lai.
    pub receipt_type: String,
    /// `original`, `adjustment` or `replacement`.
    pub kind: String,
    /// Ký hiệu mẫu biên lai.
    pub template_symbol: String,
    /// Ký hiệu biên lai.
    pub series_symbol: String,
    /// Số biên lai, 7 digits.
    pub number: String,
    pub collector_name: String,
    pub collector_tax_code: String,
    pub payer_name: String,
    pub payer_id_number: Option<String>,
    /// `le_phi` or `phi`.
    pub fee_kind: String,
    pub fee_name: String,
    pub procedure_name: String,
    /// Whole đồng (negative on a refund adjustment).
    pub amount_vnd: i64,
    pub amount_in_words: String,
    pub payment_method: String,
    pub issued_at: String,
    pub issued_by: String,
    pub dossier_code: String,
    pub verification_code: String,
    /// The receipt this one adjusts (`{series}/{number}`).
    pub adjusts: Option<String>,
    /// The receipt this replacement replaces (`{series}/{number}`).
    pub replaces: Option<String>,
    /// The receipt that replaced this one (`{series}/{number}`): this one is no longer in force.
    pub replaced_by: Option<String>,
    pub note: String,
}

/// How a receipt is named on another receipt: `AA/26E/0000001`.
fn receipt_ref(r: &Receipt) -> String {
    format!("{}/{}", r.series_symbol, r.number_text())
}

async fn receipt_view(state: &AppState, r: &Receipt) -> AppResult<ReceiptView> {
    let original = match r.original_id {
        Some(id) => state.store.receipt(id).await?.map(|o| receipt_ref(&o)),
        None => None,
    };
    let replaced = r.receipt_kind() == ReceiptKind::Replacement;
    let (adjusts, replaces) = if replaced { (None, original) } else { (original, None) };
    let replaced_by = state.store.replacement_of(r.id).await?.map(|n| receipt_ref(&n));
    Ok(ReceiptView {
        receipt_type: r.receipt_kind().label_vi().to_owned(),
        kind: r.kind.clone(),
        template_symbol: r.template_symbol.clone(),
        series_symbol: r.series_symbol.clone(),
        number: r.number_text(),
        collector_name: r.collector_name.clone(),
        collector_tax_code: r.collector_tax_code.clone(),
        payer_name: r.payer_name.clone(),
        payer_id_number: r.payer_id_number.clone(),
        fee_kind: r.fee_kind.clone(),
        fee_name: r.fee_name_vi.clone(),
        procedure_name: r.procedure_name.clone(),
        amount_vnd: r.amount_vnd,
        amount_in_words: r.amount_words.clone(),
        payment_method: PaymentMethod::parse(&r.method).map(|m| m.label_vi().to_owned()).unwrap_or_default(),
        issued_at: smartcity_domain::time::format_local_datetime(r.issued_at),
        issued_by: r.issued_by_name.clone(),
        dossier_code: r.dossier_code.clone(),
        verification_code: r.verification_code.clone(),
        adjusts,
        replaces,
        replaced_by,
        note: r.note.clone(),
    })
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The receipt as XML: one element per field, in the order of [`ReceiptView`].
pub fn receipt_xml(v: &ReceiptView) -> String {
    let fields: [(&str, String); 23] = [
        ("TenLoaiBienLai", v.receipt_type.clone()),
        ("LoaiBienLai", v.kind.clone()),
        ("KyHieuMau", v.template_symbol.clone()),
        ("KyHieu", v.series_symbol.clone()),
        ("SoBienLai", v.number.clone()),
        ("TenDonViThu", v.collector_name.clone()),
        ("MaSoThueDonViThu", v.collector_tax_code.clone()),
        ("TenNguoiNop", v.payer_name.clone()),
        ("SoDinhDanhNguoiNop", v.payer_id_number.clone().unwrap_or_default()),
        ("LoaiPhiLePhi", v.fee_kind.clone()),
        ("TenKhoanThu", v.fee_name.clone()),
        ("TenThuTuc", v.procedure_name.clone()),
        ("SoTien", v.amount_vnd.to_string()),
        ("SoTienBangChu", v.amount_in_words.clone()),
        ("HinhThucThanhToan", v.payment_method.clone()),
        ("NgayLap", v.issued_at.clone()),
        ("NguoiThu", v.issued_by.clone()),
        ("MaHoSo", v.dossier_code.clone()),
        ("MaTraCuu", v.verification_code.clone()),
        ("DieuChinhChoBienLai", v.adjusts.clone().unwrap_or_default()),
        ("ThayTheChoBienLai", v.replaces.clone().unwrap_or_default()),
        ("BiThayTheBoiBienLai", v.replaced_by.clone().unwrap_or_default()),
        ("GhiChu", v.note.clone()),
    ];
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BienLai>\n");
    for (tag, value) in fields {
        out.push_str(&format!("  <{tag}>{}</{tag}>\n", xml_escape(&value)));
    }
    out.push_str("</BienLai>\n");
    out
}

/// `?format=xml` for the XML export.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ReceiptFormat {
    /// `json` (default) or `xml`.
    #[serde(default)]
    pub format: Option<String>,
}

/// A receipt by series and number, for the dossier's applicant or staff in scope; `?format=xml` for XML.
#[utoipa::path(get, path = "/api/v1/receipts/{series}/{number}", tag = "payments",
    params(("series" = String, Path, description = "Series symbol, `/` written as `-` (AA-26E)"),
           ("number" = String, Path, description = "Receipt number (42 or 0000042)"), ReceiptFormat),
    responses((status = 200, description = "The receipt", body = ReceiptView),
              (status = 404, description = "No such receipt visible to the caller", body = ApiErrorBody)))]
pub async fn get_receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((series, number)): Path<(String, String)>,
    AppQuery(format): AppQuery<ReceiptFormat>,
) -> AppResult<Response> {
    let receipt = super::visible_receipt(&state, &user, &series, &number).await?;
    let v = receipt_view(&state, &receipt).await?;
    if format.format.as_deref() == Some("xml") {
        return Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], receipt_xml(&v)).into_response());
    }
    Ok(Json(v).into_response())
}

/// What anyone holding a receipt's code may see: enough to check it is genuine, no personal data beyond initials.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptCheck {
    /// Genuine and in force: false once a replacement receipt has taken its place.
    pub valid: bool,
    /// The replacement that took its place (`{series}/{number}`), when it was replaced.
    pub replaced_by: Option<String>,
    /// The receipt this one replaces (`{series}/{number}`), for a replacement.
    pub replaces: Option<String>,
    pub receipt_type: String,
    pub template_symbol: String,
    pub series_symbol: String,
    pub number: String,
    pub collector_name: String,
    pub collector_tax_code: String,
    pub payer_initials: String,
    pub fee_name: String,
    pub amount_vnd: i64,
    pub amount_text: String,
    pub amount_in_words: String,
    pub issued_at: String,
    pub dossier_code: String,
}

/// The public view of a receipt, with what replaced it or what it replaces (ND 123/2020 as amended by ND
/// 70/2025: a replaced receipt stays on record but is no longer in force).
pub async fn receipt_check(state: &AppState, r: &Receipt) -> AppResult<ReceiptCheck> {
    let replaced_by = state.store.replacement_of(r.id).await?.map(|n| receipt_ref(&n));
    let replaces = match (r.receipt_kind(), r.original_id) {
        (ReceiptKind::Replacement, Some(id)) => state.store.receipt(id).await?.map(|o| receipt_ref(&o)),
        _ => None,
    };
    Ok(ReceiptCheck {
        valid: replaced_by.is_none(),
        replaced_by,
        replaces,
        receipt_type: r.receipt_kind().label_vi().to_owned(),
        template_symbol: r.template_symbol.clone(),
        series_symbol: r.series_symbol.clone(),
        number: format_receipt_number(r.number),
        collector_name: r.collector_name.clone(),
        collector_tax_code: r.collector_tax_code.clone(),
        payer_initials: display_name_initials(&r.payer_name),
        fee_name: r.fee_name_vi.clone(),
        amount_vnd: r.amount_vnd,
        amount_text: format_vnd(r.amount_vnd),
        amount_in_words: r.amount_words.clone(),
        issued_at: smartcity_domain::time::format_local_datetime(r.issued_at),
        dossier_code: r.dossier_code.clone(),
    })
}

/// Check a receipt by the code printed on it (public).
#[utoipa::path(get, path = "/api/v1/receipts/verify/{code}", tag = "payments",
    params(("code" = String, Path, description = "Verification code, e.g. 7K3M-Q9XD-2HFA-0RTB")),
    responses((status = 200, description = "A genuine receipt", body = ReceiptCheck),
              (status = 404, description = "No receipt has this code", body = ApiErrorBody),
              (status = 422, description = "Not a verification code", body = ApiErrorBody)))]
pub async fn verify_receipt(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<ReceiptCheck>> {
    let code = VerificationCode::parse(&code)?;
    let receipt = state.store.receipt_by_code(&code).await?.ok_or_else(|| {
        AppError::new(
            "receipt_not_found",
            StatusCode::NOT_FOUND,
            "Không có biên lai nào mang mã tra cứu này.",
            "No receipt carries this verification code.",
        )
    })?;
    Ok(Json(receipt_check(&state, &receipt).await?))
}

/// The full view of a receipt for the page and the exports.
pub async fn full_view(state: &AppState, r: &Receipt) -> AppResult<ReceiptView> {
    receipt_view(state, r).await
}

/// `?from=&to=` of the totals: Vietnam dates (YYYY-MM-DD), both included; this month so far by default.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TotalsQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// Money confirmed for one procedure, unit, dossier channel and payment method.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsRow {
    pub procedure_code: String,
    pub procedure_name: String,
    pub unit_code: String,
    /// How the dossier came in: `counter`, `online` or `post`.
    pub channel: String,
    /// `vnpay`, `cash` or `bank_transfer`.
    pub method: String,
    /// `vnpay` for payments through the gateway; empty at the desk.
    pub gateway: String,
    pub count: i64,
    /// Whole đồng confirmed.
    pub amount_vnd: i64,
    /// Whole đồng refunded of those payments.
    pub refunded_vnd: i64,
}

/// Totals of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentTotalsView {
    pub from: String,
    pub to: String,
    pub rows: Vec<TotalsRow>,
    pub count: i64,
    pub amount_vnd: i64,
    pub refunded_vnd: i64,
}

/// Money confirmed over a period per procedure, unit, channel and payment method (reception officers and
/// administrators). The same figures as `/desk/payments/totals.csv`.
#[utoipa::path(get, path = "/api/v1/payments/totals", tag = "payments", params(TotalsQuery),
    responses((status = 200, description = "Totals of the period", body = PaymentTotalsView),
              (status = 403, description = "Not a reception officer or administrator", body = ApiErrorBody),
              (status = 422, description = "A date is not YYYY-MM-DD, or the period is reversed or over a year", body = ApiErrorBody)))]
pub async fn totals(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<TotalsQuery>,
) -> AppResult<Json<PaymentTotalsView>> {
    super::pages::require_payment_staff(&state, &user).await?;
    let period = super::pages::Period::parse(&q.from, &q.to)?;
    let (start, end) = period.bounds();
    let rows: Vec<TotalsRow> = state
        .store
        .payment_breakdown(start, end)
        .await?
        .into_iter()
        .map(|r| TotalsRow {
            gateway: super::pages::gateway_of(&r.method).to_owned(),
            procedure_code: r.procedure_code,
            procedure_name: r.procedure_name,
            unit_code: r.unit_code,
            channel: r.channel,
            method: r.method,
            count: r.count,
            amount_vnd: r.amount_vnd,
            refunded_vnd: r.refunded_vnd,
        })
        .collect();
    Ok(Json(PaymentTotalsView {
        from: period.from.to_string(),
        to: period.to.to_string(),
        count: rows.iter().map(|r| r.count).sum(),
        amount_vnd: rows.iter().map(|r| r.amount_vnd).sum(),
        refunded_vnd: rows.iter().map(|r| r.refunded_vnd).sum(),
        rows,
    }))
}
