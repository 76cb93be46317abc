//! The one error shape every endpoint answers with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Per-field messages, keyed by the request field's name.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Machine-readable error codes. Clients switch on these; the HTTP status is derived from the code
/// by the server, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not well-formed JSON, or a query string cannot be parsed.
    MalformedRequest,
    /// The request is well-formed but some fields are invalid; see `fields`.
    ValidationFailed,
    /// The body is sent with a content type the endpoint does not accept.
    UnsupportedMediaType,
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// No valid session or token came with the request.
    Unauthorized,
    /// The login or password is wrong. The same answer whether or not the account exists.
    InvalidCredentials,
    /// The caller is known but may not do this.
    Forbidden,
    /// A cookie-authenticated write came from a page of another origin.
    ForeignOrigin,
    /// The thing does not exist, or the caller may not know that it does.
    NotFound,
    /// The path exists but not with this HTTP method.
    MethodNotAllowed,
    /// The username belongs to somebody else.
    UsernameTaken,
    /// The email belongs to somebody else.
    EmailTaken,
    /// The name is already used by another channel of the server.
    ChannelNameTaken,
    /// The last admin cannot leave or step down; hand admin over first.
    LastAdmin,
    /// The server's default channel cannot be deleted.
    DefaultChannel,
    /// The person does not accept conversations from you.
    DmNotAllowed,
    /// You are banned from this server: no invite or discovery lets you back in.
    Banned,
    /// The endpoint is a WebSocket: connect with an HTTP Upgrade request.
    UpgradeRequired,
    /// The events after that seq are no longer kept: reload the channel's history.
    ResyncRequired,
    /// A per-thing limit is reached (20 different reactions on a message).
    LimitReached,
    /// The upload slot already holds its file; ask for a new slot to send another.
    AlreadyUploaded,
    /// The byte range asked for lies beyond the end of the file.
    RangeNotSatisfiable,
    /// Too many attempts; retry after the `Retry-After` header's seconds.
    RateLimited,
    /// The server failed; the cause is in its logs, never in the answer.
    Internal,
    /// A dependency (the database) cannot be reached, or the server is too busy right now;
    /// retry after the `Retry-After` header's seconds.
    Unavailable,
}

impl ErrorCode {
    /// The wire spelling, as it appears in the `error` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::ValidationFailed => "validation_failed",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::ForeignOrigin => "foreign_origin",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UsernameTaken => "username_taken",
            Self::EmailTaken => "email_taken",
            Self::ChannelNameTaken => "channel_name_taken",
            Self::LastAdmin => "last_admin",
            Self::DefaultChannel => "default_channel",
            Self::DmNotAllowed => "dm_not_allowed",
            Self::Banned => "banned",
            Self::UpgradeRequired => "upgrade_required",
            Self::ResyncRequired => "resync_required",
            Self::AlreadyUploaded => "already_uploaded",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::LimitReached => "limit_reached",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{"error": "snake_case_code", "message": "...", "fields": {...}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"error": "validation_failed", "message": "Some fields are invalid.", "fields": {"username": ["is taken"]}})))]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// A sentence for people; clients may show it as is.
    pub message: String,
    /// Per-field messages for `validation_failed` and conflicts on a field; empty otherwise.
    #[serde(default)]
    pub fields: FieldErrors,
}

impl ErrorBody {
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            fields: FieldErrors::new(),
        }
    }

    /// The body with one field's message added.
    pub fn with_field(mut self, field: &str, message: impl Into<String>) -> Self {
        self.fields
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
        self
    }
}

impl From<&validator::ValidationErrors> for ErrorBody {
    fn from(errors: &validator::ValidationErrors) -> Self {
        let mut body = ErrorBody::new(ErrorCode::ValidationFailed, "Some fields are invalid.");
        for (field, errs) in errors.field_errors() {
            let messages = errs
                .iter()
                .map(|e| match &e.message {
                    Some(m) => m.to_string(),
                    None => format!("is invalid ({})", e.code),
                })
                .collect();
            body.fields.insert(field.to_string(), messages);
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_wire_spelling() {
        for code in [
            ErrorCode::MalformedRequest,
            ErrorCode::UsernameTaken,
            ErrorCode::RateLimited,
        ] {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
