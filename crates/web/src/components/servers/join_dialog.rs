use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use parley_shared::FieldErrors;
use parley_shared::servers::invite_code_in;

use crate::components::common::field::Field;
use crate::components::common::modal::Modal;

/// "Join with an invite": takes a link or a code and opens its invite page, where the server is
/// shown before anyone joins.
#[component]
pub fn JoinDialog(on_close: Callback<()>) -> impl IntoView {
    let navigate = use_navigate();
    let link = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match invite_code_in(&link.get_untracked()) {
            Some(code) => {
                on_close.run(());
                navigate(&format!("/invite/{code}"), Default::default());
            }
            None => errors.set(FieldErrors::from([(
                "invite".to_owned(),
                vec!["is not an invite link or code".to_owned()],
            )])),
        }
    };
    view! {
        <Modal title="Join a server" on_close=on_close>
            <form class="stack" on:submit=on_submit novalidate>
                <Field
                    label="Invite link or code"
                    name="invite"
                    value=link
                    errors=errors
                    hint="For example https://chat.example.org/invite/AbCdEfGh12345678"
                />
                <div class="modal-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary">"Continue"</button>
                </div>
            </form>
        </Modal>
    }
}
