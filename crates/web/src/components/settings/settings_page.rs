use leptos::prelude::*;

use crate::components::common::theme_toggle::ThemeToggle;
use crate::components::settings::avatar_form::AvatarForm;
use crate::components::settings::password_form::PasswordForm;
use crate::components::settings::profile_form::ProfileForm;
use crate::components::settings::tokens_panel::TokensPanel;
use crate::components::shell::pane_header::PaneHeader;
use crate::stores::theme::{Theme, use_theme};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let theme = use_theme();
    view! {
        <PaneHeader title="Settings" />
        <div class="pane-body settings">
            <section class="card" aria-labelledby="profile-heading">
                <h2 id="profile-heading">"Profile"</h2>
                <AvatarForm />
                <ProfileForm />
            </section>
            <section class="card" aria-labelledby="appearance-heading">
                <h2 id="appearance-heading">"Appearance"</h2>
                <div class="row">
                    <p>
                        "Theme: "
                        <strong>{move || match theme.get() { Theme::Dark => "Dark", Theme::Light => "Light" }}</strong>
                    </p>
                    <ThemeToggle />
                </div>
            </section>
            <section class="card" aria-labelledby="password-heading">
                <h2 id="password-heading">"Password"</h2>
                <PasswordForm />
            </section>
            <section class="card" aria-labelledby="tokens-heading">
                <h2 id="tokens-heading">"Access tokens"</h2>
                <p class="muted">
                    "Tokens let scripts and bots use the API as you: send "
                    <code>"Authorization: Bearer <token>"</code>
                    ". The API is described at "
                    <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>
                    "."
                </p>
                <TokensPanel />
            </section>
        </div>
    }
}
