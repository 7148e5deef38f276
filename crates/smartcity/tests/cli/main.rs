//! The `smartcity` binary driven as an operator would: each test spawns it on its own temporary
//! data directory (and, when `SMARTCITY_TEST_DATABASE_URL` is set, on a fresh PostgreSQL schema).

mod audit;
mod config;
mod demo;
mod dump;
mod postgres;
mod reports;
mod serve;
mod support;
mod users;
