//! Administrative units and agencies: their codes, kinds, the changes a unit goes through, and names.
//!
//! Codes follow the National Statistics Office system (`domain-vn.md` §5): province 2 digits, commune/ward
//! 5 digits. Agencies (departments, the one-stop centre, the IOC) have no statistical code, so we give them
//! `<province>.<ABBREVIATION>`.

use serde::{Deserialize, Serialize};

use crate::text::clean_line;
use crate::validation::ValidationError;

/// Mã đơn vị: the code of an administrative unit or agency — "46" (Huế), "19753" (Phường Phú Xuân) or "46.SYT".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

string_newtype!(UnitCode);

impl UnitCode {
    /// Parses a 2-digit province code, a 5-digit commune/ward code or an agency code `PP.ABC` (2–12 uppercase
    /// ASCII letters or digits after the dot); input is trimmed and uppercased.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_uppercase();
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        let valid = match s.split_once('.') {
            None => matches!(s.len(), 2 | 5) && digits(&s),
            Some((province, agency)) => {
                province.len() == 2
                    && digits(province)
                    && (2..=12).contains(&agency.len())
                    && agency.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }
        };
        if !valid {
            return Err(ValidationError::new(
                "unit_code",
                "unit_code_invalid",
                "Mã đơn vị không hợp lệ: nhập mã tỉnh 2 chữ số (46), mã phường/xã 5 chữ số (19753) \
                 hoặc mã cơ quan dạng 46.SYT (2–12 chữ cái hoặc chữ số sau dấu chấm).",
                "The unit code is invalid: enter a 2-digit province code (46), a 5-digit ward/commune code (19753) \
                 or an agency code such as 46.SYT (2–12 letters or digits after the dot).",
            ));
        }
        Ok(UnitCode(s))
    }

    /// The normalised code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for an agency code (`46.SYT`), false for a statistical unit code.
    pub fn is_agency(&self) -> bool {
        self.0.contains('.')
    }

    /// The 2-digit province code of a province or agency code; `None` for a commune/ward code, whose province
    /// is only known from the unit tree.
    pub fn province_code(&self) -> Option<&str> {
        match self.0.len() {
            5 => None,
            _ => self.0.get(..2),
        }
    }
}

/// Loại đơn vị: what kind of unit a node of the unit tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Thành phố trực thuộc trung ương (Huế itself).
    City,
    /// Phường (urban ward).
    Ward,
    /// Xã (rural commune).
    Commune,
    /// Cơ quan: a department, centre or other agency.
    Agency,
}

impl UnitKind {
    /// Every kind, in tree order.
    pub const ALL: [UnitKind; 4] = [UnitKind::City, UnitKind::Ward, UnitKind::Commune, UnitKind::Agency];

    /// Stable code for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::City => "city",
            UnitKind::Ward => "ward",
            UnitKind::Commune => "commune",
            UnitKind::Agency => "agency",
        }
    }

    /// Parses a code produced by [`UnitKind::as_str`].
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            ValidationError::new(
                "kind",
                "unit_kind_invalid",
                format!("Loại đơn vị “{s}” không hợp lệ; chọn city, ward, commune hoặc agency."),
                format!("Unit kind “{s}” is invalid; choose city, ward, commune or agency."),
            )
        })
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            UnitKind::City => "Thành phố",
            UnitKind::Ward => "Phường",
            UnitKind::Commune => "Xã",
            UnitKind::Agency => "Cơ quan",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            UnitKind::City => "City",
            UnitKind::Ward => "Ward",
            UnitKind::Commune => "Commune",
            UnitKind::Agency => "Agency",
        }
    }
}

impl std::fmt::Display for UnitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Biến động đơn vị: a versioned change to a unit (units are data with history, e.g. the 2025 arrangement under
/// NQ 1675/NQ-UBTVQH15 that merged 133 commune-level units into 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitChangeKind {
    /// The unit came into existence.
    Created,
    /// The unit's name changed; its code stays.
    Renamed,
    /// The unit was merged into a successor.
    Merged,
    /// The unit ceased to exist without a successor.
    Retired,
}

impl UnitChangeKind {
    /// Every change kind.
    pub const ALL: [UnitChangeKind; 4] =
        [UnitChangeKind::Created, UnitChangeKind::Renamed, UnitChangeKind::Merged, UnitChangeKind::Retired];

    /// Stable code for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitChangeKind::Created => "created",
            UnitChangeKind::Renamed => "renamed",
            UnitChangeKind::Merged => "merged",
            UnitChangeKind::Retired => "retired",
        }
    }

    /// Parses a code produced by [`UnitChangeKind::as_str`].
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        UnitChangeKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            ValidationError::new(
                "change_kind",
                "unit_change_kind_invalid",
                format!("Loại biến động “{s}” không hợp lệ; chọn created, renamed, merged hoặc retired."),
                format!("Change kind “{s}” is invalid; choose created, renamed, merged or retired."),
            )
        })
    }
}

impl std::fmt::Display for UnitChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tên đơn vị: cleans a unit name (NFC, trimmed, single spaces) and checks it is 2–200 characters.
pub fn validate_unit_name(s: &str) -> Result<String, ValidationError> {
    let name = clean_line(s);
    let len = name.chars().count();
    if len < 2 {
        return Err(ValidationError::new(
            "name",
            "unit_name_too_short",
            "Tên đơn vị phải có ít nhất 2 ký tự.",
            "The unit name must be at least 2 characters long.",
        ));
    }
    if len > 200 {
        return Err(ValidationError::new(
            "name",
            "unit_name_too_long",
            "Tên đơn vị không được dài quá 200 ký tự.",
            "The unit name must not be longer than 200 characters.",
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_code_examples() {
        let ok = [
            ("46", "46", false),
            ("19753", "19753", false),
            (" 20137 ", "20137", false),
            ("46.SYT", "46.SYT", true),
            ("46.tthcc", "46.TTHCC", true),
            ("46.IOC", "46.IOC", true),
            ("46.UB", "46.UB", true),
            ("46.ABCDEF123456", "46.ABCDEF123456", true),
        ];
        for (input, normalised, agency) in ok {
            let code = UnitCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(code.as_str(), normalised);
            assert_eq!(code.is_agency(), agency);
        }
        let bad = [
            "",
            "4",
            "466",
            "1975",
            "197530",
            "4A",
            "46.",
            "46.S",
            "46.ABCDEF1234567",
            "46.S-YT",
            "46.SỞ",
            "460.SYT",
            "4.SYT",
            ".SYT",
            "46.SYT.X",
            "46 .SYT",
            "46. SYT",
        ];
        for input in bad {
            let err = UnitCode::parse(input).expect_err(input);
            assert_eq!((err.field, err.code), ("unit_code", "unit_code_invalid"), "{input}");
        }
    }

    #[test]
    fn unit_code_province() {
        let province = |s: &str| UnitCode::parse(s).ok().and_then(|c| c.province_code().map(str::to_owned));
        assert_eq!(province("46.SYT").as_deref(), Some("46"));
        assert_eq!(province("46").as_deref(), Some("46"));
        assert_eq!(province("19753"), None);
    }

    #[test]
    fn unit_code_serde_validates() {
        let code: Result<UnitCode, _> = serde_json::from_str("\"46.syt\"");
        assert_eq!(code.map(|c| c.to_string()).ok().as_deref(), Some("46.SYT"));
        assert!(serde_json::from_str::<UnitCode>("\"hue\"").is_err());
    }

    #[test]
    fn unit_kinds_round_trip() {
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(serde_json::to_value(kind).ok(), Some(serde_json::json!(kind.as_str())));
        }
        assert_eq!(UnitKind::Ward.label_vi(), "Phường");
        assert_eq!(UnitKind::Commune.label_en(), "Commune");
        assert_eq!(UnitKind::parse("district").map_err(|e| e.code), Err("unit_kind_invalid"));
    }

    #[test]
    fn unit_change_kinds_round_trip() {
        for kind in UnitChangeKind::ALL {
            assert_eq!(UnitChangeKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(serde_json::to_value(kind).ok(), Some(serde_json::json!(kind.as_str())));
        }
        assert_eq!(UnitChangeKind::parse("split").map_err(|e| e.code), Err("unit_change_kind_invalid"));
    }

    #[test]
    fn unit_name_is_cleaned_and_bounded() {
        assert_eq!(validate_unit_name("  Phường   Phú Xuân "), Ok("Phường Phú Xuân".to_owned()));
        assert_eq!(validate_unit_name("Xã Chân Mây - Lăng Cô").map(|n| n.len() > 2), Ok(true));
        assert_eq!(validate_unit_name(" A ").map_err(|e| (e.field, e.code)), Err(("name", "unit_name_too_short")));
        assert!(validate_unit_name(&"ệ".repeat(200)).is_ok());
        assert_eq!(validate_unit_name(&"ệ".repeat(201)).map_err(|e| e.code), Err("unit_name_too_long"));
    }
}
