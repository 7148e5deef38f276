//! MQTT placeholder (filled in by the MQTT step).

/// A message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub topic: String,
    pub payload: Vec<u8>,
}
