//! Dossier submissions written in groups: the submissions waiting behind the writer go into one transaction with
//! multi-row statements, instead of one transaction of about seventeen statements each.
//!
//! Why: SQLite has one writer, and each statement is a round trip to its connection's thread, so one-by-one
//! submissions stopped near 400/s whatever the number of clients (issue 3 asks for 2,000/s). A group of `n` costs
//! about ten statements and one commit. What a submission writes is unchanged — its dossier, documents, personal
//! documents, first event, idempotency key, tallies, its own audit record (chained in order) and outbox event.
//!
//! How: each submission is queued and spawns a task that takes the queue's writer lock and writes everything queued
//! at that moment, in groups of at most [`MAX_GROUP`]; tasks that find the queue empty stop. Spawned, so a request
//! dropped by its client never cuts a group in half. A group that fails (an idempotency key taken meanwhile, a
//! database error) is written again one by one through [`Store::insert_dossier`], so one bad submission never fails
//! the others and each gets its own answer. Submissions reusing personal documents (rare, and they need reads
//! that check ownership) take the one-by-one path directly.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use smartcity_domain::dossiers::DossierStatus;
use smartcity_domain::text::fold_vietnamese;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::dossier_rollups::{RollupWrite, Which};
use crate::dossiers::{DocumentSource, Dossier, DossierWrite, NewDossier, sha256_hex};
use crate::outbox::OutboxWrite;
use crate::rows::{placeholders, rows_per_statement};
use crate::{Store, StoreError, StoreResult, in_write_tx};

/// Most submissions in one transaction: enough to amortise the commit, few enough that one failure costs little.
pub const MAX_GROUP: usize = 64;

/// A submission waiting for the writer, with the answer channel of its request.
struct Queued {
    ctx: AuditContext,
    new: NewDossier,
    received_at: DateTime<Utc>,
    /// SHA-256 of each uploaded document, computed by the request before queueing (not under the writer lock).
    hashes: Vec<String>,
    reply: oneshot::Sender<StoreResult<Dossier>>,
}

/// The submissions waiting to be written; shared by every clone of a `Store`.
#[derive(Default)]
pub(crate) struct SubmissionQueue {
    waiting: Mutex<Vec<Queued>>,
    /// Held by the task writing groups, so only one writes at a time and the others find the queue drained.
    writer: tokio::sync::Mutex<()>,
}

impl Store {
    /// Writes a new dossier, in a group with the submissions queued beside it (see the module notes).
    pub(crate) async fn insert_dossier_grouped(
        &self,
        ctx: &AuditContext,
        new: NewDossier,
        received_at: DateTime<Utc>,
    ) -> StoreResult<Dossier> {
        let mut hashes = Vec::with_capacity(new.documents.len());
        for doc in &new.documents {
            match &doc.source {
                DocumentSource::Upload { bytes, .. } => hashes.push(sha256_hex(bytes)),
                DocumentSource::Reuse { .. } => return self.insert_dossier(ctx, new, received_at).await,
            }
        }
        let (reply, answer) = oneshot::channel();
        self.submissions.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Queued {
            ctx: ctx.clone(),
            new,
            received_at,
            hashes,
            reply,
        });
        let store = self.clone();
        tokio::spawn(async move { store.write_queued_submissions().await });
        answer.await.unwrap_or_else(|_| Err(StoreError::Database(sqlx::Error::WorkerCrashed)))
    }

    /// Writes whatever is queued, group after group, until the queue is empty.
    async fn write_queued_submissions(&self) {
        let _writer = self.submissions.writer.lock().await;
        loop {
            let group: Vec<Queued> = {
                let mut waiting = self.submissions.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let n = waiting.len().min(MAX_GROUP);
                waiting.drain(..n).collect()
            };
            if group.is_empty() {
                return;
            }
            let ids: Vec<Uuid> = group.iter().map(|_| Uuid::now_v7()).collect();
            match self.insert_group(&group, &ids).await {
                Ok((codes, now)) => {
                    for ((queued, id), code) in group.into_iter().zip(ids).zip(codes) {
                        let received_at = smartcity_domain::audit::truncate_to_micros(queued.received_at);
                        // A request that gave up no longer listens; its dossier stands (a retry with the same
                        // Idempotency-Key finds it).
                        let _ = queued.reply.send(Ok(queued.new.written(id, code, received_at, now, false)));
                    }
                }
                Err(error) => {
                    tracing::debug!(%error, size = group.len(), "a group of submissions failed; writing them one by one");
                    for queued in group {
                        let written = self.insert_dossier(&queued.ctx, queued.new, queued.received_at).await;
                        let _ = queued.reply.send(written);
                    }
                }
            }
        }
    }

    /// One transaction for `group` (dossier `ids[i]` for submission `i`): the codes given, and the time written.
    async fn insert_group(&self, group: &[Queued], ids: &[Uuid]) -> StoreResult<(Vec<String>, DateTime<Utc>)> {
        let now = crate::now();
        let status = DossierStatus::Submitted;
        let codes = in_write_tx!(self, tx => {
            let wanted: Vec<(&str, chrono::NaiveDate)> =
                group.iter().map(|q| (q.new.agency_code.as_str(), q.new.local_day)).collect();
            let codes = tx.reserve_dossier_codes(&wanted).await?;

            let rows: Vec<(&Queued, &Uuid, &String)> = group.iter().zip(ids).zip(&codes).map(|((q, id), c)| (q, id, c)).collect();
            for chunk in rows.chunks(rows_per_statement(25)) {
                let sql = format!(
                    "INSERT INTO dossiers (id, code, procedure_id, procedure_code, unit_code, current_unit_code, applicant_id, \
                     applicant_name, applicant_folded, applicant_citizen_id, applicant_kind, applicant_tax_code, applicant_contact, \
                     channel, status, status_before_pause, form_data, received_at, supplement_requests, paused_seconds, \
                     current_step, has_e_result, reused_documents, created_by, updated_at) VALUES {}",
                    placeholders(chunk.len(), 25)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (queued, id, code) in chunk {
                    let new = &queued.new;
                    q = q
                        .bind(**id)
                        .bind((*code).clone())
                        .bind(new.procedure_id)
                        .bind(new.procedure_code.clone())
                        .bind(new.unit_code.clone())
                        .bind(new.unit_code.clone())
                        .bind(new.applicant_id)
                        .bind(new.applicant_name.clone())
                        .bind(fold_vietnamese(&new.applicant_name))
                        .bind(new.applicant_citizen_id.clone())
                        .bind(new.applicant_kind.code())
                        .bind(new.applicant_tax_code.clone())
                        .bind(new.applicant_contact.clone())
                        .bind(new.channel.code())
                        .bind(status.code())
                        .bind(None::<i64>)
                        .bind(new.form_data.to_string())
                        .bind(smartcity_domain::audit::truncate_to_micros(queued.received_at))
                        .bind(0_i64)
                        .bind(0_i64)
                        .bind(0_i64)
                        .bind(false)
                        .bind(false)
                        .bind(new.created_by)
                        .bind(now);
                }
                q.execute(&mut *tx).await?;
            }

            // Files: each content once, then one document row per file and a personal-store copy when asked.
            let mut blobs: Vec<(&str, &str, &[u8])> = Vec::new();
            let mut documents = Vec::new();
            let mut personal = Vec::new();
            for (queued, id) in group.iter().zip(ids) {
                let new = &queued.new;
                for (doc, sha) in new.documents.iter().zip(&queued.hashes) {
                    let DocumentSource::Upload { file_name, content_type, bytes } = &doc.source else {
                        continue; // never queued (see insert_dossier_grouped)
                    };
                    if !blobs.iter().any(|(s, _, _)| *s == sha.as_str()) {
                        blobs.push((sha, content_type, bytes));
                    }
                    documents.push((*id, doc, sha, file_name, content_type, bytes.len() as i64, new.created_by.or(new.applicant_id)));
                    if new.keep_in_personal_store && let Some(owner) = new.applicant_id {
                        personal.push((owner, doc, sha, file_name, content_type, bytes.len() as i64, *id));
                    }
                }
            }
            for chunk in blobs.chunks(rows_per_statement(5)) {
                let sql = format!(
                    "INSERT INTO blobs (sha256, content_type, size, bytes, created_at) VALUES {} ON CONFLICT (sha256) DO NOTHING",
                    placeholders(chunk.len(), 5)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (sha, content_type, bytes) in chunk {
                    q = q.bind(*sha).bind(*content_type).bind(bytes.len() as i64).bind(*bytes).bind(now);
                }
                q.execute(&mut *tx).await?;
            }
            for chunk in documents.chunks(rows_per_statement(12)) {
                let sql = format!(
                    "INSERT INTO dossier_documents (id, dossier_id, document_key, purpose, sha256, file_name, content_type, \
                     size, copy_kind, reused_from, uploaded_at, uploaded_by) VALUES {}",
                    placeholders(chunk.len(), 12)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (dossier_id, doc, sha, file_name, content_type, size, uploaded_by) in chunk {
                    q = q
                        .bind(Uuid::now_v7())
                        .bind(*dossier_id)
                        .bind(doc.document_key.clone())
                        .bind("submission")
                        .bind((*sha).clone())
                        .bind((*file_name).clone())
                        .bind((*content_type).clone())
                        .bind(*size)
                        .bind(doc.copy_kind)
                        .bind(None::<Uuid>)
                        .bind(now)
                        .bind(*uploaded_by);
                }
                q.execute(&mut *tx).await?;
            }
            for chunk in personal.chunks(rows_per_statement(10)) {
                let sql = format!(
                    "INSERT INTO personal_documents (id, account_id, kind, title, sha256, file_name, content_type, size, \
                     source_dossier_id, created_at) VALUES {}",
                    placeholders(chunk.len(), 10)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (owner, doc, sha, file_name, content_type, size, dossier_id) in chunk {
                    q = q
                        .bind(Uuid::now_v7())
                        .bind(*owner)
                        .bind(doc.document_key.clone())
                        .bind(doc.title.clone())
                        .bind((*sha).clone())
                        .bind((*file_name).clone())
                        .bind((*content_type).clone())
                        .bind(*size)
                        .bind(*dossier_id)
                        .bind(now);
                }
                q.execute(&mut *tx).await?;
            }

            let tallied = tx.rollup_subjects(Which::Ids(ids)).await?;
            tx.move_rollups(&[], &tallied).await?;

            for chunk in rows.chunks(rows_per_statement(15)) {
                let sql = format!(
                    "INSERT INTO dossier_events (id, dossier_id, at, action, from_status, to_status, actor_id, actor_name, \
                     from_unit, to_unit, step, step_deadline, form, note, details) VALUES {}",
                    placeholders(chunk.len(), 15)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (queued, id, _) in chunk {
                    let new = &queued.new;
                    let details = json!({"channel": new.channel.as_str(), "documents": new.documents.len(), "reused": false});
                    q = q
                        .bind(Uuid::now_v7())
                        .bind(**id)
                        .bind(now)
                        .bind("submit")
                        .bind(None::<i64>)
                        .bind(status.code())
                        .bind(new.created_by.or(new.applicant_id))
                        .bind(new.applicant_name.clone())
                        .bind(None::<String>)
                        .bind(Some(new.unit_code.clone()))
                        .bind(0_i64)
                        .bind(None::<DateTime<Utc>>)
                        .bind(None::<String>)
                        .bind(String::new())
                        .bind(details.to_string());
                }
                q.execute(&mut *tx).await?;
            }

            let keys: Vec<(Uuid, &str, Uuid)> = rows
                .iter()
                .filter_map(|(queued, id, _)| {
                    let new = &queued.new;
                    Some((new.applicant_id.or(new.created_by)?, new.idempotency_key.as_deref()?, **id))
                })
                .collect();
            for chunk in keys.chunks(rows_per_statement(4)) {
                let sql = format!(
                    "INSERT INTO idempotency_keys (account_id, key, dossier_id, created_at) VALUES {}",
                    placeholders(chunk.len(), 4)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (account, key, id) in chunk {
                    q = q.bind(*account).bind(*key).bind(*id).bind(now);
                }
                q.execute(&mut *tx).await?;
            }

            tx.append_audits(
                rows.iter()
                    .map(|(queued, _, code)| {
                        let new = &queued.new;
                        (&queued.ctx, AuditEvent {
                            action: "dossier.submitted",
                            record_type: "dossier",
                            record_id: (*code).clone(),
                            details: json!({"procedure": new.procedure_code, "unit": new.unit_code, "channel": new.channel.as_str()}),
                        })
                    })
                    .collect(),
            )
            .await?;
            let events: Vec<(&str, Value)> = rows
                .iter()
                .map(|(_, id, code)| {
                    ("dossier.submitted", json!({"dossier_id": id.to_string(), "code": code, "status": status.as_str()}))
                })
                .collect();
            tx.enqueue_many(&events).await?;
            codes
        });
        Ok((codes, now))
    }
}
