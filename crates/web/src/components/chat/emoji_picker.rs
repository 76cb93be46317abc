use std::rc::Rc;

use leptos::html::Input;
use leptos::prelude::*;
use parley_shared::reactions::EmojiCatalogue;

use crate::api;

/// How many recently used emoji are remembered.
const RECENT_MAX: usize = 24;
/// At most this many search results are shown.
const RESULTS_MAX: usize = 120;
const RECENT_KEY: &str = "parley.recent_emoji";

/// The tabs: recently used, then Unicode's groups (by index in the catalogue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Recent,
    Group(usize),
}

/// The emoji each group's tab shows, in the catalogue's order.
const GROUP_ICONS: [&str; 9] = ["😀", "👋", "🐻", "🍔", "✈️", "⚽", "💡", "❤️", "🏁"];

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The emoji used last, newest first.
pub fn recent() -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(RECENT_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Notes that `emoji` was just used.
pub fn remember(emoji: &str) {
    let mut list = recent();
    list.retain(|e| e != emoji);
    list.insert(0, emoji.to_owned());
    list.truncate(RECENT_MAX);
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(&list)) {
        let _ = storage.set_item(RECENT_KEY, &text);
    }
}

/// (emoji, name) pairs a tab or a search shows.
fn choices(catalogue: &EmojiCatalogue, query: &str, tab: Tab) -> Vec<(String, String)> {
    let all = catalogue.groups.iter().flat_map(|g| g.emoji.iter());
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if !words.is_empty() {
        return all
            .filter(|e| {
                words.iter().all(|w| {
                    e.name.contains(w.as_str())
                        || e.shortcodes.iter().any(|s| s.contains(w.as_str()))
                })
            })
            .take(RESULTS_MAX)
            .map(|e| (e.emoji.clone(), e.name.clone()))
            .collect();
    }
    match tab {
        Tab::Recent => recent()
            .into_iter()
            .map(|emoji| {
                let name = catalogue
                    .groups
                    .iter()
                    .flat_map(|g| g.emoji.iter())
                    .find(|e| e.emoji == emoji)
                    .map(|e| e.name.clone())
                    .unwrap_or_else(|| emoji.clone());
                (emoji, name)
            })
            .collect(),
        Tab::Group(index) => catalogue
            .groups
            .get(index)
            .map(|g| {
                g.emoji
                    .iter()
                    .map(|e| (e.emoji.clone(), e.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// A popover to pick one emoji: a search field, recently used ones and Unicode's groups as tabs
/// (the list comes from the server once per page load). Escape closes it.
#[component]
pub fn EmojiPicker(
    /// Called with the emoji picked.
    on_pick: Callback<String>,
    on_close: Callback<()>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let tab = RwSignal::new(if recent().is_empty() {
        Tab::Group(0)
    } else {
        Tab::Recent
    });
    let catalogue = LocalResource::new(api::emoji_catalogue);
    let field = NodeRef::<Input>::new();
    field.on_load(|field| {
        let _ = field.focus();
    });
    let shown = Memo::new(move |_| {
        let loaded: Option<Rc<EmojiCatalogue>> =
            catalogue.with(|c| c.as_ref().and_then(|r| r.as_ref().ok().cloned()));
        loaded
            .map(|c| query.with(|q| choices(&c, q, tab.get())))
            .unwrap_or_default()
    });
    let loading = move || catalogue.with(Option::is_none);
    let pick = move |emoji: String| {
        remember(&emoji);
        on_pick.run(emoji);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
    };
    let tab_button = move |t: Tab, icon: &'static str, label: String| {
        view! {
            <button type="button" role="tab" class="emoji-tab" title=label.clone() aria-label=label
                aria-selected=move || (tab.get() == t && query.with(|q| q.trim().is_empty())).to_string()
                on:click=move |_| { query.set(String::new()); tab.set(t); }>
                {icon}
            </button>
        }
    };
    let tabs = move || {
        let names: Vec<String> = catalogue
            .with(|c| {
                c.as_ref()
                    .and_then(|r| r.as_ref().ok())
                    .map(|c| c.groups.iter().map(|g| g.name.clone()).collect())
            })
            .unwrap_or_default();
        std::iter::once(tab_button(Tab::Recent, "🕘", "Recently used".into()))
            .chain(names.into_iter().enumerate().map(|(index, name)| {
                tab_button(
                    Tab::Group(index),
                    GROUP_ICONS.get(index).copied().unwrap_or("•"),
                    name,
                )
            }))
            .collect_view()
    };
    view! {
        <div class="emoji-picker" role="dialog" aria-label="Pick an emoji" on:keydown=on_key>
            <input type="search" class="emoji-search" placeholder="Search emoji" aria-label="Search emoji"
                node_ref=field bind:value=query />
            <div class="emoji-tabs" role="tablist" aria-label="Emoji categories">{tabs}</div>
            <div class="emoji-grid" role="group" aria-label="Emoji">
                <For each=move || shown.get() key=|(emoji, _)| emoji.clone() let:item>
                    {
                        let (emoji, name) = item;
                        let picked = emoji.clone();
                        view! {
                            <button type="button" class="emoji-choice" title=name.clone() aria-label=name
                                on:click=move |_| pick(picked.clone())>{emoji}</button>
                        }
                    }
                </For>
                <Show when=move || shown.with(Vec::is_empty)>
                    <p class="muted small emoji-empty">{move || if loading() { "Loading…" } else if query.with(|q| q.trim().is_empty()) { "Nothing used yet." } else { "No emoji found." }}</p>
                </Show>
            </div>
        </div>
    }
}
