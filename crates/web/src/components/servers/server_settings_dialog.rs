use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use parley_shared::FieldErrors;
use parley_shared::servers::UpdateServerRequest;
use uuid::Uuid;
use validator::Validate;

use crate::api::{self, ApiError};
use crate::app::HOME;
use crate::components::common::confirm_dialog::ConfirmDialog;
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::components::common::modal::Modal;
use crate::components::servers::icon_picker::IconPicker;
use crate::stores::servers::use_servers;

/// Name, icon, discoverability, and deleting the server. Admins only.
#[component]
pub fn ServerSettingsDialog(server_id: Uuid, on_close: Callback<()>) -> impl IntoView {
    let servers = use_servers();
    let navigate = use_navigate();
    let current = servers.get(server_id);
    let name = RwSignal::new(
        current
            .as_ref()
            .map(|s| s.server.name.clone())
            .unwrap_or_default(),
    );
    let discoverable = RwSignal::new(current.as_ref().is_some_and(|s| s.server.discoverable));
    let file = RwSignal::new_local(None::<web_sys::File>);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let icon = current.and_then(|s| s.server.icon_url);
    let bans = LocalResource::new(move || api::bans(server_id));
    let unban = move |user_id: Uuid| {
        spawn_local(async move {
            match api::unban(server_id, user_id).await {
                Ok(()) => bans.refetch(),
                Err(err) => form_error.set(Some(err.message().to_owned())),
            }
        });
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let request = UpdateServerRequest {
            name: Some(name.get_untracked()),
            discoverable: Some(discoverable.get_untracked()),
        };
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            return;
        }
        spawn_local(async move {
            let mut result = api::update_server(server_id, &request).await;
            if let (Ok(_), Some(file)) = (&result, file.get_untracked()) {
                result = api::upload_icon(server_id, &file).await;
            }
            match result {
                Ok(server) => {
                    servers.update_server(server);
                    on_close.run(());
                }
                Err(err) => {
                    errors.set(err.fields().clone());
                    form_error.set(Some(err.message().to_owned()));
                }
            }
        });
    };
    let delete = Callback::new(move |()| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::delete_server(server_id).await {
                Ok(()) => {
                    servers.remove(server_id);
                    navigate(HOME, Default::default());
                }
                Err(err) => form_error.set(Some(err.message().to_owned())),
            }
        });
        confirming.set(false);
    });

    view! {
        <Modal title="Server settings" on_close=on_close>
            <form class="stack" on:submit=on_submit novalidate>
                <FormError message=form_error />
                {match icon {
                    Some(url) => view! { <IconPicker file=file current=url /> }.into_any(),
                    None => view! { <IconPicker file=file /> }.into_any(),
                }}
                <Field label="Server name" name="name" value=name errors=errors />
                <label class="checkbox">
                    <input type="checkbox" bind:checked=discoverable />
                    " Discoverable: listed on Discover, joinable without an invite"
                </label>
                <section class="stack" aria-label="Bans">
                    <h3>"Bans"</h3>
                    <Transition fallback=|| view! { <p class="muted">"Loading bans…"</p> }>
                        {move || bans.get().map(|result| match result {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"Nobody is banned."</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="member-rows">
                                    <For each=move || list.clone() key=|b| b.user.id let:ban>
                                        <li class="member-row">
                                            <div class="member-names">
                                                <span>{ban.user.display_name.clone()}</span>
                                                <span class="muted small">"@" {ban.user.username.clone()} {ban.reason.clone().map(|r| format!(" · {r}"))}</span>
                                            </div>
                                            <button type="button" class="secondary" aria-label=format!("Unban {}", ban.user.display_name)
                                                on:click={
                                                    let user_id = ban.user.id;
                                                    move |_| unban(user_id)
                                                }>"Unban"</button>
                                        </li>
                                    </For>
                                </ul>
                            }.into_any(),
                            Err(err) => view! { <p class="form-error">{err.message().to_owned()}</p> }.into_any(),
                        })}
                    </Transition>
                </section>
                <div class="modal-actions spread">
                    <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Delete server"</button>
                    <span>
                        <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                        " "
                        <button type="submit" class="primary">"Save"</button>
                    </span>
                </div>
            </form>
        </Modal>
        <Show when=move || confirming.get()>
            <ConfirmDialog
                title="Delete server"
                message=format!("Delete {} with all its channels and messages? This cannot be undone.", name.get_untracked())
                confirm_label="Delete server"
                on_confirm=delete
                on_close=Callback::new(move |()| confirming.set(false))
            />
        </Show>
    }
}
