//! Registering, signing in and signing out.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use parley_shared::users::{LoginRequest, RegisterRequest, User};
use parley_shared::{ErrorBody, ErrorCode};
use tower_sessions::Session;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use crate::auth::{password, session};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ValidJson};
use crate::state::AppState;
use crate::store::users::{self, NewUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
}

/// Create an account and sign in with it.
#[utoipa::path(
    post, path = "/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and signed in", body = User),
        (status = 409, description = "Username or email taken", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
async fn register(
    State(state): State<AppState>,
    session: Session,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> AppResult<(StatusCode, Json<User>)> {
    let request = request.normalized();
    request.validate()?;
    let password_hash = password::hash(request.password).await?;
    let user = users::create(
        &state.store,
        NewUser {
            username: request.username,
            display_name: request.display_name,
            email: request.email,
            password_hash,
        },
    )
    .await?;
    session::sign_in(&session, user.id).await?;
    tracing::info!(user_id = %user.id, "account registered");
    Ok((StatusCode::CREATED, Json(users::to_private_dto(&user))))
}

/// Sign in with a username or email and a password.
#[utoipa::path(
    post, path = "/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = User),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ValidJson(request): ValidJson<LoginRequest>,
) -> AppResult<Json<User>> {
    let throttle = &state.login_throttle;
    if let Err(wait) = throttle.check(&request.login, peer.ip()) {
        return Err(AppError::rate_limited(wait.as_secs_f64().ceil() as u64));
    }
    let user = users::by_login(&state.store, &request.login).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    match user {
        Some(user) if password::verify(request.password, stored).await? => {
            throttle.record_success(&request.login);
            session::sign_in(&session, user.id).await?;
            Ok(Json(users::to_private_dto(&user)))
        }
        other => {
            if other.is_none() {
                // Spend the same time as a wrong password, so timing does not tell who exists.
                password::verify(String::new(), None).await?;
            }
            throttle.record_failure(&request.login, peer.ip());
            Err(AppError::new(
                ErrorCode::InvalidCredentials,
                "Wrong username, email or password.",
            ))
        }
    }
}

/// End this browser session. Bearer tokens are revoked separately.
#[utoipa::path(
    post, path = "/logout", tag = "auth",
    responses((status = 204, description = "Signed out"))
)]
async fn logout(session: Session) -> AppResult<StatusCode> {
    session::sign_out(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}
