//! Geometry for the geospatial `$filter` functions: WKT literals (`geography'POINT(107.59 16.46)'`), GeoJSON from
//! entities (`Location/location`, `FeatureOfInterest/feature`), and the planar tests the in-memory evaluator needs.
//!
//! Coordinates are `[x, y]` = `[lon, lat]` in degrees and every measure is planar in degrees, as PostGIS computes
//! on `geometry` columns, which is what FROST-Server translates to; exact enough at the scale of a city. Points on a
//! boundary count as intersecting but not as within.

use std::fmt;

use serde_json::Value;

/// A 2-D position `[x, y]` (longitude, latitude).
pub type Position = [f64; 2];

/// A point, line or polygon (possibly multi-part), from WKT or GeoJSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// `POINT (x y)`.
    Point(Position),
    /// `LINESTRING (x y, …)`, at least 2 positions.
    LineString(Vec<Position>),
    /// `POLYGON ((x y, …), (hole…))`: closed rings of at least 4 positions, the first one the exterior.
    Polygon(Vec<Vec<Position>>),
    /// GeoJSON MultiPoint / MultiLineString / MultiPolygon, or WKT MULTI…: several parts.
    Multi(Vec<Geometry>),
}

impl fmt::Display for Geometry {
    /// Writes the geometry as WKT (multi-part geometries as a GEOMETRYCOLLECTION).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn coords(ps: &[Position]) -> String {
            ps.iter().map(|[x, y]| format!("{x} {y}")).collect::<Vec<_>>().join(", ")
        }
        fn rings(rs: &[Vec<Position>]) -> String {
            rs.iter().map(|r| format!("({})", coords(r))).collect::<Vec<_>>().join(", ")
        }
        match self {
            Geometry::Point([x, y]) => write!(f, "POINT ({x} {y})"),
            Geometry::LineString(ps) => write!(f, "LINESTRING ({})", coords(ps)),
            Geometry::Polygon(rs) => write!(f, "POLYGON ({})", rings(rs)),
            Geometry::Multi(parts) => {
                let inner: Vec<String> = parts.iter().map(ToString::to_string).collect();
                write!(f, "GEOMETRYCOLLECTION ({})", inner.join(", "))
            }
        }
    }
}

/// Reads WKT: POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON and GEOMETRYCOLLECTION
/// (keywords in any case, an optional `SRID=4326;` prefix, a third coordinate accepted and dropped). The error
/// says what was wrong, in English and Vietnamese.
pub fn parse_wkt(s: &str) -> Result<Geometry, (&'static str, &'static str)> {
    let s = s.trim();
    let s = match s.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("SRID=") => s.split_once(';').map_or(s, |(_, rest)| rest.trim_start()),
        _ => s,
    };
    let mut p = WktParser { s: s.as_bytes(), i: 0, depth: 0 };
    let g = p.geometry()?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(("unexpected text after the geometry", "có ký tự thừa sau hình học"));
    }
    Ok(g)
}

struct WktParser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

type WktResult<T> = Result<T, (&'static str, &'static str)>;

impl WktParser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> WktResult<()> {
        self.skip_ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else if c == b'(' {
            Err(("expected “(”", "cần “(”"))
        } else if c == b')' {
            Err(("expected “)” or “,”", "cần “)” hoặc “,”"))
        } else {
            Err(("unexpected character", "ký tự không hợp lệ"))
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn keyword(&mut self) -> String {
        self.skip_ws();
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_alphabetic) {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).to_ascii_uppercase()
    }

    fn geometry(&mut self) -> WktResult<Geometry> {
        self.depth += 1;
        if self.depth > 8 {
            return Err(("the geometry is nested too deeply", "hình học lồng nhau quá sâu"));
        }
        let kw = self.keyword();
        // "POINT Z (…)": the dimension tag is accepted and the extra coordinate dropped.
        let save = self.i;
        let tag = self.keyword();
        if !matches!(tag.as_str(), "Z" | "M" | "ZM") {
            self.i = save;
        }
        let g = match kw.as_str() {
            "POINT" => {
                self.expect(b'(')?;
                let p = self.position()?;
                self.expect(b')')?;
                Geometry::Point(p)
            }
            "LINESTRING" => Geometry::LineString(self.line()?),
            "POLYGON" => Geometry::Polygon(self.rings()?),
            "MULTIPOINT" => {
                self.expect(b'(')?;
                let mut parts = Vec::new();
                loop {
                    // Both "MULTIPOINT (1 2, 3 4)" and "MULTIPOINT ((1 2), (3 4))".
                    let p = if self.peek() == Some(b'(') {
                        self.expect(b'(')?;
                        let p = self.position()?;
                        self.expect(b')')?;
                        p
                    } else {
                        self.position()?
                    };
                    parts.push(Geometry::Point(p));
                    if !self.comma() {
                        break;
                    }
                }
                self.expect(b')')?;
                Geometry::Multi(parts)
            }
            "MULTILINESTRING" => Geometry::Multi(self.list(|p| p.line().map(Geometry::LineString))?),
            "MULTIPOLYGON" => Geometry::Multi(self.list(|p| p.rings().map(Geometry::Polygon))?),
            "GEOMETRYCOLLECTION" => Geometry::Multi(self.list(WktParser::geometry)?),
            "" => {
                return Err((
                    "expected a geometry type such as POINT or POLYGON",
                    "cần kiểu hình học như POINT, POLYGON",
                ));
            }
            _ => return Err(("unknown geometry type", "kiểu hình học không được hỗ trợ")),
        };
        self.depth -= 1;
        Ok(g)
    }

    fn comma(&mut self) -> bool {
        if self.peek() == Some(b',') {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> WktResult<T>) -> WktResult<Vec<T>> {
        self.expect(b'(')?;
        let mut out = vec![item(self)?];
        while self.comma() {
            out.push(item(self)?);
        }
        self.expect(b')')?;
        Ok(out)
    }

    fn number(&mut self) -> WktResult<f64> {
        self.skip_ws();
        let start = self.i;
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or(("expected a number", "cần một số"))
    }

    fn position(&mut self) -> WktResult<Position> {
        let x = self.number()?;
        let y = self.number()?;
        // Optional z and m values.
        for _ in 0..2 {
            if self.peek().is_some_and(|c| c.is_ascii_digit() || c == b'-' || c == b'.') {
                self.number()?;
            }
        }
        Ok([x, y])
    }

    fn line(&mut self) -> WktResult<Vec<Position>> {
        let ps = self.list(WktParser::position)?;
        if ps.len() < 2 {
            return Err(("a line needs at least 2 positions", "đường cần ít nhất 2 điểm"));
        }
        Ok(ps)
    }

    fn rings(&mut self) -> WktResult<Vec<Vec<Position>>> {
        let rings = self.list(|p| p.list(WktParser::position))?;
        for r in &rings {
            if r.len() < 4 || r.first() != r.last() {
                return Err((
                    "a polygon ring must be closed and have at least 4 positions",
                    "vòng của đa giác phải khép kín và có ít nhất 4 điểm",
                ));
            }
        }
        Ok(rings)
    }
}

/// Reads a GeoJSON geometry (RFC 7946), or a Feature's geometry. `None` when it is not one.
pub fn from_geojson(v: &Value) -> Option<Geometry> {
    fn pos(v: &Value) -> Option<Position> {
        let a = v.as_array()?;
        let (x, y) = (a.first()?.as_f64()?, a.get(1)?.as_f64()?);
        Some([x, y])
    }
    fn list(v: &Value) -> Option<Vec<Position>> {
        v.as_array()?.iter().map(pos).collect()
    }
    fn rings(v: &Value) -> Option<Vec<Vec<Position>>> {
        let rs: Vec<Vec<Position>> = v.as_array()?.iter().map(list).collect::<Option<_>>()?;
        (!rs.is_empty() && rs.iter().all(|r| r.len() >= 4 && r.first() == r.last())).then_some(rs)
    }
    let kind = v.get("type")?.as_str()?;
    if kind == "Feature" {
        return from_geojson(v.get("geometry")?);
    }
    if kind == "GeometryCollection" {
        let parts = v.get("geometries")?.as_array()?.iter().map(from_geojson).collect::<Option<Vec<_>>>()?;
        return Some(Geometry::Multi(parts));
    }
    let c = v.get("coordinates")?;
    Some(match kind {
        "Point" => Geometry::Point(pos(c)?),
        "LineString" => Geometry::LineString(list(c).filter(|l| l.len() >= 2)?),
        "Polygon" => Geometry::Polygon(rings(c)?),
        "MultiPoint" => Geometry::Multi(list(c)?.into_iter().map(Geometry::Point).collect()),
        "MultiLineString" => Geometry::Multi(
            c.as_array()?
                .iter()
                .map(|l| list(l).filter(|l| l.len() >= 2).map(Geometry::LineString))
                .collect::<Option<_>>()?,
        ),
        "MultiPolygon" => {
            Geometry::Multi(c.as_array()?.iter().map(|p| rings(p).map(Geometry::Polygon)).collect::<Option<_>>()?)
        }
        _ => return None,
    })
}

const EPS: f64 = 1e-12;

/// Where a point lies relative to a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Inside,
    Boundary,
    Outside,
}

fn on_segment(p: Position, a: Position, b: Position) -> bool {
    let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    cross.abs() <= EPS * (1.0 + (b[0] - a[0]).abs() + (b[1] - a[1]).abs())
        && p[0] >= a[0].min(b[0]) - EPS
        && p[0] <= a[0].max(b[0]) + EPS
        && p[1] >= a[1].min(b[1]) - EPS
        && p[1] <= a[1].max(b[1]) + EPS
}

fn segments(ps: &[Position]) -> impl Iterator<Item = (Position, Position)> + '_ {
    ps.windows(2).map(|w| (w[0], w[1]))
}

fn ring_side(ring: &[Position], p: Position) -> Side {
    if segments(ring).any(|(a, b)| on_segment(p, a, b)) {
        return Side::Boundary;
    }
    let mut inside = false;
    for (a, b) in segments(ring) {
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
    }
    if inside { Side::Inside } else { Side::Outside }
}

fn polygon_side(rings: &[Vec<Position>], p: Position) -> Side {
    let Some((exterior, holes)) = rings.split_first() else { return Side::Outside };
    match ring_side(exterior, p) {
        Side::Inside => {
            for h in holes {
                match ring_side(h, p) {
                    Side::Inside => return Side::Outside,
                    Side::Boundary => return Side::Boundary,
                    Side::Outside => {}
                }
            }
            Side::Inside
        }
        other => other,
    }
}

fn orient(a: Position, b: Position, c: Position) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Segments share at least one point.
fn segments_touch(a: Position, b: Position, c: Position, d: Position) -> bool {
    let (o1, o2, o3, o4) = (orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b));
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        return true;
    }
    on_segment(c, a, b) || on_segment(d, a, b) || on_segment(a, c, d) || on_segment(b, c, d)
}

/// Segments cross at a single point inside both (not at an end point).
fn segments_cross_properly(a: Position, b: Position, c: Position, d: Position) -> bool {
    let (o1, o2, o3, o4) = (orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b));
    o1 * o2 < 0.0 && o3 * o4 < 0.0
}

fn point_segment_distance(p: Position, a: Position, b: Position) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) };
    let (x, y) = (a[0] + t * dx, a[1] + t * dy);
    ((p[0] - x).powi(2) + (p[1] - y).powi(2)).sqrt()
}

impl Geometry {
    /// The vertices (every ring's for a polygon).
    fn vertices(&self) -> Vec<Position> {
        match self {
            Geometry::Point(p) => vec![*p],
            Geometry::LineString(ps) => ps.clone(),
            Geometry::Polygon(rs) => rs.iter().flatten().copied().collect(),
            Geometry::Multi(parts) => parts.iter().flat_map(Geometry::vertices).collect(),
        }
    }

    /// The line segments (every ring's edges for a polygon).
    fn edges(&self) -> Vec<(Position, Position)> {
        match self {
            Geometry::Point(_) => Vec::new(),
            Geometry::LineString(ps) => segments(ps).collect(),
            Geometry::Polygon(rs) => rs.iter().flat_map(|r| segments(r)).collect(),
            Geometry::Multi(parts) => parts.iter().flat_map(Geometry::edges).collect(),
        }
    }

    /// Where `p` lies relative to the area of this geometry (points and lines have none: outside or boundary).
    fn side(&self, p: Position) -> Side {
        match self {
            Geometry::Polygon(rs) => polygon_side(rs, p),
            Geometry::Multi(parts) => {
                let sides: Vec<Side> = parts.iter().map(|g| g.side(p)).collect();
                if sides.contains(&Side::Inside) {
                    Side::Inside
                } else if sides.contains(&Side::Boundary) {
                    Side::Boundary
                } else {
                    Side::Outside
                }
            }
            Geometry::Point(q) => {
                if (q[0] - p[0]).abs() <= EPS && (q[1] - p[1]).abs() <= EPS {
                    Side::Boundary
                } else {
                    Side::Outside
                }
            }
            Geometry::LineString(ps) => {
                if segments(ps).any(|(a, b)| on_segment(p, a, b)) {
                    Side::Boundary
                } else {
                    Side::Outside
                }
            }
        }
    }

    /// `st_intersects` / `geo.intersects`: the geometries share at least one point.
    pub fn intersects(&self, other: &Geometry) -> bool {
        if self.vertices().iter().any(|p| other.side(*p) != Side::Outside)
            || other.vertices().iter().any(|p| self.side(*p) != Side::Outside)
        {
            return true;
        }
        let theirs = other.edges();
        self.edges().iter().any(|(a, b)| theirs.iter().any(|(c, d)| segments_touch(*a, *b, *c, *d)))
    }

    /// `st_within`: this geometry lies inside `other`. For a point: strictly inside an area, or on a line or point.
    /// For lines and areas: every vertex and edge midpoint inside or on the boundary of `other`'s area, and no edge
    /// properly crossing its boundary (exact for simple shapes; SQL backends use the database's own test).
    pub fn within(&self, other: &Geometry) -> bool {
        match self {
            Geometry::Point(p) => match other {
                Geometry::Polygon(_) | Geometry::Multi(_) if other.has_area() => other.side(*p) == Side::Inside,
                _ => other.side(*p) != Side::Outside,
            },
            Geometry::Multi(parts) => !parts.is_empty() && parts.iter().all(|g| g.within(other)),
            _ => {
                if !other.has_area() {
                    return false;
                }
                let edges = self.edges();
                let midpoints = edges.iter().map(|(a, b)| [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]);
                let all_in = self.vertices().into_iter().chain(midpoints).all(|p| other.side(p) != Side::Outside);
                let theirs = other.edges();
                let crosses =
                    edges.iter().any(|(a, b)| theirs.iter().any(|(c, d)| segments_cross_properly(*a, *b, *c, *d)));
                all_in && !crosses
            }
        }
    }

    /// `st_contains`: `other` lies inside this geometry.
    pub fn contains(&self, other: &Geometry) -> bool {
        other.within(self)
    }

    /// `geo.distance`: the shortest planar distance in degrees, 0 when the geometries intersect.
    pub fn distance(&self, other: &Geometry) -> f64 {
        if self.intersects(other) {
            return 0.0;
        }
        let mut best = f64::INFINITY;
        for (a, b) in [(self, other), (other, self)] {
            let edges = b.edges();
            for p in a.vertices() {
                for (c, d) in &edges {
                    best = best.min(point_segment_distance(p, *c, *d));
                }
                for q in b.vertices() {
                    best = best.min(((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt());
                }
            }
        }
        best
    }

    /// `geo.length`: the length of a line in degrees (0 for points and areas, as PostGIS `ST_Length`).
    pub fn length(&self) -> f64 {
        match self {
            Geometry::LineString(ps) => segments(ps).map(|(a, b)| point_segment_distance(a, b, b)).sum(),
            Geometry::Multi(parts) => parts.iter().map(Geometry::length).sum(),
            _ => 0.0,
        }
    }

    fn has_area(&self) -> bool {
        match self {
            Geometry::Polygon(_) => true,
            Geometry::Multi(parts) => parts.iter().any(Geometry::has_area),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wkt(s: &str) -> Geometry {
        parse_wkt(s).unwrap_or_else(|e| panic!("{s}: {}", e.0))
    }

    #[test]
    fn reads_wkt() {
        assert_eq!(wkt("POINT(107.59 16.46)"), Geometry::Point([107.59, 16.46]));
        assert_eq!(wkt(" point z ( 1 2 3 ) "), Geometry::Point([1.0, 2.0]));
        assert_eq!(wkt("SRID=4326;POINT(1 2)"), Geometry::Point([1.0, 2.0]));
        let poly = wkt("POLYGON ((30 10, 40 40, 20 40, 10 20, 30 10))");
        assert!(matches!(&poly, Geometry::Polygon(r) if r[0].len() == 5));
        assert_eq!(wkt(&poly.to_string()), poly);
        assert_eq!(wkt("MULTIPOINT (1 2, 3 4)"), wkt("MULTIPOINT ((1 2), (3 4))"));
        assert!(matches!(wkt("LINESTRING (0 0, 1 1)"), Geometry::LineString(_)));
        for bad in [
            "POINT(1)",
            "POINT 1 2",
            "POLYGON((0 0, 1 0, 1 1))",
            "POLYGON((0 0, 1 0, 1 1, 0 1))",
            "CIRCLE(0 0, 1)",
            "LINESTRING(0 0)",
            "POINT(1 2) x",
            "",
            "POINT(nan 2)",
        ] {
            assert!(parse_wkt(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_geojson() {
        assert_eq!(
            from_geojson(&json!({"type": "Point", "coordinates": [107.59, 16.46]})),
            Some(Geometry::Point([107.59, 16.46]))
        );
        let f = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2, 3]}});
        assert_eq!(from_geojson(&f), Some(Geometry::Point([1.0, 2.0])));
        assert_eq!(from_geojson(&json!({"type": "Point"})), None);
        assert_eq!(from_geojson(&json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]})), None);
    }

    #[test]
    fn spatial_relations() {
        let square = wkt("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))");
        let table = [
            ("POINT(1 1)", true, true),
            ("POINT(5 5)", false, false), // in the hole
            ("POINT(0 5)", true, false),  // on the boundary
            ("POINT(11 1)", false, false),
            ("LINESTRING(1 1, 2 2)", true, true),
            ("LINESTRING(1 1, 12 1)", true, false),
            ("LINESTRING(3 5, 7 5)", true, false), // through the hole
            ("POLYGON((1 1, 2 1, 2 2, 1 2, 1 1))", true, true),
            ("POLYGON((-1 -1, 11 -1, 11 11, -1 11, -1 -1))", true, false),
            ("POLYGON((20 20, 21 20, 21 21, 20 20))", false, false),
        ];
        for (g, intersects, within) in table {
            let g = wkt(g);
            assert_eq!(g.intersects(&square), intersects, "{g} intersects");
            assert_eq!(square.intersects(&g), intersects, "square intersects {g}");
            assert_eq!(g.within(&square), within, "{g} within");
            assert_eq!(square.contains(&g), within, "square contains {g}");
        }
    }

    #[test]
    fn distances_and_lengths() {
        let a = wkt("POINT(0 0)");
        assert_eq!(a.distance(&wkt("POINT(3 4)")), 5.0);
        assert_eq!(a.distance(&wkt("LINESTRING(1 -1, 1 1)")), 1.0);
        assert_eq!(a.distance(&wkt("POLYGON((-1 -1, 1 -1, 1 1, -1 1, -1 -1))")), 0.0);
        assert_eq!(wkt("LINESTRING(0 0, 3 4, 3 5)").length(), 6.0);
        assert_eq!(wkt("POINT(1 1)").length(), 0.0);
    }
}
