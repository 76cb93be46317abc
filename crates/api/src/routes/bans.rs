//! Bans of a server: list, ban (which also kicks), unban. Moderators ban guests, admins ban
//! moderators and guests.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::ErrorBody;
use parley_shared::servers::{Ban, BanRequest, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ValidJson};
use crate::state::AppState;
use crate::store::{bans, users};

/// Routes under `/servers`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bans))
        .routes(routes!(ban, unban))
}

/// Everyone banned from the server, most recent first. Admins and moderators.
#[utoipa::path(
    get, path = "/{server_id}/bans", tag = "members",
    params(("server_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<Ban>),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn list_bans(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<Ban>>> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Moderator, "see the bans")?;
    let rows = bans::list(&state.store, server_id).await?;
    Ok(Json(rows.iter().map(|(b, u)| bans::to_dto(b, u)).collect()))
}

/// Ban someone: they are removed from the server (their sockets hear `member_remove`) and no
/// invite or discovery lets them back in until the ban is lifted. Works for people who are not
/// members too. Moderators ban guests; admins ban moderators and guests.
#[utoipa::path(
    put, path = "/{server_id}/bans/{user_id}", tag = "members",
    params(("server_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    request_body = BanRequest,
    responses(
        (status = 204, description = "Banned"),
        (status = 403, description = "Your role does not allow it", body = ErrorBody),
        (status = 404, description = "No such server or user", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn ban(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((server_id, user_id)): ApiPath<(Uuid, Uuid)>,
    ValidJson(request): ValidJson<BanRequest>,
) -> AppResult<StatusCode> {
    access::server(&state, server_id, caller.id()).await?;
    users::by_id(&state.store, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let reason = request
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    bans::ban(&state.store, server_id, caller.id(), user_id, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift a ban: they may join again (through an invite, or discovery). Admins and moderators.
#[utoipa::path(
    delete, path = "/{server_id}/bans/{user_id}", tag = "members",
    params(("server_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Unbanned"),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such server, or no such ban", body = ErrorBody),
    )
)]
async fn unban(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((server_id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Moderator, "lift bans")?;
    if bans::unban(&state.store, server_id, user_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found())
    }
}
