//! Body and query extractors whose rejections are [`AppError`]s, so a malformed form, JSON body
//! or query string gets the same clear vi/en message as any other bad input.

use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// `application/x-www-form-urlencoded` body.
pub struct AppForm<T>(pub T);

/// `application/json` body.
pub struct AppJson<T>(pub T);

/// Query string.
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state).await.map(|axum::Form(v)| AppForm(v)).map_err(|e: FormRejection| {
            AppError::new(
                "form_invalid",
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Biểu mẫu không hợp lệ: {}. Hãy kiểm tra các trường và gửi lại.", e.body_text()),
                format!("The form is not valid: {}. Check the fields and submit again.", e.body_text()),
            )
        })
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state).await.map(|axum::Json(v)| AppJson(v)).map_err(|e: JsonRejection| {
            AppError::new(
                "json_invalid",
                e.status(),
                format!("Nội dung JSON không hợp lệ: {}", e.body_text()),
                format!("The JSON body is not valid: {}", e.body_text()),
            )
        })
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| AppQuery(v))
            .map_err(|e: QueryRejection| {
                AppError::new(
                    "query_invalid",
                    StatusCode::BAD_REQUEST,
                    format!("Tham số truy vấn không hợp lệ: {}", e.body_text()),
                    format!("The query parameters are not valid: {}", e.body_text()),
                )
            })
    }
}
