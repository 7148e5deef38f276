//! `operations`: rules of the operations centre (IOC) — alarms on sensors and infrastructure, and the standard
//! operating procedure an operator follows for each alarm type.

pub mod alarms;
pub mod sop;
