//! The multi-level e-information portal (cổng thông tin điện tử nhiều cấp): one site per unit, the editorial
//! workflow, article kinds, warnings (cảnh báo), Q&A deadlines and the one search box.
//!
//! Content an agency site must carry is set by ND 42/2022/NĐ-CP Art. 4 and its supporting functions (full and
//! accurate search, print, English pages) by Art. 7; Huế's own rules are QĐ 54/2023/QĐ-UBND (`domain-vn.md` §9).
//! Everything here is pure: the web layer stores and renders, these functions decide.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkingCalendar;
use crate::identity::Role;
use crate::text::{fold_vietnamese, nfc};
use crate::units::UnitCode;
use crate::validation::ValidationError;

// ---------------------------------------------------------------------------------------------------------------
// Site slugs
// ---------------------------------------------------------------------------------------------------------------

/// Longest slug accepted, in ASCII characters.
pub const SLUG_MAX_LEN: usize = 80;

/// Paths the platform itself serves at the root, which no unit site may take.
pub const RESERVED_SLUGS: &[&str] =
    &["api", "static", "assets", "admin", "healthz", "metrics", "search", "tim-kiem", "canh-bao", "feeds"];

/// Đường dẫn trang đơn vị: the first path segment of a unit's site (`/phuong-thuan-hoa/`), lowercase ASCII
/// letters and digits in words joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SiteSlug(String);

string_newtype!(SiteSlug);

impl SiteSlug {
    /// Parses a slug typed by an editor: 1–80 characters of `a-z`, `0-9` and single inner hyphens, not reserved.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let well_formed = !s.is_empty()
            && s.len() <= SLUG_MAX_LEN
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if !well_formed {
            return Err(ValidationError::new(
                "slug",
                "slug_invalid",
                format!(
                    "Đường dẫn “{s}” không hợp lệ: chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang giữa các \
                     từ, tối đa {SLUG_MAX_LEN} ký tự (ví dụ: phuong-thuan-hoa)."
                ),
                format!(
                    "The slug “{s}” is invalid: use lowercase unaccented letters, digits and single hyphens between \
                     words, at most {SLUG_MAX_LEN} characters (e.g. phuong-thuan-hoa)."
                ),
            ));
        }
        if RESERVED_SLUGS.contains(&s) {
            return Err(ValidationError::new(
                "slug",
                "slug_reserved",
                format!("Đường dẫn “{s}” được hệ thống dành riêng; hãy chọn đường dẫn khác."),
                format!("The slug “{s}” is reserved by the platform; choose another one."),
            ));
        }
        Ok(SiteSlug(s.to_owned()))
    }

    /// The slug as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Turns a Vietnamese name into slug words: "Phường Thuận Hóa" → "phuong-thuan-hoa" (marks dropped, đ → d, every
/// run of other characters one hyphen, cut at a word boundary within [`SLUG_MAX_LEN`]). May be empty.
pub fn slugify(name: &str) -> String {
    let folded = fold_vietnamese(name);
    let mut out = String::with_capacity(folded.len());
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let extra = word.len() + usize::from(!out.is_empty());
        if out.len() + extra > SLUG_MAX_LEN {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    out
}

/// Slug words of a unit code: "19753" → "19753", "46.SYT" → "46-syt".
fn code_slug(code: &UnitCode) -> String {
    code.as_str().to_ascii_lowercase().replace('.', "-")
}

/// Gives every unit its site slug from its name; a slug that clashes with another unit's, with a reserved path,
/// or that is empty (a name with no letters) gets the unit code as a suffix ("phuong-an-cuu-19753"), so the result
/// is unique and independent of the order of `units`.
pub fn assign_site_slugs(units: &[(UnitCode, &str)]) -> Vec<(UnitCode, SiteSlug)> {
    let bases: Vec<String> = units.iter().map(|(_, name)| slugify(name)).collect();
    units
        .iter()
        .zip(&bases)
        .map(|((code, _), base)| {
            let clashes = bases.iter().filter(|b| *b == base).count() > 1;
            let candidate = if base.is_empty() {
                format!("don-vi-{}", code_slug(code))
            } else if clashes || RESERVED_SLUGS.contains(&base.as_str()) {
                let suffix = code_slug(code);
                let room = SLUG_MAX_LEN.saturating_sub(suffix.len() + 1);
                let mut head = base.as_str();
                while head.len() > room {
                    head = head.rsplit_once('-').map_or("", |(h, _)| h);
                }
                if head.is_empty() { format!("don-vi-{suffix}") } else { format!("{head}-{suffix}") }
            } else {
                base.clone()
            };
            // Every branch above yields lowercase words joined by single hyphens within the length limit.
            (code.clone(), SiteSlug(candidate))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Article kinds
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Loại bài viết: what an item on a unit site is; each kind has its own list page and Atom feed.
    pub enum ArticleKind ("kind", "Loại bài viết", "article kind") {
        /// Tin tức: news.
        News => ("news", "Tin tức", "News"),
        /// Thông báo: a notice from the unit.
        Notice => ("notice", "Thông báo", "Notice"),
        /// Văn bản pháp luật / chỉ đạo điều hành: a legal or direction document (see [`LegalDocument`]).
        LegalDocument => ("legal_document", "Văn bản", "Legal document"),
        /// Sự kiện: an event with a date and place.
        Event => ("event", "Sự kiện", "Event"),
        /// Di tích, điểm du lịch: a heritage or tourism place with a map and opening hours.
        HeritagePlace => ("heritage_place", "Di tích – Du lịch", "Heritage place"),
        /// Trang tĩnh: a fixed page (organisation, functions and tasks, contacts — ND 42/2022 Art. 4(1)(e)).
        Page => ("page", "Trang", "Page"),
    }
}

labelled_enum! {
    /// Hiệu lực văn bản: whether a legal document applies on a given day.
    pub enum LegalValidity ("validity", "Tình trạng hiệu lực", "validity") {
        /// Chưa có hiệu lực: issued, not yet in force.
        NotYetInForce => ("not_yet_in_force", "Chưa có hiệu lực", "Not yet in force"),
        /// Còn hiệu lực: in force.
        InForce => ("in_force", "Còn hiệu lực", "In force"),
        /// Hết hiệu lực: expired or replaced.
        Expired => ("expired", "Hết hiệu lực", "Expired"),
    }
}

/// Văn bản: the facts shown with a legal document ("54/2023/QĐ-UBND", 30/9/2023, UBND tỉnh, Công nghệ thông tin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalDocument {
    /// Số, ký hiệu: e.g. "54/2023/QĐ-UBND".
    pub number: String,
    /// Ngày ban hành: the signing date.
    pub issued_on: NaiveDate,
    /// Cơ quan ban hành: e.g. "UBND tỉnh Thừa Thiên Huế".
    pub issuer: String,
    /// Lĩnh vực: e.g. "Công nghệ thông tin".
    pub field: String,
    /// Ngày có hiệu lực; `None` means from the issue date.
    pub effective_from: Option<NaiveDate>,
    /// Ngày hết hiệu lực; `None` while no later text has replaced it.
    pub expires_on: Option<NaiveDate>,
}

impl LegalDocument {
    /// Checks the document's facts: a number with a "/" (số/năm/ký hiệu), a non-empty issuer and field, and an
    /// expiry date after the effective date.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let number = self.number.trim();
        if number.is_empty() || !number.contains('/') || number.chars().count() > 60 {
            return Err(ValidationError::new(
                "number",
                "legal_number_invalid",
                "Số, ký hiệu văn bản không hợp lệ; nhập theo dạng 54/2023/QĐ-UBND.",
                "The document number is invalid; enter it as number/year/symbol, e.g. 54/2023/QĐ-UBND.",
            ));
        }
        if self.issuer.trim().is_empty() {
            return Err(ValidationError::new(
                "issuer",
                "legal_issuer_required",
                "Nhập cơ quan ban hành.",
                "Enter the issuing body.",
            ));
        }
        if self.field.trim().is_empty() {
            return Err(ValidationError::new("field", "legal_field_required", "Nhập lĩnh vực.", "Enter the field."));
        }
        if let Some(end) = self.expires_on
            && end <= self.effective_from.unwrap_or(self.issued_on)
        {
            return Err(ValidationError::new(
                "expires_on",
                "legal_expires_before_effective",
                "Ngày hết hiệu lực phải sau ngày có hiệu lực.",
                "The expiry date must be after the date the document takes effect.",
            ));
        }
        Ok(())
    }

    /// Whether the document applies on `day` (local date): from the effective date, until the day before expiry.
    pub fn validity_on(&self, day: NaiveDate) -> LegalValidity {
        if day < self.effective_from.unwrap_or(self.issued_on) {
            LegalValidity::NotYetInForce
        } else if self.expires_on.is_some_and(|end| day >= end) {
            LegalValidity::Expired
        } else {
            LegalValidity::InForce
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Editorial workflow
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Trạng thái bài viết in the editorial workflow of a unit site.
    pub enum ArticleStatus ("status", "Trạng thái bài viết", "article status") {
        /// Bản nháp: being written; only editors see it.
        Draft => ("draft", "Bản nháp", "Draft"),
        /// Chờ duyệt: submitted to the unit leader.
        Submitted => ("submitted", "Chờ duyệt", "Submitted"),
        /// Trả lại: returned to the editor with a comment.
        Returned => ("returned", "Trả lại", "Returned"),
        /// Hẹn giờ đăng: approved, goes public at `publish_at`.
        Scheduled => ("scheduled", "Hẹn giờ đăng", "Scheduled"),
        /// Đã đăng: public.
        Published => ("published", "Đã đăng", "Published"),
        /// Gỡ xuống: taken off the site; kept with its revisions.
        Unpublished => ("unpublished", "Đã gỡ", "Unpublished"),
    }
}

/// Thao tác biên tập: what someone does to an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EditorialAction {
    /// Sửa: save a new revision; a returned, published or unpublished article goes back to draft.
    Edit,
    /// Gửi duyệt: send a draft to the unit leader.
    Submit,
    /// Duyệt: publish now, or at `publish_at` when that is in the future.
    Approve {
        /// Hẹn giờ đăng; `None` or a past instant publishes at once.
        publish_at: Option<DateTime<Utc>>,
    },
    /// Trả lại: send back to the editor; the comment says what to fix.
    Return {
        /// Ý kiến của lãnh đạo (required).
        comment: String,
    },
    /// Gỡ bài: take a published or scheduled article off the site.
    Unpublish,
}

impl EditorialAction {
    /// Stable code of the action, for errors, audit and i18n.
    pub fn code(&self) -> &'static str {
        match self {
            EditorialAction::Edit => "edit",
            EditorialAction::Submit => "submit",
            EditorialAction::Approve { .. } => "approve",
            EditorialAction::Return { .. } => "return",
            EditorialAction::Unpublish => "unpublish",
        }
    }

    /// The roles that may take this action on their unit's site: editors write and submit, the unit leader
    /// (lãnh đạo đơn vị) approves, returns and unpublishes, and may also write.
    pub fn allowed_roles(&self) -> &'static [Role] {
        match self {
            EditorialAction::Edit | EditorialAction::Submit => &[Role::Editor, Role::UnitLeader],
            EditorialAction::Approve { .. } | EditorialAction::Return { .. } | EditorialAction::Unpublish => {
                &[Role::UnitLeader]
            }
        }
    }
}

/// Why an editorial action was refused; `code` is stable, `vi` and `en` are shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {en}")]
pub struct WorkflowError {
    /// Stable snake_case code: `editorial_role_not_allowed`, `editorial_invalid_transition`,
    /// `editorial_comment_required`.
    pub code: &'static str,
    /// Message in Vietnamese.
    pub vi: String,
    /// Message in English.
    pub en: String,
}

/// Where an article stands: its status, its scheduled time and the leader's last comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorialState {
    /// Current status.
    pub status: ArticleStatus,
    /// When a scheduled (or published) article goes public.
    pub publish_at: Option<DateTime<Utc>>,
    /// The comment of the last return, kept until the next submission.
    pub return_comment: Option<String>,
}

impl EditorialState {
    /// A fresh draft.
    pub fn draft() -> Self {
        EditorialState { status: ArticleStatus::Draft, publish_at: None, return_comment: None }
    }

    /// True when the public may see the article at `now`: published, or scheduled and its time has come. A
    /// scheduled article needs no job to flip it: readers ask this.
    pub fn is_public(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            ArticleStatus::Published => true,
            ArticleStatus::Scheduled => self.publish_at.is_some_and(|at| at <= now),
            _ => false,
        }
    }

    /// The status as readers see it at `now` (a scheduled article whose time has come reads as published).
    pub fn status_at(&self, now: DateTime<Utc>) -> ArticleStatus {
        if self.status == ArticleStatus::Scheduled && self.is_public(now) {
            ArticleStatus::Published
        } else {
            self.status
        }
    }

    /// Applies `action` taken by someone holding `role` on the article's unit at `now`, and returns the new state.
    ///
    /// | from | action | to |
    /// |---|---|---|
    /// | draft, returned, published, unpublished | edit | draft (a new revision) |
    /// | draft | submit | submitted |
    /// | submitted | approve | published, or scheduled when `publish_at` > now |
    /// | submitted | return (comment) | returned |
    /// | published, scheduled | unpublish | unpublished |
    pub fn apply(&self, action: &EditorialAction, role: Role, now: DateTime<Utc>) -> Result<Self, WorkflowError> {
        if !action.allowed_roles().contains(&role) {
            return Err(WorkflowError {
                code: "editorial_role_not_allowed",
                vi: format!("Vai trò “{}” không được thực hiện thao tác này ({}).", role.label_vi(), action.code()),
                en: format!("The role “{}” may not take this action ({}).", role.label_en(), action.code()),
            });
        }
        let from = self.status_at(now);
        let invalid = || WorkflowError {
            code: "editorial_invalid_transition",
            vi: format!(
                "Không thể thực hiện thao tác “{}” với bài viết đang ở trạng thái “{}”.",
                action.code(),
                from.label_vi()
            ),
            en: format!(
                "The action “{}” is not possible on an article that is {}.",
                action.code(),
                from.label_en().to_lowercase()
            ),
        };
        use ArticleStatus as S;
        match (action, from) {
            (EditorialAction::Edit, S::Draft | S::Returned | S::Published | S::Unpublished) => {
                Ok(EditorialState { status: S::Draft, publish_at: None, return_comment: self.return_comment.clone() })
            }
            (EditorialAction::Submit, S::Draft) => {
                Ok(EditorialState { status: S::Submitted, publish_at: None, return_comment: None })
            }
            (EditorialAction::Approve { publish_at }, S::Submitted) => Ok(match publish_at {
                Some(at) if *at > now => {
                    EditorialState { status: S::Scheduled, publish_at: Some(*at), return_comment: None }
                }
                _ => EditorialState { status: S::Published, publish_at: Some(now), return_comment: None },
            }),
            (EditorialAction::Return { comment }, S::Submitted) => {
                let comment = crate::text::clean_line(comment);
                if comment.is_empty() {
                    return Err(WorkflowError {
                        code: "editorial_comment_required",
                        vi: "Khi trả lại bài viết, hãy ghi rõ cần sửa gì.".to_owned(),
                        en: "When returning an article, say what needs fixing.".to_owned(),
                    });
                }
                Ok(EditorialState { status: S::Returned, publish_at: None, return_comment: Some(comment) })
            }
            (EditorialAction::Unpublish, S::Published | S::Scheduled) => {
                Ok(EditorialState { status: S::Unpublished, publish_at: None, return_comment: None })
            }
            _ => Err(invalid()),
        }
    }
}

/// Phiên bản: one saved version of an article; every edit keeps the previous ones so they can be compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// 1 for the first save, then +1.
    pub number: u32,
    /// Who saved it (user id).
    pub author: String,
    /// When.
    pub saved_at: DateTime<Utc>,
    /// Title, NFC.
    pub title: String,
    /// Sanitised HTML body.
    pub body: String,
}

impl Revision {
    /// The revision following `previous` (number 1 when there is none), with title and body stored as NFC.
    pub fn next(
        previous: Option<&Revision>,
        author: impl Into<String>,
        saved_at: DateTime<Utc>,
        title: &str,
        body: &str,
    ) -> Revision {
        Revision {
            number: previous.map_or(1, |p| p.number.saturating_add(1)),
            author: author.into(),
            saved_at,
            title: nfc(title.trim()),
            body: nfc(body),
        }
    }
}

/// One line of a comparison between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "line", rename_all = "snake_case")]
pub enum LineChange {
    /// In both.
    Same(String),
    /// Only in the older revision.
    Removed(String),
    /// Only in the newer revision.
    Added(String),
}

/// Compares two texts line by line (longest common subsequence), for the "compare revisions" screen.
pub fn compare_lines(old: &str, new: &str) -> Vec<LineChange> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(LineChange::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(LineChange::Added(b[j].to_owned()));
            j += 1;
        } else {
            out.push(LineChange::Removed(a[i].to_owned()));
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// Warnings (cảnh báo)
// ---------------------------------------------------------------------------------------------------------------

labelled_enum! {
    /// Loại cảnh báo: what a warning is about.
    pub enum WarningKind ("kind", "Loại cảnh báo", "warning kind") {
        /// Ngập lụt.
        Flood => ("flood", "Ngập lụt", "Flood"),
        /// Bão, áp thấp nhiệt đới.
        Storm => ("storm", "Bão", "Storm"),
        /// Nắng nóng.
        Heat => ("heat", "Nắng nóng", "Heat"),
        /// Chất lượng không khí.
        AirQuality => ("air_quality", "Chất lượng không khí", "Air quality"),
        /// Giao thông: closures, jams.
        Traffic => ("traffic", "Giao thông", "Traffic"),
        /// Lừa đảo: scams targeting citizens.
        Scam => ("scam", "Lừa đảo", "Scam"),
    }
}

labelled_enum! {
    /// Mức độ nghiêm trọng, on the CAP 1.2 `severity` scale (OASIS CAP 1.2 §3.2.2).
    pub enum Severity ("severity", "Mức độ", "severity") {
        /// Extreme: extraordinary threat to life or property.
        Extreme => ("extreme", "Đặc biệt nguy hiểm", "Extreme"),
        /// Severe: significant threat to life or property.
        Severe => ("severe", "Nguy hiểm", "Severe"),
        /// Moderate: possible threat to life or property.
        Moderate => ("moderate", "Trung bình", "Moderate"),
        /// Minor: minimal to no known threat.
        Minor => ("minor", "Nhẹ", "Minor"),
        /// Unknown.
        Unknown => ("unknown", "Chưa xác định", "Unknown"),
    }
}

impl Severity {
    /// The CAP 1.2 value, capitalised as the standard spells it ("Extreme" … "Unknown").
    pub fn cap_value(self) -> &'static str {
        self.label_en()
    }
}

/// Phạm vi cảnh báo: the whole city or chosen wards/communes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "wards", rename_all = "snake_case")]
pub enum WarningArea {
    /// Toàn thành phố: every site shows the banner.
    WholeCity,
    /// Chosen wards and communes, by unit code.
    Wards(Vec<UnitCode>),
}

impl WarningArea {
    /// Builds an area of chosen wards; at least one is needed (field `area`), duplicates are dropped.
    pub fn wards(codes: Vec<UnitCode>) -> Result<Self, ValidationError> {
        let mut codes = codes;
        codes.sort();
        codes.dedup();
        if codes.is_empty() {
            return Err(ValidationError::new(
                "area",
                "warning_area_empty",
                "Chọn ít nhất một phường/xã, hoặc chọn toàn thành phố.",
                "Choose at least one ward or commune, or the whole city.",
            ));
        }
        Ok(WarningArea::Wards(codes))
    }

    /// True when the site of `unit` shows this warning. The city portal and department sites are not wards: they
    /// show every warning so the city sees what is going on.
    pub fn covers(&self, unit: &UnitCode) -> bool {
        match self {
            WarningArea::WholeCity => true,
            WarningArea::Wards(codes) => unit.as_str().len() != 5 || codes.contains(unit),
        }
    }
}

/// Thời gian hiệu lực: when a warning applies, start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl Validity {
    /// Builds a validity period; the end must be after the start (error on field `ends_at`).
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, ValidationError> {
        if ends_at <= starts_at {
            return Err(ValidationError::new(
                "ends_at",
                "warning_ends_before_start",
                "Thời điểm kết thúc cảnh báo phải sau thời điểm bắt đầu.",
                "The warning must end after it starts.",
            ));
        }
        Ok(Validity { starts_at, ends_at })
    }

    /// Start (inclusive).
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    /// End (exclusive).
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }

    /// True when `now` is within the period.
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.ends_at
    }
}

/// Cảnh báo: a warning broadcast to banners, the warnings page, Atom and CAP feeds and subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// How serious.
    pub severity: Severity,
    /// Where.
    pub area: WarningArea,
    /// When.
    pub validity: Validity,
    /// Headline in Vietnamese.
    pub headline_vi: String,
    /// Headline in English.
    pub headline_en: String,
    /// Details in Vietnamese.
    pub description_vi: String,
    /// Details in English.
    pub description_en: String,
    /// Set when staff withdraw the warning before its end (CAP `Cancel`).
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Warning {
    /// True while the banner shows: within the validity period and not cancelled by `now`. Expired warnings
    /// therefore disappear without a job.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.validity.contains(now) && self.cancelled_at.is_none_or(|c| now < c)
    }

    /// True when the banner shows on the site of `unit` at `now`.
    pub fn shows_on(&self, unit: &UnitCode, now: DateTime<Utc>) -> bool {
        self.is_active(now) && self.area.covers(unit)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Q&A (hỏi đáp)
// ---------------------------------------------------------------------------------------------------------------

/// Working days a unit has to answer a question: the same 7 as a citizen report on Hue-S (`domain-vn.md` §8); no
/// legal text sets a Q&A deadline (unverified).
pub const QUESTION_DEADLINE_WORKING_DAYS: u32 = 7;

/// The instant a question asked at `asked_at` becomes overdue: the end (23:59:59 Vietnam time) of the 7th working
/// day after the local asking date, counted as reports are ([`crate::reports::due_date`]).
pub fn question_due_at(calendar: &WorkingCalendar, asked_at: DateTime<Utc>) -> DateTime<Utc> {
    crate::reports::due_at(crate::reports::due_date(calendar, asked_at, QUESTION_DEADLINE_WORKING_DAYS))
}

/// Quá hạn: an unanswered question past its deadline; answered questions never are.
pub fn question_is_overdue(due_at: DateTime<Utc>, answered_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    answered_at.is_none() && now > due_at
}

/// How a public answered question shows its asker: initials only ("Nguyễn Văn An" → "N.V.A."), so a name is never
/// published.
pub fn asker_initials(full_name: &str) -> String {
    nfc(full_name)
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(|c| c.to_uppercase().chain(std::iter::once('.')))
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------------------------

/// Longest search query kept, in characters of folded text; anything longer (a 10 KB paste) is cut.
pub const SEARCH_QUERY_MAX_CHARS: usize = 256;

/// Câu tìm kiếm: what the one search box looks for, folded like the index (NFC, marks stripped, đ → d,
/// lowercase), symbols dropped. ND 42/2022 Art. 7 asks for "full and accurate" search.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchQuery {
    folded: String,
}

impl SearchQuery {
    /// Normalises raw input; never fails: a query of symbols only is empty, a long one is cut at 256 characters
    /// (at a word boundary when one is near).
    pub fn parse(raw: &str) -> SearchQuery {
        let folded: String = fold_vietnamese(raw).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
        let mut out = String::new();
        for word in folded.split_whitespace() {
            let needed = word.chars().count() + usize::from(!out.is_empty());
            if out.chars().count() + needed > SEARCH_QUERY_MAX_CHARS {
                if out.is_empty() {
                    out = word.chars().take(SEARCH_QUERY_MAX_CHARS).collect();
                }
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        SearchQuery { folded: out }
    }

    /// The folded query, words separated by one space ("lang tu duc").
    pub fn as_str(&self) -> &str {
        &self.folded
    }

    /// True when nothing is left to search for; callers return an empty result, not an error.
    pub fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }

    /// The distinct words, in order.
    pub fn terms(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for w in self.folded.split(' ').filter(|w| !w.is_empty()) {
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Folds one character the way [`fold_vietnamese`] does, keeping whitespace as is.
fn fold_char(c: char) -> String {
    let mut buf = [0u8; 4];
    if c.is_whitespace() {
        return c.to_string();
    }
    fold_vietnamese(c.encode_utf8(&mut buf))
}

/// Byte ranges of `text` (NFC) where a query word starts a word of the text, matched on folded text, merged.
fn match_ranges(text: &str, query: &SearchQuery) -> Vec<(usize, usize)> {
    // folded[i] came from the original bytes spans[i].
    let mut folded: Vec<char> = Vec::with_capacity(text.len());
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        let f = fold_char(c);
        if f.is_empty() {
            // A combining mark left over after NFC belongs to the letter before it.
            if let Some(last) = spans.last_mut() {
                last.1 = end;
            }
            continue;
        }
        for fc in f.chars() {
            folded.push(fc);
            spans.push((at, end));
        }
    }
    let mut ranges = Vec::new();
    for term in query.terms() {
        let t: Vec<char> = term.chars().collect();
        if t.is_empty() || t.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - t.len() {
            let at_word_start = start == 0 || !folded[start - 1].is_alphanumeric();
            if at_word_start && folded[start..start + t.len()] == t[..] {
                ranges.push((spans[start].0, spans[start + t.len() - 1].1));
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Đoạn trích: a snippet of `text` of about `max_chars` characters around the first match of `query`, HTML-escaped,
/// with every matched word prefix wrapped in `<mark>`…`</mark>`. Matching is diacritic-insensitive ("lang tu duc"
/// marks "Lăng Tự Đức"), the text is shown with its diacritics (as NFC), and "…" marks a cut.
pub fn highlight_snippet(text: &str, query: &SearchQuery, max_chars: usize) -> String {
    let text = nfc(text);
    let ranges = match_ranges(&text, query);
    let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let total = boundaries.len() - 1;
    // Window in char positions, starting a little before the first match.
    let first_char = ranges.first().map_or(0, |(s, _)| boundaries.partition_point(|b| b < s));
    let mut from = if total <= max_chars { 0 } else { first_char.saturating_sub(max_chars / 4) };
    let to = (from + max_chars).min(total);
    from = from.min(to.saturating_sub(max_chars));
    let (mut start, mut end) = (boundaries[from], boundaries[to]);
    // Never cut through a match.
    for &(s, e) in &ranges {
        if s < start && e > start {
            start = s;
        }
        if s < end && e > end {
            end = e;
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e) in ranges.iter().filter(|(s, e)| *e > start && *s < end) {
        out.push_str(&escape_html(&text[at..s]));
        out.push_str("<mark>");
        out.push_str(&escape_html(&text[s..e]));
        out.push_str("</mark>");
        at = e;
    }
    out.push_str(&escape_html(&text[at..end]));
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn code(s: &str) -> UnitCode {
        UnitCode::parse(s).unwrap()
    }

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, h, 0, 0).unwrap()
    }

    #[test]
    fn slugs_drop_marks_and_map_d_bar() {
        assert_eq!(slugify("Phường Thuận Hóa"), "phuong-thuan-hoa");
        assert_eq!(slugify("Sở Văn hóa và Thể thao"), "so-van-hoa-va-the-thao");
        assert_eq!(slugify("Phường Đông Ba"), "phuong-dong-ba");
        assert_eq!(slugify("Xã Phú Vang (mới) — 2025"), "xa-phu-vang-moi-2025");
        // NFD input folds the same.
        assert_eq!(slugify("Phu\u{31b}\u{300}o\u{31b}ng Kim Long"), "phuong-kim-long");
        assert_eq!(slugify("!!!"), "");
        assert!(slugify(&"Phường ".repeat(40)).len() <= SLUG_MAX_LEN);
    }

    #[test]
    fn clashing_slugs_get_the_unit_code_and_stay_unique() {
        let units = [
            (code("19753"), "Phường Phú Xuân"),
            (code("46.SYT"), "Sở Y tế"),
            (code("19999"), "Phường Phú Xuân"),
            (code("46.API"), "API"),
            (code("19001"), "—"),
        ];
        let slugs = assign_site_slugs(&units);
        let got: Vec<&str> = slugs.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(got, ["phuong-phu-xuan-19753", "so-y-te", "phuong-phu-xuan-19999", "api-46-api", "don-vi-19001"]);
        for (_, s) in &slugs {
            assert_eq!(SiteSlug::parse(s.as_str()).as_ref(), Ok(s));
        }
    }

    #[test]
    fn slug_validation_names_the_field() {
        assert_eq!(SiteSlug::parse(" phuong-thuan-hoa ").unwrap().as_str(), "phuong-thuan-hoa");
        for bad in ["", "Phuong", "phường", "-a", "a-", "a--b", "a b", "a/b", &"a".repeat(81)] {
            let e = SiteSlug::parse(bad).unwrap_err();
            assert_eq!((e.field, e.code), ("slug", "slug_invalid"), "{bad}");
        }
        assert_eq!(SiteSlug::parse("api").unwrap_err().code, "slug_reserved");
    }

    #[test]
    fn editor_drafts_and_submits_leader_approves() {
        let s = EditorialState::draft();
        let s = s.apply(&EditorialAction::Submit, Role::Editor, at(1)).unwrap();
        assert_eq!(s.status, ArticleStatus::Submitted);
        let e = s.apply(&EditorialAction::Approve { publish_at: None }, Role::Editor, at(1)).unwrap_err();
        assert_eq!(e.code, "editorial_role_not_allowed");
        assert!(e.vi.contains("Biên tập viên"));
        let p = s.apply(&EditorialAction::Approve { publish_at: None }, Role::UnitLeader, at(2)).unwrap();
        assert_eq!((p.status, p.publish_at), (ArticleStatus::Published, Some(at(2))));
        assert!(p.is_public(at(2)));
        assert_eq!(
            p.apply(&EditorialAction::Unpublish, Role::UnitLeader, at(3)).unwrap().status,
            ArticleStatus::Unpublished
        );
        assert_eq!(
            p.apply(&EditorialAction::Unpublish, Role::Editor, at(3)).unwrap_err().code,
            "editorial_role_not_allowed"
        );
        assert_eq!(p.apply(&EditorialAction::Edit, Role::Editor, at(3)).unwrap().status, ArticleStatus::Draft);
        for role in [Role::Citizen, Role::ReceptionOfficer, Role::IocOperator] {
            assert!(EditorialState::draft().apply(&EditorialAction::Submit, role, at(1)).is_err());
        }
    }

    #[test]
    fn returning_needs_a_comment_and_keeps_it_until_resubmission() {
        let s = EditorialState::draft().apply(&EditorialAction::Submit, Role::Editor, at(1)).unwrap();
        let blank = EditorialAction::Return { comment: "   ".into() };
        assert_eq!(s.apply(&blank, Role::UnitLeader, at(1)).unwrap_err().code, "editorial_comment_required");
        let r =
            s.apply(&EditorialAction::Return { comment: " Sửa  tiêu đề ".into() }, Role::UnitLeader, at(1)).unwrap();
        assert_eq!((r.status, r.return_comment.as_deref()), (ArticleStatus::Returned, Some("Sửa tiêu đề")));
        assert_eq!(
            r.apply(&EditorialAction::Submit, Role::Editor, at(1)).unwrap_err().code,
            "editorial_invalid_transition"
        );
        let d = r.apply(&EditorialAction::Edit, Role::Editor, at(2)).unwrap();
        assert_eq!(d.return_comment.as_deref(), Some("Sửa tiêu đề"));
        let again = d.apply(&EditorialAction::Submit, Role::Editor, at(2)).unwrap();
        assert_eq!((again.status, again.return_comment), (ArticleStatus::Submitted, None));
    }

    #[test]
    fn scheduled_articles_go_public_at_their_time() {
        let s = EditorialState::draft().apply(&EditorialAction::Submit, Role::Editor, at(1)).unwrap();
        let sch = s.apply(&EditorialAction::Approve { publish_at: Some(at(8)) }, Role::UnitLeader, at(2)).unwrap();
        assert_eq!(sch.status, ArticleStatus::Scheduled);
        assert!(!sch.is_public(at(7)));
        assert!(sch.is_public(at(8)));
        assert_eq!(sch.status_at(at(9)), ArticleStatus::Published);
        // A past time publishes at once.
        let now = s.apply(&EditorialAction::Approve { publish_at: Some(at(0)) }, Role::UnitLeader, at(2)).unwrap();
        assert_eq!(now.status, ArticleStatus::Published);
        assert_eq!(
            sch.apply(&EditorialAction::Unpublish, Role::UnitLeader, at(3)).unwrap().status,
            ArticleStatus::Unpublished
        );
        let e = EditorialState::draft().apply(&EditorialAction::Unpublish, Role::UnitLeader, at(3)).unwrap_err();
        assert_eq!(e.code, "editorial_invalid_transition");
        assert!(e.en.contains("draft"));
    }

    #[test]
    fn revisions_count_up_and_compare_by_line() {
        let r1 = Revision::next(None, "u1", at(1), " Tin ", "a\nb\nc");
        let r2 = Revision::next(Some(&r1), "u2", at(2), "Tin", "a\nB\nc\nd");
        assert_eq!((r1.number, r2.number, r1.title.as_str()), (1, 2, "Tin"));
        use LineChange::*;
        assert_eq!(
            compare_lines(&r1.body, &r2.body),
            vec![Same("a".into()), Added("B".into()), Removed("b".into()), Same("c".into()), Added("d".into())]
        );
    }

    #[test]
    fn legal_documents_check_their_facts_and_validity() {
        let d = |n: &str| NaiveDate::parse_from_str(n, "%Y-%m-%d").unwrap();
        let mut doc = LegalDocument {
            number: "54/2023/QĐ-UBND".into(),
            issued_on: d("2023-09-30"),
            issuer: "UBND tỉnh Thừa Thiên Huế".into(),
            field: "Công nghệ thông tin".into(),
            effective_from: Some(d("2023-10-10")),
            expires_on: None,
        };
        assert_eq!(doc.validate(), Ok(()));
        assert_eq!(doc.validity_on(d("2023-10-01")), LegalValidity::NotYetInForce);
        assert_eq!(doc.validity_on(d("2023-10-10")), LegalValidity::InForce);
        doc.expires_on = Some(d("2025-01-01"));
        assert_eq!(doc.validity_on(d("2025-01-01")), LegalValidity::Expired);
        doc.expires_on = Some(d("2023-10-01"));
        assert_eq!(doc.validate().unwrap_err().field, "expires_on");
        doc.number = "QĐ-UBND".into();
        assert_eq!(doc.validate().unwrap_err().code, "legal_number_invalid");
        assert_eq!(ArticleKind::parse("legal_document"), Ok(ArticleKind::LegalDocument));
    }

    fn flood(area: WarningArea) -> Warning {
        Warning {
            kind: WarningKind::Flood,
            severity: Severity::Severe,
            area,
            validity: Validity::new(at(1), at(10)).unwrap(),
            headline_vi: "Ngập sâu".into(),
            headline_en: "Deep flooding".into(),
            description_vi: String::new(),
            description_en: String::new(),
            cancelled_at: None,
        }
    }

    #[test]
    fn a_warning_ending_before_it_starts_is_refused_on_ends_at() {
        for end in [at(1), at(0)] {
            let e = Validity::new(at(1), end).unwrap_err();
            assert_eq!((e.field, e.code), ("ends_at", "warning_ends_before_start"));
        }
    }

    #[test]
    fn warnings_show_in_their_area_while_valid() {
        let w = flood(WarningArea::wards(vec![code("19753"), code("19753"), code("19774")]).unwrap());
        assert_eq!(w.area, WarningArea::Wards(vec![code("19753"), code("19774")]));
        assert!(!w.is_active(at(0)));
        assert!(w.is_active(at(1)));
        assert!(!w.is_active(at(10)), "expired warnings leave the banner");
        assert!(w.shows_on(&code("19753"), at(5)));
        assert!(!w.shows_on(&code("19999"), at(5)));
        assert!(w.shows_on(&code("46"), at(5)), "the city portal shows every warning");
        assert!(flood(WarningArea::WholeCity).shows_on(&code("19999"), at(5)));
        let mut cancelled = w.clone();
        cancelled.cancelled_at = Some(at(4));
        assert!(!cancelled.is_active(at(5)));
        assert_eq!(WarningArea::wards(vec![]).unwrap_err().field, "area");
        assert_eq!(Severity::Extreme.cap_value(), "Extreme");
    }

    #[test]
    fn questions_are_due_in_seven_working_days() {
        let calendar = WorkingCalendar::new(vec![]);
        // Friday 27/11/2026 10:00 local → due Tuesday 8/12/2026 end of day.
        let asked = Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap();
        let due = question_due_at(&calendar, asked);
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 12, 8, 16, 59, 59).unwrap());
        assert!(!question_is_overdue(due, None, due));
        assert!(question_is_overdue(due, None, due + chrono::TimeDelta::seconds(1)));
        assert!(!question_is_overdue(due, Some(due), due + chrono::TimeDelta::days(3)));
        assert_eq!(asker_initials(" nguyễn  văn  an "), "N.V.A.");
        assert_eq!(asker_initials("Đặng Thị Ánh"), "Đ.T.Á.");
    }

    #[test]
    fn search_queries_fold_drop_symbols_and_are_capped() {
        for q in ["duong", "Đường", "đường", "DUONG", "Đu\u{31b}\u{300}o\u{31b}ng"] {
            assert_eq!(SearchQuery::parse(q).as_str(), "duong", "{q}");
        }
        assert_eq!(SearchQuery::parse("  Thủ-tục: (cấp phép)!! ").as_str(), "thu tuc cap phep");
        assert!(SearchQuery::parse("!@#$%^&*()<>\"' — …").is_empty());
        let long = SearchQuery::parse(&"thủ tục ".repeat(2000));
        assert!(long.as_str().chars().count() <= SEARCH_QUERY_MAX_CHARS);
        assert!(long.as_str().ends_with("tuc"));
        assert_eq!(SearchQuery::parse(&"a".repeat(10_000)).as_str().len(), SEARCH_QUERY_MAX_CHARS);
        assert_eq!(SearchQuery::parse("lang lang tu").terms(), ["lang", "tu"]);
    }

    #[test]
    fn snippets_mark_folded_matches_in_the_original_text() {
        let q = SearchQuery::parse("lang tu duc");
        assert_eq!(highlight_snippet("Lăng Tự Đức", &q, 200), "<mark>Lăng</mark> <mark>Tự</mark> <mark>Đức</mark>");
        // NFD input is shown as NFC.
        let nfd = "La\u{306}ng Tu\u{31b}\u{323} \u{110}u\u{31b}\u{301}c";
        assert_eq!(highlight_snippet(nfd, &q, 200), "<mark>Lăng</mark> <mark>Tự</mark> <mark>Đức</mark>");
        let q = SearchQuery::parse("đường");
        assert_eq!(
            highlight_snippet("ĐƯỜNG <b>Lê Lợi</b> & đường", &q, 200),
            "<mark>ĐƯỜNG</mark> &lt;b&gt;Lê Lợi&lt;/b&gt; &amp; <mark>đường</mark>"
        );
        // Only word starts match: "u" does not mark the "ư" inside "Lưu"; a prefix marks only its letters.
        assert_eq!(highlight_snippet("Lưu", &SearchQuery::parse("u"), 50), "Lưu");
        assert_eq!(
            highlight_snippet("Thủ tục", &SearchQuery::parse("thu tu"), 50),
            "<mark>Thủ</mark> <mark>tụ</mark>c"
        );
    }

    proptest::proptest! {
        #[test]
        fn every_non_empty_slug_parses(name in "\\PC{0,120}") {
            let slug = slugify(&name);
            if !slug.is_empty() && !RESERVED_SLUGS.contains(&slug.as_str()) {
                proptest::prop_assert_eq!(SiteSlug::parse(&slug).map(|s| s.as_str().to_owned()), Ok(slug));
            }
        }

        #[test]
        fn assigned_slugs_are_valid_and_unique(names in proptest::collection::vec("(Phường|Xã|API|—) ?[a-zđ ]{0,6}", 1..12)) {
            let units: Vec<(UnitCode, &str)> = names
                .iter()
                .enumerate()
                .map(|(i, n)| (UnitCode::parse(&format!("{:05}", 19000 + i)).unwrap(), n.as_str()))
                .collect();
            let slugs = assign_site_slugs(&units);
            let mut seen = std::collections::HashSet::new();
            for (_, s) in &slugs {
                proptest::prop_assert!(SiteSlug::parse(s.as_str()).is_ok(), "{}", s);
                proptest::prop_assert!(seen.insert(s.as_str().to_owned()), "duplicate {}", s);
            }
        }

        #[test]
        fn query_normalisation_is_idempotent(raw in "\\PC{0,300}") {
            let q = SearchQuery::parse(&raw);
            proptest::prop_assert!(q.as_str().chars().count() <= SEARCH_QUERY_MAX_CHARS);
            proptest::prop_assert_eq!(SearchQuery::parse(q.as_str()), q);
        }

        #[test]
        fn snippets_never_leak_markup(text in "\\PC{0,200}", raw in "\\PC{0,20}") {
            let out = highlight_snippet(&text, &SearchQuery::parse(&raw), 60);
            let stripped = out.replace("<mark>", "").replace("</mark>", "");
            proptest::prop_assert!(!stripped.contains('<') && !stripped.contains('>'), "{}", out);
        }
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{} Lăng Tự Đức {}", "mở đầu ".repeat(50), "kết ".repeat(50));
        let s = highlight_snippet(&text, &SearchQuery::parse("tu duc"), 40);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>Tự</mark> <mark>Đức</mark>"), "{s}");
        let none = highlight_snippet("ngắn", &SearchQuery::parse("xyz"), 40);
        assert_eq!(none, "ngắn");
    }
}
