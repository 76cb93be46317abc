use leptos::prelude::*;

/// A form's overall error (wrong password, server unreachable), announced to screen readers.
#[component]
pub fn FormError(message: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.with(Option::is_some)>
            <p class="form-error" role="alert">{move || message.get()}</p>
        </Show>
    }
}
