//! Registering, signing in and signing out.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use parley_shared::users::{LoginRequest, RegisterRequest, SessionInfo, User};

use crate::auth::CurrentUser;
use parley_shared::{ErrorBody, ErrorCode};
use tower_sessions::Session;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use crate::auth::session;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ValidJson};
use crate::state::AppState;
use crate::store::users::{self, NewUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(current_session))
}

/// Create an account and sign in with it. Each address may register a limited number of
/// accounts per hour (429 with Retry-After beyond that). A taken email is answered 409
/// `email_taken`: Parley sends no email yet, so it cannot answer "check your inbox" instead;
/// the per-address limit is what keeps that answer from being used to list addresses.
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> AppResult<(StatusCode, Json<User>)> {
    let request = request.normalized();
    request.validate()?;
    state.limits.registrations.check(&peer.ip()).await?;
    // A taken name costs a query, not a hash; the unique index still decides under a race.
    users::ensure_available(&state.store, &request.username, request.email.as_deref()).await?;
    let password_hash = state.hasher.hash(request.password).await?;
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

/// Sign in with a username or email and a password. Attempts are limited per account and per
/// address (429 with Retry-After); the account's limit does not apply at addresses it has
/// signed in from before.
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
    let user = users::by_login(&state.store, &request.login).await?;
    // Username and email of one account are one account to the throttle.
    let account = match &user {
        Some(user) => format!("user:{}", user.id),
        None => format!("login:{}", request.login.trim().to_lowercase()),
    };
    // Counted before the hash, so concurrent guesses cannot all pass the check.
    if let Err(wait) = throttle.attempt(&account, peer.ip()).await {
        return Err(AppError::rate_limited(wait.as_secs_f64().ceil() as u64));
    }
    // With no account, a dummy hash is checked: unknown logins cost what known ones do.
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = state.hasher.verify(request.password, stored).await?;
    match user {
        Some(user) if matches => {
            throttle.succeeded(&account, peer.ip()).await;
            session::sign_in(&session, user.id).await?;
            Ok(Json(users::to_private_dto(&user)))
        }
        _ => Err(AppError::new(
            ErrorCode::InvalidCredentials,
            "Wrong username, email or password.",
        )),
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

/// Who is signed in, if anyone: `{"user": null}` when nobody is. The web app asks this on load;
/// unlike `GET /users/@me` it does not answer 401 to a signed-out visitor.
#[utoipa::path(
    get, path = "/session", tag = "auth",
    security((), ("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The signed-in user, or null", body = SessionInfo),
        (status = 401, description = "A bearer token was sent and is not valid", body = ErrorBody),
    )
)]
async fn current_session(caller: Option<CurrentUser>) -> Json<SessionInfo> {
    Json(SessionInfo {
        user: caller.map(|c| users::to_private_dto(&c.user)),
    })
}
