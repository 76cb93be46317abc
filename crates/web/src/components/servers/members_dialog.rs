use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::servers::{Member, Role};
use uuid::Uuid;

use crate::api;
use crate::components::common::avatar::Avatar;
use crate::components::common::modal::Modal;
use crate::components::servers::role_badge::{RoleBadge, role_name};
use crate::stores::servers::use_servers;
use crate::stores::session::use_session;

/// Every member with a role dropdown (admins), and kick and ban (admins, and moderators for
/// guests).
#[component]
pub fn MembersDialog(server_id: Uuid, on_close: Callback<()>) -> impl IntoView {
    let servers = use_servers();
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    servers.refresh_members(server_id);
    let my_role = move || servers.get(server_id).map_or(Role::Guest, |s| s.role);
    let me = move || session.user().map(|u| u.id);

    let change_role = move |member: Member, role: Role| {
        spawn_local(async move {
            match api::set_role(server_id, member.user.id, role).await {
                Ok(updated) => servers.upsert_member(updated),
                Err(err) => error.set(Some(err.message().to_owned())),
            }
        });
    };
    let kick = move |member: Member| {
        spawn_local(async move {
            match api::kick(server_id, member.user.id).await {
                Ok(()) => servers.remove_member(server_id, member.user.id),
                Err(err) => error.set(Some(err.message().to_owned())),
            }
        });
    };

    let ban = move |member: Member| {
        let confirmed = window()
            .confirm_with_message(&format!(
                "Ban {}? They are removed and cannot rejoin until unbanned.",
                member.user.display_name
            ))
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        spawn_local(async move {
            match api::ban(server_id, member.user.id).await {
                Ok(()) => servers.remove_member(server_id, member.user.id),
                Err(err) => error.set(Some(err.message().to_owned())),
            }
        });
    };

    view! {
        <Modal title="Manage members" on_close=on_close>
            <p class="form-error-inline" role="alert">{move || error.get()}</p>
            <ul class="member-rows">
                <For each=move || servers.members(server_id).unwrap_or_default() key=|m| (m.user.id, m.role) let:member>
                    {
                        let mine = my_role();
                        let is_me = me() == Some(member.user.id);
                        let can_change = mine == Role::Admin && !is_me && member.role < Role::Admin;
                        let can_kick = !is_me && mine >= Role::Moderator && member.role < mine;
                        let name = member.user.display_name.clone();
                        let for_select = member.clone();
                        let for_kick = member.clone();
                        let for_ban = member.clone();
                        view! {
                            <li class="member-row">
                                <Avatar name=name.clone() />
                                <div class="member-names">
                                    <span>{name.clone()} " " <RoleBadge role=member.role /></span>
                                    <span class="muted small">"@" {member.user.username.clone()} " · " {role_name(member.role)}</span>
                                </div>
                                <Show when=move || can_change>
                                    <select
                                        aria-label=format!("Role of {}", for_select.user.display_name)
                                        on:change={
                                            let member = for_select.clone();
                                            move |ev| {
                                                if let Some(role) = Role::parse(&event_target_value(&ev)) {
                                                    change_role(member.clone(), role);
                                                }
                                            }
                                        }
                                    >
                                        <option value="guest" selected=for_select.role == Role::Guest>"Guest"</option>
                                        <option value="moderator" selected=for_select.role == Role::Moderator>"Moderator"</option>
                                        <option value="admin">"Admin (hand over)"</option>
                                    </select>
                                </Show>
                                <Show when=move || can_kick>
                                    <button type="button" class="danger" aria-label=format!("Kick {}", for_kick.user.display_name)
                                        on:click={
                                            let member = for_kick.clone();
                                            move |_| kick(member.clone())
                                        }>"Kick"</button>
                                    <button type="button" class="danger" aria-label=format!("Ban {}", for_ban.user.display_name)
                                        on:click={
                                            let member = for_ban.clone();
                                            move |_| ban(member.clone())
                                        }>"Ban"</button>
                                </Show>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Modal>
    }
}
