//! Bulk loading of dossier history for the demo and benchmarks (`smartcity demo --dossiers N`): many dossiers in
//! their final state with their events and documents in one transaction, hundreds of rows per statement, codes
//! taken from the per-unit-per-day counters in one upsert per few hundred days, one audit record per batch, and
//! the running tallies moved for all of them at once. Real dossiers never come this way: they go through
//! `DossierStore::submit_dossier` and the workflow one by one (with their outbox events; history mails no one).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use smartcity_domain::dossiers::{ApplicantKind, Channel, DossierStatus};
use smartcity_domain::text::fold_vietnamese;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::dossier_rollups::{RollupWrite, Which};
use crate::dossiers::{DossierState, DossierWrite};
use crate::rows::{placeholders, rows_per_statement};
use crate::{Store, StoreResult, in_write_tx};

/// A file of a bulk-loaded dossier.
#[derive(Debug, Clone)]
pub struct BulkDocument {
    /// `submission` or `result`.
    pub purpose: &'static str,
    pub document_key: String,
    /// Index of its bytes among the `blobs` handed to [`DossierBulkStore::insert_dossiers_bulk`].
    pub blob: usize,
    pub file_name: String,
    pub copy_kind: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// One event of a bulk-loaded dossier's history.
#[derive(Debug, Clone)]
pub struct BulkDossierEvent {
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_status: Option<DossierStatus>,
    pub to_status: DossierStatus,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub step: i64,
    pub form: Option<String>,
    pub note: String,
}

/// A dossier to bulk-load, as it should end up (an applicant without an account).
#[derive(Debug, Clone)]
pub struct BulkDossier {
    pub id: Uuid,
    /// Agency part of the code (e.g. `H57.19753`); the sequence comes from the counters.
    pub agency_code: String,
    /// Day of reception in Asia/Ho_Chi_Minh (part of the code).
    pub local_day: NaiveDate,
    pub procedure_id: Uuid,
    pub procedure_code: String,
    pub unit_code: String,
    pub applicant_name: String,
    pub applicant_citizen_id: Option<String>,
    pub applicant_contact: String,
    pub channel: Channel,
    pub status: DossierStatus,
    pub form_data: Value,
    pub state: DossierState,
    pub created_by: Option<Uuid>,
    pub documents: Vec<BulkDocument>,
    pub events: Vec<BulkDossierEvent>,
}

/// Bulk loading of dossiers.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait DossierBulkStore {
    /// Writes `blobs` (content type, bytes; kept once per content), then `dossiers` with codes from the counters,
    /// their documents and events, one audit record (`dossier.generated`) and their tallies, in one transaction.
    /// Returns how many dossiers were written.
    async fn insert_dossiers_bulk(
        &self,
        ctx: &AuditContext,
        blobs: &[(&str, &[u8])],
        dossiers: &[BulkDossier],
    ) -> StoreResult<u64>;
}

impl DossierBulkStore for Store {
    async fn insert_dossiers_bulk(
        &self,
        ctx: &AuditContext,
        blobs: &[(&str, &[u8])],
        dossiers: &[BulkDossier],
    ) -> StoreResult<u64> {
        if dossiers.is_empty() {
            return Ok(0);
        }
        let now = crate::now();
        let ids: Vec<Uuid> = dossiers.iter().map(|d| d.id).collect();
        let hashes: Vec<String> =
            blobs.iter().map(|(_, bytes)| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes))).collect();
        if let Some(doc) = dossiers.iter().flat_map(|d| &d.documents).find(|doc| doc.blob >= blobs.len()) {
            return Err(crate::StoreError::Invalid(smartcity_domain::ValidationError::new(
                "documents",
                "blob_missing",
                format!("Thiếu tệp số {} của giấy tờ {}.", doc.blob, doc.document_key),
                format!("File {} of document {} was not given.", doc.blob, doc.document_key),
            )));
        }
        in_write_tx!(self, tx => {
            for ((content_type, bytes), sha) in blobs.iter().zip(&hashes) {
                sqlx::query(
                    "INSERT INTO blobs (sha256, content_type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha)
                .bind(*content_type)
                .bind(bytes.len() as i64)
                .bind(*bytes)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let wanted: Vec<(&str, NaiveDate)> = dossiers.iter().map(|d| (d.agency_code.as_str(), d.local_day)).collect();
            let codes = tx.reserve_dossier_codes(&wanted).await?;

            for (chunk, codes) in dossiers.chunks(rows_per_statement(36)).zip(codes.chunks(rows_per_statement(36))) {
                let sql = format!(
                    "INSERT INTO dossiers (id, code, procedure_id, procedure_code, unit_code, current_unit_code, applicant_id, \
                     applicant_name, applicant_folded, applicant_citizen_id, applicant_kind, applicant_tax_code, applicant_contact, \
                     channel, status, status_before_pause, form_data, received_at, accepted_at, due_at, original_due_at, \
                     finished_at, returned_at, supplement_requests, supplement_due_at, paused_at, paused_seconds, current_step, \
                     step_started_at, has_e_result, reused_documents, rating, rating_comment, rated_at, created_by, updated_at) \
                     VALUES {}",
                    placeholders(chunk.len(), 36)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (d, code) in chunk.iter().zip(codes) {
                    let s = &d.state;
                    q = q
                        .bind(d.id)
                        .bind(code.clone())
                        .bind(d.procedure_id)
                        .bind(d.procedure_code.clone())
                        .bind(d.unit_code.clone())
                        .bind(d.unit_code.clone())
                        .bind(None::<Uuid>)
                        .bind(d.applicant_name.clone())
                        .bind(fold_vietnamese(&d.applicant_name))
                        .bind(d.applicant_citizen_id.clone())
                        .bind(ApplicantKind::Citizen.code())
                        .bind(None::<String>)
                        .bind(d.applicant_contact.clone())
                        .bind(d.channel.code())
                        .bind(d.status.code())
                        .bind(s.status_before_pause.map(|st| st.code()))
                        .bind(d.form_data.to_string())
                        .bind(s.received_at)
                        .bind(s.accepted_at)
                        .bind(s.due_at)
                        .bind(s.original_due_at)
                        .bind(s.finished_at)
                        .bind(s.returned_at)
                        .bind(s.supplement_requests)
                        .bind(s.supplement_due_at)
                        .bind(s.paused_at)
                        .bind(s.paused_seconds)
                        .bind(s.current_step)
                        .bind(s.step_started_at)
                        .bind(s.has_e_result)
                        .bind(s.reused_documents)
                        .bind(s.rating.map(|r| r.as_str()))
                        .bind(s.rating_comment.clone())
                        .bind(s.rated_at)
                        .bind(d.created_by)
                        .bind(now);
                }
                q.execute(&mut *tx).await?;
            }

            let documents: Vec<(Uuid, &BulkDocument)> =
                dossiers.iter().flat_map(|d| d.documents.iter().map(move |doc| (d.id, doc))).collect();
            for chunk in documents.chunks(rows_per_statement(12)) {
                let sql = format!(
                    "INSERT INTO dossier_documents (id, dossier_id, document_key, purpose, sha256, file_name, content_type, \
                     size, copy_kind, reused_from, uploaded_at, uploaded_by) VALUES {}",
                    placeholders(chunk.len(), 12)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (dossier_id, doc) in chunk {
                    q = q
                        .bind(Uuid::now_v7())
                        .bind(*dossier_id)
                        .bind(doc.document_key.clone())
                        .bind(doc.purpose)
                        .bind(hashes[doc.blob].clone())
                        .bind(doc.file_name.clone())
                        .bind(blobs[doc.blob].0)
                        .bind(blobs[doc.blob].1.len() as i64)
                        .bind(doc.copy_kind)
                        .bind(None::<Uuid>)
                        .bind(doc.uploaded_at)
                        .bind(None::<Uuid>);
                }
                q.execute(&mut *tx).await?;
            }

            let events: Vec<(&BulkDossier, &BulkDossierEvent)> =
                dossiers.iter().flat_map(|d| d.events.iter().map(move |e| (d, e))).collect();
            for chunk in events.chunks(rows_per_statement(15)) {
                let sql = format!(
                    "INSERT INTO dossier_events (id, dossier_id, at, action, from_status, to_status, actor_id, actor_name, \
                     from_unit, to_unit, step, step_deadline, form, note, details) VALUES {}",
                    placeholders(chunk.len(), 15)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (d, e) in chunk {
                    q = q
                        .bind(Uuid::now_v7())
                        .bind(d.id)
                        .bind(e.at)
                        .bind(e.action.clone())
                        .bind(e.from_status.map(|s| s.code()))
                        .bind(e.to_status.code())
                        .bind(e.actor_id)
                        .bind(e.actor_name.clone())
                        .bind(Some(d.unit_code.clone()))
                        .bind(Some(d.unit_code.clone()))
                        .bind(e.step)
                        .bind(None::<DateTime<Utc>>)
                        .bind(e.form.clone())
                        .bind(e.note.clone())
                        .bind("{\"synthetic\":true}");
                }
                q.execute(&mut *tx).await?;
            }

            let tallied = tx.rollup_subjects(Which::Ids(&ids)).await?;
            tx.move_rollups(&[], &tallied).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "dossier.generated",
                record_type: "dossier",
                record_id: codes.first().cloned().unwrap_or_default(),
                details: json!({"count": dossiers.len(), "events": events.len(), "documents": documents.len()}),
            }).await?;
        });
        Ok(dossiers.len() as u64)
    }
}
