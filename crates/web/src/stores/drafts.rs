//! What someone has typed but not sent, per channel, in the browser's local storage: it survives
//! switching channels and reloading, as people expect of a chat app.

use uuid::Uuid;

fn key(channel_id: Uuid) -> String {
    format!("parley.draft.{channel_id}")
}

fn storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

pub fn load(channel_id: Uuid) -> String {
    storage()
        .and_then(|s| s.get_item(&key(channel_id)).ok().flatten())
        .unwrap_or_default()
}

/// Keeps the draft; an empty one is forgotten. Storage that is full or refused (private
/// browsing) only means the draft is not kept.
pub fn save(channel_id: Uuid, draft: &str) {
    let Some(storage) = storage() else { return };
    let _ = if draft.is_empty() {
        storage.remove_item(&key(channel_id))
    } else {
        storage.set_item(&key(channel_id), draft)
    };
}
