use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::FieldErrors;
use parley_shared::users::{AllowDmsFrom, UpdateMeRequest};
use validator::Validate;

use crate::api::{self, ApiError};
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::stores::session::use_session;

#[component]
pub fn ProfileForm() -> impl IntoView {
    let session = use_session();
    let user = session.user();
    let username = user
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let anyone_may_message =
        RwSignal::new(user.as_ref().and_then(|u| u.allow_dms_from) == Some(AllowDmsFrom::Everyone));
    let display_name = RwSignal::new(user.map(|u| u.display_name).unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let pending = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let request = UpdateMeRequest {
            display_name: Some(display_name.get_untracked()),
            allow_dms_from: Some(if anyone_may_message.get_untracked() {
                AllowDmsFrom::Everyone
            } else {
                AllowDmsFrom::SharedServers
            }),
        };
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            return;
        }
        errors.set(FieldErrors::new());
        form_error.set(None);
        pending.set(true);
        spawn_local(async move {
            match api::update_me(&request).await {
                Ok(user) => {
                    display_name.set(user.display_name.clone());
                    session.signed_in(user);
                    saved.set(true);
                }
                Err(err) => {
                    session.observe(&err);
                    errors.set(err.fields().clone());
                    form_error.set(Some(err.message().to_owned()));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <form class="stack" on:submit=on_submit novalidate>
            <p class="muted">"Username: " <strong>"@" {username}</strong></p>
            <FormError message=form_error />
            <Field label="Display name" name="display_name" value=display_name errors=errors autocomplete="nickname" />
            <label class="checkbox">
                <input type="checkbox" bind:checked=anyone_may_message />
                " Anyone may message me (otherwise only people I share a server with)"
            </label>
            <div class="row">
                <button class="primary" type="submit" disabled=move || pending.get()>"Save"</button>
                <Show when=move || saved.get()>
                    <span class="success" role="status">"Saved."</span>
                </Show>
            </div>
        </form>
    }
}
