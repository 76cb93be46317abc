//! Pinned messages of a channel: moderators and admins pin in a server's channels, anyone in a
//! conversation; everyone who sees the channel reads the list.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::ErrorBody;
use parley_shared::messages::Message;
use parley_shared::servers::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::ApiPath;
use crate::state::AppState;
use crate::store::{messages, pins};

/// Routes under `/channels`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(pin, unpin))
}

async fn change(
    state: &AppState,
    caller: &CurrentUser,
    channel_id: Uuid,
    message_id: Uuid,
    pinned: bool,
) -> AppResult<StatusCode> {
    let (channel, membership) = access::channel(state, channel_id, caller.id()).await?;
    messages::by_id(&state.store, channel_id, message_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if channel.server_id.is_some() {
        membership.require(Role::Moderator, "pin messages")?;
    }
    state.limits.edits.check(&caller.id()).await?;
    pins::set(&state.store, &channel, message_id, pinned).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pin a message (at most 50 per channel: 409 `limit_reached`). Pinning a pinned one changes
/// nothing.
#[utoipa::path(
    put, path = "/{channel_id}/pins/{message_id}", tag = "pins", operation_id = "pin_message",
    params(("channel_id" = Uuid, Path), ("message_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Pinned, or already pinned"),
        (status = 403, description = "Not a moderator or admin of the server, or the message is deleted", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "50 pins already", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn pin(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    change(&state, &caller, channel_id, message_id, true).await
}

/// Unpin a message. Unpinning one that is not pinned changes nothing.
#[utoipa::path(
    delete, path = "/{channel_id}/pins/{message_id}", tag = "pins", operation_id = "unpin_message",
    params(("channel_id" = Uuid, Path), ("message_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Unpinned, or was not pinned"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn unpin(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    change(&state, &caller, channel_id, message_id, false).await
}

/// The channel's pinned messages, the most recently pinned first (at most 50).
#[utoipa::path(
    get, path = "/{channel_id}/pins", tag = "pins", operation_id = "list_pins",
    params(("channel_id" = Uuid, Path)),
    responses((status = 200, body = Vec<Message>), (status = 404, body = ErrorBody))
)]
async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(channel_id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<Message>>> {
    access::channel(&state, channel_id, caller.id()).await?;
    let rows = pins::list(&state.store, channel_id).await?;
    Ok(Json(
        messages::dtos(&state.store, &rows, Some(caller.id())).await?,
    ))
}
