//! Atom feeds of every site and of each of its sections, and `/sitemap.xml` of every public page.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use smartcity_domain::portal::ArticleKind;
use smartcity_protocols::feeds::{AtomCategory, AtomEntry, AtomFeed, SitemapUrl, write_atom, write_sitemap};
use smartcity_store::portal::{Article, ArticleFilter, ArticleScope, PortalStore, Site};

use super::{SECTIONS, site_or_404};
use crate::AppState;
use crate::error::{AppError, AppResult};

/// `scheme://host` of the request, for the absolute addresses feeds and sitemaps need (`X-Forwarded-Proto` when a
/// proxy terminates TLS).
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).unwrap_or("http");
    let scheme = if scheme == "https" { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// An XML document with its content type.
pub fn xml_response(content_type: &'static str, body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn entry(origin: &str, site: &Site, a: &Article) -> AtomEntry {
    let link = format!("{origin}/{}/bai-viet/{}", site.slug.as_str(), a.id);
    AtomEntry {
        id: format!("{origin}/bai-viet/{}", a.id),
        title: a.title_vi.clone(),
        updated: a.updated_at,
        published: a.published_at(),
        link,
        summary: (!a.summary_vi.is_empty()).then(|| a.summary_vi.clone()),
        content_html: Some(a.body_vi.clone()),
        author: None,
        categories: vec![AtomCategory { term: a.kind.as_str().to_owned(), label: Some(a.kind.label_vi().to_owned()) }],
    }
}

async fn feed(
    state: &AppState,
    headers: &HeaderMap,
    site: Site,
    kind: Option<ArticleKind>,
    path: &str,
) -> AppResult<Response> {
    let origin = origin(headers);
    let scope =
        ArticleScope::Site { unit: site.unit_code.clone(), parent: site.parent_code.clone(), is_ward: site.is_ward() };
    let articles =
        state.store.public_articles(&ArticleFilter { scope, kind, now: Utc::now(), limit: 30, offset: 0 }).await?;
    let entries: Vec<AtomEntry> = articles.iter().map(|a| entry(&origin, &site, a)).collect();
    let title = match kind {
        Some(k) => format!("{} — {}", site.name_vi, k.label_vi()),
        None => site.name_vi.clone(),
    };
    let feed = AtomFeed {
        id: format!("{origin}{path}"),
        title,
        subtitle: Some(site.name_en.clone()),
        updated: entries.iter().map(|e| e.updated).max().unwrap_or(site.updated_at),
        self_link: format!("{origin}{path}"),
        site_link: format!("{origin}/{}/", site.slug.as_str()),
        language: "vi".to_owned(),
        author: site.name_vi.clone(),
        entries,
    };
    Ok(xml_response("application/atom+xml; charset=utf-8", write_atom(&feed)))
}

/// `GET /{slug}/feed.xml`: the site's latest articles of every kind.
pub async fn site_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let path = format!("/{}/feed.xml", site.slug.as_str());
    feed(&state, &headers, site, None, &path).await
}

/// `GET /{slug}/{section}/feed.xml`: one section (category) of a site.
pub async fn section_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, section)): Path<(String, String)>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let Some((_, kind)) = SECTIONS.iter().find(|(s, _)| *s == section) else {
        return Err(AppError::not_found());
    };
    let path = format!("/{}/{section}/feed.xml", site.slug.as_str());
    feed(&state, &headers, site, Some(*kind), &path).await
}

/// `GET /sitemap.xml`: every site's home and every public article at its own site.
pub async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let origin = origin(&headers);
    let sites = state.store.sites().await?;
    let mut urls: Vec<SitemapUrl> = vec![
        SitemapUrl { loc: format!("{origin}/"), lastmod: None },
        SitemapUrl { loc: format!("{origin}/canh-bao"), lastmod: None },
        SitemapUrl { loc: format!("{origin}/procedures"), lastmod: None },
    ];
    for site in &sites {
        urls.push(SitemapUrl { loc: format!("{origin}/{}/", site.slug.as_str()), lastmod: Some(site.updated_at) });
    }
    let limit = (smartcity_protocols::feeds::SITEMAP_MAX_URLS - urls.len()) as i64;
    let articles = state
        .store
        .public_articles(&ArticleFilter { scope: ArticleScope::All, kind: None, now: Utc::now(), limit, offset: 0 })
        .await?;
    for a in &articles {
        if let Some(site) = sites.iter().find(|s| s.unit_code == a.unit_code) {
            urls.push(SitemapUrl {
                loc: format!("{origin}/{}/bai-viet/{}", site.slug.as_str(), a.id),
                lastmod: Some(a.updated_at),
            });
        }
    }
    let xml = write_sitemap(&urls).map_err(AppError::internal)?;
    Ok(xml_response("application/xml; charset=utf-8", xml))
}
