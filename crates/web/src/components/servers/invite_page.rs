use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::app::HOME;
use crate::components::shell::pane_header::PaneHeader;
use crate::stores::servers::use_servers;

/// `/invite/<code>`: joins the server as a guest (or just opens it for a member). Signed-out
/// visitors come here after logging in.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let servers = use_servers();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(code) = params.with(|p| p.get("code")) else {
            return;
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::accept_invite(&code).await {
                Ok(server) => {
                    let id = server.server.id;
                    let first = server
                        .channels
                        .iter()
                        .find(|c| c.kind == parley_shared::servers::ChannelKind::Text)
                        .map(|c| c.id);
                    servers.upsert(server);
                    let target = match first {
                        Some(channel) => format!("/servers/{id}/{channel}"),
                        None => format!("/servers/{id}"),
                    };
                    navigate(
                        &target,
                        leptos_router::NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                }
                Err(err) => error.set(Some(err.message().to_owned())),
            }
        });
    });
    view! {
        <PaneHeader title="Invite" />
        <section class="pane-body empty-state">
            {move || match error.get() {
                None => view! { <p class="muted" role="status">"Joining…"</p> }.into_any(),
                Some(message) => view! {
                    <h2>"This invite does not work"</h2>
                    <p class="muted">{message}</p>
                    <p class="muted">"Ask for a new link: invites stop working when they are regenerated."</p>
                    <A href=HOME>"Go home"</A>
                }.into_any(),
            }}
        </section>
    }
}
