use leptos::html::Div;
use leptos::prelude::*;

use crate::focus;

/// A dialog over the page: labelled by its title, closed by Escape, the close button or a click
/// outside it. Focus starts on its first field (or its first control), Tab stays inside it, and
/// focus goes back to where it was when it closes.
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
    // Read before anything inside takes focus.
    let opener = StoredValue::new_local(focus::active());
    let dialog = NodeRef::<Div>::new();
    dialog.on_load(move |dialog| {
        // The field marked autofocus, else the first field, else the first control that is not
        // the close button.
        let controls = focus::focusables(&dialog);
        let first = controls
            .iter()
            .find(|el| el.has_attribute("autofocus"))
            .or_else(|| {
                controls
                    .iter()
                    .find(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
            })
            .or_else(|| {
                controls
                    .iter()
                    .find(|el| !el.class_list().contains("modal-close"))
            });
        if let Some(first) = first {
            let _ = first.focus();
        }
    });
    on_cleanup(move || focus::restore(opener.get_value()));
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.stop_propagation();
            on_close.run(());
        }
        "Tab" => {
            if let Some(dialog) = dialog.get_untracked()
                && focus::trap_tab(&dialog, ev.shift_key())
            {
                ev.prevent_default();
            }
        }
        _ => {}
    };
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby=label_id
                tabindex="-1"
                node_ref=dialog
                on:click=|ev| ev.stop_propagation()
                on:keydown=on_keydown
            >
                <header class="modal-header">
                    <h2 id=title_id>{title}</h2>
                    <button type="button" class="icon-button modal-close" aria-label="Close" on:click=move |_| on_close.run(())>
                        "✕"
                    </button>
                </header>
                <div class="modal-body">{children()}</div>
            </div>
        </div>
    }
}
