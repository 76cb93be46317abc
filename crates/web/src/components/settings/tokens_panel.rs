use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::FieldErrors;
use parley_shared::users::{ApiToken, CreateTokenRequest, CreatedToken};
use validator::Validate;

use crate::api::{self, ApiError};
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::stores::session::use_session;

/// Lists, creates and revokes personal access tokens. A new token's secret is shown once.
#[component]
pub fn TokensPanel() -> impl IntoView {
    let session = use_session();
    let tokens = LocalResource::new(api::tokens);
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedToken>);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // The server asks for the password unless this session signed in a moment ago.
        let current_password = Some(password.get_untracked()).filter(|p| !p.is_empty());
        let request = CreateTokenRequest {
            name: name.get_untracked(),
            current_password,
        };
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            return;
        }
        errors.set(FieldErrors::new());
        form_error.set(None);
        spawn_local(async move {
            match api::create_token(&request).await {
                Ok(token) => {
                    created.set(Some(token));
                    name.set(String::new());
                    password.set(String::new());
                    tokens.refetch();
                }
                Err(err) => {
                    session.observe(&err);
                    errors.set(err.fields().clone());
                    form_error.set(Some(err.message().to_owned()));
                }
            }
        });
    };

    let revoke = move |token: ApiToken| {
        let confirmed = window()
            .confirm_with_message(&format!(
                "Revoke “{}”? Programs using it stop working.",
                token.name
            ))
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        spawn_local(async move {
            match api::revoke_token(token.id).await {
                Ok(()) => {
                    if created.with_untracked(|c| c.as_ref().is_some_and(|c| c.id == token.id)) {
                        created.set(None);
                    }
                    tokens.refetch();
                }
                Err(err) => {
                    session.observe(&err);
                    form_error.set(Some(err.message().to_owned()));
                }
            }
        });
    };

    let copy = move |secret: String| {
        let clipboard = window().navigator().clipboard();
        let _ = clipboard.write_text(&secret);
    };

    view! {
        <Show when=move || created.with(Option::is_some)>
            <div class="new-token" role="status">
                <p>
                    <strong>"Copy your new token now."</strong>
                    " It will not be shown again."
                </p>
                <div class="row">
                    <code class="secret" data-testid="new-token">
                        {move || created.get().map(|t| t.token).unwrap_or_default()}
                    </code>
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| copy(created.get_untracked().map(|t| t.token).unwrap_or_default())
                    >
                        "Copy"
                    </button>
                </div>
            </div>
        </Show>
        <form class="row token-form" on:submit=on_submit novalidate>
            <Field label="New token name" name="name" value=name errors=errors hint="What will use it, e.g. “deploy bot”." />
            <Field label="Your password" name="current_password" value=password errors=errors kind="password" autocomplete="current-password" hint="Not needed within five minutes of signing in." />
            <button class="primary" type="submit">"Create token"</button>
        </form>
        <FormError message=form_error />
        <Transition fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
            {move || {
                tokens.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="token-list">
                            <For each=move || list.clone() key=|t| t.id let:token>
                                <li class="token-row">
                                    <div>
                                        <strong>{token.name.clone()}</strong>
                                        <span class="muted small">
                                            " created " {token.created_at.format("%Y-%m-%d").to_string()}
                                            {token.last_used_at.map(|t| format!(", last used {}", t.format("%Y-%m-%d %H:%M UTC")))}
                                        </span>
                                    </div>
                                    <button
                                        type="button"
                                        class="danger"
                                        aria-label=format!("Revoke {}", token.name)
                                        on:click={
                                            let token = token.clone();
                                            move |_| revoke(token.clone())
                                        }
                                    >
                                        "Revoke"
                                    </button>
                                </li>
                            </For>
                        </ul>
                    }
                    .into_any(),
                    Err(err) => {
                        session.observe(&err);
                        view! { <p class="form-error">{err.message().to_owned()}</p> }.into_any()
                    }
                })
            }}
        </Transition>
    }
}
