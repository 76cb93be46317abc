use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::components::common::avatar::Avatar;
use crate::components::common::icon::{Icon, IconName};
use crate::components::common::theme_toggle::ThemeToggle;
use crate::stores::realtime::use_realtime;
use crate::stores::session::use_session;

/// Who you are, at the bottom of the sidebar, with settings, theme and logout.
#[component]
pub fn UserPanel() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let display_name =
        Signal::derive(move || session.user().map(|u| u.display_name).unwrap_or_default());
    let username = move || {
        session
            .user()
            .map(|u| format!("@{}", u.username))
            .unwrap_or_default()
    };
    let realtime = use_realtime();
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // The socket goes first: one still opening when the session ends would be refused.
            realtime.stop().await;
            // Even if the server cannot be reached, forget the session here.
            let _ = api::logout().await;
            // Leave first: signing out while still on a signed-in page would make the guard
            // offer to come back here after the next login.
            navigate("/login", Default::default());
            session.signed_out();
        });
    };
    view! {
        <section class="user-panel" aria-label="Your account">
            <Avatar name=display_name url=Signal::derive(move || session.user().and_then(|u| u.avatar_url)) />
            <div class="user-names">
                <span class="user-display-name">{display_name}</span>
                <span class="user-username">{username}</span>
            </div>
            <ThemeToggle />
            <A href="/settings" attr:class="icon-button" attr:aria-label="Settings" attr:title="Settings">
                <Icon name=IconName::Settings />
            </A>
            <button type="button" class="icon-button" aria-label="Log out" title="Log out" on:click=logout>
                <Icon name=IconName::LogOut />
            </button>
        </section>
    }
}
