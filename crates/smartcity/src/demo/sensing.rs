//! Demo sensing: Huế's two reference river gauges, the air-quality station, the rain gauge, cameras and public wifi
//! from `seed/hue-places.json` (plus two demo air stations and four street-light cabinets at landmarks, marked
//! "demo"), each a SensorThings Thing with its Location and Datastreams, with 24 hours of plausible readings every
//! 10 minutes: PM2.5 with morning and evening traffic peaks, ozone peaking after midday, rivers below BĐ1 with a
//! small tide. One camera stopped reporting three hours ago, so the IOC page shows a silent device. Air stations
//! and river gauges also get [`HISTORY_DAYS`] of hourly history before that day, with a smoky spell and a flood
//! that passed (see [`history_reading`]), so the transparency page's period summaries have something to count;
//! the rain gauge gets a week of 10-minute rainfall with a wet day, for the page's daily totals.
//!
//! [`simulate_tick`] produces one round of live readings (the simulator: `smartcity simulate` or
//! `serve --simulate`); in the storm scenario Kim Long and Phú Ốc rise 0.6 m a round until well above BĐ2.

use anyhow::Context;
use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{Map, Value, json};
use smartcity_domain::sensing::sensorthings::parse_filter;
use smartcity_store::Store;
use smartcity_store::sensing::{EntitySet, NewObservation, Ref, SensingStore, StaEntity, StaQuery, WriteOp};
use smartcity_web::AppState;

/// The places file of `shared/data` (coordinates estimated, see its `meta`).
const PLACES_JSON: &str = include_str!("../../seed/hue-places.json");

const MEASUREMENT: &str = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement";
const TRUTH: &str = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation";
const COUNT: &str = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation";

/// Two more air stations and four lighting cabinets at landmarks (demo only; no claim that they exist).
const DEMO_AIR_STATIONS: [&str; 2] = ["dan-nam-giao", "cam-ga-hue"];
const DEMO_LIGHT_CABINETS: [&str; 4] = ["ngo-mon", "phu-van-lau", "truong-quoc-hoc", "cau-ngoi-thanh-toan"];
/// Days of hourly history of the air stations and river gauges before the last 24 hours.
const HISTORY_DAYS: i64 = 30;
/// Days of 10-minute rainfall history of the rain gauge before the last 24 hours.
const RAIN_HISTORY_DAYS: i64 = 8;
/// The camera that went silent three hours ago.
const SILENT_CAMERA: &str = "cam-bai-bien-thuan-an";

/// One Datastream of a demo Thing: name, unit symbol, observation type, `properties`.
struct Stream {
    name: &'static str,
    unit: &'static str,
    kind: &'static str,
    properties: Value,
}

fn streams_of(kind: &str, place_id: &str) -> Vec<Stream> {
    let m = |name, unit, p: Value| Stream { name, unit, kind: MEASUREMENT, properties: p };
    match kind {
        "air_quality_station" => ["pm25", "pm10", "o3", "no2", "co", "so2"]
            .into_iter()
            .map(|p| m(pollutant_name(p), "µg/m³", json!({"pollutant": p})))
            .collect(),
        "river_gauge" => vec![m("Mực nước", "m", json!({"gauge": place_id}))],
        "rain_gauge" => vec![m("Lượng mưa 10 phút", "mm", json!({"measure": "rainfall"}))],
        "camera_site" => {
            vec![Stream { name: "Trực tuyến", unit: "", kind: TRUTH, properties: json!({"status": "online"}) }]
        }
        "wifi_hotspot" => vec![Stream {
            name: "Số thiết bị kết nối",
            unit: "",
            kind: COUNT,
            properties: json!({"status": "clients"}),
        }],
        _ => vec![Stream { name: "Trạng thái đèn", unit: "", kind: TRUTH, properties: json!({"status": "lamp"}) }],
    }
}

fn pollutant_name(p: &str) -> &'static str {
    match p {
        "pm25" => "Bụi PM2.5",
        "pm10" => "Bụi PM10",
        "o3" => "Ôzôn",
        "no2" => "Nitơ đioxit",
        "co" => "Cacbon monoxit",
        _ => "Lưu huỳnh đioxit",
    }
}

/// Deterministic noise in [-1, 1] for a stream and a time step.
fn noise(seed: i64, step: i64) -> f64 {
    let mut x = (seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(step.wrapping_mul(1_442_695_040_888_963_407))) as u64;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % 2001) as f64 / 1000.0 - 1.0
}

/// A plausible reading of a demo stream at `at` (Huế local hour drives the diurnal shapes).
fn reading(props: &Value, seed: i64, at: DateTime<Utc>) -> Value {
    let local_hour = f64::from((at + Duration::hours(7)).hour()) + f64::from(at.minute()) / 60.0;
    let step = at.timestamp() / 600;
    let n = noise(seed, step);
    let peak = |centre: f64, width: f64| (-((local_hour - centre) / width).powi(2)).exp();
    let pm25 = 22.0 + 30.0 * peak(7.5, 1.8) + 25.0 * peak(19.0, 2.2) + 4.0 * n + (seed % 3) as f64 * 6.0;
    let g = |k: &str| props.get(k).and_then(Value::as_str);
    if let Some(p) = g("pollutant") {
        let v = match p {
            "pm25" => pm25,
            "pm10" => pm25 * 1.7 + 5.0 * n,
            "o3" => 35.0 + 90.0 * peak(13.5, 3.0) + 6.0 * n,
            "no2" => 25.0 + 30.0 * peak(8.0, 2.0) + 25.0 * peak(18.5, 2.0) + 5.0 * n,
            "co" => 900.0 + 900.0 * peak(8.0, 2.0) + 700.0 * peak(19.0, 2.0) + 80.0 * n,
            _ => 12.0 + 4.0 * n,
        };
        return json!((v.max(0.0) * 10.0).round() / 10.0);
    }
    if g("gauge") == Some("tram-thuy-van-kim-long") {
        return json!(
            ((0.55 + 0.08 * (local_hour / 12.4 * std::f64::consts::TAU).sin() + 0.01 * n) * 100.0).round() / 100.0
        );
    }
    if g("gauge").is_some() {
        return json!(
            ((0.95 + 0.05 * (local_hour / 12.4 * std::f64::consts::TAU).sin() + 0.01 * n) * 100.0).round() / 100.0
        );
    }
    match g("status").or(g("measure")) {
        Some("clients") => {
            json!((8.0 + 40.0 * peak(20.0, 3.0) + 20.0 * peak(10.0, 3.0) + 5.0 * n).max(0.0).round() as i64)
        }
        Some("lamp") => json!(!(6.0..18.0).contains(&local_hour)),
        Some("rainfall") => json!(if n > 0.7 { ((n - 0.7) * 10.0 * 10.0).round() / 10.0 } else { 0.0 }),
        _ => json!(true),
    }
}

/// A reading of the history before the last day: [`reading`], with the episodes of the past month laid over
/// it: a rainy clean spell about 20 days ago, a flood about 12 days ago after a downpour (Kim Long above BĐ2, Phú
/// Ốc above BĐ1), a smoky spell about 6 days ago (dust nearly three times its usual level) and a wet day about
/// three days ago.
fn history_reading(props: &Value, seed: i64, at: DateTime<Utc>, now: DateTime<Utc>) -> Value {
    let base = reading(props, seed, at);
    let Some(v) = base.as_f64() else { return base };
    let days_ago = (now - at).num_minutes() as f64 / 1440.0;
    let bump = |centre: f64, width: f64| (-((days_ago - centre) / width).powi(2)).exp();
    let g = |k: &str| props.get(k).and_then(Value::as_str);
    let v = match (g("pollutant"), g("gauge")) {
        (Some("pm25" | "pm10"), _) => v * (1.0 + 1.8 * bump(6.0, 1.2) - 0.5 * bump(20.0, 3.0)),
        (_, Some("tram-thuy-van-kim-long")) => v + 2.0 * bump(12.0, 1.0),
        (_, Some(_)) => v + 1.9 * bump(12.0, 1.2),
        // Rain (mm per 10 minutes): a wet day about three days ago, and the downpour before the flood.
        _ if g("measure") == Some("rainfall") => v + 2.5 * bump(3.0, 0.3) + 6.0 * bump(12.4, 0.4),
        _ => v,
    };
    json!((v.max(0.0) * 100.0).round() / 100.0)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Creates the demo Things with 24 hours of history (a month, hourly, for air and rivers); returns how many
/// Observations were stored.
pub async fn load(store: &Store) -> anyhow::Result<usize> {
    let state = &AppState::new(store.clone(), smartcity_web::WebConfig::default());
    if !demo_streams(store).await?.is_empty() {
        // A load interrupted after the Things were written: keep them rather than add a second set.
        return Ok(0);
    }
    let places: Value = serde_json::from_str(PLACES_JSON).context("seed/hue-places.json")?;
    let places = places.get("places").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut planned: Vec<(Value, String)> = Vec::new();
    for p in &places {
        let kind = p.get("kind").and_then(Value::as_str).unwrap_or_default();
        let id = p.get("id").and_then(Value::as_str).unwrap_or_default();
        if ["river_gauge", "rain_gauge", "air_quality_station", "camera_site", "wifi_hotspot"].contains(&kind) {
            planned.push((p.clone(), kind.to_owned()));
        }
        if DEMO_AIR_STATIONS.contains(&id) {
            planned.push((p.clone(), "air_quality_station".to_owned()));
        }
        if DEMO_LIGHT_CABINETS.contains(&id) {
            planned.push((p.clone(), "street_light_cabinet".to_owned()));
        }
    }
    let sensor = store
        .sta_write(&[WriteOp::Insert {
            set: EntitySet::Sensors,
            props: obj(json!({"name": "Thiết bị đo tự động (demo)", "description": "Cảm biến của hệ thống demo",
                "encodingType": "text/html", "metadata": "https://hue.demo/thiet-bi"})),
            links: vec![],
        }])
        .await?[0];
    let mut observed: Vec<(String, i64)> = Vec::new();
    let mut rows = Vec::new();
    let now = Utc::now();
    for (seed, (place, kind)) in planned.iter().enumerate() {
        let place_id = place.get("id").and_then(Value::as_str).unwrap_or_default();
        let name_vi = place.get("name_vi").and_then(Value::as_str).unwrap_or_default();
        let name = match kind.as_str() {
            "air_quality_station" if place.get("kind").and_then(Value::as_str) != Some("air_quality_station") => {
                format!("Trạm không khí {name_vi} (demo)")
            }
            "street_light_cabinet" => format!("Tủ điện chiếu sáng {name_vi} (demo)"),
            _ => name_vi.to_owned(),
        };
        let lon_lat =
            [place.get("lon").cloned().unwrap_or(Value::Null), place.get("lat").cloned().unwrap_or(Value::Null)];
        let mut ops = vec![
            WriteOp::Insert {
                set: EntitySet::Locations,
                props: obj(
                    json!({"name": name, "description": place.get("description_vi").cloned().unwrap_or(json!("")),
                    "encodingType": "application/geo+json", "location": {"type": "Point", "coordinates": lon_lat}}),
                ),
                links: vec![],
            },
            WriteOp::Insert {
                set: EntitySet::Things,
                props: obj(
                    json!({"name": name, "description": place.get("description_en").cloned().unwrap_or(json!("")),
                    "properties": {"kind": kind, "place_id": place_id, "ward_code": place.get("ward_code"), "demo": true}}),
                ),
                links: vec![("Locations", Ref::New(0))],
            },
        ];
        let streams = streams_of(kind, place_id);
        for s in &streams {
            ops.push(WriteOp::Insert {
                set: EntitySet::ObservedProperties,
                props: obj(json!({"name": s.name, "definition": format!("https://hue.demo/quan-trac/{}", s.name), "description": s.name})),
                links: vec![],
            });
            let op = ops.len() - 1;
            ops.push(WriteOp::Insert {
                set: EntitySet::Datastreams,
                props: obj(json!({"name": format!("{} – {name}", s.name), "description": s.name,
                    "unitOfMeasurement": {"name": s.unit, "symbol": s.unit, "definition": ""},
                    "observationType": s.kind, "properties": s.properties})),
                links: vec![("Thing", Ref::New(1)), ("Sensor", Ref::Id(sensor)), ("ObservedProperty", Ref::New(op))],
            });
        }
        let ids = store.sta_write(&ops).await?;
        for (i, s) in streams.iter().enumerate() {
            let ds = ids[3 + 2 * i];
            let silent = place_id == SILENT_CAMERA;
            for step in 0..144 {
                let at = now - Duration::minutes(10 * (144 - step));
                if silent && at > now - Duration::hours(3) {
                    continue;
                }
                rows.push(NewObservation::new(ds, at, &reading(&s.properties, seed as i64 * 7 + i as i64, at)));
            }
            if kind == "rain_gauge" {
                // A week of 10-minute rainfall before the last day, for the daily totals and the 7-day chart.
                for step in 145..=RAIN_HISTORY_DAYS * 144 {
                    let at = now - Duration::minutes(10 * step);
                    rows.push(NewObservation::new(
                        ds,
                        at,
                        &history_reading(&s.properties, seed as i64 * 7 + i as i64, at, now),
                    ));
                }
            }
            if ["air_quality_station", "river_gauge"].contains(&kind.as_str()) {
                for hours in 25..=HISTORY_DAYS * 24 {
                    let at = now - Duration::hours(hours);
                    let value = history_reading(&s.properties, seed as i64 * 7 + i as i64, at, now);
                    rows.push(NewObservation::new(ds, at, &value));
                }
            }
            observed.push((place_id.to_owned(), ds));
        }
    }
    let n = rows.len();
    smartcity_web::sensing::ingest::store_observations(state, rows).await?;
    Ok(n)
}

/// The demo Datastreams that a simulator round feeds (every demo Thing's but the silent camera's).
pub async fn demo_streams(store: &Store) -> anyhow::Result<Vec<(StaEntity, i64)>> {
    let filter = parse_filter("properties/demo eq true")?;
    let mut q = StaQuery::all(EntitySet::Things, 1000);
    q.filter = Some(&filter);
    let mut out = Vec::new();
    for thing in store.sta_query(&q).await?.entities {
        if thing.json.get("properties").and_then(|p| p.get("place_id")).and_then(Value::as_str) == Some(SILENT_CAMERA) {
            continue;
        }
        let mut dq = StaQuery::all(EntitySet::Datastreams, 100);
        dq.parent = Some((thing.id, EntitySet::Things.navigation("Datastreams").context("navigation")?));
        for ds in store.sta_query(&dq).await?.entities {
            out.push((ds, thing.id));
        }
    }
    Ok(out)
}

/// One round of live readings at `now`. In the storm scenario round `round` (from 0) puts the rivers at
/// 0.8 + 0.6·round m (Kim Long) and 1.2 + 0.6·round m (Phú Ốc), capped at 3.2 / 4.0 m: Kim Long passes BĐ2 (2.0 m)
/// on the third round.
pub async fn simulate_tick(
    state: &AppState,
    streams: &[(StaEntity, i64)],
    round: u32,
    storm: bool,
) -> anyhow::Result<usize> {
    let now = Utc::now();
    let mut rows = Vec::with_capacity(streams.len());
    for (ds, thing) in streams {
        let props = ds.json.get("properties").cloned().unwrap_or(Value::Null);
        let gauge = props.get("gauge").and_then(Value::as_str);
        let value = match (storm, gauge) {
            (true, Some("tram-thuy-van-kim-long")) => json!((0.8 + 0.6 * f64::from(round)).min(3.2)),
            (true, Some(_)) => json!((1.2 + 0.6 * f64::from(round)).min(4.0)),
            (true, None) if props.get("measure").is_some() => json!(12.5),
            _ => reading(&props, *thing * 7 + ds.id, now),
        };
        rows.push(NewObservation::new(ds.id, now, &value));
    }
    let n = rows.len();
    smartcity_web::sensing::ingest::store_observations(state, rows).await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_plausible() {
        let morning = DateTime::parse_from_rfc3339("2026-11-27T07:30:00+07:00").unwrap().with_timezone(&Utc);
        let night = DateTime::parse_from_rfc3339("2026-11-27T03:00:00+07:00").unwrap().with_timezone(&Utc);
        let pm = |t| reading(&json!({"pollutant": "pm25"}), 1, t).as_f64().unwrap();
        assert!(pm(morning) > pm(night) + 15.0, "traffic peak");
        let kl = reading(&json!({"gauge": "tram-thuy-van-kim-long"}), 1, morning).as_f64().unwrap();
        assert!((0.3..1.0).contains(&kl), "below BĐ1 on a calm day: {kl}");
        assert_eq!(reading(&json!({"status": "lamp"}), 1, night), json!(true));
    }

    #[test]
    fn the_history_holds_a_flood_above_bd2_and_a_smoky_spell() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T12:00:00+07:00").unwrap().with_timezone(&Utc);
        let kim_long = json!({"gauge": "tram-thuy-van-kim-long"});
        let level = |days: i64| history_reading(&kim_long, 1, now - Duration::days(days), now).as_f64().unwrap();
        assert!(level(12) >= 2.0, "BĐ2 is 2.0 m at Kim Long: {}", level(12));
        assert!(level(25) < 1.0, "below BĐ1 outside the flood: {}", level(25));
        let pm = |days: i64| {
            history_reading(&json!({"pollutant": "pm25"}), 1, now - Duration::days(days), now).as_f64().unwrap()
        };
        assert!(pm(6) > 2.0 * pm(14), "smoky spell: {} vs {}", pm(6), pm(14));
        assert_eq!(history_reading(&json!({"status": "lamp"}), 1, now, now), json!(false));
        let rain = |days: f64| {
            let at = now - Duration::minutes((days * 1440.0) as i64);
            history_reading(&json!({"measure": "rainfall"}), 1, at, now).as_f64().unwrap()
        };
        assert!(rain(3.0) >= 2.5, "a wet day three days ago: {} mm in 10 minutes", rain(3.0));
    }
}
