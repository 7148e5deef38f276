//! OGC SensorThings API 1.1 (OGC 18-088) at `/sta/v1.1/`: Sensing Core (the eight entity sets, selfLinks and
//! navigation links, `$top $skip $count $orderby $select $expand`, server-driven paging), Filtering (`$filter`
//! translated to SQL by the store), Create-Update-Delete (deep insert, PATCH, PUT, DELETE) and DataArray
//! (`CreateObservations`, `$resultFormat=dataArray`).
//!
//! Errors are OData-style JSON, `{"error": {"code", "message", "message_vi", "message_en", "target"}}`, with 400
//! for anything the client can fix; a request never gets a 5xx for bad input. Reads are public (sensor data is
//! open data); writes need a staff session or a Bearer API token of an IOC operator or administrator.

use std::future::Future;
use std::pin::Pin;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use smartcity_domain::ValidationError;
use smartcity_domain::identity::Role;
use smartcity_domain::sensing::sensorthings::data_array::{
    Component, DataArrayBlock, EntityId, ObservationRow, StreamRef,
};
use smartcity_domain::sensing::sensorthings::temporal::parse_datetime;
use smartcity_domain::sensing::sensorthings::{
    Expand, PathSegment, PropertyPath, Query, ResultFormat, TimeValue, create_observations_response,
    parse_create_observations,
};
use smartcity_store::sensing::{
    Cursor, EntitySet, NavKind, Navigation, NewObservation, Ref, SensingStore, StaEntity, StaQuery, WriteOp,
};
use smartcity_store::{IdentityStore, StoreError};

use super::ingest::store_observations;
use crate::AppState;
use crate::shell::auth::MaybeUser;

/// Page size when the client gives no `$top`.
pub const DEFAULT_TOP: u64 = 100;
/// Largest `$top` served in one page (larger requests get this many and a next link).
pub const MAX_TOP: u64 = 10_000;

/// An OData-style error response.
#[derive(Debug, Clone)]
pub struct StaError {
    pub status: StatusCode,
    pub code: &'static str,
    pub vi: String,
    pub en: String,
    pub target: Option<&'static str>,
}

impl StaError {
    fn new(status: StatusCode, code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        StaError { status, code, vi: vi.into(), en: en.into(), target: None }
    }

    fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "sta_not_found",
            "Không có thực thể hoặc tập thực thể này.",
            "No such entity or entity set.",
        )
    }

    fn bad(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, vi, en)
    }

    /// A store failure: input problems are 400, a database error while evaluating a client's query is 400 too
    /// (the query asked for something the engine refused, e.g. an overflow), anything else is logged and 500.
    fn from_store(e: StoreError, client_query: bool) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Invalid(v) => v.into(),
            StoreError::Conflict { constraint } => Self::new(
                StatusCode::CONFLICT,
                "sta_conflict",
                format!("Xung đột dữ liệu ({constraint})."),
                format!("Conflicting data ({constraint})."),
            ),
            StoreError::Database(e) if client_query => {
                tracing::info!(error = %e, "STA query refused by the database");
                Self::bad(
                    "sta_query_failed",
                    "Cơ sở dữ liệu không tính được truy vấn này (ví dụ tràn số); hãy sửa $filter/$orderby.",
                    "The database could not evaluate this query (e.g. a numeric overflow); change $filter/$orderby.",
                )
            }
            other => {
                tracing::error!(error = %other, "STA request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Hệ thống gặp lỗi. Vui lòng thử lại sau.",
                    "Something went wrong on our side. Please try again later.",
                )
            }
        }
    }
}

impl From<ValidationError> for StaError {
    fn from(v: ValidationError) -> Self {
        StaError { status: StatusCode::BAD_REQUEST, code: v.code, vi: v.vi, en: v.en, target: Some(v.field) }
    }
}

impl IntoResponse for StaError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "code": self.code, "message": self.en, "message_vi": self.vi, "message_en": self.en, "target": self.target,
        }});
        (self.status, axum::Json(body)).into_response()
    }
}

type StaResult<T> = Result<T, StaError>;

/// Routes of the SensorThings API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sta/v1.1", get(service_root))
        .route("/sta/v1.1/", get(service_root))
        .route("/sta/v1.1/{*path}", any(dispatch))
}

/// The base URL of the service as the client reached it.
fn base_url(headers: &HeaderMap, state: &AppState) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/sta/v1.1")
}

async fn service_root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&headers, &state);
    let value: Vec<Value> =
        EntitySet::ALL.iter().map(|s| json!({"name": s.name(), "url": format!("{base}/{}", s.name())})).collect();
    axum::Json(json!({
        "value": value,
        "serverSettings": {
            "conformance": [
                "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation",
                "http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates",
            ],
        },
    }))
    .into_response()
}

/// What a resource path names.
#[derive(Debug, Clone)]
enum Target {
    Collection { set: EntitySet, parent: Option<(i64, &'static Navigation)> },
    Entity { set: EntitySet, id: i64 },
    Property { set: EntitySet, id: i64, name: String, raw: bool },
}

fn parse_segment(seg: &str) -> StaResult<(String, Option<i64>)> {
    match seg.split_once('(') {
        None => Ok((seg.to_owned(), None)),
        Some((name, rest)) => {
            let inner = rest.strip_suffix(')').ok_or_else(StaError::not_found)?;
            let id = inner.parse::<i64>().map_err(|_| StaError::not_found())?;
            Ok((name.to_owned(), Some(id)))
        }
    }
}

async fn resolve(state: &AppState, path: &str) -> StaResult<Target> {
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    let (first, id) = parse_segment(segs.next().ok_or_else(StaError::not_found)?)?;
    let set = EntitySet::from_name(&first).ok_or_else(StaError::not_found)?;
    let mut target = match id {
        Some(id) => Target::Entity { set, id },
        None => Target::Collection { set, parent: None },
    };
    for seg in segs {
        let (name, seg_id) = parse_segment(seg)?;
        target = match target {
            Target::Entity { set, id: pid } => {
                if let Some(nav) = set.navigation(&name) {
                    match (nav.kind, seg_id) {
                        (NavKind::ToOne { .. }, None) => {
                            let parent =
                                state.store.sta_get(set, pid).await.map_err(|e| StaError::from_store(e, false))?;
                            let to = parent.reference(nav.name).ok_or_else(StaError::not_found)?;
                            Target::Entity { set: nav.to, id: to }
                        }
                        (NavKind::ToOne { .. }, Some(_)) => return Err(StaError::not_found()),
                        (_, None) => Target::Collection { set: nav.to, parent: Some((pid, nav)) },
                        (_, Some(cid)) => {
                            let mut q = StaQuery::all(nav.to, 1);
                            q.parent = Some((pid, nav));
                            q.id = Some(cid);
                            let page = state.store.sta_query(&q).await.map_err(|e| StaError::from_store(e, false))?;
                            if page.entities.is_empty() {
                                return Err(StaError::not_found());
                            }
                            Target::Entity { set: nav.to, id: cid }
                        }
                    }
                } else if seg_id.is_none() && (set.field(&name).is_some() || name == "id") {
                    Target::Property { set, id: pid, name, raw: false }
                } else {
                    return Err(StaError::not_found());
                }
            }
            Target::Property { set, id, name: prop, raw: false } if name == "$value" && seg_id.is_none() => {
                Target::Property { set, id, name: prop, raw: true }
            }
            _ => return Err(StaError::not_found()),
        };
    }
    Ok(target)
}

async fn dispatch(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(path): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let base = base_url(&headers, &state);
    let raw_query = uri.query().unwrap_or("").to_owned();
    let result = async {
        if method == Method::GET {
            return get_resource(&state, &base, &path, &raw_query).await;
        }
        if ![Method::POST, Method::PATCH, Method::PUT, Method::DELETE].contains(&method) {
            return Err(StaError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "sta_method_not_allowed",
                "Phương thức HTTP này không được hỗ trợ.",
                "This HTTP method is not supported.",
            ));
        }
        require_writer(&state, user.as_ref()).await?;
        let body = match body {
            Ok(b) => b,
            Err(rejection) => {
                let status = rejection.status();
                return Err(if status == StatusCode::PAYLOAD_TOO_LARGE {
                    StaError::new(
                        status,
                        "sta_body_too_large",
                        "Nội dung gửi lên quá lớn (tối đa 2 MiB); hãy chia thành nhiều yêu cầu.",
                        "The request body is too large (2 MiB at most); split it into several requests.",
                    )
                } else {
                    StaError::bad(
                        "sta_body_unreadable",
                        "Không đọc được nội dung gửi lên.",
                        "The request body could not be read.",
                    )
                });
            }
        };
        let json = || parse_body(&body);
        match method {
            Method::POST if path.trim_matches('/') == "CreateObservations" => {
                create_observations(&state, &base, json()?).await
            }
            Method::POST => post(&state, &base, &path, json()?).await,
            Method::PATCH => update(&state, &base, &path, json()?, false).await,
            Method::PUT => update(&state, &base, &path, json()?, true).await,
            _ => delete(&state, &path).await,
        }
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// STA writes change what the city's dashboards and alarms show: IOC operators and administrators only.
async fn require_writer(state: &AppState, user: Option<&crate::shell::auth::Identity>) -> StaResult<()> {
    let Some(user) = user else {
        return Err(StaError::new(
            StatusCode::UNAUTHORIZED,
            "login_required",
            "Cần đăng nhập hoặc mã API (Authorization: Bearer) để ghi dữ liệu.",
            "Writing needs a login or an API token (Authorization: Bearer).",
        ));
    };
    let grants = state.store.grants_of(user.account.id).await.map_err(|e| StaError::from_store(e, false))?;
    if grants.iter().any(|g| matches!(g.role, Role::IocOperator | Role::Administrator)) {
        Ok(())
    } else {
        Err(StaError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Chỉ điều hành viên IOC hoặc quản trị viên được ghi dữ liệu cảm biến.",
            "Only IOC operators and administrators may write sensor data.",
        ))
    }
}

/// Parses a JSON body, NFC-normalising every string in it (text is normalised at the edge).
fn parse_body(body: &[u8]) -> StaResult<Value> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        StaError::bad(
            "sta_json_malformed",
            format!("Nội dung không phải JSON hợp lệ (dòng {}, cột {}).", e.line(), e.column()),
            format!("The body is not valid JSON (line {}, column {}).", e.line(), e.column()),
        )
    })?;
    Ok(nfc_json(v))
}

/// NFC-normalises every string (and key) of a JSON value, in place: a dataArray of thousands of ASCII timestamps
/// is walked without copying a string or rebuilding an array (ASCII is always NFC).
pub(crate) fn nfc_json(mut v: Value) -> Value {
    nfc_in_place(&mut v);
    v
}

fn nfc_in_place(v: &mut Value) {
    match v {
        Value::String(s) if !s.is_ascii() => *s = smartcity_domain::text::nfc(s),
        Value::Array(a) => a.iter_mut().for_each(nfc_in_place),
        Value::Object(o) if o.keys().all(|k| k.is_ascii()) => o.values_mut().for_each(nfc_in_place),
        Value::Object(o) => {
            *o = std::mem::take(o)
                .into_iter()
                .map(|(k, mut v)| {
                    nfc_in_place(&mut v);
                    (smartcity_domain::text::nfc(&k), v)
                })
                .collect();
        }
        _ => {}
    }
}

/// The JSON of one entity with its links, restricted to `$select` when given.
fn entity_json(base: &str, set: EntitySet, e: &StaEntity, select: Option<&[PropertyPath]>) -> Map<String, Value> {
    let self_link = format!("{base}/{}({})", set.name(), e.id);
    let wanted = |name: &str| {
        select.is_none_or(|sel| sel.iter().any(|p| matches!(p.0.first(), Some(PathSegment::Property(n)) if n == name)))
    };
    let mut o = Map::new();
    if wanted("@iot.id") || wanted("id") {
        o.insert("@iot.id".into(), json!(e.id));
    }
    if wanted("@iot.selfLink") {
        o.insert("@iot.selfLink".into(), json!(self_link));
    }
    for (k, v) in &e.json {
        if wanted(k) {
            o.insert(k.clone(), v.clone());
        }
    }
    for nav in set.navigations() {
        if wanted(nav.name) || select.is_none() {
            o.insert(format!("{}@iot.navigationLink", nav.name), json!(format!("{self_link}/{}", nav.name)));
        }
    }
    o
}

fn top_of(q: &Query) -> i64 {
    q.top.unwrap_or(DEFAULT_TOP).min(MAX_TOP) as i64
}

fn skiptoken(raw_query: &str) -> Option<Cursor> {
    raw_query.split('&').find_map(|p| p.strip_prefix("skiptoken=")).and_then(Cursor::decode)
}

/// `@iot.nextLink`: the same request with the page moved on, by keyset when the order allows, else by `$skip`.
fn next_link(url: &str, raw_query: &str, top: i64, skip: i64, cursor: Option<Cursor>) -> String {
    let mut kept: Vec<&str> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let k = p.split('=').next().unwrap_or("");
            !["$top", "%24top", "$skip", "%24skip", "skiptoken"].contains(&k)
        })
        .collect();
    let top_part = format!("$top={top}");
    kept.push(&top_part);
    let tail = match cursor {
        Some(c) => format!("skiptoken={}", c.encode()),
        None => format!("$skip={}", skip + top),
    };
    kept.push(&tail);
    format!("{url}?{}", kept.join("&"))
}

async fn get_resource(state: &AppState, base: &str, path: &str, raw_query: &str) -> StaResult<Response> {
    let query = Query::parse(raw_query)?;
    let target = resolve(state, path).await?;
    let now = Utc::now();
    match target {
        Target::Entity { set, id } => {
            let e = state.store.sta_get(set, id).await.map_err(|e| StaError::from_store(e, false))?;
            let mut o = entity_json(base, set, &e, query.select.as_deref());
            expand_into(state, base, set, &e, &mut o, &query.expand, now).await?;
            Ok(axum::Json(Value::Object(o)).into_response())
        }
        Target::Property { set, id, name, raw } => {
            let e = state.store.sta_get(set, id).await.map_err(|e| StaError::from_store(e, false))?;
            let v = if name == "id" { json!(e.id) } else { e.json.get(&name).cloned().unwrap_or(Value::Null) };
            if raw {
                let text = match &v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                return Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response());
            }
            Ok(axum::Json(json!({ name: v })).into_response())
        }
        Target::Collection { set, parent } => {
            let url = format!("{base}/{}", path.trim_matches('/'));
            let page = collection(state, set, parent, &query, raw_query, now).await?;
            let mut out = Map::new();
            if let Some(n) = page.count {
                out.insert("@iot.count".into(), json!(n));
            }
            let top = top_of(&query);
            if query.result_format == Some(ResultFormat::DataArray) {
                if set != EntitySet::Observations {
                    return Err(StaError::bad(
                        "sta_result_format",
                        "$resultFormat=dataArray chỉ dùng cho Observations.",
                        "$resultFormat=dataArray applies to Observations only.",
                    ));
                }
                out.insert(
                    "value".into(),
                    Value::Array(data_array_blocks(base, &page.entities, query.select.as_deref())),
                );
            } else {
                let mut values = Vec::with_capacity(page.entities.len());
                for e in &page.entities {
                    let mut o = entity_json(base, set, e, query.select.as_deref());
                    expand_into(state, base, set, e, &mut o, &query.expand, now).await?;
                    values.push(Value::Object(o));
                }
                out.insert("value".into(), Value::Array(values));
            }
            if page.more {
                let skip = query.skip.unwrap_or(0) as i64;
                out.insert("@iot.nextLink".into(), json!(next_link(&url, raw_query, top, skip, page.next_cursor)));
            }
            Ok(axum::Json(Value::Object(out)).into_response())
        }
    }
}

async fn collection(
    state: &AppState,
    set: EntitySet,
    parent: Option<(i64, &'static Navigation)>,
    query: &Query,
    raw_query: &str,
    now: DateTime<Utc>,
) -> StaResult<smartcity_store::sensing::StaPage> {
    let q = StaQuery {
        set,
        parent,
        id: None,
        filter: query.filter.as_ref(),
        orderby: &query.orderby,
        top: top_of(query),
        skip: query.skip.unwrap_or(0).min(i64::MAX as u64) as i64,
        count: query.count.unwrap_or(false),
        cursor: skiptoken(raw_query),
        now,
    };
    state
        .store
        .sta_query(&q)
        .await
        .map_err(|e| StaError::from_store(e, query.filter.is_some() || !query.orderby.is_empty()))
}

type ExpandFuture<'a> = Pin<Box<dyn Future<Output = StaResult<()>> + Send + 'a>>;

/// Adds the `$expand`ed related entities to `o`, each level with its own options.
fn expand_into<'a>(
    state: &'a AppState,
    base: &'a str,
    set: EntitySet,
    e: &'a StaEntity,
    o: &'a mut Map<String, Value>,
    expands: &'a [Expand],
    now: DateTime<Utc>,
) -> ExpandFuture<'a> {
    Box::pin(async move {
        for ex in expands {
            let nav = set.navigation(&ex.navigation).ok_or_else(|| {
                StaError::bad(
                    "sta_expand_unknown",
                    format!("{} không có quan hệ “{}” để $expand.", set.name(), ex.navigation),
                    format!("{} has no navigation property “{}” to $expand.", set.name(), ex.navigation),
                )
            })?;
            let q = &ex.query;
            match nav.kind {
                NavKind::ToOne { .. } => {
                    let related = match e.reference(nav.name) {
                        Some(id) => {
                            Some(state.store.sta_get(nav.to, id).await.map_err(|e| StaError::from_store(e, false))?)
                        }
                        None => None,
                    };
                    let v = match related {
                        Some(r) => {
                            let mut ro = entity_json(base, nav.to, &r, q.select.as_deref());
                            expand_into(state, base, nav.to, &r, &mut ro, &q.expand, now).await?;
                            Value::Object(ro)
                        }
                        None => Value::Null,
                    };
                    o.insert(nav.name.into(), v);
                }
                _ => {
                    let page = collection(state, nav.to, Some((e.id, nav)), q, "", now).await?;
                    let mut values = Vec::with_capacity(page.entities.len());
                    for r in &page.entities {
                        let mut ro = entity_json(base, nav.to, r, q.select.as_deref());
                        expand_into(state, base, nav.to, r, &mut ro, &q.expand, now).await?;
                        values.push(Value::Object(ro));
                    }
                    if let Some(n) = page.count {
                        o.insert(format!("{}@iot.count", nav.name), json!(n));
                    }
                    if page.more {
                        let url = format!("{base}/{}({})/{}", set.name(), e.id, nav.name);
                        let skip = q.skip.unwrap_or(0) as i64;
                        o.insert(
                            format!("{}@iot.nextLink", nav.name),
                            json!(next_link(&url, "", top_of(q), skip, page.next_cursor)),
                        );
                    }
                    o.insert(nav.name.into(), Value::Array(values));
                }
            }
        }
        Ok(())
    })
}

/// Observations grouped by Datastream in the compact dataArray form.
fn data_array_blocks(base: &str, entities: &[StaEntity], select: Option<&[PropertyPath]>) -> Vec<Value> {
    let components: Vec<Component> = match select {
        Some(sel) => sel
            .iter()
            .filter_map(|p| match p.0.first() {
                Some(PathSegment::Property(n)) => Component::parse(n),
                _ => None,
            })
            .collect(),
        None => vec![Component::Id, Component::PhenomenonTime, Component::Result],
    };
    let mut blocks: Vec<(i64, Vec<ObservationRow>)> = Vec::new();
    for e in entities {
        let ds = e.reference("Datastream").unwrap_or_default();
        let mut row = ObservationRow::new(e.json.get("result").cloned().unwrap_or(Value::Null));
        row.id = Some(EntityId::Int(e.id));
        row.phenomenon_time = e.json.get("phenomenonTime").and_then(Value::as_str).and_then(TimeValue::parse);
        row.result_time = e.json.get("resultTime").and_then(Value::as_str).and_then(parse_datetime);
        row.result_quality = e.json.get("resultQuality").filter(|v| !v.is_null()).cloned();
        row.valid_time = e.json.get("validTime").and_then(Value::as_str).and_then(TimeValue::parse);
        row.parameters = e.json.get("parameters").and_then(Value::as_object).cloned();
        row.feature_of_interest = e.reference("FeatureOfInterest").map(EntityId::Int);
        match blocks.iter_mut().find(|(d, _)| *d == ds) {
            Some((_, rows)) => rows.push(row),
            None => blocks.push((ds, vec![row])),
        }
    }
    blocks
        .into_iter()
        .map(|(ds, rows)| {
            DataArrayBlock { stream: StreamRef::Datastream(EntityId::Int(ds)), components: components.clone(), rows }
                .to_result_json(&format!("{base}/Datastreams({ds})"))
        })
        .collect()
}

/// A deep insert, planned: entity steps for the store, then Observations for the ingest path.
#[derive(Default)]
struct Plan {
    ops: Vec<WriteOp>,
    observations: Vec<(Ref, Map<String, Value>, Option<Ref>)>,
}

fn id_of(o: &Map<String, Value>) -> Option<StaResult<i64>> {
    let v = o.get("@iot.id").or_else(|| o.get("id"))?;
    Some(
        v.as_i64().ok_or_else(|| {
            StaError::bad("sta_id_invalid", "@iot.id phải là số nguyên.", "@iot.id must be an integer.")
        }),
    )
}

/// Plans the creation of `body` as an entity of `set` (or a reference to an existing one, `{"@iot.id": n}`).
/// `inverse` links it to the parent that contains it.
fn plan_entity(set: EntitySet, body: &Value, plan: &mut Plan, inverse: Option<(&'static str, Ref)>) -> StaResult<Ref> {
    let o = body.as_object().ok_or_else(|| {
        StaError::bad(
            "sta_body_not_object",
            format!("{} phải là một đối tượng JSON.", set.singular()),
            format!("{} must be a JSON object.", set.singular()),
        )
    })?;
    if let Some(id) = id_of(o) {
        let id = id?;
        if o.len() > 1 {
            return Err(StaError::bad(
                "sta_id_not_settable",
                "Không thể vừa tham chiếu @iot.id vừa gửi thuộc tính; máy chủ tự cấp @iot.id.",
                "Send either a reference {\"@iot.id\": n} or properties; the server assigns @iot.id.",
            ));
        }
        return Ok(Ref::Id(id));
    }
    let mut props = Map::new();
    let mut links: Vec<(&'static str, Ref)> = inverse.into_iter().collect();
    let mut children: Vec<(&'static Navigation, &Value)> = Vec::new();
    let mut observation_refs: (Option<Ref>, Option<Ref>) = (inverse.map(|(_, r)| r), None);
    for (k, v) in o {
        if let Some(nav) = set.navigation(k) {
            match nav.kind {
                NavKind::ToOne { .. } => {
                    let child = plan_entity(nav.to, v, plan, None)?;
                    if set == EntitySet::Observations {
                        match nav.name {
                            "Datastream" => observation_refs.0 = Some(child),
                            _ => observation_refs.1 = Some(child),
                        }
                    } else {
                        links.push((nav.name, child));
                    }
                }
                NavKind::ManyToMany { .. } => {
                    for item in v.as_array().ok_or_else(|| array_expected(k))? {
                        let child = plan_entity(nav.to, item, plan, None)?;
                        links.push((nav.name, child));
                    }
                }
                NavKind::ToMany { .. } => {
                    for item in v.as_array().ok_or_else(|| array_expected(k))? {
                        children.push((nav, item));
                    }
                }
            }
        } else if !k.starts_with("@iot.") && !k.ends_with("@iot.navigationLink") {
            props.insert(k.clone(), v.clone());
        }
    }
    if set == EntitySet::Observations {
        let ds = observation_refs.0.ok_or_else(|| {
            StaError::bad(
                "sta_datastream_missing",
                "Observation cần Datastream (ví dụ \"Datastream\": {\"@iot.id\": 1}).",
                "An Observation needs its Datastream (e.g. \"Datastream\": {\"@iot.id\": 1}).",
            )
        })?;
        plan.observations.push((ds, props, observation_refs.1));
        return Ok(Ref::New(usize::MAX));
    }
    plan.ops.push(WriteOp::Insert { set, props, links });
    let me = Ref::New(plan.ops.len() - 1);
    for (nav, item) in children {
        let back = nav.to.navigations().find(|b| b.to == set && matches!(b.kind, NavKind::ToOne { .. }));
        let back = back.ok_or_else(StaError::not_found)?;
        plan_entity(nav.to, item, plan, Some((back.name, me)))?;
    }
    Ok(me)
}

fn array_expected(name: &str) -> StaError {
    StaError::bad("sta_property_type", format!("“{name}” phải là một mảng."), format!("“{name}” must be an array."))
}

/// Runs a plan: entities in one transaction, then the Observations. Returns the ids of the entity steps and of
/// the Observations.
async fn execute(state: &AppState, plan: Plan) -> StaResult<(Vec<i64>, Vec<Option<i64>>)> {
    let ids = state.store.sta_write(&plan.ops).await.map_err(|e| StaError::from_store(e, false))?;
    let resolve = |r: Ref| match r {
        Ref::Id(id) => id,
        Ref::New(i) => ids.get(i).copied().unwrap_or_default(),
    };
    let now = Utc::now();
    let mut rows = Vec::with_capacity(plan.observations.len());
    for (ds, props, foi) in &plan.observations {
        let mut row = NewObservation::from_json(resolve(*ds), props, now)?;
        row.feature_id = foi.map(resolve);
        rows.push(row);
    }
    let obs = store_observations(state, rows).await.map_err(|e| StaError::from_store(e, false))?;
    Ok((ids, obs))
}

async fn post(state: &AppState, base: &str, path: &str, body: Value) -> StaResult<Response> {
    let (set, parent) = match resolve(state, path).await? {
        Target::Collection { set, parent } => (set, parent),
        _ => {
            return Err(StaError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "sta_method_not_allowed",
                "Chỉ tạo mới được trên một tập thực thể.",
                "Entities are created by POSTing to an entity set.",
            ));
        }
    };
    let mut plan = Plan::default();
    let inverse = match parent {
        Some((pid, nav)) => match nav.kind {
            NavKind::ToMany { .. } => {
                let back = set.navigations().find(|b| b.to == nav.from && matches!(b.kind, NavKind::ToOne { .. }));
                back.map(|b| (b.name, Ref::Id(pid)))
            }
            _ => None,
        },
        None => None,
    };
    let created = plan_entity(set, &body, &mut plan, inverse)?;
    // Things(1)/Locations: the new Location becomes the Thing's location (and its history).
    if let Some((pid, nav)) = parent
        && let NavKind::ManyToMany { .. } = nav.kind
    {
        plan.ops.push(WriteOp::Update { set: nav.from, id: pid, props: Map::new(), links: vec![(nav.name, created)] });
    }
    if let Ref::Id(_) = created {
        return Err(StaError::bad(
            "sta_id_not_settable",
            "Để tạo mới, hãy gửi thuộc tính thay vì chỉ @iot.id.",
            "To create an entity, send its properties rather than only an @iot.id.",
        ));
    }
    let (ids, obs) = execute(state, plan).await?;
    let id = match created {
        Ref::New(usize::MAX) => obs.first().copied().flatten().ok_or_else(StaError::not_found)?,
        Ref::New(i) => ids.get(i).copied().ok_or_else(StaError::not_found)?,
        Ref::Id(id) => id,
    };
    let e = state.store.sta_get(set, id).await.map_err(|e| StaError::from_store(e, false))?;
    let o = entity_json(base, set, &e, None);
    let location = format!("{base}/{}({id})", set.name());
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(Value::Object(o))).into_response())
}

async fn update(state: &AppState, base: &str, path: &str, body: Value, full: bool) -> StaResult<Response> {
    let Target::Entity { set, id } = resolve(state, path).await? else {
        return Err(StaError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "sta_method_not_allowed",
            "Chỉ cập nhật được một thực thể, ví dụ Things(1).",
            "Only a single entity can be updated, e.g. Things(1).",
        ));
    };
    let o = body.as_object().ok_or_else(|| {
        StaError::bad("sta_body_not_object", "Nội dung phải là đối tượng JSON.", "The body must be a JSON object.")
    })?;
    let mut plan = Plan::default();
    let mut props = Map::new();
    let mut links = Vec::new();
    for (k, v) in o {
        if let Some(nav) = set.navigation(k) {
            match nav.kind {
                NavKind::ToOne { .. } => links.push((nav.name, plan_entity(nav.to, v, &mut plan, None)?)),
                NavKind::ManyToMany { .. } => {
                    for item in v.as_array().ok_or_else(|| array_expected(k))? {
                        links.push((nav.name, plan_entity(nav.to, item, &mut plan, None)?));
                    }
                }
                NavKind::ToMany { .. } => {
                    return Err(StaError::bad(
                        "sta_update_navigation",
                        format!("Không thể đổi “{k}” bằng PATCH/PUT; hãy tạo thực thể con trên tập của nó."),
                        format!("“{k}” cannot be changed by PATCH/PUT; create the related entities in their own set."),
                    ));
                }
            }
        } else if k == "@iot.id" || k == "id" {
            if v.as_i64() != Some(id) {
                return Err(StaError::bad(
                    "sta_id_not_settable",
                    "Không thể đổi @iot.id.",
                    "@iot.id cannot be changed.",
                ));
            }
        } else if !k.starts_with("@iot.") && !k.ends_with("@iot.navigationLink") {
            props.insert(k.clone(), v.clone());
        }
    }
    if full {
        // PUT replaces the entity: absent optional properties become null; absent required ones are refused.
        for f in set.fields() {
            if f.kind != smartcity_store::sensing::FieldKind::Derived && !props.contains_key(f.name) {
                props.insert(f.name.into(), Value::Null);
            }
        }
    }
    plan.ops.push(WriteOp::Update { set, id, props, links });
    execute(state, plan).await?;
    let e = state.store.sta_get(set, id).await.map_err(|e| StaError::from_store(e, false))?;
    Ok(axum::Json(Value::Object(entity_json(base, set, &e, None))).into_response())
}

async fn delete(state: &AppState, path: &str) -> StaResult<Response> {
    let Target::Entity { set, id } = resolve(state, path).await? else {
        return Err(StaError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "sta_method_not_allowed",
            "Chỉ xóa được một thực thể, ví dụ Things(1).",
            "Only a single entity can be deleted, e.g. Things(1).",
        ));
    };
    state.store.sta_write(&[WriteOp::Delete { set, id }]).await.map_err(|e| StaError::from_store(e, false))?;
    Ok(StatusCode::OK.into_response())
}

/// `POST CreateObservations` (DataArray conformance class): all rows are stored or none; the answer lists each
/// row's selfLink in request order.
async fn create_observations(state: &AppState, base: &str, body: Value) -> StaResult<Response> {
    let blocks = parse_create_observations(&body)?;
    let now = Utc::now();
    let mut rows = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let ds = match &block.stream {
            StreamRef::Datastream(EntityId::Int(id)) => *id,
            _ => {
                return Err(StaError::bad(
                    "sta_stream_unsupported",
                    format!("Mục {i}: chỉ hỗ trợ Datastream có @iot.id là số (không hỗ trợ MultiDatastream)."),
                    format!("Item {i}: only Datastreams with integer @iot.id are supported (no MultiDatastream)."),
                ));
            }
        };
        for r in &block.rows {
            let mut o = NewObservation::new(ds, now, &r.result);
            if let Some(t) = r.phenomenon_time {
                o.phenomenon_time = t.start().with_timezone(&Utc).timestamp_micros();
                if let TimeValue::Interval { end, .. } = t {
                    o.phenomenon_time_end = Some(end.with_timezone(&Utc).timestamp_micros());
                }
            }
            o.result_time = r.result_time.map(|t| t.with_timezone(&Utc).timestamp_micros());
            o.result_quality = r.result_quality.as_ref().map(Value::to_string);
            o.valid_time = r.valid_time.map(|t| t.to_string());
            o.parameters = r.parameters.as_ref().map(|p| Value::Object(p.clone()).to_string());
            o.feature_id = match &r.feature_of_interest {
                Some(EntityId::Int(id)) => Some(*id),
                Some(EntityId::String(_)) => {
                    return Err(StaError::bad(
                        "sta_id_invalid",
                        "FeatureOfInterest/id phải là số nguyên.",
                        "FeatureOfInterest/id must be an integer.",
                    ));
                }
                None => None,
            };
            rows.push(o);
        }
    }
    let ids = store_observations(state, rows).await.map_err(|e| StaError::from_store(e, false))?;
    let links: Vec<Result<String, String>> =
        ids.iter().map(|id| id.map(|id| format!("{base}/Observations({id})")).ok_or_else(String::new)).collect();
    Ok((StatusCode::CREATED, axum::Json(create_observations_response(&links))).into_response())
}
