use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use parley_shared::messages::{CONTENT_MAX, SendMessageRequest};
use uuid::Uuid;

use crate::components::chat::chat_view::{file_list, use_chat};
use crate::components::chat::message_item::send;
use crate::components::chat::upload_tray::{UploadState, UploadTray, start_uploads};
use crate::components::common::icon::{Icon, IconName};
use crate::stores::drafts;
use crate::stores::messages::use_messages;

/// Where messages are written. Enter sends; Shift+Enter starts a new line; Up in an empty box
/// edits your last message. What you type is kept per channel until it is sent, across channel
/// switches and reloads. Files come with the "+" button (on phones: camera or gallery), a paste
/// or a drop; they upload at once and go with the message.
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

    let hint = RwSignal::new(None::<&'static str>);
    // "Wait for the files" goes once they are up (or removed).
    Effect::new(move |_| {
        let uploading = chat
            .uploads
            .with(|list| list.iter().any(|i| i.state.get() == UploadState::Uploading));
        if !uploading {
            hint.set(None);
        }
    });
    let submit = move || {
        let content = draft.get_untracked();
        if content.trim().chars().count() > CONTENT_MAX {
            return;
        }
        let (uploading, ready) = chat.uploads.with_untracked(|list| {
            let uploading = list
                .iter()
                .any(|i| i.state.get_untracked() == UploadState::Uploading);
            let ready: Vec<Uuid> = list
                .iter()
                .filter_map(|i| match i.state.get_untracked() {
                    UploadState::Done(attachment) => Some(attachment.id),
                    _ => None,
                })
                .collect();
            (uploading, ready)
        });
        if uploading {
            hint.set(Some("Wait for the files to finish uploading."));
            return;
        }
        if content.trim().is_empty() && ready.is_empty() {
            return;
        }
        hint.set(None);
        draft.set(String::new());
        // The sent files leave the tray; refused ones stay, with their reason, until removed.
        chat.uploads.update(|list| {
            list.retain(|i| !matches!(i.state.get_untracked(), UploadState::Done(_)))
        });
        let request = SendMessageRequest {
            content: content.trim().to_owned(),
            nonce: Uuid::new_v4().to_string(),
            attachment_ids: ready,
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
    let picker = NodeRef::<leptos::html::Input>::new();
    let on_picked = move |_| {
        if let Some(input) = picker.get_untracked() {
            if let Some(files) = input.files() {
                start_uploads(chat, file_list(files));
            }
            // The same file can be picked again.
            input.set_value("");
        }
        chat.focus_composer();
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        let files = ev
            .clipboard_data()
            .and_then(|data| data.files())
            .map(file_list)
            .unwrap_or_default();
        if !files.is_empty() {
            ev.prevent_default();
            start_uploads(chat, files);
        }
    };
    view! {
        <form class="composer" class:dragging=move || chat.dragging.get()
            on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <UploadTray chat=chat />
            <div class="composer-box">
                <input type="file" multiple hidden=true class="file-picker"
                    node_ref=picker on:change=on_picked />
                <button type="button" class="icon-button attach-button" aria-label="Attach files" title="Attach files"
                    on:pointerdown=|ev| ev.prevent_default()
                    on:click=move |_| if let Some(input) = picker.get_untracked() { input.click() }>
                    <Icon name=IconName::Plus />
                </button>
                <textarea
                    on:paste=on_paste
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
            {move || hint.get().map(|h| view! { <p class="form-error-inline" role="alert">{h}</p> })}
            <Show when=too_long>
                <p class="form-error-inline" role="alert">{format!("Messages can be at most {CONTENT_MAX} characters.")}</p>
            </Show>
        </form>
    }
}
