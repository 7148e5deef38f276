//! SensorThings MQTT extension (OGC 18-088 §14): the platform subscribes to a broker and creates the Observations
//! published to `v1.1/Datastreams(id)/Observations` or to `v1.1/Observations` with the Datastream named in the body
//! (`"Datastream": {"@iot.id": 7}`) (MQTT-create), and publishes every new Observation on the Datastream's topic
//! for subscribers (MQTT-receive).
//!
//! Delivery guarantees, after `sensorthings-iot.md` §6:
//! - QoS 1 with manual acknowledgements: a PUBACK is sent only after the Observation is committed, and the session
//!   is persistent (`clean_session = false`), so the broker redelivers what was not acknowledged after a crash or
//!   a lost connection; every message carries a dedup key (hash of topic and payload) stored under a UNIQUE index,
//!   so a redelivered message is stored once.
//! - Subscriptions are renewed on every CONNACK (a broker may forget them), and a connection error backs off
//!   exponentially (0.5 s → 30 s) while the event loop keeps being polled, which is what reconnects it; requests
//!   queued before the drop are discarded (`EventLoop::clean`) so a stale PUBACK is never replayed on a new session.
//! - Memory stays bounded: the broker sends at most its in-flight window of unacknowledged messages, and they pass
//!   through a bounded queue; a message that finds the queue full is dropped unacknowledged (the broker keeps it
//!   for the next session) and counted in `sensing_mqtt_dropped_total`. Invalid payloads are acknowledged (they
//!   would never succeed) and counted in `sensing_mqtt_invalid_total`; committed ones in
//!   `sensing_mqtt_committed_total`.
//! - Our own receive-topic notifications come back to the subscription; they carry `@iot.id` and are skipped. An
//!   Observation a device published on its Datastream's topic is not announced again on that same topic (its
//!   subscribers already got it from the broker); one that arrived on `v1.1/Observations` is.

use std::time::Duration;

use chrono::Utc;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, Publish, QoS};
use serde_json::Value;
use sha2::{Digest, Sha256};
use smartcity_store::StoreError;
use smartcity_store::sensing::NewObservation;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::ingest::store_observations_announcing;
use crate::AppState;

/// A message to publish on a receive topic.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub topic: String,
    pub payload: Vec<u8>,
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct MqttConfig {
    /// `mqtt://host:port` (port 1883 when absent).
    pub url: String,
    /// The client id; a stable one keeps the persistent session across restarts.
    pub client_id: String,
    /// Put before every topic, e.g. `hue/` → `hue/v1.1/Datastreams(1)/Observations`; empty by default.
    pub topic_prefix: String,
    /// Capacity of the queue between the network and the database writer.
    pub queue: usize,
    /// Keep the broker session (and the unacknowledged messages in it) across reconnects and restarts; tests
    /// with throw-away client ids turn it off so the broker does not keep their sessions forever.
    pub persistent_session: bool,
}

impl MqttConfig {
    /// Defaults for `url`.
    pub fn new(url: &str) -> Self {
        MqttConfig {
            url: url.to_owned(),
            client_id: "smartcity".into(),
            topic_prefix: String::new(),
            queue: 10_000,
            persistent_session: true,
        }
    }
}

/// Most messages written in one transaction.
const BATCH: usize = 1_000;

fn host_port(url: &str) -> anyhow::Result<(String, u16)> {
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .ok_or_else(|| anyhow::anyhow!("the MQTT URL must start with mqtt:// (TLS is not built in): {url}"))?;
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_owned(), p.parse().map_err(|_| anyhow::anyhow!("bad port in {url}"))?)),
        None => Ok((rest.to_owned(), 1883)),
    }
}

/// The Datastream id of a create topic `…v1.1/Datastreams(id)/Observations`.
pub fn datastream_of_topic(prefix: &str, topic: &str) -> Option<i64> {
    let rest = topic.strip_prefix(prefix)?.strip_prefix("v1.1/Datastreams(")?;
    let (id, tail) = rest.split_once(')')?;
    (tail == "/Observations").then(|| id.parse().ok()).flatten()
}

/// Whether `topic` is the collection create topic `…v1.1/Observations`, whose messages name their Datastream.
pub fn is_collection_topic(prefix: &str, topic: &str) -> bool {
    topic.strip_prefix(prefix) == Some("v1.1/Observations")
}

/// The Datastream an Observation body names by reference (`"Datastream": {"@iot.id": 7}`), taken out of the body.
/// A deep insert of a new Datastream is not accepted over MQTT: a device publishes readings, not its own model.
pub fn take_datastream_ref(body: &mut serde_json::Map<String, Value>) -> Result<i64, String> {
    match body.remove("Datastream") {
        Some(Value::Object(r)) if r.len() == 1 => {
            r.get("@iot.id").and_then(Value::as_i64).ok_or_else(|| "Datastream needs an integer @iot.id".into())
        }
        Some(_) => Err("Datastream must be a reference {\"@iot.id\": id}".into()),
        None => Err("an Observation on v1.1/Observations must name its Datastream {\"@iot.id\": id}".into()),
    }
}

/// Reads one MQTT-create message: `Ok(None)` for our own notifications, `Err` for a payload that can never be
/// stored.
fn observation_of(prefix: &str, p: &Publish) -> Result<Option<NewObservation>, String> {
    let by_topic = datastream_of_topic(prefix, &p.topic);
    if by_topic.is_none() && !is_collection_topic(prefix, &p.topic) {
        return Err("topic is neither v1.1/Datastreams(id)/Observations nor v1.1/Observations".into());
    }
    let body: Value = serde_json::from_slice(&p.payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let Value::Object(mut body) = super::sta::nfc_json(body) else {
        return Err("payload is not a JSON object".into());
    };
    if body.contains_key("@iot.id") {
        return Ok(None);
    }
    let ds = match by_topic {
        Some(ds) => ds,
        None => take_datastream_ref(&mut body)?,
    };
    let mut row = NewObservation::from_json(ds, &body, Utc::now()).map_err(|e| e.en)?;
    let digest = Sha256::digest([p.topic.as_bytes(), b"\n", &p.payload].concat());
    row.dedup_key = Some(format!("m:{}", hex::encode(&digest[..16])));
    Ok(Some(row))
}

/// Starts the MQTT worker: the event loop, the database writer and the receive-topic publisher.
pub fn spawn(state: AppState, config: MqttConfig) -> anyhow::Result<JoinHandle<()>> {
    let (host, port) = host_port(&config.url)?;
    let mut options = MqttOptions::new(config.client_id.clone(), host, port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_clean_session(!config.persistent_session)
        .set_manual_acks(true)
        .set_inflight(1_000);
    let (client, eventloop) = AsyncClient::new(options, 10_000);
    let (to_writer, from_network) = mpsc::channel::<Publish>(config.queue.max(1));
    let (to_publisher, outgoing) = mpsc::channel::<Outgoing>(config.queue.max(1));
    state.sensing.set_publisher(to_publisher);
    let prefix = config.topic_prefix.clone();
    let writer = tokio::spawn(write_messages(state, client.clone(), from_network, prefix.clone()));
    let publisher = tokio::spawn(publish_notifications(client.clone(), outgoing, prefix.clone()));
    Ok(tokio::spawn(async move {
        drive(eventloop, client, to_writer, prefix).await;
        writer.abort();
        publisher.abort();
    }))
}

async fn drive(mut eventloop: EventLoop, client: AsyncClient, to_writer: mpsc::Sender<Publish>, prefix: String) {
    let filter = format!("{prefix}v1.1/+/Observations");
    let collection = format!("{prefix}v1.1/Observations");
    let mut backoff = Duration::from_millis(500);
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = Duration::from_millis(500);
                tracing::info!(topic = %filter, also = %collection, "MQTT connected; subscribing");
                let topics =
                    [filter.clone(), collection.clone()].map(|t| rumqttc::SubscribeFilter::new(t, QoS::AtLeastOnce));
                if client.try_subscribe_many(topics).is_err() {
                    tracing::warn!("MQTT subscribe request could not be queued");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if p.qos == QoS::AtMostOnce
                    && p.payload.first() == Some(&b'{')
                    && p.payload.windows(8).any(|w| w == b"\"@iot.id")
                {
                    // Our own notification, echoed back by the broker.
                    continue;
                }
                if to_writer.try_send(p).is_err() {
                    metrics::counter!("sensing_mqtt_dropped_total").increment(1);
                }
            }
            Ok(_) => {}
            Err(e) => {
                metrics::counter!("sensing_mqtt_connection_errors_total").increment(1);
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "MQTT connection lost");
                eventloop.clean();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

async fn write_messages(
    state: AppState,
    client: AsyncClient,
    mut from_network: mpsc::Receiver<Publish>,
    prefix: String,
) {
    let mut batch: Vec<Publish> = Vec::with_capacity(BATCH);
    while let Some(first) = from_network.recv().await {
        batch.push(first);
        while batch.len() < BATCH {
            match from_network.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let mut rows = Vec::with_capacity(batch.len());
        let mut keep = Vec::with_capacity(batch.len());
        for p in batch.drain(..) {
            match observation_of(&prefix, &p) {
                Ok(Some(row)) => {
                    rows.push(row);
                    keep.push(p);
                }
                Ok(None) => ack(&client, &p).await,
                Err(why) => {
                    metrics::counter!("sensing_mqtt_invalid_total").increment(1);
                    tracing::info!(topic = %p.topic, %why, "MQTT message refused");
                    ack(&client, &p).await;
                }
            }
        }
        commit(&state, &client, &prefix, rows, keep).await;
    }
}

/// Stores a batch and acknowledges it. A batch refused for one message's content is retried message by message,
/// so that one unknown Datastream does not hold up the rest; a database failure is retried with back-off, without
/// acknowledging anything until it succeeds.
async fn commit(
    state: &AppState,
    client: &AsyncClient,
    prefix: &str,
    rows: Vec<NewObservation>,
    messages: Vec<Publish>,
) {
    if rows.is_empty() {
        return;
    }
    let announce: Vec<bool> = messages.iter().map(|p| is_collection_topic(prefix, &p.topic)).collect();
    let mut backoff = Duration::from_millis(200);
    loop {
        match store_observations_announcing(state, rows.clone(), &announce).await {
            Ok(_) => {
                metrics::counter!("sensing_mqtt_committed_total").increment(messages.len() as u64);
                for p in &messages {
                    ack(client, p).await;
                }
                return;
            }
            Err(StoreError::Invalid(_)) if rows.len() > 1 => {
                for (row, p) in rows.into_iter().zip(messages) {
                    Box::pin(commit(state, client, prefix, vec![row], vec![p])).await;
                }
                return;
            }
            Err(StoreError::Invalid(e)) => {
                metrics::counter!("sensing_mqtt_invalid_total").increment(1);
                tracing::info!(error = %e.en, "MQTT observation refused");
                for p in &messages {
                    ack(client, p).await;
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "storing MQTT observations failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

async fn ack(client: &AsyncClient, p: &Publish) {
    if client.ack(p).await.is_err() {
        tracing::warn!("MQTT acknowledgement could not be queued");
    }
}

async fn publish_notifications(client: AsyncClient, mut outgoing: mpsc::Receiver<Outgoing>, prefix: String) {
    while let Some(m) = outgoing.recv().await {
        let topic = format!("{prefix}{}", m.topic);
        if client.try_publish(topic, QoS::AtMostOnce, false, m.payload).is_err() {
            metrics::counter!("sensing_mqtt_publish_dropped_total").increment(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn create_topics_name_their_datastream() {
        assert_eq!(datastream_of_topic("", "v1.1/Datastreams(12)/Observations"), Some(12));
        assert_eq!(datastream_of_topic("t1/", "t1/v1.1/Datastreams(3)/Observations"), Some(3));
        assert_eq!(datastream_of_topic("", "v1.1/Datastreams(x)/Observations"), None);
        assert_eq!(datastream_of_topic("", "v1.1/Things(1)/Observations"), None);
        assert_eq!(host_port("mqtt://127.0.0.1:1883").unwrap(), ("127.0.0.1".to_owned(), 1883));
        assert_eq!(host_port("mqtt://broker").unwrap(), ("broker".to_owned(), 1883));
        assert!(host_port("mqtts://broker").is_err());
    }

    #[test]
    fn the_collection_topic_takes_the_datastream_from_the_body() {
        assert!(is_collection_topic("t1/", "t1/v1.1/Observations"));
        assert!(!is_collection_topic("t1/", "v1.1/Observations"));
        assert!(!is_collection_topic("", "v1.1/Observations/x"));
        let mut body = json!({"result": 1.0, "Datastream": {"@iot.id": 7}}).as_object().unwrap().clone();
        assert_eq!(take_datastream_ref(&mut body), Ok(7));
        assert!(!body.contains_key("Datastream"));
        for bad in [
            json!({"result": 1.0}),
            json!({"Datastream": 7}),
            json!({"Datastream": {"@iot.id": "7"}}),
            json!({"Datastream": {"@iot.id": 7, "name": "new"}}),
        ] {
            assert!(take_datastream_ref(&mut bad.as_object().unwrap().clone()).is_err(), "{bad}");
        }
    }
}
