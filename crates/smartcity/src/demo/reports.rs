//! Phản ánh tổng hợp: synthetic field reports for the demo map and the benchmarks (`smartcity demo --reports N`),
//! spread over the wards and communes of Huế, the 17 categories, the last weeks or years, and every status,
//! each with a timeline that agrees with its status and a unit proposed by the same routing rule as real
//! reports. They are written in batches (`ReportBulkStore`): one transaction and one audit record per few
//! thousand reports, nobody notified.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use smartcity_domain::calendar::WorkingCalendar;
use smartcity_domain::dossiers::Rating;
use smartcity_domain::reports::{RejectReason, ReportStatus, due_at, due_date, propose_unit};
use smartcity_domain::time::TZ;
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::reports::{Report, ReportCategory, ReportMedia, ReportStore, Reporter};
use smartcity_store::reports_bulk::{BulkEvent, BulkReport, ReportBulkStore};
use smartcity_store::{AuditContext, CalendarStore, Store, UnitStore};
use smartcity_web::reports::open311_write::{agency_unit_code, routing_category};
use uuid::Uuid;

use super::DEMO_ACTOR;

/// Reports per transaction.
const BATCH: usize = 5000;
/// Reports older than this are (nearly) all finished.
const OPEN_WINDOW_DAYS: i64 = 45;

const STREETS: [&str; 14] = [
    "Lê Lợi",
    "Hùng Vương",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Lý Thường Kiệt",
    "Bà Triệu",
    "Điện Biên Phủ",
    "Phan Đình Phùng",
    "Đống Đa",
    "Nguyễn Trãi",
    "Chi Lăng",
    "Kim Long",
    "Lê Duẩn",
    "Tố Hữu",
];
const NAMES: [&str; 8] = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Minh Châu",
    "Phạm Quang Dũng",
    "Hoàng Thị Giang",
    "Võ Hữu Hải",
    "Tôn Nữ Thảo",
    "Đặng Ngọc Vy",
];
const ANSWERS: [&str; 4] = [
    "Đơn vị đã kiểm tra hiện trường và khắc phục xong.",
    "Đã phối hợp với đơn vị quản lý xử lý dứt điểm; đề nghị người dân tiếp tục giám sát.",
    "Đã lập biên bản, yêu cầu chủ hộ khắc phục; lực lượng chức năng sẽ kiểm tra lại.",
    "Đã sửa chữa, thay thế thiết bị hư hỏng.",
];

/// What a run produced.
#[derive(Debug, Clone, Copy)]
pub struct GeneratedReports {
    pub reports: u64,
    pub elapsed: Duration,
}

impl GeneratedReports {
    /// Reports written per second.
    pub fn rate(&self) -> f64 {
        self.reports as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct Ward {
    code: UnitCode,
    name: String,
    lat: f64,
    lon: f64,
}

/// What every report is drawn from.
struct Setting {
    categories: Vec<ReportCategory>,
    wards: Vec<Ward>,
    agencies: Vec<String>,
    calendar: WorkingCalendar,
    now: DateTime<Utc>,
    span_days: i64,
}

/// Writes `count` synthetic reports sent over the last `span_days` days (the categories and the demo units must
/// be loaded). The first twelve take one status each, so every status shows on the map.
pub async fn generate(store: &Store, count: u64, span_days: i64) -> anyhow::Result<GeneratedReports> {
    let started = Instant::now();
    let now = smartcity_store::now();
    let today = now.with_timezone(&TZ).date_naive();
    let categories: Vec<ReportCategory> = store.report_categories().await?.into_iter().filter(|c| c.active).collect();
    anyhow::ensure!(!categories.is_empty(), "no report category: load the demo data first");
    let units = store.list_units().await?;
    let wards: Vec<Ward> = units
        .iter()
        .filter(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune) && u.is_active_on(today))
        .filter_map(|u| Some(Ward { code: u.code.clone(), name: u.name_vi.clone(), lat: u.lat?, lon: u.lon? }))
        .collect();
    anyhow::ensure!(!wards.is_empty(), "no ward with a centre: load the demo data first");
    let agencies = units.iter().filter(|u| u.kind == UnitKind::Agency).map(|u| u.code.to_string()).collect();
    let setting = Setting {
        categories,
        wards,
        agencies,
        calendar: WorkingCalendar::new(store.day_adjustments().await?),
        now,
        span_days: span_days.max(1),
    };
    let ctx = AuditContext::system(DEMO_ACTOR);
    let mut rng = StdRng::seed_from_u64(rand::rng().random());
    let mut written = 0u64;
    let mut batch = Vec::with_capacity(BATCH);
    // Deadlines by (local sending day, working days): the lunar-calendar holidays make each one costly.
    let mut deadlines = HashMap::new();
    for index in 0..count {
        batch.push(one(&setting, &mut rng, &mut deadlines, index, &batch));
        if batch.len() == BATCH {
            written += store.insert_reports_bulk(&ctx, &batch).await?;
            batch.clear();
        }
    }
    written += store.insert_reports_bulk(&ctx, &batch).await?;
    Ok(GeneratedReports { reports: written, elapsed: started.elapsed() })
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// `weights[i]` is the weight of `ReportStatus::ALL[i]`.
fn weighted_status(rng: &mut StdRng, weights: [u32; 12]) -> ReportStatus {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.random_range(0..total);
    for (status, weight) in ReportStatus::ALL.iter().zip(weights) {
        if roll < weight {
            return *status;
        }
        roll -= weight;
    }
    ReportStatus::Closed
}

/// The actions that bring a report from `submitted` to `status`, in order.
fn path_to(status: ReportStatus) -> &'static [&'static str] {
    use ReportStatus as S;
    match status {
        S::Submitted => &[],
        S::Verified => &["accept"],
        S::Rejected(_) => &["reject"],
        S::Assigned => &["route"],
        S::InProgress => &["route", "start"],
        S::Extended => &["route", "start", "extend"],
        S::Transferred => &["route", "transfer"],
        S::Answered => &["route", "start", "answer"],
        S::Reopened => &["route", "start", "answer", "rate", "reopen"],
        S::Closed => &["route", "start", "answer", "close"],
    }
}

/// The status an action of the path to `status` leads to.
fn target(step: &str, status: ReportStatus) -> ReportStatus {
    match step {
        "accept" => ReportStatus::Verified,
        "reject" => status,
        "route" => ReportStatus::Assigned,
        "start" => ReportStatus::InProgress,
        "extend" => ReportStatus::Extended,
        "transfer" => ReportStatus::Transferred,
        "answer" | "rate" => ReportStatus::Answered,
        "reopen" => ReportStatus::Reopened,
        _ => ReportStatus::Closed,
    }
}

fn one(
    setting: &Setting,
    rng: &mut StdRng,
    deadlines: &mut HashMap<(NaiveDate, u32), DateTime<Utc>>,
    index: u64,
    earlier: &[BulkReport],
) -> BulkReport {
    let now = setting.now;
    let category = pick(rng, &setting.categories);
    let ward = pick(rng, &setting.wards);
    let (age_minutes, mut status) = match ReportStatus::ALL.get(usize::try_from(index).unwrap_or(usize::MAX)) {
        Some(status) => (rng.random_range(60..5 * 24 * 60), *status),
        None => {
            let age = rng.random_range(0..setting.span_days * 24 * 60);
            let status = if age > OPEN_WINDOW_DAYS * 24 * 60 {
                weighted_status(rng, [0, 0, 3, 4, 3, 0, 1, 0, 0, 14, 0, 75])
            } else {
                weighted_status(rng, [10, 6, 2, 3, 2, 12, 14, 5, 4, 22, 3, 17])
            };
            (age, status)
        }
    };
    // A duplicate points at a report written before it in the same batch.
    let original = earlier.last().map(|r| r.report.id);
    if status == ReportStatus::Rejected(RejectReason::Duplicate) && original.is_none() {
        status = ReportStatus::Rejected(RejectReason::Invalid);
    }
    let created_at = now - TimeDelta::minutes(age_minutes);
    let lat = ward.lat + rng.random_range(-0.006..0.006);
    let lon = ward.lon + rng.random_range(-0.006..0.006);
    let agency = agency_unit_code(category.agency_kind)
        .filter(|code| setting.agencies.iter().any(|a| a == code))
        .and_then(|code| UnitCode::parse(code).ok());
    let proposal = routing_category(category)
        .ok()
        .map(|c| propose_unit(&c, Some(&ward.code), agency.as_ref()))
        .and_then(|p| p.unit)
        .unwrap_or_else(|| ward.code.clone());
    let mut unit = Some(proposal.to_string());
    let days = u32::try_from(category.deadline_days).unwrap_or(7);
    let mut due = None;
    let mut answered_at = None;
    let mut answer = None;
    let mut rating = None;

    // The timeline: steps spread between sending and now (or the report's usual handling time).
    let steps = path_to(status);
    let span = (now - created_at).min(TimeDelta::days(i64::from(days) + 3));
    let mut events = vec![BulkEvent {
        at: created_at,
        action: "submit".into(),
        from_status: None,
        to_status: ReportStatus::Submitted,
        to_unit: unit.clone(),
        public_note: String::new(),
    }];
    let mut current = ReportStatus::Submitted;
    for (i, step) in steps.iter().enumerate() {
        let at = created_at + span * i32::try_from(i + 1).unwrap_or(1) / i32::try_from(steps.len() + 1).unwrap_or(2);
        let to = target(step, status);
        let note = match *step {
            "reject" => "Phản ánh không đủ thông tin để xử lý.".to_owned(),
            "route" => {
                let day = created_at.with_timezone(&TZ).date_naive();
                let deadline = *deadlines
                    .entry((day, days))
                    .or_insert_with(|| due_at(due_date(&setting.calendar, created_at, days)));
                due = Some(deadline);
                String::new()
            }
            "extend" => {
                due = due.map(|d| d + TimeDelta::days(5));
                "Cần thêm thời gian để phối hợp với đơn vị liên quan.".to_owned()
            }
            "transfer" => {
                unit = Some(pick(rng, &setting.wards).code.to_string());
                String::new()
            }
            "answer" => {
                let text = (*pick(rng, &ANSWERS)).to_owned();
                answered_at = Some(at);
                answer = Some(text.clone());
                text
            }
            "rate" => {
                rating = Some(Rating::Dissatisfied);
                String::new()
            }
            "reopen" => "Người dân chưa hài lòng; giao đơn vị xử lý lại.".to_owned(),
            _ => String::new(),
        };
        events.push(BulkEvent {
            at,
            action: (*step).to_owned(),
            from_status: Some(current),
            to_status: to,
            to_unit: if *step == "route" || *step == "transfer" { unit.clone() } else { None },
            public_note: note,
        });
        current = to;
    }
    if matches!(status, ReportStatus::Answered | ReportStatus::Closed) && rating.is_none() && rng.random_bool(0.6) {
        rating = Some(*pick(rng, &[Rating::Satisfied, Rating::Satisfied, Rating::Acceptable, Rating::Dissatisfied]));
    }
    let updated_at = events.last().map_or(created_at, |e| e.at);
    let examples: Vec<&str> = category.examples_vi.split(';').map(str::trim).filter(|e| !e.is_empty()).collect();
    let what = examples.get(rng.random_range(0..examples.len().max(1))).copied().unwrap_or(&category.name_vi);
    let anonymous = rng.random_bool(0.3);
    let report = Report {
        id: Uuid::now_v7(),
        service_code: category.code.clone(),
        description: format!("{what} tại đường {}, {}.", pick(rng, &STREETS), ward.name),
        lat,
        lon,
        address: Some(format!("{} {}, {}", rng.random_range(1..200), pick(rng, &STREETS), ward.name)),
        ward_code: Some(ward.code.to_string()),
        // A report has a handling unit once the IOC routed it (which also set its deadline), never before.
        handling_unit_code: if due.is_some() && status != ReportStatus::Rejected(RejectReason::NotOurs) {
            unit
        } else {
            None
        },
        status,
        reporter: Reporter {
            account_id: None,
            name: (!anonymous).then(|| (*pick(rng, &NAMES)).to_owned()),
            email: None,
            phone: (!anonymous).then(|| format!("09{:08}", rng.random_range(0..100_000_000))),
        },
        api_key_id: None,
        due_at: due,
        answered_at,
        answer,
        rating,
        duplicate_of: if status == ReportStatus::Rejected(RejectReason::Duplicate) { original } else { None },
        media: ReportMedia::default(),
        created_at,
        updated_at,
    };
    BulkReport { report, events }
}

#[cfg(test)]
mod tests {
    use smartcity_domain::reports::ReportActionKind;

    use super::*;

    #[test]
    fn every_status_is_reached_by_actions_the_state_machine_allows() {
        for status in ReportStatus::ALL {
            let mut current = ReportStatus::Submitted;
            for step in path_to(status) {
                let kind = ReportActionKind::parse(step).unwrap_or_else(|e| panic!("{step}: {e}"));
                assert!(kind.allowed_from(current), "{step} from {current:?} on the way to {status:?}");
                current = target(step, status);
            }
            assert_eq!(current, status);
        }
    }
}
