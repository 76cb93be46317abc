//! `/api/v1/gateway`: one task per socket. It registers with the hub before announcing itself
//! (Hello, then Ready), then runs three things under one `select!`: frames from the client,
//! frames from the hub, and the heartbeat deadline.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use parley_shared::ErrorCode;
use parley_shared::events::{ClientEvent, GATEWAY_VERSION, ServerEvent};
use parley_shared::messages::SendMessageRequest;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::time::Instant;
use validator::Validate;

use super::frame::{Encoding, Frame};
use crate::auth::origin::is_own_origin;
use crate::auth::{AuthMethod, CurrentUser};
use crate::error::AppError;
use crate::routes::messages::send_message;
use crate::state::AppState;
use crate::store::{servers, users};

/// Largest frame a client may send: a message of 4,000 four-byte characters with room to spare.
pub const MAX_CLIENT_FRAME: usize = 32 * 1024;

/// Close codes, in the range applications may use.
pub mod close {
    pub const HEARTBEAT_MISSED: u16 = 4000;
    pub const INVALID_FRAME: u16 = 4002;
    pub const TOO_SLOW: u16 = 4008;
    pub const TOO_LARGE: u16 = 1009;
}

#[derive(Debug, Deserialize)]
pub struct GatewayQuery {
    encoding: Option<String>,
}

pub async fn upgrade(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    query: Result<Query<GatewayQuery>, axum::extract::rejection::QueryRejection>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // A page of another site could otherwise open a socket with our cookie.
    if caller.method == AuthMethod::Session
        && !is_own_origin(&headers, state.config.public_url.as_deref())
    {
        return AppError::new(
            ErrorCode::ForeignOrigin,
            "Connections from other sites are not accepted.",
        )
        .into_response();
    }
    let encoding = match query.ok().and_then(|Query(q)| q.encoding).as_deref() {
        None | Some("json") => Encoding::Json,
        Some("msgpack") => Encoding::MessagePack,
        Some(other) => {
            return AppError::new(
                ErrorCode::ValidationFailed,
                format!("Unknown encoding {other}; use json or msgpack."),
            )
            .with_field("encoding", "must be json or msgpack")
            .into_response();
        }
    };
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| async move {
            let user = caller.user;
            if let Err(err) = run(state, user, encoding, socket).await {
                tracing::debug!(error = %err, "socket ended");
            }
        })
}

async fn run(
    state: AppState,
    user: users::Model,
    encoding: Encoding,
    mut socket: WebSocket,
) -> anyhow::Result<()> {
    let (conn, mut outgoing) = state.hub.register(user.id);
    let result = async {
        // Registered above, snapshot below, subscribed to the snapshot's servers: anything
        // committed after the snapshot is queued, and a kick in between is not undone.
        let mine = servers::of_user(&state.store, user.id).await?;
        state.hub.subscribe(conn, mine.iter().map(|(s, _, _)| s.id));
        let interval = state.config.heartbeat_interval;
        let hello = ServerEvent::Hello {
            heartbeat_interval_ms: interval.as_millis() as u64,
            version: GATEWAY_VERSION,
        };
        send(&mut socket, encoding, hello).await?;
        let ready = ServerEvent::Ready {
            user: users::to_private_dto(&user),
            servers: mine
                .iter()
                .map(|(s, role, chans)| servers::to_my_server(s, *role, chans))
                .collect(),
            conversations: crate::routes::conversations::list(&state, user.id).await?,
        };
        send(&mut socket, encoding, ready).await?;
        serve(
            &state,
            &user,
            encoding,
            &mut socket,
            &mut outgoing,
            interval,
        )
        .await
    }
    .await;
    state.hub.unregister(conn);
    result
}

async fn send(
    socket: &mut WebSocket,
    encoding: Encoding,
    event: ServerEvent,
) -> anyhow::Result<()> {
    socket.send(Frame::new(event).message(encoding)).await?;
    Ok(())
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

async fn serve(
    state: &AppState,
    user: &users::Model,
    encoding: Encoding,
    socket: &mut WebSocket,
    outgoing: &mut mpsc::Receiver<Arc<Frame>>,
    interval: Duration,
) -> anyhow::Result<()> {
    // A heartbeat may be late by half an interval (timers, slow networks) before the socket dies.
    let grace = interval + interval / 2;
    let mut deadline = Instant::now() + grace;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let message = match incoming {
                    Some(Ok(message)) => message,
                    Some(Err(err)) => {
                        let too_large = err.to_string().to_lowercase().contains("too long")
                            || err.to_string().to_lowercase().contains("too big")
                            || err.to_string().to_lowercase().contains("size");
                        if too_large {
                            close(socket, close::TOO_LARGE, "frame too large").await;
                        }
                        return Ok(());
                    }
                    None => return Ok(()),
                };
                let event = match message {
                    Message::Text(text) => serde_json::from_str::<ClientEvent>(&text).map_err(|e| e.to_string()),
                    Message::Binary(bytes) => rmp_serde::from_slice::<ClientEvent>(&bytes).map_err(|e| e.to_string()),
                    Message::Close(_) => return Ok(()),
                    Message::Ping(_) | Message::Pong(_) => continue,
                };
                match event {
                    Ok(ClientEvent::Heartbeat) => {
                        deadline = Instant::now() + grace;
                        send(socket, encoding, ServerEvent::HeartbeatAck).await?;
                    }
                    Ok(ClientEvent::SendMessage { channel_id, content, nonce }) => {
                        let reply = handle_send(state, user, channel_id, content, nonce).await;
                        send(socket, encoding, reply).await?;
                    }
                    Err(reason) => {
                        let error = ServerEvent::Error {
                            nonce: None,
                            error: ErrorCode::MalformedRequest,
                            message: format!("Unreadable frame: {reason}"),
                            retry_after: None,
                        };
                        send(socket, encoding, error).await?;
                    }
                }
            }
            frame = outgoing.recv() => match frame {
                Some(frame) => socket.send(frame.message(encoding)).await?,
                None => {
                    // The hub let go of us: our queue overflowed.
                    close(socket, close::TOO_SLOW, "too slow to keep up; reconnect and resume").await;
                    return Ok(());
                }
            },
            () = tokio::time::sleep_until(deadline) => {
                close(socket, close::HEARTBEAT_MISSED, "heartbeat missed").await;
                return Ok(());
            }
        }
    }
}

async fn handle_send(
    state: &AppState,
    user: &users::Model,
    channel_id: uuid::Uuid,
    content: String,
    nonce: String,
) -> ServerEvent {
    let request = SendMessageRequest {
        content,
        nonce: nonce.clone(),
    };
    let result = match request.validate() {
        Ok(()) => send_message(state, user, channel_id, request).await,
        Err(errors) => Err(AppError::from(errors)),
    };
    match result {
        Ok((message, _)) => ServerEvent::Ack { nonce, message },
        Err(err) => ServerEvent::Error {
            nonce: Some(nonce),
            error: err.code(),
            message: err.body.message.clone(),
            retry_after: err.retry_after,
        },
    }
}
