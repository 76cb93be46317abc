use leptos::prelude::*;

use crate::components::common::modal::Modal;

/// "Are you sure?" for actions that cannot be undone.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal title=title on_close=on_close>
            <p>{message}</p>
            <div class="modal-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="danger-solid" on:click=move |_| on_confirm.run(())>{confirm_label}</button>
            </div>
        </Modal>
    }
}
