use leptos::prelude::*;

use crate::components::common::icon::{Icon, IconName};
use crate::stores::theme::{Theme, use_theme};

/// Switches between the light and dark theme; the choice is remembered on this device.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = use_theme();
    let label = move || match theme.get() {
        Theme::Dark => "Switch to light theme",
        Theme::Light => "Switch to dark theme",
    };
    view! {
        <button
            type="button"
            class="icon-button theme-toggle"
            title=label
            aria-label=label
            on:click=move |_| theme.toggle()
        >
            {move || match theme.get() {
                Theme::Dark => view! { <Icon name=IconName::Sun /> },
                Theme::Light => view! { <Icon name=IconName::Moon /> },
            }}
        </button>
    }
}
