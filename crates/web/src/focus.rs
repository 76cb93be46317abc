//! Keyboard focus: what can take it inside an element, and giving it back afterwards. Dialogs,
//! menus and the message list share these so that they behave the same way.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// What Tab can reach, in document order.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// The elements inside `root` that Tab would reach.
pub fn focusables(root: &Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        // Hidden elements (display: none) have no layout box.
        .filter(|el| el.get_client_rects().length() > 0)
        .collect()
}

/// The element that has focus now, if it is an element of the page.
pub fn active() -> Option<HtmlElement> {
    leptos::prelude::document()
        .active_element()
        .and_then(|el| el.dyn_into::<HtmlElement>().ok())
}

/// Focuses `el` if it is still on the page.
pub fn restore(el: Option<HtmlElement>) {
    if let Some(el) = el
        && el.is_connected()
    {
        let _ = el.focus();
    }
}

/// Keeps Tab and Shift+Tab inside `root`: from the last element Tab goes to the first, and back.
/// Returns whether it moved focus (the caller then prevents the browser's default).
pub fn trap_tab(root: &Element, backwards: bool) -> bool {
    let items = focusables(root);
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return false;
    };
    let current = active();
    let at_edge = match &current {
        Some(el) if backwards => el == first || !root.contains(Some(el)),
        Some(el) => el == last || !root.contains(Some(el)),
        None => true,
    };
    if !at_edge {
        return false;
    }
    let target = if backwards { last } else { first };
    let _ = target.focus();
    true
}

/// Whether the device has a fine pointer and room: on phones, focusing a text box would open the
/// on-screen keyboard over what the person came to read.
pub fn is_desktop() -> bool {
    leptos::prelude::window()
        .match_media("(min-width: 769px) and (pointer: fine)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches())
}
