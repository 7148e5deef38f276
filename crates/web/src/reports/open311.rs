//! Open311 GeoReport v2 at `/open311/v2/`, with mySociety's `servicerequestupdates`: the read side here
//! (`discovery`, `services`, `services/{code}`, `requests`, `requests/{id}`, `tokens/{token}`, GET updates and the
//! photos the requests point to), the writes in [`super::open311_write`].
//!
//! The format comes from the suffix (`smartcity_protocols::open311::Format::split_resource`); every failure is
//! the protocol's `errors` body in the same format with a 400, 403, 404 (or 429 for a partner over its rate)
//! status — a store failure is logged and answered as a 400 "try again", never a 5xx page. The reporter's
//! identity and the staff who acted are never written.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::reports::ReportStatus;
use smartcity_domain::time::TZ;
use smartcity_protocols::open311::DetailedStatus;
use smartcity_protocols::open311::{
    Attribute, AttributeValue, Datatype, Discovery, Document, Endpoint, EndpointType, ExtendedAttributes,
    ExtendedStatus, Format, GEOREPORT_V2_SPECIFICATION, RequestError, RequestStatus, RequestsQuery, Service,
    ServiceDefinition, ServiceRequest, ServiceRequestUpdate, ServiceRequestUpdates, ServiceRequests, ServiceType,
    Services, TokenStatus, TokenStatuses, UpdatesQuery, check_jurisdiction, parse_urlencoded,
};
use smartcity_store::open311::Open311Store;
use smartcity_store::reports::{Report, ReportCategory, ReportEvent, ReportFilter, ReportStore};
use uuid::Uuid;

use crate::AppState;

/// The jurisdiction this endpoint serves. It is optional on a single-city endpoint; any other value is a 404.
pub const JURISDICTION_ID: &str = "hue.gov.vn";
/// Most updates one GET servicerequestupdates returns.
const MAX_UPDATES: i64 = 1000;
/// When the published service list last changed shape (categories are edited rarely; clients refresh on it).
const CHANGESET: &str = "2026-11-27T00:00:00+07:00";

/// The Open311 routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{resource}", get(top_level).post(super::open311_write::post_top_level))
        .route("/open311/v2/requests/{resource}", get(one_request))
        .route("/open311/v2/services/{resource}", get(service_definition))
        .route("/open311/v2/tokens/{resource}", get(token))
        .route("/open311/v2/photos/{file}", get(photo))
}

/// A protocol document with its content type.
pub(crate) fn document(status: StatusCode, format: Format, body: impl IntoResponse) -> Response {
    (status, [(header::CONTENT_TYPE, format.content_type())], body).into_response()
}

/// A protocol error in `format`, with its status (400 when the status is not a client error).
pub(crate) fn error(format: Format, e: &RequestError) -> Response {
    let status =
        StatusCode::from_u16(e.status).ok().filter(StatusCode::is_client_error).unwrap_or(StatusCode::BAD_REQUEST);
    document(status, format, e.body().render(format))
}

/// A store failure: logged with its cause, answered as a 400 the client may retry (the spec's "CRM down"), so a
/// partner never sees a 5xx nor an internal detail.
pub(crate) fn unavailable(format: Format, what: &str, cause: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %cause, "open311 {what}");
    error(
        format,
        &RequestError::bad(
            "",
            "service_unavailable",
            "The service is temporarily unavailable; try again in a moment.",
            "Hệ thống tạm thời không phục vụ được; vui lòng thử lại sau.",
        ),
    )
}

pub(crate) fn not_found(format: Format, parameter: &str, what_en: &str, what_vi: &str) -> Response {
    error(
        format,
        &RequestError::new(
            404,
            parameter,
            "not_found",
            format!("No {what_en} with that id."),
            format!("Không tìm thấy {what_vi} có mã này."),
        ),
    )
}

/// The resource, format and query pairs of a GET, or the error to answer: an unknown suffix is a 404 in XML (the
/// format every client reads), another city's `jurisdiction_id` a 404 in the format asked.
macro_rules! resource_and_query {
    ($resource:expr, $query:expr) => {{
        let (stem, format) = match Format::split_resource($resource) {
            Ok(split) => split,
            Err(e) => return error(Format::Xml, &e),
        };
        match query_pairs($query) {
            Ok(pairs) => (stem, format, pairs),
            Err(e) => return error(format, &e),
        }
    }};
}

/// Reads the query and checks `jurisdiction_id` (optional here; another city's id is a 404).
fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, RequestError> {
    let pairs = parse_urlencoded(query.unwrap_or("").as_bytes());
    let jurisdiction = pairs.iter().find(|(k, _)| k == "jurisdiction_id").map(|(_, v)| v.as_str());
    check_jurisdiction(jurisdiction, &[JURISDICTION_ID], false)?;
    Ok(pairs)
}

/// `http(s)://host` of this request, for the absolute URLs Open311 documents carry.
pub(crate) fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')))
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&TZ).fixed_offset()
}

async fn top_level(
    State(state): State<AppState>,
    Path(resource): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (stem, format, pairs) = resource_and_query!(&resource, query.as_deref());
    match stem {
        "discovery" => discovery(&state, &headers, format),
        "services" => services(&state, format).await,
        "requests" => requests(&state, &headers, format, &pairs).await,
        "servicerequestupdates" => updates(&state, format, &pairs).await,
        _ => not_found(format, "resource", "resource", "tài nguyên"),
    }
}

fn discovery(state: &AppState, headers: &HeaderMap, format: Format) -> Response {
    let changeset = DateTime::parse_from_rfc3339(CHANGESET).unwrap_or_else(|_| local(Utc::now()));
    let base = origin(state, headers);
    let doc = Discovery {
        changeset,
        contact: "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Huế (HueIOC) — Huế Intelligent Operations \
                  Centre, hotline 1900 1075"
            .into(),
        key_service: format!(
            "API keys for partner systems are issued by the platform's administrators ({base}/admin/open311-keys); \
             khóa API cho hệ thống đối tác do quản trị viên cấp."
        ),
        endpoints: vec![Endpoint {
            specification: GEOREPORT_V2_SPECIFICATION.into(),
            url: format!("{base}/open311/v2"),
            changeset,
            endpoint_type: EndpointType::Production,
            formats: Format::ALL.iter().map(|f| f.mime_type().to_owned()).collect(),
        }],
    };
    document(StatusCode::OK, format, doc.render(format))
}

fn to_service(c: &ReportCategory) -> Service {
    Service {
        service_code: c.code.clone(),
        service_name: c.name_vi.clone(),
        description: Some(if c.examples_vi.is_empty() {
            c.name_en.clone()
        } else {
            format!("{} ({})", c.examples_vi, c.name_en)
        }),
        metadata: true,
        service_type: ServiceType::Realtime,
        keywords: c.examples_vi.split([';', ',']).map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect(),
        group: Some(c.agency_kind.label_vi().to_owned()),
    }
}

async fn services(state: &AppState, format: Format) -> Response {
    match state.store.report_categories().await {
        Ok(categories) => {
            let list = Services(categories.iter().filter(|c| c.active).map(to_service).collect());
            document(StatusCode::OK, format, list.render(format))
        }
        Err(e) => unavailable(format, "services", &e),
    }
}

fn value(key: &str, name: &str) -> AttributeValue {
    AttributeValue { key: key.into(), name: name.into() }
}

/// Câu hỏi bổ sung: the questions of a category. Every category asks how serious the problem is and who it
/// affects (both optional, so a citizen in a hurry is never blocked); street lights ask for the pole number
/// painted on it, flooding and water categories for the depth.
pub fn definition_for(code: &str) -> ServiceDefinition {
    let mut attributes = vec![
        Attribute {
            variable: true,
            code: "MUC_DO".into(),
            datatype: Datatype::SingleValueList,
            required: false,
            datatype_description: None,
            order: 1,
            description: "Mức độ ảnh hưởng (How serious is it?)".into(),
            values: vec![
                value("thap", "Thấp (Low)"),
                value("vua", "Vừa (Medium)"),
                value("cao", "Cao, nguy hiểm (High, dangerous)"),
            ],
        },
        Attribute {
            variable: true,
            code: "ANH_HUONG".into(),
            datatype: Datatype::MultiValueList,
            required: false,
            datatype_description: Some("Chọn một hoặc nhiều (choose one or more)".into()),
            order: 2,
            description: "Ai bị ảnh hưởng? (Who is affected?)".into(),
            values: vec![
                value("nguoi_di_bo", "Người đi bộ (Pedestrians)"),
                value("xe_co", "Xe cộ (Vehicles)"),
                value("hoc_sinh", "Học sinh (Pupils)"),
                value("du_khach", "Du khách (Visitors)"),
            ],
        },
    ];
    match code {
        "CS" => attributes.push(Attribute {
            variable: true,
            code: "SO_COT".into(),
            datatype: Datatype::String,
            required: false,
            datatype_description: Some("Ví dụ (e.g.) HX-12/07".into()),
            order: 3,
            description: "Số hiệu cột đèn, nếu thấy (Pole number painted on the light, if visible)".into(),
            values: vec![],
        }),
        "CTN" | "PCTT" => attributes.push(Attribute {
            variable: true,
            code: "DO_SAU_CM".into(),
            datatype: Datatype::Number,
            required: false,
            datatype_description: Some("cm".into()),
            order: 3,
            description: "Độ sâu ngập nước, cm (Depth of the water, cm)".into(),
            values: vec![],
        }),
        _ => {}
    }
    ServiceDefinition { service_code: code.to_owned(), attributes }
}

async fn service_definition(
    State(state): State<AppState>,
    Path(resource): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (code, format, _) = resource_and_query!(&resource, query.as_deref());
    match state.store.report_category(code).await {
        Ok(Some(c)) if c.active => document(StatusCode::OK, format, definition_for(&c.code).render(format)),
        Ok(_) => not_found(format, "service_code", "service", "lĩnh vực"),
        Err(e) => unavailable(format, "service definition", &e),
    }
}

/// The photo URL of a report photo.
fn photo_url(base: &str, sha256: &str) -> String {
    format!("{base}/open311/v2/photos/{sha256}.jpg")
}

/// A report as Open311 shows it: no reporter, no staff.
fn to_request(report: &Report, category: Option<&ReportCategory>, base: &str, extensions: bool) -> ServiceRequest {
    let m = &report.media;
    let urls: Vec<String> = m.photos.iter().map(|sha| photo_url(base, sha)).chain(m.external.iter().cloned()).collect();
    let extended = extensions.then(|| ExtendedAttributes {
        detailed_status: Some(DetailedStatus::from_report(report.status)),
        internal_status: Some(report.status),
        channel: Some(if report.api_key_id.is_some() { "open311" } else { "web" }.to_owned()),
        ward: report.ward_code.clone(),
        parent_service_request_id: report.duplicate_of.map(|d| d.to_string()),
        rating: report.rating,
        media_urls: if urls.len() > 1 { urls.clone() } else { Vec::new() },
    });
    ServiceRequest {
        service_request_id: report.id.to_string(),
        status: RequestStatus::from_report(report.status),
        status_notes: report.answer.clone(),
        service_name: category.map(|c| c.name_vi.clone()),
        service_code: report.service_code.clone(),
        description: Some(report.description.clone()).filter(|d| !d.is_empty()),
        agency_responsible: report.handling_unit_code.clone(),
        service_notice: None,
        requested_datetime: local(report.created_at),
        updated_datetime: Some(local(report.updated_at)),
        expected_datetime: report.due_at.map(local),
        address: report.address.clone(),
        address_id: None,
        zipcode: None,
        location: Some(GeoPoint { lat: report.lat, lon: report.lon }),
        media_url: urls.first().cloned(),
        extended_attributes: extended,
    }
}

async fn render_requests(
    state: &AppState,
    headers: &HeaderMap,
    format: Format,
    reports: &[Report],
    extensions: bool,
) -> Response {
    match requests_document(state, &origin(state, headers), format, reports, extensions).await {
        Ok(body) => document(StatusCode::OK, format, body),
        Err(response) => response,
    }
}

/// The `service_requests` document of `reports`, or the error to answer. One report (the by-id read) looks up its
/// own category; a list reads the catalogue once. Both come from the store's memory; the media are on the rows.
async fn requests_document(
    state: &AppState,
    base: &str,
    format: Format,
    reports: &[Report],
    extensions: bool,
) -> Result<String, Response> {
    let categories = match reports {
        [one] => state.store.report_category(&one.service_code).await.map(|c| c.into_iter().collect()),
        _ => state.store.report_categories().await,
    };
    let categories: Vec<ReportCategory> = categories.map_err(|e| unavailable(format, "categories", &e))?;
    let list = ServiceRequests(
        reports
            .iter()
            .map(|r| {
                let category = categories.iter().find(|c| c.code == r.service_code);
                to_request(r, category, base, extensions)
            })
            .collect(),
    );
    Ok(list.render(format))
}

/// GET requests: a list, served from `state.open311_lists` while no report was added or changed since it was
/// rendered (see `open311_cache`); a valid query only (errors are not kept).
async fn requests(state: &AppState, headers: &HeaderMap, format: Format, pairs: &[(String, String)]) -> Response {
    let q = match RequestsQuery::parse(pairs) {
        Ok(q) => q,
        Err(e) => return error(format, &e),
    };
    let mut sorted = pairs.to_vec();
    sorted.sort();
    let key = (format, origin(state, headers), sorted);
    // Read before the reports, so a change made meanwhile leaves the kept list already stale.
    let generation = state.store.report_list_generation();
    if let Some(body) = state.open311_lists.get(&key, generation) {
        return document(StatusCode::OK, format, body);
    }
    let window = q.window(Utc::now());
    let mut filter = ReportFilter {
        page: i64::from(q.page),
        page_size: i64::from(q.page_size),
        service_codes: q.service_codes.clone(),
        created_from: window.map(|(from, _)| from),
        // The store's windows are half-open; the spec's are inclusive.
        created_to: window.map(|(_, to)| to + TimeDelta::microseconds(1)),
        updated_from: q.updated_after.map(|t| t.with_timezone(&Utc)),
        updated_to: q.updated_before.map(|t| t.with_timezone(&Utc) + TimeDelta::microseconds(1)),
        near: q.near.as_ref().map(|n| (n.center, n.radius_m)),
        ..Default::default()
    };
    if q.is_by_id() {
        // The ids override every other filter; unknown or malformed ids simply match nothing.
        filter = ReportFilter {
            ids: q.service_request_ids.iter().filter_map(|s| Uuid::parse_str(s.trim()).ok()).collect(),
            page: 1,
            page_size: i64::from(smartcity_protocols::open311::MAX_PAGE_SIZE),
            ..Default::default()
        };
        if filter.ids.is_empty() {
            return render_requests(state, headers, format, &[], q.extensions).await;
        }
    } else if !q.statuses.is_empty() {
        filter.statuses =
            ReportStatus::ALL.into_iter().filter(|s| q.statuses.contains(&RequestStatus::from_report(*s))).collect();
    }
    let reports = match state.store.reports(&filter).await {
        Ok(reports) => reports,
        Err(e) => return unavailable(format, "requests", &e),
    };
    match requests_document(state, &key.1, format, &reports, q.extensions).await {
        Ok(body) => {
            let body = Bytes::from(body);
            state.open311_lists.put(key, generation, body.clone());
            document(StatusCode::OK, format, body)
        }
        Err(response) => response,
    }
}

/// GET requests/{id}: one request, served from `state.open311_requests` while no report has changed since it was
/// rendered (see `open311_cache`).
async fn one_request(
    State(state): State<AppState>,
    Path(resource): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (stem, format, pairs) = resource_and_query!(&resource, query.as_deref());
    let extensions = pairs.iter().any(|(k, v)| k == "extensions" && v.eq_ignore_ascii_case("true"));
    let Ok(id) = Uuid::parse_str(stem) else {
        return not_found(format, "service_request_id", "service request", "phản ánh");
    };
    let base = origin(&state, &headers);
    // Read before the report, so a change made meanwhile leaves the kept document already stale.
    let generation = state.store.report_generation();
    let key = (id, format, extensions, base.clone());
    if let Some(body) = state.open311_requests.get(&key, generation) {
        return document(StatusCode::OK, format, body);
    }
    match state.store.report(id).await {
        Ok(Some(report)) => match requests_document(&state, &base, format, &[report], extensions).await {
            Ok(body) => {
                let body = Bytes::from(body);
                state.open311_requests.put(key, generation, body.clone());
                document(StatusCode::OK, format, body)
            }
            Err(response) => response,
        },
        Ok(None) => not_found(format, "service_request_id", "service request", "phản ánh"),
        Err(e) => unavailable(format, "request", &e),
    }
}

/// GET tokens: every service here is `realtime`, so a POST answers with the id at once and never hands out a
/// token; a client that polls tokens anyway may use the id as its token and is told the same id back.
async fn token(State(state): State<AppState>, Path(resource): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (stem, format, _) = resource_and_query!(&resource, query.as_deref());
    let Ok(id) = Uuid::parse_str(stem) else { return not_found(format, "token", "token", "mã theo dõi") };
    match state.store.report(id).await {
        Ok(Some(report)) => {
            let list = TokenStatuses(vec![TokenStatus {
                service_request_id: Some(report.id.to_string()),
                token: stem.to_owned(),
            }]);
            document(StatusCode::OK, format, list.render(format))
        }
        Ok(None) => not_found(format, "token", "token", "mã theo dõi"),
        Err(e) => unavailable(format, "token", &e),
    }
}

/// One timeline entry as a mySociety update: public text only.
fn to_update(event: &ReportEvent) -> ServiceRequestUpdate {
    ServiceRequestUpdate {
        update_id: event.id.to_string(),
        service_request_id: event.report_id.to_string(),
        status: ExtendedStatus::from_report(event.to_status),
        updated_datetime: local(event.at),
        description: event.public_note.clone(),
        media_urls: Vec::new(),
        external_status_code: Some(event.action.clone()),
        customer_reference: None,
        fixmystreet_id: None,
        extras: Default::default(),
    }
}

/// GET servicerequestupdates: the timeline entries of every report in the window (default the last 2 hours,
/// what FixMyStreet asks for on each run), oldest first, at most 1000. A key is optional; a wrong one is a 403.
async fn updates(state: &AppState, format: Format, pairs: &[(String, String)]) -> Response {
    let q = match UpdatesQuery::parse(pairs) {
        Ok(q) => q,
        Err(e) => return error(format, &e),
    };
    if let Some(key) = q.api_key.as_deref()
        && let Err(response) = super::open311_write::verify_key(state, format, key).await
    {
        return response;
    }
    let (from, to) = q.window(Utc::now());
    match state.store.report_events_between(from, to + TimeDelta::microseconds(1), MAX_UPDATES).await {
        Ok(events) => {
            let list = ServiceRequestUpdates(events.iter().map(to_update).collect());
            document(StatusCode::OK, format, list.render(format))
        }
        Err(e) => unavailable(format, "updates", &e),
    }
}

/// A report photo (already re-encoded without metadata when it was received).
async fn photo(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let sha = file.strip_suffix(".jpg").unwrap_or("");
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return not_found(Format::Xml, "photo", "photo", "ảnh");
    }
    match state.store.report_photo_blob(&sha.to_ascii_lowercase()).await {
        Ok(Some((content_type, bytes))) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable".into()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => not_found(Format::Xml, "photo", "photo", "ảnh"),
        Err(e) => unavailable(Format::Xml, "photo", &e),
    }
}
