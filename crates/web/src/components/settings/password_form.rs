use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::FieldErrors;
use parley_shared::users::ChangePasswordRequest;
use validator::Validate;

use crate::api::{self, ApiError};
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::stores::session::use_session;

#[component]
pub fn PasswordForm() -> impl IntoView {
    let session = use_session();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let revoke_tokens = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let pending = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        form_error.set(None);
        let request = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
            revoke_tokens: revoke_tokens.get_untracked(),
        };
        let mut found = match request.validate() {
            Ok(()) => FieldErrors::new(),
            Err(invalid) => ApiError::from(&invalid).fields().clone(),
        };
        if new.get_untracked() != confirm.get_untracked() {
            found
                .entry("confirm_password".into())
                .or_default()
                .push("does not match the new password".into());
        }
        errors.set(found.clone());
        if !found.is_empty() {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            match api::change_password(&request).await {
                Ok(()) => {
                    for field in [current, new, confirm] {
                        field.set(String::new());
                    }
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
            <FormError message=form_error />
            <Field label="Current password" name="current_password" value=current errors=errors kind="password" autocomplete="current-password" />
            <Field label="New password" name="new_password" value=new errors=errors kind="password" autocomplete="new-password" hint="At least 8 characters." />
            <Field label="Confirm new password" name="confirm_password" value=confirm errors=errors kind="password" autocomplete="new-password" />
            <label class="checkbox">
                <input type="checkbox" bind:checked=revoke_tokens />
                " Also revoke my access tokens"
            </label>
            <div class="row">
                <button class="primary" type="submit" disabled=move || pending.get()>"Change password"</button>
                <Show when=move || saved.get()>
                    <span class="success" role="status">"Password changed. Your other sessions were signed out."</span>
                </Show>
            </div>
        </form>
    }
}
