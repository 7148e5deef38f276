//! The one mapping between XML and JSON that every Open311 document goes through ("Spark convention").
//!
//! A document is built once as a [`Node`] tree; [`to_xml`] and [`to_json`] write it, so both formats always carry
//! the same fields in the same order. Reading goes the other way through [`In`], a view over a parsed XML element
//! or a JSON value with the same accessors, so each type has one reader for both formats.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::ser::{SerializeMap, SerializeSeq};
use serde_json::Value;

/// Why a document could not be read: where in the document, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DecodeError {
    /// Where, e.g. `service_requests/request[2]/lat` (`/` for the document itself).
    pub path: String,
    /// What was wrong, in English.
    pub message: String,
}

impl DecodeError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        DecodeError { path: path.into(), message: message.into() }
    }
}

/// A document tree in the shape shared by both formats.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A string leaf (JSON string, XML text).
    Text(String),
    /// A decimal leaf (JSON number, XML text), e.g. a latitude.
    Float(f64),
    /// A whole-number leaf (JSON number, XML text), e.g. an attribute order.
    Int(u64),
    /// A boolean leaf (`true`/`false` in both formats).
    Bool(bool),
    /// Named fields in order (JSON object, XML child elements).
    Object(Vec<(String, Node)>),
    /// A list in a container (JSON array; XML: the container element holding one `item` element per entry).
    List { item: &'static str, items: Vec<Node> },
    /// A field given several times (JSON array; XML: the field's element repeated, no container).
    Repeated(Vec<Node>),
}

/// Builds a [`Node::Object`] field by field; optional fields that are absent or empty are left out.
#[derive(Debug, Default)]
pub(crate) struct Obj(Vec<(String, Node)>);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(Vec::new())
    }

    pub(crate) fn node(mut self, name: &str, node: Node) -> Self {
        self.0.push((name.to_owned(), node));
        self
    }

    pub(crate) fn text(self, name: &str, value: &str) -> Self {
        self.node(name, Node::Text(value.to_owned()))
    }

    pub(crate) fn opt_text(self, name: &str, value: Option<&str>) -> Self {
        match value.filter(|v| !v.is_empty()) {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    pub(crate) fn bool(self, name: &str, value: bool) -> Self {
        self.node(name, Node::Bool(value))
    }

    pub(crate) fn float(self, name: &str, value: f64) -> Self {
        self.node(name, Node::Float(value))
    }

    pub(crate) fn int(self, name: &str, value: u64) -> Self {
        self.node(name, Node::Int(value))
    }

    pub(crate) fn date(self, name: &str, value: &DateTime<FixedOffset>) -> Self {
        self.text(name, &format_datetime(value))
    }

    pub(crate) fn opt_date(self, name: &str, value: Option<&DateTime<FixedOffset>>) -> Self {
        match value {
            Some(v) => self.date(name, v),
            None => self,
        }
    }

    pub(crate) fn list(self, name: &str, item: &'static str, items: Vec<Node>) -> Self {
        self.node(name, Node::List { item, items })
    }

    pub(crate) fn build(self) -> Node {
        Node::Object(self.0)
    }
}

/// Formats a date-time the way the spec wants it: RFC 3339 with its offset (`Z` for UTC), seconds always,
/// fractions only when present.
pub(crate) fn format_datetime(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

// ---------------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------------

/// XML 1.0 forbids most control characters even when escaped; a citizen's text may still contain them (pasted
/// from somewhere), so they become U+FFFD instead of making the whole document ill-formed.
fn xml_safe(s: &str) -> Cow<'_, str> {
    let allowed = |c: char| matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().map(|c| if allowed(c) { c } else { '\u{FFFD}' }).collect())
    }
}

fn leaf_text(node: &Node) -> Option<String> {
    match node {
        Node::Text(s) => Some(s.clone()),
        Node::Float(f) => Some(f.to_string()),
        Node::Int(i) => Some(i.to_string()),
        Node::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Writing into a `Vec<u8>` cannot fail; this keeps the writer code free of unwraps.
type Out = Writer<Vec<u8>>;

fn write_event(w: &mut Out, e: Event<'_>) {
    // Infallible for an in-memory sink.
    let _ = w.write_event(e);
}

fn write_element(w: &mut Out, name: &str, node: &Node) {
    if let Node::Repeated(items) = node {
        for item in items {
            write_element(w, name, item);
        }
        return;
    }
    write_event(w, Event::Start(BytesStart::new(name)));
    match node {
        Node::Object(fields) => {
            for (field, value) in fields {
                write_element(w, field, value);
            }
        }
        Node::List { item, items } => {
            for entry in items {
                write_element(w, item, entry);
            }
        }
        leaf => {
            if let Some(text) = leaf_text(leaf).filter(|t| !t.is_empty()) {
                // Text content needs only <, > and & escaped; quotes stay readable.
                let safe = xml_safe(&text);
                write_event(w, Event::Text(BytesText::from_escaped(quick_xml::escape::partial_escape(&*safe))));
            }
        }
    }
    write_event(w, Event::End(BytesEnd::new(name)));
}

/// Writes `node` as an XML document with root element `root`, starting with the UTF-8 declaration.
pub(crate) fn to_xml(root: &str, node: &Node) -> String {
    let mut w = Writer::new(Vec::new());
    write_event(&mut w, Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    write_element(&mut w, root, node);
    // The writer only ever received `&str` pieces, so the bytes are UTF-8.
    String::from_utf8(w.into_inner()).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Text(t) => s.serialize_str(t),
            // Non-finite numbers cannot be written in JSON; the types never hold them, but stay total.
            Node::Float(f) if !f.is_finite() => s.serialize_none(),
            Node::Float(f) => s.serialize_f64(*f),
            Node::Int(i) => s.serialize_u64(*i),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Node::List { items, .. } | Node::Repeated(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

/// Writes `node` as JSON: a list root becomes the top-level array, an object root the top-level object.
pub(crate) fn to_json(node: &Node) -> String {
    serde_json::to_string(node).unwrap_or_else(|_| "[]".to_owned())
}

// ---------------------------------------------------------------------------------------------------------------
// Reading XML
// ---------------------------------------------------------------------------------------------------------------

/// A parsed XML element: its name, child elements and the text directly inside it. Attributes and namespaces
/// are ignored (Open311 uses neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) children: Vec<Element>,
    pub(crate) text: String,
}

/// Open311 documents are a few levels deep; anything deeper is not one of them.
const MAX_DEPTH: usize = 16;

fn local_name(name: &str) -> String {
    name.rsplit_once(':').map_or(name, |(_, local)| local).to_owned()
}

/// Parses an XML document into its root element. Entities other than the five predefined ones and character
/// references are refused, as are DTDs (no entity expansion, no external fetches).
pub(crate) fn parse_xml(xml: &str) -> Result<Element, DecodeError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let err = |m: String| DecodeError::new("/", m);
    loop {
        let event =
            reader.read_event().map_err(|e| err(format!("malformed XML at byte {}: {e}", reader.error_position())))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(err("content after the root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("elements nested deeper than {MAX_DEPTH} levels")));
                }
                stack.push(Element { name: local_name(start.name().as_ref()), children: vec![], text: String::new() });
            }
            Event::Empty(start) => {
                let element =
                    Element { name: local_name(start.name().as_ref()), children: vec![], text: String::new() };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err(err("content after the root element".into())),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(err("closing tag without an opening tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(err("text outside the root element".into())),
                }
            }
            Event::CData(data) => {
                let content = data.into_inner().into_owned();
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&content),
                    None => return Err(err("CDATA outside the root element".into())),
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = reference.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .map(str::to_owned)
                            .ok_or_else(|| err(format!("unknown entity &{name};")))?
                    }
                    Err(e) => return Err(err(format!("bad character reference: {e}"))),
                };
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&resolved),
                    None => return Err(err("reference outside the root element".into())),
                }
            }
            Event::DocType(_) => return Err(err("DTDs are not accepted".into())),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(err("the document ends inside an element".into()));
    }
    root.ok_or_else(|| err("the document has no root element".into()))
}

// ---------------------------------------------------------------------------------------------------------------
// Reading either format
// ---------------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Xml(&'a Element),
    Json(&'a Value),
}

/// A node of a parsed document, XML or JSON, with the path used in error messages.
#[derive(Debug, Clone)]
pub(crate) struct In<'a> {
    source: Source<'a>,
    path: String,
}

impl<'a> In<'a> {
    pub(crate) fn xml(root: &'a Element) -> Self {
        In { source: Source::Xml(root), path: root.name.clone() }
    }

    pub(crate) fn json(root: &'a Value) -> Self {
        In { source: Source::Json(root), path: String::new() }
    }

    fn child_path(&self, name: &str) -> String {
        if self.path.is_empty() { name.to_owned() } else { format!("{}/{name}", self.path) }
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(if self.path.is_empty() { "/" } else { &self.path }, message)
    }

    fn field_error(&self, name: &str, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.child_path(name), message)
    }

    /// The field `name` of an object (the first child element of that name), if present (JSON `null` counts as
    /// absent).
    pub(crate) fn field(&self, name: &str) -> Option<In<'a>> {
        let source = match self.source {
            Source::Xml(e) => Source::Xml(e.children.iter().find(|c| c.name == name)?),
            Source::Json(v) => Source::Json(v.as_object()?.get(name).filter(|v| !v.is_null())?),
        };
        Some(In { source, path: self.child_path(name) })
    }

    /// This node as scalar text: XML text of an element without children; a JSON string, number or boolean
    /// (numbers are accepted for ids because the spec's own examples write `001` bare).
    pub(crate) fn scalar(&self) -> Result<String, DecodeError> {
        match self.source {
            Source::Xml(e) if e.children.is_empty() => Ok(e.text.clone()),
            Source::Xml(_) => Err(self.error("expected text, found child elements")),
            Source::Json(Value::String(s)) => Ok(s.clone()),
            Source::Json(Value::Number(n)) => Ok(n.to_string()),
            Source::Json(Value::Bool(b)) => Ok(b.to_string()),
            Source::Json(_) => Err(self.error("expected a string, number or boolean")),
        }
    }

    /// An optional text field; absent, `null` and empty all read as `None`.
    pub(crate) fn opt_text(&self, name: &str) -> Result<Option<String>, DecodeError> {
        match self.field(name) {
            Some(f) => Ok(Some(f.scalar()?).filter(|s| !s.is_empty())),
            None => Ok(None),
        }
    }

    /// A required text field, which may not be empty.
    pub(crate) fn text(&self, name: &str) -> Result<String, DecodeError> {
        self.opt_text(name)?.ok_or_else(|| self.field_error(name, "required field is missing or empty"))
    }

    /// An optional boolean field: `true`/`false` (any case) or a JSON boolean.
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, DecodeError> {
        let Some(text) = self.opt_text(name)? else { return Ok(None) };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(self.field_error(name, format!("expected true or false, found “{text}”"))),
        }
    }

    /// An optional decimal field, finite.
    pub(crate) fn opt_f64(&self, name: &str) -> Result<Option<f64>, DecodeError> {
        let Some(text) = self.opt_text(name)? else { return Ok(None) };
        match text.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(self.field_error(name, format!("expected a number, found “{text}”"))),
        }
    }

    /// An optional whole-number field.
    pub(crate) fn opt_u64(&self, name: &str) -> Result<Option<u64>, DecodeError> {
        let Some(text) = self.opt_text(name)? else { return Ok(None) };
        text.trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| self.field_error(name, format!("expected a whole number, found “{text}”")))
    }

    /// An optional date-time field: RFC 3339 with its offset.
    pub(crate) fn opt_date(&self, name: &str) -> Result<Option<DateTime<FixedOffset>>, DecodeError> {
        let Some(text) = self.opt_text(name)? else { return Ok(None) };
        DateTime::parse_from_rfc3339(text.trim())
            .map(Some)
            .map_err(|_| self.field_error(name, format!("expected an RFC 3339 date-time with offset, found “{text}”")))
    }

    /// A required date-time field.
    pub(crate) fn date(&self, name: &str) -> Result<DateTime<FixedOffset>, DecodeError> {
        self.opt_date(name)?.ok_or_else(|| self.field_error(name, "required field is missing or empty"))
    }

    /// The entries of this node as a list root or list value: the child elements named `item` (XML) or the
    /// array's elements (JSON).
    pub(crate) fn items(&self, item: &str) -> Result<Vec<In<'a>>, DecodeError> {
        match self.source {
            Source::Xml(e) => Ok(e
                .children
                .iter()
                .filter(|c| c.name == item)
                .enumerate()
                .map(|(i, c)| In { source: Source::Xml(c), path: format!("{}/{item}[{}]", self.path, i + 1) })
                .collect()),
            Source::Json(Value::Array(values)) => Ok(values
                .iter()
                .enumerate()
                .map(|(i, v)| In { source: Source::Json(v), path: format!("{}[{}]", self.path, i + 1) })
                .collect()),
            Source::Json(_) => Err(self.error("expected an array")),
        }
    }

    /// The list in field `name` (container element / array); absent reads as empty.
    pub(crate) fn list(&self, name: &str, item: &str) -> Result<Vec<In<'a>>, DecodeError> {
        match self.field(name) {
            Some(f) => f.items(item),
            None => Ok(Vec::new()),
        }
    }

    /// A field that may be given once or several times: repeated XML elements, or a JSON string or array of
    /// strings. Empty values are dropped.
    pub(crate) fn repeated_text(&self, name: &str) -> Result<Vec<String>, DecodeError> {
        let values: Vec<String> = match self.source {
            Source::Xml(e) => e
                .children
                .iter()
                .filter(|c| c.name == name)
                .map(|c| In { source: Source::Xml(c), path: self.child_path(name) }.scalar())
                .collect::<Result<_, _>>()?,
            Source::Json(_) => match self.field(name) {
                None => Vec::new(),
                Some(f) => match f.source {
                    Source::Json(Value::Array(_)) => f.items(name)?.iter().map(In::scalar).collect::<Result<_, _>>()?,
                    _ => vec![f.scalar()?],
                },
            },
        };
        Ok(values.into_iter().filter(|v| !v.is_empty()).collect())
    }

    /// The fields of an object node as (name, text) pairs, for free-form maps such as mySociety's `extras`.
    pub(crate) fn text_map(&self) -> Result<Vec<(String, String)>, DecodeError> {
        match self.source {
            Source::Xml(e) => e
                .children
                .iter()
                .map(|c| Ok((c.name.clone(), In { source: Source::Xml(c), path: self.child_path(&c.name) }.scalar()?)))
                .collect(),
            Source::Json(Value::Object(map)) => map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| Ok((k.clone(), In { source: Source::Json(v), path: self.child_path(k) }.scalar()?)))
                .collect(),
            Source::Json(_) => Err(self.error("expected an object")),
        }
    }
}

/// How a document type sits in the two formats: its XML root element, and how to build and read it.
pub(crate) trait Shape: Sized {
    /// The XML root element.
    const ROOT: &'static str;
    /// Other root names accepted when reading (e.g. FixMyStreet's `service_requests_updates`).
    const ROOT_ALIASES: &'static [&'static str] = &[];

    fn to_node(&self) -> Node;

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError>;
}

pub(crate) fn read_xml<T: Shape>(xml: &str) -> Result<T, DecodeError> {
    let root = parse_xml(xml)?;
    if root.name != T::ROOT && !T::ROOT_ALIASES.contains(&root.name.as_str()) {
        return Err(DecodeError::new("/", format!("expected root element <{}>, found <{}>", T::ROOT, root.name)));
    }
    T::from_in(&In::xml(&root))
}

pub(crate) fn read_json<T: Shape>(json: &str) -> Result<T, DecodeError> {
    let value: Value = serde_json::from_str(json).map_err(|e| DecodeError::new("/", format!("malformed JSON: {e}")))?;
    T::from_in(&In::json(&value))
}

/// Implements [`crate::open311::Document`] for types with a [`Shape`].
macro_rules! document {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::open311::Document for $t {
            fn to_xml(&self) -> String {
                $crate::open311::wire::to_xml(<$t as $crate::open311::wire::Shape>::ROOT, &$crate::open311::wire::Shape::to_node(self))
            }

            fn to_json(&self) -> String {
                $crate::open311::wire::to_json(&$crate::open311::wire::Shape::to_node(self))
            }

            fn from_xml(xml: &str) -> Result<Self, $crate::open311::DecodeError> {
                $crate::open311::wire::read_xml(xml)
            }

            fn from_json(json: &str) -> Result<Self, $crate::open311::DecodeError> {
                $crate::open311::wire::read_json(json)
            }
        }
    )+};
}

pub(crate) use document;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_replaces_forbidden_characters() {
        let node = Obj::new().text("description", "a < b & \"c\" 'd' > e\u{1}\u{0}f").build();
        assert_eq!(
            to_xml("r", &node),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><r><description>a &lt; b &amp; \"c\" 'd' \
             &gt; e\u{FFFD}\u{FFFD}f</description></r>"
        );
    }

    #[test]
    fn parse_resolves_references_and_ignores_namespaces_comments_and_layout() {
        let xml = "<?xml version=\"1.0\"?>\n<!-- c --><m:r xmlns:m=\"urn:x\">\n  <a>x &amp; y &#x1EC7; &#65;</a>\n  \
                   <b><![CDATA[<raw>]]></b><c/>\n</m:r>";
        let root = parse_xml(xml).expect("parse");
        assert_eq!(root.name, "r");
        let texts: Vec<_> = root.children.iter().map(|c| (c.name.as_str(), c.text.as_str())).collect();
        assert_eq!(texts, [("a", "x & y ệ A"), ("b", "<raw>"), ("c", "")]);
    }

    #[test]
    fn parse_refuses_what_is_not_a_plain_document() {
        let cases = [
            ("", "no root element"),
            ("<a>", "ends inside"),
            ("<a></b>", "malformed"),
            ("<a>&foo;</a>", "unknown entity"),
            ("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "DTD"),
            ("<a/><b/>", "after the root"),
            ("text<a/>", "outside the root"),
            (&"<a>".repeat(17), "deeper than 16"),
        ];
        for (xml, fragment) in cases {
            let e = parse_xml(xml).expect_err(xml);
            assert!(e.message.contains(fragment), "{xml}: {e}");
        }
    }
}
