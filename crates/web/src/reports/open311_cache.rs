//! Rendered Open311 documents kept between requests (`shell::memo`): single requests
//! (`GET /open311/v2/requests/{id}.{fmt}`), which partners poll for the reports they filed, and lists
//! (`GET /open311/v2/requests.{fmt}?…`), which partners and map clients ask again and again with the same filters.
//! A hit costs a map lookup instead of database reads and a rendering.
//!
//! A single request is used only while `Store::report_generation` — moved by every change this process makes to an
//! existing report or to the categories — still has the value read before the report was, so a workflow step shows
//! on the next poll; a list the same with `Store::report_list_generation`, which new reports move too. Another
//! process's change shows within [`RENDERED_TTL`].

use std::time::Duration;

use axum::body::Bytes;
use smartcity_protocols::open311::Format;
use uuid::Uuid;

use crate::shell::memo::Memo;

/// How long a rendered document is served without being read again, at most.
pub const RENDERED_TTL: Duration = Duration::from_secs(2);

/// Most single-request documents kept.
pub const MAX_REQUESTS: usize = 10_000;

/// Most lists kept: a page of 1000 requests is about 600 KB of JSON, so the lists take 40 MB at most whatever
/// queries arrive (every distinct query string is its own entry).
pub const MAX_LISTS: usize = 64;

/// What a single-request document depends on besides the report: format, `extensions=true`, and the origin of
/// the photo URLs.
pub type RequestKey = (Uuid, Format, bool, String);

/// What a list depends on besides the reports: format, the origin, and the query's parameters, sorted.
pub type ListKey = (Format, String, Vec<(String, String)>);

/// Single-request documents.
pub type RequestCache = Memo<RequestKey, Bytes>;

/// Lists of requests.
pub type ListCache = Memo<ListKey, Bytes>;

/// An empty cache of single requests.
pub fn request_cache() -> RequestCache {
    Memo::new(MAX_REQUESTS, RENDERED_TTL)
}

/// An empty cache of lists.
pub fn list_cache() -> ListCache {
    Memo::new(MAX_LISTS, RENDERED_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: Uuid, format: Format, extensions: bool, origin: &str) -> RequestKey {
        (id, format, extensions, origin.to_owned())
    }

    #[test]
    fn a_document_is_kept_per_format_and_origin_until_a_report_changes() {
        let cache = request_cache();
        let id = Uuid::now_v7();
        cache.put(key(id, Format::Json, false, "http://a"), 7, Bytes::from_static(b"[{}]"));
        assert_eq!(cache.get(&key(id, Format::Json, false, "http://a"), 7), Some(Bytes::from_static(b"[{}]")));
        assert_eq!(cache.get(&key(id, Format::Xml, false, "http://a"), 7), None);
        assert_eq!(cache.get(&key(id, Format::Json, true, "http://a"), 7), None);
        assert_eq!(cache.get(&key(id, Format::Json, false, "http://b"), 7), None, "photo URLs carry the origin");
        assert_eq!(cache.get(&key(id, Format::Json, false, "http://a"), 8), None, "a report changed since");
    }

    #[test]
    fn a_list_is_kept_per_query() {
        let cache = list_cache();
        let q = |v: &str| (Format::Json, "http://a".to_owned(), vec![("service_code".to_owned(), v.to_owned())]);
        cache.put(q("MT"), 3, Bytes::from_static(b"[]"));
        assert_eq!(cache.get(&q("MT"), 3), Some(Bytes::from_static(b"[]")));
        assert_eq!(cache.get(&q("GT"), 3), None);
        assert_eq!(cache.get(&q("MT"), 4), None, "a report was added or changed since");
    }
}
