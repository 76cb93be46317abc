use leptos::prelude::*;
use parley_shared::messages::{Message, excerpt};

use crate::api;
use crate::components::chat::chat_view::use_chat;
use crate::components::chat::message_item::human;
use crate::format;

/// The "Pinned messages" button at the top of a channel, and its panel: the pinned messages,
/// latest pinned first, each a way to jump to it. It reloads when a pin changes.
#[component]
pub fn PinsButton() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="pins-anchor">
            <button type="button" class="pins-button small" aria-haspopup="dialog"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>"Pinned messages"</button>
            <Show when=move || open.get()>
                <PinsPanel on_close=Callback::new(move |()| open.set(false)) />
            </Show>
        </div>
    }
}

#[component]
fn PinsPanel(on_close: Callback<()>) -> impl IntoView {
    let chat = use_chat();
    let changes = Memo::new(move |_| chat.log.with(|l| l.pins_changed));
    let pins = LocalResource::new(move || {
        changes.track();
        api::pins(chat.channel_id)
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_close.run(());
        }
    };
    let row = move |message: Message| {
        let id = message.id;
        let author = message.author.display_name.clone();
        let when = format::calendar(message.created_at);
        let text = excerpt(&message.content);
        view! {
            <li class="pin">
                <div class="message-meta">
                    <span class="message-author">{author}</span>
                    <span class="muted small">{when}</span>
                </div>
                <p class="pin-text">{text}</p>
                <button type="button" class="link-button small"
                    on:click=move |_| { on_close.run(()); chat.jump_to(id); }>"Jump"</button>
            </li>
        }
    };
    view! {
        <div class="pins-panel" role="dialog" aria-label="Pinned messages" on:keydown=on_key>
            <h2 class="small">"Pinned messages"</h2>
            {move || match pins.get() {
                None => view! { <p class="muted small">"Loading…"</p> }.into_any(),
                Some(Err(err)) => view! { <p class="form-error-inline">{human(&err)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted small">"Nothing is pinned here yet."</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ol class="pins">{list.into_iter().map(row).collect_view()}</ol>
                }
                .into_any(),
            }}
        </div>
    }
}
