use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use parley_shared::servers::ServerPreview;

use crate::api;
use crate::components::common::server_icon::ServerIcon;
use crate::components::shell::pane_header::PaneHeader;
use crate::format;
use crate::stores::servers::use_servers;

/// Servers anyone can join, with a search box.
#[component]
pub fn DiscoverPage() -> impl IntoView {
    let servers = use_servers();
    let navigate = use_navigate();
    let query = RwSignal::new(String::new());
    let found = LocalResource::new(move || {
        let q = query.get();
        async move { api::discover(&q).await }
    });
    let join = move |preview: ServerPreview| {
        let navigate = navigate.clone();
        spawn_local(async move {
            if let Ok(server) = api::join_discoverable(preview.id).await {
                let id = server.server.id;
                let first = server.channels.first().map(|c| c.id);
                servers.upsert(server);
                if let Some(channel) = first {
                    navigate(&format!("/servers/{id}/{channel}"), Default::default());
                }
            }
        });
    };
    view! {
        <PaneHeader title="Discover servers" />
        <div class="pane-body discover">
            <input class="search" type="search" placeholder="Search servers" aria-label="Search servers" bind:value=query />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || found.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No discoverable servers match."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="discover-grid">
                            {list.into_iter().map(|preview| {
                                let member = servers.get(preview.id).is_some();
                                let join = join.clone();
                                let p = preview.clone();
                                view! {
                                    <li class="discover-card">
                                        <ServerIcon name=preview.name.clone() icon_url=preview.icon_url.clone() />
                                        <div>
                                            <strong>{preview.name.clone()}</strong>
                                            <p class="muted small">{format::count(preview.member_count as usize, "member", "members")}</p>
                                        </div>
                                        <button type="button" class="primary" on:click=move |_| join(p.clone())>
                                            {if member { "Open" } else { "Join" }}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="form-error">{err.message().to_owned()}</p> }.into_any(),
                })}
            </Transition>
        </div>
    }
}
