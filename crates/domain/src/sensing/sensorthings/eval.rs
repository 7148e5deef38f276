//! Evaluates a `$filter` or `$orderby` expression against one entity given as JSON, for the places the store filters
//! in memory instead of translating to SQL (MQTT subscriptions with a filter, small expanded collections, tests).
//!
//! Semantics, following OData 4 / STA 1.1 where they say something and FROST-Server where they do not:
//! - a property path walks the JSON (`Datastream/Thing/name` needs the related entities expanded in it); a missing
//!   property is `null`; `id` and `@iot.id` stand for each other;
//! - comparisons with `null`: `eq`/`ne` compare nullness, the others give `null`; `and`/`or`/`not` use
//!   three-valued logic; an entity matches only when the filter is `true`;
//! - strings holding ISO 8601 instants or intervals (JSON has no time type) compare as times against time
//!   literals; an interval `[start, end)` is `lt` a time it ends at or before, `gt` a time it starts after;
//! - `div` on two integers truncates (OData 4.01 added `divby` for decimal division); integer overflow falls back
//!   to floating point; division by zero is an error;
//! - geospatial tests are planar in degrees (see [`super::geometry`]); `st_touches`, `st_overlaps`, `st_crosses`
//!   and `st_relate` are left to the database and report [`EvalError::Unsupported`].

use std::cmp::Ordering;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike, Utc};
use serde_json::Value;

use super::filter::{BinaryOp, Expr, Function, Literal, OrderBy, PathSegment, PropertyPath};
use super::geometry::{Geometry, from_geojson, parse_wkt};
use super::temporal::{IsoDuration, TimeValue, parse_datetime};

/// A value met while evaluating an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalValue {
    /// Missing or `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// A string.
    String(String),
    /// An instant.
    DateTime(DateTime<FixedOffset>),
    /// A calendar date.
    Date(NaiveDate),
    /// A time of day.
    Time(NaiveTime),
    /// A period.
    Duration(IsoDuration),
    /// An interval `[start, end)`.
    Interval {
        /// First instant.
        start: DateTime<FixedOffset>,
        /// End (excluded).
        end: DateTime<FixedOffset>,
    },
    /// A geometry literal.
    Geometry(Geometry),
    /// A JSON object or array from the entity.
    Json(Value),
}

impl EvalValue {
    /// Name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            EvalValue::Null => "null",
            EvalValue::Bool(_) => "boolean",
            EvalValue::Int(_) => "integer",
            EvalValue::Float(_) => "number",
            EvalValue::String(_) => "string",
            EvalValue::DateTime(_) => "date-time",
            EvalValue::Date(_) => "date",
            EvalValue::Time(_) => "time",
            EvalValue::Duration(_) => "duration",
            EvalValue::Interval { .. } => "interval",
            EvalValue::Geometry(_) => "geometry",
            EvalValue::Json(_) => "object",
        }
    }

    fn from_json(v: &Value) -> EvalValue {
        match v {
            Value::Null => EvalValue::Null,
            Value::Bool(b) => EvalValue::Bool(*b),
            Value::Number(n) => {
                n.as_i64().map_or_else(|| EvalValue::Float(n.as_f64().unwrap_or(f64::NAN)), EvalValue::Int)
            }
            Value::String(s) => EvalValue::String(s.clone()),
            Value::Array(_) | Value::Object(_) => EvalValue::Json(v.clone()),
        }
    }

    fn from_literal(l: &Literal) -> EvalValue {
        match l {
            Literal::Null => EvalValue::Null,
            Literal::Bool(b) => EvalValue::Bool(*b),
            Literal::Int(n) => EvalValue::Int(*n),
            Literal::Float(x) => EvalValue::Float(*x),
            Literal::String(s) => EvalValue::String(s.clone()),
            Literal::DateTime(t) => EvalValue::DateTime(*t),
            Literal::Date(d) => EvalValue::Date(*d),
            Literal::Time(t) => EvalValue::Time(*t),
            Literal::Duration(d) => EvalValue::Duration(*d),
            Literal::Interval { start, end } => EvalValue::Interval { start: *start, end: *end },
            Literal::Geometry(g) => EvalValue::Geometry(g.clone()),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            EvalValue::Int(n) => Some(*n as f64),
            EvalValue::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// The value as a time span: instants are zero-length; strings are read as ISO 8601.
    fn as_span(&self) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>, bool)> {
        match self {
            EvalValue::DateTime(t) => Some((*t, *t, true)),
            EvalValue::Interval { start, end } => Some((*start, *end, start == end)),
            EvalValue::String(s) => TimeValue::parse(s).map(|v| (v.start(), v.end(), v.start() == v.end())),
            _ => None,
        }
    }

    fn as_datetime(&self) -> Option<DateTime<FixedOffset>> {
        match self {
            EvalValue::DateTime(t) => Some(*t),
            EvalValue::String(s) => parse_datetime(s),
            _ => None,
        }
    }

    fn is_temporal(&self) -> bool {
        matches!(self, EvalValue::DateTime(_) | EvalValue::Interval { .. })
    }
}

/// Why an expression could not be evaluated for an entity. [`matches()`] treats it as "no match".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// An operator or function got a value of the wrong type.
    #[error("{operation} cannot be applied to {left} and {right}")]
    TypeMismatch {
        /// The operator or function.
        operation: &'static str,
        /// Type of the first operand.
        left: &'static str,
        /// Type of the second operand (or "-").
        right: &'static str,
    },
    /// The function is valid but only the database can evaluate it.
    #[error("{0}() is not supported when filtering in memory")]
    Unsupported(&'static str),
    /// `div` or `mod` by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// A number or time left its range.
    #[error("arithmetic overflow")]
    Overflow,
}

type EResult = Result<EvalValue, EvalError>;

fn mismatch(operation: &'static str, a: &EvalValue, b: &EvalValue) -> EvalError {
    EvalError::TypeMismatch { operation, left: a.type_name(), right: b.type_name() }
}

fn mismatch1(operation: &'static str, a: &EvalValue) -> EvalError {
    EvalError::TypeMismatch { operation, left: a.type_name(), right: "-" }
}

/// Evaluates `expr` for `entity` at the instant `now` (used by `now()`).
pub fn evaluate(expr: &Expr, entity: &Value, now: DateTime<Utc>) -> EResult {
    Evaluator { entity, now: now.fixed_offset() }.eval(expr)
}

/// Whether `entity` passes the filter: the expression is `true` (not `false`, `null` or an error).
pub fn matches(filter: &Expr, entity: &Value, now: DateTime<Utc>) -> bool {
    matches!(evaluate(filter, entity, now), Ok(EvalValue::Bool(true)))
}

/// Sorts entities by a `$orderby` list, in memory. Nulls (and values that cannot be evaluated) sort last when
/// ascending and first when descending, as PostgreSQL does; values of different types keep their order. Stable.
pub fn sort_by_orderby(entities: &mut [Value], orderby: &[OrderBy], now: DateTime<Utc>) {
    let key = |e: &Value| -> Vec<EvalValue> {
        orderby.iter().map(|o| evaluate(&o.expr, e, now).unwrap_or(EvalValue::Null)).collect()
    };
    let mut keyed: Vec<(Vec<EvalValue>, Value)> = entities.iter().map(|e| (key(e), e.clone())).collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for ((x, y), o) in a.iter().zip(b).zip(orderby) {
            let ord = match (x, y) {
                (EvalValue::Null, EvalValue::Null) => Ordering::Equal,
                (EvalValue::Null, _) => Ordering::Greater,
                (_, EvalValue::Null) => Ordering::Less,
                _ => order(x, y).unwrap_or(Ordering::Equal),
            };
            let ord = if o.descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    for (slot, (_, e)) in entities.iter_mut().zip(keyed) {
        *slot = e;
    }
}

/// Total order of two non-null scalar values of compatible types, `None` when they do not compare.
fn order(a: &EvalValue, b: &EvalValue) -> Option<Ordering> {
    use EvalValue as V;
    match (a, b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (V::String(x), V::String(y)) => match (a.as_span(), b.as_span()) {
            (Some((s1, e1, _)), Some((s2, e2, _))) => Some(s1.cmp(&s2).then(e1.cmp(&e2))),
            _ => Some(x.cmp(y)),
        },
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Date(x), V::Date(y)) => Some(x.cmp(y)),
        (V::Date(x), V::String(s)) => Some(x.cmp(&parse_date(s)?)),
        (V::String(s), V::Date(y)) => Some(parse_date(s)?.cmp(y)),
        (V::Time(x), V::Time(y)) => Some(x.cmp(y)),
        (V::Duration(x), V::Duration(y)) => x.fixed_seconds()?.partial_cmp(&y.fixed_seconds()?),
        _ if a.is_temporal() || b.is_temporal() => {
            let (s1, e1, _) = a.as_span()?;
            let (s2, e2, _) = b.as_span()?;
            Some(s1.cmp(&s2).then(e1.cmp(&e2)))
        }
        _ => None,
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

struct Evaluator<'a> {
    entity: &'a Value,
    now: DateTime<FixedOffset>,
}

impl Evaluator<'_> {
    fn eval(&self, expr: &Expr) -> EResult {
        match expr {
            Expr::Literal(l) => Ok(EvalValue::from_literal(l)),
            Expr::Path(p) => Ok(self.resolve(p)),
            Expr::Not(e) => match self.eval(e)? {
                EvalValue::Bool(b) => Ok(EvalValue::Bool(!b)),
                EvalValue::Null => Ok(EvalValue::Null),
                other => Err(mismatch1("not", &other)),
            },
            Expr::Negate(e) => negate(self.eval(e)?),
            Expr::Binary { op: BinaryOp::And, left, right } => self.logic(true, left, right),
            Expr::Binary { op: BinaryOp::Or, left, right } => self.logic(false, left, right),
            Expr::Binary { op, left, right } => {
                let (a, b) = (self.eval(left)?, self.eval(right)?);
                match op {
                    BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Lt | BinaryOp::Le => {
                        compare(*op, &a, &b)
                    }
                    _ => arithmetic(*op, a, b),
                }
            }
            Expr::Call { function, args } => {
                let values = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
                self.call(*function, values)
            }
        }
    }

    fn resolve(&self, path: &PropertyPath) -> EvalValue {
        let mut cur = self.entity;
        for seg in &path.0 {
            let next = match seg {
                PathSegment::Property(name) => cur.as_object().and_then(|o| {
                    o.get(name).or_else(|| match name.as_str() {
                        "id" => o.get("@iot.id"),
                        "@iot.id" => o.get("id"),
                        _ => None,
                    })
                }),
                PathSegment::Index(i) => cur.as_array().and_then(|a| a.get(*i)),
            };
            match next {
                Some(v) => cur = v,
                None => return EvalValue::Null,
            }
        }
        EvalValue::from_json(cur)
    }

    /// Three-valued `and` (`is_and`) / `or`.
    fn logic(&self, is_and: bool, left: &Expr, right: &Expr) -> EResult {
        let op = if is_and { "and" } else { "or" };
        let truth = |v: EvalValue| match v {
            EvalValue::Bool(b) => Ok(Some(b)),
            EvalValue::Null => Ok(None),
            other => Err(mismatch1(op, &other)),
        };
        let a = truth(self.eval(left)?)?;
        // The deciding value short-circuits: false for and, true for or.
        if a == Some(!is_and) {
            return Ok(EvalValue::Bool(!is_and));
        }
        let b = truth(self.eval(right)?)?;
        Ok(match (a, b) {
            (_, Some(x)) if x != is_and => EvalValue::Bool(x),
            (Some(_), Some(x)) => EvalValue::Bool(x),
            _ => EvalValue::Null,
        })
    }

    fn call(&self, f: Function, args: Vec<EvalValue>) -> EResult {
        use EvalValue as V;
        use Function as F;
        let name = f.name();
        // Every function of a null argument is null (the zero-argument ones have none).
        if args.contains(&V::Null) {
            return Ok(V::Null);
        }
        let arg = |i: usize| args.get(i).cloned().unwrap_or(V::Null);
        let string = |i: usize| match arg(i) {
            V::String(s) => Ok(s),
            other => Err(mismatch1(name, &other)),
        };
        let int = |i: usize| match arg(i) {
            V::Int(n) => Ok(n),
            V::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(x as i64),
            other => Err(mismatch1(name, &other)),
        };
        let geometry = |i: usize| -> Result<Geometry, EvalError> {
            match arg(i) {
                V::Geometry(g) => Ok(g),
                V::Json(j) => from_geojson(&j).ok_or_else(|| mismatch1(name, &V::Json(j))),
                V::String(s) => parse_wkt(&s).map_err(|_| mismatch1(name, &V::String(s.clone()))),
                other => Err(mismatch1(name, &other)),
            }
        };
        let datetime = |i: usize| {
            let v = arg(i);
            v.as_datetime().ok_or_else(|| mismatch1(name, &v))
        };
        Ok(match f {
            F::SubstringOf => V::Bool(string(1)?.contains(&string(0)?)),
            F::StartsWith => V::Bool(string(0)?.starts_with(&string(1)?)),
            F::EndsWith => V::Bool(string(0)?.ends_with(&string(1)?)),
            F::Length => V::Int(i64::try_from(string(0)?.chars().count()).map_err(|_| EvalError::Overflow)?),
            F::IndexOf => {
                let (s, needle) = (string(0)?, string(1)?);
                match s.find(&needle) {
                    Some(byte) => V::Int(i64::try_from(s[..byte].chars().count()).map_err(|_| EvalError::Overflow)?),
                    None => V::Int(-1),
                }
            }
            F::Substring => {
                let s = string(0)?;
                let start = usize::try_from(int(1)?.max(0)).unwrap_or(usize::MAX);
                let rest = s.chars().skip(start);
                V::String(if args.len() > 2 {
                    let len = usize::try_from(int(2)?.max(0)).unwrap_or(usize::MAX);
                    rest.take(len).collect()
                } else {
                    rest.collect()
                })
            }
            F::ToLower => V::String(string(0)?.to_lowercase()),
            F::ToUpper => V::String(string(0)?.to_uppercase()),
            F::Trim => V::String(string(0)?.trim().to_owned()),
            F::Concat => V::String(string(0)? + &string(1)?),
            F::Year | F::Month | F::Day => {
                let date = match arg(0) {
                    V::Date(d) => d,
                    _ => datetime(0)?.date_naive(),
                };
                V::Int(i64::from(match f {
                    F::Year => date.year(),
                    F::Month => date.month() as i32,
                    _ => date.day() as i32,
                }))
            }
            F::Hour | F::Minute | F::Second | F::FractionalSeconds => {
                let time = match arg(0) {
                    V::Time(t) => t,
                    _ => datetime(0)?.time(),
                };
                match f {
                    F::Hour => V::Int(i64::from(time.hour())),
                    F::Minute => V::Int(i64::from(time.minute())),
                    F::Second => V::Int(i64::from(time.second())),
                    _ => V::Float(f64::from(time.nanosecond() % 1_000_000_000) / 1e9),
                }
            }
            F::Date => V::Date(datetime(0)?.date_naive()),
            F::Time => V::Time(datetime(0)?.time()),
            F::TotalOffsetMinutes => V::Int(i64::from(datetime(0)?.offset().local_minus_utc() / 60)),
            F::Now => V::DateTime(self.now),
            F::MinDateTime => V::DateTime(DateTime::<Utc>::MIN_UTC.fixed_offset()),
            F::MaxDateTime => V::DateTime(DateTime::<Utc>::MAX_UTC.fixed_offset()),
            F::Round | F::Floor | F::Ceiling => match arg(0) {
                V::Int(n) => V::Int(n),
                V::Float(x) => V::Float(match f {
                    F::Round => x.round(),
                    F::Floor => x.floor(),
                    _ => x.ceil(),
                }),
                other => return Err(mismatch1(name, &other)),
            },
            F::GeoDistance | F::StDistance => V::Float(geometry(0)?.distance(&geometry(1)?)),
            F::GeoLength => V::Float(geometry(0)?.length()),
            F::GeoIntersects | F::StIntersects => V::Bool(geometry(0)?.intersects(&geometry(1)?)),
            F::StDisjoint => V::Bool(!geometry(0)?.intersects(&geometry(1)?)),
            F::StWithin => V::Bool(geometry(0)?.within(&geometry(1)?)),
            F::StContains => V::Bool(geometry(0)?.contains(&geometry(1)?)),
            F::StEquals => V::Bool(geometry(0)? == geometry(1)?),
            F::StTouches | F::StOverlaps | F::StCrosses | F::StRelate => return Err(EvalError::Unsupported(name)),
        })
    }
}

fn compare(op: BinaryOp, a: &EvalValue, b: &EvalValue) -> EResult {
    use EvalValue as V;
    let name = op.as_str();
    if *a == V::Null || *b == V::Null {
        let both = *a == V::Null && *b == V::Null;
        return Ok(match op {
            BinaryOp::Eq => V::Bool(both),
            BinaryOp::Ne => V::Bool(!both),
            _ => V::Null,
        });
    }
    // Instants and intervals: an interval is before a time it ends at or before (its end is excluded). Two
    // strings that both hold ISO 8601 times (e.g. resultTime and phenomenonTime) compare as times too.
    let both_time_strings =
        matches!((a, b), (V::String(_), V::String(_))) && a.as_span().is_some() && b.as_span().is_some();
    if a.is_temporal() || b.is_temporal() || both_time_strings {
        let (Some(x), Some(y)) = (a.as_span(), b.as_span()) else { return Err(mismatch(name, a, b)) };
        let before = |p: (DateTime<FixedOffset>, DateTime<FixedOffset>, bool),
                      q: (DateTime<FixedOffset>, DateTime<FixedOffset>, bool)| {
            if p.2 && q.2 { p.0 < q.0 } else { p.1 < q.0 || (p.1 == q.0 && !p.2) }
        };
        let eq = x.0 == y.0 && x.1 == y.1;
        return Ok(V::Bool(match op {
            BinaryOp::Eq => eq,
            BinaryOp::Ne => !eq,
            BinaryOp::Lt => before(x, y),
            BinaryOp::Gt => before(y, x),
            BinaryOp::Le => before(x, y) || eq,
            _ => before(y, x) || eq,
        }));
    }
    let ord = match (a, b) {
        (V::Geometry(_), V::Geometry(_)) | (V::Json(_), V::Json(_)) => {
            return match op {
                BinaryOp::Eq => Ok(V::Bool(a == b)),
                BinaryOp::Ne => Ok(V::Bool(a != b)),
                _ => Err(mismatch(name, a, b)),
            };
        }
        _ => order(a, b).ok_or_else(|| mismatch(name, a, b))?,
    };
    Ok(V::Bool(match op {
        BinaryOp::Eq => ord == Ordering::Equal,
        BinaryOp::Ne => ord != Ordering::Equal,
        BinaryOp::Gt => ord == Ordering::Greater,
        BinaryOp::Ge => ord != Ordering::Less,
        BinaryOp::Lt => ord == Ordering::Less,
        _ => ord != Ordering::Greater,
    }))
}

fn finite(x: f64) -> EResult {
    if x.is_finite() { Ok(EvalValue::Float(x)) } else { Err(EvalError::Overflow) }
}

fn negate(v: EvalValue) -> EResult {
    match v {
        EvalValue::Null => Ok(EvalValue::Null),
        EvalValue::Int(n) => Ok(n.checked_neg().map_or(EvalValue::Float(-(n as f64)), EvalValue::Int)),
        EvalValue::Float(x) => Ok(EvalValue::Float(-x)),
        EvalValue::Duration(d) => Ok(EvalValue::Duration(d.negated())),
        other => Err(mismatch1("-", &other)),
    }
}

fn arithmetic(op: BinaryOp, a: EvalValue, b: EvalValue) -> EResult {
    use EvalValue as V;
    let name = op.as_str();
    if a == V::Null || b == V::Null {
        return Ok(V::Null);
    }
    match (&a, &b) {
        (V::Int(x), V::Int(y)) => {
            let (x, y) = (*x, *y);
            let exact = match op {
                BinaryOp::Add => x.checked_add(y),
                BinaryOp::Sub => x.checked_sub(y),
                BinaryOp::Mul => x.checked_mul(y),
                BinaryOp::Div | BinaryOp::Mod if y == 0 => return Err(EvalError::DivisionByZero),
                BinaryOp::Div => x.checked_div(y),
                _ => x.checked_rem(y),
            };
            match exact {
                Some(n) => Ok(V::Int(n)),
                None => float_arith(op, x as f64, y as f64),
            }
        }
        (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => {
            let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else { return Err(mismatch(name, &a, &b)) };
            float_arith(op, x, y)
        }
        (V::Duration(x), V::Duration(y)) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
            let (Some(x), Some(y)) = (x.fixed_seconds(), y.fixed_seconds()) else {
                return Err(mismatch(name, &a, &b));
            };
            Ok(V::Duration(IsoDuration::from_seconds(if op == BinaryOp::Add { x + y } else { x - y })))
        }
        (V::Date(d), V::Duration(p)) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
            let p = if op == BinaryOp::Sub { p.negated() } else { *p };
            let t = d.and_time(NaiveTime::MIN).and_utc().fixed_offset();
            p.add_to(t).map(|t| V::Date(t.date_naive())).ok_or(EvalError::Overflow)
        }
        (_, V::Duration(p)) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
            let t = a.as_datetime().ok_or_else(|| mismatch(name, &a, &b))?;
            let p = if op == BinaryOp::Sub { p.negated() } else { *p };
            p.add_to(t).map(V::DateTime).ok_or(EvalError::Overflow)
        }
        (V::Duration(p), _) if op == BinaryOp::Add => {
            let t = b.as_datetime().ok_or_else(|| mismatch(name, &a, &b))?;
            p.add_to(t).map(V::DateTime).ok_or(EvalError::Overflow)
        }
        _ if op == BinaryOp::Sub && (a.is_temporal() || b.is_temporal()) => {
            let (Some(x), Some(y)) = (a.as_datetime(), b.as_datetime()) else { return Err(mismatch(name, &a, &b)) };
            let nanos = (x - y).num_nanoseconds().ok_or(EvalError::Overflow)?;
            Ok(V::Duration(IsoDuration::from_seconds(nanos as f64 / 1e9)))
        }
        _ => Err(mismatch(name, &a, &b)),
    }
}

fn float_arith(op: BinaryOp, x: f64, y: f64) -> EResult {
    match op {
        BinaryOp::Add => finite(x + y),
        BinaryOp::Sub => finite(x - y),
        BinaryOp::Mul => finite(x * y),
        BinaryOp::Div | BinaryOp::Mod if y == 0.0 => Err(EvalError::DivisionByZero),
        BinaryOp::Div => finite(x / y),
        _ => finite(x % y),
    }
}

#[cfg(test)]
mod tests {
    use super::super::filter::{parse_expression, parse_orderby};
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).single().unwrap()
    }

    fn observation() -> Value {
        json!({
            "@iot.id": 42,
            "phenomenonTime": "2026-11-27T09:00:00+07:00",
            "resultTime": "2026-11-27T02:00:00Z",
            "validTime": "2026-11-27T00:00:00+07:00/2026-11-28T00:00:00+07:00",
            "result": 55.7,
            "parameters": {"quality": "ok", "flags": [1, 2, 3]},
            "Datastream": {
                "@iot.id": 7,
                "name": "PM2.5 Hùng Vương",
                "unitOfMeasurement": {"symbol": "µg/m³"},
                "ObservedProperty": {"name": "PM2.5"},
                "Thing": {
                    "name": "Trạm 83 Hùng Vương",
                    "properties": {"threshold": 50, "station_code": "KK-TTH01"},
                    "Locations": [{"location": {"type": "Point", "coordinates": [107.595, 16.4612]}}]
                }
            },
            "FeatureOfInterest": {"feature": {"type": "Point", "coordinates": [107.595, 16.4612]}}
        })
    }

    fn check(src: &str) -> EvalValue {
        let e = parse_expression(src).unwrap_or_else(|e| panic!("{src}: {}", e.en));
        evaluate(&e, &observation(), now()).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    #[test]
    fn filters_that_match() {
        let table = [
            "result gt 50",
            "result ge 55.7 and result le 55.7",
            "id eq 42",
            "@iot.id eq 42",
            "Datastream/ObservedProperty/name eq 'PM2.5'",
            "Datastream/id eq 7",
            "result gt Datastream/Thing/properties/threshold",
            "Datastream/Thing/Locations[0]/location/type eq 'Point'",
            "parameters/flags[2] eq 3",
            "substringof('Hùng', Datastream/name)",
            "startswith(Datastream/Thing/properties/station_code, 'KK-')",
            "endswith(Datastream/name, 'Vương')",
            "length(Datastream/ObservedProperty/name) eq 5",
            "indexof(Datastream/name, 'Hùng') eq 6",
            "substring(Datastream/name, 6) eq 'Hùng Vương'",
            "substring(Datastream/name, 6, 4) eq 'Hùng'",
            "tolower(Datastream/ObservedProperty/name) eq 'pm2.5'",
            "toupper('huế') eq 'HUẾ'",
            "trim('  a ') eq 'a'",
            "concat(concat(Datastream/ObservedProperty/name, ' '), Datastream/unitOfMeasurement/symbol) eq 'PM2.5 µg/m³'",
            "phenomenonTime eq 2026-11-27T02:00:00Z",
            "phenomenonTime lt now()",
            "phenomenonTime gt now() sub PT2H",
            "resultTime ge phenomenonTime",
            "year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 11 and day(phenomenonTime) eq 27",
            "hour(phenomenonTime) eq 9 and minute(phenomenonTime) eq 0 and second(phenomenonTime) eq 0",
            "totaloffsetminutes(phenomenonTime) eq 420",
            "date(phenomenonTime) eq 2026-11-27",
            "time(phenomenonTime) eq 09:00:00",
            "validTime gt 2026-11-26T16:00:00Z or validTime ge 2026-11-26T17:00:00Z",
            "validTime lt 2026-11-27T17:00:00Z",
            "now() sub phenomenonTime le duration'PT1H'",
            "now() sub phenomenonTime gt duration'PT59M'",
            "round(result) eq 56 and floor(result) eq 55 and ceiling(result) eq 56",
            "result mul 2 eq 111.4",
            "7 div 2 eq 3 and 7 mod 2 eq 1 and 7.0 div 2 eq 3.5",
            "-result lt 0",
            "not (result lt 50)",
            "not result lt 50",
            "missing eq null",
            "Datastream/missing/deeper eq null",
            "result ne null",
            "st_within(FeatureOfInterest/feature, geography'POLYGON((107.5 16.4, 107.7 16.4, 107.7 16.5, 107.5 16.5, 107.5 16.4))')",
            "st_intersects(Datastream/Thing/Locations[0]/location, geography'POLYGON((107.5 16.4, 107.7 16.4, 107.7 16.5, 107.5 16.5, 107.5 16.4))')",
            "geo.distance(FeatureOfInterest/feature, geography'POINT(107.595 16.4712)') lt 0.0101",
            "st_disjoint(FeatureOfInterest/feature, geography'POINT(0 0)')",
            "st_equals(FeatureOfInterest/feature, geography'POINT(107.595 16.4612)')",
            "true or missing gt 1",
        ];
        for src in table {
            assert_eq!(check(src), EvalValue::Bool(true), "{src}");
            assert!(matches(&parse_expression(src).unwrap(), &observation(), now()), "{src}");
        }
    }

    #[test]
    fn null_and_errors_do_not_match() {
        let table: [(&str, Result<EvalValue, EvalError>); 10] = [
            ("missing gt 1", Ok(EvalValue::Null)),
            ("missing gt 1 and true", Ok(EvalValue::Null)),
            ("missing gt 1 and false", Ok(EvalValue::Bool(false))),
            ("not (missing gt 1)", Ok(EvalValue::Null)),
            ("length(missing)", Ok(EvalValue::Null)),
            (
                "Datastream/name gt 3",
                Err(EvalError::TypeMismatch { operation: "gt", left: "string", right: "integer" }),
            ),
            ("result div 0", Err(EvalError::DivisionByZero)),
            ("1 mod 0", Err(EvalError::DivisionByZero)),
            ("st_touches(FeatureOfInterest/feature, geography'POINT(0 0)')", Err(EvalError::Unsupported("st_touches"))),
            ("result and true", Err(EvalError::TypeMismatch { operation: "and", left: "number", right: "-" })),
        ];
        for (src, expected) in table {
            let e = parse_expression(src).unwrap();
            assert_eq!(evaluate(&e, &observation(), now()), expected, "{src}");
            assert!(!matches(&e, &observation(), now()), "{src}");
        }
    }

    #[test]
    fn integer_overflow_falls_back_to_floats() {
        let v = check("9223372036854775807 add 1");
        assert_eq!(v, EvalValue::Float(9_223_372_036_854_775_808.0));
        assert_eq!(check("-(-9223372036854775807 sub 1)"), EvalValue::Float(9_223_372_036_854_775_808.0));
    }

    #[test]
    fn in_memory_orderby() {
        let mut rows = vec![
            json!({"name": "b", "result": 2}),
            json!({"name": "a", "result": null}),
            json!({"name": "c", "result": 1.5}),
            json!({"name": "d", "result": 2}),
        ];
        let names =
            |rows: &[Value]| rows.iter().map(|r| r["name"].as_str().unwrap_or("").to_owned()).collect::<Vec<_>>();
        sort_by_orderby(&mut rows, &parse_orderby("result").unwrap(), now());
        assert_eq!(names(&rows), ["c", "b", "d", "a"]);
        sort_by_orderby(&mut rows, &parse_orderby("result desc, name desc").unwrap(), now());
        assert_eq!(names(&rows), ["a", "d", "b", "c"]);
    }
}
