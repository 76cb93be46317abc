use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::messages::{Message, SendMessageRequest};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use crate::api;
use crate::components::common::avatar::Avatar;
use crate::components::common::confirm_dialog::ConfirmDialog;
use crate::components::common::icon::{Icon, IconName};
use crate::stores::messages::{Pending, use_messages};
use crate::stores::session::use_session;

/// A time in the reader's own time zone and locale.
fn local_time(message: &Message) -> (String, String) {
    let date = js_sys::Date::new(&JsValue::from_f64(
        message.created_at.timestamp_millis() as f64
    ));
    let time = String::from(date.to_locale_time_string("default"));
    let full = String::from(date.to_locale_string("default", &JsValue::UNDEFINED));
    (time, full)
}

/// One message: inline editing (Enter saves, Escape cancels) and deletion with confirmation.
/// Content is always text, never HTML.
#[component]
pub fn MessageItem(
    message: Message,
    compact: bool,
    can_edit: bool,
    can_delete: bool,
) -> impl IntoView {
    let session = use_session();
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(message.content.clone());
    let error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let (time, full_time) = local_time(&message);
    let channel_id = message.channel_id;
    let id = message.id;
    let deleted = message.deleted;

    let save = move || {
        let content = draft.get_untracked();
        if content.trim().is_empty() {
            error.set(Some("A message cannot be empty; delete it instead.".into()));
            return;
        }
        spawn_local(async move {
            match api::edit_message(channel_id, id, content).await {
                Ok(_) => {
                    editing.set(false);
                    error.set(None);
                }
                Err(err) => {
                    session.observe(&err);
                    error.set(Some(err.message().to_owned()));
                }
            }
        });
    };
    let delete = Callback::new(move |()| {
        confirming.set(false);
        spawn_local(async move {
            if let Err(err) = api::delete_message(channel_id, id).await {
                error.set(Some(err.message().to_owned()));
            }
        });
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            editing.set(false);
        } else if ev.key() == "Enter" && !ev.shift_key() {
            ev.prevent_default();
            save();
        }
    };

    let author = message.author.display_name.clone();
    view! {
        <li class="message" class:compact=compact class:deleted=deleted data-message-id=id.to_string()>
            {(!compact).then(|| view! { <Avatar name=author.clone() size=40 /> })}
            <div class="message-body">
                {(!compact).then(|| view! {
                    <div class="message-meta">
                        <span class="message-author">{author.clone()}</span>
                        <time class="muted small" datetime=message.created_at.to_rfc3339() title=full_time.clone()>{time.clone()}</time>
                    </div>
                })}
                <Show
                    when=move || editing.get()
                    fallback={
                        let content = message.content.clone();
                        let edited = message.edited_at.is_some() && !deleted;
                        move || view! {
                            <p class="message-content">
                                {content.clone()}
                                {edited.then(|| view! { <span class="edited muted small">" (edited)"</span> })}
                            </p>
                        }
                    }
                >
                    <div class="message-edit">
                        <textarea aria-label="Edit message" bind:value=draft on:keydown=on_key rows="2"></textarea>
                        <p class="muted small">
                            "Escape to " <button type="button" class="link-button" on:click=move |_| editing.set(false)>"cancel"</button>
                            " · Enter to " <button type="button" class="link-button" on:click=move |_| save()>"save"</button>
                        </p>
                    </div>
                </Show>
                <p class="form-error-inline" role="alert">{move || error.get()}</p>
            </div>
            {(!deleted && (can_edit || can_delete)).then(|| view! {
                <div class="message-actions">
                    {can_edit.then(|| view! {
                        <button type="button" class="icon-button small" aria-label="Edit message" title="Edit"
                            on:click=move |_| editing.set(true)><Icon name=IconName::Edit /></button>
                    })}
                    {can_delete.then(|| view! {
                        <button type="button" class="icon-button small" aria-label="Delete message" title="Delete"
                            on:click=move |_| confirming.set(true)><Icon name=IconName::Trash /></button>
                    })}
                </div>
            })}
            <Show when=move || confirming.get()>
                <ConfirmDialog
                    title="Delete message"
                    message="Delete this message? Everyone will see that it was deleted."
                    confirm_label="Delete"
                    on_confirm=delete
                    on_close=Callback::new(move |()| confirming.set(false))
                />
            </Show>
        </li>
    }
}

/// A message on its way: shown at once, replaced by the real one when it is stored (matched by
/// nonce), or marked failed with a retry.
#[component]
pub fn PendingItem(channel_id: Uuid, pending: Pending) -> impl IntoView {
    let messages = use_messages();
    let failed = pending.error.clone();
    let is_failed = failed.is_some();
    let retry = {
        let pending = pending.clone();
        move |_| {
            let log = messages.log(channel_id);
            let request = SendMessageRequest {
                content: pending.content.clone(),
                nonce: pending.nonce.clone(),
            };
            send(log, channel_id, request);
        }
    };
    view! {
        <li class="message pending" class:failed=is_failed aria-busy=(!is_failed).to_string()>
            <div class="message-body">
                <p class="message-content">{pending.content.clone()}</p>
                {failed.map(|reason| view! {
                    <p class="form-error-inline" role="alert">
                        "Not sent: " {reason} " "
                        <button type="button" class="link-button" on:click=retry>"Retry"</button>
                    </p>
                })}
            </div>
        </li>
    }
}

/// Sends (or re-sends, with the same nonce, so it is never doubled) and reconciles the log.
pub fn send(
    log: ArcRwSignal<crate::stores::messages::ChannelLog>,
    channel_id: Uuid,
    request: SendMessageRequest,
) {
    log.update(
        |l| match l.pending.iter_mut().find(|p| p.nonce == request.nonce) {
            Some(p) => p.error = None,
            None => l.pending.push(Pending {
                nonce: request.nonce.clone(),
                content: request.content.clone(),
                error: None,
            }),
        },
    );
    spawn_local(async move {
        match api::send_message(channel_id, &request).await {
            Ok(message) => log.update(|l| l.upsert(message)),
            Err(err) => log.update(|l| {
                if let Some(p) = l.pending.iter_mut().find(|p| p.nonce == request.nonce) {
                    p.error = Some(err.message().to_owned());
                }
            }),
        }
    });
}
