//! `/api/v1/gateway`: one task per socket. It registers with the hub before announcing itself
//! (Hello, then Ready), then runs four things under one `select!`: frames from the client,
//! frames from the hub, the hub letting go of it, and the heartbeat deadline. Every write to the
//! socket has a deadline of its own, so a peer that stops reading cannot hold the task (or the
//! hub's memory) forever.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, SinkExt};
use tokio::sync::mpsc;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use parley_shared::events::{ClientEvent, GATEWAY_VERSION, ServerEvent};
use parley_shared::messages::SendMessageRequest;
use parley_shared::{ErrorCode, FieldErrors};
use serde::Deserialize;
use tokio::time::Instant;
use validator::Validate;

use super::frame::{Encoding, Frame};
use super::hub::{Ending, Registration};
use crate::auth::origin::is_own_origin;
use crate::auth::{AuthMethod, Credential, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::routes::messages::send_message;
use crate::state::AppState;
use crate::store::{self, servers, users};

/// Largest frame a client may send: a message of 4,000 four-byte characters with room to spare.
pub const MAX_CLIENT_FRAME: usize = 32 * 1024;
/// What a socket reserves for reading; it grows for a larger frame, up to `MAX_CLIENT_FRAME`.
const READ_BUFFER: usize = 2 * 1024;
/// Frames are gathered up to this much before they are written out (and always at a flush).
const WRITE_BUFFER: usize = 16 * 1024;
/// A socket whose unwritten frames pass this is not keeping up.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;

/// Close codes, in the range applications may use.
pub mod close {
    pub const HEARTBEAT_MISSED: u16 = 4000;
    pub const INVALID_FRAME: u16 = 4002;
    /// The session or token the socket was opened with ended: sign in again.
    pub const SESSION_ENDED: u16 = 4004;
    pub const TOO_SLOW: u16 = 4008;
    /// The user already has as many sockets as allowed.
    pub const TOO_MANY_SOCKETS: u16 = 4029;
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
    ApiQuery(query): ApiQuery<GatewayQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
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
    let encoding = match query.encoding.as_deref() {
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
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return AppError::new(
                ErrorCode::UpgradeRequired,
                format!(
                    "This is the WebSocket gateway: connect with a WebSocket client ({}).",
                    rejection.body_text()
                ),
            )
            .into_response();
        }
    };
    if state.hub.connections_of(caller.id()) >= state.config.max_sockets_per_user {
        return too_many_sockets(&state).into_response();
    }
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        // tungstenite reserves 128 KiB to read and buffers 128 KiB to write per socket by
        // default; a chat socket reads small frames and writes what the hub hands it, flushed
        // in batches (`Socket::write_batch`).
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| async move {
            let mut socket = Socket {
                inner: socket,
                encoding,
                write_timeout: state.config.gateway_write_timeout,
            };
            // Boxed: the task of every idle socket holds this future, sized for its largest state.
            if let Err(err) =
                Box::pin(run(state, caller.user, caller.credential, &mut socket)).await
            {
                tracing::debug!(error = %err, "socket ended");
            }
        })
}

fn too_many_sockets(state: &AppState) -> AppError {
    let mut error = AppError::new(
        ErrorCode::RateLimited,
        format!(
            "You have {} gateway connections open already; close one first.",
            state.config.max_sockets_per_user
        ),
    );
    error.retry_after = Some(5);
    error
}

/// A socket whose every write has a deadline.
struct Socket {
    inner: WebSocket,
    encoding: Encoding,
    write_timeout: Duration,
}

/// Frames written to a socket before one flush, at most.
const BATCH: usize = 64;

impl Socket {
    async fn write(&mut self, message: Message) -> anyhow::Result<()> {
        self.within_deadline(|socket| async move { socket.inner.send(message).await })
            .await
    }

    /// Writes `first` and whatever else the hub has queued meanwhile, then flushes once: under
    /// load a socket costs one write to the kernel per batch, not per frame.
    async fn write_batch(
        &mut self,
        first: Arc<Frame>,
        queue: &mut mpsc::Receiver<Arc<Frame>>,
    ) -> anyhow::Result<()> {
        self.within_deadline(|socket| async move {
            socket.inner.feed(first.message(socket.encoding)).await?;
            for _ in 1..BATCH {
                let Ok(next) = queue.try_recv() else { break };
                socket.inner.feed(next.message(socket.encoding)).await?;
            }
            socket.inner.flush().await
        })
        .await
    }

    /// Runs a write under the write deadline. Most writes complete at once (the kernel has
    /// room): those are not given a timer at all.
    async fn within_deadline<'a, F>(
        &'a mut self,
        write: impl FnOnce(&'a mut Self) -> F,
    ) -> anyhow::Result<()>
    where
        F: Future<Output = Result<(), axum::Error>> + 'a,
    {
        let deadline = self.write_timeout;
        let write = write(self);
        tokio::pin!(write);
        if let Some(written) = (&mut write).now_or_never() {
            return Ok(written?);
        }
        match tokio::time::timeout(deadline, write).await {
            Ok(written) => Ok(written?),
            Err(_) => anyhow::bail!("the peer stopped reading; dropping the socket"),
        }
    }

    async fn send(&mut self, event: ServerEvent) -> anyhow::Result<()> {
        let message = Frame::new(event).message(self.encoding);
        self.write(message).await
    }

    /// Says why the socket ends, if the peer still reads; the socket is dropped either way.
    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        let _ = self.write(frame).await;
    }
}

async fn run(
    state: AppState,
    user: users::Model,
    credential: Credential,
    socket: &mut Socket,
) -> anyhow::Result<()> {
    let Some(registration) = state.hub.register(
        user.id,
        credential.clone(),
        state.config.max_sockets_per_user,
    ) else {
        socket
            .close(
                close::TOO_MANY_SOCKETS,
                "too many connections for this user",
            )
            .await;
        return Ok(());
    };
    let conn = registration.id;
    let result = async {
        // Registered above, snapshot below, subscribed to the snapshot's servers: anything
        // committed after the snapshot is queued, and a kick in between is not undone.
        // The one-off work (Ready's snapshot) is boxed, so the idle socket's task does not keep
        // room for it.
        let mine = Box::pin(servers::of_user(&state.store, user.id)).await?;
        state.hub.subscribe(conn, mine.iter().map(|(s, _, _)| s.id));
        let interval = state.config.heartbeat_interval;
        let hello = ServerEvent::Hello {
            heartbeat_interval_ms: interval.as_millis() as u64,
            version: GATEWAY_VERSION,
        };
        socket.send(hello).await?;
        let ready = ServerEvent::Ready {
            user: users::to_private_dto(&user),
            servers: mine
                .iter()
                .map(|(s, role, chans)| servers::to_my_server(s, *role, chans))
                .collect(),
            conversations: Box::pin(crate::routes::conversations::list(&state, user.id)).await?,
        };
        socket.send(ready).await?;
        serve(&state, &user, &credential, socket, registration, interval).await
    }
    .await;
    state.hub.unregister(conn);
    result
}

fn ending_close(ending: Ending) -> (u16, &'static str) {
    match ending {
        Ending::CredentialEnded => (close::SESSION_ENDED, "session ended; sign in again"),
        Ending::TooSlow => (close::TOO_SLOW, "too slow to keep up; reconnect and resume"),
        Ending::Resync => (close::TOO_SLOW, "server fell behind; reconnect and resume"),
    }
}

/// When a session-authenticated socket must look at its session again. Revocations (sign-out,
/// password change, revoked tokens) arrive on the bus at once; what the bus does not announce
/// is a session running out, so a socket remembers when its session expires and, at the first
/// heartbeat after that, reads the session again: closed if it is gone or expired, kept (with
/// the new expiry) if the user's activity slid it meanwhile. A query per session per expiry
/// period, not per heartbeat.
struct SessionExpiry {
    session_id: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

impl SessionExpiry {
    async fn load(state: &AppState, credential: &Credential) -> AppResult<Option<Option<Self>>> {
        let Credential::Session(session_id) = credential else {
            return Ok(Some(None));
        };
        Ok(store::sessions::expires_at(&state.store, session_id)
            .await?
            .map(|expires_at| {
                Some(Self {
                    session_id: session_id.clone(),
                    expires_at,
                })
            }))
    }

    /// Whether the session is still valid, reading it again only once its known expiry passed.
    async fn still_valid(&mut self, state: &AppState) -> AppResult<bool> {
        if chrono::Utc::now() < self.expires_at {
            return Ok(true);
        }
        match store::sessions::expires_at(&state.store, &self.session_id).await? {
            Some(expires_at) => {
                self.expires_at = expires_at;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

async fn serve(
    state: &AppState,
    user: &users::Model,
    credential: &Credential,
    socket: &mut Socket,
    registration: Registration,
    interval: Duration,
) -> anyhow::Result<()> {
    let Registration {
        mut frames,
        mut ended,
        ..
    } = registration;
    // A heartbeat may be late by half an interval (timers, slow networks) before the socket dies.
    // One timer for the socket's life, moved on at each heartbeat.
    let grace = interval + interval / 2;
    let heartbeat_due = tokio::time::sleep_until(Instant::now() + grace);
    tokio::pin!(heartbeat_due);
    let Some(mut expiry) = Box::pin(SessionExpiry::load(state, credential)).await? else {
        // Ended between the handshake and now.
        let (code, reason) = ending_close(Ending::CredentialEnded);
        socket.close(code, reason).await;
        return Ok(());
    };
    loop {
        tokio::select! {
            incoming = socket.inner.recv() => {
                let message = match incoming {
                    Some(Ok(message)) => message,
                    Some(Err(err)) => {
                        let err = err.to_string().to_lowercase();
                        if err.contains("too long") || err.contains("too big") || err.contains("size") {
                            socket.close(close::TOO_LARGE, "frame too large").await;
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
                        heartbeat_due.as_mut().reset(Instant::now() + grace);
                        if let Some(expiry) = expiry.as_mut()
                            && !Box::pin(expiry.still_valid(state)).await?
                        {
                            let (code, reason) = ending_close(Ending::CredentialEnded);
                            socket.close(code, reason).await;
                            return Ok(());
                        }
                        socket.send(ServerEvent::HeartbeatAck).await?;
                    }
                    Ok(ClientEvent::SendMessage { channel_id, content, nonce, reply_to, attachment_ids }) => {
                        let request = SendMessageRequest { content, nonce, reply_to, attachment_ids };
                        let reply = Box::pin(handle_send(state, user, channel_id, request)).await;
                        socket.send(reply).await?;
                    }
                    Err(reason) => {
                        let error = ServerEvent::Error {
                            nonce: None,
                            error: ErrorCode::MalformedRequest,
                            message: format!("Unreadable frame: {reason}"),
                            retry_after: None,
                            fields: FieldErrors::new(),
                        };
                        socket.send(error).await?;
                    }
                }
            }
            frame = frames.recv() => match frame {
                Some(frame) => socket.write_batch(frame, &mut frames).await?,
                None => {
                    // The hub let go of us; it says why (a too-slow queue if it could not).
                    let ending = ended.try_recv().unwrap_or(Ending::TooSlow);
                    let (code, reason) = ending_close(ending);
                    socket.close(code, reason).await;
                    return Ok(());
                }
            },
            ending = &mut ended => {
                let (code, reason) = ending_close(ending.unwrap_or(Ending::TooSlow));
                socket.close(code, reason).await;
                return Ok(());
            }
            () = &mut heartbeat_due => {
                socket.close(close::HEARTBEAT_MISSED, "heartbeat missed").await;
                return Ok(());
            }
        }
    }
}

async fn handle_send(
    state: &AppState,
    user: &users::Model,
    channel_id: uuid::Uuid,
    request: SendMessageRequest,
) -> ServerEvent {
    let nonce = request.nonce.clone();
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
            fields: err.body.fields.clone(),
        },
    }
}
