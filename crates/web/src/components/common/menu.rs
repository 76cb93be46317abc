use leptos::html::{Button, Div};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::focus;

/// A menu of actions (`role="menuitem"` buttons as children). Focus starts on the first item;
/// Up and Down move between items, Escape or Tab close it and give focus back to what opened it,
/// and a click or tap anywhere outside closes it.
#[component]
pub fn Menu(
    /// What the menu is, for screen readers ("Message actions").
    #[prop(into)]
    label: String,
    on_close: Callback<()>,
    /// The button that opens and closes the menu: a click on it is not "outside".
    #[prop(optional)]
    trigger: Option<NodeRef<Button>>,
    #[prop(optional, into)] class: String,
    /// A line above the items (a message's full date on a phone), outside the menu's role.
    #[prop(optional, into)]
    header: Option<String>,
    children: Children,
) -> impl IntoView {
    let opener = StoredValue::new_local(focus::active());
    let menu = NodeRef::<Div>::new();
    let frame = NodeRef::<Div>::new();
    let items = move || {
        menu.get_untracked()
            .map(|menu| {
                focus::focusables(&menu)
                    .into_iter()
                    .filter(|el| el.get_attribute("role").as_deref() == Some("menuitem"))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    menu.on_load(move |_| {
        if let Some(first) = items().first() {
            let _ = first.focus();
        }
    });
    let close_and_return = move || {
        on_close.run(());
        focus::restore(opener.get_value());
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        match key.as_str() {
            "Escape" | "Tab" => {
                ev.stop_propagation();
                if key == "Escape" {
                    ev.prevent_default();
                }
                close_and_return();
            }
            "ArrowDown" | "ArrowUp" | "Home" | "End" => {
                ev.prevent_default();
                ev.stop_propagation();
                let items = items();
                if items.is_empty() {
                    return;
                }
                let current = focus::active();
                let at = items.iter().position(|el| Some(el) == current.as_ref());
                let last = items.len() - 1;
                let next = match (key.as_str(), at) {
                    ("Home", _) => 0,
                    ("End", _) => last,
                    ("ArrowDown", Some(i)) if i < last => i + 1,
                    ("ArrowDown", _) => 0,
                    ("ArrowUp", Some(i)) if i > 0 => i - 1,
                    _ => last,
                };
                let _ = items[next].focus();
            }
            _ => {}
        }
    };
    // Outside: anywhere but the menu and its trigger.
    let outside = window_event_listener(leptos::ev::pointerdown, move |ev| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()) else {
            return;
        };
        let inside = |el: Option<web_sys::Element>| el.is_some_and(|el| el.contains(Some(&target)));
        let in_menu = inside(frame.get_untracked().map(Into::into));
        let on_trigger = inside(trigger.and_then(|t| t.get_untracked()).map(Into::into));
        if !in_menu && !on_trigger {
            on_close.run(());
        }
    });
    on_cleanup(move || outside.remove());
    view! {
        <div class=format!("menu {class}") node_ref=frame on:keydown=on_keydown>
            {header.map(|text| view! { <p class="menu-header muted small">{text}</p> })}
            <div role="menu" aria-label=label node_ref=menu>
                {children()}
            </div>
        </div>
    }
}
