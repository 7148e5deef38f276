//! Open311 GeoReport v2 at `/open311/v2/` (read side): `services.{fmt}`, `requests.{fmt}` with the
//! spec's filters and the de-facto paging, and `requests/{id}.{fmt}`. The format comes from the
//! suffix (`smartcity_protocols::open311::Format::split_resource`); errors are the protocol's
//! `errors` body in the same format with its status. The reporter's identity is never written.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{TimeDelta, Utc};
use smartcity_domain::reports::ReportStatus;
use smartcity_domain::time::TZ;
use smartcity_protocols::open311::{
    DEFAULT_WINDOW_DAYS, Document, Format, RequestError, RequestStatus, RequestsQuery, Service, ServiceRequest,
    ServiceRequests, ServiceType, Services, parse_urlencoded,
};
use smartcity_store::reports::{Report, ReportCategory, ReportFilter, ReportStore};
use uuid::Uuid;

use crate::AppState;

/// The Open311 routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{resource}", get(top_level))
        .route("/open311/v2/requests/{resource}", get(one_request))
}

/// A protocol document with its content type.
fn document(status: StatusCode, format: Format, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, format.content_type())], body).into_response()
}

/// A protocol error in `format`.
fn error(format: Format, e: &RequestError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    document(status, format, e.body().render(format))
}

fn internal(format: Format) -> Response {
    let e =
        RequestError::new(500, "", "internal_error", "Internal error; try again later.", "Lỗi hệ thống; thử lại sau.");
    error(format, &e)
}

fn not_found(format: Format, what: &str) -> Response {
    error(
        format,
        &RequestError::new(
            404,
            "service_request_id",
            "not_found",
            format!("No {what} with that id."),
            format!("Không tìm thấy {what} có mã này."),
        ),
    )
}

async fn top_level(State(state): State<AppState>, Path(resource): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (stem, format) = match Format::split_resource(&resource) {
        Ok(split) => split,
        Err(e) => return error(Format::Xml, &e),
    };
    match stem {
        "services" => services(&state, format).await,
        "requests" => requests(&state, format, query.as_deref().unwrap_or("")).await,
        _ => not_found(format, "resource"),
    }
}

fn to_service(c: &ReportCategory) -> Service {
    Service {
        service_code: c.code.clone(),
        service_name: c.name_vi.clone(),
        description: (!c.examples_vi.is_empty()).then(|| c.examples_vi.clone()),
        metadata: false,
        service_type: ServiceType::Realtime,
        keywords: vec![],
        group: None,
    }
}

async fn services(state: &AppState, format: Format) -> Response {
    match state.store.report_categories().await {
        Ok(categories) => {
            let list = Services(categories.iter().filter(|c| c.active).map(to_service).collect());
            document(StatusCode::OK, format, list.render(format))
        }
        Err(e) => {
            tracing::error!(error = %e, "open311 services");
            internal(format)
        }
    }
}

/// A report as Open311 shows it: no reporter, no staff.
fn to_request(report: &Report, category: Option<&ReportCategory>) -> ServiceRequest {
    ServiceRequest {
        service_request_id: report.id.to_string(),
        status: RequestStatus::from_report(report.status),
        status_notes: report.answer.clone(),
        service_name: category.map(|c| c.name_vi.clone()),
        service_code: report.service_code.clone(),
        description: Some(report.description.clone()),
        agency_responsible: report.handling_unit_code.clone(),
        service_notice: None,
        requested_datetime: report.created_at.with_timezone(&TZ).fixed_offset(),
        updated_datetime: Some(report.updated_at.with_timezone(&TZ).fixed_offset()),
        expected_datetime: report.due_at.map(|t| t.with_timezone(&TZ).fixed_offset()),
        address: report.address.clone(),
        address_id: None,
        zipcode: None,
        location: Some(smartcity_domain::geo::GeoPoint { lat: report.lat, lon: report.lon }),
        media_url: None,
        extended_attributes: None,
    }
}

async fn render_requests(state: &AppState, format: Format, reports: &[Report]) -> Response {
    let categories = match state.store.report_categories().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "open311 categories");
            return internal(format);
        }
    };
    let list = ServiceRequests(
        reports.iter().map(|r| to_request(r, categories.iter().find(|c| c.code == r.service_code))).collect(),
    );
    document(StatusCode::OK, format, list.render(format))
}

async fn requests(state: &AppState, format: Format, query: &str) -> Response {
    let pairs = parse_urlencoded(query.as_bytes());
    let q = match RequestsQuery::parse(&pairs) {
        Ok(q) => q,
        Err(e) => return error(format, &e),
    };
    let mut filter = ReportFilter {
        page: i64::from(q.page),
        page_size: i64::from(q.page_size),
        service_codes: q.service_codes.clone(),
        created_from: q.start_date.map(|t| t.with_timezone(&Utc)),
        created_to: q.end_date.map(|t| t.with_timezone(&Utc) + TimeDelta::microseconds(1)),
        updated_from: q.updated_after.map(|t| t.with_timezone(&Utc)),
        updated_to: q.updated_before.map(|t| t.with_timezone(&Utc) + TimeDelta::microseconds(1)),
        near: q.near.as_ref().map(|n| (n.center, n.radius_m)),
        ..Default::default()
    };
    if !q.service_request_ids.is_empty() {
        // Unknown or malformed ids simply match nothing.
        filter.ids = q.service_request_ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect();
        if filter.ids.is_empty() {
            return render_requests(state, format, &[]).await;
        }
    } else if filter.created_from.is_none() && filter.created_to.is_none() {
        // The spec's default window: the last 90 days.
        filter.created_from = Some(Utc::now() - TimeDelta::days(DEFAULT_WINDOW_DAYS));
    }
    if !q.statuses.is_empty() {
        filter.statuses =
            ReportStatus::ALL.into_iter().filter(|s| q.statuses.contains(&RequestStatus::from_report(*s))).collect();
    }
    match state.store.reports(&filter).await {
        Ok(reports) => render_requests(state, format, &reports).await,
        Err(e) => {
            tracing::error!(error = %e, "open311 requests");
            internal(format)
        }
    }
}

async fn one_request(State(state): State<AppState>, Path(resource): Path<String>) -> Response {
    let (stem, format) = match Format::split_resource(&resource) {
        Ok(split) => split,
        Err(e) => return error(Format::Xml, &e),
    };
    let Ok(id) = Uuid::parse_str(stem) else { return not_found(format, "service request") };
    match state.store.report(id).await {
        Ok(Some(report)) => render_requests(&state, format, &[report]).await,
        Ok(None) => not_found(format, "service request"),
        Err(e) => {
            tracing::error!(error = %e, "open311 request");
            internal(format)
        }
    }
}
