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
use tower_sessions::Session;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{self, users};

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Session,
    BearerToken,
}

/// The signed-in caller. Rejects with 401 when there is none.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: users::Model,
    pub method: AuthMethod,
}

impl CurrentUser {
    pub fn id(&self) -> uuid::Uuid {
        self.user.id
    }
}

/// The bearer token of the `Authorization` header, if the request carries one.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // A request that presents a token is judged by the token alone: a bad token is a 401
        // even if a cookie came along too.
        if parts.headers.contains_key(AUTHORIZATION) {
            let token = bearer_token(parts).ok_or_else(AppError::unauthorized)?;
            let user = store::tokens::authenticate(&state.store, &tokens::hash(token))
                .await?
                .ok_or_else(AppError::unauthorized)?;
            return Ok(Self {
                user,
                method: AuthMethod::BearerToken,
            });
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::internal(anyhow::anyhow!(message)))?;
        let user_id = session::user_id(&session)
            .await?
            .ok_or_else(AppError::unauthorized)?;
        match users::by_id(&state.store, user_id).await? {
            Some(user) => Ok(Self {
                user,
                method: AuthMethod::Session,
            }),
            None => {
                // The account is gone; the session is worthless.
                session.flush().await?;
                Err(AppError::unauthorized())
            }
        }
    }
}
