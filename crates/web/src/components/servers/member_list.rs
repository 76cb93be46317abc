use leptos::prelude::*;
use parley_shared::servers::Role;
use uuid::Uuid;

use crate::components::common::avatar::Avatar;
use crate::components::conversations::open_conversation;
use crate::components::servers::role_badge::RoleBadge;
use crate::stores::conversations::use_conversations;
use crate::stores::servers::use_servers;
use crate::stores::session::use_session;
use leptos_router::hooks::use_navigate;

/// The right-hand column: everyone in the server, grouped by role.
#[component]
pub fn MemberList(server_id: Uuid) -> impl IntoView {
    let servers = use_servers();
    servers.ensure_members(server_id);
    let session = use_session();
    let conversations = use_conversations();
    let navigate = StoredValue::new(use_navigate());
    let me = move || session.user().map(|u| u.id);
    let error = RwSignal::new(None::<String>);
    let group = move |role: Role| {
        servers
            .members(server_id)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.role == role)
            .collect::<Vec<_>>()
    };
    view! {
        <aside class="member-list" id="member-list" aria-label="Members">
            <p class="form-error-inline" role="alert">{move || error.get()}</p>
            {[(Role::Admin, "Admins"), (Role::Moderator, "Moderators"), (Role::Guest, "Guests")].into_iter().map(|(role, title)| view! {
                <Show when=move || !group(role).is_empty()>
                    <h2 class="sidebar-heading">{title} " — " {move || group(role).len()}</h2>
                    <ul>
                        <For each=move || group(role) key=|m| (m.user.id, m.user.display_name.clone(), m.user.avatar_url.clone()) let:member>
                            <li class="member-entry">
                                <Avatar name=member.user.display_name.clone() url=member.user.avatar_url.clone() size=28 />
                                <span class="member-name">{member.user.display_name.clone()}</span>
                                <RoleBadge role=member.role />
                                {(me() != Some(member.user.id)).then(|| {
                                    let id = member.user.id;
                                    view! {
                                        <button type="button" class="icon-button small message-member"
                                            aria-label=format!("Message {}", member.user.display_name)
                                            title="Message"
                                            on:click=move |_| open_conversation(conversations, navigate.get_value(), vec![id], error, || {})>"✉"</button>
                                    }
                                })}
                            </li>
                        </For>
                    </ul>
                </Show>
            }).collect_view()}
        </aside>
    }
}
