//! Quy tắc cảnh báo as stored: the alarm rules administrators edited (`alarm_rules`, each the JSON of a
//! `domain::sensing::alarm_rules::AlarmRule`, the defaults in code standing for the rest) and the BĐ levels of each
//! river gauge (`river_gauge_levels`, over the seed levels of `domain::sensing::flood::hue_gauges`). Every save is
//! audited in the same transaction. Also the facts of Datastreams that the rules match on.

use std::collections::HashMap;

use serde_json::{Value, json};
use smartcity_domain::sensing::alarm_rules::{AlarmRule, StreamFacts, effective_rules};
use smartcity_domain::sensing::flood::{AlarmLevels, RiverGauge, hue_gauges};

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// The storage contract of alarm rules and gauge levels.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait AlarmRuleStore {
    /// The rules in force: stored ones over the defaults (`effective_rules`).
    async fn alarm_rules(&self) -> StoreResult<Vec<AlarmRule>>;
    /// Stores a validated rule (new or replacing the one with its code), audited as `alarm_rule.saved`.
    async fn save_alarm_rule(&self, ctx: &AuditContext, rule: &AlarmRule) -> StoreResult<()>;
    /// The river gauges with their levels in force (edited levels over the seed ones).
    async fn river_gauges(&self) -> StoreResult<Vec<RiverGauge>>;
    /// Stores a gauge's BĐ levels, audited as `river_gauge.levels_saved`; `NotFound` for an unknown gauge.
    async fn save_gauge_levels(&self, ctx: &AuditContext, gauge_id: &str, levels: &AlarmLevels) -> StoreResult<()>;
    /// What the rules need to know of these Datastreams (unknown ids are left out).
    async fn stream_facts(&self, ids: &[i64]) -> StoreResult<HashMap<i64, StreamFacts>>;
}

impl AlarmRuleStore for Store {
    async fn alarm_rules(&self) -> StoreResult<Vec<AlarmRule>> {
        let rows: Vec<(String, String)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT code, definition FROM alarm_rules ORDER BY code").fetch_all(pool).await?
        });
        let mut stored = Vec::with_capacity(rows.len());
        for (code, definition) in rows {
            match serde_json::from_str::<AlarmRule>(&definition) {
                Ok(rule) => stored.push(rule),
                // A row this release cannot read falls back to the default of its code rather than stop alarms.
                Err(e) => tracing::warn!(%code, error = %e, "unreadable alarm rule ignored"),
            }
        }
        Ok(effective_rules(stored))
    }

    async fn save_alarm_rule(&self, ctx: &AuditContext, rule: &AlarmRule) -> StoreResult<()> {
        let definition =
            serde_json::to_string(rule).map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))?;
        let now = crate::now();
        in_write_tx!(self, tx => {
            let (before,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM alarm_rules WHERE code = $1")
                .bind(&rule.code)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO alarm_rules (code, definition, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (code) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
            )
            .bind(&rule.code)
            .bind(&definition)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "alarm_rule.saved",
                record_type: "alarm_rule",
                record_id: rule.code.clone(),
                details: json!({"rule": rule, "first_edit": before == 0}),
            })
            .await?;
        });
        Ok(())
    }

    async fn river_gauges(&self) -> StoreResult<Vec<RiverGauge>> {
        let rows: Vec<(String, f64, f64, f64)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT gauge_id, bd1_m, bd2_m, bd3_m FROM river_gauge_levels").fetch_all(pool).await?
        });
        let mut gauges = hue_gauges();
        for g in &mut gauges {
            if let Some((_, b1, b2, b3)) = rows.iter().find(|r| r.0 == g.id) {
                g.alarm_levels = AlarmLevels::new(*b1, *b2, *b3)?;
                g.basis = format!("{} — đã điều chỉnh / adjusted", g.basis);
            }
        }
        Ok(gauges)
    }

    async fn save_gauge_levels(&self, ctx: &AuditContext, gauge_id: &str, levels: &AlarmLevels) -> StoreResult<()> {
        if !hue_gauges().iter().any(|g| g.id == gauge_id) {
            return Err(StoreError::NotFound);
        }
        let now = crate::now();
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO river_gauge_levels (gauge_id, bd1_m, bd2_m, bd3_m, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (gauge_id) DO UPDATE SET bd1_m = excluded.bd1_m, bd2_m = excluded.bd2_m, \
                 bd3_m = excluded.bd3_m, updated_at = excluded.updated_at",
            )
            .bind(gauge_id)
            .bind(levels.bd1())
            .bind(levels.bd2())
            .bind(levels.bd3())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "river_gauge.levels_saved",
                record_type: "river_gauge",
                record_id: gauge_id.to_owned(),
                details: json!({"bd1_m": levels.bd1(), "bd2_m": levels.bd2(), "bd3_m": levels.bd3()}),
            })
            .await?;
        });
        Ok(())
    }

    async fn stream_facts(&self, ids: &[i64]) -> StoreResult<HashMap<i64, StreamFacts>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT d.id, p.name, p.definition, d.properties FROM sta_datastreams d \
                 JOIN sta_observed_properties p ON p.id = d.observed_property_id WHERE d.id IN ({})",
                marks.join(", ")
            );
            let rows: Vec<(i64, String, String, Option<String>)> = on_reader!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            for (id, observed_property, definition, properties) in rows {
                let gauge = properties
                    .and_then(|p| serde_json::from_str::<Value>(&p).ok())
                    .and_then(|p| p.get("gauge").and_then(Value::as_str).map(str::to_owned));
                out.insert(id, StreamFacts { id, observed_property, definition, gauge });
            }
        }
        Ok(out)
    }
}
