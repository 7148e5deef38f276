//! Common Alerting Protocol 1.2 (OASIS CAP 1.2, `urn:oasis:names:tc:emergency:cap:1.2`): the XML form of the
//! portal's warnings (cảnh báo), for the public CAP feed that aggregators and apps read.
//!
//! One `alert` carries one `info` block per language (vi-VN first, en-US), as CAP 1.2 §3.2.2 allows.
//! Timestamps follow CAP 1.2 §3.3.2: `2026-11-27T10:00:00+07:00`, and UTC written `-00:00`, never `Z`.

use chrono::{DateTime, FixedOffset, Offset, Utc};
use smartcity_domain::ValidationError;
use smartcity_domain::portal::{Severity, Warning, WarningKind};

use crate::feeds::XmlOut;

/// The CAP 1.2 namespace.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// `msgType`: a new alert, an update of earlier ones, or their cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgType {
    /// First issue.
    Alert,
    /// Replaces the alerts in `references`.
    Update,
    /// Cancels the alerts in `references`.
    Cancel,
}

impl MsgType {
    fn as_str(self) -> &'static str {
        match self {
            MsgType::Alert => "Alert",
            MsgType::Update => "Update",
            MsgType::Cancel => "Cancel",
        }
    }
}

/// `category` (CAP 1.2 §3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Geophysical.
    Geo,
    /// Meteorological, including flood.
    Met,
    /// General emergency and public safety.
    Safety,
    /// Law enforcement, military, homeland and local/private security.
    Security,
    /// Rescue and recovery.
    Rescue,
    /// Fire suppression and rescue.
    Fire,
    /// Medical and public health.
    Health,
    /// Pollution and other environmental.
    Env,
    /// Public and private transportation.
    Transport,
    /// Utility, telecommunication, other non-transport infrastructure.
    Infra,
    /// Chemical, biological, radiological, nuclear or high-yield explosive threat or attack.
    Cbrne,
    /// Other events.
    Other,
}

impl Category {
    fn as_str(self) -> &'static str {
        match self {
            Category::Geo => "Geo",
            Category::Met => "Met",
            Category::Safety => "Safety",
            Category::Security => "Security",
            Category::Rescue => "Rescue",
            Category::Fire => "Fire",
            Category::Health => "Health",
            Category::Env => "Env",
            Category::Transport => "Transport",
            Category::Infra => "Infra",
            Category::Cbrne => "CBRNE",
            Category::Other => "Other",
        }
    }

    /// The category of a portal warning kind (flood, storm and heat are meteorological; scams are public safety).
    pub fn of_warning(kind: WarningKind) -> Category {
        match kind {
            WarningKind::Flood | WarningKind::Storm | WarningKind::Heat => Category::Met,
            WarningKind::AirQuality => Category::Env,
            WarningKind::Traffic => Category::Transport,
            WarningKind::Scam => Category::Safety,
        }
    }
}

/// `urgency` (CAP 1.2 §3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Act now.
    Immediate,
    /// Act within the next hour.
    Expected,
    /// Act in the near future.
    Future,
    /// No longer required.
    Past,
    /// Not known.
    Unknown,
}

/// `certainty` (CAP 1.2 §3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    /// Determined to have occurred or to be ongoing.
    Observed,
    /// Likely (p > ~50%).
    Likely,
    /// Possible but not likely (p <= ~50%).
    Possible,
    /// Not expected to occur (p ~ 0).
    Unlikely,
    /// Not known.
    Unknown,
}

impl Urgency {
    fn as_str(self) -> &'static str {
        match self {
            Urgency::Immediate => "Immediate",
            Urgency::Expected => "Expected",
            Urgency::Future => "Future",
            Urgency::Past => "Past",
            Urgency::Unknown => "Unknown",
        }
    }
}

impl Certainty {
    fn as_str(self) -> &'static str {
        match self {
            Certainty::Observed => "Observed",
            Certainty::Likely => "Likely",
            Certainty::Possible => "Possible",
            Certainty::Unlikely => "Unlikely",
            Certainty::Unknown => "Unknown",
        }
    }
}

/// A closed ring of WGS 84 points, written `lat,lon lat,lon …` with the first point repeated last (CAP 1.2
/// §3.2.4: at least four pairs, first and last the same).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon(Vec<(f64, f64)>);

impl Polygon {
    /// Builds a ring from `(lat, lon)` points; an open ring is closed by repeating the first point. Needs at least
    /// three distinct corners and coordinates in range (error on field `polygon`).
    pub fn new(points: Vec<(f64, f64)>) -> Result<Self, ValidationError> {
        let mut points = points;
        let in_range = |&(lat, lon): &(f64, f64)| (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
        if !points.iter().all(in_range) {
            return Err(ValidationError::new(
                "polygon",
                "cap_polygon_out_of_range",
                "Tọa độ vùng cảnh báo nằm ngoài phạm vi (vĩ độ −90…90, kinh độ −180…180).",
                "A warning area coordinate is out of range (latitude −90…90, longitude −180…180).",
            ));
        }
        if let Some(&first) = points.first()
            && points.last() != Some(&first)
        {
            points.push(first);
        }
        if points.len() < 4 {
            return Err(ValidationError::new(
                "polygon",
                "cap_polygon_too_few_points",
                "Vùng cảnh báo cần ít nhất ba đỉnh.",
                "A warning area needs at least three corners.",
            ));
        }
        Ok(Polygon(points))
    }

    /// The ring as CAP writes it: `lat,lon` pairs separated by spaces.
    pub fn to_cap(&self) -> String {
        self.0.iter().map(|(lat, lon)| format!("{lat},{lon}")).collect::<Vec<_>>().join(" ")
    }
}

/// `area`: a description and the polygons that outline it.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// `areaDesc`, e.g. "Phường Thuận Hóa, Phường Phú Xuân".
    pub description: String,
    /// Outlines; none for a purely descriptive area.
    pub polygons: Vec<Polygon>,
    /// `geocode` pairs `(valueName, value)`, e.g. `("VN-ward", "19753")`.
    pub geocodes: Vec<(String, String)>,
}

/// `info`: the warning in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// `language` (RFC 3066), "vi-VN" or "en-US".
    pub language: String,
    /// `category`, at least one.
    pub categories: Vec<Category>,
    /// `event`, e.g. "Ngập lụt".
    pub event: String,
    /// `urgency`.
    pub urgency: Urgency,
    /// `severity`, the portal's scale.
    pub severity: Severity,
    /// `certainty`.
    pub certainty: Certainty,
    /// `effective`.
    pub effective: Option<DateTime<FixedOffset>>,
    /// `onset`.
    pub onset: Option<DateTime<FixedOffset>>,
    /// `expires`.
    pub expires: Option<DateTime<FixedOffset>>,
    /// `senderName`, e.g. "UBND thành phố Huế".
    pub sender_name: Option<String>,
    /// `headline`.
    pub headline: String,
    /// `description` (left out when empty).
    pub description: String,
    /// `instruction`: what to do.
    pub instruction: Option<String>,
    /// `web`: the warning's page.
    pub web: Option<String>,
    /// `area` blocks.
    pub areas: Vec<Area>,
}

/// `alert`: one CAP message, always `status` Actual and `scope` Public (the portal's feed is public).
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// `identifier`, unique for the sender, e.g. "hue.gov.vn.warning.2026.17".
    pub identifier: String,
    /// `sender`, e.g. "canhbao@hue.gov.vn".
    pub sender: String,
    /// `sent`.
    pub sent: DateTime<FixedOffset>,
    /// `msgType`.
    pub msg_type: MsgType,
    /// `references`: earlier alerts as `sender,identifier,sent` (required for Update and Cancel).
    pub references: Vec<String>,
    /// `info` blocks, one per language.
    pub infos: Vec<Info>,
}

/// CAP 1.2 §3.3.2 date-time: `YYYY-MM-DDThh:mm:ss±hh:mm`, with UTC as `-00:00`.
pub fn cap_datetime(t: DateTime<FixedOffset>) -> String {
    let s = t.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    match s.strip_suffix("+00:00") {
        Some(head) => format!("{head}-00:00"),
        None => s,
    }
}

/// The `references` entry that points at an earlier alert.
pub fn reference_to(alert: &Alert) -> String {
    format!("{},{},{}", alert.sender, alert.identifier, cap_datetime(alert.sent))
}

/// Writes `alert` as a CAP 1.2 XML document.
pub fn write_alert(alert: &Alert) -> String {
    let mut x = XmlOut::new();
    x.open("alert", &[("xmlns", CAP_NAMESPACE)]);
    x.text("identifier", &[], &alert.identifier);
    x.text("sender", &[], &alert.sender);
    x.text("sent", &[], &cap_datetime(alert.sent));
    x.text("status", &[], "Actual");
    x.text("msgType", &[], alert.msg_type.as_str());
    x.text("scope", &[], "Public");
    if !alert.references.is_empty() {
        x.text("references", &[], &alert.references.join(" "));
    }
    for info in &alert.infos {
        x.open("info", &[]);
        x.text("language", &[], &info.language);
        for category in &info.categories {
            x.text("category", &[], category.as_str());
        }
        x.text("event", &[], &info.event);
        x.text("urgency", &[], info.urgency.as_str());
        x.text("severity", &[], info.severity.cap_value());
        x.text("certainty", &[], info.certainty.as_str());
        for (name, at) in [("effective", info.effective), ("onset", info.onset), ("expires", info.expires)] {
            if let Some(at) = at {
                x.text(name, &[], &cap_datetime(at));
            }
        }
        if let Some(sender_name) = &info.sender_name {
            x.text("senderName", &[], sender_name);
        }
        x.text("headline", &[], &info.headline);
        if !info.description.is_empty() {
            x.text("description", &[], &info.description);
        }
        if let Some(instruction) = &info.instruction {
            x.text("instruction", &[], instruction);
        }
        if let Some(web) = &info.web {
            x.text("web", &[], web);
        }
        for area in &info.areas {
            x.open("area", &[]);
            x.text("areaDesc", &[], &area.description);
            for polygon in &area.polygons {
                x.text("polygon", &[], &polygon.to_cap());
            }
            for (name, value) in &area.geocodes {
                x.open("geocode", &[]);
                x.text("valueName", &[], name);
                x.text("value", &[], value);
                x.close("geocode");
            }
            x.close("area");
        }
        x.close("info");
    }
    x.close("alert");
    x.finish()
}

/// Vietnam time (UTC+7, no daylight saving), the offset CAP timestamps of the portal are written in.
fn vietnam(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix());
    t.with_timezone(&offset)
}

/// What a portal warning needs besides its own fields to become a CAP alert.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningContext {
    /// `identifier`.
    pub identifier: String,
    /// `sender`.
    pub sender: String,
    /// `sent`.
    pub sent: DateTime<Utc>,
    /// `msgType`.
    pub msg_type: MsgType,
    /// `references` (for Update and Cancel).
    pub references: Vec<String>,
    /// `senderName` in Vietnamese and English.
    pub sender_name: (String, String),
    /// `areaDesc` in Vietnamese and English (names of the wards, or "Toàn thành phố Huế" / "All of Huế City").
    pub area_description: (String, String),
    /// Outlines of the area.
    pub polygons: Vec<Polygon>,
    /// Instruction in Vietnamese and English, if any.
    pub instruction: Option<(String, String)>,
    /// The warning's public page.
    pub web: Option<String>,
    /// `urgency` and `certainty`, chosen by the staff who issue the warning.
    pub urgency: Urgency,
    /// See `urgency`.
    pub certainty: Certainty,
}

/// Builds the CAP alert of a portal warning: a vi-VN block, then an en-US block, with the warning's kind as
/// category and event, its severity, and its validity as `effective`/`onset` and `expires`. Ward codes of the area
/// go into `geocode` entries named "VN-ward" (the GSO commune code).
pub fn alert_from_warning(warning: &Warning, ctx: &WarningContext) -> Alert {
    let geocodes: Vec<(String, String)> = match &warning.area {
        smartcity_domain::portal::WarningArea::WholeCity => Vec::new(),
        smartcity_domain::portal::WarningArea::Wards(codes) => {
            codes.iter().map(|c| ("VN-ward".to_owned(), c.as_str().to_owned())).collect()
        }
    };
    let info = |vi: bool| Info {
        language: if vi { "vi-VN" } else { "en-US" }.to_owned(),
        categories: vec![Category::of_warning(warning.kind)],
        event: if vi { warning.kind.label_vi() } else { warning.kind.label_en() }.to_owned(),
        urgency: ctx.urgency,
        severity: warning.severity,
        certainty: ctx.certainty,
        effective: Some(vietnam(warning.validity.starts_at())),
        onset: Some(vietnam(warning.validity.starts_at())),
        expires: Some(vietnam(warning.validity.ends_at())),
        sender_name: Some(if vi { &ctx.sender_name.0 } else { &ctx.sender_name.1 }.clone()),
        headline: if vi { &warning.headline_vi } else { &warning.headline_en }.clone(),
        description: if vi { &warning.description_vi } else { &warning.description_en }.clone(),
        instruction: ctx.instruction.as_ref().map(|(v, e)| if vi { v } else { e }.clone()),
        web: ctx.web.clone(),
        areas: vec![Area {
            description: if vi { &ctx.area_description.0 } else { &ctx.area_description.1 }.clone(),
            polygons: ctx.polygons.clone(),
            geocodes: geocodes.clone(),
        }],
    };
    Alert {
        identifier: ctx.identifier.clone(),
        sender: ctx.sender.clone(),
        sent: vietnam(ctx.sent),
        msg_type: ctx.msg_type,
        references: ctx.references.clone(),
        infos: vec![info(true), info(false)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use smartcity_domain::portal::{Validity, WarningArea};
    use smartcity_domain::units::UnitCode;

    fn utc(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, h, 0, 0).unwrap()
    }

    fn flood() -> Warning {
        Warning {
            kind: WarningKind::Flood,
            severity: Severity::Severe,
            area: WarningArea::wards(vec![UnitCode::parse("19753").unwrap(), UnitCode::parse("19774").unwrap()])
                .unwrap(),
            validity: Validity::new(utc(1), utc(13)).unwrap(),
            headline_vi: "Ngập sâu 0,5–1 m tại Phú Xuân & Thuận Hóa".into(),
            headline_en: "Flooding 0.5–1 m deep in Phú Xuân & Thuận Hóa".into(),
            description_vi: "Mực nước sông Hương tại Kim Long vượt báo động 3.".into(),
            description_en: "The Hương River at Kim Long is above alarm level 3.".into(),
            cancelled_at: None,
        }
    }

    fn context() -> WarningContext {
        WarningContext {
            identifier: "hue.gov.vn.warning.2026.17".into(),
            sender: "canhbao@hue.gov.vn".into(),
            sent: utc(1),
            msg_type: MsgType::Alert,
            references: vec![],
            sender_name: ("UBND thành phố Huế".into(), "Huế City People's Committee".into()),
            area_description: ("Phường Phú Xuân, Phường Thuận Hóa".into(), "Phú Xuân and Thuận Hóa wards".into()),
            polygons: vec![
                Polygon::new(vec![(16.47, 107.57), (16.47, 107.6), (16.45, 107.6), (16.45, 107.57)]).unwrap(),
            ],
            instruction: Some((
                "Di chuyển người và tài sản lên cao; gọi 112 khi cần cứu hộ.".into(),
                "Move people and belongings to higher ground; call 112 for rescue.".into(),
            )),
            web: Some("https://hue.gov.vn/canh-bao/17".into()),
            urgency: Urgency::Immediate,
            certainty: Certainty::Observed,
        }
    }

    #[test]
    fn flood_warning_golden() {
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>hue.gov.vn.warning.2026.17</identifier>
  <sender>canhbao@hue.gov.vn</sender>
  <sent>2026-11-27T08:00:00+07:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <event>Ngập lụt</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <effective>2026-11-27T08:00:00+07:00</effective>
    <onset>2026-11-27T08:00:00+07:00</onset>
    <expires>2026-11-27T20:00:00+07:00</expires>
    <senderName>UBND thành phố Huế</senderName>
    <headline>Ngập sâu 0,5–1 m tại Phú Xuân &amp; Thuận Hóa</headline>
    <description>Mực nước sông Hương tại Kim Long vượt báo động 3.</description>
    <instruction>Di chuyển người và tài sản lên cao; gọi 112 khi cần cứu hộ.</instruction>
    <web>https://hue.gov.vn/canh-bao/17</web>
    <area>
      <areaDesc>Phường Phú Xuân, Phường Thuận Hóa</areaDesc>
      <polygon>16.47,107.57 16.47,107.6 16.45,107.6 16.45,107.57 16.47,107.57</polygon>
      <geocode>
        <valueName>VN-ward</valueName>
        <value>19753</value>
      </geocode>
      <geocode>
        <valueName>VN-ward</valueName>
        <value>19774</value>
      </geocode>
    </area>
  </info>
  <info>
    <language>en-US</language>
    <category>Met</category>
    <event>Flood</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <effective>2026-11-27T08:00:00+07:00</effective>
    <onset>2026-11-27T08:00:00+07:00</onset>
    <expires>2026-11-27T20:00:00+07:00</expires>
    <senderName>Huế City People&apos;s Committee</senderName>
    <headline>Flooding 0.5–1 m deep in Phú Xuân &amp; Thuận Hóa</headline>
    <description>The Hương River at Kim Long is above alarm level 3.</description>
    <instruction>Move people and belongings to higher ground; call 112 for rescue.</instruction>
    <web>https://hue.gov.vn/canh-bao/17</web>
    <area>
      <areaDesc>Phú Xuân and Thuận Hóa wards</areaDesc>
      <polygon>16.47,107.57 16.47,107.6 16.45,107.6 16.45,107.57 16.47,107.57</polygon>
      <geocode>
        <valueName>VN-ward</valueName>
        <value>19753</value>
      </geocode>
      <geocode>
        <valueName>VN-ward</valueName>
        <value>19774</value>
      </geocode>
    </area>
  </info>
</alert>
"#;
        assert_eq!(write_alert(&alert_from_warning(&flood(), &context())), expected);
    }

    #[test]
    fn cancel_references_the_original_alert() {
        let original = alert_from_warning(&flood(), &context());
        let mut ctx = context();
        ctx.identifier = "hue.gov.vn.warning.2026.17.cancel".into();
        ctx.msg_type = MsgType::Cancel;
        ctx.references = vec![reference_to(&original)];
        ctx.polygons = vec![];
        let mut w = flood();
        w.area = WarningArea::WholeCity;
        let xml = write_alert(&alert_from_warning(&w, &ctx));
        assert!(xml.contains("<msgType>Cancel</msgType>"));
        assert!(xml.contains(
            "<references>canhbao@hue.gov.vn,hue.gov.vn.warning.2026.17,2026-11-27T08:00:00+07:00</references>"
        ));
        assert!(!xml.contains("<polygon>") && !xml.contains("<geocode>"));
    }

    #[test]
    fn utc_is_written_minus_zero_never_z() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap().fixed_offset();
        assert_eq!(cap_datetime(t), "2026-01-02T03:04:05-00:00");
        assert_eq!(cap_datetime(vietnam(t.to_utc())), "2026-01-02T10:04:05+07:00");
    }

    #[test]
    fn polygons_are_closed_rings_in_range() {
        let open = Polygon::new(vec![(1.0, 2.0), (3.0, 4.0), (5.0, 6.5)]).unwrap();
        assert_eq!(open.to_cap(), "1,2 3,4 5,6.5 1,2");
        let closed = Polygon::new(vec![(1.0, 2.0), (3.0, 4.0), (5.0, 6.0), (1.0, 2.0)]).unwrap();
        assert_eq!(closed.to_cap(), "1,2 3,4 5,6 1,2");
        let e = Polygon::new(vec![(1.0, 2.0), (3.0, 4.0)]).unwrap_err();
        assert_eq!((e.field, e.code), ("polygon", "cap_polygon_too_few_points"));
        assert_eq!(Polygon::new(vec![]).unwrap_err().code, "cap_polygon_too_few_points");
        let e = Polygon::new(vec![(91.0, 2.0), (3.0, 4.0), (5.0, 6.0)]).unwrap_err();
        assert_eq!(e.code, "cap_polygon_out_of_range");
        assert!(Polygon::new(vec![(f64::NAN, 2.0), (3.0, 4.0), (5.0, 6.0)]).is_err());
    }

    #[test]
    fn every_category_urgency_and_certainty_has_its_cap_spelling() {
        assert_eq!(Category::Cbrne.as_str(), "CBRNE");
        assert_eq!(Category::of_warning(WarningKind::AirQuality), Category::Env);
        assert_eq!(Category::of_warning(WarningKind::Traffic), Category::Transport);
        assert_eq!(Category::of_warning(WarningKind::Scam), Category::Safety);
        assert_eq!(Urgency::Expected.as_str(), "Expected");
        assert_eq!(Certainty::Likely.as_str(), "Likely");
        for s in Severity::ALL {
            assert!(["Extreme", "Severe", "Moderate", "Minor", "Unknown"].contains(&s.cap_value()));
        }
    }
}
