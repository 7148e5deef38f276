//! `dossiers`: submitted dossiers, their history of actions (the source of form 06), their
//! documents (content-addressed, SHA-256), the citizen's personal document store (kho dữ liệu,
//! ND 45/2020/NĐ-CP, TT 01/2023/TT-VPCP) and per-unit-per-day code counters.
//!
//! The workflow rules live in `domain::dossiers`; the web layer decides a transition and hands
//! the resulting state here, where it is written with its event, audit record and outbox event in
//! one transaction, guarded against a concurrent change by `updated_at`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use smartcity_domain::dossiers::{ApplicantKind, Channel, DossierCode, DossierStatus, Rating};
use smartcity_domain::text::fold_vietnamese;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::dossier_rollups::{RollupWrite, Which};
use crate::outbox::OutboxWrite;
use crate::rows::{placeholders, rows_per_statement};
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// A dossier as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Dossier {
    pub id: Uuid,
    pub code: String,
    pub procedure_id: Uuid,
    pub procedure_code: String,
    /// Unit responsible for the dossier.
    pub unit_code: String,
    /// Unit holding it now (differs while forwarded for inter-agency processing).
    pub current_unit_code: String,
    pub applicant_id: Option<Uuid>,
    pub applicant_name: String,
    pub applicant_citizen_id: Option<String>,
    pub applicant_kind: ApplicantKind,
    pub applicant_tax_code: Option<String>,
    /// Email or phone the notifications go to.
    pub applicant_contact: String,
    pub channel: Channel,
    pub status: DossierStatus,
    /// Form values, cleaned.
    pub form_data: Value,
    #[serde(flatten)]
    pub state: DossierState,
    pub created_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
    /// Files are attached to its components (digitised at reception; QĐ 766 indicator 4.2).
    pub has_documents: bool,
}

/// The part of a dossier that actions change.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DossierState {
    pub received_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Appointment date, moved by an extension (form 04).
    pub due_at: Option<DateTime<Utc>>,
    /// Appointment date on form 01, kept for the QĐ 766 indices.
    pub original_due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub supplement_requests: i64,
    pub supplement_due_at: Option<DateTime<Utc>>,
    /// Clock paused since (supplement requested after acceptance).
    pub paused_at: Option<DateTime<Utc>>,
    /// Seconds the clock was paused in total, finished pauses only.
    pub paused_seconds: i64,
    /// Status to return to when a supplement is completed.
    pub status_before_pause: Option<DossierStatus>,
    pub current_step: i64,
    pub step_started_at: Option<DateTime<Utc>>,
    pub has_e_result: bool,
    pub reused_documents: bool,
    pub rating: Option<Rating>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DossierRow {
    id: Uuid,
    code: String,
    procedure_id: Uuid,
    procedure_code: String,
    unit_code: String,
    current_unit_code: String,
    applicant_id: Option<Uuid>,
    applicant_name: String,
    applicant_citizen_id: Option<String>,
    applicant_kind: i64,
    applicant_tax_code: Option<String>,
    applicant_contact: String,
    channel: i64,
    status: i64,
    status_before_pause: Option<i64>,
    form_data: String,
    received_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    original_due_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    returned_at: Option<DateTime<Utc>>,
    supplement_requests: i64,
    supplement_due_at: Option<DateTime<Utc>>,
    paused_at: Option<DateTime<Utc>>,
    paused_seconds: i64,
    current_step: i64,
    step_started_at: Option<DateTime<Utc>>,
    has_e_result: bool,
    reused_documents: bool,
    rating: Option<String>,
    rating_comment: Option<String>,
    rated_at: Option<DateTime<Utc>>,
    created_by: Option<Uuid>,
    updated_at: DateTime<Utc>,
    has_documents: bool,
}

const DOSSIER_COLUMNS: &str = "id, code, procedure_id, procedure_code, unit_code, current_unit_code, applicant_id, \
     applicant_name, applicant_citizen_id, applicant_kind, applicant_tax_code, applicant_contact, channel, status, \
     status_before_pause, form_data, received_at, accepted_at, due_at, original_due_at, finished_at, returned_at, \
     supplement_requests, supplement_due_at, paused_at, paused_seconds, current_step, step_started_at, has_e_result, \
     reused_documents, rating, rating_comment, rated_at, created_by, updated_at, \
     EXISTS (SELECT 1 FROM dossier_documents dd WHERE dd.dossier_id = dossiers.id AND dd.purpose <> 'result') AS has_documents";

impl DossierRow {
    fn into_dossier(self) -> StoreResult<Dossier> {
        Ok(Dossier {
            id: self.id,
            code: self.code,
            procedure_id: self.procedure_id,
            procedure_code: self.procedure_code,
            unit_code: self.unit_code,
            current_unit_code: self.current_unit_code,
            applicant_id: self.applicant_id,
            applicant_name: self.applicant_name,
            applicant_citizen_id: self.applicant_citizen_id,
            applicant_kind: ApplicantKind::from_code(self.applicant_kind)?,
            applicant_tax_code: self.applicant_tax_code,
            applicant_contact: self.applicant_contact,
            channel: Channel::from_code(self.channel)?,
            status: DossierStatus::from_code(self.status)?,
            form_data: serde_json::from_str(&self.form_data).unwrap_or(Value::Null),
            state: DossierState {
                received_at: self.received_at,
                accepted_at: self.accepted_at,
                due_at: self.due_at,
                original_due_at: self.original_due_at,
                finished_at: self.finished_at,
                returned_at: self.returned_at,
                supplement_requests: self.supplement_requests,
                supplement_due_at: self.supplement_due_at,
                paused_at: self.paused_at,
                paused_seconds: self.paused_seconds,
                status_before_pause: self.status_before_pause.map(DossierStatus::from_code).transpose()?,
                current_step: self.current_step,
                step_started_at: self.step_started_at,
                has_e_result: self.has_e_result,
                reused_documents: self.reused_documents,
                rating: self.rating.as_deref().map(Rating::parse).transpose()?,
                rating_comment: self.rating_comment,
                rated_at: self.rated_at,
            },
            created_by: self.created_by,
            updated_at: self.updated_at,
            has_documents: self.has_documents,
        })
    }
}

/// A file to attach: new bytes, or a document from the applicant's personal store.
#[derive(Debug, Clone)]
pub enum DocumentSource {
    /// Uploaded now (already checked for size and type by the caller).
    Upload { file_name: String, content_type: String, bytes: Vec<u8> },
    /// Reused from the personal store (once-only principle); the id is a `personal_documents` row.
    Reuse { personal_document: Uuid },
}

/// A document attached to a dossier for one required document kind.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Key of the procedure's required document it satisfies.
    pub document_key: String,
    /// Human title, kept in the personal store.
    pub title: String,
    /// 0 original scan, 1 copy, 2 electronic.
    pub copy_kind: i64,
    pub source: DocumentSource,
}

/// A dossier being submitted.
#[derive(Debug, Clone)]
pub struct NewDossier {
    /// Agency part of the code (e.g. `H57.19753`).
    pub agency_code: String,
    pub procedure_id: Uuid,
    pub procedure_code: String,
    pub unit_code: String,
    pub applicant_id: Option<Uuid>,
    pub applicant_name: String,
    pub applicant_citizen_id: Option<String>,
    pub applicant_kind: ApplicantKind,
    pub applicant_tax_code: Option<String>,
    pub applicant_contact: String,
    pub channel: Channel,
    pub form_data: Value,
    pub documents: Vec<NewDocument>,
    /// Day of reception in Asia/Ho_Chi_Minh (part of the code).
    pub local_day: NaiveDate,
    /// Officer who entered it at a counter.
    pub created_by: Option<Uuid>,
    /// `Idempotency-Key` of the submitting account: a retry returns the first dossier.
    pub idempotency_key: Option<String>,
    /// Whether uploads go into the applicant's personal store.
    pub keep_in_personal_store: bool,
}

/// One entry of a dossier's history.
#[derive(Debug, Clone, Serialize)]
pub struct DossierEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_status: Option<DossierStatus>,
    pub to_status: DossierStatus,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub from_unit: Option<String>,
    pub to_unit: Option<String>,
    pub step: i64,
    pub step_deadline: Option<DateTime<Utc>>,
    /// Form number ("01"…"07") this event issued.
    pub form: Option<String>,
    pub note: String,
    pub details: Value,
}

/// An event to record with a change.
#[derive(Debug, Clone, Default)]
pub struct NewDossierEvent {
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub from_unit: Option<String>,
    pub to_unit: Option<String>,
    pub step_deadline: Option<DateTime<Utc>>,
    pub form: Option<String>,
    pub note: String,
    pub details: Value,
}

/// What the public lookup shows of a dossier, read in one indexed query (the code's unique index joined to its
/// procedure version): no form data, no documents, nothing personal beyond the name the caller turns into
/// initials.
#[derive(Debug, Clone)]
pub struct DossierLookup {
    pub code: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    pub applicant_name: String,
    pub status: DossierStatus,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub unit_code: String,
    /// The step being worked on, while processing.
    pub current_step: Option<smartcity_domain::procedures::ProcedureStep>,
}

/// A document attached to a dossier.
#[derive(Debug, Clone, Serialize)]
pub struct DossierDocument {
    pub id: Uuid,
    pub document_key: String,
    /// `submission`, `supplement` or `result`.
    pub purpose: String,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub copy_kind: i64,
    pub reused_from: Option<Uuid>,
    pub uploaded_at: DateTime<Utc>,
}

/// A document in a citizen's personal store.
#[derive(Debug, Clone, Serialize)]
pub struct PersonalDocument {
    pub id: Uuid,
    pub account_id: Uuid,
    /// Document kind key it was submitted as, or `result`.
    pub kind: String,
    pub title: String,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub source_dossier_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A state change decided by the workflow, to be written atomically.
#[derive(Debug, Clone)]
pub struct DossierChange {
    pub dossier_id: Uuid,
    /// `updated_at` the decision was based on; a different value means someone acted first.
    pub expected_updated_at: DateTime<Utc>,
    pub status: DossierStatus,
    pub current_unit_code: String,
    pub state: DossierState,
    pub event: NewDossierEvent,
    /// Documents added by this action (supplement files, the result).
    pub documents: Vec<(String, NewDocument)>,
    /// Outbox topic announcing the change (notifications, live pages).
    pub notify: Option<String>,
}

/// Filter of a staff work queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Units whose dossiers to show (the officer's scope, expanded to subtrees by the caller).
    pub unit_codes: Vec<String>,
    /// Statuses to include.
    pub statuses: Vec<DossierStatus>,
    pub limit: i64,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Inserts used inside a dossier transaction on either engine.
pub(crate) trait DossierWrite: AuditAppend + OutboxWrite + RollupWrite {
    async fn next_dossier_seq(&mut self, agency: &str, day: NaiveDate) -> StoreResult<i64>;
    /// Codes for dossiers of `(agency, local day)`, in the order given, with one counter upsert per few hundred
    /// distinct days instead of one per dossier (bulk history, grouped submissions).
    async fn reserve_dossier_codes(&mut self, wanted: &[(&str, NaiveDate)]) -> StoreResult<Vec<String>>;
    async fn attach_document(
        &mut self,
        dossier_id: Uuid,
        purpose: &str,
        applicant: Option<Uuid>,
        keep: bool,
        uploaded_by: Option<Uuid>,
        doc: &NewDocument,
    ) -> StoreResult<bool>;
    async fn insert_dossier_event(
        &mut self,
        dossier_id: Uuid,
        from: Option<DossierStatus>,
        to: DossierStatus,
        step: i64,
        event: &NewDossierEvent,
    ) -> StoreResult<()>;
    /// Write a workflow decision about `before` (read outside the transaction) with its documents, event, audit
    /// and outbox records; `Conflict { constraint: "dossier_changed" }` when the dossier moved since it was read.
    /// Shared by [`DossierStore::apply_dossier_change`] and the payments store, which moves a dossier out of
    /// status 6 in the transaction that records the payment.
    async fn write_dossier_change(
        &mut self,
        ctx: &AuditContext,
        before: &Dossier,
        change: &DossierChange,
    ) -> StoreResult<()>;
}

crate::impl_for_connections!(impl DossierWrite {
    async fn next_dossier_seq(&mut self, agency: &str, day: NaiveDate) -> StoreResult<i64> {
        // One upsert per code: the row lock (PostgreSQL) or the single writer (SQLite) makes the
        // sequence gap-free per agency and day.
        let (seq,): (i64,) = sqlx::query_as(
            "INSERT INTO dossier_counters (agency_code, day, last_seq) VALUES ($1, $2, 1) \
             ON CONFLICT (agency_code, day) DO UPDATE SET last_seq = dossier_counters.last_seq + 1 \
             RETURNING last_seq",
        )
        .bind(agency)
        .bind(day)
        .fetch_one(&mut *self)
        .await?;
        Ok(seq)
    }

    async fn reserve_dossier_codes(&mut self, wanted: &[(&str, NaiveDate)]) -> StoreResult<Vec<String>> {
        // Codes are upper case; count under the same spelling so two spellings never share a code.
        let keys: Vec<(String, NaiveDate)> = wanted.iter().map(|(agency, day)| (agency.trim().to_uppercase(), *day)).collect();
        // How many codes each agency and day needs, in the order they come.
        let mut needed: Vec<(&(String, NaiveDate), i64)> = Vec::new();
        let mut index: HashMap<&(String, NaiveDate), usize> = HashMap::new();
        for key in &keys {
            match index.get(key) {
                Some(&i) => needed[i].1 += 1,
                None => {
                    index.insert(key, needed.len());
                    needed.push((key, 1));
                }
            }
        }
        // The last sequence of each day after adding its `n`; the row lock (PostgreSQL) or the single writer
        // (SQLite) keeps the sequences gap-free.
        let mut last: HashMap<(String, NaiveDate), i64> = HashMap::new();
        for chunk in needed.chunks(rows_per_statement(3)) {
            let sql = format!(
                "INSERT INTO dossier_counters (agency_code, day, last_seq) VALUES {} \
                 ON CONFLICT (agency_code, day) DO UPDATE SET last_seq = dossier_counters.last_seq + excluded.last_seq \
                 RETURNING agency_code, day, last_seq",
                placeholders(chunk.len(), 3)
            );
            let mut q = sqlx::query_as::<_, (String, NaiveDate, i64)>(sqlx::AssertSqlSafe(sql));
            for ((agency, day), n) in chunk {
                q = q.bind(agency.clone()).bind(*day).bind(*n);
            }
            for (agency, day, seq) in q.fetch_all(&mut *self).await? {
                last.insert((agency, day), seq);
            }
        }
        let mut next: HashMap<&(String, NaiveDate), i64> =
            needed.iter().map(|(key, n)| (*key, last.get(*key).copied().unwrap_or(*n) - n + 1)).collect();
        let mut codes = Vec::with_capacity(keys.len());
        for ((agency, _), key) in wanted.iter().zip(&keys) {
            let seq = next.entry(key).or_insert(1);
            codes.push(DossierCode::new(agency, key.1, *seq as u64)?.to_string());
            *seq += 1;
        }
        Ok(codes)
    }

    async fn attach_document(
        &mut self,
        dossier_id: Uuid,
        purpose: &str,
        applicant: Option<Uuid>,
        keep: bool,
        uploaded_by: Option<Uuid>,
        doc: &NewDocument,
    ) -> StoreResult<bool> {
        let now = crate::now();
        let (sha, file_name, content_type, size, reused_from) = match &doc.source {
            DocumentSource::Upload { file_name, content_type, bytes } => {
                let sha = sha256_hex(bytes);
                sqlx::query(
                    "INSERT INTO blobs (sha256, content_type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(&sha)
                .bind(content_type)
                .bind(bytes.len() as i64)
                .bind(bytes.as_slice())
                .bind(now)
                .execute(&mut *self)
                .await?;
                (sha, file_name.clone(), content_type.clone(), bytes.len() as i64, None)
            }
            DocumentSource::Reuse { personal_document } => {
                let found: Option<(String, String, String, i64, Uuid)> = sqlx::query_as(
                    "SELECT sha256, file_name, content_type, size, account_id FROM personal_documents WHERE id = $1",
                )
                .bind(personal_document)
                .fetch_optional(&mut *self)
                .await?;
                let Some((sha, file_name, content_type, size, owner)) = found else {
                    return Err(StoreError::Invalid(smartcity_domain::ValidationError::new(
                        "documents",
                        "personal_document_not_found",
                        "Không tìm thấy giấy tờ trong kho dữ liệu của bạn.",
                        "That document is not in your personal document store.",
                    )));
                };
                if Some(owner) != applicant {
                    return Err(StoreError::Invalid(smartcity_domain::ValidationError::new(
                        "documents",
                        "personal_document_not_yours",
                        "Chỉ dùng lại được giấy tờ trong kho dữ liệu của chính người nộp.",
                        "Only the applicant's own stored documents can be reused.",
                    )));
                }
                (sha, file_name, content_type, size, Some(*personal_document))
            }
        };
        sqlx::query(
            "INSERT INTO dossier_documents (id, dossier_id, document_key, purpose, sha256, file_name, content_type, size, \
             copy_kind, reused_from, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(Uuid::now_v7())
        .bind(dossier_id)
        .bind(&doc.document_key)
        .bind(purpose)
        .bind(&sha)
        .bind(&file_name)
        .bind(&content_type)
        .bind(size)
        .bind(doc.copy_kind)
        .bind(reused_from)
        .bind(now)
        .bind(uploaded_by)
        .execute(&mut *self)
        .await?;
        if keep && reused_from.is_none() && let Some(owner) = applicant {
            sqlx::query(
                "INSERT INTO personal_documents (id, account_id, kind, title, sha256, file_name, content_type, size, \
                 source_dossier_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(owner)
            .bind(if purpose == "result" { "result" } else { doc.document_key.as_str() })
            .bind(&doc.title)
            .bind(&sha)
            .bind(&file_name)
            .bind(&content_type)
            .bind(size)
            .bind(dossier_id)
            .bind(now)
            .execute(&mut *self)
            .await?;
        }
        Ok(reused_from.is_some())
    }

    async fn insert_dossier_event(
        &mut self,
        dossier_id: Uuid,
        from: Option<DossierStatus>,
        to: DossierStatus,
        step: i64,
        event: &NewDossierEvent,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO dossier_events (id, dossier_id, at, action, from_status, to_status, actor_id, actor_name, \
             from_unit, to_unit, step, step_deadline, form, note, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(Uuid::now_v7())
        .bind(dossier_id)
        .bind(crate::now())
        .bind(&event.action)
        .bind(from.map(|s| s.code()))
        .bind(to.code())
        .bind(event.actor_id)
        .bind(&event.actor_name)
        .bind(event.from_unit.as_deref())
        .bind(event.to_unit.as_deref())
        .bind(step)
        .bind(event.step_deadline)
        .bind(event.form.as_deref())
        .bind(&event.note)
        .bind(event.details.to_string())
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn write_dossier_change(&mut self, ctx: &AuditContext, before: &Dossier, change: &DossierChange) -> StoreResult<()> {
        let s = &change.state;
        let tallied_before = self.rollup_subjects(Which::Ids(&[change.dossier_id])).await?;
        let done = sqlx::query(
            "UPDATE dossiers SET status = $1, current_unit_code = $2, accepted_at = $3, due_at = $4, original_due_at = $5, \
             finished_at = $6, returned_at = $7, supplement_requests = $8, supplement_due_at = $9, paused_at = $10, \
             paused_seconds = $11, status_before_pause = $12, current_step = $13, step_started_at = $14, \
             has_e_result = $15, reused_documents = $16, rating = $17, rating_comment = $18, rated_at = $19, updated_at = $20 \
             WHERE id = $21 AND updated_at = $22",
        )
        .bind(change.status.code())
        .bind(&change.current_unit_code)
        .bind(s.accepted_at)
        .bind(s.due_at)
        .bind(s.original_due_at)
        .bind(s.finished_at)
        .bind(s.returned_at)
        .bind(s.supplement_requests)
        .bind(s.supplement_due_at)
        .bind(s.paused_at)
        .bind(s.paused_seconds)
        .bind(s.status_before_pause.map(|st| st.code()))
        .bind(s.current_step)
        .bind(s.step_started_at)
        .bind(s.has_e_result)
        .bind(s.reused_documents)
        .bind(s.rating.map(|r| r.as_str()))
        .bind(s.rating_comment.as_deref())
        .bind(s.rated_at)
        .bind(crate::now())
        .bind(change.dossier_id)
        .bind(change.expected_updated_at)
        .execute(&mut *self)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict { constraint: "dossier_changed".into() });
        }
        for (purpose, doc) in &change.documents {
            self.attach_document(change.dossier_id, purpose, before.applicant_id, true, change.event.actor_id, doc).await?;
        }
        self.insert_dossier_event(change.dossier_id, Some(before.status), change.status, s.current_step, &change.event).await?;
        let tallied_after = self.rollup_subjects(Which::Ids(&[change.dossier_id])).await?;
        self.move_rollups(&tallied_before, &tallied_after).await?;
        self.append_audit(ctx, AuditEvent {
            action: "dossier.action",
            record_type: "dossier",
            record_id: before.code.clone(),
            details: json!({"action": change.event.action, "from": before.status.as_str(), "to": change.status.as_str(),
                            "form": change.event.form}),
        }).await?;
        if let Some(topic) = &change.notify {
            self.enqueue(topic, &json!({
                "dossier_id": before.id.to_string(), "code": before.code, "action": change.event.action,
                "status": change.status.as_str(), "note": change.event.note,
            })).await?;
        }
        Ok(())
    }
});

/// The dossiers capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait DossierStore {
    /// Store a new dossier (status Submitted), its documents, first event, audit and outbox
    /// records. With an idempotency key already used by the same account, the first dossier is
    /// returned and nothing is written.
    async fn submit_dossier(
        &self,
        ctx: &AuditContext,
        new: NewDossier,
        received_at: DateTime<Utc>,
    ) -> StoreResult<Dossier>;
    /// Apply a workflow decision; `Conflict { constraint: "dossier_changed" }` when the dossier
    /// moved since it was read.
    async fn apply_dossier_change(&self, ctx: &AuditContext, change: DossierChange) -> StoreResult<Dossier>;
    async fn dossier(&self, id: Uuid) -> StoreResult<Option<Dossier>>;
    async fn dossier_by_code(&self, code: &str) -> StoreResult<Option<Dossier>>;
    /// The public view of the dossier with this code, if any.
    async fn dossier_lookup(&self, code: &str) -> StoreResult<Option<DossierLookup>>;
    async fn dossier_events(&self, id: Uuid) -> StoreResult<Vec<DossierEvent>>;
    async fn dossier_documents(&self, id: Uuid) -> StoreResult<Vec<DossierDocument>>;
    /// Bytes and content type of a stored file.
    async fn blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>>;
    /// A citizen's dossiers, newest first.
    async fn dossiers_of_applicant(&self, account: Uuid, limit: i64) -> StoreResult<Vec<Dossier>>;
    /// Dossiers of a citizen identified by ID number (for the owner's lookup and the desk).
    async fn dossiers_of_citizen_id(&self, citizen_id: &str, limit: i64) -> StoreResult<Vec<Dossier>>;
    /// A work queue: dossiers currently held by the units in the filter, most urgent first.
    async fn dossier_queue(&self, filter: &QueueFilter) -> StoreResult<Vec<Dossier>>;
    /// Dossiers relevant to an index period for the given units (received before `to` and not
    /// finished before `from`).
    async fn dossiers_for_period(
        &self,
        unit_codes: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Dossier>>;
    /// A citizen's personal document store, newest first.
    async fn personal_documents(&self, account: Uuid) -> StoreResult<Vec<PersonalDocument>>;
}

impl Store {
    /// The dossier an account already submitted with `key`, if any.
    async fn dossier_for_idempotency_key(&self, account: Uuid, key: &str) -> StoreResult<Option<Dossier>> {
        let existing: Option<(Uuid,)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT dossier_id FROM idempotency_keys WHERE account_id = $1 AND key = $2")
                .bind(account)
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        match existing {
            Some((id,)) => self.dossier(id).await,
            None => Ok(None),
        }
    }

    /// Write a new dossier with its documents, first event, key, audit and outbox records in one transaction.
    pub(crate) async fn insert_dossier(
        &self,
        ctx: &AuditContext,
        new: NewDossier,
        received_at: DateTime<Utc>,
    ) -> StoreResult<Dossier> {
        let id = Uuid::now_v7();
        let now = crate::now();
        let received_at = smartcity_domain::audit::truncate_to_micros(received_at);
        let status = DossierStatus::Submitted;
        let form_data = new.form_data.to_string();
        let (code, reused) = in_write_tx!(self, tx => {
            // Codes are upper case; count under the same spelling so two spellings never share a code.
            let seq = tx.next_dossier_seq(&new.agency_code.trim().to_uppercase(), new.local_day).await?;
            let code = DossierCode::new(&new.agency_code, new.local_day, seq as u64)?;
            sqlx::query(
                "INSERT INTO dossiers (id, code, procedure_id, procedure_code, unit_code, current_unit_code, applicant_id, \
                 applicant_name, applicant_folded, applicant_citizen_id, applicant_kind, applicant_tax_code, applicant_contact, \
                 channel, status, status_before_pause, form_data, received_at, supplement_requests, paused_seconds, \
                 current_step, has_e_result, reused_documents, created_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16, 0, 0, 0, $17, $18, $19, $20)",
            )
            .bind(id)
            .bind(code.as_str())
            .bind(new.procedure_id)
            .bind(&new.procedure_code)
            .bind(&new.unit_code)
            .bind(new.applicant_id)
            .bind(&new.applicant_name)
            .bind(fold_vietnamese(&new.applicant_name))
            .bind(new.applicant_citizen_id.as_deref())
            .bind(new.applicant_kind.code())
            .bind(new.applicant_tax_code.as_deref())
            .bind(&new.applicant_contact)
            .bind(new.channel.code())
            .bind(status.code())
            .bind(&form_data)
            .bind(received_at)
            .bind(false)
            .bind(false)
            .bind(new.created_by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mut reused = false;
            for doc in &new.documents {
                reused |= tx
                    .attach_document(id, "submission", new.applicant_id, new.keep_in_personal_store, new.created_by.or(new.applicant_id), doc)
                    .await?;
            }
            if reused {
                sqlx::query("UPDATE dossiers SET reused_documents = $1 WHERE id = $2")
                    .bind(true)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let tallied = tx.rollup_subjects(Which::Ids(&[id])).await?;
            tx.move_rollups(&[], &tallied).await?;
            tx.insert_dossier_event(id, None, status, 0, &NewDossierEvent {
                action: "submit".into(),
                actor_id: new.created_by.or(new.applicant_id),
                actor_name: new.applicant_name.clone(),
                to_unit: Some(new.unit_code.clone()),
                note: String::new(),
                details: json!({"channel": new.channel.as_str(), "documents": new.documents.len(), "reused": reused}),
                ..Default::default()
            }).await?;
            if let (Some(account), Some(key)) = (new.applicant_id.or(new.created_by), new.idempotency_key.as_deref()) {
                sqlx::query("INSERT INTO idempotency_keys (account_id, key, dossier_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(account)
                    .bind(key)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.append_audit(ctx, AuditEvent {
                action: "dossier.submitted",
                record_type: "dossier",
                record_id: code.to_string(),
                details: json!({"procedure": new.procedure_code, "unit": new.unit_code, "channel": new.channel.as_str()}),
            }).await?;
            tx.enqueue(
                "dossier.submitted",
                &json!({"dossier_id": id.to_string(), "code": code.as_str(), "status": status.as_str()}),
            ).await?;
            (code, reused)
        });
        // The row as written, without reading it back (a submission is the hottest write).
        Ok(new.written(id, code.to_string(), received_at, now, reused))
    }
}

impl NewDossier {
    /// The dossier this submission became, as written with `id` and `code` at `now` (status 1, nothing decided).
    pub(crate) fn written(
        self,
        id: Uuid,
        code: String,
        received_at: DateTime<Utc>,
        now: DateTime<Utc>,
        reused_documents: bool,
    ) -> Dossier {
        Dossier {
            id,
            code,
            procedure_id: self.procedure_id,
            procedure_code: self.procedure_code,
            current_unit_code: self.unit_code.clone(),
            unit_code: self.unit_code,
            applicant_id: self.applicant_id,
            applicant_name: self.applicant_name,
            applicant_citizen_id: self.applicant_citizen_id,
            applicant_kind: self.applicant_kind,
            applicant_tax_code: self.applicant_tax_code,
            applicant_contact: self.applicant_contact,
            channel: self.channel,
            status: DossierStatus::Submitted,
            form_data: self.form_data,
            state: DossierState { received_at, reused_documents, ..Default::default() },
            created_by: self.created_by,
            updated_at: now,
            has_documents: !self.documents.is_empty(),
        }
    }
}

impl DossierStore for Store {
    async fn submit_dossier(
        &self,
        ctx: &AuditContext,
        new: NewDossier,
        received_at: DateTime<Utc>,
    ) -> StoreResult<Dossier> {
        let key = new.applicant_id.or(new.created_by).zip(new.idempotency_key.clone());
        if let Some((account, key)) = &key
            && let Some(existing) = self.dossier_for_idempotency_key(*account, key).await?
        {
            return Ok(existing);
        }
        let submitted = self.insert_dossier_grouped(ctx, new, received_at).await;
        // A concurrent request with the same key (a double click) committed first and the key's
        // primary key refused this one: answer it like any retry, with the first dossier.
        if let (Err(StoreError::Conflict { .. }), Some((account, key))) = (&submitted, &key)
            && let Some(existing) = self.dossier_for_idempotency_key(*account, key).await?
        {
            return Ok(existing);
        }
        submitted
    }

    async fn apply_dossier_change(&self, ctx: &AuditContext, change: DossierChange) -> StoreResult<Dossier> {
        let before = self.dossier(change.dossier_id).await?.ok_or(StoreError::NotFound)?;
        in_write_tx!(self, tx => {
            tx.write_dossier_change(ctx, &before, &change).await?;
        });
        self.cache.dossiers_changed();
        self.dossier(change.dossier_id).await?.ok_or(StoreError::NotFound)
    }

    async fn dossier(&self, id: Uuid) -> StoreResult<Option<Dossier>> {
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id = $1");
        let row: Option<DossierRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.map(DossierRow::into_dossier).transpose()
    }

    async fn dossier_by_code(&self, code: &str) -> StoreResult<Option<Dossier>> {
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1");
        let row: Option<DossierRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code.trim().to_uppercase()).fetch_optional(pool).await?
        });
        row.map(DossierRow::into_dossier).transpose()
    }

    async fn dossier_lookup(&self, code: &str) -> StoreResult<Option<DossierLookup>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            name_vi: String,
            name_en: String,
            applicant_name: String,
            status: i64,
            received_at: DateTime<Utc>,
            due_at: Option<DateTime<Utc>>,
            unit_code: String,
            current_step: i64,
            steps: Option<String>,
        }
        // The steps (a JSON list) are only read while the dossier is being processed.
        let sql = format!(
            "SELECT d.code, p.name_vi, p.name_en, d.applicant_name, d.status, d.received_at, d.due_at, d.unit_code, \
             d.current_step, CASE WHEN d.status = {} THEN p.steps END AS steps \
             FROM dossiers d JOIN procedures p ON p.id = d.procedure_id WHERE d.code = $1",
            DossierStatus::Processing.code()
        );
        let row: Option<Row> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code.trim().to_uppercase()).fetch_optional(pool).await?
        });
        let Some(r) = row else { return Ok(None) };
        let current_step = match r.steps {
            Some(steps) => serde_json::from_str::<Vec<smartcity_domain::procedures::ProcedureStep>>(&steps)
                .ok()
                .and_then(|steps| steps.into_iter().nth(usize::try_from(r.current_step).unwrap_or(usize::MAX))),
            None => None,
        };
        Ok(Some(DossierLookup {
            code: r.code,
            procedure_name_vi: r.name_vi,
            procedure_name_en: r.name_en,
            applicant_name: r.applicant_name,
            status: DossierStatus::from_code(r.status)?,
            received_at: r.received_at,
            due_at: r.due_at,
            unit_code: r.unit_code,
            current_step,
        }))
    }

    async fn dossier_events(&self, id: Uuid) -> StoreResult<Vec<DossierEvent>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            at: DateTime<Utc>,
            action: String,
            from_status: Option<i64>,
            to_status: i64,
            actor_id: Option<Uuid>,
            actor_name: String,
            from_unit: Option<String>,
            to_unit: Option<String>,
            step: i64,
            step_deadline: Option<DateTime<Utc>>,
            form: Option<String>,
            note: String,
            details: String,
        }
        let rows: Vec<Row> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, action, from_status, to_status, actor_id, actor_name, from_unit, to_unit, step, step_deadline, \
                 form, note, details FROM dossier_events WHERE dossier_id = $1 ORDER BY at, id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(DossierEvent {
                    id: r.id,
                    at: r.at,
                    action: r.action,
                    from_status: r.from_status.map(DossierStatus::from_code).transpose()?,
                    to_status: DossierStatus::from_code(r.to_status)?,
                    actor_id: r.actor_id,
                    actor_name: r.actor_name,
                    from_unit: r.from_unit,
                    to_unit: r.to_unit,
                    step: r.step,
                    step_deadline: r.step_deadline,
                    form: r.form,
                    note: r.note,
                    details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
                })
            })
            .collect()
    }

    async fn dossier_documents(&self, id: Uuid) -> StoreResult<Vec<DossierDocument>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            document_key: String,
            purpose: String,
            sha256: String,
            file_name: String,
            content_type: String,
            size: i64,
            copy_kind: i64,
            reused_from: Option<Uuid>,
            uploaded_at: DateTime<Utc>,
        }
        let rows: Vec<Row> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, document_key, purpose, sha256, file_name, content_type, size, copy_kind, reused_from, uploaded_at \
                 FROM dossier_documents WHERE dossier_id = $1 ORDER BY uploaded_at, id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| DossierDocument {
                id: r.id,
                document_key: r.document_key,
                purpose: r.purpose,
                sha256: r.sha256,
                file_name: r.file_name,
                content_type: r.content_type,
                size: r.size,
                copy_kind: r.copy_kind,
                reused_from: r.reused_from,
                uploaded_at: r.uploaded_at,
            })
            .collect())
    }

    async fn blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as("SELECT content_type, bytes FROM blobs WHERE sha256 = $1").bind(sha256).fetch_optional(pool).await?
        }))
    }

    async fn dossiers_of_applicant(&self, account: Uuid, limit: i64) -> StoreResult<Vec<Dossier>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE applicant_id = $1 ORDER BY received_at DESC LIMIT $2"
        );
        let rows: Vec<DossierRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(account).bind(limit).fetch_all(pool).await?
        });
        rows.into_iter().map(DossierRow::into_dossier).collect()
    }

    async fn dossiers_of_citizen_id(&self, citizen_id: &str, limit: i64) -> StoreResult<Vec<Dossier>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE applicant_citizen_id = $1 ORDER BY received_at DESC LIMIT $2"
        );
        let rows: Vec<DossierRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(citizen_id).bind(limit).fetch_all(pool).await?
        });
        rows.into_iter().map(DossierRow::into_dossier).collect()
    }

    async fn dossier_queue(&self, filter: &QueueFilter) -> StoreResult<Vec<Dossier>> {
        if filter.unit_codes.is_empty() || filter.statuses.is_empty() {
            return Ok(Vec::new());
        }
        // Small IN-lists built from validated codes and status numbers only.
        let units =
            filter.unit_codes.iter().map(|u| format!("'{}'", u.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        let statuses = filter.statuses.iter().map(|s| s.code().to_string()).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE current_unit_code IN ({units}) AND status IN ({statuses}) \
             ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, received_at LIMIT $1"
        );
        let rows: Vec<DossierRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(filter.limit.max(1)).fetch_all(pool).await?
        });
        rows.into_iter().map(DossierRow::into_dossier).collect()
    }

    async fn dossiers_for_period(
        &self,
        unit_codes: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Dossier>> {
        if unit_codes.is_empty() {
            return Ok(Vec::new());
        }
        let units = unit_codes.iter().map(|u| format!("'{}'", u.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE unit_code IN ({units}) AND received_at < $2 \
             AND (finished_at IS NULL OR finished_at >= $1)"
        );
        let rows: Vec<DossierRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(pool).await?
        });
        rows.into_iter().map(DossierRow::into_dossier).collect()
    }

    async fn personal_documents(&self, account: Uuid) -> StoreResult<Vec<PersonalDocument>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            account_id: Uuid,
            kind: String,
            title: String,
            sha256: String,
            file_name: String,
            content_type: String,
            size: i64,
            source_dossier_id: Option<Uuid>,
            created_at: DateTime<Utc>,
        }
        let rows: Vec<Row> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, account_id, kind, title, sha256, file_name, content_type, size, source_dossier_id, created_at \
                 FROM personal_documents WHERE account_id = $1 ORDER BY created_at DESC, id DESC",
            )
            .bind(account)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| PersonalDocument {
                id: r.id,
                account_id: r.account_id,
                kind: r.kind,
                title: r.title,
                sha256: r.sha256,
                file_name: r.file_name,
                content_type: r.content_type,
                size: r.size,
                source_dossier_id: r.source_dossier_id,
                created_at: r.created_at,
            })
            .collect())
    }
}
