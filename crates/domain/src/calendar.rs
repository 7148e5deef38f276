//! Lịch làm việc: working days, public holidays and the due dates of one-stop dossiers.
//!
//! A [`WorkingCalendar`] is built from rules (weekends, the statutory holidays of Labour Code 2019 Art. 112(1) with
//! the year each rule starts to apply, compensatory days off) plus per-year [`DayAdjustment`]s entered by an
//! administrator from the Prime Minister's yearly decision on Tết and National Day. Adjustments always win over rules:
//! the rules give a sensible default, the adjustments make a year match what offices actually did.
//!
//! Deadlines (ngày làm việc) follow the Civil Code rule that the day of the event is not counted, and the one-stop
//! desks' office hours in Huế: a dossier received after closing time or on a day off counts as received on the next
//! working day, and it is due at closing time of the N-th working day after that.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::lunar;
use crate::time::TZ;

/// Builds an office-hour constant; evaluated at compile time, so an invalid time is a build error.
const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => panic!("invalid office hour"),
    }
}

/// Giờ làm việc của Bộ phận Một cửa: the two reception sessions of Huế's Public Administration Service Centre
/// and commune one-stop desks, local time (QĐ 2022/QĐ-UBND of 22/8/2022, from 01/9/2022). General offices keep
/// 08:00–11:30 and 13:00–17:30; deadlines follow the desks, which are where dossiers are received and returned.
pub const OFFICE_HOURS: [(NaiveTime, NaiveTime); 2] = [(hm(7, 30), hm(11, 30)), (hm(13, 0), hm(17, 0))];

/// Closing time of the one-stop desks (17:00 local). A dossier received at or after it counts as received on the
/// next working day, and every due date falls at this time of its last day.
pub const AFTERNOON_CUTOFF: NaiveTime = hm(17, 0);

/// Cut-off for same-day procedures (deadline of 0 working days): received at or after 15:00 local, the result is
/// due at closing time of the next working day. Hà Nội practice (QĐ 1811), adopted here until Huế publishes its
/// own rule [S].
pub const SAME_DAY_CUTOFF: NaiveTime = hm(15, 0);

/// Smallest year accepted by [`parse_year`].
pub const MIN_YEAR: i32 = 1900;
/// Largest year accepted by [`parse_year`].
pub const MAX_YEAR: i32 = 2200;
/// Largest deadline, in working days, accepted by [`parse_working_days`].
pub const MAX_WORKING_DAYS: u32 = 365;

/// Why a day is off: a statutory holiday, the compensatory day for one that fell on a weekend, or an
/// administrator's adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Ngày nghỉ lễ, tết: a paid public holiday of Labour Code 2019 Art. 112(1) (or a later rule).
    Statutory,
    /// Ngày nghỉ bù: a working day given off because a statutory holiday fell on a Saturday or Sunday.
    Compensatory,
    /// A day off entered as a [`DayAdjustment::DayOff`] (e.g. a swapped day in the PM's Tết decision).
    Adjustment,
}

/// Ngày nghỉ: one day off (other than an ordinary weekend) with its name in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    /// The day, local (Vietnam) date.
    pub date: NaiveDate,
    /// Name in Vietnamese, e.g. "Giỗ Tổ Hùng Vương".
    pub name_vi: String,
    /// Name in English, e.g. "Hùng Kings' Commemoration Day".
    pub name_en: String,
    /// Where the day off comes from.
    pub kind: HolidayKind,
}

/// Điều chỉnh ngày nghỉ: a per-year correction entered by an administrator, which wins over the rules.
///
/// Used for the Prime Minister's yearly choice of Tết and National Day days (Labour Code 2019 Art. 112(3)), the
/// compensatory days it places differently from the default, and swapped working Saturdays (làm bù).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayAdjustment {
    /// The day is off, whatever the rules say.
    DayOff {
        /// The day, local date.
        date: NaiveDate,
        /// Why, usually citing the decision, e.g. "Hoán đổi ngày làm việc Tết 2025".
        reason: String,
    },
    /// The day is worked, whatever the rules say (a swapped Saturday, or a rule day the decision moved).
    WorkingDay {
        /// The day, local date.
        date: NaiveDate,
        /// Why, usually citing the decision, e.g. "Làm bù cho thứ Hai 27/01/2025".
        reason: String,
    },
}

impl DayAdjustment {
    /// The day the adjustment applies to.
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::DayOff { date, .. } | Self::WorkingDay { date, .. } => *date,
        }
    }
}

/// Lịch làm việc: decides which days are worked and computes working-day deadlines.
///
/// The statutory rules are built in; the adjustments are data, one list per deployment, edited every year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    adjustments: BTreeMap<NaiveDate, DayAdjustment>,
}

impl WorkingCalendar {
    /// Builds the calendar from the administrator's adjustments. When two adjustments name the same date, the later
    /// one in the list wins.
    pub fn new(adjustments: Vec<DayAdjustment>) -> Self {
        Self { adjustments: adjustments.into_iter().map(|a| (a.date(), a)).collect() }
    }

    /// Whether offices work on `date`: an adjustment decides if there is one; otherwise Saturdays, Sundays,
    /// statutory holidays and compensatory days are off.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        YearCursor::new(self).is_working_day(date)
    }

    /// Every day off of `year` other than ordinary weekends, sorted by date: statutory holidays (also when they
    /// fall on a weekend), compensatory days, and adjustment days off. A day worked by adjustment is left out; a
    /// day-off adjustment on a day the rules already give off keeps the rule's name.
    pub fn holidays(&self, year: i32) -> Vec<Holiday> {
        let mut days: BTreeMap<NaiveDate, Holiday> = rule_holidays(year).into_iter().map(|h| (h.date, h)).collect();
        let first = NaiveDate::from_ymd_opt(year, 1, 1);
        let last = NaiveDate::from_ymd_opt(year, 12, 31);
        if let (Some(first), Some(last)) = (first, last) {
            for adjustment in self.adjustments.range(first..=last).map(|(_, a)| a) {
                match adjustment {
                    DayAdjustment::WorkingDay { date, .. } => {
                        days.remove(date);
                    }
                    DayAdjustment::DayOff { date, reason } => {
                        days.entry(*date).or_insert_with(|| adjustment_day_off(*date, reason));
                    }
                }
            }
        }
        days.into_values().collect()
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        YearCursor::new(self).next_working_day(date)
    }

    /// The `n`-th working day strictly after `date` (`date` itself when `n` is 0). `date` need not be a working day:
    /// from a Saturday, the 1st working day is the Monday. This is how Hue-S counts report deadlines (§8 of the
    /// domain reference: sent date + 7 working days).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut cursor = YearCursor::new(self);
        (0..n).fold(date, |d, _| cursor.next_working_day(d))
    }

    /// Ngày tiếp nhận: the working day a dossier counts as received on. The local date of receipt if that is a
    /// working day and the dossier arrived before [`AFTERNOON_CUTOFF`]; otherwise the next working day (an online
    /// dossier sent in the evening, at the weekend or during Tết is taken in on the next working day).
    pub fn receipt_day(&self, received_at: DateTime<Utc>) -> NaiveDate {
        self.receipt_day_with_cutoff(received_at, AFTERNOON_CUTOFF)
    }

    /// The first day the deadline clock counts: the working day after the [receipt day](Self::receipt_day).
    /// The day of receipt is not counted, as for any period counted in days (Civil Code 2015 Art. 147(1) [U]).
    pub fn counting_start(&self, received_at: DateTime<Utc>) -> NaiveDate {
        self.next_working_day(self.receipt_day(received_at))
    }

    /// Hạn trả kết quả: when a dossier received at `received_at` with a deadline of `working_days` working days is
    /// due, as an instant. It is closing time ([`AFTERNOON_CUTOFF`], 17:00 local) of the `working_days`-th working
    /// day after the [receipt day](Self::receipt_day).
    ///
    /// With 0 working days (same-day procedures) it is closing time of the receipt day, except that a dossier
    /// received at or after [`SAME_DAY_CUTOFF`] (15:00) is due at closing time of the next working day.
    pub fn due_date(&self, received_at: DateTime<Utc>, working_days: u32) -> DateTime<Utc> {
        let day = if working_days == 0 {
            self.receipt_day_with_cutoff(received_at, SAME_DAY_CUTOFF)
        } else {
            self.add_working_days(self.receipt_day(received_at), working_days)
        };
        local_instant(day, AFTERNOON_CUTOFF)
    }

    /// Working days elapsed from `from` to `to`: the working days after the local date of `from` up to and
    /// including the local date of `to` (time of day is ignored; negative when `to` is before `from`).
    ///
    /// Used to measure processing time and to extend a deadline by the working days a dossier spent waiting for
    /// the applicant's supplement, which do not count (QĐ 766/QĐ-TTg, indicator 2.1). For a dossier received on a
    /// working day before closing time, `working_days_between(received_at, due_date(received_at, n)) == n`.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let (a, b) = (local_date(from), local_date(to));
        let (start, end, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut cursor = YearCursor::new(self);
        let count = start.iter_days().skip(1).take_while(|d| *d <= end).filter(|d| cursor.is_working_day(*d)).count();
        sign * i64::try_from(count).unwrap_or(i64::MAX)
    }

    /// The receipt day with the given time-of-day cut-off.
    fn receipt_day_with_cutoff(&self, received_at: DateTime<Utc>, cutoff: NaiveTime) -> NaiveDate {
        let local = local_datetime(received_at);
        let mut cursor = YearCursor::new(self);
        if local.time() < cutoff && cursor.is_working_day(local.date()) {
            local.date()
        } else {
            cursor.next_working_day(local.date())
        }
    }
}

/// Parses the `year` of a holiday listing: an integer from [`MIN_YEAR`] to [`MAX_YEAR`].
pub fn parse_year(s: &str) -> Result<i32, ValidationError> {
    let s = s.trim();
    let Ok(year) = s.parse::<i32>() else {
        return Err(ValidationError::new(
            "year",
            "year_invalid",
            format!("Năm “{s}” không hợp lệ; nhập năm bằng số, ví dụ 2026."),
            format!("The year “{s}” is invalid; enter the year as a number, e.g. 2026."),
        ));
    };
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(ValidationError::new(
            "year",
            "year_out_of_range",
            format!("Năm phải từ {MIN_YEAR} đến {MAX_YEAR}."),
            format!("The year must be from {MIN_YEAR} to {MAX_YEAR}."),
        ));
    }
    Ok(year)
}

/// Parses a processing time in working days (thời hạn giải quyết): an integer from 0 (same day) to
/// [`MAX_WORKING_DAYS`].
pub fn parse_working_days(s: &str) -> Result<u32, ValidationError> {
    let s = s.trim();
    let Ok(days) = s.parse::<u32>() else {
        return Err(ValidationError::new(
            "working_days",
            "working_days_invalid",
            format!("Số ngày làm việc “{s}” không hợp lệ; nhập một số nguyên không âm, ví dụ 5."),
            format!("The number of working days “{s}” is invalid; enter a whole number, e.g. 5."),
        ));
    };
    if days > MAX_WORKING_DAYS {
        return Err(ValidationError::new(
            "working_days",
            "working_days_out_of_range",
            format!("Số ngày làm việc phải từ 0 đến {MAX_WORKING_DAYS}."),
            format!("The number of working days must be from 0 to {MAX_WORKING_DAYS}."),
        ));
    }
    Ok(days)
}

/// Walks days while remembering the rule days off of the current year, so that counting a deadline across many
/// days computes each year's lunar holidays once.
/// The statutory days off of `year`, computed once per year and process: they depend on the year alone, and
/// working out Tết and Giỗ Tổ from the lunar calendar costs far more than a deadline or a processing time needs
/// (a rebuild of the indices' tallies counts working days for every finished dossier).
fn rule_days_off(year: i32) -> Vec<NaiveDate> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<i32, Vec<NaiveDate>>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(known) = cache.lock()
        && let Some(days) = known.get(&year)
    {
        return days.clone();
    }
    let days: Vec<NaiveDate> = rule_holidays(year).into_iter().map(|h| h.date).collect();
    if let Ok(mut known) = cache.lock() {
        known.insert(year, days.clone());
    }
    days
}

struct YearCursor<'a> {
    calendar: &'a WorkingCalendar,
    year: Option<i32>,
    rule_days_off: Vec<NaiveDate>,
}

impl<'a> YearCursor<'a> {
    fn new(calendar: &'a WorkingCalendar) -> Self {
        Self { calendar, year: None, rule_days_off: Vec::new() }
    }

    fn is_working_day(&mut self, date: NaiveDate) -> bool {
        match self.calendar.adjustments.get(&date) {
            Some(DayAdjustment::DayOff { .. }) => false,
            Some(DayAdjustment::WorkingDay { .. }) => true,
            None => !is_weekend(date) && !self.is_rule_day_off(date),
        }
    }

    fn is_rule_day_off(&mut self, date: NaiveDate) -> bool {
        if self.year != Some(date.year()) {
            self.year = Some(date.year());
            self.rule_days_off = rule_days_off(date.year());
        }
        self.rule_days_off.contains(&date)
    }

    fn next_working_day(&mut self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        // Saturates at chrono's last representable date rather than looping or panicking.
        while let Some(next) = d.succ_opt() {
            d = next;
            if self.is_working_day(d) {
                break;
            }
        }
        d
    }
}

/// Saturday and Sunday, the weekly rest days of state offices (40-hour week of QĐ 188/1999/QĐ-TTg; Labour Code 2019
/// Art. 111 lets the employer fix them) [U].
fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The rule days off of `year`: statutory holidays, then a compensatory day for each one on a weekend.
///
/// Labour Code 2019 Art. 111(3): when a holiday of Art. 112(1) falls on the weekly rest day, the worker takes the
/// next working day off instead [U]. Compensatory days are placed in date order on the first weekday that is
/// neither a holiday nor an earlier compensatory day.
fn rule_holidays(year: i32) -> Vec<Holiday> {
    let statutory = statutory_holidays(year);
    let mut days: BTreeMap<NaiveDate, Holiday> = BTreeMap::new();
    for h in &statutory {
        days.entry(h.date).or_insert_with(|| h.clone());
    }
    for h in statutory.iter().filter(|h| is_weekend(h.date)) {
        let compensatory = h.date.iter_days().skip(1).take(31).find(|d| !is_weekend(*d) && !days.contains_key(d));
        if let Some(date) = compensatory {
            days.insert(
                date,
                Holiday {
                    date,
                    name_vi: format!("Nghỉ bù {}", h.name_vi),
                    name_en: format!("Compensatory day off for {}", h.name_en),
                    kind: HolidayKind::Compensatory,
                },
            );
        }
    }
    days.into_values().collect()
}

/// First year of the Labour Code 1994 (in force 01/01/1995), the oldest holiday list modelled. Earlier years have
/// weekends only.
const LABOUR_CODE_1994: i32 = 1995;

/// The statutory holidays of `year`, from the rules in force that year, sorted by date.
///
/// Labour Code 2019 Art. 112(1) [V]: 1/1; Tết 5 days; 10/3 lunar; 30/4; 1/5; 2/9 plus one day before or after.
/// Earlier texts, for dossiers received in past years [U]: Labour Code 1994 Art. 73 (Tết 4 days, one day for
/// National Day), Giỗ Tổ added in 2007, Tết raised to 5 days by Labour Code 2012 (in force 01/5/2013, so from
/// Tết 2014), the second National Day from 2021 (Labour Code 2019 in force 01/01/2021). Vietnam Culture Day 24/11
/// from 2026, Politburo Resolution 80-NQ/TW [S].
fn statutory_holidays(year: i32) -> Vec<Holiday> {
    let mut days = Vec::new();
    if year < LABOUR_CODE_1994 {
        return days;
    }
    let mut solar = |month: u32, day: u32, vi: &str, en: &str| {
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
            days.push(statutory(date, vi, en));
        }
    };
    solar(1, 1, "Tết Dương lịch", "New Year's Day");
    solar(4, 30, "Ngày Chiến thắng", "Reunification Day");
    solar(5, 1, "Ngày Quốc tế Lao động", "International Labour Day");
    solar(9, 2, "Quốc khánh", "National Day");
    if year >= 2026 {
        solar(11, 24, "Ngày Văn hóa Việt Nam", "Vietnam Culture Day");
    }
    if year >= 2021
        && let Some(date) = national_day_adjacent(year)
    {
        days.push(statutory(date, "Quốc khánh (ngày liền kề)", "National Day (adjacent day)"));
    }
    if year >= 2007
        && let Some(date) = lunar::lunar_to_solar(10, 3, year, false)
    {
        days.push(statutory(date, "Giỗ Tổ Hùng Vương", "Hùng Kings' Commemoration Day"));
    }
    let new_year_days = if year >= 2014 { 4 } else { 3 };
    days.extend(tet_holidays(year, new_year_days));
    days.sort_by_key(|h| h.date);
    days
}

/// Default Tết: the last day of the lunar year (29 or 30 tháng Chạp) and the first `new_year_days` days of the
/// new year. Art. 112(3) lets the PM fix the days each year; most decisions keep this span and add the weekend
/// and swapped days around it, which are entered as adjustments.
fn tet_holidays(year: i32, new_year_days: u64) -> Vec<Holiday> {
    let Some(tet) = lunar::lunar_to_solar(1, 1, year, false) else {
        return Vec::new();
    };
    let mut days = Vec::new();
    if let Some(eve) = tet.pred_opt() {
        let day = lunar::solar_to_lunar(eve).day;
        days.push(statutory(
            eve,
            &format!("Tết Nguyên đán ({day} Tết)"),
            "Lunar New Year (last day of the lunar year)",
        ));
    }
    for i in 0..new_year_days {
        if let Some(date) = tet.checked_add_days(Days::new(i)) {
            days.push(statutory(
                date,
                &format!("Tết Nguyên đán (mùng {})", i + 1),
                &format!("Lunar New Year (day {})", i + 1),
            ));
        }
    }
    days
}

/// Default second day of National Day, from Labour Code 2019 Art. 112(1)(đ) "02/9 and one day before or after".
///
/// The day that joins 2/9 to a weekend: 1/9 when 2/9 is a Tuesday, Friday or Saturday, otherwise 3/9 (a
/// Wednesday 2/9 cannot bridge either way; the day after is taken). This reproduces the PM's choices for
/// 2021–2025 as reported in the press (3/9, 1/9, 1/9, 3/9, 1/9) [U]; an adjustment corrects any other year.
fn national_day_adjacent(year: i32) -> Option<NaiveDate> {
    let national_day = NaiveDate::from_ymd_opt(year, 9, 2)?;
    match national_day.weekday() {
        Weekday::Tue | Weekday::Fri | Weekday::Sat => national_day.pred_opt(),
        _ => national_day.succ_opt(),
    }
}

/// A statutory holiday entry.
fn statutory(date: NaiveDate, vi: &str, en: &str) -> Holiday {
    Holiday { date, name_vi: vi.to_owned(), name_en: en.to_owned(), kind: HolidayKind::Statutory }
}

/// The entry for an adjustment day off; the administrator's reason is the Vietnamese name.
fn adjustment_day_off(date: NaiveDate, reason: &str) -> Holiday {
    let reason = reason.trim();
    let (vi, en) = if reason.is_empty() {
        ("Ngày nghỉ theo điều chỉnh".to_owned(), "Day off by adjustment".to_owned())
    } else {
        (reason.to_owned(), format!("Day off by adjustment: {reason}"))
    };
    Holiday { date, name_vi: vi, name_en: en, kind: HolidayKind::Adjustment }
}

/// Local (Vietnam) wall-clock time of an instant.
fn local_datetime(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&TZ).naive_local()
}

/// Local (Vietnam) date of an instant.
fn local_date(t: DateTime<Utc>) -> NaiveDate {
    local_datetime(t).date()
}

/// The instant of a local (Vietnam) date and time.
fn local_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    local
        .and_local_timezone(TZ)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        // Vietnam has had no clock change since 1975; for a time skipped by an older change, read it as UTC+7.
        .unwrap_or_else(|| (local - TimeDelta::hours(7)).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    use HolidayKind::{Adjustment, Compensatory, Statutory};

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// An instant given in Vietnam local time, "2026-03-02 09:00".
    fn local(s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_else(|e| panic!("{s}: {e}"));
        TZ.from_local_datetime(&naive)
            .single()
            .unwrap_or_else(|| panic!("{s}: not a single local time"))
            .with_timezone(&Utc)
    }

    fn day_off(d: &str, reason: &str) -> DayAdjustment {
        DayAdjustment::DayOff { date: date(d), reason: reason.to_owned() }
    }

    fn working_day(d: &str, reason: &str) -> DayAdjustment {
        DayAdjustment::WorkingDay { date: date(d), reason: reason.to_owned() }
    }

    fn kinds(calendar: &WorkingCalendar, year: i32) -> Vec<(NaiveDate, HolidayKind)> {
        calendar.holidays(year).iter().map(|h| (h.date, h.kind)).collect()
    }

    /// The default rules (no adjustments) for 2025–2030: Labour Code 2019 Art. 112(1), Tết = last day of the lunar
    /// year + mùng 1–4, National Day's adjacent day joining a weekend, Culture Day from 2026, and a compensatory
    /// day for each holiday on a Saturday or Sunday.
    #[test]
    fn default_holidays_2025_to_2030() {
        let table: [(i32, &[(&str, HolidayKind)]); 6] = [
            (
                2025,
                &[
                    ("2025-01-01", Statutory),
                    ("2025-01-28", Statutory), // 29 Tết (month 12 of Giáp Thìn has 29 days)
                    ("2025-01-29", Statutory), // mùng 1
                    ("2025-01-30", Statutory),
                    ("2025-01-31", Statutory),
                    ("2025-02-01", Statutory), // mùng 4, a Saturday
                    ("2025-02-03", Compensatory),
                    ("2025-04-07", Statutory), // Giỗ Tổ
                    ("2025-04-30", Statutory),
                    ("2025-05-01", Statutory),
                    ("2025-09-01", Statutory), // 2/9 is a Tuesday: the Monday before
                    ("2025-09-02", Statutory),
                ],
            ),
            (
                2026,
                &[
                    ("2026-01-01", Statutory),
                    ("2026-02-16", Statutory), // 29 Tết, Monday
                    ("2026-02-17", Statutory),
                    ("2026-02-18", Statutory),
                    ("2026-02-19", Statutory),
                    ("2026-02-20", Statutory), // mùng 4, Friday
                    ("2026-04-26", Statutory), // Giỗ Tổ on a Sunday
                    ("2026-04-27", Compensatory),
                    ("2026-04-30", Statutory),
                    ("2026-05-01", Statutory),
                    ("2026-09-02", Statutory), // a Wednesday: the day after
                    ("2026-09-03", Statutory),
                    ("2026-11-24", Statutory), // Vietnam Culture Day, first year
                ],
            ),
            (
                2027,
                &[
                    ("2027-01-01", Statutory),
                    ("2027-02-05", Statutory), // 29 Tết
                    ("2027-02-06", Statutory), // mùng 1, Saturday
                    ("2027-02-07", Statutory), // mùng 2, Sunday
                    ("2027-02-08", Statutory),
                    ("2027-02-09", Statutory),
                    ("2027-02-10", Compensatory),
                    ("2027-02-11", Compensatory),
                    ("2027-04-16", Statutory),
                    ("2027-04-30", Statutory),
                    ("2027-05-01", Statutory), // Saturday
                    ("2027-05-03", Compensatory),
                    ("2027-09-02", Statutory), // a Thursday: the Friday after
                    ("2027-09-03", Statutory),
                    ("2027-11-24", Statutory),
                ],
            ),
            (
                2028,
                &[
                    ("2028-01-01", Statutory), // Saturday
                    ("2028-01-03", Compensatory),
                    ("2028-01-25", Statutory),
                    ("2028-01-26", Statutory),
                    ("2028-01-27", Statutory),
                    ("2028-01-28", Statutory),
                    ("2028-01-29", Statutory), // mùng 4, Saturday
                    ("2028-01-31", Compensatory),
                    ("2028-04-04", Statutory),
                    ("2028-04-30", Statutory), // Sunday
                    ("2028-05-01", Statutory), // Monday, so 30/4 is made up on Tuesday
                    ("2028-05-02", Compensatory),
                    ("2028-09-01", Statutory), // 2/9 is a Saturday: the Friday before
                    ("2028-09-02", Statutory),
                    ("2028-09-04", Compensatory),
                    ("2028-11-24", Statutory),
                ],
            ),
            (
                2029,
                &[
                    ("2029-01-01", Statutory),
                    ("2029-02-12", Statutory),
                    ("2029-02-13", Statutory),
                    ("2029-02-14", Statutory),
                    ("2029-02-15", Statutory),
                    ("2029-02-16", Statutory),
                    ("2029-04-23", Statutory),
                    ("2029-04-30", Statutory),
                    ("2029-05-01", Statutory),
                    ("2029-09-02", Statutory), // Sunday: the Monday after, and Tuesday in compensation
                    ("2029-09-03", Statutory),
                    ("2029-09-04", Compensatory),
                    ("2029-11-24", Statutory), // Saturday
                    ("2029-11-26", Compensatory),
                ],
            ),
            (
                2030,
                &[
                    ("2030-01-01", Statutory),
                    ("2030-02-01", Statutory), // 29 Tết
                    ("2030-02-02", Statutory), // mùng 1 (3/2 in China), Saturday
                    ("2030-02-03", Statutory),
                    ("2030-02-04", Statutory),
                    ("2030-02-05", Statutory),
                    ("2030-02-06", Compensatory),
                    ("2030-02-07", Compensatory),
                    ("2030-04-12", Statutory),
                    ("2030-04-30", Statutory),
                    ("2030-05-01", Statutory),
                    ("2030-09-02", Statutory), // Monday: the Tuesday after
                    ("2030-09-03", Statutory),
                    ("2030-11-24", Statutory), // Sunday
                    ("2030-11-25", Compensatory),
                ],
            ),
        ];
        let calendar = WorkingCalendar::default();
        for (year, expected) in table {
            let expected: Vec<_> = expected.iter().map(|(d, k)| (date(d), *k)).collect();
            assert_eq!(kinds(&calendar, year), expected, "{year}");
            for h in calendar.holidays(year) {
                assert!(!calendar.is_working_day(h.date), "{}", h.date);
            }
        }
    }

    #[test]
    fn tet_2026_is_monday_16_to_friday_20_february() {
        let calendar = WorkingCalendar::default();
        let tet: Vec<_> = calendar
            .holidays(2026)
            .into_iter()
            .filter(|h| h.name_vi.starts_with("Tết Nguyên đán"))
            .map(|h| (h.date, h.name_vi))
            .collect();
        assert_eq!(
            tet,
            [
                (date("2026-02-16"), "Tết Nguyên đán (29 Tết)".to_owned()),
                (date("2026-02-17"), "Tết Nguyên đán (mùng 1)".to_owned()),
                (date("2026-02-18"), "Tết Nguyên đán (mùng 2)".to_owned()),
                (date("2026-02-19"), "Tết Nguyên đán (mùng 3)".to_owned()),
                (date("2026-02-20"), "Tết Nguyên đán (mùng 4)".to_owned()),
            ]
        );
        assert!(calendar.is_working_day(date("2026-02-13")));
        assert!(calendar.is_working_day(date("2026-02-23")));
        // In 2024 the lunar year ended on a 30th.
        let eve_2024 = &calendar.holidays(2024)[1];
        assert_eq!((eve_2024.date, eve_2024.name_vi.as_str()), (date("2024-02-09"), "Tết Nguyên đán (30 Tết)"));
    }

    #[test]
    fn each_rule_applies_from_its_first_year() {
        let calendar = WorkingCalendar::default();
        // Vietnam Culture Day from 2026 (Resolution 80-NQ/TW).
        assert!(calendar.is_working_day(date("2025-11-24")));
        assert!(!calendar.is_working_day(date("2026-11-24")));
        // The second National Day from 2021 (Labour Code 2019); 2/9/2020 was a Wednesday.
        assert!(calendar.is_working_day(date("2020-09-03")));
        assert!(!calendar.is_working_day(date("2021-09-03")));
        // Tết: 4 days under the 1994 code, 5 from Tết 2014 (Labour Code 2012 in force 01/5/2013).
        let tet_days = |year| {
            calendar
                .holidays(year)
                .iter()
                .filter(|h| h.kind == Statutory && h.name_vi.starts_with("Tết Nguyên đán"))
                .count()
        };
        assert_eq!((tet_days(2013), tet_days(2014)), (4, 5));
        // Giỗ Tổ from 2007 (10/3 lunar was 26/4/2007 and 7/4/2006).
        assert!(!calendar.is_working_day(date("2007-04-26")));
        assert!(calendar.is_working_day(date("2006-04-07")));
        // Before the 1994 code only weekends are modelled.
        assert!(calendar.holidays(1990).is_empty());
        assert!(calendar.is_working_day(date("1990-01-01")));
    }

    #[test]
    fn holidays_on_a_weekend_are_made_up_on_the_next_free_weekdays() {
        // 2023: Giỗ Tổ on Saturday 29/4 and 30/4 on Sunday, then 1/5 on Monday: Tuesday and Wednesday off.
        let calendar = WorkingCalendar::default();
        let spring: Vec<_> = calendar
            .holidays(2023)
            .into_iter()
            .filter(|h| h.date.month() == 4 || h.date.month() == 5)
            .map(|h| (h.date, h.kind, h.name_en))
            .collect();
        assert_eq!(
            spring,
            [
                (date("2023-04-29"), Statutory, "Hùng Kings' Commemoration Day".to_owned()),
                (date("2023-04-30"), Statutory, "Reunification Day".to_owned()),
                (date("2023-05-01"), Statutory, "International Labour Day".to_owned()),
                (date("2023-05-02"), Compensatory, "Compensatory day off for Hùng Kings' Commemoration Day".to_owned()),
                (date("2023-05-03"), Compensatory, "Compensatory day off for Reunification Day".to_owned()),
            ]
        );
        assert!(calendar.is_working_day(date("2023-05-04")));
    }

    #[test]
    fn adjustments_win_over_rules() {
        let calendar = WorkingCalendar::new(vec![
            day_off("2026-03-04", "Nghỉ theo quyết định của UBND"),
            working_day("2026-03-07", "Làm bù"),
            working_day("2026-04-27", "Nghỉ bù dời sang ngày khác"),
            day_off("2026-02-16", "Nghỉ Tết theo quyết định của Thủ tướng"),
            day_off("2026-02-13", "Nghỉ Tết (hoán đổi)"),
            working_day("2026-05-20", "ignored: the later entry for the same date wins"),
            day_off("2026-05-20", ""),
        ]);
        assert!(!calendar.is_working_day(date("2026-03-04")));
        assert!(calendar.is_working_day(date("2026-03-07")), "a worked Saturday");
        assert!(calendar.is_working_day(date("2026-04-27")), "a compensatory day cancelled");
        assert!(!calendar.is_working_day(date("2026-05-20")));
        let listed = calendar.holidays(2026);
        let first_quarter: Vec<_> =
            listed.iter().filter(|h| h.date.month() <= 5).map(|h| (h.date, h.kind, h.name_vi.as_str())).collect();
        assert_eq!(
            first_quarter,
            [
                (date("2026-01-01"), Statutory, "Tết Dương lịch"),
                (date("2026-02-13"), Adjustment, "Nghỉ Tết (hoán đổi)"),
                // Already off by rule: the statutory name is kept.
                (date("2026-02-16"), Statutory, "Tết Nguyên đán (29 Tết)"),
                (date("2026-02-17"), Statutory, "Tết Nguyên đán (mùng 1)"),
                (date("2026-02-18"), Statutory, "Tết Nguyên đán (mùng 2)"),
                (date("2026-02-19"), Statutory, "Tết Nguyên đán (mùng 3)"),
                (date("2026-02-20"), Statutory, "Tết Nguyên đán (mùng 4)"),
                (date("2026-03-04"), Adjustment, "Nghỉ theo quyết định của UBND"),
                (date("2026-04-26"), Statutory, "Giỗ Tổ Hùng Vương"),
                (date("2026-04-30"), Statutory, "Ngày Chiến thắng"),
                (date("2026-05-01"), Statutory, "Ngày Quốc tế Lao động"),
                (date("2026-05-20"), Adjustment, "Ngày nghỉ theo điều chỉnh"),
            ]
        );
        assert_eq!(
            listed.iter().find(|h| h.date == date("2026-03-04")).map(|h| h.name_en.as_str()),
            Some("Day off by adjustment: Nghỉ theo quyết định của UBND")
        );
        // Adjustments of other years do not leak into this one.
        assert_eq!(kinds(&calendar, 2027), kinds(&WorkingCalendar::default(), 2027));
    }

    #[test]
    fn due_date_counts_from_the_day_after_receipt_and_ends_at_closing_time() {
        let calendar = WorkingCalendar::default();
        let cases = [
            // (received, local; working days; due, local; why)
            ("2026-03-02 09:00", 5, "2026-03-09 17:00", "Monday morning: 5 working days is next Monday"),
            ("2026-03-02 09:00", 1, "2026-03-03 17:00", "the day of receipt is not counted"),
            ("2026-02-12 10:00", 3, "2026-02-24 17:00", "across Tết 2026: 13/2, then 23/2 and 24/2"),
            ("2026-02-12 10:00", 1, "2026-02-13 17:00", "the last working day before Tết"),
            ("2026-03-06 16:59", 1, "2026-03-09 17:00", "Friday afternoon before closing"),
            ("2026-03-06 17:00", 1, "2026-03-10 17:00", "Friday at closing time counts from Monday"),
            ("2026-03-03 17:30", 2, "2026-03-06 17:00", "after closing: received Wednesday"),
            ("2026-03-03 12:15", 2, "2026-03-05 17:00", "lunch break is still the same day"),
            ("2026-03-03 06:00", 2, "2026-03-05 17:00", "before opening is still the same day"),
            ("2026-03-07 10:00", 1, "2026-03-10 17:00", "Saturday: received Monday, due Tuesday"),
            ("2026-02-17 09:00", 2, "2026-02-25 17:00", "during Tết: received Monday 23/2"),
            ("2026-04-29 16:00", 1, "2026-05-04 17:00", "30/4 and 1/5 then a weekend"),
            ("2026-03-02 14:59", 0, "2026-03-02 17:00", "same-day procedure before 15:00"),
            ("2026-03-02 15:00", 0, "2026-03-03 17:00", "same-day procedure from 15:00: next day"),
            ("2026-03-06 15:30", 0, "2026-03-09 17:00", "same-day on Friday after 15:00: Monday"),
            ("2026-03-07 09:00", 0, "2026-03-09 17:00", "same-day on Saturday: Monday"),
        ];
        for (received, days, due, why) in cases {
            assert_eq!(calendar.due_date(local(received), days), local(due), "{why}");
        }
        // 17:00 in Huế is 10:00 UTC.
        assert_eq!(calendar.due_date(local("2026-03-02 09:00"), 1).to_rfc3339(), "2026-03-03T10:00:00+00:00");
    }

    #[test]
    fn receipt_day_and_counting_start() {
        let calendar = WorkingCalendar::default();
        let cases = [
            ("2026-03-03 16:59", "2026-03-03", "2026-03-04"),
            ("2026-03-03 17:30", "2026-03-04", "2026-03-05"),
            ("2026-03-06 17:30", "2026-03-09", "2026-03-10"),
            ("2026-03-07 10:00", "2026-03-09", "2026-03-10"),
            ("2026-02-13 16:00", "2026-02-13", "2026-02-23"),
            ("2026-02-13 18:00", "2026-02-23", "2026-02-24"),
        ];
        for (received, receipt, start) in cases {
            assert_eq!(calendar.receipt_day(local(received)), date(receipt), "{received}");
            assert_eq!(calendar.counting_start(local(received)), date(start), "{received}");
        }
        // The UTC date is not the local date: 2026-03-02 23:00 UTC is Tuesday 06:00 in Huế.
        let early = Utc.with_ymd_and_hms(2026, 3, 2, 23, 0, 0).single().unwrap_or_else(|| panic!("bad instant"));
        assert_eq!(calendar.receipt_day(early), date("2026-03-03"));
    }

    #[test]
    fn adjustments_move_due_dates() {
        let received = local("2026-03-02 09:00"); // Monday
        let plain = WorkingCalendar::default();
        assert_eq!(plain.due_date(received, 5), local("2026-03-09 17:00"));
        let with_day_off = WorkingCalendar::new(vec![day_off("2026-03-04", "Nghỉ đột xuất")]);
        assert_eq!(with_day_off.due_date(received, 5), local("2026-03-10 17:00"));
        let with_saturday = WorkingCalendar::new(vec![working_day("2026-03-07", "Làm bù")]);
        assert_eq!(with_saturday.due_date(received, 5), local("2026-03-07 17:00"));
        assert_eq!(with_saturday.due_date(local("2026-03-07 08:00"), 0), local("2026-03-07 17:00"));
        let swapped =
            WorkingCalendar::new(vec![day_off("2026-03-04", "Hoán đổi"), working_day("2026-03-07", "Làm bù")]);
        assert_eq!(swapped.due_date(received, 5), local("2026-03-09 17:00"));
    }

    /// Hue-S report deadlines from domain-vn.md §8 [I]: sent date + 7 working days, counting from the first working
    /// day after the sent date even when it was sent on a day off.
    #[test]
    fn hue_s_report_deadlines() {
        // Tết 2023: the PM gave 20/1 (29 Tết) to 26/1 off and 27/1 was worked; the default rule would instead
        // make up the weekend Tết days on 26/1 and 27/1.
        let calendar = WorkingCalendar::new(vec![
            day_off("2023-01-20", "Nghỉ Tết Quý Mão (nghỉ bù dời lên trước)"),
            working_day("2023-01-27", "Đi làm theo quyết định nghỉ Tết Quý Mão"),
        ]);
        let cases = [
            ("2024-11-07", "2024-11-18", "plain weekends"),
            ("2022-07-19", "2022-07-28", "plain weekends"),
            ("2022-01-28", "2022-02-15", "across Tết 2022 (31/1–4/2 off, the default span)"),
            ("2023-01-21", "2023-02-06", "sent on a Saturday during Tết 2023"),
        ];
        for (sent, due, why) in cases {
            assert_eq!(calendar.add_working_days(date(sent), 7), date(due), "{why}");
        }
        assert_eq!(
            WorkingCalendar::default().add_working_days(date("2023-01-21"), 7),
            date("2023-02-07"),
            "without the 2023 adjustments the default rule is a day later"
        );
        // Sent on a working day during office hours, the dossier rule gives the same day.
        assert_eq!(calendar.due_date(local("2024-11-07 10:00"), 7), local("2024-11-18 17:00"));
    }

    #[test]
    fn working_days_between_counts_days_after_the_start_up_to_the_end() {
        let calendar = WorkingCalendar::default();
        let cases = [
            ("2026-03-02 09:00", "2026-03-02 16:00", 0),
            ("2026-03-02 09:00", "2026-03-03 08:00", 1),
            ("2026-03-06 16:00", "2026-03-08 10:00", 0), // Friday to Sunday
            ("2026-03-06 16:00", "2026-03-09 10:00", 1),
            ("2026-02-13 09:00", "2026-02-23 09:00", 1), // across Tết
            ("2026-03-02 09:00", "2026-03-30 09:00", 20),
            ("2026-03-03 09:00", "2026-03-02 09:00", -1),
        ];
        for (from, to, expected) in cases {
            assert_eq!(calendar.working_days_between(local(from), local(to)), expected, "{from} → {to}");
        }
    }

    #[test]
    fn next_working_day_and_add_working_days() {
        let calendar = WorkingCalendar::default();
        assert_eq!(calendar.next_working_day(date("2026-02-13")), date("2026-02-23"));
        assert_eq!(calendar.next_working_day(date("2026-03-02")), date("2026-03-03"));
        assert_eq!(calendar.add_working_days(date("2026-03-07"), 0), date("2026-03-07"));
        assert_eq!(calendar.add_working_days(date("2026-03-07"), 1), date("2026-03-09"));
        assert_eq!(calendar.add_working_days(date("2025-12-31"), 2), date("2026-01-05"));
    }

    #[test]
    fn parse_year_and_working_days() {
        assert_eq!(parse_year(" 2026 "), Ok(2026));
        assert_eq!(parse_year("1900"), Ok(1900));
        assert_eq!(parse_year("2200"), Ok(2200));
        for (input, code) in [
            ("", "year_invalid"),
            ("20x6", "year_invalid"),
            ("2026.0", "year_invalid"),
            ("1899", "year_out_of_range"),
            ("2201", "year_out_of_range"),
            ("-5", "year_out_of_range"),
        ] {
            let e = parse_year(input).err().unwrap_or_else(|| panic!("{input} accepted"));
            assert_eq!((e.field, e.code), ("year", code), "{input}");
        }
        assert_eq!(parse_working_days("0"), Ok(0));
        assert_eq!(parse_working_days(" 15 "), Ok(15));
        assert_eq!(parse_working_days("365"), Ok(365));
        for (input, code) in [
            ("", "working_days_invalid"),
            ("-1", "working_days_invalid"),
            ("1.5", "working_days_invalid"),
            ("366", "working_days_out_of_range"),
        ] {
            let e = parse_working_days(input).err().unwrap_or_else(|| panic!("{input} accepted"));
            assert_eq!((e.field, e.code), ("working_days", code), "{input}");
        }
    }

    #[test]
    fn serde_shapes_for_the_json_api() {
        let holiday = &WorkingCalendar::default().holidays(2026)[12];
        assert_eq!(
            serde_json::to_value(holiday).unwrap_or_default(),
            serde_json::json!({
                "date": "2026-11-24",
                "name_vi": "Ngày Văn hóa Việt Nam",
                "name_en": "Vietnam Culture Day",
                "kind": "statutory",
            })
        );
        assert_eq!(serde_json::to_value(Compensatory).unwrap_or_default(), serde_json::json!("compensatory"));
        let adjustment = working_day("2025-02-08", "Làm bù cho thứ Hai 27/01/2025");
        let json = serde_json::json!({
            "kind": "working_day",
            "date": "2025-02-08",
            "reason": "Làm bù cho thứ Hai 27/01/2025",
        });
        assert_eq!(serde_json::to_value(&adjustment).unwrap_or_default(), json);
        let back: DayAdjustment = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, adjustment);
    }

    /// An instant between 2000 and 2100.
    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (946_684_800i64..4_102_444_800)
            .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_else(|| panic!("bad timestamp {s}")))
    }

    /// Up to five adjustments within 90 days after the instant (fixed dates would rarely be hit): (days after the
    /// instant's local date, day off rather than working day).
    fn adjustments() -> impl Strategy<Value = Vec<(u64, bool)>> {
        proptest::collection::vec((0u64..90, any::<bool>()), 0..6)
    }

    fn calendar_near(t: DateTime<Utc>, adjustments: &[(u64, bool)]) -> WorkingCalendar {
        let base = local_date(t);
        WorkingCalendar::new(
            adjustments
                .iter()
                .filter_map(|&(offset, off)| {
                    let date = base.checked_add_days(Days::new(offset))?;
                    let reason = String::from("proptest");
                    Some(if off {
                        DayAdjustment::DayOff { date, reason }
                    } else {
                        DayAdjustment::WorkingDay { date, reason }
                    })
                })
                .collect(),
        )
    }

    proptest! {
        #[test]
        fn a_due_date_is_closing_time_of_a_working_day(t in instant(), n in 0u32..80, adj in adjustments()) {
            let calendar = calendar_near(t, &adj);
            let due = calendar.due_date(t, n);
            let due_local = local_datetime(due);
            prop_assert!(calendar.is_working_day(due_local.date()), "{due_local}");
            prop_assert_eq!(due_local.time(), AFTERNOON_CUTOFF);
            prop_assert!(due > t);
        }

        #[test]
        fn due_date_grows_with_the_number_of_working_days(t in instant(), n in 0u32..80, adj in adjustments()) {
            let calendar = calendar_near(t, &adj);
            let (a, b) = (calendar.due_date(t, n), calendar.due_date(t, n + 1));
            if n == 0 {
                prop_assert!(a <= b);
            } else {
                prop_assert!(a < b);
                prop_assert_eq!(calendar.working_days_between(a, b), 1);
            }
        }

        #[test]
        fn adding_working_days_lands_on_a_working_day(t in instant(), n in 1u32..80, adj in adjustments()) {
            let calendar = calendar_near(t, &adj);
            let d = local_date(t);
            let end = calendar.add_working_days(d, n);
            prop_assert!(calendar.is_working_day(end));
            prop_assert!(end > d);
            prop_assert_eq!(calendar.add_working_days(d, n + 1), calendar.next_working_day(end));
        }

        #[test]
        fn elapsed_working_days_to_the_due_date_is_the_deadline(t in instant(), n in 1u32..80, adj in adjustments()) {
            let calendar = calendar_near(t, &adj);
            let due = calendar.due_date(t, n);
            let elapsed = calendar.working_days_between(t, due);
            let local = local_datetime(t);
            if calendar.is_working_day(local.date()) && local.time() < AFTERNOON_CUTOFF {
                prop_assert_eq!(elapsed, i64::from(n));
            } else {
                // Received after hours or on a day off: the next working day is the receipt day, and it is
                // counted from the local date of arrival.
                prop_assert_eq!(elapsed, i64::from(n) + 1);
            }
            prop_assert_eq!(calendar.working_days_between(due, t), -elapsed);
        }
    }
}
