//! Extractors whose rejections speak the one error shape. Every string a client sends passes
//! through one of them, and through [`parley_shared::validation::storable`] on the way, so text
//! that no database can store is refused with a 422 naming the field before anything else
//! (a handler, a query, the login throttle) sees it.
//!
//! The rules, applied the same way to every route:
//! - a body that is not JSON, or not JSON at all, is `malformed_request` (400), or
//!   `unsupported_media_type` (415) when labelled otherwise, or `payload_too_large` (413);
//! - a JSON body that is not an object, misses a field, or has a field of the wrong type or
//!   value is `validation_failed` (422) naming the field;
//! - a query string whose values do not fit (a word where a number goes, a missing parameter,
//!   one given twice) is `validation_failed` (422) naming the parameter;
//! - a path segment that does not parse (a malformed id) is `malformed_request` (400).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use parley_shared::ErrorCode;
use parley_shared::validation::storable;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use validator::Validate;

use crate::error::AppError;

/// `axum::Json`, but malformed, mistyped, oversized or wrongly labelled bodies answer in our
/// error shape (see the module's rules).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + Serialize,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(json_rejection(&rejection)),
        };
        // Every request body is an object; serde would otherwise fill a struct from an array by
        // position.
        if !value.is_object() {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "The body must be a JSON object.",
            ));
        }
        let value: T = serde_path_to_error::deserialize(value)
            .map_err(|err| field_error(err.path().to_string(), &err.into_inner().to_string()))?;
        // Checked on what was read, serialised back: fields the type ignores do not matter.
        let read = serde_json::to_value(&value).map_err(AppError::internal)?;
        refuse_unstorable(&read, &mut String::new())?;
        Ok(Self(value))
    }
}

/// [`ApiJson`] whose value has passed its `validator` rules.
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned + Serialize + Validate,
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
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        _ => AppError::new(ErrorCode::MalformedRequest, rejection.body_text()),
    }
}

/// Refuses a NUL anywhere in a JSON document (keys included), naming where it is.
fn refuse_unstorable(value: &Value, path: &mut String) -> Result<(), AppError> {
    let unstorable = |path: &str, text: &str| {
        storable(text).map_err(|e| {
            let message = e.message.map(|m| m.to_string()).unwrap_or_default();
            field_error(path.to_owned(), &message)
        })
    };
    match value {
        Value::String(text) => unstorable(path, text),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                refuse_unstorable(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                unstorable(path, key)?;
                refuse_unstorable(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// A 422 naming the field serde stopped at. `path` is `.` at the top level, where serde's
/// "missing field `x`" names the field itself.
fn field_error(path: String, reason: &str) -> AppError {
    let error = AppError::new(ErrorCode::ValidationFailed, "Some fields are invalid.");
    let reason = reason.split(" at line ").next().unwrap_or(reason);
    if let Some(missing) = reason
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        let field = if path == "." || path.is_empty() {
            missing.to_owned()
        } else {
            format!("{path}.{missing}")
        };
        return error.with_field(&field, "is required");
    }
    if path == "." || path.is_empty() {
        return AppError::new(ErrorCode::ValidationFailed, reason.to_owned());
    }
    error.with_field(&path, reason)
}

/// `axum::extract::Query`, following the module's rules: parameters that do not fit answer
/// `validation_failed` (422) naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            for text in [&name, &value] {
                if let Err(e) = storable(text) {
                    let message = e.message.map(|m| m.to_string()).unwrap_or_default();
                    return Err(field_error(name.replace('\0', ""), &message));
                }
            }
        }
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Self)
            .map_err(|err| field_error(err.path().to_string(), &err.into_inner().to_string()))
    }
}

/// `axum::extract::Path`, but an unparsable segment (a malformed id, say) answers
/// `malformed_request` (400) in our error shape, and a segment with text no database stores
/// answers 422 naming it.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Ok(raw) = RawPathParams::from_request_parts(parts, state).await {
            for (name, value) in &raw {
                if let Err(e) = storable(value) {
                    let message = e.message.map(|m| m.to_string()).unwrap_or_default();
                    return Err(field_error(name.to_owned(), &message));
                }
            }
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::new(
                ErrorCode::MalformedRequest,
                rejection.body_text(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_errors_name_their_field() {
        let error = field_error(".".into(), "missing field `name` at line 1 column 2");
        assert!(error.body.fields.contains_key("name"));
        let error = field_error("role".into(), "unknown variant `king`, expected `guest`");
        assert!(error.body.fields.contains_key("role"));
    }

    #[test]
    fn a_nul_is_found_wherever_it_hides() {
        let value = serde_json::json!({"a": {"b": ["ok", "no\u{0}"]}});
        let error = refuse_unstorable(&value, &mut String::new()).err();
        let fields = error.map(|e| e.body.fields.into_keys().collect::<Vec<_>>());
        assert_eq!(fields, Some(vec!["a.b[1]".to_owned()]));
    }
}
