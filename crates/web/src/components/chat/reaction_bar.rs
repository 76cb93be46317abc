use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::components::chat::chat_view::use_chat;
use crate::components::chat::emoji_picker::remember;
use crate::components::chat::message_item::human;

/// Adds or takes back your reaction; the change comes back as an event, like anyone's.
pub fn toggle(
    channel_id: Uuid,
    message_id: Uuid,
    emoji: String,
    add: bool,
    error: RwSignal<Option<String>>,
) {
    if add {
        remember(&emoji);
    }
    spawn_local(async move {
        match api::react(channel_id, message_id, &emoji, add).await {
            Ok(()) => error.set(None),
            Err(err) => error.set(Some(human(&err))),
        }
    });
}

/// The reactions under a message: one pill per emoji with its count, yours highlighted. A click
/// toggles yours; hovering (or focusing) a pill names who reacted.
#[component]
pub fn ReactionBar(
    id: Uuid,
    seq: i64,
    error: RwSignal<Option<String>>,
    /// Opens the picker to add another.
    on_add: Callback<()>,
) -> impl IntoView {
    let chat = use_chat();
    let reactions = Memo::new(move |_| {
        chat.log.with(|l| {
            l.at_seq(seq)
                .filter(|m| m.id == id)
                .map(|m| m.reactions.clone())
                .unwrap_or_default()
        })
    });
    view! {
        <Show when=move || reactions.with(|r| !r.is_empty())>
            <div class="reactions" role="group" aria-label="Reactions">
                <For each=move || reactions.get() key=|r| (r.emoji.clone(), r.count, r.me) let:reaction>
                    {
                        let emoji = reaction.emoji.clone();
                        let me = reaction.me;
                        let count = reaction.count;
                        let who = RwSignal::new(None::<String>);
                        let lookup = {
                            let emoji = emoji.clone();
                            move || {
                                if who.get_untracked().is_some() {
                                    return;
                                }
                                let emoji = emoji.clone();
                                spawn_local(async move {
                                    if let Ok(page) = api::reaction_users(chat.channel_id, id, &emoji).await {
                                        let mut names: Vec<String> = page.items.into_iter().map(|u| u.display_name).collect();
                                        if page.next_cursor.is_some() {
                                            names.push("and others".into());
                                        }
                                        who.set(Some(names.join(", ")));
                                    }
                                });
                            }
                        };
                        let label = format!(
                            "{emoji}: {count} {}{}",
                            if count == 1 { "reaction" } else { "reactions" },
                            if me { ", including yours" } else { "" }
                        );
                        let hover = lookup.clone();
                        let clicked = emoji.clone();
                        view! {
                            <button type="button" class="reaction" class:mine=me aria-pressed=me.to_string()
                                aria-label=label.clone()
                                title=move || who.get().map(|names| format!("{label} — {names}")).unwrap_or_else(|| label.clone())
                                on:pointerenter=move |_| hover()
                                on:focus=move |_| lookup()
                                on:click=move |_| toggle(chat.channel_id, id, clicked.clone(), !me, error)>
                                <span class="reaction-emoji">{emoji.clone()}</span>
                                <span class="reaction-count">{count}</span>
                            </button>
                        }
                    }
                </For>
                <button type="button" class="reaction add-reaction" aria-label="Add reaction" title="Add reaction"
                    on:click=move |_| on_add.run(())>"+"</button>
            </div>
        </Show>
    }
}
