//! Chỉ số chất lượng không khí Việt Nam (VN_AQI): sub-indices, hourly and daily AQI, NowCast for dust and the six
//! bands, as set by QĐ 1459/QĐ-TCMT (12/11/2019), which replaced QĐ 878/QĐ-TCMT (2011). See `domain-vn.md` §7.1.
//!
//! - [`sub_index`] is the linear interpolation of the decision's formula between the breakpoints of Table 2;
//! - [`nowcast`] weights the last 12 hourly dust values (PM2.5, PM10) for the hourly index;
//! - [`hourly_aqi`] and [`daily_aqi`] take the max of the sub-indices, each rounded half-up to an integer.
//!
//! Rounding: the decision's worked example prints AQIʰ = 60 for NO₂ 118.7 µg/m³, but the formula gives 59.35. No
//! single rounding rule reproduces every printed value (`domain-vn.md` §7.1, §11 item 8), so this module rounds
//! half-up (`f64::round`) and gets 59 there; the tests record the deviation.
//!
//! All concentrations are µg/m³, CO included (10 000 µg/m³ = 10 mg/m³). Nothing here does IO.

use serde::{Deserialize, Serialize};

use crate::validation::ValidationError;

/// Thông số: one of the six parameters VN_AQI is computed from (QĐ 1459/QĐ-TCMT, §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pollutant {
    /// Bụi PM2.5 (particles ≤ 2.5 µm).
    Pm25,
    /// Bụi PM10 (particles ≤ 10 µm).
    Pm10,
    /// Ôzôn.
    O3,
    /// Cacbon monoxit.
    Co,
    /// Lưu huỳnh đioxit.
    So2,
    /// Nitơ đioxit.
    No2,
}

impl Pollutant {
    /// Every pollutant, in the order reports list them (dust first; ties for the dominant one go to the first).
    pub const ALL: [Pollutant; 6] =
        [Pollutant::Pm25, Pollutant::Pm10, Pollutant::O3, Pollutant::Co, Pollutant::So2, Pollutant::No2];

    /// Stable snake_case code for storage and APIs (`pm25`, `pm10`, `o3`, `co`, `so2`, `no2`); the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Pollutant::Pm25 => "pm25",
            Pollutant::Pm10 => "pm10",
            Pollutant::O3 => "o3",
            Pollutant::Co => "co",
            Pollutant::So2 => "so2",
            Pollutant::No2 => "no2",
        }
    }

    /// Chemical label for screens, the same in both languages: "PM2.5", "O₃"…
    pub fn label(self) -> &'static str {
        match self {
            Pollutant::Pm25 => "PM2.5",
            Pollutant::Pm10 => "PM10",
            Pollutant::O3 => "O₃",
            Pollutant::Co => "CO",
            Pollutant::So2 => "SO₂",
            Pollutant::No2 => "NO₂",
        }
    }
}

/// One column of Table 2 of QĐ 1459/QĐ-TCMT: the breakpoints of one pollutant for one averaging period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AqiTable {
    /// O₃, 1-hour mean.
    O3OneHour,
    /// O₃, 8-hour mean (only up to 400 µg/m³; above that the 1-hour value is used).
    O3EightHour,
    /// CO, 1-hour mean.
    Co,
    /// SO₂, 1-hour mean.
    So2,
    /// NO₂, 1-hour mean.
    No2,
    /// PM10, NowCast (hourly) or 24-hour mean (daily).
    Pm10,
    /// PM2.5, NowCast (hourly) or 24-hour mean (daily).
    Pm25,
}

/// The index values Iᵢ of Table 2 (0, 50, 100, 150, 200, 300, 400, 500), one per breakpoint row.
pub const INDEX_LEVELS: [f64; 8] = [0.0, 50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0];

/// Highest value of the scale: a concentration at or above the last breakpoint (the "≥" row of Table 2) gets it.
pub const AQI_MAX: u16 = 500;

impl AqiTable {
    /// The breakpoints BPᵢ in µg/m³, paired with [`INDEX_LEVELS`] (QĐ 1459/QĐ-TCMT, Table 2). The O₃ 8-hour column
    /// stops at 400 µg/m³ = 300; the last entry of every other column is a "≥" row worth 500.
    pub fn breakpoints(self) -> &'static [f64] {
        match self {
            AqiTable::O3OneHour => &[0.0, 160.0, 200.0, 300.0, 400.0, 800.0, 1000.0, 1200.0],
            AqiTable::O3EightHour => &[0.0, 100.0, 120.0, 170.0, 210.0, 400.0],
            AqiTable::Co => &[0.0, 10_000.0, 30_000.0, 45_000.0, 60_000.0, 90_000.0, 120_000.0, 150_000.0],
            AqiTable::So2 => &[0.0, 125.0, 350.0, 550.0, 800.0, 1600.0, 2100.0, 2630.0],
            AqiTable::No2 => &[0.0, 100.0, 200.0, 700.0, 1200.0, 2350.0, 3100.0, 3850.0],
            AqiTable::Pm10 => &[0.0, 50.0, 150.0, 250.0, 350.0, 420.0, 500.0, 600.0],
            AqiTable::Pm25 => &[0.0, 25.0, 50.0, 80.0, 150.0, 250.0, 350.0, 500.0],
        }
    }

    /// The pollutant the column belongs to.
    pub fn pollutant(self) -> Pollutant {
        match self {
            AqiTable::O3OneHour | AqiTable::O3EightHour => Pollutant::O3,
            AqiTable::Co => Pollutant::Co,
            AqiTable::So2 => Pollutant::So2,
            AqiTable::No2 => Pollutant::No2,
            AqiTable::Pm10 => Pollutant::Pm10,
            AqiTable::Pm25 => Pollutant::Pm25,
        }
    }
}

/// AQIx, unrounded: `(Iᵢ₊₁ − Iᵢ)/(BPᵢ₊₁ − BPᵢ) × (Cx − BPᵢ) + Iᵢ` with BPᵢ ≤ Cx < BPᵢ₊₁ (QĐ 1459/QĐ-TCMT, §2.2).
///
/// A concentration at or above the last breakpoint of a column with a "≥" row gives [`AQI_MAX`]. Returns `None`
/// for a negative or non-finite concentration, and for an O₃ 8-hour mean above 400 µg/m³, which the decision does
/// not index (the 1-hour value is used instead).
pub fn sub_index(table: AqiTable, concentration: f64) -> Option<f64> {
    if !concentration.is_finite() || concentration < 0.0 {
        return None;
    }
    let bp = table.breakpoints();
    for (i, pair) in bp.windows(2).enumerate() {
        let (lo, hi) = (pair[0], pair[1]);
        if concentration < hi {
            let (i_lo, i_hi) = (INDEX_LEVELS[i], INDEX_LEVELS[i + 1]);
            return Some((i_hi - i_lo) / (hi - lo) * (concentration - lo) + i_lo);
        }
    }
    match table {
        // The 8-hour column ends at an ordinary breakpoint (400 = 300), not at a "≥" row.
        AqiTable::O3EightHour => {
            if concentration <= bp[bp.len() - 1] {
                Some(INDEX_LEVELS[bp.len() - 1])
            } else {
                None
            }
        }
        _ => Some(f64::from(AQI_MAX)),
    }
}

/// Rounds an index half-up to the integer that is published, capped at [`AQI_MAX`] (see the module note on the
/// deviation from the decision's printed example). Negative or non-finite input gives 0.
pub fn round_index(raw: f64) -> u16 {
    if !raw.is_finite() || raw <= 0.0 {
        return 0;
    }
    let r = raw.round().min(f64::from(AQI_MAX));
    // In 0..=500 after the clamp, so the conversion is exact.
    r as u16
}

/// Number of hourly values NowCast looks at.
pub const NOWCAST_HOURS: usize = 12;

/// The result of [`nowcast`]: the weighted concentration and the weight factor used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NowCast {
    /// The NowCast concentration, µg/m³.
    pub concentration: f64,
    /// The weight factor w (½ ≤ w ≤ 1).
    pub weight: f64,
}

/// NowCast for PM2.5 and PM10 (QĐ 1459/QĐ-TCMT, §2.2.1.b): the weighted mean of the last 12 hourly values.
///
/// `newest_first[0]` is c₁, the current hour, `newest_first[11]` is c₁₂; only the first 12 entries are read.
/// A missing (`None`), negative or non-finite value counts as missing and gets weight 0. Then
/// w* = Cmin/Cmax over the values present, w = ½ when w* ≤ ½ and w = w* otherwise, and
/// NowCast = Σ wⁱ⁻¹·cᵢ / Σ wⁱ⁻¹ over the values present.
///
/// The decision's shortcut for w = ½, Σ (½)ⁱ·cᵢ, equals this only when all 12 values are present (up to a factor
/// of 1.9995/2); the normalised form stays right with gaps (`domain-vn.md` §7.1 \[I\]).
///
/// Returns `None` unless at least 2 of c₁, c₂, c₃ are present, as the decision requires.
pub fn nowcast(newest_first: &[Option<f64>]) -> Option<NowCast> {
    let valid = |c: &Option<f64>| c.filter(|v| v.is_finite() && *v >= 0.0);
    let values: Vec<Option<f64>> = newest_first.iter().take(NOWCAST_HOURS).map(valid).collect();
    if values.iter().take(3).flatten().count() < 2 {
        return None;
    }
    let present = values.iter().flatten().copied();
    let (min, max) = present.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if max <= 0.0 {
        // All values are 0: w* is 0/0; any weight gives 0.
        return Some(NowCast { concentration: 0.0, weight: 1.0 });
    }
    let ratio = min / max;
    let weight = if ratio <= 0.5 { 0.5 } else { ratio };
    let (mut num, mut den, mut w_pow) = (0.0, 0.0, 1.0);
    for c in &values {
        if let Some(c) = c {
            num += w_pow * c;
            den += w_pow;
        }
        w_pow *= weight;
    }
    Some(NowCast { concentration: num / den, weight })
}

/// The largest mean of 8 consecutive hourly values in `hourly_oldest_first` (QĐ 1459/QĐ-TCMT, §2.3: O₃ 8-hour
/// value for the daily AQI). Pass the day's 24 hours plus the 7 before them to get the day's 24 windows.
///
/// A window counts only when all its 8 values are present and valid; the decision sets no completeness rule, so
/// this is the strict choice \[I\]. `None` when no window is complete.
pub fn max_8h_mean(hourly_oldest_first: &[Option<f64>]) -> Option<f64> {
    hourly_oldest_first
        .windows(8)
        .filter_map(|w| {
            let vals: Vec<f64> = w.iter().flatten().copied().filter(|v| v.is_finite() && *v >= 0.0).collect();
            (vals.len() == 8).then(|| vals.iter().sum::<f64>() / 8.0)
        })
        .fold(None, |acc: Option<f64>, m| Some(acc.map_or(m, |a| a.max(m))))
}

/// Mức chất lượng không khí: the six bands of Table 1 of QĐ 1459/QĐ-TCMT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AqiCategory {
    /// Tốt, 0–50, green.
    Good,
    /// Trung bình, 51–100, yellow.
    Moderate,
    /// Kém, 101–150, orange.
    Poor,
    /// Xấu, 151–200, red.
    Bad,
    /// Rất xấu, 201–300, purple.
    VeryBad,
    /// Nguy hại, 301–500, maroon.
    Hazardous,
}

impl AqiCategory {
    /// Every band, cleanest first.
    pub const ALL: [AqiCategory; 6] = [
        AqiCategory::Good,
        AqiCategory::Moderate,
        AqiCategory::Poor,
        AqiCategory::Bad,
        AqiCategory::VeryBad,
        AqiCategory::Hazardous,
    ];

    /// The band of a published (integer) AQI; anything above 500 is still hazardous.
    pub fn from_index(aqi: u16) -> AqiCategory {
        match aqi {
            0..=50 => AqiCategory::Good,
            51..=100 => AqiCategory::Moderate,
            101..=150 => AqiCategory::Poor,
            151..=200 => AqiCategory::Bad,
            201..=300 => AqiCategory::VeryBad,
            _ => AqiCategory::Hazardous,
        }
    }

    /// The band's AQI range, both ends included (Table 1).
    pub fn range(self) -> (u16, u16) {
        match self {
            AqiCategory::Good => (0, 50),
            AqiCategory::Moderate => (51, 100),
            AqiCategory::Poor => (101, 150),
            AqiCategory::Bad => (151, 200),
            AqiCategory::VeryBad => (201, 300),
            AqiCategory::Hazardous => (301, 500),
        }
    }

    /// Stable snake_case code for storage and APIs; the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            AqiCategory::Good => "good",
            AqiCategory::Moderate => "moderate",
            AqiCategory::Poor => "poor",
            AqiCategory::Bad => "bad",
            AqiCategory::VeryBad => "very_bad",
            AqiCategory::Hazardous => "hazardous",
        }
    }

    /// Vietnamese name of the band, as published: "Tốt", "Trung bình"…
    pub fn label_vi(self) -> &'static str {
        match self {
            AqiCategory::Good => "Tốt",
            AqiCategory::Moderate => "Trung bình",
            AqiCategory::Poor => "Kém",
            AqiCategory::Bad => "Xấu",
            AqiCategory::VeryBad => "Rất xấu",
            AqiCategory::Hazardous => "Nguy hại",
        }
    }

    /// English name of the band.
    pub fn label_en(self) -> &'static str {
        match self {
            AqiCategory::Good => "Good",
            AqiCategory::Moderate => "Moderate",
            AqiCategory::Poor => "Poor",
            AqiCategory::Bad => "Bad",
            AqiCategory::VeryBad => "Very bad",
            AqiCategory::Hazardous => "Hazardous",
        }
    }

    /// The official colour as RGB (Table 1): green 0,228,0 … maroon 126,0,35.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            AqiCategory::Good => [0, 228, 0],
            AqiCategory::Moderate => [255, 255, 0],
            AqiCategory::Poor => [255, 126, 0],
            AqiCategory::Bad => [255, 0, 0],
            AqiCategory::VeryBad => [143, 63, 151],
            AqiCategory::Hazardous => [126, 0, 35],
        }
    }

    /// The official colour as a CSS hex string, e.g. `#00e400`.
    pub fn hex(self) -> String {
        let [r, g, b] = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Vietnamese name of the colour, as Table 1 gives it ("Xanh", "Vàng", "Da cam", "Đỏ", "Tím", "Nâu").
    pub fn colour_vi(self) -> &'static str {
        match self {
            AqiCategory::Good => "Xanh",
            AqiCategory::Moderate => "Vàng",
            AqiCategory::Poor => "Da cam",
            AqiCategory::Bad => "Đỏ",
            AqiCategory::VeryBad => "Tím",
            AqiCategory::Hazardous => "Nâu",
        }
    }

    /// English name of the colour.
    pub fn colour_en(self) -> &'static str {
        match self {
            AqiCategory::Good => "green",
            AqiCategory::Moderate => "yellow",
            AqiCategory::Poor => "orange",
            AqiCategory::Bad => "red",
            AqiCategory::VeryBad => "purple",
            AqiCategory::Hazardous => "maroon",
        }
    }

    /// Health effect of the band, in Vietnamese. Paraphrases Table 4 of the decision; the wording was not checked
    /// against the PDF \[U\] (`domain-vn.md` §7.1 asks for translatable text per band).
    pub fn health_effect_vi(self) -> &'static str {
        match self {
            AqiCategory::Good => "Không khí tốt, không ảnh hưởng tới sức khỏe.",
            AqiCategory::Moderate => {
                "Không khí ở mức chấp nhận được; người nhạy cảm (người già, trẻ em, người có bệnh hô hấp, tim mạch) \
                 có thể chịu một số tác động tới sức khỏe."
            }
            AqiCategory::Poor => "Người nhạy cảm gặp vấn đề về sức khỏe; người bình thường ít bị ảnh hưởng.",
            AqiCategory::Bad => {
                "Người bình thường bắt đầu bị ảnh hưởng tới sức khỏe; người nhạy cảm có thể gặp vấn đề nghiêm trọng hơn."
            }
            AqiCategory::VeryBad => "Cảnh báo sức khỏe: mọi người đều bị ảnh hưởng nghiêm trọng hơn.",
            AqiCategory::Hazardous => "Cảnh báo khẩn cấp: toàn bộ dân số bị ảnh hưởng nghiêm trọng tới sức khỏe.",
        }
    }

    /// Health effect of the band, in English (see [`Self::health_effect_vi`]).
    pub fn health_effect_en(self) -> &'static str {
        match self {
            AqiCategory::Good => "Air quality is good and does not affect health.",
            AqiCategory::Moderate => {
                "Air quality is acceptable; sensitive people (the elderly, children, people with respiratory or heart \
                 disease) may feel some effects."
            }
            AqiCategory::Poor => "Sensitive people have health problems; healthy people are rarely affected.",
            AqiCategory::Bad => {
                "Healthy people begin to feel effects; sensitive people may have more serious problems."
            }
            AqiCategory::VeryBad => "Health alert: everyone may have more serious health effects.",
            AqiCategory::Hazardous => "Health emergency: the whole population is seriously affected.",
        }
    }

    /// Recommended activities for the general public, in Vietnamese. Paraphrases Table 5 of the decision \[U\].
    pub fn advice_general_vi(self) -> &'static str {
        match self {
            AqiCategory::Good | AqiCategory::Moderate => "Tự do hoạt động ngoài trời.",
            AqiCategory::Poor => "Nếu thấy đau mắt, ho hoặc đau họng, nên cân nhắc giảm hoạt động ngoài trời.",
            AqiCategory::Bad => {
                "Giảm hoạt động mạnh ngoài trời, tránh tập luyện kéo dài và nghỉ ngơi nhiều hơn trong nhà."
            }
            AqiCategory::VeryBad => {
                "Hạn chế tối đa hoạt động ngoài trời, chuyển hoạt động vào trong nhà; nếu phải ra ngoài, đeo khẩu \
                 trang đạt chuẩn."
            }
            AqiCategory::Hazardous => {
                "Ở trong nhà, đóng cửa ra vào và cửa sổ; nếu phải ra ngoài, đeo khẩu trang đạt chuẩn."
            }
        }
    }

    /// Recommended activities for the general public, in English (see [`Self::advice_general_vi`]).
    pub fn advice_general_en(self) -> &'static str {
        match self {
            AqiCategory::Good | AqiCategory::Moderate => "Outdoor activities as usual.",
            AqiCategory::Poor => "If your eyes hurt or you cough or have a sore throat, consider less time outdoors.",
            AqiCategory::Bad => "Cut down strenuous outdoor activity, avoid long exercise and rest more indoors.",
            AqiCategory::VeryBad => {
                "Keep outdoor activity to a minimum and move activities indoors; wear a certified mask if you must go \
                 out."
            }
            AqiCategory::Hazardous => {
                "Stay indoors with doors and windows shut; wear a certified mask if you must go out."
            }
        }
    }

    /// Recommended activities for sensitive groups, in Vietnamese. Paraphrases Table 5 of the decision \[U\].
    pub fn advice_sensitive_vi(self) -> &'static str {
        match self {
            AqiCategory::Good => "Tự do hoạt động ngoài trời.",
            AqiCategory::Moderate => "Theo dõi các triệu chứng như ho hoặc khó thở; vẫn có thể hoạt động ngoài trời.",
            AqiCategory::Poor => {
                "Giảm hoạt động mạnh và thời gian ở ngoài trời; người bị hen có thể cần dùng thuốc thường xuyên hơn."
            }
            AqiCategory::Bad => "Ở trong nhà và giảm hoạt động mạnh; nếu phải ra ngoài, đeo khẩu trang đạt chuẩn.",
            AqiCategory::VeryBad => "Tránh mọi hoạt động ngoài trời.",
            AqiCategory::Hazardous => {
                "Ở trong nhà, đóng cửa ra vào và cửa sổ; nếu phải ra ngoài, đeo khẩu trang đạt chuẩn."
            }
        }
    }

    /// Recommended activities for sensitive groups, in English (see [`Self::advice_sensitive_vi`]).
    pub fn advice_sensitive_en(self) -> &'static str {
        match self {
            AqiCategory::Good => "Outdoor activities as usual.",
            AqiCategory::Moderate => {
                "Watch for symptoms such as coughing or shortness of breath; outdoor activity is fine."
            }
            AqiCategory::Poor => {
                "Reduce strenuous activity and time outdoors; people with asthma may need their medicine more often."
            }
            AqiCategory::Bad => "Stay indoors and reduce strenuous activity; wear a certified mask if you must go out.",
            AqiCategory::VeryBad => "Avoid all outdoor activity.",
            AqiCategory::Hazardous => {
                "Stay indoors with doors and windows shut; wear a certified mask if you must go out."
            }
        }
    }
}

/// Concentrations for the hourly AQI (AQIʰ), µg/m³; `None` when the station did not measure the pollutant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct HourlyConcentrations {
    /// PM2.5 NowCast (see [`nowcast`]).
    pub pm25_nowcast: Option<f64>,
    /// PM10 NowCast (see [`nowcast`]).
    pub pm10_nowcast: Option<f64>,
    /// O₃ 1-hour mean.
    pub o3_1h: Option<f64>,
    /// CO 1-hour mean.
    pub co_1h: Option<f64>,
    /// SO₂ 1-hour mean.
    pub so2_1h: Option<f64>,
    /// NO₂ 1-hour mean.
    pub no2_1h: Option<f64>,
}

/// Concentrations for the daily AQI (AQIᵈ), µg/m³, for a day from 01:00 to 00:00 of the next day
/// (QĐ 1459/QĐ-TCMT, §2.3); `None` when not measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DailyConcentrations {
    /// PM2.5 24-hour mean.
    pub pm25_24h: Option<f64>,
    /// PM10 24-hour mean.
    pub pm10_24h: Option<f64>,
    /// Largest O₃ 1-hour mean of the day.
    pub o3_1h_max: Option<f64>,
    /// Largest O₃ 8-hour mean of the day (see [`max_8h_mean`]).
    pub o3_8h_max: Option<f64>,
    /// Largest CO 1-hour mean of the day.
    pub co_1h_max: Option<f64>,
    /// Largest SO₂ 1-hour mean of the day.
    pub so2_1h_max: Option<f64>,
    /// Largest NO₂ 1-hour mean of the day.
    pub no2_1h_max: Option<f64>,
}

/// One pollutant's part of an AQI: the sub-index as published and the concentration it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubIndex {
    /// Which pollutant.
    pub pollutant: Pollutant,
    /// The concentration used, µg/m³ (for daily O₃, the one that gave the larger index).
    pub concentration: f64,
    /// The table it was read from.
    pub table: AqiTable,
    /// The sub-index before rounding.
    pub raw: f64,
    /// The sub-index as published, rounded half-up.
    pub value: u16,
}

/// An hourly or daily VN_AQI with everything Table 3 asks to publish: the index, its band, every sub-index and the
/// dominant pollutant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AqiReport {
    /// The AQI: the largest rounded sub-index.
    pub aqi: u16,
    /// The band of `aqi`.
    pub category: AqiCategory,
    /// The pollutant with the largest sub-index (on a tie, the first in [`Pollutant::ALL`] order).
    pub dominant: Pollutant,
    /// The sub-index of every pollutant measured, in [`Pollutant::ALL`] order.
    pub sub_indices: Vec<SubIndex>,
}

/// AQIʰ, the hourly AQI (QĐ 1459/QĐ-TCMT, §2.2): dust by NowCast, the gases by their 1-hour mean, O₃ on its 1-hour
/// column. Fails when neither PM2.5 nor PM10 is given (the decision requires one) or a concentration is negative
/// or not a number.
pub fn hourly_aqi(c: &HourlyConcentrations) -> Result<AqiReport, ValidationError> {
    let mut subs = Vec::with_capacity(6);
    push_sub(&mut subs, "pm25_nowcast", AqiTable::Pm25, c.pm25_nowcast)?;
    push_sub(&mut subs, "pm10_nowcast", AqiTable::Pm10, c.pm10_nowcast)?;
    push_sub(&mut subs, "o3_1h", AqiTable::O3OneHour, c.o3_1h)?;
    push_sub(&mut subs, "co_1h", AqiTable::Co, c.co_1h)?;
    push_sub(&mut subs, "so2_1h", AqiTable::So2, c.so2_1h)?;
    push_sub(&mut subs, "no2_1h", AqiTable::No2, c.no2_1h)?;
    report(subs)
}

/// AQIᵈ, the daily AQI (QĐ 1459/QĐ-TCMT, §2.3): dust by its 24-hour mean, SO₂/NO₂/CO by the day's largest 1-hour
/// value, O₃ by the larger of the indices of its largest 1-hour and largest 8-hour mean (the 8-hour one skipped
/// above 400 µg/m³). Fails as [`hourly_aqi`] does.
pub fn daily_aqi(c: &DailyConcentrations) -> Result<AqiReport, ValidationError> {
    let mut subs = Vec::with_capacity(6);
    push_sub(&mut subs, "pm25_24h", AqiTable::Pm25, c.pm25_24h)?;
    push_sub(&mut subs, "pm10_24h", AqiTable::Pm10, c.pm10_24h)?;
    let mut o3 = Vec::with_capacity(2);
    push_sub(&mut o3, "o3_1h_max", AqiTable::O3OneHour, c.o3_1h_max)?;
    push_sub(&mut o3, "o3_8h_max", AqiTable::O3EightHour, c.o3_8h_max)?;
    // The larger of the two O₃ indices; on a tie the 1-hour one (listed first).
    if let Some(best) = o3.into_iter().reduce(|a, b| if b.raw > a.raw { b } else { a }) {
        subs.push(best);
    }
    push_sub(&mut subs, "co_1h_max", AqiTable::Co, c.co_1h_max)?;
    push_sub(&mut subs, "so2_1h_max", AqiTable::So2, c.so2_1h_max)?;
    push_sub(&mut subs, "no2_1h_max", AqiTable::No2, c.no2_1h_max)?;
    report(subs)
}

/// Adds the sub-index of `value` (when given) to `subs`. An O₃ 8-hour mean above 400 µg/m³ is skipped, not an error.
fn push_sub(
    subs: &mut Vec<SubIndex>,
    field: &'static str,
    table: AqiTable,
    value: Option<f64>,
) -> Result<(), ValidationError> {
    let Some(c) = value else { return Ok(()) };
    if !c.is_finite() || c < 0.0 {
        return Err(ValidationError::new(
            field,
            "aqi_concentration_invalid",
            format!("Nồng độ {field} phải là một số không âm (µg/m³), không phải {c}."),
            format!("The {field} concentration must be a non-negative number (µg/m³), not {c}."),
        ));
    }
    if let Some(raw) = sub_index(table, c) {
        subs.push(SubIndex { pollutant: table.pollutant(), concentration: c, table, raw, value: round_index(raw) });
    }
    Ok(())
}

fn report(subs: Vec<SubIndex>) -> Result<AqiReport, ValidationError> {
    if !subs.iter().any(|s| matches!(s.pollutant, Pollutant::Pm25 | Pollutant::Pm10)) {
        return Err(ValidationError::new(
            "pm",
            "aqi_pm_missing",
            "Cần ít nhất một trong hai thông số PM2.5 hoặc PM10 để tính VN_AQI (QĐ 1459/QĐ-TCMT).",
            "VN_AQI needs at least one of PM2.5 or PM10 (QĐ 1459/QĐ-TCMT).",
        ));
    }
    // `subs` is non-empty here and in Pollutant::ALL order, so the first maximum is the tie winner.
    let mut best = subs[0];
    for s in &subs[1..] {
        if s.value > best.value {
            best = *s;
        }
    }
    Ok(AqiReport {
        aqi: best.value,
        category: AqiCategory::from_index(best.value),
        dominant: best.pollutant,
        sub_indices: subs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALL_TABLES: [AqiTable; 7] = [
        AqiTable::O3OneHour,
        AqiTable::O3EightHour,
        AqiTable::Co,
        AqiTable::So2,
        AqiTable::No2,
        AqiTable::Pm10,
        AqiTable::Pm25,
    ];

    fn sub(table: AqiTable, c: f64) -> u16 {
        round_index(sub_index(table, c).unwrap_or_else(|| panic!("{table:?} {c}: no index")))
    }

    /// The decision's worked example, PM2.5 from 09:00 to 20:00 (oldest first in the decision's table).
    const WORKED_PM25_OLDEST_FIRST: [f64; 12] =
        [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6];

    fn worked_newest_first() -> Vec<Option<f64>> {
        WORKED_PM25_OLDEST_FIRST.iter().rev().map(|c| Some(*c)).collect()
    }

    #[test]
    fn nowcast_of_the_worked_example() {
        let n = nowcast(&worked_newest_first()).unwrap();
        assert!((n.weight - 16.5 / 26.9).abs() < 1e-12, "w = {}", n.weight);
        assert!((n.weight - 0.61).abs() < 0.005);
        // 20.27 with the unrounded w = 0.6134, printed as 20.3.
        assert!((n.concentration - 20.27).abs() < 0.005, "NowCast = {}", n.concentration);
        assert_eq!(sub(AqiTable::Pm25, n.concentration), 41);
    }

    /// Sub-indices of the worked example, rounded half-up (`domain-vn.md` §7.1).
    #[test]
    fn sub_indices_of_the_worked_example() {
        let table: [(AqiTable, f64, u16); 8] = [
            (AqiTable::O3OneHour, 136.1, 43),
            // The decision prints 60; the formula gives 59.35 (see the module note).
            (AqiTable::No2, 118.7, 59),
            (AqiTable::Pm25, 20.3, 41),
            (AqiTable::O3EightHour, 89.3, 45),
            (AqiTable::O3OneHour, 114.6, 36),
            (AqiTable::No2, 130.8, 65),
            (AqiTable::Pm25, 55.7, 110),
            (AqiTable::Pm25, 20.27, 41),
        ];
        for (t, c, expected) in table {
            assert_eq!(sub(t, c), expected, "{t:?} {c}");
        }
        let no2 = sub_index(AqiTable::No2, 118.7).unwrap();
        assert!((no2 - 59.35).abs() < 1e-9);
    }

    #[test]
    fn hourly_aqi_of_the_worked_example_is_59_not_the_printed_60() {
        let r = hourly_aqi(&HourlyConcentrations {
            pm25_nowcast: Some(20.3),
            o3_1h: Some(136.1),
            no2_1h: Some(118.7),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.aqi, 59);
        assert_eq!(r.dominant, Pollutant::No2);
        assert_eq!(r.category, AqiCategory::Moderate);
        let values: Vec<(Pollutant, u16)> = r.sub_indices.iter().map(|s| (s.pollutant, s.value)).collect();
        assert_eq!(values, [(Pollutant::Pm25, 41), (Pollutant::O3, 43), (Pollutant::No2, 59)]);
    }

    #[test]
    fn daily_aqi_of_the_worked_example_is_110() {
        let r = daily_aqi(&DailyConcentrations {
            pm25_24h: Some(55.7),
            o3_1h_max: Some(114.6),
            o3_8h_max: Some(89.3),
            no2_1h_max: Some(130.8),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.aqi, 110);
        assert_eq!(r.dominant, Pollutant::Pm25);
        assert_eq!(r.category, AqiCategory::Poor);
        // O₃ takes the larger of 36 (1 h) and 45 (8 h).
        let o3 = r.sub_indices.iter().find(|s| s.pollutant == Pollutant::O3).unwrap();
        assert_eq!((o3.value, o3.table), (45, AqiTable::O3EightHour));
        assert_eq!(r.sub_indices.len(), 3);
    }

    #[test]
    fn o3_8h_above_400_is_left_to_the_1h_value() {
        assert_eq!(sub_index(AqiTable::O3EightHour, 400.0), Some(300.0));
        assert_eq!(sub_index(AqiTable::O3EightHour, 400.1), None);
        let r = daily_aqi(&DailyConcentrations {
            pm10_24h: Some(10.0),
            o3_1h_max: Some(500.0),
            o3_8h_max: Some(450.0),
            ..Default::default()
        })
        .unwrap();
        let o3 = r.sub_indices.iter().find(|s| s.pollutant == Pollutant::O3).unwrap();
        assert_eq!((o3.table, o3.value), (AqiTable::O3OneHour, 225));
        assert_eq!(r.aqi, 225);
        assert_eq!(r.category, AqiCategory::VeryBad);
    }

    /// Each breakpoint of Table 2 maps to its index level, and the levels 300/400/500 are separate
    /// (the pitfall of collapsing them into one 301–500 band).
    #[test]
    fn every_breakpoint_maps_to_its_index_level() {
        for t in ALL_TABLES {
            for (bp, level) in t.breakpoints().iter().zip(INDEX_LEVELS) {
                assert_eq!(sub_index(t, *bp), Some(level), "{t:?} at {bp}");
            }
        }
        assert_eq!(sub(AqiTable::Pm25, 300.0), 350);
        assert_eq!(sub(AqiTable::Pm25, 425.0), 450);
        assert_eq!(sub(AqiTable::Pm25, 9999.0), 500);
        assert_eq!(sub(AqiTable::Co, 150_000.0), 500);
        assert_eq!(sub(AqiTable::Pm10, 460.0), 350);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(sub_index(AqiTable::Pm25, -1.0), None);
        assert_eq!(sub_index(AqiTable::Pm25, f64::NAN), None);
        let e = hourly_aqi(&HourlyConcentrations { o3_1h: Some(10.0), ..Default::default() }).unwrap_err();
        assert_eq!(e.code, "aqi_pm_missing");
        let e = hourly_aqi(&HourlyConcentrations { pm25_nowcast: Some(-3.0), ..Default::default() }).unwrap_err();
        assert_eq!((e.field, e.code), ("pm25_nowcast", "aqi_concentration_invalid"));
        let e = daily_aqi(&DailyConcentrations { pm10_24h: Some(f64::INFINITY), ..Default::default() }).unwrap_err();
        assert_eq!(e.field, "pm10_24h");
    }

    #[test]
    fn nowcast_needs_two_of_the_last_three_hours() {
        let mut v = worked_newest_first();
        v[0] = None;
        assert!(nowcast(&v).is_some());
        v[2] = None;
        assert!(nowcast(&v).is_none());
        assert!(nowcast(&[]).is_none());
        assert!(nowcast(&[Some(10.0)]).is_none());
        assert_eq!(nowcast(&[Some(10.0), Some(10.0)]).map(|n| n.concentration), Some(10.0));
    }

    #[test]
    fn nowcast_weight_is_at_least_one_half() {
        // min/max = 0.1 → w = ½; the general normalised formula.
        let v = [Some(100.0), Some(10.0), Some(10.0)];
        let n = nowcast(&v).unwrap();
        assert_eq!(n.weight, 0.5);
        assert!((n.concentration - (100.0 + 5.0 + 2.5) / 1.75).abs() < 1e-9);
        // A missing hour gets weight 0 but still advances the power of w.
        let n = nowcast(&[Some(20.0), None, Some(10.0)]).unwrap();
        assert!((n.concentration - (20.0 + 0.5 * 0.5 * 10.0) / 1.25).abs() < 1e-9);
        // Negative readings count as missing; all-zero gives 0.
        assert_eq!(nowcast(&[Some(0.0), Some(0.0), Some(-5.0)]).map(|n| n.concentration), Some(0.0));
        // Only 12 hours are read.
        let mut long = vec![Some(10.0); 12];
        long.push(Some(1000.0));
        assert_eq!(nowcast(&long).map(|n| n.concentration), Some(10.0));
    }

    #[test]
    fn eight_hour_max_needs_complete_windows() {
        let mut v: Vec<Option<f64>> = (1..=10).map(|i| Some(f64::from(i))).collect();
        assert_eq!(max_8h_mean(&v), Some(6.5)); // 3..=10
        v[9] = None;
        assert_eq!(max_8h_mean(&v), Some(5.5)); // 2..=9
        assert_eq!(max_8h_mean(&v[..7]), None);
    }

    #[test]
    fn bands_colours_and_labels() {
        let table = [
            (0, AqiCategory::Good, "Tốt", "#00e400"),
            (50, AqiCategory::Good, "Tốt", "#00e400"),
            (51, AqiCategory::Moderate, "Trung bình", "#ffff00"),
            (100, AqiCategory::Moderate, "Trung bình", "#ffff00"),
            (101, AqiCategory::Poor, "Kém", "#ff7e00"),
            (150, AqiCategory::Poor, "Kém", "#ff7e00"),
            (151, AqiCategory::Bad, "Xấu", "#ff0000"),
            (200, AqiCategory::Bad, "Xấu", "#ff0000"),
            (201, AqiCategory::VeryBad, "Rất xấu", "#8f3f97"),
            (300, AqiCategory::VeryBad, "Rất xấu", "#8f3f97"),
            (301, AqiCategory::Hazardous, "Nguy hại", "#7e0023"),
            (500, AqiCategory::Hazardous, "Nguy hại", "#7e0023"),
        ];
        for (aqi, cat, vi, hex) in table {
            let c = AqiCategory::from_index(aqi);
            assert_eq!(c, cat, "{aqi}");
            assert_eq!((c.label_vi(), c.hex().as_str()), (vi, hex));
        }
        for c in AqiCategory::ALL {
            for text in [
                c.label_en(),
                c.colour_vi(),
                c.colour_en(),
                c.health_effect_vi(),
                c.health_effect_en(),
                c.advice_general_vi(),
                c.advice_general_en(),
                c.advice_sensitive_vi(),
                c.advice_sensitive_en(),
            ] {
                assert!(!text.is_empty());
            }
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json, serde_json::Value::String(c.as_str().to_owned()));
        }
    }

    #[test]
    fn serialises_snake_case() {
        assert_eq!(serde_json::to_value(Pollutant::Pm25).unwrap(), "pm25");
        assert_eq!(serde_json::to_value(AqiTable::O3EightHour).unwrap(), "o3_eight_hour");
        for p in Pollutant::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
    }

    fn table() -> impl Strategy<Value = AqiTable> {
        proptest::sample::select(ALL_TABLES.to_vec())
    }

    proptest! {
        #[test]
        fn sub_index_is_monotonic(t in table(), a in 0.0f64..200_000.0, b in 0.0f64..200_000.0) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            if let (Some(x), Some(y)) = (sub_index(t, lo), sub_index(t, hi)) {
                prop_assert!(x <= y, "{t:?}: I({lo}) = {x} > I({hi}) = {y}");
                prop_assert!(round_index(x) <= round_index(y));
            }
            prop_assert!((0.0..=500.0).contains(&sub_index(t, lo).unwrap_or(0.0)));
        }

        #[test]
        fn sub_index_is_continuous_at_breakpoints(t in table(), i in 1usize..7) {
            let bp = t.breakpoints();
            prop_assume!(i < bp.len());
            let eps = 1e-6;
            let below = sub_index(t, bp[i] - eps).unwrap_or(f64::NAN);
            prop_assert!((below - INDEX_LEVELS[i]).abs() < 1e-2, "{t:?} just below {}: {below}", bp[i]);
        }

        #[test]
        fn category_follows_the_band_table(aqi in 0u16..=600) {
            let c = AqiCategory::from_index(aqi);
            let (lo, hi) = c.range();
            prop_assert!(aqi >= lo && (aqi <= hi || c == AqiCategory::Hazardous));
            if aqi > 0 {
                prop_assert!(AqiCategory::from_index(aqi - 1) <= c);
            }
        }

        #[test]
        fn nowcast_lies_between_min_and_max(values in proptest::collection::vec(proptest::option::of(0.0f64..1000.0), 0..15)) {
            if let Some(n) = nowcast(&values) {
                let present: Vec<f64> = values.iter().take(12).flatten().copied().collect();
                let min = present.iter().copied().fold(f64::INFINITY, f64::min);
                let max = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                prop_assert!(n.concentration >= min - 1e-9 && n.concentration <= max + 1e-9);
                prop_assert!((0.5..=1.0).contains(&n.weight));
            }
        }

        #[test]
        fn the_aqi_is_the_largest_sub_index(pm in 0.0f64..700.0, no2 in proptest::option::of(0.0f64..4000.0), co in proptest::option::of(0.0f64..160_000.0)) {
            let r = hourly_aqi(&HourlyConcentrations { pm25_nowcast: Some(pm), no2_1h: no2, co_1h: co, ..Default::default() }).unwrap();
            let max = r.sub_indices.iter().map(|s| s.value).max().unwrap_or(0);
            prop_assert_eq!(r.aqi, max);
            prop_assert_eq!(r.category, AqiCategory::from_index(r.aqi));
            prop_assert!(r.sub_indices.iter().any(|s| s.pollutant == r.dominant && s.value == r.aqi));
        }
    }
}
