//! GET services and GET service definition: the categories a client may report in, and their questions.

use std::collections::BTreeMap;

use chrono::DateTime;

use super::errors::RequestError;
use super::post::AttributeInput;
use super::wire::{DecodeError, In, Node, Obj, Shape, document};

/// Kiểu dịch vụ: how a POST request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceType {
    /// The request id is returned at once.
    Realtime,
    /// A token is returned; the id comes later through GET tokens.
    Batch,
    /// Nothing is returned.
    Blackbox,
}

impl ServiceType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::Realtime => "realtime",
            ServiceType::Batch => "batch",
            ServiceType::Blackbox => "blackbox",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [ServiceType::Realtime, ServiceType::Batch, ServiceType::Blackbox]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Dịch vụ (lĩnh vực phản ánh): one entry of GET services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Unique code, e.g. `MT`; posted back as `service_code`.
    pub service_code: String,
    /// Name shown to citizens.
    pub service_name: String,
    /// Longer description.
    pub description: Option<String>,
    /// True when the service has a definition with attributes to fetch.
    pub metadata: bool,
    /// How POST requests are answered.
    pub service_type: ServiceType,
    /// Synonyms and tags, written comma-separated (`keywords`); entries must not contain commas.
    pub keywords: Vec<String>,
    /// A single group label, e.g. "Môi trường".
    pub group: Option<String>,
}

impl Service {
    fn to_node(&self) -> Node {
        Obj::new()
            .text("service_code", &self.service_code)
            .text("service_name", &self.service_name)
            .opt_text("description", self.description.as_deref())
            .bool("metadata", self.metadata)
            .text("type", self.service_type.as_str())
            .opt_text("keywords", Some(self.keywords.join(", ").as_str()))
            .opt_text("group", self.group.as_deref())
            .build()
    }

    fn from_in(i: &In<'_>) -> Result<Self, DecodeError> {
        let service_type = match i.opt_text("type")? {
            None => ServiceType::Realtime,
            Some(t) => ServiceType::parse(&t).ok_or_else(|| i.error(format!("unknown service type “{t}”")))?,
        };
        Ok(Service {
            service_code: i.text("service_code")?,
            service_name: i.text("service_name")?,
            description: i.opt_text("description")?,
            metadata: i.opt_bool("metadata")?.unwrap_or(false),
            service_type,
            keywords: i
                .opt_text("keywords")?
                .map(|k| k.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default(),
            group: i.opt_text("group")?,
        })
    }
}

/// GET services: `<services><service>…</service></services>` / a JSON array.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Services(pub Vec<Service>);

impl Shape for Services {
    const ROOT: &'static str = "services";

    fn to_node(&self) -> Node {
        Node::List { item: "service", items: self.0.iter().map(Service::to_node).collect() }
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        Ok(Services(root.items("service")?.iter().map(Service::from_in).collect::<Result<_, _>>()?))
    }
}

/// Kiểu dữ liệu của câu hỏi: the datatype of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Datatype {
    /// One line of text.
    String,
    /// A number.
    Number,
    /// An ISO 8601 date-time.
    Datetime,
    /// Several lines of text.
    Text,
    /// One key of `values`.
    SingleValueList,
    /// Any number of keys of `values`, posted as `attribute[CODE][]`.
    MultiValueList,
}

impl Datatype {
    /// Every datatype.
    pub const ALL: [Datatype; 6] = [
        Datatype::String,
        Datatype::Number,
        Datatype::Datetime,
        Datatype::Text,
        Datatype::SingleValueList,
        Datatype::MultiValueList,
    ];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::SingleValueList => "singlevaluelist",
            Datatype::MultiValueList => "multivaluelist",
        }
    }

    /// True for the two list datatypes, which carry `values`.
    pub fn is_list(self) -> bool {
        matches!(self, Datatype::SingleValueList | Datatype::MultiValueList)
    }
}

/// One allowed answer of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue {
    /// What is posted, e.g. `123`.
    pub key: String,
    /// What is shown.
    pub name: String,
}

/// Câu hỏi bổ sung: one attribute of a service definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// False for a label shown to the user with no input.
    pub variable: bool,
    /// Unique code, posted as `attribute[CODE]`.
    pub code: String,
    /// The kind of answer.
    pub datatype: Datatype,
    /// Whether an answer is required.
    pub required: bool,
    /// An input hint.
    pub datatype_description: Option<String>,
    /// Position, from 1, unique within the service.
    pub order: u32,
    /// The question or instructions.
    pub description: String,
    /// The allowed answers of a list datatype.
    pub values: Vec<AttributeValue>,
}

impl Attribute {
    fn to_node(&self) -> Node {
        let obj = Obj::new()
            .bool("variable", self.variable)
            .text("code", &self.code)
            .text("datatype", self.datatype.as_str())
            .bool("required", self.required)
            .opt_text("datatype_description", self.datatype_description.as_deref())
            .int("order", u64::from(self.order))
            .text("description", &self.description);
        // `values` only belongs to list datatypes; there it is sent even when empty, so a client sees the list.
        if self.datatype.is_list() || !self.values.is_empty() {
            let values = self.values.iter().map(|v| Obj::new().text("key", &v.key).text("name", &v.name).build());
            obj.list("values", "value", values.collect()).build()
        } else {
            obj.build()
        }
    }

    fn from_in(i: &In<'_>) -> Result<Self, DecodeError> {
        let datatype = i.text("datatype")?;
        let datatype = Datatype::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(datatype.trim()))
            .ok_or_else(|| i.error(format!("unknown datatype “{datatype}”")))?;
        let order = i.opt_u64("order")?.unwrap_or(0);
        let values = i
            .list("values", "value")?
            .iter()
            .map(|v| Ok(AttributeValue { key: v.text("key")?, name: v.opt_text("name")?.unwrap_or_default() }))
            .collect::<Result<_, DecodeError>>()?;
        Ok(Attribute {
            variable: i.opt_bool("variable")?.unwrap_or(true),
            code: i.text("code")?,
            datatype,
            required: i.opt_bool("required")?.unwrap_or(false),
            datatype_description: i.opt_text("datatype_description")?,
            order: u32::try_from(order).map_err(|_| i.error("attribute order too large"))?,
            description: i.opt_text("description")?.unwrap_or_default(),
            values,
        })
    }
}

/// GET service definition: `<service_definition>` / a JSON object with the service's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDefinition {
    /// The service.
    pub service_code: String,
    /// Its questions, sent in `order`.
    pub attributes: Vec<Attribute>,
}

impl Shape for ServiceDefinition {
    const ROOT: &'static str = "service_definition";

    fn to_node(&self) -> Node {
        let mut attributes: Vec<&Attribute> = self.attributes.iter().collect();
        attributes.sort_by_key(|a| a.order);
        Obj::new()
            .text("service_code", &self.service_code)
            .list("attributes", "attribute", attributes.into_iter().map(Attribute::to_node).collect())
            .build()
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        Ok(ServiceDefinition {
            service_code: root.text("service_code")?,
            attributes: root
                .list("attributes", "attribute")?
                .iter()
                .map(Attribute::from_in)
                .collect::<Result<_, _>>()?,
        })
    }
}

document!(Services, ServiceDefinition);

impl ServiceDefinition {
    /// Checks the attributes posted with a request against this definition (400, naming `attribute[CODE]`):
    /// every required variable attribute answered (`attribute_required`), numbers are numbers
    /// (`attribute_not_a_number`), date-times are RFC 3339 (`attribute_not_a_datetime`), list answers are keys
    /// of `values` (`attribute_value_unknown`), and only multivaluelists take several answers
    /// (`attribute_not_multivalued`). Attributes the definition does not know are ignored: FixMyStreet sends extras
    /// such as `fixmystreet_id`, and labels take no input.
    pub fn check_attributes(&self, given: &BTreeMap<String, AttributeInput>) -> Result<(), RequestError> {
        let mut attributes: Vec<&Attribute> = self.attributes.iter().filter(|a| a.variable).collect();
        attributes.sort_by_key(|a| a.order);
        for attribute in attributes {
            let code = &attribute.code;
            let Some(input) = given.get(code) else {
                if attribute.required {
                    return Err(RequestError::bad(
                        format!("attribute[{code}]"),
                        "attribute_required",
                        format!("Parameter attribute[{code}] is required: {}", attribute.description),
                        format!("Thiếu câu trả lời attribute[{code}]: {}", attribute.description),
                    ));
                }
                continue;
            };
            let answers: Vec<&str> = match input {
                AttributeInput::Single(v) => vec![v.as_str()],
                AttributeInput::Multi(vs) if attribute.datatype == Datatype::MultiValueList => {
                    vs.iter().map(String::as_str).collect()
                }
                AttributeInput::Multi(_) => {
                    return Err(RequestError::bad(
                        format!("attribute[{code}][]"),
                        "attribute_not_multivalued",
                        format!("Attribute {code} takes one answer; send attribute[{code}], not attribute[{code}][]."),
                        format!("Câu hỏi {code} chỉ nhận một câu trả lời; gửi attribute[{code}]."),
                    ));
                }
            };
            for answer in answers {
                let (ok, what_code, what_en, what_vi) = match attribute.datatype {
                    Datatype::String | Datatype::Text => (true, "", "", ""),
                    Datatype::Number => (
                        answer.parse::<f64>().is_ok_and(f64::is_finite),
                        "attribute_not_a_number",
                        "a number",
                        "một số",
                    ),
                    Datatype::Datetime => (
                        DateTime::parse_from_rfc3339(answer).is_ok(),
                        "attribute_not_a_datetime",
                        "a date-time with a time zone, e.g. 2026-11-27T09:00:00+07:00",
                        "ngày giờ kèm múi giờ",
                    ),
                    Datatype::SingleValueList | Datatype::MultiValueList => (
                        attribute.values.iter().any(|v| v.key == answer),
                        "attribute_value_unknown",
                        "one of the keys listed in the service definition",
                        "một trong các giá trị của định nghĩa dịch vụ",
                    ),
                };
                if !ok {
                    return Err(RequestError::bad(
                        format!("attribute[{code}]"),
                        what_code,
                        format!("Parameter attribute[{code}] must be {what_en}, not “{answer}”."),
                        format!("Câu trả lời attribute[{code}] phải là {what_vi}, không phải “{answer}”."),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open311::{Document, Format};

    fn services() -> Services {
        Services(vec![
            Service {
                service_code: "MT".into(),
                service_name: "Môi trường, vệ sinh".into(),
                description: Some("Rác thải tồn đọng, xả thải".into()),
                metadata: true,
                service_type: ServiceType::Realtime,
                keywords: vec!["rác".into(), "mùi".into()],
                group: Some("Đô thị".into()),
            },
            Service {
                service_code: "001".into(),
                service_name: "Cây xanh & công viên".into(),
                description: None,
                metadata: false,
                service_type: ServiceType::Batch,
                keywords: vec![],
                group: None,
            },
        ])
    }

    fn definition() -> ServiceDefinition {
        ServiceDefinition {
            service_code: "MT".into(),
            attributes: vec![
                Attribute {
                    variable: true,
                    code: "LOAI".into(),
                    datatype: Datatype::SingleValueList,
                    required: true,
                    datatype_description: None,
                    order: 2,
                    description: "Loại rác?".into(),
                    values: vec![AttributeValue { key: "123".into(), name: "Sinh hoạt".into() }],
                },
                Attribute {
                    variable: false,
                    code: "NOTE".into(),
                    datatype: Datatype::Text,
                    required: false,
                    datatype_description: Some("Chỉ đọc".into()),
                    order: 1,
                    description: "Ảnh rõ nét giúp xử lý nhanh hơn.".into(),
                    values: vec![],
                },
            ],
        }
    }

    #[test]
    fn golden_services() {
        assert_eq!(
            services().to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><services>"#,
                "<service><service_code>MT</service_code><service_name>Môi trường, vệ sinh</service_name>",
                "<description>Rác thải tồn đọng, xả thải</description><metadata>true</metadata><type>realtime</type>",
                "<keywords>rác, mùi</keywords><group>Đô thị</group></service>",
                "<service><service_code>001</service_code><service_name>Cây xanh &amp; công viên</service_name>",
                "<metadata>false</metadata><type>batch</type></service>",
                "</services>"
            )
        );
        assert_eq!(
            services().to_json(),
            concat!(
                r#"[{"service_code":"MT","service_name":"Môi trường, vệ sinh","description":"Rác thải tồn đọng, xả thải","#,
                r#""metadata":true,"type":"realtime","keywords":"rác, mùi","group":"Đô thị"},"#,
                r#"{"service_code":"001","service_name":"Cây xanh & công viên","metadata":false,"type":"batch"}]"#
            )
        );
        assert_eq!(Services::default().to_json(), "[]");
        assert!(Services::default().to_xml().ends_with("<services></services>"));
    }

    #[test]
    fn golden_service_definition() {
        assert_eq!(
            definition().to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><service_definition><service_code>MT</service_code><attributes>"#,
                "<attribute><variable>false</variable><code>NOTE</code><datatype>text</datatype><required>false</required>",
                "<datatype_description>Chỉ đọc</datatype_description><order>1</order>",
                "<description>Ảnh rõ nét giúp xử lý nhanh hơn.</description></attribute>",
                "<attribute><variable>true</variable><code>LOAI</code><datatype>singlevaluelist</datatype>",
                "<required>true</required><order>2</order><description>Loại rác?</description>",
                "<values><value><key>123</key><name>Sinh hoạt</name></value></values></attribute>",
                "</attributes></service_definition>"
            )
        );
        assert_eq!(
            definition().to_json(),
            concat!(
                r#"{"service_code":"MT","attributes":["#,
                r#"{"variable":false,"code":"NOTE","datatype":"text","required":false,"datatype_description":"Chỉ đọc","order":1,"description":"Ảnh rõ nét giúp xử lý nhanh hơn."},"#,
                r#"{"variable":true,"code":"LOAI","datatype":"singlevaluelist","required":true,"order":2,"description":"Loại rác?","values":[{"key":"123","name":"Sinh hoạt"}]}"#,
                "]}"
            )
        );
    }

    #[test]
    fn round_trips_in_both_formats() {
        let mut sorted = definition();
        sorted.attributes.sort_by_key(|a| a.order);
        for format in Format::ALL {
            assert_eq!(Services::parse(format, &services().render(format)).ok(), Some(services()), "{format:?}");
            assert_eq!(ServiceDefinition::parse(format, &definition().render(format)).ok(), Some(sorted.clone()));
        }
    }

    #[test]
    fn reads_what_other_servers_send() {
        // The spec's own JSON example writes codes and keys as bare numbers and datatype_description as null.
        let json = r#"{"service_code":"DMV66","attributes":[{"variable":true,"code":"WHISHETN","datatype":"singlevaluelist","required":true,"datatype_description":null,"order":1,"description":"What is the ticket/tag/DL number?","values":[{"key":123,"name":"Ford"},{"key":124,"name":"Chrysler"}]}]}"#;
        let d = ServiceDefinition::from_json(json).expect("spec example");
        assert_eq!(d.attributes[0].values[1].key, "124");
        assert_eq!(d.attributes[0].datatype_description, None);
        let xml = "<services><service><service_code>001</service_code><service_name>Cans left out 24x7</service_name>\
                   <description></description><metadata>TRUE</metadata><type>realtime</type><keywords>lorem, ipsum, dolor</keywords>\
                   <group>sanitation</group></service></services>";
        let s = Services::from_xml(xml).expect("spec example");
        assert_eq!((s.0[0].description.clone(), s.0[0].metadata), (None, true));
        assert_eq!(s.0[0].keywords, ["lorem", "ipsum", "dolor"]);
        for (bad, fragment) in [
            ("<services><service><service_name>x</service_name></service></services>", "service_code"),
            (
                "<services><service><service_code>1</service_code><service_name>x</service_name><type>later</type></service></services>",
                "type",
            ),
            (
                "<services><service><service_code>1</service_code><service_name>x</service_name><metadata>yes</metadata></service></services>",
                "metadata",
            ),
            (
                "<service_definition><service_code>1</service_code><attributes><attribute><code>A</code><datatype>color</datatype></attribute></attributes></service_definition>",
                "datatype",
            ),
        ] {
            let e = if bad.starts_with("<services>") {
                Services::from_xml(bad).map(|_| ())
            } else {
                ServiceDefinition::from_xml(bad).map(|_| ())
            };
            let e = e.expect_err(bad);
            assert!(e.to_string().contains(fragment), "{bad}: {e}");
        }
        assert!(Services::from_json(r#"{"service_code":"1"}"#).is_err());
    }

    #[test]
    fn posted_attributes_against_the_definition() {
        let mut d = definition();
        d.attributes.push(Attribute {
            variable: true,
            code: "SO".into(),
            datatype: Datatype::Number,
            required: false,
            datatype_description: None,
            order: 3,
            description: "Số lượng".into(),
            values: vec![],
        });
        d.attributes.push(Attribute {
            variable: true,
            code: "LUC".into(),
            datatype: Datatype::Datetime,
            required: false,
            datatype_description: None,
            order: 4,
            description: "Lúc nào?".into(),
            values: vec![],
        });
        d.attributes.push(Attribute {
            variable: true,
            code: "NHIEU".into(),
            datatype: Datatype::MultiValueList,
            required: false,
            datatype_description: None,
            order: 5,
            description: "Chọn".into(),
            values: vec![
                AttributeValue { key: "a".into(), name: "A".into() },
                AttributeValue { key: "b".into(), name: "B".into() },
            ],
        });
        let single = |v: &str| AttributeInput::Single(v.into());
        let multi = |vs: &[&str]| AttributeInput::Multi(vs.iter().map(|v| (*v).to_owned()).collect());
        let given = |list: Vec<(&str, AttributeInput)>| -> BTreeMap<String, AttributeInput> {
            list.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
        };
        let cases = [
            (given(vec![("LOAI", single("123"))]), Ok(())),
            (given(vec![("LOAI", single("123")), ("fixmystreet_id", single("9"))]), Ok(())),
            (
                given(vec![
                    ("LOAI", single("123")),
                    ("SO", single("2.5")),
                    ("LUC", single("2026-11-27T09:00:00+07:00")),
                    ("NHIEU", multi(&["a", "b"])),
                ]),
                Ok(()),
            ),
            (given(vec![("LOAI", single("123")), ("NHIEU", single("b"))]), Ok(())),
            (given(vec![]), Err(("attribute[LOAI]", "attribute_required"))),
            (given(vec![("LOAI", single("999"))]), Err(("attribute[LOAI]", "attribute_value_unknown"))),
            (given(vec![("LOAI", multi(&["123"]))]), Err(("attribute[LOAI][]", "attribute_not_multivalued"))),
            (
                given(vec![("LOAI", single("123")), ("SO", single("hai"))]),
                Err(("attribute[SO]", "attribute_not_a_number")),
            ),
            (
                given(vec![("LOAI", single("123")), ("LUC", single("hôm qua"))]),
                Err(("attribute[LUC]", "attribute_not_a_datetime")),
            ),
            (
                given(vec![("LOAI", single("123")), ("NHIEU", multi(&["a", "z"]))]),
                Err(("attribute[NHIEU]", "attribute_value_unknown")),
            ),
        ];
        for (input, expected) in cases {
            let got = d.check_attributes(&input).map_err(|e| (e.parameter, e.code));
            let expected = expected.map_err(|(p, c): (&str, &str)| (p.to_owned(), c));
            assert_eq!(got, expected, "{input:?}");
        }
    }
}
