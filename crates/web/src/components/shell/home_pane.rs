use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::common::icon::{Icon, IconName};
use crate::components::servers::create_server_dialog::CreateServerDialog;
use crate::components::servers::join_dialog::JoinDialog;
use crate::components::shell::pane_header::PaneHeader;
use crate::stores::servers::use_servers;
use crate::stores::session::use_session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialog {
    Create,
    Join,
}

/// The home view: a welcome with the ways in (create a server, join one with an invite,
/// discover public ones), so a new account is never left in front of an empty screen, on phones
/// too where the sidebar is hidden.
#[component]
pub fn HomePane() -> impl IntoView {
    let session = use_session();
    let servers = use_servers();
    let name = move || session.user().map(|u| u.display_name).unwrap_or_default();
    let dialog = RwSignal::new(None::<Dialog>);
    let close = Callback::new(move |()| dialog.set(None));
    let new_here = move || servers.loaded() && servers.list().is_empty();
    view! {
        <PaneHeader title="Home" />
        <section class="pane-body home">
            <h2>"Welcome, " {name} "!"</h2>
            <p class="muted">
                {move || if new_here() {
                    "You are not in any server yet. Start your own, or join one you were invited to."
                } else {
                    "Your servers are on the left; your direct messages are in the sidebar."
                }}
            </p>
            <div class="home-actions">
                <button type="button" class="home-action" on:click=move |_| dialog.set(Some(Dialog::Create))>
                    <Icon name=IconName::Plus />
                    <span><strong>"Create a server"</strong><span class="muted small">"A place for your group, with channels and roles."</span></span>
                </button>
                <button type="button" class="home-action" on:click=move |_| dialog.set(Some(Dialog::Join))>
                    <Icon name=IconName::Members />
                    <span><strong>"Join with an invite"</strong><span class="muted small">"Paste the link or code someone sent you."</span></span>
                </button>
                <A href="/discover" attr:class="home-action">
                    <Icon name=IconName::Search />
                    <span><strong>"Discover servers"</strong><span class="muted small">"Browse the public servers here."</span></span>
                </A>
            </div>
        </section>
        {move || match dialog.get() {
            None => ().into_any(),
            Some(Dialog::Create) => view! { <CreateServerDialog on_close=close /> }.into_any(),
            Some(Dialog::Join) => view! { <JoinDialog on_close=close /> }.into_any(),
        }}
    }
}
