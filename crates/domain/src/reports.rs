//! Field reports (phản ánh hiện trường): statuses, the actions of the life cycle and who may take them, the state
//! machine, the category catalogue, routing proposals, duplicate detection and the deadline rules.
//!
//! The flow follows Hue-S and HueIOC (`domain-vn.md` §8): the citizen reports; the IOC verifies the report and
//! routes it to the competent unit; the unit answers; the answer is published; the citizen rates it (hài lòng /
//! chấp nhận / không hài lòng). The deadline is the sending date plus 7 working days, with extensions for a reason
//! ("trễ hạn có lý do xin gia hạn"); no published regulation fixes it \[I\], so it is per category.
//!
//! Everything here is pure: the clock, the handling unit, the ward containing a point and the agencies come in as
//! arguments; nothing reads a database or the time.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkingCalendar;
use crate::dossiers::Rating;
use crate::geo::{GeoPoint, haversine_m};
use crate::identity::Role;
use crate::text::nfc;
use crate::time::TZ;
use crate::units::UnitCode;
use crate::validation::ValidationError;

// ---------------------------------------------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Lý do không tiếp nhận: why the IOC rejects a report at verification.
    pub enum RejectReason ("reject_reason", "Lý do không tiếp nhận", "rejection reason") {
        /// Không hợp lệ: not a usable report (no content, abusive, a test, not a field issue).
        Invalid => ("invalid", "Không hợp lệ", "Invalid"),
        /// Trùng lặp: the same issue was already reported; the report points to the original.
        Duplicate => ("duplicate", "Trùng lặp", "Duplicate"),
        /// Không thuộc thẩm quyền: nothing the city's units can handle (private dispute, another province…).
        NotOurs => ("not_ours", "Không thuộc thẩm quyền xử lý", "Not our responsibility"),
    }
}

/// Trạng thái phản ánh: where a field report is in its life cycle.
///
/// Stored and sent as the snake_case code of [`ReportStatus::as_str`]; a rejection carries its reason in the code
/// (`rejected_duplicate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum ReportStatus {
    /// Mới gửi: sent by the citizen, waiting for the IOC to verify it.
    Submitted,
    /// Đã xác minh: the IOC accepted the report; it is waiting to be routed.
    Verified,
    /// Không tiếp nhận: rejected at verification, with the reason. Final.
    Rejected(RejectReason),
    /// Đã chuyển xử lý: routed to a handling unit, which has not started yet.
    Assigned,
    /// Đang xử lý: the handling unit is working on it.
    InProgress,
    /// Đã gia hạn: the handling unit extended the deadline for a reason and is still working on it.
    Extended,
    /// Đã chuyển đơn vị khác: the previous unit passed it on; the new unit has not started yet.
    Transferred,
    /// Đã trả lời: the unit answered; the answer is published and the citizen may rate it.
    Answered,
    /// Mở lại: the IOC reopened an answered report after a dissatisfied rating.
    Reopened,
    /// Đã đóng: closed after the answer. Final.
    Closed,
}

impl ReportStatus {
    /// Every status, in life-cycle order (the three rejections after `Verified`).
    pub const ALL: [ReportStatus; 12] = [
        ReportStatus::Submitted,
        ReportStatus::Verified,
        ReportStatus::Rejected(RejectReason::Invalid),
        ReportStatus::Rejected(RejectReason::Duplicate),
        ReportStatus::Rejected(RejectReason::NotOurs),
        ReportStatus::Assigned,
        ReportStatus::InProgress,
        ReportStatus::Extended,
        ReportStatus::Transferred,
        ReportStatus::Answered,
        ReportStatus::Reopened,
        ReportStatus::Closed,
    ];

    /// Stable snake_case code for storage and APIs; the same string serde uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "submitted",
            ReportStatus::Verified => "verified",
            ReportStatus::Rejected(RejectReason::Invalid) => "rejected_invalid",
            ReportStatus::Rejected(RejectReason::Duplicate) => "rejected_duplicate",
            ReportStatus::Rejected(RejectReason::NotOurs) => "rejected_not_ours",
            ReportStatus::Assigned => "assigned",
            ReportStatus::InProgress => "in_progress",
            ReportStatus::Extended => "extended",
            ReportStatus::Transferred => "transferred",
            ReportStatus::Answered => "answered",
            ReportStatus::Reopened => "reopened",
            ReportStatus::Closed => "closed",
        }
    }

    /// Parses a code produced by [`ReportStatus::as_str`] (surrounding whitespace ignored).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
            let known = Self::ALL.map(Self::as_str).join(", ");
            ValidationError::new(
                "report_status",
                "report_status_unknown",
                format!("Trạng thái phản ánh “{s}” không hợp lệ; các giá trị hợp lệ: {known}."),
                format!("Unknown report status “{s}”; valid values are: {known}."),
            )
        })
    }

    /// Vietnamese label for screens.
    pub fn label_vi(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "Mới gửi",
            ReportStatus::Verified => "Đã xác minh",
            ReportStatus::Rejected(RejectReason::Invalid) => "Không tiếp nhận: không hợp lệ",
            ReportStatus::Rejected(RejectReason::Duplicate) => "Không tiếp nhận: trùng lặp",
            ReportStatus::Rejected(RejectReason::NotOurs) => "Không tiếp nhận: không thuộc thẩm quyền xử lý",
            ReportStatus::Assigned => "Đã chuyển đơn vị xử lý",
            ReportStatus::InProgress => "Đang xử lý",
            ReportStatus::Extended => "Đang xử lý (đã gia hạn)",
            ReportStatus::Transferred => "Đã chuyển đơn vị khác",
            ReportStatus::Answered => "Đã trả lời",
            ReportStatus::Reopened => "Mở lại",
            ReportStatus::Closed => "Đã đóng",
        }
    }

    /// English label for screens.
    pub fn label_en(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "Submitted",
            ReportStatus::Verified => "Verified",
            ReportStatus::Rejected(RejectReason::Invalid) => "Rejected: invalid",
            ReportStatus::Rejected(RejectReason::Duplicate) => "Rejected: duplicate",
            ReportStatus::Rejected(RejectReason::NotOurs) => "Rejected: not our responsibility",
            ReportStatus::Assigned => "Assigned to a unit",
            ReportStatus::InProgress => "In progress",
            ReportStatus::Extended => "In progress (extended)",
            ReportStatus::Transferred => "Transferred to another unit",
            ReportStatus::Answered => "Answered",
            ReportStatus::Reopened => "Reopened",
            ReportStatus::Closed => "Closed",
        }
    }

    /// True when no action changes the status any more: rejected or closed.
    pub fn is_final(self) -> bool {
        matches!(self, ReportStatus::Rejected(_) | ReportStatus::Closed)
    }

    /// True while the report waits for the city to act, so its deadline runs: everything except answered,
    /// rejected and closed. This is also Open311's `open` (the rest is `closed`).
    pub fn is_open(self) -> bool {
        !matches!(self, ReportStatus::Answered | ReportStatus::Rejected(_) | ReportStatus::Closed)
    }
}

impl std::fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ReportStatus {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportStatus::parse(s)
    }
}

impl TryFrom<String> for ReportStatus {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReportStatus::parse(&s)
    }
}

impl From<ReportStatus> for &'static str {
    fn from(s: ReportStatus) -> &'static str {
        s.as_str()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Actions and roles
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Loại thao tác: the name of a [`ReportAction`] without its fields, for role checks, buttons and URLs.
    pub enum ReportActionKind ("action", "Thao tác", "action") {
        /// Xác minh, tiếp nhận.
        Accept => ("accept", "Tiếp nhận phản ánh", "Accept the report"),
        /// Không tiếp nhận.
        Reject => ("reject", "Không tiếp nhận phản ánh", "Reject the report"),
        /// Chuyển đơn vị xử lý.
        Route => ("route", "Chuyển đơn vị xử lý", "Route to a unit"),
        /// Bắt đầu xử lý.
        Start => ("start", "Bắt đầu xử lý", "Start handling"),
        /// Gia hạn.
        Extend => ("extend", "Gia hạn xử lý", "Extend the deadline"),
        /// Chuyển đơn vị khác.
        Transfer => ("transfer", "Chuyển đơn vị khác", "Transfer to another unit"),
        /// Trả lời.
        Answer => ("answer", "Trả lời phản ánh", "Answer the report"),
        /// Đánh giá.
        Rate => ("rate", "Đánh giá kết quả xử lý", "Rate the answer"),
        /// Mở lại.
        Reopen => ("reopen", "Mở lại phản ánh", "Reopen the report"),
        /// Đóng.
        Close => ("close", "Đóng phản ánh", "Close the report"),
    }
}

impl ReportActionKind {
    /// Whether the state machine accepts this action in `status` at all, before looking at the report's facts.
    ///
    /// Use it to choose the buttons a screen shows; [`transition`] makes the final decision.
    pub fn allowed_from(self, status: ReportStatus) -> bool {
        use ReportActionKind as A;
        use ReportStatus as S;
        match self {
            A::Accept => status == S::Submitted,
            A::Reject => matches!(status, S::Submitted | S::Verified),
            A::Route => {
                matches!(status, S::Submitted | S::Verified | S::Assigned | S::Transferred | S::Reopened)
            }
            A::Start => matches!(status, S::Assigned | S::Transferred | S::Reopened),
            A::Extend => matches!(status, S::Assigned | S::InProgress | S::Extended | S::Transferred),
            A::Transfer | A::Answer => {
                matches!(status, S::Assigned | S::InProgress | S::Extended | S::Transferred)
            }
            A::Rate | A::Reopen | A::Close => status == S::Answered,
        }
    }
}

/// The kinds of action [`ReportActionKind::allowed_from`] accepts in `status`, in declaration order.
pub fn actions_from(status: ReportStatus) -> Vec<ReportActionKind> {
    ReportActionKind::ALL.iter().copied().filter(|k| k.allowed_from(status)).collect()
}

/// Thao tác trên phản ánh: one step of a report's life cycle, with what the step records.
///
/// Texts are checked by [`transition`] (not blank, not too long); store them as given after NFC normalisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReportAction {
    /// Tiếp nhận: the IOC verifies that the report is a valid field issue.
    Accept,
    /// Không tiếp nhận: the IOC rejects the report.
    Reject {
        /// Why.
        reason: RejectReason,
        /// The original report, required when `reason` is [`RejectReason::Duplicate`] and refused otherwise.
        duplicate_of: Option<String>,
        /// The explanation shown to the citizen; required for invalid and not-ours rejections.
        note: Option<String>,
    },
    /// Chuyển xử lý: the IOC routes the report to a handling unit (also straight from `Submitted`, which verifies
    /// it in the same step, and again to re-route it).
    Route {
        /// The handling unit.
        unit: UnitCode,
    },
    /// Bắt đầu xử lý: the handling unit takes the report on.
    Start,
    /// Gia hạn: the handling unit moves the deadline, for a reason.
    Extend {
        /// Why more time is needed (shown to the citizen).
        reason: String,
        /// The new deadline.
        new_due_at: DateTime<Utc>,
    },
    /// Chuyển đơn vị khác: the handling unit passes the report to the unit that is competent.
    Transfer {
        /// The receiving unit.
        to_unit: UnitCode,
        /// Why (shown to the receiving unit and the IOC).
        reason: String,
    },
    /// Trả lời: the handling unit publishes its answer.
    Answer {
        /// The answer (kết quả xử lý), published with the report.
        text: String,
    },
    /// Đánh giá: the reporter rates the answer.
    Rate {
        /// Hài lòng / chấp nhận / không hài lòng.
        rating: Rating,
        /// Optional comment.
        comment: Option<String>,
    },
    /// Mở lại: the IOC reopens an answered report the reporter was dissatisfied with.
    Reopen {
        /// Why (shown to the handling unit).
        reason: String,
    },
    /// Đóng: the IOC closes an answered report.
    Close,
}

impl ReportAction {
    /// The kind of this action, without its fields.
    pub fn kind(&self) -> ReportActionKind {
        use ReportActionKind as A;
        match self {
            ReportAction::Accept => A::Accept,
            ReportAction::Reject { .. } => A::Reject,
            ReportAction::Route { .. } => A::Route,
            ReportAction::Start => A::Start,
            ReportAction::Extend { .. } => A::Extend,
            ReportAction::Transfer { .. } => A::Transfer,
            ReportAction::Answer { .. } => A::Answer,
            ReportAction::Rate { .. } => A::Rate,
            ReportAction::Reopen { .. } => A::Reopen,
            ReportAction::Close => A::Close,
        }
    }
}

/// Who is acting on a report, as far as the rules care.
///
/// The caller resolves unit membership (roles are granted on a unit and inherited by its subtree) into
/// `in_handling_unit`, and ownership into `is_reporter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The role the user acts in.
    pub role: Role,
    /// Whether that role is held on the report's current handling unit (or a unit above it).
    pub in_handling_unit: bool,
    /// Whether the user sent the report.
    pub is_reporter: bool,
}

const IOC: &[Role] = &[Role::IocOperator];
const HANDLING_UNIT: &[Role] = &[Role::ProcessingOfficer, Role::UnitLeader];
const REPORTER: &[Role] = &[Role::Citizen];

/// The roles that may take an action of this kind: the IOC operator verifies, routes, reopens and closes; the
/// handling unit's processing officer or leader starts, extends, transfers and answers; the reporter rates.
pub fn allowed_roles(kind: ReportActionKind) -> &'static [Role] {
    use ReportActionKind as A;
    match kind {
        A::Accept | A::Reject | A::Route | A::Reopen | A::Close => IOC,
        A::Start | A::Extend | A::Transfer | A::Answer => HANDLING_UNIT,
        A::Rate => REPORTER,
    }
}

/// Checks that `actor` may take an action of this kind: the right role, and for unit actions the handling unit,
/// for a rating the reporter. Errors: `role_not_allowed`, `not_handling_unit`, `not_reporter`.
pub fn authorize(kind: ReportActionKind, actor: &Actor) -> Result<(), ValidationError> {
    let roles = allowed_roles(kind);
    if !roles.contains(&actor.role) {
        let vi = roles.iter().map(|r| r.label_vi()).collect::<Vec<_>>().join(", ");
        let en = roles.iter().map(|r| r.label_en()).collect::<Vec<_>>().join(", ");
        return Err(ValidationError::new(
            "role",
            "role_not_allowed",
            format!(
                "Vai trò “{}” không được thực hiện thao tác “{}”; chỉ dành cho: {vi}.",
                actor.role.label_vi(),
                kind.label_vi()
            ),
            format!("The role “{}” may not “{}”; only: {en}.", actor.role.label_en(), kind.label_en()),
        ));
    }
    if roles == HANDLING_UNIT && !actor.in_handling_unit {
        return Err(ValidationError::new(
            "unit",
            "not_handling_unit",
            format!("Chỉ đơn vị đang xử lý phản ánh mới được thực hiện thao tác “{}”.", kind.label_vi()),
            format!("Only the unit handling the report may “{}”.", kind.label_en()),
        ));
    }
    if roles == REPORTER && !actor.is_reporter {
        return Err(ValidationError::new(
            "reporter",
            "not_reporter",
            "Chỉ người gửi phản ánh mới được đánh giá kết quả xử lý.",
            "Only the person who sent the report may rate the answer.",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// State machine
// ---------------------------------------------------------------------------------------------------------------

/// What the store knows about a report when an action arrives, besides its status. `now` is passed in so the
/// rules never read the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFacts {
    /// The report's own id (a report cannot duplicate itself).
    pub report_id: String,
    /// When the action is taken.
    pub now: DateTime<Utc>,
    /// The unit currently handling the report, once routed.
    pub handling_unit: Option<UnitCode>,
    /// The current deadline (hạn xử lý): the original or the latest extension's.
    pub due_at: Option<DateTime<Utc>>,
    /// The reporter's rating of the latest answer, if any.
    pub rating: Option<Rating>,
}

impl ReportFacts {
    /// Facts of a fresh report `report_id` at `now`: no unit, no deadline, no rating.
    pub fn new(report_id: impl Into<String>, now: DateTime<Utc>) -> Self {
        ReportFacts { report_id: report_id.into(), now, handling_unit: None, due_at: None, rating: None }
    }
}

/// The outcome of an allowed action: the next status and what else the store must record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The status after the action (unchanged for a rating).
    pub to: ReportStatus,
    /// The new handling unit, after routing or a transfer.
    pub handling_unit: Option<UnitCode>,
    /// The new deadline, after an extension.
    pub due_at: Option<DateTime<Utc>>,
    /// The report this one duplicates, after a duplicate rejection.
    pub duplicate_of: Option<String>,
    /// Whether the reporter is told (verification outcome, extension, answer, reopening, closing).
    pub notify_reporter: bool,
}

impl Transition {
    fn to(to: ReportStatus, notify_reporter: bool) -> Self {
        Transition { to, handling_unit: None, due_at: None, duplicate_of: None, notify_reporter }
    }
}

/// Longest answer, in characters (Open311's `description` limit, so an answer always fits a status update).
pub const MAX_ANSWER_CHARS: usize = 4000;
/// Longest reason, note or comment, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

fn not_allowed(kind: ReportActionKind, status: ReportStatus, why: Option<(&str, &str)>) -> ValidationError {
    let (why_vi, why_en) = why.map_or((String::new(), String::new()), |(vi, en)| (format!(" {vi}"), format!(" {en}")));
    ValidationError::new(
        "action",
        "action_not_allowed",
        format!(
            "Không thể thực hiện thao tác “{}” ({}) khi phản ánh đang ở trạng thái “{}”.{why_vi}",
            kind.label_vi(),
            kind.as_str(),
            status.label_vi()
        ),
        format!(
            "The action “{}” ({}) is not allowed while the report is “{}”.{why_en}",
            kind.label_en(),
            kind.as_str(),
            status.label_en()
        ),
    )
}

/// Checks a text field: NFC, trimmed, not blank when `required`, at most `max` characters.
fn check_text(
    field: &'static str,
    value: Option<&str>,
    required: bool,
    max: usize,
    (what_vi, what_en): (&str, &str),
) -> Result<(), ValidationError> {
    let text = value.map(|v| nfc(v.trim())).unwrap_or_default();
    if text.is_empty() {
        if required {
            return Err(ValidationError::new(
                field,
                "text_required",
                format!("Vui lòng nhập {what_vi} (trường “{field}”)."),
                format!("Please enter the {what_en} (field “{field}”); it must not be empty."),
            ));
        }
        return Ok(());
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(ValidationError::new(
            field,
            "text_too_long",
            format!("{what_vi} dài tối đa {max} ký tự; bạn đã nhập {chars} ký tự."),
            format!("The {what_en} may be at most {max} characters long; you entered {chars}."),
        ));
    }
    Ok(())
}

/// Decides whether `action` may be taken on a report in status `current` with `facts`, and what follows.
/// Who may act is checked separately by [`authorize`].
///
/// | From | Action | To |
/// |---|---|---|
/// | Submitted | accept | Verified |
/// | Submitted, Verified | reject (reason, duplicate_of for duplicates) | Rejected(reason) |
/// | Submitted, Verified, Assigned, Transferred, Reopened | route (to another unit than the current one) | Assigned |
/// | Assigned, Transferred, Reopened (with a handling unit) | start | InProgress |
/// | Assigned, InProgress, Extended, Transferred | extend (reason, later deadline) | Extended |
/// | Assigned, InProgress, Extended, Transferred | transfer (to another unit, reason) | Transferred |
/// | Assigned, InProgress, Extended, Transferred | answer (text) | Answered |
/// | Answered (not yet rated) | rate | Answered |
/// | Answered (rated dissatisfied) | reopen (reason) | Reopened |
/// | Answered | close | Closed |
///
/// Errors: `action_not_allowed` (naming the action and the status), `duplicate_of_required`,
/// `duplicate_of_unexpected`, `duplicate_of_self`, `same_unit`, `no_handling_unit`, `new_due_not_later`,
/// `already_rated`, `reopen_needs_dissatisfied_rating`, `text_required`, `text_too_long`.
///
/// Choices, and why:
/// - An extension may be asked after the deadline has passed: Hue-S publishes reports as "late with a reason for
///   an extension" (48.9 % of processed reports in 05/2022), so a late extension is recorded, not refused. The
///   new deadline must be later than both the current one and now.
/// - A rating does not close the report: the IOC closes it, or reopens it after a dissatisfied rating, so an
///   unhappy citizen is always looked at by a person. A satisfied report may simply be closed.
/// - A reopened report goes back to its unit (start) or to another one (route); the reporter may rate the next
///   answer again.
pub fn transition(
    current: ReportStatus,
    action: &ReportAction,
    facts: &ReportFacts,
) -> Result<Transition, ValidationError> {
    use ReportStatus as S;
    let kind = action.kind();
    if !kind.allowed_from(current) {
        let why = current.is_final().then_some((
            "Phản ánh đã kết thúc nên không thể thay đổi.",
            "The report is finished and can no longer change.",
        ));
        return Err(not_allowed(kind, current, why));
    }
    let t = match action {
        ReportAction::Accept => Transition::to(S::Verified, true),
        ReportAction::Reject { reason, duplicate_of, note } => {
            let duplicate_of = duplicate_of.as_deref().map(str::trim).filter(|d| !d.is_empty());
            match (reason, duplicate_of) {
                (RejectReason::Duplicate, None) => {
                    return Err(ValidationError::new(
                        "duplicate_of",
                        "duplicate_of_required",
                        "Vui lòng cho biết phản ánh gốc mà phản ánh này trùng lặp (trường “duplicate_of”).",
                        "Please give the original report this one duplicates (field “duplicate_of”).",
                    ));
                }
                (RejectReason::Duplicate, Some(original)) if original == facts.report_id.trim() => {
                    return Err(ValidationError::new(
                        "duplicate_of",
                        "duplicate_of_self",
                        "Phản ánh không thể trùng lặp với chính nó.",
                        "A report cannot be a duplicate of itself.",
                    ));
                }
                (RejectReason::Invalid | RejectReason::NotOurs, Some(_)) => {
                    return Err(ValidationError::new(
                        "duplicate_of",
                        "duplicate_of_unexpected",
                        "Chỉ ghi phản ánh gốc (trường “duplicate_of”) khi không tiếp nhận vì trùng lặp.",
                        "Give the original report (field “duplicate_of”) only when rejecting a duplicate.",
                    ));
                }
                _ => {}
            }
            let note_required = *reason != RejectReason::Duplicate;
            check_text("note", note.as_deref(), note_required, MAX_REASON_CHARS, ("lý do", "explanation"))?;
            Transition { duplicate_of: duplicate_of.map(str::to_owned), ..Transition::to(S::Rejected(*reason), true) }
        }
        ReportAction::Route { unit } => {
            if matches!(current, S::Assigned | S::Transferred) && facts.handling_unit.as_ref() == Some(unit) {
                return Err(same_unit(unit));
            }
            Transition { handling_unit: Some(unit.clone()), ..Transition::to(S::Assigned, current == S::Submitted) }
        }
        ReportAction::Start => {
            if facts.handling_unit.is_none() {
                return Err(ValidationError::new(
                    "handling_unit",
                    "no_handling_unit",
                    "Phản ánh chưa có đơn vị xử lý; IOC cần chuyển đơn vị xử lý trước.",
                    "The report has no handling unit; the IOC must route it first.",
                ));
            }
            Transition::to(S::InProgress, false)
        }
        ReportAction::Extend { reason, new_due_at } => {
            check_text("reason", Some(reason), true, MAX_REASON_CHARS, ("lý do gia hạn", "reason for the extension"))?;
            let floor = facts.due_at.map_or(facts.now, |due| due.max(facts.now));
            if *new_due_at <= floor {
                let at = crate::time::format_local_datetime(floor);
                return Err(ValidationError::new(
                    "new_due_at",
                    "new_due_not_later",
                    format!("Hạn xử lý mới phải sau hạn hiện tại và sau thời điểm hiện tại ({at})."),
                    format!("The new deadline must be later than the current one and than now ({at}, Vietnam time)."),
                ));
            }
            Transition { due_at: Some(*new_due_at), ..Transition::to(S::Extended, true) }
        }
        ReportAction::Transfer { to_unit, reason } => {
            check_text("reason", Some(reason), true, MAX_REASON_CHARS, ("lý do chuyển", "reason for the transfer"))?;
            if facts.handling_unit.as_ref() == Some(to_unit) {
                return Err(same_unit(to_unit));
            }
            Transition { handling_unit: Some(to_unit.clone()), ..Transition::to(S::Transferred, false) }
        }
        ReportAction::Answer { text } => {
            check_text("text", Some(text), true, MAX_ANSWER_CHARS, ("nội dung trả lời", "answer"))?;
            Transition::to(S::Answered, true)
        }
        ReportAction::Rate { comment, .. } => {
            if facts.rating.is_some() {
                return Err(ValidationError::new(
                    "rating",
                    "already_rated",
                    "Bạn đã đánh giá kết quả xử lý này; mỗi lần trả lời chỉ được đánh giá một lần.",
                    "You have already rated this answer; each answer can be rated only once.",
                ));
            }
            check_text("comment", comment.as_deref(), false, MAX_REASON_CHARS, ("nhận xét", "comment"))?;
            Transition::to(S::Answered, false)
        }
        ReportAction::Reopen { reason } => {
            if facts.rating != Some(Rating::Dissatisfied) {
                let mut e = not_allowed(
                    kind,
                    current,
                    Some((
                        "Chỉ mở lại phản ánh khi người phản ánh đánh giá “Không hài lòng”.",
                        "A report is reopened only after the reporter rated the answer “Dissatisfied”.",
                    )),
                );
                e.code = "reopen_needs_dissatisfied_rating";
                return Err(e);
            }
            check_text("reason", Some(reason), true, MAX_REASON_CHARS, ("lý do mở lại", "reason for reopening"))?;
            Transition::to(S::Reopened, true)
        }
        ReportAction::Close => Transition::to(S::Closed, true),
    };
    Ok(t)
}

fn same_unit(unit: &UnitCode) -> ValidationError {
    ValidationError::new(
        "unit",
        "same_unit",
        format!("Phản ánh đang do đơn vị {unit} xử lý; hãy chọn một đơn vị khác."),
        format!("The report is already with unit {unit}; choose another unit."),
    )
}

// ---------------------------------------------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------------------------------------------

/// Default deadline of a report, in working days (Hue-S: sent date + 7 working days).
pub const DEFAULT_DEADLINE_WORKING_DAYS: u32 = 7;

/// Hạn xử lý: the last day a report sent at `sent_at` may be answered, counting `working_days` working days after
/// the local sending date, skipping weekends and holidays (a report sent on a Saturday or in Tết starts counting
/// at the first working day after). Hue-S counts this way on every public report checked (`domain-vn.md` §8).
pub fn due_date(calendar: &WorkingCalendar, sent_at: DateTime<Utc>, working_days: u32) -> NaiveDate {
    calendar.add_working_days(sent_at.with_timezone(&TZ).date_naive(), working_days)
}

/// The instant a report due on `due_date` becomes overdue: the end of that day in Vietnam (23:59:59 local).
pub fn due_at(due_date: NaiveDate) -> DateTime<Utc> {
    let end = due_date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
    // Vietnam has no daylight saving, so every local time maps to exactly one instant.
    end.and_local_timezone(TZ).single().map_or_else(|| end.and_utc() - TimeDelta::hours(7), |t| t.with_timezone(&Utc))
}

/// Quá hạn: true when the report still waits for the city (see [`ReportStatus::is_open`]) and `now` is past its
/// deadline. Answered, rejected and closed reports are never overdue.
pub fn is_overdue(due_at: DateTime<Utc>, now: DateTime<Utc>, status: ReportStatus) -> bool {
    status.is_open() && now > due_at
}

/// Cần đôn đốc: true when the report still waits for the city and `now` has reached `escalate_at`, the moment the
/// caller wants a reminder (e.g. one working day before the deadline, from [`WorkingCalendar`]). Overdue reports
/// need escalation too.
pub fn needs_escalation(escalate_at: DateTime<Utc>, now: DateTime<Utc>, status: ReportStatus) -> bool {
    status.is_open() && now >= escalate_at
}

// ---------------------------------------------------------------------------------------------------------------
// Categories
// ---------------------------------------------------------------------------------------------------------------

/// Mã lĩnh vực phản ánh: a category code such as `MT` or `TTDT` (1–16 uppercase ASCII letters or digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(String);

string_newtype!(CategoryCode);

impl CategoryCode {
    /// Parses a category code (trimmed and uppercased).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(ValidationError::new(
                "category",
                "category_code_invalid",
                "Mã lĩnh vực phản ánh phải gồm 1–16 chữ cái hoặc chữ số không dấu, ví dụ MT.",
                "A report category code has 1–16 plain letters or digits, e.g. MT.",
            ));
        }
        Ok(CategoryCode(s))
    }

    /// The normalised code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

labelled_enum! {
    /// Loại cơ quan chịu trách nhiệm: the kind of agency a category is routed to. The deployment maps each kind
    /// to a unit; [`AgencyKind::Ward`] means the ward or commune containing the report's point.
    pub enum AgencyKind ("agency_kind", "Loại cơ quan", "agency kind") {
        /// UBND phường/xã nơi xảy ra.
        Ward => ("ward", "UBND phường/xã nơi xảy ra", "Ward/commune People's Committee of the place"),
        /// Sở Xây dựng (roads and transport since 2025).
        Construction => ("construction", "Sở Xây dựng", "Department of Construction"),
        /// Sở Nông nghiệp và Môi trường.
        Environment => ("environment", "Cơ quan môi trường", "Environment department"),
        /// Đơn vị chiếu sáng công cộng.
        Lighting => ("lighting", "Đơn vị chiếu sáng công cộng", "Street-lighting operator"),
        /// Cấp nước, thoát nước.
        Water => ("water", "Đơn vị cấp nước, thoát nước", "Water and drainage operator"),
        /// Công viên cây xanh.
        Parks => ("parks", "Đơn vị công viên cây xanh", "Parks and trees agency"),
        /// Công an.
        Police => ("police", "Công an", "Police"),
        /// Sở Du lịch.
        Tourism => ("tourism", "Cơ quan quản lý du lịch", "Tourism department"),
        /// Trung tâm Bảo tồn Di tích Cố đô Huế.
        Heritage => ("heritage", "Đơn vị quản lý di tích", "Heritage-site manager"),
        /// Sở Y tế.
        Health => ("health", "Cơ quan y tế", "Health authority"),
        /// Sở Giáo dục và Đào tạo.
        Education => ("education", "Cơ quan giáo dục", "Education department"),
        /// Trung tâm Phục vụ hành chính công.
        PublicServices => ("public_services", "Trung tâm Phục vụ hành chính công", "Public-administration service centre"),
        /// Viễn thông, hạ tầng thông tin (Sở Khoa học và Công nghệ).
        Telecom => ("telecom", "Cơ quan quản lý viễn thông", "Telecoms regulator"),
        /// Ban Chỉ huy phòng thủ dân sự.
        CivilDefence => ("civil_defence", "Ban Chỉ huy phòng thủ dân sự", "Civil-defence command"),
        /// HueIOC triages and routes by hand.
        Ioc => ("ioc", "Trung tâm IOC phân loại", "IOC triage"),
    }
}

labelled_enum! {
    /// Quy trình xử lý: the IOC's timed process (normal routing with a deadline) or its immediate process for
    /// urgent cases (security, disasters).
    pub enum Process ("process", "Quy trình", "process") {
        /// Quy trình có thời hạn.
        Timed => ("timed", "Có thời hạn", "Timed"),
        /// Quy trình xử lý ngay.
        Immediate => ("immediate", "Xử lý ngay", "Immediate"),
    }
}

/// The agency kind of a category in `feedback-categories.json`, read from its first typical agency. Categories
/// not listed there go to IOC triage.
pub fn default_agency_kind(code: &CategoryCode) -> AgencyKind {
    use AgencyKind as K;
    match code.as_str() {
        "TTDT" | "TTXD" | "MT" | "DD" => K::Ward,
        "GT" => K::Construction,
        "CS" => K::Lighting,
        "CTN" => K::Water,
        "CX" => K::Parks,
        "ANTT" => K::Police,
        "DL" => K::Tourism,
        "DT" => K::Heritage,
        "YT" => K::Health,
        "GD" => K::Education,
        "DVC" => K::PublicServices,
        "VT" => K::Telecom,
        "PCTT" => K::CivilDefence,
        _ => K::Ioc,
    }
}

/// Lĩnh vực phản ánh: one category of the catalogue, with the fields of `feedback-categories.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CategoryRecord")]
pub struct Category {
    /// Code, e.g. `MT`.
    pub code: CategoryCode,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Examples shown to citizens choosing a category.
    pub examples_vi: String,
    /// Who handles it, in Vietnamese words.
    pub agency_kind_vi: String,
    /// Who handles it, in English words.
    pub agency_kind_en: String,
    /// The kind of agency routing proposes (`agency_kind` in the file, else [`default_agency_kind`]).
    pub agency_kind: AgencyKind,
    /// Agencies typically in charge, by name.
    pub typical_agencies: Vec<String>,
    /// Deadline in working days (7 when the file gives none).
    pub default_deadline_working_days: u32,
    /// Timed or immediate process.
    pub process: Process,
}

/// The raw shape of a category in `feedback-categories.json`; [`Category`] is read through it.
#[derive(Debug, Clone, Deserialize)]
struct CategoryRecord {
    code: String,
    name_vi: String,
    name_en: String,
    #[serde(default)]
    examples_vi: String,
    #[serde(default)]
    agency_kind_vi: String,
    #[serde(default)]
    agency_kind_en: String,
    #[serde(default)]
    agency_kind: Option<AgencyKind>,
    #[serde(default)]
    typical_agencies: Vec<String>,
    #[serde(default)]
    default_deadline_working_days: Option<u32>,
    #[serde(default)]
    process: Option<Process>,
}

impl TryFrom<CategoryRecord> for Category {
    type Error = ValidationError;

    fn try_from(r: CategoryRecord) -> Result<Self, Self::Error> {
        let code = CategoryCode::parse(&r.code)?;
        let days = r.default_deadline_working_days.unwrap_or(DEFAULT_DEADLINE_WORKING_DAYS);
        if !(1..=crate::calendar::MAX_WORKING_DAYS).contains(&days) {
            return Err(ValidationError::new(
                "default_deadline_working_days",
                "deadline_out_of_range",
                format!("Thời hạn xử lý của lĩnh vực {code} phải từ 1 đến 365 ngày làm việc."),
                format!("The deadline of category {code} must be 1 to 365 working days."),
            ));
        }
        for (field, value) in [("name_vi", &r.name_vi), ("name_en", &r.name_en)] {
            if value.trim().is_empty() {
                return Err(ValidationError::new(
                    field,
                    "category_name_required",
                    format!("Lĩnh vực {code} thiếu tên ({field})."),
                    format!("Category {code} has no name ({field})."),
                ));
            }
        }
        Ok(Category {
            agency_kind: r.agency_kind.unwrap_or_else(|| default_agency_kind(&code)),
            code,
            name_vi: nfc(r.name_vi.trim()),
            name_en: r.name_en.trim().to_owned(),
            examples_vi: nfc(r.examples_vi.trim()),
            agency_kind_vi: nfc(r.agency_kind_vi.trim()),
            agency_kind_en: r.agency_kind_en.trim().to_owned(),
            typical_agencies: r.typical_agencies.iter().map(|a| nfc(a.trim())).collect(),
            default_deadline_working_days: days,
            process: r.process.unwrap_or(Process::Timed),
        })
    }
}

/// Danh mục lĩnh vực: the category catalogue, in file order, with unique codes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCatalogue {
    /// The categories.
    pub categories: Vec<Category>,
}

impl CategoryCatalogue {
    /// Reads a catalogue in the shape of `feedback-categories.json` (`{"meta": …, "categories": [...]}`; extra
    /// fields are ignored). Errors: `catalogue_invalid` (not that shape), the category's own errors,
    /// `category_code_duplicate`, `catalogue_empty`.
    pub fn from_json(json: &str) -> Result<Self, ValidationError> {
        #[derive(Deserialize)]
        struct File {
            categories: Vec<serde_json::Value>,
        }
        let file: File = serde_json::from_str(json).map_err(|e| {
            ValidationError::new(
                "categories",
                "catalogue_invalid",
                format!("Danh mục lĩnh vực không đúng định dạng: {e}."),
                format!("The category catalogue is malformed: {e}."),
            )
        })?;
        let mut categories: Vec<Category> = Vec::with_capacity(file.categories.len());
        for value in file.categories {
            let record: CategoryRecord = serde_json::from_value(value).map_err(|e| {
                ValidationError::new(
                    "categories",
                    "catalogue_invalid",
                    format!("Một lĩnh vực trong danh mục không đúng định dạng: {e}."),
                    format!("A category of the catalogue is malformed: {e}."),
                )
            })?;
            let category = Category::try_from(record)?;
            if categories.iter().any(|c| c.code == category.code) {
                return Err(ValidationError::new(
                    "code",
                    "category_code_duplicate",
                    format!("Mã lĩnh vực {} xuất hiện hai lần trong danh mục.", category.code),
                    format!("Category code {} appears twice in the catalogue.", category.code),
                ));
            }
            categories.push(category);
        }
        if categories.is_empty() {
            return Err(ValidationError::new(
                "categories",
                "catalogue_empty",
                "Danh mục lĩnh vực phản ánh không có lĩnh vực nào.",
                "The report category catalogue is empty.",
            ));
        }
        Ok(CategoryCatalogue { categories })
    }

    /// The category with `code`, if any.
    pub fn get(&self, code: &CategoryCode) -> Option<&Category> {
        self.categories.iter().find(|c| &c.code == code)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Why a routing proposal names the unit it names.
    pub enum RoutingBasis ("routing_basis", "Căn cứ đề xuất", "routing basis") {
        /// The category is handled by the ward, and the point lies in this ward.
        WardOfPoint => ("ward_of_point", "Phường/xã nơi xảy ra", "Ward containing the point"),
        /// The category's agency.
        CategoryAgency => ("category_agency", "Cơ quan phụ trách lĩnh vực", "Agency of the category"),
        /// The category's agency is not configured; the ward of the point is the fallback.
        WardFallback => ("ward_fallback", "Phường/xã nơi xảy ra (dự phòng)", "Ward containing the point (fallback)"),
        /// Nothing fits: the IOC chooses by hand.
        ManualTriage => ("manual_triage", "IOC phân loại thủ công", "Manual IOC triage"),
    }
}

/// Đề xuất đơn vị xử lý: the unit the IOC is offered for a report; the operator confirms or changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingProposal {
    /// The proposed unit; `None` for manual triage.
    pub unit: Option<UnitCode>,
    /// Why this unit.
    pub basis: RoutingBasis,
    /// The category uses the immediate process: show it at the top of the IOC's queue.
    pub urgent: bool,
    /// The deadline to apply, in working days.
    pub deadline_working_days: u32,
}

/// Proposes a handling unit for a report of `category`. The caller supplies the ward or commune containing the
/// report's point (`None` without a point or outside every ward) and the unit configured for the category's
/// [`AgencyKind`] (`None` when there is none, and always `None` is fine for ward categories).
///
/// Ward categories go to the ward of the point, else to the category's agency; agency categories go to the
/// agency, else to the ward of the point (every category in the catalogue lists the ward as a secondary
/// handler); IOC categories and everything without a candidate go to manual triage.
pub fn propose_unit(
    category: &Category,
    ward_of_point: Option<&UnitCode>,
    agency_for_category: Option<&UnitCode>,
) -> RoutingProposal {
    let (unit, basis) = match (category.agency_kind, ward_of_point, agency_for_category) {
        (AgencyKind::Ioc, ..) => (None, RoutingBasis::ManualTriage),
        (AgencyKind::Ward, Some(ward), _) => (Some(ward.clone()), RoutingBasis::WardOfPoint),
        (AgencyKind::Ward, None, Some(agency)) => (Some(agency.clone()), RoutingBasis::CategoryAgency),
        (_, _, Some(agency)) if category.agency_kind != AgencyKind::Ward => {
            (Some(agency.clone()), RoutingBasis::CategoryAgency)
        }
        (_, Some(ward), None) => (Some(ward.clone()), RoutingBasis::WardFallback),
        _ => (None, RoutingBasis::ManualTriage),
    };
    RoutingProposal {
        unit,
        basis,
        urgent: category.process == Process::Immediate,
        deadline_working_days: category.default_deadline_working_days,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------------------------------

/// Closer than this, a report of the same category is a strong duplicate candidate (FixMyStreet's suggestion
/// radius, PR #1677).
pub const STRONG_DUPLICATE_M: f64 = 50.0;
/// Closer than this, a weak candidate.
pub const WEAK_DUPLICATE_M: f64 = 150.0;
/// Reports further apart in time than this are never duplicates.
pub const DUPLICATE_WINDOW: TimeDelta = TimeDelta::days(7);

/// What duplicate detection needs to know about a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCandidate {
    /// The report's id.
    pub id: String,
    /// Its category.
    pub category: CategoryCode,
    /// Its pin.
    pub location: GeoPoint,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}

labelled_enum! {
    /// How likely a duplicate is.
    pub enum MatchStrength ("match_strength", "Mức trùng lặp", "match strength") {
        /// Closer than 50 m.
        Strong => ("strong", "Rất có thể trùng", "Likely duplicate"),
        /// 50 m to 150 m.
        Weak => ("weak", "Có thể trùng", "Possible duplicate"),
    }
}

/// How well a recent report matches a new one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DuplicateScore {
    /// From 0 (exclusive) to 1: (1 − distance / 150 m) × (1 − age gap / 7 days).
    pub score: f64,
    /// The distance between the pins, in metres.
    pub distance_m: f64,
    /// Strong below 50 m, weak below 150 m.
    pub strength: MatchStrength,
}

/// Báo trùng: the reports among `recent` that may describe the same issue as `new`: same category, pins less than
/// 150 m apart and sent less than 7 days apart (either way). Best match first; equal scores by id.
///
/// A report never matches itself (same id). The caller picks `recent` (e.g. unrejected reports of the last 7
/// days near the point, including answered ones, which FixMyStreet users asked for).
pub fn likely_duplicates(new: &ReportCandidate, recent: &[ReportCandidate]) -> Vec<(String, DuplicateScore)> {
    let window_s = DUPLICATE_WINDOW.num_seconds() as f64;
    let mut found: Vec<(String, DuplicateScore)> = recent
        .iter()
        .filter(|r| r.id != new.id && r.category == new.category)
        .filter_map(|r| {
            let distance_m = haversine_m(new.location, r.location);
            let gap_s = (new.sent_at - r.sent_at).num_seconds().unsigned_abs() as f64;
            if !(distance_m < WEAK_DUPLICATE_M && gap_s < window_s) {
                return None;
            }
            let strength = if distance_m < STRONG_DUPLICATE_M { MatchStrength::Strong } else { MatchStrength::Weak };
            let score = (1.0 - distance_m / WEAK_DUPLICATE_M) * (1.0 - gap_s / window_s);
            Some((r.id.clone(), DuplicateScore { score, distance_m, strength }))
        })
        .collect();
    found.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then_with(|| a.0.cmp(&b.0)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    use crate::calendar::DayAdjustment;
    use ReportStatus as S;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap_or_else(|| panic!("bad test date"))
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("bad test date"))
    }

    fn unit(code: &str) -> UnitCode {
        UnitCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
    }

    fn cat(code: &str) -> CategoryCode {
        CategoryCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
    }

    /// 27/11/2026 09:00 in Huế.
    fn now() -> DateTime<Utc> {
        utc(2026, 11, 27, 2, 0)
    }

    fn facts() -> ReportFacts {
        ReportFacts::new("PA-1", now())
    }

    fn routed() -> ReportFacts {
        ReportFacts { handling_unit: Some(unit("19753")), due_at: Some(now() + TimeDelta::days(5)), ..facts() }
    }

    /// One valid action of every kind, for the table tests.
    fn sample(kind: ReportActionKind) -> ReportAction {
        use ReportActionKind as A;
        match kind {
            A::Accept => ReportAction::Accept,
            A::Reject => {
                ReportAction::Reject { reason: RejectReason::Duplicate, duplicate_of: Some("PA-0".into()), note: None }
            }
            A::Route => ReportAction::Route { unit: unit("46.SXD") },
            A::Start => ReportAction::Start,
            A::Extend => {
                ReportAction::Extend { reason: "Chờ vật tư".into(), new_due_at: now() + TimeDelta::days(20) }
            }
            A::Transfer => ReportAction::Transfer { to_unit: unit("46.HEPCO"), reason: "Thuộc HEPCO".into() },
            A::Answer => ReportAction::Answer { text: "Đã thu gom rác.".into() },
            A::Rate => ReportAction::Rate { rating: Rating::Satisfied, comment: None },
            A::Reopen => ReportAction::Reopen { reason: "Rác vẫn còn".into() },
            A::Close => ReportAction::Close,
        }
    }

    fn facts_for(kind: ReportActionKind) -> ReportFacts {
        match kind {
            ReportActionKind::Reopen => ReportFacts { rating: Some(Rating::Dissatisfied), ..routed() },
            _ => routed(),
        }
    }

    fn code_of(r: Result<Transition, ValidationError>) -> &'static str {
        r.err().map_or("ok", |e| e.code)
    }

    // ---- statuses ------------------------------------------------------------------------------------------------

    #[test]
    fn status_codes_labels_and_serde_round_trip() {
        let expected = [
            (S::Submitted, "submitted", "Mới gửi", true),
            (S::Verified, "verified", "Đã xác minh", true),
            (S::Rejected(RejectReason::Invalid), "rejected_invalid", "Không tiếp nhận: không hợp lệ", false),
            (S::Rejected(RejectReason::Duplicate), "rejected_duplicate", "Không tiếp nhận: trùng lặp", false),
            (
                S::Rejected(RejectReason::NotOurs),
                "rejected_not_ours",
                "Không tiếp nhận: không thuộc thẩm quyền xử lý",
                false,
            ),
            (S::Assigned, "assigned", "Đã chuyển đơn vị xử lý", true),
            (S::InProgress, "in_progress", "Đang xử lý", true),
            (S::Extended, "extended", "Đang xử lý (đã gia hạn)", true),
            (S::Transferred, "transferred", "Đã chuyển đơn vị khác", true),
            (S::Answered, "answered", "Đã trả lời", false),
            (S::Reopened, "reopened", "Mở lại", true),
            (S::Closed, "closed", "Đã đóng", false),
        ];
        assert_eq!(expected.len(), S::ALL.len());
        for (status, code, vi, open) in expected {
            assert_eq!(status.as_str(), code);
            assert_eq!(status.label_vi(), vi);
            assert!(!status.label_en().is_empty());
            assert_eq!(status.is_open(), open, "{code}");
            assert_eq!(S::parse(code), Ok(status));
            assert_eq!(code.parse::<S>(), Ok(status));
            assert_eq!(serde_json::to_string(&status).ok(), Some(format!("\"{code}\"")));
            assert_eq!(serde_json::from_str::<S>(&format!("\"{code}\"")).ok(), Some(status));
        }
        assert_eq!(S::parse("rejected").map_err(|e| e.code), Err("report_status_unknown"));
        assert!(serde_json::from_str::<S>("\"done\"").is_err());
        let finals: Vec<_> = S::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals.len(), 4);
        assert!(finals.iter().all(|s| !s.is_open()));
    }

    // ---- state machine -------------------------------------------------------------------------------------------

    #[test]
    fn the_whole_table_of_allowed_transitions() {
        use ReportActionKind as A;
        // (from, action, to)
        let table = [
            (S::Submitted, A::Accept, S::Verified),
            (S::Submitted, A::Reject, S::Rejected(RejectReason::Duplicate)),
            (S::Verified, A::Reject, S::Rejected(RejectReason::Duplicate)),
            (S::Submitted, A::Route, S::Assigned),
            (S::Verified, A::Route, S::Assigned),
            (S::Assigned, A::Route, S::Assigned),
            (S::Transferred, A::Route, S::Assigned),
            (S::Reopened, A::Route, S::Assigned),
            (S::Assigned, A::Start, S::InProgress),
            (S::Transferred, A::Start, S::InProgress),
            (S::Reopened, A::Start, S::InProgress),
            (S::Assigned, A::Extend, S::Extended),
            (S::InProgress, A::Extend, S::Extended),
            (S::Extended, A::Extend, S::Extended),
            (S::Transferred, A::Extend, S::Extended),
            (S::Assigned, A::Transfer, S::Transferred),
            (S::InProgress, A::Transfer, S::Transferred),
            (S::Extended, A::Transfer, S::Transferred),
            (S::Transferred, A::Transfer, S::Transferred),
            (S::Assigned, A::Answer, S::Answered),
            (S::InProgress, A::Answer, S::Answered),
            (S::Extended, A::Answer, S::Answered),
            (S::Transferred, A::Answer, S::Answered),
            (S::Answered, A::Rate, S::Answered),
            (S::Answered, A::Reopen, S::Reopened),
            (S::Answered, A::Close, S::Closed),
        ];
        for (from, kind, to) in table {
            let t = transition(from, &sample(kind), &facts_for(kind)).unwrap_or_else(|e| panic!("{from} {kind}: {e}"));
            assert_eq!(t.to, to, "{from} --{kind}-->");
        }
        // Everything not in the table is refused with action_not_allowed.
        for from in S::ALL {
            for &kind in A::ALL {
                let listed = table.iter().any(|(f, k, _)| *f == from && *k == kind);
                assert_eq!(kind.allowed_from(from), listed, "{from} {kind}");
                if !listed {
                    let e = transition(from, &sample(kind), &facts_for(kind)).expect_err("not in the table");
                    assert_eq!((e.field, e.code), ("action", "action_not_allowed"), "{from} {kind}");
                    assert!(e.vi.contains(from.label_vi()) && e.en.contains(kind.as_str()), "{}", e.en);
                }
            }
        }
        assert_eq!(actions_from(S::Answered), [A::Rate, A::Reopen, A::Close]);
        assert!(actions_from(S::Closed).is_empty());
    }

    #[test]
    fn transitions_record_units_deadlines_duplicates_and_notifications() {
        let t = transition(S::Submitted, &ReportAction::Route { unit: unit("19753") }, &facts()).expect("route");
        assert_eq!((t.handling_unit, t.notify_reporter), (Some(unit("19753")), true));
        let t = transition(S::Verified, &ReportAction::Route { unit: unit("19753") }, &facts()).expect("route");
        assert!(!t.notify_reporter);

        let new_due_at = now() + TimeDelta::days(20);
        let t = transition(S::InProgress, &ReportAction::Extend { reason: "Chờ vật tư".into(), new_due_at }, &routed())
            .expect("extend");
        assert_eq!((t.due_at, t.notify_reporter), (Some(new_due_at), true));

        let t = transition(S::Submitted, &sample(ReportActionKind::Reject), &facts()).expect("reject");
        assert_eq!(t.duplicate_of.as_deref(), Some("PA-0"));

        let t = transition(S::InProgress, &sample(ReportActionKind::Transfer), &routed()).expect("transfer");
        assert_eq!(t.handling_unit, Some(unit("46.HEPCO")));
        assert_eq!(t.due_at, None);
    }

    #[test]
    fn errors_of_the_state_machine() {
        let reject = |reason, duplicate_of: Option<&str>, note: Option<&str>| ReportAction::Reject {
            reason,
            duplicate_of: duplicate_of.map(str::to_owned),
            note: note.map(str::to_owned),
        };
        let extend = |reason: &str, new_due_at| ReportAction::Extend { reason: reason.into(), new_due_at };
        let late = ReportFacts { now: now() + TimeDelta::days(10), ..routed() };
        let rated = |rating| ReportFacts { rating: Some(rating), ..routed() };
        let long = "x".repeat(MAX_ANSWER_CHARS + 1);
        let cases: Vec<(S, ReportAction, ReportFacts, &str)> = vec![
            (S::Submitted, reject(RejectReason::Duplicate, None, None), facts(), "duplicate_of_required"),
            (S::Submitted, reject(RejectReason::Duplicate, Some("  "), None), facts(), "duplicate_of_required"),
            (S::Submitted, reject(RejectReason::Duplicate, Some("PA-1"), None), facts(), "duplicate_of_self"),
            (S::Submitted, reject(RejectReason::Invalid, Some("PA-0"), Some("x")), facts(), "duplicate_of_unexpected"),
            (S::Submitted, reject(RejectReason::Invalid, None, None), facts(), "text_required"),
            (S::Verified, reject(RejectReason::NotOurs, None, Some(" ")), facts(), "text_required"),
            (S::Verified, reject(RejectReason::NotOurs, None, Some("Tranh chấp dân sự")), facts(), "ok"),
            (S::Assigned, ReportAction::Route { unit: unit("19753") }, routed(), "same_unit"),
            (S::Reopened, ReportAction::Route { unit: unit("19753") }, routed(), "ok"),
            (S::Reopened, ReportAction::Start, facts(), "no_handling_unit"),
            (S::InProgress, extend("", now() + TimeDelta::days(9)), routed(), "text_required"),
            (S::InProgress, extend("Chờ vật tư", now() + TimeDelta::days(5)), routed(), "new_due_not_later"),
            (S::InProgress, extend("Chờ vật tư", now() + TimeDelta::days(6)), routed(), "ok"),
            // After the deadline, an extension is still possible, but must end after now.
            (S::InProgress, extend("Chờ vật tư", now() + TimeDelta::days(9)), late.clone(), "new_due_not_later"),
            (S::InProgress, extend("Chờ vật tư", now() + TimeDelta::days(11)), late, "ok"),
            (S::Assigned, ReportAction::Extend { reason: "a".into(), new_due_at: now() }, facts(), "new_due_not_later"),
            (
                S::InProgress,
                ReportAction::Transfer { to_unit: unit("19753"), reason: "x".into() },
                routed(),
                "same_unit",
            ),
            (
                S::InProgress,
                ReportAction::Transfer { to_unit: unit("46.SXD"), reason: "\n".into() },
                routed(),
                "text_required",
            ),
            (S::InProgress, ReportAction::Answer { text: " ".into() }, routed(), "text_required"),
            (S::InProgress, ReportAction::Answer { text: long }, routed(), "text_too_long"),
            (S::Answered, sample(ReportActionKind::Rate), rated(Rating::Acceptable), "already_rated"),
            (
                S::Answered,
                ReportAction::Rate { rating: Rating::Dissatisfied, comment: Some("y".repeat(2001)) },
                routed(),
                "text_too_long",
            ),
            (S::Answered, sample(ReportActionKind::Reopen), routed(), "reopen_needs_dissatisfied_rating"),
            (
                S::Answered,
                sample(ReportActionKind::Reopen),
                rated(Rating::Satisfied),
                "reopen_needs_dissatisfied_rating",
            ),
            (S::Answered, ReportAction::Reopen { reason: "".into() }, rated(Rating::Dissatisfied), "text_required"),
            (S::Answered, ReportAction::Close, routed(), "ok"),
            (S::Closed, ReportAction::Close, routed(), "action_not_allowed"),
        ];
        for (from, action, facts, code) in cases {
            assert_eq!(code_of(transition(from, &action, &facts)), code, "{from} {action:?}");
        }
        let e = transition(S::Closed, &ReportAction::Close, &routed()).expect_err("final");
        assert!(e.en.contains("finished") && e.vi.contains("kết thúc"), "{e:?}");
    }

    #[test]
    fn roles_per_action() {
        use ReportActionKind as A;
        let actor = |role, in_handling_unit, is_reporter| Actor { role, in_handling_unit, is_reporter };
        // (kind, actor, expected)
        let cases = [
            (A::Accept, actor(Role::IocOperator, false, false), "ok"),
            (A::Route, actor(Role::IocOperator, false, false), "ok"),
            (A::Reopen, actor(Role::IocOperator, false, false), "ok"),
            (A::Close, actor(Role::IocOperator, false, false), "ok"),
            (A::Reject, actor(Role::Administrator, false, false), "role_not_allowed"),
            (A::Route, actor(Role::UnitLeader, true, false), "role_not_allowed"),
            (A::Start, actor(Role::ProcessingOfficer, true, false), "ok"),
            (A::Answer, actor(Role::UnitLeader, true, false), "ok"),
            (A::Extend, actor(Role::UnitLeader, true, false), "ok"),
            (A::Transfer, actor(Role::ProcessingOfficer, false, false), "not_handling_unit"),
            (A::Answer, actor(Role::IocOperator, true, false), "role_not_allowed"),
            (A::Answer, actor(Role::ReceptionOfficer, true, false), "role_not_allowed"),
            (A::Rate, actor(Role::Citizen, false, true), "ok"),
            (A::Rate, actor(Role::Citizen, false, false), "not_reporter"),
            (A::Rate, actor(Role::IocOperator, false, true), "role_not_allowed"),
            (A::Start, actor(Role::Citizen, true, true), "role_not_allowed"),
        ];
        for (kind, actor, expected) in cases {
            assert_eq!(authorize(kind, &actor).err().map_or("ok", |e| e.code), expected, "{kind} {actor:?}");
        }
        let e = authorize(A::Answer, &actor(Role::Citizen, false, true)).expect_err("citizen");
        assert!(e.vi.contains("Cán bộ xử lý") && e.en.contains("Unit leader"), "{e:?}");
    }

    #[test]
    fn actions_serialise_with_their_tag() {
        let action = ReportAction::Route { unit: unit("46.SXD") };
        let json = serde_json::to_value(&action).expect("serialise");
        assert_eq!(json, serde_json::json!({ "action": "route", "unit": "46.SXD" }));
        assert_eq!(serde_json::from_value::<ReportAction>(json).ok(), Some(action));
    }

    // ---- deadlines -----------------------------------------------------------------------------------------------

    #[test]
    fn hue_s_deadline_vectors() {
        // Tết 2023 as the Prime Minister set it (20/1–26/1 off, 27/1 worked), as in the calendar's own tests.
        let calendar = WorkingCalendar::new(vec![
            DayAdjustment::DayOff { date: date(2023, 1, 20), reason: "Nghỉ Tết Quý Mão".into() },
            DayAdjustment::WorkingDay {
                date: date(2023, 1, 27), reason: "Đi làm theo quyết định nghỉ Tết".into()
            },
        ]);
        // domain-vn.md §8: sent → due, 7 working days.
        let cases = [
            (utc(2024, 11, 7, 3, 0), date(2024, 11, 18)),
            (utc(2022, 7, 19, 3, 0), date(2022, 7, 28)),
            (utc(2022, 1, 28, 3, 0), date(2022, 2, 15)),
            (utc(2023, 1, 21, 3, 0), date(2023, 2, 6)),
            (utc(2025, 7, 1, 3, 0), date(2025, 7, 10)),
        ];
        for (sent, due) in cases {
            assert_eq!(due_date(&calendar, sent, DEFAULT_DEADLINE_WORKING_DAYS), due, "{sent}");
        }
        // 23:30 local on Thursday 06/11/2024 is still the 6th locally, whatever UTC says.
        assert_eq!(due_date(&calendar, utc(2024, 11, 6, 16, 30), 7), date(2024, 11, 15));
        assert_eq!(due_at(date(2024, 11, 18)), utc(2024, 11, 18, 16, 59) + TimeDelta::seconds(59));
    }

    #[test]
    fn overdue_and_escalation() {
        let due = utc(2026, 12, 8, 16, 59);
        let before = due - TimeDelta::hours(1);
        let after = due + TimeDelta::seconds(1);
        for status in S::ALL {
            assert!(!is_overdue(due, before, status));
            assert!(!is_overdue(due, due, status));
            assert_eq!(is_overdue(due, after, status), status.is_open(), "{status}");
            let escalate_at = due - TimeDelta::days(1);
            assert!(!needs_escalation(escalate_at, escalate_at - TimeDelta::seconds(1), status));
            assert_eq!(needs_escalation(escalate_at, escalate_at, status), status.is_open(), "{status}");
            assert_eq!(needs_escalation(escalate_at, after, status), status.is_open(), "{status}");
        }
    }

    // ---- categories and routing ---------------------------------------------------------------------------------

    const CATALOGUE: &str = include_str!("../../smartcity/seed/feedback-categories.json");

    #[test]
    fn the_shipped_catalogue_reads() {
        let catalogue = CategoryCatalogue::from_json(CATALOGUE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(catalogue.categories.len(), 17);
        let mt = catalogue.get(&cat("MT")).expect("MT");
        assert_eq!((mt.name_vi.as_str(), mt.name_en.as_str()), ("Môi trường, vệ sinh", "Environment and sanitation"));
        assert_eq!(
            (mt.agency_kind, mt.default_deadline_working_days, mt.process),
            (AgencyKind::Ward, 7, Process::Timed)
        );
        assert_eq!(
            catalogue.get(&cat("ANTT")).map(|c| (c.agency_kind, c.process)),
            Some((AgencyKind::Police, Process::Immediate))
        );
        assert_eq!(catalogue.get(&cat("KHAC")).map(|c| c.agency_kind), Some(AgencyKind::Ioc));
        assert!(catalogue.categories.iter().all(|c| c.default_deadline_working_days == 7));
        // Every code of the file has its own agency kind; only KHAC goes to the IOC.
        let ioc: Vec<_> = catalogue.categories.iter().filter(|c| c.agency_kind == AgencyKind::Ioc).collect();
        assert_eq!(ioc.len(), 1);
    }

    #[test]
    fn catalogue_errors_and_defaults() {
        let one = |category: &str| format!(r#"{{"categories": [{category}]}}"#);
        let minimal = one(r#"{"code": "xy", "name_vi": "Thử", "name_en": "Test"}"#);
        let catalogue = CategoryCatalogue::from_json(&minimal).unwrap_or_else(|e| panic!("{e}"));
        let c = &catalogue.categories[0];
        assert_eq!((c.code.as_str(), c.default_deadline_working_days, c.process), ("XY", 7, Process::Timed));
        assert_eq!(c.agency_kind, AgencyKind::Ioc);
        let explicit = one(
            r#"{"code": "GT", "name_vi": "a", "name_en": "b", "agency_kind": "ward", "process": "immediate", "default_deadline_working_days": 2}"#,
        );
        let c = CategoryCatalogue::from_json(&explicit).unwrap_or_else(|e| panic!("{e}")).categories.remove(0);
        assert_eq!(
            (c.agency_kind, c.process, c.default_deadline_working_days),
            (AgencyKind::Ward, Process::Immediate, 2)
        );

        let cases = [
            ("[]".to_owned(), "catalogue_invalid"),
            (r#"{"categories": []}"#.to_owned(), "catalogue_empty"),
            (one(r#"{"code": "MT"}"#), "catalogue_invalid"),
            (one(r#"{"code": "M T", "name_vi": "a", "name_en": "b"}"#), "category_code_invalid"),
            (one(r#"{"code": "MT", "name_vi": " ", "name_en": "b"}"#), "category_name_required"),
            (
                one(r#"{"code": "MT", "name_vi": "a", "name_en": "b", "default_deadline_working_days": 0}"#),
                "deadline_out_of_range",
            ),
            (one(r#"{"code": "MT", "name_vi": "a", "name_en": "b", "process": "slow"}"#), "catalogue_invalid"),
            (
                one(
                    r#"{"code": "MT", "name_vi": "a", "name_en": "b"}, {"code": "mt", "name_vi": "c", "name_en": "d"}"#,
                ),
                "category_code_duplicate",
            ),
        ];
        for (json, code) in cases {
            assert_eq!(CategoryCatalogue::from_json(&json).map(|_| ()).map_err(|e| e.code), Err(code), "{json}");
        }
    }

    fn category(code: &str, agency_kind: AgencyKind, process: Process) -> Category {
        Category {
            code: cat(code),
            name_vi: code.into(),
            name_en: code.into(),
            examples_vi: String::new(),
            agency_kind_vi: String::new(),
            agency_kind_en: String::new(),
            agency_kind,
            typical_agencies: vec![],
            default_deadline_working_days: 5,
            process,
        }
    }

    #[test]
    fn routing_proposals() {
        let ward = unit("19753");
        let agency = unit("46.SXD");
        let ward_cat = category("MT", AgencyKind::Ward, Process::Timed);
        let road_cat = category("GT", AgencyKind::Construction, Process::Timed);
        let ioc_cat = category("KHAC", AgencyKind::Ioc, Process::Timed);
        let urgent_cat = category("PCTT", AgencyKind::CivilDefence, Process::Immediate);
        use RoutingBasis as B;
        // (category, ward of point, agency, expected unit, basis)
        let cases = [
            (&ward_cat, Some(&ward), Some(&agency), Some(&ward), B::WardOfPoint),
            (&ward_cat, Some(&ward), None, Some(&ward), B::WardOfPoint),
            (&ward_cat, None, Some(&agency), Some(&agency), B::CategoryAgency),
            (&ward_cat, None, None, None, B::ManualTriage),
            (&road_cat, Some(&ward), Some(&agency), Some(&agency), B::CategoryAgency),
            (&road_cat, None, Some(&agency), Some(&agency), B::CategoryAgency),
            (&road_cat, Some(&ward), None, Some(&ward), B::WardFallback),
            (&road_cat, None, None, None, B::ManualTriage),
            (&ioc_cat, Some(&ward), Some(&agency), None, B::ManualTriage),
            (&urgent_cat, Some(&ward), Some(&agency), Some(&agency), B::CategoryAgency),
        ];
        for (category, w, a, expected, basis) in cases {
            let p = propose_unit(category, w, a);
            assert_eq!((p.unit.as_ref(), p.basis), (expected, basis), "{} {w:?} {a:?}", category.code);
            assert_eq!(p.deadline_working_days, 5);
            assert_eq!(p.urgent, category.code.as_str() == "PCTT");
        }
    }

    // ---- duplicates ------------------------------------------------------------------------------------------------

    fn candidate(id: &str, category: &str, lat: f64, lon: f64, sent_at: DateTime<Utc>) -> ReportCandidate {
        ReportCandidate { id: id.into(), category: cat(category), location: GeoPoint { lat, lon }, sent_at }
    }

    #[test]
    fn duplicates_by_category_distance_and_time() {
        // 0.0001° of latitude ≈ 11.1 m.
        let (lat, lon) = (16.4637, 107.5909);
        let new = candidate("N", "MT", lat, lon, now());
        let recent = [
            candidate("same-spot", "MT", lat, lon, now() - TimeDelta::hours(1)),
            candidate("40m", "MT", lat + 0.00036, lon, now() - TimeDelta::hours(1)),
            candidate("60m", "MT", lat + 0.00054, lon, now() - TimeDelta::hours(1)),
            candidate("140m", "MT", lat + 0.00126, lon, now() - TimeDelta::hours(1)),
            candidate("160m", "MT", lat + 0.00144, lon, now() - TimeDelta::hours(1)),
            candidate("other-category", "GT", lat, lon, now() - TimeDelta::hours(1)),
            candidate("8-days-old", "MT", lat, lon, now() - TimeDelta::days(8)),
            candidate("6-days-old", "MT", lat, lon, now() - TimeDelta::days(6)),
            candidate("later", "MT", lat, lon, now() + TimeDelta::days(1)),
            candidate("N", "MT", lat, lon, now()),
        ];
        let found = likely_duplicates(&new, &recent);
        let ids: Vec<(&str, MatchStrength)> = found.iter().map(|(id, s)| (id.as_str(), s.strength)).collect();
        assert_eq!(
            ids,
            [
                ("same-spot", MatchStrength::Strong),
                ("later", MatchStrength::Strong),
                ("40m", MatchStrength::Strong),
                ("60m", MatchStrength::Weak),
                ("6-days-old", MatchStrength::Strong),
                ("140m", MatchStrength::Weak),
            ]
        );
        let (_, best) = &found[0];
        assert!(best.distance_m < 1e-6 && best.score > 0.99 && best.score <= 1.0);
        assert!(likely_duplicates(&new, &[]).is_empty());
    }

    // ---- properties ------------------------------------------------------------------------------------------------

    fn any_action() -> impl Strategy<Value = ReportAction> {
        let kinds = proptest::sample::select(ReportActionKind::ALL.to_vec());
        let reasons = proptest::sample::select(RejectReason::ALL.to_vec());
        let ratings = proptest::sample::select(Rating::ALL.to_vec());
        let units = proptest::sample::select(vec!["19753", "46.SXD", "46.HEPCO"]);
        (kinds, reasons, ratings, units, -3i64..30, proptest::bool::ANY).prop_map(
            |(kind, reason, rating, u, days, with_text)| {
                let text = if with_text { "Nội dung".to_owned() } else { String::new() };
                match kind {
                    ReportActionKind::Reject => ReportAction::Reject {
                        reason,
                        duplicate_of: (reason == RejectReason::Duplicate).then(|| "PA-0".to_owned()),
                        note: Some(text),
                    },
                    ReportActionKind::Route => ReportAction::Route { unit: unit(u) },
                    ReportActionKind::Extend => {
                        ReportAction::Extend { reason: text, new_due_at: now() + TimeDelta::days(days) }
                    }
                    ReportActionKind::Transfer => ReportAction::Transfer { to_unit: unit(u), reason: text },
                    ReportActionKind::Answer => ReportAction::Answer { text },
                    ReportActionKind::Rate => ReportAction::Rate { rating, comment: None },
                    ReportActionKind::Reopen => ReportAction::Reopen { reason: text },
                    other => sample(other),
                }
            },
        )
    }

    proptest! {
        /// Replaying any sequence of actions (applying each allowed one as a store would) never leaves a final
        /// status, never produces a status the table does not list for the action, and keeps a unit on every
        /// report that is being handled.
        #[test]
        fn any_history_respects_the_life_cycle(actions in proptest::collection::vec(any_action(), 0..40)) {
            let mut status = S::Submitted;
            let mut facts = facts();
            for action in actions {
                let was_final = status.is_final();
                match transition(status, &action, &facts) {
                    Ok(t) => {
                        prop_assert!(!was_final);
                        prop_assert!(action.kind().allowed_from(status));
                        if let Some(u) = t.handling_unit.clone() { facts.handling_unit = Some(u); }
                        if let Some(d) = t.due_at { facts.due_at = Some(d); }
                        if let ReportAction::Rate { rating, .. } = &action { facts.rating = Some(*rating); }
                        if matches!(action, ReportAction::Reopen { .. }) { facts.rating = None; }
                        if matches!(action, ReportAction::Rate { .. }) { prop_assert_eq!(t.to, status); }
                        status = t.to;
                    }
                    Err(e) => {
                        prop_assert!(!e.vi.is_empty() && !e.en.is_empty());
                        if was_final { prop_assert_eq!(e.code, "action_not_allowed"); }
                    }
                }
                if matches!(status, S::Assigned | S::InProgress | S::Extended | S::Transferred | S::Answered) {
                    prop_assert!(facts.handling_unit.is_some());
                }
            }
        }

        /// Duplicates are always of the same category, closer than 150 m, less than 7 days apart, never the new
        /// report itself, with a score in (0, 1], sorted best first.
        #[test]
        fn duplicates_stay_within_the_limits(
            pts in proptest::collection::vec(
                (-0.002f64..0.002, -0.002f64..0.002, -10i64..10, proptest::bool::ANY), 0..30),
        ) {
            let new = candidate("N", "MT", 16.46, 107.59, now());
            let recent: Vec<_> = pts.iter().enumerate().map(|(i, (dlat, dlon, days, same))| {
                candidate(&format!("R{i}"), if *same { "MT" } else { "GT" }, 16.46 + dlat, 107.59 + dlon,
                          now() + TimeDelta::hours(days * 17))
            }).collect();
            let found = likely_duplicates(&new, &recent);
            for w in found.windows(2) { prop_assert!(w[0].1.score >= w[1].1.score); }
            for (id, s) in &found {
                let r = recent.iter().find(|r| &r.id == id).ok_or_else(|| TestCaseError::fail("unknown id"))?;
                prop_assert_eq!(&r.category, &new.category);
                prop_assert!(s.distance_m < WEAK_DUPLICATE_M);
                prop_assert!((r.sent_at - new.sent_at).abs() < DUPLICATE_WINDOW);
                prop_assert!(s.score > 0.0 && s.score <= 1.0);
                prop_assert_eq!(s.strength == MatchStrength::Strong, s.distance_m < STRONG_DUPLICATE_M);
            }
        }
    }
}
