//! Members of a server: list, join a discoverable server, change roles, kick and leave.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::servers::{Member, MyServer, UpdateMemberRequest};
use parley_shared::{ErrorBody, ErrorCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::servers::join_and_describe;
use crate::state::AppState;
use crate::store::{members, servers, users};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(join_discoverable, leave))
        .routes(routes!(update_role, remove))
}

/// `@me` or a user id.
fn user_ref(value: &str, caller: &CurrentUser) -> AppResult<Uuid> {
    if value == "@me" {
        return Ok(caller.id());
    }
    Uuid::parse_str(value).map_err(|_| {
        AppError::new(
            ErrorCode::MalformedRequest,
            format!("{value} is not a user id or @me."),
        )
    })
}

/// Everyone in the server: admins, then moderators, then guests.
#[utoipa::path(
    get, path = "/{server_id}/members", tag = "members", operation_id = "list_members",
    params(("server_id" = Uuid, Path)),
    responses((status = 200, body = Vec<Member>), (status = 404, body = ErrorBody))
)]
async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<Member>>> {
    access::server(&state, server_id, caller.id()).await?;
    let rows = members::list(&state.store, server_id).await?;
    Ok(Json(
        rows.iter().map(|(m, u)| members::to_dto(m, u)).collect(),
    ))
}

/// Join a discoverable server as a guest (201), or get it if you already are a member (200).
#[utoipa::path(
    put, path = "/{server_id}/members/@me", tag = "members", operation_id = "join_discoverable_server",
    params(("server_id" = Uuid, Path)),
    responses(
        (status = 201, description = "Joined", body = MyServer),
        (status = 200, description = "Already a member", body = MyServer),
        (status = 404, description = "No such server, or not discoverable", body = ErrorBody),
    )
)]
async fn join_discoverable(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<(StatusCode, Json<MyServer>)> {
    let server = servers::by_id(&state.store, server_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let member = members::get(&state.store, server_id, caller.id()).await?;
    if !server.discoverable && member.is_none() {
        return Err(AppError::not_found());
    }
    join_and_describe(&state, &server, caller.id()).await
}

/// Leave the server. The last admin cannot leave: hand admin over or delete the server.
#[utoipa::path(
    delete, path = "/{server_id}/members/@me", tag = "members", operation_id = "leave_server",
    params(("server_id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The last admin cannot leave", body = ErrorBody),
    )
)]
async fn leave(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(server_id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    access::server(&state, server_id, caller.id()).await?;
    members::remove(&state.store, server_id, caller.id(), caller.id()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change a member's role. Admins only, on members below admin (or themselves, stepping down
/// while another admin remains). Making someone admin hands admin over.
#[utoipa::path(
    patch, path = "/{server_id}/members/{user_id}", tag = "members", operation_id = "update_member_role",
    params(("server_id" = Uuid, Path), ("user_id" = String, Path, pattern = r"^(@me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$", description = "A user id or `@me`")),
    request_body = UpdateMemberRequest,
    responses(
        (status = 200, body = Member),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "It would leave no admin", body = ErrorBody),
    )
)]
async fn update_role(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((server_id, user)): ApiPath<(Uuid, String)>,
    ApiJson(request): ApiJson<UpdateMemberRequest>,
) -> AppResult<Json<Member>> {
    let target_id = user_ref(&user, &caller)?;
    // Outsiders get 404; the role rules are checked by the store, under the server's lock.
    access::server(&state, server_id, caller.id()).await?;
    let updated = members::set_role(
        &state.store,
        server_id,
        caller.id(),
        target_id,
        request.role,
    )
    .await?;
    let user = users::by_id(&state.store, target_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(members::to_dto(&updated, &user)))
}

/// Kick a member, or leave with `@me`. Admins kick moderators and guests; moderators kick
/// guests. The last admin cannot leave.
#[utoipa::path(
    delete, path = "/{server_id}/members/{user_id}", tag = "members", operation_id = "remove_member",
    params(("server_id" = Uuid, Path), ("user_id" = String, Path, pattern = r"^(@me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$", description = "A user id or `@me`")),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The last admin cannot leave", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath((server_id, user)): ApiPath<(Uuid, String)>,
) -> AppResult<StatusCode> {
    let target_id = user_ref(&user, &caller)?;
    access::server(&state, server_id, caller.id()).await?;
    members::remove(&state.store, server_id, caller.id(), target_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
