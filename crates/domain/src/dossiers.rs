//! Dossiers (hồ sơ thủ tục hành chính) at the one-stop desk: statuses, channels, the actions of the life cycle and
//! who may take them, the state machine, the legal forms each step issues, dossier codes, ratings and the per-step
//! timing shown on the control sheet.
//!
//! Legal basis (`domain-vn.md` §0–§2):
//! - the one-stop mechanism: ND 118/2025/NĐ-CP (in force 01/7/2025, replacing ND 61/2018 and ND 107/2021);
//! - the forms 01–07 and the dossier code: Annex I of TT 03/2025/TT-VPCP (replacing TT 01/2018/TT-VPCP);
//! - the status, channel, applicant and copy codes: the code lists of the National Public Service Portal
//!   (Cổng DVCQG), as used by one-stop systems that sync to it \[S\];
//! - "more than one supplement request counts as late": QĐ 766/QĐ-TTg, indicator 2.1.
//!
//! Everything here is pure: the current time and what the store knows about a dossier come in as
//! [`DossierFacts`]; [`transition`] answers with the next status and what the step means for forms and the clock.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::identity::Role;
use crate::text::{clean_line, nfc};
use crate::time::format_local_datetime;
use crate::validation::ValidationError;

// `labelled_enum!` (code, vi/en labels, `ALL`, `parse`, `Display`, `FromStr`) comes from the crate root, shared with
// `reports`.

/// Adds the numeric DVCQG code of a [`labelled_enum!`] type: `code()` and `from_code()` (error `<field>_code_unknown`).
macro_rules! dvcqg_codes {
    ($name:ident ($field:literal, $what_vi:literal, $what_en:literal) { $($variant:ident => $code:literal,)+ }) => {
        impl $name {
            /// The numeric code on the National Public Service Portal (Cổng DVCQG).
            pub fn code(self) -> i64 {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value for a numeric DVCQG code, as stored or received in a sync message.
            pub fn from_code(code: i64) -> Result<Self, ValidationError> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => {
                        let known = Self::ALL.iter().map(|v| v.code().to_string()).collect::<Vec<_>>().join(", ");
                        Err(ValidationError::new(
                            $field,
                            concat!($field, "_code_unknown"),
                            format!("Mã {} {code} không hợp lệ; các mã hợp lệ: {known}.", $what_vi),
                            format!("Unknown {} code {code}; valid codes are: {known}.", $what_en),
                        ))
                    }
                }
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Code lists
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Trạng thái hồ sơ: the 10 dossier statuses defined by the National Public Service Portal (DVCQG) \[S\].
    ///
    /// The numeric [`DossierStatus::code`] is the one synced to DVCQG; `as_str` is our storage and API code.
    pub enum DossierStatus ("dossier_status", "Trạng thái hồ sơ", "dossier status") {
        /// 1 — Mới đăng ký: submitted online, not yet accepted by the desk.
        Submitted => ("submitted", "Mới đăng ký", "Submitted"),
        /// 2 — Được tiếp nhận: accepted at the one-stop desk; form 01 issued.
        Accepted => ("accepted", "Được tiếp nhận", "Accepted"),
        /// 3 — Không được tiếp nhận: refused at reception; form 03 issued. Final.
        Refused => ("refused", "Không được tiếp nhận", "Refused"),
        /// 4 — Đang xử lý: with the specialist unit for appraisal.
        Processing => ("processing", "Đang xử lý", "Processing"),
        /// 5 — Yêu cầu bổ sung giấy tờ: waiting for the applicant's supplement; form 02 issued.
        SupplementRequested => ("supplement_requested", "Yêu cầu bổ sung giấy tờ", "Supplement requested"),
        /// 6 — Yêu cầu thực hiện nghĩa vụ tài chính: a fee, charge or tax is due.
        AwaitingPayment => ("awaiting_payment", "Yêu cầu thực hiện nghĩa vụ tài chính", "Awaiting payment of fees"),
        /// 7 — Công dân yêu cầu rút hồ sơ: withdrawn by the applicant. Final.
        Withdrawn => ("withdrawn", "Công dân yêu cầu rút hồ sơ", "Withdrawn by the applicant"),
        /// 8 — Dừng xử lý: processing stopped; form 05 issued. Final.
        Stopped => ("stopped", "Dừng xử lý", "Processing stopped"),
        /// 9 — Đã xử lý xong: the result is back at the one-stop desk.
        Processed => ("processed", "Đã xử lý xong", "Processed"),
        /// 10 — Đã trả kết quả: the result has been delivered to the applicant. Final (only a rating may follow).
        ResultReturned => ("result_returned", "Đã trả kết quả", "Result returned"),
    }
}

dvcqg_codes! {
    DossierStatus ("dossier_status", "trạng thái hồ sơ", "dossier status") {
        Submitted => 1,
        Accepted => 2,
        Refused => 3,
        Processing => 4,
        SupplementRequested => 5,
        AwaitingPayment => 6,
        Withdrawn => 7,
        Stopped => 8,
        Processed => 9,
        ResultReturned => 10,
    }
}

impl DossierStatus {
    /// True when the dossier's life cycle is over: refused, withdrawn, stopped or result returned. No action
    /// changes a final status; the only action still accepted is a rating after the result is returned.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DossierStatus::Refused | DossierStatus::Withdrawn | DossierStatus::Stopped | DossierStatus::ResultReturned
        )
    }
}

labelled_enum! {
    /// Kênh thực hiện (DVCQG `KenhThucHien`): how the dossier reached the agency.
    pub enum Channel ("channel", "Kênh nộp hồ sơ", "channel") {
        /// 1 — Trực tiếp: in person at the one-stop desk.
        Counter => ("counter", "Trực tiếp", "In person"),
        /// 2 — Trực tuyến: online, through the public-service portal.
        Online => ("online", "Trực tuyến", "Online"),
        /// 3 — Bưu chính công ích: by the public postal service.
        Post => ("post", "Qua bưu chính công ích", "By public postal service"),
    }
}

dvcqg_codes! {
    Channel ("channel", "kênh nộp hồ sơ", "channel") {
        Counter => 1,
        Online => 2,
        Post => 3,
    }
}

labelled_enum! {
    /// Loại đối tượng (DVCQG `LoaiDoiTuong`): who the applicant is.
    pub enum ApplicantKind ("applicant_kind", "Loại đối tượng", "applicant kind") {
        /// 0 — Công dân: an individual.
        Citizen => ("citizen", "Công dân", "Citizen"),
        /// 1 — Doanh nghiệp: a company.
        Company => ("company", "Doanh nghiệp", "Company"),
        /// 2 — Hộ kinh doanh: a household business.
        HouseholdBusiness => ("household_business", "Hộ kinh doanh", "Household business"),
    }
}

dvcqg_codes! {
    ApplicantKind ("applicant_kind", "loại đối tượng", "applicant kind") {
        Citizen => 0,
        Company => 1,
        HouseholdBusiness => 2,
    }
}

labelled_enum! {
    /// Loại bản (DVCQG `LoaiBan`): the kind of copy a dossier component was submitted as.
    pub enum CopyKind ("copy_kind", "Loại bản", "copy kind") {
        /// 0 — Bản chính: the original.
        Original => ("original", "Bản chính", "Original"),
        /// 1 — Bản sao: a (certified) copy.
        Copy => ("copy", "Bản sao", "Copy"),
        /// 2 — Bản điện tử: an electronic document.
        Electronic => ("electronic", "Bản điện tử", "Electronic"),
    }
}

dvcqg_codes! {
    CopyKind ("copy_kind", "loại bản", "copy kind") {
        Original => 0,
        Copy => 1,
        Electronic => 2,
    }
}

labelled_enum! {
    /// Hình thức trả kết quả: how the result reaches the applicant.
    pub enum Delivery ("delivery", "Hình thức trả kết quả", "delivery method") {
        /// Nhận trực tiếp tại Bộ phận Một cửa.
        InPerson => ("in_person", "Nhận trực tiếp", "In person"),
        /// Qua dịch vụ bưu chính công ích.
        Post => ("post", "Qua bưu chính công ích", "By public postal service"),
        /// Trực tuyến: an electronic result in the applicant's account.
        Online => ("online", "Trực tuyến", "Online"),
    }
}

labelled_enum! {
    /// Mức độ hài lòng: the applicant's rating of how the dossier was handled (feeds QĐ 766 indicator 5.4).
    pub enum Rating ("rating", "Mức đánh giá", "rating") {
        /// Hài lòng.
        Satisfied => ("satisfied", "Hài lòng", "Satisfied"),
        /// Chấp nhận được.
        Acceptable => ("acceptable", "Chấp nhận", "Acceptable"),
        /// Không hài lòng: counts against indicator 5.4.
        Dissatisfied => ("dissatisfied", "Không hài lòng", "Dissatisfied"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Forms (TT 03/2025/TT-VPCP, Annex I)
// ---------------------------------------------------------------------------------------------------------------

/// Biểu mẫu: the seven one-stop forms of Annex I of TT 03/2025/TT-VPCP (TT 01/2018 had a near-identical set) \[S\].
///
/// The fee receipt is not one of them: it belongs to the payment subsystem (ND 123/2020, TT 78/2021).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả: issued when the desk accepts a complete dossier.
    ReceiptAppointment,
    /// 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: the one written guidance on what to supplement.
    SupplementRequest,
    /// 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ: refusal at reception, with the reason.
    Refusal,
    /// 04 — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết: issued before the due date of a dossier that
    /// will be late, with the reason and the new date.
    ApologyExtension,
    /// 05 — Thông báo dừng giải quyết hồ sơ: notice that processing has stopped.
    StopNotice,
    /// 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ: one row per hand-over between desks.
    ControlSheet,
    /// 07 — Sổ theo dõi hồ sơ: the register (ledger) of dossiers.
    Register,
}

impl Form {
    /// Every form, in number order.
    pub const ALL: [Form; 7] = [
        Form::ReceiptAppointment,
        Form::SupplementRequest,
        Form::Refusal,
        Form::ApologyExtension,
        Form::StopNotice,
        Form::ControlSheet,
        Form::Register,
    ];

    /// The form number in Annex I: "01" … "07".
    pub fn number(self) -> &'static str {
        match self {
            Form::ReceiptAppointment => "01",
            Form::SupplementRequest => "02",
            Form::Refusal => "03",
            Form::ApologyExtension => "04",
            Form::StopNotice => "05",
            Form::ControlSheet => "06",
            Form::Register => "07",
        }
    }

    /// Stable snake_case code for storage and APIs; the same string serde uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::ReceiptAppointment => "receipt_appointment",
            Form::SupplementRequest => "supplement_request",
            Form::Refusal => "refusal",
            Form::ApologyExtension => "apology_extension",
            Form::StopNotice => "stop_notice",
            Form::ControlSheet => "control_sheet",
            Form::Register => "register",
        }
    }

    /// The official Vietnamese title, as printed on the form.
    pub fn title_vi(self) -> &'static str {
        match self {
            Form::ReceiptAppointment => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            Form::SupplementRequest => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            Form::Refusal => "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            Form::ApologyExtension => "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
            Form::StopNotice => "Thông báo dừng giải quyết hồ sơ",
            Form::ControlSheet => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            Form::Register => "Sổ theo dõi hồ sơ",
        }
    }

    /// An English rendering of the title.
    pub fn title_en(self) -> &'static str {
        match self {
            Form::ReceiptAppointment => "Dossier receipt and appointment for the result",
            Form::SupplementRequest => "Request to supplement and complete the dossier",
            Form::Refusal => "Refusal to accept the dossier",
            Form::ApologyExtension => "Apology and request to extend the processing time",
            Form::StopNotice => "Notice of stopping the processing of the dossier",
            Form::ControlSheet => "Dossier processing control sheet",
            Form::Register => "Dossier register",
        }
    }

    /// The form with Annex I number `number` ("01" … "07", surrounding whitespace ignored).
    pub fn from_number(number: &str) -> Result<Form, ValidationError> {
        let number = number.trim();
        Form::ALL.into_iter().find(|f| f.number() == number).ok_or_else(|| {
            ValidationError::new(
                "form",
                "form_unknown",
                format!("Mẫu số “{number}” không tồn tại; các mẫu hợp lệ là 01 đến 07."),
                format!("Form number “{number}” does not exist; valid forms are 01 to 07."),
            )
        })
    }
}

impl std::fmt::Display for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Loại thao tác: the name of a [`DossierAction`] without its fields, for role checks, buttons and URLs.
    pub enum ActionKind ("action", "Thao tác", "action") {
        /// Tiếp nhận hồ sơ.
        Accept => ("accept", "Tiếp nhận hồ sơ", "Accept the dossier"),
        /// Từ chối tiếp nhận.
        Refuse => ("refuse", "Từ chối tiếp nhận hồ sơ", "Refuse the dossier"),
        /// Yêu cầu bổ sung.
        RequestSupplement => ("request_supplement", "Yêu cầu bổ sung hồ sơ", "Request a supplement"),
        /// Nộp bổ sung.
        SubmitSupplement => ("submit_supplement", "Nộp bổ sung hồ sơ", "Submit the supplement"),
        /// Chuyển xử lý.
        StartProcessing => ("start_processing", "Chuyển xử lý", "Start processing"),
        /// Hoàn thành bước.
        CompleteStep => ("complete_step", "Hoàn thành bước xử lý", "Complete the processing step"),
        /// Chuyển liên thông.
        Forward => ("forward", "Chuyển liên thông", "Forward to another unit"),
        /// Nhận lại hồ sơ liên thông.
        ReturnFromForward => ("return_from_forward", "Nhận lại hồ sơ liên thông", "Take back a forwarded dossier"),
        /// Phê duyệt.
        Approve => ("approve", "Phê duyệt", "Approve"),
        /// Yêu cầu nghĩa vụ tài chính.
        RequestPayment => ("request_payment", "Yêu cầu thực hiện nghĩa vụ tài chính", "Request payment of fees"),
        /// Xác nhận đã thanh toán.
        ConfirmPayment => ("confirm_payment", "Xác nhận đã thanh toán", "Confirm payment"),
        /// Dừng xử lý.
        Stop => ("stop", "Dừng xử lý", "Stop processing"),
        /// Rút hồ sơ.
        Withdraw => ("withdraw", "Rút hồ sơ", "Withdraw the dossier"),
        /// Xin lỗi và gia hạn.
        ExtendDeadline => (
            "extend_deadline",
            "Xin lỗi và gia hạn thời gian giải quyết",
            "Apologise and extend the deadline"
        ),
        /// Hoàn thành xử lý.
        MarkProcessed => ("mark_processed", "Hoàn thành xử lý", "Mark as processed"),
        /// Trả kết quả.
        ReturnResult => ("return_result", "Trả kết quả", "Return the result"),
        /// Đánh giá.
        Rate => ("rate", "Đánh giá mức độ hài lòng", "Rate the service"),
    }
}

impl ActionKind {
    /// Whether the state machine accepts this action in `status` at all, before looking at the dossier's facts.
    ///
    /// Use it to show the buttons a screen offers; [`transition`] makes the final decision (deadlines, steps,
    /// whether the dossier was accepted).
    pub fn allowed_from(self, status: DossierStatus) -> bool {
        use ActionKind as A;
        use DossierStatus as S;
        match self {
            A::Accept => status == S::Submitted,
            A::Refuse => matches!(status, S::Submitted | S::SupplementRequested),
            A::RequestSupplement => matches!(status, S::Submitted | S::Processing),
            A::SubmitSupplement => status == S::SupplementRequested,
            A::StartProcessing => status == S::Accepted,
            A::CompleteStep
            | A::Forward
            | A::ReturnFromForward
            | A::Approve
            | A::RequestPayment
            | A::ExtendDeadline
            | A::MarkProcessed => status == S::Processing,
            A::ConfirmPayment => status == S::AwaitingPayment,
            A::Stop => matches!(status, S::Processing | S::SupplementRequested | S::AwaitingPayment),
            A::Withdraw => matches!(
                status,
                S::Submitted | S::Accepted | S::Processing | S::SupplementRequested | S::AwaitingPayment
            ),
            A::ReturnResult => status == S::Processed,
            A::Rate => status == S::ResultReturned,
        }
    }
}

/// The kinds of action [`ActionKind::allowed_from`] accepts in `status`, in declaration order.
pub fn actions_from(status: DossierStatus) -> Vec<ActionKind> {
    ActionKind::ALL.iter().copied().filter(|k| k.allowed_from(status)).collect()
}

/// Thao tác trên hồ sơ: one step of the dossier life cycle, with the fields the step records.
///
/// Build it from untrusted input with [`parse_action`], which checks the required fields; the serde form
/// (`{"action": "refuse", "reason": "…"}`) is for the dossier's own history and does not re-validate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DossierAction {
    /// Tiếp nhận: the desk accepts a complete dossier and issues form 01.
    Accept,
    /// Từ chối tiếp nhận: the desk refuses the dossier and issues form 03 stating `reason`.
    Refuse {
        /// Why the dossier is refused (printed on form 03).
        reason: String,
    },
    /// Yêu cầu bổ sung: form 02, guiding the applicant once, in writing, on everything to supplement.
    RequestSupplement {
        /// Why the dossier is incomplete.
        reason: String,
        /// The documents or corrections required, one per entry (at least one).
        items: Vec<String>,
    },
    /// Nộp bổ sung: the applicant submits the requested supplement.
    SubmitSupplement,
    /// Chuyển xử lý: the desk hands the accepted dossier to the specialist unit (first step).
    StartProcessing,
    /// Hoàn thành bước: the current processing step is done; the dossier moves to the next one.
    CompleteStep {
        /// Optional note for the control sheet (form 06).
        note: Option<String>,
    },
    /// Chuyển liên thông: the dossier goes to another unit for its part (một cửa liên thông).
    Forward {
        /// Code of the unit that receives the dossier.
        to_unit: String,
        /// Optional note for the receiving unit.
        note: Option<String>,
    },
    /// Nhận lại hồ sơ liên thông: the forwarded dossier comes back to the owning unit.
    ReturnFromForward,
    /// Phê duyệt: the unit leader approves the result; the dossier is processed.
    Approve,
    /// Yêu cầu thực hiện nghĩa vụ tài chính: a fee, charge or tax is due before the result.
    RequestPayment,
    /// Xác nhận thanh toán: the payment has been received (by the desk or the payment gateway's notification).
    ConfirmPayment,
    /// Dừng xử lý: processing stops and form 05 is issued stating `reason`.
    Stop {
        /// Why processing stops (printed on form 05).
        reason: String,
    },
    /// Rút hồ sơ: the applicant withdraws the dossier.
    Withdraw {
        /// The applicant's reason.
        reason: String,
    },
    /// Xin lỗi và gia hạn: form 04, issued before the due date of a dossier that will be late.
    ExtendDeadline {
        /// Why the dossier is late (printed on form 04).
        reason: String,
        /// The new appointment date for the result.
        new_due: DateTime<Utc>,
    },
    /// Hoàn thành xử lý: the processing officer records that the result is ready at the desk.
    MarkProcessed {
        /// Optional summary of the result (decision number, certificate…).
        result_note: Option<String>,
    },
    /// Trả kết quả: the desk delivers the result and records it in the register (form 07).
    ReturnResult {
        /// How the result was delivered.
        delivery: Delivery,
    },
    /// Đánh giá: the applicant rates the service once the result is returned.
    Rate {
        /// The rating.
        rating: Rating,
        /// Optional comment.
        comment: Option<String>,
    },
}

impl DossierAction {
    /// The kind of this action, without its fields.
    pub fn kind(&self) -> ActionKind {
        match self {
            DossierAction::Accept => ActionKind::Accept,
            DossierAction::Refuse { .. } => ActionKind::Refuse,
            DossierAction::RequestSupplement { .. } => ActionKind::RequestSupplement,
            DossierAction::SubmitSupplement => ActionKind::SubmitSupplement,
            DossierAction::StartProcessing => ActionKind::StartProcessing,
            DossierAction::CompleteStep { .. } => ActionKind::CompleteStep,
            DossierAction::Forward { .. } => ActionKind::Forward,
            DossierAction::ReturnFromForward => ActionKind::ReturnFromForward,
            DossierAction::Approve => ActionKind::Approve,
            DossierAction::RequestPayment => ActionKind::RequestPayment,
            DossierAction::ConfirmPayment => ActionKind::ConfirmPayment,
            DossierAction::Stop { .. } => ActionKind::Stop,
            DossierAction::Withdraw { .. } => ActionKind::Withdraw,
            DossierAction::ExtendDeadline { .. } => ActionKind::ExtendDeadline,
            DossierAction::MarkProcessed { .. } => ActionKind::MarkProcessed,
            DossierAction::ReturnResult { .. } => ActionKind::ReturnResult,
            DossierAction::Rate { .. } => ActionKind::Rate,
        }
    }

    /// Stable snake_case name of the action (`accept`, `refuse`, `request_supplement`…), as in the serde tag.
    pub fn as_str(&self) -> &'static str {
        self.kind().as_str()
    }
}

impl From<&DossierAction> for ActionKind {
    fn from(action: &DossierAction) -> Self {
        action.kind()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing actions from requests
// ---------------------------------------------------------------------------------------------------------------

/// A free-text field of an action payload, with its limits and error codes.
struct TextField {
    name: &'static str,
    vi: &'static str,
    en: &'static str,
    max_chars: usize,
    multiline: bool,
    required_code: &'static str,
    too_long_code: &'static str,
    not_text_code: &'static str,
}

const REASON: TextField = TextField {
    name: "reason",
    vi: "Lý do",
    en: "reason",
    max_chars: 2000,
    multiline: true,
    required_code: "reason_required",
    too_long_code: "reason_too_long",
    not_text_code: "reason_not_text",
};

const NOTE: TextField = TextField {
    name: "note",
    vi: "Ghi chú",
    en: "note",
    max_chars: 2000,
    multiline: true,
    required_code: "note_required",
    too_long_code: "note_too_long",
    not_text_code: "note_not_text",
};

const RESULT_NOTE: TextField = TextField {
    name: "result_note",
    vi: "Ghi chú kết quả",
    en: "result note",
    max_chars: 2000,
    multiline: true,
    required_code: "result_note_required",
    too_long_code: "result_note_too_long",
    not_text_code: "result_note_not_text",
};

const COMMENT: TextField = TextField {
    name: "comment",
    vi: "Nhận xét",
    en: "comment",
    max_chars: 2000,
    multiline: true,
    required_code: "comment_required",
    too_long_code: "comment_too_long",
    not_text_code: "comment_not_text",
};

const TO_UNIT: TextField = TextField {
    name: "to_unit",
    vi: "Đơn vị nhận",
    en: "receiving unit",
    max_chars: 100,
    multiline: false,
    required_code: "to_unit_required",
    too_long_code: "to_unit_too_long",
    not_text_code: "to_unit_not_text",
};

/// Most entries a supplement request may list; form 02 is one page of guidance, not an inventory.
const MAX_SUPPLEMENT_ITEMS: usize = 50;
/// Longest single entry of a supplement request, in characters.
const MAX_SUPPLEMENT_ITEM_CHARS: usize = 500;

/// The fields of an action payload (a JSON object; `null` counts as an empty object).
struct Payload<'a>(&'a serde_json::Map<String, Value>);

impl Payload<'_> {
    /// The field's value, treating `null` as absent.
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// An optional text field: normalised to NFC and trimmed; blank counts as absent.
    fn optional_text(&self, field: &TextField) -> Result<Option<String>, ValidationError> {
        let Some(value) = self.get(field.name) else {
            return Ok(None);
        };
        let Some(raw) = value.as_str() else {
            return Err(ValidationError::new(
                field.name,
                field.not_text_code,
                format!("{} phải là một đoạn văn bản.", field.vi),
                format!("The {} must be text.", field.en),
            ));
        };
        let text = if field.multiline { nfc(raw).replace("\r\n", "\n").trim().to_owned() } else { clean_line(raw) };
        if text.is_empty() {
            return Ok(None);
        }
        let chars = text.chars().count();
        if chars > field.max_chars {
            return Err(ValidationError::new(
                field.name,
                field.too_long_code,
                format!("{} dài tối đa {} ký tự; bạn đã nhập {chars} ký tự.", field.vi, field.max_chars),
                format!("The {} may be at most {} characters long; you entered {chars}.", field.en, field.max_chars),
            ));
        }
        Ok(Some(text))
    }

    /// A required text field: like [`Payload::optional_text`], but absent or blank is an error.
    fn required_text(&self, field: &TextField) -> Result<String, ValidationError> {
        self.optional_text(field)?.ok_or_else(|| {
            ValidationError::new(
                field.name,
                field.required_code,
                format!("Vui lòng nhập {} (trường “{}”).", field.vi.to_lowercase(), field.name),
                format!("Please enter the {} (field “{}”); it must not be empty.", field.en, field.name),
            )
        })
    }

    /// The supplement items: a list of non-blank texts, at least one.
    fn supplement_items(&self) -> Result<Vec<String>, ValidationError> {
        const FIELD: &str = "items";
        let required = || {
            ValidationError::new(
                FIELD,
                "items_required",
                "Vui lòng liệt kê ít nhất một giấy tờ hoặc nội dung cần bổ sung (trường “items”).",
                "Please list at least one document or correction to supplement (field “items”).",
            )
        };
        let Some(value) = self.get(FIELD) else {
            return Err(required());
        };
        let Some(list) = value.as_array() else {
            return Err(ValidationError::new(
                FIELD,
                "items_not_list",
                "Danh sách nội dung cần bổ sung (trường “items”) phải là một danh sách văn bản.",
                "The supplement items (field “items”) must be a list of texts.",
            ));
        };
        let mut items = Vec::with_capacity(list.len());
        for entry in list {
            let Some(raw) = entry.as_str() else {
                return Err(ValidationError::new(
                    FIELD,
                    "items_not_list",
                    "Mỗi nội dung cần bổ sung (trường “items”) phải là một đoạn văn bản.",
                    "Each supplement item (field “items”) must be text.",
                ));
            };
            let item = clean_line(raw);
            if item.is_empty() {
                continue;
            }
            let chars = item.chars().count();
            if chars > MAX_SUPPLEMENT_ITEM_CHARS {
                return Err(ValidationError::new(
                    FIELD,
                    "item_too_long",
                    format!(
                        "Mỗi nội dung cần bổ sung dài tối đa {MAX_SUPPLEMENT_ITEM_CHARS} ký tự; \
                         một mục có {chars} ký tự."
                    ),
                    format!(
                        "Each supplement item may be at most {MAX_SUPPLEMENT_ITEM_CHARS} characters long; \
                         one has {chars}."
                    ),
                ));
            }
            items.push(item);
        }
        if items.is_empty() {
            return Err(required());
        }
        if items.len() > MAX_SUPPLEMENT_ITEMS {
            return Err(ValidationError::new(
                FIELD,
                "items_too_many",
                format!(
                    "Phiếu yêu cầu bổ sung liệt kê tối đa {MAX_SUPPLEMENT_ITEMS} nội dung; bạn đã nhập {}.",
                    items.len()
                ),
                format!(
                    "A supplement request lists at most {MAX_SUPPLEMENT_ITEMS} items; you entered {}.",
                    items.len()
                ),
            ));
        }
        Ok(items)
    }

    /// The new due date of an extension: an RFC 3339 date-time with its offset.
    fn new_due(&self) -> Result<DateTime<Utc>, ValidationError> {
        const FIELD: &str = "new_due";
        let Some(value) = self.get(FIELD) else {
            return Err(ValidationError::new(
                FIELD,
                "new_due_required",
                "Vui lòng nhập ngày hẹn trả kết quả mới (trường “new_due”).",
                "Please enter the new due date for the result (field “new_due”).",
            ));
        };
        value
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| {
                ValidationError::new(
                    FIELD,
                    "new_due_invalid",
                    "Ngày hẹn trả kết quả mới (trường “new_due”) không hợp lệ; \
                     nhập ngày giờ kèm múi giờ, ví dụ 2026-11-30T17:00:00+07:00.",
                    "The new due date (field “new_due”) is invalid; \
                     give a date and time with its offset, e.g. 2026-11-30T17:00:00+07:00.",
                )
            })
    }

    /// A required code field parsed by `parse` (e.g. [`Delivery::parse`]); absent, blank or not text gives
    /// `missing_code`.
    fn required_code<T>(
        &self,
        name: &'static str,
        missing_code: &'static str,
        what_vi: &str,
        what_en: &str,
        parse: fn(&str) -> Result<T, ValidationError>,
    ) -> Result<T, ValidationError> {
        match self.get(name).map(|v| v.as_str()) {
            Some(Some(s)) if !s.trim().is_empty() => parse(s),
            _ => Err(ValidationError::new(
                name,
                missing_code,
                format!("Vui lòng chọn {what_vi} (trường “{name}”)."),
                format!("Please choose the {what_en} (field “{name}”)."),
            )),
        }
    }
}

/// Parses an action named `name` (an [`ActionKind`] code such as `refuse`) with its fields in `payload`, a JSON
/// object (`null` for actions without fields; unknown fields are ignored).
///
/// Required texts (`reason`, `to_unit`) are trimmed, normalised to NFC and must not be blank; `items` must list at
/// least one entry; `new_due` is an RFC 3339 date-time; `delivery` and `rating` are their `as_str` codes. Errors
/// name the offending field in both languages.
pub fn parse_action(name: &str, payload: &Value) -> Result<DossierAction, ValidationError> {
    use ActionKind as A;
    let kind = ActionKind::parse(name)?;
    let empty = serde_json::Map::new();
    let fields = match payload {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => {
            return Err(ValidationError::new(
                "payload",
                "action_payload_not_object",
                format!("Dữ liệu của thao tác “{}” phải là một đối tượng JSON.", kind.label_vi()),
                format!("The data of the action “{}” must be a JSON object.", kind.as_str()),
            ));
        }
    };
    let p = Payload(fields);
    Ok(match kind {
        A::Accept => DossierAction::Accept,
        A::Refuse => DossierAction::Refuse { reason: p.required_text(&REASON)? },
        A::RequestSupplement => {
            DossierAction::RequestSupplement { reason: p.required_text(&REASON)?, items: p.supplement_items()? }
        }
        A::SubmitSupplement => DossierAction::SubmitSupplement,
        A::StartProcessing => DossierAction::StartProcessing,
        A::CompleteStep => DossierAction::CompleteStep { note: p.optional_text(&NOTE)? },
        A::Forward => DossierAction::Forward { to_unit: p.required_text(&TO_UNIT)?, note: p.optional_text(&NOTE)? },
        A::ReturnFromForward => DossierAction::ReturnFromForward,
        A::Approve => DossierAction::Approve,
        A::RequestPayment => DossierAction::RequestPayment,
        A::ConfirmPayment => DossierAction::ConfirmPayment,
        A::Stop => DossierAction::Stop { reason: p.required_text(&REASON)? },
        A::Withdraw => DossierAction::Withdraw { reason: p.required_text(&REASON)? },
        A::ExtendDeadline => DossierAction::ExtendDeadline { reason: p.required_text(&REASON)?, new_due: p.new_due()? },
        A::MarkProcessed => DossierAction::MarkProcessed { result_note: p.optional_text(&RESULT_NOTE)? },
        A::ReturnResult => DossierAction::ReturnResult {
            delivery: p.required_code(
                "delivery",
                "delivery_required",
                "hình thức trả kết quả",
                "delivery method",
                Delivery::parse,
            )?,
        },
        A::Rate => DossierAction::Rate {
            rating: p.required_code("rating", "rating_required", "mức đánh giá", "rating", Rating::parse)?,
            comment: p.optional_text(&COMMENT)?,
        },
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Who may act
// ---------------------------------------------------------------------------------------------------------------

const RECEPTION: &[Role] = &[Role::ReceptionOfficer];
const PROCESSING: &[Role] = &[Role::ProcessingOfficer, Role::UnitLeader];
const LEADER: &[Role] = &[Role::UnitLeader];
const APPLICANT: &[Role] = &[Role::Citizen];

/// The platform roles that may take an action of this kind.
///
/// The one-stop desk (reception officer) accepts, refuses, asks for supplements and returns results; the
/// specialist unit (processing officer or its leader) processes; only the leader approves or stops; the applicant
/// (a citizen who owns the dossier, see [`requires_owner`]) supplements, withdraws and rates. A payment may also be
/// confirmed by the system itself (the payment gateway's notification), which acts without a role.
pub fn allowed_roles(kind: ActionKind) -> &'static [Role] {
    use ActionKind as A;
    match kind {
        A::Accept | A::Refuse | A::RequestSupplement | A::ReturnResult | A::ConfirmPayment => RECEPTION,
        A::StartProcessing
        | A::CompleteStep
        | A::Forward
        | A::ReturnFromForward
        | A::RequestPayment
        | A::ExtendDeadline
        | A::MarkProcessed => PROCESSING,
        A::Approve | A::Stop => LEADER,
        A::SubmitSupplement | A::Withdraw | A::Rate => APPLICANT,
    }
}

/// True when only the dossier's own applicant may take the action (submit a supplement, withdraw, rate), so the
/// caller must also check that the user owns the dossier.
pub fn requires_owner(kind: ActionKind) -> bool {
    matches!(kind, ActionKind::SubmitSupplement | ActionKind::Withdraw | ActionKind::Rate)
}

/// Whether a user with `role` may take the action; `is_owner` says whether that user filed the dossier.
/// Unit scoping (is the officer's unit the dossier's unit?) is the caller's job.
pub fn may_perform(kind: ActionKind, role: Role, is_owner: bool) -> bool {
    allowed_roles(kind).contains(&role) && (is_owner || !requires_owner(kind))
}

// ---------------------------------------------------------------------------------------------------------------
// State machine
// ---------------------------------------------------------------------------------------------------------------

/// What the store knows about a dossier when an action arrives, besides its status.
///
/// All instants are UTC; `now` is passed in so the rules never read the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierFacts {
    /// When the action is taken.
    pub now: DateTime<Utc>,
    /// Whether the desk has accepted the dossier (form 01 issued). This is the "status before the supplement":
    /// a supplement submitted to a dossier that was never accepted returns it to [`DossierStatus::Submitted`]
    /// for the desk to check again; otherwise the dossier goes back to [`DossierStatus::Processing`].
    pub accepted: bool,
    /// Whether the dossier is currently with another unit after a [`DossierAction::Forward`].
    pub forwarded: bool,
    /// Supplement requests made so far, before this action (at reception and during processing).
    pub supplement_requests: u32,
    /// The current appointment date for the result: form 01's, or the latest extension's (form 04); `None`
    /// before acceptance.
    pub due_at: Option<DateTime<Utc>>,
    /// The deadline for the pending supplement, if one was set on form 02.
    pub supplement_deadline: Option<DateTime<Utc>>,
    /// Whether the applicant has already rated the dossier.
    pub rated: bool,
    /// Whether a result (decision, certificate or e-result file) is attached.
    pub has_result: bool,
    /// Index (from 0) of the processing step the dossier is at.
    pub current_step: usize,
    /// Number of processing steps of the procedure; 0 means a single implicit step.
    pub step_count: usize,
}

impl DossierFacts {
    /// Facts of a fresh dossier at `now`: not accepted, no requests, no dates, no result, no steps.
    pub fn new(now: DateTime<Utc>) -> Self {
        DossierFacts {
            now,
            accepted: false,
            forwarded: false,
            supplement_requests: 0,
            due_at: None,
            supplement_deadline: None,
            rated: false,
            has_result: false,
            current_step: 0,
            step_count: 0,
        }
    }

    /// The status a submitted supplement returns the dossier to: processing if it had been accepted, else
    /// submitted (back to the desk).
    pub fn resume_status(&self) -> DossierStatus {
        if self.accepted { DossierStatus::Processing } else { DossierStatus::Submitted }
    }
}

/// The outcome of an allowed action: the next status and what it means for forms and the processing clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The status after the action (the same status for actions that stay, such as forwarding).
    pub to: DossierStatus,
    /// The legal form the action issues, or adds a row to (form 06, control sheet; form 07, register).
    pub form: Option<Form>,
    /// The processing clock stops: a supplement was requested after acceptance. Open a supplement pause.
    pub pauses_clock: bool,
    /// The processing clock runs again: the supplement arrived. Close the open supplement pause.
    pub resumes_clock: bool,
    /// The action makes the dossier count as late for QĐ 766 indicator 2.1 whatever its dates (a second
    /// supplement request).
    pub counts_late: bool,
    /// The processing step the dossier moves to, when the action moves it between steps.
    pub next_step: Option<usize>,
}

impl Transition {
    /// A transition to `to` with no form, no clock change and no step change.
    fn moving_to(to: DossierStatus) -> Self {
        Transition { to, form: None, pauses_clock: false, resumes_clock: false, counts_late: false, next_step: None }
    }

    /// The same transition, issuing `form`.
    fn with_form(self, form: Form) -> Self {
        Transition { form: Some(form), ..self }
    }
}

/// The error for an action the state machine does not accept in `status`.
fn not_allowed(kind: ActionKind, status: DossierStatus, why: Option<(&str, &str)>) -> ValidationError {
    let (why_vi, why_en) = why.map_or((String::new(), String::new()), |(vi, en)| (format!(" {vi}"), format!(" {en}")));
    ValidationError::new(
        "action",
        "action_not_allowed",
        format!(
            "Không thể thực hiện thao tác “{}” ({}) khi hồ sơ đang ở trạng thái “{}”.{why_vi}",
            kind.label_vi(),
            kind.as_str(),
            status.label_vi()
        ),
        format!(
            "The action “{}” ({}) is not allowed while the dossier is in status “{}”.{why_en}",
            kind.label_en(),
            kind.as_str(),
            status.label_en()
        ),
    )
}

/// Decides whether `action` may be taken on a dossier in status `current` with `facts`, and what follows.
///
/// The life cycle (ND 118/2025/NĐ-CP; forms per TT 03/2025/TT-VPCP Annex I):
///
/// | From | Action | To | Form |
/// |---|---|---|---|
/// | Submitted | accept | Accepted | 01 |
/// | Submitted | refuse | Refused | 03 |
/// | Submitted, Processing | request_supplement | SupplementRequested | 02 |
/// | SupplementRequested | submit_supplement | Submitted if never accepted, else Processing | – |
/// | SupplementRequested (never accepted) | refuse | Refused | 03 |
/// | Accepted | start_processing | Processing (step 0) | 06 |
/// | Processing | complete_step | Processing (next step), or Processed after the last step | 06 |
/// | Processing | forward, return_from_forward | Processing | 06 |
/// | Processing | approve, mark_processed | Processed | 06 |
/// | Processing | request_payment | AwaitingPayment | – |
/// | AwaitingPayment | confirm_payment | Processing | – |
/// | Processing, AwaitingPayment, SupplementRequested (accepted) | stop | Stopped | 05 |
/// | Processing | extend_deadline (before the due date) | Processing | 04 |
/// | Processed | return_result (result attached) | ResultReturned | 07 |
/// | Submitted, Accepted, Processing, SupplementRequested, AwaitingPayment | withdraw | Withdrawn | – |
/// | ResultReturned (not yet rated) | rate | ResultReturned | – |
///
/// Anything else fails with code `action_not_allowed`, naming the action and the status. Other errors:
/// `supplement_deadline_passed`, `due_date_missing`, `extension_after_due_date`, `new_due_not_later`,
/// `not_forwarded`, `step_out_of_range`, `result_missing`, `already_rated`.
///
/// Choices beyond the bare table, and why:
/// - Refusing a dossier waiting for a supplement that was never accepted, and stopping an accepted dossier
///   waiting for a supplement or a payment, exist so that an applicant who never answers does not leave the
///   dossier open for ever.
/// - The clock pauses only for a supplement requested after acceptance: before acceptance there is no
///   appointment date yet (it is set on form 01, from the complete dossier).
/// - A request for payment does not pause the clock: QĐ 766 subtracts only supplement time.
/// - An extension (form 04) does not move the appointment date used by QĐ 766 2.1; the store keeps the
///   original `due_at` for the index and `new_due` for the applicant.
pub fn transition(
    current: DossierStatus,
    action: &DossierAction,
    facts: &DossierFacts,
) -> Result<Transition, ValidationError> {
    use DossierStatus as S;
    let kind = action.kind();
    if !kind.allowed_from(current) {
        return Err(not_allowed(kind, current, None));
    }
    let stay = Transition::moving_to(current);
    let t = match action {
        DossierAction::Accept => Transition::moving_to(S::Accepted).with_form(Form::ReceiptAppointment),
        DossierAction::Refuse { .. } => {
            if current == S::SupplementRequested && facts.accepted {
                return Err(not_allowed(
                    kind,
                    current,
                    Some((
                        "Hồ sơ đã được tiếp nhận nên không thể từ chối; hãy dùng thao tác “Dừng xử lý”.",
                        "The dossier has already been accepted, so it cannot be refused; stop it instead.",
                    )),
                ));
            }
            Transition::moving_to(S::Refused).with_form(Form::Refusal)
        }
        DossierAction::RequestSupplement { .. } => Transition {
            // ND 118/2025: the desk guides the applicant once, in writing (form 02). QĐ 766 indicator 2.1:
            // a dossier with more than one supplement request counts as late.
            counts_late: facts.supplement_requests >= 1,
            pauses_clock: current == S::Processing,
            ..Transition::moving_to(S::SupplementRequested).with_form(Form::SupplementRequest)
        },
        DossierAction::SubmitSupplement => {
            if let Some(deadline) = facts.supplement_deadline
                && facts.now > deadline
            {
                let at = format_local_datetime(deadline);
                return Err(ValidationError::new(
                    "supplement_deadline",
                    "supplement_deadline_passed",
                    format!(
                        "Đã hết hạn nộp bổ sung hồ sơ ({at}); không thể nộp bổ sung nữa. \
                         Vui lòng liên hệ Bộ phận Một cửa."
                    ),
                    format!(
                        "The deadline for the supplement ({at}, Vietnam time) has passed; it can no longer be \
                         submitted. Please contact the one-stop desk."
                    ),
                ));
            }
            Transition { resumes_clock: facts.accepted, ..Transition::moving_to(facts.resume_status()) }
        }
        DossierAction::StartProcessing => {
            Transition { next_step: Some(0), ..Transition::moving_to(S::Processing).with_form(Form::ControlSheet) }
        }
        DossierAction::CompleteStep { .. } => {
            if facts.step_count > 0 && facts.current_step >= facts.step_count {
                return Err(ValidationError::new(
                    "current_step",
                    "step_out_of_range",
                    format!(
                        "Hồ sơ ở bước {} nhưng quy trình chỉ có {} bước.",
                        facts.current_step + 1,
                        facts.step_count
                    ),
                    format!(
                        "The dossier is at step {} but the procedure has only {} steps.",
                        facts.current_step + 1,
                        facts.step_count
                    ),
                ));
            }
            let next = facts.current_step + 1;
            if next >= facts.step_count {
                Transition::moving_to(S::Processed).with_form(Form::ControlSheet)
            } else {
                Transition { next_step: Some(next), ..stay.with_form(Form::ControlSheet) }
            }
        }
        DossierAction::Forward { .. } => stay.with_form(Form::ControlSheet),
        DossierAction::ReturnFromForward => {
            if !facts.forwarded {
                return Err(ValidationError::new(
                    "action",
                    "not_forwarded",
                    "Hồ sơ chưa được chuyển liên thông nên không có gì để nhận lại.",
                    "The dossier has not been forwarded, so there is nothing to take back.",
                ));
            }
            stay.with_form(Form::ControlSheet)
        }
        DossierAction::Approve | DossierAction::MarkProcessed { .. } => {
            Transition::moving_to(S::Processed).with_form(Form::ControlSheet)
        }
        DossierAction::RequestPayment => Transition::moving_to(S::AwaitingPayment),
        DossierAction::ConfirmPayment => Transition::moving_to(S::Processing),
        DossierAction::Stop { .. } => {
            if current == S::SupplementRequested && !facts.accepted {
                return Err(not_allowed(
                    kind,
                    current,
                    Some((
                        "Hồ sơ chưa được tiếp nhận; hãy dùng thao tác “Từ chối tiếp nhận hồ sơ”.",
                        "The dossier has not been accepted yet; refuse it instead.",
                    )),
                ));
            }
            Transition::moving_to(S::Stopped).with_form(Form::StopNotice)
        }
        DossierAction::Withdraw { .. } => Transition::moving_to(S::Withdrawn),
        DossierAction::ExtendDeadline { new_due, .. } => {
            let Some(due) = facts.due_at else {
                return Err(ValidationError::new(
                    "due_at",
                    "due_date_missing",
                    "Hồ sơ chưa có ngày hẹn trả kết quả nên không thể gia hạn.",
                    "The dossier has no due date yet, so it cannot be extended.",
                ));
            };
            let due_text = format_local_datetime(due);
            // Local rules require the apology (form 04) before the due date, e.g. "trước 1 ngày hết hạn"
            // (Lâm Hà) or at the latest on the appointment date (HCMC QĐ 5157/QĐ-UBND 2016); we require it
            // strictly before the appointment instant.
            if facts.now >= due {
                return Err(ValidationError::new(
                    "action",
                    "extension_after_due_date",
                    format!(
                        "Văn bản xin lỗi và đề nghị gia hạn (mẫu 04) phải được ban hành trước ngày hẹn trả \
                         kết quả ({due_text}); hồ sơ đã quá hạn."
                    ),
                    format!(
                        "The apology and extension letter (form 04) must be issued before the due date \
                         ({due_text}, Vietnam time); the dossier is already overdue."
                    ),
                ));
            }
            if *new_due <= due {
                return Err(ValidationError::new(
                    "new_due",
                    "new_due_not_later",
                    format!("Ngày hẹn trả kết quả mới phải sau ngày hẹn hiện tại ({due_text})."),
                    format!("The new due date must be later than the current one ({due_text}, Vietnam time)."),
                ));
            }
            stay.with_form(Form::ApologyExtension)
        }
        DossierAction::ReturnResult { .. } => {
            if !facts.has_result {
                return Err(ValidationError::new(
                    "result",
                    "result_missing",
                    "Hồ sơ chưa có kết quả đính kèm nên chưa thể trả kết quả.",
                    "No result is attached to the dossier yet, so it cannot be returned.",
                ));
            }
            Transition::moving_to(S::ResultReturned).with_form(Form::Register)
        }
        DossierAction::Rate { .. } => {
            if facts.rated {
                return Err(ValidationError::new(
                    "rating",
                    "already_rated",
                    "Bạn đã đánh giá hồ sơ này; mỗi hồ sơ chỉ được đánh giá một lần.",
                    "You have already rated this dossier; a dossier can be rated only once.",
                ));
            }
            stay
        }
    };
    Ok(t)
}

// ---------------------------------------------------------------------------------------------------------------
// Dossier code
// ---------------------------------------------------------------------------------------------------------------

/// Mã hồ sơ: `{agency code}-{yymmdd}-{sequence}`, e.g. `000.00.01.H57-251127-0001`.
///
/// The agency code is the agency's QCVN 102 identification code (`000.00.01.H57`; Huế's prefix is H57), the date
/// is the local (Vietnam) reception date, and the sequence counts the agency's dossiers of that day, zero-padded
/// to 4 digits and widening past 9999 (`10000`). This is the format observed in one-stop systems; the
/// authoritative structure is in TT 03/2025/TT-VPCP, whose article was not read (`domain-vn.md` §1.4) \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode {
    code: String,
    agency_len: usize,
    date: NaiveDate,
    sequence: u64,
}

string_newtype!(DossierCode);

impl DossierCode {
    const FIELD: &'static str = "dossier_code";

    /// Builds the code of the `seq`-th dossier (from 1) received by `agency` on local date `date`.
    ///
    /// `agency` is trimmed and uppercased and must be 3–30 of `0-9`, `A-Z` and `.`; the date must fall in
    /// 2000–2099 (the code keeps two year digits).
    pub fn new(agency: &str, date: NaiveDate, seq: u64) -> Result<Self, ValidationError> {
        use chrono::Datelike;
        let agency = agency.trim().to_ascii_uppercase();
        if !Self::valid_agency(&agency) {
            return Err(ValidationError::new(
                Self::FIELD,
                "dossier_code_agency_invalid",
                format!(
                    "Mã cơ quan “{agency}” không hợp lệ: cần 3–30 ký tự gồm chữ số, chữ cái in hoa và dấu chấm, \
                     ví dụ 000.00.01.H57."
                ),
                format!(
                    "The agency code “{agency}” is invalid: it needs 3–30 digits, capital letters or dots, \
                     e.g. 000.00.01.H57."
                ),
            ));
        }
        if !(2000..=2099).contains(&date.year()) {
            return Err(ValidationError::new(
                Self::FIELD,
                "dossier_code_date_out_of_range",
                format!(
                    "Ngày tiếp nhận {} nằm ngoài khoảng 2000–2099 mà mã hồ sơ biểu diễn được.",
                    date.format("%d/%m/%Y")
                ),
                format!(
                    "The reception date {} is outside 2000–2099, which a dossier code can represent.",
                    date.format("%d/%m/%Y")
                ),
            ));
        }
        if seq == 0 {
            return Err(ValidationError::new(
                Self::FIELD,
                "dossier_code_sequence_zero",
                "Số thứ tự trong mã hồ sơ bắt đầu từ 1.",
                "The sequence number of a dossier code starts at 1.",
            ));
        }
        let code = format!("{agency}-{}-{seq:04}", date.format("%y%m%d"));
        Ok(DossierCode { code, agency_len: agency.len(), date, sequence: seq })
    }

    /// Parses a dossier code (trimmed, uppercased). The sequence must have at least 4 digits and no leading zero
    /// beyond that width, so every code has exactly one spelling.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_uppercase();
        let invalid = || {
            ValidationError::new(
                Self::FIELD,
                "dossier_code_invalid",
                format!(
                    "Mã hồ sơ “{s}” không đúng dạng “mã cơ quan-yymmdd-số thứ tự”, \
                     ví dụ 000.00.01.H57-251127-0001."
                ),
                format!(
                    "The dossier code “{s}” does not match “agency code-yymmdd-sequence”, \
                     e.g. 000.00.01.H57-251127-0001."
                ),
            )
        };
        let mut parts = s.split('-');
        let (Some(agency), Some(date), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !Self::valid_agency(agency) || date.len() != 6 || !all_digits(date) {
            return Err(invalid());
        }
        if !all_digits(seq) || seq.len() < 4 || (seq.len() > 4 && seq.starts_with('0')) {
            return Err(invalid());
        }
        let number = |range: std::ops::Range<usize>| date.get(range).and_then(|d| d.parse::<u32>().ok());
        let (Some(yy), Some(mm), Some(dd)) = (number(0..2), number(2..4), number(4..6)) else {
            return Err(invalid());
        };
        let Some(date) = i32::try_from(yy).ok().and_then(|yy| NaiveDate::from_ymd_opt(2000 + yy, mm, dd)) else {
            return Err(ValidationError::new(
                Self::FIELD,
                "dossier_code_date_invalid",
                format!("Mã hồ sơ “{s}” chứa ngày không tồn tại (phần yymmdd)."),
                format!("The dossier code “{s}” contains a date that does not exist (the yymmdd part)."),
            ));
        };
        let sequence = seq.parse::<u64>().map_err(|_| invalid())?;
        Self::new(agency, date, sequence)
    }

    /// `[0-9A-Z.]{3,30}`.
    fn valid_agency(agency: &str) -> bool {
        (3..=30).contains(&agency.len())
            && agency.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.')
    }

    /// The full code.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The agency code part, e.g. `000.00.01.H57`.
    pub fn agency(&self) -> &str {
        &self.code[..self.agency_len]
    }

    /// The local reception date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The day's sequence number, from 1.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Step timing (form 06)
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Kết quả xử lý của một bước: how a processing step finished against its deadline, as printed on the
    /// control sheet (form 06).
    pub enum StepOutcome ("step_outcome", "Kết quả bước xử lý", "step outcome") {
        /// Trước hạn: finished on a local day before the deadline's day.
        Early => ("early", "Trước hạn", "Early"),
        /// Đúng hạn: finished on the deadline's local day, not after the deadline.
        OnTime => ("on_time", "Đúng hạn", "On time"),
        /// Quá hạn: finished after the deadline.
        Late => ("late", "Quá hạn", "Late"),
    }
}

/// Judges a step finished at `finished_at` against its `deadline`, by local calendar day in `tz`
/// (use [`crate::time::TZ`]).
///
/// The rule, as one-stop systems print it on form 06 \[S\]: after the deadline instant is late; otherwise a step
/// finished on an earlier local day than the deadline's is early, and one finished on the deadline's own day is
/// on time. So a step due at 17:00 and finished at 09:00 the same day is on time, not early.
pub fn step_outcome(deadline: DateTime<Utc>, finished_at: DateTime<Utc>, tz: chrono_tz::Tz) -> StepOutcome {
    if finished_at > deadline {
        StepOutcome::Late
    } else if finished_at.with_timezone(&tz).date_naive() < deadline.with_timezone(&tz).date_naive() {
        StepOutcome::Early
    } else {
        StepOutcome::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use proptest::prelude::*;
    use serde_json::json;

    use DossierStatus as S;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap_or_else(|| panic!("bad test date"))
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("bad test date"))
    }

    /// 27/11/2026 09:00 in Huế.
    fn now() -> DateTime<Utc> {
        utc(2026, 11, 27, 2, 0)
    }

    fn facts() -> DossierFacts {
        DossierFacts::new(now())
    }

    fn accepted() -> DossierFacts {
        DossierFacts { accepted: true, due_at: Some(now() + TimeDelta::days(3)), step_count: 3, ..facts() }
    }

    fn reason(kind: &str) -> String {
        format!("Lý do {kind}")
    }

    // ---- code lists --------------------------------------------------------------------------------------------

    #[test]
    fn status_codes_are_the_dvcqg_ones_and_round_trip() {
        let expected = [
            (1, S::Submitted, "Mới đăng ký"),
            (2, S::Accepted, "Được tiếp nhận"),
            (3, S::Refused, "Không được tiếp nhận"),
            (4, S::Processing, "Đang xử lý"),
            (5, S::SupplementRequested, "Yêu cầu bổ sung giấy tờ"),
            (6, S::AwaitingPayment, "Yêu cầu thực hiện nghĩa vụ tài chính"),
            (7, S::Withdrawn, "Công dân yêu cầu rút hồ sơ"),
            (8, S::Stopped, "Dừng xử lý"),
            (9, S::Processed, "Đã xử lý xong"),
            (10, S::ResultReturned, "Đã trả kết quả"),
        ];
        assert_eq!(S::ALL.len(), 10);
        for (code, status, vi) in expected {
            assert_eq!(status.code(), code);
            assert_eq!(S::from_code(code), Ok(status));
            assert_eq!(status.label_vi(), vi);
            assert_eq!(S::parse(status.as_str()), Ok(status));
        }
        for bad in [0, 11, -1] {
            let e = S::from_code(bad).expect_err("out of range");
            assert_eq!(e.code, "dossier_status_code_unknown");
            assert!(e.vi.contains(&bad.to_string()));
        }
        assert_eq!(S::parse("done").expect_err("unknown").code, "dossier_status_unknown");
    }

    #[test]
    fn final_statuses_are_refused_withdrawn_stopped_and_result_returned() {
        let finals: Vec<_> = S::ALL.iter().copied().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [S::Refused, S::Withdrawn, S::Stopped, S::ResultReturned]);
    }

    #[test]
    fn serde_uses_the_as_str_codes() {
        fn check<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug + Copy>(
            all: &[T],
            as_str: fn(T) -> &'static str,
        ) {
            for &v in all {
                let j = serde_json::to_value(v).expect("serialise");
                assert_eq!(j, json!(as_str(v)));
                assert_eq!(serde_json::from_value::<T>(j).expect("deserialise"), v);
            }
        }
        check(S::ALL, S::as_str);
        check(Channel::ALL, Channel::as_str);
        check(ApplicantKind::ALL, ApplicantKind::as_str);
        check(CopyKind::ALL, CopyKind::as_str);
        check(Delivery::ALL, Delivery::as_str);
        check(Rating::ALL, Rating::as_str);
        check(ActionKind::ALL, ActionKind::as_str);
        check(StepOutcome::ALL, StepOutcome::as_str);
        check(&Form::ALL, Form::as_str);
    }

    #[test]
    fn channel_applicant_and_copy_codes_follow_dvcqg() {
        assert_eq!(Channel::ALL.iter().map(|c| c.code()).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(Channel::from_code(2), Ok(Channel::Online));
        assert_eq!(Channel::from_code(3), Ok(Channel::Post));
        assert_eq!(Channel::from_code(0).expect_err("0").code, "channel_code_unknown");
        assert_eq!(ApplicantKind::from_code(0), Ok(ApplicantKind::Citizen));
        assert_eq!(ApplicantKind::from_code(1), Ok(ApplicantKind::Company));
        assert_eq!(ApplicantKind::from_code(2), Ok(ApplicantKind::HouseholdBusiness));
        assert_eq!(CopyKind::from_code(0), Ok(CopyKind::Original));
        assert_eq!(CopyKind::from_code(1), Ok(CopyKind::Copy));
        assert_eq!(CopyKind::from_code(2), Ok(CopyKind::Electronic));
        assert_eq!(CopyKind::from_code(3).expect_err("3").code, "copy_kind_code_unknown");
    }

    #[test]
    fn ratings_parse_and_have_labels() {
        assert_eq!(Rating::parse(" satisfied "), Ok(Rating::Satisfied));
        assert_eq!(Rating::Acceptable.label_vi(), "Chấp nhận");
        assert_eq!(Rating::Dissatisfied.label_vi(), "Không hài lòng");
        assert_eq!(Rating::Satisfied.label_en(), "Satisfied");
        let e = Rating::parse("great").expect_err("unknown");
        assert_eq!((e.field, e.code), ("rating", "rating_unknown"));
        assert!(e.en.contains("satisfied, acceptable, dissatisfied"));
    }

    #[test]
    fn forms_are_numbered_01_to_07_with_annex_titles() {
        let numbers: Vec<_> = Form::ALL.iter().map(|f| f.number()).collect();
        assert_eq!(numbers, ["01", "02", "03", "04", "05", "06", "07"]);
        assert_eq!(Form::ReceiptAppointment.title_vi(), "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
        assert_eq!(Form::ApologyExtension.title_vi(), "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết");
        assert_eq!(Form::Register.title_en(), "Dossier register");
        for f in Form::ALL {
            assert_eq!(Form::from_number(f.number()), Ok(f));
        }
        assert_eq!(Form::from_number("08").expect_err("08").code, "form_unknown");
    }

    // ---- state machine -----------------------------------------------------------------------------------------

    struct Allowed {
        from: DossierStatus,
        action: DossierAction,
        facts: DossierFacts,
        to: DossierStatus,
        form: Option<Form>,
        pauses: bool,
        resumes: bool,
        late: bool,
        next_step: Option<usize>,
    }

    fn allowed(from: DossierStatus, action: DossierAction, facts: DossierFacts, to: DossierStatus) -> Allowed {
        Allowed { from, action, facts, to, form: None, pauses: false, resumes: false, late: false, next_step: None }
    }

    impl Allowed {
        fn form(self, form: Form) -> Self {
            Allowed { form: Some(form), ..self }
        }
    }

    #[test]
    fn every_allowed_transition() {
        let refuse = DossierAction::Refuse { reason: reason("từ chối") };
        let supplement = DossierAction::RequestSupplement {
            reason: reason("bổ sung"),
            items: vec!["Bản sao giấy khai sinh".to_owned()],
        };
        let stop = DossierAction::Stop { reason: reason("dừng") };
        let withdraw = DossierAction::Withdraw { reason: reason("rút") };
        let extend =
            DossierAction::ExtendDeadline { reason: reason("gia hạn"), new_due: now() + TimeDelta::days(10) };
        let step = DossierAction::CompleteStep { note: None };
        let mid_step = DossierFacts { current_step: 1, ..accepted() };
        let last_step = DossierFacts { current_step: 2, ..accepted() };
        let no_steps = DossierFacts { step_count: 0, ..accepted() };
        let second_request = DossierFacts { supplement_requests: 1, ..accepted() };
        let waiting = DossierFacts {
            supplement_deadline: Some(now() + TimeDelta::days(1)),
            supplement_requests: 1,
            ..accepted()
        };
        let waiting_at_desk =
            DossierFacts { supplement_deadline: Some(now() + TimeDelta::days(1)), supplement_requests: 1, ..facts() };
        let forwarded = DossierFacts { forwarded: true, ..accepted() };
        let with_result = DossierFacts { has_result: true, ..accepted() };

        let table = vec![
            allowed(S::Submitted, DossierAction::Accept, facts(), S::Accepted).form(Form::ReceiptAppointment),
            allowed(S::Submitted, refuse.clone(), facts(), S::Refused).form(Form::Refusal),
            allowed(S::Submitted, supplement.clone(), facts(), S::SupplementRequested).form(Form::SupplementRequest),
            Allowed {
                pauses: true,
                ..allowed(S::Processing, supplement.clone(), accepted(), S::SupplementRequested)
                    .form(Form::SupplementRequest)
            },
            Allowed {
                pauses: true,
                late: true,
                ..allowed(S::Processing, supplement.clone(), second_request, S::SupplementRequested)
                    .form(Form::SupplementRequest)
            },
            Allowed {
                resumes: true,
                ..allowed(S::SupplementRequested, DossierAction::SubmitSupplement, waiting.clone(), S::Processing)
            },
            allowed(S::SupplementRequested, DossierAction::SubmitSupplement, waiting_at_desk.clone(), S::Submitted),
            allowed(S::SupplementRequested, refuse.clone(), waiting_at_desk, S::Refused).form(Form::Refusal),
            allowed(S::SupplementRequested, stop.clone(), waiting, S::Stopped).form(Form::StopNotice),
            Allowed {
                next_step: Some(0),
                ..allowed(S::Accepted, DossierAction::StartProcessing, accepted(), S::Processing)
                    .form(Form::ControlSheet)
            },
            Allowed {
                next_step: Some(1),
                ..allowed(S::Processing, step.clone(), accepted(), S::Processing).form(Form::ControlSheet)
            },
            Allowed {
                next_step: Some(2),
                ..allowed(S::Processing, step.clone(), mid_step, S::Processing).form(Form::ControlSheet)
            },
            allowed(S::Processing, step.clone(), last_step, S::Processed).form(Form::ControlSheet),
            allowed(S::Processing, step, no_steps, S::Processed).form(Form::ControlSheet),
            allowed(
                S::Processing,
                DossierAction::Forward { to_unit: "46.SXD".to_owned(), note: None },
                accepted(),
                S::Processing,
            )
            .form(Form::ControlSheet),
            allowed(S::Processing, DossierAction::ReturnFromForward, forwarded, S::Processing).form(Form::ControlSheet),
            allowed(S::Processing, DossierAction::Approve, accepted(), S::Processed).form(Form::ControlSheet),
            allowed(S::Processing, DossierAction::MarkProcessed { result_note: None }, accepted(), S::Processed)
                .form(Form::ControlSheet),
            allowed(S::Processing, DossierAction::RequestPayment, accepted(), S::AwaitingPayment),
            allowed(S::AwaitingPayment, DossierAction::ConfirmPayment, accepted(), S::Processing),
            allowed(S::Processing, stop.clone(), accepted(), S::Stopped).form(Form::StopNotice),
            allowed(S::AwaitingPayment, stop, accepted(), S::Stopped).form(Form::StopNotice),
            allowed(S::Processing, extend, accepted(), S::Processing).form(Form::ApologyExtension),
            allowed(
                S::Processed,
                DossierAction::ReturnResult { delivery: Delivery::InPerson },
                with_result,
                S::ResultReturned,
            )
            .form(Form::Register),
            allowed(S::Submitted, withdraw.clone(), facts(), S::Withdrawn),
            allowed(S::Accepted, withdraw.clone(), accepted(), S::Withdrawn),
            allowed(S::Processing, withdraw.clone(), accepted(), S::Withdrawn),
            allowed(S::SupplementRequested, withdraw.clone(), accepted(), S::Withdrawn),
            allowed(S::AwaitingPayment, withdraw, accepted(), S::Withdrawn),
            allowed(
                S::ResultReturned,
                DossierAction::Rate { rating: Rating::Satisfied, comment: None },
                accepted(),
                S::ResultReturned,
            ),
        ];

        let mut kinds_seen = std::collections::HashSet::new();
        for row in table {
            let t = transition(row.from, &row.action, &row.facts)
                .unwrap_or_else(|e| panic!("{} from {} refused: {}", row.action.as_str(), row.from, e.en));
            let expected = Transition {
                to: row.to,
                form: row.form,
                pauses_clock: row.pauses,
                resumes_clock: row.resumes,
                counts_late: row.late,
                next_step: row.next_step,
            };
            assert_eq!(t, expected, "{} from {}", row.action.as_str(), row.from);
            kinds_seen.insert(row.action.kind());
        }
        assert_eq!(kinds_seen.len(), ActionKind::ALL.len(), "every action has a row");
    }

    #[test]
    fn refused_transitions_have_their_error_codes() {
        let past = now() - TimeDelta::hours(1);
        let cases: Vec<(DossierStatus, DossierAction, DossierFacts, &str)> = vec![
            (S::Accepted, DossierAction::Accept, accepted(), "action_not_allowed"),
            (S::Processing, DossierAction::Refuse { reason: reason("x") }, accepted(), "action_not_allowed"),
            (S::Submitted, DossierAction::StartProcessing, facts(), "action_not_allowed"),
            (S::Submitted, DossierAction::Approve, facts(), "action_not_allowed"),
            (S::Processed, DossierAction::Withdraw { reason: reason("x") }, accepted(), "action_not_allowed"),
            (
                S::ResultReturned,
                DossierAction::ReturnResult { delivery: Delivery::Post },
                accepted(),
                "action_not_allowed",
            ),
            (S::Withdrawn, DossierAction::Accept, facts(), "action_not_allowed"),
            (
                S::Processed,
                DossierAction::Rate { rating: Rating::Satisfied, comment: None },
                accepted(),
                "action_not_allowed",
            ),
            (S::SupplementRequested, DossierAction::Refuse { reason: reason("x") }, accepted(), "action_not_allowed"),
            (S::SupplementRequested, DossierAction::Stop { reason: reason("x") }, facts(), "action_not_allowed"),
            (
                S::SupplementRequested,
                DossierAction::SubmitSupplement,
                DossierFacts { supplement_deadline: Some(past), ..accepted() },
                "supplement_deadline_passed",
            ),
            (
                S::Processing,
                DossierAction::ExtendDeadline { reason: reason("x"), new_due: now() + TimeDelta::days(5) },
                DossierFacts { due_at: Some(past), ..accepted() },
                "extension_after_due_date",
            ),
            (
                S::Processing,
                DossierAction::ExtendDeadline { reason: reason("x"), new_due: now() + TimeDelta::days(5) },
                DossierFacts { due_at: None, ..accepted() },
                "due_date_missing",
            ),
            (
                S::Processing,
                DossierAction::ExtendDeadline { reason: reason("x"), new_due: now() + TimeDelta::days(1) },
                accepted(),
                "new_due_not_later",
            ),
            (S::Processing, DossierAction::ReturnFromForward, accepted(), "not_forwarded"),
            (
                S::Processing,
                DossierAction::CompleteStep { note: None },
                DossierFacts { current_step: 3, ..accepted() },
                "step_out_of_range",
            ),
            (S::Processed, DossierAction::ReturnResult { delivery: Delivery::Online }, accepted(), "result_missing"),
            (
                S::ResultReturned,
                DossierAction::Rate { rating: Rating::Dissatisfied, comment: None },
                DossierFacts { rated: true, ..accepted() },
                "already_rated",
            ),
        ];
        for (from, action, facts, code) in cases {
            let e = transition(from, &action, &facts)
                .err()
                .unwrap_or_else(|| panic!("{} from {} was allowed", action.as_str(), from));
            assert_eq!(e.code, code, "{} from {}", action.as_str(), from);
        }
    }

    #[test]
    fn not_allowed_names_the_action_and_the_status_in_both_languages() {
        let e = transition(S::ResultReturned, &DossierAction::Accept, &facts()).expect_err("final");
        assert_eq!((e.field, e.code), ("action", "action_not_allowed"));
        assert!(e.vi.contains("Tiếp nhận hồ sơ") && e.vi.contains("Đã trả kết quả"), "{}", e.vi);
        assert!(e.en.contains("accept") && e.en.contains("Result returned"), "{}", e.en);
    }

    #[test]
    fn a_late_supplement_is_refused_with_the_local_deadline() {
        let deadline = utc(2026, 11, 26, 10, 0); // 17:00 in Huế
        let f = DossierFacts { supplement_deadline: Some(deadline), ..accepted() };
        let e = transition(S::SupplementRequested, &DossierAction::SubmitSupplement, &f).expect_err("late");
        assert_eq!(e.field, "supplement_deadline");
        assert!(e.vi.contains("26/11/2026 17:00"), "{}", e.vi);
        // Exactly at the deadline is still in time.
        let f = DossierFacts { now: deadline, ..f };
        assert!(transition(S::SupplementRequested, &DossierAction::SubmitSupplement, &f).is_ok());
    }

    #[test]
    fn an_extension_must_come_before_the_due_date() {
        let due = now();
        let action = DossierAction::ExtendDeadline { reason: reason("x"), new_due: due + TimeDelta::days(3) };
        let at_due = DossierFacts { due_at: Some(due), ..accepted() };
        let e = transition(S::Processing, &action, &at_due).expect_err("at the due instant");
        assert!(e.en.contains("must be issued before the due date"), "{}", e.en);
        let before = DossierFacts { now: due - TimeDelta::minutes(1), ..at_due };
        assert_eq!(transition(S::Processing, &action, &before).map(|t| t.form), Ok(Some(Form::ApologyExtension)));
    }

    #[test]
    fn actions_from_lists_the_buttons_of_a_status() {
        use ActionKind as A;
        assert_eq!(actions_from(S::Submitted), [A::Accept, A::Refuse, A::RequestSupplement, A::Withdraw]);
        assert_eq!(actions_from(S::ResultReturned), [A::Rate]);
        assert!(actions_from(S::Refused).is_empty());
        assert!(actions_from(S::Withdrawn).is_empty());
        assert!(actions_from(S::Stopped).is_empty());
    }

    // ---- roles -------------------------------------------------------------------------------------------------

    #[test]
    fn roles_per_action() {
        use ActionKind as A;
        use Role as R;
        let table: [(ActionKind, &[Role], bool); 17] = [
            (A::Accept, &[R::ReceptionOfficer], false),
            (A::Refuse, &[R::ReceptionOfficer], false),
            (A::RequestSupplement, &[R::ReceptionOfficer], false),
            (A::ReturnResult, &[R::ReceptionOfficer], false),
            (A::ConfirmPayment, &[R::ReceptionOfficer], false),
            (A::StartProcessing, &[R::ProcessingOfficer, R::UnitLeader], false),
            (A::CompleteStep, &[R::ProcessingOfficer, R::UnitLeader], false),
            (A::Forward, &[R::ProcessingOfficer, R::UnitLeader], false),
            (A::ReturnFromForward, &[R::ProcessingOfficer, R::UnitLeader], false),
            (A::RequestPayment, &[R::ProcessingOfficer, R::UnitLeader], false),
            (A::ExtendDeadline, &[R::ProcessingOfficer, R::UnitLeader], false),
            (A::MarkProcessed, &[R::ProcessingOfficer, R::UnitLeader], false),
            (A::Approve, &[R::UnitLeader], false),
            (A::Stop, &[R::UnitLeader], false),
            (A::SubmitSupplement, &[R::Citizen], true),
            (A::Withdraw, &[R::Citizen], true),
            (A::Rate, &[R::Citizen], true),
        ];
        for (kind, roles, owner) in table {
            assert_eq!(allowed_roles(kind), roles, "{kind}");
            assert_eq!(requires_owner(kind), owner, "{kind}");
        }
        assert!(may_perform(A::Withdraw, R::Citizen, true));
        assert!(!may_perform(A::Withdraw, R::Citizen, false));
        assert!(!may_perform(A::Withdraw, R::ReceptionOfficer, true));
        assert!(may_perform(A::Approve, R::UnitLeader, false));
        assert!(!may_perform(A::Approve, R::ProcessingOfficer, false));
        assert!(!may_perform(A::Accept, R::Administrator, false));
    }

    // ---- parsing actions ---------------------------------------------------------------------------------------

    #[test]
    fn parses_every_action_with_its_fields() {
        let cases = [
            ("accept", json!(null), DossierAction::Accept),
            (
                "refuse",
                json!({"reason": "  Không thuộc thẩm quyền "}),
                DossierAction::Refuse { reason: "Không thuộc thẩm quyền".to_owned() },
            ),
            (
                "request_supplement",
                json!({"reason": "Thiếu giấy tờ", "items": ["  Bản sao   CCCD ", "", "Giấy chứng sinh"]}),
                DossierAction::RequestSupplement {
                    reason: "Thiếu giấy tờ".to_owned(),
                    items: vec!["Bản sao CCCD".to_owned(), "Giấy chứng sinh".to_owned()],
                },
            ),
            ("submit_supplement", json!({}), DossierAction::SubmitSupplement),
            ("start_processing", json!({}), DossierAction::StartProcessing),
            ("complete_step", json!({"note": "  "}), DossierAction::CompleteStep { note: None }),
            (
                "forward",
                json!({"to_unit": " 46.SXD ", "note": "Xin ý kiến"}),
                DossierAction::Forward { to_unit: "46.SXD".to_owned(), note: Some("Xin ý kiến".to_owned()) },
            ),
            ("return_from_forward", json!({}), DossierAction::ReturnFromForward),
            ("approve", json!({}), DossierAction::Approve),
            ("request_payment", json!({}), DossierAction::RequestPayment),
            ("confirm_payment", json!({}), DossierAction::ConfirmPayment),
            (
                "stop",
                json!({"reason": "Không đủ điều kiện"}),
                DossierAction::Stop { reason: "Không đủ điều kiện".to_owned() },
            ),
            ("withdraw", json!({"reason": "Nộp nhầm"}), DossierAction::Withdraw { reason: "Nộp nhầm".to_owned() }),
            (
                "extend_deadline",
                json!({"reason": "Chờ ý kiến liên thông", "new_due": "2026-12-01T17:00:00+07:00"}),
                DossierAction::ExtendDeadline {
                    reason: "Chờ ý kiến liên thông".to_owned(),
                    new_due: utc(2026, 12, 1, 10, 0),
                },
            ),
            (
                "mark_processed",
                json!({"result_note": "Giấy khai sinh số 12"}),
                DossierAction::MarkProcessed { result_note: Some("Giấy khai sinh số 12".to_owned()) },
            ),
            ("return_result", json!({"delivery": "post"}), DossierAction::ReturnResult { delivery: Delivery::Post }),
            (
                "rate",
                json!({"rating": "acceptable", "comment": "Nhanh"}),
                DossierAction::Rate { rating: Rating::Acceptable, comment: Some("Nhanh".to_owned()) },
            ),
        ];
        assert_eq!(cases.len(), ActionKind::ALL.len());
        for (name, payload, expected) in cases {
            let parsed = parse_action(name, &payload).unwrap_or_else(|e| panic!("{name}: {}", e.en));
            assert_eq!(parsed, expected);
            assert_eq!(parsed.as_str(), name);
            // The history form round-trips and carries the same name as its tag.
            let stored = serde_json::to_value(&parsed).expect("serialise");
            assert_eq!(stored["action"], json!(name));
            assert_eq!(serde_json::from_value::<DossierAction>(stored).expect("deserialise"), parsed);
        }
    }

    #[test]
    fn parse_action_names_the_missing_or_bad_field() {
        let cases = [
            ("refuse", json!({}), "reason", "reason_required"),
            ("refuse", json!({"reason": "   "}), "reason", "reason_required"),
            ("stop", json!({"reason": 5}), "reason", "reason_not_text"),
            ("withdraw", json!({"reason": "x".repeat(2001)}), "reason", "reason_too_long"),
            ("request_supplement", json!({"reason": "Thiếu"}), "items", "items_required"),
            ("request_supplement", json!({"reason": "Thiếu", "items": ["", " "]}), "items", "items_required"),
            ("request_supplement", json!({"reason": "Thiếu", "items": "CCCD"}), "items", "items_not_list"),
            ("request_supplement", json!({"items": ["CCCD"]}), "reason", "reason_required"),
            ("forward", json!({}), "to_unit", "to_unit_required"),
            ("extend_deadline", json!({"reason": "x"}), "new_due", "new_due_required"),
            ("extend_deadline", json!({"reason": "x", "new_due": "01/12/2026"}), "new_due", "new_due_invalid"),
            ("return_result", json!({}), "delivery", "delivery_required"),
            ("return_result", json!({"delivery": "drone"}), "delivery", "delivery_unknown"),
            ("rate", json!({"rating": 5}), "rating", "rating_required"),
            ("rate", json!({"rating": "great"}), "rating", "rating_unknown"),
            ("accept", json!([1]), "payload", "action_payload_not_object"),
            ("approve_all", json!({}), "action", "action_unknown"),
        ];
        for (name, payload, field, code) in cases {
            let e = parse_action(name, &payload).expect_err(name);
            assert_eq!((e.field, e.code), (field, code), "{name} {payload}");
            assert!(!e.vi.is_empty() && !e.en.is_empty());
        }
        let e = parse_action("refuse", &json!({})).expect_err("no reason");
        assert!(e.vi.contains("lý do") && e.en.contains("reason"), "{} / {}", e.vi, e.en);
    }

    // ---- dossier code ------------------------------------------------------------------------------------------

    #[test]
    fn dossier_codes_pad_to_four_digits_and_widen() {
        let d = date(2025, 11, 27);
        let cases = [
            (1, "000.00.01.H57-251127-0001"),
            (42, "000.00.01.H57-251127-0042"),
            (9999, "000.00.01.H57-251127-9999"),
            (10000, "000.00.01.H57-251127-10000"),
            (123_456, "000.00.01.H57-251127-123456"),
        ];
        for (seq, text) in cases {
            let code = DossierCode::new("000.00.01.H57", d, seq).expect("valid");
            assert_eq!(code.as_str(), text);
            assert_eq!(code.agency(), "000.00.01.H57");
            assert_eq!(code.date(), d);
            assert_eq!(code.sequence(), seq);
            assert_eq!(DossierCode::parse(text), Ok(code));
        }
    }

    #[test]
    fn dossier_code_parse_normalises_and_rejects() {
        let code = DossierCode::parse("  000.00.01.h57-240115-0001 ").expect("valid");
        assert_eq!(code.as_str(), "000.00.01.H57-240115-0001");
        assert_eq!(code.date(), date(2024, 1, 15));
        let rejected = [
            ("", "dossier_code_invalid"),
            ("000.00.01.H57-240115", "dossier_code_invalid"),
            ("000.00.01.H57-240115-001", "dossier_code_invalid"),
            ("000.00.01.H57-240115-00001", "dossier_code_invalid"),
            ("000.00.01.H57-240115-0001-2", "dossier_code_invalid"),
            ("000.00.01.H57-24011-0001", "dossier_code_invalid"),
            ("H5-240115-0001", "dossier_code_invalid"),
            ("000_00.H57-240115-0001", "dossier_code_invalid"),
            ("000.00.01.H57-240230-0001", "dossier_code_date_invalid"),
            ("000.00.01.H57-240115-0000", "dossier_code_sequence_zero"),
            ("000.00.01.H57-240115-99999999999999999999", "dossier_code_invalid"),
        ];
        for (text, code) in rejected {
            assert_eq!(DossierCode::parse(text).expect_err(text).code, code, "{text}");
        }
        assert_eq!(
            DossierCode::new("000.00.01.H57", date(1999, 12, 31), 1).expect_err("1999").code,
            "dossier_code_date_out_of_range"
        );
        assert_eq!(
            DossierCode::new("H-57", date(2025, 1, 1), 1).expect_err("dash").code,
            "dossier_code_agency_invalid"
        );
        assert_eq!(
            DossierCode::new(&"9".repeat(31), date(2025, 1, 1), 1).expect_err("long").code,
            "dossier_code_agency_invalid"
        );
    }

    #[test]
    fn dossier_code_serialises_as_a_string() {
        let code = DossierCode::new("000.00.01.H57", date(2025, 11, 27), 7).expect("valid");
        let j = serde_json::to_value(&code).expect("serialise");
        assert_eq!(j, json!("000.00.01.H57-251127-0007"));
        assert_eq!(serde_json::from_value::<DossierCode>(j).expect("deserialise"), code);
        assert!(serde_json::from_value::<DossierCode>(json!("nope")).is_err());
    }

    // ---- step outcome ------------------------------------------------------------------------------------------

    #[test]
    fn step_outcome_by_local_day() {
        let tz = crate::time::TZ;
        let deadline = utc(2026, 11, 27, 10, 0); // 27/11 17:00 in Huế
        let cases = [
            (utc(2026, 11, 26, 9, 0), StepOutcome::Early),   // 26/11 16:00
            (utc(2026, 11, 26, 16, 59), StepOutcome::Early), // 26/11 23:59
            (utc(2026, 11, 26, 17, 0), StepOutcome::OnTime), // 27/11 00:00 (still 26/11 in UTC)
            (utc(2026, 11, 27, 2, 0), StepOutcome::OnTime),  // 27/11 09:00
            (deadline, StepOutcome::OnTime),
            (utc(2026, 11, 27, 10, 1), StepOutcome::Late),
            (utc(2026, 11, 28, 1, 0), StepOutcome::Late),
        ];
        for (finished, expected) in cases {
            assert_eq!(step_outcome(deadline, finished, tz), expected, "{finished}");
        }
        assert_eq!(StepOutcome::Early.label_vi(), "Trước hạn");
        assert_eq!(StepOutcome::OnTime.label_vi(), "Đúng hạn");
        assert_eq!(StepOutcome::Late.label_vi(), "Quá hạn");
        assert_eq!(StepOutcome::OnTime.label_en(), "On time");
    }

    // ---- property: final statuses are sticky -------------------------------------------------------------------

    /// A valid action of `kind` (fields are irrelevant to the state machine apart from `new_due`).
    fn sample_action(kind: ActionKind, now: DateTime<Utc>) -> DossierAction {
        use ActionKind as A;
        match kind {
            A::Accept => DossierAction::Accept,
            A::Refuse => DossierAction::Refuse { reason: reason("x") },
            A::RequestSupplement => {
                DossierAction::RequestSupplement { reason: reason("x"), items: vec!["CCCD".to_owned()] }
            }
            A::SubmitSupplement => DossierAction::SubmitSupplement,
            A::StartProcessing => DossierAction::StartProcessing,
            A::CompleteStep => DossierAction::CompleteStep { note: None },
            A::Forward => DossierAction::Forward { to_unit: "46.SXD".to_owned(), note: None },
            A::ReturnFromForward => DossierAction::ReturnFromForward,
            A::Approve => DossierAction::Approve,
            A::RequestPayment => DossierAction::RequestPayment,
            A::ConfirmPayment => DossierAction::ConfirmPayment,
            A::Stop => DossierAction::Stop { reason: reason("x") },
            A::Withdraw => DossierAction::Withdraw { reason: reason("x") },
            A::ExtendDeadline => {
                DossierAction::ExtendDeadline { reason: reason("x"), new_due: now + TimeDelta::days(30) }
            }
            A::MarkProcessed => DossierAction::MarkProcessed { result_note: None },
            A::ReturnResult => DossierAction::ReturnResult { delivery: Delivery::Online },
            A::Rate => DossierAction::Rate { rating: Rating::Satisfied, comment: None },
        }
    }

    fn arb_facts() -> impl Strategy<Value = DossierFacts> {
        let offset = proptest::option::of(-5i64..5);
        (any::<[bool; 4]>(), 0u32..3, offset.clone(), offset, 0usize..4, 0usize..4).prop_map(
            |([accepted, forwarded, rated, has_result], requests, due, deadline, step, steps)| DossierFacts {
                accepted,
                forwarded,
                supplement_requests: requests,
                due_at: due.map(|d| now() + TimeDelta::days(d)),
                supplement_deadline: deadline.map(|d| now() + TimeDelta::days(d)),
                rated,
                has_result,
                current_step: step,
                step_count: steps,
                ..facts()
            },
        )
    }

    proptest! {
        #[test]
        fn final_statuses_are_sticky(
            start in 0usize..10,
            steps in proptest::collection::vec((0usize..17, arb_facts()), 0..60),
        ) {
            let mut status = S::ALL[start];
            for (k, f) in steps {
                let action = sample_action(ActionKind::ALL[k], f.now);
                match transition(status, &action, &f) {
                    Ok(t) => {
                        if status.is_final() {
                            prop_assert_eq!(action.kind(), ActionKind::Rate);
                            prop_assert_eq!(t.to, status);
                        }
                        prop_assert!(action.kind().allowed_from(status));
                        status = t.to;
                    }
                    Err(e) => {
                        if !action.kind().allowed_from(status) {
                            prop_assert_eq!(e.code, "action_not_allowed");
                        }
                    }
                }
            }
        }
    }
}
