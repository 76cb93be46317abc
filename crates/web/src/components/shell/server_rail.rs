use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::app::HOME;
use crate::components::common::icon::{Icon, IconName};
use crate::components::common::server_icon::ServerIcon;
use crate::components::servers::create_server_dialog::CreateServerDialog;
use crate::stores::servers::use_servers;

/// The column of round buttons on the far left: home (direct messages), your servers, then
/// "add a server" and "discover".
#[component]
pub fn ServerRail() -> impl IntoView {
    let location = use_location();
    let servers = use_servers();
    let creating = RwSignal::new(false);
    let home_selected = move || location.pathname.with(|p| p.starts_with("/channels/@me"));
    view! {
        <nav class="server-rail" aria-label="Servers">
            <A href=HOME attr:class="rail-item home" attr:aria-label="Home" attr:title="Home">
                <span class="rail-pill" class:selected=home_selected></span>
                <span class="brand-mark">"P"</span>
            </A>
            <div class="rail-separator" role="separator"></div>
            <For each=move || servers.list() key=|s| (s.server.id, s.server.name.clone(), s.server.icon_url.clone()) let:server>
                {
                    let id = server.server.id;
                    let name = server.server.name.clone();
                    let icon_name = name.clone();
                    let selected = move || location.pathname.with(|p| p.starts_with(&format!("/servers/{id}")));
                    view! {
                        <A
                            href=format!("/servers/{id}")
                            attr:class="rail-item"
                            attr:aria-label=name.clone()
                            attr:title=name.clone()
                        >
                            <span class="rail-pill" class:selected=selected></span>
                            <ServerIcon name=icon_name icon_url=server.server.icon_url.clone() />
                        </A>
                    }
                }
            </For>
            <button
                type="button"
                class="rail-item rail-action"
                aria-label="Add a server"
                title="Add a server"
                on:click=move |_| creating.set(true)
            >
                <Icon name=IconName::Plus />
            </button>
            <A href="/discover" attr:class="rail-item rail-action" attr:aria-label="Discover servers" attr:title="Discover servers">
                <Icon name=IconName::Search />
            </A>
        </nav>
        <Show when=move || creating.get()>
            <CreateServerDialog on_close=Callback::new(move |()| creating.set(false)) />
        </Show>
    }
}
