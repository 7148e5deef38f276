//! Cấp báo động lũ: river gauges with their official alarm levels BĐ1–BĐ3, the level a water reading stands at,
//! the margin to the levels around it, and whether the river is rising or falling.
//!
//! Alarm levels are data per gauge, each with its legal basis (QĐ 05/2020/QĐ-TTg of 31/01/2020, which fixes the
//! water level of each flood alarm level per station); [`hue_gauges`] gives Huế's two reference gauges as in
//! `shared/data/hue-places.json` and `domain-vn.md` §7.2, and [`RiverGauge::from_place`] reads any gauge entry of
//! that file. Water levels are metres on the station's gauge datum, as bulletins publish them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::validation::ValidationError;

/// How far above BĐ3 the water must be for [`FloodLevel::AboveBd3`]: QĐ 18/2021/QĐ-TTg Art. 45 (flood disaster
/// risk levels) draws its next line at "báo động 3 cộng 1,0 m" \[S\].
pub const ABOVE_BD3_MARGIN_M: f64 = 1.0;

/// Lowest water level accepted as a reading, metres (gauge datums in Huế sit near mean sea level).
pub const MIN_WATER_LEVEL_M: f64 = -20.0;
/// Highest water level accepted as a reading, metres (Kim Long's 1999 record is under 6 m).
pub const MAX_WATER_LEVEL_M: f64 = 50.0;

/// Below this rate of change (metres per hour, either way) [`trend`] calls the river steady. A choice, not a rule:
/// bulletins say "biến đổi chậm" without a number \[I\].
pub const STEADY_RATE_M_PER_H: f64 = 0.02;

/// Mực nước báo động: the water levels of alarm levels I, II and III at one gauge, metres, strictly increasing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawAlarmLevels")]
pub struct AlarmLevels {
    bd1: f64,
    bd2: f64,
    bd3: f64,
}

#[derive(Deserialize)]
struct RawAlarmLevels {
    bd1: f64,
    bd2: f64,
    bd3: f64,
}

impl TryFrom<RawAlarmLevels> for AlarmLevels {
    type Error = ValidationError;

    fn try_from(r: RawAlarmLevels) -> Result<Self, Self::Error> {
        AlarmLevels::new(r.bd1, r.bd2, r.bd3)
    }
}

impl AlarmLevels {
    /// Builds the levels, rejecting values that are not finite or not strictly increasing (BĐ1 < BĐ2 < BĐ3).
    pub fn new(bd1: f64, bd2: f64, bd3: f64) -> Result<Self, ValidationError> {
        if !(bd1.is_finite() && bd2.is_finite() && bd3.is_finite() && bd1 < bd2 && bd2 < bd3) {
            return Err(ValidationError::new(
                "alarm_levels_m",
                "alarm_levels_not_increasing",
                format!("Mực nước báo động phải là số và tăng dần BĐ1 < BĐ2 < BĐ3 (nhận {bd1}, {bd2}, {bd3})."),
                format!("Alarm levels must be numbers with BĐ1 < BĐ2 < BĐ3 (got {bd1}, {bd2}, {bd3})."),
            ));
        }
        Ok(AlarmLevels { bd1, bd2, bd3 })
    }

    /// Báo động I, metres.
    pub fn bd1(&self) -> f64 {
        self.bd1
    }

    /// Báo động II, metres.
    pub fn bd2(&self) -> f64 {
        self.bd2
    }

    /// Báo động III, metres.
    pub fn bd3(&self) -> f64 {
        self.bd3
    }

    /// The water level at which `level` starts; `None` for [`FloodLevel::Normal`].
    pub fn threshold(&self, level: FloodLevel) -> Option<f64> {
        match level {
            FloodLevel::Normal => None,
            FloodLevel::Bd1 => Some(self.bd1),
            FloodLevel::Bd2 => Some(self.bd2),
            FloodLevel::Bd3 => Some(self.bd3),
            FloodLevel::AboveBd3 => Some(self.bd3 + ABOVE_BD3_MARGIN_M),
        }
    }

    /// The level a water reading stands at: a level is reached when the water is at or above its threshold.
    /// A reading that is not a number is [`FloodLevel::Normal`]; check readings with [`check_water_level`].
    pub fn level_of(&self, water_level_m: f64) -> FloodLevel {
        FloodLevel::ALL
            .iter()
            .rev()
            .copied()
            .find(|l| self.threshold(*l).is_some_and(|t| water_level_m >= t))
            .unwrap_or(FloodLevel::Normal)
    }
}

/// Trạm thủy văn: a river water-level station whose readings are compared with official alarm levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiverGauge {
    /// Stable id, the place id of `hue-places.json`, e.g. `tram-thuy-van-kim-long`.
    pub id: String,
    /// The hydro-meteorological service's station number, e.g. "71520" \[S\]\[U\].
    #[serde(default)]
    pub station_id: Option<String>,
    /// Name in Vietnamese, e.g. "Trạm thủy văn Kim Long".
    pub name_vi: String,
    /// Name in English.
    pub name_en: String,
    /// The river, in Vietnamese, e.g. "Sông Hương".
    pub river: String,
    /// BĐ1–BĐ3 in metres.
    #[serde(rename = "alarm_levels_m")]
    pub alarm_levels: AlarmLevels,
    /// The text that fixes the levels, e.g. "QĐ 05/2020/QĐ-TTg (31/01/2020)".
    #[serde(rename = "alarm_levels_basis")]
    pub basis: String,
    /// Whether every level was checked against an official source (false when one rests on secondary sources).
    #[serde(rename = "alarm_levels_verified", default)]
    pub verified: bool,
}

impl RiverGauge {
    /// Reads a place of `hue-places.json` with `kind` "river_gauge" (extra fields are ignored).
    pub fn from_place(place: &Value) -> Result<RiverGauge, ValidationError> {
        if place.get("kind").and_then(Value::as_str) != Some("river_gauge") {
            return Err(ValidationError::new(
                "kind",
                "gauge_not_a_river_gauge",
                "Địa điểm không phải trạm thủy văn (kind phải là “river_gauge”).",
                "The place is not a river gauge (kind must be “river_gauge”).",
            ));
        }
        if let Some(levels) = place.get("alarm_levels_m") {
            // Report bad levels with their own, more precise error.
            let raw: RawAlarmLevels = serde_json::from_value(levels.clone()).map_err(|e| invalid_gauge(&e))?;
            AlarmLevels::try_from(raw)?;
        }
        serde_json::from_value(place.clone()).map_err(|e| invalid_gauge(&e))
    }

    /// The level a reading stands at (see [`alarm_level`]).
    pub fn level_of(&self, water_level_m: f64) -> FloodLevel {
        self.alarm_levels.level_of(water_level_m)
    }
}

fn invalid_gauge(e: &serde_json::Error) -> ValidationError {
    ValidationError::new(
        "gauge",
        "gauge_invalid",
        format!("Dữ liệu trạm thủy văn không hợp lệ: {e}."),
        format!("The river gauge data is invalid: {e}."),
    )
}

/// Huế's two reference gauges with the levels of QĐ 05/2020/QĐ-TTg (`domain-vn.md` §7.2, `hue-places.json`):
/// Kim Long on the Hương (1.0 / 2.0 / 3.5 m, verified) and Phú Ốc on the Bồ (1.5 / 3.0 / 4.5 m; BĐ1 only from
/// secondary sources, so not marked verified). Seed data: deployments keep the levels as editable data.
pub fn hue_gauges() -> Vec<RiverGauge> {
    let basis = "QĐ 05/2020/QĐ-TTg (31/01/2020)";
    let gauge = |id: &str, station: &str, vi: &str, en: &str, river: &str, l: (f64, f64, f64), verified: bool| {
        AlarmLevels::new(l.0, l.1, l.2).ok().map(|alarm_levels| RiverGauge {
            id: id.to_owned(),
            station_id: Some(station.to_owned()),
            name_vi: vi.to_owned(),
            name_en: en.to_owned(),
            river: river.to_owned(),
            alarm_levels,
            basis: basis.to_owned(),
            verified,
        })
    };
    [
        gauge(
            "tram-thuy-van-kim-long",
            "71520",
            "Trạm thủy văn Kim Long",
            "Kim Long hydrological station",
            "Sông Hương",
            (1.0, 2.0, 3.5),
            true,
        ),
        gauge(
            "tram-thuy-van-phu-oc",
            "71518",
            "Trạm thủy văn Phú Ốc",
            "Phú Ốc hydrological station",
            "Sông Bồ",
            (1.5, 3.0, 4.5),
            false,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Cấp báo động: where the water stands against a gauge's alarm levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloodLevel {
    /// Dưới báo động 1: below BĐ1.
    Normal,
    /// Báo động 1: at or above BĐ1, below BĐ2.
    Bd1,
    /// Báo động 2: at or above BĐ2, below BĐ3.
    Bd2,
    /// Báo động 3: at or above BĐ3, less than [`ABOVE_BD3_MARGIN_M`] above it.
    Bd3,
    /// Trên báo động 3: [`ABOVE_BD3_MARGIN_M`] or more above BĐ3.
    AboveBd3,
}

impl FloodLevel {
    /// Every level, lowest first.
    pub const ALL: [FloodLevel; 5] =
        [FloodLevel::Normal, FloodLevel::Bd1, FloodLevel::Bd2, FloodLevel::Bd3, FloodLevel::AboveBd3];

    /// Stable snake_case code for storage and APIs; the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            FloodLevel::Normal => "normal",
            FloodLevel::Bd1 => "bd1",
            FloodLevel::Bd2 => "bd2",
            FloodLevel::Bd3 => "bd3",
            FloodLevel::AboveBd3 => "above_bd3",
        }
    }

    /// Short name of the threshold in bulletins ("BĐ1"…); for `AboveBd3` "BĐ3+1m", for `Normal` "".
    pub fn short(self) -> &'static str {
        match self {
            FloodLevel::Normal => "",
            FloodLevel::Bd1 => "BĐ1",
            FloodLevel::Bd2 => "BĐ2",
            FloodLevel::Bd3 => "BĐ3",
            FloodLevel::AboveBd3 => "BĐ3+1m",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            FloodLevel::Normal => "Dưới báo động 1",
            FloodLevel::Bd1 => "Báo động 1",
            FloodLevel::Bd2 => "Báo động 2",
            FloodLevel::Bd3 => "Báo động 3",
            FloodLevel::AboveBd3 => "Trên báo động 3 từ 1 m",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            FloodLevel::Normal => "Below alarm level 1",
            FloodLevel::Bd1 => "Alarm level 1",
            FloodLevel::Bd2 => "Alarm level 2",
            FloodLevel::Bd3 => "Alarm level 3",
            FloodLevel::AboveBd3 => "1 m or more above alarm level 3",
        }
    }
}

/// Rejects a water reading that is not a number or outside [`MIN_WATER_LEVEL_M`]..=[`MAX_WATER_LEVEL_M`].
pub fn check_water_level(water_level_m: f64) -> Result<f64, ValidationError> {
    if water_level_m.is_finite() && (MIN_WATER_LEVEL_M..=MAX_WATER_LEVEL_M).contains(&water_level_m) {
        Ok(water_level_m)
    } else {
        Err(ValidationError::new(
            "water_level_m",
            "water_level_out_of_range",
            format!("Mực nước phải là số từ {MIN_WATER_LEVEL_M} đến {MAX_WATER_LEVEL_M} m (nhận {water_level_m})."),
            format!(
                "The water level must be a number from {MIN_WATER_LEVEL_M} to {MAX_WATER_LEVEL_M} m (got \
                 {water_level_m})."
            ),
        ))
    }
}

/// The alarm level a water reading at `gauge` stands at (QĐ 05/2020/QĐ-TTg levels; `AboveBd3` per
/// [`ABOVE_BD3_MARGIN_M`]).
pub fn alarm_level(gauge: &RiverGauge, water_level_m: f64) -> FloodLevel {
    gauge.level_of(water_level_m)
}

/// Distance from a reading to one alarm level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LevelMargin {
    /// The level (BĐ1, BĐ2 or BĐ3).
    pub level: FloodLevel,
    /// Its threshold, metres.
    pub threshold_m: f64,
    /// |reading − threshold|, metres, rounded to the centimetre.
    pub margin_m: f64,
}

/// A reading judged against a gauge, with the margins a dashboard shows ("+0.25 m above BĐ2").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloodAssessment {
    /// The gauge id.
    pub gauge_id: String,
    /// The reading, metres.
    pub water_level_m: f64,
    /// The level reached.
    pub level: FloodLevel,
    /// The highest official level (BĐ1–BĐ3) reached and how far above it the water is.
    pub above: Option<LevelMargin>,
    /// The next official level (BĐ1–BĐ3) not reached and how far below it the water is; `None` at BĐ3 and above.
    pub below: Option<LevelMargin>,
}

impl FloodAssessment {
    /// The margins in Vietnamese, as bulletins write them: "Trên BĐ2 0,25 m; dưới BĐ3 1,25 m".
    pub fn margin_vi(&self) -> String {
        let parts: Vec<String> = [
            self.above.map(|m| format!("Trên {} {} m", m.level.short(), vi_metres(m.margin_m))),
            self.below.map(|m| {
                let word = if self.above.is_some() { "dưới" } else { "Dưới" };
                format!("{word} {} {} m", m.level.short(), vi_metres(m.margin_m))
            }),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join("; ")
    }

    /// The margins in English: "0.25 m above BĐ2; 1.25 m below BĐ3".
    pub fn margin_en(&self) -> String {
        let parts: Vec<String> = [
            self.above.map(|m| format!("{:.2} m above {}", m.margin_m, m.level.short())),
            self.below.map(|m| format!("{:.2} m below {}", m.margin_m, m.level.short())),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join("; ")
    }
}

/// Metres with two decimals and a decimal comma, as Vietnamese bulletins write them ("0,25").
fn vi_metres(m: f64) -> String {
    format!("{m:.2}").replace('.', ",")
}

fn centimetres(m: f64) -> f64 {
    (m * 100.0).round() / 100.0
}

/// Judges a reading at `gauge`: its level and the margins to the official levels around it. Fails when the reading
/// is not a plausible water level (see [`check_water_level`]).
pub fn assess(gauge: &RiverGauge, water_level_m: f64) -> Result<FloodAssessment, ValidationError> {
    let h = check_water_level(water_level_m)?;
    let levels = &gauge.alarm_levels;
    let official = [FloodLevel::Bd1, FloodLevel::Bd2, FloodLevel::Bd3];
    let margin = |level: FloodLevel| {
        levels.threshold(level).map(|t| LevelMargin { level, threshold_m: t, margin_m: centimetres((h - t).abs()) })
    };
    let above = official.iter().rev().copied().find(|l| levels.threshold(*l).is_some_and(|t| h >= t)).and_then(margin);
    let below = official.iter().copied().find(|l| levels.threshold(*l).is_some_and(|t| h < t)).and_then(margin);
    Ok(FloodAssessment { gauge_id: gauge.id.clone(), water_level_m: h, level: levels.level_of(h), above, below })
}

/// One water-level reading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WaterLevelReading {
    /// When it was measured.
    pub at: DateTime<Utc>,
    /// Water level, metres.
    pub level_m: f64,
}

/// Xu thế: which way the river is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Lên: rising.
    Rising,
    /// Xuống: falling.
    Falling,
    /// Ít biến đổi: steady.
    Steady,
}

impl Trend {
    /// Stable snake_case code; the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Rising => "rising",
            Trend::Falling => "falling",
            Trend::Steady => "steady",
        }
    }

    /// Vietnamese label, as bulletins say it.
    pub fn label_vi(self) -> &'static str {
        match self {
            Trend::Rising => "Đang lên",
            Trend::Falling => "Đang xuống",
            Trend::Steady => "Ít biến đổi",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Trend::Rising => "Rising",
            Trend::Falling => "Falling",
            Trend::Steady => "Steady",
        }
    }
}

/// The trend of a short series and its rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendReport {
    /// Rising, falling or steady.
    pub trend: Trend,
    /// Least-squares slope of level over time, metres per hour (positive when rising).
    pub rate_m_per_h: f64,
}

/// The trend of a short series of readings (any order) with the default [`STEADY_RATE_M_PER_H`].
pub fn trend(readings: &[WaterLevelReading]) -> Option<TrendReport> {
    trend_with_threshold(readings, STEADY_RATE_M_PER_H)
}

/// The trend of a short series of readings (any order): the least-squares slope over all readings, steady when its
/// size is below `steady_rate_m_per_h`. A fitted slope rather than last-minus-first, so one noisy reading does not
/// flip the arrow. `None` with fewer than two usable readings (non-finite levels are dropped) or when they all
/// share one instant.
pub fn trend_with_threshold(readings: &[WaterLevelReading], steady_rate_m_per_h: f64) -> Option<TrendReport> {
    let usable: Vec<&WaterLevelReading> = readings.iter().filter(|r| r.level_m.is_finite()).collect();
    let first = usable.iter().map(|r| r.at).min()?;
    let points: Vec<(f64, f64)> =
        usable.iter().map(|r| ((r.at - first).num_milliseconds() as f64 / 3_600_000.0, r.level_m)).collect();
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mean_t = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_h = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_t).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_t) * (p.1 - mean_h)).sum();
    let rate = sxy / sxx;
    let trend = if rate >= steady_rate_m_per_h {
        Trend::Rising
    } else if rate <= -steady_rate_m_per_h {
        Trend::Falling
    } else {
        Trend::Steady
    };
    Some(TrendReport { trend, rate_m_per_h: rate })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn gauge(id: &str) -> RiverGauge {
        hue_gauges().into_iter().find(|g| g.id == id).unwrap_or_else(|| panic!("no gauge {id}"))
    }

    #[test]
    fn hue_gauges_match_the_places_file() {
        let kim_long = gauge("tram-thuy-van-kim-long");
        assert_eq!(
            (kim_long.alarm_levels.bd1(), kim_long.alarm_levels.bd2(), kim_long.alarm_levels.bd3()),
            (1.0, 2.0, 3.5)
        );
        assert!(kim_long.verified);
        assert_eq!(kim_long.river, "Sông Hương");
        let phu_oc = gauge("tram-thuy-van-phu-oc");
        assert_eq!((phu_oc.alarm_levels.bd1(), phu_oc.alarm_levels.bd2(), phu_oc.alarm_levels.bd3()), (1.5, 3.0, 4.5));
        assert!(!phu_oc.verified);
        assert_eq!(phu_oc.station_id.as_deref(), Some("71518"));
    }

    #[test]
    fn reads_a_gauge_from_a_place_entry() {
        let place = serde_json::json!({
            "id": "tram-thuy-van-kim-long",
            "name_vi": "Trạm thủy văn Kim Long",
            "name_en": "Kim Long hydrological station",
            "kind": "river_gauge",
            "lat": 16.4605,
            "lon": 107.564,
            "river": "Sông Hương",
            "station_id": "71520",
            "alarm_levels_m": { "bd1": 1.0, "bd2": 2.0, "bd3": 3.5 },
            "alarm_levels_basis": "QĐ 05/2020/QĐ-TTg (31/01/2020)",
            "alarm_levels_verified": true
        });
        assert_eq!(RiverGauge::from_place(&place).unwrap(), gauge("tram-thuy-van-kim-long"));

        let mut bad = place.clone();
        bad["alarm_levels_m"] = serde_json::json!({ "bd1": 2.0, "bd2": 1.0, "bd3": 3.5 });
        assert_eq!(RiverGauge::from_place(&bad).unwrap_err().code, "alarm_levels_not_increasing");
        let mut heritage = place.clone();
        heritage["kind"] = "heritage".into();
        assert_eq!(RiverGauge::from_place(&heritage).unwrap_err().code, "gauge_not_a_river_gauge");
        let mut missing = place;
        missing.as_object_mut().unwrap().remove("name_vi");
        assert_eq!(RiverGauge::from_place(&missing).unwrap_err().code, "gauge_invalid");
    }

    /// Levels at and around each threshold of both Huế gauges: a level is reached at its threshold.
    #[test]
    fn alarm_levels_of_hue_gauges() {
        use FloodLevel::*;
        let table = [
            ("tram-thuy-van-kim-long", -0.5, Normal),
            ("tram-thuy-van-kim-long", 0.99, Normal),
            ("tram-thuy-van-kim-long", 1.0, Bd1),
            ("tram-thuy-van-kim-long", 1.99, Bd1),
            ("tram-thuy-van-kim-long", 2.0, Bd2),
            ("tram-thuy-van-kim-long", 3.49, Bd2),
            ("tram-thuy-van-kim-long", 3.5, Bd3),
            ("tram-thuy-van-kim-long", 4.49, Bd3),
            ("tram-thuy-van-kim-long", 4.5, AboveBd3),
            ("tram-thuy-van-kim-long", 5.94, AboveBd3),
            ("tram-thuy-van-phu-oc", 1.49, Normal),
            ("tram-thuy-van-phu-oc", 1.5, Bd1),
            ("tram-thuy-van-phu-oc", 3.25, Bd2),
            ("tram-thuy-van-phu-oc", 4.5, Bd3),
            ("tram-thuy-van-phu-oc", 5.5, AboveBd3),
        ];
        for (id, h, expected) in table {
            assert_eq!(alarm_level(&gauge(id), h), expected, "{id} at {h} m");
        }
    }

    #[test]
    fn margins_as_bulletins_write_them() {
        // xuhue.com, 09/11/2017: Phú Ốc at 3.25 m was "trên BĐ2 0,25m".
        let a = assess(&gauge("tram-thuy-van-phu-oc"), 3.25).unwrap();
        assert_eq!(a.level, FloodLevel::Bd2);
        assert_eq!(a.margin_vi(), "Trên BĐ2 0,25 m; dưới BĐ3 1,25 m");
        assert_eq!(a.margin_en(), "0.25 m above BĐ2; 1.25 m below BĐ3");

        let kim_long = gauge("tram-thuy-van-kim-long");
        let a = assess(&kim_long, 0.7).unwrap();
        assert_eq!((a.level, a.above), (FloodLevel::Normal, None));
        assert_eq!(a.margin_vi(), "Dưới BĐ1 0,30 m");
        let a = assess(&kim_long, 4.7).unwrap();
        assert_eq!(a.level, FloodLevel::AboveBd3);
        assert_eq!(a.below, None);
        assert_eq!(a.margin_en(), "1.20 m above BĐ3");
        let a = assess(&kim_long, 3.5).unwrap();
        assert_eq!(a.margin_vi(), "Trên BĐ3 0,00 m");
    }

    #[test]
    fn rejects_implausible_readings() {
        let g = gauge("tram-thuy-van-kim-long");
        for h in [f64::NAN, f64::INFINITY, -25.0, 60.0] {
            assert_eq!(assess(&g, h).unwrap_err().code, "water_level_out_of_range");
        }
        assert_eq!(alarm_level(&g, f64::NAN), FloodLevel::Normal);
        assert!(AlarmLevels::new(1.0, 1.0, 2.0).is_err());
        assert!(AlarmLevels::new(1.0, f64::NAN, 2.0).is_err());
    }

    fn series(points: &[(i64, f64)]) -> Vec<WaterLevelReading> {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap();
        points
            .iter()
            .map(|&(minutes, level_m)| WaterLevelReading { at: t0 + chrono::TimeDelta::minutes(minutes), level_m })
            .collect()
    }

    #[test]
    fn trend_of_short_series() {
        let rising = series(&[(0, 2.10), (60, 2.25), (120, 2.42), (180, 2.60)]);
        let r = trend(&rising).unwrap();
        assert_eq!(r.trend, Trend::Rising);
        assert!((r.rate_m_per_h - 0.167).abs() < 0.001, "{}", r.rate_m_per_h);

        // Out of order, falling.
        let falling = series(&[(120, 3.0), (0, 3.4), (60, 3.2)]);
        assert_eq!(trend(&falling).map(|r| r.trend), Some(Trend::Falling));

        // One noisy reading in a flat series stays steady.
        let flat = series(&[(0, 1.20), (15, 1.21), (30, 1.19), (45, 1.25), (60, 1.20), (75, 1.20)]);
        assert_eq!(trend(&flat).map(|r| r.trend), Some(Trend::Steady));

        assert_eq!(trend(&series(&[(0, 1.0)])), None);
        assert_eq!(trend(&series(&[(0, 1.0), (0, 2.0)])), None);
        assert_eq!(trend(&series(&[(0, 1.0), (60, f64::NAN)])), None);
        assert_eq!(trend_with_threshold(&series(&[(0, 1.0), (60, 1.01)]), 0.005).map(|r| r.trend), Some(Trend::Rising));
    }

    #[test]
    fn labels_and_codes() {
        for l in FloodLevel::ALL {
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
            assert!(!l.label_vi().is_empty() && !l.label_en().is_empty());
        }
        for t in [Trend::Rising, Trend::Falling, Trend::Steady] {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert!(!t.label_vi().is_empty() && !t.label_en().is_empty());
        }
        assert_eq!(FloodLevel::Bd2.label_vi(), "Báo động 2");
    }

    proptest! {
        #[test]
        fn level_grows_with_the_water(a in -20.0f64..50.0, b in -20.0f64..50.0) {
            for g in hue_gauges() {
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                prop_assert!(alarm_level(&g, lo) <= alarm_level(&g, hi));
            }
        }

        #[test]
        fn margins_point_at_the_right_levels(h in -20.0f64..50.0) {
            for g in hue_gauges() {
                let a = assess(&g, h).unwrap();
                if let Some(m) = a.above {
                    prop_assert!(h >= m.threshold_m && m.level <= a.level);
                }
                if let Some(m) = a.below {
                    prop_assert!(h < m.threshold_m && m.level > a.level);
                }
                prop_assert_eq!(a.above.is_none(), a.level == FloodLevel::Normal);
            }
        }

        #[test]
        fn a_linear_series_has_the_sign_of_its_slope(slope in -1.0f64..1.0, start in 0.0f64..5.0, n in 2usize..10) {
            let points: Vec<(i64, f64)> = (0..n).map(|i| (i as i64 * 30, start + slope * i as f64 / 2.0)).collect();
            let r = trend(&series(&points)).unwrap();
            prop_assert!((r.rate_m_per_h - slope).abs() < 1e-6);
            let expected = if slope >= STEADY_RATE_M_PER_H { Trend::Rising } else if slope <= -STEADY_RATE_M_PER_H { Trend::Falling } else { Trend::Steady };
            // Rounding may move a slope that sits exactly on the threshold.
            prop_assume!((slope.abs() - STEADY_RATE_M_PER_H).abs() > 1e-9);
            prop_assert_eq!(r.trend, expected);
        }
    }
}
