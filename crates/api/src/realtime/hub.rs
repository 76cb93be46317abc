//! This instance's sockets and what each may see. Fan-out is by reference: one [`Frame`] per
//! event, shared by every recipient, each socket with a small bounded queue. A socket whose queue
//! is full is dropped (its task then closes it with a reason) rather than slowing the others.
//! Each socket also remembers the credential it was opened with, so a revocation on the bus
//! ends exactly the sockets of that session or token.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use parley_shared::events::ServerEvent;
use tokio::sync::{broadcast, mpsc, oneshot};
use uuid::Uuid;

use super::bus::EventBus;
use super::frame::Frame;
use super::{Audience, BusMessage, Envelope, Revocation};
use crate::auth::Credential;

/// Frames a socket may have waiting before it counts as too slow.
pub const QUEUE: usize = 256;

pub type ConnId = u64;

#[derive(Debug, Default)]
struct State {
    conns: HashMap<ConnId, Conn>,
    by_user: HashMap<Uuid, HashSet<ConnId>>,
    by_server: HashMap<Uuid, HashSet<ConnId>>,
}

/// Why the hub let go of a socket; its task closes the socket with the matching code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Its queue overflowed.
    TooSlow,
    /// The hub fell behind the bus; every socket starts over.
    Resync,
    /// The session or token it was opened with ended.
    CredentialEnded,
}

/// A registered socket's end of the hub.
#[derive(Debug)]
pub struct Registration {
    pub id: ConnId,
    pub frames: mpsc::Receiver<Arc<Frame>>,
    /// Fires when the hub drops the socket, saying why.
    pub ended: oneshot::Receiver<Ending>,
}

#[derive(Debug)]
struct Conn {
    user_id: Uuid,
    credential: Credential,
    servers: HashSet<Uuid>,
    /// Servers the user left (or that were deleted) since the socket registered, so a snapshot
    /// read before that cannot subscribe it to them again.
    left: HashSet<Uuid>,
    sender: mpsc::Sender<Arc<Frame>>,
    ending: Option<oneshot::Sender<Ending>>,
}

#[derive(Debug, Default)]
pub struct Hub {
    state: Mutex<State>,
    next_id: AtomicU64,
}

impl Hub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Delivers everything the bus carries until the bus closes.
    pub fn spawn(self: &Arc<Self>, bus: &EventBus) -> tokio::task::JoinHandle<()> {
        let hub = Arc::clone(self);
        let mut events = bus.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(message) => match message.as_ref() {
                        BusMessage::Event(envelope) => hub.deliver(envelope),
                        BusMessage::Revoke(revocation) => hub.revoke(revocation),
                        BusMessage::Resync => hub.drop_all(),
                    },
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        // A skipped membership event would leave a socket subscribed to the
                        // wrong servers: start every socket over (clients reconnect and catch
                        // up by seq).
                        tracing::warn!(skipped, "hub fell behind the bus; closing every socket");
                        hub.drop_all();
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain maps: a panic elsewhere cannot leave them half-updated in a harmful way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a socket of `user_id`, opened with `credential`. Done before the socket
    /// announces itself (Ready), so nothing committed after Ready's snapshot can be missed.
    /// `None` when the user already has `max_per_user` sockets here.
    pub fn register(
        &self,
        user_id: Uuid,
        credential: Credential,
        max_per_user: usize,
    ) -> Option<Registration> {
        let (sender, frames) = mpsc::channel(QUEUE);
        let (ending, ended) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut state = self.lock();
        let mine = state.by_user.entry(user_id).or_default();
        if mine.len() >= max_per_user {
            if mine.is_empty() {
                state.by_user.remove(&user_id);
            }
            return None;
        }
        mine.insert(id);
        let conn = Conn {
            user_id,
            credential,
            servers: HashSet::new(),
            left: HashSet::new(),
            sender,
            ending: Some(ending),
        };
        state.conns.insert(id, conn);
        Some(Registration { id, frames, ended })
    }

    /// How many sockets `user_id` has open on this instance.
    pub fn connections_of(&self, user_id: Uuid) -> usize {
        self.lock().by_user.get(&user_id).map_or(0, HashSet::len)
    }

    /// Drops every socket opened with a credential that just ended.
    pub fn revoke(&self, revocation: &Revocation) {
        let mut state = self.lock();
        let of_user = |state: &State, user_id: &Uuid| -> Vec<ConnId> {
            state
                .by_user
                .get(user_id)
                .map(|ids| ids.iter().copied().collect())
                .unwrap_or_default()
        };
        let candidates: Vec<ConnId> = match revocation {
            Revocation::Sessions { .. } | Revocation::Token { .. } => {
                state.conns.keys().copied().collect()
            }
            Revocation::UserSessions { user_id, .. } | Revocation::UserTokens { user_id } => {
                of_user(&state, user_id)
            }
        };
        let ended: Vec<ConnId> = candidates
            .into_iter()
            .filter(|id| {
                state
                    .conns
                    .get(id)
                    .is_some_and(|conn| revocation_ends(revocation, &conn.credential))
            })
            .collect();
        for id in ended {
            remove(&mut state, id, Some(Ending::CredentialEnded));
        }
    }

    /// Subscribes a registered socket to the servers of a snapshot read after it registered,
    /// except those it has since heard it left.
    pub fn subscribe(&self, id: ConnId, servers: impl IntoIterator<Item = Uuid>) {
        let mut state = self.lock();
        let Some(conn) = state.conns.get_mut(&id) else {
            return;
        };
        let fresh: Vec<Uuid> = servers
            .into_iter()
            .filter(|s| !conn.left.contains(s))
            .collect();
        conn.servers.extend(fresh.iter().copied());
        for server in fresh {
            state.by_server.entry(server).or_default().insert(id);
        }
    }

    /// Lets go of every socket; each one's task then closes it.
    pub fn drop_all(&self) {
        let mut state = self.lock();
        for (_, conn) in state.conns.drain() {
            if let Some(ending) = conn.ending {
                let _ = ending.send(Ending::Resync);
            }
        }
        *state = State::default();
    }

    pub fn unregister(&self, id: ConnId) {
        let mut state = self.lock();
        remove(&mut state, id, None);
    }

    /// How many sockets this instance holds.
    pub fn connections(&self) -> usize {
        self.lock().conns.len()
    }

    pub fn deliver(&self, envelope: &Envelope) {
        let mut state = self.lock();
        // Membership changes take effect on live sockets before delivery...
        if let ServerEvent::ServerCreate { server } = &envelope.event
            && let Audience::Users(users) = &envelope.audience
        {
            for user in users {
                subscribe_user(&mut state, *user, server.server.id);
            }
        }
        let targets: Vec<ConnId> = match &envelope.audience {
            Audience::Server(server) => state
                .by_server
                .get(server)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
            Audience::Users(users) => users
                .iter()
                .filter_map(|u| state.by_user.get(u))
                .flat_map(|s| s.iter().copied())
                .collect(),
        };
        if !targets.is_empty() {
            let frame = Arc::new(Frame::new(envelope.event.clone()));
            let mut too_slow = Vec::new();
            for id in targets {
                if let Some(conn) = state.conns.get(&id)
                    && conn.sender.try_send(Arc::clone(&frame)).is_err()
                {
                    too_slow.push(id);
                }
            }
            for id in too_slow {
                tracing::info!(conn = id, "dropping a socket that cannot keep up");
                remove(&mut state, id, Some(Ending::TooSlow));
            }
        }
        // ...and removals after it, so the removed member learns of it and then hears nothing more.
        match &envelope.event {
            ServerEvent::MemberRemove { server_id, user_id } => {
                unsubscribe_user(&mut state, *user_id, *server_id)
            }
            ServerEvent::ServerDelete { server_id } => {
                for conn in state.conns.values_mut() {
                    conn.left.insert(*server_id);
                }
                if let Some(ids) = state.by_server.remove(server_id) {
                    for id in ids {
                        if let Some(conn) = state.conns.get_mut(&id) {
                            conn.servers.remove(server_id);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn subscribe_user(state: &mut State, user_id: Uuid, server_id: Uuid) {
    for conn in state.conns.values_mut().filter(|c| c.user_id == user_id) {
        conn.left.remove(&server_id);
    }
    let ids: Vec<ConnId> = state
        .by_user
        .get(&user_id)
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    for id in ids {
        if let Some(conn) = state.conns.get_mut(&id) {
            conn.servers.insert(server_id);
            state.by_server.entry(server_id).or_default().insert(id);
        }
    }
}

fn unsubscribe_user(state: &mut State, user_id: Uuid, server_id: Uuid) {
    for conn in state.conns.values_mut().filter(|c| c.user_id == user_id) {
        conn.left.insert(server_id);
    }
    let ids: Vec<ConnId> = state
        .by_user
        .get(&user_id)
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    for id in ids {
        if let Some(conn) = state.conns.get_mut(&id) {
            conn.servers.remove(&server_id);
        }
        if let Some(set) = state.by_server.get_mut(&server_id) {
            set.remove(&id);
            if set.is_empty() {
                state.by_server.remove(&server_id);
            }
        }
    }
}

/// Whether `revocation` ends a socket opened with `credential`.
fn revocation_ends(revocation: &Revocation, credential: &Credential) -> bool {
    match (revocation, credential) {
        (Revocation::Sessions { session_ids }, Credential::Session(id)) => session_ids.contains(id),
        (Revocation::Token { token_id }, Credential::Token(id)) => token_id == id,
        (Revocation::UserSessions { except, .. }, Credential::Session(id)) => {
            except.as_ref() != Some(id)
        }
        (Revocation::UserTokens { .. }, Credential::Token(_)) => true,
        _ => false,
    }
}

fn remove(state: &mut State, id: ConnId, why: Option<Ending>) {
    let Some(mut conn) = state.conns.remove(&id) else {
        return;
    };
    if let (Some(why), Some(ending)) = (why, conn.ending.take()) {
        let _ = ending.send(why);
    }
    for server in conn.servers {
        if let Some(set) = state.by_server.get_mut(&server) {
            set.remove(&id);
            if set.is_empty() {
                state.by_server.remove(&server);
            }
        }
    }
    if let Some(set) = state.by_user.get_mut(&conn.user_id) {
        set.remove(&id);
        if set.is_empty() {
            state.by_user.remove(&conn.user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(hub: &Hub, user: Uuid) -> (ConnId, mpsc::Receiver<Arc<Frame>>) {
        let registration = hub
            .register(user, Credential::Token(Uuid::now_v7()), usize::MAX)
            .expect("no cap");
        (registration.id, registration.frames)
    }

    fn register_in(hub: &Hub, user: Uuid, server: Uuid) -> (ConnId, mpsc::Receiver<Arc<Frame>>) {
        let (id, rx) = register(hub, user);
        hub.subscribe(id, [server]);
        (id, rx)
    }

    #[test]
    fn a_revocation_ends_exactly_the_sockets_of_that_credential() {
        let hub = Hub::new();
        let user = Uuid::now_v7();
        let session = |id: &str| Credential::Session(id.to_owned());
        let mut kept = hub.register(user, session("keep"), 10).expect("room");
        let mut ended = hub.register(user, session("old"), 10).expect("room");
        let token = Uuid::now_v7();
        let mut bot = hub
            .register(user, Credential::Token(token), 10)
            .expect("room");
        hub.revoke(&Revocation::UserSessions {
            user_id: user,
            except: Some("keep".into()),
        });
        assert_eq!(ended.ended.try_recv(), Ok(Ending::CredentialEnded));
        assert!(kept.ended.try_recv().is_err() && bot.ended.try_recv().is_err());
        hub.revoke(&Revocation::Token { token_id: token });
        assert_eq!(bot.ended.try_recv(), Ok(Ending::CredentialEnded));
        assert_eq!(hub.connections(), 1);
    }

    #[test]
    fn a_user_gets_at_most_the_allowed_number_of_sockets() {
        let hub = Hub::new();
        let user = Uuid::now_v7();
        let first = hub.register(user, Credential::Token(Uuid::now_v7()), 1);
        assert!(first.is_some());
        assert!(
            hub.register(user, Credential::Token(Uuid::now_v7()), 1)
                .is_none()
        );
        if let Some(first) = first {
            hub.unregister(first.id);
        }
        assert!(
            hub.register(user, Credential::Token(Uuid::now_v7()), 1)
                .is_some()
        );
    }

    #[test]
    fn a_snapshot_from_before_a_kick_does_not_resubscribe() {
        let hub = Hub::new();
        let (server, user) = (Uuid::now_v7(), Uuid::now_v7());
        let (id, mut rx) = register(&hub, user);
        hub.deliver(&removal(server, user));
        hub.subscribe(id, [server]);
        let later = Envelope {
            audience: Audience::Server(server),
            event: ServerEvent::HeartbeatAck,
        };
        hub.deliver(&later);
        assert!(
            rx.try_recv().is_err(),
            "not subscribed again by the stale snapshot"
        );
    }

    fn removal(server_id: Uuid, user_id: Uuid) -> Envelope {
        Envelope {
            audience: Audience::Server(server_id),
            event: ServerEvent::MemberRemove { server_id, user_id },
        }
    }

    #[test]
    fn a_removed_member_hears_of_it_and_then_nothing_more() {
        let hub = Hub::new();
        let (server, kicked, stays) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (_, mut kicked_rx) = register_in(&hub, kicked, server);
        let (_, mut stays_rx) = register_in(&hub, stays, server);
        hub.deliver(&removal(server, kicked));
        hub.deliver(&Envelope {
            audience: Audience::Server(server),
            event: ServerEvent::ServerDelete { server_id: server },
        });
        assert!(matches!(
            kicked_rx.try_recv().map(|f| f.event.clone()),
            Ok(ServerEvent::MemberRemove { .. })
        ));
        assert!(kicked_rx.try_recv().is_err(), "nothing after the removal");
        assert!(stays_rx.try_recv().is_ok() && stays_rx.try_recv().is_ok());
    }

    #[test]
    fn a_socket_that_cannot_keep_up_is_dropped_without_blocking_others() {
        let hub = Hub::new();
        let server = Uuid::now_v7();
        let (_, slow_rx) = register_in(&hub, Uuid::now_v7(), server);
        let (_, mut fast_rx) = register_in(&hub, Uuid::now_v7(), server);
        for _ in 0..QUEUE + 1 {
            hub.deliver(&Envelope {
                audience: Audience::Server(server),
                event: ServerEvent::HeartbeatAck,
            });
            while fast_rx.try_recv().is_ok() {}
        }
        assert_eq!(hub.connections(), 1, "the slow socket was dropped");
        drop(slow_rx);
    }

    #[test]
    fn one_frame_is_shared_by_every_recipient() {
        let hub = Hub::new();
        let server = Uuid::now_v7();
        let (_, mut a) = register_in(&hub, Uuid::now_v7(), server);
        let (_, mut b) = register_in(&hub, Uuid::now_v7(), server);
        hub.deliver(&Envelope {
            audience: Audience::Server(server),
            event: ServerEvent::HeartbeatAck,
        });
        let (fa, fb) = (a.try_recv(), b.try_recv());
        assert!(matches!((&fa, &fb), (Ok(x), Ok(y)) if Arc::ptr_eq(x, y)));
    }
}
