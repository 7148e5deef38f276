//! One error type for every handler: a stable snake_case code, an HTTP status and a message in
//! Vietnamese and English. Internal causes are logged, never shown. The response carries the error
//! in its extensions; the `render_errors` layer turns it into JSON under `/api/` and into an HTML
//! page elsewhere, in the visitor's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use smartcity_domain::ValidationError;
use smartcity_store::StoreError;

/// An error a user or client can act on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppError {
    /// Stable machine-readable code, e.g. `login_failed`.
    pub code: &'static str,
    #[serde(skip)]
    pub status: StatusCode,
    /// Message in Vietnamese.
    pub vi: String,
    /// Message in English.
    pub en: String,
    /// Form field the error is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// Seconds to wait before retrying (throttling).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// Result of a handler.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A new error with the given code, status and messages.
    pub fn new(code: &'static str, status: StatusCode, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { code, status, vi: vi.into(), en: en.into(), field: None, retry_after: None }
    }

    /// The message in `lang` (`en`, else Vietnamese).
    pub fn message(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.vi }
    }

    /// 404 for a page or record that does not exist.
    pub fn not_found() -> Self {
        Self::new(
            "not_found",
            StatusCode::NOT_FOUND,
            "Không tìm thấy trang hoặc dữ liệu bạn yêu cầu.",
            "The page or record you asked for was not found.",
        )
    }

    /// 401: the visitor must log in first.
    pub fn login_required() -> Self {
        Self::new(
            "login_required",
            StatusCode::UNAUTHORIZED,
            "Bạn cần đăng nhập để tiếp tục.",
            "Please log in to continue.",
        )
    }

    /// 403: logged in but without the role on this unit.
    pub fn forbidden() -> Self {
        Self::new(
            "forbidden",
            StatusCode::FORBIDDEN,
            "Tài khoản của bạn không có quyền thực hiện thao tác này tại đơn vị này.",
            "Your account may not do this for this unit.",
        )
    }

    /// 403: the CSRF token was missing or wrong.
    pub fn csrf() -> Self {
        Self::new(
            "csrf_token_invalid",
            StatusCode::FORBIDDEN,
            "Phiên biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và gửi lại.",
            "The form's security token is missing or expired. Reload the page and submit again.",
        )
    }

    /// 500 with the cause logged, not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            "internal_error",
            StatusCode::INTERNAL_SERVER_ERROR,
            "Hệ thống gặp lỗi. Vui lòng thử lại sau ít phút.",
            "Something went wrong on our side. Please try again in a few minutes.",
        )
    }

    /// 422 about one field of a form or body.
    pub fn invalid_field(
        field: &'static str,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        let mut err = Self::new(code, StatusCode::UNPROCESSABLE_ENTITY, vi, en);
        err.field = Some(field);
        err
    }
}

impl AppError {
    /// The same error, attributed to another form field (e.g. an email error on `contact`).
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.en)
    }
}

impl std::error::Error for AppError {}

impl From<ValidationError> for AppError {
    fn from(e: ValidationError) -> Self {
        Self::invalid_field(e.field, e.code, e.vi, e.en)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Invalid(v) => v.into(),
            StoreError::Conflict { constraint } => conflict(&constraint),
            StoreError::Dump(msg) => AppError::new("dump_rejected", StatusCode::UNPROCESSABLE_ENTITY, msg.clone(), msg),
            other => AppError::internal(other),
        }
    }
}

/// A unique index refused a write: say which value is taken, by index name.
fn conflict(constraint: &str) -> AppError {
    let (field, vi, en) = match constraint {
        "accounts_email_key" => ("contact", "Email này đã được đăng ký.", "This email is already registered."),
        "accounts_phone_key" => {
            ("contact", "Số điện thoại này đã được đăng ký.", "This phone number is already registered.")
        }
        "accounts_citizen_id_key" => (
            "citizen_id",
            "Số định danh cá nhân này đã có tài khoản. Hãy đăng nhập hoặc liên hệ bộ phận một cửa.",
            "This ID number already has an account. Log in, or contact the one-stop desk.",
        ),
        "role_grants_account_role_unit_key" => {
            ("role", "Tài khoản đã có vai trò này tại đơn vị này.", "The account already holds this role on this unit.")
        }
        "units_pkey" | "units_code_key" => {
            ("code", "Mã đơn vị này đã tồn tại.", "A unit with this code already exists.")
        }
        "organisations_pkey" | "organisations_tax_code_key" => {
            ("tax_code", "Mã số thuế này đã được đăng ký.", "This tax code is already registered.")
        }
        _ => ("", "Dữ liệu này đã tồn tại.", "This record already exists."),
    };
    let mut err = AppError::new("already_exists", StatusCode::CONFLICT, vi, en);
    if !field.is_empty() {
        err.field = Some(field);
    }
    err
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.en.clone()).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = seconds.to_string().parse()
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Stable code, e.g. `login_failed`.
    pub error: &'static str,
    /// Message in the language asked for (`Accept-Language: en` or `?lang=en`), Vietnamese by default.
    pub message: String,
    /// Vietnamese message.
    pub message_vi: String,
    /// English message.
    pub message_en: String,
    /// Field concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl ApiErrorBody {
    /// Body for `err` in `lang`.
    pub fn from_error(err: &AppError, lang: &str) -> Self {
        Self {
            error: err.code,
            message: err.message(lang).to_owned(),
            message_vi: err.vi.clone(),
            message_en: err.en.clone(),
            field: err.field,
        }
    }
}
