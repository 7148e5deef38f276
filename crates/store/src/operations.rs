//! `operations`: what the operations centre (IOC) reads at a glance — counters computed by indexed
//! queries, never by loading rows — the outbox events replayed to its live dashboard, and the standard
//! operating procedures (SOP) per alarm type with the steps operators ticked on each alarm.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use smartcity_domain::dossiers::DossierStatus;
use smartcity_domain::operations::alarms::AlarmSeverity;
use smartcity_domain::operations::sop::StepText;
use smartcity_domain::reports::ReportStatus;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::outbox::OutboxWrite;
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// Field-report figures of the whole city at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportCounters {
    /// Not answered, rejected or closed.
    pub open: i64,
    /// Open and past their handling deadline.
    pub overdue: i64,
    /// Ratings given to reports answered since `since`.
    pub rated: i64,
    /// Of those, “satisfied” or “acceptable”.
    pub content: i64,
}

/// Alarm figures: active alarms by severity and how fast operators acknowledge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlarmCounters {
    /// Active (not cleared) alarms per severity, most severe first, every severity present.
    pub active_by_severity: Vec<(AlarmSeverity, i64)>,
    /// Active and not yet acknowledged.
    pub unacknowledged: i64,
    /// Alarms acknowledged since `since`.
    pub acknowledged: i64,
    /// Their mean time from start to acknowledgement, in seconds.
    pub mean_seconds_to_acknowledge: Option<f64>,
}

/// A published heritage place with its position, for the IOC map (read from the portal's articles).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacePoint {
    pub article_id: Uuid,
    /// Slug of the site that publishes it, for the link.
    pub site_slug: String,
    pub ward_code: String,
    pub name_vi: String,
    pub name_en: String,
    pub lat: f64,
    pub lon: f64,
}

/// One step of an alarm type's standard operating procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SopStep {
    pub id: Uuid,
    pub alarm_type: String,
    pub position: i32,
    pub text_vi: String,
    pub text_en: String,
}

/// A step an operator ticked on an alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SopTick {
    pub alarm_id: Uuid,
    pub step_id: Uuid,
    /// Display name of the operator.
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

/// Dossier figures of the whole city at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DossierCounters {
    /// Received since `since` (local midnight of today).
    pub received_since: i64,
    /// Not in a final status.
    pub open: i64,
    /// Open, running (not paused for a supplement) and past their appointment date.
    pub overdue: i64,
}

/// An outbox event as the live dashboard sees it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: Uuid,
    pub topic: String,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

/// The operations capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait OperationsStore {
    /// Dossier counters at `now`, received ones counted from `since`.
    async fn dossier_counters(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<DossierCounters>;
    /// Dossier counters of the dossiers received by `unit` (the drill-down of a ward).
    async fn unit_dossier_counters(
        &self,
        unit: &str,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<DossierCounters>;
    /// Outbox events written at or after `since`, oldest first (by time, then id), at most `limit`; with `after`,
    /// only those after that (time, id), to page through a burst of more than `limit` events.
    async fn events_since(
        &self,
        since: DateTime<Utc>,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>>;
    /// When the newest outbox event was written: every change the dashboard counts writes one, so figures
    /// computed after it are still current until a newer one appears.
    async fn newest_event_at(&self) -> StoreResult<Option<DateTime<Utc>>>;
    /// Field-report counters at `now` of the whole city, or of the reports located in `ward`; satisfaction
    /// counted over reports answered since `since`.
    async fn report_counters(
        &self,
        ward: Option<&str>,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<ReportCounters>;
    /// Alarm counters, the mean time to acknowledge over alarms acknowledged since `since`.
    async fn alarm_counters(&self, since: DateTime<Utc>) -> StoreResult<AlarmCounters>;
    /// Published heritage places that have a position (at most 5,000).
    async fn heritage_points(&self, now: DateTime<Utc>) -> StoreResult<Vec<PlacePoint>>;
    /// The current steps (not retired) of every alarm type, by type then position.
    async fn sop_steps(&self) -> StoreResult<Vec<SopStep>>;
    /// Replaces the procedure of `alarm_type` by `steps`: a step whose Vietnamese text is unchanged keeps its id
    /// (and the ticks of alarms in progress), the others are new; steps no longer listed are retired. Audited.
    async fn save_sop_steps(&self, ctx: &AuditContext, alarm_type: &str, steps: &[StepText]) -> StoreResult<()>;
    /// Writes `defaults` for every alarm type that never had a procedure (not even retired steps), so that an
    /// administrator who emptied one is not overruled. Returns how many types were written.
    async fn ensure_sop_defaults(&self, ctx: &AuditContext, defaults: &[(&str, &[(&str, &str)])])
    -> StoreResult<usize>;
    /// The ticks on these alarms (current and retired steps).
    async fn sop_ticks(&self, alarm_ids: &[Uuid]) -> StoreResult<Vec<SopTick>>;
    /// Ticks (`done`) or unticks a step of `alarm_id`'s procedure by `actor`; audited and announced as
    /// `alarm.sop`. `NotFound` when the step is not a current step of the alarm's type.
    async fn set_sop_tick(
        &self,
        ctx: &AuditContext,
        alarm_id: Uuid,
        step_id: Uuid,
        actor: Uuid,
        done: bool,
    ) -> StoreResult<()>;
}

/// The codes of open report statuses, for an `IN` list built from constants only; written exactly as the
/// predicate of the open-report indexes (`reports_open_due_idx`, `reports_open_ward_idx`) so queries use them.
pub(crate) fn open_report_codes() -> String {
    ReportStatus::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// The numeric codes of final statuses, for an `IN` list built from constants only.
fn final_codes() -> String {
    DossierStatus::ALL.iter().filter(|s| s.is_final()).map(|s| s.code().to_string()).collect::<Vec<_>>().join(", ")
}

impl OperationsStore for Store {
    async fn dossier_counters(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<DossierCounters> {
        let finals = final_codes();
        let open_sql = format!("SELECT COUNT(*) FROM dossiers WHERE finished_at IS NULL AND status NOT IN ({finals})");
        let overdue_sql = format!(
            "SELECT COUNT(*) FROM dossiers WHERE finished_at IS NULL AND status NOT IN ({finals}) \
             AND paused_at IS NULL AND due_at < $1"
        );
        let (received, open, overdue): ((i64,), (i64,), (i64,)) = on_reader!(self, pool => {
            let received = sqlx::query_as("SELECT COUNT(*) FROM dossiers WHERE received_at >= $1")
                .bind(since)
                .fetch_one(pool)
                .await?;
            let open = sqlx::query_as(sqlx::AssertSqlSafe(open_sql)).fetch_one(pool).await?;
            let overdue = sqlx::query_as(sqlx::AssertSqlSafe(overdue_sql)).bind(now).fetch_one(pool).await?;
            (received, open, overdue)
        });
        Ok(DossierCounters { received_since: received.0, open: open.0, overdue: overdue.0 })
    }

    async fn unit_dossier_counters(
        &self,
        unit: &str,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<DossierCounters> {
        let finals = final_codes();
        let open_sql = format!(
            "SELECT COUNT(*) FROM dossiers WHERE unit_code = $1 AND finished_at IS NULL AND status NOT IN ({finals})"
        );
        let overdue_sql = format!(
            "SELECT COUNT(*) FROM dossiers WHERE unit_code = $1 AND finished_at IS NULL AND status NOT IN ({finals}) \
             AND paused_at IS NULL AND due_at < $2"
        );
        let (received, open, overdue): ((i64,), (i64,), (i64,)) = on_reader!(self, pool => {
            let received = sqlx::query_as("SELECT COUNT(*) FROM dossiers WHERE unit_code = $1 AND received_at >= $2")
                .bind(unit)
                .bind(since)
                .fetch_one(pool)
                .await?;
            let open = sqlx::query_as(sqlx::AssertSqlSafe(open_sql)).bind(unit).fetch_one(pool).await?;
            let overdue = sqlx::query_as(sqlx::AssertSqlSafe(overdue_sql)).bind(unit).bind(now).fetch_one(pool).await?;
            (received, open, overdue)
        });
        Ok(DossierCounters { received_since: received.0, open: open.0, overdue: overdue.0 })
    }

    async fn events_since(
        &self,
        since: DateTime<Utc>,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>> {
        // Without `after` the key is (since, the smallest id): every event at `since` is included.
        let (at, id) = after.unwrap_or((since, Uuid::nil()));
        let inclusive = if after.is_some() { ">" } else { ">=" };
        let sql = format!(
            "SELECT id, topic, payload, created_at FROM outbox WHERE created_at >= $1 AND (created_at, id) {inclusive} ($2, $3) \
             ORDER BY created_at, id LIMIT $4"
        );
        let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(since)
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, topic, payload, created_at)| StoredEvent {
                id,
                topic,
                payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
                created_at,
            })
            .collect())
    }

    async fn newest_event_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row: (Option<DateTime<Utc>>,) = on_reader!(self, pool => {
            sqlx::query_as("SELECT MAX(created_at) FROM outbox").fetch_one(pool).await?
        });
        Ok(row.0)
    }

    async fn report_counters(
        &self,
        ward: Option<&str>,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<ReportCounters> {
        let open = open_report_codes();
        // Each count reads one index only: the open reports' (`reports_open_due_idx`, or `reports_open_ward_idx`
        // for a ward), whose predicate is this very status list, and `reports_answered_rating_idx` for ratings.
        let (ward_clause, ward_bind) = match ward {
            Some(w) => (" AND ward_code = $2", Some(w.to_owned())),
            None => ("", None),
        };
        let open_sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END), 0) FROM reports \
             WHERE status IN ({open}){ward_clause}"
        );
        let rated_sql = format!(
            "SELECT COUNT(rating), COALESCE(SUM(CASE WHEN rating IN ('satisfied', 'acceptable') THEN 1 ELSE 0 END), 0) \
             FROM reports WHERE answered_at >= $1{ward_clause}"
        );
        let ((open, overdue), (rated, content)): ((i64, i64), (i64, i64)) = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(open_sql)).bind(now);
            let mut r = sqlx::query_as(sqlx::AssertSqlSafe(rated_sql)).bind(since);
            if let Some(w) = &ward_bind {
                q = q.bind(w.clone());
                r = r.bind(w.clone());
            }
            (q.fetch_one(pool).await?, r.fetch_one(pool).await?)
        });
        Ok(ReportCounters { open, overdue, rated, content })
    }

    async fn alarm_counters(&self, since: DateTime<Utc>) -> StoreResult<AlarmCounters> {
        type Active = Vec<(String, bool, i64)>;
        type Acknowledged = Vec<(DateTime<Utc>, DateTime<Utc>)>;
        let (active, acked): (Active, Acknowledged) = on_reader!(self, pool => {
            let active = sqlx::query_as(
                "SELECT severity, acknowledged, COUNT(*) FROM alarms WHERE NOT cleared GROUP BY severity, acknowledged",
            )
            .fetch_all(pool)
            .await?;
            // Alarms are few (one per originator and type at a time); the mean is taken here so that both
            // engines compute it the same way from their different timestamp types.
            let acked = sqlx::query_as("SELECT start_ts, ack_ts FROM alarms WHERE ack_ts >= $1 LIMIT 100000")
                .bind(since)
                .fetch_all(pool)
                .await?;
            (active, acked)
        });
        let mut out = AlarmCounters {
            active_by_severity: AlarmSeverity::ALL.iter().map(|s| (*s, 0)).collect(),
            ..Default::default()
        };
        for (severity, acknowledged, n) in active {
            let severity = AlarmSeverity::parse(&severity)?;
            if let Some(slot) = out.active_by_severity.iter_mut().find(|(s, _)| *s == severity) {
                slot.1 += n;
            }
            if !acknowledged {
                out.unacknowledged += n;
            }
        }
        out.acknowledged = acked.len() as i64;
        if !acked.is_empty() {
            let total: f64 =
                acked.iter().map(|(start, ack)| (*ack - *start).num_milliseconds().max(0) as f64 / 1000.0).sum();
            out.mean_seconds_to_acknowledge = Some(total / acked.len() as f64);
        }
        Ok(out)
    }

    async fn heritage_points(&self, now: DateTime<Utc>) -> StoreResult<Vec<PlacePoint>> {
        type Row = (Uuid, String, String, String, String, f64, f64);
        let rows: Vec<Row> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT a.id, s.slug, a.unit_code, a.title_vi, a.title_en, a.lat, a.lon FROM portal_articles a \
                 JOIN portal_sites s ON s.unit_code = a.unit_code \
                 WHERE a.kind = 'heritage_place' AND a.status = 'published' AND (a.publish_at IS NULL OR a.publish_at <= $1) \
                 AND a.lat IS NOT NULL AND a.lon IS NOT NULL ORDER BY a.title_vi LIMIT 5000",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(article_id, site_slug, ward_code, name_vi, name_en, lat, lon)| PlacePoint {
                article_id,
                site_slug,
                ward_code,
                name_vi,
                name_en,
                lat,
                lon,
            })
            .collect())
    }

    async fn sop_steps(&self) -> StoreResult<Vec<SopStep>> {
        let rows: Vec<(Uuid, String, i32, String, String)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, alarm_type, position, text_vi, text_en FROM sop_steps WHERE retired_at IS NULL \
                 ORDER BY alarm_type, position",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, alarm_type, position, text_vi, text_en)| SopStep { id, alarm_type, position, text_vi, text_en })
            .collect())
    }

    async fn save_sop_steps(&self, ctx: &AuditContext, alarm_type: &str, steps: &[StepText]) -> StoreResult<()> {
        let now = crate::now();
        in_write_tx!(self, tx => {
            let current: Vec<(Uuid, String)> =
                sqlx::query_as("SELECT id, text_vi FROM sop_steps WHERE alarm_type = $1 AND retired_at IS NULL")
                    .bind(alarm_type)
                    .fetch_all(&mut *tx)
                    .await?;
            let mut kept = Vec::new();
            for (i, step) in steps.iter().enumerate() {
                let position = i as i32 + 1;
                match current.iter().find(|(id, vi)| *vi == step.vi && !kept.contains(id)) {
                    Some((id, _)) => {
                        sqlx::query("UPDATE sop_steps SET position = $1, text_en = $2 WHERE id = $3")
                            .bind(position)
                            .bind(&step.en)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        kept.push(*id);
                    }
                    None => {
                        let id = Uuid::now_v7();
                        sqlx::query(
                            "INSERT INTO sop_steps (id, alarm_type, position, text_vi, text_en) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(id)
                        .bind(alarm_type)
                        .bind(position)
                        .bind(&step.vi)
                        .bind(&step.en)
                        .execute(&mut *tx)
                        .await?;
                        kept.push(id);
                    }
                }
            }
            for (id, _) in current.iter().filter(|(id, _)| !kept.contains(id)) {
                sqlx::query("UPDATE sop_steps SET retired_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
            }
            tx.append_audit(ctx, AuditEvent {
                action: "sop.saved",
                record_type: "sop",
                record_id: alarm_type.to_owned(),
                details: json!({"steps": steps.iter().map(|s| json!({"vi": s.vi, "en": s.en})).collect::<Vec<_>>()}),
            })
            .await?;
        });
        Ok(())
    }

    async fn ensure_sop_defaults(
        &self,
        ctx: &AuditContext,
        defaults: &[(&str, &[(&str, &str)])],
    ) -> StoreResult<usize> {
        let mut written = 0;
        for (alarm_type, steps) in defaults {
            let (n,): (i64,) = on_reader!(self, pool => {
                sqlx::query_as("SELECT COUNT(*) FROM sop_steps WHERE alarm_type = $1").bind(*alarm_type).fetch_one(pool).await?
            });
            if n == 0 {
                let steps: Vec<StepText> =
                    steps.iter().map(|(vi, en)| StepText { vi: (*vi).to_owned(), en: (*en).to_owned() }).collect();
                self.save_sop_steps(ctx, alarm_type, &steps).await?;
                written += 1;
            }
        }
        Ok(written)
    }

    async fn sop_ticks(&self, alarm_ids: &[Uuid]) -> StoreResult<Vec<SopTick>> {
        if alarm_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=alarm_ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT t.alarm_id, t.step_id, a.display_name, t.ticked_at FROM alarm_sop_ticks t \
             LEFT JOIN accounts a ON a.id = t.ticked_by WHERE t.alarm_id IN ({placeholders}) ORDER BY t.ticked_at"
        );
        let rows: Vec<(Uuid, Uuid, Option<String>, DateTime<Utc>)> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for id in alarm_ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(alarm_id, step_id, by, at)| SopTick { alarm_id, step_id, by, at }).collect())
    }

    async fn set_sop_tick(
        &self,
        ctx: &AuditContext,
        alarm_id: Uuid,
        step_id: Uuid,
        actor: Uuid,
        done: bool,
    ) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let step: Option<(String,)> = sqlx::query_as(
                "SELECT s.text_vi FROM sop_steps s JOIN alarms a ON a.alarm_type = s.alarm_type \
                 WHERE s.id = $1 AND a.id = $2 AND s.retired_at IS NULL",
            )
            .bind(step_id)
            .bind(alarm_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (text_vi,) = step.ok_or(StoreError::NotFound)?;
            let changed = if done {
                sqlx::query(
                    "INSERT INTO alarm_sop_ticks (alarm_id, step_id, ticked_by, ticked_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (alarm_id, step_id) DO NOTHING",
                )
                .bind(alarm_id)
                .bind(step_id)
                .bind(actor)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                sqlx::query("DELETE FROM alarm_sop_ticks WHERE alarm_id = $1 AND step_id = $2")
                    .bind(alarm_id)
                    .bind(step_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            };
            // Ticking a ticked step again changes nothing and leaves no trace.
            if changed > 0 {
                let action = if done { "alarm.sop_ticked" } else { "alarm.sop_unticked" };
                tx.append_audit(ctx, AuditEvent {
                    action,
                    record_type: "alarm",
                    record_id: alarm_id.to_string(),
                    details: json!({"step_id": step_id, "step": text_vi}),
                })
                .await?;
                tx.enqueue("alarm.sop", &json!({"alarm_id": alarm_id, "step_id": step_id, "done": done})).await?;
            }
        });
        Ok(())
    }
}
