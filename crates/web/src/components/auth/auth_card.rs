use leptos::prelude::*;

use crate::components::common::theme_toggle::ThemeToggle;

/// The centred card the sign-in pages share.
#[component]
pub fn AuthCard(
    #[prop(into)] title: String,
    #[prop(into)] subtitle: String,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="auth-screen">
            <div class="auth-corner">
                <ThemeToggle />
            </div>
            <main class="auth-card">
                <div class="brand" aria-hidden="true">
                    <span class="brand-mark">"P"</span>
                    " Parley"
                </div>
                <h1>{title}</h1>
                <p class="muted">{subtitle}</p>
                {children()}
            </main>
        </div>
    }
}
