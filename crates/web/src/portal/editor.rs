//! The editors' desk (`/bien-tap`): editors of a unit write and submit, the unit leader approves, returns with a
//! comment, schedules or unpublishes (`domain::portal::EditorialState::apply` decides); revisions are compared line
//! by line; ward articles go up to the city and city articles out to every ward; questions get answered; the
//! site's slug, menu, banner and contacts are set here. Roles come from the identity model, granted on the unit or
//! an ancestor.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::Role;
use smartcity_domain::portal::{
    ArticleKind, EditorialAction, LegalDocument, LineChange, SiteSlug, WorkflowError, compare_lines,
    question_is_overdue,
};
use smartcity_domain::text::{clean_line, nfc};
use smartcity_domain::units::UnitCode;
use smartcity_protocols::html::sanitise_article_html;
use smartcity_protocols::images::PhotoLimits;
use smartcity_store::portal::{
    Article, ArticleDraft, EventFacts, MenuItem, NewFile, PROPOSAL_ACCEPTED, PROPOSAL_NONE, PROPOSAL_PROPOSED,
    PlaceFacts, PortalStore, SiteEdit, SiteSettings,
};
use smartcity_store::{AuditContext, IdentityStore, StoreError, UnitStore};

use super::{parse_id, site_of_unit};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// Largest illustration accepted (a phone camera's photo).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// An illustration is kept at most this wide or high: wider than any column the portal shows, and a tenth of a
/// camera original's weight, so a ward home page stays light on a phone.
const ILLUSTRATION_MAX_SIDE: u32 = 1600;
/// Largest PDF of a legal document.
const MAX_PDF_BYTES: usize = 10 * 1024 * 1024;

/// The editorial role the caller holds on `unit` (leader wins over editor), or 403.
async fn role_on(state: &AppState, user: &CurrentUser, unit: &UnitCode) -> AppResult<Role> {
    if state.store.has_role_on(user.id(), &[Role::UnitLeader], unit).await? {
        Ok(Role::UnitLeader)
    } else if state.store.has_role_on(user.id(), &[Role::Editor], unit).await? {
        Ok(Role::Editor)
    } else {
        Err(AppError::forbidden())
    }
}

fn workflow_error(e: WorkflowError) -> AppError {
    let status =
        if e.code == "editorial_role_not_allowed" { StatusCode::FORBIDDEN } else { StatusCode::UNPROCESSABLE_ENTITY };
    AppError::new(e.code, status, e.vi, e.en)
}

fn stale() -> AppError {
    AppError::new(
        "article_changed",
        StatusCode::CONFLICT,
        "Bài viết vừa được người khác thay đổi. Hãy tải lại trang và thực hiện lại.",
        "Someone else changed the article just now. Reload the page and try again.",
    )
}

fn map_store(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict { constraint } if constraint == "article_changed" => stale(),
        other => other.into(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Desk
// ---------------------------------------------------------------------------------------------------------------

/// One row of the desk.
pub struct DeskRow {
    pub href: String,
    pub title: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub unit: String,
    pub updated: String,
}

/// An open question on the desk.
pub struct OpenQuestion {
    pub id: String,
    pub title: String,
    pub body: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "portal/desk.html")]
struct DeskPage {
    ctx: PageContext,
    units: Vec<(String, String, String)>,
    articles: Vec<DeskRow>,
    proposals: Vec<DeskRow>,
    questions: Vec<OpenQuestion>,
}

fn desk_row(ctx: &PageContext, a: &Article, unit: &str) -> DeskRow {
    DeskRow {
        href: format!("/bien-tap/bai-viet/{}", a.id),
        title: a.title(ctx.lang_code()).to_owned(),
        kind: ctx.pick(a.kind.label_vi(), a.kind.label_en()),
        status: {
            let s = a.state.status_at(Utc::now());
            ctx.pick(s.label_vi(), s.label_en())
        },
        unit: unit.to_owned(),
        updated: ctx.datetime(&a.updated_at),
    }
}

/// `GET /bien-tap`: the caller's units, their articles in every state, proposals from the wards, open questions.
pub async fn desk(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    let grants = state.store.grants_of(user.id()).await?;
    let mut codes: Vec<UnitCode> = grants
        .iter()
        .filter(|g| matches!(g.role, Role::Editor | Role::UnitLeader))
        .filter_map(|g| UnitCode::parse(&g.unit_code).ok())
        .collect();
    codes.sort();
    codes.dedup();
    if codes.is_empty() {
        return Err(AppError::forbidden());
    }
    let mut units = Vec::new();
    let mut names = BTreeMap::new();
    for code in &codes {
        let site = site_of_unit(&state, code).await?;
        let name = site.name(ctx.lang_code()).to_owned();
        names.insert(code.as_str().to_owned(), name.clone());
        units.push((code.as_str().to_owned(), name, format!("/{}/", site.slug.as_str())));
    }
    let name_of = |code: &UnitCode| names.get(code.as_str()).cloned().unwrap_or_else(|| code.as_str().to_owned());
    let articles = state
        .store
        .unit_articles(&codes, 200)
        .await?
        .iter()
        .map(|a| desk_row(&ctx, a, &name_of(&a.unit_code)))
        .collect();
    let mut proposals = Vec::new();
    for a in state.store.proposed_articles().await? {
        let parent = state.store.unit(&a.unit_code).await?.and_then(|u| u.parent_code);
        if let Some(parent) = parent
            && state.store.has_role_on(user.id(), &[Role::Editor, Role::UnitLeader], &parent).await?
        {
            let site = site_of_unit(&state, &a.unit_code).await?;
            proposals.push(desk_row(&ctx, &a, site.name(ctx.lang_code())));
        }
    }
    let now = Utc::now();
    let mut questions = Vec::new();
    for code in &codes {
        for q in state.store.questions(code, false, 200).await? {
            if q.answered_at.is_none() {
                questions.push(OpenQuestion {
                    id: q.id.to_string(),
                    title: q.title.clone(),
                    body: q.body.clone(),
                    due: ctx.datetime(&q.due_at),
                    overdue: question_is_overdue(q.due_at, q.answered_at, now),
                });
            }
        }
    }
    Ok(render(&DeskPage { ctx, units, articles, proposals, questions }))
}

// ---------------------------------------------------------------------------------------------------------------
// Article form
// ---------------------------------------------------------------------------------------------------------------

/// The article form's values, kept to show them again after an error.
#[derive(Debug, Default, Clone)]
pub struct FormValues {
    pub fields: BTreeMap<String, String>,
}

impl FormValues {
    /// A field's value, or "".
    pub fn get(&self, key: &str) -> &str {
        self.fields.get(key).map(String::as_str).unwrap_or("")
    }

    fn of_article(a: &Article) -> FormValues {
        let mut f = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            f.insert(k.to_owned(), v);
        };
        put("kind", a.kind.as_str().to_owned());
        put("page_key", a.page_key.clone());
        put("title_vi", a.title_vi.clone());
        put("title_en", a.title_en.clone());
        put("summary_vi", a.summary_vi.clone());
        put("summary_en", a.summary_en.clone());
        put("body_vi", a.body_vi.clone());
        put("body_en", a.body_en.clone());
        if let Some(l) = &a.legal {
            put("doc_number", l.number.clone());
            put("doc_issued_on", l.issued_on.to_string());
            put("doc_issuer", l.issuer.clone());
            put("doc_field", l.field.clone());
            put("doc_effective_from", l.effective_from.map(|d| d.to_string()).unwrap_or_default());
            put("doc_expires_on", l.expires_on.map(|d| d.to_string()).unwrap_or_default());
        }
        if let Some(p) = &a.place {
            put("lat", p.lat.to_string());
            put("lon", p.lon.to_string());
            put("opening_hours_vi", p.opening_hours_vi.clone());
            put("opening_hours_en", p.opening_hours_en.clone());
        }
        if let Some(e) = &a.event {
            put("event_starts_at", local_input(e.starts_at));
            put("event_place", e.place.clone());
        }
        FormValues { fields: f }
    }
}

/// An instant as a `datetime-local` value in Huế time.
fn local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&smartcity_domain::time::TZ).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value (Huế time) as an instant; empty is `None`.
pub(super) fn parse_local(field: &'static str, raw: &str) -> AppResult<Option<DateTime<Utc>>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|n| smartcity_domain::time::TZ.from_local_datetime(&n).single())
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| {
            AppError::invalid_field(
                field,
                "datetime_invalid",
                "Thời điểm không hợp lệ; nhập theo dạng ngày và giờ (ví dụ 2026-11-27 14:30).",
                "The date and time are not valid; enter a date and a time (e.g. 2026-11-27 14:30).",
            )
        })
}

fn parse_day(field: &'static str, raw: &str) -> AppResult<Option<NaiveDate>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(Some).map_err(|_| {
        AppError::invalid_field(
            field,
            "date_invalid",
            "Ngày không hợp lệ; nhập theo dạng năm-tháng-ngày (2023-09-30).",
            "The date is not valid; enter it as year-month-day (2023-09-30).",
        )
    })
}

/// A multipart article form: text fields and the optional `image` and `attachment` files.
struct ArticleInput {
    values: FormValues,
    /// The illustration as it will be stored (already re-encoded), or why it was refused.
    image: Option<AppResult<NewFile>>,
    attachment: Option<Vec<u8>>,
}

async fn read_article_form(mut multipart: Multipart) -> AppResult<ArticleInput> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(
            "upload_invalid",
            e.status(),
            format!("Không đọc được dữ liệu gửi lên: {}", e.body_text()),
            format!("The upload could not be read: {}", e.body_text()),
        )
    };
    let mut input = ArticleInput { values: FormValues::default(), image: None, attachment: None };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "image" | "attachment" => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    if name == "image" {
                        input.image = Some(clean_illustration(bytes.to_vec()).await);
                    } else {
                        input.attachment = Some(bytes.to_vec());
                    }
                }
            }
            _ => {
                let text = field.text().await.map_err(bad)?;
                input.values.fields.insert(name, text);
            }
        }
    }
    Ok(input)
}

/// Makes an illustration safe and light: JPEG, PNG or WebP by content, at most 10 MB, decoded, turned upright,
/// shrunk to [`ILLUSTRATION_MAX_SIDE`] and re-encoded as JPEG without metadata (a camera's GPS position and serial
/// number must not reach the public site).
async fn clean_illustration(bytes: Vec<u8>) -> AppResult<NewFile> {
    let limits =
        PhotoLimits { max_bytes: MAX_IMAGE_BYTES, output_max_side: ILLUSTRATION_MAX_SIDE, ..PhotoLimits::default() };
    match crate::shell::clean_image(bytes, limits).await {
        Ok(photo) => Ok(NewFile { content_type: photo.content_type.to_owned(), bytes: photo.bytes }),
        Err(e) if e.status.is_server_error() => Err(e),
        Err(e) => {
            let mut err = e.with_field("image");
            err.vi = format!("Ảnh minh hoạ: {}", err.vi);
            err.en = format!("Illustration: {}", err.en);
            Err(err)
        }
    }
}

/// Checks a PDF: a `%PDF-` header and an `%%EOF` marker near the end (a truncated or broken file has none).
fn check_pdf(bytes: Vec<u8>) -> AppResult<NewFile> {
    if bytes.len() > MAX_PDF_BYTES {
        return Err(AppError::invalid_field(
            "attachment",
            "pdf_too_large",
            "Tệp PDF lớn hơn 10 MB.",
            "The PDF is larger than 10 MB.",
        ));
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let has_eof = tail.windows(5).any(|w| w == b"%%EOF");
    if !bytes.starts_with(b"%PDF-") || !has_eof {
        return Err(AppError::invalid_field(
            "attachment",
            "pdf_invalid",
            "Tệp đính kèm không phải PDF hợp lệ (thiếu phần đầu %PDF- hoặc phần kết %%EOF — tệp có thể bị hỏng).",
            "The attachment is not a valid PDF (no %PDF- header or %%EOF end marker — the file may be broken).",
        ));
    }
    Ok(NewFile { content_type: "application/pdf".to_owned(), bytes })
}

/// Builds the draft from the form; bodies are sanitised here, on save. Returns whether markup was removed.
fn draft_from(unit: &UnitCode, kind: ArticleKind, input: ArticleInput) -> AppResult<(ArticleDraft, bool)> {
    let v = &input.values;
    let title_vi = clean_line(v.get("title_vi"));
    if !(3..=300).contains(&title_vi.chars().count()) {
        return Err(AppError::invalid_field(
            "title_vi",
            "title_invalid",
            "Nhập tiêu đề tiếng Việt (3–300 ký tự).",
            "Enter the Vietnamese title (3–300 characters).",
        ));
    }
    let body_vi = sanitise_article_html(v.get("body_vi"));
    let body_en = sanitise_article_html(v.get("body_en"));
    let legal = if kind == ArticleKind::LegalDocument {
        let issued_on = parse_day("doc_issued_on", v.get("doc_issued_on"))?.ok_or_else(|| {
            AppError::invalid_field(
                "doc_issued_on",
                "legal_issued_on_required",
                "Nhập ngày ban hành.",
                "Enter the date of issue.",
            )
        })?;
        let doc = LegalDocument {
            number: clean_line(v.get("doc_number")),
            issued_on,
            issuer: clean_line(v.get("doc_issuer")),
            field: clean_line(v.get("doc_field")),
            effective_from: parse_day("doc_effective_from", v.get("doc_effective_from"))?,
            expires_on: parse_day("doc_expires_on", v.get("doc_expires_on"))?,
        };
        doc.validate()?;
        Some(doc)
    } else {
        None
    };
    let place = if kind == ArticleKind::HeritagePlace {
        let num = |field: &'static str| -> AppResult<f64> {
            v.get(field).trim().replace(',', ".").parse::<f64>().map_err(|_| {
                AppError::invalid_field(
                    field,
                    "coordinate_invalid",
                    "Nhập toạ độ dạng số thập phân (ví dụ 16.4335).",
                    "Enter the coordinate as a decimal number (e.g. 16.4335).",
                )
            })
        };
        let point = GeoPoint::new(num("lat")?, num("lon")?)?;
        Some(PlaceFacts {
            lat: point.lat,
            lon: point.lon,
            opening_hours_vi: clean_line(v.get("opening_hours_vi")),
            opening_hours_en: clean_line(v.get("opening_hours_en")),
        })
    } else {
        None
    };
    let event = if kind == ArticleKind::Event {
        parse_local("event_starts_at", v.get("event_starts_at"))?
            .map(|starts_at| EventFacts { starts_at, place: clean_line(v.get("event_place")) })
    } else {
        None
    };
    let image = input.image.transpose()?;
    let attachment = input.attachment.map(check_pdf).transpose()?;
    let page_key = if kind == ArticleKind::Page { clean_line(v.get("page_key")) } else { String::new() };
    let removed = body_vi.removed || body_en.removed;
    Ok((
        ArticleDraft {
            unit_code: unit.clone(),
            kind,
            page_key,
            title_vi,
            title_en: clean_line(v.get("title_en")),
            summary_vi: nfc(v.get("summary_vi").trim()),
            summary_en: nfc(v.get("summary_en").trim()),
            body_vi: body_vi.html,
            body_en: body_en.html,
            legal,
            event,
            place,
            attachment,
            image,
        },
        removed,
    ))
}

#[derive(Template)]
#[template(path = "portal/article_form.html")]
struct ArticleFormPage {
    ctx: PageContext,
    action: String,
    unit_name: String,
    kinds: Vec<(&'static str, &'static str)>,
    /// Fixed when editing.
    kind: Option<ArticleKind>,
    values: FormValues,
    error: Option<AppError>,
}

impl ArticleFormPage {
    /// The form for a unit (named in both languages) posting to `action`.
    fn new(
        ctx: PageContext,
        name_vi: String,
        name_en: String,
        action: String,
        kind: Option<ArticleKind>,
        values: FormValues,
        error: Option<AppError>,
    ) -> Self {
        ArticleFormPage {
            unit_name: ctx.pick(&name_vi, &name_en).to_owned(),
            action,
            kinds: kinds(&ctx),
            kind,
            values,
            error,
            ctx,
        }
    }

    fn has_error(&self, field: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(field)
    }
}

fn kinds(ctx: &PageContext) -> Vec<(&'static str, &'static str)> {
    ArticleKind::ALL.iter().map(|k| (k.as_str(), ctx.pick(k.label_vi(), k.label_en()))).collect()
}

/// `GET /bien-tap/don-vi/{unit}/moi`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(unit): Path<String>,
) -> AppResult<Response> {
    let unit = UnitCode::parse(&unit).map_err(|_| AppError::not_found())?;
    role_on(&state, &user, &unit).await?;
    let site = site_of_unit(&state, &unit).await?;
    let page = ArticleFormPage::new(
        ctx,
        site.name_vi.clone(),
        site.name_en.clone(),
        format!("/bien-tap/don-vi/{}/moi", unit.as_str()),
        None,
        FormValues::default(),
        None,
    );
    Ok(render(&page))
}

/// `POST /bien-tap/don-vi/{unit}/moi`: a new draft (revision 1).
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(unit): Path<String>,
    multipart: Multipart,
) -> AppResult<Response> {
    let unit = UnitCode::parse(&unit).map_err(|_| AppError::not_found())?;
    role_on(&state, &user, &unit).await?;
    let site = site_of_unit(&state, &unit).await?;
    let input = read_article_form(multipart).await?;
    let values = input.values.clone();
    let kind = ArticleKind::parse(values.get("kind"));
    let result = kind.map_err(AppError::from).and_then(|k| draft_from(&unit, k, input));
    let (draft, removed) = match result {
        Ok(ok) => ok,
        Err(error) => {
            let page = ArticleFormPage::new(
                ctx,
                site.name_vi.clone(),
                site.name_en.clone(),
                format!("/bien-tap/don-vi/{}/moi", unit.as_str()),
                None,
                values,
                Some(error),
            );
            return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let a = state.store.create_article(&AuditContext::account(user.id(), ip), Some(user.id()), draft).await?;
    let flag = if removed { "?cleaned=1" } else { "" };
    Ok(redirect(&format!("/bien-tap/bai-viet/{}{flag}", a.id)))
}

/// `GET /bien-tap/bai-viet/{id}/sua`.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let a = state.store.article(parse_id(&id)?).await?.ok_or_else(AppError::not_found)?;
    role_on(&state, &user, &a.unit_code).await?;
    let site = site_of_unit(&state, &a.unit_code).await?;
    let mut values = FormValues::of_article(&a);
    values.fields.insert("expected".into(), a.updated_at.to_rfc3339());
    let page = ArticleFormPage::new(
        ctx,
        site.name_vi.clone(),
        site.name_en.clone(),
        format!("/bien-tap/bai-viet/{}/sua", a.id),
        Some(a.kind),
        values,
        None,
    );
    Ok(render(&page))
}

/// `POST /bien-tap/bai-viet/{id}/sua`: a new revision; a returned, published or unpublished article goes back to
/// draft (and leaves the public site until approved again).
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> AppResult<Response> {
    let a = state.store.article(parse_id(&id)?).await?.ok_or_else(AppError::not_found)?;
    let role = role_on(&state, &user, &a.unit_code).await?;
    let input = read_article_form(multipart).await?;
    let values = input.values.clone();
    let expected = DateTime::parse_from_rfc3339(values.get("expected").trim())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(a.updated_at);
    let state_after = a.state.apply(&EditorialAction::Edit, role, Utc::now()).map_err(workflow_error);
    let result = state_after.and_then(|s| draft_from(&a.unit_code, a.kind, input).map(|d| (d, s)));
    let ((draft, removed), next) = match result {
        Ok(ok) => ok,
        Err(error) => {
            let site = site_of_unit(&state, &a.unit_code).await?;
            let page = ArticleFormPage::new(
                ctx,
                site.name_vi.clone(),
                site.name_en.clone(),
                format!("/bien-tap/bai-viet/{}/sua", a.id),
                Some(a.kind),
                values,
                Some(error),
            );
            return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    state
        .store
        .edit_article(&AuditContext::account(user.id(), ip), a.id, expected, Some(user.id()), draft, next)
        .await
        .map_err(map_store)?;
    let flag = if removed { "?cleaned=1" } else { "" };
    Ok(redirect(&format!("/bien-tap/bai-viet/{}{flag}", a.id)))
}

// ---------------------------------------------------------------------------------------------------------------
// One article: state, actions, revisions
// ---------------------------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/editor_article.html")]
struct EditorArticlePage {
    ctx: PageContext,
    id: String,
    title: String,
    kind: &'static str,
    status: &'static str,
    status_code: &'static str,
    publish_at: String,
    return_comment: String,
    public_href: String,
    body: String,
    role_leader: bool,
    can_propose: bool,
    can_accept: bool,
    can_syndicate: bool,
    syndicated: bool,
    proposal: String,
    cleaned: bool,
    revisions: Vec<(i64, String, String)>,
    diff: Vec<LineChange>,
    compared: Option<(i64, i64)>,
}

/// `?a=&b=` revisions to compare, `?cleaned=1` after a save that removed markup.
#[derive(Debug, Deserialize)]
pub struct ArticleQuery {
    #[serde(default)]
    a: Option<String>,
    #[serde(default)]
    b: Option<String>,
    #[serde(default)]
    cleaned: Option<String>,
}

/// `GET /bien-tap/bai-viet/{id}`.
pub async fn article(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<ArticleQuery>,
) -> AppResult<Response> {
    let a = state.store.article(parse_id(&id)?).await?.ok_or_else(AppError::not_found)?;
    let parent = state.store.unit(&a.unit_code).await?.and_then(|u| u.parent_code);
    // Editors of the unit, and city editors looking at a proposal, may read it.
    let role = match role_on(&state, &user, &a.unit_code).await {
        Ok(r) => Some(r),
        Err(e) => match &parent {
            Some(p) if a.proposal != PROPOSAL_NONE => {
                role_on(&state, &user, p).await?;
                None
            }
            _ => return Err(e),
        },
    };
    let site = site_of_unit(&state, &a.unit_code).await?;
    let now = Utc::now();
    let status = a.state.status_at(now);
    let is_public = a.state.is_public(now);
    let on_parent = match &parent {
        Some(p) => state.store.has_role_on(user.id(), &[Role::Editor, Role::UnitLeader], p).await?,
        None => false,
    };
    let revisions = state.store.article_revisions(a.id).await?;
    let pick = |raw: &Option<String>| raw.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
    let (mut diff, mut compared) = (Vec::new(), None);
    if let (Some(x), Some(y)) = (pick(&q.a), pick(&q.b))
        && let (Some(rx), Some(ry)) =
            (revisions.iter().find(|r| r.number == x), revisions.iter().find(|r| r.number == y))
    {
        diff = compare_lines(&format!("{}\n{}", rx.title, rx.body), &format!("{}\n{}", ry.title, ry.body));
        compared = Some((x, y));
    }
    let page = EditorArticlePage {
        id: a.id.to_string(),
        title: a.title(ctx.lang_code()).to_owned(),
        kind: ctx.pick(a.kind.label_vi(), a.kind.label_en()),
        status: ctx.pick(status.label_vi(), status.label_en()),
        status_code: status.as_str(),
        publish_at: a.state.publish_at.map(|t| ctx.datetime(&t)).unwrap_or_default(),
        return_comment: a.state.return_comment.clone().unwrap_or_default(),
        public_href: if is_public { format!("/{}/bai-viet/{}", site.slug.as_str(), a.id) } else { String::new() },
        body: a.body(ctx.lang_code()).to_owned(),
        role_leader: role == Some(Role::UnitLeader),
        can_propose: role.is_some() && is_public && site.is_ward() && a.proposal == PROPOSAL_NONE,
        can_accept: on_parent && a.proposal == PROPOSAL_PROPOSED,
        can_syndicate: role.is_some() && is_public && parent.is_none(),
        syndicated: a.syndicated,
        proposal: a.proposal.clone(),
        cleaned: q.cleaned.is_some(),
        revisions: revisions.iter().map(|r| (r.number, ctx.datetime(&r.saved_at), r.title.clone())).collect(),
        diff,
        compared,
        ctx,
    };
    Ok(render(&page))
}

/// A workflow action posted from the article page.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    action: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    publish_at: String,
    #[serde(default)]
    expected: String,
}

/// `POST /bien-tap/bai-viet/{id}/thao-tac`: submit, approve (now or at a time), return with a comment, unpublish;
/// propose to the city, accept a proposal, publish to all wards.
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    AppForm(form): AppForm<ActForm>,
) -> AppResult<Response> {
    let a = state.store.article(parse_id(&id)?).await?.ok_or_else(AppError::not_found)?;
    let audit = AuditContext::account(user.id(), ip);
    let back = format!("/bien-tap/bai-viet/{}", a.id);
    let now = Utc::now();
    let expected =
        DateTime::parse_from_rfc3339(form.expected.trim()).map(|t| t.with_timezone(&Utc)).unwrap_or(a.updated_at);
    let action = match form.action.as_str() {
        "submit" => EditorialAction::Submit,
        "approve" => EditorialAction::Approve { publish_at: parse_local("publish_at", &form.publish_at)? },
        "return" => EditorialAction::Return { comment: form.comment.clone() },
        "unpublish" => EditorialAction::Unpublish,
        "propose" => {
            role_on(&state, &user, &a.unit_code).await?;
            let is_ward = site_of_unit(&state, &a.unit_code).await?.is_ward();
            if !is_ward || !a.state.is_public(now) || a.proposal != PROPOSAL_NONE {
                return Err(not_now());
            }
            state.store.set_article_proposal(&audit, a.id, PROPOSAL_PROPOSED).await?;
            return Ok(redirect(&back));
        }
        "accept" => {
            let parent = state.store.unit(&a.unit_code).await?.and_then(|u| u.parent_code);
            let parent = parent.ok_or_else(not_now)?;
            role_on(&state, &user, &parent).await?;
            if a.proposal != PROPOSAL_PROPOSED {
                return Err(not_now());
            }
            state.store.set_article_proposal(&audit, a.id, PROPOSAL_ACCEPTED).await?;
            return Ok(redirect(&back));
        }
        "syndicate" | "unsyndicate" => {
            role_on(&state, &user, &a.unit_code).await?;
            let is_city = state.store.unit(&a.unit_code).await?.is_some_and(|u| u.parent_code.is_none());
            if !is_city || !a.state.is_public(now) {
                return Err(not_now());
            }
            state.store.set_article_syndicated(&audit, a.id, form.action == "syndicate").await?;
            return Ok(redirect(&back));
        }
        _ => {
            return Err(AppError::invalid_field(
                "action",
                "action_unknown",
                "Thao tác không hợp lệ.",
                "Unknown action.",
            ));
        }
    };
    let role = role_on(&state, &user, &a.unit_code).await?;
    let next = a.state.apply(&action, role, now).map_err(workflow_error)?;
    state.store.set_article_state(&audit, a.id, expected, action.code(), next).await.map_err(map_store)?;
    Ok(redirect(&back))
}

fn not_now() -> AppError {
    AppError::new(
        "editorial_invalid_transition",
        StatusCode::UNPROCESSABLE_ENTITY,
        "Không thể thực hiện thao tác này với bài viết ở trạng thái hiện tại.",
        "This action is not possible on the article as it stands.",
    )
}

// ---------------------------------------------------------------------------------------------------------------
// Site settings and answers
// ---------------------------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/site_form.html")]
struct SiteFormPage {
    ctx: PageContext,
    unit: String,
    name: String,
    slug: String,
    banner_vi: String,
    banner_en: String,
    settings: SiteSettings,
    menu: String,
    error: Option<String>,
    saved: bool,
}

/// The site form.
#[derive(Debug, Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    banner_vi: String,
    #[serde(default)]
    banner_en: String,
    #[serde(default)]
    intro_vi: String,
    #[serde(default)]
    intro_en: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// One entry a line: `Nhãn | Label | /path`.
    #[serde(default)]
    menu: String,
}

fn menu_text(menu: &[MenuItem]) -> String {
    menu.iter().map(|m| format!("{} | {} | {}", m.label_vi, m.label_en, m.href)).collect::<Vec<_>>().join("\n")
}

/// `GET /bien-tap/don-vi/{unit}/trang`.
pub async fn site_form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(unit): Path<String>,
    AppQuery(q): AppQuery<super::pages::SentQuery>,
) -> AppResult<Response> {
    let unit = UnitCode::parse(&unit).map_err(|_| AppError::not_found())?;
    role_on(&state, &user, &unit).await?;
    let site = site_of_unit(&state, &unit).await?;
    let page = SiteFormPage {
        unit: unit.as_str().to_owned(),
        name: site.name(ctx.lang_code()).to_owned(),
        slug: site.slug.as_str().to_owned(),
        banner_vi: site.banner_vi.clone(),
        banner_en: site.banner_en.clone(),
        menu: menu_text(&site.menu),
        settings: site.settings,
        error: None,
        saved: q.is_sent(),
        ctx,
    };
    Ok(render(&page))
}

/// `POST /bien-tap/don-vi/{unit}/trang`: a slug already used by another site is refused with a clear message.
pub async fn site_save(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(unit): Path<String>,
    AppForm(form): AppForm<SiteForm>,
) -> AppResult<Response> {
    let unit = UnitCode::parse(&unit).map_err(|_| AppError::not_found())?;
    role_on(&state, &user, &unit).await?;
    let site = site_of_unit(&state, &unit).await?;
    let mut menu = Vec::new();
    for line in form.menu.lines().filter(|l| !l.trim().is_empty()).take(20) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        if let [vi, en, href] = parts[..]
            && (href.starts_with('/') || href.starts_with("https://"))
        {
            menu.push(MenuItem { label_vi: clean_line(vi), label_en: clean_line(en), href: href.to_owned() });
        }
    }
    let settings = SiteSettings {
        address: clean_line(&form.address),
        phone: clean_line(&form.phone),
        email: clean_line(&form.email),
        intro_vi: nfc(form.intro_vi.trim()),
        intro_en: nfc(form.intro_en.trim()),
    };
    let error = match SiteSlug::parse(&form.slug) {
        Err(e) => Some(ctx.pick(&e.vi, &e.en).to_owned()),
        Ok(slug) => {
            let edit = SiteEdit {
                slug,
                menu: menu.clone(),
                banner_vi: clean_line(&form.banner_vi),
                banner_en: clean_line(&form.banner_en),
                settings: settings.clone(),
            };
            match state.store.update_site(&AuditContext::account(user.id(), ip), &unit, edit).await {
                Ok(_) => None,
                Err(StoreError::Conflict { constraint }) if constraint == "portal_sites_slug_key" => Some(
                    ctx.pick(
                        "Đường dẫn này đã được trang của đơn vị khác sử dụng; hãy chọn đường dẫn khác.",
                        "Another unit's site already uses this slug; choose another one.",
                    )
                    .to_owned(),
                ),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match error {
        None => Ok(redirect(&format!("/bien-tap/don-vi/{}/trang?sent=1", unit.as_str()))),
        Some(message) => {
            let page = SiteFormPage {
                unit: unit.as_str().to_owned(),
                name: site.name(ctx.lang_code()).to_owned(),
                slug: form.slug.clone(),
                banner_vi: form.banner_vi.clone(),
                banner_en: form.banner_en.clone(),
                menu: form.menu.clone(),
                settings,
                error: Some(message),
                saved: false,
                ctx,
            };
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The answer form.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

/// `POST /bien-tap/hoi-dap/{id}`: the unit answers; the question becomes public with the asker's initials.
pub async fn answer(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    AppForm(form): AppForm<AnswerForm>,
) -> AppResult<Response> {
    let q = state.store.question(parse_id(&id)?).await?.ok_or_else(AppError::not_found)?;
    let unit = UnitCode::parse(&q.unit_code)?;
    role_on(&state, &user, &unit).await?;
    let answer = nfc(form.answer.trim());
    if !(2..=8000).contains(&answer.chars().count()) {
        return Err(AppError::invalid_field(
            "answer",
            "answer_required",
            "Nhập nội dung trả lời.",
            "Enter the answer.",
        ));
    }
    let site = site_of_unit(&state, &unit).await?;
    let url = format!("/{}/hoi-dap", site.slug.as_str());
    state.store.answer_question(&AuditContext::account(user.id(), ip), q.id, &answer, user.id(), &url).await.map_err(
        |e| match e {
            StoreError::Conflict { .. } => AppError::new(
                "question_answered",
                StatusCode::CONFLICT,
                "Câu hỏi này đã được trả lời.",
                "This question has already been answered.",
            ),
            other => other.into(),
        },
    )?;
    Ok(redirect("/bien-tap"))
}
