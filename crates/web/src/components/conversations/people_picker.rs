use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::users::User;
use uuid::Uuid;

use crate::api;
use crate::components::common::avatar::Avatar;
use crate::components::common::modal::Modal;

/// Finds people by name and picks up to `max` of them; `on_done` gets their ids.
#[component]
pub fn PeoplePicker(
    #[prop(into)] title: String,
    #[prop(into)] action: String,
    max: usize,
    on_done: Callback<Vec<Uuid>>,
    on_close: Callback<()>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<User>::new());
    let picked = RwSignal::new(Vec::<User>::new());
    Effect::new(move |_| {
        let q = query.get();
        if q.trim().chars().count() < 2 {
            found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            if let Ok(users) = api::search_users(&q).await
                && query.get_untracked() == q
            {
                found.set(users);
            }
        });
    });
    let toggle = move |user: User| {
        picked.update(|p| {
            if let Some(index) = p.iter().position(|u| u.id == user.id) {
                p.remove(index);
            } else if p.len() < max {
                p.push(user);
            }
        });
    };
    view! {
        <Modal title=title on_close=on_close>
            <p class="muted">{format!("Pick up to {max} people. One person opens your conversation with them.")}</p>
            <div class="chips">
                <For each=move || picked.get() key=|u| u.id let:user>
                    {
                        let remove = user.clone();
                        view! {
                            <button type="button" class="chip" aria-label=format!("Remove {}", user.display_name)
                                on:click=move |_| toggle(remove.clone())>{user.display_name.clone()} " ✕"</button>
                        }
                    }
                </For>
            </div>
            <input class="search" type="search" placeholder="Search by name or username" aria-label="Find people" bind:value=query />
            <ul class="people-results" aria-label="People found">
                <For each=move || found.get() key=|u| u.id let:user>
                    {
                        let pick = user.clone();
                        let id = user.id;
                        let chosen = move || picked.with(|p| p.iter().any(|u| u.id == id));
                        view! {
                            <li>
                                <label class="person-option">
                                    <input type="checkbox" prop:checked=chosen on:change=move |_| toggle(pick.clone()) />
                                    <Avatar name=user.display_name.clone() size=28 />
                                    <span>{user.display_name.clone()} <span class="muted small">" @" {user.username.clone()}</span></span>
                                </label>
                            </li>
                        }
                    }
                </For>
            </ul>
            <p class="form-error-inline" role="alert">{move || error.get()}</p>
            <div class="modal-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="primary" disabled=move || picked.with(Vec::is_empty)
                    on:click=move |_| on_done.run(picked.get_untracked().iter().map(|u| u.id).collect())>{action}</button>
            </div>
        </Modal>
    }
}
