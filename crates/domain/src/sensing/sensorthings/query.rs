//! The query options of a SensorThings request (OGC 18-088 §9.3): `$filter`, `$orderby`, `$top`, `$skip`,
//! `$count`, `$select`, `$expand` (nested, each level with its own options separated by `;`) and
//! `$resultFormat=dataArray`.

use super::filter::Expr;
use super::filter::{OrderBy, PropertyPath, SyntaxError, SyntaxErrorKind, parse_expression, parse_orderby, parse_path};
use crate::validation::ValidationError;

/// Deepest `$expand` nesting accepted (Things → Datastreams → Observations → FeatureOfInterest is 4).
pub const MAX_EXPAND_DEPTH: usize = 8;

/// `$resultFormat`: how a collection of Observations is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    /// The compact `dataArray` form (DataArray conformance class).
    DataArray,
}

/// The query options of one request, or of one `$expand` level.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// `$filter`.
    pub filter: Option<Expr>,
    /// `$orderby`, first key first; empty when not given.
    pub orderby: Vec<OrderBy>,
    /// `$top`.
    pub top: Option<u64>,
    /// `$skip`.
    pub skip: Option<u64>,
    /// `$count`.
    pub count: Option<bool>,
    /// `$select`; `None` selects everything.
    pub select: Option<Vec<PropertyPath>>,
    /// `$expand`, in the order given.
    pub expand: Vec<Expand>,
    /// `$resultFormat` (top level only).
    pub result_format: Option<ResultFormat>,
}

/// One `$expand` item: a navigation property and the options applied to it. `Datastreams/Observations` is read as
/// `Datastreams` expanding `Observations`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expand {
    /// The navigation property, e.g. `Datastreams`.
    pub navigation: String,
    /// Options for the expanded entities.
    pub query: Query,
}

/// A parse error found in one option, its offset relative to the top-level parameter value.
struct OptionError {
    option: &'static str,
    error: SyntaxError,
}

type OResult<T> = Result<T, OptionError>;

const OPTIONS: [&str; 8] = ["$filter", "$orderby", "$top", "$skip", "$count", "$select", "$expand", "$resultFormat"];

fn code(option: &str, kind: SyntaxErrorKind) -> &'static str {
    use SyntaxErrorKind as K;
    match (option, kind) {
        ("$filter", K::Syntax) => "sta_filter_syntax",
        ("$filter", K::UnknownFunction) => "sta_filter_unknown_function",
        ("$filter", K::Arity) => "sta_filter_arity",
        ("$filter", K::Literal) => "sta_filter_literal",
        ("$filter", K::TooDeep) => "sta_filter_too_deep",
        ("$filter", K::TooLong) => "sta_filter_too_long",
        ("$orderby", K::Syntax) => "sta_orderby_syntax",
        ("$orderby", K::UnknownFunction) => "sta_orderby_unknown_function",
        ("$orderby", K::Arity) => "sta_orderby_arity",
        ("$orderby", K::Literal) => "sta_orderby_literal",
        ("$orderby", K::TooDeep) => "sta_orderby_too_deep",
        ("$orderby", K::TooLong) => "sta_orderby_too_long",
        ("$select", _) => "sta_select_syntax",
        ("$expand", K::TooDeep) => "sta_expand_too_deep",
        ("$expand", _) => "sta_expand_syntax",
        ("$top", _) => "sta_top_invalid",
        ("$skip", _) => "sta_skip_invalid",
        ("$count", _) => "sta_count_invalid",
        ("$resultFormat", _) => "sta_result_format_invalid",
        _ => "sta_query_syntax",
    }
}

/// Turns a syntax error in parameter `field` (whose value is `src`) into a [`ValidationError`] naming the
/// 1-based character position.
fn to_validation(field: &'static str, src: &str, e: OptionError) -> ValidationError {
    let offset = e.error.offset.min(src.len());
    let column = src.get(..offset).map_or_else(|| src.chars().count(), |p| p.chars().count()) + 1;
    let (where_vi, where_en) = if e.option == field {
        (e.option.to_owned(), e.option.to_owned())
    } else {
        (format!("{} (trong {field})", e.option), format!("{} (inside {field})", e.option))
    };
    ValidationError::new(
        field,
        code(e.option, e.error.kind),
        format!("Lỗi cú pháp {where_vi} tại ký tự {column}: {}.", e.error.vi),
        format!("Syntax error in {where_en} at character {column}: {}.", e.error.en),
    )
}

fn known_option(name: &str) -> Option<&'static str> {
    OPTIONS.into_iter().find(|o| o.eq_ignore_ascii_case(name))
}

impl Query {
    /// Parses the options of a raw URL query string (`$filter=name%20eq%20'x'&$top=5`): `+` and `%XX` are decoded
    /// and parameters not starting with `$` are ignored.
    pub fn parse(query_string: &str) -> Result<Query, ValidationError> {
        let mut pairs = Vec::new();
        for part in query_string.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| {
                percent_decode(s).ok_or_else(|| {
                    ValidationError::new(
                        "query",
                        "sta_query_encoding",
                        format!("Tham số “{k}” không được mã hóa URL đúng (UTF-8, %XX)."),
                        format!("Parameter “{k}” is not correctly URL-encoded (UTF-8, %XX)."),
                    )
                })
            };
            pairs.push((decode(k)?, decode(v)?));
        }
        Query::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Parses already-decoded `(name, value)` pairs, as a web framework hands them over. Parameters not starting
    /// with `$` are ignored; unknown `$` options and repeated ones are errors.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Query, ValidationError> {
        let mut q = Query::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for (name, value) in pairs {
            if !name.starts_with('$') {
                continue;
            }
            let Some(option) = known_option(name) else {
                return Err(ValidationError::new(
                    "query",
                    "sta_query_unknown_option",
                    format!("Không có tùy chọn truy vấn “{name}”; các tùy chọn: {}.", OPTIONS.join(", ")),
                    format!("Unknown query option “{name}”; the options are: {}.", OPTIONS.join(", ")),
                ));
            };
            if seen.contains(&option) {
                return Err(ValidationError::new(
                    option,
                    "sta_query_duplicate_option",
                    format!("Tùy chọn {option} chỉ được dùng một lần."),
                    format!("The {option} option may be given only once."),
                ));
            }
            seen.push(option);
            apply(&mut q, option, value, 0, 0).map_err(|e| to_validation(option, value, e))?;
        }
        Ok(q)
    }
}

/// Decodes `+` and `%XX` (UTF-8); `None` on a bad escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn err(option: &'static str, offset: usize, kind: SyntaxErrorKind, vi: &str, en: &str) -> OptionError {
    OptionError { option, error: SyntaxError::new(offset, kind, vi, en) }
}

fn wrap(option: &'static str, at: usize) -> impl Fn(SyntaxError) -> OptionError {
    move |e| OptionError { option, error: e.shifted(at) }
}

/// Sets one option on `q`; `at` is the byte offset of `value` in the top-level parameter, `depth` the `$expand`
/// nesting level.
fn apply(q: &mut Query, option: &'static str, value: &str, at: usize, depth: usize) -> OResult<()> {
    match option {
        "$filter" => q.filter = Some(parse_expression(value).map_err(wrap(option, at))?),
        "$orderby" => q.orderby = parse_orderby(value).map_err(wrap(option, at))?,
        "$top" => q.top = Some(non_negative(option, value, at)?),
        "$skip" => q.skip = Some(non_negative(option, value, at)?),
        "$count" => {
            q.count = Some(match value.trim() {
                v if v.eq_ignore_ascii_case("true") => true,
                v if v.eq_ignore_ascii_case("false") => false,
                _ => {
                    return Err(err(
                        option,
                        at,
                        SyntaxErrorKind::Syntax,
                        "phải là true hoặc false",
                        "must be true or false",
                    ));
                }
            });
        }
        "$select" => {
            let mut paths = Vec::new();
            for (off, item) in split_top_level(value, b',').map_err(wrap(option, at))? {
                let lead = item.len() - item.trim_start().len();
                paths.push(parse_path(item.trim()).map_err(wrap(option, at + off + lead))?);
            }
            q.select = Some(paths);
        }
        "$expand" => q.expand = parse_expand(value, at, depth)?,
        "$resultFormat" => {
            if value.trim().eq_ignore_ascii_case("dataArray") {
                q.result_format = Some(ResultFormat::DataArray);
            } else {
                return Err(err(
                    option,
                    at,
                    SyntaxErrorKind::Syntax,
                    "chỉ hỗ trợ dataArray",
                    "only dataArray is supported",
                ));
            }
        }
        _ => return Err(err(option, at, SyntaxErrorKind::Syntax, "tùy chọn không hợp lệ", "invalid option")),
    }
    Ok(())
}

fn non_negative(option: &'static str, value: &str, at: usize) -> OResult<u64> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) {
        return Err(err(
            option,
            at,
            SyntaxErrorKind::Syntax,
            "phải là số nguyên không âm",
            "must be a non-negative integer",
        ));
    }
    v.parse().map_err(|_| err(option, at, SyntaxErrorKind::Syntax, "số quá lớn", "number too large"))
}

/// Splits `s` at `sep` outside quotes and parentheses; returns each piece with its byte offset. Empty pieces are
/// errors.
fn split_top_level(s: &str, sep: u8) -> Result<Vec<(usize, &str)>, SyntaxError> {
    let b = s.as_bytes();
    let (mut depth, mut in_quote, mut start) = (0usize, false, 0usize);
    let mut open_at = Vec::new();
    let mut quote_at = 0;
    let mut out = Vec::new();
    fn piece(s: &str, from: usize, to: usize) -> Result<(usize, &str), SyntaxError> {
        let p = s.get(from..to).unwrap_or("");
        if p.trim().is_empty() {
            return Err(SyntaxError::new(
                from,
                SyntaxErrorKind::Syntax,
                "thiếu một mục (hai dấu phân cách liền nhau?)",
                "an item is missing (two separators in a row?)",
            ));
        }
        Ok((from, p))
    }
    for (i, &c) in b.iter().enumerate() {
        if in_quote {
            // A doubled quote is an escaped quote: it closes and reopens, which comes to the same.
            if c == b'\'' {
                in_quote = false;
            }
            continue;
        }
        match c {
            b'\'' => {
                in_quote = true;
                quote_at = i;
            }
            b'(' => {
                depth += 1;
                open_at.push(i);
            }
            b')' => {
                if depth == 0 {
                    return Err(SyntaxError::new(i, SyntaxErrorKind::Syntax, "dấu “)” thừa", "unbalanced “)”"));
                }
                depth -= 1;
                open_at.pop();
            }
            _ if c == sep && depth == 0 => {
                out.push(piece(s, start, i)?);
                start = i + 1;
            }
            _ => {}
        }
    }
    if in_quote {
        return Err(SyntaxError::new(
            quote_at,
            SyntaxErrorKind::Syntax,
            "chuỗi chưa có dấu nháy đóng",
            "unterminated string",
        ));
    }
    if let Some(&at) = open_at.last() {
        return Err(SyntaxError::new(at, SyntaxErrorKind::Syntax, "thiếu dấu “)”", "missing “)”"));
    }
    out.push(piece(s, start, s.len())?);
    Ok(out)
}

/// The byte index of the `)` closing the `(` at `open`, skipping quoted strings.
fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_quote = false;
    for (i, &c) in s.as_bytes().iter().enumerate().skip(open) {
        match (in_quote, c) {
            (true, b'\'') => in_quote = false,
            (true, _) => {}
            (false, b'\'') => in_quote = true,
            (false, b'(') => depth += 1,
            (false, b')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_expand(value: &str, at: usize, depth: usize) -> OResult<Vec<Expand>> {
    const OPT: &str = "$expand";
    if depth >= MAX_EXPAND_DEPTH {
        return Err(err(
            OPT,
            at,
            SyntaxErrorKind::TooDeep,
            "$expand lồng nhau quá sâu",
            "$expand is nested too deeply",
        ));
    }
    let mut out = Vec::new();
    for (off, item) in split_top_level(value, b',').map_err(wrap(OPT, at))? {
        out.push(parse_expand_item(item, at + off, depth)?);
    }
    Ok(out)
}

/// One item: `Nav[(options)][/Nav[(options)]…]`.
fn parse_expand_item(item: &str, at: usize, depth: usize) -> OResult<Expand> {
    const OPT: &str = "$expand";
    let mut segments: Vec<(String, Query)> = Vec::new();
    let mut i = 0;
    let b = item.as_bytes();
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            i += 1;
        }
        if i == start {
            return Err(err(
                OPT,
                at + start,
                SyntaxErrorKind::Syntax,
                "cần tên thuộc tính liên kết, ví dụ Datastreams",
                "expected a navigation property such as Datastreams",
            ));
        }
        let name = item[start..i].to_owned();
        let mut query = Query::default();
        if b.get(i) == Some(&b'(') {
            let close = matching_paren(item, i)
                .ok_or_else(|| err(OPT, at + i, SyntaxErrorKind::Syntax, "thiếu dấu “)”", "missing “)”"))?;
            let inner = &item[i + 1..close];
            query = parse_inner(inner, at + i + 1, depth + segments.len() + 1)?;
            i = close + 1;
        }
        segments.push((name, query));
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match b.get(i) {
            None => break,
            Some(b'/') => i += 1,
            Some(_) => {
                return Err(err(
                    OPT,
                    at + i,
                    SyntaxErrorKind::Syntax,
                    "cần “/”, “,” hoặc “(”",
                    "expected “/”, “,” or “(”",
                ));
            }
        }
        if depth + segments.len() >= MAX_EXPAND_DEPTH {
            return Err(err(
                OPT,
                at + i,
                SyntaxErrorKind::TooDeep,
                "$expand lồng nhau quá sâu",
                "$expand is nested too deeply",
            ));
        }
    }
    let mut expand: Option<Expand> = None;
    for (navigation, mut query) in segments.into_iter().rev() {
        if let Some(inner) = expand.take() {
            query.expand.push(inner);
        }
        expand = Some(Expand { navigation, query });
    }
    expand.ok_or_else(|| err(OPT, at, SyntaxErrorKind::Syntax, "mục $expand rỗng", "empty $expand item"))
}

/// The `;`-separated options inside `Nav(…)`.
fn parse_inner(inner: &str, at: usize, depth: usize) -> OResult<Query> {
    const OPT: &str = "$expand";
    let mut q = Query::default();
    if inner.trim().is_empty() {
        return Ok(q);
    }
    let mut seen: Vec<&'static str> = Vec::new();
    for (off, item) in split_top_level(inner, b';').map_err(wrap(OPT, at))? {
        let lead = item.len() - item.trim_start().len();
        let item_at = at + off + lead;
        let item = item.trim_start();
        let Some((name, value)) = item.split_once('=') else {
            return Err(err(
                OPT,
                item_at,
                SyntaxErrorKind::Syntax,
                "cần dạng $tùy_chọn=giá_trị",
                "expected $option=value",
            ));
        };
        let option = known_option(name.trim()).filter(|o| *o != "$resultFormat").ok_or_else(|| {
            err(
                OPT,
                item_at,
                SyntaxErrorKind::Syntax,
                "tùy chọn không hợp lệ trong $expand",
                "not an option allowed inside $expand",
            )
        })?;
        if seen.contains(&option) {
            return Err(err(OPT, item_at, SyntaxErrorKind::Syntax, "tùy chọn bị lặp lại", "option given twice"));
        }
        seen.push(option);
        apply(&mut q, option, value, item_at + name.len() + 1, depth)?;
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query::parse(s).unwrap_or_else(|e| panic!("{s}: {}", e.en))
    }

    fn e(s: &str) -> ValidationError {
        match Query::parse(s) {
            Ok(q) => panic!("{s} parsed: {q:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn reads_every_option() {
        let query = q("$filter=result%20gt%2050&$orderby=phenomenonTime+desc&$top=10&$skip=20&$count=true\
                       &$select=id,name,properties/owner&$resultFormat=dataArray&foo=bar");
        assert_eq!(query.filter.map(|f| f.to_string()).as_deref(), Some("(result gt 50)"));
        assert_eq!(query.orderby.len(), 1);
        assert!(query.orderby[0].descending);
        assert_eq!((query.top, query.skip, query.count), (Some(10), Some(20), Some(true)));
        let select: Vec<String> = query.select.unwrap_or_default().iter().map(ToString::to_string).collect();
        assert_eq!(select, ["id", "name", "properties/owner"]);
        assert_eq!(query.result_format, Some(ResultFormat::DataArray));
        assert_eq!(q(""), Query::default());
    }

    #[test]
    fn reads_nested_expand() {
        let query = q("$expand=Datastreams($select=name;$expand=Observations($top=5;$orderby=phenomenonTime desc;\
                       $filter=result gt 3 and substringof('a;b)', name))),Locations,Datastreams/Sensor");
        assert_eq!(query.expand.len(), 3);
        let ds = &query.expand[0];
        assert_eq!(ds.navigation, "Datastreams");
        assert_eq!(ds.query.select.as_ref().map(Vec::len), Some(1));
        let obs = &ds.query.expand[0];
        assert_eq!(obs.navigation, "Observations");
        assert_eq!(obs.query.top, Some(5));
        assert_eq!(
            obs.query.filter.as_ref().map(ToString::to_string).as_deref(),
            Some("((result gt 3) and substringof('a;b)', name))")
        );
        assert_eq!(query.expand[1], Expand { navigation: "Locations".into(), query: Query::default() });
        let path = &query.expand[2];
        assert_eq!((path.navigation.as_str(), path.query.expand[0].navigation.as_str()), ("Datastreams", "Sensor"));
        let chained = q("$expand=Datastreams($top=1)/Observations($top=2)");
        assert_eq!(chained.expand[0].query.top, Some(1));
        assert_eq!(chained.expand[0].query.expand[0].query.top, Some(2));
    }

    /// (query, field, code, character position in the message).
    #[test]
    fn errors_name_the_option_and_the_position() {
        let table = [
            ("$filter=name eq", "$filter", "sta_filter_syntax", "character 8"),
            ("$filter=foo(1)", "$filter", "sta_filter_unknown_function", "character 1"),
            ("$filter=length(a,b)", "$filter", "sta_filter_arity", "character 1"),
            ("$filter=t gt 2026-01-01T00:00:00", "$filter", "sta_filter_literal", "character 6"),
            ("$filter=", "$filter", "sta_filter_syntax", "character 1"),
            ("$orderby=name sideways", "$orderby", "sta_orderby_syntax", "character 6"),
            ("$top=-1", "$top", "sta_top_invalid", "character 1"),
            ("$skip=x", "$skip", "sta_skip_invalid", "character 1"),
            ("$count=yes", "$count", "sta_count_invalid", "character 1"),
            ("$select=a,,b", "$select", "sta_select_syntax", "character 3"),
            ("$select=a eq 1", "$select", "sta_select_syntax", "character 3"),
            ("$resultFormat=csv", "$resultFormat", "sta_result_format_invalid", "character 1"),
            ("$expand=Datastreams($top=x)", "$expand", "sta_top_invalid", "character 18"),
            ("$expand=Datastreams($filter=a eq)", "$expand", "sta_filter_syntax", "character 25"),
            ("$expand=Datastreams($top=1", "$expand", "sta_expand_syntax", "character 12"),
            ("$expand=Datastreams($bogus=1)", "$expand", "sta_expand_syntax", "character 13"),
            ("$expand=Datastreams x", "$expand", "sta_expand_syntax", "character 13"),
            ("$expand=/Things", "$expand", "sta_expand_syntax", "character 1"),
        ];
        for (src, field, code, position) in table {
            let err = e(src);
            assert_eq!((err.field, err.code), (field, code), "{src}: {}", err.en);
            assert!(err.en.contains(position), "{src}: {}", err.en);
            assert!(err.vi.contains(&position.replace("character", "ký tự")), "{src}: {}", err.vi);
        }
        assert!(e("$expand=Datastreams($filter=a eq)").en.contains("$filter (inside $expand)"));
    }

    #[test]
    fn rejects_unknown_repeated_and_badly_encoded_options() {
        assert_eq!(e("$fitler=a").code, "sta_query_unknown_option");
        assert_eq!(e("$top=1&$top=2").code, "sta_query_duplicate_option");
        assert_eq!(e("$filter=%E0%A4").code, "sta_query_encoding");
        assert_eq!(e("$filter=%G1").code, "sta_query_encoding");
        assert_eq!(q("$TOP=3").top, Some(3));
        let deep = format!("$expand={}", vec!["A"; 20].join("/"));
        assert_eq!(e(&deep).code, "sta_expand_too_deep");
        let nested = format!("$expand={}{}", "A($expand=".repeat(20), ")".repeat(20));
        assert_eq!(e(&nested).code, "sta_expand_too_deep");
    }

    #[test]
    fn from_pairs_takes_decoded_values() {
        let query = Query::from_pairs([("$filter", "name eq 'Huế & Đà Nẵng'"), ("$top", "1"), ("page", "2")]).unwrap();
        assert!(query.filter.is_some());
        assert_eq!(query.top, Some(1));
    }
}
