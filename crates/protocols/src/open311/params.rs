//! Reading decoded form and query parameters, with 400 errors that name the parameter.

use chrono::{DateTime, FixedOffset, NaiveDateTime};

use super::errors::RequestError;

/// Decodes an `application/x-www-form-urlencoded` body or a query string (without the `?`) into `(name, value)`
/// pairs, in order, with `+` read as a space and percent-escapes decoded as UTF-8 (invalid sequences become
/// U+FFFD).
pub fn parse_urlencoded(input: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(input).into_owned().collect()
}

/// The parameters of one request.
pub(crate) struct Params<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Params<'a> {
    pub(crate) fn new(pairs: &'a [(String, String)]) -> Self {
        Params { pairs }
    }

    /// Every value given for `name`, trimmed, in order, empty ones included.
    pub(crate) fn all<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.pairs.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.trim())
    }

    /// All pairs, for parameters whose names carry data (`attribute[CODE]`).
    pub(crate) fn pairs(&self) -> &'a [(String, String)] {
        self.pairs
    }

    /// Whether `name` was given at all, even empty.
    pub(crate) fn present(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// The value of a single-valued parameter: trimmed, empty counted as absent; given twice with values → 400.
    pub(crate) fn one(&self, name: &'static str) -> Result<Option<&'a str>, RequestError> {
        let mut values = self.all(name).filter(|v| !v.is_empty());
        let first = values.next();
        if values.next().is_some() {
            return Err(RequestError::bad(
                name,
                "parameter_repeated",
                format!("Parameter {name} was given more than once; give it once."),
                format!("Tham số {name} xuất hiện nhiều lần; chỉ được gửi một lần."),
            ));
        }
        Ok(first)
    }

    /// A single-valued parameter that must be there.
    pub(crate) fn required(&self, name: &'static str) -> Result<&'a str, RequestError> {
        self.one(name)?.ok_or_else(|| required(name))
    }

    /// A comma-separated list, possibly split over repeated parameters: trimmed items, empty ones dropped,
    /// duplicates removed (first occurrence kept).
    pub(crate) fn comma_list(&self, name: &str) -> Vec<&'a str> {
        let mut items: Vec<&'a str> = Vec::new();
        for item in self.all(name).flat_map(|v| v.split(',')).map(str::trim).filter(|i| !i.is_empty()) {
            if !items.contains(&item) {
                items.push(item);
            }
        }
        items
    }

    /// An optional date-time parameter (see [`parse_datetime`]).
    pub(crate) fn datetime(&self, name: &'static str) -> Result<Option<DateTime<FixedOffset>>, RequestError> {
        self.one(name)?.map(|v| parse_datetime(name, v)).transpose()
    }

    /// An optional decimal parameter, finite.
    pub(crate) fn float(&self, name: &'static str) -> Result<Option<f64>, RequestError> {
        self.one(name)?
            .map(|v| match v.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(f),
                _ => Err(RequestError::bad(
                    name,
                    "number_invalid",
                    format!("Parameter {name} must be a decimal number, not “{v}”."),
                    format!("Tham số {name} phải là một số thập phân, không phải “{v}”."),
                )),
            })
            .transpose()
    }

    /// An optional whole-number parameter within `range`.
    pub(crate) fn integer(
        &self,
        name: &'static str,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<Option<u32>, RequestError> {
        self.one(name)?
            .map(|v| {
                v.parse::<u32>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                    RequestError::bad(
                        name,
                        "integer_invalid",
                        format!(
                            "Parameter {name} must be a whole number from {} to {}, not “{v}”.",
                            range.start(),
                            range.end()
                        ),
                        format!(
                            "Tham số {name} phải là số nguyên từ {} đến {}, không phải “{v}”.",
                            range.start(),
                            range.end()
                        ),
                    )
                })
            })
            .transpose()
    }

    /// An optional boolean parameter: `true` or `false`, any case.
    pub(crate) fn boolean(&self, name: &'static str) -> Result<Option<bool>, RequestError> {
        self.one(name)?
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(RequestError::bad(
                    name,
                    "boolean_invalid",
                    format!("Parameter {name} must be true or false, not “{v}”."),
                    format!("Tham số {name} phải là true hoặc false, không phải “{v}”."),
                )),
            })
            .transpose()
    }
}

/// The 400 error for a missing required parameter.
pub(crate) fn required(name: &str) -> RequestError {
    RequestError::bad(
        name.to_owned(),
        "parameter_required",
        format!("Parameter {name} is required."),
        format!("Thiếu tham số bắt buộc {name}."),
    )
}

/// Parses a date-time parameter: the W3C profile of ISO 8601 the spec names, with a time and a mandatory
/// offset — RFC 3339 (`2026-11-27T09:00:00+07:00`, `…Z`, fractions allowed) or without seconds
/// (`2026-11-27T09:00+07:00`).
///
/// A client that forgot to percent-encode `+` in a query sends `…T09:00:00 07:00` (the `+` decodes to a space);
/// that is read as `+07:00`, because no other reading of it makes sense.
pub(crate) fn parse_datetime(name: &'static str, value: &str) -> Result<DateTime<FixedOffset>, RequestError> {
    let mut text = value.trim().to_owned();
    // "…hh:mm[:ss] HH:MM" → "…+HH:MM".
    let bytes = text.as_bytes();
    if bytes.len() > 16 && bytes[bytes.len() - 6] == b' ' && bytes[bytes.len() - 3] == b':' {
        let at = text.len() - 6;
        text.replace_range(at..at + 1, "+");
    }
    let without_seconds = || -> Option<DateTime<FixedOffset>> {
        let t = text.strip_suffix(['Z', 'z']).map(|s| format!("{s}+00:00")).unwrap_or_else(|| text.clone());
        let (local, offset) = t.split_at(t.len().checked_sub(6)?);
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").ok()?;
        let fixed = DateTime::parse_from_rfc3339(&format!("{}:00{offset}", naive.format("%Y-%m-%dT%H:%M"))).ok()?;
        Some(fixed)
    };
    DateTime::parse_from_rfc3339(&text).ok().or_else(without_seconds).ok_or_else(|| {
        RequestError::bad(
            name,
            "datetime_invalid",
            format!(
                "Parameter {name} must be a W3C date-time with a time zone, e.g. 2026-11-27T09:00:00+07:00 or \
                 2026-11-27T02:00:00Z, not “{value}”."
            ),
            format!(
                "Tham số {name} phải là ngày giờ theo W3C kèm múi giờ, ví dụ 2026-11-27T09:00:00+07:00, \
                 không phải “{value}”."
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn datetimes_in_every_accepted_spelling() {
        let expected = DateTime::parse_from_rfc3339("2026-11-27T09:00:00+07:00").expect("fixture");
        for ok in [
            "2026-11-27T09:00:00+07:00",
            "2026-11-27T02:00:00Z",
            "2026-11-27t02:00:00z",
            "2026-11-27T02:00:00.000Z",
            "2026-11-27T09:00+07:00",
            "2026-11-27T02:00Z",
            " 2026-11-27T09:00:00 07:00 ",
            "2026-11-27T09:00 07:00",
        ] {
            assert_eq!(parse_datetime("start_date", ok).ok(), Some(expected), "{ok}");
        }
        for bad in ["2026-11-27", "2026-11-27T09:00:00", "27/11/2026 09:00", "2026-13-01T00:00:00Z", "yesterday", ""] {
            let e = parse_datetime("start_date", bad).expect_err(bad);
            assert_eq!((e.status, e.parameter.as_str(), e.code), (400, "start_date", "datetime_invalid"), "{bad}");
            assert!(e.description.contains("start_date"));
        }
    }

    #[test]
    fn urlencoded_bodies_decode_plus_and_utf8() {
        let decoded = parse_urlencoded(b"description=R%C3%A1c+th%E1%BA%A3i&attribute%5BX%5D%5B%5D=1&empty=");
        assert_eq!(decoded, pairs(&[("description", "Rác thải"), ("attribute[X][]", "1"), ("empty", "")]));
    }

    #[test]
    fn single_values_lists_and_numbers() {
        let p = pairs(&[
            ("a", " x "),
            ("a", ""),
            ("b", "1"),
            ("b", "2"),
            ("ids", "3, 1,,3"),
            ("ids", "2"),
            ("n", "abc"),
            ("i", "0"),
            ("t", "TRUE"),
            ("f", "yes"),
        ]);
        let params = Params::new(&p);
        assert_eq!(params.one("a").ok(), Some(Some("x")));
        assert_eq!(params.one("missing").ok(), Some(None));
        assert_eq!(params.one("b").map_err(|e| e.code), Err("parameter_repeated"));
        assert_eq!(params.required("missing").map_err(|e| (e.status, e.code)), Err((400, "parameter_required")));
        assert_eq!(params.comma_list("ids"), ["3", "1", "2"]);
        assert_eq!(params.float("n").map_err(|e| e.code), Err("number_invalid"));
        assert_eq!(params.integer("i", 1..=10).map_err(|e| e.code), Err("integer_invalid"));
        assert_eq!(params.boolean("t").ok(), Some(Some(true)));
        assert_eq!(params.boolean("f").map_err(|e| e.code), Err("boolean_invalid"));
        assert!(params.present("a") && !params.present("z"));
    }
}
