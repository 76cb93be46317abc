use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::messages::Message;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::components::chat::chat_view::use_chat;
use crate::components::chat::message_item::{MessageItem, PendingItem};
use crate::format;
use crate::stores::realtime::use_sync;

/// Messages from the same author within this many seconds are shown as one group.
const GROUP_SECONDS: i64 = 5 * 60;
/// How close to the bottom (in pixels) still counts as reading the newest messages.
const BOTTOM_SLACK: i32 = 40;
/// How long a message jumped to stays highlighted.
const HIGHLIGHT_MS: u64 = 2_500;

/// One line of the list: which message, whether it continues its author's group, and the day it
/// starts when it is the first of a new day. The row reads the message itself, so an edit or a
/// delete updates the row in place (its focus, its open menu) instead of replacing it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Row {
    id: Uuid,
    seq: i64,
    compact: bool,
    day: Option<String>,
}

fn rows(messages: &[Message]) -> Vec<Row> {
    let mut previous: Option<&Message> = None;
    messages
        .iter()
        .map(|m| {
            let new_day = previous
                .is_none_or(|p| format::local_day(p.created_at) != format::local_day(m.created_at));
            let compact = !new_day
                && previous.is_some_and(|p| {
                    p.author.id == m.author.id
                        && (m.created_at - p.created_at).num_seconds() < GROUP_SECONDS
                });
            previous = Some(m);
            Row {
                id: m.id,
                seq: m.seq,
                compact,
                day: new_day.then(|| format::day_label(m.created_at)),
            }
        })
        .collect()
}

/// The channel's messages, oldest at the top. Scrolling near the top loads the previous page
/// without moving what you are looking at. New messages keep the newest in view if that is
/// where the reader was; someone reading history stays where they are and gets a "jump to
/// present" bar instead. Up and Down move between messages; Enter opens a message's actions.
#[component]
pub fn MessageList(
    /// Shown above the first message once the beginning is reached.
    intro: Option<ViewFn>,
) -> impl IntoView {
    let chat = use_chat();
    let channel_id = chat.channel_id;
    let sync = use_sync();
    let log = chat.log;
    let scroller = NodeRef::<Div>::new();
    let at_bottom = RwSignal::new(true);
    // Messages from others that arrived while the reader was further up.
    let unseen = RwSignal::new(0usize);
    {
        let sync = sync.clone();
        spawn_local(async move { sync.load(channel_id).await });
    }

    let scroll_to_bottom = move || {
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    };

    // What arrives at the end of the list: follow it if the reader is at the bottom, count it
    // otherwise. Older pages and edits do not move the newest seq, so they do not count.
    let newest = Memo::new(move |_| log.with(|l| l.visible().last().map(|m| m.seq)));
    let pending_count = Memo::new(move |_| log.with(|l| l.pending.len()));
    Effect::new(move |previous: Option<Option<i64>>| {
        let newest = newest.get();
        pending_count.track();
        if at_bottom.get_untracked() {
            scroll_to_bottom();
        } else if let (Some(Some(before)), Some(_)) = (previous, newest) {
            let me = chat.me.get_untracked();
            let arrived = log.with_untracked(|l| {
                l.visible()
                    .iter()
                    .rev()
                    .take_while(|m| m.seq > before)
                    .filter(|m| Some(m.author.id) != me)
                    .count()
            });
            if arrived > 0 {
                unseen.update(|n| *n += arrived);
            }
        }
        newest
    });
    {
        let sync = sync.clone();
        Effect::new(move |_| {
            chat.present.track();
            at_bottom.set(true);
            unseen.set(0);
            // Reading a stretch of old history: the present has to be loaded first.
            if log.with_untracked(|l| l.window_end.is_some()) {
                let sync = sync.clone();
                spawn_local(async move {
                    sync.reload(channel_id).await;
                    scroll_to_bottom();
                });
            } else {
                scroll_to_bottom();
            }
        });
    }

    // A jump: load the message's page if it is not here, then bring it to the middle of the
    // view, focus it and highlight it for a moment.
    {
        let sync = sync.clone();
        Effect::new(move |_| {
            let Some(target) = chat.jump.get() else {
                return;
            };
            chat.jump.set(None);
            let sync = sync.clone();
            // Not following the newest any more: what loads must not pull the view down.
            at_bottom.set(false);
            spawn_local(async move {
                if !sync.load_around(channel_id, target).await {
                    return;
                }
                request_animation_frame(move || {
                    let selector = format!(".message[data-message-id=\"{target}\"]");
                    let found = scroller
                        .get_untracked()
                        .and_then(|list| list.query_selector(&selector).ok().flatten())
                        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
                    if let Some(row) = found {
                        let options = web_sys::ScrollIntoViewOptions::new();
                        options.set_block(web_sys::ScrollLogicalPosition::Center);
                        row.scroll_into_view_with_scroll_into_view_options(&options);
                        let _ = row.focus();
                        chat.highlight.set(Some(target));
                        set_timeout(
                            move || {
                                if chat.highlight.get_untracked() == Some(target) {
                                    chat.highlight.set(None);
                                }
                            },
                            std::time::Duration::from_millis(HIGHLIGHT_MS),
                        );
                    }
                });
            });
        });
    }

    let on_scroll = {
        let sync = sync.clone();
        move |_| {
            let Some(el) = scroller.get_untracked() else {
                return;
            };
            let bottom = el.scroll_height() - el.scroll_top() - el.client_height() < BOTTOM_SLACK;
            if bottom != at_bottom.get_untracked() {
                at_bottom.set(bottom);
            }
            if bottom && unseen.get_untracked() > 0 {
                unseen.set(0);
            }
            let can_load =
                log.with_untracked(|l| l.older.is_some() && !l.loading_older && l.loaded);
            // Near the bottom of a window on old history, the next newer page follows.
            let can_load_newer =
                log.with_untracked(|l| l.newer.is_some() && !l.loading_newer && l.loaded);
            if el.scroll_height() - el.scroll_top() - el.client_height() < 200 && can_load_newer {
                let sync = sync.clone();
                spawn_local(async move { sync.load_newer(channel_id).await });
            }
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

    // Up and Down walk the messages; from the list itself, Up starts at the newest.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let up = match ev.key().as_str() {
            "ArrowUp" => true,
            "ArrowDown" => false,
            _ => return,
        };
        let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return;
        };
        let Some(list) = scroller.get_untracked() else {
            return;
        };
        let rows = list.query_selector_all(".message[tabindex]").ok();
        let rows: Vec<web_sys::HtmlElement> = rows
            .map(|rows| {
                (0..rows.length())
                    .filter_map(|i| rows.item(i))
                    .filter_map(|n| n.dyn_into().ok())
                    .collect()
            })
            .unwrap_or_default();
        let next = if target == *list {
            if up { rows.last() } else { rows.first() }
        } else if let Some(at) = rows.iter().position(|r| *r == target) {
            if up {
                at.checked_sub(1).and_then(|i| rows.get(i))
            } else {
                rows.get(at + 1)
            }
        } else {
            // Inside a message (its edit box, a button): the keys are theirs.
            return;
        };
        ev.prevent_default();
        if let Some(next) = next {
            let _ = next.focus();
        }
    };

    let each_row = { move || log.with(|l| rows(l.visible())) };
    let detached = Memo::new(move |_| log.with(|l| l.window_end.is_some()));
    let pending = {
        move || {
            log.with(|l| {
                // The first pending message joins the last one if that was ours.
                let me = chat.me.get_untracked();
                let joins = l.messages.last().is_some_and(|m| Some(m.author.id) == me);
                if l.window_end.is_some() {
                    return Vec::new();
                }
                l.pending
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.clone(), i > 0 || joins))
                    .collect::<Vec<_>>()
            })
        }
    };
    let beginning = { Memo::new(move |_| log.with(|l| l.loaded && l.older.is_none())) };
    let status = {
        move || {
            log.with(|l| {
                if !l.loaded {
                    Some("Loading messages…")
                } else if l.loading_older {
                    Some("Loading older messages…")
                } else {
                    None
                }
            })
        }
    };

    view! {
        <div class="message-pane">
            <div
                class="message-scroller"
                node_ref=scroller
                on:scroll=on_scroll
                on:keydown=on_keydown
                tabindex="0"
                role="region"
                aria-label="Message history"
            >
                <div class="history">
                <Show when=move || beginning.get()>
                    {match intro.clone() {
                        Some(intro) => intro.run(),
                        None => view! {
                            <p class="history-status muted small">"This is the beginning of the conversation."</p>
                        }.into_any(),
                    }}
                </Show>
                <p class="history-status muted small" role="status">{status}</p>
                <ol class="messages" aria-label="Messages">
                    <For each=each_row key=|row| row.clone() let:row>
                        <MessageItem id=row.id seq=row.seq compact=row.compact day=row.day />
                    </For>
                    <For each=pending key=|(p, compact)| (p.nonce.clone(), p.error.clone(), *compact) let:item>
                        <PendingItem pending=item.0 compact=item.1 />
                    </For>
                </ol>
                </div>
            </div>
            <Show when=move || { (unseen.get() > 0 && !at_bottom.get()) || detached.get() }>
                <button type="button" class="jump-bar" on:click=move |_| chat.jump_to_present()>
                    <span>{move || if detached.get() { "You are viewing older messages" } else { "New messages" }}</span>
                    <span class="jump-action">"Jump to present"</span>
                </button>
            </Show>
        </div>
    }
}
