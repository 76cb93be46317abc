use leptos::prelude::*;
use parley_shared::servers::Role;

/// The role icon next to a name: a crown for admins, a shield for moderators.
#[component]
pub fn RoleBadge(role: Role) -> impl IntoView {
    match role {
        Role::Admin => view! { <span class="role-badge admin" title="Admin" aria-label="Admin">"♛"</span> }.into_any(),
        Role::Moderator => view! { <span class="role-badge moderator" title="Moderator" aria-label="Moderator">"⛨"</span> }.into_any(),
        Role::Guest => ().into_any(),
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::Moderator => "Moderator",
        Role::Guest => "Guest",
    }
}
