//! Direct conversations: open or create one, list yours, add and remove people, find people.
//! Their messages, events and pagination are the channel ones.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::servers::{Channel, ChannelKind, Conversation, CreateConversationRequest};
use parley_shared::users::{AllowDmsFrom, User};
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
use crate::store::{conversations, messages, users};

/// Routes under `/users`.
pub fn user_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mine, open))
        .routes(routes!(search))
}

/// Routes under `/channels`.
pub fn channel_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_recipient, remove_recipient))
}

/// Your conversations as the list shows them.
pub async fn list(state: &AppState, user_id: Uuid) -> AppResult<Vec<Conversation>> {
    let rows = conversations::of_user(&state.store, user_id).await?;
    let lasts: Vec<_> = rows
        .iter()
        .filter_map(|(_, _, last)| last.clone())
        .collect();
    let mut shown = messages::dtos(&state.store, &lasts, Some(user_id))
        .await?
        .into_iter();
    Ok(rows
        .iter()
        .map(|(channel, people, last)| Conversation {
            channel: conversations::to_dto(channel, people),
            last_message: last.as_ref().and_then(|_| shown.next()),
        })
        .collect())
}

/// Whether `me` may start a conversation with `them`: anyone they share a server with, and
/// everyone if they allow it.
async fn may_message(state: &AppState, me: Uuid, them: &users::Model) -> AppResult<()> {
    if AllowDmsFrom::parse(&them.allow_dms_from) == AllowDmsFrom::Everyone
        || conversations::share_a_server(&state.store, me, them.id).await?
    {
        return Ok(());
    }
    Err(AppError::new(
        ErrorCode::DmNotAllowed,
        format!(
            "{} only accepts messages from people they share a server with.",
            them.display_name
        ),
    ))
}

/// Your conversations, latest activity first, each with its latest message.
#[utoipa::path(get, path = "/@me/channels", tag = "conversations", operation_id = "list_conversations", responses((status = 200, body = Vec<Conversation>)))]
async fn list_mine(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> AppResult<Json<Vec<Conversation>>> {
    Ok(Json(list(&state, caller.id()).await?))
}

/// Open the 1:1 conversation with one person (201 when new, 200 when it existed, whoever opened
/// it first), or create a group with 2 to 9 people (a limited number per hour: 429 beyond).
#[utoipa::path(
    post, path = "/@me/channels", tag = "conversations", operation_id = "open_conversation",
    request_body = CreateConversationRequest,
    responses(
        (status = 201, description = "Created", body = Channel),
        (status = 200, description = "The existing 1:1 conversation", body = Channel),
        (status = 403, description = "Someone does not accept messages from you", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Too many groups created lately", body = ErrorBody),
    )
)]
async fn open(
    State(state): State<AppState>,
    caller: CurrentUser,
    ValidJson(request): ValidJson<CreateConversationRequest>,
) -> AppResult<(StatusCode, Json<Channel>)> {
    let mut ids = request.recipient_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.contains(&caller.id()) || ids.len() != request.recipient_ids.len() {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            "Name each other person once, not yourself.",
        )
        .with_field("recipient_ids", "must be other people, each once"));
    }
    let mut people = Vec::with_capacity(ids.len());
    for id in &ids {
        let user = users::by_id(&state.store, *id).await?.ok_or_else(|| {
            AppError::new(ErrorCode::NotFound, "One of those people does not exist.")
        })?;
        may_message(&state, caller.id(), &user).await?;
        people.push(user);
    }
    let (channel, created) = if let [other] = people.as_slice() {
        conversations::open_direct(&state.store, caller.id(), other.id).await?
    } else {
        // Each group lands in everyone's list at once: a burst of them is spam.
        state.limits.groups.check(&caller.id()).await?;
        (
            conversations::create_group(&state.store, caller.id(), &ids).await?,
            true,
        )
    };
    let everyone = conversations::recipients(&state.store, channel.id).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(conversations::to_dto(&channel, &everyone))))
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: String,
}

/// People whose username or display name contains `q` (at least 2 characters).
#[utoipa::path(
    get, path = "/search", tag = "conversations", operation_id = "search_users",
    params(("q" = String, Query, min_length = 2, max_length = 100, pattern = r"^\s*[^\s\u0000][^\u0000]*[^\s\u0000]\s*$", description = "At least 2 characters, matched literally (`%` and `_` are no wildcards)")),
    responses((status = 200, body = Vec<User>), (status = 422, body = ErrorBody))
)]
async fn search(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiQuery(SearchQuery { q }): ApiQuery<SearchQuery>,
) -> AppResult<Json<Vec<User>>> {
    // What is searched is the trimmed text, wildcards included literally (the store escapes
    // them), so the minimum holds for what is actually looked up.
    if q.chars().count() > 100 {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            "Search for at most 100 characters.",
        )
        .with_field("q", "must be at most 100 characters"));
    }
    let q = q.trim();
    if q.chars().count() < 2 {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            "Search for at least 2 characters.",
        )
        .with_field("q", "must be at least 2 characters"));
    }
    let found = users::search(&state.store, q, caller.id(), 20).await?;
    Ok(Json(found.iter().map(users::to_public_dto).collect()))
}

/// A group conversation the caller is in.
async fn group(
    state: &AppState,
    channel_id: Uuid,
    caller: Uuid,
) -> AppResult<crate::store::channels::Model> {
    let (channel, _) = access::channel(state, channel_id, caller).await?;
    if channel.server_id.is_some() || crate::store::channels::kind(&channel) != ChannelKind::GroupDm
    {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Only group conversations have people added or removed.",
        ));
    }
    Ok(channel)
}

/// Add someone to a group conversation. Anyone in it may.
#[utoipa::path(
    put, path = "/{channel_id}/recipients/{user_id}", tag = "conversations",
    params(("channel_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "The group is full", body = ErrorBody),
    )
)]
async fn add_recipient(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    let channel = group(&state, channel_id, caller.id()).await?;
    let user = users::by_id(&state.store, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    may_message(&state, caller.id(), &user).await?;
    conversations::add_recipient(&state.store, &channel, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Leave a group conversation (`@me`), or, as its creator, remove someone. It disappears for
/// them only.
#[utoipa::path(
    delete, path = "/{channel_id}/recipients/{user_id}", tag = "conversations",
    params(("channel_id" = Uuid, Path), ("user_id" = String, Path, pattern = r"^(@me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$", description = "A user id or `@me`")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn remove_recipient(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((channel_id, user)): ApiPath<(Uuid, String)>,
) -> AppResult<StatusCode> {
    let channel = group(&state, channel_id, caller.id()).await?;
    let target = if user == "@me" {
        caller.id()
    } else {
        Uuid::parse_str(&user).map_err(|_| {
            AppError::new(
                ErrorCode::MalformedRequest,
                format!("{user} is not a user id or @me."),
            )
        })?
    };
    if target != caller.id() && channel.owner_id != Some(caller.id()) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Only the group's creator can remove people.",
        ));
    }
    conversations::remove_recipient(&state.store, &channel, target).await?;
    Ok(StatusCode::NO_CONTENT)
}
