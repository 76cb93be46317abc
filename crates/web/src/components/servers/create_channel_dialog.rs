use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use parley_shared::FieldErrors;
use parley_shared::servers::{ChannelKind, CreateChannelRequest};
use uuid::Uuid;
use validator::Validate;

use crate::api::{self, ApiError};
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::components::common::modal::Modal;
use crate::stores::servers::use_servers;

#[component]
pub fn CreateChannelDialog(
    server_id: Uuid,
    kind: ChannelKind,
    on_close: Callback<()>,
) -> impl IntoView {
    let servers = use_servers();
    let navigate = use_navigate();
    let kind = RwSignal::new(kind);
    let name = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let topic = topic.get_untracked();
        let request = CreateChannelRequest {
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            topic: Some(topic),
        }
        .normalized();
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            return;
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::create_channel(server_id, &request).await {
                Ok(channel) => {
                    let id = channel.id;
                    servers.upsert_channel(channel);
                    on_close.run(());
                    navigate(&format!("/servers/{server_id}/{id}"), Default::default());
                }
                Err(err) => {
                    errors.set(err.fields().clone());
                    form_error.set(Some(err.message().to_owned()));
                }
            }
        });
    };
    let choice = move |value: ChannelKind, label: &'static str, hint: &'static str| {
        view! {
            <label class="kind-choice" class:selected=move || kind.get() == value>
                <input type="radio" name="kind" checked=move || kind.get() == value on:change=move |_| kind.set(value) />
                <span><strong>{label}</strong><br /><span class="muted small">{hint}</span></span>
            </label>
        }
    };
    view! {
        <Modal title="Create channel" on_close=on_close>
            <form class="stack" on:submit=on_submit novalidate>
                <FormError message=form_error />
                <fieldset class="kind-choices">
                    <legend>"Channel type"</legend>
                    {choice(ChannelKind::Text, "Text", "Messages, pictures and links")}
                    {choice(ChannelKind::Audio, "Audio", "Talk together by voice")}
                    {choice(ChannelKind::Video, "Video", "Talk face to face and share screens")}
                </fieldset>
                <Field label="Channel name" name="name" value=name errors=errors autofocus=true
                    hint="Text channel names become lowercase-with-dashes." />
                <Field label="Topic (optional)" name="topic" value=topic errors=errors />
                <div class="modal-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary">"Create channel"</button>
                </div>
            </form>
        </Modal>
    }
}
