//! `reports`: field reports (phản ánh hiện trường) — the category catalogue, the reports with
//! their public timeline and photos (content-addressed in `blobs`), and the API keys of Open311
//! partners (stored as SHA-256 hashes, revocable).
//!
//! The workflow rules live in `domain::reports`; the caller decides a transition and hands the
//! resulting state here, where it is written with its event, audit record and outbox event in one
//! transaction, guarded against a concurrent change by `updated_at`. The reporter's identity is
//! stored here (in [`Reporter`]) for the IOC only: public pages and Open311 must not show it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::{self, GeoPoint, haversine_m};
use smartcity_domain::reports::{AgencyKind, Category, CategoryCatalogue, Process, ReportStatus};
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::outbox::OutboxWrite;
use crate::report_rollups::ReportRollupWrite;
use crate::{Backend, Store, StoreError, StoreResult, in_write_tx, on_reader};

/// A report category as stored (lĩnh vực phản ánh).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportCategory {
    /// Code, also the Open311 `service_code`.
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub examples_vi: String,
    /// Kind of agency routing proposes.
    pub agency_kind: AgencyKind,
    /// Deadline in working days.
    pub deadline_days: i64,
    pub process: Process,
    /// Inactive categories are hidden from new reports but keep their old ones.
    pub active: bool,
}

/// A report as stored, reporter included (show it to the IOC only).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: Uuid,
    pub service_code: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    /// Ward or commune containing the point.
    pub ward_code: Option<String>,
    /// Unit handling it once routed.
    pub handling_unit_code: Option<String>,
    pub status: ReportStatus,
    pub reporter: Reporter,
    /// Open311 partner key it arrived through, if any.
    pub api_key_id: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The unit's public answer.
    pub answer: Option<String>,
    pub rating: Option<Rating>,
    pub duplicate_of: Option<Uuid>,
    /// Photos and partner media URLs sent with it (public; the answer's photos are not here).
    pub media: ReportMedia,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The media of one report, in the order they were sent: kept on the report row (`reports.media`) so Open311
/// reads a request in one query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportMedia {
    /// SHA-256 of the photos sent with the report (served by the platform).
    pub photos: Vec<String>,
    /// URLs a partner sent as `media_url` (kept as given, never fetched).
    pub external: Vec<String>,
}

impl ReportMedia {
    /// Reads the `reports.media` column: a JSON array of `photo:<sha256>` and `url:<url>` entries, or NULL.
    fn from_column(column: Option<&str>) -> ReportMedia {
        let entries: Vec<String> = column.and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
        let mut media = ReportMedia::default();
        for entry in entries {
            if let Some(sha) = entry.strip_prefix("photo:") {
                media.photos.push(sha.to_owned());
            } else if let Some(url) = entry.strip_prefix("url:") {
                media.external.push(url.to_owned());
            }
        }
        media
    }
}

/// Rewrites `reports.media` from the photos and submit event of each report (add a `WHERE`), on SQLite. The same
/// statement as the backfill in migration `20261127000010_read_paths`; keep the two in step.
const MEDIA_REFRESH_SQLITE: &str = "UPDATE reports SET media = (\
    SELECT CASE WHEN COUNT(*) > 0 THEN json_group_array(m.u) END FROM (\
        SELECT 'photo:' || p.sha256 AS u, 0 AS g, p.created_at AS o1, p.id AS o2 \
          FROM report_photos p WHERE p.report_id = reports.id AND p.purpose = 'report' \
        UNION ALL \
        SELECT 'url:' || j.value, 1, printf('%08d', j.key), NULL \
          FROM report_events e, \
               json_each(CASE WHEN json_valid(e.details) THEN e.details ELSE '{}' END, '$.open311.media_urls') j \
         WHERE e.report_id = reports.id AND e.action = 'submit' \
        ORDER BY 2, 3, 4) m)";

/// The same on PostgreSQL.
const MEDIA_REFRESH_POSTGRES: &str = "UPDATE reports SET media = (\
    SELECT json_agg(m.u ORDER BY m.g, m.o1, m.o2)::text FROM (\
        SELECT 'photo:' || p.sha256 AS u, 0 AS g, extract(epoch FROM p.created_at)::float8 AS o1, p.id::text AS o2 \
          FROM report_photos p WHERE p.report_id = reports.id AND p.purpose = 'report' \
        UNION ALL \
        SELECT 'url:' || j.value, 1, j.n::float8, '' \
          FROM report_events e \
          CROSS JOIN LATERAL jsonb_array_elements_text(\
              CASE WHEN jsonb_typeof(e.details::jsonb #> '{open311,media_urls}') = 'array' \
                   THEN e.details::jsonb #> '{open311,media_urls}' ELSE '[]'::jsonb END\
          ) WITH ORDINALITY AS j(value, n) \
         WHERE e.report_id = reports.id AND e.action = 'submit') m)";

/// The statement rewriting `reports.media` on `backend`, without its `WHERE`.
pub(crate) fn media_refresh_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => MEDIA_REFRESH_SQLITE,
        Backend::Postgres => MEDIA_REFRESH_POSTGRES,
    }
}

/// Who sent a report: private, visible to the IOC only.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reporter {
    pub account_id: Option<Uuid>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ReportRow {
    id: Uuid,
    service_code: String,
    description: String,
    lat: f64,
    lon: f64,
    address: Option<String>,
    ward_code: Option<String>,
    handling_unit_code: Option<String>,
    status: String,
    reporter_account_id: Option<Uuid>,
    reporter_name: Option<String>,
    reporter_email: Option<String>,
    reporter_phone: Option<String>,
    api_key_id: Option<Uuid>,
    due_at: Option<DateTime<Utc>>,
    answered_at: Option<DateTime<Utc>>,
    answer: Option<String>,
    rating: Option<String>,
    duplicate_of: Option<Uuid>,
    media: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(crate) const REPORT_COLUMNS: &str = "id, service_code, description, lat, lon, address, ward_code, handling_unit_code, status, \
     reporter_account_id, reporter_name, reporter_email, reporter_phone, api_key_id, due_at, answered_at, answer, \
     rating, duplicate_of, media, created_at, updated_at";

impl ReportRow {
    pub(crate) fn into_report(self) -> StoreResult<Report> {
        Ok(Report {
            id: self.id,
            service_code: self.service_code,
            description: self.description,
            lat: self.lat,
            lon: self.lon,
            address: self.address,
            ward_code: self.ward_code,
            handling_unit_code: self.handling_unit_code,
            status: ReportStatus::parse(&self.status)?,
            reporter: Reporter {
                account_id: self.reporter_account_id,
                name: self.reporter_name,
                email: self.reporter_email,
                phone: self.reporter_phone,
            },
            api_key_id: self.api_key_id,
            due_at: self.due_at,
            answered_at: self.answered_at,
            answer: self.answer,
            rating: self.rating.as_deref().map(Rating::parse).transpose()?,
            duplicate_of: self.duplicate_of,
            media: ReportMedia::from_column(self.media.as_deref()),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A photo to attach (already sniffed, re-encoded and size-checked by the caller).
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A photo attached to a report.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReportPhoto {
    pub id: Uuid,
    /// `report` (sent with it) or `answer` (the unit's).
    pub purpose: String,
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// A report being sent.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub service_code: String,
    pub description: String,
    pub location: GeoPoint,
    pub address: Option<String>,
    pub ward_code: Option<String>,
    /// Unit proposed by routing, if the report goes straight to it.
    pub handling_unit_code: Option<String>,
    pub reporter: Reporter,
    pub api_key_id: Option<Uuid>,
    pub photos: Vec<NewPhoto>,
}

/// One entry of a report's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEvent {
    pub id: Uuid,
    pub report_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_status: Option<ReportStatus>,
    pub to_status: ReportStatus,
    /// Staff member who acted (never shown publicly).
    pub actor_id: Option<Uuid>,
    pub from_unit: Option<String>,
    pub to_unit: Option<String>,
    /// Text published with the status change (may be empty).
    pub public_note: String,
    pub details: Value,
}

#[derive(sqlx::FromRow)]
struct ReportEventRow {
    id: Uuid,
    report_id: Uuid,
    at: DateTime<Utc>,
    action: String,
    from_status: Option<String>,
    to_status: String,
    actor_id: Option<Uuid>,
    from_unit: Option<String>,
    to_unit: Option<String>,
    public_note: String,
    details: String,
}

const EVENT_COLUMNS: &str =
    "id, report_id, at, action, from_status, to_status, actor_id, from_unit, to_unit, public_note, details";

impl ReportEventRow {
    fn into_event(self) -> StoreResult<ReportEvent> {
        Ok(ReportEvent {
            id: self.id,
            report_id: self.report_id,
            at: self.at,
            action: self.action,
            from_status: self.from_status.as_deref().map(ReportStatus::parse).transpose()?,
            to_status: ReportStatus::parse(&self.to_status)?,
            actor_id: self.actor_id,
            from_unit: self.from_unit,
            to_unit: self.to_unit,
            public_note: self.public_note,
            details: serde_json::from_str(&self.details).unwrap_or(Value::Null),
        })
    }
}

/// An event to record with a change.
#[derive(Debug, Clone, Default)]
pub struct NewReportEvent {
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub from_unit: Option<String>,
    pub to_unit: Option<String>,
    pub public_note: String,
    pub details: Value,
}

/// A state change decided by `domain::reports::transition`, to be written atomically.
#[derive(Debug, Clone)]
pub struct ReportChange {
    pub report_id: Uuid,
    /// `updated_at` the decision was based on; a different value means someone acted first.
    pub expected_updated_at: DateTime<Utc>,
    pub status: ReportStatus,
    pub handling_unit_code: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub rating: Option<Rating>,
    pub duplicate_of: Option<Uuid>,
    pub event: NewReportEvent,
    /// Photos of the answer.
    pub photos: Vec<NewPhoto>,
    /// Outbox topic announcing the change (notifications).
    pub notify: Option<String>,
}

impl ReportChange {
    /// A change that keeps everything of `report` but its status, with `event`.
    pub fn from_report(report: &Report, status: ReportStatus, event: NewReportEvent) -> Self {
        ReportChange {
            report_id: report.id,
            expected_updated_at: report.updated_at,
            status,
            handling_unit_code: report.handling_unit_code.clone(),
            due_at: report.due_at,
            answered_at: report.answered_at,
            answer: report.answer.clone(),
            rating: report.rating,
            duplicate_of: report.duplicate_of,
            event,
            photos: Vec::new(),
            notify: None,
        }
    }
}

/// A rectangle in degrees, for map viewports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub min_lon: f64,
    pub max_lat: f64,
    pub max_lon: f64,
}

/// Filters of a report listing (Open311 `GET requests` and the public map). Empty lists mean
/// "any"; windows are half-open `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub ids: Vec<Uuid>,
    pub service_codes: Vec<String>,
    pub statuses: Vec<ReportStatus>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
    pub bbox: Option<BoundingBox>,
    /// Centre and radius in metres. The database narrows by the enclosing box; the exact circle is
    /// applied to the page afterwards, so a page near the edge may hold fewer than `page_size`.
    pub near: Option<(GeoPoint, f64)>,
    /// 1-based page.
    pub page: i64,
    pub page_size: i64,
}

/// An Open311 partner's API key (the secret itself is never stored).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Open311ApiKey {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Metres per degree of latitude on the sphere `haversine_m` uses.
const METRES_PER_DEGREE: f64 = 111_194.9;

/// The box enclosing a circle (never crossing the poles or the antimeridian in Huế).
fn box_around(centre: GeoPoint, radius_m: f64) -> BoundingBox {
    let dlat = radius_m / METRES_PER_DEGREE;
    let dlon = radius_m / (METRES_PER_DEGREE * centre.lat.to_radians().cos().max(0.01));
    BoundingBox {
        min_lat: centre.lat - dlat,
        max_lat: centre.lat + dlat,
        min_lon: centre.lon - dlon,
        max_lon: centre.lon + dlon,
    }
}

/// The SQL narrowing reports to `bbox`: the grid cells it meets (`reports_cell_created_idx`, newest first within
/// each cell) when they are few, then the exact rectangle. `bind` adds a parameter and returns its placeholder.
pub(crate) fn location_clause(bbox: &BoundingBox, bind: &mut dyn FnMut(f64) -> String) -> String {
    let (a, b) = (bind(bbox.min_lat), bind(bbox.max_lat));
    let (c, d) = (bind(bbox.min_lon), bind(bbox.max_lon));
    let exact = format!("lat BETWEEN {a} AND {b} AND lon BETWEEN {c} AND {d}");
    let area =
        geo::BoundingBox { min_lat: bbox.min_lat, min_lon: bbox.min_lon, max_lat: bbox.max_lat, max_lon: bbox.max_lon };
    match geo::grid_cells_covering(&area) {
        // Cell numbers are integers computed here, never input text: inlining them is safe and lets both
        // planners see the list.
        Some(cells) => {
            let list: Vec<String> = cells.iter().map(i64::to_string).collect();
            format!("grid_cell IN ({}) AND {exact}", list.join(", "))
        }
        None => exact,
    }
}

impl Store {
    /// The category list from memory, read from the database when missing or older than the cache allows.
    async fn cached_report_categories(&self) -> StoreResult<std::sync::Arc<Vec<ReportCategory>>> {
        if let Some(list) = self.cache.categories() {
            return Ok(list);
        }
        let version = self.cache.category_version();
        let sql = format!("SELECT {CATEGORY_COLUMNS} FROM report_categories ORDER BY code");
        let rows: Vec<CategoryRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        let list =
            std::sync::Arc::new(rows.into_iter().map(CategoryRow::into_category).collect::<StoreResult<Vec<_>>>()?);
        self.cache.put_categories(version, std::sync::Arc::clone(&list));
        Ok(list)
    }
}

/// Inserts used inside a report transaction on either engine.
pub(crate) trait ReportWrite: AuditAppend + OutboxWrite {
    async fn attach_report_photo(&mut self, report_id: Uuid, purpose: &str, photo: &NewPhoto) -> StoreResult<()>;
    async fn insert_report_event(
        &mut self,
        report_id: Uuid,
        from: Option<ReportStatus>,
        to: ReportStatus,
        event: &NewReportEvent,
    ) -> StoreResult<()>;
}

crate::impl_for_connections!(impl ReportWrite {
    async fn attach_report_photo(&mut self, report_id: Uuid, purpose: &str, photo: &NewPhoto) -> StoreResult<()> {
        let now = crate::now();
        let sha = sha256_hex(&photo.bytes);
        let size = photo.bytes.len() as i64;
        sqlx::query(
            "INSERT INTO blobs (sha256, content_type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha)
        .bind(&photo.content_type)
        .bind(size)
        .bind(photo.bytes.as_slice())
        .bind(now)
        .execute(&mut *self)
        .await?;
        sqlx::query(
            "INSERT INTO report_photos (id, report_id, purpose, sha256, content_type, size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(report_id)
        .bind(purpose)
        .bind(&sha)
        .bind(&photo.content_type)
        .bind(size)
        .bind(now)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn insert_report_event(
        &mut self,
        report_id: Uuid,
        from: Option<ReportStatus>,
        to: ReportStatus,
        event: &NewReportEvent,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO report_events (id, report_id, at, action, from_status, to_status, actor_id, from_unit, to_unit, \
             public_note, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(Uuid::now_v7())
        .bind(report_id)
        .bind(crate::now())
        .bind(&event.action)
        .bind(from.map(|s| s.as_str()))
        .bind(to.as_str())
        .bind(event.actor_id)
        .bind(event.from_unit.as_deref())
        .bind(event.to_unit.as_deref())
        .bind(&event.public_note)
        .bind(event.details.to_string())
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

/// A value bound to a dynamically built listing query.
enum Bind {
    Text(String),
    Time(DateTime<Utc>),
    Float(f64),
    Id(Uuid),
    Int(i64),
}

/// The submit event's details: photo count, partner key, and what the channel adds.
fn submit_details(new: &NewReport, extra: Value) -> Value {
    let mut details = json!({"photos": new.photos.len(), "via_api_key": new.api_key_id.map(|k| k.to_string())});
    if let (Value::Object(map), Value::Object(more)) = (&mut details, extra) {
        map.extend(more);
    }
    details
}

/// The reports capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait ReportStore {
    /// Insert or update categories by code (administrator's catalogue edit, demo loader).
    async fn upsert_report_categories(&self, ctx: &AuditContext, categories: &[Category]) -> StoreResult<()>;
    /// Load the catalogue in the shape of `feedback-categories.json` (`seed/feedback-categories.json`).
    async fn load_report_categories_json(&self, ctx: &AuditContext, json: &str) -> StoreResult<usize>;
    /// Every category, in code order.
    async fn report_categories(&self) -> StoreResult<Vec<ReportCategory>>;
    async fn report_category(&self, code: &str) -> StoreResult<Option<ReportCategory>>;
    /// Hide or show a category for new reports.
    async fn set_report_category_active(&self, ctx: &AuditContext, code: &str, active: bool) -> StoreResult<()>;

    /// Store a new report (status `submitted`) with its photos, first event, audit and outbox
    /// records in one transaction.
    async fn create_report(&self, ctx: &AuditContext, new: NewReport) -> StoreResult<Report>;
    /// [`ReportStore::create_report`] with `extra` (a JSON object) merged into the submit event's details: what a
    /// channel adds, such as Open311 attribute answers and partner media URLs.
    async fn create_report_with_details(&self, ctx: &AuditContext, new: NewReport, extra: Value)
    -> StoreResult<Report>;
    /// Apply a workflow decision; `Conflict { constraint: "report_changed" }` when the report moved
    /// since it was read.
    async fn apply_report_change(&self, ctx: &AuditContext, change: ReportChange) -> StoreResult<Report>;
    async fn report(&self, id: Uuid) -> StoreResult<Option<Report>>;
    /// Reports matching `filter`, newest first.
    async fn reports(&self, filter: &ReportFilter) -> StoreResult<Vec<Report>>;
    /// A report's timeline, oldest first.
    async fn report_events(&self, id: Uuid) -> StoreResult<Vec<ReportEvent>>;
    /// Timeline entries of every report changed in `[from, to)`, oldest first, at most `limit`
    /// (mySociety `servicerequestupdates`).
    async fn report_events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<ReportEvent>>;
    async fn report_photos(&self, id: Uuid) -> StoreResult<Vec<ReportPhoto>>;
    /// Reports of `service_code` sent since `since` within `radius_m` of `point`, nearest
    /// first: the candidates `domain::reports::likely_duplicates` scores.
    async fn nearby_reports(
        &self,
        service_code: Option<&str>,
        point: GeoPoint,
        radius_m: f64,
        since: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Report>>;

    /// Register a partner key; `key_hash` is the SHA-256 hex of the secret handed out once.
    async fn create_open311_key(&self, ctx: &AuditContext, name: &str, key_hash: &str) -> StoreResult<Open311ApiKey>;
    /// The live key with this hash, recording its use (at minute resolution).
    async fn verify_open311_key(&self, key_hash: &str) -> StoreResult<Option<Open311ApiKey>>;
    async fn revoke_open311_key(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<()>;
    async fn open311_keys(&self) -> StoreResult<Vec<Open311ApiKey>>;
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    code: String,
    name_vi: String,
    name_en: String,
    examples_vi: String,
    agency_kind: String,
    deadline_days: i64,
    process: String,
    active: bool,
}

impl CategoryRow {
    fn into_category(self) -> StoreResult<ReportCategory> {
        Ok(ReportCategory {
            code: self.code,
            name_vi: self.name_vi,
            name_en: self.name_en,
            examples_vi: self.examples_vi,
            agency_kind: AgencyKind::parse(&self.agency_kind)?,
            deadline_days: self.deadline_days,
            process: Process::parse(&self.process)?,
            active: self.active,
        })
    }
}

const CATEGORY_COLUMNS: &str = "code, name_vi, name_en, examples_vi, agency_kind, deadline_days, process, active";

const KEY_COLUMNS: &str = "id, name, created_at, revoked_at, last_used_at";

impl ReportStore for Store {
    async fn upsert_report_categories(&self, ctx: &AuditContext, categories: &[Category]) -> StoreResult<()> {
        let now = crate::now();
        in_write_tx!(self, tx => {
            for c in categories {
                sqlx::query(
                    "INSERT INTO report_categories (code, name_vi, name_en, examples_vi, agency_kind, deadline_days, process, \
                     active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                     ON CONFLICT (code) DO UPDATE SET name_vi = $2, name_en = $3, examples_vi = $4, agency_kind = $5, \
                     deadline_days = $6, process = $7, updated_at = $9",
                )
                .bind(c.code.as_str())
                .bind(&c.name_vi)
                .bind(&c.name_en)
                .bind(&c.examples_vi)
                .bind(c.agency_kind.as_str())
                .bind(i64::from(c.default_deadline_working_days))
                .bind(c.process.as_str())
                .bind(true)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let codes: Vec<&str> = categories.iter().map(|c| c.code.as_str()).collect();
            tx.append_audit(ctx, AuditEvent {
                action: "report_category.saved",
                record_type: "report_category",
                record_id: codes.join(","),
                details: json!({"count": categories.len()}),
            }).await?;
        });
        self.cache.categories_changed();
        Ok(())
    }

    async fn load_report_categories_json(&self, ctx: &AuditContext, json: &str) -> StoreResult<usize> {
        let catalogue = CategoryCatalogue::from_json(json)?;
        self.upsert_report_categories(ctx, &catalogue.categories).await?;
        Ok(catalogue.categories.len())
    }

    async fn report_categories(&self) -> StoreResult<Vec<ReportCategory>> {
        Ok(self.cached_report_categories().await?.as_ref().clone())
    }

    async fn report_category(&self, code: &str) -> StoreResult<Option<ReportCategory>> {
        Ok(self.cached_report_categories().await?.iter().find(|c| c.code == code).cloned())
    }

    async fn set_report_category_active(&self, ctx: &AuditContext, code: &str, active: bool) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE report_categories SET active = $1, updated_at = $2 WHERE code = $3")
                .bind(active)
                .bind(crate::now())
                .bind(code)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, AuditEvent {
                action: if active { "report_category.activated" } else { "report_category.deactivated" },
                record_type: "report_category",
                record_id: code.to_owned(),
                details: json!({}),
            }).await?;
        });
        self.cache.categories_changed();
        Ok(())
    }

    async fn create_report(&self, ctx: &AuditContext, new: NewReport) -> StoreResult<Report> {
        self.create_report_with_details(ctx, new, Value::Null).await
    }

    async fn create_report_with_details(
        &self,
        ctx: &AuditContext,
        new: NewReport,
        extra: Value,
    ) -> StoreResult<Report> {
        let id = Uuid::now_v7();
        let now = crate::now();
        let status = ReportStatus::Submitted;
        let media_refresh = format!("{} WHERE id = $1", media_refresh_sql(self.backend()));
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO reports (id, service_code, description, lat, lon, address, ward_code, handling_unit_code, status, \
                 reporter_account_id, reporter_name, reporter_email, reporter_phone, api_key_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
            )
            .bind(id)
            .bind(&new.service_code)
            .bind(&new.description)
            .bind(new.location.lat)
            .bind(new.location.lon)
            .bind(new.address.as_deref())
            .bind(new.ward_code.as_deref())
            .bind(new.handling_unit_code.as_deref())
            .bind(status.as_str())
            .bind(new.reporter.account_id)
            .bind(new.reporter.name.as_deref())
            .bind(new.reporter.email.as_deref())
            .bind(new.reporter.phone.as_deref())
            .bind(new.api_key_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let sent = tx.report_subjects(&[id]).await?;
            tx.move_report_rollups(&[], &sent).await?;
            for photo in &new.photos {
                tx.attach_report_photo(id, "report", photo).await?;
            }
            tx.insert_report_event(id, None, status, &NewReportEvent {
                action: "submit".into(),
                actor_id: new.reporter.account_id,
                to_unit: new.handling_unit_code.clone(),
                details: submit_details(&new, extra),
                ..Default::default()
            }).await?;
            sqlx::query(sqlx::AssertSqlSafe(media_refresh)).bind(id).execute(&mut *tx).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "report.submitted",
                record_type: "report",
                record_id: id.to_string(),
                details: json!({
                    "service_code": new.service_code, "ward": new.ward_code,
                    "via_api_key": new.api_key_id.map(|k| k.to_string()),
                }),
            }).await?;
            tx.enqueue("report.submitted", &json!({"report_id": id.to_string(), "status": status.as_str()})).await?;
        });
        self.cache.reports_added();
        self.report(id).await?.ok_or(StoreError::NotFound)
    }

    async fn apply_report_change(&self, ctx: &AuditContext, change: ReportChange) -> StoreResult<Report> {
        let before = self.report(change.report_id).await?.ok_or(StoreError::NotFound)?;
        in_write_tx!(self, tx => {
            // The tallies move from the row as this transaction finds it, whatever `before` was read earlier.
            let tallied = tx.report_subjects(&[change.report_id]).await?;
            let done = sqlx::query(
                "UPDATE reports SET status = $1, handling_unit_code = $2, due_at = $3, answered_at = $4, answer = $5, \
                 rating = $6, duplicate_of = $7, updated_at = $8 WHERE id = $9 AND updated_at = $10",
            )
            .bind(change.status.as_str())
            .bind(change.handling_unit_code.as_deref())
            .bind(change.due_at)
            .bind(change.answered_at)
            .bind(change.answer.as_deref())
            .bind(change.rating.map(|r| r.as_str()))
            .bind(change.duplicate_of)
            .bind(crate::now())
            .bind(change.report_id)
            .bind(change.expected_updated_at)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict { constraint: "report_changed".into() });
            }
            let changed = tx.report_subjects(&[change.report_id]).await?;
            tx.move_report_rollups(&tallied, &changed).await?;
            for photo in &change.photos {
                tx.attach_report_photo(change.report_id, "answer", photo).await?;
            }
            tx.insert_report_event(change.report_id, Some(before.status), change.status, &change.event).await?;
            tx.append_audit(ctx, AuditEvent {
                action: "report.action",
                record_type: "report",
                record_id: before.id.to_string(),
                details: json!({"action": change.event.action, "from": before.status.as_str(), "to": change.status.as_str()}),
            }).await?;
            if let Some(topic) = &change.notify {
                tx.enqueue(topic, &json!({
                    "report_id": before.id.to_string(), "action": change.event.action, "status": change.status.as_str(),
                })).await?;
            }
        });
        self.cache.reports_changed();
        self.report(change.report_id).await?.ok_or(StoreError::NotFound)
    }

    async fn report(&self, id: Uuid) -> StoreResult<Option<Report>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
        let row: Option<ReportRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.map(ReportRow::into_report).transpose()
    }

    async fn reports(&self, filter: &ReportFilter) -> StoreResult<Vec<Report>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let push = |binds: &mut Vec<Bind>, value: Bind| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if !filter.ids.is_empty() {
            let list: Vec<String> = filter.ids.iter().map(|id| push(&mut binds, Bind::Id(*id))).collect();
            clauses.push(format!("id IN ({})", list.join(", ")));
        }
        if !filter.service_codes.is_empty() {
            let list: Vec<String> =
                filter.service_codes.iter().map(|c| push(&mut binds, Bind::Text(c.clone()))).collect();
            clauses.push(format!("service_code IN ({})", list.join(", ")));
        }
        if !filter.statuses.is_empty() {
            let list: Vec<String> =
                filter.statuses.iter().map(|s| push(&mut binds, Bind::Text(s.as_str().to_owned()))).collect();
            clauses.push(format!("status IN ({})", list.join(", ")));
        }
        for (column, op, value) in [
            ("created_at", ">=", filter.created_from),
            ("created_at", "<", filter.created_to),
            ("updated_at", ">=", filter.updated_from),
            ("updated_at", "<", filter.updated_to),
        ] {
            if let Some(t) = value {
                let p = push(&mut binds, Bind::Time(t));
                clauses.push(format!("{column} {op} {p}"));
            }
        }
        for bbox in filter.bbox.into_iter().chain(filter.near.map(|(c, r)| box_around(c, r))) {
            clauses.push(location_clause(&bbox, &mut |f| push(&mut binds, Bind::Float(f))));
        }
        let page_size = filter.page_size.clamp(1, 1000);
        let offset = (filter.page.max(1) - 1).saturating_mul(page_size);
        let limit = push(&mut binds, Bind::Int(page_size));
        let offset = push(&mut binds, Bind::Int(offset));
        let where_sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        // The page's ids first, then their rows: with the migration's covering indexes the first step reads no
        // report, so only the page's rows are fetched however many reports match.
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE id IN \
             (SELECT id FROM reports {where_sql} ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET {offset}) \
             ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<ReportRow> = on_reader!(self, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                query = match b {
                    Bind::Text(s) => query.bind(s.clone()),
                    Bind::Time(t) => query.bind(*t),
                    Bind::Float(f) => query.bind(*f),
                    Bind::Id(u) => query.bind(*u),
                    Bind::Int(i) => query.bind(*i),
                };
            }
            query.fetch_all(pool).await?
        });
        let reports = rows.into_iter().map(ReportRow::into_report).collect::<StoreResult<Vec<_>>>()?;
        Ok(match filter.near {
            Some((centre, radius)) => reports
                .into_iter()
                .filter(|r| haversine_m(centre, GeoPoint { lat: r.lat, lon: r.lon }) <= radius)
                .collect(),
            None => reports,
        })
    }

    async fn report_events(&self, id: Uuid) -> StoreResult<Vec<ReportEvent>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM report_events WHERE report_id = $1 ORDER BY at, id");
        let rows: Vec<ReportEventRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(pool).await?
        });
        rows.into_iter().map(ReportEventRow::into_event).collect()
    }

    async fn report_events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<ReportEvent>> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM report_events WHERE at >= $1 AND at < $2 ORDER BY at, id LIMIT $3");
        let rows: Vec<ReportEventRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).bind(limit).fetch_all(pool).await?
        });
        rows.into_iter().map(ReportEventRow::into_event).collect()
    }

    async fn report_photos(&self, id: Uuid) -> StoreResult<Vec<ReportPhoto>> {
        Ok(on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, purpose, sha256, content_type, size, created_at FROM report_photos \
                 WHERE report_id = $1 ORDER BY created_at, id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn nearby_reports(
        &self,
        service_code: Option<&str>,
        point: GeoPoint,
        radius_m: f64,
        since: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Report>> {
        let filter = ReportFilter {
            service_codes: service_code.map(str::to_owned).into_iter().collect(),
            created_from: Some(since),
            near: Some((point, radius_m)),
            page: 1,
            page_size: 1000,
            ..Default::default()
        };
        let mut found = self.reports(&filter).await?;
        let distance = |r: &Report| haversine_m(point, GeoPoint { lat: r.lat, lon: r.lon });
        found.sort_by(|a, b| distance(a).total_cmp(&distance(b)));
        found.truncate(usize::try_from(limit.max(0)).unwrap_or(0));
        Ok(found)
    }

    async fn create_open311_key(&self, ctx: &AuditContext, name: &str, key_hash: &str) -> StoreResult<Open311ApiKey> {
        let id = Uuid::now_v7();
        in_write_tx!(self, tx => {
            sqlx::query("INSERT INTO open311_api_keys (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(name)
                .bind(key_hash)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "open311_key.created",
                record_type: "open311_api_key",
                record_id: id.to_string(),
                details: json!({"name": name}),
            }).await?;
        });
        self.open311_keys().await?.into_iter().find(|k| k.id == id).ok_or(StoreError::NotFound)
    }

    async fn verify_open311_key(&self, key_hash: &str) -> StoreResult<Option<Open311ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM open311_api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
        let found: Option<Open311ApiKey> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key_hash).fetch_optional(pool).await?
        });
        let Some(mut key) = found else { return Ok(None) };
        // Minute resolution, so a busy partner does not turn every read into a write.
        let now = crate::now();
        if key.last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
            in_write_tx!(self, tx => {
                sqlx::query("UPDATE open311_api_keys SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(key.id)
                    .execute(&mut *tx)
                    .await?;
            });
            key.last_used_at = Some(now);
        }
        Ok(Some(key))
    }

    async fn revoke_open311_key(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<()> {
        in_write_tx!(self, tx => {
            let done = sqlx::query("UPDATE open311_api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(ctx, AuditEvent {
                action: "open311_key.revoked",
                record_type: "open311_api_key",
                record_id: id.to_string(),
                details: json!({}),
            }).await?;
        });
        Ok(())
    }

    async fn open311_keys(&self) -> StoreResult<Vec<Open311ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM open311_api_keys ORDER BY created_at, id");
        Ok(on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        }))
    }
}
