//! Local time for display: everything is stored in UTC and shown in Vietnam's time zone.

use chrono::{DateTime, Utc};

/// Giờ Việt Nam: Asia/Ho_Chi_Minh (UTC+7, no daylight saving), the zone every date is shown in.
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// Formats an instant as Vietnamese local date and time, day first: "27/11/2026 14:45".
pub fn format_local_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&TZ).format("%d/%m/%Y %H:%M").to_string()
}

/// Formats an instant as the Vietnamese local date, day first: "27/11/2026".
pub fn format_local_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&TZ).format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap_or_else(|| panic!("bad test date"))
    }

    #[test]
    fn shows_local_time_seven_hours_ahead() {
        assert_eq!(format_local_datetime(utc(2026, 11, 27, 7, 45)), "27/11/2026 14:45");
        assert_eq!(format_local_date(utc(2026, 11, 27, 7, 45)), "27/11/2026");
    }

    #[test]
    fn late_utc_evening_is_the_next_local_day() {
        assert_eq!(format_local_datetime(utc(2026, 12, 31, 17, 0)), "01/01/2027 00:00");
        assert_eq!(format_local_date(utc(2026, 12, 31, 16, 59)), "31/12/2026");
        assert_eq!(format_local_date(utc(2026, 12, 31, 17, 0)), "01/01/2027");
    }
}
