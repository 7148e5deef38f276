//! What the Open311 API reads besides the reports themselves: the bytes of a report photo. (The photos and media
//! URLs of a request are kept on its row, `Report::media`, so a page of requests is one query.)

pub use crate::reports::ReportMedia;

use crate::{Store, StoreResult, on_reader};

/// Storage of the Open311 read side.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait Open311Store {
    /// The content type and bytes of a photo attached to a report (sent with it or with the answer); `None` for
    /// any other blob, so dossier documents can never be fetched through the public API.
    async fn report_photo_blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>>;
}

impl Open311Store for Store {
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
