//! The servers you are in, their channels, and (once looked at) their members. Filled from the
//! gateway's Ready and kept current by its events; components only read it. A channel's
//! `last_seq` here is as of when the channel was loaded: messages do not touch this store, so a
//! new message never re-renders what shows servers and channels.

use std::collections::HashMap;

use leptos::prelude::*;
use parley_shared::servers::{Channel, ChannelKind, Member, MyServer, Role, Server};
use uuid::Uuid;

/// A channel as its pane shows it: not its `last_seq`, which changes with every message (the
/// newest seq lives in the messages store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelHead {
    pub id: Uuid,
    pub server_id: Option<Uuid>,
    pub kind: ChannelKind,
    pub name: String,
    pub topic: Option<String>,
}

impl ChannelHead {
    pub fn of(channel: &Channel) -> Self {
        Self {
            id: channel.id,
            server_id: channel.server_id,
            kind: channel.kind,
            name: channel.name.clone(),
            topic: channel.topic.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ServersStore {
    servers: RwSignal<Vec<MyServer>>,
    /// Whether the list has been loaded at least once (before that, "not found" means "not yet").
    loaded: RwSignal<bool>,
    members: RwSignal<HashMap<Uuid, Vec<Member>>>,
}

impl ServersStore {
    pub fn provide() -> Self {
        let store = Self {
            servers: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            members: RwSignal::new(HashMap::new()),
        };
        provide_context(store);
        store
    }

    pub fn list(&self) -> Vec<MyServer> {
        self.servers.get()
    }

    pub fn loaded(&self) -> bool {
        self.loaded.get()
    }

    /// Your role in a server, if you are in it.
    pub fn my_role(&self, id: Uuid) -> Option<Role> {
        self.servers
            .with(|list| list.iter().find(|s| s.server.id == id).map(|s| s.role))
    }

    pub fn get(&self, id: Uuid) -> Option<MyServer> {
        self.servers
            .with(|list| list.iter().find(|s| s.server.id == id).cloned())
    }

    /// What a channel's pane shows of it. Read through a `Memo`, it changes only when one of
    /// these does, never with the channel's messages.
    pub fn channel_head(&self, id: Uuid) -> Option<ChannelHead> {
        self.servers.with(|list| {
            list.iter()
                .flat_map(|s| s.channels.iter())
                .find(|c| c.id == id)
                .map(ChannelHead::of)
        })
    }

    pub fn channel_untracked(&self, id: Uuid) -> Option<Channel> {
        self.servers.with_untracked(|list| {
            list.iter()
                .flat_map(|s| s.channels.iter())
                .find(|c| c.id == id)
                .cloned()
        })
    }

    pub fn replace_all(&self, servers: Vec<MyServer>) {
        self.servers.set(servers);
        self.loaded.set(true);
    }

    pub fn upsert(&self, server: MyServer) {
        self.servers.update(|list| {
            match list.iter_mut().find(|s| s.server.id == server.server.id) {
                Some(existing) => *existing = server,
                None => list.push(server),
            }
        });
    }

    pub fn update_server(&self, server: Server) {
        self.servers.update(|list| {
            if let Some(existing) = list.iter_mut().find(|s| s.server.id == server.id) {
                existing.server = server;
            }
        });
    }

    pub fn remove(&self, id: Uuid) {
        self.servers
            .update(|list| list.retain(|s| s.server.id != id));
        self.members.update(|m| {
            m.remove(&id);
        });
    }

    pub fn upsert_channel(&self, channel: Channel) {
        let Some(server_id) = channel.server_id else {
            return;
        };
        self.servers.update(|list| {
            if let Some(server) = list.iter_mut().find(|s| s.server.id == server_id) {
                match server.channels.iter_mut().find(|c| c.id == channel.id) {
                    Some(existing) => *existing = channel,
                    None => server.channels.push(channel),
                }
                server.channels.sort_by_key(|c| c.position);
            }
        });
    }

    pub fn remove_channel(&self, channel_id: Uuid) {
        self.servers.update(|list| {
            for server in list.iter_mut() {
                server.channels.retain(|c| c.id != channel_id);
            }
        });
    }

    /// Fetches a server's members unless they are here already (events keep them current).
    pub fn ensure_members(&self, server_id: Uuid) {
        if self.members.with_untracked(|m| m.contains_key(&server_id)) {
            return;
        }
        self.refresh_members(server_id);
    }

    pub fn refresh_members(&self, server_id: Uuid) {
        let store = *self;
        leptos::task::spawn_local(async move {
            if let Ok(list) = crate::api::members(server_id).await {
                store.set_members(server_id, list);
            }
        });
    }

    /// How many members a server has, once they are loaded.
    pub fn member_count(&self, server_id: Uuid) -> Option<usize> {
        self.members.with(|m| m.get(&server_id).map(Vec::len))
    }

    pub fn members(&self, server_id: Uuid) -> Option<Vec<Member>> {
        self.members.with(|m| m.get(&server_id).cloned())
    }

    pub fn set_members(&self, server_id: Uuid, members: Vec<Member>) {
        self.members.update(|m| {
            m.insert(server_id, sorted(members));
        });
    }

    pub fn upsert_member(&self, member: Member) {
        self.members.update(|m| {
            if let Some(list) = m.get_mut(&member.server_id) {
                list.retain(|x| x.user.id != member.user.id);
                list.push(member);
                *list = sorted(std::mem::take(list));
            }
        });
        // Your own role decides what you may do; keep it in the server entry too.
    }

    /// Someone's profile changed (their avatar): every member list they are in shows it.
    pub fn update_user(&self, user: &parley_shared::users::User) {
        self.members.update(|m| {
            for member in m.values_mut().flat_map(|list| list.iter_mut()) {
                if member.user.id == user.id {
                    member.user = user.clone();
                }
            }
        });
    }

    pub fn set_my_role(&self, server_id: Uuid, role: Role) {
        self.servers.update(|list| {
            if let Some(server) = list.iter_mut().find(|s| s.server.id == server_id) {
                server.role = role;
            }
        });
    }

    pub fn remove_member(&self, server_id: Uuid, user_id: Uuid) {
        self.members.update(|m| {
            if let Some(list) = m.get_mut(&server_id) {
                list.retain(|x| x.user.id != user_id);
            }
        });
    }
}

/// Admins, then moderators, then guests; each by name.
fn sorted(mut members: Vec<Member>) -> Vec<Member> {
    members.sort_by(|a, b| {
        b.role.cmp(&a.role).then_with(|| {
            a.user
                .display_name
                .to_lowercase()
                .cmp(&b.user.display_name.to_lowercase())
        })
    });
    members
}

pub fn use_servers() -> ServersStore {
    expect_context::<ServersStore>()
}
