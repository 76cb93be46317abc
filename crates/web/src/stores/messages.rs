//! Messages per channel: keyed by id, ordered by seq, filled by history pages and by events, with
//! the sends still on their way shown at once and reconciled by nonce.

use std::collections::HashMap;

use leptos::prelude::*;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{Message, ReplyPreview};
use parley_shared::reactions::Reaction;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub nonce: String,
    pub content: String,
    /// The message it answers, kept for a retry.
    pub reply_to: Option<Uuid>,
    /// Uploaded files sent with it.
    pub attachment_ids: Vec<Uuid>,
    /// Why it failed, when it did; the user may retry.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelLog {
    /// Ordered by seq, each id once.
    pub messages: Vec<Message>,
    pub pending: Vec<Pending>,
    /// The last channel event applied; events at or below it are already reflected.
    pub last_seq: i64,
    /// Where the next older page starts; `None` once the beginning is reached.
    pub older: Option<String>,
    pub loaded: bool,
    pub loading_older: bool,
    /// Set while the loaded window is an older stretch of history (after jumping to a message
    /// far back): where the next newer page starts. Messages that arrive meanwhile are kept but
    /// not shown until the window reaches them.
    pub newer: Option<String>,
    /// The newest message of the window while `newer` is set.
    pub window_end: Option<i64>,
    pub loading_newer: bool,
    /// Counts `pins_update` events, so an open pins panel knows to reload.
    pub pins_changed: u64,
}

impl ChannelLog {
    /// The message created at `seq`, if it is loaded.
    pub fn at_seq(&self, seq: i64) -> Option<&Message> {
        self.messages
            .binary_search_by_key(&seq, |m| m.seq)
            .ok()
            .map(|index| &self.messages[index])
    }

    /// The messages on screen: all of them, or the window up to `window_end`.
    pub fn visible(&self) -> &[Message] {
        match self.window_end {
            Some(end) => {
                let until = self.messages.partition_point(|m| m.seq <= end);
                &self.messages[..until]
            }
            None => &self.messages,
        }
    }

    /// Whether the message is loaded and on screen.
    pub fn shows(&self, id: Uuid) -> bool {
        self.visible().iter().any(|m| m.id == id)
    }

    /// Adds a page of newer messages (oldest first) to a detached window; `next` is where the
    /// following one starts. Without `next` the window has reached the present.
    pub fn extend_newer(&mut self, items: Vec<Message>, next: Option<String>) {
        let end = items.iter().map(|m| m.seq).max();
        for message in items {
            self.upsert(message);
        }
        match next {
            Some(cursor) => {
                self.newer = Some(cursor);
                self.window_end = end.or(self.window_end);
            }
            None => {
                self.newer = None;
                self.window_end = None;
            }
        }
    }

    pub fn upsert(&mut self, message: Message) {
        if let Some(nonce) = &message.nonce {
            self.pending.retain(|p| &p.nonce != nonce);
        }
        match self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
            Ok(index) => self.messages[index] = message,
            Err(index) => self.messages.insert(index, message),
        }
    }

    /// Applies a channel event. `false` when it shows that something was missed (a gap), so the
    /// caller should fetch the events in between.
    pub fn apply(&mut self, event: &ServerEvent, me: Option<Uuid>) -> bool {
        let Some((_, seq)) = event.channel_seq() else {
            return true;
        };
        if seq <= self.last_seq {
            return true;
        }
        if seq > self.last_seq + 1 {
            return false;
        }
        self.last_seq = seq;
        match event {
            ServerEvent::MessageCreate { message, .. } => self.upsert(message.clone()),
            ServerEvent::MessageUpdate { message, .. }
            | ServerEvent::MessageDelete { message, .. } => {
                // Changes to messages older than what is loaded arrive with their page; the
                // replies that are loaded show the parent as it is now, loaded or not.
                // Its reactions stay as they are here: the event's say `me` for nobody, and
                // reaction events keep them current.
                if let Some(existing) = self.messages.iter().find(|m| m.id == message.id) {
                    let mut updated = message.clone();
                    updated.reactions = existing.reactions.clone();
                    self.upsert(updated);
                }
                self.refresh_replies_to(message);
            }
            ServerEvent::ReactionAdd {
                message_id,
                user_id,
                emoji,
                ..
            } => {
                if let Some(message) = self.messages.iter_mut().find(|m| m.id == *message_id) {
                    add_reaction(&mut message.reactions, emoji, Some(*user_id) == me);
                }
            }
            ServerEvent::PinsUpdate {
                message_id, pinned, ..
            } => {
                if let Some(message) = self.messages.iter_mut().find(|m| m.id == *message_id) {
                    message.pinned = *pinned;
                }
                self.pins_changed += 1;
            }
            ServerEvent::ReactionRemove {
                message_id,
                user_id,
                emoji,
                ..
            } => {
                if let Some(message) = self.messages.iter_mut().find(|m| m.id == *message_id) {
                    remove_reaction(&mut message.reactions, emoji, Some(*user_id) == me);
                }
            }
            _ => {}
        }
        true
    }

    fn refresh_replies_to(&mut self, parent: &Message) {
        for reply in &mut self.messages {
            if let Some(preview) = &mut reply.reply_to
                && preview.id == parent.id
            {
                *preview = ReplyPreview::of(parent);
            }
        }
    }
}

/// One more person reacted with `emoji` (`mine` when it is you).
pub fn add_reaction(reactions: &mut Vec<Reaction>, emoji: &str, mine: bool) {
    match reactions.iter_mut().find(|r| r.emoji == emoji) {
        Some(reaction) => {
            reaction.count += 1;
            reaction.me |= mine;
        }
        None => reactions.push(Reaction {
            emoji: emoji.to_owned(),
            count: 1,
            me: mine,
        }),
    }
}

/// One person fewer; the pill goes when nobody is left.
pub fn remove_reaction(reactions: &mut Vec<Reaction>, emoji: &str, mine: bool) {
    if let Some(reaction) = reactions.iter_mut().find(|r| r.emoji == emoji) {
        reaction.count = reaction.count.saturating_sub(1);
        if mine {
            reaction.me = false;
        }
    }
    reactions.retain(|r| r.count > 0);
}

#[derive(Clone, Copy)]
pub struct MessagesStore {
    logs: StoredValue<HashMap<Uuid, ArcRwSignal<ChannelLog>>>,
    /// The newest seq heard of per channel (from Ready and from events), opened or not. Not
    /// reactive on purpose: it moves with every message, and no view shows it.
    newest: StoredValue<HashMap<Uuid, i64>>,
}

impl MessagesStore {
    pub fn provide() -> Self {
        let store = Self {
            logs: StoredValue::new(HashMap::new()),
            newest: StoredValue::new(HashMap::new()),
        };
        provide_context(store);
        store
    }

    /// Notes that a channel has reached `seq`.
    pub fn note_seq(&self, channel_id: Uuid, seq: i64) {
        self.newest.update_value(|newest| {
            let known = newest.entry(channel_id).or_insert(seq);
            *known = (*known).max(seq);
        });
    }

    /// The newest seq heard of for the channel; 0 when nothing is known.
    pub fn newest_seq(&self, channel_id: Uuid) -> i64 {
        self.newest
            .with_value(|newest| newest.get(&channel_id).copied().unwrap_or(0))
    }

    /// The channel's log, created empty on first use. Reference-counted, so it outlives the
    /// component that first asked for it (switching back shows it at once).
    pub fn log(&self, channel_id: Uuid) -> ArcRwSignal<ChannelLog> {
        if let Some(log) = self.logs.with_value(|logs| logs.get(&channel_id).cloned()) {
            return log;
        }
        let log = ArcRwSignal::new(ChannelLog::default());
        self.logs.update_value(|logs| {
            logs.insert(channel_id, log.clone());
        });
        log
    }

    /// The log if the channel has been opened (only those are kept current).
    pub fn loaded(&self, channel_id: Uuid) -> Option<ArcRwSignal<ChannelLog>> {
        self.logs
            .with_value(|logs| logs.get(&channel_id).cloned())
            .filter(|log| log.with_untracked(|l| l.loaded))
    }

    pub fn loaded_channels(&self) -> Vec<(Uuid, i64)> {
        self.logs.with_value(|logs| {
            logs.iter()
                .filter_map(|(id, log)| {
                    log.with_untracked(|l| l.loaded.then_some((*id, l.last_seq)))
                })
                .collect()
        })
    }
}

pub fn use_messages() -> MessagesStore {
    expect_context::<MessagesStore>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_shared::users::User;

    fn message(seq: i64, content: &str, reply_to: Option<ReplyPreview>) -> Message {
        Message {
            id: Uuid::from_u128(seq as u128),
            channel_id: Uuid::nil(),
            author: User {
                id: Uuid::nil(),
                username: "ann".into(),
                display_name: "Ann".into(),
                email: None,
                allow_dms_from: None,
                created_at: chrono::DateTime::UNIX_EPOCH,
            },
            content: content.into(),
            seq,
            created_at: chrono::DateTime::UNIX_EPOCH,
            edited_at: None,
            deleted: false,
            nonce: None,
            reply_to,
            reactions: Vec::new(),
            mentions: Vec::new(),
            mention_roles: Vec::new(),
            mention_everyone: false,
            pinned: false,
        }
    }

    #[test]
    fn replies_follow_their_parent_through_edit_and_delete_even_when_it_is_not_loaded() {
        let parent = message(1, "first words", None);
        let reply = message(5, "answer", Some(ReplyPreview::of(&parent)));
        let mut log = ChannelLog {
            last_seq: 5,
            loaded: true,
            ..ChannelLog::default()
        };
        log.upsert(reply);
        let mut edited = parent.clone();
        edited.content = "second words".into();
        assert!(log.apply(
            &ServerEvent::MessageUpdate {
                channel_id: Uuid::nil(),
                seq: 6,
                message: edited,
            },
            None
        ));
        let preview = |log: &ChannelLog| log.messages[0].reply_to.clone();
        assert_eq!(
            preview(&log).map(|p| p.excerpt),
            Some("second words".into())
        );
        assert_eq!(
            log.messages.len(),
            1,
            "the parent is not added by its update"
        );
        let mut gone = parent;
        gone.deleted = true;
        assert!(log.apply(
            &ServerEvent::MessageDelete {
                channel_id: Uuid::nil(),
                seq: 7,
                message: gone,
            },
            None
        ));
        assert!(preview(&log).is_some_and(|p| p.deleted && p.excerpt.is_empty()));
    }

    #[test]
    fn a_detached_window_hides_live_messages_until_it_reaches_them() {
        let mut log = ChannelLog {
            last_seq: 10,
            loaded: true,
            newer: Some("cursor".into()),
            window_end: Some(3),
            ..ChannelLog::default()
        };
        for seq in 1..=3 {
            log.upsert(message(seq, "old", None));
        }
        assert!(log.apply(
            &ServerEvent::MessageCreate {
                channel_id: Uuid::nil(),
                seq: 11,
                message: message(11, "live", None),
            },
            None
        ));
        assert_eq!(log.visible().len(), 3, "the live one waits");
        log.extend_newer(vec![message(4, "newer", None)], Some("more".into()));
        assert_eq!(log.visible().last().map(|m| m.seq), Some(4));
        log.extend_newer(vec![message(9, "newest", None)], None);
        let seqs: Vec<i64> = log.visible().iter().map(|m| m.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 9, 11]);
    }

    #[test]
    fn reaction_events_count_people_and_know_which_is_you() {
        let me = Uuid::from_u128(7);
        let other = Uuid::from_u128(8);
        let mut log = ChannelLog {
            last_seq: 1,
            loaded: true,
            ..ChannelLog::default()
        };
        log.upsert(message(1, "vote", None));
        let id = log.messages[0].id;
        let event = |seq, user_id, add: bool| {
            let (channel_id, message_id, emoji) = (Uuid::nil(), id, "🎉".to_owned());
            if add {
                ServerEvent::ReactionAdd {
                    channel_id,
                    seq,
                    message_id,
                    user_id,
                    emoji,
                }
            } else {
                ServerEvent::ReactionRemove {
                    channel_id,
                    seq,
                    message_id,
                    user_id,
                    emoji,
                }
            }
        };
        assert!(log.apply(&event(2, other, true), Some(me)));
        assert!(log.apply(&event(3, me, true), Some(me)));
        let shown = |log: &ChannelLog| log.messages[0].reactions.clone();
        assert_eq!(
            shown(&log),
            vec![Reaction {
                emoji: "🎉".into(),
                count: 2,
                me: true
            }]
        );
        // A replayed event changes nothing.
        assert!(log.apply(&event(3, me, true), Some(me)));
        assert_eq!(shown(&log)[0].count, 2);
        // An edit keeps the reactions (its own say `me` for nobody).
        let mut edited = message(1, "vote now", None);
        edited.reactions = vec![Reaction {
            emoji: "🎉".into(),
            count: 2,
            me: false,
        }];
        let update = ServerEvent::MessageUpdate {
            channel_id: Uuid::nil(),
            seq: 4,
            message: edited,
        };
        assert!(log.apply(&update, Some(me)));
        assert!(shown(&log)[0].me);
        assert!(log.apply(&event(5, me, false), Some(me)));
        assert_eq!(
            shown(&log),
            vec![Reaction {
                emoji: "🎉".into(),
                count: 1,
                me: false
            }]
        );
        assert!(log.apply(&event(6, other, false), Some(me)));
        assert!(shown(&log).is_empty());
    }
}
