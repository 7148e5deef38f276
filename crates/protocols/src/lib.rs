//! Wire formats of the open protocols the Huế smart-city platform speaks, as pure code: types, serialisation,
//! parsing and the mapping to the domain. No HTTP, no storage: the web layer routes requests here and sends back
//! what these functions return.
//!
//! - [`open311`]: Open311 GeoReport v2 (services, service definitions, requests, tokens, discovery, errors) in XML
//!   and JSON, with the de-facto extensions real clients use and mySociety's `servicerequestupdates`.
//! - [`cap`]: Common Alerting Protocol 1.2 XML for the portal's warnings (cảnh báo).
//! - [`feeds`]: Atom 1.0 feeds and sitemap.xml for the portal sites.
//! - [`html`]: the rich-text allow-list for portal article bodies (sanitised on save).
//! - [`images`]: photos from the public, sniffed, size-checked, turned upright and re-encoded without EXIF/GPS.

pub mod cap;
pub mod feeds;
pub mod html;
pub mod images;
pub mod open311;
