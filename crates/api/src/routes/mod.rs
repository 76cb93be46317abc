//! The REST API, one module per resource. Handlers are thin: extract, authorize, call the store,
//! map to a DTO. Paths and schemas are declared next to each handler and collected into the
//! OpenAPI document served at `/api/v1/openapi.json`.

pub mod attachments;
pub mod auth;
pub mod bans;
pub mod channels;
pub mod conversations;
pub mod health;
pub mod invites;
pub mod members;
pub mod messages;
pub mod openapi;
pub mod pins;
pub mod reactions;
pub mod servers;
pub mod users;

use axum::extract::Request;
use parley_shared::ErrorCode;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::AppError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley API",
        description = "REST API of Parley, a self-hostable chat server. Authenticate with the \
            session cookie set by `/auth/login`, or with `Authorization: Bearer <token>` using a \
            personal access token. Errors always have the shape `{error, message, fields}`, \
            with `Retry-After` on 429 and 503. Cursors are opaque; `after=0` starts a channel's \
            history from its beginning. The WebSocket gateway at `/api/v1/gateway` speaks the \
            `ClientEvent` and `ServerEvent` frames described under components, each told apart \
            by its `type`.",
    ),
    components(schemas(parley_shared::events::ClientEvent, parley_shared::events::ServerEvent)),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "auth", description = "Registering and signing in"),
        (name = "users", description = "Your account"),
        (name = "tokens", description = "Personal access tokens for bots and scripts"),
        (name = "servers", description = "Communities: settings, icon, discovery"),
        (name = "channels", description = "Text, audio and video channels of a server"),
        (name = "members", description = "Members and their roles"),
        (name = "invites", description = "Invite links"),
        (name = "conversations", description = "Direct conversations, 1:1 and in groups"),
        (name = "messages", description = "Messages, history and the event log for resuming"),
        (name = "reactions", description = "Emoji reactions to messages"),
        (name = "pins", description = "Pinned messages of a channel"),
        (name = "attachments", description = "Files sent with messages: upload, download, cancel"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::startup::SESSION_COOKIE,
            ))),
        );
    }
}

/// Every `/api/v1` route, with the OpenAPI document describing them.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(
        "/api/v1",
        OpenApiRouter::new()
            .nest("/auth", auth::router())
            .nest(
                "/users",
                users::router().merge(conversations::user_router()),
            )
            .nest(
                "/servers",
                servers::router()
                    .merge(channels::server_router())
                    .merge(members::router())
                    .merge(bans::router()),
            )
            .nest(
                "/channels",
                channels::router()
                    .merge(messages::router())
                    .merge(reactions::router())
                    .merge(pins::router())
                    .merge(attachments::channel_router())
                    .merge(conversations::channel_router()),
            )
            .nest("/attachments", attachments::router())
            .nest("/avatars", users::avatar_router())
            .nest("/invites", invites::router())
            .nest("/emoji", reactions::emoji_router()),
    )
}

/// Unknown API paths answer in the API's error shape, not with the web app.
pub async fn api_not_found(request: Request) -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        format!("No API endpoint at {}.", request.uri().path()),
    )
}

/// A known path asked with a method it does not support.
pub async fn method_not_allowed(request: Request) -> AppError {
    AppError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{} is not supported on {}.",
            request.method(),
            request.uri().path()
        ),
    )
}
