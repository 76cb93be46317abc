//! The one task that keeps the stores current. It holds the gateway socket (heartbeats, Ready,
//! events) and, while the socket is down, polls the open channel every second and says so; it
//! reconnects by itself. After any reconnect it fetches, per open channel, the events it missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message as WsMessage;
use gloo_net::websocket::futures::WebSocket;
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::ErrorCode;
use parley_shared::events::{ClientEvent, ServerEvent};
use uuid::Uuid;

use crate::api;
use crate::stores::conversations::{ConversationsStore, use_conversations};
use crate::stores::messages::{ChannelLog, MessagesStore, use_messages};
use crate::stores::servers::{ServersStore, use_servers};
use crate::stores::session::{SessionStore, use_session};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    /// The socket is down; the open channel is polled every second.
    Polling,
}

#[derive(Debug, Clone, Copy)]
pub struct RealtimeStore {
    pub status: RwSignal<Connection>,
    /// The channel on screen, polled while the socket is down.
    pub open_channel: RwSignal<Option<Uuid>>,
}

pub fn use_realtime() -> RealtimeStore {
    expect_context::<RealtimeStore>()
}

/// Provides the store and starts the task; it stops when the calling component goes away.
pub fn start() -> RealtimeStore {
    let store = RealtimeStore {
        status: RwSignal::new(Connection::Connecting),
        open_channel: RwSignal::new(None),
    };
    provide_context(store);
    let alive = Arc::new(AtomicBool::new(true));
    let keep = Arc::clone(&alive);
    on_cleanup(move || keep.store(false, Ordering::Relaxed));
    let sync = use_sync();
    spawn_local(run(store, sync, alive));
    store
}

/// What the task writes to.
#[derive(Clone)]
pub struct Sync {
    session: SessionStore,
    servers: ServersStore,
    conversations: ConversationsStore,
    messages: MessagesStore,
}

pub fn use_sync() -> Sync {
    Sync {
        session: use_session(),
        servers: use_servers(),
        conversations: use_conversations(),
        messages: use_messages(),
    }
}

fn gateway_url() -> String {
    let location = window().location();
    let scheme = if location.protocol().as_deref() == Ok("https:") {
        "wss"
    } else {
        "ws"
    };
    format!(
        "{scheme}://{}/api/v1/gateway",
        location.host().unwrap_or_default()
    )
}

async fn run(store: RealtimeStore, sync: Sync, alive: Arc<AtomicBool>) {
    while alive.load(Ordering::Relaxed) {
        if let Ok(socket) = WebSocket::open(&gateway_url()) {
            serve(socket, store, &sync, &alive).await;
        }
        if !alive.load(Ordering::Relaxed) {
            break;
        }
        store.status.set(Connection::Polling);
        if let Some(channel) = store.open_channel.get_untracked() {
            sync.catch_up(channel).await;
        }
        gloo_timers::future::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn serve(socket: WebSocket, store: RealtimeStore, sync: &Sync, alive: &AtomicBool) {
    let (mut write, read) = socket.split();
    let mut read = read.fuse();
    let mut interval_ms = 30_000u32;
    let mut ticker = gloo_timers::future::IntervalStream::new(1_000).fuse();
    let mut since_beat = 0u32;
    loop {
        futures::select! {
            frame = read.next() => {
                let event = match frame {
                    Some(Ok(WsMessage::Text(text))) => serde_json::from_str::<ServerEvent>(&text).ok(),
                    Some(Ok(WsMessage::Bytes(_))) => None,
                    Some(Err(_)) | None => return,
                };
                match event {
                    Some(ServerEvent::Hello { heartbeat_interval_ms, .. }) => {
                        interval_ms = u32::try_from(heartbeat_interval_ms).unwrap_or(30_000);
                    }
                    Some(ServerEvent::Ready { user, servers, conversations }) => {
                        sync.session.signed_in(user);
                        sync.servers.replace_all(servers);
                        sync.conversations.replace_all(conversations);
                        store.status.set(Connection::Live);
                        // Whatever happened while we were away: fetch it per open channel.
                        for (channel, _) in sync.messages.loaded_channels() {
                            let sync = sync.clone();
                            spawn_local(async move { sync.catch_up(channel).await });
                        }
                    }
                    Some(event) => sync.apply(event),
                    None => {}
                }
            }
            _ = ticker.next() => {
                if !alive.load(Ordering::Relaxed) {
                    let _ = write.close().await;
                    return;
                }
                // Beat at half the interval, well inside the server's patience.
                since_beat += 1_000;
                if since_beat >= interval_ms / 2 {
                    since_beat = 0;
                    let beat = serde_json::to_string(&ClientEvent::Heartbeat).unwrap_or_default();
                    if write.send(WsMessage::Text(beat)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

impl Sync {
    /// Applies one gateway event to the stores.
    pub fn apply(&self, event: ServerEvent) {
        let me = self.session.user().map(|u| u.id);
        match &event {
            ServerEvent::MessageCreate {
                channel_id, seq, ..
            }
            | ServerEvent::MessageUpdate {
                channel_id, seq, ..
            }
            | ServerEvent::MessageDelete {
                channel_id, seq, ..
            } => {
                self.servers.advance(*channel_id, *seq);
                match &event {
                    ServerEvent::MessageCreate { message, .. } => {
                        self.conversations.on_message(message, *seq);
                    }
                    _ => self.conversations.advance(*channel_id, *seq),
                }
                if let Some(log) = self.messages.loaded(*channel_id) {
                    let mut in_order = true;
                    log.update(|l| in_order = l.apply(&event));
                    if !in_order {
                        let sync = self.clone();
                        let channel = *channel_id;
                        spawn_local(async move { sync.catch_up(channel).await });
                    }
                }
            }
            ServerEvent::ServerCreate { server } => self.servers.upsert(server.clone()),
            ServerEvent::ServerUpdate { server } => self.servers.update_server(server.clone()),
            ServerEvent::ServerDelete { server_id } => self.servers.remove(*server_id),
            ServerEvent::ChannelCreate { channel } | ServerEvent::ChannelUpdate { channel } => {
                if channel.server_id.is_some() {
                    self.servers.upsert_channel(channel.clone());
                } else {
                    self.conversations.upsert(channel.clone());
                }
            }
            ServerEvent::ChannelDelete {
                channel_id,
                server_id,
            } => {
                if server_id.is_some() {
                    self.servers.remove_channel(*channel_id);
                } else {
                    self.conversations.remove(*channel_id);
                }
            }
            ServerEvent::RecipientAdd { channel_id, user } => {
                self.conversations.add_recipient(*channel_id, user.clone());
            }
            ServerEvent::RecipientRemove {
                channel_id,
                user_id,
            } => {
                self.conversations.remove_recipient(*channel_id, *user_id);
            }
            ServerEvent::MemberAdd { member } | ServerEvent::MemberUpdate { member } => {
                if Some(member.user.id) == me {
                    self.servers.set_my_role(member.server_id, member.role);
                }
                self.servers.upsert_member(member.clone());
            }
            ServerEvent::MemberRemove { server_id, user_id } => {
                if Some(*user_id) == me {
                    self.servers.remove(*server_id);
                } else {
                    self.servers.remove_member(*server_id, *user_id);
                }
            }
            _ => {}
        }
    }

    /// Opens a channel: its newest page, then every event since the seq it had when we asked,
    /// so nothing that happened during the fetch is missed.
    pub async fn load(&self, channel_id: Uuid) {
        let log = self.messages.log(channel_id);
        if log.with_untracked(|l| l.loaded) {
            self.catch_up(channel_id).await;
            return;
        }
        let start = self
            .servers
            .channel_untracked(channel_id)
            .or_else(|| self.conversations.get_untracked(channel_id))
            .map_or(0, |c| c.last_seq);
        match api::messages(channel_id, None, 50).await {
            Ok(page) => {
                log.update(|l| {
                    *l = ChannelLog {
                        last_seq: start,
                        older: page.next_cursor,
                        loaded: true,
                        ..ChannelLog::default()
                    };
                    for message in page.items {
                        l.upsert(message);
                    }
                });
                self.catch_up(channel_id).await;
            }
            Err(err) => self.session.observe(&err),
        }
    }

    /// The next older page, prepended.
    pub async fn load_older(&self, channel_id: Uuid) {
        let log = self.messages.log(channel_id);
        let Some(cursor) =
            log.with_untracked(|l| (!l.loading_older).then(|| l.older.clone()).flatten())
        else {
            return;
        };
        log.update(|l| l.loading_older = true);
        let page = api::messages(channel_id, Some(&cursor), 50).await;
        log.update(|l| {
            l.loading_older = false;
            if let Ok(page) = page {
                l.older = page.next_cursor;
                for message in page.items {
                    l.upsert(message);
                }
            }
        });
    }

    /// Fetches and applies the channel's events after the last one applied, page by page. When
    /// the server no longer has them, reloads the channel from scratch.
    pub async fn catch_up(&self, channel_id: Uuid) {
        let Some(log) = self.messages.loaded(channel_id) else {
            return;
        };
        loop {
            let after = log.with_untracked(|l| l.last_seq);
            match api::events_after(channel_id, after).await {
                Ok(page) => {
                    if page.items.is_empty() {
                        return;
                    }
                    for event in page.items {
                        if let Some((_, seq)) = event.channel_seq() {
                            self.servers.advance(channel_id, seq);
                            self.conversations.advance(channel_id, seq);
                        }
                        log.update(|l| {
                            l.apply(&event);
                        });
                    }
                    if page.next_cursor.is_none() {
                        return;
                    }
                }
                Err(err) if err.body.error == ErrorCode::ResyncRequired => {
                    log.update(|l| l.loaded = false);
                    Box::pin(self.load(channel_id)).await;
                    return;
                }
                Err(err) => {
                    self.session.observe(&err);
                    return;
                }
            }
        }
    }

    pub fn messages(&self) -> &MessagesStore {
        &self.messages
    }
}
