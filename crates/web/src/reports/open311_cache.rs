//! Rendered Open311 documents of single requests (`GET /open311/v2/requests/{id}.{fmt}`), which partners poll
//! for the reports they filed: a hit costs a map lookup instead of a database read and a rendering.
//!
//! An entry is used only while `Store::report_generation` — moved by every change this process makes to an existing
//! report or to the categories — still has the value read before the report was, so a workflow step shows on the
//! next poll. Another process's change shows within [`REQUEST_TTL`]. The map is bounded: when it holds
//! [`MAX_REQUESTS`] documents it starts again empty (a poll of a cold report is one database read).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use smartcity_protocols::open311::Format;
use uuid::Uuid;

/// How long a rendered request is served without being read again, at most.
pub const REQUEST_TTL: Duration = Duration::from_secs(2);

/// Most documents kept.
pub const MAX_REQUESTS: usize = 10_000;

/// What a document depends on besides the report: format, `extensions=true`, and the origin of the photo URLs.
type Key = (Uuid, Format, bool, String);

struct Entry {
    generation: u64,
    rendered_at: Instant,
    body: Bytes,
}

/// Rendered single-request documents.
#[derive(Default)]
pub struct RequestCache {
    entries: RwLock<HashMap<Key, Entry>>,
}

impl RequestCache {
    /// The document of `id` rendered at `generation` within the last [`REQUEST_TTL`], if kept.
    pub fn get(&self, id: Uuid, format: Format, extensions: bool, origin: &str, generation: u64) -> Option<Bytes> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = entries.get(&(id, format, extensions, origin.to_owned()))?;
        (entry.generation == generation && entry.rendered_at.elapsed() < REQUEST_TTL).then(|| entry.body.clone())
    }

    /// Keeps a document rendered from data read at `generation`.
    pub fn put(&self, id: Uuid, format: Format, extensions: bool, origin: &str, generation: u64, body: Bytes) {
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_REQUESTS {
            entries.clear();
        }
        entries.insert(
            (id, format, extensions, origin.to_owned()),
            Entry { generation, rendered_at: Instant::now(), body },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_kept_per_format_and_origin_until_a_report_changes() {
        let cache = RequestCache::default();
        let id = Uuid::now_v7();
        cache.put(id, Format::Json, false, "http://a", 7, Bytes::from_static(b"[{}]"));
        assert_eq!(cache.get(id, Format::Json, false, "http://a", 7), Some(Bytes::from_static(b"[{}]")));
        assert_eq!(cache.get(id, Format::Xml, false, "http://a", 7), None);
        assert_eq!(cache.get(id, Format::Json, true, "http://a", 7), None);
        assert_eq!(cache.get(id, Format::Json, false, "http://b", 7), None, "photo URLs carry the origin");
        assert_eq!(cache.get(id, Format::Json, false, "http://a", 8), None, "a report changed since");
    }

    #[test]
    fn the_map_stays_bounded() {
        let cache = RequestCache::default();
        for _ in 0..=MAX_REQUESTS {
            cache.put(Uuid::now_v7(), Format::Json, false, "http://a", 1, Bytes::new());
        }
        let len = cache.entries.read().map(|e| e.len()).unwrap_or_default();
        assert!(len <= MAX_REQUESTS, "{len}");
    }
}
