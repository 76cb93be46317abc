use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::chat::message_item::human;
use crate::components::common::avatar::Avatar;
use crate::stores::session::use_session;

/// Your profile picture: pick one (it uploads at once and everyone who sees you gets it), or
/// remove it to show your initials again.
#[component]
pub fn AvatarForm() -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = Signal::derive(move || session.user().map(|u| u.display_name).unwrap_or_default());
    let url = Signal::derive(move || session.user().and_then(|u| u.avatar_url));
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        input.set_value("");
        busy.set(true);
        spawn_local(async move {
            match api::upload_avatar(&file).await {
                Ok(user) => {
                    error.set(None);
                    session.signed_in(user);
                }
                Err(err) => {
                    session.observe(&err);
                    error.set(Some(human(&err)));
                }
            }
            busy.set(false);
        });
    };
    let remove = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::remove_avatar().await {
                Ok(user) => {
                    error.set(None);
                    session.signed_in(user);
                }
                Err(err) => error.set(Some(human(&err))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="avatar-form">
            <Avatar name=name url=url size=64 />
            <div class="avatar-form-actions">
                <label class="button secondary" for="avatar-input">"Choose a picture"</label>
                <input id="avatar-input" class="file-input" type="file"
                    accept="image/png,image/jpeg,image/gif,image/webp"
                    aria-label="Profile picture" disabled=move || busy.get() on:change=on_change />
                <Show when=move || url.get().is_some()>
                    <button type="button" class="button secondary" disabled=move || busy.get()
                        on:click=remove>"Remove picture"</button>
                </Show>
                <p class="field-message">"PNG, JPEG, GIF or WebP, up to 5 MiB. It is cropped to a square."</p>
                <p class="form-error-inline" role="alert">{move || error.get()}</p>
            </div>
        </div>
    }
}
