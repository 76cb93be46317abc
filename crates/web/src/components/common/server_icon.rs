use leptos::prelude::*;

/// A server's picture, or its initials when it has none.
#[component]
pub fn ServerIcon(
    #[prop(into)] name: Signal<String>,
    #[prop(into)] icon_url: Signal<Option<String>>,
) -> impl IntoView {
    let initials = move || {
        name.with(|n| {
            n.split_whitespace()
                .filter_map(|w| w.chars().next())
                .take(3)
                .collect::<String>()
        })
    };
    move || match icon_url.get() {
        Some(url) => view! { <img class="server-icon" src=url alt="" /> }.into_any(),
        None => view! { <span class="server-icon initials" aria-hidden="true">{initials}</span> }
            .into_any(),
    }
}
