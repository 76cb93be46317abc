use leptos::prelude::*;

use crate::components::shell::pane_header::PaneHeader;
use crate::stores::session::use_session;

/// The home view. Conversations and servers fill it as they arrive.
#[component]
pub fn HomePane() -> impl IntoView {
    let session = use_session();
    let name = move || session.user().map(|u| u.display_name).unwrap_or_default();
    view! {
        <PaneHeader title="Home" />
        <section class="pane-body empty-state">
            <h2>"Welcome, " {name} "!"</h2>
            <p class="muted">
                "This is your home on Parley. Your direct messages and servers will be listed in the sidebar."
            </p>
        </section>
    }
}
