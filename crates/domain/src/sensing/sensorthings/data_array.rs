//! The `dataArray` format (STA 1.1 DataArray conformance class, OGC 18-088 §14.3): bulk creation of Observations
//! with `POST /CreateObservations`, and the compact `$resultFormat=dataArray` reading form.
//!
//! A request body is an array of blocks, each naming one Datastream (or MultiDatastream), the `components` the
//! rows carry and the rows themselves:
//!
//! ```json
//! [{"Datastream": {"@iot.id": 1},
//!   "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
//!   "dataArray": [["2026-11-27T09:00:00+07:00", 20.3, 1], ["2026-11-27T10:00:00+07:00", 22.1, 1]]}]
//! ```
//!
//! Times must carry an offset written `Z` or `±hh:mm`, as FROST-Server requires (`sensorthings-iot.md` §1).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::temporal::{TimeValue, format_datetime, parse_datetime};
use crate::validation::ValidationError;

/// An entity id (`@iot.id`): SensorThings allows numbers and strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EntityId {
    /// A numeric id.
    Int(i64),
    /// A string id.
    String(String),
}

impl EntityId {
    /// Reads an id from JSON: an integer or a non-empty string.
    pub fn from_json(v: &Value) -> Option<EntityId> {
        match v {
            Value::Number(n) => n.as_i64().map(EntityId::Int),
            Value::String(s) if !s.trim().is_empty() => Some(EntityId::String(s.clone())),
            _ => None,
        }
    }

    /// The id as JSON.
    pub fn to_json(&self) -> Value {
        match self {
            EntityId::Int(n) => json!(n),
            EntityId::String(s) => json!(s),
        }
    }
}

/// One column of a dataArray: which Observation property each row value fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Component {
    /// `id`: a client-chosen id.
    #[serde(rename = "id")]
    Id,
    /// `phenomenonTime`: instant or interval.
    #[serde(rename = "phenomenonTime")]
    PhenomenonTime,
    /// `result`: any JSON value (an array for a MultiDatastream).
    #[serde(rename = "result")]
    Result,
    /// `resultTime`: instant.
    #[serde(rename = "resultTime")]
    ResultTime,
    /// `resultQuality`: any JSON.
    #[serde(rename = "resultQuality")]
    ResultQuality,
    /// `validTime`: interval.
    #[serde(rename = "validTime")]
    ValidTime,
    /// `parameters`: a JSON object.
    #[serde(rename = "parameters")]
    Parameters,
    /// `FeatureOfInterest/id`: the id of an existing FeatureOfInterest.
    #[serde(rename = "FeatureOfInterest/id")]
    FeatureOfInterestId,
}

impl Component {
    /// Every component.
    pub const ALL: [Component; 8] = [
        Component::Id,
        Component::PhenomenonTime,
        Component::Result,
        Component::ResultTime,
        Component::ResultQuality,
        Component::ValidTime,
        Component::Parameters,
        Component::FeatureOfInterestId,
    ];

    /// The name as written in `components`.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Id => "id",
            Component::PhenomenonTime => "phenomenonTime",
            Component::Result => "result",
            Component::ResultTime => "resultTime",
            Component::ResultQuality => "resultQuality",
            Component::ValidTime => "validTime",
            Component::Parameters => "parameters",
            Component::FeatureOfInterestId => "FeatureOfInterest/id",
        }
    }

    /// Reads a component name; `@iot.id` spellings are accepted for the ids.
    pub fn parse(s: &str) -> Option<Component> {
        match s {
            "@iot.id" => Some(Component::Id),
            "FeatureOfInterest/@iot.id" => Some(Component::FeatureOfInterestId),
            _ => Component::ALL.into_iter().find(|c| c.as_str() == s),
        }
    }
}

/// What the rows of a block are observations of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StreamRef {
    /// A Datastream, by id.
    Datastream(EntityId),
    /// A MultiDatastream, by id (results are arrays).
    MultiDatastream(EntityId),
}

/// One Observation of a dataArray, typed. Properties whose component is absent are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationRow {
    /// `id`.
    pub id: Option<EntityId>,
    /// `phenomenonTime`; when absent the server uses the time of receipt.
    pub phenomenon_time: Option<TimeValue>,
    /// `result`.
    pub result: Value,
    /// `resultTime`.
    pub result_time: Option<DateTime<FixedOffset>>,
    /// `resultQuality`.
    pub result_quality: Option<Value>,
    /// `validTime` (an interval).
    pub valid_time: Option<TimeValue>,
    /// `parameters`.
    pub parameters: Option<Map<String, Value>>,
    /// `FeatureOfInterest/id`; when absent the server derives it from the Thing's Location.
    pub feature_of_interest: Option<EntityId>,
}

impl ObservationRow {
    /// A row with just a result.
    pub fn new(result: Value) -> ObservationRow {
        ObservationRow {
            id: None,
            phenomenon_time: None,
            result,
            result_time: None,
            result_quality: None,
            valid_time: None,
            parameters: None,
            feature_of_interest: None,
        }
    }

    /// The value of one component, `null` when absent.
    pub fn value_of(&self, c: Component) -> Value {
        let time = |t: &Option<TimeValue>| t.map_or(Value::Null, |t| Value::String(t.to_string()));
        match c {
            Component::Id => self.id.as_ref().map_or(Value::Null, EntityId::to_json),
            Component::PhenomenonTime => time(&self.phenomenon_time),
            Component::Result => self.result.clone(),
            Component::ResultTime => self.result_time.map_or(Value::Null, |t| Value::String(format_datetime(t))),
            Component::ResultQuality => self.result_quality.clone().unwrap_or(Value::Null),
            Component::ValidTime => time(&self.valid_time),
            Component::Parameters => self.parameters.clone().map_or(Value::Null, Value::Object),
            Component::FeatureOfInterestId => self.feature_of_interest.as_ref().map_or(Value::Null, EntityId::to_json),
        }
    }
}

/// One block of a CreateObservations body or of a dataArray result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataArrayBlock {
    /// The Datastream or MultiDatastream.
    pub stream: StreamRef,
    /// The columns, in order.
    pub components: Vec<Component>,
    /// The rows.
    pub rows: Vec<ObservationRow>,
}

impl DataArrayBlock {
    /// The rows as arrays of component values.
    pub fn data_array(&self) -> Vec<Value> {
        self.rows.iter().map(|r| Value::Array(self.components.iter().map(|c| r.value_of(*c)).collect())).collect()
    }

    fn components_json(&self) -> Value {
        Value::Array(self.components.iter().map(|c| Value::String(c.as_str().to_owned())).collect())
    }

    /// The block as one item of a CreateObservations request body.
    pub fn to_request_json(&self) -> Value {
        let (key, id) = match &self.stream {
            StreamRef::Datastream(id) => ("Datastream", id),
            StreamRef::MultiDatastream(id) => ("MultiDatastream", id),
        };
        let mut o = Map::new();
        o.insert(key.to_owned(), json!({ "@iot.id": id.to_json() }));
        o.insert("components".to_owned(), self.components_json());
        o.insert("dataArray".to_owned(), Value::Array(self.data_array()));
        Value::Object(o)
    }

    /// The block as one item of a `$resultFormat=dataArray` response, with the stream's navigation link.
    pub fn to_result_json(&self, navigation_link: &str) -> Value {
        let key = match self.stream {
            StreamRef::Datastream(_) => "Datastream@iot.navigationLink",
            StreamRef::MultiDatastream(_) => "MultiDatastream@iot.navigationLink",
        };
        let mut o = Map::new();
        o.insert(key.to_owned(), json!(navigation_link));
        o.insert("components".to_owned(), self.components_json());
        o.insert("dataArray@iot.count".to_owned(), json!(self.rows.len()));
        o.insert("dataArray".to_owned(), Value::Array(self.data_array()));
        Value::Object(o)
    }
}

/// A CreateObservations request body for `blocks`.
pub fn to_create_observations(blocks: &[DataArrayBlock]) -> Value {
    Value::Array(blocks.iter().map(DataArrayBlock::to_request_json).collect())
}

/// The CreateObservations response: per row, in request order, the created Observation's selfLink or the string
/// `"error"` (STA 1.1 §14.3.2).
pub fn create_observations_response(results: &[Result<String, String>]) -> Value {
    Value::Array(
        results.iter().map(|r| Value::String(r.as_ref().map_or_else(|_| "error".to_owned(), Clone::clone))).collect(),
    )
}

fn block_error(code: &'static str, item: usize, vi: &str, en: &str) -> ValidationError {
    ValidationError::new("dataArray", code, format!("Mục {item}: {vi}"), format!("Item {item}: {en}"))
}

fn row_error(code: &'static str, item: usize, row: usize, vi: &str, en: &str) -> ValidationError {
    ValidationError::new(
        "dataArray",
        code,
        format!("Mục {item}, dòng dataArray[{row}]: {vi}"),
        format!("Item {item}, dataArray[{row}]: {en}"),
    )
}

/// Reads a CreateObservations body into typed blocks. Errors name the item and the 0-based row
/// (`Item 0, dataArray[3]: …`).
pub fn parse_create_observations(body: &Value) -> Result<Vec<DataArrayBlock>, ValidationError> {
    let items = body.as_array().ok_or_else(|| {
        ValidationError::new(
            "dataArray",
            "sta_data_array_body",
            "Nội dung CreateObservations phải là một mảng các khối {Datastream, components, dataArray}.",
            "The CreateObservations body must be an array of {Datastream, components, dataArray} blocks.",
        )
    })?;
    items.iter().enumerate().map(|(i, item)| parse_block(i, item)).collect()
}

fn parse_block(i: usize, item: &Value) -> Result<DataArrayBlock, ValidationError> {
    let obj = item
        .as_object()
        .ok_or_else(|| block_error("sta_data_array_body", i, "phải là một đối tượng JSON", "must be a JSON object"))?;
    let id_of = |key: &str| {
        obj.get(key).map(|v| {
            v.get("@iot.id").or_else(|| v.get("id")).and_then(EntityId::from_json).ok_or_else(|| {
                block_error(
                    "sta_data_array_stream",
                    i,
                    &format!("{key} phải có dạng {{\"@iot.id\": …}}"),
                    &format!("{key} must look like {{\"@iot.id\": …}}"),
                )
            })
        })
    };
    let stream = match (id_of("Datastream").transpose()?, id_of("MultiDatastream").transpose()?) {
        (Some(id), None) => StreamRef::Datastream(id),
        (None, Some(id)) => StreamRef::MultiDatastream(id),
        _ => {
            return Err(block_error(
                "sta_data_array_stream",
                i,
                "cần đúng một trong Datastream hoặc MultiDatastream",
                "needs exactly one of Datastream or MultiDatastream",
            ));
        }
    };
    let names = obj.get("components").and_then(Value::as_array).filter(|c| !c.is_empty()).ok_or_else(|| {
        block_error(
            "sta_data_array_components",
            i,
            "“components” phải là một mảng tên thuộc tính không rỗng",
            "“components” must be a non-empty array of property names",
        )
    })?;
    let mut components = Vec::with_capacity(names.len());
    for name in names {
        let text = name.as_str().map_or_else(|| name.to_string(), str::to_owned);
        let c = Component::parse(&text).ok_or_else(|| {
            let known = Component::ALL.map(Component::as_str).join(", ");
            block_error(
                "sta_data_array_component_unknown",
                i,
                &format!("thành phần “{text}” không hợp lệ; các thành phần: {known}"),
                &format!("unknown component “{text}”; the components are: {known}"),
            )
        })?;
        if components.contains(&c) {
            return Err(block_error(
                "sta_data_array_components",
                i,
                &format!("thành phần “{text}” bị lặp lại"),
                &format!("component “{text}” is repeated"),
            ));
        }
        components.push(c);
    }
    if !components.contains(&Component::Result) {
        return Err(block_error(
            "sta_data_array_components",
            i,
            "“components” phải có “result”",
            "“components” must include “result”",
        ));
    }
    let data = obj.get("dataArray").and_then(Value::as_array).ok_or_else(|| {
        block_error("sta_data_array_body", i, "thiếu mảng “dataArray”", "the “dataArray” array is missing")
    })?;
    let multi = matches!(stream, StreamRef::MultiDatastream(_));
    let rows = data
        .iter()
        .enumerate()
        .map(|(j, row)| parse_row(i, j, row, &components, multi))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DataArrayBlock { stream, components, rows })
}

fn parse_row(
    i: usize,
    j: usize,
    row: &Value,
    components: &[Component],
    multi: bool,
) -> Result<ObservationRow, ValidationError> {
    let values = row.as_array().ok_or_else(|| {
        row_error("sta_data_array_row_length", i, j, "phải là một mảng giá trị", "must be an array of values")
    })?;
    if values.len() != components.len() {
        return Err(row_error(
            "sta_data_array_row_length",
            i,
            j,
            &format!("có {} giá trị nhưng “components” có {}", values.len(), components.len()),
            &format!("has {} values but “components” has {}", values.len(), components.len()),
        ));
    }
    let mut out = ObservationRow::new(Value::Null);
    for (c, v) in components.iter().zip(values) {
        let bad = |vi: &str, en: &str| {
            row_error(
                "sta_data_array_value",
                i,
                j,
                &format!("giá trị “{}” {vi}", c.as_str()),
                &format!("the “{}” value {en}", c.as_str()),
            )
        };
        let time = |instant_ok: bool| -> Result<Option<TimeValue>, ValidationError> {
            if v.is_null() {
                return Ok(None);
            }
            match v.as_str().and_then(TimeValue::parse) {
                Some(TimeValue::Instant(_)) if !instant_ok => {
                    Err(bad("phải là khoảng thời gian bắt đầu/kết thúc", "must be an interval start/end"))
                }
                Some(t) => Ok(Some(t)),
                None => Err(bad(
                    "phải là thời điểm ISO 8601 có múi giờ (Z hoặc ±hh:mm), ví dụ 2026-11-27T09:00:00+07:00",
                    "must be an ISO 8601 time with an offset (Z or ±hh:mm), e.g. 2026-11-27T09:00:00+07:00",
                )),
            }
        };
        let id = || -> Result<Option<EntityId>, ValidationError> {
            if v.is_null() {
                return Ok(None);
            }
            EntityId::from_json(v)
                .map(Some)
                .ok_or_else(|| bad("phải là số nguyên hoặc chuỗi", "must be an integer or a string"))
        };
        match c {
            Component::Id => out.id = id()?,
            Component::FeatureOfInterestId => out.feature_of_interest = id()?,
            Component::PhenomenonTime => out.phenomenon_time = time(true)?,
            Component::ValidTime => out.valid_time = time(false)?,
            Component::ResultTime => {
                out.result_time = if v.is_null() {
                    None
                } else {
                    Some(v.as_str().and_then(parse_datetime).ok_or_else(|| {
                        bad("phải là thời điểm ISO 8601 có múi giờ", "must be an ISO 8601 instant with an offset")
                    })?)
                }
            }
            Component::Result => {
                if multi && !v.is_array() {
                    return Err(bad("phải là một mảng (MultiDatastream)", "must be an array (MultiDatastream)"));
                }
                out.result = v.clone();
            }
            Component::ResultQuality => out.result_quality = (!v.is_null()).then(|| v.clone()),
            Component::Parameters => {
                out.parameters = match v {
                    Value::Null => None,
                    Value::Object(m) => Some(m.clone()),
                    _ => return Err(bad("phải là một đối tượng JSON", "must be a JSON object")),
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn body() -> Value {
        json!([
            {
                "Datastream": {"@iot.id": 1},
                "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
                "dataArray": [
                    ["2026-11-27T09:00:00+07:00", 20.3, 1],
                    ["2026-11-27T10:00:00+07:00", 22.1, 1]
                ]
            },
            {
                "MultiDatastream": {"@iot.id": "md-wind"},
                "components": ["result", "phenomenonTime", "resultTime", "validTime", "parameters", "resultQuality", "id"],
                "dataArray": [
                    [[3.2, 180], "2026-11-27T02:00:00Z/2026-11-27T03:00:00Z", "2026-11-27T03:00:05Z",
                     "2026-11-27T03:00:00Z/P1D", {"sensor": "anemometer"}, "good", "obs-1"]
                ]
            }
        ])
    }

    #[test]
    fn reads_typed_rows() {
        let blocks = parse_create_observations(&body()).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].stream, StreamRef::Datastream(EntityId::Int(1)));
        assert_eq!(blocks[0].rows.len(), 2);
        let r = &blocks[0].rows[1];
        assert_eq!(r.result, json!(22.1));
        assert_eq!(r.feature_of_interest, Some(EntityId::Int(1)));
        assert_eq!(r.phenomenon_time.map(|t| t.to_string()).as_deref(), Some("2026-11-27T10:00:00+07:00"));
        let m = &blocks[1].rows[0];
        assert_eq!(blocks[1].stream, StreamRef::MultiDatastream(EntityId::String("md-wind".into())));
        assert!(matches!(m.phenomenon_time, Some(TimeValue::Interval { .. })));
        assert_eq!(m.valid_time.map(|t| (t.end() - t.start()).num_hours()), Some(24));
        assert_eq!(m.id, Some(EntityId::String("obs-1".into())));
        assert_eq!(m.result_quality, Some(json!("good")));
    }

    #[test]
    fn round_trips_a_request_body() {
        let blocks = parse_create_observations(&body()).unwrap();
        let again = parse_create_observations(&to_create_observations(&blocks)).unwrap();
        assert_eq!(again, blocks);
    }

    #[test]
    fn writes_the_result_format_and_the_response() {
        let blocks = parse_create_observations(&body()).unwrap();
        let v = blocks[0].to_result_json("https://iot.hue.gov.vn/v1.1/Datastreams(1)");
        assert_eq!(v["dataArray@iot.count"], 2);
        assert_eq!(v["components"], json!(["phenomenonTime", "result", "FeatureOfInterest/id"]));
        assert_eq!(v["dataArray"][0], json!(["2026-11-27T09:00:00+07:00", 20.3, 1]));
        let resp = create_observations_response(&[Ok("/v1.1/Observations(9)".into()), Err("bad".into())]);
        assert_eq!(resp, json!(["/v1.1/Observations(9)", "error"]));
    }

    /// (body, code, text the English message must contain).
    #[test]
    fn errors_name_the_item_and_row() {
        let ds = |components: Value, rows: Value| json!([{"Datastream": {"@iot.id": 1}, "components": components, "dataArray": rows}]);
        let table = [
            (json!({"not": "an array"}), "sta_data_array_body", "array of"),
            (json!([1]), "sta_data_array_body", "Item 0"),
            (json!([{"components": ["result"], "dataArray": []}]), "sta_data_array_stream", "exactly one"),
            (
                json!([{"Datastream": {"name": "x"}, "components": ["result"], "dataArray": []}]),
                "sta_data_array_stream",
                "@iot.id",
            ),
            (ds(json!([]), json!([])), "sta_data_array_components", "non-empty"),
            (ds(json!(["phenomenonTime"]), json!([])), "sta_data_array_components", "include “result”"),
            (ds(json!(["result", "result"]), json!([])), "sta_data_array_components", "repeated"),
            (ds(json!(["result", "colour"]), json!([])), "sta_data_array_component_unknown", "“colour”"),
            (ds(json!(["result"]), json!([[1], [2, 3]])), "sta_data_array_row_length", "dataArray[1]: has 2 values"),
            (ds(json!(["result"]), json!([[1], 2])), "sta_data_array_row_length", "dataArray[1]"),
            (
                ds(
                    json!(["phenomenonTime", "result"]),
                    json!([["2026-11-27T09:00:00+07:00", 1], ["2026-11-27T10:00:00+0700", 2]]),
                ),
                "sta_data_array_value",
                "dataArray[1]: the “phenomenonTime” value must be an ISO 8601 time with an offset",
            ),
            (
                ds(json!(["validTime", "result"]), json!([["2026-11-27T09:00:00Z", 1]])),
                "sta_data_array_value",
                "interval",
            ),
            (ds(json!(["resultTime", "result"]), json!([[5, 1]])), "sta_data_array_value", "“resultTime”"),
            (ds(json!(["parameters", "result"]), json!([["x", 1]])), "sta_data_array_value", "JSON object"),
            (
                ds(json!(["FeatureOfInterest/id", "result"]), json!([[true, 1]])),
                "sta_data_array_value",
                "integer or a string",
            ),
            (
                json!([{"MultiDatastream": {"@iot.id": 1}, "components": ["result"], "dataArray": [[[1]], [2]]}]),
                "sta_data_array_value",
                "dataArray[1]: the “result” value must be an array",
            ),
        ];
        for (body, code, text) in table {
            let e = parse_create_observations(&body).unwrap_err();
            assert_eq!(e.code, code, "{body}: {}", e.en);
            assert!(e.en.contains(text), "{body}: {}", e.en);
            assert_eq!(e.field, "dataArray");
            assert!(!e.vi.is_empty());
        }
    }

    fn arb_row() -> impl Strategy<Value = ObservationRow> {
        let t = (1_600_000_000i64..1_900_000_000, -12i32..14, 0i64..100_000).prop_map(|(secs, off, len)| {
            let offset = FixedOffset::east_opt(off * 3600).unwrap_or_else(|| panic!("offset"));
            let start = DateTime::from_timestamp(secs, 0).unwrap_or_else(|| panic!("ts")).with_timezone(&offset);
            (start, start + chrono::TimeDelta::seconds(len))
        });
        let id = prop_oneof![any::<i64>().prop_map(EntityId::Int), "[a-z]{1,8}".prop_map(EntityId::String)];
        (
            proptest::option::of(id.clone()),
            proptest::option::of((t.clone(), any::<bool>())),
            prop_oneof![
                any::<i32>().prop_map(|n| json!(n)),
                "[a-zA-Z ]{0,10}".prop_map(|s| json!(s)),
                Just(json!(true))
            ],
            proptest::option::of(t.clone()),
            proptest::option::of(t),
            proptest::option::of(id),
        )
            .prop_map(|(id, pt, result, rt, vt, foi)| ObservationRow {
                id,
                phenomenon_time: pt.map(|((s, e), interval)| {
                    if interval { TimeValue::Interval { start: s, end: e } } else { TimeValue::Instant(s) }
                }),
                result,
                result_time: rt.map(|(s, _)| s),
                result_quality: None,
                valid_time: vt.map(|(start, end)| TimeValue::Interval { start, end }),
                parameters: None,
                feature_of_interest: foi,
            })
    }

    proptest! {
        /// Writing rows with every component and reading them back gives the same rows.
        #[test]
        fn rows_round_trip(rows in proptest::collection::vec(arb_row(), 0..8)) {
            let block = DataArrayBlock {
                stream: StreamRef::Datastream(EntityId::Int(3)),
                components: vec![
                    Component::Id, Component::PhenomenonTime, Component::Result, Component::ResultTime,
                    Component::ValidTime, Component::FeatureOfInterestId,
                ],
                rows,
            };
            let back = parse_create_observations(&to_create_observations(std::slice::from_ref(&block)));
            prop_assert_eq!(back, Ok(vec![block]));
        }
    }
}
