//! Channels of a server: list, create, rename, re-topic, reorder, delete.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::servers::{
    Channel, ChannelKind, CreateChannelRequest, Role, UpdateChannelRequest,
};
use parley_shared::validation::normalize_channel_name;
use parley_shared::{ErrorBody, ErrorCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ValidJson};
use crate::state::AppState;
use crate::store::{channels, conversations};
use validator::Validate;

/// Routes under `/servers`.
pub fn server_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create))
}

/// Routes under `/channels`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(update, delete_channel))
}

/// The server's channels in order.
#[utoipa::path(
    get, path = "/{server_id}/channels", tag = "channels", operation_id = "list_channels",
    params(("server_id" = Uuid, Path)),
    responses((status = 200, body = Vec<Channel>), (status = 404, body = ErrorBody))
)]
async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<Channel>>> {
    access::server(&state, server_id, caller.id()).await?;
    let list = channels::of_server(&state.store, server_id).await?;
    Ok(Json(list.iter().map(channels::to_dto).collect()))
}

/// Create a channel at the end of the list. Text channel names are lowercased with dashes.
/// Admins and moderators.
#[utoipa::path(
    post, path = "/{server_id}/channels", tag = "channels", operation_id = "create_channel",
    params(("server_id" = Uuid, Path)),
    request_body = CreateChannelRequest,
    responses(
        (status = 201, body = Channel),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CreateChannelRequest>,
) -> AppResult<(StatusCode, Json<Channel>)> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Moderator, "create channels")?;
    let request = request.normalized();
    request.validate()?;
    if request.kind.is_conversation() {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            "Servers have text, audio and video channels.",
        )
        .with_field("kind", "must be text, audio or video"));
    }
    let channel = channels::create(
        &state.store,
        server_id,
        request.kind,
        request.name,
        request.topic,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(channels::to_dto(&channel))))
}

/// Rename a channel, change its topic, or move it. Admins and moderators.
#[utoipa::path(
    patch, path = "/{channel_id}", tag = "channels", operation_id = "update_channel",
    params(("channel_id" = Uuid, Path)),
    request_body = UpdateChannelRequest,
    responses(
        (status = 200, body = Channel),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody),
    )
)]
async fn update(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ValidJson(request): ValidJson<UpdateChannelRequest>,
) -> AppResult<Json<Channel>> {
    let (channel, membership) = access::channel(&state, channel_id, caller.id()).await?;
    let kind = channels::kind(&channel);
    if channel.server_id.is_none() {
        return rename_conversation(&state, channel, request).await;
    }
    membership.require(Role::Moderator, "edit channels")?;
    let name = request.name.map(|n| normalize_channel_name(&n, kind));
    let mut channel = channels::update(&state.store, channel, name, request.topic).await?;
    if let Some(position) = request.position {
        let moved = channels::move_to(&state.store, &channel, position).await?;
        if let Some(updated) = moved.into_iter().find(|c| c.id == channel.id) {
            channel = updated;
        }
    }
    Ok(Json(channels::to_dto(&channel)))
}

/// Groups are renamed by anyone in them; 1:1 conversations have no name of their own.
async fn rename_conversation(
    state: &AppState,
    channel: channels::Model,
    request: UpdateChannelRequest,
) -> AppResult<Json<Channel>> {
    if channels::kind(&channel) != ChannelKind::GroupDm {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Only group conversations can be renamed.",
        ));
    }
    let name = request
        .name
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    let channel = conversations::rename(&state.store, channel, name).await?;
    let people = conversations::recipients(&state.store, channel.id).await?;
    Ok(Json(conversations::to_dto(&channel, &people)))
}

/// Delete a channel. The default channel cannot be deleted. Admins and moderators.
#[utoipa::path(
    delete, path = "/{channel_id}", tag = "channels",
    params(("channel_id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The default channel", body = ErrorBody),
    )
)]
async fn delete_channel(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(channel_id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    let (channel, membership) = access::channel(&state, channel_id, caller.id()).await?;
    membership.require(Role::Moderator, "delete channels")?;
    let files = crate::store::attachments::in_channel(&state.store, channel.id).await?;
    channels::delete(&state.store, &channel).await?;
    crate::media::attachments::forget_all(&state.storage, files).await;
    Ok(StatusCode::NO_CONTENT)
}
