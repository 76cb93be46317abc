//! Your direct conversations, latest activity first. Filled from Ready and kept current by
//! channel and message events.

use leptos::prelude::*;
use parley_shared::messages::Message;
use parley_shared::servers::{Channel, ChannelKind, Conversation};
use parley_shared::users::User;
use uuid::Uuid;

#[derive(Debug, Clone, Copy)]
pub struct ConversationsStore {
    list: RwSignal<Vec<Conversation>>,
}

impl ConversationsStore {
    pub fn provide() -> Self {
        let store = Self {
            list: RwSignal::new(Vec::new()),
        };
        provide_context(store);
        store
    }

    pub fn list(&self) -> Vec<Conversation> {
        self.list.get()
    }

    pub fn get(&self, id: Uuid) -> Option<Channel> {
        self.list.with(|l| {
            l.iter()
                .find(|c| c.channel.id == id)
                .map(|c| c.channel.clone())
        })
    }

    pub fn get_untracked(&self, id: Uuid) -> Option<Channel> {
        self.list.with_untracked(|l| {
            l.iter()
                .find(|c| c.channel.id == id)
                .map(|c| c.channel.clone())
        })
    }

    pub fn replace_all(&self, list: Vec<Conversation>) {
        self.list.set(list);
    }

    /// A conversation appeared or changed; it keeps its latest message.
    pub fn upsert(&self, channel: Channel) {
        self.list.update(
            |l| match l.iter_mut().find(|c| c.channel.id == channel.id) {
                Some(existing) => existing.channel = channel,
                None => l.insert(
                    0,
                    Conversation {
                        channel,
                        last_message: None,
                    },
                ),
            },
        );
    }

    pub fn remove(&self, id: Uuid) {
        self.list.update(|l| l.retain(|c| c.channel.id != id));
    }

    /// A new message moves its conversation to the top with the new preview.
    pub fn on_message(&self, message: &Message, seq: i64) {
        self.list.update(|l| {
            if let Some(index) = l.iter().position(|c| c.channel.id == message.channel_id) {
                let mut conversation = l.remove(index);
                conversation.channel.last_seq = conversation.channel.last_seq.max(seq);
                conversation.last_message = Some(message.clone());
                l.insert(0, conversation);
            }
        });
    }

    pub fn advance(&self, channel_id: Uuid, seq: i64) {
        self.list.update(|l| {
            if let Some(c) = l.iter_mut().find(|c| c.channel.id == channel_id) {
                c.channel.last_seq = c.channel.last_seq.max(seq);
            }
        });
    }

    pub fn add_recipient(&self, channel_id: Uuid, user: User) {
        self.list.update(|l| {
            if let Some(c) = l.iter_mut().find(|c| c.channel.id == channel_id)
                && c.channel.recipients.iter().all(|r| r.id != user.id)
            {
                c.channel.recipients.push(user);
            }
        });
    }

    pub fn remove_recipient(&self, channel_id: Uuid, user_id: Uuid) {
        self.list.update(|l| {
            if let Some(c) = l.iter_mut().find(|c| c.channel.id == channel_id) {
                c.channel.recipients.retain(|r| r.id != user_id);
            }
        });
    }
}

/// What a conversation is called: a group's name, or the other people's names.
pub fn title(channel: &Channel, me: Option<Uuid>) -> String {
    if channel.kind == ChannelKind::GroupDm && !channel.name.trim().is_empty() {
        return channel.name.clone();
    }
    let others: Vec<&str> = channel
        .recipients
        .iter()
        .filter(|u| Some(u.id) != me)
        .map(|u| u.display_name.as_str())
        .collect();
    if others.is_empty() {
        "Just you".to_owned()
    } else {
        others.join(", ")
    }
}

pub fn use_conversations() -> ConversationsStore {
    expect_context::<ConversationsStore>()
}
