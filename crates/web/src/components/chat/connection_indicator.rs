use leptos::prelude::*;

use crate::stores::realtime::{Connection, use_realtime};

/// "Live" while the socket is up; "Polling every 1s" while it is down (seed 000); "Offline" when
/// the browser says there is no network.
#[component]
pub fn ConnectionIndicator() -> impl IntoView {
    let realtime = use_realtime();
    let status = Memo::new(move |_| realtime.status());
    view! {
        <span
            class="connection"
            class:live=move || status.get() == Connection::Live
            class:polling=move || matches!(status.get(), Connection::Polling | Connection::Connecting)
            class:offline=move || status.get() == Connection::Offline
            role="status"
            aria-live="polite"
        >
            {move || match status.get() {
                Connection::Live => "Live",
                Connection::Connecting => "Connecting…",
                Connection::Polling => "Polling every 1s",
                Connection::Offline => "Offline",
            }}
        </span>
    }
}
