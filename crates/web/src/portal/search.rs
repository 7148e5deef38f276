//! The one search box: `/tim-kiem` and `GET /api/v1/search` over articles, notices, legal documents, events,
//! heritage places, answered questions and the procedure catalogue. The query is folded like the index
//! (`domain::portal::SearchQuery`: NFC, marks stripped, đ → d, symbols dropped, 256 characters at most), so `duong`,
//! `Đường` and `DUONG` find the same; a query with nothing left is an empty result, never an error.

use std::time::Duration;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use smartcity_domain::portal::{ArticleKind, SearchQuery, highlight_snippet};
use smartcity_domain::units::UnitCode;
use smartcity_store::portal::{
    PortalStore, SEARCH_KIND_PROCEDURE, SEARCH_KIND_QUESTION, SearchFilter, SearchHit, SearchPage as Found,
};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::shell::extract::AppQuery;
use crate::shell::memo::Memo;
use crate::shell::page::{PageContext, render};

/// Results per page.
pub const PAGE_SIZE: i64 = 10;

/// Parameters of a search. Everything is optional; malformed filters are clear 422 errors.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words to find, diacritics optional (`lang tu duc`).
    pub q: Option<String>,
    /// `news`, `notice`, `legal_document`, `event`, `heritage_place`, `page`, `procedure` or `question`.
    pub kind: Option<String>,
    /// Unit code (`19774`, `46.SYT`).
    pub unit: Option<String>,
    /// Published on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Published on or before this day (YYYY-MM-DD).
    pub to: Option<String>,
    /// 1-based page (10 results each).
    pub page: Option<String>,
}

/// The kinds a search can be narrowed to, with their labels.
pub fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out: Vec<(&str, &str, &str)> =
        ArticleKind::ALL.iter().map(|k| (k.as_str(), k.label_vi(), k.label_en())).collect();
    out.push((SEARCH_KIND_PROCEDURE, "Thủ tục hành chính", "Administrative procedure"));
    out.push((SEARCH_KIND_QUESTION, "Hỏi đáp", "Question and answer"));
    out
}

fn kind_label(kind: &str, lang: Lang) -> String {
    kinds()
        .into_iter()
        .find(|(k, _, _)| *k == kind)
        .map_or_else(|| kind.to_owned(), |(_, vi, en)| lang.pick(vi, en).to_owned())
}

/// Checked parameters.
struct Parsed {
    query: SearchQuery,
    filter: SearchFilter,
}

fn day_bound(field: &'static str, raw: Option<&str>, end: bool) -> AppResult<Option<chrono::DateTime<Utc>>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        AppError::invalid_field(
            field,
            "date_invalid",
            "Ngày không hợp lệ; nhập theo dạng năm-tháng-ngày (2026-11-27).",
            "The date is not valid; enter it as year-month-day (2026-11-27).",
        )
    })?;
    let day = if end { day.succ_opt().unwrap_or(day) } else { day };
    let local = day.and_hms_opt(0, 0, 0).and_then(|n| smartcity_domain::time::TZ.from_local_datetime(&n).single());
    Ok(local.map(|t| t.with_timezone(&Utc)))
}

fn parse(params: &SearchParams) -> AppResult<Parsed> {
    let query = SearchQuery::parse(params.q.as_deref().unwrap_or(""));
    let kind = params.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
    if let Some(k) = &kind
        && !kinds().iter().any(|(known, _, _)| known == k)
    {
        return Err(AppError::invalid_field(
            "kind",
            "search_kind_invalid",
            format!("Loại “{k}” không hợp lệ."),
            format!("The kind “{k}” is not valid."),
        ));
    }
    let unit = match params.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => Some(UnitCode::parse(u).map_err(|e| AppError::from(e).with_field("unit"))?.as_str().to_owned()),
        None => None,
    };
    let page = params.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(1).clamp(1, 1000);
    Ok(Parsed {
        query,
        filter: SearchFilter {
            kind,
            unit,
            from: day_bound("from", params.from.as_deref(), false)?,
            to: day_bound("to", params.to.as_deref(), true)?,
            page,
            page_size: PAGE_SIZE,
            now: Utc::now(),
        },
    })
}

/// One result as the page and the API show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Kind code (see the `kind` parameter).
    pub kind: String,
    /// Kind in the language asked for.
    pub kind_label: String,
    /// Title with the matched words in `<mark>` (HTML-escaped).
    pub title_html: String,
    /// Title, plain.
    pub title: String,
    /// Unit the item belongs to, if any.
    pub unit_code: Option<String>,
    /// Path of the item on this platform.
    pub url: String,
    /// About 200 characters around the first match, HTML-escaped, matches in `<mark>`.
    pub snippet_html: String,
    /// RFC 3339.
    pub published_at: String,
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The query as searched (folded).
    pub query: String,
    /// Documents found, counted up to 1000.
    pub total: i64,
    /// More documents match than `total` (a common word): only the newest 1000 are counted and ranked.
    pub more: bool,
    pub page: i64,
    pub page_size: i64,
    pub results: Vec<SearchResult>,
}

fn result(lang: Lang, query: &SearchQuery, hit: &SearchHit) -> SearchResult {
    let title = if lang == Lang::En && !hit.title_en.is_empty() { &hit.title_en } else { &hit.title_vi };
    SearchResult {
        kind: hit.kind.clone(),
        kind_label: kind_label(&hit.kind, lang),
        title_html: highlight_snippet(title, query, 300),
        title: title.clone(),
        unit_code: hit.unit_code.clone(),
        url: hit.url.clone(),
        snippet_html: highlight_snippet(&hit.excerpt, query, 200),
        published_at: hit.published_at.to_rfc3339(),
    }
}

/// How long a search's results are reused, at most: a scheduled document reaching its time, or another process's
/// write, shows within this (this process's portal writes void them at once).
pub const SEARCH_TTL: Duration = Duration::from_secs(5);

/// Most searches kept.
pub const MAX_SEARCHES: usize = 2_000;

/// Results of recent searches by query and filter, valid at a portal generation (`shell::memo`): the same few
/// queries come back again and again, and a hit costs a map lookup instead of a walk of the full-text index.
pub type SearchMemo = Memo<String, Found>;

/// An empty memo of searches.
pub fn search_memo() -> SearchMemo {
    Memo::new(MAX_SEARCHES, SEARCH_TTL)
}

async fn run(state: &AppState, lang: Lang, params: &SearchParams) -> AppResult<SearchResponse> {
    let parsed = parse(params)?;
    let f = &parsed.filter;
    let key = format!(
        "{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{}\u{1f}{}",
        parsed.query.as_str(),
        f.kind,
        f.unit,
        f.from,
        f.to,
        f.page,
        f.page_size
    );
    // Read before the search, so a portal write made meanwhile leaves the kept page already stale.
    let generation = state.store.portal_generation();
    let found = match state.searches.get(&key, generation) {
        Some(found) => found,
        None => {
            let found = state.store.search(&parsed.query, f).await?;
            state.searches.put(key, generation, found.clone());
            found
        }
    };
    Ok(SearchResponse {
        query: parsed.query.as_str().to_owned(),
        total: found.total,
        more: found.more,
        page: parsed.filter.page,
        page_size: parsed.filter.page_size,
        results: found.hits.iter().map(|h| result(lang, &parsed.query, h)).collect(),
    })
}

/// Search the portal and the procedure catalogue.
#[utoipa::path(get, path = "/api/v1/search", tag = "portal", params(SearchParams),
    responses((status = 200, description = "Ranked results with highlighted snippets; empty when the query has no letters or digits", body = SearchResponse),
              (status = 422, description = "Unknown kind, malformed unit code or date", body = crate::error::ApiErrorBody)))]
pub async fn api(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(params): AppQuery<SearchParams>,
) -> AppResult<Json<SearchResponse>> {
    Ok(Json(run(&state, ctx.lang, &params).await?))
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPage {
    ctx: PageContext,
    q: String,
    kind: String,
    unit: String,
    from: String,
    to: String,
    kinds: Vec<(&'static str, &'static str)>,
    response: Option<SearchResponse>,
    error: Option<String>,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /tim-kiem`.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(params): AppQuery<SearchParams>,
) -> AppResult<Response> {
    let q = params.q.clone().unwrap_or_default();
    let kind = params.kind.clone().unwrap_or_default();
    let unit = params.unit.clone().unwrap_or_default();
    let from = params.from.clone().unwrap_or_default();
    let to = params.to.clone().unwrap_or_default();
    let kinds_list = kinds().into_iter().map(|(k, vi, en)| (k, ctx.pick(vi, en))).collect();
    let (response, error) = if q.trim().is_empty() {
        (None, None)
    } else {
        match run(&state, ctx.lang, &params).await {
            Ok(r) => (Some(r), None),
            Err(e) if e.status.is_client_error() => (None, Some(e.message(ctx.lang_code()).to_owned())),
            Err(e) => return Err(e),
        }
    };
    let link = |page: i64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &q);
        if !kind.is_empty() {
            s.append_pair("kind", &kind);
        }
        for (key, value) in [("unit", &unit), ("from", &from), ("to", &to)] {
            if !value.is_empty() {
                s.append_pair(key, value);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/tim-kiem?{}", s.finish())
    };
    let (prev, next) = match &response {
        Some(r) => ((r.page > 1).then(|| link(r.page - 1)), (r.page * r.page_size < r.total).then(|| link(r.page + 1))),
        None => (None, None),
    };
    Ok(render(&SearchPage { ctx, q, kind, unit, from, to, kinds: kinds_list, response, error, prev, next }))
}
