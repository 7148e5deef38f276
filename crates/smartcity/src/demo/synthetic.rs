//! `smartcity demo --dossiers N`: synthetic dossiers for benchmarks and index pages, spread over the
//! 40 wards and communes (city-level procedures go to their agency), the demo procedures, the three
//! channels and the last three years, in all ten statuses.
//!
//! Speed matters more than a lifelike history here (a million dossiers for the benchmarks), so each
//! dossier is built in memory straight in its final state (with dates that agree with each other and
//! with the working-day calendar) with two events, its submission and its last action, and batches
//! of them go to `DossierBulkStore::insert_dossiers_bulk`: multi-row inserts in one transaction per
//! batch, codes from the counters, the running tallies moved in the same transaction. The applicants
//! have no accounts and no outbox event is written: three-year-old dossiers must not mail anyone.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use smartcity_domain::calendar::WorkingCalendar;
use smartcity_domain::dossiers::{Channel, DossierStatus, Form, Rating};
use smartcity_domain::time::TZ;
use smartcity_domain::units::UnitKind;
use smartcity_store::dossiers::DossierState;
use smartcity_store::dossiers_bulk::{BulkDocument, BulkDossier, BulkDossierEvent, DossierBulkStore};
use smartcity_store::procedures::Procedure;
use smartcity_store::{AuditContext, CalendarStore, IdentityStore, ProcedureStore, Store, UnitStore};
use uuid::Uuid;

use super::DEMO_ACTOR;

/// Dossiers per bulk transaction: large enough that statements carry hundreds of rows, small enough that
/// other writers (a running server) wait well under a second.
const BATCH: u64 = 2000;
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
    let setting = Setting {
        procedures,
        wards,
        calendar: WorkingCalendar::new(store.day_adjustments().await?),
        staff,
        now,
        today,
    };

    let seed: u64 = rand::rng().random();
    let mut rng = StdRng::seed_from_u64(seed);
    let ctx = AuditContext::system(DEMO_ACTOR);
    // `BulkDocument::blob` indexes these: 0 the scanned submission, 1 the result.
    let blobs: [(&str, &[u8]); 2] = [("application/pdf", SUBMISSION_PDF), ("application/pdf", RESULT_PDF)];
    let mut written = 0;
    let mut index = 0;
    while index < count {
        let batch: Vec<BulkDossier> =
            (index..count.min(index + BATCH)).map(|i| build_one(&setting, &mut rng, i)).collect();
        index += batch.len() as u64;
        written += store.insert_dossiers_bulk(&ctx, &blobs, &batch).await?;
    }
    Ok(Generated { dossiers: written, elapsed: started.elapsed() })
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

/// One dossier in a random status, with its submission and its last action as events.
fn build_one(setting: &Setting, rng: &mut StdRng, index: u64) -> BulkDossier {
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
    let mut documents = Vec::new();
    if rng.random_bool(0.85)
        && let Some(doc) = procedure.documents.first()
    {
        documents.push(BulkDocument {
            purpose: "submission",
            document_key: doc.key.clone(),
            blob: 0,
            file_name: "scan.pdf".into(),
            copy_kind: doc.copy_kind,
            uploaded_at: received_at,
        });
    }
    let reception = &setting.staff.reception;
    let created_by = if channel == Channel::Online { None } else { reception.0 };
    let submitted = BulkDossierEvent {
        at: received_at,
        action: "submit".into(),
        from_status: None,
        to_status: DossierStatus::Submitted,
        actor_id: created_by,
        actor_name: name.clone(),
        step: 0,
        form: None,
        note: String::new(),
    };
    let mut dossier = BulkDossier {
        id: Uuid::now_v7(),
        agency_code: smartcity_web::dossiers::submit::agency_code(&unit),
        local_day: received_at.with_timezone(&TZ).date_naive(),
        procedure_id: procedure.id,
        procedure_code: procedure.code.clone(),
        unit_code: unit.clone(),
        applicant_name: name.clone(),
        applicant_citizen_id: Some(citizen_id(rng)),
        applicant_contact: format!("09{:08}", rng.random_range(0..100_000_000)),
        channel,
        status: DossierStatus::Submitted,
        form_data,
        state: DossierState { received_at, ..Default::default() },
        created_by,
        documents,
        events: vec![submitted],
    };
    if status == DossierStatus::Submitted {
        return dossier;
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
    if s.has_e_result {
        dossier.documents.push(BulkDocument {
            purpose: "result",
            document_key: "result".into(),
            blob: 1,
            file_name: "ket-qua.pdf".into(),
            copy_kind: 2,
            uploaded_at: finished_at,
        });
    }
    let acted_at = [s.rated_at, s.returned_at, s.finished_at, s.paused_at, s.step_started_at, s.accepted_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(received_at);
    dossier.events.push(BulkDossierEvent {
        at: acted_at,
        action: action.to_owned(),
        from_status: Some(DossierStatus::Submitted),
        to_status: status,
        actor_id,
        actor_name,
        step: s.current_step,
        form: form.map(|f| f.number().to_owned()),
        note,
    });
    dossier.status = status;
    dossier.state = s;
    dossier
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
