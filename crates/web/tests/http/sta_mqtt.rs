//! SensorThings MQTT-create and MQTT-receive against the real Mosquitto on 127.0.0.1:1883, each test with its own
//! topic prefix and client ids so tests run in parallel.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};
use smartcity_store::AuditContext;
use smartcity_store::sensing::{EntitySet, NewObservation, SensingStore, StaQuery};
use smartcity_store::testing::{TestStore, fresh_store};
use smartcity_web::sensing::ingest::store_observations;
use smartcity_web::sensing::mqtt::{MqttConfig, spawn};
use smartcity_web::{AppState, WebConfig};

const BROKER: &str = "mqtt://127.0.0.1:1883";

async fn kim_long(store: &TestStore) -> i64 {
    let body = |v: Value| v.as_object().unwrap().clone();
    use smartcity_store::sensing::{Ref, WriteOp};
    let ops = [
        WriteOp::Insert {
            set: EntitySet::Things,
            props: body(json!({"name": "Kim Long", "description": "Gauge"})),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::Sensors,
            props: body(json!({"name": "Radar", "description": "r", "encodingType": "text/html", "metadata": "x"})),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::ObservedProperties,
            props: body(json!({"name": "Water level", "definition": "d", "description": "d"})),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::Datastreams,
            props: body(json!({"name": "Level", "description": "d", "unitOfMeasurement": {"symbol": "m"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"})),
            links: vec![("Thing", Ref::New(0)), ("Sensor", Ref::New(1)), ("ObservedProperty", Ref::New(2))],
        },
    ];
    let _ = AuditContext::system("test");
    store.sta_write(&ops).await.unwrap()[3]
}

async fn observation_count(store: &TestStore) -> usize {
    store.sta_query(&StaQuery::all(EntitySet::Observations, 1000)).await.unwrap().entities.len()
}

fn unique(label: &str) -> String {
    format!("{label}-{}", uuid::Uuid::new_v4().simple())
}

/// A test client: its handle, and a task driving its event loop that forwards received publishes.
fn client(id: &str) -> (AsyncClient, tokio::sync::mpsc::UnboundedReceiver<rumqttc::Publish>) {
    let mut options = MqttOptions::new(id, "127.0.0.1", 1883);
    options.set_keep_alive(Duration::from_secs(10));
    let (client, mut eventloop) = AsyncClient::new(options, 100);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = tx.send(p);
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    (client, rx)
}

/// The platform's MQTT worker on its own topic prefix, with a throw-away session.
fn start_worker(state: AppState, label: &str) -> (String, tokio::task::JoinHandle<()>) {
    let prefix = format!("{}/", unique(label));
    let mut config = MqttConfig::new(BROKER);
    config.client_id = unique("sc");
    config.persistent_session = false;
    config.topic_prefix = prefix.clone();
    (prefix, spawn(state, config).unwrap())
}

/// Publishes `payload` until the platform's subscription is in place and something is stored.
async fn publish_until_stored(store: &TestStore, device: &AsyncClient, topic: &str, payload: &str) -> bool {
    for _ in 0..100 {
        device.publish(topic, QoS::AtLeastOnce, false, payload.to_owned()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if observation_count(store).await > 0 {
            return true;
        }
    }
    false
}

/// Waits until at least `n` Observations are stored (or 5 s), then a little longer for any extra one.
async fn settle(store: &TestStore, n: usize) {
    for _ in 0..50 {
        if observation_count(store).await >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn observations_published_over_mqtt_are_stored_once_and_garbage_is_dropped() {
    let store = fresh_store().await;
    let ds = kim_long(&store).await;
    let state = AppState::new(store.store(), WebConfig::default());
    let (prefix, worker) = start_worker(state, "t");
    let (device, _) = client(&unique("device"));
    let topic = format!("{prefix}v1.1/Datastreams({ds})/Observations");
    let payload = json!({"phenomenonTime": "2026-11-27T09:00:00+07:00", "result": 2.4}).to_string();

    assert!(publish_until_stored(&store, &device, &topic, &payload).await, "no Observation arrived through MQTT");
    // The same message again (a redelivery), garbage, and an unknown Datastream.
    device.publish(&topic, QoS::AtLeastOnce, false, payload.clone()).await.unwrap();
    device.publish(&topic, QoS::AtLeastOnce, false, "not json").await.unwrap();
    device
        .publish(&format!("{prefix}v1.1/Datastreams(9999)/Observations"), QoS::AtLeastOnce, false, payload.clone())
        .await
        .unwrap();
    let second = json!({"phenomenonTime": "2026-11-27T09:10:00+07:00", "result": 2.5}).to_string();
    device.publish(&topic, QoS::AtLeastOnce, false, second).await.unwrap();
    settle(&store, 2).await;
    assert_eq!(observation_count(&store).await, 2, "one per distinct reading, garbage dropped");
    assert!(!worker.is_finished(), "bad messages must not stop the worker");
    worker.abort();
}

#[tokio::test]
async fn observations_published_on_the_collection_topic_name_their_datastream_in_the_body() {
    let store = fresh_store().await;
    let ds = kim_long(&store).await;
    let state = AppState::new(store.store(), WebConfig::default());
    let (prefix, worker) = start_worker(state, "c");
    let (device, _) = client(&unique("device"));
    let (watcher, mut received) = client(&unique("watcher"));
    watcher.subscribe(format!("{prefix}v1.1/Datastreams({ds})/Observations"), QoS::AtMostOnce).await.unwrap();
    let topic = format!("{prefix}v1.1/Observations");
    let payload = json!({"phenomenonTime": "2026-11-27T09:00:00+07:00", "result": 2.4, "Datastream": {"@iot.id": ds}})
        .to_string();

    assert!(publish_until_stored(&store, &device, &topic, &payload).await, "nothing arrived through v1.1/Observations");
    // Without a Datastream, with an unknown one, or with a deep-inserted one: dropped, not stored.
    for bad in [
        json!({"phenomenonTime": "2026-11-27T09:05:00+07:00", "result": 2.6}),
        json!({"phenomenonTime": "2026-11-27T09:06:00+07:00", "result": 2.7, "Datastream": {"@iot.id": 9999}}),
        json!({"phenomenonTime": "2026-11-27T09:07:00+07:00", "result": 2.8, "Datastream": {"name": "new"}}),
    ] {
        device.publish(&topic, QoS::AtLeastOnce, false, bad.to_string()).await.unwrap();
    }
    let second = json!({"phenomenonTime": "2026-11-27T09:10:00+07:00", "result": 2.5, "Datastream": {"@iot.id": ds}})
        .to_string();
    device.publish(&topic, QoS::AtLeastOnce, false, second).await.unwrap();
    settle(&store, 2).await;
    let page = store.sta_query(&StaQuery::all(EntitySet::Observations, 1000)).await.unwrap();
    let results: Vec<f64> = page.entities.iter().filter_map(|o| o.json["result"].as_f64()).collect();
    assert_eq!(results.len(), 2, "the first reading once and the second; the bad ones dropped: {results:?}");
    assert!(results.contains(&2.4) && results.contains(&2.5), "{results:?}");
    // Subscribers of the Datastream's topic hear of it as an entity with its id.
    let mut announced = false;
    while let Ok(Some(p)) = tokio::time::timeout(Duration::from_millis(500), received.recv()).await {
        let body: Value = serde_json::from_slice(&p.payload).unwrap();
        announced |= body["@iot.id"].is_i64() && body["result"] == json!(2.5);
    }
    assert!(announced, "the Observation from v1.1/Observations is published on its Datastream's topic");
    assert!(!worker.is_finished());
    worker.abort();
}

#[tokio::test]
async fn new_observations_are_published_on_the_receive_topic() {
    let store = fresh_store().await;
    let ds = kim_long(&store).await;
    let state = AppState::new(store.store(), WebConfig::default());
    let (prefix, worker) = start_worker(state.clone(), "r");
    let (watcher, mut received) = client(&unique("watcher"));
    watcher.subscribe(format!("{prefix}v1.1/Datastreams({ds})/Observations"), QoS::AtMostOnce).await.unwrap();

    let mut got = None;
    for i in 0..50 {
        let at = chrono::Utc::now() + chrono::Duration::seconds(i);
        store_observations(&state, vec![NewObservation::new(ds, at, &json!(3.1))]).await.unwrap();
        if let Ok(Some(p)) = tokio::time::timeout(Duration::from_millis(200), received.recv()).await {
            got = Some(p);
            break;
        }
    }
    let p = got.expect("no notification on the receive topic");
    let body: Value = serde_json::from_slice(&p.payload).unwrap();
    assert_eq!(body["result"], 3.1);
    assert!(body["@iot.id"].as_i64().is_some());
    // The platform's own notification is not stored again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = observation_count(&store).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(observation_count(&store).await, n);
    worker.abort();
}

#[tokio::test]
async fn a_missing_broker_is_retried_without_ending_the_worker() {
    let store = fresh_store().await;
    let state = AppState::new(store.store(), WebConfig::default());
    let mut config = MqttConfig::new("mqtt://127.0.0.1:1");
    config.client_id = unique("sc");
    config.persistent_session = false;
    let worker = spawn(state, config).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!worker.is_finished());
    worker.abort();
    assert!(spawn(AppState::new(store.store(), WebConfig::default()), MqttConfig::new("https://x")).is_err());
}
