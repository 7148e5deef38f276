//! `operations`: rules of the operations centre (IOC) — alarms on sensors and infrastructure.

pub mod alarms;
