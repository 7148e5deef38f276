//! Geometry helpers: points picked on a map, unit and service areas as GeoJSON (multi)polygons, and
//! point-in-area tests used to route a field report to the ward it lies in.
//!
//! Coordinates are WGS 84 degrees. Areas keep GeoJSON's `[lon, lat]` order; [`GeoPoint`] names its fields.
//! The tests are planar (degrees treated as a flat grid), which is exact enough at the scale of a ward.
//! Distances between points ([`haversine_m`]) are great-circle distances on a spherical Earth.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::validation::ValidationError;

/// Tọa độ: a WGS 84 point (e.g. the pin of a field report), latitude and longitude in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude (vĩ độ), −90 to 90.
    pub lat: f64,
    /// Longitude (kinh độ), −180 to 180.
    pub lon: f64,
}

impl GeoPoint {
    /// Builds a point, rejecting non-finite values and values outside [−90, 90] / [−180, 180].
    pub fn new(lat: f64, lon: f64) -> Result<Self, ValidationError> {
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(ValidationError::new(
                "lat",
                "lat_out_of_range",
                "Vĩ độ phải là một số từ -90 đến 90.",
                "The latitude must be a number between -90 and 90.",
            ));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(ValidationError::new(
                "lon",
                "lon_out_of_range",
                "Kinh độ phải là một số từ -180 đến 180.",
                "The longitude must be a number between -180 and 180.",
            ));
        }
        Ok(GeoPoint { lat, lon })
    }
}

/// Mean Earth radius in metres (IUGG R₁ = (2a + b) / 3 of WGS 84), the sphere [`haversine_m`] measures on.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Khoảng cách: the great-circle distance between two points in metres (haversine formula on a sphere of
/// [`EARTH_RADIUS_M`]).
///
/// The spherical model is off by at most about 0.5 % against the WGS 84 ellipsoid, far below the accuracy of a
/// phone's GPS pin; that is all duplicate detection and radius filters need.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dphi = (b.lat - a.lat).to_radians();
    let dlambda = (b.lon - a.lon).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    // Rounding can push h a hair above 1 for antipodal points; clamp so asin stays defined.
    2.0 * EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

/// Khung bao: the smallest latitude/longitude rectangle around an area, used as a cheap first filter.
///
/// The box of an empty area has `min > max` (infinities) and contains no point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    /// Southern edge.
    pub min_lat: f64,
    /// Western edge.
    pub min_lon: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Eastern edge.
    pub max_lon: f64,
}

impl BoundingBox {
    /// True when `p` lies inside the box or on its edge.
    pub fn contains(&self, p: GeoPoint) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat) && (self.min_lon..=self.max_lon).contains(&p.lon)
    }
}

/// Ô lưới: cells of a fixed latitude/longitude grid, [`GRID_CELLS_PER_DEGREE`] to a degree (0.01°, about 1.1 km
/// in Huế), stored with each field report so a map viewport or a radius query narrows by a handful of cells on an
/// index ordered by time, instead of a latitude strip across the whole city sorted afterwards.
///
/// The database computes the same number as a generated column (migration `20261127000010_read_paths`):
/// `CAST((lat + 90) * 100 AS INTEGER) * 100000 + CAST((lon + 180) * 100 AS INTEGER)`. Shifting to positive
/// degrees first makes truncation equal to `floor`, with the same IEEE operations on every engine.
pub const GRID_CELLS_PER_DEGREE: f64 = 100.0;

/// Row stride of a cell number: longitude indices run 0..36000, so one row of latitude is 100 000 apart.
const GRID_ROW: i64 = 100_000;

/// Most cells a query lists before it falls back to the plain latitude/longitude range: beyond this a viewport
/// covers most of the city and the cell list would cost more than it saves.
pub const MAX_QUERY_CELLS: usize = 400;

fn grid_indices(p: GeoPoint) -> (i64, i64) {
    // Truncation of non-negative values is floor; `as` saturates, so even a stray NaN cannot panic.
    (((p.lat + 90.0) * GRID_CELLS_PER_DEGREE) as i64, ((p.lon + 180.0) * GRID_CELLS_PER_DEGREE) as i64)
}

/// The grid cell holding `p`.
pub fn grid_cell(p: GeoPoint) -> i64 {
    let (row, col) = grid_indices(p);
    row * GRID_ROW + col
}

/// Every cell that meets `bbox`, or `None` when there are more than [`MAX_QUERY_CELLS`] (or the box is empty).
pub fn grid_cells_covering(bbox: &BoundingBox) -> Option<Vec<i64>> {
    if !(bbox.min_lat <= bbox.max_lat && bbox.min_lon <= bbox.max_lon) {
        return None;
    }
    let (r0, c0) = grid_indices(GeoPoint { lat: bbox.min_lat.max(-90.0), lon: bbox.min_lon.max(-180.0) });
    let (r1, c1) = grid_indices(GeoPoint { lat: bbox.max_lat.min(90.0), lon: bbox.max_lon.min(180.0) });
    let count = usize::try_from((r1 - r0 + 1).saturating_mul(c1 - c0 + 1)).ok()?;
    if count > MAX_QUERY_CELLS {
        return None;
    }
    Some((r0..=r1).flat_map(|r| (c0..=c1).map(move |c| r * GRID_ROW + c)).collect())
}

/// A polygon with an exterior ring and optional holes, each a closed ring of GeoJSON `[lon, lat]` positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    /// Outer boundary; first and last positions are equal.
    pub exterior: Vec<[f64; 2]>,
    /// Holes cut out of the exterior (e.g. an enclave belonging to another unit).
    pub holes: Vec<Vec<[f64; 2]>>,
}

impl Polygon {
    /// True when `p` is inside the exterior ring and in none of the holes (even-odd rule; points exactly on an
    /// edge may fall either way).
    pub fn contains(&self, p: GeoPoint) -> bool {
        ring_contains(&self.exterior, p) && !self.holes.iter().any(|h| ring_contains(h, p))
    }
}

/// Vùng địa giới: an area made of one or more polygons (a GeoJSON MultiPolygon), e.g. a ward's boundary or an
/// agency's service area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// The parts of the area; a point is in the area when it is in any part.
    pub polygons: Vec<Polygon>,
}

impl Area {
    /// Reads a GeoJSON geometry object of type "Polygon" or "MultiPolygon" (RFC 7946 §3.1.6–3.1.7).
    ///
    /// Rings must be closed and have at least 4 positions; positions must be `[lon, lat]` within range (a third
    /// altitude value is accepted and dropped). There must be at least one polygon.
    pub fn from_geojson_geometry(value: &Value) -> Result<Area, ValidationError> {
        let kind = value.get("type").and_then(Value::as_str).ok_or_else(not_a_geometry)?;
        let coordinates = value.get("coordinates").and_then(Value::as_array).ok_or_else(not_a_geometry)?;
        let polygons = match kind {
            "Polygon" => vec![parse_polygon(coordinates)?],
            "MultiPolygon" => coordinates
                .iter()
                .map(|p| p.as_array().ok_or_else(not_a_geometry).and_then(|rings| parse_polygon(rings)))
                .collect::<Result<Vec<_>, _>>()?,
            other => {
                return Err(ValidationError::new(
                    "geometry",
                    "geometry_unsupported_type",
                    format!("Vùng địa lý phải có kiểu Polygon hoặc MultiPolygon, không phải “{other}”."),
                    format!("The area geometry must be a Polygon or a MultiPolygon, not “{other}”."),
                ));
            }
        };
        if polygons.is_empty() {
            return Err(ValidationError::new(
                "geometry",
                "geometry_empty",
                "Vùng địa lý phải có ít nhất một đa giác.",
                "The area geometry must contain at least one polygon.",
            ));
        }
        Ok(Area { polygons })
    }

    /// Writes the area as a GeoJSON geometry: a "Polygon" when it has exactly one part, else a "MultiPolygon".
    pub fn to_geojson_geometry(&self) -> Value {
        let polygon_coords = |p: &Polygon| {
            let mut rings = Vec::with_capacity(1 + p.holes.len());
            rings.push(json!(p.exterior));
            rings.extend(p.holes.iter().map(|h| json!(h)));
            Value::Array(rings)
        };
        match self.polygons.as_slice() {
            [single] => json!({ "type": "Polygon", "coordinates": polygon_coords(single) }),
            many => json!({
                "type": "MultiPolygon",
                "coordinates": many.iter().map(polygon_coords).collect::<Vec<_>>(),
            }),
        }
    }

    /// True when `p` lies in any polygon of the area, outside that polygon's holes (even-odd ray casting).
    pub fn contains(&self, p: GeoPoint) -> bool {
        self.bbox().contains(p) && self.polygons.iter().any(|poly| poly.contains(p))
    }

    /// The bounding box of all exterior rings.
    pub fn bbox(&self) -> BoundingBox {
        let mut bbox = BoundingBox {
            min_lat: f64::INFINITY,
            min_lon: f64::INFINITY,
            max_lat: f64::NEG_INFINITY,
            max_lon: f64::NEG_INFINITY,
        };
        for [lon, lat] in self.polygons.iter().flat_map(|p| p.exterior.iter().copied()) {
            bbox.min_lat = bbox.min_lat.min(lat);
            bbox.min_lon = bbox.min_lon.min(lon);
            bbox.max_lat = bbox.max_lat.max(lat);
            bbox.max_lon = bbox.max_lon.max(lon);
        }
        bbox
    }
}

/// Even-odd test: casts a ray eastwards from `p` and counts how many ring edges it crosses.
fn ring_contains(ring: &[[f64; 2]], p: GeoPoint) -> bool {
    let (x, y) = (p.lon, p.lat);
    let mut inside = false;
    let mut prev = match ring.last() {
        Some(last) => *last,
        None => return false,
    };
    for &[xi, yi] in ring {
        let [xj, yj] = prev;
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        prev = [xi, yi];
    }
    inside
}

fn not_a_geometry() -> ValidationError {
    ValidationError::new(
        "geometry",
        "geometry_invalid",
        "Vùng địa lý không phải là hình học GeoJSON hợp lệ (cần “type” và mảng “coordinates”).",
        "The area is not a valid GeoJSON geometry (it needs a “type” and a “coordinates” array).",
    )
}

fn parse_polygon(rings: &[Value]) -> Result<Polygon, ValidationError> {
    let mut parsed = rings.iter().map(parse_ring);
    let exterior = parsed.next().ok_or_else(|| {
        ValidationError::new(
            "geometry",
            "geometry_empty",
            "Mỗi đa giác của vùng địa lý phải có ít nhất một vòng biên ngoài.",
            "Each polygon of the area must have an exterior ring.",
        )
    })??;
    let holes = parsed.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon { exterior, holes })
}

fn parse_ring(ring: &Value) -> Result<Vec<[f64; 2]>, ValidationError> {
    let positions =
        ring.as_array().ok_or_else(not_a_geometry)?.iter().map(parse_position).collect::<Result<Vec<_>, _>>()?;
    if positions.len() < 4 || positions.first() != positions.last() {
        return Err(ValidationError::new(
            "geometry",
            "geometry_ring_invalid",
            "Mỗi vòng biên của vùng địa lý phải khép kín (điểm cuối trùng điểm đầu) và có ít nhất 4 điểm.",
            "Each ring of the area must be closed (last point equal to the first) and have at least 4 points.",
        ));
    }
    Ok(positions)
}

fn parse_position(position: &Value) -> Result<[f64; 2], ValidationError> {
    let pair = position.as_array().filter(|a| a.len() >= 2).ok_or_else(not_a_geometry)?;
    let lon = pair[0].as_f64().ok_or_else(not_a_geometry)?;
    let lat = pair[1].as_f64().ok_or_else(not_a_geometry)?;
    GeoPoint::new(lat, lon).map_err(|_| {
        ValidationError::new(
            "geometry",
            "geometry_coordinate_out_of_range",
            format!("Tọa độ [{lon}, {lat}] nằm ngoài phạm vi; GeoJSON ghi [kinh độ, vĩ độ]."),
            format!("Coordinate [{lon}, {lat}] is out of range; GeoJSON positions are [longitude, latitude]."),
        )
    })?;
    Ok([lon, lat])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pt(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint { lat, lon }
    }

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
        vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    }

    fn area(value: Value) -> Area {
        Area::from_geojson_geometry(&value).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn grid_cell_of_hue_points() {
        // Phường Thuận Hóa: 16.4637 N, 107.5909 E → row (106.4637 × 100) = 10646, column (287.5909 × 100) = 28759.
        assert_eq!(grid_cell(pt(16.4637, 107.5909)), 10_646 * 100_000 + 28_759);
        // Negative degrees shift to positive first, so truncation is floor there too.
        assert_eq!(grid_cell(pt(-0.001, -0.001)), 8_999 * 100_000 + 17_999);
        assert_eq!(grid_cell(pt(-90.0, -180.0)), 0);
    }

    #[test]
    fn grid_cells_of_a_viewport() {
        let b = BoundingBox { min_lat: 16.455, min_lon: 107.585, max_lat: 16.472, max_lon: 107.601 };
        let cells = grid_cells_covering(&b).unwrap_or_default();
        // Rows 10645..=10647 × columns 28758..=28760.
        assert_eq!(cells.len(), 9, "{cells:?}");
        assert!(cells.contains(&grid_cell(pt(16.4637, 107.5909))));
    }

    #[test]
    fn grid_cells_refuse_a_whole_country() {
        let b = BoundingBox { min_lat: 8.0, min_lon: 102.0, max_lat: 23.0, max_lon: 110.0 };
        assert_eq!(grid_cells_covering(&b), None);
        let empty = BoundingBox { min_lat: 1.0, min_lon: 1.0, max_lat: 0.0, max_lon: 0.0 };
        assert_eq!(grid_cells_covering(&empty), None);
    }

    proptest! {
        #[test]
        fn every_point_of_a_box_is_in_a_covering_cell(
            lat in 16.0f64..17.0, lon in 107.0f64..108.0, dlat in 0.0f64..0.05, dlon in 0.0f64..0.05,
            fy in 0.0f64..=1.0, fx in 0.0f64..=1.0,
        ) {
            let b = BoundingBox { min_lat: lat, min_lon: lon, max_lat: lat + dlat, max_lon: lon + dlon };
            let p = pt(lat + dlat * fy, lon + dlon * fx);
            prop_assume!(b.contains(p));
            let cells = grid_cells_covering(&b).unwrap_or_default();
            prop_assert!(cells.contains(&grid_cell(p)));
        }
    }

    #[test]
    fn geo_point_range() {
        assert!(GeoPoint::new(16.4637, 107.5909).is_ok());
        assert!(GeoPoint::new(-90.0, 180.0).is_ok());
        let code = |lat, lon| GeoPoint::new(lat, lon).map_err(|e| (e.field, e.code));
        assert_eq!(code(90.1, 0.0), Err(("lat", "lat_out_of_range")));
        assert_eq!(code(f64::NAN, 0.0), Err(("lat", "lat_out_of_range")));
        assert_eq!(code(0.0, -180.5), Err(("lon", "lon_out_of_range")));
        assert_eq!(code(0.0, f64::INFINITY), Err(("lon", "lon_out_of_range")));
    }

    #[test]
    fn haversine_known_distances() {
        let one_degree = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        // (a, b, expected metres, tolerance)
        let cases = [
            (pt(0.0, 0.0), pt(0.0, 0.0), 0.0, 1e-9),
            (pt(0.0, 0.0), pt(0.0, 1.0), one_degree, 1e-6),
            (pt(0.0, 0.0), pt(1.0, 0.0), one_degree, 1e-6),
            (pt(0.0, 0.0), pt(0.0, 180.0), EARTH_RADIUS_M * std::f64::consts::PI, 1e-6),
            (pt(90.0, 0.0), pt(-90.0, 0.0), EARTH_RADIUS_M * std::f64::consts::PI, 1e-6),
            (pt(0.0, 179.5), pt(0.0, -179.5), one_degree, 1e-6),
            // Ngọ Môn to the Trường Tiền bridge (north end), Huế: about 1.53 km.
            (pt(16.4669, 107.5791), pt(16.4678, 107.5934), 1528.0, 5.0),
            // 0.00045° of latitude in Huế is about 50 m: the "strong duplicate" radius.
            (pt(16.4637, 107.5909), pt(16.46415, 107.5909), 50.04, 0.01),
        ];
        for (a, b, expected, tolerance) in cases {
            let d = haversine_m(a, b);
            assert!((d - expected).abs() <= tolerance, "{a:?} → {b:?}: {d} m, expected {expected} m");
        }
    }

    #[test]
    fn square_and_square_with_hole() {
        let plain = area(json!({ "type": "Polygon", "coordinates": [square(0.0, 0.0, 10.0, 10.0)] }));
        let holed = area(json!({
            "type": "Polygon",
            "coordinates": [square(0.0, 0.0, 10.0, 10.0), square(4.0, 4.0, 6.0, 6.0)],
        }));
        // (lat, lon, in plain, in holed)
        let cases = [
            (5.0, 5.0, true, false),
            (1.0, 1.0, true, true),
            (9.9, 0.1, true, true),
            (5.0, 3.9, true, true),
            (5.0, 4.1, true, false),
            (-0.1, 5.0, false, false),
            (5.0, 10.1, false, false),
            (11.0, 11.0, false, false),
            (-50.0, 120.0, false, false),
        ];
        for (lat, lon, in_plain, in_holed) in cases {
            assert_eq!(plain.contains(pt(lat, lon)), in_plain, "plain ({lat}, {lon})");
            assert_eq!(holed.contains(pt(lat, lon)), in_holed, "holed ({lat}, {lon})");
        }
        let bbox = holed.bbox();
        assert_eq!((bbox.min_lat, bbox.min_lon, bbox.max_lat, bbox.max_lon), (0.0, 0.0, 10.0, 10.0));
    }

    #[test]
    fn concave_polygon() {
        // A "U" open to the north: the notch between x = 4 and x = 6 above y = 4 is outside.
        let u = area(json!({
            "type": "Polygon",
            "coordinates": [[[0, 0], [10, 0], [10, 10], [6, 10], [6, 4], [4, 4], [4, 10], [0, 10], [0, 0]]],
        }));
        assert!(u.contains(pt(8.0, 2.0)));
        assert!(u.contains(pt(8.0, 8.0)));
        assert!(!u.contains(pt(8.0, 5.0)));
        assert!(u.contains(pt(2.0, 5.0)));
    }

    #[test]
    fn multipolygon_contains_each_part_and_round_trips() {
        let geometry = json!({
            "type": "MultiPolygon",
            "coordinates": [
                [square(107.5, 16.4, 107.6, 16.5)],
                [square(107.8, 16.2, 107.9, 16.3), square(107.84, 16.24, 107.86, 16.26)],
            ],
        });
        let a = area(geometry.clone());
        assert_eq!(a.polygons.len(), 2);
        assert!(a.contains(pt(16.45, 107.55)));
        assert!(a.contains(pt(16.21, 107.81)));
        assert!(!a.contains(pt(16.25, 107.85)));
        assert!(!a.contains(pt(16.35, 107.7)));
        assert_eq!(a.to_geojson_geometry(), geometry);
        assert_eq!(area(a.to_geojson_geometry()), a);

        let b = a.bbox();
        assert_eq!((b.min_lat, b.min_lon, b.max_lat, b.max_lon), (16.2, 107.5, 16.5, 107.9));
    }

    #[test]
    fn single_polygon_round_trips_as_polygon() {
        let geometry = json!({ "type": "Polygon", "coordinates": [square(1.0, 2.0, 3.0, 4.0)] });
        assert_eq!(area(geometry.clone()).to_geojson_geometry(), geometry);
        // Altitude is dropped.
        let with_altitude = json!({
            "type": "Polygon",
            "coordinates": [[[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]]],
        });
        assert_eq!(area(with_altitude).polygons[0].exterior[1], [1.0, 0.0]);
    }

    #[test]
    fn invalid_geometries() {
        let cases = [
            (json!({ "type": "Point", "coordinates": [107.5, 16.4] }), "geometry_unsupported_type"),
            (json!({ "type": "Polygon" }), "geometry_invalid"),
            (json!("Polygon"), "geometry_invalid"),
            (json!({ "type": "Polygon", "coordinates": [] }), "geometry_empty"),
            (json!({ "type": "MultiPolygon", "coordinates": [] }), "geometry_empty"),
            (json!({ "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]] }), "geometry_ring_invalid"),
            (json!({ "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]] }), "geometry_ring_invalid"),
            (json!({ "type": "Polygon", "coordinates": [[[0, 0], [1], [1, 1], [0, 0]]] }), "geometry_invalid"),
            (json!({ "type": "Polygon", "coordinates": [[[0, 0], ["1", 0], [1, 1], [0, 0]]] }), "geometry_invalid"),
            (
                json!({ "type": "Polygon", "coordinates": [[[16.4, 107.5], [16.5, 107.5], [16.5, 107.6], [16.4, 107.5]]] }),
                "geometry_coordinate_out_of_range",
            ),
        ];
        for (value, code) in cases {
            let err = Area::from_geojson_geometry(&value).expect_err(&value.to_string());
            assert_eq!((err.field, err.code), ("geometry", code), "{value}");
        }
    }

    #[test]
    fn empty_area_contains_nothing() {
        let empty = Area { polygons: vec![] };
        assert!(!empty.contains(pt(0.0, 0.0)));
        assert!(!empty.bbox().contains(pt(0.0, 0.0)));
        assert_eq!(empty.to_geojson_geometry(), json!({ "type": "MultiPolygon", "coordinates": [] }));
    }

    fn random_area() -> impl Strategy<Value = Area> {
        let ring = proptest::collection::vec((-10.0f64..10.0, -10.0f64..10.0), 3..12).prop_map(|pts| {
            let mut ring: Vec<[f64; 2]> = pts.into_iter().map(|(x, y)| [x, y]).collect();
            ring.push(ring[0]);
            ring
        });
        proptest::collection::vec(ring, 1..4).prop_map(|rings| Area {
            polygons: rings.into_iter().map(|exterior| Polygon { exterior, holes: vec![] }).collect(),
        })
    }

    proptest! {
        #[test]
        fn point_outside_bbox_is_never_contained(a in random_area(), lat in -90.0f64..90.0, lon in -180.0f64..180.0) {
            let p = pt(lat, lon);
            prop_assume!(!a.bbox().contains(p));
            prop_assert!(!a.contains(p));
            prop_assert!(!a.polygons.iter().any(|poly| poly.contains(p)));
        }

        #[test]
        fn contained_points_lie_in_the_bbox(a in random_area(), lat in -11.0f64..11.0, lon in -11.0f64..11.0) {
            let p = pt(lat, lon);
            if a.polygons.iter().any(|poly| poly.contains(p)) {
                prop_assert!(a.bbox().contains(p));
            }
        }

        #[test]
        fn haversine_is_a_metric_on_the_sphere(
            a in (-90.0f64..=90.0, -180.0f64..=180.0),
            b in (-90.0f64..=90.0, -180.0f64..=180.0),
            c in (-90.0f64..=90.0, -180.0f64..=180.0),
        ) {
            let (a, b, c) = (pt(a.0, a.1), pt(b.0, b.1), pt(c.0, c.1));
            let ab = haversine_m(a, b);
            prop_assert!((0.0..=EARTH_RADIUS_M * std::f64::consts::PI + 1e-6).contains(&ab));
            prop_assert!((ab - haversine_m(b, a)).abs() < 1e-6);
            prop_assert!(haversine_m(a, a) < 1e-6);
            prop_assert!(haversine_m(a, c) <= ab + haversine_m(b, c) + 1e-3);
        }

        #[test]
        fn geojson_round_trip(a in random_area()) {
            let back = Area::from_geojson_geometry(&a.to_geojson_geometry())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, a);
        }
    }
}
