use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::components::common::modal::Modal;

/// The invite link with a copy button, and regenerating it (the old link stops working).
#[component]
pub fn InviteDialog(server_id: Uuid, on_close: Callback<()>) -> impl IntoView {
    let code = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    spawn_local(async move {
        match api::invite(server_id).await {
            Ok(invite) => code.set(Some(invite.code)),
            Err(err) => error.set(Some(err.message().to_owned())),
        }
    });
    let origin = StoredValue::new(window().location().origin().unwrap_or_default());
    let link = move || {
        code.get()
            .map(|c| format!("{}/invite/{c}", origin.get_value()))
            .unwrap_or_default()
    };
    let copy = move |_| {
        let _ = window().navigator().clipboard().write_text(&link());
        copied.set(true);
    };
    let regenerate = move |_| {
        copied.set(false);
        spawn_local(async move {
            match api::regenerate_invite(server_id).await {
                Ok(invite) => code.set(Some(invite.code)),
                Err(err) => error.set(Some(err.message().to_owned())),
            }
        });
    };
    view! {
        <Modal title="Invite people" on_close=on_close>
            <p class="muted">"Share this link. Anyone with it can join as a guest."</p>
            <div class="row">
                <input class="invite-link" aria-label="Invite link" readonly prop:value=link />
                <button type="button" class="primary" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
            <p class="form-error-inline" role="alert">{move || error.get()}</p>
            <button type="button" class="link-button" on:click=regenerate>"Generate a new link"</button>
            <p class="muted small">"A new link makes the old one stop working."</p>
        </Modal>
    }
}
