use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use parley_shared::FieldErrors;
use parley_shared::servers::CreateServerRequest;
use validator::Validate;

use crate::api::{self, ApiError};
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::components::common::modal::Modal;
use crate::components::servers::icon_picker::IconPicker;
use crate::stores::servers::use_servers;

#[component]
pub fn CreateServerDialog(on_close: Callback<()>) -> impl IntoView {
    let servers = use_servers();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let discoverable = RwSignal::new(false);
    let file = RwSignal::new_local(None::<web_sys::File>);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let request = CreateServerRequest {
            name: name.get_untracked(),
            discoverable: discoverable.get_untracked(),
        };
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            return;
        }
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::create_server(&request).await {
                Ok(mut created) => {
                    if let Some(file) = file.get_untracked() {
                        match api::upload_icon(created.server.id, &file).await {
                            Ok(server) => created.server = server,
                            Err(err) => form_error.set(Some(format!(
                                "Created, but the icon was refused: {}",
                                err.message()
                            ))),
                        }
                    }
                    let id = created.server.id;
                    let first = created.channels.first().map(|c| c.id);
                    servers.upsert(created);
                    if form_error.get_untracked().is_none() {
                        on_close.run(());
                    }
                    if let Some(channel) = first {
                        navigate(&format!("/servers/{id}/{channel}"), Default::default());
                    }
                }
                Err(err) => {
                    errors.set(err.fields().clone());
                    form_error.set(Some(err.message().to_owned()));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <Modal title="Create a server" on_close=on_close>
            <form class="stack" on:submit=on_submit novalidate>
                <p class="muted">"Give your server a name and, if you like, an icon. You can change both later."</p>
                <FormError message=form_error />
                <IconPicker file=file />
                <Field label="Server name" name="name" value=name errors=errors autofocus=true />
                <label class="checkbox">
                    <input type="checkbox" bind:checked=discoverable />
                    " List it on Discover, so anyone can join without an invite"
                </label>
                <div class="modal-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>"Create"</button>
                </div>
            </form>
        </Modal>
    }
}
