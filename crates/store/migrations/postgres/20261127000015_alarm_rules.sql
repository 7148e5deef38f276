-- Sensing: the alarm rules administrators edit, and the flood alarm levels of each river gauge (PostgreSQL dialect;
-- keep in step with ../sqlite).
--
-- A rule is stored whole as the JSON of domain::sensing::alarm_rules::AlarmRule, keyed by its code (which is also the
-- type of the alarms it raises). Rules nobody has edited are not stored: the defaults in code apply, so an empty
-- table means today's behaviour; who changed what is in the audit log and `import` still finds a fresh database empty.
CREATE TABLE alarm_rules (
    code                TEXT PRIMARY KEY,
    definition          TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- BĐ1–BĐ3 of a gauge (QĐ 05/2020/QĐ-TTg), replacing the seed levels of domain::sensing::flood::hue_gauges.
CREATE TABLE river_gauge_levels (
    gauge_id            TEXT PRIMARY KEY,
    bd1_m               DOUBLE PRECISION NOT NULL,
    bd2_m               DOUBLE PRECISION NOT NULL,
    bd3_m               DOUBLE PRECISION NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK (bd1_m < bd2_m AND bd2_m < bd3_m)
);
