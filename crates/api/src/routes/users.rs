//! The signed-in user's own account: profile, password and access tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::users::{
    ApiToken, ChangePasswordRequest, CreateTokenRequest, CreatedToken, UpdateMeRequest, User,
};
use parley_shared::{ErrorBody, ErrorCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{Credential, CurrentUser, tokens};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ValidJson};
use crate::media::avatars;
use crate::state::AppState;
use crate::store::{self, users};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .merge(
            // Pictures are uploads, allowed to be larger than JSON bodies.
            OpenApiRouter::new()
                .routes(routes!(upload_avatar, remove_avatar))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::media::icons::MAX_BYTES + 64 * 1024,
                )),
        )
        .routes(routes!(change_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// Your own account.
#[utoipa::path(
    get, path = "/@me", tag = "users", operation_id = "get_me",
    responses(
        (status = 200, body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn get_me(caller: CurrentUser) -> Json<User> {
    Json(users::to_private_dto(&caller.user))
}

/// Change your display name, or who may start conversations with you.
#[utoipa::path(
    patch, path = "/@me", tag = "users",
    request_body = UpdateMeRequest,
    responses(
        (status = 200, body = User),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
async fn update_me(
    State(state): State<AppState>,
    caller: CurrentUser,
    ValidJson(request): ValidJson<UpdateMeRequest>,
) -> AppResult<Json<User>> {
    let name = request.display_name.map(|n| n.trim().to_owned());
    let user =
        users::update_profile(&state.store, caller.user, name, request.allow_dms_from).await?;
    Ok(Json(users::to_private_dto(&user)))
}

/// Change your password. Every other session of yours is signed out (and its sockets closed);
/// tokens stay valid unless `revoke_tokens` is true.
#[utoipa::path(
    put, path = "/@me/password", tag = "users",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Invalid new password, or wrong current one", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords", body = ErrorBody),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    caller: CurrentUser,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    ValidJson(request): ValidJson<ChangePasswordRequest>,
) -> AppResult<StatusCode> {
    confirm_password(&state, &caller, peer, request.current_password).await?;
    let hash = state.hasher.hash(request.new_password).await?;
    let user = users::set_password_hash(&state.store, caller.user, hash).await?;
    let keep = match &caller.credential {
        Credential::Session(id) => Some(id.clone()),
        Credential::Token(_) => None,
    };
    let ended = store::sessions::end_all_for_user(&state.store, user.id, keep).await?;
    let revoked = if request.revoke_tokens {
        store::tokens::revoke_all(&state.store, user.id).await?
    } else {
        0
    };
    tracing::info!(user_id = %user.id, ended_sessions = ended, revoked_tokens = revoked, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// 422 naming `current_password` unless it is the caller's password. A stolen session must not
/// become a way to guess the password: attempts share the login throttle.
async fn confirm_password(
    state: &AppState,
    caller: &CurrentUser,
    peer: std::net::SocketAddr,
    password: String,
) -> AppResult<()> {
    let throttle = &state.login_throttle;
    let account = format!("user:{}", caller.id());
    if let Err(wait) = throttle.attempt(&account, peer.ip()).await {
        return Err(AppError::rate_limited(wait.as_secs_f64().ceil() as u64));
    }
    let stored = Some(caller.user.password_hash.clone());
    if !state.hasher.verify(password, stored).await? {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            "The current password is wrong.",
        )
        .with_field("current_password", "is not your current password"));
    }
    throttle.succeeded(&account, peer.ip()).await;
    Ok(())
}

/// How recently a browser session must have signed in to create a token without the password.
const RECENT_SIGN_IN: chrono::Duration = chrono::Duration::minutes(5);

/// Your personal access tokens (never their secrets).
#[utoipa::path(
    get, path = "/@me/tokens", tag = "tokens",
    responses((status = 200, body = Vec<ApiToken>))
)]
async fn list_tokens(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> AppResult<Json<Vec<ApiToken>>> {
    let list = store::tokens::list(&state.store, caller.id()).await?;
    Ok(Json(list.iter().map(store::tokens::to_dto).collect()))
}

/// Create a personal access token. The secret is in this answer and nowhere else, ever.
/// `current_password` is required, except from a browser session that signed in less than
/// five minutes ago: a stolen cookie alone cannot mint a lasting credential.
#[utoipa::path(
    post, path = "/@me/tokens", tag = "tokens",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, body = CreatedToken),
        (status = 422, description = "Invalid name, or a missing or wrong current password", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords", body = ErrorBody),
    )
)]
async fn create_token(
    State(state): State<AppState>,
    caller: CurrentUser,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    ValidJson(request): ValidJson<CreateTokenRequest>,
) -> AppResult<(StatusCode, Json<CreatedToken>)> {
    let recent = matches!(caller.credential, Credential::Session(_))
        && caller
            .signed_in_at
            .is_some_and(|at| chrono::Utc::now() - at < RECENT_SIGN_IN);
    match request.current_password {
        Some(password) => confirm_password(&state, &caller, peer, password).await?,
        None if recent => {}
        None => {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "Confirm your password to create a token.",
            )
            .with_field("current_password", "is required"));
        }
    }
    let secret = tokens::generate();
    let name = request.name.trim().to_owned();
    let token =
        store::tokens::create(&state.store, caller.id(), name, tokens::hash(&secret)).await?;
    let created = CreatedToken {
        id: token.id,
        name: token.name,
        token: secret,
        created_at: token.created_at,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke a token: requests bearing it are refused from now on.
#[utoipa::path(
    delete, path = "/@me/tokens/{token_id}", tag = "tokens",
    params(("token_id" = Uuid, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "You have no token with that id", body = ErrorBody),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(token_id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    if store::tokens::revoke(&state.store, caller.id(), token_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found())
    }
}

/// Routes under `/avatars`.
pub fn avatar_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_avatar))
}

/// Set your profile picture: a multipart form with an `avatar` file (PNG, JPEG, GIF or WebP,
/// at most 5 MiB and 4096 px a side), cropped to a square of at most 256 px. Everyone who shares
/// a server or a conversation with you gets a `user_update`. Rate limited like icon uploads.
#[utoipa::path(
    put, path = "/@me/avatar", tag = "users", operation_id = "upload_avatar",
    request_body(content = AvatarUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = User),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
        (status = 503, description = "Every image decoder is busy; see Retry-After", body = ErrorBody),
    )
)]
async fn upload_avatar(
    State(state): State<AppState>,
    caller: CurrentUser,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Json<User>> {
    state.limits.icon_uploads.check(&caller.id()).await?;
    let bytes = super::servers::read_picture_field(multipart, "avatar", "Avatars").await?;
    let hash = avatars::store(&state.storage, &state.image_decoders, bytes).await?;
    let (user, replaced) = users::set_avatar(&state.store, caller.user, Some(hash)).await?;
    forget_avatar(&state, replaced).await;
    Ok(Json(users::to_private_dto(&user)))
}

/// The avatar upload, as the OpenAPI document describes it.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart form for the OpenAPI document only"
)]
struct AvatarUpload {
    /// The picture: PNG, JPEG, GIF or WebP, at most 5 MiB and 4096 px a side.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    avatar: Vec<u8>,
}

/// Remove your profile picture; you show your initials again.
#[utoipa::path(
    delete, path = "/@me/avatar", tag = "users", operation_id = "remove_avatar",
    responses((status = 200, body = User))
)]
async fn remove_avatar(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> AppResult<Json<User>> {
    let (user, replaced) = users::set_avatar(&state.store, caller.user, None).await?;
    forget_avatar(&state, replaced).await;
    Ok(Json(users::to_private_dto(&user)))
}

/// Deletes an avatar's file once nobody shows it. A failure only leaves a stray file.
async fn forget_avatar(state: &AppState, hash: Option<String>) {
    let Some(hash) = hash else { return };
    match users::avatar_in_use(&state.store, &hash).await {
        Ok(false) => avatars::delete(&state.storage, &hash).await,
        Ok(true) => {}
        Err(err) => tracing::warn!(error = ?err, hash, "could not check an old avatar"),
    }
}

/// A profile picture (a user's `avatar_url`), for anyone signed in. Immutable: a new picture
/// has a new URL. With S3 storage, a 307 to a presigned URL.
#[utoipa::path(
    get, path = "/{avatar_hash}", tag = "users", operation_id = "get_avatar",
    params(("avatar_hash" = String, Path, pattern = r"^[0-9a-f]{32}$")),
    responses(
        (status = 200, description = "The picture", content_type = "image/png"),
        (status = 307, description = "With S3 storage: its presigned URL in `Location`"),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_avatar(
    State(state): State<AppState>,
    _caller: CurrentUser,
    ApiPath(avatar_hash): ApiPath<String>,
) -> AppResult<axum::response::Response> {
    avatars::serve(&state.storage, &avatar_hash).await
}
