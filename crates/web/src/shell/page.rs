//! What every page needs besides its own data: the language, the CSRF token for its forms, the
//! logged-in user for the header, and the current address for the language switch. Also the
//! layer that renders [`AppError`]s as JSON under `/api/` and as a page everywhere else.

use askama::Template;
use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use smartcity_domain::identity::Role;
use smartcity_store::IdentityStore;

use crate::AppState;
use crate::error::{ApiErrorBody, AppError};
use crate::i18n::Lang;
use crate::shell::auth::{RequestAuth, cookie};

/// Cookie remembering the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// The logged-in user as the header shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub display_name: String,
    pub is_admin: bool,
    pub is_reception: bool,
    /// Holds a role that works dossiers (reception, processing, leader, administrator).
    pub is_staff: bool,
    /// Operates the IOC (verifies and routes field reports).
    pub is_ioc: bool,
}

/// Context shared by every page template.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub lang: Lang,
    /// Path and query of this page, for the language switch's return address.
    pub here: String,
    pub csrf_token: String,
    pub user: Option<NavUser>,
}

impl PageContext {
    /// A label in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// `vi` or `en`.
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// Pick the Vietnamese or English of a pair held in data.
    pub fn pick<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }

    /// Link that switches language and comes back here.
    pub fn switch_href(&self) -> String {
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{}?next={next}", self.lang.other().code())
    }

    /// Format a UTC instant in Huế's time zone.
    pub fn datetime(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        smartcity_domain::time::format_local_datetime(*t)
    }

    /// Label of a role in the page's language.
    pub fn role_label(&self, role: &Role) -> &'static str {
        match self.lang {
            Lang::Vi => role.label_vi(),
            Lang::En => role.label_en(),
        }
    }
}

/// The language of a request: `?lang=` wins, then the `lang` cookie; API clients may also ask via
/// `Accept-Language`. Vietnamese otherwise.
pub fn request_lang(parts: &Parts) -> Lang {
    if let Some(q) = parts.uri.query()
        && let Some((_, v)) = form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang")
    {
        return Lang::from_code(&v);
    }
    if let Some(v) = cookie(&parts.headers, LANG_COOKIE) {
        return Lang::from_code(&v);
    }
    if parts.uri.path().starts_with("/api/")
        && parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("en"))
    {
        return Lang::En;
    }
    Lang::Vi
}

impl FromRequestParts<AppState> for PageContext {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = parts.extensions.get::<RequestAuth>().cloned();
        let user = match auth.as_ref().and_then(|a| a.identity.as_ref()) {
            Some(identity) => {
                let grants = state.store.grants_of(identity.account.id).await?;
                Some(NavUser {
                    display_name: identity.account.display_name.clone(),
                    is_admin: grants.iter().any(|g| g.role == Role::Administrator),
                    is_reception: grants.iter().any(|g| g.role == Role::ReceptionOfficer),
                    is_ioc: grants.iter().any(|g| g.role == Role::IocOperator),
                    is_staff: grants.iter().any(|g| {
                        matches!(
                            g.role,
                            Role::ReceptionOfficer | Role::ProcessingOfficer | Role::UnitLeader | Role::Administrator
                        )
                    }),
                })
            }
            None => None,
        };
        Ok(PageContext {
            lang: request_lang(parts),
            here: parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
            csrf_token: auth.map(|a| a.csrf_token).unwrap_or_default(),
            user,
        })
    }
}

/// Render a template into a response; a template failure is an internal error.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => AppError::internal(e).into_response(),
    }
}

/// Same as [`render`] with a status other than 200 (form errors are 422).
pub fn render_with_status(status: StatusCode, template: &impl Template) -> Response {
    let mut response = render(template);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageContext,
    status: u16,
    message: String,
    code: &'static str,
}

/// Turn an [`AppError`] left in a response's extensions into its final form: JSON for `/api/`,
/// a redirect to the login page for pages that need a login, an error page otherwise.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = request_lang(&parts);
    let is_api = parts.uri.path().starts_with("/api/") || parts.uri.path().starts_with("/sta/");
    let here = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let csrf_token = cookie(&parts.headers, crate::shell::auth::CSRF_COOKIE).unwrap_or_default();
    let is_htmx = parts.headers.contains_key("hx-request");
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(err) = response.extensions().get::<AppError>().cloned() else {
        return response;
    };
    let mut out = if is_api {
        (err.status, Json(ApiErrorBody::from_error(&err, lang.code()))).into_response()
    } else if err.code == "login_required" {
        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        let target = format!("/login?next={next}");
        let mut r = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            r.headers_mut().insert(LOCATION, v);
        }
        if is_htmx && let Ok(v) = HeaderValue::from_str(&target) {
            r.headers_mut().insert("hx-redirect", v);
        }
        r
    } else {
        let page = ErrorPage {
            ctx: PageContext { lang, here, csrf_token, user: None },
            status: err.status.as_u16(),
            message: err.message(lang.code()).to_owned(),
            code: err.code,
        };
        render_with_status(err.status, &page)
    };
    for (name, value) in response.headers() {
        if name == axum::http::header::SET_COOKIE || name == axum::http::header::RETRY_AFTER {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

/// `GET /lang/{code}?next=/path`: remember the language and go back.
pub async fn switch_language(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_code(&code);
    let next = q.get("next").map(String::as_str).unwrap_or("/");
    let next = safe_local_path(next);
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(next) {
        r.headers_mut().insert(LOCATION, v);
    }
    r.headers_mut().append(
        axum::http::header::SET_COOKIE,
        crate::shell::auth::set_cookie(LANG_COOKIE, lang.code(), 60 * 60 * 24 * 365, state.config.secure_cookies),
    );
    r
}

/// Only same-site paths are followed after a switch or a login (no open redirects).
pub fn safe_local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") { next } else { "/" }
}

/// A 303 to `to`.
pub fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}
