//! The server's one error type. Every failure becomes an [`ErrorBody`] with the status its code
//! implies; causes are logged and never sent to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_shared::{ErrorBody, ErrorCode};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug)]
pub struct AppError {
    pub body: ErrorBody,
    /// Seconds for the `Retry-After` header of a 429.
    pub retry_after: Option<u64>,
    /// What went wrong inside, for the log.
    cause: Option<anyhow::Error>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            body: ErrorBody::new(code, message),
            retry_after: None,
            cause: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "Not found.")
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "Sign in, or send a valid bearer token.",
        )
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            ErrorCode::RateLimited,
            "Too many attempts; try again later.",
        );
        error.retry_after = Some(retry_after_secs.max(1));
        error
    }

    /// Too busy right now (every password hasher or image decoder is taken); retry shortly.
    pub fn unavailable(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            ErrorCode::Unavailable,
            "The server is busy; try again in a moment.",
        );
        error.retry_after = Some(retry_after_secs.max(1));
        error
    }

    /// A failure of ours; the client learns only that it happened.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            body: ErrorBody::new(ErrorCode::Internal, "Something went wrong on our side."),
            retry_after: None,
            cause: Some(cause.into()),
        }
    }

    pub fn with_field(mut self, field: &str, message: impl Into<String>) -> Self {
        self.body = self.body.with_field(field, message);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.body.error
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.body.error, self.body.message)?;
        if let Some(cause) = &self.cause {
            write!(f, " ({cause:#})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

/// The single place where error codes become HTTP statuses.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::MalformedRequest => StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden
        | ErrorCode::ForeignOrigin
        | ErrorCode::DmNotAllowed
        | ErrorCode::Banned => StatusCode::FORBIDDEN,
        ErrorCode::UpgradeRequired => StatusCode::UPGRADE_REQUIRED,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::UsernameTaken
        | ErrorCode::EmailTaken
        | ErrorCode::ChannelNameTaken
        | ErrorCode::LastAdmin
        | ErrorCode::DefaultChannel
        | ErrorCode::LimitReached
        | ErrorCode::AlreadyUploaded => StatusCode::CONFLICT,
        ErrorCode::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        ErrorCode::ResyncRequired => StatusCode::GONE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = status_of(self.body.error);
        if let Some(cause) = &self.cause {
            tracing::error!(error = ?cause, code = %self.body.error, "request failed");
        }
        let mut response = (status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            // Say how to authenticate, as HTTP asks of every 401: a bearer token, or the session
            // cookie that signing in sets.
            let headers = response.headers_mut();
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="parley""#),
            );
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Cookie realm="parley", cookie-name="parley_session""#),
            );
        }
        response
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::internal(err)
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        Self {
            body: ErrorBody::from(&errors),
            retry_after: None,
            cause: None,
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        Self::internal(err)
    }
}
