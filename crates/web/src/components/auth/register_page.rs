use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use parley_shared::FieldErrors;
use parley_shared::users::RegisterRequest;
use validator::Validate;

use crate::api::{self, ApiError};
use crate::app::safe_next;
use crate::components::auth::auth_card::AuthCard;
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::stores::session::{Session, use_session};

#[component]
pub fn RegisterPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.with(|q| q.get("next"))));
    let navigate = use_navigate();
    // Someone already signed in (or who just signed in) goes where they were headed.
    Effect::new(move |_| {
        if matches!(session.state(), Session::SignedIn(_)) {
            navigate(&next.get_untracked(), Default::default());
        }
    });

    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut display = display_name.get_untracked();
        if display.trim().is_empty() {
            // Most people are happy to be shown by their username.
            display = username.get_untracked();
        }
        let request = RegisterRequest {
            username: username.get_untracked(),
            display_name: display,
            password: password.get_untracked(),
            email: Some(email.get_untracked()),
        }
        .normalized();
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            form_error.set(None);
            return;
        }
        errors.set(FieldErrors::new());
        form_error.set(None);
        pending.set(true);
        spawn_local(async move {
            match api::register(&request).await {
                Ok(user) => session.signed_in(user),
                Err(err) => {
                    errors.set(err.fields().clone());
                    form_error.set(Some(err.message().to_owned()));
                }
            }
            pending.set(false);
        });
    };

    let login_href = move || match query.with(|q| q.get("next")) {
        Some(n) => format!(
            "/login?next={}",
            String::from(js_sys::encode_uri_component(&n))
        ),
        None => "/login".to_owned(),
    };

    view! {
        <AuthCard title="Create an account" subtitle="Join the conversation on this Parley server.">
            <form class="stack" on:submit=on_submit novalidate>
                <FormError message=form_error />
                <Field
                    label="Username"
                    name="username"
                    value=username
                    errors=errors
                    autocomplete="username"
                    hint="3-32 characters: a-z, 0-9, _ and ."
                    autofocus=true
                />
                <Field
                    label="Display name"
                    name="display_name"
                    value=display_name
                    errors=errors
                    autocomplete="nickname"
                    hint="What people see. Defaults to your username."
                />
                <Field
                    label="Email (optional)"
                    name="email"
                    value=email
                    errors=errors
                    kind="email"
                    autocomplete="email"
                    hint="Lets you sign in with your email too."
                />
                <Field
                    label="Password"
                    name="password"
                    value=password
                    errors=errors
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 8 characters."
                />
                <button class="primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Creating account…" } else { "Create account" }}
                </button>
            </form>
            <p class="switch">"Already have an account? " <A href=login_href>"Sign in"</A></p>
        </AuthCard>
    }
}
