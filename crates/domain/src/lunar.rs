//! Âm lịch Việt Nam: the Vietnamese lunisolar calendar, used for Tết and Giỗ Tổ Hùng Vương.
//!
//! Computed with Hồ Ngọc Đức's algorithm: new moons and the sun's longitude (the solar terms) come from
//! astronomical series, and days are cut at midnight of **UTC+7**. This is deliberately *not* a Chinese-calendar
//! library: China cuts days at UTC+8, so whenever a new moon falls between 23:00 and 24:00 Vietnam time the two
//! calendars disagree (Tết 2030 is 2 February in Vietnam, 3 February in China; Tết 1985 is a whole month apart).
//!
//! The computation uses the proleptic Gregorian calendar and UTC+7 for every year. Vietnam used UTC+8 before
//! 1968, so lunar dates computed here for earlier years can differ from the almanacs printed at the time.

use std::f64::consts::PI;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Vietnam standard time, in hours east of UTC, at which lunar days are cut.
const TIME_ZONE_HOURS: f64 = 7.0;

/// Julian Day Number of the day before 0001-01-01 (proleptic Gregorian), to convert chrono's day count.
const JDN_OF_CE_DAY_ZERO: i64 = 1_721_425;

/// Mean length of a synodic month in days, as used by the algorithm.
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// Julian day of the reference new moon (1900-01-01) the algorithm counts lunations `k` from.
const NEW_MOON_EPOCH: f64 = 2_415_021.076_998_695;

/// Ngày âm lịch: a date in the Vietnamese lunar calendar.
///
/// `year` is the Gregorian year in which the lunar year starts (Tết 2026 is 1/1 of lunar year 2026), and
/// `leap` marks a day of the intercalary month (tháng nhuận), which repeats the number of the month before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LunarDate {
    /// Day of the lunar month, 1–30.
    pub day: u32,
    /// Lunar month, 1–12.
    pub month: u32,
    /// Lunar year, numbered by the Gregorian year it starts in.
    pub year: i32,
    /// True in the leap (intercalary) month.
    pub leap: bool,
}

/// Converts a Gregorian date to the Vietnamese lunar date (at UTC+7).
pub fn solar_to_lunar(date: NaiveDate) -> LunarDate {
    let yy = i64::from(date.year());
    let day_number = jdn(date);
    // The last new moon on or before the day. The original steps back at most once from the mean lunation, which
    // yields day 0 when the true new moon runs late (e.g. 2054-05-07); stepping back until it fits fixes that.
    let mut k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64 + 1;
    let mut month_start = new_moon_day(k);
    while month_start > day_number {
        k -= 1;
        month_start = new_moon_day(k);
    }
    let mut a11 = lunar_month_11(yy);
    let mut b11 = a11;
    let mut lunar_year = if a11 >= month_start {
        a11 = lunar_month_11(yy - 1);
        yy
    } else {
        b11 = lunar_month_11(yy + 1);
        yy + 1
    };
    let day = day_number - month_start + 1;
    let diff = (month_start - a11).div_euclid(29);
    let mut month = diff + 11;
    let mut leap = false;
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        if diff >= leap_offset {
            month = diff + 10;
            leap = diff == leap_offset;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate { day: small(day), month: small(month), year: i32::try_from(lunar_year).unwrap_or(date.year()), leap }
}

/// Converts a Vietnamese lunar date to the Gregorian date, or `None` when no such lunar day exists: month outside
/// 1–12, day 0 or past the end of the month (months have 29 or 30 days), or `leap` on a month that is not the
/// year's leap month.
pub fn lunar_to_solar(day: u32, month: u32, year: i32, leap: bool) -> Option<NaiveDate> {
    if !(1..=12).contains(&month) || !(1..=30).contains(&day) {
        return None;
    }
    let start = month_start(month, year, leap)?;
    let next = month_start_after(start);
    if i64::from(day) > next - start {
        return None;
    }
    date_from_jdn(start + i64::from(day) - 1)
}

/// Tháng nhuận: the leap month of lunar year `year` (the number it repeats), or `None` in a common year.
pub fn leap_month(year: i32) -> Option<u32> {
    // A leap month numbered 1–10 lies between month 11 of the previous year and month 11 of this one; a leap 11 or
    // 12 lies after this year's month 11.
    let y = i64::from(year);
    let early = leap_month_between(lunar_month_11(y - 1), lunar_month_11(y));
    let late = leap_month_between(lunar_month_11(y), lunar_month_11(y + 1));
    match (early, late) {
        (Some(m), _) if m <= 10 => Some(m),
        (_, Some(m)) if m >= 11 => Some(m),
        _ => None,
    }
}

/// Number of days (29 or 30) in a lunar month, or `None` when the month does not exist.
pub fn month_length(month: u32, year: i32, leap: bool) -> Option<u32> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let start = month_start(month, year, leap)?;
    Some(small(month_start_after(start) - start))
}

/// Julian Day Number of the first day of a lunar month (Hồ Ngọc Đức's `convertLunar2Solar` with day 1), checking
/// that a requested leap month really is the leap month.
fn month_start(month: u32, year: i32, leap: bool) -> Option<i64> {
    let y = i64::from(year);
    let (a11, b11) = if month < 11 {
        (lunar_month_11(y - 1), lunar_month_11(y))
    } else {
        (lunar_month_11(y), lunar_month_11(y + 1))
    };
    let k = (0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        if leap && leap_month_between(a11, b11) != Some(month) {
            return None;
        }
        if leap || off >= leap_offset {
            off += 1;
        }
    } else if leap {
        // The original algorithm ignores the flag here; a common year has no leap month to return.
        return None;
    }
    Some(new_moon_day(k + off))
}

/// First day of the lunar month that follows the one starting on `start`.
fn month_start_after(start: i64) -> i64 {
    let k = ((start as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    // `k` is the lunation starting on `start`; step forward until the new moon is after it.
    (k..k + 3).map(new_moon_day).find(|&d| d > start).unwrap_or(start + 30)
}

/// The leap month number in the lunar year running from month 11 at `a11` to month 11 at `b11`, if any.
fn leap_month_between(a11: i64, b11: i64) -> Option<u32> {
    if b11 - a11 <= 365 {
        return None;
    }
    let m = (leap_month_offset(a11) - 2).rem_euclid(12);
    Some(small(if m == 0 { 12 } else { m }))
}

/// Julian Day Number of a Gregorian date.
fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OF_CE_DAY_ZERO
}

/// Gregorian date of a Julian Day Number, `None` outside chrono's range.
fn date_from_jdn(jdn: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(jdn - JDN_OF_CE_DAY_ZERO).ok()?)
}

/// Julian Day Number of 31 December of Gregorian year `year`.
fn jdn_of_december_31(year: i64) -> i64 {
    // Fliegel–Van Flandern for 31/12: a = 0, y = year + 4800, m = 9.
    let y = year + 4800;
    31 + (153 * 9 + 2) / 5 + 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) - 32045
}

/// Local (UTC+7) day of the `k`-th new moon after 1900-01-01 (Hồ Ngọc Đức's `getNewMoonDay`, after Meeus).
fn new_moon_day(k: i64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries from 1900 January 0.5
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin(); // mean new moon
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3; // sun's mean anomaly
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3; // moon's mean anomaly
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3; // moon's argument of latitude
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    let jd_new = jd1 + c1 - delta_t;
    (jd_new + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// Which of the 12 thirty-degree sectors the sun's longitude is in at local midnight starting day `jdn`
/// (0 = 0°–30°; sector 9 starts at the winter solstice). Hồ Ngọc Đức's `getSunLongitude`.
fn sun_longitude_sector(jdn: i64) -> i64 {
    let t = (jdn as f64 - 2_451_545.5 - TIME_ZONE_HOURS / 24.0) / 36525.0; // centuries from J2000
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2; // mean anomaly
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2; // mean longitude
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl += (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let mut l = (l0 + dl) * dr; // true longitude, radians
    l -= 2.0 * PI * (l / (2.0 * PI)).floor();
    (l / PI * 6.0).floor() as i64
}

/// First day of lunar month 11 (the month containing the winter solstice) of Gregorian year `year`.
fn lunar_month_11(year: i64) -> i64 {
    let off = jdn_of_december_31(year) - 2_415_021;
    let k = (off as f64 / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k);
    if sun_longitude_sector(nm) >= 9 { new_moon_day(k - 1) } else { nm }
}

/// Offset from month 11 at `a11` of the leap month: the first month that contains no major solar term
/// (trung khí), detected as the sun staying in one sector from one new moon to the next.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_longitude_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_longitude_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

/// Narrows a day or month number the algorithm guarantees to be small (1–30) to `u32`.
fn small(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("bad test date {y}-{m}-{d}"))
    }

    fn lunar(day: u32, month: u32, year: i32, leap: bool) -> LunarDate {
        LunarDate { day, month, year, leap }
    }

    /// A Gregorian date as (year, month, day).
    type Ymd = (i32, u32, u32);

    /// Tết Nguyên đán and Giỗ Tổ Hùng Vương from domain-vn.md §6 (2030 is the year China differs).
    const TET_AND_GIO_TO: [(i32, Ymd, Ymd); 7] = [
        (2024, (2024, 2, 10), (2024, 4, 18)),
        (2025, (2025, 1, 29), (2025, 4, 7)),
        (2026, (2026, 2, 17), (2026, 4, 26)),
        (2027, (2027, 2, 6), (2027, 4, 16)),
        (2028, (2028, 1, 26), (2028, 4, 4)),
        (2029, (2029, 2, 13), (2029, 4, 23)),
        (2030, (2030, 2, 2), (2030, 4, 12)),
    ];

    #[test]
    fn tet_and_gio_to_match_the_reference_dates() {
        for (year, (ty, tm, td), (gy, gm, gd)) in TET_AND_GIO_TO {
            assert_eq!(lunar_to_solar(1, 1, year, false), Some(date(ty, tm, td)), "Tết {year}");
            assert_eq!(solar_to_lunar(date(ty, tm, td)), lunar(1, 1, year, false));
            assert_eq!(lunar_to_solar(10, 3, year, false), Some(date(gy, gm, gd)), "Giỗ Tổ {year}");
            assert_eq!(solar_to_lunar(date(gy, gm, gd)), lunar(10, 3, year, false));
        }
    }

    #[test]
    fn vietnam_cuts_days_at_utc_plus_7_not_china_utc_plus_8() {
        // The new moon of February 2030 falls just before midnight in Vietnam, just after it in China.
        assert_eq!(solar_to_lunar(date(2030, 2, 2)), lunar(1, 1, 2030, false));
        assert_eq!(solar_to_lunar(date(2030, 2, 3)), lunar(2, 1, 2030, false));
        assert_eq!(solar_to_lunar(date(2030, 2, 1)).year, 2029);
        // 2007: Tết on 17/2 in Vietnam, 18/2 in China. 1985: the month-11 new moon fell on different days, the
        // leap month moved, and Vietnam's Tết came a month before China's (21/1 against 20/2).
        assert_eq!(lunar_to_solar(1, 1, 2007, false), Some(date(2007, 2, 17)));
        assert_eq!(lunar_to_solar(1, 1, 1985, false), Some(date(1985, 1, 21)));
    }

    #[test]
    fn leap_months() {
        // 2025 (Ất Tỵ) repeats month 6: the leap 6th month starts on 25/7/2025 and month 7 on 23/8/2025.
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(solar_to_lunar(date(2025, 6, 25)), lunar(1, 6, 2025, false));
        assert_eq!(solar_to_lunar(date(2025, 7, 24)), lunar(30, 6, 2025, false));
        assert_eq!(solar_to_lunar(date(2025, 7, 25)), lunar(1, 6, 2025, true));
        assert_eq!(solar_to_lunar(date(2025, 8, 22)), lunar(29, 6, 2025, true));
        assert_eq!(solar_to_lunar(date(2025, 8, 23)), lunar(1, 7, 2025, false));
        assert_eq!(lunar_to_solar(1, 6, 2025, true), Some(date(2025, 7, 25)));
        assert_eq!(lunar_to_solar(1, 6, 2025, false), Some(date(2025, 6, 25)));
        assert_eq!(month_length(6, 2025, true), Some(29));
        // Other recent leap years: 2020 repeats month 4, 2023 month 2; 2024 and 2026 have none.
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2024), None);
        assert_eq!(leap_month(2026), None);
        assert_eq!(lunar_to_solar(1, 4, 2020, true), Some(date(2020, 5, 23)));
        assert_eq!(lunar_to_solar(1, 2, 2023, true), Some(date(2023, 3, 22)));
        // A leap month after the winter solstice belongs to the year that is ending: leap 11 of 2033.
        assert_eq!(leap_month(2033), Some(11));
        assert_eq!(solar_to_lunar(date(2033, 12, 22)), lunar(1, 11, 2033, true));
        assert_eq!(lunar_to_solar(1, 11, 2033, true), Some(date(2033, 12, 22)));
        assert_eq!(solar_to_lunar(date(2034, 1, 20)), lunar(1, 12, 2033, false));
    }

    #[test]
    fn nonexistent_lunar_days_are_rejected() {
        // Month 12 of Ất Tỵ has 29 days: the last day of the year is 29 Tết, 16/2/2026.
        assert_eq!(month_length(12, 2025, false), Some(29));
        assert_eq!(lunar_to_solar(29, 12, 2025, false), Some(date(2026, 2, 16)));
        assert_eq!(lunar_to_solar(30, 12, 2025, false), None);
        assert_eq!(lunar_to_solar(0, 1, 2026, false), None);
        assert_eq!(lunar_to_solar(31, 1, 2026, false), None);
        assert_eq!(lunar_to_solar(1, 0, 2026, false), None);
        assert_eq!(lunar_to_solar(1, 13, 2026, false), None);
        assert_eq!(lunar_to_solar(1, 5, 2025, true), None, "2025 repeats month 6, not 5");
        assert_eq!(lunar_to_solar(1, 6, 2026, true), None, "2026 has no leap month");
        assert_eq!(month_length(13, 2026, false), None);
    }

    #[test]
    fn every_day_1900_to_2100_round_trips_and_follows_the_previous_one() {
        let mut d = date(1900, 1, 1);
        let mut previous = solar_to_lunar(d);
        let mut leap_years_seen = 0;
        while d <= date(2100, 12, 31) {
            let l = solar_to_lunar(d);
            assert_eq!(lunar_to_solar(l.day, l.month, l.year, l.leap), Some(d), "{d} -> {l:?}");
            assert!((1..=30).contains(&l.day) && (1..=12).contains(&l.month), "{d}");
            if d > date(1900, 1, 1) {
                if l.day == 1 {
                    // A new month: the previous day ended a 29- or 30-day month, and a leap month repeats
                    // the number of the month before it.
                    assert!(matches!(previous.day, 29 | 30), "{d}: {previous:?}");
                    assert_eq!(month_length(previous.month, previous.year, previous.leap), Some(previous.day), "{d}");
                    if l.leap {
                        assert_eq!((l.month, l.year), (previous.month, previous.year), "{d}");
                        assert_eq!(leap_month(l.year), Some(l.month), "{d}");
                        leap_years_seen += 1;
                    } else if l.month == 1 {
                        assert_eq!((previous.month, l.year), (12, previous.year + 1), "{d}");
                    } else {
                        assert_eq!((l.month, l.year), (previous.month + 1, previous.year), "{d}");
                    }
                } else {
                    assert_eq!(l, LunarDate { day: previous.day + 1, ..previous }, "{d}");
                }
            }
            previous = l;
            d = d.succ_opt().unwrap_or_else(|| panic!("no day after {d}"));
        }
        // About 7 leap months every 19 years.
        assert!((70..=78).contains(&leap_years_seen), "{leap_years_seen}");
    }
}
