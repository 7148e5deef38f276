//! The SensorThings API 1.1 entity model as stored: which table holds each entity set, which column holds each
//! property, and how the sets relate. One table drives reading, writing, `$filter` translation, `$expand` and
//! navigation links, so a relation is declared once.

/// The eight entity sets of STA 1.1 Sensing (OGC 18-088 §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntitySet {
    Things,
    Locations,
    HistoricalLocations,
    Datastreams,
    Sensors,
    ObservedProperties,
    Observations,
    FeaturesOfInterest,
}

/// How a property is held in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A required string.
    Text,
    /// Any JSON value, stored as JSON text; `required` says whether it may be absent.
    Json { required: bool },
    /// An instant in integer microseconds since the epoch (HistoricalLocation `time`, Observation `resultTime`).
    Time { required: bool },
    /// An Observation's `phenomenonTime`: start column plus an optional end column (intervals).
    PhenomenonTime,
    /// An Observation's `result` across `result_number` / `result_text` / `result_json`.
    Result,
    /// An Observation's `validTime` interval, stored as its ISO 8601 text.
    Interval,
    /// Computed by the server, read-only (a Datastream's phenomenonTime from its Observations).
    Derived,
}

/// One property of an entity set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The STA property name, e.g. `encodingType`.
    pub name: &'static str,
    /// The column, e.g. `encoding_type` (the start column for phenomenonTime, `result_number` for result).
    pub column: &'static str,
    pub kind: FieldKind,
}

const fn text(name: &'static str, column: &'static str) -> Field {
    Field { name, column, kind: FieldKind::Text }
}
const fn json(name: &'static str, column: &'static str, required: bool) -> Field {
    Field { name, column, kind: FieldKind::Json { required } }
}

/// How a navigation property reaches its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavKind {
    /// At most one target, whose id is in `column` of the source table.
    ToOne { column: &'static str },
    /// Many targets, each pointing back with `column` of the target table.
    ToMany { column: &'static str },
    /// Many targets through a link table: `(link_table.from_column = source id, link_table.to_column = target id)`.
    ManyToMany { link_table: &'static str, from_column: &'static str, to_column: &'static str },
}

/// A navigation property, e.g. `Thing/Datastreams`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Navigation {
    pub from: EntitySet,
    pub name: &'static str,
    pub to: EntitySet,
    pub kind: NavKind,
}

use EntitySet::*;
use NavKind::*;

/// Every navigation property of STA 1.1 Sensing.
pub const NAVIGATIONS: &[Navigation] = &[
    Navigation {
        from: Things,
        name: "Locations",
        to: Locations,
        kind: ManyToMany { link_table: "sta_thing_locations", from_column: "thing_id", to_column: "location_id" },
    },
    Navigation {
        from: Things,
        name: "HistoricalLocations",
        to: HistoricalLocations,
        kind: ToMany { column: "thing_id" },
    },
    Navigation { from: Things, name: "Datastreams", to: Datastreams, kind: ToMany { column: "thing_id" } },
    Navigation {
        from: Locations,
        name: "Things",
        to: Things,
        kind: ManyToMany { link_table: "sta_thing_locations", from_column: "location_id", to_column: "thing_id" },
    },
    Navigation {
        from: Locations,
        name: "HistoricalLocations",
        to: HistoricalLocations,
        kind: ManyToMany {
            link_table: "sta_historical_location_locations",
            from_column: "location_id",
            to_column: "historical_location_id",
        },
    },
    Navigation { from: HistoricalLocations, name: "Thing", to: Things, kind: ToOne { column: "thing_id" } },
    Navigation {
        from: HistoricalLocations,
        name: "Locations",
        to: Locations,
        kind: ManyToMany {
            link_table: "sta_historical_location_locations",
            from_column: "historical_location_id",
            to_column: "location_id",
        },
    },
    Navigation { from: Datastreams, name: "Thing", to: Things, kind: ToOne { column: "thing_id" } },
    Navigation { from: Datastreams, name: "Sensor", to: Sensors, kind: ToOne { column: "sensor_id" } },
    Navigation {
        from: Datastreams,
        name: "ObservedProperty",
        to: ObservedProperties,
        kind: ToOne { column: "observed_property_id" },
    },
    Navigation { from: Datastreams, name: "Observations", to: Observations, kind: ToMany { column: "datastream_id" } },
    Navigation { from: Sensors, name: "Datastreams", to: Datastreams, kind: ToMany { column: "sensor_id" } },
    Navigation {
        from: ObservedProperties,
        name: "Datastreams",
        to: Datastreams,
        kind: ToMany { column: "observed_property_id" },
    },
    Navigation { from: Observations, name: "Datastream", to: Datastreams, kind: ToOne { column: "datastream_id" } },
    Navigation {
        from: Observations,
        name: "FeatureOfInterest",
        to: FeaturesOfInterest,
        kind: ToOne { column: "feature_id" },
    },
    Navigation {
        from: FeaturesOfInterest,
        name: "Observations",
        to: Observations,
        kind: ToMany { column: "feature_id" },
    },
];

const THING_FIELDS: &[Field] =
    &[text("name", "name"), text("description", "description"), json("properties", "properties", false)];
const LOCATION_FIELDS: &[Field] = &[
    text("name", "name"),
    text("description", "description"),
    text("encodingType", "encoding_type"),
    json("location", "location", true),
    json("properties", "properties", false),
];
const HISTORICAL_LOCATION_FIELDS: &[Field] =
    &[Field { name: "time", column: "time", kind: FieldKind::Time { required: true } }];
const SENSOR_FIELDS: &[Field] = &[
    text("name", "name"),
    text("description", "description"),
    text("encodingType", "encoding_type"),
    json("metadata", "metadata", true),
    json("properties", "properties", false),
];
const OBSERVED_PROPERTY_FIELDS: &[Field] = &[
    text("name", "name"),
    text("definition", "definition"),
    text("description", "description"),
    json("properties", "properties", false),
];
const DATASTREAM_FIELDS: &[Field] = &[
    text("name", "name"),
    text("description", "description"),
    json("unitOfMeasurement", "unit_of_measurement", true),
    text("observationType", "observation_type"),
    json("observedArea", "observed_area", false),
    json("properties", "properties", false),
    Field { name: "phenomenonTime", column: "", kind: FieldKind::Derived },
];
const FEATURE_FIELDS: &[Field] = &[
    text("name", "name"),
    text("description", "description"),
    text("encodingType", "encoding_type"),
    json("feature", "feature", true),
    json("properties", "properties", false),
];
const OBSERVATION_FIELDS: &[Field] = &[
    Field { name: "phenomenonTime", column: "phenomenon_time", kind: FieldKind::PhenomenonTime },
    Field { name: "result", column: "result_number", kind: FieldKind::Result },
    Field { name: "resultTime", column: "result_time", kind: FieldKind::Time { required: false } },
    json("resultQuality", "result_quality", false),
    Field { name: "validTime", column: "valid_time", kind: FieldKind::Interval },
    json("parameters", "parameters", false),
];

impl EntitySet {
    /// Every entity set, in the order the service root lists them.
    pub const ALL: [EntitySet; 8] = [
        Things,
        Locations,
        HistoricalLocations,
        Datastreams,
        Sensors,
        ObservedProperties,
        Observations,
        FeaturesOfInterest,
    ];

    /// The collection name in URLs, e.g. `Things`.
    pub fn name(self) -> &'static str {
        match self {
            Things => "Things",
            Locations => "Locations",
            HistoricalLocations => "HistoricalLocations",
            Datastreams => "Datastreams",
            Sensors => "Sensors",
            ObservedProperties => "ObservedProperties",
            Observations => "Observations",
            FeaturesOfInterest => "FeaturesOfInterest",
        }
    }

    /// The singular name used in deep-insert bodies and MQTT topics, e.g. `Thing`.
    pub fn singular(self) -> &'static str {
        match self {
            Things => "Thing",
            Locations => "Location",
            HistoricalLocations => "HistoricalLocation",
            Datastreams => "Datastream",
            Sensors => "Sensor",
            ObservedProperties => "ObservedProperty",
            Observations => "Observation",
            FeaturesOfInterest => "FeatureOfInterest",
        }
    }

    /// Reads a collection name.
    pub fn from_name(name: &str) -> Option<EntitySet> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The table.
    pub fn table(self) -> &'static str {
        match self {
            Things => "sta_things",
            Locations => "sta_locations",
            HistoricalLocations => "sta_historical_locations",
            Datastreams => "sta_datastreams",
            Sensors => "sta_sensors",
            ObservedProperties => "sta_observed_properties",
            Observations => "sta_observations",
            FeaturesOfInterest => "sta_features",
        }
    }

    /// The properties (not the id, not navigation).
    pub fn fields(self) -> &'static [Field] {
        match self {
            Things => THING_FIELDS,
            Locations => LOCATION_FIELDS,
            HistoricalLocations => HISTORICAL_LOCATION_FIELDS,
            Datastreams => DATASTREAM_FIELDS,
            Sensors => SENSOR_FIELDS,
            ObservedProperties => OBSERVED_PROPERTY_FIELDS,
            Observations => OBSERVATION_FIELDS,
            FeaturesOfInterest => FEATURE_FIELDS,
        }
    }

    /// One property by name.
    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// Its navigation properties.
    pub fn navigations(self) -> impl Iterator<Item = &'static Navigation> {
        NAVIGATIONS.iter().filter(move |n| n.from == self)
    }

    /// One navigation property by name.
    pub fn navigation(self, name: &str) -> Option<&'static Navigation> {
        self.navigations().find(|n| n.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_navigation_has_its_inverse() {
        for n in NAVIGATIONS {
            assert!(
                n.to.navigations().any(|back| back.to == n.from),
                "{}/{} has no way back from {}",
                n.from.name(),
                n.name,
                n.to.name()
            );
        }
        assert_eq!(EntitySet::from_name("FeaturesOfInterest"), Some(FeaturesOfInterest));
        assert_eq!(EntitySet::from_name("Thing"), None);
    }
}
