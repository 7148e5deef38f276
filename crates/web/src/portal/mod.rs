//! `portal` over HTTP: one site per unit at `/{slug}/` (home, sections, articles with a print view, the ND 42
//! pages, Q&A), the editors' desk at `/bien-tap`, warnings at `/canh-bao` (banner, page, Atom, CAP 1.2, mail to
//! subscribers), the one search box at `/tim-kiem` and `GET /api/v1/search`, Atom feeds and `/sitemap.xml`.

pub mod editor;
pub mod feeds;
pub mod home_cache;
pub mod pages;
pub mod search;
pub mod warnings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use smartcity_domain::portal::ArticleKind;
use smartcity_domain::units::UnitCode;
use smartcity_store::portal::{PortalStore, Site, StoredWarning};
use smartcity_store::{AuditContext, UnitStore};

use crate::AppState;
use crate::error::{AppError, AppResult};

/// Largest upload of the article form (an illustration and a PDF).
pub const MAX_ARTICLE_UPLOAD_BYTES: usize = editor::MAX_IMAGE_BYTES + 10 * 1024 * 1024;

/// Routes of the portal capability.
pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route("/bien-tap/don-vi/{unit}/moi", get(editor::new_form).post(editor::create))
        .route("/bien-tap/bai-viet/{id}/sua", get(editor::edit_form).post(editor::edit))
        .layer(DefaultBodyLimit::max(MAX_ARTICLE_UPLOAD_BYTES + 1024 * 1024));
    Router::new()
        .route("/cong-thong-tin", get(pages::sites_index))
        .route("/tim-kiem", get(search::page))
        .route("/api/v1/search", get(search::api))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/canh-bao", get(warnings::list))
        .route("/canh-bao/moi", get(warnings::new_form).post(warnings::create))
        .route("/canh-bao/feed.xml", get(warnings::atom))
        .route("/canh-bao/cap.xml", get(warnings::cap_index))
        .route("/canh-bao/dang-ky", post(warnings::subscribe))
        .route("/canh-bao/{id}/cap.xml", get(warnings::cap_alert))
        .route("/canh-bao/{id}/huy", post(warnings::cancel))
        .route("/bien-tap", get(editor::desk))
        .route("/bien-tap/bai-viet/{id}", get(editor::article))
        .route("/bien-tap/bai-viet/{id}/thao-tac", post(editor::act))
        .route("/bien-tap/don-vi/{unit}/trang", get(editor::site_form).post(editor::site_save))
        .route("/bien-tap/hoi-dap/{id}", post(editor::answer))
        .route("/{slug}", get(pages::site_redirect))
        .route("/{slug}/", get(pages::site_home))
        .route("/{slug}/feed.xml", get(feeds::site_feed))
        .route("/{slug}/hoi-dap", get(pages::questions).post(pages::ask))
        .route("/{slug}/{section}", get(pages::section))
        .route("/{slug}/{section}/feed.xml", get(feeds::section_feed))
        .route("/{slug}/gioi-thieu/{key}", get(pages::about))
        .route("/{slug}/bai-viet/{id}", get(pages::article))
        .route("/{slug}/bai-viet/{id}/in", get(pages::print))
        .route("/{slug}/bai-viet/{id}/tep/{which}", get(pages::file))
        .merge(uploads)
}

/// The path word of each listed kind (`/phuong-kim-long/tin-tuc`).
pub const SECTIONS: &[(&str, ArticleKind)] = &[
    ("tin-tuc", ArticleKind::News),
    ("thong-bao", ArticleKind::Notice),
    ("van-ban", ArticleKind::LegalDocument),
    ("su-kien", ArticleKind::Event),
    ("di-tich", ArticleKind::HeritagePlace),
];

/// The path word of `kind` (pages have none).
pub fn section_of(kind: ArticleKind) -> &'static str {
    SECTIONS.iter().find(|(_, k)| *k == kind).map_or("trang", |(s, _)| s)
}

/// The fixed pages ND 42/2022 Art. 4(1)(a) asks of every agency site (organisation, functions and tasks; leaders;
/// contacts), by page key, with their vi/en titles. Shown in both languages.
pub const ABOUT_PAGES: &[(&str, &str, &str)] = &[
    ("to-chuc", "Cơ cấu tổ chức, chức năng, nhiệm vụ", "Organisation, functions and tasks"),
    ("lanh-dao", "Lãnh đạo đơn vị", "Leaders"),
    ("lien-he", "Thông tin liên hệ", "Contacts"),
];

/// The site at `slug`; sites are made on first need for units added since the last sync.
pub async fn site_or_404(state: &AppState, slug: &str) -> AppResult<Site> {
    if let Some(site) = state.store.site_by_slug(slug).await? {
        return Ok(site);
    }
    // A unit added since the last sync gets its site now; a slug that is not a site is a plain 404.
    if smartcity_domain::portal::SiteSlug::parse(slug).is_ok()
        && state.store.sync_sites(&AuditContext::system("portal")).await? > 0
        && let Some(site) = state.store.site_by_slug(slug).await?
    {
        return Ok(site);
    }
    Err(AppError::not_found())
}

/// The site of a unit, made if missing.
pub async fn site_of_unit(state: &AppState, unit: &UnitCode) -> AppResult<Site> {
    if let Some(site) = state.store.site_of_unit(unit).await? {
        return Ok(site);
    }
    state.store.sync_sites(&AuditContext::system("portal")).await?;
    state.store.site_of_unit(unit).await?.ok_or_else(AppError::not_found)
}

/// Warnings whose banner shows on the site of `unit` at `now` (expired ones are filtered here: no job needed).
pub async fn banner_warnings(state: &AppState, unit: &UnitCode, now: DateTime<Utc>) -> AppResult<Vec<StoredWarning>> {
    let active = state.store.warnings(Some(now), 50).await?;
    Ok(active.into_iter().filter(|w| w.warning.shows_on(unit, now)).collect())
}

/// Names of the units of an area, for pages and CAP (`areaDesc`).
pub async fn area_names(state: &AppState, codes: &[UnitCode]) -> AppResult<(String, String)> {
    if codes.is_empty() {
        return Ok(("Toàn thành phố Huế".to_owned(), "All of Huế City".to_owned()));
    }
    let mut vi = Vec::new();
    let mut en = Vec::new();
    for code in codes {
        match state.store.unit(code).await? {
            Some(u) => {
                vi.push(u.name_vi);
                en.push(u.name_en);
            }
            None => {
                vi.push(code.as_str().to_owned());
                en.push(code.as_str().to_owned());
            }
        }
    }
    Ok((vi.join(", "), en.join(", ")))
}

/// A 404 for a malformed id in a path, so a typed address never becomes a 5xx.
pub fn parse_id(raw: &str) -> AppResult<uuid::Uuid> {
    uuid::Uuid::parse_str(raw).map_err(|_| AppError::not_found())
}

/// Today in Huế (Asia/Ho_Chi_Minh).
pub fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive()
}
