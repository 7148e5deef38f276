//! The one path every Observation takes into the store, from `POST /Observations`, `CreateObservations` and MQTT:
//! result types are checked against each Datastream's `observationType`, the rows are written in one transaction,
//! then published on the MQTT receive topics and fed to the alarm rules.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde_json::{Value, json};
use smartcity_domain::sensing::alarm_rules::{AlarmRule, RuleCondition, evaluate_reading};
use smartcity_domain::sensing::sensorthings::observation_type::check_result;
use smartcity_store::sensing::{NewObservation, ResultValue, SensingStore, format_micros};
use smartcity_store::{AlarmRuleStore, AlarmStore, AuditContext, StoreResult};

use super::mqtt::Outgoing;
use crate::AppState;

/// The alarm type of the flood rule.
pub const FLOOD_ALARM: &str = smartcity_domain::sensing::alarm_rules::FLOOD_RULE;

/// Stores `rows` (all or none) and returns each one's id, `None` for a redelivered duplicate.
pub async fn store_observations(state: &AppState, rows: Vec<NewObservation>) -> StoreResult<Vec<Option<i64>>> {
    let announce = vec![true; rows.len()];
    store_observations_announcing(state, rows, &announce).await
}

/// [`store_observations`], publishing on the MQTT receive topics only the rows `announce` marks. A device's
/// Observation published on `v1.1/Datastreams(id)/Observations` has already reached that topic's subscribers through
/// the broker; publishing it again would deliver it twice (and bring it back to our own subscription, halving what
/// MQTT ingest can take), so MQTT ingest announces only what arrived on `v1.1/Observations`.
pub async fn store_observations_announcing(
    state: &AppState,
    rows: Vec<NewObservation>,
    announce: &[bool],
) -> StoreResult<Vec<Option<i64>>> {
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
    for ((row, id), _) in rows.iter().zip(&ids).zip(announce).filter(|(_, a)| **a && state.sensing.publishing()) {
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
    if let Err(e) = evaluate_rules(state, &rows).await {
        // The Observations are stored; a failed rule must not turn the request into an error.
        tracing::warn!(error = %e, "alarm rules failed");
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

/// The administrators' alarm rules (`domain::sensing::alarm_rules`) on the newest numeric reading of each
/// Datastream of a batch: threshold rules on the Datastreams they watch, the river rule on Datastreams whose
/// `properties.gauge` names a gauge, against that gauge's BĐ levels in force (QĐ 05/2020/QĐ-TTg). Each rule keeps
/// one alarm per Datastream (originator `Datastreams(id)`, type the rule's code), evaluated inside the store's
/// write transaction so the hysteresis sees the alarm as it is.
async fn evaluate_rules(state: &AppState, rows: &[NewObservation]) -> StoreResult<()> {
    let mut newest: HashMap<i64, (i64, f64)> = HashMap::new();
    for r in rows {
        if let ResultValue::Number(v) = r.result {
            let e = newest.entry(r.datastream_id).or_insert((r.phenomenon_time, v));
            if r.phenomenon_time >= e.0 {
                *e = (r.phenomenon_time, v);
            }
        }
    }
    if newest.is_empty() {
        return Ok(());
    }
    let rules: Vec<AlarmRule> = state
        .store
        .alarm_rules()
        .await?
        .into_iter()
        .filter(|r| r.enabled && !matches!(r.condition, RuleCondition::Silence { .. }))
        .collect();
    if rules.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = newest.keys().copied().collect();
    let facts = state.store.stream_facts(&ids).await?;
    let gauges = state.store.river_gauges().await?;
    let ctx = AuditContext::system("sensing:alarm-rules");
    for (ds, (at, value)) in newest {
        let Some(stream) = facts.get(&ds) else { continue };
        let gauge = stream.gauge.as_deref().and_then(|id| gauges.iter().find(|g| g.id == id));
        let at = chrono::DateTime::<Utc>::from_timestamp_micros(at).unwrap_or_else(Utc::now);
        for rule in rules.iter().filter(|r| r.watches(stream)) {
            let levels = gauge.map(|g| &g.alarm_levels);
            if matches!(rule.condition, RuleCondition::RiverLevel { .. }) && levels.is_none() {
                continue;
            }
            let name = match gauge {
                Some(g) if matches!(rule.condition, RuleCondition::RiverLevel { .. }) => g.name_vi.clone(),
                _ => format!("{} · Datastreams({ds})", stream.observed_property),
            };
            state
                .store
                .evaluate_alarm_with(&ctx, &format!("Datastreams({ds})"), &name, &rule.code, |active| {
                    evaluate_reading(rule, stream, levels, value, at, active)
                })
                .await?;
        }
    }
    Ok(())
}
