//! Service requests (phản ánh) on the wire: GET requests / GET request, the POST response and GET tokens.

use chrono::{DateTime, FixedOffset};
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::reports::ReportStatus;

use super::wire::{DecodeError, In, Node, Obj, Shape, document};

/// Trạng thái Open311: `open` or `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// The city still has to act.
    Open,
    /// Answered, rejected or closed.
    Closed,
}

impl RequestStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Closed => "closed",
        }
    }

    /// Reads `open` or `closed` (any case, trimmed).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Some(RequestStatus::Open),
            "closed" => Some(RequestStatus::Closed),
            _ => None,
        }
    }

    /// The Open311 status of a report: open while [`ReportStatus::is_open`], closed once answered, rejected or
    /// closed.
    pub fn from_report(status: ReportStatus) -> Self {
        if status.is_open() { RequestStatus::Open } else { RequestStatus::Closed }
    }
}

/// CitySDK's `detailed_status` (Helsinki, Klarschiff), sent in `extended_attributes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetailedStatus {
    /// Sent, not yet looked at.
    Pending,
    /// Accepted and routed.
    Received,
    /// Being handled.
    InProcess,
    /// Answered or closed.
    Processed,
    /// Rejected.
    Rejected,
}

impl DetailedStatus {
    /// Every value.
    pub const ALL: [DetailedStatus; 5] = [
        DetailedStatus::Pending,
        DetailedStatus::Received,
        DetailedStatus::InProcess,
        DetailedStatus::Processed,
        DetailedStatus::Rejected,
    ];

    /// The wire value (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            DetailedStatus::Pending => "PENDING",
            DetailedStatus::Received => "RECEIVED",
            DetailedStatus::InProcess => "IN_PROCESS",
            DetailedStatus::Processed => "PROCESSED",
            DetailedStatus::Rejected => "REJECTED",
        }
    }

    /// The detailed status of a report: submitted → pending; verified, assigned, transferred → received; in
    /// progress, extended, reopened → in process; answered, closed → processed; rejected → rejected.
    pub fn from_report(status: ReportStatus) -> Self {
        use ReportStatus as S;
        match status {
            S::Submitted => DetailedStatus::Pending,
            S::Verified | S::Assigned | S::Transferred => DetailedStatus::Received,
            S::InProgress | S::Extended | S::Reopened => DetailedStatus::InProcess,
            S::Answered | S::Closed => DetailedStatus::Processed,
            S::Rejected(_) => DetailedStatus::Rejected,
        }
    }
}

/// `extended_attributes`, sent only when the client asks with `extensions=true` (Chicago, CitySDK).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtendedAttributes {
    /// CitySDK detailed status.
    pub detailed_status: Option<DetailedStatus>,
    /// Our internal status code ([`ReportStatus::as_str`]), for clients that know the platform.
    pub internal_status: Option<ReportStatus>,
    /// How the report arrived (app, web, hotline, zalo…), as Chicago's `channel`.
    pub channel: Option<String>,
    /// The ward or commune code the point lies in.
    pub ward: Option<String>,
    /// The report this one duplicates (Chicago's `parent_service_request_id`).
    pub parent_service_request_id: Option<String>,
    /// The reporter's rating of the answer (Hue-S publishes it): satisfied, acceptable or dissatisfied.
    pub rating: Option<Rating>,
    /// Every photo, when there are several (Klarschiff's `media_urls`); `media_url` holds the first.
    pub media_urls: Vec<String>,
}

impl ExtendedAttributes {
    fn to_node(&self) -> Node {
        let obj = Obj::new()
            .opt_text("detailed_status", self.detailed_status.map(DetailedStatus::as_str))
            .opt_text("internal_status", self.internal_status.map(ReportStatus::as_str))
            .opt_text("channel", self.channel.as_deref())
            .opt_text("ward", self.ward.as_deref())
            .opt_text("parent_service_request_id", self.parent_service_request_id.as_deref())
            .opt_text("rating", self.rating.map(Rating::as_str));
        if self.media_urls.is_empty() {
            obj.build()
        } else {
            obj.list("media_urls", "media_url", self.media_urls.iter().map(|u| Node::Text(u.clone())).collect()).build()
        }
    }

    fn from_in(i: &In<'_>) -> Result<Self, DecodeError> {
        let detailed_status = match i.opt_text("detailed_status")? {
            None => None,
            Some(s) => Some(
                DetailedStatus::ALL
                    .into_iter()
                    .find(|d| d.as_str().eq_ignore_ascii_case(s.trim()))
                    .ok_or_else(|| i.error(format!("unknown detailed_status “{s}”")))?,
            ),
        };
        let internal_status =
            i.opt_text("internal_status")?.map(|s| ReportStatus::parse(&s).map_err(|e| i.error(e.en))).transpose()?;
        let rating = i.opt_text("rating")?.map(|s| Rating::parse(&s).map_err(|e| i.error(e.en))).transpose()?;
        Ok(ExtendedAttributes {
            detailed_status,
            internal_status,
            channel: i.opt_text("channel")?,
            ward: i.opt_text("ward")?,
            parent_service_request_id: i.opt_text("parent_service_request_id")?,
            rating,
            media_urls: i.list("media_urls", "media_url")?.iter().map(In::scalar).collect::<Result<_, _>>()?,
        })
    }
}

/// Phản ánh: one request of GET requests / GET request, with every field of the spec. Optional fields that are
/// `None` are left out of both formats.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRequest {
    /// The id.
    pub service_request_id: String,
    /// Open or closed.
    pub status: RequestStatus,
    /// Why the status last changed (the unit's answer, the rejection reason…).
    pub status_notes: Option<String>,
    /// The service's name.
    pub service_name: Option<String>,
    /// The service's code.
    pub service_code: String,
    /// The citizen's description (≤ 4000 characters).
    pub description: Option<String>,
    /// The unit handling it.
    pub agency_responsible: Option<String>,
    /// Information about the service (e.g. how long it usually takes).
    pub service_notice: Option<String>,
    /// When it was sent; the date filters apply to this.
    pub requested_datetime: DateTime<FixedOffset>,
    /// Last change; for a closed request, when it was closed.
    pub updated_datetime: Option<DateTime<FixedOffset>>,
    /// The deadline (hạn xử lý).
    pub expected_datetime: Option<DateTime<FixedOffset>>,
    /// Human-readable address.
    pub address: Option<String>,
    /// Address id in the city's address register.
    pub address_id: Option<String>,
    /// Postcode.
    pub zipcode: Option<String>,
    /// The pin, sent as `lat` and `long` numbers.
    pub location: Option<GeoPoint>,
    /// A photo.
    pub media_url: Option<String>,
    /// Sent only when asked for with `extensions=true`.
    pub extended_attributes: Option<ExtendedAttributes>,
}

impl ServiceRequest {
    fn to_node(&self) -> Node {
        let mut obj = Obj::new()
            .text("service_request_id", &self.service_request_id)
            .text("status", self.status.as_str())
            .opt_text("status_notes", self.status_notes.as_deref())
            .opt_text("service_name", self.service_name.as_deref())
            .text("service_code", &self.service_code)
            .opt_text("description", self.description.as_deref())
            .opt_text("agency_responsible", self.agency_responsible.as_deref())
            .opt_text("service_notice", self.service_notice.as_deref())
            .date("requested_datetime", &self.requested_datetime)
            .opt_date("updated_datetime", self.updated_datetime.as_ref())
            .opt_date("expected_datetime", self.expected_datetime.as_ref())
            .opt_text("address", self.address.as_deref())
            .opt_text("address_id", self.address_id.as_deref())
            .opt_text("zipcode", self.zipcode.as_deref());
        if let Some(p) = self.location {
            obj = obj.float("lat", p.lat).float("long", p.lon);
        }
        obj = obj.opt_text("media_url", self.media_url.as_deref());
        if let Some(ext) = &self.extended_attributes {
            obj = obj.node("extended_attributes", ext.to_node());
        }
        obj.build()
    }

    fn from_in(i: &In<'_>) -> Result<Self, DecodeError> {
        let status = i.text("status")?;
        let status = RequestStatus::parse(&status).ok_or_else(|| i.error(format!("unknown status “{status}”")))?;
        let location = match (i.opt_f64("lat")?, i.opt_f64("long")?) {
            (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon).map_err(|e| i.error(e.en))?),
            (None, None) => None,
            _ => return Err(i.error("lat and long must be given together")),
        };
        Ok(ServiceRequest {
            service_request_id: i.text("service_request_id")?,
            status,
            status_notes: i.opt_text("status_notes")?,
            service_name: i.opt_text("service_name")?,
            service_code: i.text("service_code")?,
            description: i.opt_text("description")?,
            agency_responsible: i.opt_text("agency_responsible")?,
            service_notice: i.opt_text("service_notice")?,
            requested_datetime: i.date("requested_datetime")?,
            updated_datetime: i.opt_date("updated_datetime")?,
            expected_datetime: i.opt_date("expected_datetime")?,
            address: i.opt_text("address")?,
            address_id: i.opt_text("address_id")?,
            zipcode: i.opt_text("zipcode")?,
            location,
            media_url: i.opt_text("media_url")?,
            extended_attributes: i.field("extended_attributes").map(|e| ExtendedAttributes::from_in(&e)).transpose()?,
        })
    }
}

/// GET requests and GET request: `<service_requests><request>…</request></service_requests>` / a JSON array (a
/// single request is still a list of one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceRequests(pub Vec<ServiceRequest>);

impl Shape for ServiceRequests {
    const ROOT: &'static str = "service_requests";

    fn to_node(&self) -> Node {
        Node::List { item: "request", items: self.0.iter().map(ServiceRequest::to_node).collect() }
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        Ok(ServiceRequests(root.items("request")?.iter().map(ServiceRequest::from_in).collect::<Result<_, _>>()?))
    }
}

/// What a POST answers with: the new id, or a token to ask for it later (never both; the type makes sure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestReference {
    /// `service_request_id`, for realtime services.
    Id(String),
    /// `token`, for batch services.
    Token(String),
}

/// One entry of the POST response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRequest {
    /// The id or the token.
    pub reference: RequestReference,
    /// Information about what happens next.
    pub service_notice: Option<String>,
    /// The account the request was filed under.
    pub account_id: Option<String>,
}

impl CreatedRequest {
    fn to_node(&self) -> Node {
        let obj = match &self.reference {
            RequestReference::Id(id) => Obj::new().text("service_request_id", id),
            RequestReference::Token(token) => Obj::new().text("token", token),
        };
        obj.opt_text("service_notice", self.service_notice.as_deref())
            .opt_text("account_id", self.account_id.as_deref())
            .build()
    }

    fn from_in(i: &In<'_>) -> Result<Self, DecodeError> {
        let reference = match (i.opt_text("service_request_id")?, i.opt_text("token")?) {
            (Some(id), None) => RequestReference::Id(id),
            (None, Some(token)) => RequestReference::Token(token),
            (Some(_), Some(_)) => return Err(i.error("service_request_id and token must not appear together")),
            (None, None) => return Err(i.error("either service_request_id or token is required")),
        };
        Ok(CreatedRequest {
            reference,
            service_notice: i.opt_text("service_notice")?,
            account_id: i.opt_text("account_id")?,
        })
    }
}

/// The POST requests response: `<service_requests><request>…</request></service_requests>` / a JSON array.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreatedRequests(pub Vec<CreatedRequest>);

impl Shape for CreatedRequests {
    const ROOT: &'static str = "service_requests";

    fn to_node(&self) -> Node {
        Node::List { item: "request", items: self.0.iter().map(CreatedRequest::to_node).collect() }
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        Ok(CreatedRequests(root.items("request")?.iter().map(CreatedRequest::from_in).collect::<Result<_, _>>()?))
    }
}

/// One entry of GET tokens: the token and, once the request exists, its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatus {
    /// The id, once assigned.
    pub service_request_id: Option<String>,
    /// The token the POST returned.
    pub token: String,
}

/// GET tokens: `<service_requests><request><service_request_id/><token/></request></service_requests>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenStatuses(pub Vec<TokenStatus>);

impl Shape for TokenStatuses {
    const ROOT: &'static str = "service_requests";

    fn to_node(&self) -> Node {
        let items = self
            .0
            .iter()
            .map(|t| {
                Obj::new()
                    .opt_text("service_request_id", t.service_request_id.as_deref())
                    .text("token", &t.token)
                    .build()
            })
            .collect();
        Node::List { item: "request", items }
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        let items = root
            .items("request")?
            .iter()
            .map(|r| Ok(TokenStatus { service_request_id: r.opt_text("service_request_id")?, token: r.text("token")? }))
            .collect::<Result<_, DecodeError>>()?;
        Ok(TokenStatuses(items))
    }
}

document!(ServiceRequests, CreatedRequests, TokenStatuses);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open311::{Document, Format};
    use proptest::prelude::*;
    use smartcity_domain::reports::RejectReason;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn full() -> ServiceRequest {
        ServiceRequest {
            service_request_id: "000123".into(),
            status: RequestStatus::Open,
            status_notes: Some("Đã chuyển UBND phường Phú Xuân".into()),
            service_name: Some("Môi trường, vệ sinh".into()),
            service_code: "MT".into(),
            description: Some("Rác <tồn đọng> & bốc mùi".into()),
            agency_responsible: Some("UBND phường Phú Xuân".into()),
            service_notice: Some("Hạn xử lý 7 ngày làm việc".into()),
            requested_datetime: at("2026-11-27T09:00:00+07:00"),
            updated_datetime: Some(at("2026-11-27T03:30:00Z")),
            expected_datetime: Some(at("2026-12-08T23:59:59+07:00")),
            address: Some("12 Lê Lợi, Phú Xuân, Huế".into()),
            address_id: Some("A-12".into()),
            zipcode: Some("49000".into()),
            location: Some(GeoPoint { lat: 16.4637, lon: 107.5909 }),
            media_url: Some("https://hue.gov.vn/media/1.jpg".into()),
            extended_attributes: None,
        }
    }

    fn minimal() -> ServiceRequest {
        ServiceRequest {
            service_request_id: "7".into(),
            status: RequestStatus::Closed,
            status_notes: None,
            service_name: None,
            service_code: "GT".into(),
            description: None,
            agency_responsible: None,
            service_notice: None,
            requested_datetime: at("2026-01-02T03:04:05.250Z"),
            updated_datetime: None,
            expected_datetime: None,
            address: None,
            address_id: None,
            zipcode: None,
            location: None,
            media_url: None,
            extended_attributes: None,
        }
    }

    #[test]
    fn golden_requests() {
        let list = ServiceRequests(vec![full(), minimal()]);
        assert_eq!(
            list.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><service_requests><request>"#,
                "<service_request_id>000123</service_request_id><status>open</status>",
                "<status_notes>Đã chuyển UBND phường Phú Xuân</status_notes><service_name>Môi trường, vệ sinh</service_name>",
                "<service_code>MT</service_code><description>Rác &lt;tồn đọng&gt; &amp; bốc mùi</description>",
                "<agency_responsible>UBND phường Phú Xuân</agency_responsible><service_notice>Hạn xử lý 7 ngày làm việc</service_notice>",
                "<requested_datetime>2026-11-27T09:00:00+07:00</requested_datetime>",
                "<updated_datetime>2026-11-27T03:30:00Z</updated_datetime>",
                "<expected_datetime>2026-12-08T23:59:59+07:00</expected_datetime>",
                "<address>12 Lê Lợi, Phú Xuân, Huế</address><address_id>A-12</address_id><zipcode>49000</zipcode>",
                "<lat>16.4637</lat><long>107.5909</long><media_url>https://hue.gov.vn/media/1.jpg</media_url></request>",
                "<request><service_request_id>7</service_request_id><status>closed</status><service_code>GT</service_code>",
                "<requested_datetime>2026-01-02T03:04:05.250Z</requested_datetime></request>",
                "</service_requests>"
            )
        );
        assert_eq!(
            list.to_json(),
            concat!(
                r#"[{"service_request_id":"000123","status":"open","status_notes":"Đã chuyển UBND phường Phú Xuân","#,
                r#""service_name":"Môi trường, vệ sinh","service_code":"MT","description":"Rác <tồn đọng> & bốc mùi","#,
                r#""agency_responsible":"UBND phường Phú Xuân","service_notice":"Hạn xử lý 7 ngày làm việc","#,
                r#""requested_datetime":"2026-11-27T09:00:00+07:00","updated_datetime":"2026-11-27T03:30:00Z","#,
                r#""expected_datetime":"2026-12-08T23:59:59+07:00","address":"12 Lê Lợi, Phú Xuân, Huế","#,
                r#""address_id":"A-12","zipcode":"49000","lat":16.4637,"long":107.5909,"#,
                r#""media_url":"https://hue.gov.vn/media/1.jpg"},"#,
                r#"{"service_request_id":"7","status":"closed","service_code":"GT","requested_datetime":"2026-01-02T03:04:05.250Z"}]"#
            )
        );
    }

    #[test]
    fn a_single_request_is_still_a_list() {
        let one = ServiceRequests(vec![minimal()]);
        assert!(one.to_json().starts_with("[{") && one.to_json().ends_with("}]"));
        assert!(one.to_xml().contains("<service_requests><request>"));
        assert_eq!(ServiceRequests::default().to_json(), "[]");
    }

    #[test]
    fn golden_extended_attributes() {
        let mut r = minimal();
        r.extended_attributes = Some(ExtendedAttributes {
            detailed_status: Some(DetailedStatus::from_report(ReportStatus::Rejected(RejectReason::Duplicate))),
            internal_status: Some(ReportStatus::Rejected(RejectReason::Duplicate)),
            channel: Some("app".into()),
            ward: Some("19753".into()),
            parent_service_request_id: Some("6".into()),
            rating: Some(Rating::Acceptable),
            media_urls: vec!["https://x/1.jpg".into()],
        });
        let list = ServiceRequests(vec![r]);
        assert!(list.to_xml().contains(concat!(
            "<extended_attributes><detailed_status>REJECTED</detailed_status>",
            "<internal_status>rejected_duplicate</internal_status><channel>app</channel><ward>19753</ward>",
            "<parent_service_request_id>6</parent_service_request_id><rating>acceptable</rating>",
            "<media_urls><media_url>https://x/1.jpg</media_url></media_urls></extended_attributes>"
        )));
        assert!(list.to_json().ends_with(concat!(
            r#""extended_attributes":{"detailed_status":"REJECTED","internal_status":"rejected_duplicate","#,
            r#""channel":"app","ward":"19753","parent_service_request_id":"6","rating":"acceptable","#,
            r#""media_urls":["https://x/1.jpg"]}}]"#
        )));
        for format in Format::ALL {
            assert_eq!(ServiceRequests::parse(format, &list.render(format)).ok(), Some(list.clone()));
        }
        let empty = ServiceRequests(vec![ServiceRequest {
            extended_attributes: Some(ExtendedAttributes::default()),
            ..minimal()
        }]);
        assert!(empty.to_json().contains(r#""extended_attributes":{}"#));
        assert!(empty.to_xml().contains("<extended_attributes></extended_attributes>"));
    }

    #[test]
    fn golden_post_response_and_tokens() {
        let created = CreatedRequests(vec![CreatedRequest {
            reference: RequestReference::Id("293944".into()),
            service_notice: Some("Phản ánh sẽ được xử lý trong 7 ngày làm việc.".into()),
            account_id: None,
        }]);
        assert_eq!(
            created.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><service_requests><request><service_request_id>293944</service_request_id>"#,
                "<service_notice>Phản ánh sẽ được xử lý trong 7 ngày làm việc.</service_notice></request></service_requests>"
            )
        );
        assert_eq!(
            created.to_json(),
            r#"[{"service_request_id":"293944","service_notice":"Phản ánh sẽ được xử lý trong 7 ngày làm việc."}]"#
        );
        let batch = CreatedRequests(vec![CreatedRequest {
            reference: RequestReference::Token("abc-123".into()),
            service_notice: None,
            account_id: Some("42".into()),
        }]);
        assert_eq!(batch.to_json(), r#"[{"token":"abc-123","account_id":"42"}]"#);
        let tokens = TokenStatuses(vec![
            TokenStatus { service_request_id: Some("638344".into()), token: "12345".into() },
            TokenStatus { service_request_id: None, token: "12346".into() },
        ]);
        assert_eq!(
            tokens.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><service_requests>"#,
                "<request><service_request_id>638344</service_request_id><token>12345</token></request>",
                "<request><token>12346</token></request></service_requests>"
            )
        );
        assert_eq!(tokens.to_json(), r#"[{"service_request_id":"638344","token":"12345"},{"token":"12346"}]"#);
        for format in Format::ALL {
            assert_eq!(CreatedRequests::parse(format, &created.render(format)).ok(), Some(created.clone()));
            assert_eq!(CreatedRequests::parse(format, &batch.render(format)).ok(), Some(batch.clone()));
            assert_eq!(TokenStatuses::parse(format, &tokens.render(format)).ok(), Some(tokens.clone()));
        }
        let both = r#"[{"service_request_id":"1","token":"2"}]"#;
        assert!(CreatedRequests::from_json(both).expect_err("both").message.contains("together"));
        assert!(CreatedRequests::from_json(r#"[{"account_id":"1"}]"#).is_err());
    }

    #[test]
    fn statuses_from_reports() {
        use RequestStatus::{Closed, Open};
        for status in ReportStatus::ALL {
            let expected = if status.is_open() { Open } else { Closed };
            assert_eq!(RequestStatus::from_report(status), expected, "{status}");
        }
        let detailed: Vec<_> = ReportStatus::ALL.into_iter().map(|s| DetailedStatus::from_report(s).as_str()).collect();
        assert_eq!(
            detailed,
            [
                "PENDING",
                "RECEIVED",
                "REJECTED",
                "REJECTED",
                "REJECTED",
                "RECEIVED",
                "IN_PROCESS",
                "IN_PROCESS",
                "RECEIVED",
                "PROCESSED",
                "IN_PROCESS",
                "PROCESSED"
            ]
        );
    }

    #[test]
    fn reading_errors_name_the_place() {
        let cases = [
            (r#"[{"service_request_id":"1","status":"open","service_code":"A"}]"#, "[1]/requested_datetime"),
            (
                r#"[{"service_request_id":"1","status":"pending","service_code":"A","requested_datetime":"2026-01-01T00:00:00Z"}]"#,
                "pending",
            ),
            (
                r#"[{"service_request_id":"1","status":"open","service_code":"A","requested_datetime":"2026-01-01"}]"#,
                "RFC 3339",
            ),
            (
                r#"[{"service_request_id":"1","status":"open","service_code":"A","requested_datetime":"2026-01-01T00:00:00Z","lat":16.4}]"#,
                "together",
            ),
            (
                r#"[{"service_request_id":"1","status":"open","service_code":"A","requested_datetime":"2026-01-01T00:00:00Z","lat":96,"long":1}]"#,
                "latitude",
            ),
            (
                r#"[{"service_request_id":"1","status":"open","service_code":"A","requested_datetime":"2026-01-01T00:00:00Z","lat":"x","long":1}]"#,
                "[1]/lat",
            ),
            (r#"{"service_requests":[]}"#, "expected an array"),
            ("[", "malformed JSON"),
        ];
        for (json, fragment) in cases {
            let e = ServiceRequests::from_json(json).expect_err(json);
            assert!(e.to_string().contains(fragment), "{json}: {e}");
        }
        let e = ServiceRequests::from_xml(
            "<service_requests><request><service_request_id>1</service_request_id></request></service_requests>",
        )
        .expect_err("missing status");
        assert_eq!(e.path, "service_requests/request[1]/status");
        assert!(ServiceRequests::from_xml("<services/>").expect_err("root").message.contains("<service_requests>"));
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễđĐ<>&\"'.,;:/?=+-]{1,40}".prop_filter("not blank", |s| !s.is_empty())
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    fn datetime() -> impl Strategy<Value = DateTime<FixedOffset>> {
        (0i64..4_000_000_000, -12i32..=14, 0u32..1000).prop_map(|(secs, hours, millis)| {
            let offset = FixedOffset::east_opt(hours * 3600).unwrap_or_else(|| panic!("offset"));
            DateTime::from_timestamp(secs, millis * 1_000_000).unwrap_or_default().with_timezone(&offset)
        })
    }

    fn request() -> impl Strategy<Value = ServiceRequest> {
        let a = (text(), proptest::bool::ANY, opt_text(), opt_text(), text(), opt_text(), opt_text(), opt_text());
        let b = (
            datetime(),
            proptest::option::of(datetime()),
            proptest::option::of(datetime()),
            opt_text(),
            opt_text(),
            opt_text(),
            proptest::option::of((-90.0f64..=90.0, -180.0f64..=180.0)),
            opt_text(),
        );
        (a, b).prop_map(
            |((id, open, notes, name, code, desc, agency, notice), (req, upd, exp, addr, aid, zip, loc, media))| {
                ServiceRequest {
                    service_request_id: id,
                    status: if open { RequestStatus::Open } else { RequestStatus::Closed },
                    status_notes: notes,
                    service_name: name,
                    service_code: code,
                    description: desc,
                    agency_responsible: agency,
                    service_notice: notice,
                    requested_datetime: req,
                    updated_datetime: upd,
                    expected_datetime: exp,
                    address: addr,
                    address_id: aid,
                    zipcode: zip,
                    location: loc.map(|(lat, lon)| GeoPoint { lat, lon }),
                    media_url: media,
                    extended_attributes: None,
                }
            },
        )
    }

    proptest! {
        /// Whatever a request holds, both formats read back to the same request.
        #[test]
        fn requests_round_trip(requests in proptest::collection::vec(request(), 0..4)) {
            let list = ServiceRequests(requests);
            for format in Format::ALL {
                let back = ServiceRequests::parse(format, &list.render(format))
                    .map_err(|e| TestCaseError::fail(format!("{format:?}: {e}")))?;
                prop_assert_eq!(&back, &list);
            }
        }
    }
}
