//! Body extractors whose rejections speak the one error shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use parley_shared::ErrorCode;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::AppError;

/// `axum::Json`, but malformed, mistyped, oversized or wrongly labelled bodies answer with
/// `malformed_request` (400), `validation_failed` (422), `payload_too_large` (413) or
/// `unsupported_media_type` (415) in our error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// [`ApiJson`] whose value has passed its `validator` rules.
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJson(value) = ApiJson::<T>::from_request(req, state).await?;
        value.validate()?;
        Ok(Self(value))
    }
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    let detail = rejection.body_text();
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => data_error(&detail),
        _ => AppError::new(ErrorCode::MalformedRequest, detail),
    }
}

/// Well-formed JSON of the wrong shape: name the field where serde tells us which one.
fn data_error(detail: &str) -> AppError {
    let reason = detail
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(detail);
    let error = AppError::new(ErrorCode::ValidationFailed, "Some fields are invalid.");
    if let Some(field) = reason
        .split("missing field `")
        .nth(1)
        .and_then(|r| r.split('`').next())
    {
        return error.with_field(field, "is required");
    }
    match reason.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => {
            let message = message.split(" at line ").next().unwrap_or(message);
            error.with_field(path, message)
        }
        _ => AppError::new(ErrorCode::ValidationFailed, reason.to_owned()),
    }
}

/// `axum::extract::Path`, but an unparsable segment (a malformed id, say) answers
/// `malformed_request` (400) in our error shape.
pub struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::new(
                ErrorCode::MalformedRequest,
                rejection.body_text(),
            )),
        }
    }
}
