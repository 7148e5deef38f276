//! Answers kept in memory between requests, each valid at the store generation it was read at (a counter that
//! every write of this process moves, such as `Store::report_list_generation` or `Store::portal_generation`) and
//! for a few seconds at most (what changes with the clock alone, another process's write). Read the generation
//! **before** the data, so a write made meanwhile leaves the kept answer already stale. Bounded: a full map
//! starts again empty, so a miss costs what an uncached request costs.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

struct Entry<V> {
    generation: u64,
    kept_at: Instant,
    value: V,
}

/// Values by `K`, each valid at the generation it was read at and for `ttl`.
pub struct Memo<K, V> {
    entries: RwLock<HashMap<K, Entry<V>>>,
    max: usize,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// An empty memo of at most `max` values, each served for `ttl` at most.
    pub fn new(max: usize, ttl: Duration) -> Self {
        Memo { entries: RwLock::new(HashMap::new()), max, ttl }
    }

    /// The value of `key` read at `generation` within the last `ttl`, if kept.
    pub fn get(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.kept_at.elapsed() < self.ttl).then(|| entry.value.clone())
    }

    /// Keeps a value made from data read at `generation`.
    pub fn put(&self, key: K, generation: u64, value: V) {
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.max {
            entries.clear();
        }
        entries.insert(key, Entry { generation, kept_at: Instant::now(), value });
    }

    /// How many values are kept.
    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or_default()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_per_key_until_the_generation_moves_or_it_ages() {
        let memo: Memo<&str, u32> = Memo::new(10, Duration::from_secs(60));
        memo.put("a", 7, 1);
        assert_eq!(memo.get(&"a", 7), Some(1));
        assert_eq!(memo.get(&"b", 7), None);
        assert_eq!(memo.get(&"a", 8), None, "a write since");
        let aged: Memo<&str, u32> = Memo::new(10, Duration::ZERO);
        aged.put("a", 7, 1);
        assert_eq!(aged.get(&"a", 7), None, "older than its time to live");
    }

    #[test]
    fn the_map_stays_bounded() {
        let memo: Memo<u32, ()> = Memo::new(100, Duration::from_secs(60));
        for k in 0..=100 {
            memo.put(k, 1, ());
        }
        assert!(memo.len() <= 100, "{}", memo.len());
        assert!(!memo.is_empty());
    }
}
