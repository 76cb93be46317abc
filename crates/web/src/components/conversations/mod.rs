//! Direct conversations: the list at home, the "new message" picker and the conversation view.

pub mod conversation_list;
pub mod conversation_pane;
pub mod people_picker;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use parley_shared::servers::CreateConversationRequest;
use uuid::Uuid;

use crate::api;
use crate::stores::conversations::ConversationsStore;

/// Opens (or creates) the conversation with these people and goes there. Failures go to
/// `error`. The stores and `navigate` are taken by the caller's component when it is set up.
pub fn open_conversation(
    conversations: ConversationsStore,
    navigate: impl Fn(&str, NavigateOptions) + 'static,
    recipient_ids: Vec<Uuid>,
    error: RwSignal<Option<String>>,
    after: impl Fn() + 'static,
) {
    spawn_local(async move {
        match api::open_conversation(&CreateConversationRequest { recipient_ids }).await {
            Ok(channel) => {
                let id = channel.id;
                conversations.upsert(channel);
                after();
                navigate(&format!("/channels/@me/{id}"), NavigateOptions::default());
            }
            Err(err) => error.set(Some(err.message().to_owned())),
        }
    });
}
