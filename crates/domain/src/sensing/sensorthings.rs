//! OGC SensorThings API 1.1 (OGC 18-088, = ITU-T Y.4473), the platform's sensing API (`sensorthings-iot.md` §1):
//! the request query language and the dataArray format, parse-only and pure.
//!
//! - [`filter`]: the `$filter` / `$orderby` expression AST, lexer and parser, with positioned errors;
//! - [`query`]: the query options `$filter $orderby $top $skip $count $select $expand $resultFormat`;
//! - [`eval`]: an evaluator of expressions over an entity's JSON, for filtering in memory;
//! - [`data_array`]: CreateObservations bodies and `$resultFormat=dataArray` results;
//! - [`geometry`] and [`temporal`]: WKT/GeoJSON geometry and ISO 8601 times as the language uses them.
//!
//! Every parser returns a [`ValidationError`] naming the query option (`$filter`, `$expand`…) and the 1-based
//! character where the problem is, and never panics on any input (property-tested with random strings).

pub mod data_array;
pub mod eval;
pub mod filter;
pub mod geometry;
pub mod observation_type;
pub mod query;
pub mod temporal;

pub use data_array::{
    Component, DataArrayBlock, EntityId, ObservationRow, StreamRef, create_observations_response,
    parse_create_observations, to_create_observations,
};
pub use eval::{EvalError, EvalValue, evaluate, matches, sort_by_orderby};
pub use filter::{BinaryOp, Expr, Function, Literal, OrderBy, PathSegment, PropertyPath, SyntaxError, SyntaxErrorKind};
pub use geometry::Geometry;
pub use query::{Expand, Query, ResultFormat};
pub use temporal::{IsoDuration, TimeValue};

use crate::validation::ValidationError;

/// Parses a `$filter` value (already URL-decoded). Errors have field `$filter` and codes `sta_filter_syntax`,
/// `sta_filter_unknown_function`, `sta_filter_arity`, `sta_filter_literal`, `sta_filter_too_deep` or
/// `sta_filter_too_long`.
pub fn parse_filter(src: &str) -> Result<Expr, ValidationError> {
    let q = Query::from_pairs([("$filter", src)])?;
    q.filter.ok_or_else(|| {
        ValidationError::new(
            "$filter",
            "sta_filter_syntax",
            "Thiếu biểu thức $filter.",
            "The $filter expression is missing.",
        )
    })
}

/// Parses a `$orderby` value (already URL-decoded). Errors have field `$orderby` and codes `sta_orderby_*`.
pub fn parse_orderby(src: &str) -> Result<Vec<OrderBy>, ValidationError> {
    Query::from_pairs([("$orderby", src)]).map(|q| q.orderby)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    #[test]
    fn filter_errors_are_validation_errors_with_positions() {
        let e = parse_filter("Datastream/name eq 'PM2.5' and").unwrap_err();
        assert_eq!((e.field, e.code), ("$filter", "sta_filter_syntax"));
        assert_eq!(
            e.en,
            "Syntax error in $filter at character 31: expected a value, property or function but the expression ended."
        );
        assert!(e.vi.starts_with("Lỗi cú pháp $filter tại ký tự 31"));
        // Positions count characters, not bytes.
        let e = parse_filter("name eq 'Huế' oops").unwrap_err();
        assert!(e.en.contains("character 15"), "{}", e.en);
        assert_eq!(parse_filter("foo(1)").unwrap_err().code, "sta_filter_unknown_function");
        assert_eq!(parse_orderby("a,").unwrap_err().code, "sta_orderby_syntax");
        assert_eq!(parse_orderby("a desc").map(|o| o.len()), Ok(1));
    }

    #[test]
    fn filters_an_entity_end_to_end() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).single().unwrap();
        let f = parse_filter(
            "Datastream/ObservedProperty/name eq 'Water level' and result ge 3.5 and phenomenonTime gt now() sub PT1H",
        )
        .unwrap();
        let obs = json!({
            "result": 3.6,
            "phenomenonTime": "2026-11-27T09:30:00+07:00",
            "Datastream": {"ObservedProperty": {"name": "Water level"}}
        });
        assert!(matches(&f, &obs, now));
        assert!(!matches(&f, &json!({"result": 3.6}), now));
    }

    fn ident() -> impl Strategy<Value = String> {
        "[A-Za-z_@][A-Za-z0-9_]{0,6}".prop_filter("not a keyword or a period", |s| {
            !["not", "true", "false", "null"].iter().any(|k| k.eq_ignore_ascii_case(s))
                && temporal::parse_duration(s).is_none()
        })
    }

    fn datetime() -> impl Strategy<Value = DateTime<FixedOffset>> {
        (-2_000_000_000i64..4_000_000_000, 0u32..1_000_000_000, -12i32..=14).prop_map(|(secs, nanos, off)| {
            let offset = FixedOffset::east_opt(off * 3600).unwrap_or_else(|| panic!("offset"));
            DateTime::from_timestamp(secs, nanos).unwrap_or_else(|| panic!("ts")).with_timezone(&offset)
        })
    }

    fn literal() -> impl Strategy<Value = Literal> {
        prop_oneof![
            Just(Literal::Null),
            any::<bool>().prop_map(Literal::Bool),
            any::<i64>().prop_map(Literal::Int),
            any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(Literal::Float),
            any::<String>().prop_map(Literal::String),
            datetime().prop_map(Literal::DateTime),
            (1000i32..9999, 1u32..=12, 1u32..=28)
                .prop_map(|(y, m, d)| Literal::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())),
            (0u32..24, 0u32..60, 0u32..60, 0u32..1_000_000_000).prop_map(|(h, m, s, n)| {
                Literal::Time(NaiveTime::from_hms_nano_opt(h, m, s, n).unwrap_or_default())
            }),
            (any::<bool>(), 0u32..100, 0u32..13, 0u32..10, 0u32..40, 0u32..30, 0u32..70, 0u32..100_000).prop_map(
                |(negative, years, months, weeks, days, hours, minutes, centis)| {
                    Literal::Duration(IsoDuration {
                        negative,
                        years,
                        months,
                        weeks,
                        days,
                        hours,
                        minutes,
                        seconds: f64::from(centis) / 100.0,
                    })
                }
            ),
            (datetime(), 0i64..10_000_000)
                .prop_map(|(start, secs)| Literal::Interval { start, end: start + chrono::TimeDelta::seconds(secs) }),
            (-180.0f64..180.0, -90.0f64..90.0).prop_map(|(x, y)| Literal::Geometry(Geometry::Point([x, y]))),
        ]
    }

    fn path() -> impl Strategy<Value = PropertyPath> {
        (
            ident(),
            proptest::collection::vec(
                prop_oneof![ident().prop_map(PathSegment::Property), (0usize..5).prop_map(PathSegment::Index)],
                0..3,
            ),
        )
            .prop_map(|(first, rest)| {
                let mut segs = vec![PathSegment::Property(first)];
                segs.extend(rest);
                PropertyPath(segs)
            })
    }

    const OPS: [BinaryOp; 13] = [
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::And,
        BinaryOp::Or,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Mod,
    ];

    fn function_names() -> Vec<&'static str> {
        vec![
            "substringof",
            "endswith",
            "startswith",
            "length",
            "indexof",
            "substring",
            "tolower",
            "toupper",
            "trim",
            "concat",
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "fractionalseconds",
            "date",
            "time",
            "totaloffsetminutes",
            "now",
            "mindatetime",
            "maxdatetime",
            "round",
            "floor",
            "ceiling",
            "geo.distance",
            "geo.length",
            "geo.intersects",
            "st_equals",
            "st_disjoint",
            "st_touches",
            "st_within",
            "st_overlaps",
            "st_crosses",
            "st_intersects",
            "st_contains",
            "st_relate",
            "st_distance",
        ]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![literal().prop_map(Expr::Literal), path().prop_map(Expr::Path)];
        leaf.prop_recursive(5, 48, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                inner.clone().prop_map(|e| Expr::Negate(Box::new(e))),
                (proptest::sample::select(OPS.to_vec()), inner.clone(), inner.clone())
                    .prop_map(|(op, l, r)| Expr::binary(op, l, r)),
                (proptest::sample::select(function_names()), proptest::collection::vec(inner, 0..4)).prop_filter_map(
                    "arity",
                    |(name, args)| {
                        let function = Function::from_name(name)?;
                        let (min, max) = function.arity();
                        (args.len() >= min && args.len() <= max).then_some(Expr::Call { function, args })
                    }
                ),
            ]
        })
    }

    fn entity() -> Value {
        json!({
            "id": 1, "name": "Kim Long", "result": 3.6, "flag": true,
            "phenomenonTime": "2026-11-27T09:00:00+07:00",
            "location": {"type": "Point", "coordinates": [107.564, 16.4605]},
            "properties": {"a": [1, 2, {"b": null}], "c": "x"}
        })
    }

    proptest! {
        /// Writing any AST and parsing it back gives the same AST.
        #[test]
        fn display_then_parse_is_identity(e in expr()) {
            let text = e.to_string();
            let back = filter::parse_expression(&text);
            prop_assert_eq!(back.as_ref(), Ok(&e), "{}", text);
        }

        /// Evaluating any expression never panics.
        #[test]
        fn evaluation_never_panics(e in expr()) {
            let now = Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).single().unwrap();
            let _ = evaluate(&e, &entity(), now);
        }

        /// Random text never panics the parsers, and every error points inside the input.
        #[test]
        fn random_strings_never_panic(s in any::<String>()) {
            if let Err(e) = filter::parse_expression(&s) {
                prop_assert!(e.offset <= s.len());
            }
            let _ = filter::parse_orderby(&s);
            let _ = Query::parse(&s);
            let _ = parse_filter(&s);
            let _ = geometry::parse_wkt(&s);
            let _ = TimeValue::parse(&s);
        }

        /// Text made of the language's own characters reaches deeper into the parser; it still never panics, and
        /// whatever parses also evaluates without panicking.
        #[test]
        fn filter_like_strings_never_panic(s in "[a-zP0-9 ()',./:+\\-\\[\\]TZ@_;=$&%]{0,80}") {
            let now = Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).single().unwrap();
            if let Ok(e) = filter::parse_expression(&s) {
                let _ = evaluate(&e, &entity(), now);
                prop_assert_eq!(filter::parse_expression(&e.to_string()), Ok(e));
            }
            let _ = Query::parse(&s);
            let _ = Query::parse(&format!("$expand={s}"));
            let _ = Query::parse(&format!("$filter={s}"));
        }

        /// Random JSON never panics the dataArray reader.
        #[test]
        fn random_json_never_panics_data_array(v in arb_json()) {
            let _ = parse_create_observations(&v);
            let _ = parse_create_observations(&json!([{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result", "parameters", "FeatureOfInterest/id"], "dataArray": [v]}]));
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(|x| json!(x)),
            "[a-zT0-9:+\\-/ ]{0,25}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-zA-Z@./]{1,10}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
