use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use parley_shared::FieldErrors;
use parley_shared::users::LoginRequest;
use validator::Validate;

use crate::api::{self, ApiError};
use crate::app::safe_next;
use crate::components::auth::auth_card::AuthCard;
use crate::components::common::field::Field;
use crate::components::common::form_error::FormError;
use crate::stores::session::{Session, use_session};

#[component]
pub fn LoginPage() -> impl IntoView {
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

    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let request = LoginRequest {
            login: login.get_untracked(),
            password: password.get_untracked(),
        };
        if let Err(invalid) = request.validate() {
            errors.set(ApiError::from(&invalid).fields().clone());
            return;
        }
        errors.set(FieldErrors::new());
        form_error.set(None);
        pending.set(true);
        spawn_local(async move {
            match api::login(&request).await {
                Ok(user) => session.signed_in(user),
                Err(err) => {
                    errors.set(err.fields().clone());
                    form_error.set(Some(err.message().to_owned()));
                }
            }
            pending.set(false);
        });
    };

    let register_href = move || match query.with(|q| q.get("next")) {
        Some(n) => format!(
            "/register?next={}",
            String::from(js_sys::encode_uri_component(&n))
        ),
        None => "/register".to_owned(),
    };

    view! {
        <AuthCard title="Welcome back" subtitle="Sign in to continue to Parley.">
            <form class="stack" on:submit=on_submit novalidate>
                <FormError message=form_error />
                <Field
                    label="Username or email"
                    name="login"
                    value=login
                    errors=errors
                    autocomplete="username"
                    autofocus=true
                />
                <Field
                    label="Password"
                    name="password"
                    value=password
                    errors=errors
                    kind="password"
                    autocomplete="current-password"
                />
                <button class="primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="switch">"New here? " <A href=register_href>"Create an account"</A></p>
        </AuthCard>
    }
}
