//! Messages of a channel: history pages, send, edit, delete, edit history, and the event log
//! clients resume from.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{EditMessageRequest, Message, MessageEdit, Page, SendMessageRequest};
use parley_shared::servers::{ChannelKind, Role};
use parley_shared::{ErrorBody, ErrorCode};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ApiQuery, ValidJson};
use crate::state::AppState;
use crate::store::messages::{self, PageFrom};
use crate::store::{channels, mentions, users};

/// Routes under `/channels`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, send))
        .routes(routes!(edit, delete_message))
        .routes(routes!(edits))
        .routes(routes!(events))
}

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 100;

/// Cursors are opaque to clients: a version letter and the seq, base64url.
pub fn encode_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("s{seq}"))
}

/// The cursor `after=0` stands for the channel's beginning, so a client can page a whole
/// channel oldest-first without having a cursor yet.
pub const FROM_THE_START: &str = "0";

fn decode_cursor(cursor: &str, field: &str) -> AppResult<i64> {
    if field == "after" && cursor == FROM_THE_START {
        return Ok(0);
    }
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix('s').and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::ValidationFailed,
                "The cursor is not one this server gave out.",
            )
            .with_field(field, "is not a valid cursor")
        })
}

pub fn check_limit(limit: Option<u64>) -> AppResult<u64> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(
            AppError::new(ErrorCode::ValidationFailed, "The limit is out of range.")
                .with_field("limit", "must be between 1 and 100"),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    before: Option<String>,
    after: Option<String>,
    around: Option<Uuid>,
    limit: Option<u64>,
}

/// A page of history. Without cursors, the newest messages; `before` pages back (newest first),
/// `after` pages forward (oldest first); `after=0` starts at the channel's first message.
/// `next_cursor` continues in the same direction. `around` gives the page centred on a message
/// (newest first, the message included): `next_cursor` continues to older messages and
/// `newer_cursor` (as `after`) to newer ones.
#[utoipa::path(
    get, path = "/{channel_id}/messages", tag = "messages", operation_id = "list_messages",
    params(
        ("channel_id" = Uuid, Path),
        ("before" = Option<String>, Query, pattern = r"^[A-Za-z0-9_-]{1,64}$", description = "A cursor (a `next_cursor`): messages older than it"),
        ("after" = Option<String>, Query, pattern = r"^[A-Za-z0-9_-]{1,64}$", description = "A cursor (a `next_cursor`): messages newer than it; `0` for the channel's beginning"),
        ("around" = Option<Uuid>, Query, description = "A message of the channel: the page centred on it (not with `before` or `after`)"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 50"),
    ),
    responses((status = 200, body = Page<Message>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ApiQuery(page_query): ApiQuery<PageQuery>,
) -> AppResult<Json<Page<Message>>> {
    access::channel(&state, channel_id, caller.id()).await?;
    let limit = check_limit(page_query.limit)?;
    if let Some(around) = page_query.around {
        if page_query.before.is_some() || page_query.after.is_some() {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "Give `around` alone, without `before` or `after`.",
            )
            .with_field("around", "cannot be combined with before or after"));
        }
        return around_page(&state, caller.id(), channel_id, around, limit)
            .await
            .map(Json);
    }
    let from = match (&page_query.before, &page_query.after) {
        (Some(_), Some(_)) => {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "Give `before` or `after`, not both.",
            )
            .with_field("after", "cannot be combined with before"));
        }
        (Some(before), None) => PageFrom::Before(decode_cursor(before, "before")?),
        (None, Some(after)) => PageFrom::After(decode_cursor(after, "after")?),
        (None, None) => PageFrom::Latest,
    };
    let (rows, more) = messages::page(&state.store, channel_id, from, limit).await?;
    let next_cursor = if more {
        rows.last().map(|(m, _)| encode_cursor(m.seq))
    } else {
        None
    };
    Ok(Json(Page {
        items: messages::dtos(&state.store, &rows, Some(caller.id())).await?,
        next_cursor,
        newer_cursor: None,
    }))
}

async fn around_page(
    state: &AppState,
    viewer: Uuid,
    channel_id: Uuid,
    message_id: Uuid,
    limit: u64,
) -> AppResult<Page<Message>> {
    let (message, _) = messages::by_id(&state.store, channel_id, message_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (rows, more_older, more_newer) =
        messages::around(&state.store, channel_id, message.seq, limit).await?;
    // Newest first: the last row is the oldest, the first the newest.
    let next_cursor = more_older
        .then(|| rows.last().map(|(m, _)| encode_cursor(m.seq)))
        .flatten();
    let newer_cursor = more_newer
        .then(|| rows.first().map(|(m, _)| encode_cursor(m.seq)))
        .flatten();
    Ok(Page {
        items: messages::dtos(&state.store, &rows, Some(viewer)).await?,
        next_cursor,
        newer_cursor,
    })
}

/// Send a message, with text, files (`attachment_ids`, uploaded first through
/// `POST /channels/{id}/attachments`), or both. A repeated nonce returns the message already
/// sent with it (200), never a second one.
#[utoipa::path(
    post, path = "/{channel_id}/messages", tag = "messages", operation_id = "send_message",
    params(("channel_id" = Uuid, Path)),
    request_body = SendMessageRequest,
    responses(
        (status = 201, description = "Sent", body = Message),
        (status = 200, description = "Already sent with this nonce", body = Message),
        (status = 403, description = "Not a text channel", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid, or `reply_to` is not a message of this channel", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn send(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ValidJson(request): ValidJson<SendMessageRequest>,
) -> AppResult<(StatusCode, Json<Message>)> {
    let (message, created) = send_message(&state, &caller.user, channel_id, request).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(message),
    ))
}

/// Sending, shared by REST and the gateway: the rate limit, then the store, which checks that
/// the author may send there (with the other sends of its batch).
pub async fn send_message(
    state: &AppState,
    author: &users::Model,
    channel_id: Uuid,
    request: SendMessageRequest,
) -> AppResult<(Message, bool)> {
    state.limits.sends.check(&author.id).await?;
    let content = expanded(&request.content)?;
    if request.reply_to.is_none()
        && request.attachment_ids.is_empty()
        && !content.is_empty()
        && !content.contains('@')
    {
        // The common case: nothing to resolve or claim, so it joins the next group commit, where the
        // store checks access for the whole batch.
        return messages::create(&state.store, channel_id, author, content, request.nonce).await;
    }
    let (channel, membership) = access::channel(state, channel_id, author.id).await?;
    if matches!(
        channels::kind(&channel),
        ChannelKind::Audio | ChannelKind::Video
    ) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Messages can only be sent to text channels.",
        ));
    }
    // After the access check: a channel you cannot see is 404 whatever you send to it.
    if request.is_blank() {
        return Err(
            AppError::new(ErrorCode::ValidationFailed, "Some fields are invalid.")
                .with_field("content", "must not be empty"),
        );
    }
    let mentions = mentions::resolve(
        &state.store,
        &channel,
        &content,
        privileged(&channel, &membership),
    )
    .await?;
    messages::create_rich(
        &state.store,
        &channel,
        author,
        content,
        request.nonce,
        messages::Extras {
            reply_to: request.reply_to,
            mentions,
            attachment_ids: &request.attachment_ids,
        },
    )
    .await
}

/// Whether `@everyone`, `@here` and role mentions count: from a server's moderators and admins.
fn privileged(channel: &channels::Model, membership: &access::ChannelAccess) -> bool {
    channel.server_id.is_some() && membership.role >= Role::Moderator
}

/// The content as stored: trimmed, `:shortcodes:` turned into emoji (which never makes it
/// longer than the limit it was checked against: an emoji is shorter than its shortcode).
fn expanded(content: &str) -> AppResult<String> {
    Ok(crate::emoji::expand_shortcodes(content.trim()))
}

/// Edit your own message. Edits are rate limited per user, like sends.
#[utoipa::path(
    patch, path = "/{channel_id}/messages/{message_id}", tag = "messages", operation_id = "edit_message",
    params(("channel_id" = Uuid, Path), ("message_id" = Uuid, Path)),
    request_body = EditMessageRequest,
    responses(
        (status = 200, body = Message),
        (status = 403, description = "Not yours, or deleted", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn edit(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id)): ApiPath<(Uuid, Uuid)>,
    ValidJson(request): ValidJson<EditMessageRequest>,
) -> AppResult<Json<Message>> {
    let (channel, membership) = access::channel(&state, channel_id, caller.id()).await?;
    let (message, author) = messages::by_id(&state.store, channel_id, message_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if message.author_id != caller.id() {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Only the author can edit a message.",
        ));
    }
    if message.deleted {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "A deleted message cannot be edited.",
        ));
    }
    state.limits.edits.check(&caller.id()).await?;
    let content = expanded(&request.content)?;
    let mentions = mentions::resolve(
        &state.store,
        &channel,
        &content,
        privileged(&channel, &membership),
    )
    .await?;
    Ok(Json(
        messages::edit(&state.store, &channel, message, &author, content, mentions).await?,
    ))
}

/// Delete a message: its author, or any moderator or admin of the server, whoever wrote it (role
/// order limits kicks and role changes, not removing a message). It keeps its place and shows
/// as deleted; its edit history records who deleted it. Its files are deleted.
#[utoipa::path(
    delete, path = "/{channel_id}/messages/{message_id}", tag = "messages",
    params(("channel_id" = Uuid, Path), ("message_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn delete_message(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    let (channel, membership) = access::channel(&state, channel_id, caller.id()).await?;
    let (message, author) = messages::by_id(&state.store, channel_id, message_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if message.author_id != caller.id() {
        membership.require(Role::Moderator, "delete other people's messages")?;
    }
    let files = messages::delete(&state.store, &channel, message, &author, caller.id()).await?;
    let ids: Vec<Uuid> = files.into_iter().map(|f| f.id).collect();
    crate::media::attachments::forget_all(&state.storage, ids).await;
    Ok(StatusCode::NO_CONTENT)
}

/// What a message said before each edit (and before deletion). Moderators and admins.
#[utoipa::path(
    get, path = "/{channel_id}/messages/{message_id}/edits", tag = "messages", operation_id = "list_message_edits",
    params(("channel_id" = Uuid, Path), ("message_id" = Uuid, Path)),
    responses((status = 200, body = Vec<MessageEdit>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn edits(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, message_id)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<Json<Vec<MessageEdit>>> {
    let (channel, membership) = access::channel(&state, channel_id, caller.id()).await?;
    let (message, _) = messages::by_id(&state.store, channel_id, message_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    membership.require(Role::Moderator, "read edit history")?;
    if message.author_id != caller.id() {
        moderates(
            &state,
            &channel,
            &membership,
            message.author_id,
            "read the edit history",
        )
        .await?;
    }
    Ok(Json(messages::history(&state.store, message_id).await?))
}

/// Moderators act on guests' messages and admins on everyone's below them: nobody acts on
/// someone of equal or higher role. An author who left counts as a guest.
async fn moderates(
    state: &AppState,
    channel: &channels::Model,
    access: &access::ChannelAccess,
    author_id: Uuid,
    action: &str,
) -> AppResult<()> {
    access.require(Role::Moderator, action)?;
    let author_role = match channel.server_id {
        Some(server_id) => crate::store::members::get(&state.store, server_id, author_id)
            .await?
            .map_or(Role::Guest, |m| crate::store::members::role(&m)),
        None => Role::Guest,
    };
    if author_role >= access.role {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            format!("Your role does not allow you to {action} of an equal or higher member."),
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    after_seq: i64,
    limit: Option<u64>,
}

/// Every change in the channel after `after_seq`, in seq order, as the gateway sent them. 410
/// `resync_required` when some are no longer kept: reload the history instead.
#[utoipa::path(
    get, path = "/{channel_id}/events", tag = "messages", operation_id = "list_channel_events",
    params(
        ("channel_id" = Uuid, Path),
        ("after_seq" = i64, Query, minimum = 0, description = "The last seq you have (0 for all that is kept); a page's `next_cursor` is the next `after_seq`"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 50"),
    ),
    responses((status = 200, body = Page<ServerEvent>), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody))
)]
async fn events(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ApiQuery(events_query): ApiQuery<EventsQuery>,
) -> AppResult<Json<Page<ServerEvent>>> {
    let (channel, _) = access::channel(&state, channel_id, caller.id()).await?;
    let limit = check_limit(events_query.limit)?;
    if events_query.after_seq < 0 {
        return Err(
            AppError::new(ErrorCode::ValidationFailed, "Seqs start at 0.")
                .with_field("after_seq", "must be 0 or more"),
        );
    }
    let after = events_query.after_seq;
    let (items, more) = messages::events_after(&state.store, &channel, after, limit).await?;
    let next_cursor = if more {
        items
            .last()
            .and_then(|e| e.channel_seq())
            .map(|(_, seq)| seq.to_string())
    } else {
        None
    };
    Ok(Json(Page {
        items,
        next_cursor,
        newer_cursor: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        assert_eq!(decode_cursor(&encode_cursor(42), "before").ok(), Some(42));
        assert!(decode_cursor("not-a-cursor", "before").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("x42"), "before").is_err());
    }
}
