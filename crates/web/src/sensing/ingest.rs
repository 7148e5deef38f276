//! The one path every Observation takes into the store, from `POST /Observations`, `CreateObservations` and MQTT:
//! result types are checked against each Datastream's `observationType`, the rows are written in one transaction,
//! then published on the MQTT receive topics and fed to the flood-level alarm rule.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde_json::{Value, json};
use smartcity_domain::operations::alarms::{AlarmCondition, AlarmSeverity};
use smartcity_domain::sensing::flood::{FloodLevel, hue_gauges};
use smartcity_domain::sensing::sensorthings::observation_type::check_result;
use smartcity_store::sensing::{EntitySet, NewObservation, ResultValue, SensingStore, format_micros};
use smartcity_store::{AlarmStore, AuditContext, StoreError, StoreResult};

use super::mqtt::Outgoing;
use crate::AppState;

/// The alarm type of the flood rule.
pub const FLOOD_ALARM: &str = "flood_level";

/// Stores `rows` (all or none) and returns each one's id, `None` for a redelivered duplicate.
pub async fn store_observations(state: &AppState, rows: Vec<NewObservation>) -> StoreResult<Vec<Option<i64>>> {
    let streams: Vec<i64> = {
        let mut seen = HashSet::new();
        rows.iter().map(|r| r.datastream_id).filter(|d| seen.insert(*d)).collect()
    };
    let types = state.store.datastream_types(&streams).await?;
    for r in &rows {
        // Unknown Datastreams are reported by the store, with the transaction's other checks.
        if let Some(t) = types.get(&r.datastream_id) {
            check_result(t, &result_json(&r.result))?;
        }
    }
    let ids = state.store.insert_observations(&rows).await?;
    for (row, id) in rows.iter().zip(&ids).filter(|_| state.sensing.publishing()) {
        if let Some(id) = id {
            state.sensing.publish(Outgoing {
                topic: format!("v1.1/Datastreams({})/Observations", row.datastream_id),
                payload: observation_json(*id, row).to_string().into_bytes(),
            });
        }
    }
    let stored = ids.iter().filter(|id| id.is_some()).count();
    if stored > 0 {
        // Dashboards hear of new readings (at most once a second) and recompute their figures.
        state.ioc_summary.touch();
        state.live.readings_arrived(stored, &streams);
    }
    if let Err(e) = evaluate_flood_rules(state, &rows).await {
        // The Observations are stored; a failed rule must not turn the request into an error.
        tracing::warn!(error = %e, "flood alarm rule failed");
    }
    Ok(ids)
}

/// The JSON of a result as it was sent.
pub fn result_json(r: &ResultValue) -> Value {
    r.to_value()
}

/// An Observation as published on MQTT receive topics (OGC 18-088 §14.2: the entity's JSON).
pub fn observation_json(id: i64, row: &NewObservation) -> Value {
    let time = match row.phenomenon_time_end {
        Some(end) if end != row.phenomenon_time => {
            format!("{}/{}", format_micros(row.phenomenon_time), format_micros(end))
        }
        _ => format_micros(row.phenomenon_time),
    };
    json!({
        "@iot.id": id,
        "@iot.selfLink": format!("Observations({id})"),
        "phenomenonTime": time,
        "result": result_json(&row.result),
        "resultTime": row.result_time.map(format_micros),
        "Datastream@iot.navigationLink": format!("Observations({id})/Datastream"),
    })
}

/// Datastreams whose `properties.gauge` names one of Huế's reference gauges measure the river: the newest reading
/// of a batch is placed against the gauge's BĐ levels (QĐ 05/2020/QĐ-TTg) and raises, escalates or clears the
/// Datastream's `flood_level` alarm. Levels map to severities BĐ1 → minor, BĐ2 → major, BĐ3 and above → critical.
async fn evaluate_flood_rules(state: &AppState, rows: &[NewObservation]) -> StoreResult<()> {
    let mut newest: HashMap<i64, (i64, f64)> = HashMap::new();
    for r in rows {
        if let ResultValue::Number(v) = r.result {
            let e = newest.entry(r.datastream_id).or_insert((r.phenomenon_time, v));
            if r.phenomenon_time >= e.0 {
                *e = (r.phenomenon_time, v);
            }
        }
    }
    for (ds, (at, level_m)) in newest {
        let stream = match state.store.sta_get(EntitySet::Datastreams, ds).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        let Some(gauge_id) = stream.json.get("properties").and_then(|p| p.get("gauge")).and_then(Value::as_str) else {
            continue;
        };
        let Some(gauge) = hue_gauges().into_iter().find(|g| g.id == gauge_id) else { continue };
        let at = chrono::DateTime::<Utc>::from_timestamp_micros(at).unwrap_or_else(Utc::now);
        let level = gauge.level_of(level_m);
        let severity = match level {
            FloodLevel::Normal => None,
            FloodLevel::Bd1 => Some(AlarmSeverity::Minor),
            FloodLevel::Bd2 => Some(AlarmSeverity::Major),
            FloodLevel::Bd3 | FloodLevel::AboveBd3 => Some(AlarmSeverity::Critical),
        };
        let condition = match severity {
            None => AlarmCondition::Normal { at },
            Some(severity) => AlarmCondition::Raised {
                severity,
                at,
                details: json!({
                    "gauge": gauge.id, "water_level_m": level_m, "level": level.as_str(),
                    "level_vi": level.label_vi(), "level_en": level.label_en(),
                }),
            },
        };
        state
            .store
            .evaluate_alarm(
                &AuditContext::system("sensing:flood-rule"),
                &format!("Datastreams({ds})"),
                &gauge.name_vi,
                FLOOD_ALARM,
                condition,
            )
            .await?;
    }
    Ok(())
}
