//! HTTP behaviour through the real router, on SQLite by default and on PostgreSQL when
//! `SMARTCITY_TEST_DATABASE_URL` is set. One test binary, modules per capability.

// A failed unwrap is a failed test, with its location: exactly what a test should do.
#![allow(clippy::unwrap_used)]

mod alarm_rules;
mod app;
mod dossiers;
mod environment;
mod identity;
mod open311;
mod operations;
mod payments;
mod portal;
mod reports;
mod reports_pages;
mod shell;
mod sta;
mod sta_mqtt;
mod transparency;
mod units;
