//! `smartcity demo --dossiers N`: synthetic dossiers for benchmarks and index pages, spread over the
//! 40 wards and communes (city-level procedures go to their agency), the demo procedures, the three
//! channels and the last three years, in all ten statuses.
//!
//! Speed matters more than a lifelike history here, so each dossier is written with two store
//! calls: the submission, then one change that brings it straight to its final state (with dates
//! that agree with each other and with the working-day calendar) and records the last action as
//! its one further event. The applicants have no accounts, nobody is notified, and the submission
//! events they put in the outbox are marked delivered without a mail: three-year-old dossiers must
//! not mail anyone.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use smartcity_domain::calendar::WorkingCalendar;
use smartcity_domain::dossiers::{ApplicantKind, Channel, DossierStatus, Form, Rating};
use smartcity_domain::time::TZ;
use smartcity_domain::units::UnitKind;
use smartcity_store::dossiers::{DocumentSource, DossierChange, NewDocument, NewDossier, NewDossierEvent};
use smartcity_store::procedures::Procedure;
use smartcity_store::{
    AuditContext, CalendarStore, DossierStore, IdentityStore, OutboxStore, ProcedureStore, Store, UnitStore,
};
use uuid::Uuid;

use super::DEMO_ACTOR;

/// Dossiers are written by this many tasks at once, so the reads of one overlap the writes of
/// another (SQLite has one writer; more tasks only queue for it).
const WORKERS: u64 = 4;
/// How far back the received dates go.
const SPAN_DAYS: i64 = 3 * 365;
/// Dossiers older than this are (nearly) all finished.
const OPEN_WINDOW_DAYS: i64 = 45;
/// The one scanned file every synthetic dossier that has documents attaches (stored once).
const SUBMISSION_PDF: &[u8] = b"%PDF-1.4\n% demo\n% synthetic submission\n%%EOF\n";
const RESULT_PDF: &[u8] = b"%PDF-1.4\n% demo\n% synthetic result\n%%EOF\n";

const FAMILY: [&str; 14] =
    ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Tôn Nữ"];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Minh", "Quang", "Thị Thu", "Hữu", "Ngọc", "Đức"];
const GIVEN: [&str; 16] = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hải", "Hạnh", "Khoa", "Lan", "Long", "Mai", "Nam", "Phương", "Quân",
    "Thảo", "Vy",
];

/// What a run produced.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    pub dossiers: u64,
    pub elapsed: Duration,
}

impl Generated {
    /// Dossiers written per second.
    pub fn rate(&self) -> f64 {
        self.dossiers as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Staff recorded as the actors of the synthetic events.
#[derive(Clone)]
struct Staff {
    reception: (Option<Uuid>, String),
    processing: (Option<Uuid>, String),
    leader: (Option<Uuid>, String),
}

/// Everything a worker needs, shared.
struct Setting {
    procedures: Vec<Procedure>,
    wards: Vec<String>,
    calendar: WorkingCalendar,
    staff: Staff,
    now: DateTime<Utc>,
    today: NaiveDate,
}

/// Write `count` synthetic dossiers (the demo catalogue must be loaded).
pub async fn generate(store: &Store, count: u64) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let now = smartcity_store::now();
    let today = now.with_timezone(&TZ).date_naive();
    let procedures = store.list_procedures(today, "").await?;
    anyhow::ensure!(!procedures.is_empty(), "no procedure is in force: load the demo catalogue first");
    let wards: Vec<String> = store
        .list_units()
        .await?
        .into_iter()
        .filter(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune) && u.is_active_on(today))
        .map(|u| u.code.to_string())
        .collect();
    anyhow::ensure!(!wards.is_empty(), "there is no ward or commune: load the demo data first");
    let staff_member = |email: &'static str, fallback: &'static str| async move {
        let account = store.account_for_login(email).await?.map(|(a, _)| a);
        anyhow::Ok(account.map_or((None, fallback.to_owned()), |a| (Some(a.id), a.display_name)))
    };
    let staff = Staff {
        reception: staff_member("reception@hue.demo", "Bộ phận Một cửa").await?,
        processing: staff_member("processing@hue.demo", "Chuyên viên").await?,
        leader: staff_member("leader@hue.demo", "Lãnh đạo").await?,
    };
    let setting = Arc::new(Setting {
        procedures,
        wards,
        calendar: WorkingCalendar::new(store.day_adjustments().await?),
        staff,
        now,
        today,
    });

    let seed: u64 = rand::rng().random();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS.min(count.max(1)) {
        let (store, setting) = (store.clone(), setting.clone());
        workers.spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed ^ worker.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let ctx = AuditContext::system(DEMO_ACTOR);
            let mut ids = Vec::new();
            // Worker w writes dossiers w, w + WORKERS, w + 2·WORKERS…
            let mut index = worker;
            while index < count {
                ids.push(write_one(&store, &ctx, &setting, &mut rng, index).await?);
                index += WORKERS;
            }
            anyhow::Ok(ids)
        });
    }
    let mut written = HashSet::new();
    while let Some(joined) = workers.join_next().await {
        written.extend(joined.context("a dossier generator task failed")??);
    }
    silence_notifications(store, &written).await?;
    Ok(Generated { dossiers: written.len() as u64, elapsed: started.elapsed() })
}

/// Mark the outbox events of the synthetic dossiers delivered, without mail.
async fn silence_notifications(store: &Store, ours: &HashSet<Uuid>) -> anyhow::Result<()> {
    const BATCH: i64 = 1000;
    let mut others = 0i64;
    loop {
        let events = store.pending_events(others + BATCH).await?;
        let mut silenced = 0;
        others = 0;
        for event in &events {
            let dossier =
                event.payload.get("dossier_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
            if dossier.is_some_and(|id| ours.contains(&id)) {
                store.complete_event(event.id, &[]).await?;
                silenced += 1;
            } else {
                others += 1;
            }
        }
        if silenced == 0 {
            return Ok(());
        }
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// `weights[i]` is the weight of `DossierStatus::ALL[i]`.
fn weighted_status(rng: &mut StdRng, weights: [u32; 10]) -> DossierStatus {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.random_range(0..total);
    for (status, weight) in DossierStatus::ALL.iter().zip(weights) {
        if roll < weight {
            return *status;
        }
        roll -= weight;
    }
    DossierStatus::ResultReturned
}

fn local_instant(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = day.and_hms_opt(hour, minute, 0).unwrap_or_default();
    TZ.from_local_datetime(&naive).earliest().map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

fn hours(rng: &mut StdRng, from: i64, to: i64) -> TimeDelta {
    TimeDelta::minutes(rng.random_range(from * 60..to * 60))
}

fn citizen_id(rng: &mut StdRng) -> String {
    let year = rng.random_range(1950..2007);
    let female = rng.random_bool(0.5);
    let century_sex = if year >= 2000 { 2 } else { 0 } + u32::from(female);
    format!("046{century_sex}{:02}{:06}", year % 100, rng.random_range(0..1_000_000))
}

/// Submit one dossier and bring it to a random status; returns its id.
async fn write_one(
    store: &Store,
    ctx: &AuditContext,
    setting: &Setting,
    rng: &mut StdRng,
    index: u64,
) -> anyhow::Result<Uuid> {
    let procedure = pick(rng, &setting.procedures);
    let unit = match (&procedure.level, &procedure.unit_code) {
        (smartcity_domain::procedures::ProcedureLevel::City, Some(unit)) => unit.clone(),
        _ => pick(rng, &setting.wards).clone(),
    };
    let channel = *pick(
        rng,
        &[Channel::Online, Channel::Online, Channel::Online, Channel::Counter, Channel::Counter, Channel::Post],
    );

    // The first ten dossiers take one status each, recently; the rest spread over three years.
    let (age, status) = if index < 10 {
        (rng.random_range(0..14), DossierStatus::ALL[index as usize])
    } else {
        let age = rng.random_range(0..SPAN_DAYS);
        let status = if age > OPEN_WINDOW_DAYS {
            weighted_status(rng, [0, 0, 5, 0, 0, 0, 4, 3, 3, 85])
        } else {
            weighted_status(rng, [8, 8, 4, 25, 8, 4, 3, 2, 10, 28])
        };
        (age, status)
    };
    let mut day = setting.today - TimeDelta::days(age);
    if channel != Channel::Online {
        while !setting.calendar.is_working_day(day) {
            day -= TimeDelta::days(1);
        }
    }
    let received_at = if channel == Channel::Online {
        local_instant(day, rng.random_range(6..23), rng.random_range(0..60))
    } else {
        local_instant(day, rng.random_range(7..17), rng.random_range(0..60))
    };
    let now = setting.now;
    let received_at = received_at.min(now - TimeDelta::minutes(rng.random_range(1..120)));
    let clamp = |t: DateTime<Utc>| t.min(now);

    let name = format!("{} {} {}", pick(rng, &FAMILY), pick(rng, &MIDDLE), pick(rng, &GIVEN));
    let form_data = if procedure.form_fields.iter().any(|f| f.key == "child_name") {
        json!({"child_name": format!("{} Minh {}", pick(rng, &FAMILY), pick(rng, &GIVEN)),
               "birth_date": (day - TimeDelta::days(rng.random_range(1..60))).to_string(),
               "gender": pick(rng, &["Nam", "Nữ"]), "birth_place": "Bệnh viện Trung ương Huế", "mother_name": name})
    } else {
        json!({"request": format!("{} (hồ sơ tổng hợp số {})", procedure.name_vi, index + 1)})
    };
    let documents = if rng.random_bool(0.85)
        && let Some(doc) = procedure.documents.first()
    {
        vec![NewDocument {
            document_key: doc.key.clone(),
            title: doc.name_vi.clone(),
            copy_kind: doc.copy_kind,
            source: DocumentSource::Upload {
                file_name: "scan.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: SUBMISSION_PDF.to_vec(),
            },
        }]
    } else {
        Vec::new()
    };
    let reception = &setting.staff.reception;
    let new = NewDossier {
        agency_code: smartcity_web::dossiers::submit::agency_code(&unit),
        procedure_id: procedure.id,
        procedure_code: procedure.code.clone(),
        unit_code: unit.clone(),
        applicant_id: None,
        applicant_name: name.clone(),
        applicant_citizen_id: Some(citizen_id(rng)),
        applicant_kind: ApplicantKind::Citizen,
        applicant_tax_code: None,
        applicant_contact: format!("09{:08}", rng.random_range(0..100_000_000)),
        channel,
        form_data,
        documents,
        local_day: received_at.with_timezone(&TZ).date_naive(),
        created_by: if channel == Channel::Online { None } else { reception.0 },
        idempotency_key: None,
        keep_in_personal_store: false,
    };
    let dossier = store.submit_dossier(ctx, new, received_at).await?;
    if status == DossierStatus::Submitted {
        return Ok(dossier.id);
    }

    // The history, in order; each date only when the status has got that far.
    let calendar = &setting.calendar;
    let steps = i64::try_from(procedure.steps.len()).unwrap_or(1).max(1);
    let days = u32::try_from(procedure.processing_days).unwrap_or(0);
    let mut s = dossier.state.clone();
    let accepted = match status {
        DossierStatus::Refused => false,
        DossierStatus::Withdrawn => rng.random_bool(0.5),
        DossierStatus::SupplementRequested => rng.random_bool(0.5),
        _ => true,
    };
    let accepted_at = clamp(if channel == Channel::Online {
        received_at + hours(rng, 1, 26)
    } else {
        received_at + TimeDelta::minutes(rng.random_range(2..20))
    });
    let mut due = calendar.due_date(accepted_at, days);
    if accepted {
        s.accepted_at = Some(accepted_at);
        s.original_due_at = Some(due);
        s.current_step = 0;
        s.step_started_at = Some(clamp(accepted_at + hours(rng, 0, 4)));
    }
    let finished = matches!(status, DossierStatus::Processed | DossierStatus::ResultReturned);
    if finished && rng.random_bool(0.1) {
        // A supplement asked for during processing: the clock stood still for a few days.
        let paused = TimeDelta::hours(rng.random_range(4..120));
        s.supplement_requests = if rng.random_bool(0.2) { 2 } else { 1 };
        s.paused_seconds = paused.num_seconds();
        due += paused;
    }
    if accepted {
        s.due_at = Some(due);
    }
    // Finished between a tenth of the allowed time and a little over it (about one in eight late).
    let allowed = (due - accepted_at).max(TimeDelta::hours(2));
    let finished_at = clamp(accepted_at + allowed * rng.random_range(10..115) / 100);
    let staff = &setting.staff;
    let (action, form, actor, note) = match status {
        DossierStatus::Submitted => unreachable!("returned above"),
        DossierStatus::Accepted => {
            s.step_started_at = None;
            ("accept", Some(Form::ReceiptAppointment), reception, String::new())
        }
        DossierStatus::Refused => {
            s.finished_at = Some(clamp(received_at + hours(rng, 1, 26)));
            ("refuse", Some(Form::Refusal), reception, "Hồ sơ không thuộc thẩm quyền giải quyết.".to_owned())
        }
        DossierStatus::Processing => {
            s.current_step = rng.random_range(0..steps);
            ("start_processing", Some(Form::ControlSheet), &staff.processing, String::new())
        }
        DossierStatus::SupplementRequested => {
            let asked = clamp(if accepted { accepted_at + hours(rng, 2, 48) } else { received_at + hours(rng, 1, 24) });
            s.supplement_requests = 1;
            s.supplement_due_at = Some(calendar.due_date(asked, 15));
            if accepted {
                s.paused_at = Some(asked);
                s.status_before_pause = Some(DossierStatus::Processing);
            } else {
                s.status_before_pause = Some(DossierStatus::Submitted);
            }
            let note = "Bổ sung giấy tờ theo phiếu yêu cầu.\n- Bản sao giấy tờ tùy thân".to_owned();
            ("request_supplement", Some(Form::SupplementRequest), reception, note)
        }
        DossierStatus::AwaitingPayment => ("request_payment", None, &staff.processing, String::new()),
        DossierStatus::Withdrawn => {
            s.step_started_at = None;
            s.finished_at = Some(clamp(s.accepted_at.unwrap_or(received_at) + hours(rng, 1, 48)));
            ("withdraw", None, &staff.reception, "Người nộp rút hồ sơ.".to_owned())
        }
        DossierStatus::Stopped => {
            s.finished_at = Some(finished_at);
            ("stop", Some(Form::StopNotice), &staff.leader, "Không đủ điều kiện giải quyết.".to_owned())
        }
        DossierStatus::Processed | DossierStatus::ResultReturned => {
            s.current_step = steps - 1;
            s.finished_at = Some(finished_at);
            s.has_e_result = rng.random_bool(0.5);
            if status == DossierStatus::ResultReturned {
                let returned_at = clamp(finished_at + hours(rng, 1, 72));
                s.returned_at = Some(returned_at);
                if rng.random_bool(0.6) {
                    let roll = rng.random_range(0..100);
                    s.rating = Some(match roll {
                        0..80 => Rating::Satisfied,
                        80..95 => Rating::Acceptable,
                        _ => Rating::Dissatisfied,
                    });
                    s.rated_at = Some(clamp(returned_at + hours(rng, 1, 96)));
                }
                ("return_result", Some(Form::Register), reception, String::new())
            } else {
                ("approve", Some(Form::ControlSheet), &staff.leader, String::new())
            }
        }
    };
    let withdrawn_by_applicant = status == DossierStatus::Withdrawn && channel == Channel::Online;
    let (actor_id, actor_name) = if withdrawn_by_applicant { (None, name) } else { actor.clone() };
    let documents = if s.has_e_result {
        vec![(
            "result".to_owned(),
            NewDocument {
                document_key: "result".into(),
                title: format!("Kết quả hồ sơ {}", dossier.code),
                copy_kind: 2,
                source: DocumentSource::Upload {
                    file_name: "ket-qua.pdf".into(),
                    content_type: "application/pdf".into(),
                    bytes: RESULT_PDF.to_vec(),
                },
            },
        )]
    } else {
        Vec::new()
    };
    let change = DossierChange {
        dossier_id: dossier.id,
        expected_updated_at: dossier.updated_at,
        status,
        current_unit_code: unit.clone(),
        state: s,
        event: NewDossierEvent {
            action: action.to_owned(),
            actor_id,
            actor_name,
            from_unit: Some(unit.clone()),
            to_unit: Some(unit),
            step_deadline: None,
            form: form.map(|f| f.number().to_owned()),
            note,
            details: json!({"synthetic": true}),
        },
        documents,
        notify: None,
    };
    store.apply_dossier_change(ctx, change).await?;
    Ok(dossier.id)
}

#[cfg(test)]
mod tests {
    use smartcity_domain::identity::CitizenId;

    use super::*;

    #[test]
    fn synthetic_citizen_ids_are_valid() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let id = citizen_id(&mut rng);
            CitizenId::parse(&id).unwrap_or_else(|e| panic!("{id}: {}", e.en));
        }
    }

    #[test]
    fn weighted_statuses_respect_zero_weights() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let status = weighted_status(&mut rng, [0, 0, 5, 0, 0, 0, 4, 3, 3, 85]);
            assert!(status.is_final() || status == DossierStatus::Processed, "{status}");
        }
    }
}
