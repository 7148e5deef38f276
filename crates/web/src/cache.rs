//! A bounded map of things computed from the database, each used only while the store's change counter for its kind
//! (e.g. [`smartcity_store::Store::dossier_generation`]) still has the value read before the database was, and for
//! at most a time-to-live — the counter sees this process's writes, the time-to-live bounds how long another
//! process's write (the CLI, a second server) can stay unseen.
//!
//! Read before the database, the counter makes a race harmless: a value computed from rows older than a write is
//! stored under the counter's old value, which the write has already moved past.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

struct Entry<V> {
    generation: u64,
    kept_at: Instant,
    value: V,
}

/// Values by key, checked against a change counter and an age.
pub struct GenerationCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<K, Entry<V>>>,
}

impl<K: Hash + Eq, V: Clone> GenerationCache<K, V> {
    /// A cache trusting a value for `ttl` at most, holding at most `max_entries` (then it starts again empty: a
    /// miss costs one database read, and a full map never grows).
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self { ttl, max_entries, entries: RwLock::new(HashMap::new()) }
    }

    /// The value of `key` computed at `generation` within the time-to-live, if kept.
    pub fn get(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.kept_at.elapsed() < self.ttl).then(|| entry.value.clone())
    }

    /// Keeps `value`, computed from data read after the counter showed `generation`.
    pub fn put(&self, key: K, generation: u64, value: V) {
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key, Entry { generation, kept_at: Instant::now(), value });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_until_the_counter_moves() {
        let cache = GenerationCache::new(Duration::from_secs(60), 10);
        cache.put("46.001-261127-0001", 3, 1);
        assert_eq!(cache.get(&"46.001-261127-0001", 3), Some(1));
        assert_eq!(cache.get(&"46.001-261127-0001", 4), None, "a write happened since");
        assert_eq!(cache.get(&"46.001-261127-0002", 3), None);
    }

    #[test]
    fn a_value_expires_by_age() {
        let cache = GenerationCache::new(Duration::ZERO, 10);
        cache.put(1, 0, "a");
        assert_eq!(cache.get(&1, 0), None);
    }

    #[test]
    fn the_map_stays_bounded() {
        let cache = GenerationCache::new(Duration::from_secs(60), 100);
        for key in 0..=100 {
            cache.put(key, 0, ());
        }
        assert!(cache.entries.read().unwrap().len() <= 100);
        assert_eq!(cache.get(&100, 0), Some(()), "the newest value is kept");
    }
}
