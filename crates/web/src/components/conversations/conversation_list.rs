use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use parley_shared::servers::ChannelKind;

use crate::components::common::avatar::Avatar;
use crate::components::conversations::open_conversation;
use crate::components::conversations::people_picker::PeoplePicker;
use crate::stores::conversations::{title, use_conversations};
use crate::stores::session::use_session;

/// Your conversations at home, latest first, with a preview of each one's last message.
#[component]
pub fn ConversationList() -> impl IntoView {
    let conversations = use_conversations();
    let session = use_session();
    let location = use_location();
    let navigate = StoredValue::new(use_navigate());
    let picking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let me = move || session.user().map(|u| u.id);
    view! {
        <div class="channel-group-header">
            <h3 class="sidebar-heading">"Direct messages"</h3>
            <button type="button" class="icon-button small" aria-label="New message" title="New message"
                on:click=move |_| { error.set(None); picking.set(true); }>"+"</button>
        </div>
        <Show when=move || conversations.list().is_empty()>
            <p class="sidebar-empty">"No conversations yet."</p>
        </Show>
        <ul class="conversation-list" aria-label="Conversations">
            <For
                each=move || conversations.list()
                key=|c| (c.channel.id, c.channel.name.clone(), c.channel.recipients.len(), c.last_message.as_ref().map(|m| (m.id, m.edited_at, m.deleted)))
                let:conversation
            >
                {
                    let id = conversation.channel.id;
                    let name = title(&conversation.channel, me());
                    let group = conversation.channel.kind == ChannelKind::GroupDm;
                    let preview = conversation.last_message.as_ref().map(|m| format!("{}: {}", m.author.display_name, m.content));
                    let current = move || location.pathname.with(|p| p.ends_with(&id.to_string()));
                    view! {
                        <li>
                            <A href=format!("/channels/@me/{id}") attr:class="conversation-item" attr:aria-current=move || current().then_some("page")>
                                <Avatar name=name.clone() size=32 />
                                <span class="conversation-text">
                                    <span class="conversation-name">{name.clone()}</span>
                                    <span class="conversation-preview muted small">
                                        {preview.unwrap_or_else(|| if group { format!("{} people", conversation.channel.recipients.len()) } else { String::new() })}
                                    </span>
                                </span>
                            </A>
                        </li>
                    }
                }
            </For>
        </ul>
        <Show when=move || picking.get()>
            <PeoplePicker
                title="New message"
                action="Start conversation"
                max=9
                error=error
                on_close=Callback::new(move |()| picking.set(false))
                on_done=Callback::new(move |ids| {
                    open_conversation(conversations, navigate.get_value(), ids, error, move || picking.set(false));
                })
            />
        </Show>
    }
}
