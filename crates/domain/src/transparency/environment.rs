//! Tóm tắt môi trường: the environment over a period as the transparency pages publish it: for each air
//! station and for the city, how many days fell in each VN_AQI band (QĐ 1459/QĐ-TCMT) and the worst day; for
//! each river gauge, the peak level against the flood alarm levels BĐ1–BĐ3 (QĐ 05/2020/QĐ-TTg) and how many
//! days the river reached each level.
//!
//! The store hands over hourly means (one SQL aggregate per Datastream and hour) and daily highest water levels;
//! the daily index itself is [`crate::sensing::aqi::daily_aqi`], fed the way the decision's §2.3 asks.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::sensing::aqi::{AqiCategory, AqiReport, DailyConcentrations, Pollutant, daily_aqi, max_8h_mean};
use crate::sensing::flood::{FloodLevel, RiverGauge};
use crate::time::TZ;

use super::Period;

/// Hours of dust measurements (PM2.5 or PM10) a day needs before its daily index counts. The decision sets no
/// completeness rule for the 24-hour mean; 18 of 24 (75 %) is the usual one for daily means \[I\]: a day with
/// a long outage would otherwise be judged on a few hours.
pub const MIN_DUST_HOURS: usize = 18;

/// Hourly means of one pollutant at one station: the start of each hour (UTC, whole hours) and the mean.
pub type HourlySeries = Vec<(DateTime<Utc>, f64)>;

/// The first instant of a local day, as a count of whole UTC hours since the epoch (Huế is UTC+7, whole hours,
/// so local and UTC hours line up).
fn first_hour_of(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let utc = TZ
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_else(|| midnight.and_utc().timestamp() - 7 * 3600);
    utc.div_euclid(3600)
}

/// The daily VN_AQI of every day of `period` a station measured well enough: dust by its 24-hour mean, the
/// gases by their largest hourly mean, O₃ by the larger index of its largest hourly and largest 8-hour mean
/// (windows may start in the 7 hours before the day). The day runs from 00:00 to 24:00 local time, i.e. the
/// hourly values labelled 01:00 … 24:00, as in the decision.
pub fn station_daily_aqi(series: &[(Pollutant, HourlySeries)], period: &Period) -> Vec<(NaiveDate, AqiReport)> {
    let by_hour: Vec<(Pollutant, HashMap<i64, f64>)> = series
        .iter()
        .map(|(p, s)| (*p, s.iter().map(|(t, v)| (t.timestamp().div_euclid(3600), *v)).collect()))
        .collect();
    let mut out = Vec::new();
    let mut day = period.from();
    while day <= period.to() {
        let h0 = first_hour_of(day);
        let mut c = DailyConcentrations::default();
        let mut dust_ok = false;
        for (p, hours) in &by_hour {
            let day_values: Vec<f64> = (h0..h0 + 24).filter_map(|h| hours.get(&h).copied()).collect();
            let mean = (!day_values.is_empty()).then(|| day_values.iter().sum::<f64>() / day_values.len() as f64);
            let max = day_values.iter().copied().reduce(f64::max);
            match p {
                Pollutant::Pm25 | Pollutant::Pm10 => {
                    let enough = day_values.len() >= MIN_DUST_HOURS;
                    dust_ok |= enough;
                    let mean = mean.filter(|_| enough);
                    if *p == Pollutant::Pm25 { c.pm25_24h = mean } else { c.pm10_24h = mean }
                }
                Pollutant::O3 => {
                    c.o3_1h_max = max;
                    let window: Vec<Option<f64>> = (h0 - 7..h0 + 24).map(|h| hours.get(&h).copied()).collect();
                    c.o3_8h_max = max_8h_mean(&window);
                }
                Pollutant::Co => c.co_1h_max = max,
                Pollutant::So2 => c.so2_1h_max = max,
                Pollutant::No2 => c.no2_1h_max = max,
            }
        }
        if dust_ok && let Ok(report) = daily_aqi(&c) {
            out.push((day, report));
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// The city's index of each day: the highest of its stations' that day, so the figure never hides the worst
/// air a resident of Huế breathed.
pub fn city_daily_aqi(stations: &[Vec<(NaiveDate, AqiReport)>]) -> Vec<(NaiveDate, AqiReport)> {
    let mut worst: BTreeMap<NaiveDate, AqiReport> = BTreeMap::new();
    for days in stations {
        for (d, r) in days {
            match worst.get(d) {
                Some(w) if w.aqi >= r.aqi => {}
                _ => {
                    worst.insert(*d, r.clone());
                }
            }
        }
    }
    worst.into_iter().collect()
}

/// Days in one VN_AQI band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BandDays {
    pub category: AqiCategory,
    pub days: u32,
}

/// The day with the highest daily index of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorstDay {
    pub date: NaiveDate,
    pub aqi: u16,
    pub category: AqiCategory,
    /// The pollutant that set the index that day.
    pub dominant: Pollutant,
}

/// How the air was over a period: days with a daily index, days per band (every band listed, cleanest first)
/// and the worst day (the earliest on a tie).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AqiDays {
    pub days: u32,
    pub by_category: Vec<BandDays>,
    pub worst: Option<WorstDay>,
}

/// Counts the days of `daily` per band and finds the worst one.
pub fn summarise_aqi(daily: &[(NaiveDate, AqiReport)]) -> AqiDays {
    let by_category = AqiCategory::ALL
        .iter()
        .map(|c| BandDays { category: *c, days: daily.iter().filter(|(_, r)| r.category == *c).count() as u32 })
        .collect();
    let worst = daily
        .iter()
        .fold(None::<&(NaiveDate, AqiReport)>, |acc, x| match acc {
            Some(a) if a.1.aqi >= x.1.aqi => Some(a),
            _ => Some(x),
        })
        .map(|(d, r)| WorstDay { date: *d, aqi: r.aqi, category: r.category, dominant: r.dominant });
    AqiDays { days: daily.len() as u32, by_category, worst }
}

/// Days at one flood alarm level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelDays {
    pub level: FloodLevel,
    pub days: u32,
}

/// The highest level a river reached in a period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiverPeak {
    pub date: NaiveDate,
    pub level_m: f64,
    pub level: FloodLevel,
}

/// A river gauge over a period: days with readings, the peak, and days per alarm level (a day counts at the
/// highest level its readings reached; every level listed, lowest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiverDays {
    pub days: u32,
    pub peak: Option<RiverPeak>,
    pub by_level: Vec<LevelDays>,
}

/// Summarises the daily highest levels of `gauge` (local day, metres) against its BĐ1–BĐ3.
pub fn summarise_river(gauge: &RiverGauge, daily_max: &[(NaiveDate, f64)]) -> RiverDays {
    let valid: Vec<(NaiveDate, f64)> = daily_max.iter().copied().filter(|(_, v)| v.is_finite()).collect();
    let by_level = FloodLevel::ALL
        .iter()
        .map(|l| LevelDays { level: *l, days: valid.iter().filter(|(_, v)| gauge.level_of(*v) == *l).count() as u32 })
        .collect();
    let peak = valid
        .iter()
        .fold(None::<(NaiveDate, f64)>, |acc, x| match acc {
            Some(a) if a.1 >= x.1 => Some(a),
            _ => Some(*x),
        })
        .map(|(date, level_m)| RiverPeak { date, level_m, level: gauge.level_of(level_m) });
    RiverDays { days: valid.len() as u32, peak, by_level }
}

/// Anchors of the environment figures on the formulas page.
pub const FIGURES: [&str; 3] = ["mt-aqi-ngay", "mt-aqi-thanh-pho", "mt-muc-nuoc"];

/// Name and formula in words (Vietnamese, English) of an environment figure of [`FIGURES`].
pub fn explanation(figure: &str) -> Option<[&'static str; 4]> {
    Some(match figure {
        "mt-aqi-ngay" => [
            "Số ngày theo mức chất lượng không khí (trạm)",
            "Days per air-quality band (station)",
            "Chỉ số VN_AQI ngày của mỗi trạm theo Quyết định 1459/QĐ-TCMT: bụi PM2.5, PM10 lấy trung bình 24 giờ;              CO, SO₂, NO₂ lấy giá trị trung bình 1 giờ lớn nhất; O₃ lấy chỉ số lớn hơn giữa trung bình 1 giờ lớn nhất              và trung bình 8 giờ lớn nhất. Ngày tính từ 0 giờ đến 24 giờ; ngày có dưới 18 giờ số liệu bụi không được              tính. Mỗi ngày được xếp vào một mức (Tốt 0–50, Trung bình 51–100, Kém 101–150, Xấu 151–200, Rất xấu              201–300, Nguy hại trên 300); ngày xấu nhất là ngày có chỉ số cao nhất.",
            "Each station's daily VN_AQI per Decision 1459/QĐ-TCMT: PM2.5 and PM10 by their 24-hour mean; CO, SO₂ and              NO₂ by their largest 1-hour mean; O₃ by the larger index of its largest 1-hour and largest 8-hour mean.              A day runs from midnight to midnight; a day with fewer than 18 hours of dust data is not counted. Each              day falls in one band (Good 0–50, Moderate 51–100, Poor 101–150, Bad 151–200, Very bad 201–300,              Hazardous above 300); the worst day is the one with the highest index.",
        ],
        "mt-aqi-thanh-pho" => [
            "Số ngày theo mức chất lượng không khí (toàn thành phố)",
            "Days per air-quality band (city)",
            "Chỉ số ngày của thành phố là chỉ số cao nhất trong các trạm có số liệu ngày đó, để con số không che              khuất nơi không khí kém nhất.",
            "The city's index of a day is the highest of the stations with data that day, so the figure never hides              the place with the worst air.",
        ],
        "mt-muc-nuoc" => [
            "Mực nước sông so với mức báo động",
            "River levels against the alarm levels",
            "Mực nước cao nhất mỗi ngày của trạm thủy văn được so với các mức báo động BĐ1, BĐ2, BĐ3 theo Quyết định              05/2020/QĐ-TTg. Mỗi ngày được tính ở mức cao nhất mà nước đã đạt; đỉnh là mực nước cao nhất trong kỳ.",
            "Each day's highest reading at a river gauge is compared with alarm levels BĐ1, BĐ2 and BĐ3 of Decision              05/2020/QĐ-TTg. A day counts at the highest level the water reached; the peak is the highest reading              of the period.",
        ],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensing::flood::hue_gauges;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// Hour `h` (0–23, local) of `d` as its UTC start.
    fn local_hour(d: NaiveDate, h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp((first_hour_of(d) + h) * 3600, 0).expect("valid")
    }

    fn period(from: NaiveDate, to: NaiveDate) -> Period {
        Period::new(from, to, day(2026, 11, 27)).expect("valid period")
    }

    #[test]
    fn a_local_day_starts_at_17_utc_the_evening_before() {
        let start = local_hour(day(2026, 3, 2), 0);
        assert_eq!(start.to_rfc3339(), "2026-03-01T17:00:00+00:00");
    }

    #[test]
    fn the_decisions_worked_example_gives_a_daily_index_of_110() {
        // QĐ 1459 daily example: PM2.5 24 h mean 55.7 → 110; NO₂ max 130.8 → 65; O₃ 1 h max 114.6 → 36.
        let d = day(2026, 3, 2);
        let pm: HourlySeries = (0..24).map(|h| (local_hour(d, h), 55.7)).collect();
        let no2: HourlySeries = (0..24).map(|h| (local_hour(d, h), if h == 8 { 130.8 } else { 40.0 })).collect();
        let o3: HourlySeries = (0..24).map(|h| (local_hour(d, h), if h == 13 { 114.6 } else { 20.0 })).collect();
        let days =
            station_daily_aqi(&[(Pollutant::Pm25, pm), (Pollutant::No2, no2), (Pollutant::O3, o3)], &period(d, d));
        assert_eq!(days.len(), 1);
        assert_eq!((days[0].0, days[0].1.aqi, days[0].1.dominant), (d, 110, Pollutant::Pm25));
        assert_eq!(days[0].1.category, AqiCategory::Poor);
    }

    #[test]
    fn hours_belong_to_the_local_day_and_thin_days_are_skipped() {
        let d1 = day(2026, 3, 1);
        let d2 = day(2026, 3, 2);
        // Day 1: 24 clean hours; day 2: only 17 hours of dust (below the 18-hour rule), though very dirty.
        let mut pm: HourlySeries = (0..24).map(|h| (local_hour(d1, h), 10.0)).collect();
        pm.extend((0..17).map(|h| (local_hour(d2, h), 400.0)));
        let days = station_daily_aqi(&[(Pollutant::Pm25, pm)], &period(d1, d2));
        assert_eq!(days.iter().map(|(d, r)| (*d, r.aqi)).collect::<Vec<_>>(), vec![(d1, 20)]);
    }

    fn report(aqi: u16) -> AqiReport {
        let d = day(2026, 1, 1);
        // Build a real report with the wanted index through PM2.5 (0–25 µg/m³ ↦ 0–50).
        let c = f64::from(aqi) / 2.0;
        let pm: HourlySeries = (0..24).map(|h| (local_hour(d, h), c)).collect();
        station_daily_aqi(&[(Pollutant::Pm25, pm)], &period(d, d)).remove(0).1
    }

    #[test]
    fn the_city_takes_each_days_worst_station_and_days_are_counted_per_band() {
        let (d1, d2, d3) = (day(2026, 1, 1), day(2026, 1, 2), day(2026, 1, 3));
        let a = vec![(d1, report(20)), (d2, report(40))];
        let b = vec![(d1, report(45)), (d3, report(10))];
        let city = city_daily_aqi(&[a, b]);
        assert_eq!(city.iter().map(|(d, r)| (*d, r.aqi)).collect::<Vec<_>>(), vec![(d1, 45), (d2, 40), (d3, 10)]);
        let mut dirty = city.clone();
        dirty.push((day(2026, 1, 4), AqiReport { aqi: 160, category: AqiCategory::Bad, ..report(10) }));
        let s = summarise_aqi(&dirty);
        assert_eq!(s.days, 4);
        assert_eq!(s.by_category.iter().map(|b| b.days).collect::<Vec<_>>(), vec![3, 0, 0, 1, 0, 0]);
        assert_eq!(s.worst.map(|w| (w.date, w.aqi, w.category)), Some((day(2026, 1, 4), 160, AqiCategory::Bad)));
        assert_eq!(
            summarise_aqi(&[]),
            AqiDays {
                days: 0,
                by_category: s.by_category.iter().map(|b| BandDays { days: 0, ..*b }).collect(),
                worst: None
            }
        );
    }

    #[test]
    fn a_river_counts_days_at_the_highest_level_reached_and_finds_its_peak() {
        let kim_long = hue_gauges().into_iter().find(|g| g.id == "tram-thuy-van-kim-long").expect("Kim Long");
        // BĐ1 1.0, BĐ2 2.0, BĐ3 3.5 m.
        let levels = [(1, 0.6), (2, 1.0), (3, 2.4), (4, 1.9), (5, f64::NAN), (6, 0.7)];
        let daily: Vec<(NaiveDate, f64)> = levels.iter().map(|(d, v)| (day(2026, 10, *d), *v)).collect();
        let s = summarise_river(&kim_long, &daily);
        assert_eq!(s.days, 5, "a reading that is not a number is no reading");
        assert_eq!(s.by_level.iter().map(|l| l.days).collect::<Vec<_>>(), vec![2, 2, 1, 0, 0]);
        let peak = s.peak.expect("peak");
        assert_eq!((peak.date, peak.level_m, peak.level), (day(2026, 10, 3), 2.4, FloodLevel::Bd2));
        assert_eq!(summarise_river(&kim_long, &[]).peak, None);
    }

    #[test]
    fn every_environment_figure_is_explained_in_both_languages() {
        for id in FIGURES {
            let [vi, en, how_vi, how_en] = explanation(id).unwrap_or_else(|| panic!("{id} unexplained"));
            assert!(!vi.is_empty() && !en.is_empty() && how_vi.len() > 40 && how_en.len() > 40, "{id}");
        }
        assert!(explanation("pa-dung-han").is_none());
    }
}
