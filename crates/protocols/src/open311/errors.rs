//! Errors: what a request got wrong ([`RequestError`]) and the `<errors>` body it is answered with ([`ErrorBody`]).

use super::wire::{DecodeError, In, Node, Obj, Shape, document};

/// Lỗi yêu cầu Open311: a request the server refuses, with the HTTP status the spec prescribes (400 bad
/// parameter, 403 missing or wrong `api_key`, 404 unknown resource, jurisdiction or service code), the parameter
/// at fault and a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {parameter}: {description}")]
pub struct RequestError {
    /// HTTP status: 400, 403 or 404. Also the `code` in the errors body.
    pub status: u16,
    /// The parameter at fault, as the client spelled it (`lat`, `attribute[WHISPAWN]`, `service_code`…).
    pub parameter: String,
    /// Stable snake_case code for logs and tests, e.g. `lat_invalid`.
    pub code: &'static str,
    /// English description sent in the errors body; it names the parameter.
    pub description: String,
    /// The same in Vietnamese, for the platform's own screens.
    pub vi: String,
}

impl RequestError {
    /// Builds an error answered with `status` about `parameter`.
    pub fn new(
        status: u16,
        parameter: impl Into<String>,
        code: &'static str,
        description: impl Into<String>,
        vi: impl Into<String>,
    ) -> Self {
        RequestError { status, parameter: parameter.into(), code, description: description.into(), vi: vi.into() }
    }

    /// A 400 error about `parameter`.
    pub fn bad(parameter: impl Into<String>, code: &'static str, en: impl Into<String>, vi: impl Into<String>) -> Self {
        RequestError::new(400, parameter, code, en, vi)
    }

    /// The errors body for this error alone.
    pub fn body(&self) -> ErrorBody {
        ErrorBody { errors: vec![ErrorEntry::from(self)] }
    }
}

/// One `<error>`: a code (the HTTP status, as the spec's examples do) and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    /// The code; a number in JSON.
    pub code: u16,
    /// What went wrong.
    pub description: String,
}

impl From<&RequestError> for ErrorEntry {
    fn from(e: &RequestError) -> Self {
        ErrorEntry { code: e.status, description: e.description.clone() }
    }
}

/// The errors body: `<errors><error>…</error></errors>` or a JSON array; several errors are allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// The errors, at least one when sent.
    pub errors: Vec<ErrorEntry>,
}

impl ErrorBody {
    /// The HTTP status to answer with: the first error's code when it is a 4xx/5xx status, else 400.
    pub fn status(&self) -> u16 {
        self.errors.first().map(|e| e.code).filter(|c| (400..600).contains(c)).unwrap_or(400)
    }
}

impl From<&[RequestError]> for ErrorBody {
    fn from(errors: &[RequestError]) -> Self {
        ErrorBody { errors: errors.iter().map(ErrorEntry::from).collect() }
    }
}

impl Shape for ErrorBody {
    const ROOT: &'static str = "errors";

    fn to_node(&self) -> Node {
        let items = self
            .errors
            .iter()
            .map(|e| Obj::new().int("code", u64::from(e.code)).text("description", &e.description).build())
            .collect();
        Node::List { item: "error", items }
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        let errors = root
            .items("error")?
            .iter()
            .map(|e| {
                let code = e.text("code")?;
                let code =
                    code.trim().parse::<u16>().map_err(|_| e.error(format!("error code “{code}” is not a number")))?;
                Ok(ErrorEntry { code, description: e.opt_text("description")?.unwrap_or_default() })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(ErrorBody { errors })
    }
}

document!(ErrorBody);

/// Checks the `jurisdiction_id` of a request against the ones this endpoint serves: missing when `required` → 400,
/// given but not served → 404. A single-jurisdiction endpoint passes `required = false` and accepts its own id or
/// none.
pub fn check_jurisdiction(given: Option<&str>, served: &[&str], required: bool) -> Result<(), RequestError> {
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        None if required => Err(RequestError::bad(
            "jurisdiction_id",
            "jurisdiction_id_required",
            "Parameter jurisdiction_id is required by this endpoint.",
            "Thiếu tham số jurisdiction_id.",
        )),
        None => Ok(()),
        Some(id) if served.iter().any(|s| s.eq_ignore_ascii_case(id)) => Ok(()),
        Some(id) => Err(RequestError::new(
            404,
            "jurisdiction_id",
            "jurisdiction_id_unknown",
            format!("Jurisdiction “{id}” is not served by this endpoint."),
            format!("Điểm cuối này không phục vụ đơn vị “{id}”."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open311::Document;

    fn body() -> ErrorBody {
        ErrorBody {
            errors: vec![
                ErrorEntry {
                    code: 403,
                    description: "Invalid api_key received -- can't proceed with create_request.".into(),
                },
                ErrorEntry { code: 404, description: "Unknown service_code “X<1>”.".into() },
            ],
        }
    }

    #[test]
    fn golden_xml_and_json() {
        assert_eq!(
            body().to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><errors>"#,
                "<error><code>403</code><description>Invalid api_key received -- can't proceed with create_request.</description></error>",
                "<error><code>404</code><description>Unknown service_code “X&lt;1&gt;”.</description></error>",
                "</errors>"
            )
        );
        assert_eq!(
            body().to_json(),
            r#"[{"code":403,"description":"Invalid api_key received -- can't proceed with create_request."},{"code":404,"description":"Unknown service_code “X<1>”."}]"#
        );
        let one = ErrorBody { errors: vec![ErrorEntry { code: 400, description: "x".into() }] };
        assert_eq!(one.to_json(), r#"[{"code":400,"description":"x"}]"#);
        assert!(one.to_xml().ends_with("<errors><error><code>400</code><description>x</description></error></errors>"));
    }

    #[test]
    fn round_trips_and_reads_string_codes() {
        for format in crate::open311::Format::ALL {
            assert_eq!(ErrorBody::parse(format, &body().render(format)).ok(), Some(body()), "{format:?}");
        }
        let lenient = ErrorBody::from_json(r#"[{"code":"404","description":"gone"}]"#).expect("string code");
        assert_eq!(lenient.errors[0].code, 404);
        assert!(ErrorBody::from_json(r#"[{"code":"x","description":"?"}]"#).is_err());
        assert!(ErrorBody::from_xml("<service_requests/>").is_err());
    }

    #[test]
    fn status_and_body_from_request_errors() {
        let e =
            RequestError::new(403, "api_key", "api_key_missing", "Parameter api_key is required.", "Thiếu api_key.");
        assert_eq!(e.body().status(), 403);
        assert_eq!(e.to_string(), "403 api_key: Parameter api_key is required.");
        assert_eq!(ErrorBody { errors: vec![] }.status(), 400);
        let both = ErrorBody::from(&[e.clone(), RequestError::bad("lat", "lat_invalid", "bad lat", "")][..]);
        assert_eq!(both.errors.iter().map(|e| e.code).collect::<Vec<_>>(), [403, 400]);
    }

    #[test]
    fn jurisdictions() {
        let served = ["hue.gov.vn"];
        let code = |given, required| check_jurisdiction(given, &served, required).map_err(|e| (e.status, e.code));
        assert_eq!(code(None, false), Ok(()));
        assert_eq!(code(Some(""), false), Ok(()));
        assert_eq!(code(Some("HUE.gov.vn"), true), Ok(()));
        assert_eq!(code(None, true), Err((400, "jurisdiction_id_required")));
        assert_eq!(code(Some(" "), true), Err((400, "jurisdiction_id_required")));
        assert_eq!(code(Some("sfgov.org"), false), Err((404, "jurisdiction_id_unknown")));
    }
}
