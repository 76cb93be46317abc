//! Your direct conversations, latest activity first. Filled from Ready and kept current by
//! channel and message events.

use leptos::prelude::*;
use parley_shared::messages::Message;
use parley_shared::servers::{Channel, ChannelKind, Conversation};
use parley_shared::users::User;

use crate::stores::servers::ChannelHead;
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

    /// What a conversation's pane shows of it; read through a `Memo`, it changes only when one
    /// of these does, never with its messages.
    pub fn head(&self, id: Uuid) -> Option<ChannelHead> {
        self.list.with(|l| {
            l.iter()
                .find(|c| c.channel.id == id)
                .map(|c| ChannelHead::of(&c.channel))
        })
    }

    /// Who is in a conversation.
    pub fn recipients(&self, id: Uuid) -> Vec<User> {
        self.list.with(|l| {
            l.iter()
                .find(|c| c.channel.id == id)
                .map(|c| c.channel.recipients.clone())
                .unwrap_or_default()
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
    pub fn on_message(&self, message: &Message) {
        self.list.update(|l| {
            if let Some(index) = l.iter().position(|c| c.channel.id == message.channel_id) {
                let mut conversation = l.remove(index);
                conversation.last_message = Some(message.clone());
                l.insert(0, conversation);
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
    title_of(channel.kind, &channel.name, &channel.recipients, me)
}

pub fn title_of(kind: ChannelKind, name: &str, recipients: &[User], me: Option<Uuid>) -> String {
    if kind == ChannelKind::GroupDm && !name.trim().is_empty() {
        return name.to_owned();
    }
    let others: Vec<&str> = recipients
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
