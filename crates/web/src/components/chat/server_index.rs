use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use parley_shared::servers::ChannelKind;
use uuid::Uuid;

use crate::app::HOME;
use crate::stores::servers::use_servers;

/// `/servers/<id>`: opens the server's first text channel.
#[component]
pub fn ServerIndex() -> impl IntoView {
    let params = use_params_map();
    let servers = use_servers();
    let navigate = use_navigate();
    Effect::new(move |_| {
        let Some(id) = params
            .with(|p| p.get("server_id"))
            .and_then(|id| Uuid::parse_str(&id).ok())
        else {
            return;
        };
        if !servers.loaded() {
            return;
        }
        let options = leptos_router::NavigateOptions {
            replace: true,
            ..Default::default()
        };
        match servers.get(id) {
            Some(server) => {
                let first = server
                    .channels
                    .iter()
                    .find(|c| c.kind == ChannelKind::Text)
                    .or(server.channels.first());
                if let Some(channel) = first {
                    navigate(&format!("/servers/{id}/{}", channel.id), options);
                }
            }
            None => navigate(HOME, options),
        }
    });
    view! { <p class="splash">"Opening…"</p> }
}
