//! `portal`: the multi-level e-information portal — one site per unit, articles of every kind with their
//! revisions and editorial state, syndication between the city and its wards, Q&A, warnings (cảnh báo) with
//! their ward subscriptions, and the one search index.
//!
//! The rules live in `domain::portal` (slugs, workflow, validity, areas, query folding); this module stores what
//! the caller decided. Every write that changes what the public sees also rewrites that item's row of
//! `search_documents` in the same transaction, so the search box never shows a withdrawn article nor misses a
//! published one. The index holds folded text (`domain::text::fold_vietnamese`); SQLite searches it with FTS5
//! (external content, kept in step by triggers), PostgreSQL with a generated `tsvector` ('simple') and GIN.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use smartcity_domain::portal::{
    ArticleKind, ArticleStatus, EditorialState, LegalDocument, SearchQuery, Severity, SiteSlug, Validity, Warning,
    WarningArea, WarningKind, assign_site_slugs,
};
use smartcity_domain::text::fold_vietnamese;
use smartcity_domain::units::UnitCode;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::{Backend, Store, StoreError, StoreResult, in_write_tx, on_reader};

// ---------------------------------------------------------------------------------------------------------------
// Sites
// ---------------------------------------------------------------------------------------------------------------

/// One entry of a site's menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    pub label_vi: String,
    pub label_en: String,
    /// A path on the platform or a full address.
    pub href: String,
}

/// Contact facts and introduction a unit's editors set for their site (ND 42/2022 Art. 4(1)(a): organisation and
/// contacts, also in English).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteSettings {
    pub address: String,
    pub phone: String,
    pub email: String,
    pub intro_vi: String,
    pub intro_en: String,
}

/// Trang thông tin điện tử của đơn vị: the site of one unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub unit_code: UnitCode,
    pub slug: SiteSlug,
    /// Name of the unit (Vietnamese, English), parent and kind, as the units store holds them.
    pub name_vi: String,
    pub name_en: String,
    pub parent_code: Option<UnitCode>,
    pub unit_kind: String,
    pub menu: Vec<MenuItem>,
    pub banner_vi: String,
    pub banner_en: String,
    pub settings: SiteSettings,
    pub updated_at: DateTime<Utc>,
}

impl Site {
    /// Name in `lang` (`en`, else Vietnamese).
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_vi }
    }

    /// True for a ward or commune site.
    pub fn is_ward(&self) -> bool {
        matches!(self.unit_kind.as_str(), "ward" | "commune")
    }
}

/// What a unit's editors may change on their site.
#[derive(Debug, Clone)]
pub struct SiteEdit {
    pub slug: SiteSlug,
    pub menu: Vec<MenuItem>,
    pub banner_vi: String,
    pub banner_en: String,
    pub settings: SiteSettings,
}

#[derive(sqlx::FromRow)]
struct SiteRow {
    unit_code: String,
    slug: String,
    name_vi: String,
    name_en: String,
    parent_code: Option<String>,
    kind: String,
    menu: String,
    banner_vi: String,
    banner_en: String,
    settings: String,
    updated_at: DateTime<Utc>,
}

const SITE_SELECT: &str = "SELECT s.unit_code, s.slug, u.name_vi, u.name_en, u.parent_code, u.kind, s.menu, \
     s.banner_vi, s.banner_en, s.settings, s.updated_at FROM portal_sites s JOIN units u ON u.code = s.unit_code";

impl SiteRow {
    fn into_site(self) -> StoreResult<Site> {
        Ok(Site {
            unit_code: UnitCode::parse(&self.unit_code)?,
            slug: SiteSlug::parse(&self.slug)?,
            name_vi: self.name_vi,
            name_en: self.name_en,
            parent_code: self.parent_code.as_deref().map(UnitCode::parse).transpose()?,
            unit_kind: self.kind,
            menu: serde_json::from_str(&self.menu).unwrap_or_default(),
            banner_vi: self.banner_vi,
            banner_en: self.banner_en,
            settings: serde_json::from_str(&self.settings).unwrap_or_default(),
            updated_at: self.updated_at,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Articles
// ---------------------------------------------------------------------------------------------------------------

/// A file attached to an article (a PDF of a legal document, an illustration), already checked by the caller;
/// stored content-addressed in `blobs`.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Di tích, điểm du lịch: where a heritage place is and when it opens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceFacts {
    pub lat: f64,
    pub lon: f64,
    pub opening_hours_vi: String,
    pub opening_hours_en: String,
}

/// Sự kiện: when and where an event happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventFacts {
    pub starts_at: DateTime<Utc>,
    pub place: String,
}

/// The content of an article as an editor writes it (bodies already sanitised by `protocols::html`).
#[derive(Debug, Clone)]
pub struct ArticleDraft {
    pub unit_code: UnitCode,
    pub kind: ArticleKind,
    /// `organisation`, `leaders`, `contacts`… for the fixed pages ND 42/2022 requires; empty otherwise.
    pub page_key: String,
    pub title_vi: String,
    pub title_en: String,
    pub summary_vi: String,
    pub summary_en: String,
    pub body_vi: String,
    pub body_en: String,
    pub legal: Option<LegalDocument>,
    pub event: Option<EventFacts>,
    pub place: Option<PlaceFacts>,
    /// A new PDF to attach (legal documents); `None` keeps the current one.
    pub attachment: Option<NewFile>,
    /// A new illustration; `None` keeps the current one.
    pub image: Option<NewFile>,
}

/// Đề xuất lên cổng thành phố: where a ward article stands on its way up to the city portal.
pub const PROPOSAL_NONE: &str = "";
/// Proposed by the ward, waiting for a city editor.
pub const PROPOSAL_PROPOSED: &str = "proposed";
/// Accepted: shown on the city portal too.
pub const PROPOSAL_ACCEPTED: &str = "accepted";

/// An article as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: Uuid,
    pub unit_code: UnitCode,
    pub kind: ArticleKind,
    pub page_key: String,
    pub title_vi: String,
    pub title_en: String,
    pub summary_vi: String,
    pub summary_en: String,
    pub body_vi: String,
    pub body_en: String,
    pub state: EditorialState,
    pub legal: Option<LegalDocument>,
    pub event: Option<EventFacts>,
    pub place: Option<PlaceFacts>,
    pub attachment_sha256: Option<String>,
    pub image_sha256: Option<String>,
    /// A city article shown on every ward site.
    pub syndicated: bool,
    /// [`PROPOSAL_NONE`], [`PROPOSAL_PROPOSED`] or [`PROPOSAL_ACCEPTED`].
    pub proposal: String,
    pub author_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Article {
    /// Title in `lang`, falling back to Vietnamese when the English one is empty.
    pub fn title(&self, lang: &str) -> &str {
        if lang == "en" && !self.title_en.is_empty() { &self.title_en } else { &self.title_vi }
    }

    /// Summary in `lang`, with the same fallback.
    pub fn summary(&self, lang: &str) -> &str {
        if lang == "en" && !self.summary_en.is_empty() { &self.summary_en } else { &self.summary_vi }
    }

    /// Body in `lang`, with the same fallback.
    pub fn body(&self, lang: &str) -> &str {
        if lang == "en" && !self.body_en.is_empty() { &self.body_en } else { &self.body_vi }
    }

    /// When it went (or goes) public.
    pub fn published_at(&self) -> Option<DateTime<Utc>> {
        self.state.publish_at
    }
}

#[derive(sqlx::FromRow)]
struct ArticleRow {
    id: Uuid,
    unit_code: String,
    kind: String,
    page_key: String,
    title_vi: String,
    title_en: String,
    summary_vi: String,
    summary_en: String,
    body_vi: String,
    body_en: String,
    status: String,
    publish_at: Option<DateTime<Utc>>,
    return_comment: Option<String>,
    doc_number: Option<String>,
    doc_issued_on: Option<NaiveDate>,
    doc_issuer: Option<String>,
    doc_field: Option<String>,
    doc_effective_from: Option<NaiveDate>,
    doc_expires_on: Option<NaiveDate>,
    attachment_sha256: Option<String>,
    image_sha256: Option<String>,
    event_starts_at: Option<DateTime<Utc>>,
    event_place: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    opening_hours_vi: Option<String>,
    opening_hours_en: Option<String>,
    syndicated: bool,
    proposal: String,
    author_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const ARTICLE_COLUMNS: &str = "a.id, a.unit_code, a.kind, a.page_key, a.title_vi, a.title_en, a.summary_vi, \
     a.summary_en, a.body_vi, a.body_en, a.status, a.publish_at, a.return_comment, a.doc_number, a.doc_issued_on, \
     a.doc_issuer, a.doc_field, a.doc_effective_from, a.doc_expires_on, a.attachment_sha256, a.image_sha256, \
     a.event_starts_at, a.event_place, a.lat, a.lon, a.opening_hours_vi, a.opening_hours_en, a.syndicated, \
     a.proposal, a.author_id, a.created_at, a.updated_at";

impl ArticleRow {
    fn into_article(self) -> StoreResult<Article> {
        let legal = match (self.doc_number, self.doc_issued_on) {
            (Some(number), Some(issued_on)) => Some(LegalDocument {
                number,
                issued_on,
                issuer: self.doc_issuer.unwrap_or_default(),
                field: self.doc_field.unwrap_or_default(),
                effective_from: self.doc_effective_from,
                expires_on: self.doc_expires_on,
            }),
            _ => None,
        };
        let place = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => Some(PlaceFacts {
                lat,
                lon,
                opening_hours_vi: self.opening_hours_vi.unwrap_or_default(),
                opening_hours_en: self.opening_hours_en.unwrap_or_default(),
            }),
            _ => None,
        };
        let event =
            self.event_starts_at.map(|starts_at| EventFacts { starts_at, place: self.event_place.unwrap_or_default() });
        Ok(Article {
            id: self.id,
            unit_code: UnitCode::parse(&self.unit_code)?,
            kind: ArticleKind::parse(&self.kind)?,
            page_key: self.page_key,
            title_vi: self.title_vi,
            title_en: self.title_en,
            summary_vi: self.summary_vi,
            summary_en: self.summary_en,
            body_vi: self.body_vi,
            body_en: self.body_en,
            state: EditorialState {
                status: ArticleStatus::parse(&self.status)?,
                publish_at: self.publish_at,
                return_comment: self.return_comment,
            },
            legal,
            event,
            place,
            attachment_sha256: self.attachment_sha256,
            image_sha256: self.image_sha256,
            syndicated: self.syndicated,
            proposal: self.proposal,
            author_id: self.author_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Phiên bản: one saved version of an article (Vietnamese title and body), kept for comparison.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct StoredRevision {
    pub number: i64,
    pub author_id: Option<Uuid>,
    pub saved_at: DateTime<Utc>,
    pub title: String,
    pub body: String,
}

/// Which public articles a listing shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleScope {
    /// A unit's own site: its articles, the city's articles syndicated to wards (when `parent` is given and the
    /// site is a ward), and — on the city site — ward articles the city accepted.
    Site { unit: UnitCode, parent: Option<UnitCode>, is_ward: bool },
    /// "Tin từ các phường, xã": articles published by the children of `unit`.
    Children { unit: UnitCode },
    /// Every public article of the platform (sitemap).
    All,
}

/// A listing of public articles, newest first.
#[derive(Debug, Clone)]
pub struct ArticleFilter {
    pub scope: ArticleScope,
    pub kind: Option<ArticleKind>,
    /// Readers' "now": scheduled articles show from their time.
    pub now: DateTime<Utc>,
    pub limit: i64,
    pub offset: i64,
}

// ---------------------------------------------------------------------------------------------------------------
// Q&A
// ---------------------------------------------------------------------------------------------------------------

/// Câu hỏi: a citizen's question to a unit. The asker's account stays private; pages show `asker_initials`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Question {
    pub id: Uuid,
    pub unit_code: String,
    pub asker_id: Uuid,
    pub asker_initials: String,
    pub title: String,
    pub body: String,
    pub asked_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<Uuid>,
}

/// A question being asked.
#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub unit_code: UnitCode,
    pub asker_id: Uuid,
    pub asker_initials: String,
    pub title: String,
    pub body: String,
    pub due_at: DateTime<Utc>,
}

const QUESTION_COLUMNS: &str =
    "id, unit_code, asker_id, asker_initials, title, body, asked_at, due_at, answer, answered_at, answered_by";

// ---------------------------------------------------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------------------------------------------------

/// A warning as stored, with its id and author.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredWarning {
    pub id: Uuid,
    pub warning: Warning,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct WarningRow {
    id: Uuid,
    kind: String,
    severity: String,
    area_wards: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    headline_vi: String,
    headline_en: String,
    description_vi: String,
    description_en: String,
    cancelled_at: Option<DateTime<Utc>>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

const WARNING_COLUMNS: &str = "id, kind, severity, area_wards, starts_at, ends_at, headline_vi, headline_en, \
     description_vi, description_en, cancelled_at, created_by, created_at";

impl WarningRow {
    fn into_warning(self) -> StoreResult<StoredWarning> {
        let codes: Vec<String> = serde_json::from_str(&self.area_wards).unwrap_or_default();
        let area = if codes.is_empty() {
            WarningArea::WholeCity
        } else {
            WarningArea::wards(codes.iter().map(|c| UnitCode::parse(c)).collect::<Result<_, _>>()?)?
        };
        Ok(StoredWarning {
            id: self.id,
            warning: Warning {
                kind: WarningKind::parse(&self.kind)?,
                severity: Severity::parse(&self.severity)?,
                area,
                validity: Validity::new(self.starts_at, self.ends_at)?,
                headline_vi: self.headline_vi,
                headline_en: self.headline_en,
                description_vi: self.description_vi,
                description_en: self.description_en,
                cancelled_at: self.cancelled_at,
            },
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// The mail a new warning sends to each subscriber of its area (through `mail_outbox`).
#[derive(Debug, Clone)]
pub struct WarningMail {
    pub subject: String,
    pub body: String,
}

// ---------------------------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------------------------

/// Loại kết quả tìm kiếm of a procedure of the catalogue.
pub const SEARCH_KIND_PROCEDURE: &str = "procedure";
/// Loại kết quả tìm kiếm of an answered question.
pub const SEARCH_KIND_QUESTION: &str = "question";

/// One public item in the search index.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDocument {
    /// `article:<id>`, `procedure:<code>`, `question:<id>`.
    pub doc_key: String,
    /// An [`ArticleKind`] code, [`SEARCH_KIND_PROCEDURE`] or [`SEARCH_KIND_QUESTION`].
    pub kind: String,
    pub unit_code: Option<String>,
    pub title_vi: String,
    pub title_en: String,
    /// Plain text (NFC) the snippet is cut from; the folded index also covers the English text.
    pub excerpt: String,
    pub url: String,
    /// Extra text indexed but not shown (English body, document number…).
    pub extra: String,
    pub published_at: DateTime<Utc>,
}

/// Filters of a search.
#[derive(Debug, Clone)]
pub struct SearchFilter {
    pub kind: Option<String>,
    pub unit: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// 1-based.
    pub page: i64,
    pub page_size: i64,
    /// Items published after `now` (scheduled) are not found yet.
    pub now: DateTime<Utc>,
}

/// A found item.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SearchHit {
    pub doc_key: String,
    pub kind: String,
    pub unit_code: Option<String>,
    pub title_vi: String,
    pub title_en: String,
    pub excerpt: String,
    pub url: String,
    pub published_at: DateTime<Utc>,
}

/// One page of results and how many there are in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPage {
    /// Matches counted, at most [`SEARCH_CANDIDATES`].
    pub total: i64,
    /// More documents match than `total` says (the count stops at [`SEARCH_CANDIDATES`]).
    pub more: bool,
    pub hits: Vec<SearchHit>,
}

/// Most documents a search ranks and counts: the latest this many that hold every word (those whose title holds
/// them first). Ranking and counting every match of a common word ("đường" is in most articles) grows with the
/// archive, and so does looking for the rare titles that hold several common words; this keeps a search's cost
/// flat while every match of a specific query (few documents) is ranked.
pub const SEARCH_CANDIDATES: i64 = 1000;

/// Most query words sent to the engine; more add nothing to a "full and accurate" search and only cost time.
const MAX_QUERY_TERMS: usize = 12;

/// Strips tags from sanitised HTML and collapses whitespace, for the excerpt and the folded index.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    smartcity_domain::text::clean_line(&decoded)
}

/// Index writes inside a content transaction, on either engine.
pub(crate) trait SearchWrite {
    async fn put_search_document(&mut self, doc: &SearchDocument) -> StoreResult<()>;
    async fn drop_search_document(&mut self, doc_key: &str) -> StoreResult<()>;
}

crate::impl_for_connections!(impl SearchWrite {
    async fn put_search_document(&mut self, doc: &SearchDocument) -> StoreResult<()> {
        let title_folded = fold_vietnamese(&format!("{} {}", doc.title_vi, doc.title_en));
        let body_folded = fold_vietnamese(&format!("{} {}", doc.excerpt, doc.extra));
        let excerpt: String = doc.excerpt.chars().take(1000).collect();
        sqlx::query(
            "INSERT INTO search_documents (doc_key, kind, unit_code, title_vi, title_en, excerpt, url, title_folded, \
             body_folded, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (doc_key) DO UPDATE SET kind = $2, unit_code = $3, title_vi = $4, title_en = $5, \
             excerpt = $6, url = $7, title_folded = $8, body_folded = $9, published_at = $10",
        )
        .bind(&doc.doc_key)
        .bind(&doc.kind)
        .bind(doc.unit_code.as_deref())
        .bind(&doc.title_vi)
        .bind(&doc.title_en)
        .bind(&excerpt)
        .bind(&doc.url)
        .bind(&title_folded)
        .bind(&body_folded)
        .bind(doc.published_at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn drop_search_document(&mut self, doc_key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM search_documents WHERE doc_key = $1").bind(doc_key).execute(&mut *self).await?;
        Ok(())
    }
});

/// Writes of the article workflow inside one transaction: the row, its revision, its index entry.
trait ArticleWrite: SearchWrite + AuditAppend {
    async fn put_blob(&mut self, file: &NewFile) -> StoreResult<String>;
    async fn site_slug(&mut self, unit: &str) -> StoreResult<String>;
    async fn reindex_article(&mut self, article: &Article) -> StoreResult<()>;
    async fn insert_revision(
        &mut self,
        article: Uuid,
        number: i64,
        author: Option<Uuid>,
        title: &str,
        body: &str,
    ) -> StoreResult<()>;
    async fn read_article(&mut self, id: Uuid) -> StoreResult<Article>;
    async fn insert_article(
        &mut self,
        id: Uuid,
        author: Option<Uuid>,
        draft: &ArticleDraft,
        state: &EditorialState,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}

crate::impl_for_connections!(impl ArticleWrite {
    async fn put_blob(&mut self, file: &NewFile) -> StoreResult<String> {
        let sha = hex::encode(Sha256::digest(&file.bytes));
        sqlx::query(
            "INSERT INTO blobs (sha256, content_type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha)
        .bind(&file.content_type)
        .bind(file.bytes.len() as i64)
        .bind(file.bytes.as_slice())
        .bind(crate::now())
        .execute(&mut *self)
        .await?;
        Ok(sha)
    }

    async fn site_slug(&mut self, unit: &str) -> StoreResult<String> {
        let row: Option<(String,)> = sqlx::query_as("SELECT slug FROM portal_sites WHERE unit_code = $1")
            .bind(unit)
            .fetch_optional(&mut *self)
            .await?;
        row.map(|(s,)| s).ok_or(StoreError::NotFound)
    }

    /// Inserts a new article in `state` (drafts, and published items of the bulk generator).
    async fn insert_article(
        &mut self,
        id: Uuid,
        author: Option<Uuid>,
        draft: &ArticleDraft,
        state: &EditorialState,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let c = ContentColumns::of(draft);
        let attachment = match &draft.attachment { Some(f) => Some(self.put_blob(f).await?), None => None };
        let image = match &draft.image { Some(f) => Some(self.put_blob(f).await?), None => None };
        sqlx::query(
            "INSERT INTO portal_articles (id, unit_code, kind, page_key, title_vi, title_en, summary_vi, summary_en, \
             body_vi, body_en, status, publish_at, return_comment, doc_number, doc_issued_on, doc_issuer, doc_field, \
             doc_effective_from, doc_expires_on, attachment_sha256, image_sha256, event_starts_at, event_place, lat, \
             lon, opening_hours_vi, opening_hours_en, syndicated, proposal, author_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $29, NULL, $12, $13, $14, $15, $16, $17, $18, \
             $19, $20, $21, $22, $23, $24, $25, $26, '', $27, $28, $28)",
        )
        .bind(id)
        .bind(draft.unit_code.as_str())
        .bind(draft.kind.as_str())
        .bind(&draft.page_key)
        .bind(&draft.title_vi)
        .bind(&draft.title_en)
        .bind(&draft.summary_vi)
        .bind(&draft.summary_en)
        .bind(&draft.body_vi)
        .bind(&draft.body_en)
        .bind(state.status.as_str())
        .bind(c.legal.as_ref().map(|l| l.number.clone()))
        .bind(c.legal.as_ref().map(|l| l.issued_on))
        .bind(c.legal.as_ref().map(|l| l.issuer.clone()))
        .bind(c.legal.as_ref().map(|l| l.field.clone()))
        .bind(c.legal.as_ref().and_then(|l| l.effective_from))
        .bind(c.legal.as_ref().and_then(|l| l.expires_on))
        .bind(attachment)
        .bind(image)
        .bind(c.event_at)
        .bind(c.event_place)
        .bind(c.lat)
        .bind(c.lon)
        .bind(c.hours_vi)
        .bind(c.hours_en)
        .bind(false)
        .bind(author)
        .bind(now)
        .bind(state.publish_at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn insert_revision(
        &mut self,
        article: Uuid,
        number: i64,
        author: Option<Uuid>,
        title: &str,
        body: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO portal_revisions (id, article_id, number, author_id, saved_at, title, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(article)
        .bind(number)
        .bind(author)
        .bind(crate::now())
        .bind(title)
        .bind(body)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn read_article(&mut self, id: Uuid) -> StoreResult<Article> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM portal_articles a WHERE a.id = $1");
        let row: ArticleRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *self).await?;
        row.into_article()
    }

    /// Public or scheduled articles are in the index (found from their publication time); others are not.
    async fn reindex_article(&mut self, article: &Article) -> StoreResult<()> {
        let key = format!("article:{}", article.id);
        let listed = matches!(article.state.status, ArticleStatus::Published | ArticleStatus::Scheduled);
        match (listed, article.state.publish_at) {
            (true, Some(published_at)) => {
                let slug = self.site_slug(article.unit_code.as_str()).await?;
                let mut extra = plain_text(&article.body_en);
                if let Some(legal) = &article.legal {
                    extra = format!("{extra} {} {} {}", legal.number, legal.issuer, legal.field);
                }
                let doc = SearchDocument {
                    doc_key: key,
                    kind: article.kind.as_str().to_owned(),
                    unit_code: Some(article.unit_code.as_str().to_owned()),
                    title_vi: article.title_vi.clone(),
                    title_en: article.title_en.clone(),
                    excerpt: {
                        let body = plain_text(&article.body_vi);
                        let summary = article.summary_vi.trim();
                        if summary.is_empty() || body.contains(summary) { body } else { format!("{summary} {body}") }
                    },
                    url: format!("/{slug}/bai-viet/{}", article.id),
                    extra: format!("{} {extra}", article.summary_en),
                    published_at,
                };
                self.put_search_document(&doc).await
            }
            _ => self.drop_search_document(&key).await,
        }
    }
});

/// A value bound to a dynamically built query.
enum Bind {
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
}

/// Builds the engine's query text from folded words: every word must appear, as a word prefix
/// ("lang tu duc" finds "Lăng Tự Đức"; "thu tu" finds "thủ tục"). Words hold letters and digits only
/// (`SearchQuery` drops the rest), so quoting them is enough. SQLite answers prefixes of up to six letters from the
/// FTS5 prefix index (migration `20261127000010_read_paths`).
fn engine_query(backend: Backend, query: &SearchQuery) -> String {
    let terms: Vec<&str> = query.terms().into_iter().take(MAX_QUERY_TERMS).collect();
    match backend {
        Backend::Sqlite => terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" "),
        Backend::Postgres => terms.iter().map(|t| format!("'{t}':*")).collect::<Vec<_>>().join(" & "),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The store contract
// ---------------------------------------------------------------------------------------------------------------

/// The portal capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait PortalStore {
    /// Give every unit without a site its own, slugged by `domain::portal::assign_site_slugs`; a slug already taken
    /// by another site gets the unit code as a suffix. Existing sites keep theirs. Returns how many were made.
    async fn sync_sites(&self, ctx: &AuditContext) -> StoreResult<usize>;
    async fn sites(&self) -> StoreResult<Vec<Site>>;
    async fn site_by_slug(&self, slug: &str) -> StoreResult<Option<Site>>;
    async fn site_of_unit(&self, unit: &UnitCode) -> StoreResult<Option<Site>>;
    /// Save a site's slug, menu, banner and settings; `Conflict { constraint: "portal_sites_slug_key" }` when
    /// another site has the slug.
    async fn update_site(&self, ctx: &AuditContext, unit: &UnitCode, edit: SiteEdit) -> StoreResult<Site>;

    /// Create an article (as a draft, revision 1) by `author`.
    async fn create_article(
        &self,
        ctx: &AuditContext,
        author: Option<Uuid>,
        draft: ArticleDraft,
    ) -> StoreResult<Article>;
    /// Save a new revision of an article's content with the state the workflow gave it (`Edit`), guarded by
    /// `expected_updated_at` (`Conflict { constraint: "article_changed" }`).
    async fn edit_article(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        expected_updated_at: DateTime<Utc>,
        author: Option<Uuid>,
        draft: ArticleDraft,
        state: EditorialState,
    ) -> StoreResult<Article>;
    /// Record a workflow decision (`action` is `EditorialAction::code`) and update the index with it.
    async fn set_article_state(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        expected_updated_at: DateTime<Utc>,
        action: &str,
        state: EditorialState,
    ) -> StoreResult<Article>;
    /// City: show (or stop showing) a city article on every ward site.
    async fn set_article_syndicated(&self, ctx: &AuditContext, id: Uuid, syndicated: bool) -> StoreResult<Article>;
    /// Ward proposes / city accepts: set the proposal state (see [`PROPOSAL_PROPOSED`]).
    async fn set_article_proposal(&self, ctx: &AuditContext, id: Uuid, proposal: &str) -> StoreResult<Article>;
    async fn article(&self, id: Uuid) -> StoreResult<Option<Article>>;
    /// Revisions, oldest first.
    async fn article_revisions(&self, id: Uuid) -> StoreResult<Vec<StoredRevision>>;
    /// Public articles of `filter`, newest first.
    async fn public_articles(&self, filter: &ArticleFilter) -> StoreResult<Vec<Article>>;
    /// Every article of these units whatever its state (the editors' desk), newest change first.
    async fn unit_articles(&self, units: &[UnitCode], limit: i64) -> StoreResult<Vec<Article>>;
    /// Ward articles proposed to the city and waiting.
    async fn proposed_articles(&self) -> StoreResult<Vec<Article>>;
    /// The public fixed page `page_key` of a unit (ND 42 pages), if published.
    async fn site_page(&self, unit: &UnitCode, page_key: &str, now: DateTime<Utc>) -> StoreResult<Option<Article>>;

    async fn ask_question(&self, ctx: &AuditContext, new: NewQuestion) -> StoreResult<Question>;
    /// Answer once; an answered question becomes public (and searchable) with the asker's initials only.
    async fn answer_question(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        answer: &str,
        by: Uuid,
        question_url: &str,
    ) -> StoreResult<Question>;
    async fn question(&self, id: Uuid) -> StoreResult<Option<Question>>;
    /// Questions to a unit, newest first; `answered_only` for the public page.
    async fn questions(&self, unit: &UnitCode, answered_only: bool, limit: i64) -> StoreResult<Vec<Question>>;

    /// Store a warning and, in the same transaction, one mail per subscriber of its area (by ward).
    async fn create_warning(
        &self,
        ctx: &AuditContext,
        warning: &Warning,
        created_by: Option<Uuid>,
        mail: &WarningMail,
    ) -> StoreResult<StoredWarning>;
    /// Withdraw a warning now (CAP `Cancel`).
    async fn cancel_warning(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<StoredWarning>;
    async fn warning(&self, id: Uuid) -> StoreResult<Option<StoredWarning>>;
    /// Warnings newest first; with `active_at`, only those whose validity contains it and not cancelled.
    async fn warnings(&self, active_at: Option<DateTime<Utc>>, limit: i64) -> StoreResult<Vec<StoredWarning>>;
    async fn subscribe_warnings(&self, ctx: &AuditContext, account: Uuid, ward: &UnitCode) -> StoreResult<()>;
    async fn unsubscribe_warnings(&self, ctx: &AuditContext, account: Uuid, ward: &UnitCode) -> StoreResult<()>;
    async fn warning_subscriptions(&self, account: Uuid) -> StoreResult<Vec<String>>;

    /// Benchmark data: write `drafts` as published at `published_at`, with their revision and index entries, in one
    /// transaction and one audit record (`smartcity demo --articles N`).
    async fn bulk_publish_articles(
        &self,
        ctx: &AuditContext,
        drafts: &[ArticleDraft],
        published_at: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// Add or replace one item of the index by itself (procedures at load time, demo documents).
    async fn index_document(&self, doc: &SearchDocument) -> StoreResult<()>;
    /// Rebuild the procedure entries from the catalogue versions in force on `day`.
    async fn reindex_procedures(&self, day: NaiveDate) -> StoreResult<usize>;
    /// Diacritic-insensitive, ranked search; an empty query finds nothing.
    async fn search(&self, query: &SearchQuery, filter: &SearchFilter) -> StoreResult<SearchPage>;
}

/// What the index needs of a procedure, from a stored version or one being written.
pub(crate) struct ProcedureFacts<'a> {
    pub code: &'a str,
    pub name_vi: &'a str,
    pub name_en: &'a str,
    pub field_vi: &'a str,
    pub field_en: &'a str,
    pub agency_vi: &'a str,
    pub unit_code: Option<&'a str>,
    pub legal_basis: &'a [String],
    pub at: DateTime<Utc>,
}

impl ProcedureFacts<'_> {
    /// The index entry: one per procedure code, replaced by each new version.
    pub(crate) fn search_document(&self) -> SearchDocument {
        SearchDocument {
            doc_key: format!("procedure:{}", self.code),
            kind: SEARCH_KIND_PROCEDURE.to_owned(),
            unit_code: self.unit_code.map(str::to_owned),
            title_vi: self.name_vi.to_owned(),
            title_en: self.name_en.to_owned(),
            excerpt: format!("{} · {} · {}", self.field_vi, self.agency_vi, self.code),
            url: format!("/procedures/{}", self.code),
            extra: format!("{} {}", self.field_en, self.legal_basis.join(" ")),
            published_at: self.at,
        }
    }
}

fn audit_event(
    action: &'static str,
    record_type: &'static str,
    id: impl ToString,
    details: serde_json::Value,
) -> AuditEvent<'static> {
    AuditEvent { action, record_type, record_id: id.to_string(), details }
}

/// Column values of an article's content, bound in one order by create and edit.
struct ContentColumns {
    legal: Option<LegalDocument>,
    lat: Option<f64>,
    lon: Option<f64>,
    hours_vi: Option<String>,
    hours_en: Option<String>,
    event_at: Option<DateTime<Utc>>,
    event_place: Option<String>,
}

impl ContentColumns {
    fn of(draft: &ArticleDraft) -> Self {
        ContentColumns {
            legal: draft.legal.clone(),
            lat: draft.place.as_ref().map(|p| p.lat),
            lon: draft.place.as_ref().map(|p| p.lon),
            hours_vi: draft.place.as_ref().map(|p| p.opening_hours_vi.clone()),
            hours_en: draft.place.as_ref().map(|p| p.opening_hours_en.clone()),
            event_at: draft.event.as_ref().map(|e| e.starts_at),
            event_place: draft.event.as_ref().map(|e| e.place.clone()),
        }
    }
}

impl PortalStore for Store {
    async fn sync_sites(&self, ctx: &AuditContext) -> StoreResult<usize> {
        // Cheap read first: callers ask on unknown slugs, and the writer must not be taken for nothing.
        let (missing,): (i64,) = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*) FROM units u WHERE NOT EXISTS (SELECT 1 FROM portal_sites s WHERE s.unit_code = u.code)",
            )
            .fetch_one(pool)
            .await?
        });
        if missing == 0 {
            return Ok(0);
        }
        let made = in_write_tx!(self, tx => {
            let units: Vec<(String, String)> = sqlx::query_as("SELECT code, name_vi FROM units ORDER BY code")
                .fetch_all(&mut *tx)
                .await?;
            let existing: Vec<(String, String)> = sqlx::query_as("SELECT unit_code, slug FROM portal_sites")
                .fetch_all(&mut *tx)
                .await?;
            let parsed: Vec<(UnitCode, &str)> = units
                .iter()
                .map(|(c, n)| UnitCode::parse(c).map(|c| (c, n.as_str())))
                .collect::<Result<_, _>>()?;
            let mut taken: std::collections::HashSet<String> = existing.iter().map(|(_, s)| s.clone()).collect();
            let has_site: std::collections::HashSet<&str> = existing.iter().map(|(c, _)| c.as_str()).collect();
            let now = crate::now();
            let mut made = Vec::new();
            for (code, slug) in assign_site_slugs(&parsed) {
                if has_site.contains(code.as_str()) {
                    continue;
                }
                let mut slug = slug.as_str().to_owned();
                if taken.contains(&slug) {
                    slug = SiteSlug::parse(&format!("{slug}-{}", code.as_str().to_ascii_lowercase().replace('.', "-")))?
                        .as_str()
                        .to_owned();
                }
                taken.insert(slug.clone());
                sqlx::query(
                    "INSERT INTO portal_sites (unit_code, slug, menu, banner_vi, banner_en, settings, created_at, updated_at) \
                     VALUES ($1, $2, '[]', '', '', '{}', $3, $3)",
                )
                .bind(code.as_str())
                .bind(&slug)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                made.push(format!("{}={slug}", code.as_str()));
            }
            if !made.is_empty() {
                tx.append_audit(ctx, audit_event("portal_site.created", "portal_site", made.len(), json!({"sites": made}))).await?;
            }
            made.len()
        });
        if made > 0 {
            self.cache.portal_changed();
        }
        Ok(made)
    }

    async fn sites(&self) -> StoreResult<Vec<Site>> {
        let sql = format!("{SITE_SELECT} ORDER BY s.unit_code");
        let rows: Vec<SiteRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        rows.into_iter().map(SiteRow::into_site).collect()
    }

    async fn site_by_slug(&self, slug: &str) -> StoreResult<Option<Site>> {
        let sql = format!("{SITE_SELECT} WHERE s.slug = $1");
        let row: Option<SiteRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(pool).await?
        });
        row.map(SiteRow::into_site).transpose()
    }

    async fn site_of_unit(&self, unit: &UnitCode) -> StoreResult<Option<Site>> {
        let sql = format!("{SITE_SELECT} WHERE s.unit_code = $1");
        let row: Option<SiteRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unit.as_str()).fetch_optional(pool).await?
        });
        row.map(SiteRow::into_site).transpose()
    }

    async fn update_site(&self, ctx: &AuditContext, unit: &UnitCode, edit: SiteEdit) -> StoreResult<Site> {
        let menu = serde_json::to_string(&edit.menu).map_err(|e| StoreError::Dump(e.to_string()))?;
        let settings = serde_json::to_string(&edit.settings).map_err(|e| StoreError::Dump(e.to_string()))?;
        in_write_tx!(self, tx => {
            let old: Option<(String,)> = sqlx::query_as("SELECT slug FROM portal_sites WHERE unit_code = $1")
                .bind(unit.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let Some((old_slug,)) = old else { return Err(StoreError::NotFound) };
            sqlx::query(
                "UPDATE portal_sites SET slug = $1, menu = $2, banner_vi = $3, banner_en = $4, settings = $5, \
                 updated_at = $6 WHERE unit_code = $7",
            )
            .bind(edit.slug.as_str())
            .bind(&menu)
            .bind(&edit.banner_vi)
            .bind(&edit.banner_en)
            .bind(&settings)
            .bind(crate::now())
            .bind(unit.as_str())
            .execute(&mut *tx)
            .await?;
            if old_slug != edit.slug.as_str() {
                // Index addresses carry the slug.
                let from = format!("/{old_slug}/");
                let to = format!("/{}/", edit.slug.as_str());
                let n = from.chars().count() as i64;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE search_documents SET url = $1 || SUBSTR(url, {}) WHERE unit_code = $2 AND SUBSTR(url, 1, {n}) = $3",
                    n + 1
                )))
                .bind(&to)
                .bind(unit.as_str())
                .bind(&from)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(ctx, audit_event("portal_site.updated", "portal_site", unit.as_str(),
                json!({"slug": edit.slug.as_str(), "previous_slug": old_slug}))).await?;
        });
        self.cache.portal_changed();
        self.site_of_unit(unit).await?.ok_or(StoreError::NotFound)
    }

    async fn create_article(
        &self,
        ctx: &AuditContext,
        author: Option<Uuid>,
        draft: ArticleDraft,
    ) -> StoreResult<Article> {
        let id = Uuid::now_v7();
        let now = crate::now();
        in_write_tx!(self, tx => {
            tx.site_slug(draft.unit_code.as_str()).await?;
            tx.insert_article(id, author, &draft, &EditorialState::draft(), now).await?;
            tx.insert_revision(id, 1, author, &draft.title_vi, &draft.body_vi).await?;
            tx.append_audit(ctx, audit_event("article.created", "article", id,
                json!({"unit": draft.unit_code.as_str(), "kind": draft.kind.as_str()}))).await?;
        });
        self.cache.portal_changed();
        self.article(id).await?.ok_or(StoreError::NotFound)
    }

    async fn edit_article(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        expected_updated_at: DateTime<Utc>,
        author: Option<Uuid>,
        draft: ArticleDraft,
        state: EditorialState,
    ) -> StoreResult<Article> {
        let c = ContentColumns::of(&draft);
        in_write_tx!(self, tx => {
            let attachment = match &draft.attachment { Some(f) => Some(tx.put_blob(f).await?), None => None };
            let image = match &draft.image { Some(f) => Some(tx.put_blob(f).await?), None => None };
            let done = sqlx::query(
                "UPDATE portal_articles SET title_vi = $1, title_en = $2, summary_vi = $3, summary_en = $4, body_vi = $5, \
                 body_en = $6, status = $7, publish_at = $8, return_comment = $9, doc_number = $10, doc_issued_on = $11, \
                 doc_issuer = $12, doc_field = $13, doc_effective_from = $14, doc_expires_on = $15, \
                 attachment_sha256 = COALESCE($16, attachment_sha256), image_sha256 = COALESCE($17, image_sha256), \
                 event_starts_at = $18, event_place = $19, lat = $20, lon = $21, opening_hours_vi = $22, \
                 opening_hours_en = $23, page_key = $24, updated_at = $25 WHERE id = $26 AND updated_at = $27",
            )
            .bind(&draft.title_vi)
            .bind(&draft.title_en)
            .bind(&draft.summary_vi)
            .bind(&draft.summary_en)
            .bind(&draft.body_vi)
            .bind(&draft.body_en)
            .bind(state.status.as_str())
            .bind(state.publish_at)
            .bind(state.return_comment.as_deref())
            .bind(c.legal.as_ref().map(|l| l.number.clone()))
            .bind(c.legal.as_ref().map(|l| l.issued_on))
            .bind(c.legal.as_ref().map(|l| l.issuer.clone()))
            .bind(c.legal.as_ref().map(|l| l.field.clone()))
            .bind(c.legal.as_ref().and_then(|l| l.effective_from))
            .bind(c.legal.as_ref().and_then(|l| l.expires_on))
            .bind(attachment)
            .bind(image)
            .bind(c.event_at)
            .bind(c.event_place)
            .bind(c.lat)
            .bind(c.lon)
            .bind(c.hours_vi)
            .bind(c.hours_en)
            .bind(&draft.page_key)
            .bind(crate::now())
            .bind(id)
            .bind(expected_updated_at)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict { constraint: "article_changed".into() });
            }
            let (last,): (Option<i64>,) = sqlx::query_as("SELECT MAX(number) FROM portal_revisions WHERE article_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            tx.insert_revision(id, last.unwrap_or(0) + 1, author, &draft.title_vi, &draft.body_vi).await?;
            let article = tx.read_article(id).await?;
            tx.reindex_article(&article).await?;
            tx.append_audit(ctx, audit_event("article.edited", "article", id,
                json!({"status": state.status.as_str()}))).await?;
        });
        self.cache.portal_changed();
        self.article(id).await?.ok_or(StoreError::NotFound)
    }

    async fn set_article_state(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        expected_updated_at: DateTime<Utc>,
        action: &str,
        state: EditorialState,
    ) -> StoreResult<Article> {
        in_write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE portal_articles SET status = $1, publish_at = $2, return_comment = $3, updated_at = $4 \
                 WHERE id = $5 AND updated_at = $6",
            )
            .bind(state.status.as_str())
            .bind(state.publish_at)
            .bind(state.return_comment.as_deref())
            .bind(crate::now())
            .bind(id)
            .bind(expected_updated_at)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict { constraint: "article_changed".into() });
            }
            let article = tx.read_article(id).await?;
            tx.reindex_article(&article).await?;
            tx.append_audit(ctx, audit_event("article.workflow", "article", id,
                json!({"action": action, "status": state.status.as_str(),
                       "publish_at": state.publish_at.map(|t| t.to_rfc3339())}))).await?;
        });
        self.cache.portal_changed();
        self.article(id).await?.ok_or(StoreError::NotFound)
    }

    async fn set_article_syndicated(&self, ctx: &AuditContext, id: Uuid, syndicated: bool) -> StoreResult<Article> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE portal_articles SET syndicated = $1, updated_at = $2 WHERE id = $3")
                .bind(syndicated)
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, audit_event("article.syndicated", "article", id, json!({"syndicated": syndicated}))).await?;
        });
        self.cache.portal_changed();
        self.article(id).await?.ok_or(StoreError::NotFound)
    }

    async fn set_article_proposal(&self, ctx: &AuditContext, id: Uuid, proposal: &str) -> StoreResult<Article> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE portal_articles SET proposal = $1, updated_at = $2 WHERE id = $3")
                .bind(proposal)
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, audit_event("article.proposal", "article", id, json!({"proposal": proposal}))).await?;
        });
        self.cache.portal_changed();
        self.article(id).await?.ok_or(StoreError::NotFound)
    }

    async fn article(&self, id: Uuid) -> StoreResult<Option<Article>> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM portal_articles a WHERE a.id = $1");
        let row: Option<ArticleRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.map(ArticleRow::into_article).transpose()
    }

    async fn article_revisions(&self, id: Uuid) -> StoreResult<Vec<StoredRevision>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT number, author_id, saved_at, title, body FROM portal_revisions WHERE article_id = $1 ORDER BY number",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn public_articles(&self, filter: &ArticleFilter) -> StoreResult<Vec<Article>> {
        let mut binds: Vec<Bind> = Vec::new();
        let mut push = |b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        let now = push(Bind::Time(filter.now));
        let mut clauses = vec![format!(
            "(a.status = 'published' OR (a.status = 'scheduled' AND a.publish_at <= {now})) AND a.kind <> 'page'"
        )];
        match &filter.scope {
            ArticleScope::Site { unit, parent, is_ward } => {
                let own = push(Bind::Text(unit.as_str().to_owned()));
                let mut scope = format!("a.unit_code = {own}");
                if let (Some(parent), true) = (parent, is_ward) {
                    let p = push(Bind::Text(parent.as_str().to_owned()));
                    scope.push_str(&format!(" OR (a.unit_code = {p} AND a.syndicated)"));
                }
                if parent.is_none() {
                    scope.push_str(&format!(
                        " OR (a.proposal = 'accepted' AND a.unit_code IN (SELECT code FROM units WHERE parent_code = {own}))"
                    ));
                }
                clauses.push(format!("({scope})"));
            }
            ArticleScope::Children { unit } => {
                let u = push(Bind::Text(unit.as_str().to_owned()));
                clauses.push(format!(
                    "a.unit_code IN (SELECT code FROM units WHERE parent_code = {u} AND kind IN ('ward', 'commune'))"
                ));
            }
            ArticleScope::All => {}
        }
        if let Some(kind) = filter.kind {
            let k = push(Bind::Text(kind.as_str().to_owned()));
            clauses.push(format!("a.kind = {k}"));
        }
        let limit = push(Bind::Int(filter.limit.clamp(1, 50_000)));
        let offset = push(Bind::Int(filter.offset.max(0)));
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM portal_articles a WHERE {} ORDER BY a.publish_at DESC, a.id DESC \
             LIMIT {limit} OFFSET {offset}",
            clauses.join(" AND ")
        );
        let rows: Vec<ArticleRow> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                q = match b {
                    Bind::Text(s) => q.bind(s.clone()),
                    Bind::Time(t) => q.bind(*t),
                    Bind::Int(i) => q.bind(*i),
                };
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter().map(ArticleRow::into_article).collect()
    }

    async fn unit_articles(&self, units: &[UnitCode], limit: i64) -> StoreResult<Vec<Article>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=units.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM portal_articles a WHERE a.unit_code IN ({}) ORDER BY a.updated_at DESC LIMIT {}",
            list.join(", "),
            limit.clamp(1, 1000)
        );
        let rows: Vec<ArticleRow> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for u in units {
                q = q.bind(u.as_str().to_owned());
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter().map(ArticleRow::into_article).collect()
    }

    async fn proposed_articles(&self) -> StoreResult<Vec<Article>> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM portal_articles a WHERE a.proposal = 'proposed' ORDER BY a.updated_at DESC LIMIT 200"
        );
        let rows: Vec<ArticleRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        rows.into_iter().map(ArticleRow::into_article).collect()
    }

    async fn site_page(&self, unit: &UnitCode, page_key: &str, now: DateTime<Utc>) -> StoreResult<Option<Article>> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM portal_articles a WHERE a.unit_code = $1 AND a.kind = 'page' AND a.page_key = $2 \
             AND (a.status = 'published' OR (a.status = 'scheduled' AND a.publish_at <= $3)) \
             ORDER BY a.publish_at DESC LIMIT 1"
        );
        let row: Option<ArticleRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unit.as_str()).bind(page_key).bind(now).fetch_optional(pool).await?
        });
        row.map(ArticleRow::into_article).transpose()
    }

    async fn ask_question(&self, ctx: &AuditContext, new: NewQuestion) -> StoreResult<Question> {
        let id = Uuid::now_v7();
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO portal_questions (id, unit_code, asker_id, asker_initials, title, body, asked_at, due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(new.unit_code.as_str())
            .bind(new.asker_id)
            .bind(&new.asker_initials)
            .bind(&new.title)
            .bind(&new.body)
            .bind(crate::now())
            .bind(new.due_at)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, audit_event("question.asked", "question", id, json!({"unit": new.unit_code.as_str()}))).await?;
        });
        self.cache.portal_changed();
        self.question(id).await?.ok_or(StoreError::NotFound)
    }

    async fn answer_question(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        answer: &str,
        by: Uuid,
        question_url: &str,
    ) -> StoreResult<Question> {
        let now = crate::now();
        in_write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE portal_questions SET answer = $1, answered_at = $2, answered_by = $3 WHERE id = $4 AND answered_at IS NULL",
            )
            .bind(answer)
            .bind(now)
            .bind(by)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict { constraint: "question_answered".into() });
            }
            let (unit, title, body): (String, String, String) =
                sqlx::query_as("SELECT unit_code, title, body FROM portal_questions WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.put_search_document(&SearchDocument {
                doc_key: format!("question:{id}"),
                kind: SEARCH_KIND_QUESTION.to_owned(),
                unit_code: Some(unit),
                title_vi: title.clone(),
                title_en: title,
                excerpt: format!("{body} {answer}"),
                url: question_url.to_owned(),
                extra: String::new(),
                published_at: now,
            }).await?;
            tx.append_audit(ctx, audit_event("question.answered", "question", id, json!({}))).await?;
        });
        self.cache.portal_changed();
        self.question(id).await?.ok_or(StoreError::NotFound)
    }

    async fn question(&self, id: Uuid) -> StoreResult<Option<Question>> {
        let sql = format!("SELECT {QUESTION_COLUMNS} FROM portal_questions WHERE id = $1");
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        }))
    }

    async fn questions(&self, unit: &UnitCode, answered_only: bool, limit: i64) -> StoreResult<Vec<Question>> {
        let filter = if answered_only { " AND answered_at IS NOT NULL" } else { "" };
        let sql = format!(
            "SELECT {QUESTION_COLUMNS} FROM portal_questions WHERE unit_code = $1{filter} ORDER BY asked_at DESC LIMIT $2"
        );
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unit.as_str()).bind(limit.clamp(1, 1000)).fetch_all(pool).await?
        }))
    }

    async fn create_warning(
        &self,
        ctx: &AuditContext,
        warning: &Warning,
        created_by: Option<Uuid>,
        mail: &WarningMail,
    ) -> StoreResult<StoredWarning> {
        let id = Uuid::now_v7();
        let wards: Vec<String> = match &warning.area {
            WarningArea::WholeCity => Vec::new(),
            WarningArea::Wards(codes) => codes.iter().map(|c| c.as_str().to_owned()).collect(),
        };
        let area_json = serde_json::to_string(&wards).map_err(|e| StoreError::Dump(e.to_string()))?;
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO portal_warnings (id, kind, severity, area_wards, starts_at, ends_at, headline_vi, headline_en, \
                 description_vi, description_en, cancelled_at, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12)",
            )
            .bind(id)
            .bind(warning.kind.as_str())
            .bind(warning.severity.as_str())
            .bind(&area_json)
            .bind(warning.validity.starts_at())
            .bind(warning.validity.ends_at())
            .bind(&warning.headline_vi)
            .bind(&warning.headline_en)
            .bind(&warning.description_vi)
            .bind(&warning.description_en)
            .bind(created_by)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            let subscribers: Vec<(String, String)> = sqlx::query_as(
                "SELECT s.ward_code, a.email FROM portal_warning_subscriptions s JOIN accounts a ON a.id = s.account_id \
                 WHERE a.email IS NOT NULL AND a.active ORDER BY a.email",
            )
            .fetch_all(&mut *tx)
            .await?;
            let mut sent = std::collections::BTreeSet::new();
            for (ward, email) in subscribers {
                let covered = wards.is_empty() || wards.contains(&ward);
                if covered && sent.insert(email.clone()) {
                    sqlx::query(
                        "INSERT INTO mail_outbox (id, to_address, subject, body, created_at, sent_at) VALUES ($1, $2, $3, $4, $5, NULL)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(&email)
                    .bind(&mail.subject)
                    .bind(&mail.body)
                    .bind(crate::now())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.append_audit(ctx, audit_event("warning.created", "warning", id, json!({
                "kind": warning.kind.as_str(), "severity": warning.severity.as_str(), "wards": wards,
                "mails": sent.len(),
            }))).await?;
        });
        self.cache.portal_changed();
        self.warning(id).await?.ok_or(StoreError::NotFound)
    }

    async fn cancel_warning(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<StoredWarning> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE portal_warnings SET cancelled_at = $1 WHERE id = $2 AND cancelled_at IS NULL")
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, audit_event("warning.cancelled", "warning", id, json!({}))).await?;
        });
        self.cache.portal_changed();
        self.warning(id).await?.ok_or(StoreError::NotFound)
    }

    async fn warning(&self, id: Uuid) -> StoreResult<Option<StoredWarning>> {
        let sql = format!("SELECT {WARNING_COLUMNS} FROM portal_warnings WHERE id = $1");
        let row: Option<WarningRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.map(WarningRow::into_warning).transpose()
    }

    async fn warnings(&self, active_at: Option<DateTime<Utc>>, limit: i64) -> StoreResult<Vec<StoredWarning>> {
        let filter = if active_at.is_some() {
            "WHERE starts_at <= $2 AND ends_at > $2 AND (cancelled_at IS NULL OR cancelled_at > $2)"
        } else {
            ""
        };
        let sql = format!("SELECT {WARNING_COLUMNS} FROM portal_warnings {filter} ORDER BY created_at DESC LIMIT $1");
        let rows: Vec<WarningRow> = on_reader!(self, pool => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit.clamp(1, 1000));
            match active_at {
                Some(t) => q.bind(t).fetch_all(pool).await?,
                None => q.fetch_all(pool).await?,
            }
        });
        rows.into_iter().map(WarningRow::into_warning).collect()
    }

    async fn subscribe_warnings(&self, ctx: &AuditContext, account: Uuid, ward: &UnitCode) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO portal_warning_subscriptions (account_id, ward_code, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (account_id, ward_code) DO NOTHING",
            )
            .bind(account)
            .bind(ward.as_str())
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, audit_event("warning.subscribed", "account", account, json!({"ward": ward.as_str()}))).await?;
        });
        Ok(())
    }

    async fn unsubscribe_warnings(&self, ctx: &AuditContext, account: Uuid, ward: &UnitCode) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            sqlx::query("DELETE FROM portal_warning_subscriptions WHERE account_id = $1 AND ward_code = $2")
                .bind(account)
                .bind(ward.as_str())
                .execute(&mut *tx)
                .await?;
            tx.append_audit(ctx, audit_event("warning.unsubscribed", "account", account, json!({"ward": ward.as_str()}))).await?;
        });
        Ok(())
    }

    async fn warning_subscriptions(&self, account: Uuid) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT ward_code FROM portal_warning_subscriptions WHERE account_id = $1 ORDER BY ward_code")
                .bind(account)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(c,)| c).collect())
    }

    async fn bulk_publish_articles(
        &self,
        ctx: &AuditContext,
        drafts: &[ArticleDraft],
        published_at: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let now = crate::now();
        let state =
            EditorialState { status: ArticleStatus::Published, publish_at: Some(published_at), return_comment: None };
        in_write_tx!(self, tx => {
            for draft in drafts {
                let id = Uuid::now_v7();
                tx.insert_article(id, None, draft, &state, now).await?;
                tx.insert_revision(id, 1, None, &draft.title_vi, &draft.body_vi).await?;
                // Built in memory rather than read back: the generator writes a million of these.
                let article = Article {
                    id,
                    unit_code: draft.unit_code.clone(),
                    kind: draft.kind,
                    page_key: draft.page_key.clone(),
                    title_vi: draft.title_vi.clone(),
                    title_en: draft.title_en.clone(),
                    summary_vi: draft.summary_vi.clone(),
                    summary_en: draft.summary_en.clone(),
                    body_vi: draft.body_vi.clone(),
                    body_en: draft.body_en.clone(),
                    state: state.clone(),
                    legal: draft.legal.clone(),
                    event: draft.event.clone(),
                    place: draft.place.clone(),
                    attachment_sha256: None,
                    image_sha256: None,
                    syndicated: false,
                    proposal: String::new(),
                    author_id: None,
                    created_at: now,
                    updated_at: now,
                };
                tx.reindex_article(&article).await?;
            }
            tx.append_audit(ctx, audit_event("article.bulk_published", "article", drafts.len(), json!({}))).await?;
        });
        self.cache.portal_changed();
        Ok(drafts.len())
    }

    async fn index_document(&self, doc: &SearchDocument) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            tx.put_search_document(doc).await?;
        });
        self.cache.portal_changed();
        Ok(())
    }

    async fn reindex_procedures(&self, day: NaiveDate) -> StoreResult<usize> {
        use crate::procedures::ProcedureStore;
        let procedures = self.list_procedures(day, "").await?;
        in_write_tx!(self, tx => {
            sqlx::query("DELETE FROM search_documents WHERE kind = $1")
                .bind(SEARCH_KIND_PROCEDURE)
                .execute(&mut *tx)
                .await?;
            for p in &procedures {
                let facts = ProcedureFacts {
                    code: &p.code,
                    name_vi: &p.name_vi,
                    name_en: &p.name_en,
                    field_vi: &p.field_vi,
                    field_en: &p.field_en,
                    agency_vi: &p.agency_vi,
                    unit_code: p.unit_code.as_deref(),
                    legal_basis: &p.legal_basis,
                    at: p.created_at,
                };
                tx.put_search_document(&facts.search_document()).await?;
            }
        });
        self.cache.portal_changed();
        Ok(procedures.len())
    }

    async fn search(&self, query: &SearchQuery, filter: &SearchFilter) -> StoreResult<SearchPage> {
        if query.is_empty() {
            return Ok(SearchPage { total: 0, more: false, hits: Vec::new() });
        }
        let backend = self.backend();
        let mut binds: Vec<Bind> = vec![Bind::Text(engine_query(backend, query)), Bind::Time(filter.now)];
        let push = |binds: &mut Vec<Bind>, b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        let mut clauses = vec!["d.published_at <= $2".to_owned()];
        if let Some(kind) = &filter.kind {
            let k = push(&mut binds, Bind::Text(kind.clone()));
            clauses.push(format!("d.kind = {k}"));
        }
        if let Some(unit) = &filter.unit {
            let u = push(&mut binds, Bind::Text(unit.clone()));
            clauses.push(format!("d.unit_code = {u}"));
        }
        if let Some(from) = filter.from {
            let f = push(&mut binds, Bind::Time(from));
            clauses.push(format!("d.published_at >= {f}"));
        }
        if let Some(to) = filter.to {
            let t = push(&mut binds, Bind::Time(to));
            clauses.push(format!("d.published_at < {t}"));
        }
        // Every word begins a word of the title (the folded title, space-separated): the first rank.
        let title_checks: Vec<String> = query
            .terms()
            .into_iter()
            .take(MAX_QUERY_TERMS)
            .map(|t| {
                let p = push(&mut binds, Bind::Text(format!(" {t}")));
                match backend {
                    Backend::Sqlite => format!("instr(' ' || d.title_folded, {p}) > 0"),
                    Backend::Postgres => format!("strpos(' ' || d.title_folded, {p}) > 0"),
                }
            })
            .collect();
        let in_title = title_checks.join(" AND ");
        let page_size = usize::try_from(filter.page_size.clamp(1, 100)).unwrap_or(10);
        let page_start = usize::try_from(filter.page.clamp(1, 1000) - 1).unwrap_or(0) * page_size;
        let where_rest = clauses.join(" AND ");
        // The newest matches first (the engine walks its index backwards and stops), filtered as it goes; one
        // past the cap tells "exactly 1000" from "more". `seq` orders them newest first as the walk did.
        let (candidates, seq) = match backend {
            Backend::Sqlite => (
                format!(
                    "SELECT search_fts.rowid AS id FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid \
                     WHERE search_fts MATCH $1 AND {where_rest} ORDER BY search_fts.rowid DESC LIMIT {}",
                    SEARCH_CANDIDATES + 1
                ),
                "d.id",
            ),
            // PostgreSQL's rows have no sequence number: the newest published, on `search_documents_published_idx`.
            Backend::Postgres => (
                format!(
                    "SELECT d.doc_key AS id FROM search_documents d WHERE d.tsv @@ to_tsquery('simple', $1) \
                     AND {where_rest} ORDER BY d.published_at DESC, d.doc_key DESC LIMIT {}",
                    SEARCH_CANDIDATES + 1
                ),
                "CAST(EXTRACT(EPOCH FROM d.published_at) * 1000000 AS BIGINT)",
            ),
        };
        let join = match backend {
            Backend::Sqlite => "d.id = r.id",
            Backend::Postgres => "d.doc_key = r.id",
        };
        // One walk gives the count and, for each candidate, whether its title holds every word; only the page's
        // documents are read in full afterwards.
        let ranked_sql = format!(
            "SELECT d.doc_key, CAST(CASE WHEN {in_title} THEN 0 ELSE 1 END AS BIGINT), d.published_at, {seq} \
             FROM ({candidates}) r JOIN search_documents d ON {join}"
        );
        let mut ranked: Vec<(String, i64, DateTime<Utc>, i64)> = on_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(ranked_sql));
            for b in &binds {
                q = match b {
                    Bind::Text(s) => q.bind(s.clone()),
                    Bind::Time(t) => q.bind(*t),
                    Bind::Int(n) => q.bind(*n),
                };
            }
            q.fetch_all(pool).await?
        });
        let total = i64::try_from(ranked.len()).unwrap_or(i64::MAX);
        // Ranked among the newest candidates: the title holds every word, then newest published first.
        ranked.sort_by(|a, b| (b.3, &b.0).cmp(&(a.3, &a.0)));
        ranked.truncate(usize::try_from(SEARCH_CANDIDATES).unwrap_or(usize::MAX));
        ranked.sort_by(|a, b| (a.1, b.2, &a.0).cmp(&(b.1, a.2, &b.0)));
        let page: Vec<String> = ranked.into_iter().skip(page_start).take(page_size).map(|r| r.0).collect();
        let mut hits: Vec<SearchHit> = Vec::new();
        if !page.is_empty() {
            let marks = (1..=page.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT doc_key, kind, unit_code, title_vi, title_en, excerpt, url, published_at \
                 FROM search_documents WHERE doc_key IN ({marks})"
            );
            hits = on_reader!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for key in &page {
                    q = q.bind(key.clone());
                }
                q.fetch_all(pool).await?
            });
            hits.sort_by_key(|h| page.iter().position(|k| *k == h.doc_key));
        }
        Ok(SearchPage { total: total.min(SEARCH_CANDIDATES), more: total > SEARCH_CANDIDATES, hits })
    }
}
