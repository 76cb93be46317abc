use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use parley_shared::messages::{CONTENT_MAX, SendMessageRequest};
use uuid::Uuid;

use crate::components::chat::message_item::send;
use crate::stores::messages::use_messages;

/// Where messages are written. Enter sends; Shift+Enter starts a new line.
#[component]
pub fn Composer(
    channel_id: Uuid,
    /// What the box says, e.g. "Message #general".
    label: String,
) -> impl IntoView {
    let messages = use_messages();
    let draft = RwSignal::new(String::new());
    let submit = move || {
        let content = draft.get_untracked();
        if content.trim().is_empty() || content.trim().chars().count() > CONTENT_MAX {
            return;
        }
        draft.set(String::new());
        let request = SendMessageRequest {
            content: content.trim().to_owned(),
            nonce: Uuid::new_v4().to_string(),
        };
        send(messages.log(channel_id), channel_id, request);
    };
    let on_key = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };
    let too_long = move || draft.with(|d| d.trim().chars().count() > CONTENT_MAX);
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <textarea
                aria-label=label.clone()
                placeholder=label
                rows="1"
                bind:value=draft
                on:keydown=on_key
            ></textarea>
            <Show when=too_long>
                <p class="form-error-inline" role="alert">{format!("Messages can be at most {CONTENT_MAX} characters.")}</p>
            </Show>
        </form>
    }
}
