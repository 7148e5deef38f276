//! Conformance suite of the store: the behaviours the web layer, the CLI and the audit rules rely
//! on, written once and run against SQLite by default and against a fresh PostgreSQL schema per
//! test when `SMARTCITY_TEST_DATABASE_URL` is set (CI runs it both ways).
//!
//! The fixtures below build the small slice of Huế every module starts from: the city (46), two
//! wards (19753 Phú Xuân, 19789 Thuận Hóa) and the Department of Health (46.SYT).

#![expect(clippy::unwrap_used, reason = "a conformance test fails loudly on any store error it does not expect")]

mod audit;
mod calendar;
mod dossier_rollups;
mod dossiers;
mod identity;
mod outbox;
mod payments;
mod portable;
mod portal;
mod procedures;
mod report_rollups;
mod reports;
mod reports_handling;
mod sensing;
mod sessions;
mod transparency;
mod units;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::json;
use smartcity_domain::audit::AuditRecord;
use smartcity_domain::dossiers::{ApplicantKind, Channel};
use smartcity_domain::geo::{Area, Polygon};
use smartcity_domain::identity::{CitizenId, Email, PhoneNumber, Role};
use smartcity_domain::procedures::{
    FieldKind, FormField, OnlineLevel, ProcedureLevel, ProcedureStep, RequiredDocument, default_steps,
};
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::audit::AuditFilter;
use smartcity_store::dossiers::{DocumentSource, NewDocument, NewDossier};
use smartcity_store::identity::{Account, AccountKind, IdentityStore, NewAccount};
use smartcity_store::procedures::{NewProcedure, Procedure, ProcedureStore};
use smartcity_store::units::{NewUnit, UnitStore};
use smartcity_store::{AuditContext, AuditStore, Backend, Store};

/// The report category catalogue the binary ships (`seed/feedback-categories.json`).
const FEEDBACK_CATEGORIES: &str = include_str!("../../../smartcity/seed/feedback-categories.json");

/// A unit code the suite knows to be well formed.
fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

/// A calendar day.
fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The day the 2025 reorganisation took effect (NQ 1675/NQ-UBTVQH15); merges in the suite use it.
fn reform_day() -> NaiveDate {
    day(2025, 7, 1)
}

/// The operator every fixture acts as, with an address so audit records carry one.
fn admin() -> AuditContext {
    AuditContext { actor: Some("test:admin".to_owned()), ip: Some("203.113.1.10".to_owned()) }
}

/// What an administrator fills in for a unit that has existed since 2020.
fn new_unit(unit_code: &str, parent: Option<&str>, kind: UnitKind, name_vi: &str, name_en: &str) -> NewUnit {
    NewUnit {
        code: code(unit_code),
        parent_code: parent.map(code),
        kind,
        name_vi: name_vi.to_owned(),
        name_en: name_en.to_owned(),
        lat: None,
        lon: None,
        valid_from: day(2020, 1, 1),
    }
}

/// The city, wards 19753 and 19789, and the agency 46.SYT.
async fn seed_hue(store: &Store) {
    let mut city = new_unit("46", None, UnitKind::City, "Thành phố Huế", "Huế City");
    city.lat = Some(16.4637);
    city.lon = Some(107.5909);
    store.create_unit(&admin(), city).await.unwrap();
    for unit in [
        new_unit("19753", Some("46"), UnitKind::Ward, "Phường Phú Xuân", "Phu Xuan Ward"),
        new_unit("19789", Some("46"), UnitKind::Ward, "Phường Thuận Hóa", "Thuan Hoa Ward"),
        new_unit("46.SYT", Some("46"), UnitKind::Agency, "Sở Y tế", "Department of Health"),
    ] {
        store.create_unit(&admin(), unit).await.unwrap();
    }
}

/// A square boundary of side `2 * half` degrees centred on (`lat`, `lon`).
fn square(lat: f64, lon: f64, half: f64) -> Area {
    let ring = vec![
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ];
    Area { polygons: vec![Polygon { exterior: ring, holes: vec![] }] }
}

/// A citizen registering with an email, a phone number and a CCCD number.
fn citizen(name: &str, email: &str, phone: &str, citizen_id: &str) -> NewAccount {
    NewAccount {
        kind: AccountKind::Citizen,
        display_name: name.to_owned(),
        email: Some(Email::parse(email).unwrap()),
        phone: Some(PhoneNumber::parse(phone).unwrap()),
        citizen_id: Some(CitizenId::parse(citizen_id).unwrap()),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${name}"),
    }
}

/// A staff account created by an administrator, known by email only.
fn staff(name: &str, email: &str) -> NewAccount {
    NewAccount {
        kind: AccountKind::Staff,
        display_name: name.to_owned(),
        email: Some(Email::parse(email).unwrap()),
        phone: None,
        citizen_id: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$c3RhZmY".to_owned(),
    }
}

/// Nguyễn Văn An, the citizen most tests register.
async fn register_an(store: &Store) -> Account {
    store
        .create_account(&admin(), citizen("Nguyễn Văn An", "An.Nguyen@Example.VN", "091 234 5678", "046090001234"))
        .await
        .unwrap()
}

/// The whole audit log, oldest first.
async fn audit_trail(store: &Store) -> Vec<AuditRecord> {
    let mut records = store.list_audit(&AuditFilter::default(), 10_000, 0).await.unwrap();
    records.reverse();
    records
}

/// Actions of the whole audit log, oldest first.
async fn audit_actions(store: &Store) -> Vec<String> {
    audit_trail(store).await.into_iter().map(|r| r.action).collect()
}

/// Lift the append-only guard on `audit_log`, as an intruder with DDL rights could.
async fn allow_audit_edits(store: &Store) {
    let sql = match store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    };
    store.execute_raw(sql).await.unwrap();
}

/// Row counts of every table, to show that a refused or repeated call wrote nothing.
async fn row_counts(store: &Store) -> Vec<(&'static str, usize)> {
    store.export_dump().await.unwrap().tables.counts()
}

/// A procedure of the catalogue with the usual workflow, a declaration form and two documents.
fn procedure(code: &str, name_vi: &str, name_en: &str, level: ProcedureLevel, valid_from: NaiveDate) -> NewProcedure {
    NewProcedure {
        code: code.to_owned(),
        valid_from,
        name_vi: name_vi.to_owned(),
        name_en: name_en.to_owned(),
        field_vi: "Hộ tịch".to_owned(),
        field_en: "Civil status".to_owned(),
        level,
        unit_code: None,
        agency_vi: "UBND cấp xã".to_owned(),
        processing_days: 3,
        online_level: OnlineLevel::Full,
        fee_vnd: 0,
        fee_note: "Miễn lệ phí đăng ký khai sinh đúng hạn".to_owned(),
        legal_basis: vec!["Luật Hộ tịch 2014".to_owned(), "Nghị định 123/2015/NĐ-CP".to_owned()],
        documents: vec![
            RequiredDocument {
                key: "doc1".to_owned(),
                name_vi: "Giấy chứng sinh".to_owned(),
                name_en: "Birth certificate from the hospital".to_owned(),
                copy_kind: 0,
                required: true,
            },
            RequiredDocument {
                key: "doc2".to_owned(),
                name_vi: "Giấy chứng nhận kết hôn của cha mẹ".to_owned(),
                name_en: "Parents' marriage certificate".to_owned(),
                copy_kind: 1,
                required: false,
            },
        ],
        form_fields: vec![
            FormField {
                key: "child_name".to_owned(),
                label_vi: "Họ, chữ đệm, tên người được khai sinh".to_owned(),
                label_en: "Child's full name".to_owned(),
                kind: FieldKind::Text,
                required: true,
                options: vec![],
            },
            FormField {
                key: "gender".to_owned(),
                label_vi: "Giới tính".to_owned(),
                label_en: "Sex".to_owned(),
                kind: FieldKind::Select,
                required: true,
                options: vec!["Nam".to_owned(), "Nữ".to_owned()],
            },
        ],
        steps: default_steps(3),
        paper_result: true,
    }
}

/// Đăng ký khai sinh (TTHC 1.001193), handled by the applicant's ward.
fn khai_sinh(valid_from: NaiveDate) -> NewProcedure {
    procedure("1.001193", "Đăng ký khai sinh", "Birth registration", ProcedureLevel::Commune, valid_from)
}

/// The birth registration procedure in force since the reform, as the catalogue holds it.
async fn create_khai_sinh(store: &Store) -> Procedure {
    store.create_procedure_version(&admin(), khai_sinh(reform_day())).await.unwrap()
}

/// A city-level procedure handled by the Department of Health in two custom steps.
fn cap_phep_hanh_nghe(valid_from: NaiveDate) -> NewProcedure {
    let mut new = procedure(
        "1.004567",
        "Cấp giấy phép hành nghề khám bệnh, chữa bệnh",
        "Medical practice licence",
        ProcedureLevel::City,
        valid_from,
    );
    new.field_vi = "Khám bệnh, chữa bệnh".to_owned();
    new.field_en = "Medical examination and treatment".to_owned();
    new.unit_code = Some("46.SYT".to_owned());
    new.agency_vi = "Sở Y tế".to_owned();
    new.processing_days = 20;
    new.online_level = OnlineLevel::Partial;
    new.fee_vnd = 360_000;
    new.fee_note = String::new();
    new.steps = vec![
        ProcedureStep {
            key: "appraisal".to_owned(),
            name_vi: "Thẩm định hồ sơ".to_owned(),
            name_en: "Appraisal".to_owned(),
            role: Role::ProcessingOfficer,
            days: 18.5,
        },
        ProcedureStep {
            key: "sign".to_owned(),
            name_vi: "Giám đốc Sở ký".to_owned(),
            name_en: "Signature by the director".to_owned(),
            role: Role::UnitLeader,
            days: 1.5,
        },
    ];
    new.paper_result = false;
    new
}

/// A file uploaded now for the required document `key`.
fn upload(key: &str, file_name: &str, bytes: &[u8]) -> NewDocument {
    NewDocument {
        document_key: key.to_owned(),
        title: format!("Tệp {file_name}"),
        copy_kind: 2,
        source: DocumentSource::Upload {
            file_name: file_name.to_owned(),
            content_type: "application/pdf".to_owned(),
            bytes: bytes.to_vec(),
        },
    }
}

/// A document of the applicant's personal store, reused for the required document `key`.
fn reuse(key: &str, personal_document: uuid::Uuid) -> NewDocument {
    NewDocument {
        document_key: key.to_owned(),
        title: "Giấy tờ trong kho dữ liệu".to_owned(),
        copy_kind: 2,
        source: DocumentSource::Reuse { personal_document },
    }
}

/// 09:00 in Huế (UTC+7) on `local_day`.
fn morning_of(local_day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&local_day.and_hms_opt(2, 0, 0).unwrap())
}

/// A birth registration submitted online by `applicant` to ward 19753 on `local_day`, without files.
fn online_dossier(procedure: &Procedure, applicant: &Account, local_day: NaiveDate) -> NewDossier {
    NewDossier {
        agency_code: "H57.19753".to_owned(),
        procedure_id: procedure.id,
        procedure_code: procedure.code.clone(),
        unit_code: "19753".to_owned(),
        applicant_id: Some(applicant.id),
        applicant_name: applicant.display_name.clone(),
        applicant_citizen_id: applicant.citizen_id.clone(),
        applicant_kind: ApplicantKind::Citizen,
        applicant_tax_code: None,
        applicant_contact: applicant.email.clone().unwrap_or_default(),
        channel: Channel::Online,
        form_data: json!({"child_name": "Nguyễn Minh Khang", "gender": "Nam"}),
        documents: vec![],
        local_day,
        created_by: None,
        idempotency_key: None,
        keep_in_personal_store: true,
    }
}

/// A dossier entered at the desk of `unit_code` for a visitor without an account.
fn counter_dossier(procedure: &Procedure, agency: &str, unit_code: &str, local_day: NaiveDate) -> NewDossier {
    NewDossier {
        agency_code: agency.to_owned(),
        procedure_id: procedure.id,
        procedure_code: procedure.code.clone(),
        unit_code: unit_code.to_owned(),
        applicant_id: None,
        applicant_name: "Trần Thị Bích".to_owned(),
        applicant_citizen_id: Some("046185007777".to_owned()),
        applicant_kind: ApplicantKind::Citizen,
        applicant_tax_code: None,
        applicant_contact: "0914555666".to_owned(),
        channel: Channel::Counter,
        form_data: json!({"child_name": "Trần Gia Huy", "gender": "Nam"}),
        documents: vec![],
        local_day,
        created_by: None,
        idempotency_key: None,
        keep_in_personal_store: false,
    }
}
