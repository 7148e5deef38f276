//! QĐ 766/QĐ-TTg indicators for a unit and its subtree over a period, computed from the dossiers
//! with the pure formulas of `domain::indices`.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use smartcity_domain::dossiers::DossierStatus;
use smartcity_domain::indices::{DossierRecord, SupplementPause, compute_indices};
use smartcity_domain::units::UnitCode;
use smartcity_store::{DossierStore, PaymentStore, ProcedureStore, UnitStore};

use super::api::IndicesView;
use super::workflow;
use crate::AppState;
use crate::error::{AppError, AppResult};

pub(crate) fn parse_day(field: &'static str, text: Option<&str>, default: NaiveDate) -> AppResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            AppError::invalid_field(
                field,
                "date_invalid",
                format!("{field}: ngày phải có dạng năm-tháng-ngày, ví dụ 2026-01-01."),
                format!("{field}: the date must be year-month-day, e.g. 2026-01-01."),
            )
        }),
    }
}

pub(crate) fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    smartcity_domain::time::TZ
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// Indicators of `unit` (default the city) from `from` to `to` inclusive (local dates).
pub async fn compute(
    state: &AppState,
    unit: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<IndicesView> {
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let first_of_year = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let from_day = parse_day("from", from, first_of_year)?;
    let to_day = parse_day("to", to, today)?;
    // Same period rules as the transparency pages (order, at most five years).
    smartcity_domain::transparency::Period::new(from_day, to_day, today)?;
    let unit = UnitCode::parse(unit.filter(|u| !u.trim().is_empty()).unwrap_or("46"))
        .map_err(|e| AppError::from(e).with_field("unit"))?;
    if state.store.unit(&unit).await?.is_none() {
        return Err(AppError::not_found());
    }
    // The unit and every unit below it.
    let all = state.store.list_units().await?;
    let scope = crate::units::subtree_codes(&all, &[unit.to_string()]);
    let start = local_midnight(from_day);
    let end = local_midnight(to_day.succ_opt().unwrap_or(to_day));
    let records: Vec<DossierRecord> =
        records_for_period(state, &scope, start, end).await?.into_iter().map(|(_, r)| r).collect();
    Ok(IndicesView {
        unit: unit.to_string(),
        from: from_day.to_string(),
        to: to_day.to_string(),
        dossiers: records.len(),
        indicators: compute_indices(&records, start, end),
    })
}

/// The dossiers of `scope` that matter for `[start, end)`, each as the unit holding it and the record the
/// pure formulas read. One query for the dossiers; procedures are read once each.
pub async fn records_for_period(
    state: &AppState,
    scope: &[String],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> AppResult<Vec<(String, DossierRecord)>> {
    let dossiers = state.store.dossiers_for_period(scope, start, end).await?;
    let calendar = workflow::calendar(state).await?;
    // What the formulas need of each procedure version, read once per version: whether its result is on paper,
    // and the keys of its fees when any fee costs money (QĐ 766 3.6 counts only dossiers that owe something).
    let mut procedures: std::collections::HashMap<uuid::Uuid, (bool, Option<Vec<String>>)> =
        std::collections::HashMap::new();
    let paid_online: std::collections::HashSet<uuid::Uuid> =
        state.store.dossiers_paid_online().await?.into_iter().collect();
    let mut records = Vec::with_capacity(dossiers.len());
    for d in dossiers {
        let (paper_result, charged_fees) = match procedures.get(&d.procedure_id) {
            Some(known) => known.clone(),
            None => {
                let facts = match state.store.procedure(d.procedure_id).await? {
                    Some(p) => {
                        let fees = state.store.procedure_fees(&p).await?;
                        let charged = fees.iter().any(|f| f.amount_vnd > 0);
                        (p.paper_result, charged.then(|| fees.into_iter().map(|f| f.key).collect()))
                    }
                    None => (false, None),
                };
                procedures.insert(d.procedure_id, facts.clone());
                facts
            }
        };
        // Owed unless every fee of the procedure was waived for this dossier.
        let fees_due = match &charged_fees {
            None => false,
            Some(keys) => {
                let waived = state.store.fee_exemptions(d.id).await?;
                !keys.iter().all(|k| waived.iter().any(|(w, _)| w == k))
            }
        };
        let s = &d.state;
        let mut pauses = Vec::new();
        if let Some(accepted) = s.accepted_at
            && s.paused_seconds > 0
        {
            pauses.push(SupplementPause {
                requested_at: accepted,
                submitted_at: Some(accepted + chrono::Duration::seconds(s.paused_seconds)),
            });
        }
        if let Some(paused) = s.paused_at {
            pauses.push(SupplementPause { requested_at: paused, submitted_at: None });
        }
        let processing_days = match (s.accepted_at, s.finished_at) {
            (Some(a), Some(f)) if d.status != DossierStatus::Refused => {
                Some(calendar.working_days_between(a, f) as f64)
            }
            _ => None,
        };
        let record = DossierRecord {
            received_at: s.received_at,
            channel: d.channel,
            status: d.status,
            due_at: s.original_due_at,
            finished_at: s.finished_at,
            supplement_pauses: pauses,
            supplement_requests: u32::try_from(s.supplement_requests).unwrap_or(u32::MAX),
            processing_days,
            has_attachments: d.has_documents,
            has_e_result: s.has_e_result,
            paper_result_required: paper_result,
            reused_components: s.reused_documents,
            rating: s.rating,
            has_complaint: false,
            fees_due,
            paid_online: paid_online.contains(&d.id),
        };
        records.push((d.unit_code, record));
    }
    Ok(records)
}
