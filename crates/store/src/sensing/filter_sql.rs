//! Translates a parsed SensorThings `$filter` / `$orderby` (the AST of `domain::sensing::sensorthings::filter`) into
//! SQL with bound parameters. Values never enter the SQL text: every literal becomes a `$N` parameter, and the only
//! names written into SQL come from the static entity model ([`super::model`]).
//!
//! What SQL cannot say portably (geospatial functions, `round`/`floor`/`ceiling`, arithmetic on times, paths through
//! to-many relations) is reported as [`Untranslatable`]; the caller then evaluates that conjunct in memory with the
//! domain evaluator over a bounded candidate set, or refuses the request.
//!
//! Semantics follow the domain evaluator where SQL allows: `eq null` is `IS NULL`; a comparison between different
//! types is left to the evaluator; date functions read instants in UTC; division by zero gives null.

use chrono::{DateTime, Utc};
use serde_json::Value;
use smartcity_domain::sensing::sensorthings::{
    BinaryOp, EvalValue, Expr, Function, OrderBy, PathSegment, PropertyPath, evaluate,
};

use super::model::{EntitySet, FieldKind, NavKind};
use crate::Backend;

/// A value bound to a dynamically built statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
}

/// Why an expression could not become SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct Untranslatable(pub &'static str);

type TResult<T> = Result<T, Untranslatable>;

/// Accumulates parameters while a statement is built, so their numbers are global to the statement.
pub struct SqlBuilder {
    pub backend: Backend,
    pub params: Vec<Param>,
    pub now: DateTime<Utc>,
    aliases: usize,
}

/// One step through a to-one relation: the value is read in a scalar subquery.
#[derive(Debug, Clone)]
struct Hop {
    table: &'static str,
    alias: String,
    parent_alias: String,
    column: &'static str,
}

#[derive(Debug, Clone)]
enum Leaf {
    Id(String),
    Text(String),
    Time(String),
    Json { column: String, path: Vec<PathSegment> },
    Result(String),
}

#[derive(Debug, Clone)]
struct PathValue {
    hops: Vec<Hop>,
    leaf: Leaf,
}

/// A translated value expression and its SQL type.
#[derive(Debug, Clone)]
enum Typed {
    Null,
    Num {
        sql: String,
        int: bool,
    },
    Text(String),
    /// Integer microseconds since the epoch.
    Time(String),
    Bool(String),
    Path(PathValue),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Num,
    Text,
    Time,
    Bool,
}

/// Microseconds since the epoch, the storage form of instants.
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

impl SqlBuilder {
    /// A builder for one statement; `now` is what `now()` means in it.
    pub fn new(backend: Backend, now: DateTime<Utc>) -> Self {
        SqlBuilder { backend, params: Vec::new(), now, aliases: 0 }
    }

    /// Binds `p` and returns its placeholder.
    pub fn push(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("n{}", self.aliases)
    }

    fn pg(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Translates a whole `$filter` for `set` (rows aliased `alias`): the conjuncts SQL can hold, joined with
    /// `AND`, and the conjuncts left for the in-memory evaluator.
    pub fn filter(&mut self, set: EntitySet, alias: &str, expr: &Expr) -> (Vec<String>, Vec<Expr>) {
        let mut conjuncts = Vec::new();
        split_and(expr, &mut conjuncts);
        let mut sql = Vec::new();
        let mut rest = Vec::new();
        for c in conjuncts {
            let mark = self.params.len();
            match self.boolean(set, alias, c) {
                Ok(s) => sql.push(s),
                Err(_) => {
                    self.params.truncate(mark);
                    rest.push(c.clone());
                }
            }
        }
        (sql, rest)
    }

    /// Translates a `$orderby` list into `ORDER BY` items (without the keyword).
    pub fn orderby(&mut self, set: EntitySet, alias: &str, orderby: &[OrderBy]) -> TResult<Vec<String>> {
        let mut items = Vec::new();
        for o in orderby {
            let dir = if o.descending { "DESC NULLS FIRST" } else { "ASC NULLS LAST" };
            let sql = match self.value(set, alias, &o.expr)? {
                Typed::Null => continue,
                Typed::Num { sql, .. } | Typed::Text(sql) | Typed::Time(sql) | Typed::Bool(sql) => sql,
                Typed::Path(p) => {
                    let natural = match &p.leaf {
                        Leaf::Id(_) | Leaf::Result(_) => Want::Num,
                        Leaf::Text(_) => Want::Text,
                        Leaf::Time(_) => Want::Time,
                        Leaf::Json { .. } => return self.json_order(p).map(|s| vec![format!("{s} {dir}")]),
                    };
                    self.render_path(&p, natural)?
                }
            };
            items.push(format!("{sql} {dir}"));
        }
        Ok(items)
    }

    fn json_order(&mut self, p: PathValue) -> TResult<String> {
        // Order numbers as numbers, then text: two keys would change the caller's list, so pick numbers.
        self.render_path(&p, Want::Num)
    }

    fn boolean(&mut self, set: EntitySet, alias: &str, expr: &Expr) -> TResult<String> {
        match self.value(set, alias, expr)? {
            Typed::Bool(s) => Ok(s),
            Typed::Path(p) => self.render_path(&p, Want::Bool),
            Typed::Null => Ok("NULL".into()),
            _ => Err(Untranslatable("not a condition")),
        }
    }

    fn value(&mut self, set: EntitySet, alias: &str, expr: &Expr) -> TResult<Typed> {
        if !has_path(expr) {
            return self.constant(expr);
        }
        match expr {
            Expr::Literal(_) => self.constant(expr),
            Expr::Path(path) => self.path(set, alias, path).map(Typed::Path),
            Expr::Not(inner) => Ok(Typed::Bool(format!("(NOT {})", self.boolean(set, alias, inner)?))),
            Expr::Negate(inner) => {
                let (sql, int) = self.numeric(set, alias, inner)?;
                Ok(Typed::Num { sql: format!("(-{sql})"), int })
            }
            Expr::Binary { op, left, right } => self.binary(set, alias, *op, left, right),
            Expr::Call { function, args } => self.call(set, alias, *function, args),
        }
    }

    fn constant(&mut self, expr: &Expr) -> TResult<Typed> {
        let v = evaluate(expr, &Value::Null, self.now).map_err(|_| Untranslatable("constant cannot be evaluated"))?;
        Ok(match v {
            EvalValue::Null => Typed::Null,
            EvalValue::Bool(b) => Typed::Bool(if b { "(1=1)".into() } else { "(1=0)".into() }),
            EvalValue::Int(i) => Typed::Num { sql: self.push(Param::Int(Some(i))), int: true },
            EvalValue::Float(f) => Typed::Num { sql: self.push(Param::Float(Some(f))), int: false },
            EvalValue::String(s) => match smartcity_domain::sensing::sensorthings::temporal::parse_datetime(&s) {
                // A string holding an instant compares as a time, as the evaluator does.
                Some(t) => Typed::Time(self.push(Param::Int(Some(to_micros(t.with_timezone(&Utc)))))),
                None => Typed::Text(self.push(Param::Text(Some(s)))),
            },
            EvalValue::DateTime(t) => Typed::Time(self.push(Param::Int(Some(to_micros(t.with_timezone(&Utc)))))),
            _ => return Err(Untranslatable("constant of a type SQL does not hold")),
        })
    }

    fn path(&mut self, set: EntitySet, alias: &str, path: &PropertyPath) -> TResult<PathValue> {
        let mut hops = Vec::new();
        let mut set = set;
        let mut alias = alias.to_owned();
        let segs = &path.0;
        let mut i = 0;
        loop {
            let Some(PathSegment::Property(name)) = segs.get(i) else {
                return Err(Untranslatable("path does not start with a property"));
            };
            let rest = &segs[i + 1..];
            if name == "id" || name == "@iot.id" {
                if !rest.is_empty() {
                    return Err(Untranslatable("id has no members"));
                }
                return Ok(PathValue { hops, leaf: Leaf::Id(format!("{alias}.id")) });
            }
            if let Some(nav) = set.navigation(name) {
                let NavKind::ToOne { column } = nav.kind else {
                    return Err(Untranslatable("path through a to-many relation"));
                };
                let next = self.alias();
                hops.push(Hop { table: nav.to.table(), alias: next.clone(), parent_alias: alias, column });
                alias = next;
                set = nav.to;
                i += 1;
                continue;
            }
            let Some(field) = set.field(name) else {
                return Err(Untranslatable("unknown property"));
            };
            let column = format!("{alias}.{}", field.column);
            let leaf = match (field.kind, rest.is_empty()) {
                (FieldKind::Text, true) => Leaf::Text(column),
                (FieldKind::Time { .. } | FieldKind::PhenomenonTime, true) => Leaf::Time(column),
                (FieldKind::Result, true) => Leaf::Result(alias.clone()),
                (FieldKind::Json { .. }, false) => Leaf::Json { column, path: rest.to_vec() },
                _ => return Err(Untranslatable("property SQL cannot compare")),
            };
            return Ok(PathValue { hops, leaf });
        }
    }

    fn wrap(hops: &[Hop], mut sql: String) -> String {
        for h in hops.iter().rev() {
            sql = format!(
                "(SELECT {sql} FROM {} {} WHERE {}.id = {}.{})",
                h.table, h.alias, h.alias, h.parent_alias, h.column
            );
        }
        sql
    }

    fn json_path_param(&mut self, path: &[PathSegment]) -> String {
        if self.pg() {
            let parts: Vec<String> = path
                .iter()
                .map(|s| match s {
                    PathSegment::Property(p) => format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\"")),
                    PathSegment::Index(i) => i.to_string(),
                })
                .collect();
            let p = self.push(Param::Text(Some(format!("{{{}}}", parts.join(",")))));
            format!("CAST({p} AS TEXT[])")
        } else {
            let mut s = String::from("$");
            for seg in path {
                match seg {
                    PathSegment::Property(p) => {
                        s.push_str(".\"");
                        s.push_str(&p.replace('"', "\\\""));
                        s.push('"');
                    }
                    PathSegment::Index(i) => s.push_str(&format!("[{i}]")),
                }
            }
            self.push(Param::Text(Some(s)))
        }
    }

    fn render_path(&mut self, p: &PathValue, want: Want) -> TResult<String> {
        let (t, f) = if self.pg() { ("TRUE", "FALSE") } else { ("1", "0") };
        let inner = match (&p.leaf, want) {
            (Leaf::Id(c), Want::Num) | (Leaf::Text(c), Want::Text) | (Leaf::Time(c), Want::Time) => c.clone(),
            (Leaf::Result(a), Want::Num) => format!("{a}.result_number"),
            (Leaf::Result(a), Want::Text) => format!("{a}.result_text"),
            (Leaf::Result(a), Want::Bool) => {
                format!("(CASE {a}.result_json WHEN 'true' THEN {t} WHEN 'false' THEN {f} END)")
            }
            (Leaf::Json { column, path }, want) => {
                let jp = self.json_path_param(path);
                match (self.pg(), want) {
                    (true, Want::Num) => format!(
                        "(CASE WHEN jsonb_typeof(CAST({column} AS JSONB) #> {jp}) = 'number' \
                         THEN CAST(CAST({column} AS JSONB) #>> {jp} AS DOUBLE PRECISION) END)"
                    ),
                    (true, Want::Text) => format!(
                        "(CASE WHEN jsonb_typeof(CAST({column} AS JSONB) #> {jp}) = 'string' \
                         THEN CAST({column} AS JSONB) #>> {jp} END)"
                    ),
                    (true, Want::Bool) => format!(
                        "(CASE WHEN jsonb_typeof(CAST({column} AS JSONB) #> {jp}) = 'boolean' \
                         THEN CAST(CAST({column} AS JSONB) #>> {jp} AS BOOLEAN) END)"
                    ),
                    (false, Want::Num) => format!(
                        "(CASE WHEN json_type({column}, {jp}) IN ('integer', 'real') THEN json_extract({column}, {jp}) END)"
                    ),
                    (false, Want::Text) => {
                        format!("(CASE WHEN json_type({column}, {jp}) = 'text' THEN json_extract({column}, {jp}) END)")
                    }
                    (false, Want::Bool) => {
                        format!("(CASE json_type({column}, {jp}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)")
                    }
                    (_, Want::Time) => return Err(Untranslatable("JSON member compared as a time")),
                }
            }
            _ => return Err(Untranslatable("types do not match")),
        };
        Ok(Self::wrap(&p.hops, inner))
    }

    /// Whether a path's value is null (for `eq null`), whatever its type.
    fn render_null_test(&mut self, p: &PathValue, negate: bool) -> String {
        let inner = match &p.leaf {
            Leaf::Id(c) | Leaf::Text(c) | Leaf::Time(c) => format!("{c} IS NULL"),
            Leaf::Result(a) => {
                format!("({a}.result_number IS NULL AND {a}.result_text IS NULL AND {a}.result_json IS NULL)")
            }
            Leaf::Json { column, path } => {
                let jp = self.json_path_param(path);
                if self.pg() {
                    format!("COALESCE(jsonb_typeof(CAST({column} AS JSONB) #> {jp}), 'null') = 'null'")
                } else {
                    format!("COALESCE(json_type({column}, {jp}), 'null') = 'null'")
                }
            }
        };
        let sql = if p.hops.is_empty() {
            format!("({inner})")
        } else {
            // A missing related entity is null too.
            let (t, f) = if self.pg() { ("TRUE", "FALSE") } else { ("1", "0") };
            format!("COALESCE({}, {t})", Self::wrap(&p.hops, format!("CASE WHEN {inner} THEN {t} ELSE {f} END")))
        };
        if negate { format!("(NOT {sql})") } else { sql }
    }

    fn render(&mut self, v: Typed, want: Want) -> TResult<(String, bool)> {
        match (v, want) {
            (Typed::Num { sql, int }, Want::Num) => Ok((sql, int)),
            (Typed::Text(s), Want::Text) | (Typed::Time(s), Want::Time) | (Typed::Bool(s), Want::Bool) => {
                Ok((s, false))
            }
            (Typed::Path(p), w) => {
                let int = matches!(p.leaf, Leaf::Id(_));
                Ok((self.render_path(&p, w)?, int))
            }
            _ => Err(Untranslatable("types do not match")),
        }
    }

    fn natural(v: &Typed) -> Option<Want> {
        match v {
            Typed::Num { .. } => Some(Want::Num),
            Typed::Text(_) => Some(Want::Text),
            Typed::Time(_) => Some(Want::Time),
            Typed::Bool(_) => Some(Want::Bool),
            Typed::Path(p) => match p.leaf {
                Leaf::Id(_) => Some(Want::Num),
                Leaf::Text(_) => Some(Want::Text),
                Leaf::Time(_) => Some(Want::Time),
                Leaf::Json { .. } | Leaf::Result(_) => None,
            },
            Typed::Null => None,
        }
    }

    fn numeric(&mut self, set: EntitySet, alias: &str, e: &Expr) -> TResult<(String, bool)> {
        let v = self.value(set, alias, e)?;
        self.render(v, Want::Num)
    }

    fn text(&mut self, set: EntitySet, alias: &str, e: &Expr) -> TResult<String> {
        let v = self.value(set, alias, e)?;
        self.render(v, Want::Text).map(|(s, _)| s)
    }

    fn binary(&mut self, set: EntitySet, alias: &str, op: BinaryOp, left: &Expr, right: &Expr) -> TResult<Typed> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let l = self.boolean(set, alias, left)?;
                let r = self.boolean(set, alias, right)?;
                let word = if op == BinaryOp::And { "AND" } else { "OR" };
                Ok(Typed::Bool(format!("({l} {word} {r})")))
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let (l, li) = self.numeric(set, alias, left)?;
                let (r, ri) = self.numeric(set, alias, right)?;
                let int = li && ri;
                let sql = match op {
                    BinaryOp::Add => format!("({l} + {r})"),
                    BinaryOp::Sub => format!("({l} - {r})"),
                    BinaryOp::Mul => format!("({l} * {r})"),
                    BinaryOp::Div => format!("({l} / NULLIF({r}, 0))"),
                    _ if int => format!("({l} % NULLIF({r}, 0))"),
                    _ => return Err(Untranslatable("mod of decimals")),
                };
                Ok(Typed::Num { sql, int })
            }
            _ => self.comparison(set, alias, op, left, right),
        }
    }

    fn comparison(&mut self, set: EntitySet, alias: &str, op: BinaryOp, left: &Expr, right: &Expr) -> TResult<Typed> {
        let l = self.value(set, alias, left)?;
        let r = self.value(set, alias, right)?;
        let sym = match op {
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "<>",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            _ => return Err(Untranslatable("not a comparison")),
        };
        // Comparisons with null: eq/ne test nullness, the others are null.
        match (&l, &r) {
            (Typed::Null, Typed::Null) => {
                return Ok(Typed::Bool(match op {
                    BinaryOp::Eq => "(1=1)".into(),
                    BinaryOp::Ne => "(1=0)".into(),
                    _ => "NULL".into(),
                }));
            }
            (Typed::Null, other) | (other, Typed::Null) => {
                return match (op, other) {
                    (BinaryOp::Eq | BinaryOp::Ne, Typed::Path(p)) => {
                        let p = p.clone();
                        Ok(Typed::Bool(self.render_null_test(&p, op == BinaryOp::Ne)))
                    }
                    (
                        BinaryOp::Eq | BinaryOp::Ne,
                        Typed::Num { sql, .. } | Typed::Text(sql) | Typed::Time(sql) | Typed::Bool(sql),
                    ) => Ok(Typed::Bool(format!("({sql} IS {}NULL)", if op == BinaryOp::Ne { "NOT " } else { "" }))),
                    _ => Ok(Typed::Bool("NULL".into())),
                };
            }
            _ => {}
        }
        let want = Self::natural(&l).or_else(|| Self::natural(&r)).ok_or(Untranslatable("no type to compare as"))?;
        let (ls, _) = self.render(l, want)?;
        let (rs, _) = self.render(r, want)?;
        Ok(Typed::Bool(format!("({ls} {sym} {rs})")))
    }

    fn call(&mut self, set: EntitySet, alias: &str, function: Function, args: &[Expr]) -> TResult<Typed> {
        let pg = self.pg();
        let arg = |i: usize| args.get(i).ok_or(Untranslatable("missing argument"));
        Ok(match function {
            Function::ToLower => Typed::Text(format!("LOWER({})", self.text(set, alias, arg(0)?)?)),
            Function::ToUpper => Typed::Text(format!("UPPER({})", self.text(set, alias, arg(0)?)?)),
            Function::Trim => Typed::Text(format!("TRIM({})", self.text(set, alias, arg(0)?)?)),
            Function::Length => Typed::Num { sql: format!("LENGTH({})", self.text(set, alias, arg(0)?)?), int: true },
            Function::Concat => {
                let a = self.text(set, alias, arg(0)?)?;
                let b = self.text(set, alias, arg(1)?)?;
                Typed::Text(format!("({a} || {b})"))
            }
            Function::StartsWith => {
                let s = self.text(set, alias, arg(0)?)?;
                let p = self.text(set, alias, arg(1)?)?;
                Typed::Bool(format!("(substr({s}, 1, LENGTH({p})) = {p})"))
            }
            Function::EndsWith => {
                let s = self.text(set, alias, arg(0)?)?;
                let p = self.text(set, alias, arg(1)?)?;
                Typed::Bool(format!(
                    "(LENGTH({s}) >= LENGTH({p}) AND substr({s}, LENGTH({s}) - LENGTH({p}) + 1) = {p})"
                ))
            }
            Function::SubstringOf => {
                let needle = self.text(set, alias, arg(0)?)?;
                let hay = self.text(set, alias, arg(1)?)?;
                let f = if pg { format!("strpos({hay}, {needle})") } else { format!("instr({hay}, {needle})") };
                Typed::Bool(format!("({f} > 0)"))
            }
            Function::IndexOf => {
                let s = self.text(set, alias, arg(0)?)?;
                let needle = self.text(set, alias, arg(1)?)?;
                let f = if pg { format!("strpos({s}, {needle})") } else { format!("instr({s}, {needle})") };
                Typed::Num { sql: format!("({f} - 1)"), int: true }
            }
            Function::Substring => {
                let s = self.text(set, alias, arg(0)?)?;
                let (start, _) = self.numeric(set, alias, arg(1)?)?;
                let start = format!("CAST(({start}) + 1 AS INTEGER)");
                match args.get(2) {
                    Some(len) => {
                        let (len, _) = self.numeric(set, alias, len)?;
                        Typed::Text(format!("substr({s}, {start}, CAST({len} AS INTEGER))"))
                    }
                    None => Typed::Text(format!("substr({s}, {start})")),
                }
            }
            Function::Year | Function::Month | Function::Day | Function::Hour | Function::Minute | Function::Second => {
                let v = self.value(set, alias, arg(0)?)?;
                let (t, _) = self.render(v, Want::Time)?;
                let (fmt, field) = match function {
                    Function::Year => ("%Y", "YEAR"),
                    Function::Month => ("%m", "MONTH"),
                    Function::Day => ("%d", "DAY"),
                    Function::Hour => ("%H", "HOUR"),
                    Function::Minute => ("%M", "MINUTE"),
                    _ => ("%S", "SECOND"),
                };
                let sql = if pg {
                    format!("CAST(EXTRACT({field} FROM (to_timestamp({t} / 1000000) AT TIME ZONE 'UTC')) AS BIGINT)")
                } else {
                    format!("CAST(strftime('{fmt}', {t} / 1000000, 'unixepoch') AS INTEGER)")
                };
                Typed::Num { sql, int: true }
            }
            _ => return Err(Untranslatable("function evaluated in memory")),
        })
    }
}

fn split_and<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Binary { op: BinaryOp::And, left, right } => {
            split_and(left, out);
            split_and(right, out);
        }
        other => out.push(other),
    }
}

/// Whether an expression reads the entity at all (otherwise it is folded to a constant).
fn has_path(e: &Expr) -> bool {
    match e {
        Expr::Literal(_) => false,
        Expr::Path(_) => true,
        Expr::Not(i) | Expr::Negate(i) => has_path(i),
        Expr::Binary { left, right, .. } => has_path(left) || has_path(right),
        Expr::Call { args, .. } => args.iter().any(has_path),
    }
}

/// Whether an expression only reads the entity's own properties (so the in-memory evaluator can run it on the
/// entity's JSON alone).
pub fn reads_own_properties_only(set: EntitySet, e: &Expr) -> bool {
    match e {
        Expr::Literal(_) => true,
        Expr::Path(p) => match p.0.first() {
            Some(PathSegment::Property(name)) => set.navigation(name).is_none(),
            _ => true,
        },
        Expr::Not(i) | Expr::Negate(i) => reads_own_properties_only(set, i),
        Expr::Binary { left, right, .. } => {
            reads_own_properties_only(set, left) && reads_own_properties_only(set, right)
        }
        Expr::Call { args, .. } => args.iter().all(|a| reads_own_properties_only(set, a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartcity_domain::sensing::sensorthings::parse_filter;

    fn sql(backend: Backend, set: EntitySet, f: &str) -> (Vec<String>, Vec<Expr>, Vec<Param>) {
        let mut b = SqlBuilder::new(backend, Utc::now());
        let (s, rest) = b.filter(set, "t", &parse_filter(f).unwrap());
        (s, rest, b.params)
    }

    #[test]
    fn values_are_bound_never_written_into_sql() {
        let (s, rest, params) =
            sql(Backend::Sqlite, EntitySet::Things, "name eq 'x'' OR 1=1 --' and properties/kind eq 'camera'");
        assert!(rest.is_empty());
        assert_eq!(s[0], "(t.name = $1)");
        assert!(!s.concat().contains("OR 1=1"));
        assert_eq!(params[0], Param::Text(Some("x' OR 1=1 --".into())));
        assert_eq!(params[1], Param::Text(Some("camera".into())));
        assert_eq!(params[2], Param::Text(Some("$.\"kind\"".into())));
    }

    #[test]
    fn paths_across_relations_become_subqueries() {
        let (s, rest, _) = sql(Backend::Postgres, EntitySet::Observations, "Datastream/Thing/name eq 'Kim Long'");
        assert!(rest.is_empty());
        assert_eq!(
            s[0],
            "((SELECT (SELECT n2.name FROM sta_things n2 WHERE n2.id = n1.thing_id) FROM sta_datastreams n1 WHERE n1.id = t.datastream_id) = $1)"
        );
    }

    #[test]
    fn what_sql_cannot_say_is_left_for_the_evaluator() {
        let (s, rest, params) = sql(
            Backend::Sqlite,
            EntitySet::Locations,
            "name eq 'a' and st_within(location, geography'POLYGON((0 0, 1 0, 1 1, 0 0))')",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(rest.len(), 1);
        assert_eq!(params.len(), 1, "parameters of the dropped conjunct are dropped too");
        assert!(reads_own_properties_only(EntitySet::Locations, &rest[0]));
        let (_, rest, _) = sql(Backend::Sqlite, EntitySet::Things, "Datastreams/name eq 'x'");
        assert!(!reads_own_properties_only(EntitySet::Things, &rest[0]));
    }

    #[test]
    fn times_and_results() {
        let (s, rest, params) = sql(
            Backend::Sqlite,
            EntitySet::Observations,
            "phenomenonTime ge 2026-11-27T00:00:00+07:00 and result gt 3.5 and result eq null",
        );
        assert!(rest.is_empty());
        assert_eq!(s[0], "(t.phenomenon_time >= $1)");
        assert_eq!(s[1], "(t.result_number > $2)");
        assert!(s[2].contains("result_json IS NULL"));
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-26T17:00:00Z").unwrap().timestamp_micros();
        assert_eq!(params[0], Param::Int(Some(t)));
    }
}
