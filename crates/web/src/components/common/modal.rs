use leptos::prelude::*;

/// A dialog over the page: labelled by its title, closed by Escape, the close button or a click
/// outside it.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let title_id = format!(
        "modal-{}",
        title
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "-")
    );
    let label_id = title_id.clone();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby=label_id
                on:click=|ev| ev.stop_propagation()
            >
                <header class="modal-header">
                    <h2 id=title_id>{title}</h2>
                    <button type="button" class="icon-button" aria-label="Close" on:click=move |_| on_close.run(())>
                        "✕"
                    </button>
                </header>
                <div class="modal-body">{children()}</div>
            </div>
        </div>
    }
}
