use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::servers::Role;
use uuid::Uuid;

use crate::api;
use crate::components::common::avatar::Avatar;
use crate::components::servers::role_badge::RoleBadge;
use crate::stores::servers::use_servers;

/// The right-hand column: everyone in the server, grouped by role.
#[component]
pub fn MemberList(server_id: Uuid) -> impl IntoView {
    let servers = use_servers();
    if servers.members(server_id).is_none() {
        spawn_local(async move {
            if let Ok(list) = api::members(server_id).await {
                servers.set_members(server_id, list);
            }
        });
    }
    let group = move |role: Role| {
        servers
            .members(server_id)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.role == role)
            .collect::<Vec<_>>()
    };
    view! {
        <aside class="member-list" aria-label="Members">
            {[(Role::Admin, "Admins"), (Role::Moderator, "Moderators"), (Role::Guest, "Guests")].into_iter().map(|(role, title)| view! {
                <Show when=move || !group(role).is_empty()>
                    <h3 class="sidebar-heading">{title} " — " {move || group(role).len()}</h3>
                    <ul>
                        <For each=move || group(role) key=|m| (m.user.id, m.user.display_name.clone()) let:member>
                            <li class="member-entry">
                                <Avatar name=member.user.display_name.clone() size=28 />
                                <span>{member.user.display_name.clone()}</span>
                                <RoleBadge role=member.role />
                            </li>
                        </For>
                    </ul>
                </Show>
            }).collect_view()}
        </aside>
    }
}
