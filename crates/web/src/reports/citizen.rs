//! The citizen's side of field reports (phản ánh hiện trường): the phone-first reporting page
//! `/phan-anh` (category, description, photos, a map pin or "use my location" or an address, logged
//! in or anonymous with a contact), nearby reports to support instead of filing a duplicate, the
//! public page of a report with its timeline, answer and deadline, the reporter's rating, and the
//! photos. Public pages never carry the reporter's identity.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::identity::{Email, PhoneNumber};
use smartcity_domain::reports::{ReportAction, ReportActionKind, ReportStatus};
use smartcity_domain::units::UnitKind;
use smartcity_store::reports::{NewPhoto, NewReport, Report, ReportCategory, ReportEvent, ReportPhoto, Reporter};
use smartcity_store::units::Unit;
use smartcity_store::{AuditContext, DossierStore, ReportHandlingStore, ReportStore, StoreError, UnitStore};
use uuid::Uuid;

use super::workflow::{self, MAX_PHOTOS};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser, MaybeUser, cookie, hash_secret};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// Longest description, in characters (Open311's limit for `description`).
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Largest reporting form: four photos at the per-photo limit plus the text.
pub const MAX_REPORT_BYTES: usize = MAX_PHOTOS * workflow::MAX_PHOTO_BYTES + 256 * 1024;
/// Nearby reports shown while reporting: this close, this recent.
const NEARBY_RADIUS_M: f64 = 300.0;
const NEARBY_DAYS: i64 = 30;

fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive()
}

/// Active wards and communes, by name.
pub async fn wards(state: &AppState) -> AppResult<Vec<Unit>> {
    let day = today();
    let mut wards: Vec<Unit> = state
        .store
        .list_units()
        .await?
        .into_iter()
        .filter(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune) && u.is_active_on(day))
        .collect();
    wards.sort_by(|a, b| a.name_vi.cmp(&b.name_vi));
    Ok(wards)
}

/// Unit names by code, for showing routing and timelines.
pub async fn unit_names(state: &AppState) -> AppResult<HashMap<String, (String, String)>> {
    Ok(state.store.list_units().await?.into_iter().map(|u| (u.code.to_string(), (u.name_vi, u.name_en))).collect())
}

/// What a page shows of a report to anyone: no reporter, no staff names.
pub struct PublicReport {
    pub report: Report,
    pub category: Option<ReportCategory>,
    pub ward: Option<(String, String)>,
    pub unit: Option<(String, String)>,
    pub photos: Vec<ReportPhoto>,
    pub timeline: Vec<ReportEvent>,
    pub supports: i64,
    /// Unit names by code, for the routing steps of the timeline.
    pub names: HashMap<String, (String, String)>,
}

impl PublicReport {
    /// Short public reference: the last 8 hex digits of the id, as Hue-S shows short codes.
    pub fn short_id(&self) -> String {
        short_id(&self.report.id)
    }

    /// Latitude rounded to three decimals (about 110 m): the place without pointing at a doorstep.
    pub fn approx_lat(&self) -> String {
        format!("{:.3}", self.report.lat)
    }

    pub fn approx_lon(&self) -> String {
        format!("{:.3}", self.report.lon)
    }

    /// Whether the deadline was met: answered on or before it.
    pub fn on_time(&self) -> Option<bool> {
        Some(self.report.answered_at? <= self.report.due_at?)
    }

    /// Overdue now: still waiting for the city after its deadline.
    pub fn overdue(&self) -> bool {
        self.report.due_at.is_some_and(|due| smartcity_domain::reports::is_overdue(due, Utc::now(), self.report.status))
    }

    pub fn report_photos(&self) -> Vec<&ReportPhoto> {
        self.photos.iter().filter(|p| p.purpose == "report").collect()
    }

    pub fn answer_photos(&self) -> Vec<&ReportPhoto> {
        self.photos.iter().filter(|p| p.purpose == "answer").collect()
    }

    /// The (Vietnamese, English) name of the unit a timeline step handed the report to, for
    /// routing and transfers.
    pub fn handed_to(&self, e: &ReportEvent) -> Option<(String, String)> {
        if !matches!(e.action.as_str(), "route" | "transfer") {
            return None;
        }
        e.to_unit.as_ref().and_then(|code| self.names.get(code).cloned())
    }
}

/// The last 8 hex digits of a report id.
pub fn short_id(id: &Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len().saturating_sub(8)..].to_owned()
}

/// Load everything public about `report`.
pub async fn public_report(state: &AppState, report: Report) -> AppResult<PublicReport> {
    let names = unit_names(state).await?;
    let photos = state.store.report_photos(report.id).await?;
    let timeline = state.store.report_events(report.id).await?;
    let supports = state.store.report_support_counts(&[report.id]).await?.get(&report.id).copied().unwrap_or(0);
    Ok(PublicReport {
        category: state.store.report_category(&report.service_code).await?,
        ward: report.ward_code.as_ref().and_then(|c| names.get(c).cloned()),
        unit: report.handling_unit_code.as_ref().and_then(|c| names.get(c).cloned()),
        photos,
        timeline,
        supports,
        report,
        names,
    })
}

/// The report with `id`, or 404 for a malformed or unknown id.
pub async fn find_report(state: &AppState, id: &str) -> AppResult<Report> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::not_found())?;
    state.store.report(id).await?.ok_or_else(AppError::not_found)
}

/// Label of a timeline action in the page's language.
pub fn action_label(ctx: &PageContext, action: &str) -> String {
    match ReportActionKind::parse(action) {
        Ok(kind) => ctx.pick(kind.label_vi(), kind.label_en()).to_owned(),
        Err(_) if action == "submit" => ctx.t("reports.action_submit").to_owned(),
        Err(_) if action == "recategorise" => ctx.t("reports.action_recategorise").to_owned(),
        Err(_) => action.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The reporting page
// ---------------------------------------------------------------------------------------------------------------

/// What the reporting form holds, kept when it comes back with an error.
#[derive(Debug, Default, Clone)]
pub struct ReportInput {
    pub category: String,
    pub description: String,
    pub lat: String,
    pub lon: String,
    pub address: String,
    pub ward: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub idempotency_key: String,
    /// (file name, bytes) of each photo.
    pub photos: Vec<(String, Vec<u8>)>,
}

#[derive(Template)]
#[template(path = "reports/new.html")]
struct NewReportPage {
    ctx: PageContext,
    categories: Vec<ReportCategory>,
    wards: Vec<Unit>,
    input: ReportInput,
    error: Option<String>,
    error_field: String,
    logged_in: bool,
    tiles_url: String,
}

async fn new_report_page(
    state: &AppState,
    ctx: PageContext,
    logged_in: bool,
    input: ReportInput,
    error: Option<&AppError>,
) -> AppResult<NewReportPage> {
    let categories = state.store.report_categories().await?.into_iter().filter(|c| c.active).collect();
    let lang = ctx.lang_code();
    Ok(NewReportPage {
        categories,
        wards: wards(state).await?,
        error: error.map(|e| e.message(lang).to_owned()),
        error_field: error.and_then(|e| e.field).unwrap_or_default().to_owned(),
        input,
        logged_in,
        tiles_url: state.config.map_tiles_url.clone(),
        ctx,
    })
}

/// Query of the reporting page: a category chosen from a link.
#[derive(Debug, Deserialize, Default)]
pub struct NewReportQuery {
    #[serde(default)]
    category: String,
}

/// `GET /phan-anh`: the reporting form.
pub async fn new_report(
    State(state): State<AppState>,
    ctx: PageContext,
    MaybeUser(user): MaybeUser,
    AppQuery(q): AppQuery<NewReportQuery>,
) -> AppResult<Response> {
    let input = ReportInput { category: q.category, idempotency_key: Uuid::new_v4().to_string(), ..Default::default() };
    Ok(render(&new_report_page(&state, ctx, user.is_some(), input, None).await?))
}

/// A multipart body that cannot be read, as a clear error.
pub fn upload_error(e: axum::extract::multipart::MultipartError) -> AppError {
    // A body cut off by a size limit surfaces as a stream error; it is the sender's, not ours.
    let status = if e.status().is_server_error() { StatusCode::PAYLOAD_TOO_LARGE } else { e.status() };
    AppError::new(
        "upload_invalid",
        status,
        format!("Không đọc được dữ liệu gửi lên: {}", e.body_text()),
        format!("The upload could not be read: {}", e.body_text()),
    )
}

/// Read the multipart reporting form: text fields by name, files in `photos`.
pub async fn read_report_form(mut multipart: Multipart) -> AppResult<ReportInput> {
    let mut input = ReportInput::default();
    while let Some(field) = multipart.next_field().await.map_err(upload_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let file_name = crate::shell::clean_file_name(field.file_name().unwrap_or("anh"));
            let bytes = field.bytes().await.map_err(upload_error)?;
            if !bytes.is_empty() {
                if input.photos.len() >= MAX_PHOTOS {
                    return Err(AppError::invalid_field(
                        "photos",
                        "too_many_photos",
                        format!("Mỗi phản ánh kèm tối đa {MAX_PHOTOS} ảnh."),
                        format!("A report takes at most {MAX_PHOTOS} photos."),
                    ));
                }
                input.photos.push((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = smartcity_domain::text::nfc(&field.text().await.map_err(upload_error)?);
        let slot = match name.as_str() {
            "category" => &mut input.category,
            "description" => &mut input.description,
            "lat" => &mut input.lat,
            "lon" => &mut input.lon,
            "address" => &mut input.address,
            "ward" => &mut input.ward,
            "name" => &mut input.name,
            "phone" => &mut input.phone,
            "email" => &mut input.email,
            "idempotency_key" => &mut input.idempotency_key,
            _ => continue,
        };
        *slot = text;
    }
    Ok(input)
}

fn out_of_area() -> AppError {
    AppError::invalid_field(
        "location",
        "location_out_of_area",
        "Vị trí đã chọn nằm ngoài địa bàn thành phố Huế. Hãy đặt ghim trong một phường, xã của Huế, hoặc nhập địa chỉ và chọn phường, xã.",
        "The chosen place is outside Huế City. Put the pin inside one of Huế's wards or communes, or type the address and choose the ward.",
    )
}

/// The point of a report and the ward containing it: the map pin, else the chosen ward's centre
/// with the typed address. Errors: `location_invalid`, `location_out_of_area`, `location_required`.
async fn locate(state: &AppState, input: &ReportInput) -> AppResult<(GeoPoint, Unit)> {
    let (lat, lon) = (input.lat.trim(), input.lon.trim());
    if !lat.is_empty() || !lon.is_empty() {
        let point = match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) => GeoPoint::new(lat, lon).map_err(|e| AppError::from(e).with_field("location"))?,
            _ => {
                return Err(AppError::invalid_field(
                    "location",
                    "location_invalid",
                    "Toạ độ vị trí không hợp lệ; hãy đặt lại ghim trên bản đồ.",
                    "The coordinates are not valid; put the pin on the map again.",
                ));
            }
        };
        let ward = state.store.locate_unit(point, today()).await?.ok_or_else(out_of_area)?;
        return Ok((point, ward));
    }
    let ward_code = input.ward.trim();
    if input.address.trim().is_empty() || ward_code.is_empty() {
        return Err(AppError::invalid_field(
            "location",
            "location_required",
            "Hãy đặt ghim trên bản đồ, bấm “Dùng vị trí của tôi”, hoặc nhập địa chỉ và chọn phường, xã.",
            "Put a pin on the map, press “Use my location”, or type the address and choose the ward.",
        ));
    }
    let ward = wards(state).await?.into_iter().find(|w| w.code.as_str() == ward_code).ok_or_else(out_of_area)?;
    let centre = match (ward.lat, ward.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        _ => state.store.unit_boundary(&ward.code).await?.map(|area| {
            let b = area.bbox();
            GeoPoint { lat: (b.min_lat + b.max_lat) / 2.0, lon: (b.min_lon + b.max_lon) / 2.0 }
        }),
    };
    Ok((centre.ok_or_else(out_of_area)?, ward))
}

/// Who sent it: the account, or an anonymous person's name with a phone number or an email.
fn reporter(user: Option<&CurrentUser>, input: &ReportInput) -> AppResult<Reporter> {
    if let Some(user) = user {
        let a = &user.0.account;
        return Ok(Reporter {
            account_id: Some(a.id),
            name: Some(a.display_name.clone()),
            email: a.email.clone(),
            phone: a.phone.clone(),
        });
    }
    let name = smartcity_domain::text::clean_line(&input.name);
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::invalid_field(
            "name",
            "contact_name_required",
            "Hãy nhập họ tên người phản ánh (tối đa 120 ký tự), hoặc đăng nhập.",
            "Enter your name (at most 120 characters), or log in.",
        ));
    }
    let phone = match input.phone.trim() {
        "" => None,
        p => Some(PhoneNumber::parse(p).map_err(|e| AppError::from(e).with_field("phone"))?.to_string()),
    };
    let email = match input.email.trim() {
        "" => None,
        e => Some(Email::parse(e).map_err(|e| AppError::from(e).with_field("email"))?.to_string()),
    };
    if phone.is_none() && email.is_none() {
        return Err(AppError::invalid_field(
            "phone",
            "contact_required",
            "Hãy để lại số điện thoại hoặc email để cơ quan liên hệ khi cần (chỉ IOC xem được).",
            "Leave a phone number or an email so the city can reach you if needed (only the IOC sees it).",
        ));
    }
    Ok(Reporter { account_id: None, name: Some(name), email, phone })
}

/// Check the whole form, then build the report. Nothing is written on error.
async fn validate(state: &AppState, user: Option<&CurrentUser>, input: &ReportInput) -> AppResult<NewReport> {
    let category = workflow::category(state, &input.category).await?;
    if !category.active {
        return Err(AppError::invalid_field(
            "category",
            "category_inactive",
            "Lĩnh vực này tạm ngừng nhận phản ánh mới; hãy chọn lĩnh vực khác.",
            "This category takes no new reports for now; choose another one.",
        ));
    }
    let description = input.description.trim().to_owned();
    let chars = description.chars().count();
    if description.is_empty() || chars > MAX_DESCRIPTION_CHARS {
        return Err(AppError::invalid_field(
            "description",
            "description_invalid",
            format!("Hãy mô tả sự việc (1–{MAX_DESCRIPTION_CHARS} ký tự; bạn đã nhập {chars})."),
            format!("Describe the problem (1–{MAX_DESCRIPTION_CHARS} characters; you entered {chars})."),
        ));
    }
    let (point, ward) = locate(state, input).await?;
    let reporter = reporter(user, input)?;
    let mut photos: Vec<NewPhoto> = Vec::new();
    for (name, bytes) in &input.photos {
        photos.push(workflow::clean_photo(name, bytes.clone()).await?);
    }
    let address = smartcity_domain::text::clean_line(&input.address);
    Ok(NewReport {
        service_code: category.code,
        description,
        location: point,
        address: (!address.is_empty()).then(|| address.chars().take(300).collect()),
        ward_code: Some(ward.code.to_string()),
        handling_unit_code: None,
        reporter,
        api_key_id: None,
        photos,
    })
}

/// `POST /phan-anh` (multipart, CSRF token in the action URL): send a report, then show it. The
/// `idempotency_key` of the form (one per draft) makes a resend return the first report.
pub async fn submit_report(
    State(state): State<AppState>,
    ctx: PageContext,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> AppResult<Response> {
    let user = user.map(CurrentUser);
    let input = read_report_form(multipart).await?;
    let audit = match &user {
        Some(u) => AuditContext::account(u.id(), ip),
        None => AuditContext::system("citizen"),
    };
    let result = async {
        let new = validate(&state, user.as_ref(), &input).await?;
        let key = Some(input.idempotency_key.as_str()).filter(|k| !k.trim().is_empty());
        state.store.create_report_once(&audit, new, key).await.map_err(|e| match e {
            StoreError::Conflict { constraint } if constraint == "report_submission_in_flight" => AppError::new(
                "report_submission_in_flight",
                StatusCode::CONFLICT,
                "Phản ánh này đang được gửi; vui lòng đợi giây lát rồi tải lại.",
                "This report is being sent; wait a moment and reload.",
            ),
            other => other.into(),
        })
    }
    .await;
    match result {
        Ok(done) => Ok(redirect(&format!("/phan-anh/{}", done.report.id))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::CONFLICT => {
            // Keep what was typed (photos must be chosen again: browsers cannot prefill files).
            let kept = ReportInput { photos: Vec::new(), ..input };
            Ok(render_with_status(e.status, &new_report_page(&state, ctx, user.is_some(), kept, Some(&e)).await?))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Nearby reports while reporting
// ---------------------------------------------------------------------------------------------------------------

/// Query of the nearby fragment.
#[derive(Debug, Deserialize, Default)]
pub struct NearbyQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
}

#[derive(Template)]
#[template(path = "reports/nearby.html")]
struct NearbyFragment {
    ctx: PageContext,
    nearby: Vec<(Report, String, i64)>,
    asked: bool,
}

/// `GET /phan-anh/gan-day?category=&lat=&lon=`: open reports of the same category sent in the last
/// 30 days within 300 m, nearest first, as an HTML fragment the reporting page shows (htmx).
pub async fn nearby(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<NearbyQuery>,
) -> AppResult<Response> {
    let point = match (q.lat.trim().parse::<f64>(), q.lon.trim().parse::<f64>()) {
        (Ok(lat), Ok(lon)) => GeoPoint::new(lat, lon).ok(),
        _ => None,
    };
    let Some(point) = point.filter(|_| !q.category.trim().is_empty()) else {
        return Ok(render(&NearbyFragment { ctx, nearby: Vec::new(), asked: false }));
    };
    let since = Utc::now() - TimeDelta::days(NEARBY_DAYS);
    let found: Vec<Report> = state
        .store
        .nearby_reports(Some(q.category.trim()), point, NEARBY_RADIUS_M, since, 20)
        .await?
        .into_iter()
        .filter(|r| !r.status.is_final())
        .take(5)
        .collect();
    let counts = state.store.report_support_counts(&found.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let nearby = found
        .into_iter()
        .map(|r| {
            let d = smartcity_domain::geo::haversine_m(point, GeoPoint { lat: r.lat, lon: r.lon });
            let n = counts.get(&r.id).copied().unwrap_or(0);
            (r, format!("{d:.0}"), n)
        })
        .collect();
    Ok(render(&NearbyFragment { ctx, nearby, asked: true }))
}

/// Who is supporting: the account, or the anonymous browser's CSRF cookie (hashed).
fn supporter(user: Option<&CurrentUser>, headers: &HeaderMap) -> Option<String> {
    match user {
        Some(u) => Some(format!("account:{}", u.id())),
        None => cookie(headers, crate::shell::auth::CSRF_COOKIE).map(|t| format!("browser:{}", hash_secret(&t))),
    }
}

/// `POST /phan-anh/{id}/ung-ho`: "+1", back this report instead of filing the same problem again.
pub async fn support(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let report = find_report(&state, &id).await?;
    if report.status.is_final() {
        return Err(AppError::invalid_field(
            "report",
            "report_finished",
            "Phản ánh này đã kết thúc; hãy gửi phản ánh mới nếu sự việc vẫn còn.",
            "This report is finished; send a new one if the problem is still there.",
        ));
    }
    let who = supporter(user.map(CurrentUser).as_ref(), &headers).ok_or_else(AppError::csrf)?;
    state.store.support_report(report.id, &who).await?;
    Ok(redirect(&format!("/phan-anh/{}?ung_ho=1", report.id)))
}

// ---------------------------------------------------------------------------------------------------------------
// The public page of a report
// ---------------------------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reports/report.html")]
struct ReportPage {
    ctx: PageContext,
    r: PublicReport,
    can_rate: bool,
    staff_link: Option<String>,
    supported: bool,
    error: Option<String>,
}

impl ReportPage {
    fn action_label(&self, action: &str) -> String {
        action_label(&self.ctx, action)
    }
}

/// Query of the public page.
#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    ung_ho: Option<String>,
}

async fn report_page(
    state: &AppState,
    ctx: PageContext,
    user: Option<&CurrentUser>,
    report: Report,
    supported: bool,
    error: Option<String>,
) -> AppResult<ReportPage> {
    let mut can_rate = false;
    let mut staff_link = None;
    if let Some(user) = user {
        let actions = workflow::available_actions(state, user, &report).await?;
        can_rate = actions.contains(&ReportActionKind::Rate);
        if workflow::is_ioc(state, user).await? {
            staff_link = Some(format!("/ioc/phan-anh/{}", report.id));
        } else if workflow::in_handling_unit(state, user, &report).await? {
            staff_link = Some(format!("/don-vi/phan-anh/{}", report.id));
        }
    }
    Ok(ReportPage { r: public_report(state, report).await?, ctx, can_rate, staff_link, supported, error })
}

/// `GET /phan-anh/{id}`: the public page of a report.
pub async fn report(
    State(state): State<AppState>,
    ctx: PageContext,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<ReportQuery>,
) -> AppResult<Response> {
    let report = find_report(&state, &id).await?;
    let user = user.map(CurrentUser);
    Ok(render(&report_page(&state, ctx, user.as_ref(), report, q.ung_ho.is_some(), None).await?))
}

/// The rating form.
#[derive(Debug, Deserialize)]
pub struct RateForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// `POST /phan-anh/{id}/danh-gia`: the reporter rates the answer.
pub async fn rate(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    AppForm(form): AppForm<RateForm>,
) -> AppResult<Response> {
    let report = find_report(&state, &id).await?;
    let result = async {
        let rating = Rating::parse(&form.rating).map_err(|e| AppError::from(e).with_field("rating"))?;
        let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
        workflow::perform(&state, &user, ip, &report, ReportAction::Rate { rating, comment }, Vec::new()).await
    }
    .await;
    match result {
        Ok(after) => Ok(redirect(&format!("/phan-anh/{}", after.id))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let message = e.message(ctx.lang_code()).to_owned();
            let fresh = find_report(&state, &id).await?;
            Ok(render_with_status(e.status, &report_page(&state, ctx, Some(&user), fresh, false, Some(message)).await?))
        }
        Err(e) => Err(e),
    }
}

/// `GET /phan-anh/{id}/anh/{photo}`: a photo of the report or of its answer (already re-encoded
/// without metadata), public like the report.
pub async fn photo(State(state): State<AppState>, Path((id, photo)): Path<(String, Uuid)>) -> AppResult<Response> {
    let report = find_report(&state, &id).await?;
    let p = state
        .store
        .report_photos(report.id)
        .await?
        .into_iter()
        .find(|p| p.id == photo)
        .ok_or_else(AppError::not_found)?;
    let (content_type, bytes) = state.store.blob(&p.sha256).await?.ok_or_else(AppError::not_found)?;
    let mut r = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400, immutable"));
    r.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(r)
}

/// Whether an instant is on or before another, for templates.
pub fn not_after(a: &DateTime<Utc>, b: &DateTime<Utc>) -> bool {
    a <= b
}

/// Statuses shown in filters, in life-cycle order.
pub fn statuses() -> [ReportStatus; 12] {
    ReportStatus::ALL
}
