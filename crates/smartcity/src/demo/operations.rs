//! Demo operations centre: the starting operating procedures, and last week's flood alarm at Phú Ốc as the IOC
//! handled it — raised at BĐ2, acknowledged after seven minutes with every step of its procedure ticked, cleared
//! once the river fell — so that the dashboard's mean time to acknowledge and the alarm history are not empty.

use anyhow::Context;
use chrono::Duration;
use serde_json::json;
use smartcity_domain::operations::alarms::{AlarmCondition, AlarmSeverity, acknowledge, clear};
use smartcity_domain::operations::sop::DEFAULT_PROCEDURES;
use smartcity_store::sensing::alarms::OperatorAction;
use smartcity_store::{AlarmStore, AuditContext, OperationsStore, Store};
use uuid::Uuid;

/// Loads the stage; returns how many procedure steps the operator ticked.
pub async fn load(store: &Store, ctx: &AuditContext, operator: Uuid) -> anyhow::Result<usize> {
    store.ensure_sop_defaults(ctx, &DEFAULT_PROCEDURES).await.context("the starting procedures")?;
    // Microseconds, as both engines store them (an export from SQLite then equals one from PostgreSQL).
    let start = smartcity_store::now() - Duration::days(6) - Duration::hours(3);
    let stream = super::sensing::demo_streams(store)
        .await?
        .into_iter()
        .find(|(ds, _)| {
            ds.json.get("properties").and_then(|p| p.get("gauge")).and_then(|g| g.as_str())
                == Some("tram-thuy-van-phu-oc")
        })
        .map(|(ds, _)| ds.id)
        .context("the Phú Ốc water-level Datastream")?;
    // The originator the flood rule uses (`web::sensing::ingest`), so the gauge's page lists this alarm.
    let originator = format!("Datastreams({stream})");
    let originator = originator.as_str();
    let raised = AlarmCondition::Raised {
        severity: AlarmSeverity::Major,
        at: start,
        details: json!({"gauge": "tram-thuy-van-phu-oc", "water_level_m": 3.2, "level": "bd2",
            "level_vi": "Báo động 2", "level_en": "Alarm level 2"}),
    };
    store.evaluate_alarm(ctx, originator, "Trạm thủy văn Phú Ốc", "flood_level", raised).await?;
    let alarm = store.list_alarms(true, 50).await?.into_iter().find(|a| a.alarm.originator == originator);
    let Some(alarm) = alarm else { return Ok(0) };
    let operator_ctx = AuditContext::account(operator, None);
    let acked = acknowledge(&alarm.alarm, start + Duration::minutes(7))?;
    store
        .apply_operator_action(
            &operator_ctx,
            alarm.id,
            alarm.updated_at,
            OperatorAction::Acknowledge,
            &acked,
            "Đã báo Ban Chỉ huy PCTT thành phố",
        )
        .await?;
    let steps: Vec<_> = store.sop_steps().await?.into_iter().filter(|s| s.alarm_type == "flood_level").collect();
    for s in &steps {
        store.set_sop_tick(&operator_ctx, alarm.id, s.id, operator, true).await?;
    }
    let current = store.get_alarm(alarm.id).await?;
    let cleared = clear(&current.alarm, start + Duration::hours(9))?;
    store
        .apply_operator_action(
            &operator_ctx,
            alarm.id,
            current.updated_at,
            OperatorAction::Clear,
            &cleared,
            "Nước đã rút dưới BĐ1",
        )
        .await?;
    Ok(steps.len())
}
