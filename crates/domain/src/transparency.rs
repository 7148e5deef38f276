//! Public transparency (`/minh-bach`): how the QĐ 766/QĐ-TTg indicators of every unit are ranked, split by
//! month and explained in words, so citizens can check how well each unit serves them.
//!
//! The indicators themselves come from [`crate::indices::compute_indices`]; this module only decides the
//! period a person may ask for, the order of the ranking, the monthly buckets of a trend and the sentence that
//! tells how each figure is computed. Its submodules do the same for the field reports ([`reports`]) and the
//! environment ([`environment`]).

pub mod environment;
pub mod reports;

use chrono::{Datelike, Months, NaiveDate};

use crate::indices::Indicator;
use crate::validation::ValidationError;

/// The longest period a transparency query may span: five years of monthly trends is already 60 bars per
/// indicator; beyond that the page would be unreadable and the computation pointless.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// A reporting period `[from, to]` in local (Asia/Ho_Chi_Minh) dates, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    /// Checks the order and the span of a requested period; `today` bounds how far in the future it may end
    /// (one year ahead: a period ending later has nothing to show).
    pub fn new(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<Self, ValidationError> {
        if to < from {
            return Err(ValidationError::new(
                "to",
                "period_reversed",
                "Ngày kết thúc phải sau ngày bắt đầu.",
                "The end date must not be before the start date.",
            ));
        }
        if (to - from).num_days() > MAX_PERIOD_DAYS {
            return Err(ValidationError::new(
                "from",
                "period_too_long",
                "Kỳ báo cáo dài tối đa 5 năm; hãy chọn khoảng ngắn hơn.",
                "A reporting period may span at most 5 years; choose a shorter one.",
            ));
        }
        if from.year() < 2000 || to > today + chrono::Duration::days(366) {
            return Err(ValidationError::new(
                "from",
                "period_out_of_range",
                "Kỳ báo cáo phải nằm trong khoảng từ năm 2000 đến một năm sau hôm nay.",
                "The reporting period must lie between the year 2000 and one year from today.",
            ));
        }
        Ok(Self { from, to })
    }

    /// First day, included.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day, included.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The calendar months the period touches, each clipped to the period: the buckets of a trend chart.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let first_of_next = NaiveDate::from_ymd_opt(start.year(), start.month(), 1)
                .and_then(|d| d.checked_add_months(Months::new(1)))
                .unwrap_or(self.to + chrono::Duration::days(1));
            let end = (first_of_next - chrono::Duration::days(1)).min(self.to);
            out.push(Period { from: start, to: end });
            start = first_of_next;
        }
        out
    }

    /// `YYYY-MM` of the period's first day: the label of a monthly bucket.
    pub fn month_label(&self) -> String {
        format!("{:04}-{:02}", self.from.year(), self.from.month())
    }
}

/// Sum of the points a unit earned on the scored indicators, and the most it could earn on those that were
/// not N/A: the basis of the ranking. `None` when every scored indicator is N/A (no dossiers).
pub fn total_points(indicators: &[Indicator]) -> Option<(f64, f64)> {
    let scored: Vec<(f64, f64)> = indicators.iter().filter_map(|i| i.points.map(|p| (p, i.max_points))).collect();
    if scored.is_empty() {
        return None;
    }
    let earned: f64 = scored.iter().map(|(p, _)| p).sum();
    let possible: f64 = scored.iter().map(|(_, m)| m).sum();
    Some(((earned * 100.0).round() / 100.0, (possible * 100.0).round() / 100.0))
}

/// Score out of 100 used to rank units fairly when some indicators are N/A for some of them: earned ÷
/// possible × 100, rounded to 2 decimals.
pub fn score_percent(indicators: &[Indicator]) -> Option<f64> {
    total_points(indicators).map(
        |(earned, possible)| {
            if possible > 0.0 { (earned / possible * 10_000.0).round() / 100.0 } else { 0.0 }
        },
    )
}

/// Standard competition ranking ("1, 2, 2, 4") by descending score; units without a score (no dossiers)
/// get no rank and keep their input order after the ranked ones. Returns, for each input position, its rank.
pub fn rank(scores: &[Option<f64>]) -> Vec<Option<usize>> {
    scores
        .iter()
        .map(|s| s.map(|mine| 1 + scores.iter().filter(|other| other.is_some_and(|o| o > mine)).count()))
        .collect()
}

/// How an indicator is computed, in words (Vietnamese, English), following the populations documented on
/// [`crate::indices::compute_indices`] (QĐ 766/QĐ-TTg, DVCQG formula description).
pub fn explanation(indicator_id: &str) -> Option<(&'static str, &'static str)> {
    Some(match indicator_id {
        "2.1" => (
            "Số hồ sơ giải quyết đúng hẹn chia cho số hồ sơ đã tiếp nhận hoặc đang xử lý trong kỳ có ngày hẹn trả \
             (trừ hồ sơ rút). Thời gian chờ bổ sung lần đầu không tính; yêu cầu bổ sung lần thứ hai tính là trễ; \
             hồ sơ chưa xong được xét tại ngày cuối kỳ.",
            "Dossiers finished by their appointment date divided by the dossiers received or in progress in the \
             period that have one (withdrawn ones excepted). Time waiting for the first supplement is not counted; \
             a second supplement request counts as late; unfinished dossiers are judged on the last day.",
        ),
        "2.2" => (
            "Tổng số ngày làm việc từ lúc tiếp nhận đến lúc có kết quả chia cho số hồ sơ có kết quả trong kỳ.",
            "Total working days from acceptance to result divided by the dossiers with a result in the period.",
        ),
        "3.3" => (
            "Số hồ sơ nộp trực tuyến (có kết quả điện tử khi kết quả là giấy) chia cho tổng số hồ sơ tiếp nhận \
             trong kỳ. Đạt điểm tối đa từ 50 %.",
            "Dossiers submitted online (with an electronic result where the result is on paper) divided by all \
             dossiers received in the period. Full points from 50 %.",
        ),
        "3.6" => (
            "Số hồ sơ có nghĩa vụ tài chính được thanh toán trực tuyến chia cho số hồ sơ có nghĩa vụ tài chính \
             trong kỳ.",
            "Dossiers with fees paid online divided by the dossiers that owed fees in the period.",
        ),
        "4.2" => (
            "Số hồ sơ có thành phần được số hóa và có kết quả điện tử chia cho số hồ sơ có kết quả trong kỳ. \
             Đạt điểm tối đa từ 80 %.",
            "Dossiers with digitised components and an electronic result divided by the dossiers with a result in \
             the period. Full points from 80 %.",
        ),
        "4.3" => (
            "Số hồ sơ dùng lại giấy tờ đã số hóa (kho dữ liệu cá nhân) chia cho số hồ sơ tiếp nhận trong kỳ. \
             Đạt điểm tối đa từ 80 %.",
            "Dossiers reusing already digitised papers (personal document store) divided by the dossiers received \
             in the period. Full points from 80 %.",
        ),
        "5.4" => (
            "100 % trừ tỷ lệ hồ sơ trễ hẹn và tỷ lệ hồ sơ bị phản ánh hoặc đánh giá \"không hài lòng\", trên cùng \
             tập hồ sơ của chỉ số 2.1. Đạt điểm tối đa từ 90 %.",
            "100 % minus the rate of late dossiers and the rate of dossiers with a complaint or a \"not satisfied\" \
             rating, over the dossiers of indicator 2.1. Full points from 90 %.",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indices::IndicatorUnit;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn indicator(points: Option<f64>, max: f64) -> Indicator {
        Indicator {
            id: "x".into(),
            name_vi: String::new(),
            name_en: String::new(),
            unit: IndicatorUnit::Percent,
            numerator: 0.0,
            denominator: 0,
            value: points,
            points,
            max_points: max,
            threshold: None,
        }
    }

    #[test]
    fn a_reversed_period_is_refused_with_both_languages() {
        let err = Period::new(day(2026, 5, 1), day(2026, 4, 30), day(2026, 11, 27)).expect_err("reversed");
        assert_eq!(err.code, "period_reversed");
        assert!(err.vi.contains("Ngày kết thúc") && err.en.contains("end date"));
    }

    #[test]
    fn periods_longer_than_five_years_or_far_away_are_refused() {
        let today = day(2026, 11, 27);
        assert_eq!(Period::new(day(2019, 1, 1), day(2026, 1, 1), today).expect_err("long").code, "period_too_long");
        assert_eq!(Period::new(day(1990, 1, 1), day(1990, 2, 1), today).expect_err("old").code, "period_out_of_range");
        assert_eq!(
            Period::new(day(2030, 1, 1), day(2030, 2, 1), today).expect_err("future").code,
            "period_out_of_range"
        );
        assert!(Period::new(day(2026, 1, 1), day(2026, 12, 31), today).is_ok());
    }

    #[test]
    fn months_cover_the_period_exactly_and_clip_both_ends() {
        let p = Period::new(day(2025, 11, 15), day(2026, 2, 10), day(2026, 11, 27)).expect("valid");
        let months = p.months();
        let labels: Vec<String> = months.iter().map(Period::month_label).collect();
        assert_eq!(labels, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!((months[0].from(), months[0].to()), (day(2025, 11, 15), day(2025, 11, 30)));
        assert_eq!((months[1].from(), months[1].to()), (day(2025, 12, 1), day(2025, 12, 31)));
        assert_eq!((months[3].from(), months[3].to()), (day(2026, 2, 1), day(2026, 2, 10)));
        // Consecutive, no gap, no overlap.
        for pair in months.windows(2) {
            assert_eq!(pair[0].to() + chrono::Duration::days(1), pair[1].from());
        }
    }

    #[test]
    fn a_single_day_is_one_month_bucket() {
        let p = Period::new(day(2026, 2, 28), day(2026, 2, 28), day(2026, 11, 27)).expect("valid");
        assert_eq!(p.months(), vec![p]);
    }

    #[test]
    fn totals_skip_indicators_that_are_not_applicable() {
        let indicators = [indicator(Some(8.0), 10.0), indicator(None, 4.0), indicator(Some(3.0), 6.0)];
        assert_eq!(total_points(&indicators), Some((11.0, 16.0)));
        assert_eq!(score_percent(&indicators), Some(68.75));
        assert_eq!(total_points(&[indicator(None, 10.0)]), None);
    }

    #[test]
    fn ranking_shares_places_on_ties_and_leaves_unscored_units_unranked() {
        let ranks = rank(&[Some(70.0), None, Some(90.0), Some(70.0), Some(50.0)]);
        assert_eq!(ranks, vec![Some(2), None, Some(1), Some(2), Some(4)]);
    }

    #[test]
    fn every_computed_indicator_is_explained_in_both_languages() {
        let records = [];
        let from = day(2026, 1, 1).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let to = day(2027, 1, 1).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        for i in crate::indices::compute_indices(&records, from, to) {
            let (vi, en) = explanation(&i.id).unwrap_or_else(|| panic!("indicator {} has no explanation", i.id));
            assert!(!vi.is_empty() && !en.is_empty());
        }
        assert!(explanation("9.9").is_none());
    }
}
