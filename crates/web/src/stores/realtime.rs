//! The one task that keeps the stores current. It holds the gateway socket (heartbeats, Ready,
//! events) and, while the socket is down, polls the open channel every second and says so; it
//! reconnects by itself. After any reconnect it fetches, per open channel, the events it missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message as WsMessage, WebSocketError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::ErrorCode;
use parley_shared::events::{ClientEvent, ServerEvent};
use parley_shared::servers::{Channel, Conversation, MyServer};
use parley_shared::users::User;
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
    /// The browser says it has no network; nothing is tried until it has.
    Offline,
}

#[derive(Debug, Clone, Copy)]
pub struct RealtimeStore {
    /// The socket's state: connecting, live or polling.
    link: RwSignal<Connection>,
    /// What `navigator.onLine` and its `online`/`offline` events say.
    online: RwSignal<bool>,
    /// The channel on screen, polled while the socket is down.
    pub open_channel: RwSignal<Option<Uuid>>,
    /// Cleared to stop the task.
    alive: StoredValue<Arc<AtomicBool>>,
    /// Set by the task when it has stopped.
    ended: RwSignal<bool>,
}

impl RealtimeStore {
    /// Stops the task and waits (a few seconds at most) until its socket is closed, so that
    /// signing out cannot race a connection being opened with the session it ends.
    pub async fn stop(&self) {
        self.alive
            .with_value(|alive| alive.store(false, Ordering::Relaxed));
        for _ in 0..60 {
            if self.ended.get_untracked() {
                return;
            }
            gloo_timers::future::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// What the connection indicator shows.
    pub fn status(&self) -> Connection {
        if self.online.get() {
            self.link.get()
        } else {
            Connection::Offline
        }
    }
}

pub fn use_realtime() -> RealtimeStore {
    expect_context::<RealtimeStore>()
}

/// Close code the server uses when the session or token a socket was opened with has ended.
pub const SESSION_ENDED: u16 = 4004;

fn browser_online() -> bool {
    window().navigator().on_line()
}

/// Provides the store and starts the task; it stops when the calling component goes away.
pub fn start() -> RealtimeStore {
    let alive = Arc::new(AtomicBool::new(true));
    let keep = Arc::clone(&alive);
    let store = RealtimeStore {
        link: RwSignal::new(Connection::Connecting),
        online: RwSignal::new(browser_online()),
        open_channel: RwSignal::new(None),
        alive: StoredValue::new(Arc::clone(&alive)),
        ended: RwSignal::new(false),
    };
    provide_context(store);
    let offline = window_event_listener(leptos::ev::offline, move |_| store.online.set(false));
    let online = window_event_listener(leptos::ev::online, move |_| store.online.set(true));
    on_cleanup(move || {
        keep.store(false, Ordering::Relaxed);
        offline.remove();
        online.remove();
    });
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

/// How a socket ended.
enum Ended {
    /// Closed or broken: try again.
    Lost,
    /// The server closed it because our session or token ended: sign in again.
    SessionEnded,
}

async fn run(store: RealtimeStore, sync: Sync, alive: Arc<AtomicBool>) {
    connect(store, &sync, &alive).await;
    if !store.ended.is_disposed() {
        store.ended.set(true);
    }
}

async fn connect(store: RealtimeStore, sync: &Sync, alive: &AtomicBool) {
    while alive.load(Ordering::Relaxed) {
        if store.online.get_untracked()
            && let Ok(socket) = WebSocket::open(&gateway_url())
            && let Ended::SessionEnded = serve(socket, store, sync, alive).await
        {
            sync.session.signed_out();
            return;
        }
        if !alive.load(Ordering::Relaxed) {
            break;
        }
        // Offline, nothing is fetched: it could only fail.
        if store.online.get_untracked() {
            store.link.set(Connection::Polling);
            if let Some(channel) = store.open_channel.get_untracked() {
                sync.catch_up(channel).await;
            }
        }
        gloo_timers::future::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn serve(socket: WebSocket, store: RealtimeStore, sync: &Sync, alive: &AtomicBool) -> Ended {
    let (mut write, read) = socket.split();
    let mut read = read.fuse();
    let mut interval_ms = 30_000u32;
    let mut ticker = gloo_timers::future::IntervalStream::new(1_000).fuse();
    let mut since_beat = 0u32;
    // Until the server's first frame the socket is still connecting: closing it then would make
    // the browser log an error, so a stop waits for that frame.
    let mut connected = false;
    loop {
        futures::select! {
            frame = read.next() => {
                connected = true;
                if !alive.load(Ordering::Relaxed) {
                    let _ = write.close().await;
                    return Ended::Lost;
                }
                let event = match frame {
                    Some(Ok(WsMessage::Text(text))) => serde_json::from_str::<ServerEvent>(&text).ok(),
                    Some(Ok(WsMessage::Bytes(_))) => None,
                    Some(Err(WebSocketError::ConnectionClose(close))) if close.code == SESSION_ENDED => {
                        return Ended::SessionEnded;
                    }
                    Some(Err(_)) | None => return Ended::Lost,
                };
                match event {
                    Some(ServerEvent::Hello { heartbeat_interval_ms, .. }) => {
                        interval_ms = u32::try_from(heartbeat_interval_ms).unwrap_or(30_000);
                    }
                    Some(ServerEvent::Ready { user, servers, conversations }) => {
                        sync.ready(user, servers, conversations);
                        store.link.set(Connection::Live);
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
                if !alive.load(Ordering::Relaxed) && connected {
                    let _ = write.close().await;
                    return Ended::Lost;
                }
                // Beat at half the interval, well inside the server's patience.
                since_beat += 1_000;
                if since_beat >= interval_ms / 2 {
                    since_beat = 0;
                    let beat = serde_json::to_string(&ClientEvent::Heartbeat).unwrap_or_default();
                    if write.send(WsMessage::Text(beat)).await.is_err() {
                        return Ended::Lost;
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
            }
            | ServerEvent::ReactionAdd {
                channel_id, seq, ..
            }
            | ServerEvent::ReactionRemove {
                channel_id, seq, ..
            }
            | ServerEvent::PinsUpdate {
                channel_id, seq, ..
            } => {
                self.messages.note_seq(*channel_id, *seq);
                if let ServerEvent::MessageCreate { message, .. } = &event {
                    self.conversations.on_message(message);
                }
                if let Some(log) = self.messages.loaded(*channel_id) {
                    let mut in_order = true;
                    log.update(|l| in_order = l.apply(&event, me));
                    if !in_order {
                        let sync = self.clone();
                        let channel = *channel_id;
                        spawn_local(async move { sync.catch_up(channel).await });
                    }
                }
            }
            ServerEvent::ServerCreate { server } => {
                self.note_seqs(&server.channels);
                self.servers.upsert(server.clone());
            }
            ServerEvent::ServerUpdate { server } => self.servers.update_server(server.clone()),
            ServerEvent::ServerDelete { server_id } => self.servers.remove(*server_id),
            ServerEvent::ChannelCreate { channel } | ServerEvent::ChannelUpdate { channel } => {
                self.messages.note_seq(channel.id, channel.last_seq);
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
            ServerEvent::UserUpdate { user } => {
                if Some(user.id) == me
                    && let Some(mine) = self.session.user()
                {
                    // The event carries what everyone sees; keep what only you see.
                    self.session.signed_in(User {
                        email: mine.email,
                        allow_dms_from: mine.allow_dms_from,
                        ..user.clone()
                    });
                }
                self.servers.update_user(user);
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
        let start = self.messages.newest_seq(channel_id);
        match api::messages(channel_id, None, 50).await {
            // Loaded meanwhile (a jump to a message loads the channel too): keep that.
            Ok(_) if log.with_untracked(|l| l.loaded) => self.catch_up(channel_id).await,
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

    /// The next newer page of a window detached from the present (after a jump far back).
    pub async fn load_newer(&self, channel_id: Uuid) {
        let log = self.messages.log(channel_id);
        let Some(cursor) =
            log.with_untracked(|l| (!l.loading_newer).then(|| l.newer.clone()).flatten())
        else {
            return;
        };
        log.update(|l| l.loading_newer = true);
        let page = api::messages_after(channel_id, &cursor, 50).await;
        log.update(|l| {
            l.loading_newer = false;
            if let Ok(page) = page {
                l.extend_newer(page.items, page.next_cursor);
            }
        });
    }

    /// Makes sure a message is loaded, fetching the page around it when it is not. Next to what
    /// is loaded the page joins it; far back, the log becomes a window on that stretch of
    /// history (live messages wait until the reader scrolls down to them). `false` when the
    /// message cannot be found.
    pub async fn load_around(&self, channel_id: Uuid, message_id: Uuid) -> bool {
        let log = self.messages.log(channel_id);
        if log.with_untracked(|l| l.shows(message_id)) {
            return true;
        }
        if !log.with_untracked(|l| l.loaded) {
            self.load(channel_id).await;
            if log.with_untracked(|l| l.shows(message_id)) {
                return true;
            }
        }
        let page = match api::messages_around(channel_id, message_id, 50).await {
            Ok(page) => page,
            Err(err) => {
                self.session.observe(&err);
                return false;
            }
        };
        let newest = page.items.first().map(|m| m.seq);
        log.update(|l| {
            let oldest_loaded = l.visible().first().map(|m| m.seq);
            let joins = l.window_end.is_none()
                && (page.newer_cursor.is_none()
                    || newest
                        .zip(oldest_loaded)
                        .is_some_and(|(new, old)| new >= old));
            if !joins {
                l.messages.clear();
                l.newer = page.newer_cursor.clone();
                l.window_end = newest;
            }
            // The page's end of older history wins when it reaches further back.
            let page_oldest = page.items.last().map(|m| m.seq);
            if !joins || page_oldest.zip(oldest_loaded).is_none_or(|(p, o)| p < o) {
                l.older = page.next_cursor.clone();
            }
            for message in page.items {
                l.upsert(message);
            }
        });
        log.with_untracked(|l| l.shows(message_id))
    }

    /// Back to the newest messages after reading a detached window of old ones.
    pub async fn reload(&self, channel_id: Uuid) {
        let log = self.messages.log(channel_id);
        log.update(|l| l.loaded = false);
        self.load(channel_id).await;
    }

    /// Fetches and applies the channel's events after the last one applied, page by page. When
    /// the server no longer has them, reloads the channel from scratch.
    pub async fn catch_up(&self, channel_id: Uuid) {
        let Some(log) = self.messages.loaded(channel_id) else {
            return;
        };
        let me = self.session.user().map(|u| u.id);
        loop {
            let after = log.with_untracked(|l| l.last_seq);
            match api::events_after(channel_id, after).await {
                Ok(page) => {
                    if page.items.is_empty() {
                        return;
                    }
                    for event in page.items {
                        if let Some((_, seq)) = event.channel_seq() {
                            self.messages.note_seq(channel_id, seq);
                        }
                        log.update(|l| {
                            l.apply(&event, me);
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

    /// Ready and joined servers say how far each channel is.
    fn note_seqs<'a>(&self, channels: impl IntoIterator<Item = &'a Channel>) {
        for channel in channels {
            self.messages.note_seq(channel.id, channel.last_seq);
        }
    }

    fn ready(&self, user: User, servers: Vec<MyServer>, conversations: Vec<Conversation>) {
        self.note_seqs(servers.iter().flat_map(|s| s.channels.iter()));
        self.note_seqs(conversations.iter().map(|c| &c.channel));
        self.session.signed_in(user);
        self.servers.replace_all(servers);
        self.conversations.replace_all(conversations);
    }
}
