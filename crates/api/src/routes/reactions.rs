//! Reactions to messages: add or remove yours (idempotent), and who reacted with an emoji.
//! The emoji travels percent-encoded in the path.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::messages::Page;
use parley_shared::reactions::EmojiCatalogue;
use parley_shared::users::User;
use parley_shared::{ErrorBody, ErrorCode};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::routes::messages::check_limit;
use crate::state::AppState;
use crate::store::entities::messages as message_rows;
use crate::store::{channels, messages, reactions, users};

/// Routes under `/channels`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add, remove))
        .routes(routes!(list_users))
}

/// Routes under `/emoji`.
pub fn emoji_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(catalogue))
}

/// Every Unicode emoji by group, with names and shortcodes, for emoji pickers. The same for
/// everyone; cache it.
#[utoipa::path(
    get, path = "", tag = "reactions", operation_id = "list_emoji",
    responses((status = 200, body = EmojiCatalogue))
)]
async fn catalogue(
    _caller: CurrentUser,
) -> (
    [(axum::http::HeaderName, &'static str); 1],
    Json<&'static EmojiCatalogue>,
) {
    (
        [(axum::http::header::CACHE_CONTROL, "private, max-age=86400")],
        Json(crate::emoji::catalogue()),
    )
}

fn emoji_of(raw: &str) -> AppResult<&'static str> {
    crate::emoji::canonical(raw).ok_or_else(|| {
        AppError::new(
            ErrorCode::ValidationFailed,
            "A reaction is exactly one Unicode emoji.",
        )
        .with_field("emoji", "must be exactly one Unicode emoji")
    })
}

/// The channel (through the caller's membership, 404 otherwise) and the message in it.
async fn find(
    state: &AppState,
    caller: Uuid,
    channel_id: Uuid,
    message_id: Uuid,
) -> AppResult<(channels::Model, message_rows::Model)> {
    let (channel, _) = access::channel(state, channel_id, caller).await?;
    let (message, _) = messages::by_id(&state.store, channel_id, message_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((channel, message))
}

/// React with an emoji. Reacting again with the same one changes nothing. A message carries at
/// most 20 different emoji (409 `limit_reached` for a 21st).
#[utoipa::path(
    put, path = "/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", tag = "reactions",
    operation_id = "add_reaction",
    params(
        ("channel_id" = Uuid, Path),
        ("message_id" = Uuid, Path),
        ("emoji" = String, Path, description = "One Unicode emoji, percent-encoded"),
    ),
    responses(
        (status = 204, description = "Added, or already there"),
        (status = 403, description = "The message is deleted", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "20 different emoji already", body = ErrorBody),
        (status = 422, description = "Not one emoji", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn add(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id, emoji)): ApiPath<(Uuid, Uuid, String)>,
) -> AppResult<StatusCode> {
    let (channel, message) = find(&state, caller.id(), channel_id, message_id).await?;
    let emoji = emoji_of(&emoji)?;
    state.limits.edits.check(&caller.id()).await?;
    reactions::add(&state.store, &channel, message.id, caller.id(), emoji).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take your reaction back. Taking back one you do not have changes nothing.
#[utoipa::path(
    delete, path = "/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", tag = "reactions",
    operation_id = "remove_reaction",
    params(
        ("channel_id" = Uuid, Path),
        ("message_id" = Uuid, Path),
        ("emoji" = String, Path, description = "One Unicode emoji, percent-encoded"),
    ),
    responses(
        (status = 204, description = "Removed, or was not there"),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Not one emoji", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id, emoji)): ApiPath<(Uuid, Uuid, String)>,
) -> AppResult<StatusCode> {
    let (channel, message) = find(&state, caller.id(), channel_id, message_id).await?;
    let emoji = emoji_of(&emoji)?;
    state.limits.edits.check(&caller.id()).await?;
    reactions::remove(&state.store, &channel, message.id, caller.id(), emoji).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct UsersQuery {
    after: Option<Uuid>,
    limit: Option<u64>,
}

/// Who reacted with an emoji, ordered by user id; `next_cursor` is the next `after`.
#[utoipa::path(
    get, path = "/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "reactions",
    operation_id = "list_reaction_users",
    params(
        ("channel_id" = Uuid, Path),
        ("message_id" = Uuid, Path),
        ("emoji" = String, Path, description = "One Unicode emoji, percent-encoded"),
        ("after" = Option<Uuid>, Query, description = "A `next_cursor`: people after it"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 50"),
    ),
    responses(
        (status = 200, body = Page<User>),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Not one emoji", body = ErrorBody),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id, emoji)): ApiPath<(Uuid, Uuid, String)>,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> AppResult<Json<Page<User>>> {
    let (_, message) = find(&state, caller.id(), channel_id, message_id).await?;
    let emoji = emoji_of(&emoji)?;
    let limit = check_limit(query.limit)?;
    let (people, more) =
        reactions::users(&state.store, &message, emoji, query.after, limit).await?;
    let next_cursor = if more {
        people.last().map(|u| u.id.to_string())
    } else {
        None
    };
    Ok(Json(Page {
        items: people.iter().map(users::to_public_dto).collect(),
        next_cursor,
        newer_cursor: None,
    }))
}
