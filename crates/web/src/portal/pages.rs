//! Public pages of a unit's site: home, section lists, articles (with a print view and OpenGraph tags), the ND 42
//! pages, Q&A, and the index of every site.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use smartcity_domain::portal::{ArticleKind, LegalValidity, asker_initials, question_due_at};
use smartcity_domain::text::clean_line;
use smartcity_store::portal::{
    Article, ArticleFilter, ArticleScope, NewQuestion, PROPOSAL_ACCEPTED, PortalStore, Question, Site, StoredWarning,
};
use smartcity_store::{AuditContext, DossierStore, UnitStore};

use super::{ABOUT_PAGES, SECTIONS, banner_warnings, parse_id, section_of, site_or_404};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// A warning as a banner shows it, in the page's language.
pub struct Banner {
    pub kind: &'static str,
    pub severity: &'static str,
    pub severity_code: &'static str,
    pub headline: String,
    pub until: String,
}

impl Banner {
    /// The banner of `w` in `ctx`'s language.
    pub fn of(ctx: &PageContext, w: &StoredWarning) -> Banner {
        let w = &w.warning;
        Banner {
            kind: ctx.pick(w.kind.label_vi(), w.kind.label_en()),
            severity: ctx.pick(w.severity.label_vi(), w.severity.label_en()),
            severity_code: w.severity.as_str(),
            headline: ctx.pick(&w.headline_vi, &w.headline_en).to_owned(),
            until: ctx.datetime(&w.validity.ends_at()),
        }
    }
}

/// What every page of a site shows around its content: name, banner, menu, warnings.
pub struct Chrome {
    pub site: Site,
    pub name: String,
    pub banner: String,
    pub warnings: Vec<Banner>,
    /// (href, label) of the site's menu, its own entries then the standard sections.
    pub menu: Vec<(String, String)>,
}

impl Chrome {
    /// The chrome of `site` now.
    pub async fn load(state: &AppState, ctx: &PageContext, site: Site) -> AppResult<Chrome> {
        let warnings = banner_warnings(state, &site.unit_code, Utc::now()).await?;
        let slug = site.slug.as_str().to_owned();
        let mut menu: Vec<(String, String)> =
            site.menu.iter().map(|m| (m.href.clone(), ctx.pick(&m.label_vi, &m.label_en).to_owned())).collect();
        for (path, kind) in SECTIONS {
            menu.push((format!("/{slug}/{path}"), ctx.pick(kind.label_vi(), kind.label_en()).to_owned()));
        }
        menu.push((format!("/{slug}/hoi-dap"), ctx.t("portal.qa").to_owned()));
        Ok(Chrome {
            name: site.name(ctx.lang_code()).to_owned(),
            banner: ctx.pick(&site.banner_vi, &site.banner_en).to_owned(),
            warnings: warnings.iter().map(|w| Banner::of(ctx, w)).collect(),
            menu,
            site,
        })
    }

    /// `/{slug}`.
    pub fn base(&self) -> String {
        format!("/{}", self.site.slug.as_str())
    }
}

/// An article as lists and pages show it, in the page's language.
pub struct ArticleView {
    pub id: String,
    pub href: String,
    pub kind: ArticleKind,
    pub kind_label: &'static str,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub published: String,
    pub published_iso: String,
    /// Legal documents: number, date, issuer, field, validity (label and code).
    pub legal: Option<(String, String, String, String, &'static str, &'static str)>,
    pub has_pdf: bool,
    pub has_image: bool,
    /// Heritage places: lat, lon, opening hours.
    pub place: Option<(f64, f64, String)>,
    /// Events: start and place.
    pub event: Option<(String, String)>,
    /// The unit the article comes from, when not this site's.
    pub source: Option<String>,
}

impl ArticleView {
    /// `a` as shown on the site at `base` (`/slug`).
    pub fn of(ctx: &PageContext, base: &str, a: &Article) -> ArticleView {
        let lang = ctx.lang_code();
        let today = super::today();
        ArticleView {
            id: a.id.to_string(),
            href: format!("{base}/bai-viet/{}", a.id),
            kind: a.kind,
            kind_label: ctx.pick(a.kind.label_vi(), a.kind.label_en()),
            title: a.title(lang).to_owned(),
            summary: a.summary(lang).to_owned(),
            body: a.body(lang).to_owned(),
            published: a.published_at().map(|t| ctx.datetime(&t)).unwrap_or_default(),
            published_iso: a.published_at().map(|t| t.to_rfc3339()).unwrap_or_default(),
            legal: a.legal.as_ref().map(|l| {
                let v = l.validity_on(today);
                (
                    l.number.clone(),
                    l.issued_on.format("%d/%m/%Y").to_string(),
                    l.issuer.clone(),
                    l.field.clone(),
                    ctx.pick(v.label_vi(), v.label_en()),
                    match v {
                        LegalValidity::InForce => "ok",
                        _ => "bad",
                    },
                )
            }),
            has_pdf: a.attachment_sha256.is_some(),
            has_image: a.image_sha256.is_some(),
            place: a
                .place
                .as_ref()
                .map(|p| (p.lat, p.lon, ctx.pick(&p.opening_hours_vi, &p.opening_hours_en).to_owned())),
            event: a.event.as_ref().map(|e| (ctx.datetime(&e.starts_at), e.place.clone())),
            source: None,
        }
    }
}

/// Public articles of `scope`, as views on the site at `base`.
async fn views(
    state: &AppState,
    ctx: &PageContext,
    site: &Site,
    scope: ArticleScope,
    kind: Option<ArticleKind>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<ArticleView>> {
    let filter = ArticleFilter { scope, kind, now: Utc::now(), limit, offset };
    let articles = state.store.public_articles(&filter).await?;
    let base = format!("/{}", site.slug.as_str());
    let mut out = Vec::with_capacity(articles.len());
    for a in &articles {
        let mut v = ArticleView::of(ctx, &base, a);
        v.source = source_name(state, ctx, site, a).await?;
        out.push(v);
    }
    Ok(out)
}

/// The name of the unit an article comes from when it is shown on another unit's site.
async fn source_name(state: &AppState, ctx: &PageContext, site: &Site, a: &Article) -> AppResult<Option<String>> {
    if a.unit_code == site.unit_code {
        return Ok(None);
    }
    Ok(state.store.site_of_unit(&a.unit_code).await?.map(|own| own.name(ctx.lang_code()).to_owned()))
}

fn scope_of(site: &Site) -> ArticleScope {
    ArticleScope::Site { unit: site.unit_code.clone(), parent: site.parent_code.clone(), is_ward: site.is_ward() }
}

// ---------------------------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/index.html")]
struct SitesIndex {
    ctx: PageContext,
    city: Vec<(String, String)>,
    wards: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
}

/// `GET /cong-thong-tin`: every unit's site, the city first.
pub async fn sites_index(State(state): State<AppState>, ctx: PageContext) -> AppResult<Response> {
    state.store.sync_sites(&AuditContext::system("portal")).await?;
    let today = super::today();
    let units = state.store.list_units().await?;
    let (mut city, mut wards, mut agencies) = (Vec::new(), Vec::new(), Vec::new());
    for site in state.store.sites().await? {
        let active = units.iter().find(|u| u.code == site.unit_code).is_some_and(|u| u.is_active_on(today));
        if !active {
            continue;
        }
        let entry = (format!("/{}/", site.slug.as_str()), site.name(ctx.lang_code()).to_owned());
        match site.unit_kind.as_str() {
            "city" => city.push(entry),
            "ward" | "commune" => wards.push(entry),
            _ => agencies.push(entry),
        }
    }
    wards.sort_by(|a, b| a.1.cmp(&b.1));
    agencies.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(render(&SitesIndex { ctx, city, wards, agencies }))
}

/// `GET /{slug}`: the site lives at `/{slug}/`.
pub async fn site_redirect(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    Ok(redirect(&format!("/{}/", site.slug.as_str())))
}

#[derive(Template)]
#[template(path = "portal/site_home.html")]
struct SiteHome {
    ctx: PageContext,
    chrome: Chrome,
    intro: String,
    news: Vec<ArticleView>,
    notices: Vec<ArticleView>,
    documents: Vec<ArticleView>,
    places: Vec<ArticleView>,
    events: Vec<ArticleView>,
    children: Vec<ArticleView>,
    about: Vec<(String, &'static str)>,
}

/// `GET /{slug}/`: the site's home page. Visitors who are not logged in (and ask no query) share one rendering
/// per site and language from `state.home_pages`, voided by any portal write (see `home_cache`).
pub async fn site_home(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let shared = ctx.user.is_none() && !ctx.here.contains('?');
    // Read before the data, so a write during the rendering leaves the entry already stale.
    let generation = state.store.portal_generation();
    if shared && let Some(page) = state.home_pages.get(&slug, ctx.lang, generation, &ctx.csrf_token) {
        return Ok(Html(page).into_response());
    }
    let site = site_or_404(&state, &slug).await?;
    // Only the canonical address is kept, so the cache holds at most two pages per site.
    let cacheable = shared && site.slug.as_str() == slug;
    let chrome = Chrome::load(&state, &ctx, site).await?;
    let base = chrome.base();
    let scope = scope_of(&chrome.site);
    let news = views(&state, &ctx, &chrome.site, scope.clone(), Some(ArticleKind::News), 6, 0).await?;
    let notices = views(&state, &ctx, &chrome.site, scope.clone(), Some(ArticleKind::Notice), 5, 0).await?;
    let documents = views(&state, &ctx, &chrome.site, scope.clone(), Some(ArticleKind::LegalDocument), 5, 0).await?;
    let places = views(&state, &ctx, &chrome.site, scope.clone(), Some(ArticleKind::HeritagePlace), 6, 0).await?;
    let events = views(&state, &ctx, &chrome.site, scope, Some(ArticleKind::Event), 4, 0).await?;
    let children = if chrome.site.parent_code.is_none() {
        let unit = chrome.site.unit_code.clone();
        views(&state, &ctx, &chrome.site, ArticleScope::Children { unit }, None, 6, 0).await?
    } else {
        Vec::new()
    };
    let about =
        ABOUT_PAGES.iter().map(|(key, vi, en)| (format!("{base}/gioi-thieu/{key}"), ctx.pick(vi, en))).collect();
    let intro = ctx.pick(&chrome.site.settings.intro_vi, &chrome.site.settings.intro_en).to_owned();
    if !cacheable {
        return Ok(render(&SiteHome { ctx, chrome, intro, news, notices, documents, places, events, children, about }));
    }
    let (lang, token) = (ctx.lang, ctx.csrf_token.clone());
    let ctx = PageContext { csrf_token: String::new(), ..ctx };
    let home = SiteHome { ctx, chrome, intro, news, notices, documents, places, events, children, about };
    let page = home.render().map_err(AppError::internal)?;
    Ok(Html(state.home_pages.put(&slug, lang, generation, page, &token)).into_response())
}

#[derive(Template)]
#[template(path = "portal/list.html")]
struct SectionPage {
    ctx: PageContext,
    chrome: Chrome,
    heading: String,
    is_documents: bool,
    feed: String,
    items: Vec<ArticleView>,
    page: i64,
    has_more: bool,
}

/// `?page=` of a list.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

const PAGE_SIZE: i64 = 20;

/// `GET /{slug}/{section}`: a list of one kind (`tin-tuc`, `van-ban`, `di-tich`…) or the wards' news (`tu-cac-phuong`).
pub async fn section(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((slug, section)): Path<(String, String)>,
    AppQuery(q): AppQuery<PageQuery>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let page = q.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(1).clamp(1, 10_000);
    let chrome = Chrome::load(&state, &ctx, site).await?;
    let base = chrome.base();
    let (heading, kind, scope) = if section == "tu-cac-phuong" {
        (ctx.t("portal.from_wards").to_owned(), None, ArticleScope::Children { unit: chrome.site.unit_code.clone() })
    } else {
        let Some((_, kind)) = SECTIONS.iter().find(|(s, _)| *s == section) else {
            return Err(AppError::not_found());
        };
        (ctx.pick(kind.label_vi(), kind.label_en()).to_owned(), Some(*kind), scope_of(&chrome.site))
    };
    let mut items = views(&state, &ctx, &chrome.site, scope, kind, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    let has_more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let feed = format!("{base}/{section}/feed.xml");
    let is_documents = kind == Some(ArticleKind::LegalDocument);
    Ok(render(&SectionPage { ctx, chrome, heading, is_documents, feed, items, page, has_more }))
}

#[derive(Template)]
#[template(path = "portal/article.html")]
struct ArticlePage {
    ctx: PageContext,
    chrome: Chrome,
    item: ArticleView,
    section_href: String,
    canonical: String,
    about: bool,
    /// Tile server of the place map (empty: ward outlines only).
    tiles_url: String,
}

/// The public article `id` as the site `site` may show it: its own, a syndicated city article on a ward, or an
/// accepted ward article on the city portal.
async fn visible_article(state: &AppState, site: &Site, id: &str) -> AppResult<Article> {
    let id = parse_id(id)?;
    let a = state.store.article(id).await?.ok_or_else(AppError::not_found)?;
    if !a.state.is_public(Utc::now()) {
        return Err(AppError::not_found());
    }
    let own = a.unit_code == site.unit_code;
    let syndicated = a.syndicated && site.is_ward() && site.parent_code.as_ref() == Some(&a.unit_code);
    let accepted = a.proposal == PROPOSAL_ACCEPTED
        && site.parent_code.is_none()
        && state.store.unit(&a.unit_code).await?.and_then(|u| u.parent_code).as_ref() == Some(&site.unit_code);
    let child = site.parent_code.is_none()
        && state.store.unit(&a.unit_code).await?.and_then(|u| u.parent_code).as_ref() == Some(&site.unit_code);
    if own || syndicated || accepted || child { Ok(a) } else { Err(AppError::not_found()) }
}

/// `GET /{slug}/bai-viet/{id}`.
pub async fn article(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let a = visible_article(&state, &site, &id).await?;
    let chrome = Chrome::load(&state, &ctx, site).await?;
    let base = chrome.base();
    let mut item = ArticleView::of(&ctx, &base, &a);
    item.source = source_name(&state, &ctx, &chrome.site, &a).await?;
    let canonical = match state.store.site_of_unit(&a.unit_code).await? {
        Some(own) => format!("/{}/bai-viet/{}", own.slug.as_str(), a.id),
        None => item.href.clone(),
    };
    let section_href = format!("{base}/{}", section_of(a.kind));
    let tiles_url = state.config.map_tiles_url.clone();
    Ok(render(&ArticlePage {
        ctx,
        chrome,
        item,
        section_href,
        canonical,
        about: a.kind == ArticleKind::Page,
        tiles_url,
    }))
}

#[derive(Template)]
#[template(path = "portal/print.html")]
struct PrintPage {
    ctx: PageContext,
    site_name: String,
    item: ArticleView,
}

/// `GET /{slug}/bai-viet/{id}/in`: the print view ND 42/2022 Art. 7 asks for (no menus, black on white).
pub async fn print(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let a = visible_article(&state, &site, &id).await?;
    let base = format!("/{}", site.slug.as_str());
    let item = ArticleView::of(&ctx, &base, &a);
    Ok(render(&PrintPage { site_name: site.name(ctx.lang_code()).to_owned(), ctx, item }))
}

/// `GET /{slug}/bai-viet/{id}/tep/{which}`: the PDF (`pdf`) or illustration (`anh`) of a public article.
pub async fn file(
    State(state): State<AppState>,
    Path((slug, id, which)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let a = visible_article(&state, &site, &id).await?;
    let sha = match which.as_str() {
        "pdf" => a.attachment_sha256,
        "anh" => a.image_sha256,
        _ => None,
    }
    .ok_or_else(AppError::not_found)?;
    let (content_type, bytes) = state.store.blob(&sha).await?.ok_or_else(AppError::not_found)?;
    let mut r = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400, immutable"));
    Ok(r)
}

/// `GET /{slug}/gioi-thieu/{key}`: organisation, leaders, contacts (ND 42/2022 Art. 4(1)(a)), also in English.
pub async fn about(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((slug, key)): Path<(String, String)>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let Some((_, title_vi, title_en)) = ABOUT_PAGES.iter().find(|(k, _, _)| *k == key) else {
        return Err(AppError::not_found());
    };
    let page = state.store.site_page(&site.unit_code, &key, Utc::now()).await?;
    let chrome = Chrome::load(&state, &ctx, site).await?;
    let base = chrome.base();
    let item = match page {
        Some(a) => ArticleView::of(&ctx, &base, &a),
        None => {
            // Without a published page the contacts the editors set are shown; other pages say they are coming.
            let s = &chrome.site.settings;
            let body = if key == "lien-he" {
                format!(
                    "<dl class=\"facts\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>Email</dt><dd>{}</dd></dl>",
                    ctx.t("portal.address"),
                    smartcity_domain::portal::escape_html(&s.address),
                    ctx.t("portal.phone"),
                    smartcity_domain::portal::escape_html(&s.phone),
                    smartcity_domain::portal::escape_html(&s.email)
                )
            } else {
                format!("<p>{}</p>", ctx.t("portal.page_pending"))
            };
            ArticleView {
                id: String::new(),
                href: format!("{base}/gioi-thieu/{key}"),
                kind: ArticleKind::Page,
                kind_label: ctx.pick(ArticleKind::Page.label_vi(), ArticleKind::Page.label_en()),
                title: ctx.pick(title_vi, title_en).to_owned(),
                summary: String::new(),
                body,
                published: String::new(),
                published_iso: String::new(),
                legal: None,
                has_pdf: false,
                has_image: false,
                place: None,
                event: None,
                source: None,
            }
        }
    };
    let canonical = item.href.clone();
    let section_href = format!("{base}/");
    let tiles_url = state.config.map_tiles_url.clone();
    Ok(render(&ArticlePage { ctx, chrome, item, section_href, canonical, about: true, tiles_url }))
}

// ---------------------------------------------------------------------------------------------------------------
// Q&A
// ---------------------------------------------------------------------------------------------------------------

/// A public answered question.
pub struct QuestionView {
    pub title: String,
    pub body: String,
    pub asker: String,
    pub asked: String,
    pub answer: String,
    pub answered: String,
}

impl QuestionView {
    fn of(ctx: &PageContext, q: &Question) -> QuestionView {
        QuestionView {
            title: q.title.clone(),
            body: q.body.clone(),
            asker: q.asker_initials.clone(),
            asked: ctx.datetime(&q.asked_at),
            answer: q.answer.clone().unwrap_or_default(),
            answered: q.answered_at.map(|t| ctx.datetime(&t)).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/questions.html")]
struct QuestionsPage {
    ctx: PageContext,
    chrome: Chrome,
    questions: Vec<QuestionView>,
    logged_in: bool,
    error: Option<String>,
    sent: bool,
    title: String,
    body: String,
}

/// `?sent=1` after asking.
#[derive(Debug, Deserialize)]
pub struct SentQuery {
    #[serde(default)]
    sent: Option<String>,
}

impl SentQuery {
    /// True after a successful post.
    pub fn is_sent(&self) -> bool {
        self.sent.is_some()
    }
}

async fn questions_page(
    state: &AppState,
    ctx: PageContext,
    site: Site,
    error: Option<String>,
    sent: bool,
    form: (String, String),
) -> AppResult<QuestionsPage> {
    let answered = state.store.questions(&site.unit_code, true, 100).await?;
    let questions = answered.iter().map(|q| QuestionView::of(&ctx, q)).collect();
    let logged_in = ctx.user.is_some();
    let chrome = Chrome::load(state, &ctx, site).await?;
    Ok(QuestionsPage { ctx, chrome, questions, logged_in, error, sent, title: form.0, body: form.1 })
}

/// `GET /{slug}/hoi-dap`: answered questions (asker by initials only) and the form to ask one.
pub async fn questions(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(slug): Path<String>,
    AppQuery(q): AppQuery<SentQuery>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let page = questions_page(&state, ctx, site, None, q.sent.is_some(), Default::default()).await?;
    Ok(render(&page))
}

/// The ask form.
#[derive(Debug, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// `POST /{slug}/hoi-dap`: a logged-in citizen asks the unit; due in 7 working days.
pub async fn ask(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    AppForm(form): AppForm<AskForm>,
) -> AppResult<Response> {
    let site = site_or_404(&state, &slug).await?;
    let title = clean_line(&form.title);
    let body = smartcity_domain::text::nfc(form.body.trim());
    let problem = if !(5..=200).contains(&title.chars().count()) {
        Some(ctx.t("portal.ask_title_invalid"))
    } else if !(10..=4000).contains(&body.chars().count()) {
        Some(ctx.t("portal.ask_body_invalid"))
    } else {
        None
    };
    if let Some(message) = problem {
        let page = questions_page(&state, ctx, site, Some(message.to_owned()), false, (title, body)).await?;
        return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let calendar = crate::dossiers::workflow::calendar(&state).await?;
    let due_at = question_due_at(&calendar, Utc::now());
    let new = NewQuestion {
        unit_code: site.unit_code.clone(),
        asker_id: user.id(),
        asker_initials: asker_initials(&user.0.account.display_name),
        title,
        body,
        due_at,
    };
    state.store.ask_question(&AuditContext::account(user.id(), ip), new).await?;
    Ok(redirect(&format!("/{}/hoi-dap?sent=1", site.slug.as_str())))
}
