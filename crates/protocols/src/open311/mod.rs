//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>), the citizen-report protocol FixMyStreet and
//! other clients speak, with mySociety's update extension. See `shared/reference/open311.md` for the spec and its
//! pitfalls; the choices made here:
//!
//! - The format comes from the resource's suffix (`requests.xml`, `requests.json`), never from `Accept`
//!   ([`Format::split_resource`]).
//! - XML starts with `<?xml version="1.0" encoding="utf-8"?>`, has no namespace, escapes text and never contains a
//!   character XML 1.0 forbids. JSON follows the Spark convention: list containers become arrays, and a list with
//!   one element is still an array (a repeated element in XML).
//! - Ids and codes are strings in JSON; latitude and longitude are numbers; dates are RFC 3339 with an offset.
//! - An absent optional field is left out of both formats, never sent as `null` (the v2 Swagger rejects null).
//! - Errors are `<errors><error><code/><description/></error></errors>` or `[{"code":…,"description":…}]` with the
//!   HTTP status as the code: 404 for an unknown resource, jurisdiction or service code, 403 for a bad `api_key`,
//!   400 for anything else ([`RequestError`], [`ErrorBody`]).
//! - Incoming forms and queries are read from decoded `(name, value)` pairs ([`parse_urlencoded`]); an empty
//!   parameter behaves exactly like an absent one, as the spec requires of optional parameters.

mod discovery;
mod errors;
mod params;
mod post;
mod query;
mod requests;
mod services;
mod updates;
pub(crate) mod wire;

pub use discovery::{Discovery, Endpoint, EndpointType, GEOREPORT_V2_SPECIFICATION};
pub use errors::{ErrorBody, ErrorEntry, RequestError, check_jurisdiction};
pub use params::parse_urlencoded;
pub use post::{AttributeInput, DESCRIPTION_MAX_CHARS, NewServiceRequest, api_key_of};
pub use query::{DEFAULT_WINDOW_DAYS, MAX_PAGE_SIZE, MAX_RADIUS_M, Near, RequestsQuery};
pub use requests::{
    CreatedRequest, CreatedRequests, DetailedStatus, ExtendedAttributes, RequestReference, RequestStatus,
    ServiceRequest, ServiceRequests, TokenStatus, TokenStatuses,
};
pub use services::{Attribute, AttributeValue, Datatype, Service, ServiceDefinition, ServiceType, Services};
pub use updates::{
    DEFAULT_UPDATES_WINDOW_HOURS, ExtendedStatus, ExtraKey, NewUpdate, ServiceRequestUpdate, ServiceRequestUpdates,
    UpdateReceipt, UpdateReceipts, UpdatesQuery,
};
pub use wire::DecodeError;

/// Định dạng: the two wire formats, chosen by the resource's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `.xml`, required by the spec.
    Xml,
    /// `.json`.
    Json,
}

impl Format {
    /// Both formats, XML first (the one every server must offer).
    pub const ALL: [Format; 2] = [Format::Xml, Format::Json];

    /// The suffix without its dot: `xml` or `json`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xml => "xml",
            Format::Json => "json",
        }
    }

    /// The `Content-Type` to answer with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }

    /// The MIME type listed in discovery's `formats`.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml",
            Format::Json => "application/json",
        }
    }

    /// The format for a suffix (`xml` or `json`, exactly, in lower case).
    pub fn from_extension(extension: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// Splits the last path segment of a request, e.g. `requests.json` → (`requests`, JSON) or
    /// `12345.xml` → (`12345`, XML). A missing or unknown suffix is a 404: that resource does not exist.
    pub fn split_resource(segment: &str) -> Result<(&str, Format), RequestError> {
        segment
            .rsplit_once('.')
            .and_then(|(stem, ext)| Some((stem, Format::from_extension(ext)?)))
            .filter(|(stem, _)| !stem.is_empty())
            .ok_or_else(|| {
                RequestError::new(
                    404,
                    "format",
                    "format_unknown",
                    format!("Resource “{segment}” not found: add .xml or .json to choose the response format."),
                    format!("Không tìm thấy “{segment}”: thêm đuôi .xml hoặc .json để chọn định dạng trả về."),
                )
            })
    }
}

/// A document of the protocol: a response body (or a request body of a POST update's answer) that can be written
/// and read in both formats.
pub trait Document: Sized {
    /// The XML document, with its declaration.
    fn to_xml(&self) -> String;
    /// The JSON document.
    fn to_json(&self) -> String;
    /// Reads the XML document.
    fn from_xml(xml: &str) -> Result<Self, DecodeError>;
    /// Reads the JSON document.
    fn from_json(json: &str) -> Result<Self, DecodeError>;

    /// The document in `format`.
    fn render(&self, format: Format) -> String {
        match format {
            Format::Xml => self.to_xml(),
            Format::Json => self.to_json(),
        }
    }

    /// Reads a document in `format`.
    fn parse(format: Format, body: &str) -> Result<Self, DecodeError> {
        match format {
            Format::Xml => Self::from_xml(body),
            Format::Json => Self::from_json(body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_the_suffix() {
        assert_eq!(Format::split_resource("requests.json").ok(), Some(("requests", Format::Json)));
        assert_eq!(Format::split_resource("services.xml").ok(), Some(("services", Format::Xml)));
        assert_eq!(Format::split_resource("PA.2026.1.xml").ok(), Some(("PA.2026.1", Format::Xml)));
        for bad in ["requests", "requests.XML", "requests.html", ".json", ""] {
            let e = Format::split_resource(bad).expect_err(bad);
            assert_eq!((e.status, e.parameter.as_str(), e.code), (404, "format", "format_unknown"), "{bad}");
        }
        assert_eq!(Format::Xml.content_type(), "text/xml; charset=utf-8");
        assert_eq!(Format::Json.content_type(), "application/json; charset=utf-8");
        assert_eq!(Format::Json.mime_type(), "application/json");
    }
}
