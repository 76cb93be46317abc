use leptos::prelude::*;

use crate::components::common::icon::{Icon, IconName};
use crate::components::shell::signed_in::NavDrawer;

/// The bar at the top of the main pane. On phones it has the button that opens the navigation.
#[component]
pub fn PaneHeader(
    #[prop(into)] title: Signal<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let drawer = expect_context::<NavDrawer>();
    view! {
        <header class="pane-header">
            <button
                type="button"
                class="icon-button menu-button"
                aria-label="Open navigation"
                aria-controls="nav-drawer"
                aria-expanded=move || drawer.0.get().to_string()
                on:click=move |_| drawer.0.update(|open| *open = !*open)
            >
                <Icon name=IconName::Menu />
            </button>
            <h1 class="pane-title">{move || title.get()}</h1>
            <div class="pane-actions">{children.map(|c| c())}</div>
        </header>
    }
}
