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
