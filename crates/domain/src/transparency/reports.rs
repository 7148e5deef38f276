//! Thống kê phản ánh hiện trường: what each unit did with the field reports sent to it in a period, as the
//! public transparency pages show it. Hue-S publishes the same figures for the city (`domain-vn.md` §8):
//! reports received, processed, processed on time, the citizens' ratings; we add the reports still open past
//! their deadline and the median time to an answer.
//!
//! The store hands over additive counts (so months add up to the period and a ward's counts add up into the
//! city) and a histogram of handling times in whole hours (so a median can be taken over any set of units
//! without loading one row per report); this module turns them into rates, each with the counts behind it.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use serde::Serialize;

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

/// How long finished reports took from sending to answer, as a histogram of whole hours (hours → reports):
/// precise to the hour, and merged across units and months without the rows themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlingHours(BTreeMap<u64, u64>);

impl HandlingHours {
    /// Adds `reports` answered after `hours` whole hours (a negative span, a clock error, counts as 0).
    pub fn add(&mut self, hours: i64, reports: u64) {
        if reports > 0 {
            *self.0.entry(u64::try_from(hours).unwrap_or(0)).or_default() += reports;
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

    /// The median handling time in hours, each report taken at the middle of its hour (so one answered after
    /// 2 h 10 min counts 2.5 h); the mean of the two middle reports for an even count. `None` when empty.
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
                    return *h as f64 + 0.5;
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
             lời nhanh hơn. Tính theo giờ tròn (mỗi phản ánh lấy giữa giờ của nó).",
            "The median number of hours from sending to the answer over the processed reports: half were answered \
             faster. Counted in whole hours (each report at the middle of its hour).",
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
        assert_eq!((a.count(), a.median_hours()), (7, Some(100.5)));
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
