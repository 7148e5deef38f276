//! Service discovery (`discovery.xml` / `discovery.json`): where the endpoints are and what they speak.

use chrono::{DateTime, FixedOffset};

use super::wire::{DecodeError, In, Node, Obj, Shape, document};

/// The `specification` token of a GeoReport v2 endpoint.
pub const GEOREPORT_V2_SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// Whether an endpoint is live or for testing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointType {
    /// Live data.
    Production,
    /// A sandbox with its own API keys.
    Test,
}

impl EndpointType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointType::Production => "production",
            EndpointType::Test => "test",
        }
    }
}

/// One endpoint listed by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What it implements, e.g. [`GEOREPORT_V2_SPECIFICATION`].
    pub specification: String,
    /// Its base URL.
    pub url: String,
    /// When it last changed.
    pub changeset: DateTime<FixedOffset>,
    /// Production or test.
    pub endpoint_type: EndpointType,
    /// MIME types it answers in (`text/xml`, `application/json`).
    pub formats: Vec<String>,
}

/// The discovery document. All fields are required by the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// When anything listed last changed; clients use it to refresh cached services and definitions.
    pub changeset: DateTime<FixedOffset>,
    /// How to reach the people running the service.
    pub contact: String,
    /// How to get an API key.
    pub key_service: String,
    /// The endpoints.
    pub endpoints: Vec<Endpoint>,
}

impl Shape for Discovery {
    const ROOT: &'static str = "discovery";

    fn to_node(&self) -> Node {
        let endpoints = self
            .endpoints
            .iter()
            .map(|e| {
                Obj::new()
                    .text("specification", &e.specification)
                    .text("url", &e.url)
                    .date("changeset", &e.changeset)
                    .text("type", e.endpoint_type.as_str())
                    .list("formats", "format", e.formats.iter().map(|f| Node::Text(f.clone())).collect())
                    .build()
            })
            .collect();
        Obj::new()
            .date("changeset", &self.changeset)
            .text("contact", &self.contact)
            .text("key_service", &self.key_service)
            .list("endpoints", "endpoint", endpoints)
            .build()
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        let endpoints = root
            .list("endpoints", "endpoint")?
            .iter()
            .map(|e| {
                let kind = e.text("type")?;
                let endpoint_type = match kind.trim().to_ascii_lowercase().as_str() {
                    "production" => EndpointType::Production,
                    "test" => EndpointType::Test,
                    _ => return Err(e.error(format!("unknown endpoint type “{kind}”"))),
                };
                Ok(Endpoint {
                    specification: e.text("specification")?,
                    url: e.text("url")?,
                    changeset: e.date("changeset")?,
                    endpoint_type,
                    formats: e.list("formats", "format")?.iter().map(In::scalar).collect::<Result<_, _>>()?,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(Discovery {
            changeset: root.date("changeset")?,
            contact: root.text("contact")?,
            key_service: root.text("key_service")?,
            endpoints,
        })
    }
}

document!(Discovery);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open311::{Document, Format};

    fn discovery() -> Discovery {
        let at = |s| DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{e}"));
        Discovery {
            changeset: at("2026-11-27T09:00:00+07:00"),
            contact: "HueIOC, 1900 1075, hues@hue.gov.vn".into(),
            key_service: "Đăng ký khóa API tại https://hue.gov.vn/open311".into(),
            endpoints: vec![
                Endpoint {
                    specification: GEOREPORT_V2_SPECIFICATION.into(),
                    url: "https://hue.gov.vn/open311/v2".into(),
                    changeset: at("2026-11-27T02:00:00Z"),
                    endpoint_type: EndpointType::Production,
                    formats: Format::ALL.iter().map(|f| f.mime_type().to_owned()).collect(),
                },
                Endpoint {
                    specification: GEOREPORT_V2_SPECIFICATION.into(),
                    url: "https://test.hue.gov.vn/open311/v2".into(),
                    changeset: at("2026-11-27T02:00:00Z"),
                    endpoint_type: EndpointType::Test,
                    formats: vec!["text/xml".into()],
                },
            ],
        }
    }

    #[test]
    fn golden_discovery() {
        assert_eq!(
            discovery().to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><discovery><changeset>2026-11-27T09:00:00+07:00</changeset>"#,
                "<contact>HueIOC, 1900 1075, hues@hue.gov.vn</contact>",
                "<key_service>Đăng ký khóa API tại https://hue.gov.vn/open311</key_service><endpoints>",
                "<endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>",
                "<url>https://hue.gov.vn/open311/v2</url><changeset>2026-11-27T02:00:00Z</changeset><type>production</type>",
                "<formats><format>text/xml</format><format>application/json</format></formats></endpoint>",
                "<endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>",
                "<url>https://test.hue.gov.vn/open311/v2</url><changeset>2026-11-27T02:00:00Z</changeset><type>test</type>",
                "<formats><format>text/xml</format></formats></endpoint>",
                "</endpoints></discovery>"
            )
        );
        assert_eq!(
            discovery().to_json(),
            concat!(
                r#"{"changeset":"2026-11-27T09:00:00+07:00","contact":"HueIOC, 1900 1075, hues@hue.gov.vn","#,
                r#""key_service":"Đăng ký khóa API tại https://hue.gov.vn/open311","endpoints":["#,
                r#"{"specification":"http://wiki.open311.org/GeoReport_v2","url":"https://hue.gov.vn/open311/v2","#,
                r#""changeset":"2026-11-27T02:00:00Z","type":"production","formats":["text/xml","application/json"]},"#,
                r#"{"specification":"http://wiki.open311.org/GeoReport_v2","url":"https://test.hue.gov.vn/open311/v2","#,
                r#""changeset":"2026-11-27T02:00:00Z","type":"test","formats":["text/xml"]}]}"#
            )
        );
    }

    #[test]
    fn round_trip_and_errors() {
        for format in Format::ALL {
            assert_eq!(Discovery::parse(format, &discovery().render(format)).ok(), Some(discovery()));
        }
        let bad_type = discovery().to_json().replace(r#""type":"test""#, r#""type":"staging""#);
        assert!(Discovery::from_json(&bad_type).expect_err("type").message.contains("staging"));
        let no_contact = discovery().to_xml().replace("<contact>HueIOC, 1900 1075, hues@hue.gov.vn</contact>", "");
        assert_eq!(Discovery::from_xml(&no_contact).expect_err("contact").path, "discovery/contact");
    }
}
