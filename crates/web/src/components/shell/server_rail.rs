use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::app::HOME;

/// The column of round buttons on the far left: home (direct messages), then servers.
#[component]
pub fn ServerRail() -> impl IntoView {
    let location = use_location();
    let home_selected = move || location.pathname.with(|p| p.starts_with("/channels/@me"));
    view! {
        <nav class="server-rail" aria-label="Servers">
            <A href=HOME attr:class="rail-item home" attr:aria-label="Home" attr:title="Home">
                <span class="rail-pill" class:selected=home_selected></span>
                <span class="brand-mark">"P"</span>
            </A>
            <div class="rail-separator" role="separator"></div>
        </nav>
    }
}
