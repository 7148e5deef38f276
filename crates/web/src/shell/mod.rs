//! What every capability shares: authentication and CSRF, the page context and error pages,
//! throttling, health and metrics endpoints, and the embedded static assets.

pub mod assets;
pub mod auth;
pub mod extract;
pub mod health;
pub mod page;
pub mod throttle;
