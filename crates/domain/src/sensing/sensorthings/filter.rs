//! The `$filter` / `$orderby` expression language of SensorThings API 1.1 (OGC 18-088, §9.3.3.5, after OData 4):
//! the AST, a lexer and a precedence-climbing parser.
//!
//! Precedence, loosest first: `or`, `and`, `not`, `eq ne`, `gt ge lt le`, `add sub`, `mul div mod`, unary `-`,
//! then function calls, parentheses, literals and property paths. `not` applies to a whole comparison
//! (`not name eq 'x'` is `not (name eq 'x')`), as OData's `notExpr = "not" RWS boolCommonExpr` and FROST-Server
//! read it. Operator and function names are case-insensitive, as in FROST-Server.
//!
//! The parser never panics: nesting is capped at [`MAX_DEPTH`] and input at [`MAX_EXPRESSION_LEN`] bytes, and
//! every error carries the byte offset it was found at.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use super::geometry::{Geometry, parse_wkt};
use super::temporal::{
    DateTimeProblem, IsoDuration, format_datetime, parse_datetime, parse_duration, scan_date, scan_datetime,
    scan_duration, scan_time,
};

/// Deepest nesting of parentheses, operators and function calls accepted (real filters stay under 20).
pub const MAX_DEPTH: usize = 100;
/// Longest expression accepted, in bytes (a detailed city polygon fits easily).
pub const MAX_EXPRESSION_LEN: usize = 64 * 1024;

/// A constant in an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number, e.g. `42`, `-3`.
    Int(i64),
    /// A decimal number, e.g. `3.5`, `1e-3`.
    Float(f64),
    /// A string, `'it''s'` → `it's`.
    String(String),
    /// An instant with offset, e.g. `2026-11-27T10:00:00+07:00`.
    DateTime(DateTime<FixedOffset>),
    /// A calendar date, e.g. `2026-11-27`.
    Date(NaiveDate),
    /// A time of day, e.g. `10:30:00`.
    Time(NaiveTime),
    /// A period, `P1D` or `duration'PT1H'`.
    Duration(IsoDuration),
    /// An interval `start/end` (also written `start/period`).
    Interval {
        /// First instant.
        start: DateTime<FixedOffset>,
        /// End instant.
        end: DateTime<FixedOffset>,
    },
    /// A WKT geometry, `geography'POINT(107.59 16.46)'`.
    Geometry(Geometry),
}

/// One step of a [`PropertyPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A property or navigation property name, e.g. `Datastream`, `properties`, `@iot.id`.
    Property(String),
    /// An array index, `[0]`.
    Index(usize),
}

/// A property path across relations and into JSON, e.g. `Datastream/ObservedProperty/name`,
/// `Thing/properties/floors`, `result[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PropertyPath(pub Vec<PathSegment>);

impl fmt::Display for PropertyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                PathSegment::Property(p) => {
                    if i > 0 {
                        f.write_str("/")?;
                    }
                    f.write_str(p)?;
                }
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `eq`.
    Eq,
    /// `ne`.
    Ne,
    /// `gt`.
    Gt,
    /// `ge`.
    Ge,
    /// `lt`.
    Lt,
    /// `le`.
    Le,
    /// `and`.
    And,
    /// `or`.
    Or,
    /// `add`.
    Add,
    /// `sub`.
    Sub,
    /// `mul`.
    Mul,
    /// `div`.
    Div,
    /// `mod`.
    Mod,
}

impl BinaryOp {
    const ALL: [BinaryOp; 13] = [
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

    /// The operator as written: `eq`, `and`, `add`…
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Eq => "eq",
            BinaryOp::Ne => "ne",
            BinaryOp::Gt => "gt",
            BinaryOp::Ge => "ge",
            BinaryOp::Lt => "lt",
            BinaryOp::Le => "le",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Mod => "mod",
        }
    }

    fn from_word(w: &str) -> Option<BinaryOp> {
        BinaryOp::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(w))
    }

    /// Binding power: higher binds tighter.
    fn binding_power(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::Ne => 4,
            BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Lt | BinaryOp::Le => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 7,
        }
    }
}

/// Binding power of the operand of `not`: it takes comparisons but stops at `and` / `or`.
const NOT_OPERAND_BP: u8 = 3;
/// Binding power of the operand of unary `-`: tighter than every binary operator.
const NEGATE_OPERAND_BP: u8 = 8;

/// The built-in functions of STA 1.1 `$filter` (string, date, math and geospatial), plus `st_distance`, an alias of
/// `geo.distance` some clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `substringof(needle, haystack)`: haystack contains needle.
    SubstringOf,
    /// `endswith(s, suffix)`.
    EndsWith,
    /// `startswith(s, prefix)`.
    StartsWith,
    /// `length(s)`, in characters.
    Length,
    /// `indexof(s, needle)`: 0-based character index, −1 when absent.
    IndexOf,
    /// `substring(s, start)` or `substring(s, start, length)`, 0-based characters.
    Substring,
    /// `tolower(s)`.
    ToLower,
    /// `toupper(s)`.
    ToUpper,
    /// `trim(s)`.
    Trim,
    /// `concat(a, b)`.
    Concat,
    /// `year(t)`.
    Year,
    /// `month(t)`.
    Month,
    /// `day(t)`.
    Day,
    /// `hour(t)`.
    Hour,
    /// `minute(t)`.
    Minute,
    /// `second(t)`.
    Second,
    /// `fractionalseconds(t)`.
    FractionalSeconds,
    /// `date(t)`: the calendar date.
    Date,
    /// `time(t)`: the time of day.
    Time,
    /// `totaloffsetminutes(t)`.
    TotalOffsetMinutes,
    /// `now()`.
    Now,
    /// `mindatetime()`.
    MinDateTime,
    /// `maxdatetime()`.
    MaxDateTime,
    /// `round(x)`, half away from zero.
    Round,
    /// `floor(x)`.
    Floor,
    /// `ceiling(x)`.
    Ceiling,
    /// `geo.distance(a, b)`.
    GeoDistance,
    /// `geo.length(a)`.
    GeoLength,
    /// `geo.intersects(a, b)`.
    GeoIntersects,
    /// `st_equals(a, b)`.
    StEquals,
    /// `st_disjoint(a, b)`.
    StDisjoint,
    /// `st_touches(a, b)`.
    StTouches,
    /// `st_within(a, b)`: a lies within b.
    StWithin,
    /// `st_overlaps(a, b)`.
    StOverlaps,
    /// `st_crosses(a, b)`.
    StCrosses,
    /// `st_intersects(a, b)`.
    StIntersects,
    /// `st_contains(a, b)`: a contains b.
    StContains,
    /// `st_relate(a, b, 'DE-9IM pattern')`.
    StRelate,
    /// `st_distance(a, b)`: same as `geo.distance`.
    StDistance,
}

impl Function {
    const ALL: [Function; 39] = [
        Function::SubstringOf,
        Function::EndsWith,
        Function::StartsWith,
        Function::Length,
        Function::IndexOf,
        Function::Substring,
        Function::ToLower,
        Function::ToUpper,
        Function::Trim,
        Function::Concat,
        Function::Year,
        Function::Month,
        Function::Day,
        Function::Hour,
        Function::Minute,
        Function::Second,
        Function::FractionalSeconds,
        Function::Date,
        Function::Time,
        Function::TotalOffsetMinutes,
        Function::Now,
        Function::MinDateTime,
        Function::MaxDateTime,
        Function::Round,
        Function::Floor,
        Function::Ceiling,
        Function::GeoDistance,
        Function::GeoLength,
        Function::GeoIntersects,
        Function::StEquals,
        Function::StDisjoint,
        Function::StTouches,
        Function::StWithin,
        Function::StOverlaps,
        Function::StCrosses,
        Function::StIntersects,
        Function::StContains,
        Function::StRelate,
        Function::StDistance,
    ];

    /// The name as written in a filter.
    pub fn name(self) -> &'static str {
        match self {
            Function::SubstringOf => "substringof",
            Function::EndsWith => "endswith",
            Function::StartsWith => "startswith",
            Function::Length => "length",
            Function::IndexOf => "indexof",
            Function::Substring => "substring",
            Function::ToLower => "tolower",
            Function::ToUpper => "toupper",
            Function::Trim => "trim",
            Function::Concat => "concat",
            Function::Year => "year",
            Function::Month => "month",
            Function::Day => "day",
            Function::Hour => "hour",
            Function::Minute => "minute",
            Function::Second => "second",
            Function::FractionalSeconds => "fractionalseconds",
            Function::Date => "date",
            Function::Time => "time",
            Function::TotalOffsetMinutes => "totaloffsetminutes",
            Function::Now => "now",
            Function::MinDateTime => "mindatetime",
            Function::MaxDateTime => "maxdatetime",
            Function::Round => "round",
            Function::Floor => "floor",
            Function::Ceiling => "ceiling",
            Function::GeoDistance => "geo.distance",
            Function::GeoLength => "geo.length",
            Function::GeoIntersects => "geo.intersects",
            Function::StEquals => "st_equals",
            Function::StDisjoint => "st_disjoint",
            Function::StTouches => "st_touches",
            Function::StWithin => "st_within",
            Function::StOverlaps => "st_overlaps",
            Function::StCrosses => "st_crosses",
            Function::StIntersects => "st_intersects",
            Function::StContains => "st_contains",
            Function::StRelate => "st_relate",
            Function::StDistance => "st_distance",
        }
    }

    /// Looks a function up by name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The fewest and most arguments it takes.
    pub fn arity(self) -> (usize, usize) {
        use Function::*;
        match self {
            Now | MinDateTime | MaxDateTime => (0, 0),
            Length | ToLower | ToUpper | Trim | Year | Month | Day | Hour | Minute | Second | FractionalSeconds
            | Date | Time | TotalOffsetMinutes | Round | Floor | Ceiling | GeoLength => (1, 1),
            Substring => (2, 3),
            StRelate => (3, 3),
            SubstringOf | EndsWith | StartsWith | IndexOf | Concat | GeoDistance | GeoIntersects | StEquals
            | StDisjoint | StTouches | StWithin | StOverlaps | StCrosses | StIntersects | StContains | StDistance => {
                (2, 2)
            }
        }
    }
}

/// A parsed `$filter` or `$orderby` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Literal(Literal),
    /// A property of the entity (or of a related one).
    Path(PropertyPath),
    /// `not e`.
    Not(Box<Expr>),
    /// `-e`.
    Negate(Box<Expr>),
    /// `left op right`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// A function call.
    Call {
        /// Which function.
        function: Function,
        /// Its arguments, as many as [`Function::arity`] allows.
        args: Vec<Expr>,
    },
}

impl Expr {
    /// Builds `left op right`.
    pub fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
        Expr::Binary { op, left: Box::new(left), right: Box::new(right) }
    }
}

impl fmt::Display for Literal {
    /// Writes the literal so that the parser reads it back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(n) => write!(f, "{n}"),
            // Debug keeps a decimal point or exponent ("1.0", "1e300"), so it reads back as a float.
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Literal::DateTime(t) => f.write_str(&format_datetime(*t)),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::Time(t) => write!(f, "{}", t.format("%H:%M:%S%.f")),
            Literal::Duration(d) => write!(f, "duration'{d}'"),
            Literal::Interval { start, end } => write!(f, "{}/{}", format_datetime(*start), format_datetime(*end)),
            Literal::Geometry(g) => write!(f, "geography'{g}'"),
        }
    }
}

impl fmt::Display for Expr {
    /// Writes the expression fully parenthesised, in a form the parser reads back to the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(l) => write!(f, "{l}"),
            Expr::Path(p) => write!(f, "{p}"),
            Expr::Not(e) => write!(f, "(not {e})"),
            Expr::Negate(e) => write!(f, "-({e})"),
            Expr::Binary { op, left, right } => write!(f, "({left} {} {right})", op.as_str()),
            Expr::Call { function, args } => {
                write!(f, "{}(", function.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// What kind of mistake a [`SyntaxError`] is; each maps to a stable error code per query option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// Unexpected or missing token.
    Syntax,
    /// A function name that does not exist.
    UnknownFunction,
    /// A function called with the wrong number of arguments.
    Arity,
    /// A malformed literal (string, number, date-time, period, geometry).
    Literal,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Longer than [`MAX_EXPRESSION_LEN`].
    TooLong,
}

/// A parse error at a byte offset of the parsed text, with messages in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset in the parsed text.
    pub offset: usize,
    /// What went wrong.
    pub kind: SyntaxErrorKind,
    /// Message in Vietnamese (without the position).
    pub vi: String,
    /// Message in English (without the position).
    pub en: String,
}

impl SyntaxError {
    pub(crate) fn new(offset: usize, kind: SyntaxErrorKind, vi: impl Into<String>, en: impl Into<String>) -> Self {
        SyntaxError { offset, kind, vi: vi.into(), en: en.into() }
    }

    /// The same error, its offset moved by `by` bytes (for text parsed out of a larger string).
    pub(crate) fn shifted(mut self, by: usize) -> Self {
        self.offset += by;
        self
    }
}

type PResult<T> = Result<T, SyntaxError>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    Slash,
    Minus,
    Ident(String),
    Lit(Literal),
    Index(usize),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '@'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '@' | '.' | '-')
}

/// True when `s` continues a word at byte `i` (so a literal that ends there is glued to more text).
fn continues_word(s: &str, i: usize) -> bool {
    s.get(i..).and_then(|r| r.chars().next()).is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

struct Lexer<'a> {
    src: &'a str,
    i: usize,
}

impl<'a> Lexer<'a> {
    fn tokens(src: &'a str) -> PResult<Vec<Token>> {
        let mut lx = Lexer { src, i: 0 };
        let mut out = Vec::new();
        loop {
            let t = lx.next()?;
            let eof = t.tok == Tok::Eof;
            out.push(t);
            if eof {
                return Ok(out);
            }
        }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.i..).unwrap_or("")
    }

    fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn literal_error(&self, at: usize, vi: impl Into<String>, en: impl Into<String>) -> SyntaxError {
        SyntaxError::new(at, SyntaxErrorKind::Literal, vi, en)
    }

    fn next(&mut self) -> PResult<Token> {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.i += self.peek_char().map_or(1, char::len_utf8);
        }
        let start = self.i;
        let Some(c) = self.peek_char() else { return Ok(Token { tok: Tok::Eof, start, end: start }) };
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '/' => Some(Tok::Slash),
            _ => None,
        };
        if let Some(tok) = simple {
            self.i += 1;
            return Ok(Token { tok, start, end: self.i });
        }
        let tok = match c {
            '\'' => Tok::Lit(Literal::String(self.quoted()?)),
            '[' => self.index()?,
            '-' => {
                let next = self.rest()[1..].chars().next();
                match next {
                    Some(d) if d.is_ascii_digit() => self.number()?,
                    Some('P') => match scan_duration(self.rest()) {
                        Some((d, len)) if !continues_word(self.rest(), len) => {
                            self.i += len;
                            Tok::Lit(Literal::Duration(d))
                        }
                        _ => {
                            self.i += 1;
                            Tok::Minus
                        }
                    },
                    _ => {
                        self.i += 1;
                        Tok::Minus
                    }
                }
            }
            d if d.is_ascii_digit() => self.number_or_time()?,
            c if is_ident_start(c) => self.word()?,
            other => {
                return Err(SyntaxError::new(
                    start,
                    SyntaxErrorKind::Syntax,
                    format!("ký tự “{other}” không hợp lệ"),
                    format!("unexpected character “{other}”"),
                ));
            }
        };
        Ok(Token { tok, start, end: self.i })
    }

    /// A quoted string at the cursor; `''` stands for one quote.
    fn quoted(&mut self) -> PResult<String> {
        let start = self.i;
        let mut out = String::new();
        let mut chars = self.rest().char_indices().skip(1).peekable();
        while let Some((j, ch)) = chars.next() {
            if ch == '\'' {
                if chars.peek().map(|(_, c)| *c) == Some('\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    self.i = start + j + 1;
                    return Ok(out);
                }
            } else {
                out.push(ch);
            }
        }
        Err(self.literal_error(start, "chuỗi chưa có dấu nháy đóng (')", "the string is missing its closing quote (')"))
    }

    fn index(&mut self) -> PResult<Tok> {
        let start = self.i;
        let rest = self.rest();
        let digits: String = rest[1..].chars().take_while(char::is_ascii_digit).collect();
        let close = 1 + digits.len();
        if digits.is_empty() || rest.as_bytes().get(close) != Some(&b']') {
            return Err(SyntaxError::new(
                start,
                SyntaxErrorKind::Syntax,
                "chỉ số mảng phải có dạng [n]",
                "an array index must look like [n]",
            ));
        }
        let n =
            digits.parse().map_err(|_| self.literal_error(start, "chỉ số mảng quá lớn", "array index too large"))?;
        self.i += close + 1;
        Ok(Tok::Index(n))
    }

    fn number_or_time(&mut self) -> PResult<Tok> {
        let start = self.i;
        let rest = self.rest();
        match scan_datetime(rest) {
            Ok(Some((t, len))) => {
                self.i += len;
                return self.maybe_interval(t, start);
            }
            Err(DateTimeProblem::MissingOffset) if let Some((t, len)) = plus_lost_to_form_decoding(rest) => {
                self.i += len;
                return self.maybe_interval(t, start);
            }
            Err(problem) => {
                let (vi, en) = match problem {
                    DateTimeProblem::MissingOffset => (
                        "thời điểm phải ghi múi giờ dạng Z hoặc ±hh:mm, ví dụ 2026-11-27T10:00:00+07:00 (trong URL, \
                         viết dấu + thành %2B)",
                        "a date-time needs an offset written Z or ±hh:mm, e.g. 2026-11-27T10:00:00+07:00 (in a URL, \
                         encode + as %2B)",
                    ),
                    DateTimeProblem::BadTime => ("giờ không hợp lệ", "invalid time of day"),
                };
                return Err(self.literal_error(start, vi, en));
            }
            Ok(None) => {}
        }
        if let Some((d, len)) = scan_date(rest) {
            if continues_word(rest, len) || rest[len..].starts_with('-') {
                return Err(self.literal_error(start, "ngày không hợp lệ", "invalid date"));
            }
            self.i += len;
            return Ok(Tok::Lit(Literal::Date(d)));
        }
        if rest.as_bytes().get(2) == Some(&b':') {
            return match scan_time(rest) {
                Some((t, len)) if !continues_word(rest, len) && !rest[len..].starts_with(':') => {
                    self.i += len;
                    Ok(Tok::Lit(Literal::Time(t)))
                }
                _ => Err(self.literal_error(start, "giờ không hợp lệ", "invalid time of day")),
            };
        }
        if rest.len() >= 5 && rest.as_bytes()[4] == b'-' && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
            return Err(self.literal_error(
                start,
                "ngày không hợp lệ (cần YYYY-MM-DD)",
                "invalid date (expected YYYY-MM-DD)",
            ));
        }
        self.number()
    }

    /// After an instant: `/instant` or `/period` makes an interval.
    fn maybe_interval(&mut self, t: DateTime<FixedOffset>, start: usize) -> PResult<Tok> {
        let rest = self.rest();
        if let Some(after) = rest.strip_prefix('/') {
            let end = match scan_datetime(after) {
                Ok(Some((e, len))) => Some((e, len)),
                _ => scan_duration(after).and_then(|(d, len)| d.add_to(t).map(|e| (e, len))),
            };
            if let Some((end, len)) = end {
                if end < t {
                    return Err(self.literal_error(
                        start,
                        "khoảng thời gian kết thúc trước khi bắt đầu",
                        "the interval ends before it starts",
                    ));
                }
                self.i += 1 + len;
                return Ok(Tok::Lit(Literal::Interval { start: t, end }));
            }
        }
        if continues_word(rest, 0) {
            return Err(self.literal_error(start, "thời điểm không hợp lệ", "invalid date-time"));
        }
        Ok(Tok::Lit(Literal::DateTime(t)))
    }

    fn number(&mut self) -> PResult<Tok> {
        let start = self.i;
        let b = self.rest().as_bytes();
        let mut j = usize::from(b.first() == Some(&b'-'));
        let int_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == int_start {
            return Err(self.literal_error(start, "số không hợp lệ", "invalid number"));
        }
        let mut is_float = false;
        if b.get(j) == Some(&b'.') {
            let frac_start = j + 1;
            j = frac_start;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            if j == frac_start {
                return Err(self.literal_error(
                    start,
                    "số không hợp lệ: cần chữ số sau dấu chấm",
                    "invalid number: digits must follow the point",
                ));
            }
            is_float = true;
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            let mut k = j + 1;
            if matches!(b.get(k), Some(b'+' | b'-')) {
                k += 1;
            }
            let exp_start = k;
            while b.get(k).is_some_and(u8::is_ascii_digit) {
                k += 1;
            }
            if k == exp_start {
                return Err(self.literal_error(start, "số mũ không hợp lệ", "invalid exponent"));
            }
            j = k;
            is_float = true;
        }
        let text = &self.rest()[..j];
        if continues_word(self.rest(), j) {
            return Err(self.literal_error(start, "số không hợp lệ", "invalid number"));
        }
        let tok = if is_float {
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Tok::Lit(Literal::Float(x)),
                _ => return Err(self.literal_error(start, "số quá lớn", "number out of range")),
            }
        } else {
            match text.parse::<i64>() {
                Ok(n) => Tok::Lit(Literal::Int(n)),
                Err(_) => return Err(self.literal_error(start, "số nguyên quá lớn", "integer out of range")),
            }
        };
        self.i += j;
        Ok(tok)
    }

    fn word(&mut self) -> PResult<Tok> {
        let start = self.i;
        let rest = self.rest();
        let len = rest.char_indices().find(|(_, c)| !is_ident_char(*c)).map_or(rest.len(), |(j, _)| j);
        let word = &rest[..len];
        // A period written bare, e.g. P1D or PT30M.
        if let Some((d, dlen)) = scan_duration(rest)
            && dlen == len
        {
            self.i += len;
            return Ok(Tok::Lit(Literal::Duration(d)));
        }
        self.i += len;
        if self.peek_char() == Some('\'') {
            let kind = word.to_ascii_lowercase();
            let quote_at = self.i;
            let body = self.quoted()?;
            return match kind.as_str() {
                "geography" | "geometry" => {
                    parse_wkt(&body).map(|g| Tok::Lit(Literal::Geometry(g))).map_err(|(en, vi)| {
                        self.literal_error(
                            quote_at,
                            format!("hình học WKT không hợp lệ: {vi}"),
                            format!("invalid WKT geometry: {en}"),
                        )
                    })
                }
                "duration" => parse_duration(&body).map(|d| Tok::Lit(Literal::Duration(d))).ok_or_else(|| {
                    self.literal_error(
                        quote_at,
                        "khoảng thời gian ISO 8601 không hợp lệ, ví dụ P1D",
                        "invalid ISO 8601 period, e.g. P1D",
                    )
                }),
                "datetime" => parse_datetime(&body)
                    .map(|t| Tok::Lit(Literal::DateTime(t)))
                    .ok_or_else(|| self.literal_error(quote_at, "thời điểm không hợp lệ", "invalid date-time")),
                _ => Err(self.literal_error(
                    start,
                    format!("kiểu giá trị “{word}'…'” không được hỗ trợ (dùng geography'…' hoặc duration'…')"),
                    format!("unsupported typed literal “{word}'…'” (use geography'…' or duration'…')"),
                )),
            };
        }
        Ok(Tok::Ident(word.to_owned()))
    }
}

/// A date-time whose `+hh:mm` offset arrived as ` hh:mm`: form decoding (and axum's `Query`) turns an unencoded
/// `+` in a URL into a space. Nothing else can follow a date-time with a space and `hh:mm` (two values in a row are a
/// syntax error), so the space is read as the lost `+`.
fn plus_lost_to_form_decoding(rest: &str) -> Option<(DateTime<FixedOffset>, usize)> {
    let (_, tlen) = scan_time(rest.get(11..)?)?;
    let dt_len = 11 + tlen;
    let offset = rest.get(dt_len + 1..dt_len + 6)?;
    if !rest[dt_len..].starts_with(' ') || continues_word(rest, dt_len + 6) {
        return None;
    }
    let repaired = format!("{}+{offset}", &rest[..dt_len]);
    let t = parse_datetime(&repaired)?;
    Some((t, dt_len + 6))
}

/// Short excerpt of a token for messages.
fn excerpt(src: &str, t: &Token) -> String {
    if t.tok == Tok::Eof {
        return String::new();
    }
    let text = src.get(t.start..t.end).unwrap_or("");
    let mut out: String = text.chars().take(24).collect();
    if text.chars().count() > 24 {
        out.push('…');
    }
    out
}

fn too_deep(at: usize) -> SyntaxError {
    SyntaxError::new(
        at,
        SyntaxErrorKind::TooDeep,
        format!("biểu thức lồng nhau quá {MAX_DEPTH} cấp"),
        format!("the expression is nested more than {MAX_DEPTH} levels deep"),
    )
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> PResult<Self> {
        if src.len() > MAX_EXPRESSION_LEN {
            return Err(SyntaxError::new(
                0,
                SyntaxErrorKind::TooLong,
                format!("biểu thức dài quá {MAX_EXPRESSION_LEN} byte"),
                format!("the expression is longer than {MAX_EXPRESSION_LEN} bytes"),
            ));
        }
        Ok(Parser { src, toks: Lexer::tokens(src)?, pos: 0, depth: 0 })
    }

    fn peek(&self) -> &Token {
        // The token list always ends with Eof and `pos` never passes it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self, t: &Token, vi_expected: &str, en_expected: &str) -> SyntaxError {
        let (vi, en) = if t.tok == Tok::Eof {
            (format!("{vi_expected} nhưng biểu thức đã hết"), format!("{en_expected} but the expression ended"))
        } else {
            let x = excerpt(self.src, t);
            (format!("{vi_expected} nhưng gặp “{x}”"), format!("{en_expected} but found “{x}”"))
        };
        SyntaxError::new(t.start, SyntaxErrorKind::Syntax, vi, en)
    }

    fn expect(&mut self, tok: &Tok, vi: &str, en: &str) -> PResult<Token> {
        let t = self.peek().clone();
        if &t.tok == tok { Ok(self.bump()) } else { Err(self.unexpected(&t, vi, en)) }
    }

    fn enter(&mut self, at: usize) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(at));
        }
        Ok(())
    }

    /// Parses an expression whose operators bind tighter than `min_bp`; returns it with its tree depth.
    fn expr(&mut self, min_bp: u8) -> PResult<(Expr, usize)> {
        let at = self.peek().start;
        self.enter(at)?;
        let (mut left, mut depth) = self.prefix()?;
        loop {
            let t = self.peek().clone();
            let Tok::Ident(word) = &t.tok else { break };
            let Some(op) = BinaryOp::from_word(word) else { break };
            let bp = op.binding_power();
            if bp <= min_bp {
                break;
            }
            self.bump();
            let (right, rdepth) = self.expr(bp)?;
            depth = 1 + depth.max(rdepth);
            if depth > MAX_DEPTH {
                return Err(too_deep(t.start));
            }
            left = Expr::binary(op, left, right);
        }
        self.depth -= 1;
        Ok((left, depth))
    }

    fn prefix(&mut self) -> PResult<(Expr, usize)> {
        let t = self.bump();
        match t.tok {
            Tok::Lit(l) => Ok((Expr::Literal(l), 1)),
            Tok::LParen => {
                let (e, d) = self.expr(0)?;
                self.expect(&Tok::RParen, "cần dấu “)”", "expected “)”")?;
                Ok((e, d))
            }
            Tok::Minus => {
                let (e, d) = self.expr(NEGATE_OPERAND_BP)?;
                Ok((Expr::Negate(Box::new(e)), d + 1))
            }
            Tok::Ident(word) => {
                if word.eq_ignore_ascii_case("not") {
                    let (e, d) = self.expr(NOT_OPERAND_BP)?;
                    return Ok((Expr::Not(Box::new(e)), d + 1));
                }
                if self.peek().tok == Tok::LParen {
                    return self.call(&word, t.start);
                }
                if self.peek().tok != Tok::Slash && !matches!(self.peek().tok, Tok::Index(_)) {
                    if word.eq_ignore_ascii_case("true") {
                        return Ok((Expr::Literal(Literal::Bool(true)), 1));
                    }
                    if word.eq_ignore_ascii_case("false") {
                        return Ok((Expr::Literal(Literal::Bool(false)), 1));
                    }
                    if word.eq_ignore_ascii_case("null") {
                        return Ok((Expr::Literal(Literal::Null), 1));
                    }
                }
                self.path(word).map(|p| (Expr::Path(p), 1))
            }
            _ => Err(self.unexpected(
                &t,
                "cần một giá trị, thuộc tính hoặc hàm",
                "expected a value, property or function",
            )),
        }
    }

    fn path(&mut self, first: String) -> PResult<PropertyPath> {
        let mut segs = vec![PathSegment::Property(first)];
        loop {
            match self.peek().tok.clone() {
                Tok::Index(n) => {
                    self.bump();
                    segs.push(PathSegment::Index(n));
                }
                Tok::Slash => {
                    self.bump();
                    let t = self.bump();
                    match t.tok {
                        Tok::Ident(name) => segs.push(PathSegment::Property(name)),
                        Tok::Lit(Literal::Int(n)) if n >= 0 => segs.push(PathSegment::Property(n.to_string())),
                        _ => {
                            return Err(self.unexpected(
                                &t,
                                "cần tên thuộc tính sau “/”",
                                "expected a property name after “/”",
                            ));
                        }
                    }
                }
                _ => return Ok(PropertyPath(segs)),
            }
        }
    }

    fn call(&mut self, name: &str, at: usize) -> PResult<(Expr, usize)> {
        let function = Function::from_name(name).ok_or_else(|| {
            SyntaxError::new(
                at,
                SyntaxErrorKind::UnknownFunction,
                format!("không có hàm “{name}”"),
                format!("there is no function “{name}”"),
            )
        })?;
        self.enter(at)?;
        self.bump(); // (
        let mut args = Vec::new();
        let mut depth = 0;
        if self.peek().tok == Tok::RParen {
            self.bump();
        } else {
            loop {
                let (a, d) = self.expr(0)?;
                depth = depth.max(d);
                args.push(a);
                let t = self.bump();
                match t.tok {
                    Tok::Comma => {}
                    Tok::RParen => break,
                    _ => return Err(self.unexpected(&t, "cần “,” hoặc “)”", "expected “,” or “)”")),
                }
            }
        }
        self.depth -= 1;
        let (min, max) = function.arity();
        if args.len() < min || args.len() > max {
            let want = if min == max { min.to_string() } else { format!("{min}–{max}") };
            return Err(SyntaxError::new(
                at,
                SyntaxErrorKind::Arity,
                format!("hàm {}() cần {want} tham số, nhận {}", function.name(), args.len()),
                format!("{}() takes {want} argument(s), got {}", function.name(), args.len()),
            ));
        }
        Ok((Expr::Call { function, args }, depth + 1))
    }

    fn end(&mut self) -> PResult<()> {
        let t = self.peek().clone();
        if t.tok == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected(
                &t,
                "cần một toán tử (eq, and, or…) hoặc hết biểu thức",
                "expected an operator (eq, and, or…) or the end",
            ))
        }
    }
}

/// Parses a `$filter` expression. The error's offset is a byte offset in `src`.
pub fn parse_expression(src: &str) -> Result<Expr, SyntaxError> {
    let mut p = Parser::new(src)?;
    if p.peek().tok == Tok::Eof {
        return Err(p.unexpected(&p.peek().clone(), "cần một biểu thức", "expected an expression"));
    }
    let (e, _) = p.expr(0)?;
    p.end()?;
    Ok(e)
}

/// One `$orderby` item: an expression and its direction.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// What to sort by (a property path or any expression).
    pub expr: Expr,
    /// `desc`; the default is ascending.
    pub descending: bool,
}

/// Parses a `$orderby` list: `expr [asc|desc], …`.
pub fn parse_orderby(src: &str) -> Result<Vec<OrderBy>, SyntaxError> {
    let mut p = Parser::new(src)?;
    let mut out = Vec::new();
    loop {
        if p.peek().tok == Tok::Eof {
            return Err(p.unexpected(
                &p.peek().clone(),
                "cần một thuộc tính để sắp xếp",
                "expected a property to order by",
            ));
        }
        let (expr, _) = p.expr(0)?;
        let mut descending = false;
        if let Tok::Ident(w) = &p.peek().tok {
            if w.eq_ignore_ascii_case("desc") {
                descending = true;
                p.bump();
            } else if w.eq_ignore_ascii_case("asc") {
                p.bump();
            }
        }
        out.push(OrderBy { expr, descending });
        let t = p.bump();
        match t.tok {
            Tok::Comma => {}
            Tok::Eof => return Ok(out),
            _ => return Err(p.unexpected(&t, "cần asc, desc, “,” hoặc hết", "expected asc, desc, “,” or the end")),
        }
    }
}

/// Parses one `$select` item: a property path such as `name`, `@iot.id` or `properties/owner`.
pub fn parse_path(src: &str) -> Result<PropertyPath, SyntaxError> {
    let mut p = Parser::new(src)?;
    let t = p.bump();
    let Tok::Ident(first) = t.tok.clone() else {
        return Err(p.unexpected(&t, "cần tên thuộc tính", "expected a property name"));
    };
    let path = p.path(first)?;
    p.end()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Expr {
        parse_expression(s).unwrap_or_else(|e| panic!("{s}: {} at {}", e.en, e.offset))
    }

    fn shows(s: &str) -> String {
        parse(s).to_string()
    }

    fn err(s: &str) -> SyntaxError {
        match parse_expression(s) {
            Ok(e) => panic!("{s} parsed as {e}"),
            Err(e) => e,
        }
    }

    #[test]
    fn precedence_follows_sta_1_1() {
        let table = [
            ("a eq 1 or b eq 2 and c eq 3", "((a eq 1) or ((b eq 2) and (c eq 3)))"),
            ("a add b mul c eq 7", "((a add (b mul c)) eq 7)"),
            ("a sub b sub c", "((a sub b) sub c)"),
            ("a gt 1 eq true", "((a gt 1) eq true)"),
            ("not a eq 1 and b", "((not (a eq 1)) and b)"),
            ("-a mul b", "(-(a) mul b)"),
            ("(a or b) and c", "((a or b) and c)"),
            ("a div 2 mod 3", "((a div 2) mod 3)"),
            ("result EQ 3 AND Not(x)", "((result eq 3) and (not x))"),
        ];
        for (src, expected) in table {
            assert_eq!(shows(src), expected, "{src}");
        }
    }

    #[test]
    fn literals() {
        use Literal::*;
        let table: Vec<(&str, Literal)> = vec![
            ("null", Null),
            ("true", Bool(true)),
            ("False", Bool(false)),
            ("42", Int(42)),
            ("-7", Int(-7)),
            ("3.5", Float(3.5)),
            ("1e3", Float(1000.0)),
            ("-2.5E-1", Float(-0.25)),
            ("'it''s'", String("it's".into())),
            ("'Huế'", String("Huế".into())),
            ("''", String(std::string::String::new())),
            ("2026-11-27", Date(NaiveDate::from_ymd_opt(2026, 11, 27).unwrap())),
            ("10:30:00", Time(NaiveTime::from_hms_opt(10, 30, 0).unwrap())),
            ("10:30", Time(NaiveTime::from_hms_opt(10, 30, 0).unwrap())),
            ("2026-11-27T10:00:00+07:00", DateTime(parse_datetime("2026-11-27T03:00:00Z").unwrap())),
            ("P1D", Duration(parse_duration("P1D").unwrap())),
            ("duration'PT1H'", Duration(parse_duration("PT1H").unwrap())),
            ("-PT30M", Duration(parse_duration("-PT30M").unwrap())),
        ];
        for (src, lit) in table {
            assert_eq!(parse(src), Expr::Literal(lit), "{src}");
        }
        let Expr::Literal(Interval { start, end }) = parse("2026-11-01T00:00:00Z/P1D") else { panic!("interval") };
        assert_eq!((end - start).num_hours(), 24);
        // An offset's "+" that URL form decoding turned into a space.
        assert_eq!(parse("2026-11-27T10:00:00 07:00"), parse("2026-11-27T03:00:00Z"));
        assert_eq!(shows("t ge 2026-11-27T00:00:00 07:00 and u"), "((t ge 2026-11-27T00:00:00+07:00) and u)");
        assert!(matches!(parse("geography'POINT(107.59 16.46)'"), Expr::Literal(Geometry(_))));
        assert!(matches!(parse("geometry'POLYGON((0 0, 1 0, 1 1, 0 0))'"), Expr::Literal(Geometry(_))));
    }

    #[test]
    fn paths_and_functions() {
        let e = parse("Datastream/ObservedProperty/name eq 'PM2.5'");
        let Expr::Binary { left, .. } = &e else { panic!("binary") };
        assert_eq!(left.to_string(), "Datastream/ObservedProperty/name");
        assert_eq!(shows("properties/list[2]/x eq 1"), "(properties/list[2]/x eq 1)");
        assert_eq!(shows("@iot.id eq 5"), "(@iot.id eq 5)");
        assert_eq!(shows("Thing/properties/2 eq 1"), "(Thing/properties/2 eq 1)");
        assert_eq!(shows("properties/pm2-5 gt 1"), "(properties/pm2-5 gt 1)");
        assert_eq!(
            shows("substring(name, 1, 2) eq 'ua' and indexof(name,'H') ge 0"),
            "((substring(name, 1, 2) eq 'ua') and (indexof(name, 'H') ge 0))"
        );
        assert_eq!(shows("now()"), "now()");
        assert_eq!(
            shows("st_within(location, geography'POLYGON((107.5 16.4, 107.7 16.4, 107.7 16.5, 107.5 16.4))')"),
            "st_within(location, geography'POLYGON ((107.5 16.4, 107.7 16.4, 107.7 16.5, 107.5 16.4))')"
        );
        assert_eq!(
            shows("geo.distance(location, geography'POINT(107.59 16.46)') lt 0.01"),
            "(geo.distance(location, geography'POINT (107.59 16.46)') lt 0.01)"
        );
        assert_eq!(shows("phenomenonTime gt now() sub P1D"), "(phenomenonTime gt (now() sub duration'P1D'))");
        // Operator words are fine as property names where a value is expected.
        assert_eq!(shows("and eq or"), "(and eq or)");
    }

    #[test]
    fn errors_point_at_the_problem() {
        let table: [(&str, SyntaxErrorKind, usize); 17] = [
            ("name eq", SyntaxErrorKind::Syntax, 7),
            ("name eq 'x", SyntaxErrorKind::Literal, 8),
            ("(a eq 1", SyntaxErrorKind::Syntax, 7),
            ("a eq 1)", SyntaxErrorKind::Syntax, 6),
            ("a eq 1 b", SyntaxErrorKind::Syntax, 7),
            ("foo(1)", SyntaxErrorKind::UnknownFunction, 0),
            ("length(a, b)", SyntaxErrorKind::Arity, 0),
            ("x eq substring('a')", SyntaxErrorKind::Arity, 5),
            ("t gt 2026-11-27T10:00:00", SyntaxErrorKind::Literal, 5),
            ("t gt 2026-11-27T10:00:00+0700", SyntaxErrorKind::Literal, 5),
            ("t gt 2026-13-01", SyntaxErrorKind::Literal, 5),
            ("x eq 12abc", SyntaxErrorKind::Literal, 5),
            ("x eq 99999999999999999999", SyntaxErrorKind::Literal, 5),
            ("x eq 1e999", SyntaxErrorKind::Literal, 5),
            ("st_within(l, geography'POINT(1)')", SyntaxErrorKind::Literal, 22),
            ("x eq #", SyntaxErrorKind::Syntax, 5),
            ("", SyntaxErrorKind::Syntax, 0),
        ];
        for (src, kind, offset) in table {
            let e = err(src);
            assert_eq!((e.kind, e.offset), (kind, offset), "{src}: {}", e.en);
            assert!(!e.vi.is_empty() && !e.en.is_empty());
        }
        assert!(err("name eq").en.contains("ended"));
        assert!(err("a eq 1 b").en.contains("“b”"));
    }

    #[test]
    fn limits_depth_and_length() {
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert_eq!(err(&deep).kind, SyntaxErrorKind::TooDeep);
        let chain = format!("a{}", " add a".repeat(500));
        assert_eq!(err(&chain).kind, SyntaxErrorKind::TooDeep);
        let nots = "not ".repeat(500) + "a";
        assert_eq!(err(&nots).kind, SyntaxErrorKind::TooDeep);
        let long = format!("name eq '{}'", "x".repeat(MAX_EXPRESSION_LEN));
        assert_eq!(err(&long).kind, SyntaxErrorKind::TooLong);
        let ok = format!("a{}", " add a".repeat(50));
        assert!(parse_expression(&ok).is_ok());
    }

    #[test]
    fn orderby_lists() {
        let items = parse_orderby("phenomenonTime desc, result, length(name) asc").unwrap();
        let shown: Vec<(String, bool)> = items.iter().map(|o| (o.expr.to_string(), o.descending)).collect();
        assert_eq!(
            shown,
            [("phenomenonTime".to_owned(), true), ("result".to_owned(), false), ("length(name)".to_owned(), false)]
        );
        assert!(parse_orderby("").is_err());
        assert!(parse_orderby("a,").is_err());
        assert!(parse_orderby("a up").is_err());
    }

    #[test]
    fn select_paths() {
        assert_eq!(parse_path("properties/owner").unwrap().to_string(), "properties/owner");
        assert!(parse_path("a eq 1").is_err());
        assert!(parse_path("'a'").is_err());
    }
}
