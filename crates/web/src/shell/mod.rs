//! What every capability shares: authentication and CSRF, the page context and error pages,
//! throttling, health and metrics endpoints, and the embedded static assets.

pub mod assets;
pub mod auth;
pub mod extract;
pub mod health;
pub mod memo;
pub mod page;
pub mod throttle;

/// A file name safe to store and show: NFC, no directory parts or control characters, at most
/// 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = smartcity_domain::text::nfc(base).chars().filter(|c| !c.is_control()).take(120).collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() { "tep".to_owned() } else { cleaned }
}

/// Decodes an uploaded image, turns it upright, shrinks it within `limits` and re-encodes it as JPEG without
/// metadata (`protocols::images::sanitize_photo`), on a blocking thread: decoding a large photo takes the CPU for
/// tens of milliseconds, which must not stall the async workers. Field reports and portal illustrations share it.
pub async fn clean_image(
    bytes: Vec<u8>,
    limits: smartcity_protocols::images::PhotoLimits,
) -> crate::error::AppResult<smartcity_protocols::images::CleanPhoto> {
    let clean = tokio::task::spawn_blocking(move || smartcity_protocols::images::sanitize_photo(&bytes, &limits))
        .await
        .map_err(crate::error::AppError::internal)?;
    Ok(clean?)
}
