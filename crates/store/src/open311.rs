//! What the Open311 API reads besides the reports themselves: the photos and partner media URLs of a page of
//! requests (two queries per page, never one per request), and the bytes of a report photo.

use std::collections::HashMap;

use serde_json::Value;
use uuid::Uuid;

use crate::{Store, StoreResult, on_reader};

/// The media of one report, in the order they were sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportMedia {
    /// SHA-256 of the photos sent with the report (served by the platform).
    pub photos: Vec<String>,
    /// URLs a partner sent as `media_url` (kept as given, never fetched).
    pub external: Vec<String>,
}

/// A report id with a text column.
type IdText = (Uuid, String);

/// Storage of the Open311 read side.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait Open311Store {
    /// Media of each report in `ids` that has any: report photos, then the `media_url`s recorded under
    /// `open311.media_urls` in the submit event.
    async fn report_media(&self, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, ReportMedia>>;
    /// The content type and bytes of a photo attached to a report (sent with it or with the answer); `None` for
    /// any other blob, so dossier documents can never be fetched through the public API.
    async fn report_photo_blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>>;
}

impl Open311Store for Store {
    async fn report_media(&self, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, ReportMedia>> {
        let mut out: HashMap<Uuid, ReportMedia> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let list = list.join(", ");
        let photos_sql = format!(
            "SELECT report_id, sha256 FROM report_photos WHERE purpose = 'report' AND report_id IN ({list}) \
             ORDER BY created_at, id"
        );
        let events_sql =
            format!("SELECT report_id, details FROM report_events WHERE action = 'submit' AND report_id IN ({list})");
        let (photos, events): (Vec<IdText>, Vec<IdText>) = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(photos_sql));
            for id in ids {
                q = q.bind(*id);
            }
            let photos = q.fetch_all(pool).await?;
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(events_sql));
            for id in ids {
                q = q.bind(*id);
            }
            (photos, q.fetch_all(pool).await?)
        });
        for (report_id, sha) in photos {
            out.entry(report_id).or_default().photos.push(sha);
        }
        for (report_id, details) in events {
            let details: Value = serde_json::from_str(&details).unwrap_or(Value::Null);
            let urls: Vec<String> = details
                .pointer("/open311/media_urls")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if !urls.is_empty() {
                out.entry(report_id).or_default().external.extend(urls);
            }
        }
        Ok(out)
    }

    async fn report_photo_blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT content_type, bytes FROM blobs WHERE sha256 = $1 \
                 AND EXISTS (SELECT 1 FROM report_photos WHERE report_photos.sha256 = blobs.sha256)",
            )
            .bind(sha256)
            .fetch_optional(pool)
            .await?
        }))
    }
}
