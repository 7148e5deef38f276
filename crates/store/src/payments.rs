//! `payments`: the fees of each procedure version, exemptions, payments (online through the gateway or at the
//! counter) with their events, receipt series with a number counter, receipts and refunds.
//!
//! The rules live in `domain::payments`; this module makes them hold under concurrency:
//! - a receipt number is taken from its series' counter row (`UPDATE … RETURNING`) in the transaction that
//!   inserts the receipt, so numbers are gap-free and unique per series (the row lock on PostgreSQL, the single
//!   writer on SQLite; a rollback returns the number);
//! - a payment is settled with a conditional `UPDATE … WHERE status IN (…)`, so a repeated or concurrent
//!   notification finds it settled and changes nothing;
//! - one open or paid payment per fee of a dossier (partial unique index `payments_open_fee_key`), so two tabs
//!   paying the same fee share one order;
//! - issued receipts are immutable (triggers refuse UPDATE and DELETE, like the audit log).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use smartcity_domain::payments::{
    CollectAt, Exemption, FeeKind, FeeSpec, PaymentEvent, PaymentMethod, PaymentStatus, PaymentStep, ReceiptKind,
    ReplacedReceipt, VerificationCode, ZeroTens, amount_in_words, check_next_receipt_number, check_refund,
    check_replacement, parse_series_symbol, parse_template_symbol, payment_transition, receipt_already_replaced,
    series_slug,
};
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::dossier_rollups::{RollupWrite, Which};
use crate::dossiers::{Dossier, DossierChange, DossierWrite};
use crate::procedures::Procedure;
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// A series of receipts of a collecting unit (ký hiệu mẫu + ký hiệu biên lai) with its number counter.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReceiptSeries {
    pub id: Uuid,
    pub unit_code: String,
    /// Ký hiệu mẫu biên lai, e.g. `01BLP0-001`.
    pub template_symbol: String,
    /// Ký hiệu biên lai, e.g. `AA/26E`.
    pub series_symbol: String,
    /// The series symbol as used in URLs (`AA-26E`).
    pub slug: String,
    /// The collecting organisation as printed on the receipt.
    pub collector_name: String,
    pub collector_tax_code: String,
    /// The last number issued (0 before the first receipt).
    pub last_number: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// What an administrator (or the demo) registers for a series.
#[derive(Debug, Clone)]
pub struct NewReceiptSeries {
    pub unit_code: String,
    pub template_symbol: String,
    pub series_symbol: String,
    pub collector_name: String,
    pub collector_tax_code: String,
}

/// One payment of one fee of a dossier.
#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub fee_key: String,
    pub fee_kind: FeeKind,
    pub fee_name_vi: String,
    pub fee_name_en: String,
    /// Whole đồng.
    pub amount_vnd: i64,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    /// Our order reference (`vnp_TxnRef` for online payments).
    pub txn_ref: String,
    /// The gateway's transaction number once it reported.
    pub gateway_txn_no: Option<String>,
    pub bank_code: Option<String>,
    pub payer_name: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: Uuid,
    dossier_id: Uuid,
    fee_key: String,
    fee_kind: String,
    fee_name_vi: String,
    fee_name_en: String,
    amount_vnd: i64,
    method: String,
    status: String,
    txn_ref: String,
    gateway_txn_no: Option<String>,
    bank_code: Option<String>,
    payer_name: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    paid_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

const PAYMENT_COLUMNS: &str = "id, dossier_id, fee_key, fee_kind, fee_name_vi, fee_name_en, amount_vnd, method, status, \
     txn_ref, gateway_txn_no, bank_code, payer_name, created_by, created_at, expires_at, paid_at, updated_at";

impl PaymentRow {
    fn into_payment(self) -> StoreResult<Payment> {
        Ok(Payment {
            id: self.id,
            dossier_id: self.dossier_id,
            fee_key: self.fee_key,
            fee_kind: FeeKind::parse(&self.fee_kind)?,
            fee_name_vi: self.fee_name_vi,
            fee_name_en: self.fee_name_en,
            amount_vnd: self.amount_vnd,
            method: PaymentMethod::parse(&self.method)?,
            status: PaymentStatus::parse(&self.status)?,
            txn_ref: self.txn_ref,
            gateway_txn_no: self.gateway_txn_no,
            bank_code: self.bank_code,
            payer_name: self.payer_name,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            paid_at: self.paid_at,
            updated_at: self.updated_at,
        })
    }
}

/// One entry of a payment's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PaymentEventRecord {
    pub at: DateTime<Utc>,
    /// `created`, `redirected`, `ipn`, `desk`, `expire`, `refund`, `callback_refused`.
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// The IPN reply code, for gateway notifications.
    pub rsp_code: Option<String>,
    pub details: String,
}

/// Biên lai điện tử: an issued receipt, as printed. Never changed after issue.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Receipt {
    pub id: Uuid,
    pub series_id: Uuid,
    pub number: i64,
    /// `original`, `adjustment` or `replacement` ([`ReceiptKind`]).
    pub kind: String,
    /// The receipt this one adjusts or replaces.
    pub original_id: Option<Uuid>,
    pub payment_id: Uuid,
    pub dossier_id: Uuid,
    pub dossier_code: String,
    pub template_symbol: String,
    pub series_symbol: String,
    pub collector_unit: String,
    pub collector_name: String,
    pub collector_tax_code: String,
    pub payer_name: String,
    /// The payer's ID number or tax code, when given (personal data: never on public pages).
    pub payer_id_number: Option<String>,
    pub fee_kind: String,
    pub fee_name_vi: String,
    pub fee_name_en: String,
    pub procedure_name: String,
    /// Whole đồng; negative on an adjusting receipt for a refund.
    pub amount_vnd: i64,
    pub amount_words: String,
    pub method: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by_name: String,
    pub verification_code: String,
    pub note: String,
}

const RECEIPT_COLUMNS: &str = "id, series_id, number, kind, original_id, payment_id, dossier_id, dossier_code, \
     template_symbol, series_symbol, collector_unit, collector_name, collector_tax_code, payer_name, payer_id_number, \
     fee_kind, fee_name_vi, fee_name_en, procedure_name, amount_vnd, amount_words, method, issued_at, issued_by_name, \
     verification_code, note";

impl Receipt {
    /// The receipt kind.
    pub fn receipt_kind(&self) -> ReceiptKind {
        ReceiptKind::parse(&self.kind).unwrap_or(ReceiptKind::Original)
    }

    /// The number as printed (`0000042`).
    pub fn number_text(&self) -> String {
        smartcity_domain::payments::format_receipt_number(self.number)
    }

    /// The series as used in URLs.
    pub fn series_slug(&self) -> String {
        series_slug(&self.series_symbol)
    }
}

/// A payment to open for one fee of a dossier.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub dossier_id: Uuid,
    pub fee: FeeSpec,
    pub method: PaymentMethod,
    pub payer_name: String,
    pub created_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

/// Who issues a receipt and from which series.
#[derive(Debug, Clone)]
pub struct ReceiptIssue {
    pub series_id: Uuid,
    /// Printed as the collector (người thu tiền): the desk officer, or the platform for online payments.
    pub issued_by_name: String,
}

/// A settlement of a payment by the gateway's notification.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub payment_id: Uuid,
    /// [`PaymentEvent::Confirmed`] or [`PaymentEvent::Declined`].
    pub event: PaymentEvent,
    pub gateway_txn_no: Option<String>,
    pub bank_code: Option<String>,
    /// The reply sent to the gateway, recorded on the event.
    pub rsp_code: Option<String>,
    /// The notification's parameters (without the hash), for the history.
    pub details: Value,
    /// Required for a confirmation: the series and collector of the receipt.
    pub receipt: Option<ReceiptIssue>,
    /// The dossier as read and the workflow's decision to move it on (out of status 6), written in the same
    /// transaction.
    pub dossier_change: Option<(Dossier, DossierChange)>,
}

/// What a settlement did.
#[derive(Debug, Clone)]
pub enum SettleOutcome {
    /// The payment moved; a confirmation issued this receipt.
    Applied { payment: Payment, receipt: Option<Box<Receipt>> },
    /// The payment was already settled (paid, failed, expired or refunded): nothing was written.
    AlreadySettled(Payment),
}

/// A refund to record against a paid payment.
#[derive(Debug, Clone)]
pub struct NewRefund {
    pub payment_id: Uuid,
    pub amount_vnd: i64,
    pub reason: String,
    pub approved_by: String,
    pub created_by: Option<Uuid>,
    pub receipt: ReceiptIssue,
}

/// Payment totals of one day, unit and channel, for the reconciliation report.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PaymentTotals {
    pub unit_code: String,
    pub method: String,
    pub status: String,
    pub count: i64,
    pub amount_vnd: i64,
}

/// A replacement of an issued receipt (biên lai thay thế) with the corrected payer details and the reason.
#[derive(Debug, Clone)]
pub struct NewReplacement {
    pub receipt_id: Uuid,
    pub payer_name: String,
    /// ID number or tax code; empty when the payer gave none.
    pub payer_id_number: String,
    pub reason: String,
    pub receipt: ReceiptIssue,
}

/// Money confirmed in a period for one procedure, unit, dossier channel and payment method.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentBreakdown {
    pub procedure_code: String,
    pub procedure_name: String,
    pub unit_code: String,
    /// How the dossier came in (DVCQG `KenhThucHien`): `counter`, `online` or `post`.
    pub channel: String,
    /// `vnpay` (through the gateway), `cash` or `bank_transfer` (at the desk).
    pub method: String,
    pub count: i64,
    /// Whole đồng confirmed.
    pub amount_vnd: i64,
    /// Whole đồng refunded of those payments (adjusting receipts).
    pub refunded_vnd: i64,
}

#[derive(sqlx::FromRow)]
struct BreakdownRow {
    procedure_code: String,
    procedure_name: String,
    unit_code: String,
    channel: i64,
    method: String,
    count: i64,
    amount_vnd: i64,
    refunded_vnd: i64,
}

/// A gateway call that was refused, to be recorded in the audit log and the order's history.
#[derive(Debug, Clone)]
pub struct RefusedCall {
    pub ctx: AuditContext,
    pub txn_ref: String,
    /// The order and its status when it exists.
    pub payment: Option<(Uuid, PaymentStatus)>,
    pub rsp_code: String,
    pub details: Value,
}

type Waiter = tokio::sync::oneshot::Sender<bool>;

/// Refused gateway calls waiting to be written, written in groups (group commit). Each caller waits until its
/// own call is committed, so a refusal is answered only once it is audited; a burst of replays or forgeries
/// costs one transaction, one read of the audit chain's head and two multi-row INSERTs per group instead of
/// five statements each behind SQLite's single writer (measured in `bench/payments.sh`).
#[derive(Default)]
pub(crate) struct RefusalQueue {
    /// The calls waiting, and whether a flush task is running.
    state: std::sync::Mutex<(Vec<(RefusedCall, Waiter)>, bool)>,
}

/// At most this many refusals per transaction: 10 bound values each stays far below SQLite's limits.
const REFUSALS_PER_BATCH: usize = 64;

/// Statuses from which `event` moves a payment, by the domain's state machine.
fn statuses_moved_by(event: PaymentEvent) -> Vec<&'static str> {
    PaymentStatus::ALL
        .iter()
        .filter(|s| matches!(payment_transition(**s, event), Ok(PaymentStep::To(_))))
        .map(|s| s.as_str())
        .collect()
}

/// The status `event` leads to (from any status it moves).
fn target_of(event: PaymentEvent) -> Option<PaymentStatus> {
    PaymentStatus::ALL.iter().find_map(|s| match payment_transition(*s, event) {
        Ok(PaymentStep::To(to)) => Some(to),
        _ => None,
    })
}

fn in_list(values: &[&str]) -> String {
    values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
}

/// 80 random bits for a verification code (from a v4 UUID's fully random bytes).
fn random_code() -> VerificationCode {
    let b = Uuid::new_v4().into_bytes();
    VerificationCode::from_random([b[0], b[1], b[2], b[3], b[4], b[5], b[10], b[11], b[12], b[13]])
}

/// Writes used inside a payment transaction on either engine.
pub(crate) trait PaymentWrite: AuditAppend + DossierWrite {
    /// The open (created or pending) or paid payment of a dossier's fee, if any (at most one, by
    /// `payments_open_fee_key`).
    async fn open_payment_of_fee(&mut self, dossier_id: Uuid, fee_key: &str) -> StoreResult<Option<Payment>>;
    async fn insert_payment(&mut self, new: &NewPayment, status: PaymentStatus) -> StoreResult<Payment>;
    async fn insert_payment_event(
        &mut self,
        payment_id: Uuid,
        kind: &str,
        from: Option<PaymentStatus>,
        to: PaymentStatus,
        rsp_code: Option<&str>,
        details: &Value,
    ) -> StoreResult<()>;
    #[expect(
        clippy::too_many_arguments,
        reason = "every field a receipt takes from its issue, in one call site per kind"
    )]
    async fn issue_receipt(
        &mut self,
        issue: &ReceiptIssue,
        payment: &Payment,
        kind: ReceiptKind,
        original_id: Option<Uuid>,
        amount_vnd: i64,
        note: &str,
        payer: Option<(&str, Option<&str>)>,
    ) -> StoreResult<Receipt>;
    async fn settle_in_tx(
        &mut self,
        ctx: &AuditContext,
        payment_id: Uuid,
        event: PaymentEvent,
        event_kind: &str,
        gateway: (Option<&str>, Option<&str>, Option<&str>),
        details: &Value,
    ) -> StoreResult<Option<(PaymentStatus, Payment)>>;
    /// Record refused gateway calls: each in the audit log and, when its order exists, in the order's history.
    async fn write_refusals(&mut self, calls: &[RefusedCall]) -> StoreResult<()>;
}

crate::impl_for_connections!(impl PaymentWrite {
    async fn open_payment_of_fee(&mut self, dossier_id: Uuid, fee_key: &str) -> StoreResult<Option<Payment>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE dossier_id = $1 AND fee_key = $2 \
             AND status IN ('created', 'pending', 'paid')"
        );
        let row: Option<PaymentRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(dossier_id).bind(fee_key).fetch_optional(&mut *self).await?;
        row.map(PaymentRow::into_payment).transpose()
    }

    async fn insert_payment(&mut self, new: &NewPayment, status: PaymentStatus) -> StoreResult<Payment> {
        let now = crate::now();
        let id = Uuid::now_v7();
        let sql = format!(
            "INSERT INTO payments ({PAYMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, $11, $12, \
             $13, $14, NULL, $13) RETURNING {PAYMENT_COLUMNS}"
        );
        let row: PaymentRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(new.dossier_id)
            .bind(&new.fee.key)
            .bind(new.fee.kind.as_str())
            .bind(&new.fee.name_vi)
            .bind(&new.fee.name_en)
            .bind(new.fee.amount_vnd)
            .bind(new.method.as_str())
            .bind(status.as_str())
            .bind(id.simple().to_string().to_uppercase())
            .bind(&new.payer_name)
            .bind(new.created_by)
            .bind(now)
            .bind(smartcity_domain::audit::truncate_to_micros(new.expires_at))
            .fetch_one(&mut *self)
            .await?;
        row.into_payment()
    }

    async fn insert_payment_event(
        &mut self,
        payment_id: Uuid,
        kind: &str,
        from: Option<PaymentStatus>,
        to: PaymentStatus,
        rsp_code: Option<&str>,
        details: &Value,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO payment_events (id, payment_id, at, kind, from_status, to_status, rsp_code, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7())
        .bind(payment_id)
        .bind(crate::now())
        .bind(kind)
        .bind(from.map(|s| s.as_str()))
        .bind(to.as_str())
        .bind(rsp_code)
        .bind(details.to_string())
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn issue_receipt(
        &mut self,
        issue: &ReceiptIssue,
        payment: &Payment,
        kind: ReceiptKind,
        original_id: Option<Uuid>,
        amount_vnd: i64,
        note: &str,
        payer: Option<(&str, Option<&str>)>,
    ) -> StoreResult<Receipt> {
        // The number comes from the series' counter row in this transaction: a rollback gives it back, and the
        // row lock (PostgreSQL) or the single writer (SQLite) orders concurrent receipts.
        let series: Option<(i64, String, String, String, String, String)> = sqlx::query_as(
            "UPDATE receipt_series SET last_number = last_number + 1 WHERE id = $1 AND active = $2 \
             RETURNING last_number, template_symbol, series_symbol, collector_name, collector_tax_code, unit_code",
        )
        .bind(issue.series_id)
        .bind(true)
        .fetch_optional(&mut *self)
        .await?;
        let Some((number, template, series_symbol, collector_name, collector_tax_code, unit_code)) = series else {
            return Err(StoreError::Invalid(smartcity_domain::ValidationError::new(
                "series",
                "receipt_series_unavailable",
                "Không có ký hiệu biên lai đang dùng cho đơn vị thu.",
                "The collecting unit has no receipt series in use.",
            )));
        };
        let number = check_next_receipt_number(number)?;
        let (dossier_code, citizen_id, tax_code, procedure_name): (String, Option<String>, Option<String>, String) =
            sqlx::query_as(
                "SELECT d.code, d.applicant_citizen_id, d.applicant_tax_code, p.name_vi FROM dossiers d \
                 JOIN procedures p ON p.id = d.procedure_id WHERE d.id = $1",
            )
            .bind(payment.dossier_id)
            .fetch_one(&mut *self)
            .await?;
        let sql = format!(
            "INSERT INTO receipts ({RECEIPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING {RECEIPT_COLUMNS}"
        );
        let receipt: Receipt = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(Uuid::now_v7())
            .bind(issue.series_id)
            .bind(number)
            .bind(kind.as_str())
            .bind(original_id)
            .bind(payment.id)
            .bind(payment.dossier_id)
            .bind(&dossier_code)
            .bind(&template)
            .bind(&series_symbol)
            .bind(&unit_code)
            .bind(&collector_name)
            .bind(&collector_tax_code)
            .bind(payer.map_or(payment.payer_name.as_str(), |p| p.0))
            .bind(match payer {
                Some((_, id)) => id.map(str::to_owned),
                None => tax_code.or(citizen_id),
            })
            .bind(payment.fee_kind.as_str())
            .bind(&payment.fee_name_vi)
            .bind(&payment.fee_name_en)
            .bind(&procedure_name)
            .bind(amount_vnd)
            .bind(amount_in_words(amount_vnd, ZeroTens::Linh))
            .bind(payment.method.as_str())
            .bind(crate::now())
            .bind(&issue.issued_by_name)
            .bind(random_code().as_str())
            .bind(note)
            .fetch_one(&mut *self)
            .await?;
        Ok(receipt)
    }

    async fn settle_in_tx(
        &mut self,
        ctx: &AuditContext,
        payment_id: Uuid,
        event: PaymentEvent,
        event_kind: &str,
        gateway: (Option<&str>, Option<&str>, Option<&str>),
        details: &Value,
    ) -> StoreResult<Option<(PaymentStatus, Payment)>> {
        let (txn_no, bank, rsp_code) = gateway;
        let Some(to) = target_of(event) else { return Ok(None) };
        let from_list = in_list(&statuses_moved_by(event));
        let before: Option<(String, Uuid, String)> =
            sqlx::query_as("SELECT status, dossier_id, method FROM payments WHERE id = $1")
                .bind(payment_id)
                .fetch_optional(&mut *self)
                .await?;
        let Some((before, dossier_id, method)) = before else { return Err(StoreError::NotFound) };
        // Only VNPay payments make a dossier "paid online" (QĐ 766 3.6); the tallies move with them.
        let tallied_before = if method == "vnpay" { self.rollup_subjects(Which::Ids(&[dossier_id])).await? } else { Vec::new() };
        let now = crate::now();
        let sql = format!(
            "UPDATE payments SET status = $1, updated_at = $2, paid_at = COALESCE($3, paid_at), \
             gateway_txn_no = COALESCE($4, gateway_txn_no), bank_code = COALESCE($5, bank_code) \
             WHERE id = $6 AND status IN ({from_list}) RETURNING {PAYMENT_COLUMNS}"
        );
        let row: Option<PaymentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(to.as_str())
            .bind(now)
            .bind((to == PaymentStatus::Paid).then_some(now))
            .bind(txn_no)
            .bind(bank)
            .bind(payment_id)
            .fetch_optional(&mut *self)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let payment = row.into_payment()?;
        if method == "vnpay" {
            let tallied_after = self.rollup_subjects(Which::Ids(&[dossier_id])).await?;
            self.move_rollups(&tallied_before, &tallied_after).await?;
        }
        let from = PaymentStatus::parse(&before)?;
        self.insert_payment_event(payment_id, event_kind, Some(from), to, rsp_code, details).await?;
        self.append_audit(ctx, AuditEvent {
            action: match to {
                PaymentStatus::Paid => "payment.paid",
                PaymentStatus::Failed => "payment.failed",
                PaymentStatus::Expired => "payment.expired",
                PaymentStatus::Refunded => "payment.refunded",
                _ => "payment.changed",
            },
            record_type: "payment",
            record_id: payment.txn_ref.clone(),
            details: json!({"from": from.as_str(), "to": to.as_str(), "via": event_kind, "amount_vnd": payment.amount_vnd,
                            "method": payment.method.as_str(), "rsp_code": rsp_code}),
        }).await?;
        Ok(Some((from, payment)))
    }

    async fn write_refusals(&mut self, calls: &[RefusedCall]) -> StoreResult<()> {
        let known: Vec<(&RefusedCall, Uuid, PaymentStatus)> =
            calls.iter().filter_map(|c| c.payment.map(|(id, status)| (c, id, status))).collect();
        if !known.is_empty() {
            let rows: Vec<String> = (0..known.len())
                .map(|i| {
                    let b = i * 7;
                    format!("(${}, ${}, ${}, 'callback_refused', ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7)
                })
                .collect();
            let sql = format!(
                "INSERT INTO payment_events (id, payment_id, at, kind, from_status, to_status, rsp_code, details) VALUES {}",
                rows.join(", ")
            );
            let at = crate::now();
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (call, id, status) in &known {
                query = query
                    .bind(Uuid::now_v7())
                    .bind(*id)
                    .bind(at)
                    .bind(status.as_str())
                    .bind(status.as_str())
                    .bind(call.rsp_code.as_str())
                    .bind(call.details.to_string());
            }
            query.execute(&mut *self).await?;
        }
        self.append_audits(
            calls
                .iter()
                .map(|c| {
                    (&c.ctx, AuditEvent {
                        action: "payment.callback_refused",
                        record_type: "payment",
                        record_id: c.txn_ref.chars().take(100).collect(),
                        details: json!({"rsp_code": c.rsp_code, "params": c.details}),
                    })
                })
                .collect(),
        )
        .await
        .map(|_| ())
    }
});

#[derive(sqlx::FromRow)]
struct FeeRow {
    fee_key: String,
    kind: String,
    name_vi: String,
    name_en: String,
    amount_vnd: i64,
    collect_at: String,
    before_processing: bool,
}

/// The payments capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait PaymentStore {
    /// Replace the fees of a procedure version.
    async fn set_procedure_fees(&self, ctx: &AuditContext, procedure_id: Uuid, fees: Vec<FeeSpec>) -> StoreResult<()>;
    /// The fees of a procedure version, in order. A version without fee rows but with a `fee_vnd` from the
    /// catalogue has one charge (lệ phí) of that amount, collected at reception, not blocking processing.
    async fn procedure_fees(&self, procedure: &Procedure) -> StoreResult<Vec<FeeSpec>>;
    /// Register a receipt series for a collecting unit.
    async fn create_receipt_series(&self, ctx: &AuditContext, new: NewReceiptSeries) -> StoreResult<ReceiptSeries>;
    /// The active series of the first of `unit_codes` that has one (callers pass the unit, then its ancestors).
    async fn receipt_series_for(&self, unit_codes: &[String]) -> StoreResult<Option<ReceiptSeries>>;
    /// Every series, newest first.
    async fn receipt_series(&self) -> StoreResult<Vec<ReceiptSeries>>;
    /// Exempt a dossier from one fee, with the reason and approver.
    async fn exempt_fee(
        &self,
        ctx: &AuditContext,
        dossier_id: Uuid,
        fee_key: &str,
        exemption: Exemption,
        by: Option<Uuid>,
    ) -> StoreResult<()>;
    /// The exemptions of a dossier, by fee key.
    async fn fee_exemptions(&self, dossier_id: Uuid) -> StoreResult<Vec<(String, Exemption)>>;
    /// Open an online payment (pending at the gateway) for one fee, or return the one already open for it (a
    /// second tab, a double click); the flag says whether it is new. `fee_already_paid` when the fee is paid.
    async fn open_online_payment(&self, ctx: &AuditContext, new: NewPayment) -> StoreResult<(Payment, bool)>;
    /// Apply the gateway's verdict; see [`SettleOutcome`].
    async fn settle_payment(&self, ctx: &AuditContext, settlement: Settlement) -> StoreResult<SettleOutcome>;
    /// Record money taken at the desk (cash or bank transfer): closes any unpaid online attempt for the fee,
    /// records the paid payment and its receipt, and moves the dossier on, in one transaction.
    async fn record_counter_payment(
        &self,
        ctx: &AuditContext,
        new: NewPayment,
        receipt: ReceiptIssue,
        dossier_change: Option<(Dossier, DossierChange)>,
    ) -> StoreResult<(Payment, Receipt)>;
    /// Record a gateway call that was refused (bad signature, unknown order, wrong amount, already settled) in
    /// the audit log and, when the order exists, in its history. Changes nothing else.
    async fn note_refused_callback(&self, call: RefusedCall) -> StoreResult<()>;
    /// Close the unpaid payments whose time ran out before `now`; returns how many.
    async fn expire_payments(&self, ctx: &AuditContext, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Refund all or part of a paid payment: an adjusting receipt (negative amount) linked to the original; the
    /// payment becomes refunded once nothing is left.
    async fn refund_payment(&self, ctx: &AuditContext, refund: NewRefund) -> StoreResult<Receipt>;
    /// Replace an issued receipt that carries wrong payer details: a new receipt with the next number of the
    /// series, the same money, the corrected details and the reason, naming the one it replaces (which stays
    /// as it was). `receipt_already_replaced` when another replacement got there first.
    async fn replace_receipt(&self, ctx: &AuditContext, replacement: NewReplacement) -> StoreResult<Receipt>;
    /// The receipt that replaced `receipt_id`, if any.
    async fn replacement_of(&self, receipt_id: Uuid) -> StoreResult<Option<Receipt>>;
    /// Stop issuing from a series (a new one for the year, a unit renamed); its receipts stay valid.
    async fn retire_receipt_series(&self, ctx: &AuditContext, series_id: Uuid) -> StoreResult<ReceiptSeries>;
    /// Money confirmed (paid at `[from, to)`) per procedure, unit, dossier channel and payment method.
    async fn payment_breakdown(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<PaymentBreakdown>>;
    async fn payment(&self, id: Uuid) -> StoreResult<Option<Payment>>;
    async fn payment_by_txn_ref(&self, txn_ref: &str) -> StoreResult<Option<Payment>>;
    /// A dossier's payments, oldest first.
    async fn payments_of_dossier(&self, dossier_id: Uuid) -> StoreResult<Vec<Payment>>;
    async fn payment_events(&self, payment_id: Uuid) -> StoreResult<Vec<PaymentEventRecord>>;
    async fn receipt(&self, id: Uuid) -> StoreResult<Option<Receipt>>;
    /// A receipt by its series (symbol or URL slug) and number.
    async fn receipt_by_number(&self, series: &str, number: i64) -> StoreResult<Option<Receipt>>;
    async fn receipt_by_code(&self, code: &VerificationCode) -> StoreResult<Option<Receipt>>;
    /// A dossier's receipts, oldest first.
    async fn receipts_of_dossier(&self, dossier_id: Uuid) -> StoreResult<Vec<Receipt>>;
    /// The receipts of a payment, oldest first (the original, then adjustments).
    async fn receipts_of_payment(&self, payment_id: Uuid) -> StoreResult<Vec<Receipt>>;
    /// Total refunded of a payment, in đồng.
    async fn refunded_total(&self, payment_id: Uuid) -> StoreResult<i64>;
    /// Dossiers with at least one fee paid online (QĐ 766 indicator 3.6), among all dossiers.
    async fn dossiers_paid_online(&self) -> StoreResult<Vec<Uuid>>;
    /// Totals per unit, method and status of the payments created in `[from, to)` (reconciliation).
    async fn payment_totals(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<PaymentTotals>>;
    /// The payments created in `[from, to)`, oldest first (at most `limit`).
    async fn payments_created(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Payment>>;
}

fn fee_already_paid() -> StoreError {
    StoreError::Invalid(smartcity_domain::ValidationError::new(
        "fee",
        "fee_already_paid",
        "Khoản phí này của hồ sơ đã được thanh toán.",
        "This fee of the dossier has already been paid.",
    ))
}

impl Store {
    /// Write the queued refusals in groups until the queue is empty, telling each caller whether its group was
    /// committed.
    async fn flush_refusals(&self) {
        loop {
            let batch: Vec<(RefusedCall, Waiter)> = {
                let mut state = self.refusals.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if state.0.is_empty() {
                    state.1 = false;
                    return;
                }
                let take = state.0.len().min(REFUSALS_PER_BATCH);
                state.0.drain(..take).collect()
            };
            let (calls, waiters): (Vec<RefusedCall>, Vec<Waiter>) = batch.into_iter().unzip();
            let written: StoreResult<()> = async {
                in_write_tx!(self, tx => { tx.write_refusals(&calls).await?; });
                Ok(())
            }
            .await;
            if let Err(e) = &written {
                tracing::warn!(error = %e, calls = calls.len(), "a group of refused gateway calls is written one by one");
            }
            for waiter in waiters {
                let _ = waiter.send(written.is_ok());
            }
        }
    }

    /// The open (created or pending) or paid payment of a dossier's fee, if any.
    async fn open_payment_for(&self, dossier_id: Uuid, fee_key: &str) -> StoreResult<Option<Payment>> {
        Ok(on_reader!(self, pool => {
            let mut conn = pool.acquire().await?;
            conn.open_payment_of_fee(dossier_id, fee_key).await?
        }))
    }

    async fn try_open_online(&self, ctx: &AuditContext, new: &NewPayment) -> StoreResult<(Payment, bool)> {
        let now = crate::now();
        let opened = in_write_tx!(self, tx => {
            let mut reuse = None;
            if let Some(existing) = tx.open_payment_of_fee(new.dossier_id, &new.fee.key).await? {
                if existing.status == PaymentStatus::Paid {
                    return Err(fee_already_paid());
                }
                if existing.method == PaymentMethod::Vnpay && existing.expires_at > now {
                    reuse = Some(existing);
                } else {
                    // Its time ran out (the worker has not passed yet): close it before opening a new one.
                    tx.settle_in_tx(ctx, existing.id, PaymentEvent::Expire, "expire", (None, None, None), &json!({})).await?;
                }
            }
            match reuse {
                Some(p) => (p, false),
                None => {
                    let created = tx.insert_payment(new, PaymentStatus::Created).await?;
                    tx.insert_payment_event(created.id, "created", None, PaymentStatus::Created, None,
                        &json!({"fee": new.fee.key, "amount_vnd": new.fee.amount_vnd})).await?;
                    // The payer is sent to the gateway with the URL this call returns.
                    let PaymentStep::To(to) = payment_transition(PaymentStatus::Created, PaymentEvent::Redirected)? else {
                        return Err(StoreError::NotFound);
                    };
                    sqlx::query("UPDATE payments SET status = $1 WHERE id = $2")
                        .bind(to.as_str())
                        .bind(created.id)
                        .execute(&mut *tx)
                        .await?;
                    tx.insert_payment_event(created.id, "redirected", Some(PaymentStatus::Created), to, None, &json!({})).await?;
                    tx.append_audit(ctx, AuditEvent {
                        action: "payment.created",
                        record_type: "payment",
                        record_id: created.txn_ref.clone(),
                        details: json!({"dossier_id": new.dossier_id.to_string(), "fee": new.fee.key,
                                        "amount_vnd": new.fee.amount_vnd, "method": new.method.as_str()}),
                    }).await?;
                    (Payment { status: to, ..created }, true)
                }
            }
        });
        Ok(opened)
    }
}

impl PaymentStore for Store {
    async fn set_procedure_fees(&self, ctx: &AuditContext, procedure_id: Uuid, fees: Vec<FeeSpec>) -> StoreResult<()> {
        let fees = fees.into_iter().map(FeeSpec::checked).collect::<Result<Vec<_>, _>>()?;
        in_write_tx!(self, tx => {
            // Whether its dossiers owe fees (QĐ 766 3.6) follows the version's fees: their tallies move too.
            let tallied_before = tx.rollup_subjects(Which::Procedure(procedure_id)).await?;
            sqlx::query("DELETE FROM procedure_fees WHERE procedure_id = $1").bind(procedure_id).execute(&mut *tx).await?;
            for (i, fee) in fees.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO procedure_fees (procedure_id, fee_key, kind, name_vi, name_en, amount_vnd, collect_at, \
                     before_processing, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(procedure_id)
                .bind(&fee.key)
                .bind(fee.kind.as_str())
                .bind(&fee.name_vi)
                .bind(&fee.name_en)
                .bind(fee.amount_vnd)
                .bind(fee.collect_at.as_str())
                .bind(fee.before_processing)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            let tallied_after = tx.rollup_subjects(Which::Procedure(procedure_id)).await?;
            tx.move_rollups(&tallied_before, &tallied_after).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "procedure.fees_set",
                record_type: "procedure",
                record_id: procedure_id.to_string(),
                details: json!({"fees": fees.iter().map(|f| json!({"key": f.key, "amount_vnd": f.amount_vnd})).collect::<Vec<_>>()}),
            }).await?;
        });
        Ok(())
    }

    async fn procedure_fees(&self, procedure: &Procedure) -> StoreResult<Vec<FeeSpec>> {
        let rows: Vec<FeeRow> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT fee_key, kind, name_vi, name_en, amount_vnd, collect_at, before_processing FROM procedure_fees \
                 WHERE procedure_id = $1 ORDER BY position",
            )
            .bind(procedure.id)
            .fetch_all(pool)
            .await?
        });
        if rows.is_empty() && procedure.fee_vnd > 0 {
            return Ok(vec![FeeSpec {
                key: "le_phi".to_owned(),
                kind: FeeKind::Charge,
                name_vi: format!("Lệ phí {}", procedure.name_vi.to_lowercase()),
                name_en: format!("Charge: {}", procedure.name_en),
                amount_vnd: procedure.fee_vnd,
                collect_at: CollectAt::Reception,
                before_processing: false,
            }]);
        }
        rows.into_iter()
            .map(|r| {
                Ok(FeeSpec {
                    key: r.fee_key,
                    kind: FeeKind::parse(&r.kind)?,
                    name_vi: r.name_vi,
                    name_en: r.name_en,
                    amount_vnd: r.amount_vnd,
                    collect_at: CollectAt::parse(&r.collect_at)?,
                    before_processing: r.before_processing,
                })
            })
            .collect()
    }

    async fn create_receipt_series(&self, ctx: &AuditContext, new: NewReceiptSeries) -> StoreResult<ReceiptSeries> {
        let template = parse_template_symbol(&new.template_symbol)?;
        let series = parse_series_symbol(&new.series_symbol)?;
        let name = smartcity_domain::text::clean_line(&new.collector_name);
        if name.chars().count() < 3 {
            return Err(StoreError::Invalid(smartcity_domain::ValidationError::new(
                "collector_name",
                "collector_name_required",
                "Hãy nhập tên đơn vị thu như in trên biên lai.",
                "Enter the collecting unit's name as printed on receipts.",
            )));
        }
        let tax_code = smartcity_domain::identity::TaxCode::parse(&new.collector_tax_code)?;
        let id = Uuid::now_v7();
        let written: StoreResult<ReceiptSeries> = async { Ok(in_write_tx!(self, tx => {
            let row: ReceiptSeries = sqlx::query_as(
                "INSERT INTO receipt_series (id, unit_code, template_symbol, series_symbol, slug, collector_name, \
                 collector_tax_code, last_number, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) \
                 RETURNING id, unit_code, template_symbol, series_symbol, slug, collector_name, collector_tax_code, \
                 last_number, active, created_at",
            )
            .bind(id)
            .bind(&new.unit_code)
            .bind(&template)
            .bind(&series)
            .bind(series_slug(&series))
            .bind(&name)
            .bind(tax_code.as_str())
            .bind(true)
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "receipt_series.created",
                record_type: "receipt_series",
                record_id: series.clone(),
                details: json!({"unit": new.unit_code, "template": template, "tax_code": tax_code.as_str()}),
            }).await?;
            row
        })) }.await;
        match written {
            // The series symbol is unique (its URL slug): a second registration of it is refused, not merged.
            Err(StoreError::Conflict { constraint }) if constraint == "receipt_series_slug_key" => {
                Err(StoreError::Invalid(smartcity_domain::ValidationError::new(
                    "series_symbol",
                    "receipt_series_taken",
                    format!("Ký hiệu biên lai {series} đã được đăng ký; mỗi ký hiệu chỉ dùng cho một dãy số."),
                    format!("The series symbol {series} is already registered; each symbol has one number sequence."),
                )))
            }
            other => other,
        }
    }

    async fn receipt_series_for(&self, unit_codes: &[String]) -> StoreResult<Option<ReceiptSeries>> {
        for unit in unit_codes {
            let row: Option<ReceiptSeries> = on_reader!(self, pool => {
                sqlx::query_as(
                    "SELECT id, unit_code, template_symbol, series_symbol, slug, collector_name, collector_tax_code, \
                     last_number, active, created_at FROM receipt_series WHERE unit_code = $1 AND active = $2 \
                     ORDER BY created_at DESC LIMIT 1",
                )
                .bind(unit)
                .bind(true)
                .fetch_optional(pool)
                .await?
            });
            if row.is_some() {
                return Ok(row);
            }
        }
        Ok(None)
    }

    async fn receipt_series(&self) -> StoreResult<Vec<ReceiptSeries>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, unit_code, template_symbol, series_symbol, slug, collector_name, collector_tax_code, \
                 last_number, active, created_at FROM receipt_series ORDER BY created_at DESC",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    async fn exempt_fee(
        &self,
        ctx: &AuditContext,
        dossier_id: Uuid,
        fee_key: &str,
        exemption: Exemption,
        by: Option<Uuid>,
    ) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let tallied_before = tx.rollup_subjects(Which::Ids(&[dossier_id])).await?;
            sqlx::query(
                "INSERT INTO fee_exemptions (dossier_id, fee_key, reason, approved_by, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(dossier_id)
            .bind(fee_key)
            .bind(&exemption.reason)
            .bind(&exemption.approved_by)
            .bind(by)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            let tallied_after = tx.rollup_subjects(Which::Ids(&[dossier_id])).await?;
            tx.move_rollups(&tallied_before, &tallied_after).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "fee.exempted",
                record_type: "dossier",
                record_id: dossier_id.to_string(),
                details: json!({"fee": fee_key, "reason": exemption.reason, "approved_by": exemption.approved_by}),
            }).await?;
        });
        Ok(())
    }

    async fn fee_exemptions(&self, dossier_id: Uuid) -> StoreResult<Vec<(String, Exemption)>> {
        let rows: Vec<(String, String, String)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT fee_key, reason, approved_by FROM fee_exemptions WHERE dossier_id = $1 ORDER BY fee_key")
                .bind(dossier_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(k, reason, approved_by)| (k, Exemption { reason, approved_by })).collect())
    }

    async fn open_online_payment(&self, ctx: &AuditContext, new: NewPayment) -> StoreResult<(Payment, bool)> {
        let new = NewPayment { fee: new.fee.clone().checked()?, ..new };
        match self.try_open_online(ctx, &new).await {
            // A concurrent request (another tab) opened it first: answer with that one.
            Err(StoreError::Conflict { constraint }) if constraint == "payments_open_fee_key" => {
                match self.open_payment_for(new.dossier_id, &new.fee.key).await? {
                    Some(p) if p.status == PaymentStatus::Paid => Err(fee_already_paid()),
                    Some(p) => Ok((p, false)),
                    None => Err(StoreError::Conflict { constraint }),
                }
            }
            other => other,
        }
    }

    async fn settle_payment(&self, ctx: &AuditContext, settlement: Settlement) -> StoreResult<SettleOutcome> {
        let kind = "ipn";
        let outcome = in_write_tx!(self, tx => {
            let moved = tx
                .settle_in_tx(
                    ctx,
                    settlement.payment_id,
                    settlement.event,
                    kind,
                    (settlement.gateway_txn_no.as_deref(), settlement.bank_code.as_deref(), settlement.rsp_code.as_deref()),
                    &settlement.details,
                )
                .await?;
            match moved {
                None => None,
                Some((_, payment)) => {
                    let receipt = match (&settlement.receipt, payment.status) {
                        (Some(issue), PaymentStatus::Paid) => {
                            Some(Box::new(tx.issue_receipt(issue, &payment, ReceiptKind::Original, None, payment.amount_vnd, "", None).await?))
                        }
                        _ => None,
                    };
                    if payment.status == PaymentStatus::Paid
                        && let Some((before, change)) = &settlement.dossier_change
                    {
                        tx.write_dossier_change(ctx, before, change).await?;
                    }
                    Some(SettleOutcome::Applied { payment, receipt })
                }
            }
        });
        if settlement.dossier_change.is_some() {
            self.cache.dossiers_changed();
        }
        match outcome {
            Some(done) => Ok(done),
            None => {
                let current = self.payment(settlement.payment_id).await?.ok_or(StoreError::NotFound)?;
                Ok(SettleOutcome::AlreadySettled(current))
            }
        }
    }

    async fn record_counter_payment(
        &self,
        ctx: &AuditContext,
        new: NewPayment,
        receipt: ReceiptIssue,
        dossier_change: Option<(Dossier, DossierChange)>,
    ) -> StoreResult<(Payment, Receipt)> {
        let new = NewPayment { fee: new.fee.clone().checked()?, ..new };
        let done = in_write_tx!(self, tx => {
            if let Some(open) = tx.open_payment_of_fee(new.dossier_id, &new.fee.key).await? {
                if open.status == PaymentStatus::Paid {
                    return Err(fee_already_paid());
                }
                // The payer gave up on the gateway and paid at the desk: that attempt is closed as failed, so a
                // late confirmation of it is answered "already confirmed" and never pays the fee twice.
                tx.settle_in_tx(ctx, open.id, PaymentEvent::Declined, "desk", (None, None, None),
                    &json!({"superseded_by": new.method.as_str()})).await?;
            }
            let created = tx.insert_payment(&new, PaymentStatus::Created).await?;
            tx.insert_payment_event(created.id, "created", None, PaymentStatus::Created, None,
                &json!({"fee": new.fee.key, "amount_vnd": new.fee.amount_vnd, "method": new.method.as_str()})).await?;
            let Some((_, payment)) = tx
                .settle_in_tx(ctx, created.id, PaymentEvent::Confirmed, "desk", (None, None, None), &json!({}))
                .await?
            else {
                return Err(StoreError::NotFound);
            };
            let issued = tx.issue_receipt(&receipt, &payment, ReceiptKind::Original, None, payment.amount_vnd, "", None).await?;
            if let Some((before, change)) = &dossier_change {
                tx.write_dossier_change(ctx, before, change).await?;
            }
            (payment, issued)
        });
        if dossier_change.is_some() {
            self.cache.dossiers_changed();
        }
        Ok(done)
    }

    async fn note_refused_callback(&self, call: RefusedCall) -> StoreResult<()> {
        let (waiter, written) = tokio::sync::oneshot::channel();
        let lead = {
            let mut state = self.refusals.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            state.0.push((call.clone(), waiter));
            !std::mem::replace(&mut state.1, true)
        };
        if lead {
            // The flush runs on its own task: a caller that goes away (a dropped connection) cannot strand the
            // calls queued behind it.
            let store = self.clone();
            tokio::spawn(async move { store.flush_refusals().await });
        }
        if written.await.unwrap_or(false) {
            return Ok(());
        }
        // The group failed as a whole (nothing of it was written): write this one alone, to report its error.
        in_write_tx!(self, tx => { tx.write_refusals(&[call]).await?; });
        Ok(())
    }

    async fn expire_payments(&self, ctx: &AuditContext, now: DateTime<Utc>) -> StoreResult<u64> {
        let from = in_list(&statuses_moved_by(PaymentEvent::Expire));
        let sql = format!(
            "SELECT id FROM payments WHERE status IN ({from}) AND expires_at < $1 ORDER BY expires_at LIMIT 500"
        );
        let due: Vec<(Uuid,)> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).fetch_all(pool).await?
        });
        let mut closed = 0;
        for (id,) in due {
            // One transaction each: a confirmation that wins the race simply leaves nothing to expire.
            let moved = in_write_tx!(self, tx => {
                tx.settle_in_tx(ctx, id, PaymentEvent::Expire, "expire", (None, None, None), &json!({})).await?
            });
            closed += u64::from(moved.is_some());
        }
        Ok(closed)
    }

    async fn refund_payment(&self, ctx: &AuditContext, refund: NewRefund) -> StoreResult<Receipt> {
        let payment = self.payment(refund.payment_id).await?.ok_or(StoreError::NotFound)?;
        let receipt = in_write_tx!(self, tx => {
            let (status,): (String,) = sqlx::query_as("SELECT status FROM payments WHERE id = $1")
                .bind(payment.id)
                .fetch_one(&mut *tx)
                .await?;
            if PaymentStatus::parse(&status)? != PaymentStatus::Paid {
                return Err(StoreError::Invalid(smartcity_domain::ValidationError::new(
                    "payment",
                    "payment_not_paid",
                    "Chỉ hoàn tiền được cho khoản đã thanh toán.",
                    "Only a paid payment can be refunded.",
                )));
            }
            let (refunded,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(amount_vnd), 0) AS BIGINT) FROM refunds WHERE payment_id = $1")
                .bind(payment.id)
                .fetch_one(&mut *tx)
                .await?;
            let checked = check_refund(payment.amount_vnd, refunded, refund.amount_vnd, &refund.reason, &refund.approved_by)?;
            // The adjustment names the receipt in force: the original, or the replacement that took its place.
            let original: Option<(Uuid,)> = sqlx::query_as(
                "SELECT r.id FROM receipts r WHERE r.payment_id = $1 AND r.kind IN ('original', 'replacement') \
                 AND NOT EXISTS (SELECT 1 FROM receipts x WHERE x.original_id = r.id AND x.kind = 'replacement') \
                 ORDER BY r.issued_at DESC LIMIT 1",
            )
            .bind(payment.id)
            .fetch_optional(&mut *tx)
            .await?;
            let note = format!("Hoàn tiền: {} (phê duyệt: {})", checked.reason, checked.approved_by);
            let receipt = tx
                .issue_receipt(&refund.receipt, &payment, ReceiptKind::Adjustment, original.map(|o| o.0), -refund.amount_vnd, &note, None)
                .await?;
            sqlx::query(
                "INSERT INTO refunds (id, payment_id, amount_vnd, reason, approved_by, receipt_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(payment.id)
            .bind(refund.amount_vnd)
            .bind(&checked.reason)
            .bind(&checked.approved_by)
            .bind(receipt.id)
            .bind(refund.created_by)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            let details = json!({"amount_vnd": refund.amount_vnd, "reason": checked.reason, "approved_by": checked.approved_by,
                                 "receipt": format!("{}-{}", receipt.series_symbol, receipt.number_text())});
            if refunded + refund.amount_vnd == payment.amount_vnd {
                tx.settle_in_tx(ctx, payment.id, PaymentEvent::Refund, "refund", (None, None, None), &details).await?;
            } else {
                tx.insert_payment_event(payment.id, "refund", Some(PaymentStatus::Paid), PaymentStatus::Paid, None, &details).await?;
                tx.append_audit(ctx, AuditEvent {
                    action: "payment.partially_refunded",
                    record_type: "payment",
                    record_id: payment.txn_ref.clone(),
                    details,
                }).await?;
            }
            receipt
        });
        Ok(receipt)
    }

    async fn replace_receipt(&self, ctx: &AuditContext, replacement: NewReplacement) -> StoreResult<Receipt> {
        let old = self.receipt(replacement.receipt_id).await?.ok_or(StoreError::NotFound)?;
        let payment = self.payment(old.payment_id).await?.ok_or(StoreError::NotFound)?;
        let done: StoreResult<Receipt> = async {
            Ok(in_write_tx!(self, tx => {
                let taken: Option<(Uuid,)> =
                    sqlx::query_as("SELECT id FROM receipts WHERE original_id = $1 AND kind = 'replacement'")
                        .bind(old.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let fixed = check_replacement(
                    ReplacedReceipt {
                        kind: old.receipt_kind(),
                        already_replaced: taken.is_some(),
                        payer_name: &old.payer_name,
                        payer_id_number: old.payer_id_number.as_deref(),
                    },
                    &replacement.payer_name,
                    &replacement.payer_id_number,
                    &replacement.reason,
                )?;
                let note = format!(
                    "Thay thế biên lai ký hiệu {} số {}. Lý do: {}",
                    old.series_symbol,
                    old.number_text(),
                    fixed.reason
                );
                let issued = tx
                    .issue_receipt(
                        &replacement.receipt,
                        &payment,
                        ReceiptKind::Replacement,
                        Some(old.id),
                        old.amount_vnd,
                        &note,
                        Some((fixed.payer_name.as_str(), fixed.payer_id_number.as_deref())),
                    )
                    .await?;
                tx.append_audit(ctx, AuditEvent {
                    action: "receipt.replaced",
                    record_type: "receipt",
                    record_id: format!("{}-{}", old.series_symbol, old.number_text()),
                    details: json!({"replacement": format!("{}-{}", issued.series_symbol, issued.number_text()),
                                    "reason": fixed.reason}),
                }).await?;
                issued
            }))
        }
        .await;
        match done {
            // Two officers replacing the same receipt at once: the partial unique index lets one through.
            Err(StoreError::Conflict { constraint }) if constraint == "receipts_original_id_key" => {
                Err(StoreError::Invalid(receipt_already_replaced()))
            }
            other => other,
        }
    }

    async fn replacement_of(&self, receipt_id: Uuid) -> StoreResult<Option<Receipt>> {
        let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE original_id = $1 AND kind = 'replacement'");
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(receipt_id).fetch_optional(pool).await?
        }))
    }

    async fn retire_receipt_series(&self, ctx: &AuditContext, series_id: Uuid) -> StoreResult<ReceiptSeries> {
        Ok(in_write_tx!(self, tx => {
            let row: Option<ReceiptSeries> = sqlx::query_as(
                "UPDATE receipt_series SET active = $1 WHERE id = $2 RETURNING id, unit_code, template_symbol, \
                 series_symbol, slug, collector_name, collector_tax_code, last_number, active, created_at",
            )
            .bind(false)
            .bind(series_id)
            .fetch_optional(&mut *tx)
            .await?;
            let row = row.ok_or(StoreError::NotFound)?;
            tx.append_audit(ctx, AuditEvent {
                action: "receipt_series.retired",
                record_type: "receipt_series",
                record_id: row.series_symbol.clone(),
                details: json!({"unit": row.unit_code, "last_number": row.last_number}),
            }).await?;
            row
        }))
    }

    async fn payment_breakdown(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<PaymentBreakdown>> {
        let rows: Vec<BreakdownRow> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT pr.code AS procedure_code, MAX(pr.name_vi) AS procedure_name, d.unit_code AS unit_code, \
                 d.channel AS channel, p.method AS method, COUNT(*) AS count, \
                 CAST(COALESCE(SUM(p.amount_vnd), 0) AS BIGINT) AS amount_vnd, \
                 CAST(COALESCE(SUM(COALESCE(f.refunded, 0)), 0) AS BIGINT) AS refunded_vnd \
                 FROM payments p JOIN dossiers d ON d.id = p.dossier_id JOIN procedures pr ON pr.id = d.procedure_id \
                 LEFT JOIN (SELECT payment_id, SUM(amount_vnd) AS refunded FROM refunds GROUP BY payment_id) f \
                 ON f.payment_id = p.id \
                 WHERE p.status IN ('paid', 'refunded') AND p.paid_at >= $1 AND p.paid_at < $2 \
                 GROUP BY pr.code, d.unit_code, d.channel, p.method ORDER BY pr.code, d.unit_code, d.channel, p.method",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(PaymentBreakdown {
                    procedure_code: r.procedure_code,
                    procedure_name: r.procedure_name,
                    unit_code: r.unit_code,
                    channel: smartcity_domain::dossiers::Channel::from_code(r.channel)?.as_str().to_owned(),
                    method: r.method,
                    count: r.count,
                    amount_vnd: r.amount_vnd,
                    refunded_vnd: r.refunded_vnd,
                })
            })
            .collect()
    }

    async fn payment(&self, id: Uuid) -> StoreResult<Option<Payment>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1");
        let row: Option<PaymentRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.map(PaymentRow::into_payment).transpose()
    }

    async fn payment_by_txn_ref(&self, txn_ref: &str) -> StoreResult<Option<Payment>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE txn_ref = $1");
        let row: Option<PaymentRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(txn_ref).fetch_optional(pool).await?
        });
        row.map(PaymentRow::into_payment).transpose()
    }

    async fn payments_of_dossier(&self, dossier_id: Uuid) -> StoreResult<Vec<Payment>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE dossier_id = $1 ORDER BY created_at, id");
        let rows: Vec<PaymentRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(dossier_id).fetch_all(pool).await?
        });
        rows.into_iter().map(PaymentRow::into_payment).collect()
    }

    async fn payment_events(&self, payment_id: Uuid) -> StoreResult<Vec<PaymentEventRecord>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT at, kind, from_status, to_status, rsp_code, details FROM payment_events WHERE payment_id = $1 \
                 ORDER BY at, id",
            )
            .bind(payment_id)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn receipt(&self, id: Uuid) -> StoreResult<Option<Receipt>> {
        let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE id = $1");
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        }))
    }

    async fn receipt_by_number(&self, series: &str, number: i64) -> StoreResult<Option<Receipt>> {
        let slug = series_slug(&series.trim().to_uppercase());
        let sql = format!(
            "SELECT {} FROM receipts r JOIN receipt_series s ON s.id = r.series_id WHERE s.slug = $1 AND r.number = $2",
            RECEIPT_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ")
        );
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&slug).bind(number).fetch_optional(pool).await?
        }))
    }

    async fn receipt_by_code(&self, code: &VerificationCode) -> StoreResult<Option<Receipt>> {
        let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE verification_code = $1");
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code.as_str()).fetch_optional(pool).await?
        }))
    }

    async fn receipts_of_dossier(&self, dossier_id: Uuid) -> StoreResult<Vec<Receipt>> {
        let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE dossier_id = $1 ORDER BY issued_at, id");
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(dossier_id).fetch_all(pool).await?
        }))
    }

    async fn receipts_of_payment(&self, payment_id: Uuid) -> StoreResult<Vec<Receipt>> {
        let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE payment_id = $1 ORDER BY issued_at, id");
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(payment_id).fetch_all(pool).await?
        }))
    }

    async fn refunded_total(&self, payment_id: Uuid) -> StoreResult<i64> {
        let (total,): (i64,) = on_reader!(self, pool => {
            sqlx::query_as("SELECT CAST(COALESCE(SUM(amount_vnd), 0) AS BIGINT) FROM refunds WHERE payment_id = $1")
                .bind(payment_id)
                .fetch_one(pool)
                .await?
        });
        Ok(total)
    }

    async fn dossiers_paid_online(&self) -> StoreResult<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT dossier_id FROM payments WHERE method = 'vnpay' AND status IN ('paid', 'refunded')",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn payment_totals(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<PaymentTotals>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT d.unit_code AS unit_code, p.method AS method, p.status AS status, COUNT(*) AS count, \
                 CAST(COALESCE(SUM(p.amount_vnd), 0) AS BIGINT) AS amount_vnd FROM payments p JOIN dossiers d ON d.id = p.dossier_id \
                 WHERE p.created_at >= $1 AND p.created_at < $2 GROUP BY d.unit_code, p.method, p.status \
                 ORDER BY d.unit_code, p.method, p.status",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn payments_created(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Payment>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id LIMIT $3"
        );
        let rows: Vec<PaymentRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).bind(limit).fetch_all(pool).await?
        });
        rows.into_iter().map(PaymentRow::into_payment).collect()
    }
}
