//! `sensing` on the web: the OGC SensorThings API 1.1 at `/sta/v1.1/` ([`sta`]), the ingest path shared by HTTP
//! and MQTT ([`ingest`], [`mqtt`]), the environment API and page ([`environment`]) and the IOC's alarm and device
//! pages ([`alarms`]) and the editor of the rules that raise alarms ([`rules`]).

pub mod alarms;
pub mod environment;
pub mod ingest;
pub mod mqtt;
pub mod rules;
pub mod sta;

use std::sync::OnceLock;

use axum::Router;
use tokio::sync::mpsc;

use crate::AppState;

/// Live parts of the sensing capability shared by the handlers and the MQTT worker.
#[derive(Debug, Default)]
pub struct SensingRuntime {
    /// Where new Observations go to be published on the receive topics, when an MQTT broker is configured.
    publisher: OnceLock<mpsc::Sender<mqtt::Outgoing>>,
}

impl SensingRuntime {
    /// Connects the publisher (once, by the MQTT worker).
    pub fn set_publisher(&self, tx: mpsc::Sender<mqtt::Outgoing>) {
        let _ = self.publisher.set(tx);
    }

    /// Whether new Observations are published (an MQTT broker is configured).
    pub fn publishing(&self) -> bool {
        self.publisher.get().is_some()
    }

    /// Hands a message to the publisher without waiting: when its queue is full the message is dropped and
    /// counted (`sensing_mqtt_publish_dropped_total`), so a slow broker never holds up ingest.
    pub fn publish(&self, message: mqtt::Outgoing) {
        if let Some(tx) = self.publisher.get()
            && tx.try_send(message).is_err()
        {
            metrics::counter!("sensing_mqtt_publish_dropped_total").increment(1);
        }
    }
}

/// Routes of the sensing capability.
pub fn router() -> Router<AppState> {
    sta::router().merge(environment::router()).merge(alarms::router()).merge(rules::router())
}
