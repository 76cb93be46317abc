use leptos::prelude::*;
use parley_shared::FieldErrors;

/// A labelled input whose error messages (from the server, or from the same rules checked
/// before sending) appear right under it and are announced with it.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    /// The request field this input fills; errors for it are shown here.
    #[prop(into)]
    name: String,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional, into)] kind: Option<String>,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message_id = format!("{id}-message");
    let field = name.clone();
    let message = Memo::new(move |_| errors.with(|e| e.get(&field).map(|m| m.join("; "))));
    let kind = kind.unwrap_or_else(|| "text".to_owned());
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                autofocus=autofocus
                bind:value=value
                aria-invalid=move || if message.get().is_some() { "true" } else { "false" }
                aria-describedby=message_id.clone()
            />
            <p class="field-message" id=message_id aria-live="polite">
                {move || match message.get() {
                    Some(m) => view! { <span class="error">{m}</span> }.into_any(),
                    None => view! { <span class="hint">{hint.clone()}</span> }.into_any(),
                }}
            </p>
        </div>
    }
}
