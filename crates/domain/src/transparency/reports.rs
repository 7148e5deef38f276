//! Thống kê phản ánh hiện trường: what each unit did with the field reports sent to it in a period, as the
//! public transparency pages show it. Hue-S publishes the same figures for the city (`domain-vn.md` §8):
//! reports received, processed, processed on time, the citizens' ratings; we add the reports still open past
//! their deadline and the median time to an answer.
//!
//! The store hands over additive counts (so months add up to the period and a ward's counts add up into the
//! city) and a histogram of handling times in bands of hours (so a median can be taken over any set of units
//! without loading one row per report); this module turns them into rates, each with the counts behind it.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::dossiers::Rating;
use crate::reports::ReportStatus;

/// Counts of the reports sent in a period to one unit (or a set of units): every field is additive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReportCounts {
    /// Sent in the period and not rejected at verification (routed to the unit; for the city, every one).
    pub received: u64,
    /// Rejected at verification (invalid, duplicate, not the city's to handle): not counted anywhere else.
    pub rejected: u64,
    /// Finished: answered or closed.
    pub processed: u64,
    /// Finished with the answer on or before the report's deadline (extensions included).
    pub on_time: u64,
    /// Still open and already past the deadline.
    pub overdue_open: u64,
    /// Rated by the citizen after the answer.
    pub rated: u64,
    /// Rated "hài lòng".
    pub satisfied: u64,
    /// Rated "chấp nhận".
    pub acceptable: u64,
    /// Rated "không hài lòng".
    pub dissatisfied: u64,
}

impl AddAssign for ReportCounts {
    fn add_assign(&mut self, o: Self) {
        self.received += o.received;
        self.rejected += o.rejected;
        self.processed += o.processed;
        self.on_time += o.on_time;
        self.overdue_open += o.overdue_open;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.acceptable += o.acceptable;
        self.dissatisfied += o.dissatisfied;
    }
}

impl ReportCounts {
    /// The additive columns kept in the running tallies, in the order of [`ReportCounts::tally_values`]:
    /// every count but `overdue_open`, which depends on the moment it is read.
    pub const TALLY_COLUMNS: [&'static str; 8] =
        ["received", "rejected", "processed", "on_time", "rated", "satisfied", "acceptable", "dissatisfied"];

    /// The tallied counts, in [`ReportCounts::TALLY_COLUMNS`] order.
    pub fn tally_values(&self) -> [i64; 8] {
        let v = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        [
            v(self.received),
            v(self.rejected),
            v(self.processed),
            v(self.on_time),
            v(self.rated),
            v(self.satisfied),
            v(self.acceptable),
            v(self.dissatisfied),
        ]
    }

    /// The counts of tallied `values` in [`ReportCounts::TALLY_COLUMNS`] order (a negative sum, which a correct
    /// tally never holds, reads as 0); `overdue_open` is 0.
    pub fn from_tally_values(values: &[i64]) -> Self {
        let n = |i: usize| values.get(i).and_then(|v| u64::try_from(*v).ok()).unwrap_or(0);
        ReportCounts {
            received: n(0),
            rejected: n(1),
            processed: n(2),
            on_time: n(3),
            overdue_open: 0,
            rated: n(4),
            satisfied: n(5),
            acceptable: n(6),
            dissatisfied: n(7),
        }
    }
}

/// The state of one report that its figures depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFacts {
    pub status: ReportStatus,
    pub created_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub rating: Option<Rating>,
}

/// What one report adds to the figures of its unit for the local day it was sent: the counts of
/// [`ReportCounts`] but `overdue_open` (that one changes with the clock, not with a write, so it is counted when
/// read), and the hours it took to be answered once it is processed.
pub fn report_tally(f: &ReportFacts) -> (ReportCounts, Option<i64>) {
    let rejected = matches!(f.status, ReportStatus::Rejected(_));
    let finished = matches!(f.status, ReportStatus::Answered | ReportStatus::Closed);
    let rating = if rejected { None } else { f.rating };
    let counts = ReportCounts {
        received: u64::from(!rejected),
        rejected: u64::from(rejected),
        processed: u64::from(finished),
        on_time: u64::from(finished && matches!((f.answered_at, f.due_at), (Some(a), Some(d)) if a <= d)),
        overdue_open: 0,
        rated: u64::from(rating.is_some()),
        satisfied: u64::from(rating == Some(Rating::Satisfied)),
        acceptable: u64::from(rating == Some(Rating::Acceptable)),
        dissatisfied: u64::from(rating == Some(Rating::Dissatisfied)),
    };
    let hours = if finished { f.answered_at.map(|a| (a - f.created_at).num_seconds() / 3600) } else { None };
    (counts, hours)
}

/// The bucket of the handling-time histogram that `hours` whole hours fall in, as its first hour: each hour
/// under 2 days, then 6 hours up to 10 days, a day up to 60 days and a week beyond. Precise where most answers
/// fall, and few buckets per unit and month whatever the number of reports (a negative span counts as 0).
pub fn handling_bucket(hours: i64) -> u64 {
    let h = u64::try_from(hours).unwrap_or(0);
    let width = bucket_width(h);
    let start = match width {
        1 => 0,
        6 => 48,
        24 => 240,
        _ => 1440,
    };
    start + (h - start) / width * width
}

/// How many hours the bucket holding hour `hours` spans (see [`handling_bucket`]).
pub fn bucket_width(hours: u64) -> u64 {
    match hours {
        0..48 => 1,
        48..240 => 6,
        240..1440 => 24,
        _ => 168,
    }
}

/// How long finished reports took from sending to answer, as a histogram of [`handling_bucket`]s (first hour of
/// the bucket → reports): precise to the hour for answers within two days (coarser beyond, see
/// [`handling_bucket`]), and merged across units and months without the rows themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlingHours(BTreeMap<u64, u64>);

impl HandlingHours {
    /// Adds `reports` answered after `hours` whole hours to their bucket (a negative span, a clock error,
    /// counts as 0; the first hour of a bucket lands in that bucket).
    pub fn add(&mut self, hours: i64, reports: u64) {
        if reports > 0 {
            *self.0.entry(handling_bucket(hours)).or_default() += reports;
        }
    }

    /// Adds every report of `other`.
    pub fn merge(&mut self, other: &HandlingHours) {
        for (h, n) in &other.0 {
            *self.0.entry(*h).or_default() += n;
        }
    }

    /// How many reports the histogram holds.
    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    /// The median handling time in hours, each report taken at the middle of its bucket (so one answered after
    /// 2 h 10 min counts 2.5 h, one after 100 h counts 99 h, the middle of 96–101 h); the mean of the two middle
    /// reports for an even count. `None` when empty.
    pub fn median_hours(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let nth = |k: u64| {
            let mut seen = 0;
            for (h, c) in &self.0 {
                seen += c;
                if seen > k {
                    return *h as f64 + bucket_width(*h) as f64 / 2.0;
                }
            }
            0.5
        };
        let m = if n % 2 == 1 { nth(n / 2) } else { (nth(n / 2 - 1) + nth(n / 2)) / 2.0 };
        Some((m * 10.0).round() / 10.0)
    }
}

/// The figures of one unit (or the city) over a period, each rate with the counts behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFigures {
    #[serde(flatten)]
    pub counts: ReportCounts,
    /// `processed ÷ received × 100`, 2 decimals; `None` (N/A) without reports.
    pub processed_rate: Option<f64>,
    /// `on_time ÷ (processed + overdue_open) × 100`: of the reports whose deadline is settled (finished, or open
    /// past it), the share answered in time; reports still within their deadline do not count yet.
    pub on_time_rate: Option<f64>,
    /// `(satisfied + acceptable) ÷ rated × 100`, the Hue-S reading ("hài lòng hoặc chấp nhận").
    pub satisfaction_rate: Option<f64>,
    /// `satisfied ÷ rated × 100`: the share rated "hài lòng" alone.
    pub satisfied_rate: Option<f64>,
    /// Median hours from sending to the answer, over the finished reports that have a time.
    pub median_hours: Option<f64>,
}

/// `part ÷ whole × 100` rounded to 2 decimals, or `None` (shown N/A) when `whole` is 0: the QĐ 766 convention
/// (`domain-vn.md` §2.2), used for the report figures too so every rate on the page reads alike.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64) * 10_000.0 / (whole as f64)).round() / 100.0)
}

/// The rates of `counts`, with the median of `hours`.
pub fn report_figures(counts: ReportCounts, hours: &HandlingHours) -> ReportFigures {
    ReportFigures {
        processed_rate: rate(counts.processed, counts.received),
        on_time_rate: rate(counts.on_time, counts.processed + counts.overdue_open),
        satisfaction_rate: rate(counts.satisfied + counts.acceptable, counts.rated),
        satisfied_rate: rate(counts.satisfied, counts.rated),
        median_hours: hours.median_hours(),
        counts,
    }
}

/// Anchors of the report figures on the formulas page, in the order the pages show them.
pub const FIGURES: [&str; 5] = ["pa-tiep-nhan", "pa-da-xu-ly", "pa-dung-han", "pa-hai-long", "pa-thoi-gian"];

/// Name and formula in words (Vietnamese, English) of a report figure of [`FIGURES`].
pub fn explanation(figure: &str) -> Option<[&'static str; 4]> {
    Some(match figure {
        "pa-tiep-nhan" => [
            "Phản ánh tiếp nhận",
            "Reports received",
            "Số phản ánh gửi trong kỳ đã được chuyển đến đơn vị xử lý (với thành phố: mọi phản ánh gửi trong kỳ). \
             Phản ánh bị từ chối khi xác minh (không hợp lệ, trùng lặp, không thuộc thẩm quyền) được đếm riêng và \
             không tính vào các chỉ số khác.",
            "Reports sent in the period and routed to the handling unit (for the city: every report sent in the \
             period). Reports rejected at verification (invalid, duplicate, not ours) are counted apart and left \
             out of every other figure.",
        ],
        "pa-da-xu-ly" => [
            "Tỷ lệ đã xử lý xong",
            "Share processed",
            "Số phản ánh đã trả lời hoặc đã đóng chia cho số phản ánh tiếp nhận trong kỳ, nhân 100 %.",
            "Reports answered or closed divided by the reports received in the period, times 100 %.",
        ],
        "pa-dung-han" => [
            "Tỷ lệ xử lý đúng hạn",
            "Share answered on time",
            "Số phản ánh trả lời trước hoặc đúng hạn xử lý (kể cả hạn đã gia hạn) chia cho tổng số phản ánh đã xử lý \
             xong và số phản ánh chưa xong mà đã quá hạn. Phản ánh chưa đến hạn chưa được tính.",
            "Reports answered on or before their deadline (extended deadlines included) divided by the reports \
             processed plus those still open past their deadline. Reports not yet due are not counted yet.",
        ],
        "pa-hai-long" => [
            "Mức độ hài lòng",
            "Satisfaction",
            "Số đánh giá \"hài lòng\" hoặc \"chấp nhận\" chia cho số phản ánh được người dân đánh giá (thang 3 mức \
             của Hue-S). Tỷ lệ chỉ \"hài lòng\" và số đánh giá được ghi bên cạnh.",
            "Ratings \"satisfied\" or \"acceptable\" divided by the reports the citizen rated (the three-level \
             Hue-S scale). The share rated \"satisfied\" alone and the number of ratings are shown beside it.",
        ],
        "pa-thoi-gian" => [
            "Thời gian xử lý (trung vị)",
            "Handling time (median)",
            "Trung vị số giờ từ lúc gửi đến lúc trả lời của các phản ánh đã xử lý xong: một nửa số phản ánh được trả \
             lời nhanh hơn. Thời gian được xếp vào các khoảng: từng giờ trong 2 ngày đầu, 6 giờ đến 10 ngày, 1 ngày \
             đến 60 ngày, 1 tuần sau đó; mỗi phản ánh lấy giữa khoảng của nó, nên trung vị chính xác đến 1 giờ khi \
             dưới 48 giờ (đến 6 giờ, 1 ngày, 1 tuần khi dài hơn).",
            "The median number of hours from sending to the answer over the processed reports: half were answered \
             faster. Times fall into bands: each hour for the first 2 days, 6 hours up to 10 days, 1 day up to 60 \
             days, 1 week beyond; each report counts at the middle of its band, so the median is exact to the hour \
             under 48 hours (to 6 hours, a day or a week when longer).",
        ],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(pairs: &[(i64, u64)]) -> HandlingHours {
        let mut h = HandlingHours::default();
        for (hours, n) in pairs {
            h.add(*hours, *n);
        }
        h
    }

    #[test]
    fn the_median_takes_the_middle_report_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(hist(&[]).median_hours(), None);
        assert_eq!(hist(&[(2, 1)]).median_hours(), Some(2.5));
        // 1, 1, 5, 40, 40 hours: the third.
        assert_eq!(hist(&[(40, 2), (1, 2), (5, 1)]).median_hours(), Some(5.5));
        // 1, 5, 40, 41: between the second and third.
        assert_eq!(hist(&[(1, 1), (5, 1), (40, 1), (41, 1)]).median_hours(), Some(23.0));
        // A negative span (clock skew) counts as the first hour; empty buckets are ignored.
        assert_eq!(hist(&[(-3, 1), (9, 0)]).median_hours(), Some(0.5));
    }

    #[test]
    fn merged_histograms_give_the_median_of_all_their_reports() {
        let mut a = hist(&[(1, 3)]);
        a.merge(&hist(&[(100, 4)]));
        // 100 h lies in the 6-hour band 96–101 h, read at its middle.
        assert_eq!((a.count(), a.median_hours()), (7, Some(99.0)));
    }

    #[test]
    fn handling_buckets_are_hours_then_wider_bands_and_each_start_is_its_own_bucket() {
        assert_eq!(
            [0, 47, 48, 53, 54, 239, 240, 263, 1439, 1440, 1607, 1608].map(handling_bucket),
            [0, 47, 48, 48, 54, 234, 240, 240, 1416, 1440, 1440, 1608]
        );
        assert_eq!(handling_bucket(-5), 0);
        for h in 0..3000 {
            let b = handling_bucket(h);
            assert!(b as i64 <= h && h < (b + bucket_width(b)) as i64, "{h} in [{b}, +{})", bucket_width(b));
            assert_eq!(handling_bucket(b as i64), b, "a bucket's start maps to itself");
        }
    }

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn a_report_adds_what_its_status_says() {
        let facts = |status, answered: Option<i64>, rating| ReportFacts {
            status,
            created_at: at(0),
            due_at: Some(at(72)),
            answered_at: answered.map(at),
            rating,
        };
        let (c, h) = report_tally(&facts(ReportStatus::Answered, Some(30), Some(Rating::Acceptable)));
        assert_eq!((c.received, c.processed, c.on_time, c.rated, c.acceptable, h), (1, 1, 1, 1, 1, Some(30)));
        let (c, h) = report_tally(&facts(ReportStatus::Closed, Some(80), None));
        assert_eq!((c.processed, c.on_time, c.rated, h), (1, 0, 0, Some(80)));
        let (c, h) = report_tally(&facts(ReportStatus::InProgress, None, None));
        assert_eq!((c.received, c.processed, h), (1, 0, None));
        let rejected = ReportStatus::Rejected(crate::reports::RejectReason::Duplicate);
        let (c, h) = report_tally(&facts(rejected, None, Some(Rating::Satisfied)));
        assert_eq!(c, ReportCounts { rejected: 1, ..Default::default() });
        assert_eq!(h, None);
        let v = report_tally(&facts(ReportStatus::Answered, Some(30), Some(Rating::Dissatisfied))).0.tally_values();
        assert_eq!(ReportCounts::from_tally_values(&v).tally_values(), v);
    }

    #[test]
    fn rates_are_rounded_to_two_decimals_and_not_applicable_without_a_denominator() {
        assert_eq!(rate(1, 3), Some(33.33));
        assert_eq!(rate(2, 3), Some(66.67));
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(5, 5), Some(100.0));
    }

    #[test]
    fn figures_follow_their_formulas_and_counts_add_up() {
        let mut c = ReportCounts {
            received: 10,
            processed: 6,
            on_time: 3,
            overdue_open: 2,
            rated: 4,
            satisfied: 1,
            acceptable: 2,
            dissatisfied: 1,
            ..Default::default()
        };
        let f = report_figures(c, &hist(&[(10, 6)]));
        assert_eq!(f.processed_rate, Some(60.0));
        assert_eq!(f.on_time_rate, Some(37.5), "3 on time of 6 processed + 2 overdue");
        assert_eq!((f.satisfaction_rate, f.satisfied_rate), (Some(75.0), Some(25.0)));
        assert_eq!(f.median_hours, Some(10.5));
        c += ReportCounts { received: 1, rejected: 2, ..Default::default() };
        assert_eq!((c.received, c.rejected, c.processed), (11, 2, 6));
        let none = report_figures(ReportCounts::default(), &HandlingHours::default());
        assert_eq!(
            (none.processed_rate, none.on_time_rate, none.satisfaction_rate, none.median_hours),
            (None, None, None, None)
        );
    }

    #[test]
    fn every_figure_has_a_name_and_formula_in_both_languages() {
        for id in FIGURES {
            let [vi, en, how_vi, how_en] = explanation(id).unwrap_or_else(|| panic!("{id} unexplained"));
            assert!(!vi.is_empty() && !en.is_empty() && how_vi.len() > 40 && how_en.len() > 40, "{id}");
        }
        assert!(explanation("2.1").is_none());
    }
}
