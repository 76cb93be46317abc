use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::HOME;
use crate::components::shell::user_panel::UserPanel;

/// The second column: what is in the selected place (conversations at home, channels in a
/// server), with the user panel at the bottom.
#[component]
pub fn Sidebar() -> impl IntoView {
    view! {
        <aside class="sidebar" aria-label="Navigation">
            <header class="sidebar-header">
                <h2>"Home"</h2>
            </header>
            <nav class="sidebar-list" aria-label="Home">
                <A href=HOME attr:class="sidebar-item" exact=true>
                    "Overview"
                </A>
                <A href="/settings" attr:class="sidebar-item">
                    "Settings"
                </A>
                <h3 class="sidebar-heading">"Direct messages"</h3>
                <p class="sidebar-empty">"No conversations yet."</p>
            </nav>
            <UserPanel />
        </aside>
    }
}
