//! Receiving a dossier: online by a logged-in citizen, or at a counter by a reception officer for a
//! citizen identified by ID number or e-card. Files are checked by content (not by name), the form
//! against the procedure's fields, the documents against its required list — all before anything
//! is written.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use chrono::Utc;
use serde_json::Value;
use smartcity_domain::dossiers::{ApplicantKind, Channel};
use smartcity_domain::procedures::{ProcedureLevel, missing_documents, validate_form};
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::dossiers::{DocumentSource, Dossier, NewDocument, NewDossier};
use smartcity_store::identity::Account;
use smartcity_store::procedures::Procedure;
use smartcity_store::{AuditContext, DossierStore, UnitStore};
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AppResult};

/// Largest file accepted per document (a scanned multi-page A4 PDF fits comfortably).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Largest whole submission.
pub const MAX_SUBMISSION_BYTES: usize = 40 * 1024 * 1024;

/// The file types a dossier accepts, recognised from their first bytes.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Check one uploaded file; the error names the document it was meant for.
pub fn check_file(label_vi: &str, label_en: &str, file_name: &str, bytes: &[u8]) -> AppResult<&'static str> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::new(
            "file_too_large",
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Tệp \"{file_name}\" ({label_vi}) lớn hơn 10 MB. Hãy quét với độ phân giải thấp hơn hoặc chia nhỏ tệp."
            ),
            format!("File \"{file_name}\" ({label_en}) is larger than 10 MB. Scan at a lower resolution or split it."),
        )
        .with_field("documents"));
    }
    if bytes.is_empty() {
        return Err(AppError::invalid_field(
            "documents",
            "file_empty",
            format!("Tệp \"{file_name}\" ({label_vi}) rỗng."),
            format!("File \"{file_name}\" ({label_en}) is empty."),
        ));
    }
    sniff_content_type(bytes).ok_or_else(|| {
        AppError::invalid_field(
            "documents",
            "file_type_not_allowed",
            format!("Tệp \"{file_name}\" ({label_vi}) không phải PDF, JPEG, PNG hay WebP (kiểm tra theo nội dung tệp, không theo tên)."),
            format!("File \"{file_name}\" ({label_en}) is not a PDF, JPEG, PNG or WebP (checked by its content, not its name)."),
        )
    })
}

/// What a submission form or API body carries, before validation.
#[derive(Debug, Default)]
pub struct SubmissionInput {
    pub unit_code: Option<String>,
    pub form: BTreeMap<String, String>,
    /// Per document key: uploaded file (name, bytes).
    pub uploads: BTreeMap<String, (String, Vec<u8>)>,
    /// Per document key: a personal-store document to reuse.
    pub reuses: BTreeMap<String, Uuid>,
    pub idempotency_key: Option<String>,
    /// Counter only: ID number or scanned e-card of the applicant.
    pub applicant: Option<String>,
    /// Counter only: `counter` (in person, the default) or `post` (arrived by the public postal service).
    pub channel: Option<String>,
}

/// Read a multipart submission: `form.<field>` text fields, `doc.<key>` files, `reuse.<key>`
/// personal-document ids, `unit_code`, `idempotency_key`, `applicant`.
pub async fn read_multipart(mut multipart: Multipart) -> AppResult<SubmissionInput> {
    let mut input = SubmissionInput::default();
    let mut total = 0usize;
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(
            "upload_invalid",
            e.status(),
            format!("Không đọc được dữ liệu gửi lên: {}", e.body_text()),
            format!("The upload could not be read: {}", e.body_text()),
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(key) = name.strip_prefix("doc.") {
            let file_name = field.file_name().unwrap_or("tep").to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            if bytes.is_empty() && file_name.is_empty() {
                continue;
            }
            total += bytes.len();
            if total > MAX_SUBMISSION_BYTES {
                return Err(AppError::new(
                    "submission_too_large",
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "Tổng dung lượng các tệp vượt quá 40 MB.",
                    "The files add up to more than 40 MB.",
                ));
            }
            if !bytes.is_empty() {
                input.uploads.insert(key.to_owned(), (crate::shell::clean_file_name(&file_name), bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            if let Some(key) = name.strip_prefix("form.") {
                input.form.insert(key.to_owned(), text);
            } else if let Some(key) = name.strip_prefix("reuse.") {
                if let Ok(id) = Uuid::parse_str(text.trim()) {
                    input.reuses.insert(key.to_owned(), id);
                }
            } else {
                match name.as_str() {
                    "unit_code" => input.unit_code = Some(text),
                    "idempotency_key" => input.idempotency_key = Some(text),
                    "applicant" => input.applicant = Some(text),
                    "channel" => input.channel = Some(text),
                    _ => {}
                }
            }
        }
    }
    Ok(input)
}

/// Read the JSON body of `POST /api/v1/dossiers`.
pub fn read_json(body: &Value) -> AppResult<(String, SubmissionInput)> {
    use base64::Engine;
    let procedure = body.get("procedure_code").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
        AppError::invalid_field(
            "procedure_code",
            "procedure_code_required",
            "Thiếu mã thủ tục (procedure_code).",
            "procedure_code is missing.",
        )
    })?;
    let mut input = SubmissionInput {
        unit_code: body.get("unit_code").and_then(Value::as_str).map(str::to_owned),
        form: smartcity_domain::procedures::form_values_from_json(body.get("form").unwrap_or(&Value::Null)),
        applicant: body.get("applicant").and_then(Value::as_str).map(str::to_owned),
        channel: body.get("channel").and_then(Value::as_str).map(str::to_owned),
        ..Default::default()
    };
    for doc in body.get("documents").and_then(Value::as_array).into_iter().flatten() {
        let key = doc.get("document_key").and_then(Value::as_str).unwrap_or_default().to_owned();
        if let Some(reuse) = doc.get("reuse").and_then(Value::as_str) {
            let id = Uuid::parse_str(reuse).map_err(|_| {
                AppError::invalid_field(
                    "documents",
                    "reuse_id_invalid",
                    "Mã giấy tờ dùng lại không hợp lệ.",
                    "The reused document id is not valid.",
                )
            })?;
            input.reuses.insert(key, id);
        } else {
            let content = doc.get("content_base64").and_then(Value::as_str).unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD.decode(content).map_err(|_| {
                AppError::invalid_field(
                    "documents",
                    "content_base64_invalid",
                    format!("Nội dung tệp của giấy tờ {key} không phải base64 hợp lệ."),
                    format!("The file content of document {key} is not valid base64."),
                )
            })?;
            let name = doc.get("file_name").and_then(Value::as_str).unwrap_or("tep");
            input.uploads.insert(key, (crate::shell::clean_file_name(name), bytes));
        }
    }
    Ok((procedure, input))
}

/// The unit that handles a dossier of `procedure`: the chosen ward or commune for commune-level
/// procedures, the procedure's own unit (or the city) otherwise.
async fn handling_unit(state: &AppState, procedure: &Procedure, chosen: Option<&str>) -> AppResult<String> {
    match procedure.level {
        ProcedureLevel::City => Ok(procedure.unit_code.clone().unwrap_or_else(|| "46".to_owned())),
        ProcedureLevel::Commune => {
            let missing = || {
                AppError::invalid_field(
                    "unit_code",
                    "unit_required",
                    "Hãy chọn phường, xã giải quyết hồ sơ.",
                    "Choose the ward or commune that handles the dossier.",
                )
            };
            let code = UnitCode::parse(chosen.filter(|c| !c.trim().is_empty()).ok_or_else(missing)?)?;
            let unit = state.store.unit(&code).await?.ok_or_else(missing)?;
            let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
            if !matches!(unit.kind, UnitKind::Ward | UnitKind::Commune) || !unit.is_active_on(today) {
                return Err(missing());
            }
            Ok(unit.code.to_string())
        }
    }
}

/// How a dossier entered by a reception officer reached the desk: in person (the default) or by the public postal
/// service (bưu chính công ích, KenhThucHien = 3 on the national portal); the officer digitises both.
pub fn desk_channel(given: Option<&str>) -> AppResult<Channel> {
    match given.map(str::trim).filter(|c| !c.is_empty()) {
        None | Some("counter") => Ok(Channel::Counter),
        Some("post") => Ok(Channel::Post),
        Some(_) => Err(AppError::invalid_field(
            "channel",
            "channel_invalid",
            "Hình thức tiếp nhận phải là trực tiếp (counter) hoặc qua bưu chính công ích (post).",
            "The channel must be in person (counter) or by public postal service (post).",
        )),
    }
}

/// Agency part of dossier codes for a unit (QCVN 102 style, H57 = Huế).
pub fn agency_code(unit_code: &str) -> String {
    format!("H57.{}", unit_code.replace('.', ""))
}

/// Who the dossier is for.
pub struct Applicant {
    pub account: Option<Uuid>,
    pub name: String,
    pub citizen_id: Option<String>,
    pub contact: String,
}

impl Applicant {
    /// The applicant behind an account.
    pub fn from_account(account: &Account) -> Self {
        Applicant {
            account: Some(account.id),
            name: account.display_name.clone(),
            citizen_id: account.citizen_id.clone(),
            contact: account.email.clone().or(account.phone.clone()).unwrap_or_default(),
        }
    }
}

/// Validate everything, then store the dossier (status 1, Mới đăng ký). Errors name the field or
/// document; nothing is written unless all is well.
pub async fn submit(
    state: &AppState,
    ctx: &AuditContext,
    procedure: &Procedure,
    applicant: Applicant,
    channel: Channel,
    created_by: Option<Uuid>,
    input: SubmissionInput,
) -> AppResult<Dossier> {
    let unit_code = handling_unit(state, procedure, input.unit_code.as_deref()).await?;
    let form = validate_form(&procedure.form_fields, &input.form).map_err(|errors| {
        let (vi, en): (Vec<_>, Vec<_>) = errors.iter().map(|(_, e)| (e.vi.clone(), e.en.clone())).unzip();
        let mut err = AppError::invalid_field("form", "form_invalid", vi.join(" "), en.join(" "));
        err.field = Some("form");
        err
    })?;
    let mut documents = Vec::new();
    for required in &procedure.documents {
        if let Some((file_name, bytes)) = input.uploads.get(&required.key) {
            let content_type = check_file(&required.name_vi, &required.name_en, file_name, bytes)?;
            documents.push(NewDocument {
                document_key: required.key.clone(),
                title: required.name_vi.clone(),
                copy_kind: required.copy_kind,
                source: DocumentSource::Upload {
                    file_name: file_name.clone(),
                    content_type: content_type.to_owned(),
                    bytes: bytes.clone(),
                },
            });
        } else if let Some(id) = input.reuses.get(&required.key) {
            documents.push(NewDocument {
                document_key: required.key.clone(),
                title: required.name_vi.clone(),
                copy_kind: required.copy_kind,
                source: DocumentSource::Reuse { personal_document: *id },
            });
        }
    }
    let provided: Vec<&str> = documents.iter().map(|d| d.document_key.as_str()).collect();
    let missing = missing_documents(&procedure.documents, &provided);
    if !missing.is_empty() {
        let vi = missing.iter().map(|d| d.name_vi.as_str()).collect::<Vec<_>>().join("; ");
        let en = missing.iter().map(|d| d.name_en.as_str()).collect::<Vec<_>>().join("; ");
        return Err(AppError::invalid_field(
            "documents",
            "documents_missing",
            format!("Hồ sơ còn thiếu giấy tờ bắt buộc: {vi}."),
            format!("Required documents are missing: {en}."),
        ));
    }
    let now = smartcity_store::now();
    let idempotency_key =
        input.idempotency_key.map(|k| k.trim().chars().take(100).collect::<String>()).filter(|k| !k.is_empty());
    let new = NewDossier {
        agency_code: agency_code(&unit_code),
        procedure_id: procedure.id,
        procedure_code: procedure.code.clone(),
        unit_code,
        applicant_id: applicant.account,
        applicant_name: applicant.name,
        applicant_citizen_id: applicant.citizen_id,
        applicant_kind: ApplicantKind::Citizen,
        applicant_tax_code: None,
        applicant_contact: applicant.contact,
        channel,
        form_data: serde_json::to_value(&form).unwrap_or_default(),
        documents,
        local_day: now.with_timezone(&smartcity_domain::time::TZ).date_naive(),
        created_by,
        idempotency_key,
        keep_in_personal_store: applicant.account.is_some(),
    };
    Ok(state.store.submit_dossier(ctx, new, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_content_not_name() {
        assert_eq!(sniff_content_type(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff_content_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff_content_type(b"MZ\x90\x00 pretend.pdf"), None);
        assert!(check_file("Tờ khai", "Form", "virus.pdf", b"MZ\x90\x00").is_err());
        assert_eq!(check_file("Tờ khai", "Form", "scan.bin", b"%PDF-1.4").ok(), Some("application/pdf"));
    }

    #[test]
    fn the_desk_takes_dossiers_in_person_or_by_post_only() {
        assert_eq!(desk_channel(None).ok(), Some(Channel::Counter));
        assert_eq!(desk_channel(Some(" post ")).ok(), Some(Channel::Post));
        assert_eq!(desk_channel(Some("counter")).ok(), Some(Channel::Counter));
        assert!(desk_channel(Some("online")).is_err(), "online is the citizen's own channel");
        assert!(desk_channel(Some("fax")).is_err());
    }

    #[test]
    fn agency_codes_carry_the_unit() {
        assert_eq!(agency_code("19753"), "H57.19753");
        assert_eq!(agency_code("46.STP"), "H57.46STP");
    }
}
