//! Payments of fees and charges (lệ phí, phí) for dossiers, online through a payment gateway or at the counter,
//! and the electronic receipts (biên lai điện tử) that record them.
//!
//! Legal and protocol basis (`domain-vn.md` §1.1, §2.2, §3):
//! - when a fee is collected (DVCQG `HinhThucThu`: 1 at reception, 2 at supplement, 4 at result) and the status
//!   6 "financial obligation" of a dossier that owes money \[S\];
//! - online payment counts toward QĐ 766 indicator 3.6 (`DuocThanhToanTrucTuyen` 1 = DVCQG platform, 2 = the
//!   province's own gateway) \[S\];
//! - e-receipts: ND 123/2020/NĐ-CP (amended by ND 70/2025/NĐ-CP) and TT 78/2021/TT-BTC; the fields a receipt
//!   carries are those of receipt registers \[S\]; adjusting or replacing a receipt makes a new receipt linked to
//!   the old one;
//! - the VNPay gateway, protocol version 2.1.0: payment URL parameters, HMAC-SHA512 over the sorted, PHP-style
//!   URL-encoded parameters, the IPN reply codes \[S\].
//!
//! Everything here is pure: times, random bytes and stored state come in as arguments.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};

use crate::text::{clean_line, fold_vietnamese};
use crate::time::TZ;
use crate::validation::ValidationError;

// ---------------------------------------------------------------------------------------------------------------
// Fees
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Loại khoản thu: a fee for a public service (phí) or a charge for the state's administrative act (lệ phí),
    /// the two kinds of Luật Phí và lệ phí 2015.
    pub enum FeeKind ("fee_kind", "Loại khoản thu", "fee kind") {
        /// Lệ phí: a charge for an administrative act (registration, certification).
        Charge => ("le_phi", "Lệ phí", "Charge"),
        /// Phí: a fee for a public service rendered.
        Fee => ("phi", "Phí", "Fee"),
    }
}

labelled_enum! {
    /// Hình thức thu (DVCQG `HinhThucThu`): when the fee is collected.
    pub enum CollectAt ("collect_at", "Thời điểm thu", "collection time") {
        /// 1 — at reception (before processing starts).
        Reception => ("reception", "Thu khi tiếp nhận hồ sơ", "At reception"),
        /// 2 — when the supplement is submitted.
        Supplement => ("supplement", "Thu khi bổ sung hồ sơ", "At supplement"),
        /// 4 — when the result is delivered.
        Result => ("result", "Thu khi trả kết quả", "At result delivery"),
    }
}

impl CollectAt {
    /// The DVCQG `HinhThucThu` code.
    pub fn code(self) -> i64 {
        match self {
            CollectAt::Reception => 1,
            CollectAt::Supplement => 2,
            CollectAt::Result => 4,
        }
    }
}

/// The largest single amount accepted, in đồng (100 billion): far above any administrative fee, and small enough
/// that `amount × 100` (VNPay's `vnp_Amount`) stays exact in an i64.
pub const MAX_AMOUNT_VND: i64 = 100_000_000_000;

/// Checks an amount of money in whole đồng (the đồng has no subunit in use): positive and at most
/// [`MAX_AMOUNT_VND`]. `field` names the input in the error.
pub fn check_amount(field: &'static str, amount: i64) -> Result<i64, ValidationError> {
    if amount <= 0 {
        return Err(ValidationError::new(
            field,
            "amount_not_positive",
            "Số tiền phải lớn hơn 0 đồng.",
            "The amount must be more than 0 đồng.",
        ));
    }
    if amount > MAX_AMOUNT_VND {
        return Err(ValidationError::new(
            field,
            "amount_too_large",
            "Số tiền vượt quá 100 tỷ đồng.",
            "The amount is above 100 billion đồng.",
        ));
    }
    Ok(amount)
}

/// Parses an amount typed by a person: digits with optional `.`/`,`/space thousands separators and an optional
/// trailing "đ"/"đồng"/"VND"; whole đồng only. A minus sign or a decimal part (`1.500,5`, `8000.50`) is refused
/// with its own message rather than read as a bigger number: the đồng has no subunit in use.
pub fn parse_amount(field: &'static str, text: &str) -> Result<i64, ValidationError> {
    let folded = fold_vietnamese(text);
    let trimmed = folded.trim_end_matches("dong").trim_end_matches("vnd").trim_end_matches('d').trim();
    if trimmed.starts_with('-') || trimmed.starts_with('\u{2212}') {
        return Err(ValidationError::new(
            field,
            "amount_negative",
            "Số tiền không được âm.",
            "The amount cannot be negative.",
        ));
    }
    let groups: Vec<&str> = trimmed.split(['.', ',', ' ']).collect();
    let digits_only = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let grouped_by_thousands = groups.len() == 1
        || (groups[0].len() <= 3 && groups.iter().all(|g| digits_only(g)) && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped_by_thousands && groups.iter().all(|g| digits_only(g)) && groups.last().is_some_and(|g| g.len() < 3) {
        return Err(ValidationError::new(
            field,
            "amount_fractional",
            "Số tiền tính bằng đồng, không có phần lẻ (ví dụ 150.000).",
            "Amounts are whole đồng, with no decimal part (e.g. 150,000).",
        ));
    }
    let digits: String = groups.concat();
    if !grouped_by_thousands || !digits_only(&digits) || digits.len() > 15 {
        return Err(ValidationError::new(
            field,
            "amount_invalid",
            "Số tiền phải là số nguyên đồng, ví dụ 150.000.",
            "The amount must be a whole number of đồng, e.g. 150,000.",
        ));
    }
    check_amount(field, digits.parse::<i64>().unwrap_or(i64::MAX))
}

/// Formats whole đồng with dots between thousands, as Vietnamese documents print them: `150.000`.
pub fn format_vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A fee of a procedure: what is collected, how much, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSpec {
    /// Stable key within the procedure, e.g. `le_phi`.
    pub key: String,
    pub kind: FeeKind,
    pub name_vi: String,
    pub name_en: String,
    /// Whole đồng.
    pub amount_vnd: i64,
    pub collect_at: CollectAt,
    /// Processing waits for this fee: the dossier enters status 6 until it is paid.
    pub before_processing: bool,
}

impl FeeSpec {
    /// Checks a fee entered by an administrator: a key of letters, digits and `_`, names, a valid amount.
    pub fn checked(mut self) -> Result<FeeSpec, ValidationError> {
        self.key = self.key.trim().to_owned();
        if self.key.is_empty()
            || self.key.len() > 40
            || !self.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(ValidationError::new(
                "fee_key",
                "fee_key_invalid",
                "Mã khoản thu chỉ gồm chữ không dấu, số và dấu gạch dưới (tối đa 40 ký tự).",
                "A fee key has only ASCII letters, digits and underscores (at most 40).",
            ));
        }
        self.name_vi = clean_line(&self.name_vi);
        self.name_en = clean_line(&self.name_en);
        if self.name_vi.is_empty() {
            return Err(ValidationError::new(
                "fee_name",
                "fee_name_required",
                "Hãy nhập tên khoản thu.",
                "Enter the name of the fee.",
            ));
        }
        if self.name_en.is_empty() {
            self.name_en = self.name_vi.clone();
        }
        check_amount("fee_amount", self.amount_vnd)?;
        Ok(self)
    }
}

/// Miễn, giảm: an exemption from a fee, which needs a reason and the official who approved it (Luật Phí và lệ
/// phí 2015 Art. 10 lists who is exempt; the approval is recorded so it can be audited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemption {
    pub reason: String,
    pub approved_by: String,
}

impl Exemption {
    /// Checks both texts are present (NFC, trimmed).
    pub fn parse(reason: &str, approved_by: &str) -> Result<Exemption, ValidationError> {
        let reason = clean_line(reason);
        let approved_by = clean_line(approved_by);
        if reason.is_empty() {
            return Err(ValidationError::new(
                "reason",
                "exemption_reason_required",
                "Hãy ghi lý do miễn thu.",
                "Give the reason for the exemption.",
            ));
        }
        if approved_by.is_empty() {
            return Err(ValidationError::new(
                "approved_by",
                "exemption_approver_required",
                "Hãy ghi người phê duyệt miễn thu.",
                "Name who approved the exemption.",
            ));
        }
        Ok(Exemption { reason, approved_by })
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Payment state machine
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Trạng thái thanh toán: the life of one payment attempt.
    pub enum PaymentStatus ("payment_status", "Trạng thái thanh toán", "payment status") {
        /// Khởi tạo: recorded, the payer has not been sent to the gateway yet.
        Created => ("created", "Khởi tạo", "Created"),
        /// Đang chờ: the payer is at the gateway; waiting for its notification.
        Pending => ("pending", "Đang chờ thanh toán", "Pending"),
        /// Đã thanh toán: the gateway (or the desk) confirmed the money. A receipt exists.
        Paid => ("paid", "Đã thanh toán", "Paid"),
        /// Thất bại: the gateway reported a failure or the payer cancelled.
        Failed => ("failed", "Không thành công", "Failed"),
        /// Hết hạn: no confirmation before the payment expired.
        Expired => ("expired", "Hết hạn", "Expired"),
        /// Đã hoàn tiền: the whole amount was refunded (an adjusting receipt exists).
        Refunded => ("refunded", "Đã hoàn tiền", "Refunded"),
    }
}

impl PaymentStatus {
    /// No further gateway event changes a payment in this status.
    pub fn is_final(self) -> bool {
        matches!(self, PaymentStatus::Paid | PaymentStatus::Failed | PaymentStatus::Expired | PaymentStatus::Refunded)
    }
}

/// Something that happens to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentEvent {
    /// The payer was sent to the gateway.
    Redirected,
    /// The gateway (IPN) or the desk confirmed the money.
    Confirmed,
    /// The gateway reported a failure or a cancellation.
    Declined,
    /// The expiry time passed without a confirmation.
    Expire,
    /// The whole paid amount was refunded.
    Refund,
}

/// What a [`PaymentEvent`] does to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStep {
    /// The payment moves to this status.
    To(PaymentStatus),
    /// The payment already is where the event leads (a repeated IPN, a refreshed page): nothing to write.
    Unchanged,
}

/// The payment state machine: created → pending → paid | failed | expired, and paid → refunded.
///
/// Idempotent: an event that leads where the payment already is answers [`PaymentStep::Unchanged`] (a repeated
/// IPN, a second expiry sweep). A confirmation also arrives straight from `created` (the desk records cash
/// without a gateway step). A confirmation of a failed or expired payment is refused, so that a late IPN never
/// revives an order the payer was told is closed, nor pays a fee twice after the desk took cash for it (such
/// money goes back through the reconciliation with the gateway). Anything else fails with
/// `payment_transition_invalid`.
pub fn payment_transition(current: PaymentStatus, event: PaymentEvent) -> Result<PaymentStep, ValidationError> {
    use PaymentEvent as E;
    use PaymentStatus as S;
    let to = match (current, event) {
        (S::Created, E::Redirected) => S::Pending,
        (S::Pending, E::Redirected) => return Ok(PaymentStep::Unchanged),
        (S::Created | S::Pending, E::Confirmed) => S::Paid,
        (S::Paid, E::Confirmed) => return Ok(PaymentStep::Unchanged),
        (S::Created | S::Pending, E::Declined) => S::Failed,
        (S::Failed, E::Declined) => return Ok(PaymentStep::Unchanged),
        (S::Created | S::Pending, E::Expire) => S::Expired,
        (S::Expired, E::Expire) => return Ok(PaymentStep::Unchanged),
        (S::Paid, E::Refund) => S::Refunded,
        (S::Refunded, E::Refund) => return Ok(PaymentStep::Unchanged),
        (from, event) => {
            return Err(ValidationError::new(
                "payment_status",
                "payment_transition_invalid",
                format!("Không thể thực hiện “{event:?}” với khoản thanh toán đang “{}”.", from.label_vi()),
                format!("“{event:?}” is not possible for a payment that is “{}”.", from.label_en()),
            ));
        }
    };
    Ok(PaymentStep::To(to))
}

labelled_enum! {
    /// Hình thức thanh toán: how the money came in (printed on the receipt).
    pub enum PaymentMethod ("method", "Hình thức thanh toán", "payment method") {
        /// Online through the VNPay gateway (the province's own gateway: DuocThanhToanTrucTuyen = 2).
        Vnpay => ("vnpay", "Thanh toán trực tuyến (VNPay)", "Online (VNPay)"),
        /// Tiền mặt at the one-stop desk.
        Cash => ("cash", "Tiền mặt", "Cash"),
        /// Chuyển khoản to the collecting unit's account, recorded by the desk.
        BankTransfer => ("bank_transfer", "Chuyển khoản", "Bank transfer"),
    }
}

impl PaymentMethod {
    /// Whether the payment counts as online for QĐ 766 indicator 3.6.
    pub fn is_online(self) -> bool {
        self == PaymentMethod::Vnpay
    }

    /// DVCQG `DuocThanhToanTrucTuyen`: 2 (the province's own gateway) for online payments, none otherwise.
    pub fn dvcqg_online_flag(self) -> Option<i64> {
        self.is_online().then_some(2)
    }
}

/// Checks a refund against what was paid: a positive amount no larger than what is left after earlier refunds,
/// with a reason and an approver (an adjusting receipt records all three).
pub fn check_refund(
    paid_vnd: i64,
    refunded_vnd: i64,
    amount_vnd: i64,
    reason: &str,
    approved_by: &str,
) -> Result<Exemption, ValidationError> {
    check_amount("amount", amount_vnd)?;
    let left = paid_vnd - refunded_vnd;
    if amount_vnd > left {
        return Err(ValidationError::new(
            "amount",
            "refund_exceeds_paid",
            format!(
                "Số tiền hoàn ({} đ) lớn hơn số còn lại có thể hoàn ({} đ).",
                format_vnd(amount_vnd),
                format_vnd(left)
            ),
            format!(
                "The refund ({} đ) is more than what is left to refund ({} đ).",
                format_vnd(amount_vnd),
                format_vnd(left)
            ),
        ));
    }
    Exemption::parse(reason, approved_by).map_err(|e| match e.code {
        "exemption_reason_required" => ValidationError::new(
            "reason",
            "refund_reason_required",
            "Hãy ghi lý do hoàn tiền.",
            "Give the reason for the refund.",
        ),
        _ => ValidationError::new(
            "approved_by",
            "refund_approver_required",
            "Hãy ghi người phê duyệt hoàn tiền.",
            "Name who approved the refund.",
        ),
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Amount in Vietnamese words
// ---------------------------------------------------------------------------------------------------------------

/// How a zero in the tens place is read before a unit digit: "một trăm linh năm" or "một trăm lẻ năm". Both are
/// correct Vietnamese ("linh" is the usual written form, "lẻ" the northern spoken one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroTens {
    #[default]
    Linh,
    Le,
}

const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];

/// Reads a group of three digits. `full` reads a leading zero hundred ("không trăm"), as inside a larger number.
fn read_hundreds(n: u64, full: bool, zero_tens: ZeroTens, out: &mut Vec<&'static str>) {
    let (h, t, u) = ((n / 100) as usize, ((n / 10) % 10) as usize, (n % 10) as usize);
    if h > 0 || full {
        out.push(DIGITS[h]);
        out.push("trăm");
    }
    match t {
        0 => {
            if u > 0 {
                if h > 0 || full {
                    out.push(match zero_tens {
                        ZeroTens::Linh => "linh",
                        ZeroTens::Le => "lẻ",
                    });
                }
                out.push(DIGITS[u]);
            }
        }
        1 => {
            out.push("mười");
            if u > 0 {
                out.push(if u == 5 { "lăm" } else { DIGITS[u] });
            }
        }
        _ => {
            out.push(DIGITS[t]);
            out.push("mươi");
            match u {
                0 => {}
                1 => out.push("mốt"),
                4 => out.push("tư"),
                5 => out.push("lăm"),
                _ => out.push(DIGITS[u]),
            }
        }
    }
}

/// Reads a number below one billion; `full` as in [`read_hundreds`] for its leading group.
fn read_below_billion(n: u64, full: bool, zero_tens: ZeroTens, out: &mut Vec<&'static str>) {
    let groups = [(n / 1_000_000, "triệu"), ((n / 1000) % 1000, "nghìn"), (n % 1000, "")];
    let mut started = full;
    for (value, unit) in groups {
        if value == 0 {
            continue;
        }
        read_hundreds(value, started, zero_tens, out);
        if !unit.is_empty() {
            out.push(unit);
        }
        started = true;
    }
}

/// Reads `n` with "tỷ" repeated for every nine digits (1 000 tỷ = "một nghìn tỷ").
fn read_number(n: u64, full: bool, zero_tens: ZeroTens, out: &mut Vec<&'static str>) {
    let (billions, rest) = (n / 1_000_000_000, n % 1_000_000_000);
    if billions > 0 {
        read_number(billions, full, zero_tens, out);
        out.push("tỷ");
        if rest > 0 {
            read_below_billion(rest, true, zero_tens, out);
        }
    } else {
        read_below_billion(rest, full, zero_tens, out);
    }
}

/// Số tiền bằng chữ: an amount of đồng in Vietnamese words, capitalised, as printed on receipts and invoices:
/// `150000` → "Một trăm năm mươi nghìn đồng".
///
/// The reading rules: "mười" for 10–19, "mươi" above; a unit 1 after 20 and up is "mốt", 4 is "tư", 5 after a
/// ten is "lăm"; a zero ten before a unit is "linh" (or "lẻ", see [`ZeroTens`]); inside a larger number an
/// empty hundred is read ("một nghìn không trăm linh năm"), a whole empty group is skipped ("một triệu đồng").
pub fn amount_in_words(amount: i64, zero_tens: ZeroTens) -> String {
    let mut words = Vec::new();
    if amount < 0 {
        words.push("âm");
    }
    let n = amount.unsigned_abs();
    if n == 0 {
        words.push("không");
    } else {
        read_number(n, false, zero_tens, &mut words);
    }
    words.push("đồng");
    let sentence = words.join(" ");
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => sentence,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Receipts
// ---------------------------------------------------------------------------------------------------------------

/// Digits a receipt number is printed with. Paper fee receipts and the e-receipt software seen in use print 7
/// digits (`0000001`); TT 78/2021's own article on the number was not read (`domain-vn.md` §11 item 3) \[U\], so
/// a series that reaches 9 999 999 is closed and a new series opened.
pub const RECEIPT_NUMBER_DIGITS: usize = 7;

/// The largest receipt number of a series.
pub const MAX_RECEIPT_NUMBER: i64 = 9_999_999;

/// Formats a receipt number zero-padded to [`RECEIPT_NUMBER_DIGITS`]: `42` → `0000042`.
pub fn format_receipt_number(number: i64) -> String {
    format!("{number:0width$}", width = RECEIPT_NUMBER_DIGITS)
}

/// Parses a receipt number as typed or printed (`42`, `0000042`), 1 to [`MAX_RECEIPT_NUMBER`].
pub fn parse_receipt_number(text: &str) -> Result<i64, ValidationError> {
    let t = text.trim();
    match t.parse::<i64>() {
        Ok(n) if t.chars().all(|c| c.is_ascii_digit()) && (1..=MAX_RECEIPT_NUMBER).contains(&n) => Ok(n),
        _ => Err(ValidationError::new(
            "number",
            "receipt_number_invalid",
            "Số biên lai phải là số từ 1 đến 9999999.",
            "A receipt number is a number from 1 to 9999999.",
        )),
    }
}

/// Checks the next number of a series is still printable; `series_full` once the series is used up.
pub fn check_next_receipt_number(next: i64) -> Result<i64, ValidationError> {
    if next > MAX_RECEIPT_NUMBER {
        return Err(ValidationError::new(
            "series",
            "receipt_series_full",
            "Ký hiệu biên lai đã dùng hết số; hãy đăng ký ký hiệu mới.",
            "The receipt series has used all its numbers; register a new series.",
        ));
    }
    Ok(next)
}

/// Checks a template symbol (ký hiệu mẫu biên lai, e.g. `01BLP0-001`) or series symbol (ký hiệu biên lai, e.g.
/// `AA/26E`): 1–20 upper-case ASCII letters, digits, `-` and `/` (they are printed and go into URLs, so `/` is
/// replaced by `-` there; see [`series_slug`]).
pub fn parse_symbol(field: &'static str, text: &str) -> Result<String, ValidationError> {
    let s = text.trim().to_uppercase();
    if s.is_empty() || s.len() > 20 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/') {
        return Err(ValidationError::new(
            field,
            "receipt_symbol_invalid",
            "Ký hiệu chỉ gồm chữ in hoa không dấu, số, “-” và “/” (tối đa 20 ký tự).",
            "A symbol has only upper-case ASCII letters, digits, “-” and “/” (at most 20).",
        ));
    }
    Ok(s)
}

/// Ký hiệu mẫu biên lai of an e-receipt, in the shape TT 78/2021/TT-BTC kept from TT 303/2016/TT-BTC:
/// `01BLP0-001` — the receipt type (`01` without a printed value, `02` with one), `BLP` (biên lai phí, lệ
/// phí), the number of copies (`0` for an electronic receipt), `-`, and the template's sequence number (3 digits).
pub fn parse_template_symbol(text: &str) -> Result<String, ValidationError> {
    let s = parse_symbol("template_symbol", text)?;
    let b = s.as_bytes();
    let ok = b.len() == 10
        && matches!(&s[..2], "01" | "02")
        && &s[2..5] == "BLP"
        && b[5].is_ascii_digit()
        && b[6] == b'-'
        && b[7..].iter().all(u8::is_ascii_digit);
    if !ok {
        return Err(ValidationError::new(
            "template_symbol",
            "receipt_template_invalid",
            "Ký hiệu mẫu biên lai không đúng dạng (TT 78/2021): 01 hoặc 02, “BLP”, số liên, “-”, 3 chữ số thứ tự — ví dụ 01BLP0-001.",
            "The template symbol is not in the TT 78/2021 shape: 01 or 02, “BLP”, the copy count, “-”, a 3-digit \
             sequence — e.g. 01BLP0-001.",
        ));
    }
    Ok(s)
}

/// Ký hiệu biên lai of an e-receipt: two upper-case letters chosen by the collecting unit, `/`, the last two
/// digits of the year and `E` (electronic), e.g. `AA/26E` (TT 78/2021/TT-BTC as for TT 303/2016 receipts; `-`
/// is accepted for `/`, as URLs write it).
pub fn parse_series_symbol(text: &str) -> Result<String, ValidationError> {
    let s = parse_symbol("series_symbol", text)?.replace('-', "/");
    let b = s.as_bytes();
    let ok = b.len() == 6
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2] == b'/'
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[5] == b'E';
    if !ok {
        return Err(ValidationError::new(
            "series_symbol",
            "receipt_series_invalid",
            "Ký hiệu biên lai không đúng dạng (TT 78/2021): 2 chữ in hoa, “/”, 2 số cuối của năm, “E” — ví dụ AA/26E.",
            "The series symbol is not in the TT 78/2021 shape: 2 capital letters, “/”, the year's last 2 digits, \
             “E” — e.g. AA/26E.",
        ));
    }
    Ok(s)
}

/// A series symbol as it appears in URLs: `/` becomes `-` (`AA/26E` → `AA-26E`).
pub fn series_slug(series: &str) -> String {
    series.replace('/', "-")
}

labelled_enum! {
    /// Loại biên lai: an original receipt, or one that adjusts or replaces an earlier one (ND 123/2020 as
    /// amended: corrections are new receipts linked to the old).
    pub enum ReceiptKind ("receipt_kind", "Loại biên lai", "receipt kind") {
        /// Biên lai gốc.
        Original => ("original", "Biên lai thu phí, lệ phí", "Fee receipt"),
        /// Biên lai điều chỉnh: adjusts an amount (a refund records a negative adjustment).
        Adjustment => ("adjustment", "Biên lai điều chỉnh", "Adjusting receipt"),
        /// Biên lai thay thế: replaces a receipt issued with wrong details.
        Replacement => ("replacement", "Biên lai thay thế", "Replacement receipt"),
    }
}

/// The corrected details a replacement receipt (biên lai thay thế) carries, and why it was issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptCorrection {
    pub payer_name: String,
    /// The payer's ID number (12 digits) or tax code, when given.
    pub payer_id_number: Option<String>,
    pub reason: String,
}

/// The details of the receipt being replaced that a replacement may correct.
#[derive(Debug, Clone, Copy)]
pub struct ReplacedReceipt<'a> {
    pub kind: ReceiptKind,
    /// A replacement receipt already names it.
    pub already_replaced: bool,
    pub payer_name: &'a str,
    pub payer_id_number: Option<&'a str>,
}

/// Checks a replacement of an issued receipt (ND 123/2020/NĐ-CP Art. 19 as amended by ND 70/2025/NĐ-CP): an
/// issued receipt is never edited; one issued with wrong details is replaced by a new receipt with its own
/// number that names it, with the reason. Only a fee receipt or an earlier replacement is replaced (an
/// adjusting receipt records money moving back and is corrected by another adjustment), once, and only when a
/// detail actually changes. The payer's name is NFC-normalised; an ID must be a 12-digit ID number or a tax
/// code.
pub fn check_replacement(
    old: ReplacedReceipt<'_>,
    payer_name: &str,
    payer_id_number: &str,
    reason: &str,
) -> Result<ReceiptCorrection, ValidationError> {
    if old.kind == ReceiptKind::Adjustment {
        return Err(ValidationError::new(
            "receipt",
            "receipt_not_replaceable",
            "Biên lai điều chỉnh không thay thế được; hãy lập biên lai điều chỉnh khác.",
            "An adjusting receipt cannot be replaced; issue another adjustment instead.",
        ));
    }
    if old.already_replaced {
        return Err(receipt_already_replaced());
    }
    let payer_name = clean_line(payer_name);
    if payer_name.chars().count() < 2 || payer_name.chars().count() > 200 {
        return Err(ValidationError::new(
            "payer_name",
            "payer_name_required",
            "Hãy nhập họ tên người nộp tiền.",
            "Enter the payer's name.",
        ));
    }
    let id = payer_id_number.trim();
    let payer_id_number = if id.is_empty() {
        None
    } else if let Ok(c) = crate::identity::CitizenId::parse(id) {
        Some(c.as_str().to_owned())
    } else if let Ok(t) = crate::identity::TaxCode::parse(id) {
        Some(t.as_str().to_owned())
    } else {
        return Err(ValidationError::new(
            "payer_id_number",
            "payer_id_invalid",
            "Số định danh cá nhân (12 chữ số) hoặc mã số thuế của người nộp không hợp lệ.",
            "The payer's ID number (12 digits) or tax code is not valid.",
        ));
    };
    let reason = clean_line(reason);
    if reason.chars().count() < 3 {
        return Err(ValidationError::new(
            "reason",
            "replacement_reason_required",
            "Hãy ghi lý do thay thế biên lai.",
            "Give the reason for replacing the receipt.",
        ));
    }
    if payer_name == old.payer_name && payer_id_number.as_deref() == old.payer_id_number {
        return Err(ValidationError::new(
            "payer_name",
            "replacement_changes_nothing",
            "Biên lai thay thế phải sửa ít nhất một thông tin sai (họ tên hoặc số định danh người nộp).",
            "A replacement must correct at least one wrong detail (the payer's name or ID).",
        ));
    }
    Ok(ReceiptCorrection { payer_name, payer_id_number, reason })
}

/// A receipt already replaced is replaced only once: its replacement is the one to correct further.
pub fn receipt_already_replaced() -> ValidationError {
    ValidationError::new(
        "receipt",
        "receipt_already_replaced",
        "Biên lai này đã được thay thế; hãy sửa biên lai thay thế nó.",
        "This receipt has already been replaced; correct its replacement instead.",
    )
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or retyped is unambiguous.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Mã tra cứu: the code printed on a receipt to verify it on the public page, 16 characters in four groups
/// (`7K3M-Q9XD-2HFA-0RTB`), 80 random bits, so it cannot be guessed from another receipt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VerificationCode(String);

impl VerificationCode {
    /// The code for 10 random bytes.
    pub fn from_random(bytes: [u8; 10]) -> Self {
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        let mut out = String::with_capacity(19);
        for i in 0..16u32 {
            if i > 0 && i.is_multiple_of(4) {
                out.push('-');
            }
            let index = ((bits >> (75 - 5 * i)) & 0x1f) as usize;
            out.push(char::from(CROCKFORD[index]));
        }
        VerificationCode(out)
    }

    /// Parses a code as typed: case, spaces and dashes do not matter; O reads as 0, I and L as 1.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let cleaned: String = text
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\t'))
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect();
        if cleaned.len() != 16 || !cleaned.bytes().all(|b| CROCKFORD.contains(&b)) {
            return Err(ValidationError::new(
                "code",
                "verification_code_invalid",
                "Mã tra cứu gồm 16 ký tự chữ và số, ví dụ 7K3M-Q9XD-2HFA-0RTB.",
                "A verification code has 16 letters and digits, e.g. 7K3M-Q9XD-2HFA-0RTB.",
            ));
        }
        let groups: Vec<&str> = (0..4).map(|i| &cleaned[i * 4..i * 4 + 4]).collect();
        Ok(VerificationCode(groups.join("-")))
    }

    /// The printed form with dashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(VerificationCode);

// ---------------------------------------------------------------------------------------------------------------
// VNPay 2.1.0
// ---------------------------------------------------------------------------------------------------------------

/// The protocol version this code speaks.
pub const VNPAY_VERSION: &str = "2.1.0";
/// VNPay's sandbox payment page.
pub const VNPAY_SANDBOX_URL: &str = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html";

/// HMAC-SHA512 (RFC 2104) of `data` under `key`, written out over `sha2` so the domain needs no other crate;
/// checked against the RFC 4231 test vectors.
pub fn hmac_sha512(key: &[u8], data: &[u8]) -> [u8; 64] {
    const BLOCK: usize = 128;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..64].copy_from_slice(&Sha512::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha512::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha512::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// URL-encodes like PHP's `urlencode`, which VNPay's samples use to build the signed string: ASCII letters,
/// digits and `-_.` stay, a space becomes `+`, every other byte of the UTF-8 text becomes `%XX` (upper case).
pub fn vnpay_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
    out
}

/// The string VNPay signs: the `vnp_*` parameters except `vnp_SecureHash` and `vnp_SecureHashType`, sorted by
/// key (byte order), each key and value [`vnpay_encode`]d, joined as `k=v&k=v`. Empty values are dropped, as
/// VNPay's own samples do.
pub fn vnpay_sign_data<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut kept: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| k.starts_with("vnp_") && *k != "vnp_SecureHash" && *k != "vnp_SecureHashType" && !v.is_empty())
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    kept.iter().map(|(k, v)| format!("{}={}", vnpay_encode(k), vnpay_encode(v))).collect::<Vec<_>>().join("&")
}

/// `vnp_SecureHash` of the parameters under the merchant's hash secret: lowercase hex HMAC-SHA512.
pub fn vnpay_signature<'a>(secret: &str, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    hex::encode(hmac_sha512(secret.as_bytes(), vnpay_sign_data(params).as_bytes()))
}

/// Compares two strings in time independent of where they differ (signatures must not leak by timing).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// VNPay dates: `yyyyMMddHHmmss` in Vietnam time (GMT+7).
pub fn vnpay_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&TZ).format("%Y%m%d%H%M%S").to_string()
}

/// Parses a VNPay date (`yyyyMMddHHmmss`, GMT+7).
pub fn parse_vnpay_datetime(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").ok()?;
    TZ.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}

/// A merchant account at VNPay (or at the built-in sandbox): terminal code, hash secret and payment page.
#[derive(Clone, PartialEq, Eq)]
pub struct VnpayMerchant {
    /// `vnp_TmnCode`.
    pub tmn_code: String,
    /// The hash secret; never logged (see the `Debug` impl).
    pub hash_secret: String,
    /// The payment page the payer is sent to.
    pub pay_url: String,
}

impl std::fmt::Debug for VnpayMerchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VnpayMerchant")
            .field("tmn_code", &self.tmn_code)
            .field("hash_secret", &"<redacted>")
            .field("pay_url", &self.pay_url)
            .finish()
    }
}

/// One payment to send to VNPay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VnpayOrder {
    /// `vnp_TxnRef`: our unique order reference.
    pub txn_ref: String,
    /// Whole đồng; sent as `vnp_Amount = amount × 100`.
    pub amount_vnd: i64,
    /// Free text; reduced to ASCII by [`vnpay_order_info`].
    pub order_info: String,
    /// `vnp_OrderType`, VNPay's goods category; `other` by default.
    pub order_type: String,
    /// `vi` or `en`.
    pub locale: String,
    pub return_url: String,
    /// The payer's IP address (`vnp_IpAddr`).
    pub ip_addr: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Preselected bank (`vnp_BankCode`), if the payer chose one.
    pub bank_code: Option<String>,
}

/// `vnp_OrderInfo` must be Vietnamese without diacritics: fold the text (đ → d), keep letters, digits, spaces and
/// `-.:,/`, at most 255 characters. Characters that URL encoders disagree on (`*~!'()`) are dropped so the
/// signature is the same whichever sample the other side followed.
pub fn vnpay_order_info(text: &str) -> String {
    let folded: String = crate::text::nfc(text)
        .chars()
        .flat_map(|c| {
            // Folding a lone space would trim it away.
            let f = if c.is_whitespace() { " ".to_owned() } else { fold_vietnamese(&c.to_string()) };
            let keep_case = c.is_uppercase();
            f.chars().map(move |x| if keep_case { x.to_ascii_uppercase() } else { x }).collect::<Vec<_>>()
        })
        .collect();
    let kept: String = folded
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | ':' | ',' | '/'))
        .collect();
    clean_line(&kept).chars().take(255).collect()
}

/// The `vnp_*` parameters of a payment URL, without the signature.
pub fn vnpay_payment_params(merchant: &VnpayMerchant, order: &VnpayOrder) -> Vec<(String, String)> {
    let mut params = vec![
        ("vnp_Version".to_owned(), VNPAY_VERSION.to_owned()),
        ("vnp_Command".to_owned(), "pay".to_owned()),
        ("vnp_TmnCode".to_owned(), merchant.tmn_code.clone()),
        ("vnp_Amount".to_owned(), (order.amount_vnd * 100).to_string()),
        ("vnp_CurrCode".to_owned(), "VND".to_owned()),
        ("vnp_TxnRef".to_owned(), order.txn_ref.clone()),
        ("vnp_OrderInfo".to_owned(), vnpay_order_info(&order.order_info)),
        ("vnp_OrderType".to_owned(), order.order_type.clone()),
        ("vnp_Locale".to_owned(), if order.locale == "en" { "en" } else { "vn" }.to_owned()),
        ("vnp_ReturnUrl".to_owned(), order.return_url.clone()),
        ("vnp_IpAddr".to_owned(), order.ip_addr.clone()),
        ("vnp_CreateDate".to_owned(), vnpay_datetime(order.created_at)),
        ("vnp_ExpireDate".to_owned(), vnpay_datetime(order.expires_at)),
    ];
    if let Some(bank) = order.bank_code.as_deref().filter(|b| !b.is_empty()) {
        params.push(("vnp_BankCode".to_owned(), bank.to_owned()));
    }
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    params
}

/// Signs `params` and renders them as a query string, the signature last, encoded as VNPay's samples do.
pub fn vnpay_signed_query(secret: &str, params: &[(String, String)]) -> String {
    let data = vnpay_sign_data(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let hash = hex::encode(hmac_sha512(secret.as_bytes(), data.as_bytes()));
    format!("{data}&vnp_SecureHash={hash}")
}

/// The full payment URL for `order`: the merchant's payment page, `?`, every `vnp_*` parameter and
/// `vnp_SecureHash`.
pub fn vnpay_payment_url(merchant: &VnpayMerchant, order: &VnpayOrder) -> String {
    let query = vnpay_signed_query(&merchant.hash_secret, &vnpay_payment_params(merchant, order));
    format!("{}?{query}", merchant.pay_url)
}

/// What VNPay reports about a payment, on the IPN call and on the return URL, once its signature is verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VnpayCallback {
    pub tmn_code: String,
    pub txn_ref: String,
    /// `vnp_Amount` as sent (đồng × 100).
    pub amount_x100: i64,
    /// `vnp_ResponseCode`: `00` is success.
    pub response_code: String,
    /// `vnp_TransactionStatus`: `00` is success.
    pub transaction_status: String,
    /// VNPay's transaction number.
    pub transaction_no: String,
    pub bank_code: String,
    pub pay_date: Option<DateTime<Utc>>,
}

impl VnpayCallback {
    /// The payment succeeded: both `vnp_ResponseCode` and `vnp_TransactionStatus` are `00`.
    pub fn succeeded(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }

    /// The payer cancelled at the gateway (`vnp_ResponseCode` 24).
    pub fn cancelled(&self) -> bool {
        self.response_code == "24"
    }

    /// Whether the reported amount is exactly `amount_vnd` đồng.
    pub fn amount_matches(&self, amount_vnd: i64) -> bool {
        amount_vnd.checked_mul(100) == Some(self.amount_x100)
    }
}

/// Why a callback was refused before looking at the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackError {
    /// No signature, or not the one the parameters and our secret give.
    InvalidSignature,
    /// Signed correctly but a required field is missing or malformed.
    Malformed,
}

/// Verifies a callback's query parameters (IPN or return URL) with the merchant's secret and reads them.
///
/// The parameters are taken as decoded from the query; they are re-encoded exactly as when signing, so the check
/// is the one VNPay's samples make. The hash is compared in constant time, case-insensitively.
pub fn verify_vnpay_callback(
    merchant: &VnpayMerchant,
    params: &[(String, String)],
) -> Result<VnpayCallback, CallbackError> {
    let given = params
        .iter()
        .find(|(k, _)| k == "vnp_SecureHash")
        .map(|(_, v)| v.to_ascii_lowercase())
        .ok_or(CallbackError::InvalidSignature)?;
    let expected = vnpay_signature(&merchant.hash_secret, params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(CallbackError::InvalidSignature);
    }
    let get = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let amount_x100 = get("vnp_Amount").parse::<i64>().map_err(|_| CallbackError::Malformed)?;
    let txn_ref = get("vnp_TxnRef");
    if txn_ref.is_empty() || amount_x100 <= 0 {
        return Err(CallbackError::Malformed);
    }
    Ok(VnpayCallback {
        tmn_code: get("vnp_TmnCode"),
        txn_ref,
        amount_x100,
        response_code: get("vnp_ResponseCode"),
        transaction_status: get("vnp_TransactionStatus"),
        transaction_no: get("vnp_TransactionNo"),
        bank_code: get("vnp_BankCode"),
        pay_date: parse_vnpay_datetime(&get("vnp_PayDate")),
    })
}

/// The answer to an IPN call, as VNPay documents it: `{"RspCode": "..", "Message": ".."}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnReply {
    /// 00: the notification was recorded (a success or a failure of the payment).
    ConfirmSuccess,
    /// 01: no order with that `vnp_TxnRef`.
    OrderNotFound,
    /// 02: the order was already confirmed (a repeated or late notification); nothing changed.
    AlreadyConfirmed,
    /// 04: the amount differs from the order's.
    InvalidAmount,
    /// 97: the signature is missing or wrong.
    InvalidSignature,
    /// 99: anything else (malformed parameters, a storage failure).
    Unknown,
}

impl IpnReply {
    /// `RspCode`.
    pub fn code(self) -> &'static str {
        match self {
            IpnReply::ConfirmSuccess => "00",
            IpnReply::OrderNotFound => "01",
            IpnReply::AlreadyConfirmed => "02",
            IpnReply::InvalidAmount => "04",
            IpnReply::InvalidSignature => "97",
            IpnReply::Unknown => "99",
        }
    }

    /// `Message`, VNPay's wording.
    pub fn message(self) -> &'static str {
        match self {
            IpnReply::ConfirmSuccess => "Confirm Success",
            IpnReply::OrderNotFound => "Order not found",
            IpnReply::AlreadyConfirmed => "Order already confirmed",
            IpnReply::InvalidAmount => "Invalid amount",
            IpnReply::InvalidSignature => "Invalid signature",
            IpnReply::Unknown => "Unknown error",
        }
    }

    /// The JSON body VNPay expects.
    pub fn to_json(self) -> serde_json::Value {
        serde_json::json!({"RspCode": self.code(), "Message": self.message()})
    }
}

/// What the IPN handler decides for a verified callback, given the stored order (`None` when unknown): its
/// amount in đồng, status and expiry. Pure, so every branch is table-tested.
///
/// Order of checks, as VNPay's samples make them: the order exists (01), the amount matches (04), the order is
/// not already settled (02); then a success pays it, anything else fails it (both answer 00). A payment that
/// expired before the notification arrived is treated as settled (02): the payer was told it closed, and the
/// money is refunded through the reconciliation with VNPay rather than silently reviving the order.
pub fn decide_ipn(callback: &VnpayCallback, order: Option<(i64, PaymentStatus)>) -> (IpnReply, Option<PaymentEvent>) {
    let Some((amount_vnd, status)) = order else {
        return (IpnReply::OrderNotFound, None);
    };
    if !callback.amount_matches(amount_vnd) {
        return (IpnReply::InvalidAmount, None);
    }
    if status.is_final() {
        return (IpnReply::AlreadyConfirmed, None);
    }
    let event = if callback.succeeded() { PaymentEvent::Confirmed } else { PaymentEvent::Declined };
    (IpnReply::ConfirmSuccess, Some(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_in_vietnamese() {
        let table: &[(i64, &str)] = &[
            (0, "Không đồng"),
            (1, "Một đồng"),
            (5, "Năm đồng"),
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (14, "Mười bốn đồng"),
            (15, "Mười lăm đồng"),
            (20, "Hai mươi đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi tư đồng"),
            (25, "Hai mươi lăm đồng"),
            (55, "Năm mươi lăm đồng"),
            (100, "Một trăm đồng"),
            (101, "Một trăm linh một đồng"),
            (105, "Một trăm linh năm đồng"),
            (110, "Một trăm mười đồng"),
            (115, "Một trăm mười lăm đồng"),
            (1_000, "Một nghìn đồng"),
            (1_005, "Một nghìn không trăm linh năm đồng"),
            (1_050, "Một nghìn không trăm năm mươi đồng"),
            (10_000, "Mười nghìn đồng"),
            (15_000, "Mười lăm nghìn đồng"),
            (21_000, "Hai mươi mốt nghìn đồng"),
            (50_000, "Năm mươi nghìn đồng"),
            (150_000, "Một trăm năm mươi nghìn đồng"),
            (205_000, "Hai trăm linh năm nghìn đồng"),
            (1_000_000, "Một triệu đồng"),
            (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
            (1_000_500, "Một triệu năm trăm đồng"),
            (2_345_678, "Hai triệu ba trăm bốn mươi lăm nghìn sáu trăm bảy mươi tám đồng"),
            (1_000_000_000, "Một tỷ đồng"),
            (1_000_000_001, "Một tỷ không trăm linh một đồng"),
            (5_000_000_000_000, "Năm nghìn tỷ đồng"),
            (-24, "Âm hai mươi tư đồng"),
        ];
        for (n, words) in table {
            assert_eq!(amount_in_words(*n, ZeroTens::Linh), *words, "{n}");
        }
        assert_eq!(amount_in_words(105_000, ZeroTens::Le), "Một trăm lẻ năm nghìn đồng");
    }

    #[test]
    fn amounts_print_with_dots_and_parse_as_typed() {
        assert_eq!(format_vnd(150_000), "150.000");
        assert_eq!(format_vnd(1_234_567), "1.234.567");
        assert_eq!(format_vnd(999), "999");
        assert_eq!(format_vnd(-50_000), "-50.000");
        for (text, n) in [("150.000", 150_000), ("150,000 đ", 150_000), ("25000 VND", 25_000), ("1 000 đồng", 1_000)]
        {
            assert_eq!(parse_amount("amount", text), Ok(n), "{text}");
        }
        for text in ["", "abc", "0", "-5", "1.5e3"] {
            assert!(parse_amount("amount", text).is_err(), "{text}");
        }
        assert_eq!(check_amount("a", MAX_AMOUNT_VND + 1).unwrap_err().code, "amount_too_large");
    }

    #[test]
    fn payment_state_machine_is_idempotent() {
        use PaymentEvent as E;
        use PaymentStatus as S;
        let table = [
            (S::Created, E::Redirected, Some(PaymentStep::To(S::Pending))),
            (S::Pending, E::Redirected, Some(PaymentStep::Unchanged)),
            (S::Pending, E::Confirmed, Some(PaymentStep::To(S::Paid))),
            (S::Created, E::Confirmed, Some(PaymentStep::To(S::Paid))),
            (S::Failed, E::Confirmed, None),
            (S::Paid, E::Confirmed, Some(PaymentStep::Unchanged)),
            (S::Pending, E::Declined, Some(PaymentStep::To(S::Failed))),
            (S::Failed, E::Declined, Some(PaymentStep::Unchanged)),
            (S::Pending, E::Expire, Some(PaymentStep::To(S::Expired))),
            (S::Expired, E::Expire, Some(PaymentStep::Unchanged)),
            (S::Paid, E::Refund, Some(PaymentStep::To(S::Refunded))),
            (S::Refunded, E::Refund, Some(PaymentStep::Unchanged)),
            (S::Expired, E::Confirmed, None),
            (S::Paid, E::Declined, None),
            (S::Paid, E::Expire, None),
            (S::Pending, E::Refund, None),
            (S::Refunded, E::Confirmed, None),
        ];
        for (from, event, expected) in table {
            let got = payment_transition(from, event).ok();
            assert_eq!(got, expected, "{from:?} + {event:?}");
        }
        assert_eq!(payment_transition(S::Expired, E::Confirmed).unwrap_err().code, "payment_transition_invalid");
    }

    #[test]
    fn hmac_sha512_matches_rfc_4231() {
        // Test case 1.
        let tag = hmac_sha512(&[0x0b; 20], b"Hi There");
        assert_eq!(
            hex::encode(tag),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
        );
        // Test case 2 (short key).
        let tag = hmac_sha512(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
        // Test case 6 (key longer than the block).
        let tag = hmac_sha512(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            hex::encode(tag),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        );
    }

    #[test]
    fn encoding_follows_php_urlencode() {
        assert_eq!(vnpay_encode("Thanh toan ho so"), "Thanh+toan+ho+so");
        assert_eq!(vnpay_encode("https://a.vn/x?y=1&z=2"), "https%3A%2F%2Fa.vn%2Fx%3Fy%3D1%26z%3D2");
        assert_eq!(vnpay_encode("a-b_c.d~e*f"), "a-b_c.d%7Ee%2Af");
        assert_eq!(vnpay_encode("đ"), "%C4%91");
    }

    #[test]
    fn sign_data_is_sorted_encoded_and_skips_the_hash() {
        let params = [
            ("vnp_TxnRef", "ABC"),
            ("vnp_Amount", "15000000"),
            ("vnp_OrderInfo", "Le phi ho so"),
            ("vnp_SecureHash", "deadbeef"),
            ("vnp_SecureHashType", "HmacSHA512"),
            ("vnp_BankCode", ""),
            ("other", "x"),
        ];
        assert_eq!(vnpay_sign_data(params), "vnp_Amount=15000000&vnp_OrderInfo=Le+phi+ho+so&vnp_TxnRef=ABC");
    }

    fn merchant() -> VnpayMerchant {
        VnpayMerchant {
            tmn_code: "HUESBX01".into(),
            hash_secret: "SECRETSECRETSECRETSECRETSECRET12".into(),
            pay_url: "https://pay.example/vpcpay.html".into(),
        }
    }

    fn order() -> VnpayOrder {
        let created = Utc.with_ymd_and_hms(2026, 11, 27, 3, 4, 5).unwrap();
        VnpayOrder {
            txn_ref: "0196F1A2B3C4".into(),
            amount_vnd: 150_000,
            order_info: "Thanh toán lệ phí hồ sơ H57.19753-261127-0001 (Đăng ký khai sinh)".into(),
            order_type: "other".into(),
            locale: "vi".into(),
            return_url: "http://127.0.0.1:8080/payments/vnpay/return".into(),
            ip_addr: "127.0.0.1".into(),
            created_at: created,
            expires_at: created + chrono::Duration::minutes(15),
            bank_code: None,
        }
    }

    #[test]
    fn payment_url_carries_every_parameter_and_a_valid_signature() {
        let url = vnpay_payment_url(&merchant(), &order());
        let (base, query) = url.split_once('?').unwrap();
        assert_eq!(base, "https://pay.example/vpcpay.html");
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap();
        assert_eq!(get("vnp_Version"), "2.1.0");
        assert_eq!(get("vnp_Command"), "pay");
        assert_eq!(get("vnp_TmnCode"), "HUESBX01");
        assert_eq!(get("vnp_Amount"), "15000000");
        assert_eq!(get("vnp_CurrCode"), "VND");
        assert_eq!(get("vnp_Locale"), "vn");
        assert_eq!(get("vnp_OrderType"), "other");
        // 03:04:05 UTC is 10:04:05 in Vietnam.
        assert_eq!(get("vnp_CreateDate"), "20261127100405");
        assert_eq!(get("vnp_ExpireDate"), "20261127101905");
        assert_eq!(get("vnp_OrderInfo"), "Thanh toan le phi ho so H57.19753-261127-0001 Dang ky khai sinh");
        assert!(query.ends_with(&format!("vnp_SecureHash={}", get("vnp_SecureHash"))));
        // Our own verification accepts it, and it is exactly HMAC-SHA512 over the text before the hash.
        assert!(verify_vnpay_callback(&merchant(), &params).is_ok());
        let signed = query.rsplit_once("&vnp_SecureHash=").unwrap().0;
        assert_eq!(
            get("vnp_SecureHash"),
            hex::encode(hmac_sha512(merchant().hash_secret.as_bytes(), signed.as_bytes()))
        );
    }

    fn ipn(amount_x100: &str, response: &str) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = [
            ("vnp_TmnCode", "HUESBX01"),
            ("vnp_Amount", amount_x100),
            ("vnp_BankCode", "NCB"),
            ("vnp_OrderInfo", "Thanh toan le phi"),
            ("vnp_PayDate", "20261127101010"),
            ("vnp_ResponseCode", response),
            ("vnp_TransactionNo", "14000001"),
            ("vnp_TransactionStatus", response),
            ("vnp_TxnRef", "0196F1A2B3C4"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let hash = vnpay_signature(&merchant().hash_secret, params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        params.push(("vnp_SecureHashType".into(), "HmacSHA512".into()));
        params.push(("vnp_SecureHash".into(), hash.to_uppercase()));
        params
    }

    #[test]
    fn callbacks_are_verified_and_read() {
        let cb = verify_vnpay_callback(&merchant(), &ipn("15000000", "00")).unwrap();
        assert!(cb.succeeded());
        assert!(cb.amount_matches(150_000));
        assert!(!cb.amount_matches(150_001));
        assert_eq!(cb.pay_date, Some(Utc.with_ymd_and_hms(2026, 11, 27, 3, 10, 10).unwrap()));
        // A changed amount breaks the signature.
        let mut forged = ipn("15000000", "00");
        forged[1].1 = "100".into();
        assert_eq!(verify_vnpay_callback(&merchant(), &forged), Err(CallbackError::InvalidSignature));
        // So does another secret, and a missing hash.
        let other = VnpayMerchant { hash_secret: "x".into(), ..merchant() };
        assert_eq!(verify_vnpay_callback(&other, &ipn("15000000", "00")), Err(CallbackError::InvalidSignature));
        let mut unsigned = ipn("15000000", "00");
        unsigned.retain(|(k, _)| k != "vnp_SecureHash");
        assert_eq!(verify_vnpay_callback(&merchant(), &unsigned), Err(CallbackError::InvalidSignature));
        let cancelled = verify_vnpay_callback(&merchant(), &ipn("15000000", "24")).unwrap();
        assert!(!cancelled.succeeded() && cancelled.cancelled());
    }

    #[test]
    fn ipn_decisions_follow_vnpay_codes() {
        use PaymentStatus as S;
        let ok = verify_vnpay_callback(&merchant(), &ipn("15000000", "00")).unwrap();
        let failed = verify_vnpay_callback(&merchant(), &ipn("15000000", "24")).unwrap();
        let table = [
            (&ok, None, IpnReply::OrderNotFound, None),
            (&ok, Some((150_001, S::Pending)), IpnReply::InvalidAmount, None),
            (&ok, Some((150_000, S::Paid)), IpnReply::AlreadyConfirmed, None),
            (&ok, Some((150_000, S::Expired)), IpnReply::AlreadyConfirmed, None),
            (&ok, Some((150_000, S::Pending)), IpnReply::ConfirmSuccess, Some(PaymentEvent::Confirmed)),
            (&ok, Some((150_000, S::Created)), IpnReply::ConfirmSuccess, Some(PaymentEvent::Confirmed)),
            (&failed, Some((150_000, S::Pending)), IpnReply::ConfirmSuccess, Some(PaymentEvent::Declined)),
            (&failed, Some((150_000, S::Failed)), IpnReply::AlreadyConfirmed, None),
        ];
        for (cb, order, reply, event) in table {
            assert_eq!(decide_ipn(cb, order), (reply, event), "{order:?}");
        }
        assert_eq!(
            IpnReply::InvalidSignature.to_json(),
            serde_json::json!({"RspCode": "97", "Message": "Invalid signature"})
        );
        let codes: Vec<_> = [
            IpnReply::ConfirmSuccess,
            IpnReply::OrderNotFound,
            IpnReply::AlreadyConfirmed,
            IpnReply::InvalidAmount,
            IpnReply::InvalidSignature,
            IpnReply::Unknown,
        ]
        .iter()
        .map(|r| r.code())
        .collect();
        assert_eq!(codes, ["00", "01", "02", "04", "97", "99"]);
    }

    #[test]
    fn order_info_is_plain_ascii() {
        assert_eq!(vnpay_order_info("Lệ phí: Đăng ký (khai sinh)*~"), "Le phi: Dang ky khai sinh");
        assert!(vnpay_order_info(&"ạ".repeat(400)).len() <= 255);
    }

    #[test]
    fn receipt_numbers_have_seven_digits() {
        assert_eq!(format_receipt_number(1), "0000001");
        assert_eq!(format_receipt_number(MAX_RECEIPT_NUMBER), "9999999");
        assert_eq!(parse_receipt_number("0000042"), Ok(42));
        assert_eq!(parse_receipt_number("42"), Ok(42));
        for bad in ["0", "10000000", "-1", "4a", ""] {
            assert!(parse_receipt_number(bad).is_err(), "{bad}");
        }
        assert_eq!(check_next_receipt_number(MAX_RECEIPT_NUMBER + 1).unwrap_err().code, "receipt_series_full");
    }

    #[test]
    fn symbols_are_upper_case_and_slugged_for_urls() {
        assert_eq!(parse_symbol("series", " aa/26e "), Ok("AA/26E".to_owned()));
        assert_eq!(series_slug("AA/26E"), "AA-26E");
        assert!(parse_symbol("series", "AA 26").is_err());
        assert!(parse_symbol("series", "").is_err());
    }

    #[test]
    fn template_and_series_symbols_follow_tt78() {
        assert_eq!(parse_template_symbol(" 01blp0-001 "), Ok("01BLP0-001".to_owned()));
        assert_eq!(parse_template_symbol("02BLP0-012"), Ok("02BLP0-012".to_owned()));
        for bad in ["01BLP0001", "03BLP0-001", "01BLX0-001", "01BLP0-01", "1C26TAA", ""] {
            assert!(parse_template_symbol(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_template_symbol("01BLP0-01").unwrap_err().code, "receipt_template_invalid");
        assert_eq!(parse_series_symbol("aa/26e"), Ok("AA/26E".to_owned()));
        assert_eq!(parse_series_symbol("AB-27E"), Ok("AB/27E".to_owned()));
        for bad in ["A/26E", "AA/26P", "AA/2026E", "A1/26E", "AA26E"] {
            assert_eq!(parse_series_symbol(bad).unwrap_err().code, "receipt_series_invalid", "{bad}");
        }
    }

    #[test]
    fn typed_amounts_are_whole_non_negative_dong() {
        for (text, amount) in [
            ("150.000", 150_000),
            ("150,000", 150_000),
            ("150 000 đ", 150_000),
            ("8000", 8_000),
            ("1.500.000 đồng", 1_500_000),
        ] {
            assert_eq!(parse_amount("amount", text), Ok(amount), "{text}");
        }
        for (text, code) in [
            ("-5.000", "amount_negative"),
            ("8000.50", "amount_fractional"),
            ("1.500,5", "amount_fractional"),
            ("150.000,50", "amount_fractional"),
            ("1.5000", "amount_invalid"),
            ("abc", "amount_invalid"),
            ("", "amount_invalid"),
            ("0", "amount_not_positive"),
        ] {
            assert_eq!(parse_amount("amount", text).unwrap_err().code, code, "{text}");
        }
    }

    #[test]
    fn a_replacement_corrects_something_once_with_a_reason() {
        let old = ReplacedReceipt {
            kind: ReceiptKind::Original,
            already_replaced: false,
            payer_name: "Nguyễn Văn An",
            payer_id_number: None,
        };
        let fixed = check_replacement(old, " Nguyễn  Văn Ân ", "", "Sai họ tên người nộp").unwrap();
        assert_eq!((fixed.payer_name.as_str(), fixed.payer_id_number), ("Nguyễn Văn Ân", None));
        assert_eq!(check_replacement(old, "Nguyễn Văn An", "", "Sai").unwrap_err().code, "replacement_changes_nothing");
        assert_eq!(check_replacement(old, "Nguyễn Văn Ân", "", " ").unwrap_err().code, "replacement_reason_required");
        assert_eq!(check_replacement(old, "Nguyễn Văn Ân", "12ab", "Sai tên").unwrap_err().code, "payer_id_invalid");
        let replaced = ReplacedReceipt { already_replaced: true, ..old };
        assert_eq!(check_replacement(replaced, "B", "", "Sai tên").unwrap_err().code, "receipt_already_replaced");
        let adjusting = ReplacedReceipt { kind: ReceiptKind::Adjustment, ..old };
        assert_eq!(check_replacement(adjusting, "B", "", "Sai tên").unwrap_err().code, "receipt_not_replaceable");
    }

    #[test]
    fn verification_codes_round_trip_and_forgive_typos() {
        let code = VerificationCode::from_random([0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(code.as_str().len(), 19);
        assert_eq!(VerificationCode::parse(&code.as_str().to_lowercase().replace('-', " ")), Ok(code.clone()));
        assert_eq!(VerificationCode::from_random([0; 10]).as_str(), "0000-0000-0000-0000");
        assert_eq!(VerificationCode::parse("oooo-iiii-llll-0000").unwrap().as_str(), "0000-1111-1111-0000");
        assert!(VerificationCode::parse("ABCD-EFGH-JKMN-PQRU").is_err());
        assert!(VerificationCode::parse("ABCD").is_err());
    }

    #[test]
    fn refunds_need_room_a_reason_and_an_approver() {
        assert!(check_refund(150_000, 0, 150_000, "Nộp nhầm", "Trưởng bộ phận").is_ok());
        assert_eq!(check_refund(150_000, 100_000, 60_000, "x", "y").unwrap_err().code, "refund_exceeds_paid");
        assert_eq!(check_refund(150_000, 0, 10_000, " ", "y").unwrap_err().code, "refund_reason_required");
        assert_eq!(check_refund(150_000, 0, 10_000, "x", "").unwrap_err().code, "refund_approver_required");
        assert_eq!(check_refund(150_000, 0, 0, "x", "y").unwrap_err().code, "amount_not_positive");
    }

    #[test]
    fn fees_are_checked() {
        let fee = FeeSpec {
            key: "le_phi".into(),
            kind: FeeKind::Charge,
            name_vi: " Lệ phí  hộ tịch ".into(),
            name_en: String::new(),
            amount_vnd: 8_000,
            collect_at: CollectAt::Reception,
            before_processing: true,
        };
        let checked = fee.clone().checked().unwrap();
        assert_eq!(checked.name_vi, "Lệ phí hộ tịch");
        assert_eq!(checked.name_en, "Lệ phí hộ tịch");
        assert_eq!(FeeSpec { key: "lệ phí".into(), ..fee.clone() }.checked().unwrap_err().code, "fee_key_invalid");
        assert_eq!(FeeSpec { amount_vnd: 0, ..fee }.checked().unwrap_err().code, "amount_not_positive");
        assert_eq!(CollectAt::Result.code(), 4);
        assert_eq!(PaymentMethod::Vnpay.dvcqg_online_flag(), Some(2));
        assert_eq!(PaymentMethod::Cash.dvcqg_online_flag(), None);
    }
}
