//! POST requests: the form a client sends to file a report, read into a typed request.

use std::collections::BTreeMap;

use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::Email;

use super::errors::RequestError;
use super::params::{Params, required};

/// Longest description the spec allows, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 4000;
/// Longest free-text field other than the description (names, ids, address), in characters.
const FIELD_MAX_CHARS: usize = 500;

/// The answer given to one attribute: `attribute[CODE]=v` or, for a multivaluelist,
/// `attribute[CODE][]=v1&attribute[CODE][]=v2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeInput {
    /// One answer.
    Single(String),
    /// Several answers, in the order sent.
    Multi(Vec<String>),
}

/// Phản ánh mới qua Open311: the parameters of POST requests, checked.
///
/// Location: at least one of `lat`+`long`, `address_string` or `address_id`. Whether `api_key` is valid, the
/// jurisdiction served and the service code known are the caller's checks (403 / 404, see
/// [`super::check_jurisdiction`]); attributes are checked against the definition with
/// [`super::ServiceDefinition::check_attributes`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewServiceRequest {
    /// The client's key (present; its validity is the caller's check).
    pub api_key: String,
    /// The city, on multi-jurisdiction endpoints.
    pub jurisdiction_id: Option<String>,
    /// The service (category) code.
    pub service_code: String,
    /// The pin, from `lat` and `long`.
    pub location: Option<GeoPoint>,
    /// The address, most specific part first.
    pub address_string: Option<String>,
    /// An id in the city's address register (FixMyStreet sends `#NOTPINPOINTED#` when it has none).
    pub address_id: Option<String>,
    /// The reporter's email.
    pub email: Option<Email>,
    /// The reporter's device.
    pub device_id: Option<String>,
    /// The reporter's account.
    pub account_id: Option<String>,
    /// The reporter's first name.
    pub first_name: Option<String>,
    /// The reporter's last name.
    pub last_name: Option<String>,
    /// The reporter's phone, as given (callers from abroad use other formats than Vietnam's).
    pub phone: Option<String>,
    /// What is wrong, at most 4000 characters.
    pub description: Option<String>,
    /// Photo URLs: the spec's one `media_url`; FixMyStreet repeats it when a report has several photos.
    pub media_urls: Vec<String>,
    /// Answers to the service definition's attributes, by code.
    pub attributes: BTreeMap<String, AttributeInput>,
}

/// The `api_key` of a request, before anything else is read, so that a request with no key is answered 403 even
/// when it is also malformed.
pub fn api_key_of(pairs: &[(String, String)]) -> Result<&str, RequestError> {
    Params::new(pairs).one("api_key")?.ok_or_else(|| {
        RequestError::new(
            403,
            "api_key",
            "api_key_missing",
            "Parameter api_key is required.",
            "Thiếu khóa API (tham số api_key).",
        )
    })
}

fn bounded(params: &Params<'_>, name: &'static str, max: usize) -> Result<Option<String>, RequestError> {
    let Some(value) = params.one(name)? else { return Ok(None) };
    let chars = value.chars().count();
    if chars > max {
        return Err(RequestError::bad(
            name,
            "parameter_too_long",
            format!("Parameter {name} may be at most {max} characters long; it has {chars}."),
            format!("Tham số {name} dài tối đa {max} ký tự; đã gửi {chars} ký tự."),
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Reads `lat` and `long`: both or neither, decimal degrees within range.
pub(crate) fn lat_long(params: &Params<'_>) -> Result<Option<GeoPoint>, RequestError> {
    match (params.float("lat")?, params.float("long")?) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(required("long")),
        (None, Some(_)) => Err(required("lat")),
        (Some(lat), Some(lon)) => GeoPoint::new(lat, lon).map(Some).map_err(|e| {
            let parameter = if e.field == "lat" { "lat" } else { "long" };
            let (en, vi) = if parameter == "lat" {
                ("Parameter lat must be between -90 and 90.", "Tham số lat phải nằm trong khoảng -90 đến 90.")
            } else {
                ("Parameter long must be between -180 and 180.", "Tham số long phải nằm trong khoảng -180 đến 180.")
            };
            RequestError::bad(parameter, "coordinate_out_of_range", en, vi)
        }),
    }
}

/// Reads `attribute[CODE]` and `attribute[CODE][]` parameters. Empty answers count as absent.
pub(crate) fn attributes(params: &Params<'_>) -> Result<BTreeMap<String, AttributeInput>, RequestError> {
    let mut found: BTreeMap<String, AttributeInput> = BTreeMap::new();
    for (name, value) in params.pairs() {
        let Some(rest) = name.strip_prefix("attribute[") else { continue };
        let (code, multi) = match rest.strip_suffix("][]") {
            Some(code) => (code, true),
            None => (rest.strip_suffix(']').unwrap_or(""), false),
        };
        let valid = !code.is_empty()
            && code.len() <= 100
            && code.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
        if !valid {
            return Err(RequestError::bad(
                name.clone(),
                "attribute_name_invalid",
                format!("Parameter {name} is not a valid attribute; use attribute[CODE] or attribute[CODE][]."),
                format!("Tham số {name} không hợp lệ; dùng attribute[MÃ] hoặc attribute[MÃ][]."),
            ));
        }
        let value = value.trim();
        let mixed = || {
            RequestError::bad(
                name.clone(),
                "attribute_repeated",
                format!(
                    "Attribute {code} was given more than once; send attribute[{code}] once, or \
                     attribute[{code}][] for each answer of a multi-value list."
                ),
                format!("Câu trả lời {code} bị gửi nhiều lần; dùng attribute[{code}][] cho danh sách nhiều lựa chọn."),
            )
        };
        match (found.get_mut(code), multi) {
            (_, _) if value.is_empty() => {}
            (None, false) => {
                found.insert(code.to_owned(), AttributeInput::Single(value.to_owned()));
            }
            (None, true) => {
                found.insert(code.to_owned(), AttributeInput::Multi(vec![value.to_owned()]));
            }
            (Some(AttributeInput::Multi(values)), true) => values.push(value.to_owned()),
            (Some(_), _) => return Err(mixed()),
        }
    }
    Ok(found)
}

/// Reads `media_url` (repeatable) and `media_url[]`: http or https URLs.
pub(crate) fn media_urls(params: &Params<'_>) -> Result<Vec<String>, RequestError> {
    let mut urls = Vec::new();
    for name in ["media_url", "media_url[]"] {
        for url in params.all(name).filter(|u| !u.is_empty()) {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.contains(char::is_whitespace) {
                return Err(RequestError::bad(
                    name,
                    "media_url_invalid",
                    format!("Parameter {name} must be an http or https URL, not “{url}”."),
                    format!("Tham số {name} phải là một địa chỉ http hoặc https, không phải “{url}”."),
                ));
            }
            urls.push(url.to_owned());
        }
    }
    Ok(urls)
}

impl NewServiceRequest {
    /// Reads the decoded form of POST requests. Errors, in this order: `api_key` missing (403); then 400 for
    /// `service_code` missing, `lat`/`long` malformed, out of range or not paired, no location at all
    /// (`location_required`), `email` invalid, a text too long (`description` over 4000 characters,
    /// `parameter_too_long`), `media_url` not http(s), an attribute name malformed or given twice, and any
    /// single-valued parameter given twice (`parameter_repeated`). Unknown parameters are ignored.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, RequestError> {
        let params = Params::new(pairs);
        let api_key = api_key_of(pairs)?.to_owned();
        let jurisdiction_id = bounded(&params, "jurisdiction_id", FIELD_MAX_CHARS)?;
        let service_code = params.required("service_code")?.to_owned();
        let location = lat_long(&params)?;
        let address_string = bounded(&params, "address_string", FIELD_MAX_CHARS)?;
        let address_id = bounded(&params, "address_id", FIELD_MAX_CHARS)?;
        if location.is_none() && address_string.is_none() && address_id.is_none() {
            return Err(RequestError::bad(
                "lat",
                "location_required",
                "A location is required: send lat and long, address_string or address_id.",
                "Cần vị trí phản ánh: gửi lat và long, address_string hoặc address_id.",
            ));
        }
        let email = params
            .one("email")?
            .map(|e| {
                Email::parse(e).map_err(|err| {
                    RequestError::bad("email", "email_invalid", format!("Parameter email: {}", err.en), err.vi)
                })
            })
            .transpose()?;
        Ok(NewServiceRequest {
            api_key,
            jurisdiction_id,
            service_code,
            location,
            address_string,
            address_id,
            email,
            device_id: bounded(&params, "device_id", FIELD_MAX_CHARS)?,
            account_id: bounded(&params, "account_id", FIELD_MAX_CHARS)?,
            first_name: bounded(&params, "first_name", FIELD_MAX_CHARS)?,
            last_name: bounded(&params, "last_name", FIELD_MAX_CHARS)?,
            phone: bounded(&params, "phone", FIELD_MAX_CHARS)?,
            description: bounded(&params, "description", DESCRIPTION_MAX_CHARS)?,
            media_urls: media_urls(&params)?,
            attributes: attributes(&params)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open311::parse_urlencoded;

    fn form(body: &str) -> Vec<(String, String)> {
        parse_urlencoded(body.as_bytes())
    }

    #[test]
    fn reads_a_full_form() {
        let body = "api_key=k1&jurisdiction_id=hue.gov.vn&service_code=MT&lat=16.4637&long=107.5909\
                    &address_string=12+L%C3%AA+L%E1%BB%A3i%2C+Hu%E1%BA%BF&address_id=A-12&email=Dan%40Example.VN\
                    &device_id=d1&account_id=42&first_name=Nguy%E1%BB%85n&last_name=An&phone=0912345678\
                    &description=R%C3%A1c+t%E1%BB%93n+%C4%91%E1%BB%8Dng&media_url=https%3A%2F%2Fx%2F1.jpg\
                    &media_url=https%3A%2F%2Fx%2F2.jpg&attribute%5BLOAI%5D=123&attribute%5BNHIEU%5D%5B%5D=a\
                    &attribute%5BNHIEU%5D%5B%5D=b&attribute%5BEMPTY%5D=&deviceid=ignored";
        let r = NewServiceRequest::parse(&form(body)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.api_key, "k1");
        assert_eq!(r.jurisdiction_id.as_deref(), Some("hue.gov.vn"));
        assert_eq!(r.service_code, "MT");
        assert_eq!(r.location, Some(GeoPoint { lat: 16.4637, lon: 107.5909 }));
        assert_eq!(r.address_string.as_deref(), Some("12 Lê Lợi, Huế"));
        assert_eq!(r.email.as_ref().map(Email::as_str), Some("dan@example.vn"));
        assert_eq!(
            (r.first_name.as_deref(), r.last_name.as_deref(), r.phone.as_deref()),
            (Some("Nguyễn"), Some("An"), Some("0912345678"))
        );
        assert_eq!(r.description.as_deref(), Some("Rác tồn đọng"));
        assert_eq!(r.media_urls, ["https://x/1.jpg", "https://x/2.jpg"]);
        let expected: BTreeMap<String, AttributeInput> = [
            ("LOAI".to_owned(), AttributeInput::Single("123".into())),
            ("NHIEU".to_owned(), AttributeInput::Multi(vec!["a".into(), "b".into()])),
        ]
        .into_iter()
        .collect();
        assert_eq!(r.attributes, expected);
    }

    #[test]
    fn any_one_location_is_enough_and_empty_means_absent() {
        for body in [
            "api_key=k&service_code=MT&address_string=Hu%E1%BA%BF",
            "api_key=k&service_code=MT&address_id=%23NOTPINPOINTED%23",
            "api_key=k&service_code=MT&lat=16.4&long=107.5&email=&phone=&description=",
        ] {
            let r = NewServiceRequest::parse(&form(body)).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!((r.email, r.phone, r.description), (None, None, None), "{body}");
        }
    }

    #[test]
    fn every_error_names_its_parameter() {
        let long = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        let ok = "api_key=k&service_code=MT&lat=16.4&long=107.5";
        let cases: Vec<(String, u16, &str, &str)> = vec![
            ("service_code=MT&lat=16.4&long=107.5".into(), 403, "api_key", "api_key_missing"),
            ("api_key=&service_code=MT&lat=16.4&long=107.5".into(), 403, "api_key", "api_key_missing"),
            ("api_key=a&api_key=b&service_code=MT&lat=1&long=1".into(), 400, "api_key", "parameter_repeated"),
            ("api_key=k&lat=16.4&long=107.5".into(), 400, "service_code", "parameter_required"),
            ("api_key=k&service_code=MT".into(), 400, "lat", "location_required"),
            ("api_key=k&service_code=MT&lat=&long=".into(), 400, "lat", "location_required"),
            ("api_key=k&service_code=MT&lat=16.4".into(), 400, "long", "parameter_required"),
            ("api_key=k&service_code=MT&long=107.5".into(), 400, "lat", "parameter_required"),
            ("api_key=k&service_code=MT&lat=abc&long=107.5".into(), 400, "lat", "number_invalid"),
            ("api_key=k&service_code=MT&lat=16.4&long=NaN".into(), 400, "long", "number_invalid"),
            ("api_key=k&service_code=MT&lat=95&long=107.5".into(), 400, "lat", "coordinate_out_of_range"),
            ("api_key=k&service_code=MT&lat=16&long=190".into(), 400, "long", "coordinate_out_of_range"),
            (format!("{ok}&email=not-an-email"), 400, "email", "email_invalid"),
            (format!("{ok}&description={long}"), 400, "description", "parameter_too_long"),
            (format!("{ok}&first_name={}", "y".repeat(501)), 400, "first_name", "parameter_too_long"),
            (format!("{ok}&media_url=ftp://x/1.jpg"), 400, "media_url", "media_url_invalid"),
            (format!("{ok}&media_url%5B%5D=javascript:alert(1)"), 400, "media_url[]", "media_url_invalid"),
            (format!("{ok}&attribute%5B%5D=1"), 400, "attribute[]", "attribute_name_invalid"),
            (format!("{ok}&attribute%5BX=1"), 400, "attribute[X", "attribute_name_invalid"),
            (format!("{ok}&attribute%5BX%5D%5By%5D=1"), 400, "attribute[X][y]", "attribute_name_invalid"),
            (format!("{ok}&attribute%5BX%5D=1&attribute%5BX%5D=2"), 400, "attribute[X]", "attribute_repeated"),
            (format!("{ok}&attribute%5BX%5D=1&attribute%5BX%5D%5B%5D=2"), 400, "attribute[X][]", "attribute_repeated"),
            (format!("{ok}&service_code=GT"), 400, "service_code", "parameter_repeated"),
        ];
        for (body, status, parameter, code) in cases {
            let e = NewServiceRequest::parse(&form(&body)).expect_err(&body);
            assert_eq!((e.status, e.parameter.as_str(), e.code), (status, parameter, code), "{body}");
            assert!(e.description.contains(parameter) || code == "location_required", "{body}: {}", e.description);
            assert!(!e.vi.is_empty());
        }
    }
}
