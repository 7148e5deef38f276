//! GET requests: the query string, with the spec's filters and the extensions real clients send.

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use smartcity_domain::geo::GeoPoint;

use super::errors::RequestError;
use super::params::{Params, required};
use super::post::lat_long;
use super::requests::RequestStatus;

/// Days covered when the client gives no date window, and the longest window it may ask for.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;
/// Most requests in one answer (the spec's default cap), also the default page size.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Largest search radius accepted, in metres.
pub const MAX_RADIUS_M: f64 = 50_000.0;

/// An area filter (CitySDK / Klarschiff): requests within `radius_m` metres of `center`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// From `lat` and `long`.
    pub center: GeoPoint,
    /// From `radius`, in metres.
    pub radius_m: f64,
}

/// The GET requests query, checked.
///
/// `service_request_id` overrides every other filter (the spec says so): when it is given, callers look up those
/// ids and ignore the rest; the other parameters are still checked, so a malformed one is still a 400.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestsQuery {
    /// The city, on multi-jurisdiction endpoints.
    pub jurisdiction_id: Option<String>,
    /// `service_request_id`, comma-separated.
    pub service_request_ids: Vec<String>,
    /// `service_code`, comma-separated.
    pub service_codes: Vec<String>,
    /// Earliest `requested_datetime`.
    pub start_date: Option<DateTime<FixedOffset>>,
    /// Latest `requested_datetime`.
    pub end_date: Option<DateTime<FixedOffset>>,
    /// `status`: `open`, `closed` or both, comma-separated; empty means both.
    pub statuses: Vec<RequestStatus>,
    /// Earliest `updated_datetime` (incremental sync, Chicago / Klarschiff).
    pub updated_after: Option<DateTime<FixedOffset>>,
    /// Latest `updated_datetime`.
    pub updated_before: Option<DateTime<FixedOffset>>,
    /// `lat`, `long` and `radius`.
    pub near: Option<Near>,
    /// `page`, from 1.
    pub page: u32,
    /// `page_size`, 1 to [`MAX_PAGE_SIZE`].
    pub page_size: u32,
    /// `extensions=true`: include `extended_attributes`.
    pub extensions: bool,
}

fn inverted(first: &'static str, second: &'static str) -> RequestError {
    RequestError::bad(
        first,
        "date_range_inverted",
        format!("Parameter {first} must not be later than {second}."),
        format!("Tham số {first} không được sau {second}."),
    )
}

impl RequestsQuery {
    /// Reads the decoded query of GET requests. Defaults: page 1, page size 1000, both statuses, no extensions,
    /// and the last 90 days when no window is given (see [`RequestsQuery::window`]).
    ///
    /// 400 errors: a malformed date (`datetime_invalid`), `start_date` after `end_date` or `updated_after` after
    /// `updated_before` (`date_range_inverted`), a window longer than 90 days (`date_range_too_long`), an unknown
    /// status (`status_invalid`), `page`/`page_size` not a whole number in range (`integer_invalid`), a malformed
    /// or out-of-range `lat`/`long`, `radius` without a point or a point without `radius` (`parameter_required`),
    /// a bad radius (`radius_invalid`), `extensions` not true/false (`boolean_invalid`), and any single-valued
    /// parameter given twice (`parameter_repeated`).
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, RequestError> {
        let params = Params::new(pairs);
        let start_date = params.datetime("start_date")?;
        let end_date = params.datetime("end_date")?;
        if let (Some(start), Some(end)) = (start_date, end_date) {
            if start > end {
                return Err(inverted("start_date", "end_date"));
            }
            if end - start > TimeDelta::days(DEFAULT_WINDOW_DAYS) {
                return Err(RequestError::bad(
                    "end_date",
                    "date_range_too_long",
                    format!(
                        "The window from start_date to end_date may be at most {DEFAULT_WINDOW_DAYS} days; \
                         ask for several windows."
                    ),
                    format!("Khoảng từ start_date đến end_date tối đa {DEFAULT_WINDOW_DAYS} ngày."),
                ));
            }
        }
        let updated_after = params.datetime("updated_after")?;
        let updated_before = params.datetime("updated_before")?;
        if let (Some(after), Some(before)) = (updated_after, updated_before)
            && after > before
        {
            return Err(inverted("updated_after", "updated_before"));
        }
        let mut statuses = Vec::new();
        for s in params.comma_list("status") {
            let status = RequestStatus::parse(s).ok_or_else(|| {
                RequestError::bad(
                    "status",
                    "status_invalid",
                    format!("Parameter status must be open, closed or both comma-separated, not “{s}”."),
                    format!("Tham số status phải là open, closed hoặc cả hai, không phải “{s}”."),
                )
            })?;
            if !statuses.contains(&status) {
                statuses.push(status);
            }
        }
        let point = lat_long(&params)?;
        let radius = params.float("radius")?;
        let near = match (point, radius) {
            (None, None) => None,
            (None, Some(_)) => return Err(required("lat")),
            (Some(_), None) => return Err(required("radius")),
            (Some(center), Some(radius_m)) => {
                if !(radius_m > 0.0 && radius_m <= MAX_RADIUS_M) {
                    return Err(RequestError::bad(
                        "radius",
                        "radius_invalid",
                        format!("Parameter radius must be more than 0 and at most {MAX_RADIUS_M} metres."),
                        format!("Tham số radius phải lớn hơn 0 và không quá {MAX_RADIUS_M} mét."),
                    ));
                }
                Some(Near { center, radius_m })
            }
        };
        Ok(RequestsQuery {
            jurisdiction_id: params.one("jurisdiction_id")?.map(str::to_owned),
            service_request_ids: params.comma_list("service_request_id").into_iter().map(str::to_owned).collect(),
            service_codes: params.comma_list("service_code").into_iter().map(str::to_owned).collect(),
            start_date,
            end_date,
            statuses,
            updated_after,
            updated_before,
            near,
            page: params.integer("page", 1..=u32::MAX)?.unwrap_or(1),
            page_size: params.integer("page_size", 1..=MAX_PAGE_SIZE)?.unwrap_or(MAX_PAGE_SIZE),
            extensions: params.boolean("extensions")?.unwrap_or(false),
        })
    }

    /// True when the query asks for given ids, which override every other filter.
    pub fn is_by_id(&self) -> bool {
        !self.service_request_ids.is_empty()
    }

    /// The `requested_datetime` window to apply at `now`, both ends inclusive, or `None` when there is none:
    /// when asking by id, or syncing by `updated_after`/`updated_before` without start or end date (a report
    /// sent long ago and updated today must reach an incremental sync).
    ///
    /// Otherwise the spec's default of 90 days: both dates as given; only `start_date` → 90 days from it; only
    /// `end_date` → the 90 days before it; neither → the 90 days before `now`.
    pub fn window(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let span = TimeDelta::days(DEFAULT_WINDOW_DAYS);
        let utc = |d: DateTime<FixedOffset>| d.with_timezone(&Utc);
        match (self.start_date.map(utc), self.end_date.map(utc)) {
            _ if self.is_by_id() => None,
            (None, None) if self.updated_after.is_some() || self.updated_before.is_some() => None,
            (Some(start), Some(end)) => Some((start, end)),
            (Some(start), None) => Some((start, start + span)),
            (None, Some(end)) => Some((end - span, end)),
            (None, None) => Some((now - span, now)),
        }
    }

    /// How many requests to skip: `(page - 1) × page_size`.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.page_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open311::parse_urlencoded;

    fn query(q: &str) -> Result<RequestsQuery, RequestError> {
        RequestsQuery::parse(&parse_urlencoded(q.as_bytes()))
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn utc(s: &str) -> DateTime<Utc> {
        at(s).with_timezone(&Utc)
    }

    #[test]
    fn defaults() {
        let q = query("").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((q.page, q.page_size, q.extensions, q.offset()), (1, 1000, false, 0));
        assert!(q.statuses.is_empty() && q.service_codes.is_empty() && q.near.is_none() && !q.is_by_id());
        let now = utc("2026-11-27T02:00:00Z");
        assert_eq!(q.window(now), Some((utc("2026-08-29T02:00:00Z"), now)));
    }

    #[test]
    fn every_parameter() {
        let q = query(
            "jurisdiction_id=hue.gov.vn&service_request_id=3,1,,3&service_code=MT,GT&service_code=CX\
             &start_date=2026-11-01T00:00:00%2B07:00&end_date=2026-11-27T00:00:00Z&status=open,CLOSED,open\
             &updated_after=2026-11-20T00:00Z&updated_before=2026-11-21T00:00:00 07:00&lat=16.46&long=107.59\
             &radius=500&page=3&page_size=50&extensions=true",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.jurisdiction_id.as_deref(), Some("hue.gov.vn"));
        assert_eq!(q.service_request_ids, ["3", "1"]);
        assert_eq!(q.service_codes, ["MT", "GT", "CX"]);
        assert_eq!(q.start_date, Some(at("2026-11-01T00:00:00+07:00")));
        assert_eq!(q.end_date, Some(at("2026-11-27T00:00:00Z")));
        assert_eq!(q.statuses, [RequestStatus::Open, RequestStatus::Closed]);
        assert_eq!(q.updated_after, Some(at("2026-11-20T00:00:00Z")));
        assert_eq!(q.updated_before, Some(at("2026-11-21T00:00:00+07:00")));
        assert_eq!(q.near, Some(Near { center: GeoPoint { lat: 16.46, lon: 107.59 }, radius_m: 500.0 }));
        assert_eq!((q.page, q.page_size, q.extensions, q.offset()), (3, 50, true, 100));
        assert!(q.is_by_id());
        assert_eq!(q.window(utc("2026-11-27T02:00:00Z")), None, "ids override the window");
    }

    #[test]
    fn windows() {
        let now = utc("2026-11-27T02:00:00Z");
        let window = |q: &str| query(q).unwrap_or_else(|e| panic!("{e}")).window(now);
        assert_eq!(
            window("start_date=2026-01-01T00:00:00Z"),
            Some((utc("2026-01-01T00:00:00Z"), utc("2026-04-01T00:00:00Z")))
        );
        assert_eq!(
            window("end_date=2026-04-01T00:00:00Z"),
            Some((utc("2026-01-01T00:00:00Z"), utc("2026-04-01T00:00:00Z")))
        );
        assert_eq!(
            window("start_date=2026-01-01T00:00:00Z&end_date=2026-03-31T00:00:00Z"),
            Some((utc("2026-01-01T00:00:00Z"), utc("2026-03-31T00:00:00Z")))
        );
        assert_eq!(window("updated_after=2026-11-26T00:00:00Z"), None);
        assert_eq!(
            window("updated_after=2026-11-26T00:00:00Z&start_date=2026-11-01T00:00:00Z"),
            Some((utc("2026-11-01T00:00:00Z"), utc("2027-01-30T00:00:00Z")))
        );
    }

    #[test]
    fn every_error() {
        let cases = [
            ("start_date=2026-11-01", "start_date", "datetime_invalid"),
            ("end_date=tomorrow", "end_date", "datetime_invalid"),
            ("updated_after=2026-11-01T00:00:00", "updated_after", "datetime_invalid"),
            ("updated_before=1", "updated_before", "datetime_invalid"),
            ("start_date=2026-11-02T00:00:00Z&end_date=2026-11-01T00:00:00Z", "start_date", "date_range_inverted"),
            ("start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:01Z", "end_date", "date_range_too_long"),
            (
                "updated_after=2026-11-02T00:00:00Z&updated_before=2026-11-01T00:00:00Z",
                "updated_after",
                "date_range_inverted",
            ),
            ("status=pending", "status", "status_invalid"),
            ("status=open,fixed", "status", "status_invalid"),
            ("page=0", "page", "integer_invalid"),
            ("page=-1", "page", "integer_invalid"),
            ("page=two", "page", "integer_invalid"),
            ("page_size=0", "page_size", "integer_invalid"),
            ("page_size=1001", "page_size", "integer_invalid"),
            ("page_size=1.5", "page_size", "integer_invalid"),
            ("lat=16.4&long=107.5", "radius", "parameter_required"),
            ("radius=100", "lat", "parameter_required"),
            ("lat=16.4&radius=100", "long", "parameter_required"),
            ("lat=x&long=107.5&radius=100", "lat", "number_invalid"),
            ("lat=91&long=107.5&radius=100", "lat", "coordinate_out_of_range"),
            ("lat=16.4&long=107.5&radius=0", "radius", "radius_invalid"),
            ("lat=16.4&long=107.5&radius=-5", "radius", "radius_invalid"),
            ("lat=16.4&long=107.5&radius=50001", "radius", "radius_invalid"),
            ("lat=16.4&long=107.5&radius=wide", "radius", "number_invalid"),
            ("extensions=yes", "extensions", "boolean_invalid"),
            ("page=1&page=2", "page", "parameter_repeated"),
            ("start_date=2026-11-01T00:00:00Z&start_date=2026-11-02T00:00:00Z", "start_date", "parameter_repeated"),
            ("service_request_id=1&start_date=bad", "start_date", "datetime_invalid"),
        ];
        for (q, parameter, code) in cases {
            let e = query(q).expect_err(q);
            assert_eq!((e.status, e.parameter.as_str(), e.code), (400, parameter, code), "{q}");
            assert!(e.description.contains(parameter), "{q}: {}", e.description);
        }
    }
}
