//! Open311 writes: POST `requests.{fmt}` (a partner files a report, with attribute answers, `media_url`s or
//! photos uploaded as multipart) and POST `servicerequestupdates.{fmt}` (mySociety: a citizen's comment, "fixed"
//! or "not fixed" coming back from FixMyStreet), both authenticated by a partner's `api_key`.
//!
//! Order of checks, so a client learns the most useful thing first: the key (403), the partner's rate (429), the
//! jurisdiction (404), the parameters (400), the service (404), the attributes, the place (400: outside every ward
//! of Huế), the photos (400). Every accepted POST writes an audit record naming the key (`open311:<key id>`).
//! These paths are exempt from the session CSRF check (`shell::auth`): the key in the body is the credential.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::reports::{
    AgencyKind, Category, CategoryCode, ReportAction, ReportFacts, ReportStatus, propose_unit, transition,
};
use smartcity_domain::text::{fold_vietnamese, nfc};
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_protocols::images::{PhotoLimits, sanitize_photo};
use smartcity_protocols::open311::{
    AttributeInput, CreatedRequest, CreatedRequests, Document, ExtendedStatus, Format, NewServiceRequest, NewUpdate,
    RequestError, RequestReference, UpdateReceipt, UpdateReceipts, api_key_of, check_jurisdiction, parse_urlencoded,
};
use smartcity_store::AuditContext;
use smartcity_store::UnitStore;
use smartcity_store::reports::{
    NewPhoto, NewReport, NewReportEvent, Open311ApiKey, Report, ReportCategory, ReportChange, ReportStore, Reporter,
};
use uuid::Uuid;

use super::open311::{JURISDICTION_ID, definition_for, document, error, not_found, unavailable};
use crate::AppState;
use crate::shell::auth::{ClientIp, hash_secret};

/// Most photos one POST may carry.
const MAX_PHOTOS: usize = 5;
/// Default number of POSTs a partner key may make per minute (`SMARTCITY_OPEN311_POSTS_PER_MINUTE` overrides).
const DEFAULT_POSTS_PER_MINUTE: usize = 60;

/// A sliding one-minute window of POSTs per partner key, in memory per server (like the login throttle): a
/// partner that loops on an error cannot flood the IOC's queue or the audit log.
pub struct PartnerRateLimiter {
    hits: Mutex<HashMap<Uuid, VecDeque<Instant>>>,
    per_minute: usize,
}

impl PartnerRateLimiter {
    /// A limiter allowing `per_minute` POSTs per key.
    pub fn new(per_minute: usize) -> Self {
        Self { hits: Mutex::new(HashMap::new()), per_minute }
    }

    /// Counts one POST of `key`; `Err(wait)` when the key is over its rate (the POST is not counted then).
    pub fn hit(&self, key: Uuid) -> Result<(), Duration> {
        let now = Instant::now();
        let window = Duration::from_secs(60);
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let times = map.entry(key).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
        if times.len() >= self.per_minute {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

fn limiter() -> &'static PartnerRateLimiter {
    static LIMITER: OnceLock<PartnerRateLimiter> = OnceLock::new();
    LIMITER.get_or_init(|| {
        let per_minute = std::env::var("SMARTCITY_OPEN311_POSTS_PER_MINUTE")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_POSTS_PER_MINUTE);
        PartnerRateLimiter::new(per_minute)
    })
}

fn bad_key() -> RequestError {
    RequestError::new(
        403,
        "api_key",
        "api_key_invalid",
        "The api_key is unknown or has been revoked.",
        "Khóa API không đúng hoặc đã bị thu hồi.",
    )
}

/// Checks a partner key: known and not revoked, else 403.
pub(crate) async fn verify_key(state: &AppState, format: Format, key: &str) -> Result<Open311ApiKey, Response> {
    match state.store.verify_open311_key(&hash_secret(key.trim())).await {
        Ok(Some(k)) => Ok(k),
        Ok(None) => Err(error(format, &bad_key())),
        Err(e) => Err(unavailable(format, "key", &e)),
    }
}

/// The submitted fields (NFC-normalised at the edge) and the uploaded files.
struct Submission {
    pairs: Vec<(String, String)>,
    files: Vec<Vec<u8>>,
}

fn too_many_photos() -> RequestError {
    RequestError::bad(
        "media",
        "too_many_photos",
        format!("At most {MAX_PHOTOS} photos may be uploaded with one request."),
        format!("Mỗi phản ánh gửi tối đa {MAX_PHOTOS} ảnh."),
    )
}

async fn read_submission(state: &AppState, req: Request) -> Result<Submission, RequestError> {
    let unreadable = || {
        RequestError::bad(
            "",
            "body_unreadable",
            "The request body could not be read: send application/x-www-form-urlencoded or multipart/form-data \
             (at most 2 MB).",
            "Không đọc được nội dung yêu cầu: gửi dạng x-www-form-urlencoded hoặc multipart/form-data (tối đa 2 MB).",
        )
    };
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let mut submission = Submission { pairs: Vec::new(), files: Vec::new() };
    if is_multipart {
        let mut multipart = Multipart::from_request(req, state).await.map_err(|_| unreadable())?;
        while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
            let name = field.name().unwrap_or("").to_owned();
            let is_file = field.file_name().is_some() || matches!(name.as_str(), "media" | "media[]" | "photo");
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            if is_file {
                if bytes.is_empty() {
                    continue;
                }
                if submission.files.len() == MAX_PHOTOS {
                    return Err(too_many_photos());
                }
                submission.files.push(bytes.to_vec());
            } else {
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| unreadable())?;
                submission.pairs.push((name, nfc(&text)));
            }
        }
    } else {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| unreadable())?;
        submission.pairs = parse_urlencoded(&bytes).into_iter().map(|(k, v)| (k, nfc(&v))).collect();
    }
    Ok(submission)
}

/// `POST /open311/v2/{requests|servicerequestupdates}.{fmt}`.
pub async fn post_top_level(
    State(state): State<AppState>,
    Path(resource): Path<String>,
    ClientIp(ip): ClientIp,
    req: Request,
) -> Response {
    let (stem, format) = match Format::split_resource(&resource) {
        Ok(split) => split,
        Err(e) => return error(Format::Xml, &e),
    };
    if !matches!(stem, "requests" | "servicerequestupdates") {
        return not_found(format, "resource", "resource", "tài nguyên");
    }
    let submission = match read_submission(&state, req).await {
        Ok(s) => s,
        Err(e) => return error(format, &e),
    };
    let key = match api_key_of(&submission.pairs) {
        Ok(key) => key.to_owned(),
        Err(e) => return error(format, &e),
    };
    let key = match verify_key(&state, format, &key).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    if let Err(wait) = limiter().hit(key.id) {
        let e = RequestError::new(
            429,
            "api_key",
            "rate_limited",
            format!("Too many requests with this api_key; try again in {} s.", wait.as_secs().max(1)),
            format!("Quá nhiều yêu cầu với khóa API này; thử lại sau {} giây.", wait.as_secs().max(1)),
        );
        let mut response = error(format, &e);
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return response;
    }
    let jurisdiction = submission.pairs.iter().find(|(k, _)| k == "jurisdiction_id").map(|(_, v)| v.as_str());
    if let Err(e) = check_jurisdiction(jurisdiction, &[JURISDICTION_ID], false) {
        return error(format, &e);
    }
    let ctx = AuditContext { actor: Some(format!("open311:{}", key.id)), ip };
    let result = if stem == "requests" {
        file_request(&state, &ctx, &key, submission).await
    } else {
        post_update(&state, &ctx, &key, &submission.pairs).await
    };
    match result {
        Ok((status, body)) => document(status, format, body.render(format)),
        Err(Failure::Client(e)) => error(format, &e),
        Err(Failure::Store(what, cause)) => unavailable(format, what, &cause),
    }
}

/// Why a POST was not accepted.
enum Failure {
    /// The client's fault, answered with the protocol's errors body.
    Client(RequestError),
    /// The store failed (logged, answered as "try again").
    Store(&'static str, smartcity_store::StoreError),
}

impl From<RequestError> for Failure {
    fn from(e: RequestError) -> Self {
        Failure::Client(e)
    }
}

/// A document to answer with, in whichever format was asked.
enum Answer {
    Created(CreatedRequests),
    Receipts(UpdateReceipts),
}

impl Answer {
    fn render(&self, format: Format) -> String {
        match self {
            Answer::Created(d) => d.render(format),
            Answer::Receipts(d) => d.render(format),
        }
    }
}

fn store(what: &'static str) -> impl FnOnce(smartcity_store::StoreError) -> Failure {
    move |e| Failure::Store(what, e)
}

/// The city agency in charge of an agency kind, among the platform's units (`46.*`); `None` where the city has
/// no such unit of its own (lighting, water and parks are run by contractors): routing then falls back to the
/// ward of the point, as the catalogue lists the ward as the secondary handler of every category.
pub fn agency_unit_code(kind: AgencyKind) -> Option<&'static str> {
    Some(match kind {
        AgencyKind::Construction => "46.SXD",
        AgencyKind::Environment => "46.SNNMT",
        AgencyKind::Police => "46.CA",
        AgencyKind::Tourism | AgencyKind::Heritage => "46.SVHTT",
        AgencyKind::Health => "46.SYT",
        AgencyKind::PublicServices => "46.TTHCC",
        _ => return None,
    })
}

/// The stored category in the shape `domain::reports::propose_unit` takes.
pub fn routing_category(c: &ReportCategory) -> Result<Category, smartcity_domain::ValidationError> {
    Ok(Category {
        code: CategoryCode::parse(&c.code)?,
        name_vi: c.name_vi.clone(),
        name_en: c.name_en.clone(),
        examples_vi: c.examples_vi.clone(),
        agency_kind_vi: String::new(),
        agency_kind_en: String::new(),
        agency_kind: c.agency_kind,
        typical_agencies: Vec::new(),
        default_deadline_working_days: u32::try_from(c.deadline_days).unwrap_or(7),
        process: c.process,
    })
}

fn out_of_area() -> RequestError {
    RequestError::bad(
        "lat",
        "location_out_of_area",
        "The location is outside every ward and commune of Huế; this endpoint only takes reports in Huế.",
        "Vị trí không thuộc phường, xã nào của thành phố Huế; hệ thống chỉ nhận phản ánh trên địa bàn Huế.",
    )
}

/// Where a report is: the pin and the ward containing it, or — with an address only — the ward or commune the
/// address names (its centre stands for the point; the IOC refines it). Anything outside Huế is refused.
async fn locate(state: &AppState, new: &NewServiceRequest) -> Result<(GeoPoint, UnitCode), Failure> {
    let today = Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    if let Some(point) = new.location {
        let unit = state.store.locate_unit(point, today).await.map_err(store("locate"))?;
        return match unit {
            Some(u) if matches!(u.kind, UnitKind::Ward | UnitKind::Commune) => Ok((point, u.code)),
            _ => Err(out_of_area().into()),
        };
    }
    let address = fold_vietnamese(new.address_string.as_deref().unwrap_or(""));
    let units = state.store.list_units().await.map_err(store("units"))?;
    let mut best: Option<(usize, GeoPoint, UnitCode)> = None;
    for u in units.iter().filter(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune) && u.is_active_on(today)) {
        let name = fold_vietnamese(&u.name_vi);
        let found = !name.is_empty() && contains_words(&address, &name);
        if let (true, Some(lat), Some(lon)) = (found, u.lat, u.lon)
            && best.as_ref().is_none_or(|(len, ..)| name.len() > *len)
        {
            best = Some((name.len(), GeoPoint { lat, lon }, u.code.clone()));
        }
    }
    best.map(|(_, point, code)| (point, code)).ok_or_else(|| {
        RequestError::bad(
            "address_string",
            "address_not_located",
            "The address does not name a ward or commune of Huế (e.g. “12 Lê Lợi, Phường Thuận Hóa”); send lat \
             and long, or add the ward.",
            "Địa chỉ không nêu phường, xã nào của Huế (ví dụ “12 Lê Lợi, Phường Thuận Hóa”); hãy gửi lat, long \
             hoặc ghi rõ phường, xã.",
        )
        .into()
    })
}

/// Whether `needle` occurs in `haystack` on word boundaries ("phuong thuan hoa" is not in "phuong thuan hoan");
/// when two names match ("Phường An" and "Phường An Đông"), the caller keeps the longer.
fn contains_words(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

async fn sanitise_all(files: Vec<Vec<u8>>) -> Result<Vec<NewPhoto>, Failure> {
    let limits = PhotoLimits { max_bytes: 2 * 1024 * 1024, ..PhotoLimits::default() };
    let mut photos = Vec::with_capacity(files.len());
    for bytes in files {
        let limits = limits.clone();
        let clean = tokio::task::spawn_blocking(move || sanitize_photo(&bytes, &limits))
            .await
            .map_err(|e| {
                Failure::Client(RequestError::bad("media", "photo_failed", e.to_string(), "Không xử lý được ảnh."))
            })?
            .map_err(|e| RequestError::bad("media", e.code, e.en, e.vi))?;
        photos.push(NewPhoto { content_type: clean.content_type.to_owned(), bytes: clean.bytes });
    }
    Ok(photos)
}

fn attributes_json(attributes: &std::collections::BTreeMap<String, AttributeInput>) -> Value {
    let map = attributes
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttributeInput::Single(s) => json!(s),
                AttributeInput::Multi(list) => json!(list),
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(map)
}

/// POST requests.
async fn file_request(
    state: &AppState,
    ctx: &AuditContext,
    key: &Open311ApiKey,
    submission: Submission,
) -> Result<(StatusCode, Answer), Failure> {
    let new = NewServiceRequest::parse(&submission.pairs)?;
    let category = match state.store.report_category(new.service_code.trim()).await.map_err(store("category"))? {
        Some(c) if c.active => c,
        _ => {
            return Err(RequestError::new(
                404,
                "service_code",
                "service_code_unknown",
                format!("No service has service_code “{}”; see services.xml.", new.service_code),
                format!("Không có lĩnh vực phản ánh mã “{}”; xem services.xml.", new.service_code),
            )
            .into());
        }
    };
    definition_for(&category.code).check_attributes(&new.attributes)?;
    let (point, ward) = locate(state, &new).await?;
    let photos = sanitise_all(submission.files).await?;
    let domain = routing_category(&category).map_err(|e| RequestError::bad("service_code", e.code, e.en, e.vi))?;
    let mut agency = None;
    if let Some(code) = agency_unit_code(category.agency_kind) {
        let code = UnitCode::parse(code).map_err(|e| RequestError::bad("service_code", e.code, e.en, e.vi))?;
        if state.store.unit(&code).await.map_err(store("unit"))?.is_some() {
            agency = Some(code);
        }
    }
    let proposal = propose_unit(&domain, Some(&ward), agency.as_ref());
    let name = [new.first_name.as_deref(), new.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != "-")
        .collect::<Vec<_>>()
        .join(" ");
    let report = NewReport {
        service_code: category.code.clone(),
        description: new.description.clone().unwrap_or_default(),
        location: point,
        address: new.address_string.clone(),
        ward_code: Some(ward.as_str().to_owned()),
        handling_unit_code: proposal.unit.as_ref().map(|u| u.as_str().to_owned()),
        reporter: Reporter {
            account_id: None,
            name: (!name.is_empty()).then_some(name),
            email: new.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: new.phone.clone(),
        },
        api_key_id: Some(key.id),
        photos,
    };
    let extra = json!({"open311": {
        "attributes": attributes_json(&new.attributes),
        "media_urls": new.media_urls,
        "routing_basis": proposal.basis.as_str(),
    }});
    let created = state.store.create_report_with_details(ctx, report, extra).await.map_err(store("create"))?;
    let notice = format!(
        "Phản ánh đã được gửi tới Trung tâm IOC Huế; thời hạn xử lý {} ngày làm việc. Report received by Huế IOC; \
         it is handled within {} working days.",
        proposal.deadline_working_days, proposal.deadline_working_days
    );
    let answer = CreatedRequests(vec![CreatedRequest {
        reference: RequestReference::Id(created.id.to_string()),
        service_notice: Some(notice),
        account_id: None,
    }]);
    Ok((StatusCode::OK, Answer::Created(answer)))
}

/// What a citizen's update from a partner does to a report. FixMyStreet posts citizen updates only (a comment,
/// "fixed", "not fixed"); the city's own decisions (rejection, transfer, scheduling) are never taken from outside:
///
/// | posted status | report | effect |
/// |---|---|---|
/// | FIXED, CLOSED | answered | close (đóng) |
/// | REOPEN | answered, not yet rated | rating “không hài lòng”, so the IOC may reopen it |
/// | anything else, or the above in another state | any | a public comment; the status stays |
///
/// The first two go through `domain::reports::transition`, like the same actions on the web.
fn update_action(status: ExtendedStatus, report: &Report, text: &str) -> Option<ReportAction> {
    match status {
        ExtendedStatus::Fixed | ExtendedStatus::Closed if report.status == ReportStatus::Answered => {
            Some(ReportAction::Close)
        }
        ExtendedStatus::Reopen if report.status == ReportStatus::Answered && report.rating.is_none() => {
            Some(ReportAction::Rate { rating: Rating::Dissatisfied, comment: Some(text.to_owned()) })
        }
        _ => None,
    }
}

/// The update a partner already posted with this `update_id`, if any (FixMyStreet retries on timeouts).
async fn existing_update(state: &AppState, report: Uuid, key: Uuid, update_id: &str) -> Result<Option<Uuid>, Failure> {
    let events = state.store.report_events(report).await.map_err(store("events"))?;
    Ok(events
        .into_iter()
        .find(|e| {
            e.details.pointer("/open311/update_id").and_then(Value::as_str) == Some(update_id)
                && e.details.pointer("/open311/api_key").and_then(Value::as_str) == Some(key.to_string().as_str())
        })
        .map(|e| e.id))
}

/// POST servicerequestupdates.
async fn post_update(
    state: &AppState,
    ctx: &AuditContext,
    key: &Open311ApiKey,
    pairs: &[(String, String)],
) -> Result<(StatusCode, Answer), Failure> {
    let update = NewUpdate::parse(pairs)?;
    let unknown = || {
        RequestError::new(
            404,
            "service_request_id",
            "not_found",
            "No service request with that id.",
            "Không tìm thấy phản ánh có mã này.",
        )
    };
    let id = Uuid::parse_str(update.service_request_id.trim()).map_err(|_| unknown())?;
    let report = state.store.report(id).await.map_err(store("report"))?.ok_or_else(unknown)?;
    let receipt = |event: Uuid| {
        Answer::Receipts(UpdateReceipts(vec![UpdateReceipt { update_id: event.to_string(), account_id: None }]))
    };
    if let Some(event) = existing_update(state, id, key.id, &update.update_id).await? {
        return Ok((StatusCode::OK, receipt(event)));
    }
    let text = update.description.trim().to_owned();
    let action = update_action(update.status, &report, &text);
    let mut facts = ReportFacts::new(id.to_string(), Utc::now());
    facts.rating = report.rating;
    facts.due_at = report.due_at;
    let (status, rating, kind) = match &action {
        Some(action) => {
            let t = transition(report.status, action, &facts)
                .map_err(|e| RequestError::bad("status", e.code, e.en, e.vi))?;
            let rating = match action {
                ReportAction::Rate { rating, .. } => Some(*rating),
                _ => report.rating,
            };
            (t.to, rating, action.kind().as_str())
        }
        None => (report.status, report.rating, "comment"),
    };
    let mut change = ReportChange::from_report(
        &report,
        status,
        NewReportEvent {
            action: kind.to_owned(),
            public_note: text,
            details: json!({"open311": {
                "update_id": update.update_id,
                "api_key": key.id.to_string(),
                "status": update.status.as_str(),
                "media_urls": update.media_urls,
            }}),
            ..Default::default()
        },
    );
    change.rating = rating;
    change.notify = action.is_some().then(|| format!("report.{kind}"));
    match state.store.apply_report_change(ctx, change).await {
        Ok(_) => {}
        Err(smartcity_store::StoreError::Conflict { .. }) => {
            return Err(RequestError::bad(
                "service_request_id",
                "report_changed",
                "The request changed while this update was being recorded; send it again.",
                "Phản ánh vừa thay đổi trong lúc ghi cập nhật; vui lòng gửi lại.",
            )
            .into());
        }
        Err(e) => return Err(Failure::Store("update", e)),
    }
    let event = existing_update(state, id, key.id, &update.update_id)
        .await?
        .ok_or(Failure::Store("update", smartcity_store::StoreError::NotFound))?;
    Ok((StatusCode::OK, receipt(event)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_rate_waits_and_others_do_not() {
        let limiter = PartnerRateLimiter::new(3);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            assert!(limiter.hit(a).is_ok());
        }
        let wait = limiter.hit(a).expect_err("over the rate");
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50));
        assert!(limiter.hit(b).is_ok());
    }

    #[test]
    fn ward_names_match_on_word_boundaries() {
        assert!(contains_words("12 le loi, phuong thuan hoa, hue", "phuong thuan hoa"));
        assert!(!contains_words("phuong thuan hoan", "phuong thuan hoa"));
        assert!(contains_words("phuong an", "phuong an"));
    }

    #[test]
    fn every_agency_code_is_a_city_agency() {
        for kind in AgencyKind::ALL {
            if let Some(code) = agency_unit_code(*kind) {
                assert!(code.starts_with("46."), "{code}");
                assert!(UnitCode::parse(code).is_ok());
            }
        }
    }
}
