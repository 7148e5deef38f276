//! The binary's wiring: command line, configuration, demo data and the commands themselves
//! (serve, migrate, demo, user, export, import, audit verify). Kept as a library so the demo
//! loader and the configuration rules can be tested and reused without spawning the binary.

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod mail;

pub use commands::run;
