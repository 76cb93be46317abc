use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::FieldErrors;
use parley_shared::servers::UpdateChannelRequest;
use uuid::Uuid;
use validator::Validate;

use crate::api::{self, ApiError};
use crate::components::common::confirm_dialog::ConfirmDialog;
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::components::common::modal::Modal;
use crate::stores::servers::use_servers;

/// Rename, re-topic, move or delete a channel. Admins and moderators.
#[component]
pub fn EditChannelDialog(channel_id: Uuid, on_close: Callback<()>) -> impl IntoView {
    let servers = use_servers();
    let channel = servers.channel_untracked(channel_id);
    let is_default = channel.as_ref().is_some_and(|c| c.is_default);
    let name = RwSignal::new(channel.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let topic = RwSignal::new(
        channel
            .as_ref()
            .and_then(|c| c.topic.clone())
            .unwrap_or_default(),
    );
    let position = RwSignal::new(
        channel
            .as_ref()
            .map(|c| c.position.to_string())
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let position = position.get_untracked().trim().parse::<i32>().ok();
        let request = UpdateChannelRequest {
            name: Some(name.get_untracked()),
            topic: Some(topic.get_untracked()),
            position,
        };
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            return;
        }
        spawn_local(async move {
            match api::update_channel(channel_id, &request).await {
                Ok(channel) => {
                    servers.upsert_channel(channel);
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
        spawn_local(async move {
            match api::delete_channel(channel_id).await {
                Ok(()) => {
                    servers.remove_channel(channel_id);
                    on_close.run(());
                }
                Err(err) => form_error.set(Some(err.message().to_owned())),
            }
        });
        confirming.set(false);
    });
    view! {
        <Modal title="Edit channel" on_close=on_close>
            <form class="stack" on:submit=on_submit novalidate>
                <FormError message=form_error />
                <Field label="Channel name" name="name" value=name errors=errors />
                <Field label="Topic" name="topic" value=topic errors=errors />
                <Field label="Position" name="position" value=position errors=errors kind="number" hint="0 is the top of the list." />
                <div class="modal-actions spread">
                    {(!is_default).then(|| view! {
                        <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Delete channel"</button>
                    })}
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
                title="Delete channel"
                message=format!("Delete #{} and all of its messages? This cannot be undone.", name.get_untracked())
                confirm_label="Delete channel"
                on_confirm=delete
                on_close=Callback::new(move |()| confirming.set(false))
            />
        </Show>
    }
}
