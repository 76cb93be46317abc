use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Picks an image file and previews it before anything is uploaded.
#[component]
pub fn IconPicker(
    /// The chosen file, if any.
    file: RwSignal<Option<web_sys::File>, LocalStorage>,
    /// What to show before a file is picked (the current icon).
    #[prop(optional)]
    current: Option<String>,
) -> impl IntoView {
    let preview = RwSignal::new(current);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let chosen = input.files().and_then(|files| files.get(0));
        if let Some(chosen) = &chosen {
            preview.set(web_sys::Url::create_object_url_with_blob(chosen).ok());
        }
        file.set(chosen);
    };
    view! {
        <div class="icon-picker">
            <label class="icon-drop" for="icon-input">
                {move || match preview.get() {
                    Some(url) => view! { <img src=url alt="Icon preview" /> }.into_any(),
                    None => view! { <span>"Upload an icon"</span> }.into_any(),
                }}
            </label>
            <input id="icon-input" type="file" accept="image/png,image/jpeg,image/gif,image/webp" on:change=on_change />
            <p class="field-message">"PNG, JPEG, GIF or WebP, up to 5 MiB. It is cropped to a square."</p>
        </div>
    }
}
