//! Lượng mưa: rainfall totals from a rain gauge's readings, each reading the millimetres fallen in its interval
//! (the demo gauges report every 10 minutes). Huế's floods follow the rain in the mountains by hours, so the page
//! shows the last hours' totals next to the river levels, and each day's total (a day is the local calendar day,
//! Asia/Ho_Chi_Minh, as the hydro-meteorological bulletins count it).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::time::TZ;

/// Totals of rolling hours ending at `now`, newest first: element `i` is the rain in `(now − (i+1) h, now − i h]`.
/// Readings after `now`, negative or not finite are ignored (a gauge does not un-rain).
pub fn hourly_totals(samples: &[(DateTime<Utc>, f64)], now: DateTime<Utc>, hours: usize) -> Vec<f64> {
    let mut out = vec![0.0; hours];
    for (t, mm) in samples {
        if *t > now || !mm.is_finite() || *mm < 0.0 {
            continue;
        }
        let i = ((now - *t).num_microseconds().unwrap_or(i64::MAX) / 3_600_000_000) as usize;
        if let Some(slot) = out.get_mut(i) {
            *slot += mm;
        }
    }
    out.iter_mut().for_each(|v| *v = round_mm(*v));
    out
}

/// Totals of the last `days` local calendar days up to `now`'s, oldest first, with their dates.
pub fn daily_totals(samples: &[(DateTime<Utc>, f64)], now: DateTime<Utc>, days: usize) -> Vec<(NaiveDate, f64)> {
    let today = now.with_timezone(&TZ).date_naive();
    let mut out: Vec<(NaiveDate, f64)> =
        (0..days).rev().map(|back| (today - Duration::days(back as i64), 0.0)).collect();
    for (t, mm) in samples {
        if *t > now || !mm.is_finite() || *mm < 0.0 {
            continue;
        }
        let day = t.with_timezone(&TZ).date_naive();
        if let Some(slot) = out.iter_mut().find(|(d, _)| *d == day) {
            slot.1 += mm;
        }
    }
    out.iter_mut().for_each(|(_, v)| *v = round_mm(*v));
    out
}

/// Rainfall is published to a tenth of a millimetre; summing hides float noise such as 0.30000000000000004.
fn round_mm(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn hours_end_now_and_a_reading_on_an_hour_boundary_counts_in_the_hour_it_ends() {
        let now = at("2026-11-27T10:00:00+07:00");
        let samples = [
            (at("2026-11-27T10:00:00+07:00"), 1.0),
            (at("2026-11-27T09:10:00+07:00"), 0.1),
            (at("2026-11-27T09:00:00+07:00"), 0.2),
            (at("2026-11-27T08:30:00+07:00"), 4.0),
            (at("2026-11-27T10:10:00+07:00"), 9.0),
            (at("2026-11-27T07:30:00+07:00"), -3.0),
        ];
        assert_eq!(hourly_totals(&samples, now, 3), vec![1.1, 4.2, 0.0]);
    }

    #[test]
    fn days_are_local_calendar_days() {
        let now = at("2026-11-27T06:00:00+07:00");
        let samples = [
            // 23:30 UTC on the 26th is 06:30 local on the 27th, after `now`: ignored.
            (at("2026-11-26T23:30:00Z"), 5.0),
            (at("2026-11-27T00:30:00+07:00"), 2.5),
            (at("2026-11-26T23:50:00+07:00"), 10.0),
            (at("2026-11-26T00:00:00+07:00"), 0.1),
            (at("2026-11-25T12:00:00+07:00"), 40.0),
        ];
        let days = daily_totals(&samples, now, 2);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(days, vec![(d("2026-11-26"), 10.1), (d("2026-11-27"), 2.5)]);
    }
}
