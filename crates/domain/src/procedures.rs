//! The catalogue of administrative procedures (thủ tục hành chính, TTHC): what a procedure asks
//! for (required documents, a form), who handles it in which steps, and how long it may take.
//! A procedure is versioned with an effective date; a dossier keeps the version in force on the
//! day it was received (ND 118/2025/NĐ-CP, TT 03/2025/TT-VPCP).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::identity::{CitizenId, Email, PhoneNumber, Role};
use crate::text::clean_line;
use crate::validation::ValidationError;

/// Level of government that handles the procedure after the 2025 two-tier reform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureLevel {
    /// Thành phố: a department or agency of the city.
    City,
    /// Cấp xã: the ward or commune of the applicant.
    Commune,
}

impl ProcedureLevel {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcedureLevel::City => "city",
            ProcedureLevel::Commune => "commune",
        }
    }

    /// Parse the stored form.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "city" => Ok(ProcedureLevel::City),
            "commune" | "ward" => Ok(ProcedureLevel::Commune),
            other => Err(ValidationError::new(
                "level",
                "procedure_level_invalid",
                format!("Cấp thực hiện \"{other}\" không hợp lệ; dùng city hoặc commune."),
                format!("Level \"{other}\" is not valid; use city or commune."),
            )),
        }
    }
}

/// Online service level (ND 42/2022/NĐ-CP Art. 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Toàn trình: submitted, processed and returned online end to end.
    Full,
    /// Một phần: part of the steps need the applicant in person.
    Partial,
}

impl OnlineLevel {
    /// Stored form (the catalogue's own words).
    pub fn as_str(self) -> &'static str {
        match self {
            OnlineLevel::Full => "toan_trinh",
            OnlineLevel::Partial => "mot_phan",
        }
    }

    /// Parse the stored form.
    pub fn parse(s: &str) -> Self {
        if s.trim() == "toan_trinh" { OnlineLevel::Full } else { OnlineLevel::Partial }
    }
}

/// A document the dossier must contain (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredDocument {
    /// Stable key within the procedure version, e.g. `doc1`.
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// Which form it must take: 0 original, 1 copy, 2 electronic (DVCQG `LoaiBan`).
    pub copy_kind: i64,
    /// Whether a dossier without it is incomplete.
    pub required: bool,
}

/// Type of a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Date,
    Number,
    Select,
    CitizenId,
    Phone,
    Email,
}

/// One field of a procedure's declaration form (tờ khai).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    pub key: String,
    pub label_vi: String,
    pub label_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Choices of a `select`.
    #[serde(default)]
    pub options: Vec<String>,
}

/// One step of the processing workflow, with its budget in working days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcedureStep {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// Role that acts at this step, on the dossier's current unit.
    pub role: Role,
    /// Working days this step may use (half days are common for reception steps).
    pub days: f64,
}

/// The usual workflow when a procedure does not define its own: reception, appraisal by a
/// specialist, approval by the unit's leader, return of the result. The processing time is
/// split so the steps add up to it (same-day procedures get same-day steps).
pub fn default_steps(processing_days: i64) -> Vec<ProcedureStep> {
    let total = processing_days.max(0) as f64;
    let (specialist, leader) = if total <= 1.0 { (total * 0.5, total * 0.5) } else { (total - 1.0, 1.0) };
    vec![
        ProcedureStep {
            key: "specialist".into(),
            name_vi: "Chuyên viên thẩm định".into(),
            name_en: "Appraisal by a specialist".into(),
            role: Role::ProcessingOfficer,
            days: specialist,
        },
        ProcedureStep {
            key: "leader".into(),
            name_vi: "Lãnh đạo phê duyệt".into(),
            name_en: "Approval by the unit leader".into(),
            role: Role::UnitLeader,
            days: leader,
        },
    ]
}

/// Check submitted form values against the procedure's fields: every required field present,
/// each value of the right type. All problems are reported at once, each naming its field.
/// Values come back cleaned (NFC, trimmed, normalised ID numbers and phones).
pub fn validate_form(
    fields: &[FormField],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<(String, ValidationError)>> {
    let mut cleaned = BTreeMap::new();
    let mut errors = Vec::new();
    for field in fields {
        let raw = values.get(&field.key).map(|v| v.as_str()).unwrap_or_default();
        let value = if field.kind == FieldKind::Textarea { crate::text::nfc(raw.trim()) } else { clean_line(raw) };
        if value.is_empty() {
            if field.required {
                errors.push((
                    field.key.clone(),
                    ValidationError::new(
                        "form",
                        "form_field_required",
                        format!("Hãy điền \"{}\".", field.label_vi),
                        format!("Fill in \"{}\".", field.label_en),
                    ),
                ));
            }
            continue;
        }
        let checked = match field.kind {
            FieldKind::Text | FieldKind::Textarea => {
                if value.chars().count() > 2000 {
                    Err(ValidationError::new(
                        "form",
                        "form_field_too_long",
                        format!("\"{}\" dài quá 2000 ký tự.", field.label_vi),
                        format!("\"{}\" is longer than 2000 characters.", field.label_en),
                    ))
                } else {
                    Ok(value)
                }
            }
            FieldKind::Date => chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                .or_else(|_| chrono::NaiveDate::parse_from_str(&value, "%d/%m/%Y"))
                .map(|d| d.to_string())
                .map_err(|_| {
                    ValidationError::new(
                        "form",
                        "form_field_date_invalid",
                        format!("\"{}\" phải là một ngày, ví dụ 27/11/2026.", field.label_vi),
                        format!("\"{}\" must be a date, e.g. 2026-11-27.", field.label_en),
                    )
                }),
            FieldKind::Number => value.replace(['.', ' '], "").parse::<i64>().map(|n| n.to_string()).map_err(|_| {
                ValidationError::new(
                    "form",
                    "form_field_number_invalid",
                    format!("\"{}\" phải là một số nguyên.", field.label_vi),
                    format!("\"{}\" must be a whole number.", field.label_en),
                )
            }),
            FieldKind::Select => {
                if field.options.contains(&value) {
                    Ok(value)
                } else {
                    Err(ValidationError::new(
                        "form",
                        "form_field_option_invalid",
                        format!("\"{}\": hãy chọn một giá trị trong danh sách.", field.label_vi),
                        format!("\"{}\": choose one of the listed values.", field.label_en),
                    ))
                }
            }
            FieldKind::CitizenId => CitizenId::parse(&value).map(|c| c.as_str().to_owned()),
            FieldKind::Phone => PhoneNumber::parse(&value).map(|p| p.as_str().to_owned()),
            FieldKind::Email => Email::parse(&value).map(|e| e.as_str().to_owned()),
        };
        match checked {
            Ok(v) => {
                cleaned.insert(field.key.clone(), v);
            }
            Err(e) => errors.push((field.key.clone(), e)),
        }
    }
    if errors.is_empty() { Ok(cleaned) } else { Err(errors) }
}

/// The required documents missing from a submission that provides `provided` keys.
pub fn missing_documents<'a>(documents: &'a [RequiredDocument], provided: &[&str]) -> Vec<&'a RequiredDocument> {
    documents.iter().filter(|d| d.required && !provided.contains(&d.key.as_str())).collect()
}

/// Turn a JSON object of form values into strings (numbers and booleans as their text).
pub fn form_values_from_json(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldKind, required: bool) -> FormField {
        FormField { key: key.into(), label_vi: key.into(), label_en: key.into(), kind, required, options: vec![] }
    }

    #[test]
    fn a_valid_form_comes_back_cleaned() {
        let fields = vec![
            field("child_name", FieldKind::Text, true),
            field("birth_date", FieldKind::Date, true),
            field("mother_id", FieldKind::CitizenId, false),
            field("phone", FieldKind::Phone, false),
        ];
        let values = BTreeMap::from([
            ("child_name".to_owned(), "  Nguyễn   Minh An ".to_owned()),
            ("birth_date".to_owned(), "20/11/2026".to_owned()),
            ("phone".to_owned(), "+84 905 123 456".to_owned()),
        ]);
        let cleaned = validate_form(&fields, &values).expect("valid");
        assert_eq!(cleaned["child_name"], "Nguyễn Minh An");
        assert_eq!(cleaned["birth_date"], "2026-11-20");
        assert_eq!(cleaned["phone"], "0905123456");
        assert!(!cleaned.contains_key("mother_id"));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut select = field("gender", FieldKind::Select, true);
        select.options = vec!["Nam".into(), "Nữ".into()];
        let fields =
            vec![field("child_name", FieldKind::Text, true), field("birth_date", FieldKind::Date, true), select];
        let values =
            BTreeMap::from([("birth_date".to_owned(), "31/02/2026".to_owned()), ("gender".to_owned(), "X".to_owned())]);
        let errors = validate_form(&fields, &values).expect_err("invalid");
        let keys: Vec<_> = errors.iter().map(|(k, e)| (k.as_str(), e.code)).collect();
        assert_eq!(
            keys,
            vec![
                ("child_name", "form_field_required"),
                ("birth_date", "form_field_date_invalid"),
                ("gender", "form_field_option_invalid")
            ]
        );
    }

    #[test]
    fn default_steps_add_up_to_the_processing_time() {
        for days in [0, 1, 3, 15] {
            let total: f64 = default_steps(days).iter().map(|s| s.days).sum();
            assert!((total - days as f64).abs() < 1e-9, "{days}");
        }
        assert_eq!(default_steps(5)[1].role, Role::UnitLeader);
    }

    #[test]
    fn only_required_documents_count_as_missing() {
        let docs = vec![
            RequiredDocument {
                key: "a".into(),
                name_vi: "A".into(),
                name_en: "A".into(),
                copy_kind: 0,
                required: true,
            },
            RequiredDocument {
                key: "b".into(),
                name_vi: "B".into(),
                name_en: "B".into(),
                copy_kind: 1,
                required: false,
            },
        ];
        assert_eq!(missing_documents(&docs, &[]).len(), 1);
        assert!(missing_documents(&docs, &["a"]).is_empty());
    }
}
