use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use uuid::Uuid;

use crate::app::HOME;
use crate::components::conversations::conversation_list::ConversationList;
use crate::components::servers::server_sidebar::ServerSidebar;
use crate::components::shell::user_panel::UserPanel;

/// The second column: what is in the selected place (conversations at home, channels in a
/// server), with the user panel at the bottom.
#[component]
pub fn Sidebar() -> impl IntoView {
    let location = use_location();
    let server_id = Memo::new(move |_| {
        location.pathname.with(|p| {
            p.strip_prefix("/servers/")
                .and_then(|rest| rest.split('/').next())
                .and_then(|id| Uuid::parse_str(id).ok())
        })
    });
    view! {
        <aside class="sidebar" aria-label="Navigation">
            {move || match server_id.get() {
                Some(id) => view! { <ServerSidebar server_id=id /> }.into_any(),
                None => view! { <HomeSidebar /> }.into_any(),
            }}
            <UserPanel />
        </aside>
    }
}

#[component]
fn HomeSidebar() -> impl IntoView {
    view! {
        <header class="sidebar-header">
            <h2>"Home"</h2>
        </header>
        <nav class="sidebar-list" aria-label="Home">
            <A href=HOME attr:class="sidebar-item" exact=true>
                "Overview"
            </A>
            <A href="/discover" attr:class="sidebar-item">
                "Discover servers"
            </A>
            <A href="/settings" attr:class="sidebar-item">
                "Settings"
            </A>
            <ConversationList />
        </nav>
    }
}
