//! Messages per channel: keyed by id, ordered by seq, filled by history pages and by events, with
//! the sends still on their way shown at once and reconciled by nonce.

use std::collections::HashMap;

use leptos::prelude::*;
use parley_shared::events::ServerEvent;
use parley_shared::messages::Message;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub nonce: String,
    pub content: String,
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
}

impl ChannelLog {
    /// The message created at `seq`, if it is loaded.
    pub fn at_seq(&self, seq: i64) -> Option<&Message> {
        self.messages
            .binary_search_by_key(&seq, |m| m.seq)
            .ok()
            .map(|index| &self.messages[index])
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
    pub fn apply(&mut self, event: &ServerEvent) -> bool {
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
            // Changes to messages older than what is loaded arrive with their page.
            ServerEvent::MessageUpdate { message, .. }
            | ServerEvent::MessageDelete { message, .. }
                if self.messages.iter().any(|m| m.id == message.id) =>
            {
                self.upsert(message.clone());
            }
            _ => {}
        }
        true
    }
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
