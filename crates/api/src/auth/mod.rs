//! Who is calling: passwords, sessions, bearer tokens, the Origin check and login throttling.
//! Handlers learn the caller only through the [`CurrentUser`] extractor.

pub mod origin;
pub mod password;
pub mod session;
pub mod throttle;
pub mod tokens;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{self, users};

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Session,
    BearerToken,
}

/// The credential a request (or a socket) was authenticated with, so that ending it can end
/// whatever was opened with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// A browser session, by its id.
    Session(String),
    /// A personal access token, by its id (never its secret).
    Token(Uuid),
}

/// The signed-in caller. Rejects with 401 when there is none.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: users::Model,
    pub method: AuthMethod,
    pub credential: Credential,
    /// When the browser session signed in with a password; `None` for tokens.
    pub signed_in_at: Option<DateTime<Utc>>,
}

impl CurrentUser {
    pub fn id(&self) -> Uuid {
        self.user.id
    }
}

/// The bearer token of the `Authorization` header, if the request carries one.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Signed in or not: `None` when the request carries no credentials at all, a 401 when it carries
/// bad ones (a wrong token is never silently treated as "nobody").
impl axum::extract::OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(caller) => Ok(Some(caller)),
            Err(err)
                if err.code() == parley_shared::ErrorCode::Unauthorized
                    && !parts.headers.contains_key(AUTHORIZATION) =>
            {
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // A request that presents a token is judged by the token alone: a bad token is a 401
        // even if a cookie came along too.
        if parts.headers.contains_key(AUTHORIZATION) {
            let token = bearer_token(parts).ok_or_else(AppError::unauthorized)?;
            let (token, user) = store::tokens::authenticate(&state.store, &tokens::hash(token))
                .await?
                .ok_or_else(AppError::unauthorized)?;
            return Ok(Self {
                user,
                method: AuthMethod::BearerToken,
                credential: Credential::Token(token.id),
                signed_in_at: None,
            });
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::internal(anyhow::anyhow!(message)))?;
        let user_id = session::user_id(&session)
            .await?
            .ok_or_else(AppError::unauthorized)?;
        let Some(session_id) = session.id() else {
            return Err(AppError::unauthorized());
        };
        match users::by_id(&state.store, user_id).await? {
            Some(user) => {
                session::keep_alive(&session).await?;
                Ok(Self {
                    user,
                    method: AuthMethod::Session,
                    credential: Credential::Session(session_id.to_string()),
                    signed_in_at: session::signed_in_at(&session).await?,
                })
            }
            None => {
                // The account is gone; the session is worthless.
                session.flush().await?;
                Err(AppError::unauthorized())
            }
        }
    }
}
