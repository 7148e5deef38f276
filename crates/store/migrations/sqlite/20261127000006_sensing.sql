-- Sensing: the eight entities of OGC SensorThings API 1.1 (integer ids are the @iot.id) and the IOC alarms
-- (SQLite dialect; keep in step with ../postgres).
--
-- Times of Observations and HistoricalLocations are INTEGER microseconds since the Unix epoch (UTC) on both
-- engines rather than TEXT/timestamptz: the observations table is the one hot table (bulk ingest, keyset paging on
-- (datastream, phenomenonTime)), where an 8-byte integer keeps rows and the index small and lets one SQL text
-- compare times on both engines. JSON columns are TEXT, as elsewhere in the schema.

CREATE TABLE sta_things (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    properties          TEXT
);

CREATE TABLE sta_locations (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    encoding_type       TEXT NOT NULL,
    location            TEXT NOT NULL,
    properties          TEXT
);

CREATE TABLE sta_thing_locations (
    thing_id            INTEGER NOT NULL REFERENCES sta_things(id) ON DELETE CASCADE,
    location_id         INTEGER NOT NULL REFERENCES sta_locations(id) ON DELETE CASCADE,
    PRIMARY KEY (thing_id, location_id)
);
CREATE INDEX sta_thing_locations_location_idx ON sta_thing_locations(location_id);

CREATE TABLE sta_historical_locations (
    id                  INTEGER PRIMARY KEY,
    thing_id            INTEGER NOT NULL REFERENCES sta_things(id) ON DELETE CASCADE,
    time                INTEGER NOT NULL
);
CREATE INDEX sta_historical_locations_thing_idx ON sta_historical_locations(thing_id, time);

CREATE TABLE sta_historical_location_locations (
    historical_location_id INTEGER NOT NULL REFERENCES sta_historical_locations(id) ON DELETE CASCADE,
    location_id         INTEGER NOT NULL REFERENCES sta_locations(id) ON DELETE CASCADE,
    PRIMARY KEY (historical_location_id, location_id)
);
CREATE INDEX sta_historical_location_locations_location_idx ON sta_historical_location_locations(location_id);

CREATE TABLE sta_sensors (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    encoding_type       TEXT NOT NULL,
    metadata            TEXT NOT NULL,
    properties          TEXT
);

CREATE TABLE sta_observed_properties (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    definition          TEXT NOT NULL,
    description         TEXT NOT NULL,
    properties          TEXT
);

CREATE TABLE sta_datastreams (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    unit_of_measurement TEXT NOT NULL,
    observation_type    TEXT NOT NULL,
    observed_area       TEXT,
    properties          TEXT,
    thing_id            INTEGER NOT NULL REFERENCES sta_things(id) ON DELETE CASCADE,
    sensor_id           INTEGER NOT NULL REFERENCES sta_sensors(id) ON DELETE CASCADE,
    observed_property_id INTEGER NOT NULL REFERENCES sta_observed_properties(id) ON DELETE CASCADE
);
CREATE INDEX sta_datastreams_thing_idx ON sta_datastreams(thing_id);
CREATE INDEX sta_datastreams_sensor_idx ON sta_datastreams(sensor_id);
CREATE INDEX sta_datastreams_observed_property_idx ON sta_datastreams(observed_property_id);

CREATE TABLE sta_features (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    encoding_type       TEXT NOT NULL,
    feature             TEXT NOT NULL,
    properties          TEXT,
    -- Set when the server generated this feature from a Thing's Location (OGC 18-088 §8.2.8), to reuse it.
    from_location_id    INTEGER REFERENCES sta_locations(id) ON DELETE SET NULL
);
CREATE INDEX sta_features_from_location_idx ON sta_features(from_location_id);

-- Exactly one of result_number / result_text / result_json holds the result (none for a JSON null): numbers
-- compare and aggregate in SQL, strings compare as text, anything else (booleans, objects, arrays) is JSON text.
CREATE TABLE sta_observations (
    id                  INTEGER PRIMARY KEY,
    datastream_id       INTEGER NOT NULL REFERENCES sta_datastreams(id) ON DELETE CASCADE,
    phenomenon_time     INTEGER NOT NULL,
    phenomenon_time_end INTEGER,
    result_number       REAL,
    result_text         TEXT,
    result_json         TEXT,
    result_time         INTEGER,
    result_quality      TEXT,
    valid_time          TEXT,
    parameters          TEXT,
    feature_id          INTEGER REFERENCES sta_features(id) ON DELETE CASCADE,
    dedup_key           TEXT
);
-- Keyset paging and the latest value of a stream: (datastream, phenomenonTime, id).
CREATE INDEX sta_observations_stream_time_idx ON sta_observations(datastream_id, phenomenon_time, id);
-- MQTT QoS 1 redelivery: the same message stored once.
CREATE UNIQUE INDEX sta_observations_dedup_key_key ON sta_observations(dedup_key) WHERE dedup_key IS NOT NULL;

-- Cảnh báo vận hành (ThingsBoard-style): at most one active alarm per originator and type.
CREATE TABLE alarms (
    id                  BLOB PRIMARY KEY,
    originator          TEXT NOT NULL,
    originator_name     TEXT NOT NULL,
    alarm_type          TEXT NOT NULL,
    severity            TEXT NOT NULL,
    acknowledged        BOOLEAN NOT NULL,
    cleared             BOOLEAN NOT NULL,
    start_ts            TEXT NOT NULL,
    end_ts              TEXT NOT NULL,
    ack_ts              TEXT,
    clear_ts            TEXT,
    assignee            TEXT,
    assign_ts           TEXT,
    details             TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX alarms_originator_alarm_type_key ON alarms(originator, alarm_type) WHERE NOT cleared;
CREATE INDEX alarms_start_idx ON alarms(start_ts);

CREATE TABLE alarm_events (
    id                  BLOB PRIMARY KEY,
    alarm_id            BLOB NOT NULL REFERENCES alarms(id),
    at                  TEXT NOT NULL,
    action              TEXT NOT NULL,
    actor               TEXT,
    comment             TEXT NOT NULL,
    details             TEXT NOT NULL
);
CREATE INDEX alarm_events_alarm_idx ON alarm_events(alarm_id, at);
