//! The demo catalogue of administrative procedures: the 26 procedures of
//! `seed/procedures-sample.json` (copied from `shared/data`), each loaded as version 1 in force from
//! 1 July 2025, with its required documents, a declaration form and the default workflow steps.
//!
//! The sample is not an authoritative catalogue (see its `meta` block): it is demo data.

use anyhow::Context;
use chrono::NaiveDate;
use serde::Deserialize;
use smartcity_domain::procedures::{
    FieldKind, FormField, OnlineLevel, ProcedureLevel, RequiredDocument, default_steps,
};
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::procedures::NewProcedure;
use smartcity_store::units::NewUnit;
use smartcity_store::{AuditContext, ProcedureStore, Store, UnitStore};

use super::{CITY_CODE, UNITS_VALID_FROM};

/// Sample of real procedures handled in Huế after the 2025 reform, with its `meta` block.
const PROCEDURES_JSON: &str = include_str!("../../seed/procedures-sample.json");

/// Đăng ký khai sinh: the procedure with a real declaration form, used by the browser journeys.
pub const BIRTH_REGISTRATION: &str = "1.001193";
/// Processing time of a procedure whose sample gives none (it depends on its component procedures).
const DEFAULT_PROCESSING_DAYS: i64 = 5;
/// Fee note of a procedure whose fee the sample leaves to the City People's Council.
const COUNCIL_FEE_NOTE: &str = "Theo nghị quyết HĐND thành phố";

/// Agencies a city-level procedure may need besides [`super::DEMO_AGENCIES`]; created on first use.
const EXTRA_AGENCIES: [(&str, &str, &str); 1] = [("46.STP", "Sở Tư pháp", "Department of Justice")];

#[derive(Deserialize)]
struct CatalogueSeed {
    procedures: Vec<ProcedureSeed>,
}

#[derive(Deserialize)]
struct ProcedureSeed {
    /// National TTHC code; null where the compiler did not find one.
    code: Option<String>,
    name_vi: String,
    name_en: String,
    field: String,
    /// `city` or `commune`.
    level: String,
    agency: String,
    processing_time_days: Option<i64>,
    fee_vnd: Option<i64>,
    fee_note: Option<String>,
    documents: Vec<String>,
    online_level: String,
    #[serde(default)]
    legal_basis: Vec<String>,
}

/// Every procedure of the sample as a new version 1, in the sample's order. Procedures without a
/// national code get a local one, `HUE-001`, `HUE-002`…, in order of appearance.
pub(super) fn demo_procedures() -> anyhow::Result<Vec<NewProcedure>> {
    let seed: CatalogueSeed = serde_json::from_str(PROCEDURES_JSON).context("seed/procedures-sample.json")?;
    let valid_from =
        NaiveDate::from_ymd_opt(UNITS_VALID_FROM.0, UNITS_VALID_FROM.1, UNITS_VALID_FROM.2).context("valid_from")?;
    let mut local_codes = 0;
    let mut out = Vec::with_capacity(seed.procedures.len());
    for p in seed.procedures {
        let code = match p.code {
            Some(code) => code,
            None => {
                local_codes += 1;
                format!("HUE-{local_codes:03}")
            }
        };
        let level = ProcedureLevel::parse(&p.level).with_context(|| format!("level of procedure {code}"))?;
        let unit_code = match level {
            ProcedureLevel::Commune => None,
            ProcedureLevel::City => Some(agency_unit(&p.agency).to_owned()),
        };
        let birth = code == BIRTH_REGISTRATION;
        let documents = p
            .documents
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let mut doc = required_document(i + 1, text);
                // The identity of the registrant comes from the national population database;
                // only the declaration and the medical birth certificate must be uploaded.
                if birth && i >= 2 {
                    doc.required = false;
                    doc.name_en = optional_en(&doc.name_en);
                }
                doc
            })
            .collect();
        let processing_days = p.processing_time_days.unwrap_or(DEFAULT_PROCESSING_DAYS);
        let (fee_vnd, fee_note) = match p.fee_vnd {
            Some(fee) => (fee, p.fee_note.unwrap_or_default()),
            None => (0, COUNCIL_FEE_NOTE.to_owned()),
        };
        out.push(NewProcedure {
            code,
            valid_from,
            name_vi: p.name_vi,
            name_en: p.name_en,
            field_en: field_en(&p.field),
            field_vi: p.field,
            level,
            unit_code,
            agency_vi: p.agency,
            processing_days,
            online_level: OnlineLevel::parse(&p.online_level),
            fee_vnd,
            fee_note,
            legal_basis: p.legal_basis,
            documents,
            form_fields: if birth { birth_form() } else { vec![request_field()] },
            steps: default_steps(processing_days),
            paper_result: true,
        });
    }
    Ok(out)
}

/// Load the catalogue: every procedure without a version yet gets version 1. Returns how many
/// procedures were created now.
pub(super) async fn load(store: &Store, ctx: &AuditContext) -> anyhow::Result<usize> {
    let procedures = demo_procedures()?;
    let valid_from =
        NaiveDate::from_ymd_opt(UNITS_VALID_FROM.0, UNITS_VALID_FROM.1, UNITS_VALID_FROM.2).context("valid_from")?;
    for (code, name_vi, name_en) in EXTRA_AGENCIES {
        let needed = procedures.iter().any(|p| p.unit_code.as_deref() == Some(code));
        let code = UnitCode::parse(code)?;
        if needed && store.unit(&code).await?.is_none() {
            let unit = NewUnit {
                code,
                parent_code: Some(UnitCode::parse(CITY_CODE)?),
                kind: UnitKind::Agency,
                name_vi: name_vi.into(),
                name_en: name_en.into(),
                lat: None,
                lon: None,
                valid_from,
            };
            store.create_unit(ctx, unit).await?;
        }
    }
    let mut created = 0;
    for procedure in procedures {
        if store.procedure_versions(&procedure.code).await?.is_empty() {
            let code = procedure.code.clone();
            store
                .create_procedure_version(ctx, procedure)
                .await
                .with_context(|| format!("creating procedure {code}"))?;
            created += 1;
        }
    }
    Ok(created)
}

/// The demo agency that handles a city-level procedure, from the agency named in the catalogue.
/// The police come first: criminal-record certificates moved from the Department of Justice to
/// the police on 1 March 2025, and the sample says so in its agency text.
fn agency_unit(agency: &str) -> &'static str {
    const BY_NAME: [(&str, &str); 9] = [
        ("Công an", "46.CA"),
        ("Sở Tư pháp", "46.STP"),
        ("Sở Xây dựng", "46.SXD"),
        ("Sở Y tế", "46.SYT"),
        ("Sở Tài chính", "46.STC"),
        ("Sở Văn hóa", "46.SVHTT"),
        ("Sở Nông nghiệp", "46.SNNMT"),
        // Land registration offices belong to the Department of Agriculture and Environment.
        ("đăng ký đất đai", "46.SNNMT"),
        ("Trung tâm Phục vụ hành chính công", "46.TTHCC"),
    ];
    BY_NAME.iter().find(|(name, _)| agency.contains(name)).map_or("46.VP", |(_, unit)| unit)
}

/// A document of the sample's list as a required document: `doc1`, `doc2`…; optional when the text
/// says "(nếu …)" or "nếu có".
fn required_document(n: usize, text: &str) -> RequiredDocument {
    let required = !(text.contains("(nếu") || text.contains("nếu có"));
    let name_en = document_en(text).map_or_else(|| format!("Document {n}"), str::to_owned);
    RequiredDocument {
        key: format!("doc{n}"),
        name_vi: text.to_owned(),
        name_en: if required { name_en } else { optional_en(&name_en) },
        copy_kind: if is_original(text) { 0 } else { 1 },
        required,
    }
}

fn optional_en(name_en: &str) -> String {
    if name_en.ends_with("(if applicable)") { name_en.to_owned() } else { format!("{name_en} (if applicable)") }
}

/// Whether the document is handed in as an original: forms the applicant fills in and signs, and
/// whatever the text calls an original (bản chính). Everything else is a copy.
fn is_original(text: &str) -> bool {
    const ORIGINALS: [&str; 9] = [
        "Tờ khai",
        "Đơn ",
        "Giấy đề nghị",
        "Thông báo",
        "Bản chính",
        "Dự thảo",
        "Biên bản",
        "Cam kết",
        "Văn bản ủy quyền",
    ];
    ORIGINALS.iter().any(|prefix| text.starts_with(prefix))
}

/// A short English name for the common documents.
fn document_en(text: &str) -> Option<&'static str> {
    const NAMES: [(&str, &str); 24] = [
        ("tờ khai", "Declaration form"),
        ("giấy chứng sinh", "Medical birth certificate"),
        ("giấy chứng nhận kết hôn", "Marriage certificate"),
        ("giấy báo tử", "Death notice"),
        ("giấy xác nhận tình trạng hôn nhân", "Certificate of marital status"),
        ("bản sao giấy khai sinh", "Copy of the earlier birth certificate"),
        ("văn bản ủy quyền", "Power of attorney"),
        ("văn bản cử người giám hộ", "Appointment of the guardian"),
        ("bản án/quyết định ly hôn", "Divorce judgment or spouse's death certificate"),
        ("giấy tờ tùy thân", "Identity document"),
        ("giấy tờ pháp lý", "Identity documents"),
        ("chỗ ở hợp pháp", "Proof of lawful residence"),
        ("ý kiến đồng ý của chủ hộ", "Consent of the household head or owner"),
        ("bản vẽ thiết kế", "Construction drawings"),
        ("quyền sử dụng đất", "Land use right documents"),
        ("giấy chứng nhận đã cấp", "Land use right certificate"),
        ("mảnh trích đo", "Cadastral survey extract"),
        ("hợp đồng", "Contract"),
        ("điều lệ", "Company charter"),
        ("đơn ", "Application form"),
        ("giấy đề nghị", "Application form"),
        ("thông báo", "Notification form"),
        ("bản chính", "Original document"),
        ("bản sao cần chứng thực", "Copy to be certified"),
    ];
    let lower = text.to_lowercase();
    NAMES.iter().find(|(vi, _)| lower.starts_with(vi) || lower.contains(vi)).map(|(_, en)| *en)
}

/// English name of a field of the catalogue (the Vietnamese one when there is no rendering yet).
fn field_en(field_vi: &str) -> String {
    const FIELDS: [(&str, &str); 11] = [
        ("Hộ tịch (liên thông)", "Civil status (inter-agency)"),
        ("Hộ tịch", "Civil status"),
        ("Chứng thực", "Certification"),
        ("Cư trú", "Residence"),
        ("Hộ kinh doanh", "Household business"),
        ("Xây dựng", "Construction"),
        ("Đất đai", "Land"),
        ("Bảo trợ xã hội", "Social protection"),
        ("Lý lịch tư pháp", "Judicial records"),
        ("Thành lập và hoạt động doanh nghiệp", "Business registration"),
        ("Văn hóa", "Culture"),
    ];
    FIELDS.iter().find(|(vi, _)| *vi == field_vi).map_or_else(|| field_vi.to_owned(), |(_, en)| (*en).to_owned())
}

fn field(key: &str, label_vi: &str, label_en: &str, kind: FieldKind, required: bool) -> FormField {
    FormField {
        key: key.into(),
        label_vi: label_vi.into(),
        label_en: label_en.into(),
        kind,
        required,
        options: Vec::new(),
    }
}

/// The declaration form of Đăng ký khai sinh.
fn birth_form() -> Vec<FormField> {
    let mut gender = field("gender", "Giới tính", "Sex", FieldKind::Select, true);
    gender.options = vec!["Nam".into(), "Nữ".into()];
    vec![
        field("child_name", "Họ, chữ đệm, tên người được khai sinh", "Child's full name", FieldKind::Text, true),
        field("birth_date", "Ngày, tháng, năm sinh", "Date of birth", FieldKind::Date, true),
        gender,
        field("birth_place", "Nơi sinh", "Place of birth", FieldKind::Text, true),
        field("father_name", "Họ, chữ đệm, tên người cha", "Father's full name", FieldKind::Text, false),
        field("mother_name", "Họ, chữ đệm, tên người mẹ", "Mother's full name", FieldKind::Text, true),
    ]
}

/// The one field of every other procedure: what the applicant asks for.
pub(super) fn request_field() -> FormField {
    field("request", "Nội dung yêu cầu", "What you request", FieldKind::Textarea, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_gives_twenty_six_procedures_with_unique_codes() {
        let procedures = demo_procedures().expect("seed parses");
        assert_eq!(procedures.len(), 26);
        let mut codes: Vec<_> = procedures.iter().map(|p| p.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 26);
        let city = procedures.iter().filter(|p| p.level == ProcedureLevel::City).count();
        assert_eq!(city, 5);
        for p in &procedures {
            assert_eq!(p.level == ProcedureLevel::City, p.unit_code.is_some(), "{}", p.code);
            assert!(!p.documents.is_empty() && !p.form_fields.is_empty(), "{}", p.code);
            let total: f64 = p.steps.iter().map(|s| s.days).sum();
            assert!((total - p.processing_days as f64).abs() < 1e-9, "{}", p.code);
            for (i, doc) in p.documents.iter().enumerate() {
                assert_eq!(doc.key, format!("doc{}", i + 1));
                assert!(!doc.name_en.is_empty());
            }
        }
    }

    #[test]
    fn birth_registration_needs_exactly_the_declaration_and_the_birth_certificate() {
        let procedures = demo_procedures().expect("seed parses");
        let birth = procedures.iter().find(|p| p.code == BIRTH_REGISTRATION).expect("birth registration");
        let required: Vec<_> = birth.documents.iter().filter(|d| d.required).map(|d| d.name_en.as_str()).collect();
        assert_eq!(required, ["Declaration form", "Medical birth certificate"]);
        assert!(birth.documents.len() > 2);
        assert_eq!(birth.documents[0].copy_kind, 0);
        let keys: Vec<_> = birth.form_fields.iter().map(|f| (f.key.as_str(), f.required)).collect();
        assert_eq!(
            keys,
            [
                ("child_name", true),
                ("birth_date", true),
                ("gender", true),
                ("birth_place", true),
                ("father_name", false),
                ("mother_name", true)
            ]
        );
        assert_eq!(birth.field_en, "Civil status");
        assert_eq!(birth.level, ProcedureLevel::Commune);
    }

    #[test]
    fn city_procedures_go_to_their_agency_and_unknown_fees_to_the_council() {
        let procedures = demo_procedures().expect("seed parses");
        let unit_of = |name: &str| {
            procedures.iter().find(|p| p.name_vi.starts_with(name)).and_then(|p| p.unit_code.clone()).expect(name)
        };
        assert_eq!(unit_of("Cấp Phiếu lý lịch tư pháp"), "46.CA");
        assert_eq!(unit_of("Cấp giấy phép xây dựng mới đối với công trình cấp I,"), "46.SXD");
        assert_eq!(unit_of("Đăng ký thành lập công ty"), "46.STC");
        assert_eq!(unit_of("Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke"), "46.SVHTT");
        assert_eq!(unit_of("Đăng ký biến động"), "46.SNNMT");
        assert_eq!(agency_unit("Sở Tư pháp thành phố Huế"), "46.STP");
        assert_eq!(agency_unit("Sở Y tế"), "46.SYT");
        assert_eq!(agency_unit("Sở Nội vụ"), "46.VP");
        let council = procedures.iter().find(|p| p.code == "1.004873").expect("1.004873");
        assert_eq!((council.fee_vnd, council.fee_note.as_str()), (0, COUNCIL_FEE_NOTE));
        let joint = procedures.iter().find(|p| p.code == "3.000722").expect("3.000722");
        assert_eq!(joint.processing_days, DEFAULT_PROCESSING_DAYS);
    }

    #[test]
    fn documents_are_optional_when_the_text_says_so() {
        let doc = required_document(3, "Văn bản ủy quyền (nếu nộp thay)");
        assert!(!doc.required);
        assert_eq!(doc.name_en, "Power of attorney (if applicable)");
        assert_eq!(doc.copy_kind, 0);
        let doc = required_document(2, "Giấy tờ tùy thân");
        assert!(doc.required);
        assert_eq!((doc.name_en.as_str(), doc.copy_kind), ("Identity document", 1));
        let doc = required_document(4, "Giấy tờ gì đó khác");
        assert_eq!(doc.name_en, "Document 4");
        assert_eq!(field_en("Cư trú"), "Residence");
        assert_eq!(field_en("Lĩnh vực mới"), "Lĩnh vực mới");
    }
}
