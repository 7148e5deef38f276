//! The service-quality index of QĐ 766/QĐ-TTg (23/6/2022): the indicators computed from the platform's own
//! dossiers, for any period.
//!
//! Formulas follow "Mô tả công thức tính chỉ số 766", the DVCQG technical description, as transcribed in public
//! code (`domain-vn.md` §2.2) \[S\]:
//! - a rate is numerator ÷ denominator × 100 %, rounded to 2 decimals, and N/A when the denominator is 0;
//! - with a threshold, reaching it earns the indicator's full points, below it points = rate × max ÷ threshold.
//!
//! Only the indicators the dossier and payment stores can answer are computed: 2.1, 2.2, 3.3, 3.6, 4.2, 4.3 and
//! 5.4. The indicators about TTHC publication (group 1), fee data synced per TTHC (3.5) and PAKN handling (5.2,
//! 5.3) need other data.
//!
//! The period is half-open, `[from, to)`. Everything is pure: the caller loads [`DossierRecord`]s and computes
//! working days with the holiday calendar, or sums the running tallies of [`counts`] (what the platform reads:
//! the same figures without loading every dossier of the period).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::dossiers::{Channel, DossierStatus, Rating};

pub mod counts;

/// Khoảng thời gian yêu cầu bổ sung: from the supplement request until the supplement arrived (open while the
/// applicant has not answered). Its length is subtracted from the processing time in indicator 2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementPause {
    /// When the supplement was requested (form 02 issued).
    pub requested_at: DateTime<Utc>,
    /// When the supplement was submitted; `None` while still waiting.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// What the index needs to know about one dossier. The store fills it from the dossier and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierRecord {
    /// When the agency received the dossier (NgayTiepNhan): the submission instant for online and postal
    /// dossiers, the desk entry for in-person ones.
    pub received_at: DateTime<Utc>,
    /// How the dossier was submitted (KenhThucHien).
    pub channel: Channel,
    /// The current status.
    pub status: DossierStatus,
    /// The appointment date for the result on form 01 (NgayHenTra), `None` before acceptance. Neither supplement
    /// pauses nor an extension (form 04) move it: the pauses are added back here, and an apology does not make a
    /// late dossier on time.
    pub due_at: Option<DateTime<Utc>>,
    /// When the dossier's handling ended: the first of processed, result returned, stopped or refused; `None`
    /// while in progress.
    pub finished_at: Option<DateTime<Utc>>,
    /// The supplement pauses after acceptance, when the processing clock stopped.
    pub supplement_pauses: Vec<SupplementPause>,
    /// All supplement requests, at reception and during processing.
    pub supplement_requests: u32,
    /// Working days the dossier took (ThoiGianGiaiQuyet), computed by the caller with the holiday calendar;
    /// `None` until it is processed.
    pub processing_days: Option<f64>,
    /// Files are attached to the dossier's components (digitised on reception).
    pub has_attachments: bool,
    /// An electronic result (MaKetQua and a file link) is attached.
    pub has_e_result: bool,
    /// The procedure's result is a paper document (so an online dossier also needs an e-result for 3.3).
    pub paper_result_required: bool,
    /// At least one component was reused from digitised data instead of being submitted again
    /// (DuocSoHoa = 1 / HoSoCoThanhPhanSoHoa = 1).
    pub reused_components: bool,
    /// The applicant's rating, if any.
    pub rating: Option<Rating>,
    /// A complaint or feedback (PAKN) was filed about the dossier.
    pub has_complaint: bool,
    /// The dossier's procedure has fees and not all of them are 0 or waived for it (the population of 3.6).
    #[serde(default)]
    pub fees_due: bool,
    /// At least one fee of the dossier was paid online (DVCQG `DuocThanhToanTrucTuyen` 1 or 2).
    #[serde(default)]
    pub paid_online: bool,
}

impl DossierRecord {
    /// The instant the dossier is judged at for a period ending at `period_end`: its end, or the period end if
    /// it was still in progress then (QĐ 766 2.1: unfinished dossiers use the period end).
    pub fn judged_at(&self, period_end: DateTime<Utc>) -> DateTime<Utc> {
        self.finished_at.map_or(period_end, |f| f.min(period_end))
    }

    /// Total time the clock stood still for supplements up to `until`; an open pause runs until `until`.
    pub fn supplement_pause_total(&self, until: DateTime<Utc>) -> TimeDelta {
        self.supplement_pauses
            .iter()
            .map(|p| {
                let start = p.requested_at.min(until);
                let stop = p.submitted_at.unwrap_or(until).min(until);
                (stop - start).max(TimeDelta::zero())
            })
            .fold(TimeDelta::zero(), |a, b| a + b)
    }

    /// Whether the dossier counts as on time for a period ending at `period_end` (QĐ 766 indicator 2.1), or
    /// `None` when it has no appointment date.
    ///
    /// On time means: judged at or before `due_at` plus the supplement pauses, and at most one supplement request
    /// ("more than one supplement request counts as late"). Pauses are wall-clock durations, as in the DVCQG
    /// description ("supplement time is subtracted").
    pub fn on_time(&self, period_end: DateTime<Utc>) -> Option<bool> {
        let due = self.due_at?;
        let end = self.judged_at(period_end);
        Some(self.supplement_requests <= 1 && end <= due + self.supplement_pause_total(end))
    }

    /// Received or still being processed in `[from, to)`, the population of indicators 2.1 and 5.4: received
    /// before `to` and not finished before `from`.
    fn active_in(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.received_at < to && self.finished_at.is_none_or(|f| f >= from)
    }

    /// Received in `[from, to)`.
    fn received_in(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        (from..to).contains(&self.received_at)
    }

    /// Processed with a result (processed or result returned, not stopped or refused), ended in `[from, to)`.
    fn completed_in(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        matches!(self.status, DossierStatus::Processed | DossierStatus::ResultReturned)
            && self.finished_at.is_some_and(|f| (from..to).contains(&f))
    }
}

/// What an indicator's value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorUnit {
    /// A rate in percent, 0–100.
    Percent,
    /// An average in working days.
    WorkingDays,
}

/// Chỉ số: one indicator of the QĐ 766 index for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// The indicator's number in QĐ 766, e.g. `"2.1"`.
    pub id: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// What `value` measures.
    pub unit: IndicatorUnit,
    /// The numerator: a count of dossiers, or for 2.2 the sum of working days.
    pub numerator: f64,
    /// The denominator: a count of dossiers.
    pub denominator: u64,
    /// The rate in percent (or the average in days for 2.2), rounded to 2 decimals; `None` = N/A (no dossiers).
    pub value: Option<f64>,
    /// Points earned, rounded to 2 decimals; `None` when N/A or not scored here (2.2).
    pub points: Option<f64>,
    /// Points the indicator is worth.
    pub max_points: f64,
    /// The rate that earns full points, in percent, if the indicator has one.
    pub threshold: Option<f64>,
}

/// Points per indicator. QĐ 766 sets the group maxima (Tiến độ giải quyết 20, Dịch vụ trực tuyến 12, Số hóa 22,
/// Mức độ hài lòng 18; `domain-vn.md` §2.2); the split inside a group was not read, so we divide each group evenly
/// among its indicators listed in §2.2 \[I\]: group 2 (2.1, 2.2) 10 each; group 3 (3.1, 3.2, 3.3) 4 each; group 4
/// (4.1–4.5) 4.4 each; group 5 (5.2, 5.3, 5.4) 6 each. Replace with the annex's own split once it is read.
pub mod max_points {
    /// 2.1 on-time rate: half of "Tiến độ giải quyết" (20).
    pub const ON_TIME: f64 = 10.0;
    /// 2.2 average processing time: the other half of "Tiến độ giải quyết".
    pub const AVERAGE_TIME: f64 = 10.0;
    /// 3.3 online submission: a third of "Dịch vụ trực tuyến" (12).
    pub const ONLINE_SUBMISSION: f64 = 4.0;
    /// 4.2 digitisation: a fifth of "Số hóa" (22).
    pub const DIGITISATION: f64 = 4.4;
    /// 4.3 reuse of digitised data: a fifth of "Số hóa" (22).
    pub const REUSE: f64 = 4.4;
    /// 5.4 satisfaction with TTHC handling: a third of "Mức độ hài lòng" (18).
    pub const SATISFACTION: f64 = 6.0;
    /// 3.6 online payment: half of "Thanh toán trực tuyến" (10), shared with 3.5.
    pub const ONLINE_PAYMENT: f64 = 5.0;
}

/// Full-points thresholds in percent, from the DVCQG formula description (§2.2) \[S\].
pub mod thresholds {
    /// 3.3 online submission rate.
    pub const ONLINE_SUBMISSION: f64 = 50.0;
    /// 4.2 digitisation rate.
    pub const DIGITISATION: f64 = 80.0;
    /// 4.3 reuse rate.
    pub const REUSE: f64 = 80.0;
    /// 5.4 satisfaction.
    pub const SATISFACTION: f64 = 90.0;
}

/// Rounds to 2 decimals, as the index publishes rates.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `numerator / denominator × 100`, rounded; `None` when the denominator is 0.
fn rate(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| round2(numerator as f64 / denominator as f64 * 100.0))
}

/// Points for a rate: full at or above `threshold`, else proportional to it; without a threshold, proportional to
/// 100 %.
fn points(value: Option<f64>, max: f64, threshold: Option<f64>) -> Option<f64> {
    let v = value?;
    let t = threshold.unwrap_or(100.0);
    Some(if v >= t { max } else { round2(v * max / t) })
}

/// A rate indicator from its counts.
fn rate_indicator(
    id: &str,
    name_vi: &str,
    name_en: &str,
    numerator: u64,
    denominator: u64,
    max_points: f64,
    threshold: Option<f64>,
) -> Indicator {
    let value = rate(numerator, denominator);
    Indicator {
        id: id.to_owned(),
        name_vi: name_vi.to_owned(),
        name_en: name_en.to_owned(),
        unit: IndicatorUnit::Percent,
        numerator: numerator as f64,
        denominator,
        value,
        points: points(value, max_points, threshold),
        max_points,
        threshold,
    }
}

/// Counts the records matching `pred`.
fn count<'a>(records: impl IntoIterator<Item = &'a DossierRecord>, pred: impl Fn(&DossierRecord) -> bool) -> u64 {
    records.into_iter().filter(|r| pred(r)).count() as u64
}

/// Computes the QĐ 766 indicators 2.1, 2.2, 3.3, 3.6, 4.2, 4.3 and 5.4 (in that order) over `records` for the
/// period `[from, to)`.
///
/// Populations (our reading of the DVCQG description, §2.2):
/// - **2.1 on time** and **5.4 satisfaction**: dossiers received or processed in the period (received before
///   `to`, not finished before `from`) that have an appointment date, except withdrawn ones (the applicant ended
///   them; they have no end event to judge). Numerator of 2.1: [`DossierRecord::on_time`], judging unfinished
///   dossiers at `to`. Points = rate × max ÷ 100 (no threshold).
/// - **2.2 average time**: Σ `processing_days` ÷ dossiers completed with a result in the period that have it.
///   Not scored here (QĐ 766 compares it with each TTHC's legal time, which a record does not carry).
/// - **3.3 online submission**: online dossiers that, when the result is on paper, also have an e-result ÷ all
///   dossiers received in the period (the DVCQG sync ratio is 1: every dossier is ours). Threshold 50 %.
/// - **3.6 online payment**: dossiers paid online ÷ dossiers received in the period whose procedure has fees that
///   are not all 0 (or waived). No threshold: points = rate × max ÷ 100.
/// - **4.2 digitisation**: dossiers with attached components and an e-result ÷ dossiers completed with a result
///   in the period (an e-result exists only once a dossier is processed). Threshold 80 %.
/// - **4.3 reuse**: dossiers with a reused component ÷ dossiers received in the period. Threshold 80 %.
/// - **5.4 satisfaction**: 100 % − (late rate + rate of dossiers with a complaint or a "không hài lòng" rating),
///   floored at 0; both rates over the 2.1 population, so a dossier both late and complained about counts twice,
///   as the formula reads. Reported as numerator = population − late − complained. Threshold 90 %.
pub fn compute_indices(records: &[DossierRecord], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Indicator> {
    let judged: Vec<&DossierRecord> = records
        .iter()
        .filter(|r| r.status != DossierStatus::Withdrawn && r.due_at.is_some() && r.active_in(from, to))
        .collect();
    let received: Vec<&DossierRecord> = records.iter().filter(|r| r.received_in(from, to)).collect();
    let completed: Vec<&DossierRecord> = records.iter().filter(|r| r.completed_in(from, to)).collect();
    let timed: Vec<f64> = completed.iter().filter_map(|r| r.processing_days).collect();
    compute_from_counts(Counts {
        judged: judged.len() as u64,
        on_time: count(judged.iter().copied(), |r| r.on_time(to) == Some(true)),
        complained: count(judged.iter().copied(), |r| r.has_complaint || r.rating == Some(Rating::Dissatisfied)),
        received: received.len() as u64,
        received_online: count(received.iter().copied(), |r| {
            r.channel == Channel::Online && (!r.paper_result_required || r.has_e_result)
        }),
        fees_due: count(received.iter().copied(), |r| r.fees_due),
        paid_online: count(received.iter().copied(), |r| r.fees_due && r.paid_online),
        reused: count(received.iter().copied(), |r| r.reused_components),
        completed: completed.len() as u64,
        digitised: count(completed.iter().copied(), |r| r.has_attachments && r.has_e_result),
        timed: timed.len() as u64,
        total_days: timed.iter().sum(),
    })
}

/// The counts every indicator is a ratio of, over the populations [`compute_indices`] describes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Counts {
    /// 2.1/5.4 population: accepted, not withdrawn, received or in progress in the period.
    pub judged: u64,
    /// Of those, on time (judged at their end, or at the period end while in progress).
    pub on_time: u64,
    /// Of those, with a complaint or a "không hài lòng" rating.
    pub complained: u64,
    /// Received in the period.
    pub received: u64,
    /// Received online (with an e-result when the result is on paper).
    pub received_online: u64,
    /// Received with fees due.
    pub fees_due: u64,
    /// Received with fees due and paid online.
    pub paid_online: u64,
    /// Received with a reused component.
    pub reused: u64,
    /// Completed with a result in the period.
    pub completed: u64,
    /// Completed with attachments and an e-result.
    pub digitised: u64,
    /// Completed with a processing time.
    pub timed: u64,
    /// Their working days.
    pub total_days: f64,
}

/// The indicators from their counts: the one place the formulas and points are applied, whether the counts come
/// from the dossiers ([`compute_indices`]) or from the running tallies ([`counts::indicators_from_counts`]).
pub(crate) fn compute_from_counts(c: Counts) -> Vec<Indicator> {
    let late = c.judged.saturating_sub(c.on_time);
    vec![
        rate_indicator(
            "2.1",
            "Tỷ lệ hồ sơ giải quyết đúng hạn",
            "Dossiers handled on time",
            c.on_time,
            c.judged,
            max_points::ON_TIME,
            None,
        ),
        Indicator {
            id: "2.2".to_owned(),
            name_vi: "Thời gian giải quyết trung bình".to_owned(),
            name_en: "Average processing time".to_owned(),
            unit: IndicatorUnit::WorkingDays,
            numerator: round2(c.total_days),
            denominator: c.timed,
            value: (c.timed > 0).then(|| round2(c.total_days / c.timed as f64)),
            points: None,
            max_points: max_points::AVERAGE_TIME,
            threshold: None,
        },
        rate_indicator(
            "3.3",
            "Tỷ lệ hồ sơ nộp trực tuyến",
            "Dossiers submitted online",
            c.received_online,
            c.received,
            max_points::ONLINE_SUBMISSION,
            Some(thresholds::ONLINE_SUBMISSION),
        ),
        rate_indicator(
            "3.6",
            "Tỷ lệ hồ sơ thanh toán trực tuyến",
            "Dossiers paid online",
            c.paid_online,
            c.fees_due,
            max_points::ONLINE_PAYMENT,
            None,
        ),
        rate_indicator(
            "4.2",
            "Tỷ lệ số hóa hồ sơ, kết quả giải quyết",
            "Dossiers and results digitised",
            c.digitised,
            c.completed,
            max_points::DIGITISATION,
            Some(thresholds::DIGITISATION),
        ),
        rate_indicator(
            "4.3",
            "Tỷ lệ khai thác, sử dụng lại dữ liệu đã số hóa",
            "Dossiers reusing digitised data",
            c.reused,
            c.received,
            max_points::REUSE,
            Some(thresholds::REUSE),
        ),
        rate_indicator(
            "5.4",
            "Mức độ hài lòng trong giải quyết thủ tục hành chính",
            "Satisfaction with the handling of procedures",
            c.judged.saturating_sub(late + c.complained),
            c.judged,
            max_points::SATISFACTION,
            Some(thresholds::SATISFACTION),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 2, 0, 0).single().unwrap_or_else(|| panic!("bad test date"))
    }

    /// The period: November 2026 from the 1st (inclusive) to the 30th (exclusive), 09:00 Huế time.
    fn period() -> (DateTime<Utc>, DateTime<Utc>) {
        (day(1), day(30))
    }

    /// A counter dossier received on the 2nd, due on the 10th, processed on the 9th in 5 working days.
    fn record() -> DossierRecord {
        DossierRecord {
            received_at: day(2),
            channel: Channel::Counter,
            status: DossierStatus::ResultReturned,
            due_at: Some(day(10)),
            finished_at: Some(day(9)),
            supplement_pauses: Vec::new(),
            supplement_requests: 0,
            processing_days: Some(5.0),
            has_attachments: false,
            has_e_result: false,
            paper_result_required: false,
            reused_components: false,
            rating: None,
            has_complaint: false,
            fees_due: false,
            paid_online: false,
        }
    }

    fn indicator<'a>(all: &'a [Indicator], id: &str) -> &'a Indicator {
        all.iter().find(|i| i.id == id).unwrap_or_else(|| panic!("no indicator {id}"))
    }

    fn compute(records: &[DossierRecord]) -> Vec<Indicator> {
        let (from, to) = period();
        compute_indices(records, from, to)
    }

    #[test]
    fn no_dossiers_gives_na_everywhere() {
        let all = compute(&[]);
        let ids: Vec<_> = all.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["2.1", "2.2", "3.3", "3.6", "4.2", "4.3", "5.4"]);
        for i in &all {
            assert_eq!(i.denominator, 0, "{}", i.id);
            assert_eq!(i.value, None, "{}", i.id);
            assert_eq!(i.points, None, "{}", i.id);
        }
    }

    #[test]
    fn on_time_rate_counts_finished_before_the_due_date() {
        let late = DossierRecord { finished_at: Some(day(11)), ..record() };
        let exactly_due = DossierRecord { finished_at: Some(day(10)), ..record() };
        let all = compute(&[record(), late, exactly_due]);
        let i = indicator(&all, "2.1");
        assert_eq!((i.numerator, i.denominator), (2.0, 3));
        assert_eq!(i.value, Some(66.67));
        assert_eq!(i.points, Some(6.67)); // 66.67 × 10 ÷ 100
        assert_eq!(i.max_points, 10.0);
        assert_eq!(i.unit, IndicatorUnit::Percent);
    }

    #[test]
    fn supplement_pause_is_added_back_to_the_due_date() {
        // Finished 2 days after the due date, but the clock stood still for 3 days: on time.
        let paused = DossierRecord {
            finished_at: Some(day(12)),
            supplement_requests: 1,
            supplement_pauses: vec![SupplementPause { requested_at: day(4), submitted_at: Some(day(7)) }],
            ..record()
        };
        // The same dossier with a 1-day pause is still late.
        let short_pause = DossierRecord {
            supplement_pauses: vec![SupplementPause { requested_at: day(4), submitted_at: Some(day(5)) }],
            ..paused.clone()
        };
        assert_eq!(paused.on_time(day(30)), Some(true));
        assert_eq!(short_pause.on_time(day(30)), Some(false));
        let all = compute(&[paused, short_pause]);
        assert_eq!(indicator(&all, "2.1").value, Some(50.0));
    }

    #[test]
    fn a_second_supplement_request_counts_late_even_when_early() {
        let twice = DossierRecord {
            supplement_requests: 2,
            supplement_pauses: vec![
                SupplementPause { requested_at: day(3), submitted_at: Some(day(4)) },
                SupplementPause { requested_at: day(5), submitted_at: Some(day(6)) },
            ],
            finished_at: Some(day(7)),
            ..record()
        };
        assert_eq!(twice.on_time(day(30)), Some(false));
        let all = compute(&[record(), twice]);
        let i = indicator(&all, "2.1");
        assert_eq!((i.numerator, i.denominator, i.value), (1.0, 2, Some(50.0)));
    }

    #[test]
    fn unfinished_dossiers_are_judged_at_the_period_end() {
        let (from, to) = period();
        let overdue = DossierRecord {
            status: DossierStatus::Processing,
            finished_at: None,
            processing_days: None,
            due_at: Some(day(20)),
            ..record()
        };
        let not_yet_due = DossierRecord { due_at: Some(day(30) + TimeDelta::days(5)), ..overdue.clone() };
        // Waiting for a supplement since the 18th: the open pause runs to the period end, so still on time.
        let waiting = DossierRecord {
            status: DossierStatus::SupplementRequested,
            supplement_requests: 1,
            supplement_pauses: vec![SupplementPause { requested_at: day(18), submitted_at: None }],
            ..overdue.clone()
        };
        // Finished after the period: in the period it was still in progress, and overdue at its end.
        let finished_later = DossierRecord { finished_at: Some(day(30) + TimeDelta::days(3)), ..overdue.clone() };
        assert_eq!(overdue.judged_at(to), to);
        assert_eq!(finished_later.judged_at(to), to);
        let all = compute_indices(&[overdue, not_yet_due, waiting, finished_later], from, to);
        let i = indicator(&all, "2.1");
        assert_eq!((i.numerator, i.denominator), (2.0, 4));
        assert_eq!(i.value, Some(50.0));
    }

    #[test]
    fn population_of_the_on_time_rate() {
        let before = DossierRecord {
            received_at: day(1) - TimeDelta::days(20),
            due_at: Some(day(1) - TimeDelta::days(10)),
            finished_at: Some(day(1) - TimeDelta::days(12)),
            ..record()
        };
        let carried_over = DossierRecord { received_at: day(1) - TimeDelta::days(5), ..record() };
        let after = DossierRecord { received_at: day(30), ..record() };
        let withdrawn = DossierRecord { status: DossierStatus::Withdrawn, finished_at: None, ..record() };
        let not_accepted =
            DossierRecord { status: DossierStatus::Submitted, due_at: None, finished_at: None, ..record() };
        assert_eq!(not_accepted.on_time(day(30)), None);
        let all = compute(&[before, carried_over, after, withdrawn, not_accepted]);
        assert_eq!(indicator(&all, "2.1").denominator, 1);
    }

    #[test]
    fn average_processing_time_over_completed_dossiers() {
        let a = DossierRecord { processing_days: Some(2.0), ..record() };
        let b = DossierRecord { processing_days: Some(3.0), status: DossierStatus::Processed, ..record() };
        let c = DossierRecord { processing_days: Some(4.5), ..record() };
        let stopped = DossierRecord { status: DossierStatus::Stopped, processing_days: Some(40.0), ..record() };
        let in_progress =
            DossierRecord { status: DossierStatus::Processing, finished_at: None, processing_days: None, ..record() };
        let all = compute(&[a, b, c, stopped, in_progress]);
        let i = indicator(&all, "2.2");
        assert_eq!((i.numerator, i.denominator), (9.5, 3));
        assert_eq!(i.value, Some(3.17));
        assert_eq!(i.unit, IndicatorUnit::WorkingDays);
        assert_eq!(i.points, None);
    }

    #[test]
    fn online_rate_needs_an_e_result_when_the_result_is_on_paper() {
        let online = DossierRecord { channel: Channel::Online, ..record() };
        let online_paper_without_e_result = DossierRecord { paper_result_required: true, ..online.clone() };
        let online_paper_with_e_result = DossierRecord { has_e_result: true, ..online_paper_without_e_result.clone() };
        let post = DossierRecord { channel: Channel::Post, ..record() };
        let all = compute(&[online, online_paper_without_e_result, online_paper_with_e_result, post, record()]);
        let i = indicator(&all, "3.3");
        assert_eq!((i.numerator, i.denominator), (2.0, 5));
        assert_eq!(i.value, Some(40.0));
        // Below the 50 % threshold: 40 × 4 ÷ 50.
        assert_eq!(i.points, Some(3.2));
        assert_eq!(i.threshold, Some(50.0));
    }

    #[test]
    fn reaching_the_threshold_earns_full_points() {
        let online = DossierRecord { channel: Channel::Online, ..record() };
        let all = compute(&[online, record()]);
        let i = indicator(&all, "3.3");
        assert_eq!(i.value, Some(50.0));
        assert_eq!(i.points, Some(i.max_points));
    }

    #[test]
    fn digitisation_needs_attachments_and_an_e_result() {
        let both = DossierRecord { has_attachments: true, has_e_result: true, ..record() };
        let attachments_only = DossierRecord { has_attachments: true, ..record() };
        let unfinished =
            DossierRecord { status: DossierStatus::Processing, finished_at: None, has_attachments: true, ..record() };
        let all = compute(&[both.clone(), both.clone(), both, attachments_only, unfinished]);
        let i = indicator(&all, "4.2");
        assert_eq!((i.numerator, i.denominator), (3.0, 4));
        assert_eq!(i.value, Some(75.0));
        assert_eq!(i.points, Some(4.13)); // 75 × 4.4 ÷ 80 = 4.125
    }

    #[test]
    fn reuse_rate_over_received_dossiers() {
        let reused = DossierRecord { reused_components: true, ..record() };
        let all = compute(&[reused.clone(), reused.clone(), reused.clone(), reused, record()]);
        let i = indicator(&all, "4.3");
        assert_eq!((i.numerator, i.denominator), (4.0, 5));
        assert_eq!(i.value, Some(80.0));
        assert_eq!(i.points, Some(4.4));
    }

    #[test]
    fn satisfaction_subtracts_late_and_complained_rates() {
        let late = DossierRecord { finished_at: Some(day(12)), ..record() };
        let disliked = DossierRecord { rating: Some(Rating::Dissatisfied), ..record() };
        let complained = DossierRecord { has_complaint: true, rating: Some(Rating::Satisfied), ..record() };
        let acceptable = DossierRecord { rating: Some(Rating::Acceptable), ..record() };
        let mut records = vec![late, disliked, complained, acceptable];
        records.extend(std::iter::repeat_n(record(), 6));
        let all = compute(&records);
        let i = indicator(&all, "5.4");
        // 100 % − (10 % late + 20 % complained or disliked) = 70 %.
        assert_eq!((i.numerator, i.denominator), (7.0, 10));
        assert_eq!(i.value, Some(70.0));
        assert_eq!(i.points, Some(4.67)); // 70 × 6 ÷ 90
        assert_eq!(i.threshold, Some(90.0));
    }

    #[test]
    fn satisfaction_never_goes_below_zero() {
        let late_and_disliked =
            DossierRecord { finished_at: Some(day(12)), rating: Some(Rating::Dissatisfied), ..record() };
        let all = compute(&[late_and_disliked]);
        let i = indicator(&all, "5.4");
        assert_eq!((i.numerator, i.value, i.points), (0.0, Some(0.0), Some(0.0)));
    }

    #[test]
    fn pauses_are_clipped_to_the_judging_instant() {
        let r = DossierRecord {
            supplement_pauses: vec![
                SupplementPause { requested_at: day(28), submitted_at: None },
                SupplementPause { requested_at: day(30) + TimeDelta::days(1), submitted_at: None },
            ],
            ..record()
        };
        assert_eq!(r.supplement_pause_total(day(30)), TimeDelta::days(2));
    }

    #[test]
    fn online_payment_counts_dossiers_with_fees_paid_online() {
        let free = record();
        let paid_online = DossierRecord { fees_due: true, paid_online: true, ..record() };
        let paid_cash = DossierRecord { fees_due: true, ..record() };
        let all = compute(&[free, paid_online.clone(), paid_cash]);
        let i = indicator(&all, "3.6");
        assert_eq!((i.numerator, i.denominator, i.value, i.points), (1.0, 2, Some(50.0), Some(2.5)));
        assert_eq!(indicator(&compute(&[record()]), "3.6").value, None, "no fees, N/A");
        assert_eq!(indicator(&compute(&[paid_online]), "3.6").points, Some(max_points::ONLINE_PAYMENT));
    }
}
