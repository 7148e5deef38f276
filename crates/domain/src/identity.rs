//! Identifiers of people and organisations (CCCD, tax code, email, phone, e-card), roles and the password policy.
//!
//! Rules follow `domain-vn.md` §4: ND 137/2015 Art. 13 and TT 07/2016 Art. 7 for the 12-digit personal
//! identification number; the General Department of Taxation's check-digit scheme for the tax code.

use serde::{Deserialize, Serialize};

use crate::text::nfc;
use crate::validation::ValidationError;

// ---------------------------------------------------------------------------------------------------------------
// Citizen ID (CCCD)
// ---------------------------------------------------------------------------------------------------------------

/// Province codes of the 63 pre-2025 provinces (TT 07/2016 Annex 1) with their names, used as digits 1–3 of a
/// CCCD. IDs issued before the 2025 mergers keep these codes, so they are never re-mapped.
const PROVINCE_CODES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// Returns the pre-2025 province name for a 3-digit CCCD province code, or `None` if the code is not one of the 63.
pub fn province_name_vi(code: &str) -> Option<&'static str> {
    PROVINCE_CODES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// Giới tính: sex encoded in digit 4 of a CCCD (even = male, odd = female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Sex {
    /// Stable code for storage and APIs: `male` or `female`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// Vietnamese label for forms: "Nam" or "Nữ".
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// English label for forms.
    pub fn label_en(self) -> &'static str {
        match self {
            Sex::Male => "Male",
            Sex::Female => "Female",
        }
    }
}

/// Số định danh cá nhân (CCCD / căn cước): the 12-digit personal identification number of a Vietnamese citizen.
///
/// Digits 1–3 are the birth-registration province (pre-2025 code), digit 4 the century and sex, digits 5–6 the
/// last two digits of the birth year, digits 7–12 random. There is no check digit, so a value that parses can
/// still be a number nobody holds. IDs of people born abroad (country codes) are not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CitizenId(String);

string_newtype!(CitizenId);

impl CitizenId {
    const FIELD: &'static str = "citizen_id";

    /// Parses a CCCD number, rejecting birth years after the current UTC year.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        use chrono::Datelike;
        Self::parse_as_of(s, chrono::Utc::now().year())
    }

    /// Parses a CCCD number (12 ASCII digits after trimming), rejecting birth years after `current_year`.
    pub fn parse_as_of(s: &str, current_year: i32) -> Result<Self, ValidationError> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new(
                Self::FIELD,
                "citizen_id_not_digits",
                "Số định danh cá nhân (số CCCD) chỉ được gồm chữ số, không có dấu cách hay ký tự khác.",
                "The citizen ID (CCCD) number must contain digits only, with no spaces or other characters.",
            ));
        }
        if s.len() != 12 {
            return Err(ValidationError::new(
                Self::FIELD,
                "citizen_id_invalid_length",
                format!("Số định danh cá nhân (số CCCD) phải gồm đúng 12 chữ số; bạn đã nhập {} chữ số.", s.len()),
                format!("The citizen ID (CCCD) number must have exactly 12 digits; you entered {}.", s.len()),
            ));
        }
        let province = &s[..3];
        if province_name_vi(province).is_none() {
            return Err(ValidationError::new(
                Self::FIELD,
                "citizen_id_unknown_province",
                format!(
                    "Ba chữ số đầu của số định danh cá nhân ({province}) không phải mã tỉnh, thành phố hợp lệ. \
                     Vui lòng kiểm tra lại số CCCD."
                ),
                format!(
                    "The first three digits of the citizen ID number ({province}) are not a valid province code. \
                     Please check the number."
                ),
            ));
        }
        let id = CitizenId(s.to_owned());
        let year = id.birth_year();
        if year > current_year {
            return Err(ValidationError::new(
                Self::FIELD,
                "citizen_id_future_birth_year",
                format!(
                    "Số định danh cá nhân cho năm sinh {year}, sau năm hiện tại. \
                     Vui lòng kiểm tra chữ số thứ 4 đến thứ 6."
                ),
                format!(
                    "The citizen ID number gives birth year {year}, which is in the future. \
                     Please check digits 4 to 6."
                ),
            ));
        }
        Ok(id)
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits 1–3: the pre-2025 code of the province where the birth was registered (e.g. "046" for Huế).
    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }

    /// Name of the birth-registration province, e.g. "Thừa Thiên Huế".
    pub fn province_name_vi(&self) -> &'static str {
        province_name_vi(self.province_code()).unwrap_or_default()
    }

    /// Birth year from digit 4 (century) and digits 5–6.
    pub fn birth_year(&self) -> i32 {
        let d = self.0.as_bytes();
        let century_sex = i32::from(d[3] - b'0');
        let yy = i32::from(d[4] - b'0') * 10 + i32::from(d[5] - b'0');
        1900 + (century_sex / 2) * 100 + yy
    }

    /// Sex from digit 4: even digits are male, odd digits female.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[3] - b'0').is_multiple_of(2) { Sex::Male } else { Sex::Female }
    }

    /// The number with digits 4–9 hidden ("046******234"), for logs and public display (ND 13/2023 on personal data).
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..3], &self.0[9..])
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Tax code (MST)
// ---------------------------------------------------------------------------------------------------------------

/// Mã số thuế (MST): an organisation's 10-digit tax code, or a branch's 13-digit code written `XXXXXXXXXX-NNN`.
///
/// Digit 10 is a check digit `10 − (Σ Nᵢ·Wᵢ mod 11)` over digits 1–9 with `W = [31,29,23,19,17,13,7,5,3]`.
/// When Σ mod 11 is 0 the formula gives 10, which is not a digit; implementations disagree (\[U\] in
/// `domain-vn.md` §4) and we treat such a code as invalid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxCode(String);

string_newtype!(TaxCode);

impl TaxCode {
    const FIELD: &'static str = "tax_code";
    const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

    /// Parses a 10-digit code or a branch code (`XXXXXXXXXX-NNN` or 13 digits), normalising branches to the hyphen form.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if !s.is_ascii() {
            return Err(Self::format_error());
        }
        // ASCII only from here, so byte slicing cannot split a character.
        let (head, branch) = match s.len() {
            10 => (s, None),
            13 => (&s[..10], Some(&s[10..])),
            14 if s.as_bytes()[10] == b'-' => (&s[..10], Some(&s[11..])),
            _ => return Err(Self::format_error()),
        };
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(head) || !branch.is_none_or(all_digits) {
            return Err(Self::format_error());
        }
        if !Self::check_digit_ok(head) {
            return Err(ValidationError::new(
                Self::FIELD,
                "tax_code_bad_check_digit",
                "Mã số thuế không hợp lệ: chữ số kiểm tra (chữ số thứ 10) không khớp. Vui lòng kiểm tra lại mã số thuế.",
                "The tax code is invalid: its check digit (the 10th digit) does not match. Please check the tax code.",
            ));
        }
        match branch {
            None => Ok(TaxCode(head.to_owned())),
            Some("000") => Err(ValidationError::new(
                Self::FIELD,
                "tax_code_invalid_branch",
                "Mã đơn vị phụ thuộc (3 chữ số cuối của mã số thuế) phải từ 001 đến 999.",
                "The branch part of the tax code (its last 3 digits) must be between 001 and 999.",
            )),
            Some(b) => Ok(TaxCode(format!("{head}-{b}"))),
        }
    }

    fn format_error() -> ValidationError {
        ValidationError::new(
            Self::FIELD,
            "tax_code_invalid_format",
            "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số đối với đơn vị phụ thuộc (dạng 0123456789-001).",
            "The tax code must have 10 digits, or 13 digits for a branch (written 0123456789-001).",
        )
    }

    /// True when digit 10 of a 10-digit string matches the weighted mod-11 check digit.
    fn check_digit_ok(head: &str) -> bool {
        let d = head.as_bytes();
        let sum: u32 = Self::WEIGHTS.iter().zip(d).map(|(w, b)| w * u32::from(b - b'0')).sum();
        let expected = 10 - sum % 11;
        expected < 10 && u32::from(d[9] - b'0') == expected
    }

    /// The normalised code: 10 digits, or `XXXXXXXXXX-NNN` for a branch.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a branch (đơn vị phụ thuộc) code with the 3-digit suffix.
    pub fn is_branch(&self) -> bool {
        self.0.len() > 10
    }

    /// The branch suffix `NNN`, if this is a branch code.
    pub fn branch_suffix(&self) -> Option<&str> {
        self.0.get(11..)
    }

    /// The 10-digit code of the head office (the code itself when it is not a branch).
    pub fn head_office(&self) -> TaxCode {
        TaxCode(self.0[..10].to_owned())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------------------------

/// Địa chỉ email: a trimmed, lowercased address with one `@`, a non-empty local part and a dotted domain.
///
/// Deliberately permissive beyond that: the only real proof of an address is a confirmation mail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

string_newtype!(Email);

impl Email {
    const FIELD: &'static str = "email";
    const MAX_LEN: usize = 254;

    /// Parses an email address (trimmed and lowercased; at most 254 characters).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = nfc(s.trim()).to_lowercase();
        if s.is_empty() {
            return Err(ValidationError::new(
                Self::FIELD,
                "email_empty",
                "Vui lòng nhập địa chỉ email.",
                "Please enter an email address.",
            ));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(ValidationError::new(
                Self::FIELD,
                "email_too_long",
                "Địa chỉ email không được dài quá 254 ký tự.",
                "The email address must not be longer than 254 characters.",
            ));
        }
        let valid = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && domain.split('.').all(|label| !label.is_empty())
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if !valid {
            return Err(ValidationError::new(
                Self::FIELD,
                "email_invalid",
                "Địa chỉ email không hợp lệ; hãy nhập theo dạng ten@vidu.vn, không có dấu cách.",
                "The email address is invalid; enter it as name@example.com, without spaces.",
            ));
        }
        Ok(Email(s))
    }

    /// The normalised (lowercase) address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Phone number
// ---------------------------------------------------------------------------------------------------------------

/// Số điện thoại di động: a Vietnamese mobile number, stored in the national form `0xxxxxxxxx`.
///
/// Mobile prefixes since the 2018 renumbering start with 03, 05, 07, 08 or 09.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

string_newtype!(PhoneNumber);

impl PhoneNumber {
    const FIELD: &'static str = "phone";

    /// Parses `0xxxxxxxxx`, `+84xxxxxxxxx` or `84xxxxxxxxx`, ignoring spaces, dots and hyphens.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '.' | '-') && !c.is_whitespace()).collect();
        let subscriber = compact
            .strip_prefix("+84")
            .or_else(|| compact.strip_prefix("84").filter(|rest| rest.len() == 9))
            .or_else(|| compact.strip_prefix('0'));
        let subscriber = match subscriber {
            Some(rest) if rest.len() == 9 && rest.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => {
                return Err(ValidationError::new(
                    Self::FIELD,
                    "phone_invalid_format",
                    "Số điện thoại di động phải gồm 10 chữ số bắt đầu bằng 0 (ví dụ 0912345678) \
                     hoặc viết theo dạng +84912345678.",
                    "The mobile number must have 10 digits starting with 0 (e.g. 0912345678), \
                     or be written as +84912345678.",
                ));
            }
        };
        if !matches!(subscriber.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9') {
            return Err(ValidationError::new(
                Self::FIELD,
                "phone_not_mobile",
                "Đây không phải số điện thoại di động Việt Nam; đầu số phải là 03, 05, 07, 08 hoặc 09.",
                "This is not a Vietnamese mobile number; it must start with 03, 05, 07, 08 or 09.",
            ));
        }
        Ok(PhoneNumber(format!("0{subscriber}")))
    }

    /// The number in national form, `0xxxxxxxxx`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number in international E.164 form, `+84xxxxxxxxx`, for SMS gateways.
    pub fn e164(&self) -> String {
        format!("+84{}", &self.0[1..])
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Password policy
// ---------------------------------------------------------------------------------------------------------------

/// Shortest password accepted, in characters.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// Longest password accepted, in characters (bounds the cost of hashing).
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Chính sách mật khẩu: checks a new password is 10–128 characters long and not made of digits only.
///
/// Length beats composition rules (NIST SP 800-63B); digits-only is refused because dates of birth and phone
/// numbers are the first guesses.
pub fn check_password_policy(password: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "password";
    let len = password.chars().count();
    if len < PASSWORD_MIN_CHARS {
        return Err(ValidationError::new(
            FIELD,
            "password_too_short",
            format!("Mật khẩu phải có ít nhất {PASSWORD_MIN_CHARS} ký tự."),
            format!("The password must be at least {PASSWORD_MIN_CHARS} characters long."),
        ));
    }
    if len > PASSWORD_MAX_CHARS {
        return Err(ValidationError::new(
            FIELD,
            "password_too_long",
            format!("Mật khẩu không được dài quá {PASSWORD_MAX_CHARS} ký tự."),
            format!("The password must not be longer than {PASSWORD_MAX_CHARS} characters."),
        ));
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err(ValidationError::new(
            FIELD,
            "password_all_digits",
            "Mật khẩu không được chỉ gồm chữ số; hãy thêm chữ cái hoặc ký tự khác.",
            "The password must not be digits only; add letters or other characters.",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------------------------

/// Vai trò: what a user may do; staff roles are granted on a unit and inherited by its subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Công dân / doanh nghiệp: submits dossiers and reports.
    Citizen,
    /// Cán bộ tiếp nhận at the one-stop desk.
    ReceptionOfficer,
    /// Cán bộ xử lý: appraises dossiers.
    ProcessingOfficer,
    /// Lãnh đạo đơn vị: approves and signs off.
    UnitLeader,
    /// Biên tập viên of a unit's portal.
    Editor,
    /// Điều hành viên of the intelligent operations centre (IOC).
    IocOperator,
    /// Quản trị viên: units, users, catalogues.
    Administrator,
}

impl Role {
    /// Every role, in the order shown in admin screens.
    pub const ALL: [Role; 7] = [
        Role::Citizen,
        Role::ReceptionOfficer,
        Role::ProcessingOfficer,
        Role::UnitLeader,
        Role::Editor,
        Role::IocOperator,
        Role::Administrator,
    ];

    /// Stable snake_case code used in the database and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::ReceptionOfficer => "reception_officer",
            Role::ProcessingOfficer => "processing_officer",
            Role::UnitLeader => "unit_leader",
            Role::Editor => "editor",
            Role::IocOperator => "ioc_operator",
            Role::Administrator => "administrator",
        }
    }

    /// Parses a role code as produced by [`Role::as_str`] (surrounding whitespace ignored).
    pub fn parse(s: &str) -> Result<Role, ValidationError> {
        let s = s.trim();
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let known = Role::ALL.map(Role::as_str).join(", ");
            ValidationError::new(
                "role",
                "role_unknown",
                format!("Vai trò “{s}” không tồn tại; các vai trò hợp lệ: {known}."),
                format!("Unknown role “{s}”; valid roles are: {known}."),
            )
        })
    }

    /// Vietnamese label for screens.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Citizen => "Công dân",
            Role::ReceptionOfficer => "Cán bộ tiếp nhận",
            Role::ProcessingOfficer => "Cán bộ xử lý",
            Role::UnitLeader => "Lãnh đạo đơn vị",
            Role::Editor => "Biên tập viên",
            Role::IocOperator => "Điều hành viên IOC",
            Role::Administrator => "Quản trị viên",
        }
    }

    /// English label for screens.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Citizen => "Citizen",
            Role::ReceptionOfficer => "Reception officer",
            Role::ProcessingOfficer => "Processing officer",
            Role::UnitLeader => "Unit leader",
            Role::Editor => "Editor",
            Role::IocOperator => "IOC operator",
            Role::Administrator => "Administrator",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// E-card
// ---------------------------------------------------------------------------------------------------------------

/// Số thẻ điện tử: the 16-digit number of a citizen e-card issued by the platform.
///
/// Layout: `46` (Huế's province code) + 13 body digits + 1 Luhn check digit, so a mistyped digit or a swap of
/// two neighbouring digits is caught at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ECardNumber(String);

string_newtype!(ECardNumber);

impl ECardNumber {
    const FIELD: &'static str = "ecard_number";
    /// Issuer prefix: Huế's 2-digit province code.
    pub const PREFIX: &'static str = "46";

    /// Builds a number from its 13 body digits, prefixing `46` and appending the Luhn check digit.
    pub fn from_body(body13: &str) -> Result<Self, ValidationError> {
        if body13.len() != 13 || !body13.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new(
                Self::FIELD,
                "ecard_invalid_body",
                "Phần thân của số thẻ điện tử phải gồm đúng 13 chữ số.",
                "The body of the e-card number must be exactly 13 digits.",
            ));
        }
        let payload = format!("{}{body13}", Self::PREFIX);
        let check = luhn_check_digit(&payload);
        Ok(ECardNumber(format!("{payload}{check}")))
    }

    /// Parses a 16-digit e-card number (whitespace ignored), checking the `46` prefix and the Luhn digit.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new(
                Self::FIELD,
                "ecard_invalid_format",
                "Số thẻ điện tử phải gồm 16 chữ số.",
                "The e-card number must have 16 digits.",
            ));
        }
        if !digits.starts_with(Self::PREFIX) {
            return Err(ValidationError::new(
                Self::FIELD,
                "ecard_bad_prefix",
                "Số thẻ điện tử phải bắt đầu bằng 46.",
                "The e-card number must start with 46.",
            ));
        }
        let (payload, check) = digits.split_at(15);
        if check.as_bytes()[0] - b'0' != luhn_check_digit(payload) {
            return Err(ValidationError::new(
                Self::FIELD,
                "ecard_bad_check_digit",
                "Số thẻ điện tử không hợp lệ: chữ số kiểm tra cuối cùng không khớp. Vui lòng kiểm tra lại số thẻ.",
                "The e-card number is invalid: its last (check) digit does not match. Please check the number.",
            ));
        }
        Ok(ECardNumber(digits))
    }

    /// The 16 digits without spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number in groups of four for printing on the card: "4612 3456 7890 1234".
    pub fn formatted(&self) -> String {
        let b = self.0.as_bytes();
        b.chunks(4).map(|c| String::from_utf8_lossy(c)).collect::<Vec<_>>().join(" ")
    }
}

/// Luhn check digit for a string of ASCII digits (the digit to append so the whole passes the Luhn test).
fn luhn_check_digit(payload: &str) -> u8 {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    // sum % 10 < 10, so the result fits in a u8.
    ((10 - sum % 10) % 10) as u8
}

// ---------------------------------------------------------------------------------------------------------------
// Display names
// ---------------------------------------------------------------------------------------------------------------

/// Tên viết tắt: a full name reduced to initials ("Nguyễn Văn An" → "N. V. A."), to show a citizen on public pages
/// without revealing who they are.
pub fn display_name_initials(full_name: &str) -> String {
    nfc(full_name)
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphabetic()))
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn province_list_has_63_distinct_codes_in_order() {
        let codes: Vec<&str> = PROVINCE_CODES.iter().map(|(c, _)| *c).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert!(codes.iter().all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(province_name_vi("046"), Some("Thừa Thiên Huế"));
        assert_eq!(province_name_vi("001"), Some("Hà Nội"));
        assert_eq!(province_name_vi("079"), Some("Hồ Chí Minh"));
        assert_eq!(province_name_vi("003"), None);
    }

    #[test]
    fn citizen_id_official_examples() {
        struct Ok3(&'static str, &'static str, i32, Sex);
        let valid = [
            Ok3("046090001234", "046", 1990, Sex::Male),
            Ok3("046190001234", "046", 1990, Sex::Female),
            Ok3(" 001303004567 ", "001", 2003, Sex::Female),
            Ok3("079200000001", "079", 2000, Sex::Male),
            Ok3("048026000001", "048", 1926, Sex::Male),
            Ok3("046226000001", "046", 2026, Sex::Male),
        ];
        for Ok3(input, province, year, sex) in valid {
            let id = CitizenId::parse_as_of(input, 2026).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(id.as_str(), input.trim());
            assert_eq!(id.province_code(), province);
            assert_eq!(id.birth_year(), year, "{input}");
            assert_eq!(id.sex(), sex, "{input}");
        }

        let invalid = [
            ("046290001234", "citizen_id_future_birth_year"),
            ("046227000001", "citizen_id_future_birth_year"),
            ("046490001234", "citizen_id_future_birth_year"),
            ("003090001234", "citizen_id_unknown_province"),
            ("097090001234", "citizen_id_unknown_province"),
            ("000090001234", "citizen_id_unknown_province"),
            ("04609000123", "citizen_id_invalid_length"),
            ("0460900012345", "citizen_id_invalid_length"),
            ("", "citizen_id_invalid_length"),
            ("046 090 001 234", "citizen_id_not_digits"),
            ("04609000123A", "citizen_id_not_digits"),
            ("０46090001234", "citizen_id_not_digits"),
        ];
        for (input, code) in invalid {
            let err = CitizenId::parse_as_of(input, 2026).expect_err(input);
            assert_eq!(err.code, code, "{input}");
            assert_eq!(err.field, "citizen_id");
        }
    }

    #[test]
    fn citizen_id_every_century_digit() {
        let expected = [
            (1900, Sex::Male),
            (1900, Sex::Female),
            (2000, Sex::Male),
            (2000, Sex::Female),
            (2100, Sex::Male),
            (2100, Sex::Female),
            (2200, Sex::Male),
            (2200, Sex::Female),
            (2300, Sex::Male),
            (2300, Sex::Female),
        ];
        for (digit, (year, sex)) in expected.into_iter().enumerate() {
            let id = CitizenId::parse_as_of(&format!("046{digit}00000001"), 3000).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((id.birth_year(), id.sex()), (year, sex), "digit {digit}");
        }
    }

    #[test]
    fn citizen_id_messages_name_the_field_in_both_languages() {
        let err = CitizenId::parse_as_of("003090001234", 2026).expect_err("unknown province");
        assert!(err.vi.contains("định danh") && err.vi.contains("003"));
        assert!(err.en.contains("citizen ID") && err.en.contains("003"));
    }

    #[test]
    fn citizen_id_parse_uses_the_current_year() {
        assert!(CitizenId::parse("046090001234").is_ok());
        assert_eq!(CitizenId::parse("046590001234").expect_err("2190").code, "citizen_id_future_birth_year");
    }

    #[test]
    fn citizen_id_masks_the_middle_and_names_the_province() {
        let id = CitizenId::parse_as_of("046090001234", 2026).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(id.masked(), "046******234");
        assert_eq!(id.province_name_vi(), "Thừa Thiên Huế");
        assert_eq!(id.to_string(), "046090001234");
    }

    #[test]
    fn citizen_id_serde_is_a_validated_string() {
        let id: CitizenId = serde_json::from_str("\"046090001234\"").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(serde_json::to_string(&id).unwrap_or_default(), "\"046090001234\"");
        let err = serde_json::from_str::<CitizenId>("\"003090001234\"").expect_err("bad province");
        assert!(err.to_string().contains("province"), "{err}");
    }

    #[test]
    fn tax_code_official_vectors() {
        let valid = [
            ("0100109106", "0100109106", false),
            ("0314409058", "0314409058", false),
            ("0100109106-001", "0100109106-001", true),
            ("0100109106001", "0100109106-001", true),
            (" 0314409058-999 ", "0314409058-999", true),
        ];
        for (input, normalised, branch) in valid {
            let tc = TaxCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(tc.as_str(), normalised);
            assert_eq!(tc.is_branch(), branch);
            assert_eq!(tc.head_office().as_str(), &normalised[..10]);
            assert!(!tc.head_office().is_branch());
        }

        let invalid = [
            ("0100109107", "tax_code_bad_check_digit"),
            ("0314409050", "tax_code_bad_check_digit"),
            ("0100109107-001", "tax_code_bad_check_digit"),
            ("0100109106-000", "tax_code_invalid_branch"),
            ("010010910", "tax_code_invalid_format"),
            ("01001091060", "tax_code_invalid_format"),
            ("0100109106_001", "tax_code_invalid_format"),
            ("010010910A", "tax_code_invalid_format"),
            ("0100109106-0a1", "tax_code_invalid_format"),
            ("", "tax_code_invalid_format"),
            ("Mã số thuế", "tax_code_invalid_format"),
        ];
        for (input, code) in invalid {
            let err = TaxCode::parse(input).expect_err(input);
            assert_eq!(err.code, code, "{input}");
            assert_eq!(err.field, "tax_code");
        }
    }

    #[test]
    fn tax_code_with_remainder_zero_is_invalid() {
        // 000000000 gives Σ = 0, so the formula asks for check digit 10, which no code can carry.
        for last in 0..=9 {
            assert!(TaxCode::parse(&format!("000000000{last}")).is_err());
        }
        // 100000000·: Σ = 31, 31 mod 11 = 9, so the check digit is 1.
        assert!(TaxCode::parse("1000000001").is_ok());
    }

    #[test]
    fn tax_code_branch_suffix() {
        let tc = TaxCode::parse("0100109106-042").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tc.branch_suffix(), Some("042"));
        assert_eq!(TaxCode::parse("0100109106").map(|t| t.branch_suffix().is_none()), Ok(true));
    }

    #[test]
    fn email_examples() {
        let ok = [
            ("  An.Nguyen@Hue.gov.vn ", "an.nguyen@hue.gov.vn"),
            ("a@b.co", "a@b.co"),
            ("user+tag@mail.example.com", "user+tag@mail.example.com"),
        ];
        for (input, normalised) in ok {
            assert_eq!(Email::parse(input).map(|e| e.as_str().to_owned()), Ok(normalised.to_owned()), "{input}");
        }
        let bad = [
            ("", "email_empty"),
            ("   ", "email_empty"),
            ("an.nguyen", "email_invalid"),
            ("@hue.gov.vn", "email_invalid"),
            ("an@localhost", "email_invalid"),
            ("an@@hue.vn", "email_invalid"),
            ("an@hue@vn.vn", "email_invalid"),
            ("an nguyen@hue.vn", "email_invalid"),
            ("an@hue..vn", "email_invalid"),
            ("an@.hue.vn", "email_invalid"),
            ("an@hue.vn.", "email_invalid"),
        ];
        for (input, code) in bad {
            assert_eq!(Email::parse(input).map_err(|e| e.code), Err(code), "{input}");
        }
        let long = format!("{}@hue.gov.vn", "a".repeat(243));
        assert_eq!(long.len(), 254);
        assert!(Email::parse(&long).is_ok());
        assert_eq!(Email::parse(&format!("a{long}")).map_err(|e| e.code), Err("email_too_long"));
    }

    #[test]
    fn phone_examples() {
        let ok = [
            ("0912345678", "0912345678"),
            ("091 234 5678", "0912345678"),
            ("091.234.5678", "0912345678"),
            ("+84 912-345-678", "0912345678"),
            ("84912345678", "0912345678"),
            ("+84312345678", "0312345678"),
            ("0562345678", "0562345678"),
            ("0702345678", "0702345678"),
            ("0812345678", "0812345678"),
        ];
        for (input, normalised) in ok {
            assert_eq!(PhoneNumber::parse(input).map(|p| p.as_str().to_owned()), Ok(normalised.to_owned()), "{input}");
        }
        let bad = [
            ("0234382345", "phone_not_mobile"),
            ("+84234382345", "phone_not_mobile"),
            ("0123456789", "phone_not_mobile"),
            ("0612345678", "phone_not_mobile"),
            ("091234567", "phone_invalid_format"),
            ("09123456789", "phone_invalid_format"),
            ("912345678", "phone_invalid_format"),
            ("+8491234567", "phone_invalid_format"),
            ("+1 912 345 678", "phone_invalid_format"),
            ("09123456a8", "phone_invalid_format"),
            ("", "phone_invalid_format"),
        ];
        for (input, code) in bad {
            assert_eq!(PhoneNumber::parse(input).map_err(|e| e.code), Err(code), "{input}");
        }
        assert_eq!(PhoneNumber::parse("0912345678").map(|p| p.e164()), Ok("+84912345678".to_owned()));
    }

    #[test]
    fn password_policy_examples() {
        let cases = [
            ("correct horse", Ok(())),
            ("abcdefghij", Ok(())),
            ("mậtkhẩuhuế", Ok(())),
            ("123456789a", Ok(())),
            ("abcdefghi", Err("password_too_short")),
            ("", Err("password_too_short")),
            ("0123456789", Err("password_all_digits")),
            ("19900101123456", Err("password_all_digits")),
        ];
        for (pw, expected) in cases {
            assert_eq!(check_password_policy(pw).map_err(|e| e.code), expected, "{pw:?}");
        }
        assert!(check_password_policy(&"a".repeat(128)).is_ok());
        assert_eq!(check_password_policy(&"a".repeat(129)).map_err(|e| e.code), Err("password_too_long"));
        assert_eq!(check_password_policy("ab").map_err(|e| e.field), Err("password"));
    }

    #[test]
    fn roles_round_trip_through_codes_and_serde() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap_or_default(), format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&format!("\"{role}\"")).ok(), Some(role));
            assert!(!role.label_vi().is_empty() && !role.label_en().is_empty());
        }
        assert_eq!(Role::IocOperator.label_vi(), "Điều hành viên IOC");
        assert_eq!(Role::parse("ReceptionOfficer").map_err(|e| (e.field, e.code)), Err(("role", "role_unknown")));
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn luhn_matches_the_textbook_example() {
        // ISO/IEC 7812 worked example: 7992739871 → check digit 3.
        assert_eq!(luhn_check_digit("7992739871"), 3);
        assert_eq!(luhn_check_digit("0"), 0);
    }

    #[test]
    fn ecard_from_body_and_parse() {
        let card = ECardNumber::from_body("1234567890123").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(card.as_str().len(), 16);
        assert!(card.as_str().starts_with("461234567890123"));
        assert_eq!(card.formatted(), format!("4612 3456 7890 123{}", &card.as_str()[15..]));
        assert_eq!(ECardNumber::parse(&card.formatted()), Ok(card.clone()));
        assert_eq!(ECardNumber::parse(card.as_str()), Ok(card.clone()));

        let mut wrong = card.as_str().to_owned();
        let last = wrong.pop().map(|c| (c as u8 - b'0' + 1) % 10).unwrap_or_default();
        wrong.push(char::from(b'0' + last));
        assert_eq!(ECardNumber::parse(&wrong).map_err(|e| e.code), Err("ecard_bad_check_digit"));

        assert_eq!(ECardNumber::parse("4512345678901234").map_err(|e| e.code), Err("ecard_bad_prefix"));
        assert_eq!(ECardNumber::parse("461234").map_err(|e| e.code), Err("ecard_invalid_format"));
        assert_eq!(ECardNumber::from_body("123").map_err(|e| e.code), Err("ecard_invalid_body"));
        assert_eq!(ECardNumber::from_body("123456789012a").map_err(|e| e.code), Err("ecard_invalid_body"));
    }

    #[test]
    fn initials_hide_the_name() {
        let cases = [
            ("Nguyễn Văn An", "N. V. A."),
            ("  trần   thị   bích  ", "T. T. B."),
            ("Đỗ Ánh", "Đ. Á."),
            ("Lê", "L."),
            ("", ""),
            ("Tôn Nữ - Hoa", "T. N. H."),
        ];
        for (name, initials) in cases {
            assert_eq!(display_name_initials(name), initials, "{name}");
        }
    }

    proptest! {
        #[test]
        fn ecard_from_any_body_parses_back(body in "[0-9]{13}") {
            let card = ECardNumber::from_body(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(ECardNumber::parse(card.as_str()), Ok(card.clone()));
        }

        #[test]
        fn ecard_single_digit_error_is_caught(body in "[0-9]{13}", pos in 0usize..16, delta in 1u8..10) {
            let card = ECardNumber::from_body(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut bytes = card.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(ECardNumber::parse(&typo).is_err());
        }

        #[test]
        fn valid_tax_codes_round_trip(first9 in "[0-9]{9}") {
            // Build the check digit the way the tax office does; codes with remainder 0 have none.
            let sum: u32 = TaxCode::WEIGHTS.iter().zip(first9.bytes()).map(|(w, b)| w * u32::from(b - b'0')).sum();
            let check = 10 - sum % 11;
            prop_assume!(check < 10);
            let code = format!("{first9}{check}");
            prop_assert_eq!(TaxCode::parse(&code).map(|t| t.as_str().to_owned()), Ok(code));
        }

        #[test]
        fn citizen_id_parse_never_panics(s in "\\PC{0,20}") {
            let _ = CitizenId::parse_as_of(&s, 2026);
        }
    }
}
