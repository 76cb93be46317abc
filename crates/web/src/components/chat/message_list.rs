use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::messages::Message;
use parley_shared::servers::Role;
use uuid::Uuid;

use crate::components::chat::message_item::{MessageItem, PendingItem};
use crate::stores::realtime::use_sync;
use crate::stores::servers::use_servers;
use crate::stores::session::use_session;

/// Messages from the same author within this many seconds are shown as one group.
const GROUP_SECONDS: i64 = 5 * 60;

/// The channel's messages, oldest at the top. Scrolling near the top loads the previous page
/// without moving what you are looking at; new messages scroll into view only if you were at the
/// bottom.
#[component]
pub fn MessageList(channel_id: Uuid, server_id: Option<Uuid>) -> impl IntoView {
    let sync = use_sync();
    let session = use_session();
    let servers = use_servers();
    let log = sync.messages().log(channel_id);
    let scroller = NodeRef::<Div>::new();
    let at_bottom = StoredValue::new(true);
    {
        let sync = sync.clone();
        spawn_local(async move { sync.load(channel_id).await });
    }

    let me = move || session.user().map(|u| u.id);
    let can_moderate = move || {
        server_id
            .and_then(|id| servers.get(id))
            .is_some_and(|s| s.role >= Role::Moderator)
    };

    // Keep the bottom in view as messages arrive, if that is where the reader was.
    {
        let log = log.clone();
        Effect::new(move |_| {
            log.with(|l| (l.messages.len(), l.pending.len()));
            if at_bottom.get_value() {
                request_animation_frame(move || {
                    if let Some(el) = scroller.get_untracked() {
                        el.set_scroll_top(el.scroll_height());
                    }
                });
            }
        });
    }

    let on_scroll = {
        let log = log.clone();
        let sync = sync.clone();
        move |_| {
            let Some(el) = scroller.get_untracked() else {
                return;
            };
            at_bottom.set_value(el.scroll_height() - el.scroll_top() - el.client_height() < 40);
            let can_load =
                log.with_untracked(|l| l.older.is_some() && !l.loading_older && l.loaded);
            if el.scroll_top() < 120 && can_load {
                let before = el.scroll_height() - el.scroll_top();
                let sync = sync.clone();
                spawn_local(async move {
                    sync.load_older(channel_id).await;
                    request_animation_frame(move || {
                        if let Some(el) = scroller.get_untracked() {
                            el.set_scroll_top(el.scroll_height() - before);
                        }
                    });
                });
            }
        }
    };

    let rows = {
        let log = log.clone();
        move || {
            log.with(|l| {
                let mut previous: Option<&Message> = None;
                l.messages
                    .iter()
                    .map(|m| {
                        let compact = previous.is_some_and(|p| {
                            p.author.id == m.author.id
                                && (m.created_at - p.created_at).num_seconds() < GROUP_SECONDS
                        });
                        previous = Some(m);
                        (m.clone(), compact)
                    })
                    .collect::<Vec<_>>()
            })
        }
    };
    let pending = {
        let log = log.clone();
        move || log.with(|l| l.pending.clone())
    };
    let status = {
        let log = log.clone();
        move || {
            log.with(|l| {
                if !l.loaded {
                    Some("Loading messages…")
                } else if l.loading_older {
                    Some("Loading older messages…")
                } else if l.older.is_none() {
                    Some("This is the beginning of the conversation.")
                } else {
                    None
                }
            })
        }
    };

    view! {
        <div class="message-scroller" node_ref=scroller on:scroll=on_scroll>
            <p class="history-status muted small">{status}</p>
            <ol class="messages" aria-label="Messages">
                <For
                    each=rows
                    key=|(m, compact)| (m.id, m.edited_at, m.deleted, *compact)
                    let:row
                >
                    {
                        let (message, compact) = row;
                        let mine = me() == Some(message.author.id);
                        view! {
                            <MessageItem
                                message=message
                                compact=compact
                                can_edit=mine
                                can_delete=mine || can_moderate()
                            />
                        }
                    }
                </For>
                <For each=pending key=|p| (p.nonce.clone(), p.error.clone()) let:item>
                    <PendingItem channel_id=channel_id pending=item />
                </For>
            </ol>
        </div>
    }
}
