//! Servers: create, list yours, settings, icon, delete, discovery, and the invite code.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use parley_shared::servers::{
    CreateServerRequest, Invite, MyServer, Role, Server, ServerPreview, UpdateServerRequest,
};
use parley_shared::{ErrorBody, ErrorCode};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ApiQuery, ValidJson};
use crate::media::icons;
use crate::state::AppState;
use crate::store::{channels, members, servers};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mine, create))
        .routes(routes!(discover))
        .routes(routes!(get_server, update, delete_server))
        .merge(
            // Icons are uploads, allowed to be larger than JSON bodies.
            OpenApiRouter::new()
                .routes(routes!(upload_icon, remove_icon))
                .layer(axum::extract::DefaultBodyLimit::max(
                    icons::MAX_BYTES + 64 * 1024,
                )),
        )
        .routes(routes!(get_invite, regenerate_invite))
}

pub async fn preview(state: &AppState, server: &servers::Model) -> AppResult<ServerPreview> {
    Ok(ServerPreview {
        id: server.id,
        name: server.name.clone(),
        icon_url: server.icon_hash.as_deref().map(icons::url),
        member_count: servers::member_count(&state.store, server.id).await?,
    })
}

/// The servers you are in, with your role and their channels.
#[utoipa::path(get, path = "", tag = "servers", operation_id = "list_my_servers", responses((status = 200, body = Vec<MyServer>)))]
async fn list_mine(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> AppResult<Json<Vec<MyServer>>> {
    let mine = servers::of_user(&state.store, caller.id()).await?;
    Ok(Json(
        mine.iter()
            .map(|(s, role, chans)| servers::to_my_server(s, *role, chans))
            .collect(),
    ))
}

/// Create a server. You become its admin; it starts with a `general` text channel.
#[utoipa::path(
    post, path = "", tag = "servers", operation_id = "create_server",
    request_body = CreateServerRequest,
    responses((status = 201, body = MyServer), (status = 422, body = ErrorBody))
)]
async fn create(
    State(state): State<AppState>,
    caller: CurrentUser,
    ValidJson(request): ValidJson<CreateServerRequest>,
) -> AppResult<(StatusCode, Json<MyServer>)> {
    let name = request.name.trim().to_owned();
    let (server, chans) =
        servers::create(&state.store, caller.id(), name, request.discoverable).await?;
    Ok((
        StatusCode::CREATED,
        Json(servers::to_my_server(&server, Role::Admin, &chans)),
    ))
}

#[derive(Debug, Deserialize)]
struct DiscoverQuery {
    /// Only servers whose name contains this.
    q: Option<String>,
}

/// Servers that anyone may join without an invite (not those you are banned from).
#[utoipa::path(
    get, path = "/discover", tag = "servers", operation_id = "discover_servers",
    params(("q" = Option<String>, Query, max_length = 100, pattern = r"^[^\u0000]*$", description = "Only servers whose name contains this (literally: `%` and `_` are no wildcards)")),
    responses((status = 200, body = Vec<ServerPreview>))
)]
async fn discover(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiQuery(query): ApiQuery<DiscoverQuery>,
) -> AppResult<Json<Vec<ServerPreview>>> {
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            "Search for at most 100 characters.",
        )
        .with_field("q", "must be at most 100 characters"));
    }
    let found = servers::discover(&state.store, caller.id(), query.q.as_deref(), 100).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|(server, member_count)| ServerPreview {
                id: server.id,
                name: server.name,
                icon_url: server.icon_hash.as_deref().map(icons::url),
                member_count,
            })
            .collect(),
    ))
}

/// A server you are in.
#[utoipa::path(
    get, path = "/{server_id}", tag = "servers",
    params(("server_id" = Uuid, Path)),
    responses((status = 200, body = MyServer), (status = 404, body = ErrorBody))
)]
async fn get_server(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<Json<MyServer>> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    let chans = channels::of_server(&state.store, server_id).await?;
    Ok(Json(servers::to_my_server(
        &membership.server,
        membership.role,
        &chans,
    )))
}

/// Rename the server or change whether it is discoverable. Admins only.
#[utoipa::path(
    patch, path = "/{server_id}", tag = "servers", operation_id = "update_server",
    params(("server_id" = Uuid, Path)),
    request_body = UpdateServerRequest,
    responses((status = 200, body = Server), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn update(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
    ValidJson(request): ValidJson<UpdateServerRequest>,
) -> AppResult<Json<Server>> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Admin, "change the server's settings")?;
    let name = request.name.map(|n| n.trim().to_owned());
    let server =
        servers::update(&state.store, membership.server, name, request.discoverable).await?;
    Ok(Json(servers::to_dto(&server)))
}

/// Delete the server with its channels and memberships. Admins only.
#[utoipa::path(
    delete, path = "/{server_id}", tag = "servers",
    params(("server_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn delete_server(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Admin, "delete the server")?;
    let server_id = membership.server.id;
    let files = crate::store::attachments::in_server(&state.store, server_id).await?;
    let icon = servers::delete(&state.store, membership.server).await?;
    crate::media::attachments::forget_all(&state.storage, files).await;
    forget_icon(&state, icon).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an icon's file once no server shows it. A failure only leaves a stray file, so it is
/// logged rather than failing the request that already succeeded.
async fn forget_icon(state: &AppState, hash: Option<String>) {
    let Some(hash) = hash else { return };
    let outcome = async {
        if !servers::icon_in_use(&state.store, &hash).await? {
            icons::delete(&state.config.data_dir, &hash).await?;
        }
        AppResult::Ok(())
    }
    .await;
    if let Err(err) = outcome {
        tracing::warn!(error = %err, hash, "could not delete an unused icon");
    }
}

/// Set the server's icon: a multipart form with an `icon` file (PNG, JPEG, GIF or WebP, at
/// most 5 MiB and 4096 px a side). It is cropped to a square of at most 512 px. Admins only;
/// uploads are rate limited per user.
#[utoipa::path(
    put, path = "/{server_id}/icon", tag = "servers",
    params(("server_id" = Uuid, Path)),
    request_body(content = IconUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = Server),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
        (status = 503, description = "Every image decoder is busy; see Retry-After", body = ErrorBody),
    )
)]
async fn upload_icon(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Json<Server>> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Admin, "change the server's icon")?;
    state.limits.icon_uploads.check(&caller.id()).await?;
    let bytes = read_picture_field(multipart, "icon", "Icons").await?;
    let hash = icons::store(&state.config.data_dir, &state.image_decoders, bytes).await?;
    let (server, replaced) = servers::set_icon(&state.store, membership.server, Some(hash)).await?;
    forget_icon(&state, replaced).await;
    Ok(Json(servers::to_dto(&server)))
}

/// The icon upload, as the OpenAPI document describes it.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart form for the OpenAPI document only"
)]
struct IconUpload {
    /// The picture: PNG, JPEG, GIF or WebP, at most 5 MiB and 4096 px a side.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    icon: Vec<u8>,
}

/// The bytes of the form's picture `field` (an icon, an avatar), refusing anything larger than
/// the picture limit (5 MiB).
pub(crate) async fn read_picture_field(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    field_name: &str,
    noun: &str,
) -> AppResult<Vec<u8>> {
    let mut multipart = multipart.map_err(|_| {
        AppError::new(
            ErrorCode::UnsupportedMediaType,
            format!("Send the {field_name} as multipart/form-data."),
        )
    })?;
    let too_large = || {
        AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("{noun} may be at most 5 MiB."),
        )
    };
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::new(
                ErrorCode::MalformedRequest,
                format!("The form could not be read: {}", e.body_text()),
            )
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() != Some(field_name) {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if bytes.len() + chunk.len() > icons::MAX_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(AppError::new(
        ErrorCode::ValidationFailed,
        format!("The form has no {field_name}."),
    )
    .with_field(field_name, "is required"))
}

/// Remove the icon; the server shows its initials again. Admins only.
#[utoipa::path(
    delete, path = "/{server_id}/icon", tag = "servers",
    params(("server_id" = Uuid, Path)),
    responses((status = 200, body = Server), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn remove_icon(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<Json<Server>> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Admin, "change the server's icon")?;
    let (server, replaced) = servers::set_icon(&state.store, membership.server, None).await?;
    forget_icon(&state, replaced).await;
    Ok(Json(servers::to_dto(&server)))
}

/// The server's invite code. Admins and moderators.
#[utoipa::path(
    get, path = "/{server_id}/invite", tag = "invites",
    params(("server_id" = Uuid, Path)),
    responses((status = 200, body = Invite), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn get_invite(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<Json<Invite>> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Moderator, "see the invite link")?;
    Ok(Json(Invite {
        code: membership.server.invite_code,
    }))
}

/// A new invite code; links with the old one stop working. Admins and moderators.
#[utoipa::path(
    post, path = "/{server_id}/invite", tag = "invites",
    params(("server_id" = Uuid, Path)),
    responses((status = 200, body = Invite), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn regenerate_invite(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<Json<Invite>> {
    let membership = access::server(&state, server_id, caller.id()).await?;
    membership.require(Role::Moderator, "regenerate the invite link")?;
    let server = servers::regenerate_invite(&state.store, membership.server).await?;
    Ok(Json(Invite {
        code: server.invite_code,
    }))
}

/// Joins `user_id` to a server and answers with it, 201 when newly joined and 200 when already a
/// member.
pub async fn join_and_describe(
    state: &AppState,
    server: &servers::Model,
    user_id: Uuid,
) -> AppResult<(StatusCode, Json<MyServer>)> {
    let (member, joined) = members::join(&state.store, server.id, user_id).await?;
    let chans = channels::of_server(&state.store, server.id).await?;
    let status = if joined {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(servers::to_my_server(
            server,
            members::role(&member),
            &chans,
        )),
    ))
}
