//! Live events for the operations centre: one poller reads new outbox events (written in the same
//! transaction as each change) and fans them out to every connected dashboard through a bounded
//! broadcast channel. A dashboard that reconnects sends `Last-Event-ID` and gets what it missed from a
//! ring of recent events; one that fell too far behind, or whose id is no longer in the ring, is told to
//! resync (reload its figures) instead of blocking the others.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use smartcity_store::{OperationsStore, Store, StoreResult};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events kept for reconnecting dashboards.
pub const RECENT: usize = 2000;
/// Events a dashboard may fall behind before it is told to resync (per-client bound).
pub const PER_CLIENT: usize = 1024;
/// How far back each poll looks again, so an event committed late (PostgreSQL commits concurrent
/// transactions in any order) is still seen once.
const LOOKBACK: Duration = Duration::seconds(10);
/// Most events read per poll.
const POLL_BATCH: i64 = 1000;
/// How often the poller reads the outbox while a dashboard is connected.
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// Readings are announced at most this often: sensors may send thousands a second, a dashboard needs one nudge.
pub const READINGS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// Topic of the nudge.
pub const READINGS_TOPIC: &str = "sensing.readings";
/// A poller starting after a long quiet time catches up at most this far back.
const MAX_CATCH_UP: Duration = Duration::minutes(10);

/// Payload keys a dashboard may see: identifiers and statuses only — never notes, names or contacts.
const PUBLIC_KEYS: [&str; 12] = [
    "dossier_id",
    "code",
    "status",
    "action",
    "report_id",
    "service_code",
    "unit_code",
    "ward_code",
    "alarm_id",
    "severity",
    "datastream_id",
    "thing_id",
];

/// One change, as the dashboard receives it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LiveEvent {
    pub id: Uuid,
    pub topic: String,
    pub at: DateTime<Utc>,
    pub data: Value,
}

/// The allowed keys of an outbox payload.
pub fn public_data(payload: &Value) -> Value {
    let mut out = Map::new();
    if let Value::Object(map) = payload {
        for key in PUBLIC_KEYS {
            if let Some(v) = map.get(key) {
                out.insert(key.to_owned(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// Fan-out of live events to dashboards.
pub struct LiveHub {
    sender: broadcast::Sender<LiveEvent>,
    recent: Mutex<VecDeque<LiveEvent>>,
    /// Newest event time seen: the next poll reads from here minus [`LOOKBACK`].
    cursor: Mutex<Option<DateTime<Utc>>>,
    /// Ids of the events read within the look-back, with their time (pruned as the cursor moves).
    seen: Mutex<HashMap<Uuid, DateTime<Utc>>>,
    /// Whether a poller task runs (only while dashboards are connected).
    polling: AtomicBool,
    /// Readings stored since the last `sensing.readings` nudge, and whether one is scheduled.
    readings: AtomicUsize,
    readings_due: AtomicBool,
    /// Datastreams of those readings (at most a few dozen are named).
    reading_streams: Mutex<Vec<i64>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(PER_CLIENT);
        Self {
            sender,
            recent: Mutex::new(VecDeque::with_capacity(RECENT)),
            cursor: Mutex::new(None),
            seen: Mutex::new(HashMap::new()),
            polling: AtomicBool::new(false),
            readings: AtomicUsize::new(0),
            readings_due: AtomicBool::new(false),
            reading_streams: Mutex::new(Vec::new()),
        }
    }

    /// Observations were stored: announce `sensing.readings` (count and Datastream ids) to dashboards, once per
    /// [`READINGS_EVERY`] however many batches arrive, trailing so that the last batch is always announced.
    /// Readings are not outbox events (a sensor is not a change of record); a dashboard that missed the nudge
    /// loses nothing, its figures are recomputed on the next one.
    pub fn readings_arrived(self: &Arc<Self>, count: usize, datastreams: &[i64]) {
        self.readings.fetch_add(count, Ordering::AcqRel);
        {
            let mut streams = self.reading_streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for d in datastreams {
                if streams.len() < 50 && !streams.contains(d) {
                    streams.push(*d);
                }
            }
        }
        if self.sender.receiver_count() == 0 {
            // Nobody watches: nothing to announce, nothing to keep.
            self.readings.store(0, Ordering::Release);
            self.reading_streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
            return;
        }
        if self.readings_due.swap(true, Ordering::AcqRel) {
            return;
        }
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(READINGS_EVERY).await;
            hub.readings_due.store(false, Ordering::Release);
            let count = hub.readings.swap(0, Ordering::AcqRel);
            let streams =
                std::mem::take(&mut *hub.reading_streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            let data = serde_json::json!({"count": count, "datastream_ids": streams});
            hub.publish(LiveEvent { id: Uuid::now_v7(), topic: READINGS_TOPIC.to_owned(), at: Utc::now(), data });
        });
    }

    /// Start the poller unless it runs: it reads the outbox every [`POLL_EVERY`] while at least one
    /// dashboard is subscribed and stops when the last one leaves, so an idle platform does no work.
    /// Events written while nobody watched are caught up (up to [`MAX_CATCH_UP`]) when it restarts,
    /// which is what a dashboard reconnecting with `Last-Event-ID` needs.
    pub fn ensure_polling(self: &Arc<Self>, store: Store) {
        if self.polling.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return;
        }
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            {
                let now = Utc::now();
                let mut cursor = hub.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(c) = *cursor {
                    *cursor = Some(c.max(now - MAX_CATCH_UP));
                }
            }
            loop {
                if hub.sender.receiver_count() == 0 {
                    hub.polling.store(false, Ordering::Release);
                    // A dashboard that subscribed just now would find the flag still set: look again.
                    if hub.sender.receiver_count() == 0
                        || hub.polling.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err()
                    {
                        break;
                    }
                }
                if let Err(err) = hub.poll(&store, Utc::now()).await {
                    tracing::warn!(error = %err, "cannot read live events");
                }
                tokio::time::sleep(POLL_EVERY).await;
            }
        });
    }

    /// A new dashboard's feed of events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    /// Events after `last_id`, oldest first; `None` when `last_id` is no longer remembered (resync).
    pub fn since(&self, last_id: Uuid) -> Option<Vec<LiveEvent>> {
        let recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = recent.iter().position(|e| e.id == last_id)?;
        Some(recent.iter().skip(at + 1).cloned().collect())
    }

    /// Publish an event (also used by capabilities that raise events without the outbox).
    pub fn publish(&self, event: LiveEvent) {
        {
            let mut recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if recent.iter().any(|e| e.id == event.id) {
                return;
            }
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back(event.clone());
        }
        // No dashboard connected is not an error.
        let _ = self.sender.send(event);
    }

    /// Read outbox events newer than the last poll and publish the unseen ones; returns how many.
    /// The first poll starts from `now`: a dashboard wants changes, not the history. A burst of more events than
    /// [`POLL_BATCH`] is read page by page (keyset on time and id), so the feed never stalls on a full page; an
    /// event is published once, remembered by id for as long as the look-back can read it again.
    pub async fn poll(&self, store: &Store, now: DateTime<Utc>) -> StoreResult<usize> {
        let (from, first_poll) = {
            let cursor = self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            (cursor.unwrap_or(now) - LOOKBACK, cursor.is_none())
        };
        let mut published = 0;
        let mut newest = None;
        let mut after = None;
        loop {
            let events = store.events_since(from, after, POLL_BATCH).await?;
            let full = events.len() as i64 == POLL_BATCH;
            for e in events {
                newest = Some(e.created_at);
                after = Some((e.created_at, e.id));
                let fresh = {
                    let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    seen.insert(e.id, e.created_at).is_none()
                };
                // On the first poll only what happened from `now` on counts as new.
                if !fresh || (first_poll && e.created_at < now) {
                    continue;
                }
                self.publish(LiveEvent { id: e.id, topic: e.topic, at: e.created_at, data: public_data(&e.payload) });
                published += 1;
            }
            if !full {
                break;
            }
        }
        let mut cursor = self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let moved = newest.unwrap_or(now).max(cursor.unwrap_or(now));
        *cursor = Some(moved);
        // Ids older than the next look-back can never be read again.
        let horizon = moved - LOOKBACK - Duration::seconds(1);
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|_, at| *at >= horizon);
        Ok(published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u128) -> LiveEvent {
        LiveEvent { id: Uuid::from_u128(n), topic: "t".into(), at: Utc::now(), data: Value::Null }
    }

    #[test]
    fn only_identifiers_and_statuses_reach_the_dashboard() {
        let payload = serde_json::json!({"dossier_id": "x", "status": "accepted", "note": "Nguyễn Văn A, 0905…", "reporter_email": "a@b"});
        assert_eq!(public_data(&payload), serde_json::json!({"dossier_id": "x", "status": "accepted"}));
        assert_eq!(public_data(&Value::Null), serde_json::json!({}));
    }

    #[test]
    fn a_reconnecting_dashboard_gets_what_it_missed_or_is_told_to_resync() {
        let hub = LiveHub::new();
        for n in 1..=5 {
            hub.publish(event(n));
        }
        hub.publish(event(3)); // a repeat is not published twice
        let missed = hub.since(Uuid::from_u128(3)).expect("remembered");
        assert_eq!(missed.iter().map(|e| e.id.as_u128()).collect::<Vec<_>>(), [4, 5]);
        assert!(hub.since(Uuid::from_u128(99)).is_none(), "unknown id: resync");
        for n in 6..(RECENT as u128 + 10) {
            hub.publish(event(n));
        }
        assert!(hub.since(Uuid::from_u128(1)).is_none(), "forgotten: resync");
    }

    #[tokio::test]
    async fn a_slow_dashboard_lags_without_blocking_the_others() {
        let hub = LiveHub::new();
        let mut slow = hub.subscribe();
        let mut fast = hub.subscribe();
        for n in 0..(PER_CLIENT as u128 + 50) {
            hub.publish(event(n));
            assert_eq!(fast.recv().await.expect("fast keeps up").id.as_u128(), n);
        }
        assert!(matches!(slow.recv().await, Err(broadcast::error::RecvError::Lagged(_))), "slow one must resync");
    }
}
