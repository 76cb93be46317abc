use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use parley_shared::messages::{CONTENT_MAX, SendMessageRequest};
use uuid::Uuid;

use crate::components::chat::chat_view::use_chat;
use crate::components::chat::message_item::send;
use crate::components::common::icon::{Icon, IconName};
use crate::stores::drafts;
use crate::stores::messages::use_messages;

/// Where messages are written. Enter sends; Shift+Enter starts a new line; Up in an empty box
/// edits your last message. What you type is kept per channel until it is sent, across channel
/// switches and reloads.
#[component]
pub fn Composer(
    /// What the box says, e.g. "Message #general".
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let chat = use_chat();
    let channel_id = chat.channel_id;
    let messages = use_messages();
    let draft = RwSignal::new(drafts::load(channel_id));
    Effect::new(move |_| draft.with(|d| drafts::save(channel_id, d)));

    let submit = move || {
        let content = draft.get_untracked();
        if content.trim().is_empty() || content.trim().chars().count() > CONTENT_MAX {
            return;
        }
        draft.set(String::new());
        let request = SendMessageRequest {
            content: content.trim().to_owned(),
            nonce: Uuid::new_v4().to_string(),
            attachment_ids: Vec::new(),
        };
        send(messages.log(channel_id), channel_id, request);
        chat.jump_to_present();
    };
    let edit_last = move || {
        let me = chat.me.get_untracked();
        let last = messages.log(channel_id).with_untracked(|l| {
            l.messages
                .iter()
                .rev()
                .find(|m| Some(m.author.id) == me && !m.deleted)
                .cloned()
        });
        match last {
            Some(message) => {
                chat.start_edit(&message);
                true
            }
            None => false,
        }
    };
    let on_key = move |ev: KeyboardEvent| {
        if ev.is_composing() {
            return;
        }
        match ev.key().as_str() {
            "Enter" if !ev.shift_key() => {
                ev.prevent_default();
                submit();
            }
            "ArrowUp" if draft.with_untracked(String::is_empty) && edit_last() => {
                ev.prevent_default();
            }
            _ => {}
        }
    };
    let too_long = move || draft.with(|d| d.trim().chars().count() > CONTENT_MAX);
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <div class="composer-box">
                <textarea
                    id="composer"
                    aria-label=label
                    placeholder=label
                    rows="1"
                    node_ref=chat.composer
                    bind:value=draft
                    on:keydown=on_key
                ></textarea>
                // Pressing it must not take focus from the box (that would close a phone's keyboard).
                <button type="submit" class="icon-button send-button" aria-label="Send message" title="Send"
                    on:pointerdown=|ev| ev.prevent_default()>
                    <Icon name=IconName::Send />
                </button>
            </div>
            <Show when=too_long>
                <p class="form-error-inline" role="alert">{format!("Messages can be at most {CONTENT_MAX} characters.")}</p>
            </Show>
        </form>
    }
}
