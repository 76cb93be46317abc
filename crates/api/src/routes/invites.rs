//! Invite links: look one up, accept it.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use parley_shared::ErrorBody;
use parley_shared::servers::{InvitePreview, MyServer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::ApiPath;
use crate::routes::servers::{join_and_describe, preview};
use crate::state::AppState;
use crate::store::servers;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(look_up, accept))
}

/// The server behind an invite code, or 404. Unknown codes count against the caller (or, signed
/// out, only their address) and their address, so codes cannot be guessed at speed (429 with
/// Retry-After).
async fn find(
    state: &AppState,
    code: &str,
    caller: Option<&CurrentUser>,
    peer: SocketAddr,
) -> AppResult<servers::Model> {
    let account = match caller {
        Some(caller) => caller.id().to_string(),
        None => format!("address {}", peer.ip()),
    };
    if let Err(wait) = state.invite_throttle.check(&account, peer.ip()).await {
        return Err(AppError::rate_limited(wait.as_secs_f64().ceil() as u64));
    }
    let found = if code.len() <= 64 {
        servers::by_invite_code(&state.store, code).await?
    } else {
        None
    };
    match found {
        Some(server) => Ok(server),
        None => {
            state
                .invite_throttle
                .record_failure(&account, peer.ip())
                .await;
            Err(AppError::new(
                parley_shared::ErrorCode::NotFound,
                "This invite is invalid or has expired.",
            ))
        }
    }
}

/// What an invite leads to: the server's name, icon and member count. Open to signed-out
/// visitors too, so the invite page can show where a link leads before anyone signs in.
#[utoipa::path(
    get, path = "/{code}", tag = "invites", operation_id = "look_up_invite",
    params(("code" = String, Path, pattern = r"^[A-Za-z0-9]{1,64}$", description = "The invite code")),
    security((), ("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = InvitePreview),
        (status = 404, description = "Unknown or regenerated code", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn look_up(
    State(state): State<AppState>,
    caller: Option<CurrentUser>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<InvitePreview>> {
    let server = find(&state, &code, caller.as_ref(), peer).await?;
    Ok(Json(InvitePreview {
        code,
        server: preview(&state, &server).await?,
    }))
}

/// Join the server as a guest (201), or get it if you already are a member (200).
#[utoipa::path(
    post, path = "/{code}", tag = "invites", operation_id = "accept_invite",
    params(("code" = String, Path, pattern = r"^[A-Za-z0-9]{1,64}$", description = "The invite code")),
    responses(
        (status = 201, description = "Joined", body = MyServer),
        (status = 200, description = "Already a member", body = MyServer),
        (status = 404, description = "Unknown or regenerated code", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn accept(
    State(state): State<AppState>,
    caller: CurrentUser,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
) -> AppResult<(StatusCode, Json<MyServer>)> {
    let server = find(&state, &code, Some(&caller), peer).await?;
    join_and_describe(&state, &server, caller.id()).await
}
