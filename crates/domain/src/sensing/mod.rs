//! `sensing`: the rules behind the city's sensors — the Vietnamese air-quality index, river
//! gauges against the official flood alarm levels, rainfall totals, the alarm rules administrators
//! edit, and the OGC SensorThings API 1.1 query language and bodies.

pub mod alarm_rules;
pub mod aqi;
pub mod flood;
pub mod rainfall;
pub mod sensorthings;
