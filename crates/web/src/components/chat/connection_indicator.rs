use leptos::prelude::*;

use crate::stores::realtime::{Connection, use_realtime};

/// "Live" while the socket is up; "Polling every 1s" while it is down (seed 000).
#[component]
pub fn ConnectionIndicator() -> impl IntoView {
    let realtime = use_realtime();
    view! {
        <span
            class="connection"
            class:live=move || realtime.status.get() == Connection::Live
            class:polling=move || realtime.status.get() != Connection::Live
            role="status"
            aria-live="polite"
        >
            {move || match realtime.status.get() {
                Connection::Live => "Live",
                Connection::Connecting => "Connecting…",
                Connection::Polling => "Polling every 1s",
            }}
        </span>
    }
}
