//! `sensing`: the OGC SensorThings API 1.1 entities (integer ids are the `@iot.id`), bulk and idempotent
//! Observation ingest, the IOC alarms ([`alarms`]) and the rules that raise them ([`rules`]).
//!
//! Entities travel as JSON objects in their STA shape (`name`, `unitOfMeasurement`, `phenomenonTime`…); the
//! [`model`] maps each property to its column, so one reader, one writer and one `$filter` translator
//! ([`filter_sql`]) serve all eight sets on both engines.

pub mod alarms;
pub mod filter_sql;
pub mod model;
pub mod rules;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use smartcity_domain::ValidationError;
use smartcity_domain::sensing::sensorthings::temporal::parse_datetime;
use smartcity_domain::sensing::sensorthings::{Expr, OrderBy, TimeValue, matches};

pub use alarms::{AlarmStore, StoredAlarm};
pub use filter_sql::Param;
pub use model::{EntitySet, FieldKind, NavKind, Navigation};
pub use rules::AlarmRuleStore;

use crate::{Backend, Store, StoreError, StoreResult, in_write_tx, on_reader};
use filter_sql::{SqlBuilder, reads_own_properties_only, to_micros};

/// One stored entity: its `@iot.id` and its properties in STA shape (no links).
#[derive(Debug, Clone, PartialEq)]
pub struct StaEntity {
    pub id: i64,
    pub json: Map<String, Value>,
    /// The id each to-one navigation property points at (`Datastream`, `Thing`…), `None` when unset.
    pub refs: Vec<(&'static str, Option<i64>)>,
}

impl StaEntity {
    /// The id a to-one navigation property points at.
    pub fn reference(&self, navigation: &str) -> Option<i64> {
        self.refs.iter().find(|(n, _)| *n == navigation).and_then(|(_, id)| *id)
    }
}

/// Where a keyset page continues: the last row's order key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The phenomenonTime (µs) of the last row when ordering by time, else `None` (ordering by id).
    pub time: Option<i64>,
    pub id: i64,
}

impl Cursor {
    /// `t,id` or `id`, as carried in a next link.
    pub fn encode(&self) -> String {
        match self.time {
            Some(t) => format!("{t},{}", self.id),
            None => self.id.to_string(),
        }
    }

    /// Reads [`Self::encode`]'s form.
    pub fn decode(s: &str) -> Option<Cursor> {
        match s.split_once(',') {
            Some((t, id)) => Some(Cursor { time: Some(t.parse().ok()?), id: id.parse().ok()? }),
            None => Some(Cursor { time: None, id: s.parse().ok()? }),
        }
    }
}

/// A read of one collection (or of one entity when `id` is set).
#[derive(Debug, Clone)]
pub struct StaQuery<'a> {
    pub set: EntitySet,
    /// Only the entities reached from this parent entity through this navigation property.
    pub parent: Option<(i64, &'static Navigation)>,
    pub id: Option<i64>,
    pub filter: Option<&'a Expr>,
    pub orderby: &'a [OrderBy],
    pub top: i64,
    pub skip: i64,
    pub count: bool,
    pub cursor: Option<Cursor>,
    pub now: DateTime<Utc>,
}

impl<'a> StaQuery<'a> {
    /// Everything of `set`, first page of `top`.
    pub fn all(set: EntitySet, top: i64) -> Self {
        StaQuery {
            set,
            parent: None,
            id: None,
            filter: None,
            orderby: &[],
            top,
            skip: 0,
            count: false,
            cursor: None,
            now: Utc::now(),
        }
    }

    /// Whether this read can page by keyset (order by id, or Observations by phenomenonTime).
    pub fn keyset_order(&self) -> Option<KeysetOrder> {
        match self.orderby {
            [] => Some(KeysetOrder::Id),
            [o] if self.set == EntitySet::Observations && is_path(&o.expr, "phenomenonTime") => {
                Some(KeysetOrder::Time { descending: o.descending })
            }
            [o] if is_path(&o.expr, "id") || is_path(&o.expr, "@iot.id") => {
                if o.descending {
                    None
                } else {
                    Some(KeysetOrder::Id)
                }
            }
            _ => None,
        }
    }
}

/// The orders a keyset cursor supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeysetOrder {
    Id,
    Time { descending: bool },
}

fn is_path(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::Path(p) if p.0.len() == 1 && p.0[0] == smartcity_domain::sensing::sensorthings::PathSegment::Property(name.to_owned()))
}

/// One page of a collection.
#[derive(Debug, Clone, Default)]
pub struct StaPage {
    pub entities: Vec<StaEntity>,
    /// `$count=true`: how many match in all.
    pub count: Option<i64>,
    /// More rows follow this page.
    pub more: bool,
    /// Where the next page starts, when the order allows keyset paging.
    pub next_cursor: Option<Cursor>,
}

/// A reference to an entity in a write: an existing one, or one created by an earlier step of the same write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Id(i64),
    New(usize),
}

/// One step of an atomic STA write (deep inserts are a list of steps, children after parents).
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Create an entity; `links` name navigation properties (`Thing`, `Locations`…) and what they point at.
    Insert { set: EntitySet, props: Map<String, Value>, links: Vec<(&'static str, Ref)> },
    /// Change the given properties (PATCH) of an entity and, for links given, replace them.
    Update { set: EntitySet, id: i64, props: Map<String, Value>, links: Vec<(&'static str, Ref)> },
    /// Delete an entity (and, as STA requires, what depends on it).
    Delete { set: EntitySet, id: i64 },
}

/// A result of an Observation, split over the three result columns.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultValue {
    Number(f64),
    Text(String),
    /// Booleans, objects and arrays, as JSON text; `None` for JSON null.
    Json(Option<String>),
}

impl ResultValue {
    /// Splits a JSON result.
    pub fn from_json(v: &Value) -> ResultValue {
        match v {
            Value::Number(n) => n.as_f64().map_or_else(|| ResultValue::Json(Some(v.to_string())), ResultValue::Number),
            Value::String(s) => ResultValue::Text(s.clone()),
            Value::Null => ResultValue::Json(None),
            other => ResultValue::Json(Some(other.to_string())),
        }
    }

    /// The result as JSON, as it was most likely sent.
    pub fn to_value(&self) -> Value {
        match self {
            ResultValue::Number(n) => Self::to_json(Some(*n), None, None),
            ResultValue::Text(t) => Value::String(t.clone()),
            ResultValue::Json(j) => Self::to_json(None, None, j.clone()),
        }
    }

    fn to_json(number: Option<f64>, text: Option<String>, json: Option<String>) -> Value {
        if let Some(n) = number {
            // Whole numbers come back as integers, as they were most likely sent.
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                return json!(n as i64);
            }
            return json!(n);
        }
        if let Some(t) = text {
            return Value::String(t);
        }
        json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or(Value::Null)
    }
}

/// An Observation to store, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewObservation {
    pub datastream_id: i64,
    /// phenomenonTime start, µs.
    pub phenomenon_time: i64,
    /// phenomenonTime end for intervals, µs.
    pub phenomenon_time_end: Option<i64>,
    pub result: ResultValue,
    pub result_time: Option<i64>,
    pub result_quality: Option<String>,
    pub valid_time: Option<String>,
    pub parameters: Option<String>,
    /// `None`: derived from the Thing's Location.
    pub feature_id: Option<i64>,
    /// Set by MQTT ingest: an Observation with a key already stored is not stored again.
    pub dedup_key: Option<String>,
}

impl NewObservation {
    /// An Observation of `datastream_id` at `at` with a JSON result.
    pub fn new(datastream_id: i64, at: DateTime<Utc>, result: &Value) -> Self {
        NewObservation {
            datastream_id,
            phenomenon_time: to_micros(at),
            phenomenon_time_end: None,
            result: ResultValue::from_json(result),
            result_time: None,
            result_quality: None,
            valid_time: None,
            parameters: None,
            feature_id: None,
            dedup_key: None,
        }
    }

    /// Reads an Observation body (`phenomenonTime`, `result`, `resultTime`, `resultQuality`, `validTime`,
    /// `parameters`); `phenomenonTime` defaults to `now`. Unknown properties are refused.
    pub fn from_json(
        datastream_id: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        let mut o = NewObservation::new(datastream_id, now, &Value::Null);
        let mut has_result = false;
        for (k, v) in body {
            match k.as_str() {
                "phenomenonTime" if !v.is_null() => {
                    let t = time_value(k, v)?;
                    o.phenomenon_time = to_micros(t.start().with_timezone(&Utc));
                    if let TimeValue::Interval { end, .. } = t {
                        o.phenomenon_time_end = Some(to_micros(end.with_timezone(&Utc)));
                    }
                }
                "phenomenonTime" => {}
                "result" => {
                    has_result = true;
                    o.result = ResultValue::from_json(v);
                }
                "resultTime" => o.result_time = instant_micros(k, v)?,
                "resultQuality" => o.result_quality = (!v.is_null()).then(|| v.to_string()),
                "validTime" if !v.is_null() => match time_value(k, v)? {
                    t @ TimeValue::Interval { .. } => o.valid_time = Some(t.to_string()),
                    TimeValue::Instant(_) => return Err(bad_type("validTime", "một khoảng thời gian", "an interval")),
                },
                "validTime" => {}
                "parameters" => match v {
                    Value::Object(_) => o.parameters = Some(v.to_string()),
                    Value::Null => {}
                    _ => return Err(bad_type("parameters", "một đối tượng JSON", "a JSON object")),
                },
                other => return Err(unknown_property(EntitySet::Observations, other)),
            }
        }
        if !has_result {
            return Err(missing(EntitySet::Observations, "result"));
        }
        Ok(o)
    }

    /// A key that identifies this reading for redelivery: the client's id if it sent one, else the stream,
    /// the time and the result.
    pub fn derive_dedup_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let result = match &self.result {
            ResultValue::Number(n) => format!("n{n}"),
            ResultValue::Text(t) => format!("t{t}"),
            ResultValue::Json(j) => format!("j{}", j.as_deref().unwrap_or("null")),
        };
        let digest = Sha256::digest(format!("{}|{}|{result}", self.datastream_id, self.phenomenon_time).as_bytes());
        format!("d:{}", hex::encode(&digest[..16]))
    }
}

fn time_value(field: &str, v: &Value) -> Result<TimeValue, ValidationError> {
    v.as_str().and_then(TimeValue::parse).ok_or_else(|| {
        ValidationError::new(
            "phenomenonTime",
            "sta_time_invalid",
            format!("“{field}” phải là thời điểm ISO 8601 có múi giờ (Z hoặc ±hh:mm) hoặc khoảng thời gian."),
            format!("“{field}” must be an ISO 8601 instant with an offset (Z or ±hh:mm) or an interval."),
        )
    })
}

fn instant_micros(field: &str, v: &Value) -> Result<Option<i64>, ValidationError> {
    if v.is_null() {
        return Ok(None);
    }
    v.as_str().and_then(parse_datetime).map(|t| Some(to_micros(t.with_timezone(&Utc)))).ok_or_else(|| {
        ValidationError::new(
            "time",
            "sta_time_invalid",
            format!("“{field}” phải là thời điểm ISO 8601 có múi giờ (Z hoặc ±hh:mm)."),
            format!("“{field}” must be an ISO 8601 instant with an offset (Z or ±hh:mm)."),
        )
    })
}

fn bad_type(field: &str, vi: &str, en: &str) -> ValidationError {
    ValidationError::new(
        "body",
        "sta_property_type",
        format!("Thuộc tính “{field}” phải là {vi}."),
        format!("Property “{field}” must be {en}."),
    )
}

fn unknown_property(set: EntitySet, name: &str) -> ValidationError {
    ValidationError::new(
        "body",
        "sta_property_unknown",
        format!("{} không có thuộc tính “{name}”.", set.singular()),
        format!("{} has no property “{name}”.", set.singular()),
    )
}

fn missing(set: EntitySet, name: &str) -> ValidationError {
    ValidationError::new(
        "body",
        "sta_property_missing",
        format!("Thiếu thuộc tính bắt buộc “{name}” của {}.", set.singular()),
        format!("The required property “{name}” of {} is missing.", set.singular()),
    )
}

fn not_found(set: EntitySet, id: i64) -> ValidationError {
    ValidationError::new(
        "body",
        "sta_entity_not_found",
        format!("Không có {}({id}).", set.name()),
        format!("{}({id}) does not exist.", set.name()),
    )
}

/// Formats µs since the epoch as an STA instant (UTC, `Z`).
pub fn format_micros(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

/// Reading typed columns the same way from either engine's rows.
trait RowGet {
    fn text(&self, i: usize) -> StoreResult<Option<String>>;
    fn int(&self, i: usize) -> StoreResult<Option<i64>>;
    fn float(&self, i: usize) -> StoreResult<Option<f64>>;
}

macro_rules! impl_row_get {
    ($row:ty) => {
        impl RowGet for $row {
            fn text(&self, i: usize) -> StoreResult<Option<String>> {
                Ok(sqlx::Row::try_get(self, i)?)
            }
            fn int(&self, i: usize) -> StoreResult<Option<i64>> {
                Ok(sqlx::Row::try_get(self, i)?)
            }
            fn float(&self, i: usize) -> StoreResult<Option<f64>> {
                Ok(sqlx::Row::try_get(self, i)?)
            }
        }
    };
}
impl_row_get!(sqlx::sqlite::SqliteRow);
impl_row_get!(sqlx::postgres::PgRow);

/// Binds [`Param`]s in order onto a query of either engine.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut q = $query;
        for p in $params {
            q = match p {
                Param::Int(v) => q.bind(*v),
                Param::Float(v) => q.bind(*v),
                Param::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

/// The SELECT list of a set, its rows aliased `alias`.
fn select_list(set: EntitySet, alias: &str) -> String {
    let mut cols = vec![format!("{alias}.id")];
    for f in set.fields() {
        match f.kind {
            FieldKind::PhenomenonTime => {
                cols.push(format!("{alias}.phenomenon_time"));
                cols.push(format!("{alias}.phenomenon_time_end"));
            }
            FieldKind::Result => {
                cols.push(format!("{alias}.result_number"));
                cols.push(format!("{alias}.result_text"));
                cols.push(format!("{alias}.result_json"));
            }
            FieldKind::Derived => {
                cols.push(format!(
                    "(SELECT MIN(o.phenomenon_time) FROM sta_observations o WHERE o.datastream_id = {alias}.id)"
                ));
                cols.push(format!(
                    "(SELECT MAX(o.phenomenon_time) FROM sta_observations o WHERE o.datastream_id = {alias}.id)"
                ));
            }
            _ => cols.push(format!("{alias}.{}", f.column)),
        }
    }
    for nav in set.navigations() {
        if let NavKind::ToOne { column } = nav.kind {
            cols.push(format!("{alias}.{column}"));
        }
    }
    cols.join(", ")
}

fn decode_entity<R: RowGet>(set: EntitySet, row: &R) -> StoreResult<StaEntity> {
    let id = row.int(0)?.unwrap_or_default();
    let mut json = Map::new();
    let mut i = 1;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str::<Value>(&s).ok()).unwrap_or(Value::Null);
    for f in set.fields() {
        let v = match f.kind {
            FieldKind::Text => Value::String(row.text(i)?.unwrap_or_default()),
            FieldKind::Json { .. } => parse(row.text(i)?),
            FieldKind::Time { .. } => row.int(i)?.map_or(Value::Null, |t| Value::String(format_micros(t))),
            FieldKind::Interval => row.text(i)?.map_or(Value::Null, Value::String),
            FieldKind::PhenomenonTime | FieldKind::Derived => {
                let start = row.int(i)?;
                let end = row.int(i + 1)?;
                i += 1;
                match (start, end, f.kind) {
                    (Some(s), Some(e), FieldKind::PhenomenonTime) if e != s => {
                        Value::String(format!("{}/{}", format_micros(s), format_micros(e)))
                    }
                    (Some(s), Some(e), FieldKind::Derived) => {
                        Value::String(format!("{}/{}", format_micros(s), format_micros(e)))
                    }
                    (Some(s), _, FieldKind::PhenomenonTime) => Value::String(format_micros(s)),
                    _ => Value::Null,
                }
            }
            FieldKind::Result => {
                let v = ResultValue::to_json(row.float(i)?, row.text(i + 1)?, row.text(i + 2)?);
                i += 2;
                v
            }
        };
        i += 1;
        // A Datastream without Observations has no phenomenonTime: leave it out rather than write null.
        if f.kind == FieldKind::Derived && v.is_null() {
            continue;
        }
        json.insert(f.name.to_owned(), v);
    }
    let mut refs = Vec::new();
    for nav in set.navigations() {
        if let NavKind::ToOne { .. } = nav.kind {
            refs.push((nav.name, row.int(i)?));
            i += 1;
        }
    }
    Ok(StaEntity { id, json, refs })
}

/// The restriction a parent puts on a collection, rows aliased `t`.
fn parent_condition(b: &mut SqlBuilder, parent_id: i64, nav: &Navigation) -> String {
    let p = b.push(Param::Int(Some(parent_id)));
    match nav.kind {
        NavKind::ToOne { column } => format!("t.id = (SELECT {column} FROM {} WHERE id = {p})", nav.from.table()),
        NavKind::ToMany { column } => format!("t.{column} = {p}"),
        NavKind::ManyToMany { link_table, from_column, to_column } => {
            format!("t.id IN (SELECT {to_column} FROM {link_table} WHERE {from_column} = {p})")
        }
    }
}

/// Most candidate rows a filter the database cannot evaluate may scan in memory.
pub const MAX_IN_MEMORY_SCAN: i64 = 10_000;

fn filter_too_broad() -> ValidationError {
    ValidationError::new(
        "$filter",
        "sta_filter_too_broad",
        format!(
            "Một phần của $filter (hàm không gian, round/floor/ceiling…) chỉ được tính cho tối đa {MAX_IN_MEMORY_SCAN} bản ghi; hãy thu hẹp điều kiện (ví dụ theo thời gian hoặc tên)."
        ),
        format!(
            "Part of this $filter (geospatial functions, round/floor/ceiling…) is evaluated for at most {MAX_IN_MEMORY_SCAN} records; narrow it (e.g. by time or name)."
        ),
    )
}

fn filter_unsupported() -> ValidationError {
    ValidationError::new(
        "$filter",
        "sta_filter_unsupported",
        "Biểu thức $filter này đi qua quan hệ nhiều-nhiều hoặc dùng hàm không gian trên thực thể liên quan; máy chủ chưa hỗ trợ.",
        "This $filter goes through a to-many relation or applies a geospatial function to a related entity; the server does not support that.",
    )
}

/// Rows of one entity set written through the generic writer: property → (column, parameter).
fn props_to_columns(
    set: EntitySet,
    props: &Map<String, Value>,
    full: bool,
) -> Result<Vec<(&'static str, Param)>, ValidationError> {
    let mut out = Vec::new();
    for (k, _) in props {
        if set.field(k).is_none() {
            return Err(unknown_property(set, k));
        }
    }
    for f in set.fields() {
        let v = props.get(f.name);
        if v.is_none() && !full {
            continue;
        }
        let v = v.unwrap_or(&Value::Null);
        match f.kind {
            FieldKind::Text => match v {
                Value::String(s) => out.push((f.column, Param::Text(Some(s.clone())))),
                Value::Null => return Err(missing(set, f.name)),
                _ => return Err(bad_type(f.name, "một chuỗi", "a string")),
            },
            FieldKind::Json { required } => {
                if v.is_null() && required {
                    return Err(missing(set, f.name));
                }
                out.push((f.column, Param::Text((!v.is_null()).then(|| v.to_string()))));
            }
            FieldKind::Time { required } => {
                if v.is_null() && required {
                    return Err(missing(set, f.name));
                }
                out.push((f.column, Param::Int(instant_micros(f.name, v)?)));
            }
            FieldKind::Derived => {}
            // Observations are created by `insert_observations`; these arms serve PATCH and PUT.
            FieldKind::PhenomenonTime => {
                let t = time_value(f.name, v)?;
                let end = match t {
                    TimeValue::Interval { end, .. } => Some(to_micros(end.with_timezone(&Utc))),
                    TimeValue::Instant(_) => None,
                };
                out.push(("phenomenon_time", Param::Int(Some(to_micros(t.start().with_timezone(&Utc))))));
                out.push(("phenomenon_time_end", Param::Int(end)));
            }
            FieldKind::Result => {
                let (n, t, j) = match ResultValue::from_json(v) {
                    ResultValue::Number(n) => (Some(n), None, None),
                    ResultValue::Text(t) => (None, Some(t), None),
                    ResultValue::Json(j) => (None, None, j),
                };
                out.push(("result_number", Param::Float(n)));
                out.push(("result_text", Param::Text(t)));
                out.push(("result_json", Param::Text(j)));
            }
            FieldKind::Interval => match v {
                Value::Null => out.push((f.column, Param::Text(None))),
                v => match time_value(f.name, v)? {
                    t @ TimeValue::Interval { .. } => out.push((f.column, Param::Text(Some(t.to_string())))),
                    TimeValue::Instant(_) => return Err(bad_type(f.name, "một khoảng thời gian", "an interval")),
                },
            },
        }
    }
    Ok(out)
}

/// Existence checks inside a write transaction on either engine.
trait EntityCheck {
    /// The first of `ids` that `set` does not hold.
    async fn first_missing(&mut self, set: EntitySet, ids: &[i64]) -> StoreResult<Option<i64>>;
}

crate::impl_for_connections!(impl EntityCheck {
    async fn first_missing(&mut self, set: EntitySet, ids: &[i64]) -> StoreResult<Option<i64>> {
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id FROM {} WHERE id IN ({})", set.table(), marks.join(", "));
            let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            let found: HashSet<i64> = q.fetch_all(&mut *self).await?.into_iter().map(|(i,)| i).collect();
            if let Some(missing) = chunk.iter().find(|i| !found.contains(i)) {
                return Ok(Some(*missing));
            }
        }
        Ok(None)
    }
});

/// The columns of `sta_observations` in the order [`SensingStore::insert_observations`] considers them.
const OBSERVATION_COLUMNS: [&str; 13] = [
    "id",
    "datastream_id",
    "phenomenon_time",
    "phenomenon_time_end",
    "result_number",
    "result_text",
    "result_json",
    "result_time",
    "result_quality",
    "valid_time",
    "parameters",
    "feature_id",
    "dedup_key",
];

/// How many Observations one INSERT carries: 13 parameters a row stays far below both engines' limits.
const OBSERVATION_CHUNK: usize = 500;

/// The sensing capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait SensingStore {
    /// One page of a collection (or one entity).
    async fn sta_query(&self, q: &StaQuery<'_>) -> StoreResult<StaPage>;
    /// One entity, or `NotFound`.
    async fn sta_get(&self, set: EntitySet, id: i64) -> StoreResult<StaEntity>;
    /// Runs the steps of a write in one transaction; returns the id of each step's entity.
    async fn sta_write(&self, ops: &[WriteOp]) -> StoreResult<Vec<i64>>;
    /// Stores Observations in one transaction (multi-row INSERTs), deriving missing FeaturesOfInterest from the
    /// Thing's Location. Returns each row's new id, or `None` when its `dedup_key` was already stored. Fails
    /// with `sta_entity_not_found` when a Datastream or FeatureOfInterest does not exist (nothing is stored).
    async fn insert_observations(&self, rows: &[NewObservation]) -> StoreResult<Vec<Option<i64>>>;
    /// `observationType` of each of these Datastreams that exists.
    async fn datastream_types(&self, ids: &[i64]) -> StoreResult<HashMap<i64, String>>;
    /// Numeric Observations of a Datastream with phenomenonTime in `[from, to)`, oldest first: (µs, value).
    async fn numeric_series(
        &self,
        datastream_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, f64)>>;
    /// The phenomenonTime (µs) of the newest Observation of each Datastream of each Thing: (thing id, latest).
    async fn latest_observation_per_thing(&self) -> StoreResult<HashMap<i64, i64>>;
}

impl SensingStore for Store {
    async fn sta_query(&self, q: &StaQuery<'_>) -> StoreResult<StaPage> {
        let mut b = SqlBuilder::new(self.backend(), q.now);
        let mut conds: Vec<String> = Vec::new();
        if let Some((pid, nav)) = q.parent {
            conds.push(parent_condition(&mut b, pid, nav));
        }
        if let Some(id) = q.id {
            let p = b.push(Param::Int(Some(id)));
            conds.push(format!("t.id = {p}"));
        }
        let mut residual = Vec::new();
        if let Some(f) = q.filter {
            let (sql, rest) = b.filter(q.set, "t", f);
            conds.extend(sql);
            residual = rest;
        }
        if residual.iter().any(|e| !reads_own_properties_only(q.set, e)) {
            return Err(filter_unsupported().into());
        }
        let mut order = b.orderby(q.set, "t", q.orderby).map_err(|_| {
            ValidationError::new(
                "$orderby",
                "sta_orderby_unsupported",
                "Không thể sắp xếp theo biểu thức $orderby này.",
                "This $orderby expression cannot be used for sorting.",
            )
        })?;
        let keyset = if residual.is_empty() { q.keyset_order() } else { None };
        let count_conds = conds.clone();
        let count_params = b.params.clone();
        let desc = match keyset {
            Some(KeysetOrder::Time { descending }) => descending,
            _ => q.orderby.last().is_some_and(|o| o.descending),
        };
        if let (Some(k), Some(c)) = (keyset, q.cursor) {
            let cmp = if desc { "<" } else { ">" };
            match (k, c.time) {
                (KeysetOrder::Time { .. }, Some(t)) => {
                    let (pt, pi) = (b.push(Param::Int(Some(t))), b.push(Param::Int(Some(c.id))));
                    conds.push(format!("(t.phenomenon_time, t.id) {cmp} ({pt}, {pi})"));
                }
                _ => {
                    let pi = b.push(Param::Int(Some(c.id)));
                    conds.push(format!("t.id {cmp} {pi}"));
                }
            }
        }
        order.push(if desc { "t.id DESC".into() } else { "t.id ASC".into() });
        let where_sql = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        let (limit, offset) = if residual.is_empty() {
            (q.top + 1, if q.cursor.is_some() && keyset.is_some() { 0 } else { q.skip })
        } else {
            (MAX_IN_MEMORY_SCAN + 1, 0)
        };
        let lp = b.push(Param::Int(Some(limit)));
        let op = b.push(Param::Int(Some(offset)));
        let sql = format!(
            "SELECT {} FROM {} t{where_sql} ORDER BY {} LIMIT {lp} OFFSET {op}",
            select_list(q.set, "t"),
            q.set.table(),
            order.join(", ")
        );
        let params = b.params;
        let mut entities = on_reader!(self, pool => {
            let rows = bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql)), &params).fetch_all(pool).await?;
            rows.iter().map(|r| decode_entity(q.set, r)).collect::<StoreResult<Vec<_>>>()?
        });
        let mut count = None;
        if !residual.is_empty() {
            if entities.len() as i64 > MAX_IN_MEMORY_SCAN {
                return Err(filter_too_broad().into());
            }
            entities.retain(|e| {
                let mut v = e.json.clone();
                v.insert("id".into(), json!(e.id));
                v.insert("@iot.id".into(), json!(e.id));
                let v = Value::Object(v);
                residual.iter().all(|f| matches(f, &v, q.now))
            });
            if q.count {
                count = Some(entities.len() as i64);
            }
            entities = entities.into_iter().skip(q.skip.max(0) as usize).collect();
        } else if q.count {
            let sql = format!(
                "SELECT COUNT(*) FROM {} t{}",
                q.set.table(),
                if count_conds.is_empty() { String::new() } else { format!(" WHERE {}", count_conds.join(" AND ")) }
            );
            count = Some(on_reader!(self, pool => {
                let (n,): (i64,) = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &count_params).fetch_one(pool).await?;
                n
            }));
        }
        let more = entities.len() as i64 > q.top;
        entities.truncate(q.top.max(0) as usize);
        let next_cursor = match (more, keyset, entities.last()) {
            (true, Some(KeysetOrder::Time { .. }), Some(last)) => {
                let t = last.json.get("phenomenonTime").and_then(Value::as_str).and_then(TimeValue::parse);
                t.map(|t| Cursor { time: Some(to_micros(t.start().with_timezone(&Utc))), id: last.id })
            }
            (true, Some(KeysetOrder::Id), Some(last)) => Some(Cursor { time: None, id: last.id }),
            _ => None,
        };
        Ok(StaPage { entities, count, more, next_cursor })
    }

    async fn sta_get(&self, set: EntitySet, id: i64) -> StoreResult<StaEntity> {
        let mut q = StaQuery::all(set, 1);
        q.id = Some(id);
        self.sta_query(&q).await?.entities.into_iter().next().ok_or(StoreError::NotFound)
    }

    async fn sta_write(&self, ops: &[WriteOp]) -> StoreResult<Vec<i64>> {
        let now = to_micros(crate::now());
        let ids = in_write_tx!(self, tx => {
            let mut ids: Vec<i64> = Vec::with_capacity(ops.len());
            for op in ops {
                let resolve = |r: &Ref| -> StoreResult<i64> {
                    match r {
                        Ref::Id(id) => Ok(*id),
                        Ref::New(i) => ids.get(*i).copied().ok_or(StoreError::NotFound),
                    }
                };
                match op {
                    WriteOp::Insert { set, props, links } | WriteOp::Update { set, props, links, .. } => {
                        let is_insert = matches!(op, WriteOp::Insert { .. });
                        let mut cols = props_to_columns(*set, props, is_insert)?;
                        let mut many: Vec<(&'static Navigation, i64)> = Vec::new();
                        for (name, r) in links {
                            let nav = set.navigation(name).ok_or_else(|| unknown_property(*set, name))?;
                            let target = resolve(r)?;
                            if tx.first_missing(nav.to, &[target]).await?.is_some() {
                                return Err(not_found(nav.to, target).into());
                            }
                            match nav.kind {
                                NavKind::ToOne { column } => cols.push((column, Param::Int(Some(target)))),
                                NavKind::ManyToMany { .. } => many.push((nav, target)),
                                NavKind::ToMany { .. } => return Err(unknown_property(*set, name).into()),
                            }
                        }
                        let id = if let WriteOp::Update { id, .. } = op {
                            if !cols.is_empty() {
                                let sets: Vec<String> = cols.iter().enumerate().map(|(i, (c, _))| format!("{c} = ${}", i + 1)).collect();
                                let sql = format!("UPDATE {} SET {} WHERE id = ${}", set.table(), sets.join(", "), cols.len() + 1);
                                let params: Vec<Param> = cols.iter().map(|(_, p)| p.clone()).collect();
                                let done = bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql)), &params).bind(*id).execute(&mut *tx).await?;
                                if done.rows_affected() == 0 {
                                    return Err(StoreError::NotFound);
                                }
                            } else {
                                if tx.first_missing(*set, &[*id]).await?.is_some() {
                                    return Err(StoreError::NotFound);
                                }
                            }
                            *id
                        } else {
                            if *set == EntitySet::Datastreams {
                                for needed in ["thing_id", "sensor_id", "observed_property_id"] {
                                    if !cols.iter().any(|(c, _)| *c == needed) {
                                        let nav = match needed { "thing_id" => "Thing", "sensor_id" => "Sensor", _ => "ObservedProperty" };
                                        return Err(missing(*set, nav).into());
                                    }
                                }
                            }
                            if *set == EntitySet::HistoricalLocations && !cols.iter().any(|(c, _)| *c == "thing_id") {
                                return Err(missing(*set, "Thing").into());
                            }
                            let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
                            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
                            let sql = if cols.is_empty() {
                                format!("INSERT INTO {} DEFAULT VALUES RETURNING id", set.table())
                            } else {
                                format!("INSERT INTO {} ({}) VALUES ({}) RETURNING id", set.table(), names.join(", "), marks.join(", "))
                            };
                            let params: Vec<Param> = cols.iter().map(|(_, p)| p.clone()).collect();
                            let (id,): (i64,) = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &params).fetch_one(&mut *tx).await?;
                            id
                        };
                        // Many-to-many links: given ones replace the old ones; a Thing's new Locations are history.
                        let mut by_nav: Vec<&'static Navigation> = Vec::new();
                        for (nav, _) in &many {
                            if !by_nav.contains(nav) {
                                by_nav.push(nav);
                            }
                        }
                        for nav in by_nav {
                            let NavKind::ManyToMany { link_table, from_column, to_column } = nav.kind else { continue };
                            let sql = format!("DELETE FROM {link_table} WHERE {from_column} = $1");
                            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *tx).await?;
                            let targets: Vec<i64> = many.iter().filter(|(n, _)| *n == nav).map(|(_, t)| *t).collect();
                            for t in &targets {
                                let sql = format!("INSERT INTO {link_table} ({from_column}, {to_column}) VALUES ($1, $2) ON CONFLICT DO NOTHING");
                                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(*t).execute(&mut *tx).await?;
                            }
                            let thing = match (*set, nav.name) {
                                (EntitySet::Things, "Locations") => Some((id, targets.clone())),
                                _ => None,
                            };
                            if let Some((thing_id, locations)) = thing {
                                let (hl,): (i64,) = sqlx::query_as("INSERT INTO sta_historical_locations (thing_id, time) VALUES ($1, $2) RETURNING id")
                                    .bind(thing_id).bind(now).fetch_one(&mut *tx).await?;
                                for l in locations {
                                    sqlx::query("INSERT INTO sta_historical_location_locations (historical_location_id, location_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                                        .bind(hl).bind(l).execute(&mut *tx).await?;
                                }
                            }
                        }
                        ids.push(id);
                    }
                    WriteOp::Delete { set, id } => {
                        let sql = format!("DELETE FROM {} WHERE id = $1", set.table());
                        let done = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(*id).execute(&mut *tx).await?;
                        if done.rows_affected() == 0 {
                            return Err(StoreError::NotFound);
                        }
                        ids.push(*id);
                    }
                }
            }
            ids
        });
        Ok(ids)
    }

    async fn insert_observations(&self, rows: &[NewObservation]) -> StoreResult<Vec<Option<i64>>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let backend = self.backend();
        let streams: Vec<i64> = {
            let mut seen = HashSet::new();
            rows.iter().map(|r| r.datastream_id).filter(|d| seen.insert(*d)).collect()
        };
        let features: Vec<i64> = {
            let mut seen = HashSet::new();
            rows.iter().filter_map(|r| r.feature_id).filter(|f| seen.insert(*f)).collect()
        };
        let need_derived: HashSet<i64> =
            rows.iter().filter(|r| r.feature_id.is_none()).map(|r| r.datastream_id).collect();
        let out = in_write_tx!(self, tx => {
            // Every Datastream and FeatureOfInterest named must exist.
            for (set, ids) in [(EntitySet::Datastreams, &streams), (EntitySet::FeaturesOfInterest, &features)] {
                if let Some(missing) = tx.first_missing(set, ids).await? {
                    return Err(not_found(set, missing).into());
                }
            }
            // FeatureOfInterest derived from the Thing's (first) Location, created once per Location.
            let mut derived: HashMap<i64, Option<i64>> = HashMap::new();
            for ds in &need_derived {
                let loc: Option<(i64, String, String, String, String)> = sqlx::query_as(
                    "SELECT l.id, l.name, l.description, l.encoding_type, l.location FROM sta_locations l \
                     JOIN sta_thing_locations tl ON tl.location_id = l.id \
                     JOIN sta_datastreams d ON d.thing_id = tl.thing_id WHERE d.id = $1 ORDER BY l.id LIMIT 1",
                )
                .bind(*ds)
                .fetch_optional(&mut *tx)
                .await?;
                let foi = match loc {
                    None => None,
                    Some((lid, name, description, encoding, location)) => {
                        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM sta_features WHERE from_location_id = $1 ORDER BY id LIMIT 1")
                            .bind(lid).fetch_optional(&mut *tx).await?;
                        match existing {
                            Some((id,)) => Some(id),
                            None => {
                                let (id,): (i64,) = sqlx::query_as(
                                    "INSERT INTO sta_features (name, description, encoding_type, feature, from_location_id) \
                                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                )
                                .bind(name).bind(description).bind(encoding).bind(location).bind(lid)
                                .fetch_one(&mut *tx).await?;
                                Some(id)
                            }
                        }
                    }
                };
                derived.insert(*ds, foi);
            }
            // Ids are taken up front so that the answer can name every row, also when duplicates are skipped.
            let ids: Vec<i64> = if backend == Backend::Postgres {
                sqlx::query_as::<_, (i64,)>("SELECT nextval(pg_get_serial_sequence('sta_observations', 'id')) FROM generate_series(1, $1)")
                    .bind(rows.len() as i64)
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .map(|(i,)| i)
                    .collect()
            } else {
                let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM sta_observations").fetch_one(&mut *tx).await?;
                let first = max.unwrap_or(0) + 1;
                (first..first + rows.len() as i64).collect()
            };
            let dedup = rows.iter().any(|r| r.dedup_key.is_some());
            let mut stored: HashSet<i64> = HashSet::new();
            let foi_of = |r: &NewObservation| r.feature_id.or_else(|| derived.get(&r.datastream_id).copied().flatten());
            for (chunk_no, chunk) in rows.chunks(OBSERVATION_CHUNK).enumerate() {
                // Only the columns some row of the chunk fills are bound: a typical reading binds 4 values, not 13,
                // which is most of the cost of an insert through the driver.
                let any = |f: &dyn Fn(&NewObservation) -> bool| chunk.iter().any(f);
                let present = [
                    true,
                    true,
                    true,
                    any(&|r| r.phenomenon_time_end.is_some()),
                    any(&|r| matches!(r.result, ResultValue::Number(_))),
                    any(&|r| matches!(r.result, ResultValue::Text(_))),
                    any(&|r| matches!(r.result, ResultValue::Json(Some(_)))),
                    any(&|r| r.result_time.is_some()),
                    any(&|r| r.result_quality.is_some()),
                    any(&|r| r.valid_time.is_some()),
                    any(&|r| r.parameters.is_some()),
                    any(&|r| foi_of(r).is_some()),
                    any(&|r| r.dedup_key.is_some()),
                ];
                let names: Vec<&str> = OBSERVATION_COLUMNS.iter().zip(present).filter(|(_, p)| *p).map(|(c, _)| *c).collect();
                let width = names.len();
                let mut sql = String::with_capacity(64 + chunk.len() * 8 * width);
                sql.push_str("INSERT INTO sta_observations (");
                sql.push_str(&names.join(", "));
                sql.push_str(") VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push('(');
                    for c in 1..=width {
                        if c > 1 {
                            sql.push_str(", ");
                        }
                        sql.push('$');
                        sql.push_str(&(i * width + c).to_string());
                    }
                    sql.push(')');
                }
                if dedup {
                    sql.push_str(" ON CONFLICT DO NOTHING RETURNING id");
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (i, r) in chunk.iter().enumerate() {
                    let (n, t, j) = match &r.result {
                        ResultValue::Number(n) => (Some(*n), None, None),
                        ResultValue::Text(t) => (None, Some(t.as_str()), None),
                        ResultValue::Json(j) => (None, None, j.as_deref()),
                    };
                    q = q.bind(ids[chunk_no * OBSERVATION_CHUNK + i]).bind(r.datastream_id).bind(r.phenomenon_time);
                    if present[3] { q = q.bind(r.phenomenon_time_end); }
                    if present[4] { q = q.bind(n); }
                    if present[5] { q = q.bind(t); }
                    if present[6] { q = q.bind(j); }
                    if present[7] { q = q.bind(r.result_time); }
                    if present[8] { q = q.bind(r.result_quality.as_deref()); }
                    if present[9] { q = q.bind(r.valid_time.as_deref()); }
                    if present[10] { q = q.bind(r.parameters.as_deref()); }
                    if present[11] { q = q.bind(foi_of(r)); }
                    if present[12] { q = q.bind(r.dedup_key.as_deref()); }
                }
                if dedup {
                    for row in q.fetch_all(&mut *tx).await? {
                        let id: i64 = sqlx::Row::try_get(&row, 0)?;
                        stored.insert(id);
                    }
                } else {
                    q.execute(&mut *tx).await?;
                }
            }
            if dedup {
                ids.iter().map(|i| stored.contains(i).then_some(*i)).collect::<Vec<_>>()
            } else {
                ids.into_iter().map(Some).collect::<Vec<_>>()
            }
        });
        Ok(out)
    }

    async fn datastream_types(&self, ids: &[i64]) -> StoreResult<HashMap<i64, String>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id, observation_type FROM sta_datastreams WHERE id IN ({})", marks.join(", "));
            let rows: Vec<(i64, String)> = on_reader!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    async fn numeric_series(
        &self,
        datastream_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, f64)>> {
        let rows: Vec<(i64, f64)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT phenomenon_time, result_number FROM sta_observations WHERE datastream_id = $1 \
                 AND phenomenon_time >= $2 AND phenomenon_time < $3 AND result_number IS NOT NULL \
                 ORDER BY phenomenon_time, id",
            )
            .bind(datastream_id)
            .bind(to_micros(from))
            .bind(to_micros(to))
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    async fn latest_observation_per_thing(&self) -> StoreResult<HashMap<i64, i64>> {
        let rows: Vec<(i64, Option<i64>)> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT d.thing_id, (SELECT o.phenomenon_time FROM sta_observations o WHERE o.datastream_id = d.id \
                 ORDER BY o.phenomenon_time DESC LIMIT 1) FROM sta_datastreams d",
            )
            .fetch_all(pool)
            .await?
        });
        let mut out: HashMap<i64, i64> = HashMap::new();
        for (thing, latest) in rows {
            if let Some(t) = latest {
                let e = out.entry(thing).or_insert(t);
                *e = (*e).max(t);
            }
        }
        Ok(out)
    }
}
