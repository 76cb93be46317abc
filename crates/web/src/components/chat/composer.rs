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
        let reply_to = chat.replying.get_untracked().map(|p| p.id);
        if reply_to.is_some() {
            chat.replying.set(None);
        }
        // The sent files leave the tray; refused ones stay, with their reason, until removed.
        chat.uploads.update(|list| {
            list.retain(|i| !matches!(i.state.get_untracked(), UploadState::Done(_)))
        });
        let request = SendMessageRequest {
            content: content.trim().to_owned(),
            nonce: Uuid::new_v4().to_string(),
            reply_to,
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
    // `@` autocomplete: where the name being typed starts (in characters) and what it says.
    let typing_name = RwSignal::new(None::<(usize, String)>);
    let chosen = RwSignal::new(0usize);
    let look_at_caret = move || {
        let Some(field) = chat.composer.get_untracked() else {
            return;
        };
        let caret_utf16 = field.selection_start().ok().flatten().unwrap_or(0) as usize;
        let found = draft.with_untracked(|text| name_before_caret(text, caret_utf16));
        if found != typing_name.get_untracked() {
            chosen.set(0);
            typing_name.set(found);
        }
    };
    let suggestions = Memo::new(move |_| {
        let Some((_, prefix)) = typing_name.get() else {
            return Vec::new();
        };
        let prefix = prefix.to_lowercase();
        let mut found: Vec<(String, String)> = chat.people.with(|people| {
            people
                .iter()
                .filter(|p| {
                    p.username.starts_with(&prefix)
                        || p.display_name.to_lowercase().starts_with(&prefix)
                })
                .take(MAX_SUGGESTIONS)
                .map(|p| (p.username.clone(), p.display_name.clone()))
                .collect()
        });
        if chat.can_moderate.get() {
            for special in ["everyone", "here"] {
                if special.starts_with(&prefix) {
                    found.push((special.to_owned(), "Notify everyone".to_owned()));
                }
            }
        }
        found
    });
    let complete = move |username: String| {
        let Some((start, _)) = typing_name.get_untracked() else {
            return;
        };
        let Some(field) = chat.composer.get_untracked() else {
            return;
        };
        let caret_utf16 = field.selection_start().ok().flatten().unwrap_or(0) as usize;
        let text = draft.get_untracked();
        let caret = char_index_of_utf16(&text, caret_utf16);
        let before: String = text.chars().take(start).collect();
        let after: String = text.chars().skip(caret).collect();
        let inserted = format!("@{username} ");
        let new_caret = before.encode_utf16().count() + inserted.encode_utf16().count();
        draft.set(format!("{before}{inserted}{after}"));
        typing_name.set(None);
        request_animation_frame(move || {
            if let Some(field) = chat.composer.get_untracked() {
                let _ = field.focus();
                let _ = field.set_selection_range(new_caret as u32, new_caret as u32);
            }
        });
    };
    let on_key = move |ev: KeyboardEvent| {
        if ev.is_composing() {
            return;
        }
        let count = suggestions.with_untracked(Vec::len);
        if count > 0 {
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    chosen.update(|i| *i = (*i + 1) % count);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    chosen.update(|i| *i = (*i + count - 1) % count);
                    return;
                }
                "Enter" | "Tab" => {
                    ev.prevent_default();
                    let pick = suggestions
                        .with_untracked(|s| s.get(chosen.get_untracked().min(count - 1)).cloned());
                    if let Some((username, _)) = pick {
                        complete(username);
                    }
                    return;
                }
                "Escape" => {
                    ev.prevent_default();
                    typing_name.set(None);
                    return;
                }
                _ => {}
            }
        }
        match ev.key().as_str() {
            "Enter" if !ev.shift_key() => {
                ev.prevent_default();
                submit();
            }
            "ArrowUp" if draft.with_untracked(String::is_empty) && edit_last() => {
                ev.prevent_default();
            }
            "Escape" if chat.replying.with_untracked(Option::is_some) => {
                ev.prevent_default();
                chat.replying.set(None);
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
            <ReplyBar />
            <Show when=move || suggestions.with(|s| !s.is_empty())>
                <ul class="mention-suggestions" role="listbox" aria-label="Mention someone">
                    {move || suggestions.get().into_iter().enumerate().map(|(index, (username, name))| {
                        let picked = username.clone();
                        view! {
                            <li role="option" aria-selected=move || (chosen.get() == index).to_string()
                                on:pointerdown=move |ev| { ev.prevent_default(); complete(picked.clone()); }>
                                <strong>{name}</strong>
                                <span class="muted small">{format!("@{username}")}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
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
                    on:input=move |_| look_at_caret()
                    on:click=move |_| look_at_caret()
                    on:blur=move |_| typing_name.set(None)
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

/// How many people the `@` list offers.
const MAX_SUGGESTIONS: usize = 8;

/// The character index a UTF-16 offset (what the browser's caret gives) falls at.
fn char_index_of_utf16(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (index, c) in text.chars().enumerate() {
        if units >= utf16 {
            return index;
        }
        units += c.len_utf16();
    }
    text.chars().count()
}

/// The `@name` being typed just before the caret: where its `@` is (in characters) and the
/// name so far. The `@` must start the text or follow a space.
fn name_before_caret(text: &str, caret_utf16: usize) -> Option<(usize, String)> {
    let caret = char_index_of_utf16(text, caret_utf16);
    let before: Vec<char> = text.chars().take(caret).collect();
    let at = before.iter().rposition(|c| *c == '@')?;
    let name: String = before[at + 1..].iter().collect();
    let opens = at == 0 || before[at - 1].is_whitespace();
    let plain = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    (opens && plain && name.chars().count() <= 32).then_some((at, name))
}

/// "Replying to NAME" above the box while the next message answers another, with a cancel
/// button. It alone reads the reply being written, so starting one rebuilds nothing else.
#[component]
fn ReplyBar() -> impl IntoView {
    let chat = use_chat();
    let name = Memo::new(move |_| {
        chat.replying
            .with(|r| r.as_ref().map(|p| p.author.display_name.clone()))
    });
    view! {
        <Show when=move || name.with(Option::is_some)>
            <div class="reply-bar" role="status">
                <span class="small">"Replying to " <strong>{move || name.get().unwrap_or_default()}</strong></span>
                <button type="button" class="icon-button small" aria-label="Cancel reply" title="Cancel reply"
                    on:pointerdown=|ev| ev.prevent_default()
                    on:click=move |_| { chat.replying.set(None); chat.focus_composer(); }>
                    <Icon name=IconName::Close />
                </button>
            </div>
        </Show>
    }
}
