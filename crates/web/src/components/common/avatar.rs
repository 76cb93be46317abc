use leptos::prelude::*;

/// Initials on a colour picked from the name, until people can upload pictures.
#[component]
pub fn Avatar(
    #[prop(into)] name: Signal<String>,
    #[prop(optional)] size: Option<u32>,
    /// The profile picture; the initials without one.
    #[prop(optional, into)]
    url: MaybeProp<String>,
) -> impl IntoView {
    let size = size.unwrap_or(32);
    let initials = move || {
        name.with(|n| {
            let mut words = n.split_whitespace();
            let first = words.next().and_then(|w| w.chars().next());
            let second = words.next().and_then(|w| w.chars().next());
            first
                .into_iter()
                .chain(second)
                .flat_map(char::to_uppercase)
                .collect::<String>()
        })
    };
    let hue = move || {
        name.with(|n| {
            n.bytes()
                .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()))
                % 360
        })
    };
    let initials_view = move || {
        view! {
            <span
                class="avatar"
                aria-hidden="true"
                style=move || format!(
                    "--avatar-hue:{};width:{size}px;height:{size}px;font-size:{}px",
                    hue(),
                    size * 2 / 5,
                )
            >
                {initials}
            </span>
        }
    };
    view! {
        {move || match url.get() {
            Some(src) => view! {
                <img class="avatar avatar-picture" src=src alt="" aria-hidden="true"
                    width=size height=size />
            }.into_any(),
            None => initials_view().into_any(),
        }}
    }
}
