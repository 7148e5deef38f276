//! Cảnh báo vận hành: alarms of the operations centre as stored. The rules are `domain::operations::alarms`:
//! [`AlarmStore::evaluate_alarm`] runs its `decide` step against the stored active alarm inside the write
//! transaction (a partial unique index keeps at most one active alarm per originator and type), and operator actions
//! (acknowledge, assign, clear) arrive as the new state the domain computed. Every change is audited, kept in the
//! alarm's own history with the operator's comment, and announced in the outbox (`alarm.*`) for the dashboard.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use smartcity_domain::operations::alarms::{Alarm, AlarmCondition, AlarmDecision, AlarmSeverity, decide};
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::outbox::OutboxWrite;
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// An alarm with its id and a readable name for its originator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAlarm {
    pub id: Uuid,
    /// E.g. "Trạm thủy văn Kim Long".
    pub originator_name: String,
    pub alarm: Alarm,
    /// Guards operator actions against a concurrent change.
    pub updated_at: DateTime<Utc>,
}

/// One entry of an alarm's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmEvent {
    pub at: DateTime<Utc>,
    /// `created`, `severity_changed`, `cleared`, `acknowledged`, `assigned`, `cleared_by_operator`.
    pub action: String,
    /// Account id or label of who acted; `None` for the rule engine.
    pub actor: Option<String>,
    pub comment: String,
}

#[derive(sqlx::FromRow)]
struct AlarmRow {
    id: Uuid,
    originator: String,
    originator_name: String,
    alarm_type: String,
    severity: String,
    acknowledged: bool,
    cleared: bool,
    start_ts: DateTime<Utc>,
    end_ts: DateTime<Utc>,
    ack_ts: Option<DateTime<Utc>>,
    clear_ts: Option<DateTime<Utc>>,
    assignee: Option<String>,
    assign_ts: Option<DateTime<Utc>>,
    details: String,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, originator, originator_name, alarm_type, severity, acknowledged, cleared, start_ts, end_ts, \
     ack_ts, clear_ts, assignee, assign_ts, details, updated_at";

impl AlarmRow {
    fn into_alarm(self) -> StoreResult<StoredAlarm> {
        Ok(StoredAlarm {
            id: self.id,
            originator_name: self.originator_name,
            updated_at: self.updated_at,
            alarm: Alarm {
                originator: self.originator,
                alarm_type: self.alarm_type,
                severity: AlarmSeverity::parse(&self.severity)?,
                acknowledged: self.acknowledged,
                cleared: self.cleared,
                start_ts: self.start_ts,
                end_ts: self.end_ts,
                ack_ts: self.ack_ts,
                clear_ts: self.clear_ts,
                assignee: self.assignee,
                assign_ts: self.assign_ts,
                details: serde_json::from_str(&self.details).unwrap_or(Value::Null),
            },
        })
    }
}

/// What an evaluation did to the stored alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmOutcome {
    Created,
    SeverityChanged,
    Refreshed,
    Cleared,
    Nothing,
}

/// An operator's action on an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorAction {
    Acknowledge,
    Assign,
    Clear,
}

impl OperatorAction {
    fn as_str(self) -> &'static str {
        match self {
            OperatorAction::Acknowledge => "acknowledged",
            OperatorAction::Assign => "assigned",
            OperatorAction::Clear => "cleared_by_operator",
        }
    }
}

/// Writes used inside an alarm transaction on either engine.
pub(crate) trait AlarmWrite: AuditAppend + OutboxWrite {
    async fn write_alarm(&mut self, id: Uuid, name: &str, a: &Alarm, insert: bool) -> StoreResult<DateTime<Utc>>;
    async fn alarm_event(
        &mut self,
        id: Uuid,
        action: &str,
        actor: Option<&str>,
        comment: &str,
        details: &Value,
    ) -> StoreResult<()>;
}

crate::impl_for_connections!(impl AlarmWrite {
    async fn write_alarm(&mut self, id: Uuid, name: &str, a: &Alarm, insert: bool) -> StoreResult<DateTime<Utc>> {
        let now = crate::now();
        let sql = if insert {
            "INSERT INTO alarms (severity, acknowledged, cleared, start_ts, end_ts, ack_ts, clear_ts, assignee, assign_ts, \
             details, updated_at, id, originator, originator_name, alarm_type) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        } else {
            "UPDATE alarms SET severity = $1, acknowledged = $2, cleared = $3, start_ts = $4, end_ts = $5, ack_ts = $6, \
             clear_ts = $7, assignee = $8, assign_ts = $9, details = $10, updated_at = $11 \
             WHERE id = $12 AND originator = $13 AND originator_name = $14 AND alarm_type = $15"
        };
        sqlx::query(sql)
            .bind(a.severity.as_str())
            .bind(a.acknowledged)
            .bind(a.cleared)
            .bind(a.start_ts)
            .bind(a.end_ts)
            .bind(a.ack_ts)
            .bind(a.clear_ts)
            .bind(a.assignee.as_deref())
            .bind(a.assign_ts)
            .bind(a.details.to_string())
            .bind(now)
            .bind(id)
            .bind(&a.originator)
            .bind(name)
            .bind(&a.alarm_type)
            .execute(&mut *self)
            .await?;
        Ok(now)
    }

    async fn alarm_event(&mut self, id: Uuid, action: &str, actor: Option<&str>, comment: &str, details: &Value) -> StoreResult<()> {
        sqlx::query("INSERT INTO alarm_events (id, alarm_id, at, action, actor, comment, details) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(Uuid::now_v7())
            .bind(id)
            .bind(crate::now())
            .bind(action)
            .bind(actor)
            .bind(comment)
            .bind(details.to_string())
            .execute(&mut *self)
            .await?;
        Ok(())
    }
});

/// The alarms' storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait AlarmStore {
    /// Applies the latest evaluation of a rule for (`originator`, `alarm_type`): creates, escalates, refreshes or
    /// clears its active alarm as `domain::operations::alarms::decide` says.
    async fn evaluate_alarm(
        &self,
        ctx: &AuditContext,
        originator: &str,
        originator_name: &str,
        alarm_type: &str,
        condition: AlarmCondition,
    ) -> StoreResult<AlarmOutcome>;
    /// Like [`Self::evaluate_alarm`], with the condition computed from the severity of the active alarm as the
    /// write transaction reads it (a rule's hysteresis depends on it); `None` from `rule` changes nothing.
    async fn evaluate_alarm_with(
        &self,
        ctx: &AuditContext,
        originator: &str,
        originator_name: &str,
        alarm_type: &str,
        rule: impl FnOnce(Option<AlarmSeverity>) -> Option<AlarmCondition>,
    ) -> StoreResult<AlarmOutcome>;
    /// Alarms, most severe first, then the longest waiting; `active_only` hides cleared ones.
    async fn list_alarms(&self, active_only: bool, limit: i64) -> StoreResult<Vec<StoredAlarm>>;
    /// One alarm.
    async fn get_alarm(&self, id: Uuid) -> StoreResult<StoredAlarm>;
    /// Stores an operator's action (the new state from the domain), if the alarm is still as read
    /// (`expected_updated_at`), else `Conflict { constraint: "alarm_changed" }`.
    async fn apply_operator_action(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        expected_updated_at: DateTime<Utc>,
        action: OperatorAction,
        new_state: &Alarm,
        comment: &str,
    ) -> StoreResult<()>;
    /// An alarm's history, oldest first.
    async fn alarm_history(&self, id: Uuid) -> StoreResult<Vec<AlarmEvent>>;
}

impl AlarmStore for Store {
    async fn evaluate_alarm(
        &self,
        ctx: &AuditContext,
        originator: &str,
        originator_name: &str,
        alarm_type: &str,
        condition: AlarmCondition,
    ) -> StoreResult<AlarmOutcome> {
        self.evaluate_alarm_with(ctx, originator, originator_name, alarm_type, |_| Some(condition)).await
    }

    async fn evaluate_alarm_with(
        &self,
        ctx: &AuditContext,
        originator: &str,
        originator_name: &str,
        alarm_type: &str,
        rule: impl FnOnce(Option<AlarmSeverity>) -> Option<AlarmCondition>,
    ) -> StoreResult<AlarmOutcome> {
        let sql = format!("SELECT {COLUMNS} FROM alarms WHERE originator = $1 AND alarm_type = $2 AND NOT cleared");
        let outcome = in_write_tx!(self, tx => {
            let row: Option<AlarmRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(originator)
                .bind(alarm_type)
                .fetch_optional(&mut *tx)
                .await?;
            let active = row.map(AlarmRow::into_alarm).transpose()?;
            let Some(condition) = rule(active.as_ref().map(|a| a.alarm.severity)) else {
                return Ok(AlarmOutcome::Nothing);
            };
            let decision = decide(active.as_ref().map(|a| &a.alarm), originator, alarm_type, condition)?;
            let (id, alarm, outcome, insert) = match decision {
                AlarmDecision::Nothing => return Ok(AlarmOutcome::Nothing),
                AlarmDecision::Create { alarm } => (Uuid::now_v7(), alarm, AlarmOutcome::Created, true),
                AlarmDecision::UpdateSeverity { alarm, .. } => {
                    (active.as_ref().map(|a| a.id).unwrap_or_default(), alarm, AlarmOutcome::SeverityChanged, false)
                }
                AlarmDecision::Refresh { alarm } => {
                    (active.as_ref().map(|a| a.id).unwrap_or_default(), alarm, AlarmOutcome::Refreshed, false)
                }
                AlarmDecision::Clear { alarm } => {
                    (active.as_ref().map(|a| a.id).unwrap_or_default(), alarm, AlarmOutcome::Cleared, false)
                }
            };
            let name = active.as_ref().map_or(originator_name, |a| a.originator_name.as_str());
            tx.write_alarm(id, name, &alarm, insert).await?;
            // A refresh only moves the end time: no history entry, no audit record, no event.
            if outcome != AlarmOutcome::Refreshed {
                let action = match outcome {
                    AlarmOutcome::Created => "created",
                    AlarmOutcome::SeverityChanged => "severity_changed",
                    _ => "cleared",
                };
                let details = json!({"severity": alarm.severity, "details": alarm.details});
                tx.alarm_event(id, action, None, "", &details).await?;
                tx.append_audit(ctx, AuditEvent {
                    action: &format!("alarm.{action}"),
                    record_type: "alarm",
                    record_id: id.to_string(),
                    details: json!({"originator": originator, "type": alarm_type, "severity": alarm.severity}),
                })
                .await?;
                tx.enqueue(&format!("alarm.{action}"), &json!({"alarm_id": id, "originator": originator, "type": alarm_type, "severity": alarm.severity})).await?;
            }
            outcome
        });
        Ok(outcome)
    }

    async fn list_alarms(&self, active_only: bool, limit: i64) -> StoreResult<Vec<StoredAlarm>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM alarms{} ORDER BY cleared, start_ts DESC LIMIT $1",
            if active_only { " WHERE NOT cleared" } else { "" }
        );
        let rows: Vec<AlarmRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?
        });
        let mut out = rows.into_iter().map(AlarmRow::into_alarm).collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| {
            a.alarm
                .cleared
                .cmp(&b.alarm.cleared)
                .then(b.alarm.severity.cmp(&a.alarm.severity))
                .then(a.alarm.start_ts.cmp(&b.alarm.start_ts))
        });
        Ok(out)
    }

    async fn get_alarm(&self, id: Uuid) -> StoreResult<StoredAlarm> {
        let sql = format!("SELECT {COLUMNS} FROM alarms WHERE id = $1");
        let row: Option<AlarmRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.into_alarm()
    }

    async fn apply_operator_action(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        expected_updated_at: DateTime<Utc>,
        action: OperatorAction,
        new_state: &Alarm,
        comment: &str,
    ) -> StoreResult<()> {
        let sql = format!("SELECT {COLUMNS} FROM alarms WHERE id = $1");
        in_write_tx!(self, tx => {
            let row: Option<AlarmRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *tx).await?;
            let current = row.ok_or(StoreError::NotFound)?.into_alarm()?;
            if current.updated_at != expected_updated_at {
                return Err(StoreError::Conflict { constraint: "alarm_changed".into() });
            }
            tx.write_alarm(id, &current.originator_name, new_state, false).await?;
            let details = json!({"assignee": new_state.assignee, "status": new_state.status().as_str()});
            tx.alarm_event(id, action.as_str(), ctx.actor.as_deref(), comment, &details).await?;
            tx.append_audit(ctx, AuditEvent {
                action: &format!("alarm.{}", action.as_str()),
                record_type: "alarm",
                record_id: id.to_string(),
                details: json!({"comment": comment, "assignee": new_state.assignee, "status": new_state.status().as_str()}),
            })
            .await?;
            tx.enqueue(&format!("alarm.{}", action.as_str()), &json!({"alarm_id": id, "status": new_state.status().as_str()})).await?;
        });
        Ok(())
    }

    async fn alarm_history(&self, id: Uuid) -> StoreResult<Vec<AlarmEvent>> {
        let rows: Vec<(DateTime<Utc>, String, Option<String>, String)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT at, action, actor, comment FROM alarm_events WHERE alarm_id = $1 ORDER BY at, id")
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(at, action, actor, comment)| AlarmEvent { at, action, actor, comment }).collect())
    }
}
