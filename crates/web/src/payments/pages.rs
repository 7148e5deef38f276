//! Payment pages: "Pay" from the dossier page, money taken at the desk, the printable receipt (A4, or 80 mm
//! thermal with `?format=thermal`), refunds by the desk, and the public receipt check `/bien-lai/tra-cuu`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use smartcity_domain::dossiers::Channel;
use smartcity_domain::identity::Role;
use smartcity_domain::payments::{PaymentMethod, ReceiptKind, VerificationCode, check_amount, parse_amount};
use smartcity_store::payments::{NewPayment, NewRefund, NewReplacement, PaymentBreakdown, Receipt, ReceiptIssue};
use smartcity_store::{AuditContext, DossierStore, PaymentStore};

use super::api::{ReceiptCheck, ReceiptView, full_view, open_online, receipt_check};
use super::{fee_lines, is_desk_for, release_change, series_for, visible_receipt};
use crate::AppState;
use crate::dossiers::workflow;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render};
use crate::transparency::pages::{csv_field, csv_response};

/// The fee chosen on the dossier page.
#[derive(Debug, Deserialize)]
pub struct PayForm {
    #[serde(default)]
    pub fee_key: String,
}

/// `POST /dossiers/{code}/pay`: open the payment and send the applicant to the gateway.
pub async fn pay(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    AppForm(form): AppForm<PayForm>,
) -> AppResult<Response> {
    let dossier = state.store.dossier_by_code(&code).await?.ok_or_else(AppError::not_found)?;
    if !workflow::may_view(&state, &user, &dossier).await? {
        return Err(AppError::not_found());
    }
    series_for(&state, &dossier).await?;
    let (_, url) = open_online(&state, &user, ip, &headers, &dossier, Some(&form.fee_key), ctx.lang_code()).await?;
    Ok(redirect(&url))
}

/// What the desk records.
#[derive(Debug, Deserialize)]
pub struct CounterForm {
    pub fee_key: String,
    /// `cash` or `bank_transfer`.
    pub method: String,
}

/// `POST /dossiers/{code}/payments/counter`: the reception officer records cash or a bank transfer; the receipt
/// is issued at once and opens, ready to print (thermal for cash).
pub async fn counter_payment(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppForm(form): AppForm<CounterForm>,
) -> AppResult<Response> {
    let dossier = state.store.dossier_by_code(&code).await?.ok_or_else(AppError::not_found)?;
    if !is_desk_for(&state, &user, &dossier).await? {
        return Err(AppError::forbidden());
    }
    let method = PaymentMethod::parse(&form.method)?;
    if method.is_online() {
        return Err(AppError::invalid_field(
            "method",
            "method_not_counter",
            "Tại quầy chỉ ghi nhận tiền mặt hoặc chuyển khoản.",
            "The desk records cash or bank transfers only.",
        ));
    }
    let lines = fee_lines(&state, &dossier).await?;
    let line = lines
        .iter()
        .find(|l| l.fee.key == form.fee_key.trim())
        .ok_or_else(|| AppError::invalid_field("fee_key", "fee_not_found", "Hãy chọn khoản thu.", "Choose the fee."))?;
    if !line.is_due() {
        return Err(AppError::invalid_field(
            "fee_key",
            "fee_not_due",
            "Khoản thu này đã được nộp hoặc miễn.",
            "This fee is already paid or waived.",
        ));
    }
    let series = series_for(&state, &dossier).await?;
    let ctx = AuditContext::account(user.id(), ip);
    let mut tries = 0;
    let (_, receipt) = loop {
        let change = release_change(&state, &dossier_now(&state, &dossier).await?, &line.fee.key).await?;
        let new = NewPayment {
            dossier_id: dossier.id,
            fee: line.fee.clone(),
            method,
            payer_name: dossier.applicant_name.clone(),
            created_by: Some(user.id()),
            expires_at: smartcity_store::now(),
        };
        let issue = ReceiptIssue { series_id: series.id, issued_by_name: user.0.account.display_name.clone() };
        match state.store.record_counter_payment(&ctx, new, issue, change).await {
            Err(smartcity_store::StoreError::Conflict { constraint })
                if constraint == "dossier_changed" && tries < 2 =>
            {
                tries += 1;
            }
            other => break other.map_err(workflow::changed_conflict)?,
        }
    };
    let thermal = if method == PaymentMethod::Cash { "?format=thermal" } else { "" };
    Ok(redirect(&format!("/bien-lai/{}/{}{thermal}", receipt.series_slug(), receipt.number)))
}

async fn dossier_now(
    state: &AppState,
    dossier: &smartcity_store::dossiers::Dossier,
) -> AppResult<smartcity_store::dossiers::Dossier> {
    state.store.dossier(dossier.id).await?.ok_or_else(AppError::not_found)
}

#[derive(Template)]
#[template(path = "payments/receipt.html")]
struct ReceiptPage {
    ctx: PageContext,
    r: ReceiptView,
    series_slug: String,
    number: i64,
    thermal: bool,
    /// The desk may refund from this receipt (the one in force of a paid payment).
    can_refund: bool,
    /// The desk may replace this receipt (a fee receipt or replacement not yet replaced).
    can_replace: bool,
    adjustments: Vec<Receipt>,
    error: Option<String>,
}

impl ReceiptPage {
    fn vnd<T: std::borrow::Borrow<i64>>(&self, amount: T) -> String {
        smartcity_domain::payments::format_vnd(*amount.borrow())
    }
}

/// `?format=thermal` for the 80 mm layout.
#[derive(Debug, Default, Deserialize)]
pub struct ReceiptQuery {
    #[serde(default)]
    pub format: Option<String>,
}

async fn receipt_page_for(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    receipt: Receipt,
    thermal: bool,
    error: Option<String>,
) -> AppResult<Response> {
    let dossier = state.store.dossier(receipt.dossier_id).await?.ok_or_else(AppError::not_found)?;
    let payment = state.store.payment(receipt.payment_id).await?.ok_or_else(AppError::not_found)?;
    let view = full_view(state, &receipt).await?;
    let in_force = receipt.receipt_kind() != ReceiptKind::Adjustment && view.replaced_by.is_none();
    let desk = is_desk_for(state, user, &dossier).await?;
    let can_refund = in_force && payment.status == smartcity_domain::payments::PaymentStatus::Paid && desk;
    let adjustments =
        state.store.receipts_of_payment(payment.id).await?.into_iter().filter(|r| r.id != receipt.id).collect();
    Ok(render(&ReceiptPage {
        r: view,
        can_replace: in_force && desk,
        series_slug: receipt.series_slug(),
        number: receipt.number,
        ctx,
        thermal,
        can_refund,
        adjustments,
        error,
    }))
}

/// `GET /bien-lai/{series}/{number}`: the receipt, printable (A4, or 80 mm with `?format=thermal`).
pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path((series, number)): Path<(String, String)>,
    AppQuery(q): AppQuery<ReceiptQuery>,
) -> AppResult<Response> {
    let receipt = visible_receipt(&state, &user, &series, &number).await?;
    receipt_page_for(&state, ctx, &user, receipt, q.format.as_deref() == Some("thermal"), None).await
}

/// What the desk enters for a refund.
#[derive(Debug, Deserialize)]
pub struct RefundForm {
    pub amount: String,
    pub reason: String,
    pub approved_by: String,
}

/// `POST /bien-lai/{series}/{number}/refund`: refund all or part of the payment; the adjusting receipt opens.
pub async fn refund(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path((series, number)): Path<(String, String)>,
    AppForm(form): AppForm<RefundForm>,
) -> AppResult<Response> {
    let receipt = visible_receipt(&state, &user, &series, &number).await?;
    let dossier = state.store.dossier(receipt.dossier_id).await?.ok_or_else(AppError::not_found)?;
    if !is_desk_for(&state, &user, &dossier).await? {
        return Err(AppError::forbidden());
    }
    let amount = match parse_amount("amount", &form.amount).and_then(|a| check_amount("amount", a)) {
        Ok(a) => a,
        Err(e) => {
            let message = ctx.pick(&e.vi, &e.en).to_owned();
            return receipt_page_for(&state, ctx, &user, receipt, false, Some(message)).await;
        }
    };
    let series_row = series_for(&state, &dossier).await?;
    let done = state
        .store
        .refund_payment(
            &AuditContext::account(user.id(), ip),
            NewRefund {
                payment_id: receipt.payment_id,
                amount_vnd: amount,
                reason: form.reason,
                approved_by: form.approved_by,
                created_by: Some(user.id()),
                receipt: ReceiptIssue { series_id: series_row.id, issued_by_name: user.0.account.display_name.clone() },
            },
        )
        .await;
    match done {
        Ok(adjusting) => Ok(redirect(&format!("/bien-lai/{}/{}", adjusting.series_slug(), adjusting.number))),
        Err(smartcity_store::StoreError::Invalid(e)) => {
            let message = ctx.pick(&e.vi, &e.en).to_owned();
            receipt_page_for(&state, ctx, &user, receipt, false, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// What the desk enters to replace a receipt issued with wrong payer details.
#[derive(Debug, Deserialize)]
pub struct ReplaceForm {
    pub payer_name: String,
    #[serde(default)]
    pub payer_id_number: String,
    pub reason: String,
}

/// `POST /bien-lai/{series}/{number}/replace`: issue a replacement receipt (biên lai thay thế) with the corrected
/// details; the old one stays as issued and names its replacement. The new receipt opens.
pub async fn replace(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path((series, number)): Path<(String, String)>,
    AppForm(form): AppForm<ReplaceForm>,
) -> AppResult<Response> {
    let receipt = visible_receipt(&state, &user, &series, &number).await?;
    let dossier = state.store.dossier(receipt.dossier_id).await?.ok_or_else(AppError::not_found)?;
    if !is_desk_for(&state, &user, &dossier).await? {
        return Err(AppError::forbidden());
    }
    let series_row = series_for(&state, &dossier).await?;
    let done = state
        .store
        .replace_receipt(
            &AuditContext::account(user.id(), ip),
            NewReplacement {
                receipt_id: receipt.id,
                payer_name: form.payer_name,
                payer_id_number: form.payer_id_number,
                reason: form.reason,
                receipt: ReceiptIssue { series_id: series_row.id, issued_by_name: user.0.account.display_name.clone() },
            },
        )
        .await;
    match done {
        Ok(new) => Ok(redirect(&format!("/bien-lai/{}/{}", new.series_slug(), new.number))),
        Err(smartcity_store::StoreError::Invalid(e)) => {
            let message = ctx.pick(&e.vi, &e.en).to_owned();
            receipt_page_for(&state, ctx, &user, receipt, false, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "payments/verify.html")]
struct VerifyPage {
    ctx: PageContext,
    code: String,
    found: Option<ReceiptCheck>,
    error: Option<String>,
}

/// `?code=` of the public check.
#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    pub code: String,
}

/// `GET /bien-lai/tra-cuu?code=…`: anyone checks a receipt by its code; initials only, no ID numbers.
pub async fn verify_page(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<VerifyQuery>,
) -> AppResult<Response> {
    let code = q.code.trim().to_owned();
    let (found, error) = if code.is_empty() {
        (None, None)
    } else {
        match VerificationCode::parse(&code) {
            Err(e) => (None, Some(ctx.pick(&e.vi, &e.en).to_owned())),
            Ok(parsed) => match state.store.receipt_by_code(&parsed).await? {
                Some(r) => (Some(receipt_check(&state, &r).await?), None),
                None => (
                    None,
                    Some(
                        ctx.pick("Không có biên lai nào mang mã tra cứu này.", "No receipt carries this code.")
                            .to_owned(),
                    ),
                ),
            },
        }
    };
    Ok(render(&VerifyPage { ctx, code, found, error }))
}

/// One line of the daily reconciliation: a unit and a channel, what was ordered and what was confirmed.
#[derive(Debug, Clone, Default)]
pub struct ReconciliationLine {
    pub unit_code: String,
    pub method: String,
    pub expected_count: i64,
    pub expected_vnd: i64,
    pub confirmed_count: i64,
    pub confirmed_vnd: i64,
}

impl ReconciliationLine {
    /// Orders opened but never confirmed (failed, cancelled, expired or still pending).
    pub fn gap_vnd(&self) -> i64 {
        self.expected_vnd - self.confirmed_vnd
    }
}

/// Folds per-status totals into expected (every order) and confirmed (paid, or paid then refunded) per unit
/// and channel.
pub fn reconcile(totals: &[smartcity_store::payments::PaymentTotals]) -> Vec<ReconciliationLine> {
    let mut lines: Vec<ReconciliationLine> = Vec::new();
    for t in totals {
        let i = match lines.iter().position(|l| l.unit_code == t.unit_code && l.method == t.method) {
            Some(i) => i,
            None => {
                lines.push(ReconciliationLine {
                    unit_code: t.unit_code.clone(),
                    method: t.method.clone(),
                    ..Default::default()
                });
                lines.len() - 1
            }
        };
        let line = &mut lines[i];
        line.expected_count += t.count;
        line.expected_vnd += t.amount_vnd;
        if matches!(t.status.as_str(), "paid" | "refunded") {
            line.confirmed_count += t.count;
            line.confirmed_vnd += t.amount_vnd;
        }
    }
    lines
}

/// `?day=YYYY-MM-DD` (Vietnam date) of the reconciliation, today by default; `from`/`to` (both included) of the
/// totals, this month so far by default.
#[derive(Debug, Default, Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

fn parse_day(field: &'static str, text: &str, default: NaiveDate) -> AppResult<NaiveDate> {
    match text.trim() {
        "" => Ok(default),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            AppError::invalid_field(
                field,
                "date_invalid",
                "Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-11-27.",
                "The day must be year-month-day, e.g. 2026-11-27.",
            )
        }),
    }
}

/// The first instant of a Vietnam calendar day.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    smartcity_domain::time::TZ
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive()
}

/// A period of whole Vietnam days, both ends included.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `from`/`to` as typed; this month so far when left out. `period_invalid` when it ends before it starts
    /// or spans more than a year and a day.
    pub fn parse(from: &str, to: &str) -> AppResult<Period> {
        let today = today();
        let to = parse_day("to", to, today)?;
        let from = parse_day("from", from, to.with_day(1).unwrap_or(to))?;
        if to < from || (to - from).num_days() > 366 {
            return Err(AppError::invalid_field(
                "to",
                "period_invalid",
                "Khoảng thời gian phải kết thúc sau khi bắt đầu và dài không quá một năm.",
                "The period must end after it starts and last at most a year.",
            ));
        }
        Ok(Period { from, to })
    }

    /// `[start of from, start of the day after to)` in UTC.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (start_of(self.from), start_of(self.to.succ_opt().unwrap_or(self.to)))
    }
}

/// The staff who reconcile and report: reception officers and administrators.
pub async fn require_payment_staff(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    user.require_any_role(state, &[Role::ReceptionOfficer, Role::Administrator]).await
}

#[derive(Template)]
#[template(path = "payments/reconciliation.html")]
struct ReconciliationPage {
    ctx: PageContext,
    day: String,
    lines: Vec<ReconciliationLine>,
    /// Orders of the day that were not confirmed: (dossier code, payment).
    mismatches: Vec<(String, smartcity_store::payments::Payment)>,
    from: String,
    to: String,
    totals: Vec<PaymentBreakdown>,
}

impl ReconciliationPage {
    fn vnd<T: std::borrow::Borrow<i64>>(&self, amount: T) -> String {
        smartcity_domain::payments::format_vnd(*amount.borrow())
    }

    fn channel(&self, code: &str) -> &'static str {
        Channel::parse(code).map(|c| self.ctx.pick(c.label_vi(), c.label_en())).unwrap_or("—")
    }

    fn method(&self, code: &str) -> &'static str {
        PaymentMethod::parse(code).map(|m| self.ctx.pick(m.label_vi(), m.label_en())).unwrap_or("—")
    }

    fn total(&self) -> (i64, i64, i64) {
        self.totals.iter().fold((0, 0, 0), |(n, a, r), t| (n + t.count, a + t.amount_vnd, r + t.refunded_vnd))
    }
}

/// The gateway a payment method went through: VNPay for online payments, none at the desk.
pub fn gateway_of(method: &str) -> &'static str {
    if method == PaymentMethod::Vnpay.as_str() { "vnpay" } else { "" }
}

/// `GET /desk/payments`: the daily reconciliation per unit and channel (reception officers, administrators):
/// expected vs confirmed, and the orders that did not settle, to check against the gateway's own report; and
/// the money confirmed over a period per procedure, unit, dossier channel and payment method.
pub async fn reconciliation(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    AppQuery(q): AppQuery<DayQuery>,
) -> AppResult<Response> {
    require_payment_staff(&state, &user).await?;
    let day = parse_day("day", &q.day, today())?;
    let (from, to) = (start_of(day), start_of(day.succ_opt().unwrap_or(day)));
    let lines = reconcile(&state.store.payment_totals(from, to).await?);
    let mut mismatches = Vec::new();
    for p in state.store.payments_created(from, to, 500).await? {
        if matches!(
            p.status,
            smartcity_domain::payments::PaymentStatus::Paid | smartcity_domain::payments::PaymentStatus::Refunded
        ) {
            continue;
        }
        let code = state.store.dossier(p.dossier_id).await?.map(|d| d.code).unwrap_or_default();
        mismatches.push((code, p));
    }
    let period = Period::parse(&q.from, &q.to)?;
    let (start, end) = period.bounds();
    let totals = state.store.payment_breakdown(start, end).await?;
    Ok(render(&ReconciliationPage {
        ctx,
        day: day.to_string(),
        lines,
        mismatches,
        from: period.from.to_string(),
        to: period.to.to_string(),
        totals,
    }))
}

/// `GET /desk/payments/totals.csv?from=&to=`: the period's totals per procedure, unit, channel and payment
/// method, for a spreadsheet.
pub async fn totals_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<DayQuery>,
) -> AppResult<Response> {
    require_payment_staff(&state, &user).await?;
    let period = Period::parse(&q.from, &q.to)?;
    let (start, end) = period.bounds();
    let rows = state.store.payment_breakdown(start, end).await?;
    let mut body = String::from(
        "procedure_code,procedure_name,unit_code,channel,method,gateway,count,amount_vnd,refunded_vnd,net_vnd\r\n",
    );
    for r in &rows {
        body.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(&r.procedure_code),
            csv_field(&r.procedure_name),
            csv_field(&r.unit_code),
            r.channel,
            r.method,
            gateway_of(&r.method),
            r.count,
            r.amount_vnd,
            r.refunded_vnd,
            r.amount_vnd - r.refunded_vnd
        ));
    }
    Ok(csv_response(&format!("thu-phi-{}-{}.csv", period.from, period.to), body))
}

/// What the desk records to waive a fee.
#[derive(Debug, Deserialize)]
pub struct ExemptForm {
    pub fee_key: String,
    pub reason: String,
    pub approved_by: String,
}

/// `POST /dossiers/{code}/payments/exempt`: the desk waives a fee with the reason and approver (Luật Phí và lệ
/// phí 2015 Art. 10); a dossier waiting in status 6 only for that fee moves on.
pub async fn exempt(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppForm(form): AppForm<ExemptForm>,
) -> AppResult<Response> {
    let dossier = state.store.dossier_by_code(&code).await?.ok_or_else(AppError::not_found)?;
    if !is_desk_for(&state, &user, &dossier).await? {
        return Err(AppError::forbidden());
    }
    let exemption = smartcity_domain::payments::Exemption::parse(&form.reason, &form.approved_by)?;
    let lines = fee_lines(&state, &dossier).await?;
    let line = lines
        .iter()
        .find(|l| l.fee.key == form.fee_key.trim())
        .ok_or_else(|| AppError::invalid_field("fee_key", "fee_not_found", "Hãy chọn khoản thu.", "Choose the fee."))?;
    if !line.is_due() {
        return Err(AppError::invalid_field(
            "fee_key",
            "fee_not_due",
            "Khoản thu này đã được nộp hoặc miễn.",
            "This fee is already paid or waived.",
        ));
    }
    let ctx = AuditContext::account(user.id(), ip);
    // Decided before the exemption is written: the fee being waived no longer blocks the dossier.
    let release = release_change(&state, &dossier, &line.fee.key).await?;
    state.store.exempt_fee(&ctx, dossier.id, &line.fee.key, exemption, Some(user.id())).await?;
    if let Some((_, change)) = release {
        state.store.apply_dossier_change(&ctx, change).await.map_err(workflow::changed_conflict)?;
    }
    Ok(redirect(&format!("/dossiers/{}", dossier.code)))
}
