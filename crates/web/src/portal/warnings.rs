//! Warnings (cảnh báo): authorised staff broadcast a flood, storm, heat, air-quality, traffic or scam warning for
//! the whole city or chosen wards; it shows as a banner on the sites of its area while valid (filtered by time on
//! every read, so an expired warning needs no job to disappear), on `/canh-bao`, in an Atom feed, as CAP 1.2
//! alerts, and goes to the citizens subscribed to its wards through the mail outbox.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use smartcity_domain::identity::Role;
use smartcity_domain::portal::{Severity, Validity, Warning, WarningArea, WarningKind};
use smartcity_domain::text::{clean_line, nfc};
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_protocols::cap::{
    Certainty, MsgType, Urgency, WarningContext, alert_from_warning, reference_to, write_alert,
};
use smartcity_protocols::feeds::{AtomCategory, AtomEntry, AtomFeed, write_atom};
use smartcity_store::portal::{PortalStore, StoredWarning, WarningMail};
use smartcity_store::{AuditContext, IdentityStore, UnitStore};

use super::feeds::{origin, xml_response};
use super::{area_names, parse_id};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser, MaybeUser};
use crate::shell::extract::AppForm;
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// May the caller broadcast warnings? IOC operators and administrators anywhere, or the city's leader.
async fn may_broadcast(state: &AppState, user: &CurrentUser) -> AppResult<bool> {
    let grants = state.store.grants_of(user.id()).await?;
    if grants.iter().any(|g| matches!(g.role, Role::IocOperator | Role::Administrator)) {
        return Ok(true);
    }
    let city = city_code(state).await?;
    Ok(state.store.has_role_on(user.id(), &[Role::UnitLeader], &city).await?)
}

/// The root of the unit tree (the city).
async fn city_code(state: &AppState) -> AppResult<UnitCode> {
    let units = state.store.list_units().await?;
    units.into_iter().find(|u| u.parent_code.is_none()).map(|u| u.code).ok_or_else(AppError::not_found)
}

/// Wards and communes in force today, (code, name) in the page's language, by name.
async fn wards(state: &AppState, ctx: &PageContext) -> AppResult<Vec<(String, String)>> {
    let today = super::today();
    let mut out: Vec<(String, String)> = state
        .store
        .list_units()
        .await?
        .into_iter()
        .filter(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune) && u.is_active_on(today))
        .map(|u| (u.code.as_str().to_owned(), u.name(ctx.lang_code()).to_owned()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// A warning as the warnings page shows it.
pub struct WarningView {
    pub id: String,
    pub kind: &'static str,
    pub severity: &'static str,
    pub severity_code: &'static str,
    pub headline: String,
    pub description: String,
    pub area: String,
    pub starts: String,
    pub ends: String,
    pub active: bool,
    pub cancelled: bool,
}

async fn view(state: &AppState, ctx: &PageContext, w: &StoredWarning, now: DateTime<Utc>) -> AppResult<WarningView> {
    let codes = match &w.warning.area {
        WarningArea::WholeCity => Vec::new(),
        WarningArea::Wards(c) => c.clone(),
    };
    let (vi, en) = area_names(state, &codes).await?;
    let x = &w.warning;
    Ok(WarningView {
        id: w.id.to_string(),
        kind: ctx.pick(x.kind.label_vi(), x.kind.label_en()),
        severity: ctx.pick(x.severity.label_vi(), x.severity.label_en()),
        severity_code: x.severity.as_str(),
        headline: ctx.pick(&x.headline_vi, &x.headline_en).to_owned(),
        description: ctx.pick(&x.description_vi, &x.description_en).to_owned(),
        area: ctx.pick(&vi, &en).to_owned(),
        starts: ctx.datetime(&x.validity.starts_at()),
        ends: ctx.datetime(&x.validity.ends_at()),
        active: x.is_active(now),
        cancelled: x.cancelled_at.is_some(),
    })
}

#[derive(Template)]
#[template(path = "portal/warnings.html")]
struct WarningsPage {
    ctx: PageContext,
    active: Vec<WarningView>,
    past: Vec<WarningView>,
    can_broadcast: bool,
    wards: Vec<(String, String)>,
    subscribed: Vec<String>,
}

impl WarningsPage {
    fn is_subscribed(&self, code: &str) -> bool {
        self.subscribed.iter().any(|c| c == code)
    }
}

/// `GET /canh-bao`: warnings in force, then recent ones; the subscription form for logged-in citizens.
pub async fn list(
    State(state): State<AppState>,
    ctx: PageContext,
    MaybeUser(identity): MaybeUser,
) -> AppResult<Response> {
    let user = identity.map(CurrentUser);
    let now = Utc::now();
    let (mut active, mut past) = (Vec::new(), Vec::new());
    for w in state.store.warnings(None, 50).await? {
        let v = view(&state, &ctx, &w, now).await?;
        if v.active { active.push(v) } else { past.push(v) }
    }
    let (can_broadcast, subscribed) = match &user {
        Some(u) => (may_broadcast(&state, u).await?, state.store.warning_subscriptions(u.id()).await?),
        None => (false, Vec::new()),
    };
    let wards = if user.is_some() { wards(&state, &ctx).await? } else { Vec::new() };
    Ok(render(&WarningsPage { ctx, active, past, can_broadcast, wards, subscribed }))
}

#[derive(Template)]
#[template(path = "portal/warning_form.html")]
struct WarningForm {
    ctx: PageContext,
    kinds: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
    wards: Vec<(String, String)>,
    values: Vec<(String, String)>,
    error: Option<AppError>,
}

impl WarningForm {
    fn value(&self, key: &str) -> &str {
        self.values.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
    }

    fn checked(&self, key: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == key && v == value)
    }

    fn has_error(&self, field: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(field)
    }
}

async fn form_page(
    state: &AppState,
    ctx: PageContext,
    values: Vec<(String, String)>,
    error: Option<AppError>,
) -> AppResult<WarningForm> {
    let wards = wards(state, &ctx).await?;
    Ok(WarningForm {
        kinds: WarningKind::ALL.iter().map(|k| (k.as_str(), ctx.pick(k.label_vi(), k.label_en()))).collect(),
        severities: Severity::ALL.iter().map(|k| (k.as_str(), ctx.pick(k.label_vi(), k.label_en()))).collect(),
        wards,
        values,
        error,
        ctx,
    })
}

/// `GET /canh-bao/moi`.
pub async fn new_form(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    if !may_broadcast(&state, &user).await? {
        return Err(AppError::forbidden());
    }
    let now = Utc::now().with_timezone(&smartcity_domain::time::TZ);
    let values = vec![
        ("starts_at".to_owned(), now.format("%Y-%m-%dT%H:%M").to_string()),
        ("ends_at".to_owned(), (now + chrono::Duration::hours(24)).format("%Y-%m-%dT%H:%M").to_string()),
        ("scope".to_owned(), "wards".to_owned()),
    ];
    Ok(render(&form_page(&state, ctx, values, None).await?))
}

/// Reads and checks the warning form (repeated `wards` fields carry the chosen wards).
async fn warning_from(state: &AppState, values: &[(String, String)]) -> AppResult<Warning> {
    let get = |k: &str| values.iter().find(|(key, _)| key == k).map_or("", |(_, v)| v.as_str());
    let kind = WarningKind::parse(get("kind"))?;
    let severity = Severity::parse(get("severity"))?;
    let at = |field: &'static str| -> AppResult<DateTime<Utc>> {
        super::editor::parse_local(field, get(field))?.ok_or_else(|| {
            AppError::invalid_field(
                field,
                "datetime_required",
                "Nhập thời điểm bắt đầu và kết thúc.",
                "Enter when the warning starts and ends.",
            )
        })
    };
    let validity = Validity::new(at("starts_at")?, at("ends_at")?)?;
    let area = if get("scope") == "city" {
        WarningArea::WholeCity
    } else {
        let mut codes = Vec::new();
        for (_, raw) in values.iter().filter(|(k, _)| k == "wards") {
            let code = UnitCode::parse(raw)?;
            let unit = state.store.unit(&code).await?;
            if !unit.is_some_and(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune)) {
                return Err(AppError::invalid_field(
                    "area",
                    "warning_area_unknown_ward",
                    format!("Mã {raw} không phải một phường/xã của thành phố."),
                    format!("{raw} is not a ward or commune of the city."),
                ));
            }
            codes.push(code);
        }
        WarningArea::wards(codes)?
    };
    let headline_vi = clean_line(get("headline_vi"));
    let headline_en = clean_line(get("headline_en"));
    for (field, text) in [("headline_vi", &headline_vi), ("headline_en", &headline_en)] {
        if !(3..=200).contains(&text.chars().count()) {
            return Err(AppError::invalid_field(
                field,
                "warning_headline_required",
                "Nhập tiêu đề cảnh báo bằng tiếng Việt và tiếng Anh (3–200 ký tự).",
                "Enter the warning's headline in Vietnamese and in English (3–200 characters).",
            ));
        }
    }
    Ok(Warning {
        kind,
        severity,
        area,
        validity,
        headline_vi,
        headline_en,
        description_vi: nfc(get("description_vi").trim()),
        description_en: nfc(get("description_en").trim()),
        cancelled_at: None,
    })
}

/// `POST /canh-bao/moi`: broadcast; the subscribers of the area are mailed in the same transaction.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppForm(values): AppForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !may_broadcast(&state, &user).await? {
        return Err(AppError::forbidden());
    }
    let warning = match warning_from(&state, &values).await {
        Ok(w) => w,
        Err(error) => {
            let page = form_page(&state, ctx, values, Some(error)).await?;
            return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let codes = match &warning.area {
        WarningArea::WholeCity => Vec::new(),
        WarningArea::Wards(c) => c.clone(),
    };
    let (area_vi, area_en) = area_names(&state, &codes).await?;
    let link = format!("{}/canh-bao", origin(&headers));
    let mail = WarningMail {
        subject: format!("[Cảnh báo / Warning] {} / {}", warning.headline_vi, warning.headline_en),
        body: format!(
            "{} — {}\n{}: {}\n{} → {}\n\n{}\n\n---\n{} — {}\n{}: {}\n\n{}\n\n{link}",
            warning.kind.label_vi(),
            warning.severity.label_vi(),
            "Khu vực",
            area_vi,
            smartcity_domain::time::format_local_datetime(warning.validity.starts_at()),
            smartcity_domain::time::format_local_datetime(warning.validity.ends_at()),
            warning.description_vi,
            warning.kind.label_en(),
            warning.severity.label_en(),
            "Area",
            area_en,
            warning.description_en,
        ),
    };
    state.store.create_warning(&AuditContext::account(user.id(), ip), &warning, Some(user.id()), &mail).await?;
    Ok(redirect("/canh-bao"))
}

/// `POST /canh-bao/{id}/huy`: withdraw a warning now.
pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> AppResult<Response> {
    if !may_broadcast(&state, &user).await? {
        return Err(AppError::forbidden());
    }
    state.store.cancel_warning(&AuditContext::account(user.id(), ip), parse_id(&id)?).await?;
    Ok(redirect("/canh-bao"))
}

/// The subscription form: a ward and `subscribe` or `unsubscribe`.
pub async fn subscribe(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(values): AppForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let get = |k: &str| values.iter().find(|(key, _)| key == k).map_or("", |(_, v)| v.as_str());
    let code = UnitCode::parse(get("ward")).map_err(|e| AppError::from(e).with_field("ward"))?;
    let is_ward = state.store.unit(&code).await?.is_some_and(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune));
    if !is_ward {
        return Err(AppError::invalid_field(
            "ward",
            "ward_unknown",
            "Hãy chọn một phường/xã của thành phố.",
            "Choose a ward or commune of the city.",
        ));
    }
    let audit = AuditContext::account(user.id(), ip);
    if get("op") == "unsubscribe" {
        state.store.unsubscribe_warnings(&audit, user.id(), &code).await?;
    } else {
        state.store.subscribe_warnings(&audit, user.id(), &code).await?;
    }
    Ok(redirect("/canh-bao#dang-ky"))
}

// ---------------------------------------------------------------------------------------------------------------
// Feeds
// ---------------------------------------------------------------------------------------------------------------

fn warning_entry(origin: &str, w: &StoredWarning, link: String) -> AtomEntry {
    let x = &w.warning;
    AtomEntry {
        id: format!("{origin}/canh-bao/{}", w.id),
        title: format!("{} — {}", x.headline_vi, x.headline_en),
        updated: x.cancelled_at.unwrap_or(w.created_at),
        published: Some(w.created_at),
        link,
        summary: Some(format!("{} {}", x.description_vi, x.description_en).trim().to_owned()),
        content_html: None,
        author: None,
        categories: vec![
            AtomCategory { term: x.kind.as_str().to_owned(), label: Some(x.kind.label_vi().to_owned()) },
            AtomCategory { term: x.severity.as_str().to_owned(), label: Some(x.severity.label_vi().to_owned()) },
        ],
    }
}

async fn warnings_feed(state: &AppState, headers: &HeaderMap, cap: bool) -> AppResult<Response> {
    let origin = origin(headers);
    let warnings = state.store.warnings(None, 50).await?;
    let entries: Vec<AtomEntry> = warnings
        .iter()
        .map(|w| {
            let link = if cap { format!("{origin}/canh-bao/{}/cap.xml", w.id) } else { format!("{origin}/canh-bao") };
            warning_entry(&origin, w, link)
        })
        .collect();
    let self_path = if cap { "/canh-bao/cap.xml" } else { "/canh-bao/feed.xml" };
    let feed = AtomFeed {
        id: format!("{origin}{self_path}"),
        title: if cap { "Cảnh báo CAP 1.2 — Thành phố Huế" } else { "Cảnh báo — Thành phố Huế" }.to_owned(),
        subtitle: Some("Warnings of Huế City".to_owned()),
        updated: entries.iter().map(|e| e.updated).max().unwrap_or_else(Utc::now),
        self_link: format!("{origin}{self_path}"),
        site_link: format!("{origin}/canh-bao"),
        language: "vi".to_owned(),
        author: "UBND thành phố Huế".to_owned(),
        entries,
    };
    Ok(xml_response("application/atom+xml; charset=utf-8", write_atom(&feed)))
}

/// `GET /canh-bao/feed.xml`: Atom feed of warnings.
pub async fn atom(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    warnings_feed(&state, &headers, false).await
}

/// `GET /canh-bao/cap.xml`: the CAP feed — an Atom index whose entries link to one CAP 1.2 alert each, the way
/// alert hubs (e.g. the WMO register of alerting authorities) consume CAP.
pub async fn cap_index(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    warnings_feed(&state, &headers, true).await
}

/// `GET /canh-bao/{id}/cap.xml`: one warning as a CAP 1.2 alert (vi-VN and en-US blocks); a withdrawn warning is
/// a `Cancel`.
pub async fn cap_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = id.strip_suffix(".xml").unwrap_or(&id).to_owned();
    let w = state.store.warning(parse_id(&id)?).await?.ok_or_else(AppError::not_found)?;
    let origin = origin(&headers);
    let codes = match &w.warning.area {
        WarningArea::WholeCity => Vec::new(),
        WarningArea::Wards(c) => c.clone(),
    };
    let area_description = area_names(&state, &codes).await?;
    let identifier = format!("vn.hue.portal.warning.{}", w.id);
    let mut ctx = WarningContext {
        identifier: identifier.clone(),
        sender: "canh-bao@hue.gov.vn".to_owned(),
        sent: w.created_at,
        msg_type: MsgType::Alert,
        references: Vec::new(),
        sender_name: ("UBND thành phố Huế".to_owned(), "Huế City People's Committee".to_owned()),
        area_description,
        polygons: Vec::new(),
        instruction: None,
        web: Some(format!("{origin}/canh-bao")),
        urgency: Urgency::Expected,
        certainty: Certainty::Likely,
    };
    let mut alert = alert_from_warning(&w.warning, &ctx);
    if let Some(at) = w.warning.cancelled_at {
        ctx.references = vec![reference_to(&alert)];
        ctx.identifier = format!("{identifier}.cancel");
        ctx.sent = at;
        ctx.msg_type = MsgType::Cancel;
        alert = alert_from_warning(&w.warning, &ctx);
    }
    Ok(xml_response("application/cap+xml; charset=utf-8", write_alert(&alert)))
}
