//! ISO 8601 times as SensorThings uses them: instants with an explicit offset, intervals `start/end`, and periods
//! (`P1DT2H`).
//!
//! Offsets must be written `Z` or `±hh:mm`: FROST-Server rejects `+0700` and so do we (`sensorthings-iot.md` §1);
//! Huế's offset is `+07:00`.

use std::fmt;

use chrono::{DateTime, FixedOffset, Months, NaiveDate, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

/// A time period (ISO 8601 duration) such as `P1D`, `PT30M` or `-P1Y2M`.
///
/// Years and months have no fixed length, so they are kept apart from the rest and applied with calendar
/// arithmetic; weeks, days, hours and minutes are fixed (a day is 86 400 s, there is no daylight saving in Vietnam).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IsoDuration {
    /// Written with a leading `-`.
    pub negative: bool,
    /// `nY`.
    pub years: u32,
    /// `nM` before the `T`.
    pub months: u32,
    /// `nW`.
    pub weeks: u32,
    /// `nD`.
    pub days: u32,
    /// `nH`.
    pub hours: u32,
    /// `nM` after the `T`.
    pub minutes: u32,
    /// `nS`, possibly fractional.
    pub seconds: f64,
}

impl IsoDuration {
    /// A duration of whole and fractional seconds (negative allowed), e.g. the difference of two instants.
    pub fn from_seconds(seconds: f64) -> IsoDuration {
        IsoDuration { negative: seconds < 0.0, seconds: seconds.abs(), ..IsoDuration::default() }
    }

    /// Its length in seconds (signed) when it has no years or months; `None` otherwise.
    pub fn fixed_seconds(&self) -> Option<f64> {
        if self.years != 0 || self.months != 0 {
            return None;
        }
        let whole = ((u64::from(self.weeks) * 7 + u64::from(self.days)) * 24 + u64::from(self.hours)) * 60
            + u64::from(self.minutes);
        let s = whole as f64 * 60.0 + self.seconds;
        Some(if self.negative { -s } else { s })
    }

    /// `t + self` (or `t − |self|` when negative): calendar months first, then the fixed part. `None` on overflow.
    pub fn add_to(&self, t: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let months = Months::new(self.years.checked_mul(12)?.checked_add(self.months)?);
        let t = if self.negative { t.checked_sub_months(months)? } else { t.checked_add_months(months)? };
        let fixed = IsoDuration { years: 0, months: 0, negative: false, ..*self }.fixed_seconds()?;
        let nanos = fixed * 1e9;
        if !nanos.is_finite() || nanos.abs() > 9.0e18 {
            return None;
        }
        let delta = TimeDelta::nanoseconds(nanos as i64);
        if self.negative { t.checked_sub_signed(delta) } else { t.checked_add_signed(delta) }
    }

    /// The same length with the other sign.
    pub fn negated(&self) -> IsoDuration {
        IsoDuration { negative: !self.negative, ..*self }
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str("P")?;
        let date = [(self.years, 'Y'), (self.months, 'M'), (self.weeks, 'W'), (self.days, 'D')];
        for (n, unit) in date {
            if n != 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        if self.hours != 0 || self.minutes != 0 || self.seconds != 0.0 {
            f.write_str("T")?;
            if self.hours != 0 {
                write!(f, "{}H", self.hours)?;
            }
            if self.minutes != 0 {
                write!(f, "{}M", self.minutes)?;
            }
            if self.seconds != 0.0 {
                write!(f, "{}S", self.seconds)?;
            }
        } else if date.iter().all(|(n, _)| *n == 0) {
            f.write_str("T0S")?;
        }
        Ok(())
    }
}

/// A phenomenon or valid time: an instant, or an interval from `start` (included) to `end` (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TimeValue {
    /// One instant.
    Instant(DateTime<FixedOffset>),
    /// An ISO 8601 interval `start/end`.
    Interval {
        /// First instant.
        start: DateTime<FixedOffset>,
        /// End instant (not included).
        end: DateTime<FixedOffset>,
    },
}

impl TimeValue {
    /// Reads an instant or an interval (`start/end`, `start/period`, `period/end`). `None` when it is neither, or
    /// when an interval ends before it starts.
    pub fn parse(s: &str) -> Option<TimeValue> {
        if let Some(t) = parse_datetime(s) {
            return Some(TimeValue::Instant(t));
        }
        let (a, b) = s.split_once('/')?;
        let (start, end) = match (parse_datetime(a), parse_datetime(b)) {
            (Some(start), Some(end)) => (start, end),
            (Some(start), None) => (start, parse_duration(b)?.add_to(start)?),
            (None, Some(end)) => (parse_duration(a)?.negated().add_to(end)?, end),
            (None, None) => return None,
        };
        (start <= end).then_some(TimeValue::Interval { start, end })
    }

    /// First instant.
    pub fn start(&self) -> DateTime<FixedOffset> {
        match self {
            TimeValue::Instant(t) => *t,
            TimeValue::Interval { start, .. } => *start,
        }
    }

    /// Last instant (the end of an interval).
    pub fn end(&self) -> DateTime<FixedOffset> {
        match self {
            TimeValue::Instant(t) => *t,
            TimeValue::Interval { end, .. } => *end,
        }
    }
}

impl fmt::Display for TimeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeValue::Instant(t) => f.write_str(&format_datetime(*t)),
            TimeValue::Interval { start, end } => write!(f, "{}/{}", format_datetime(*start), format_datetime(*end)),
        }
    }
}

impl TryFrom<String> for TimeValue {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        TimeValue::parse(&s).ok_or_else(|| format!("not an ISO 8601 time or interval with an offset: {s}"))
    }
}

impl From<TimeValue> for String {
    fn from(v: TimeValue) -> String {
        v.to_string()
    }
}

/// Formats an instant as RFC 3339 with its own offset and only the fractional digits it needs.
pub fn format_datetime(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Reads a whole string as an instant: `YYYY-MM-DDThh:mm[:ss[.fff]]` followed by `Z` or `±hh:mm`.
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    match scan_datetime(s) {
        Ok(Some((t, len))) if len == s.len() => Some(t),
        _ => None,
    }
}

/// Reads a whole string as an ISO 8601 period (`P1D`, `-PT1.5S`).
pub fn parse_duration(s: &str) -> Option<IsoDuration> {
    scan_duration(s).filter(|(_, len)| *len == s.len()).map(|(d, _)| d)
}

/// Why a date-time at the start of a string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateTimeProblem {
    /// The offset (`Z` or `±hh:mm`) is missing or malformed.
    MissingOffset,
    /// The time of day is malformed or out of range.
    BadTime,
}

fn digits(s: &[u8], n: usize) -> Option<u32> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s[..n].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// A calendar date `YYYY-MM-DD` at the start of `s`, and its length (10).
pub(crate) fn scan_date(s: &str) -> Option<(NaiveDate, usize)> {
    let b = s.as_bytes();
    let year = digits(b, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(&b[5..], 2)?;
    let day = digits(&b[8..], 2)?;
    let year = i32::try_from(year).ok()?;
    NaiveDate::from_ymd_opt(year, month, day).map(|d| (d, 10))
}

/// A time of day `hh:mm[:ss[.fff…]]` at the start of `s`, and its length.
pub(crate) fn scan_time(s: &str) -> Option<(NaiveTime, usize)> {
    let b = s.as_bytes();
    let hour = digits(b, 2)?;
    if b.get(2) != Some(&b':') {
        return None;
    }
    let minute = digits(&b[3..], 2)?;
    let mut len = 5;
    let (mut second, mut nanos) = (0, 0);
    if b.get(5) == Some(&b':') {
        second = digits(&b[6..], 2)?;
        len = 8;
        if b.get(8) == Some(&b'.') {
            let frac: Vec<u8> = b[9..].iter().take_while(|c| c.is_ascii_digit()).copied().collect();
            if frac.is_empty() {
                return None;
            }
            len = 9 + frac.len();
            // Nanosecond precision; further digits are dropped.
            nanos = (0..9).fold(0u32, |acc, i| acc * 10 + frac.get(i).map_or(0, |d| u32::from(d - b'0')));
        }
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos).map(|t| (t, len))
}

/// An offset `Z` or `±hh:mm` at the start of `s`, and its length.
fn scan_offset(s: &str) -> Option<(FixedOffset, usize)> {
    let b = s.as_bytes();
    match b.first()? {
        b'Z' => FixedOffset::east_opt(0).map(|o| (o, 1)),
        sign @ (b'+' | b'-') => {
            let h = digits(&b[1..], 2)?;
            if b.get(3) != Some(&b':') {
                return None;
            }
            let m = digits(&b[4..], 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i32::try_from(h * 3600 + m * 60).ok()?;
            FixedOffset::east_opt(if *sign == b'-' { -secs } else { secs }).map(|o| (o, 6))
        }
        _ => None,
    }
}

/// An instant `date 'T' time offset` at the start of `s`, and its length. `Ok(None)` when `s` does not start with a
/// date followed by `T`; an error when it does but the time or offset is wrong.
pub(crate) fn scan_datetime(s: &str) -> Result<Option<(DateTime<FixedOffset>, usize)>, DateTimeProblem> {
    let Some((date, dlen)) = scan_date(s) else { return Ok(None) };
    if s.as_bytes().get(dlen) != Some(&b'T') {
        return Ok(None);
    }
    let rest = &s[dlen + 1..];
    let (time, tlen) = scan_time(rest).ok_or(DateTimeProblem::BadTime)?;
    let (offset, olen) = scan_offset(&rest[tlen..]).ok_or(DateTimeProblem::MissingOffset)?;
    let t = date.and_time(time).and_local_timezone(offset).single().ok_or(DateTimeProblem::BadTime)?;
    Ok(Some((t, dlen + 1 + tlen + olen)))
}

/// An ISO 8601 period at the start of `s` (optional sign, `P`, at least one component), and its length.
pub(crate) fn scan_duration(s: &str) -> Option<(IsoDuration, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut d = IsoDuration::default();
    match b.first()? {
        b'-' => {
            d.negative = true;
            i = 1;
        }
        b'+' => i = 1,
        _ => {}
    }
    if b.get(i) != Some(&b'P') {
        return None;
    }
    i += 1;
    let mut any = false;
    let mut in_time = false;
    // Units must come in order: Y M W D, then T, then H M S.
    let mut last_rank = 0;
    loop {
        if !in_time && b.get(i) == Some(&b'T') {
            in_time = true;
            i += 1;
            last_rank = 4;
            continue;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            break;
        }
        let int_part = &s[start..i];
        let mut frac_end = i;
        if b.get(i) == Some(&b'.') {
            frac_end += 1;
            while b.get(frac_end).is_some_and(u8::is_ascii_digit) {
                frac_end += 1;
            }
        }
        let unit = *b.get(frac_end)?;
        let rank = match (in_time, unit) {
            (false, b'Y') => 1,
            (false, b'M') => 2,
            (false, b'W') => 3,
            (false, b'D') => 4,
            (true, b'H') => 5,
            (true, b'M') => 6,
            (true, b'S') => 7,
            _ => return None,
        };
        if rank <= last_rank || (frac_end != i && unit != b'S') {
            return None;
        }
        last_rank = rank;
        if unit == b'S' {
            d.seconds = s[start..frac_end].parse().ok()?;
        } else {
            let n: u32 = int_part.parse().ok()?;
            match rank {
                1 => d.years = n,
                2 => d.months = n,
                3 => d.weeks = n,
                4 => d.days = n,
                5 => d.hours = n,
                _ => d.minutes = n,
            }
        }
        i = frac_end + 1;
        any = true;
    }
    // "P" alone, or "PT" with nothing after it, is not a period.
    if !any || (in_time && last_rank == 4) {
        return None;
    }
    Some((d, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_instants_with_explicit_offsets_only() {
        let t = parse_datetime("2026-11-27T10:00:00+07:00").unwrap();
        assert_eq!(format_datetime(t), "2026-11-27T10:00:00+07:00");
        assert_eq!(parse_datetime("2026-11-27T03:00:00Z"), Some(t));
        assert_eq!(parse_datetime("2026-11-27T03:00Z"), Some(t));
        let frac = parse_datetime("2026-11-27T03:00:00.123456789123Z").unwrap();
        assert_eq!(format_datetime(frac), "2026-11-27T03:00:00.123456789Z");
        for bad in [
            "2026-11-27T10:00:00+0700",
            "2026-11-27T10:00:00",
            "2026-11-27",
            "2026-02-30T10:00:00Z",
            "2026-11-27T25:00:00Z",
            "2026-11-27T10:00:00Zx",
            "2026-11-27T10:00:00.Z",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_periods() {
        let table: [(&str, Option<f64>); 8] = [
            ("P1D", Some(86_400.0)),
            ("PT1H30M", Some(5400.0)),
            ("PT0.5S", Some(0.5)),
            ("-P1W", Some(-604_800.0)),
            ("P1Y", None),
            ("P1Y2M3DT4H5M6S", None),
            ("P2W", Some(1_209_600.0)),
            ("PT0S", Some(0.0)),
        ];
        for (s, secs) in table {
            let d = parse_duration(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(d.fixed_seconds(), secs, "{s}");
            assert_eq!(parse_duration(&d.to_string()), Some(d), "{s} → {d}");
        }
        for bad in ["P", "PT", "P1H", "PT1D", "P1D1Y", "P1.5D", "1D", "P-1D", "PT1.S5"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn adds_calendar_months_then_fixed_time() {
        let t = parse_datetime("2026-01-31T00:00:00+07:00").unwrap();
        let p = parse_duration("P1M1D").unwrap();
        assert_eq!(format_datetime(p.add_to(t).unwrap()), "2026-03-01T00:00:00+07:00");
        let back = parse_duration("-PT1H").unwrap();
        assert_eq!(format_datetime(back.add_to(t).unwrap()), "2026-01-30T23:00:00+07:00");
    }

    #[test]
    fn reads_intervals() {
        let i = TimeValue::parse("2026-11-01T00:00:00Z/2026-11-02T00:00:00Z").unwrap();
        assert_eq!(i.end() - i.start(), TimeDelta::days(1));
        assert_eq!(TimeValue::parse("2026-11-01T00:00:00Z/P1D"), Some(i));
        assert_eq!(TimeValue::parse("P1D/2026-11-02T00:00:00Z"), Some(i));
        assert_eq!(TimeValue::parse("2026-11-02T00:00:00Z/2026-11-01T00:00:00Z"), None);
        assert_eq!(TimeValue::parse("P1D/P2D"), None);
        let json = serde_json::to_value(i).unwrap();
        assert_eq!(json, "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z");
        assert_eq!(serde_json::from_value::<TimeValue>(json).unwrap(), i);
    }
}
