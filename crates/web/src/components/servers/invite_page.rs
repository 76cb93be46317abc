use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use parley_shared::servers::{ChannelKind, InvitePreview, MyServer};

use crate::api;
use crate::app::{HOME, login_then};
use crate::components::common::server_icon::ServerIcon;
use crate::components::common::theme_toggle::ThemeToggle;
use crate::components::shell::pane_header::PaneHeader;
use crate::format;
use crate::stores::servers::use_servers;
use crate::stores::session::use_session;

/// Where a server opens: its first text channel.
pub fn server_path(server: &MyServer) -> String {
    let id = server.server.id;
    match server.channels.iter().find(|c| c.kind == ChannelKind::Text) {
        Some(channel) => format!("/servers/{id}/{}", channel.id),
        None => format!("/servers/{id}"),
    }
}

/// `/invite/<code>`: where the link leads (the server's icon, name and member count) and a Join
/// button. Nobody joins by opening the page, only by pressing Join, so another site cannot make
/// you join by sending you here. Signed out, the same preview offers to sign in or create an
/// account, and comes back here afterwards.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let session = use_session();
    let code = Memo::new(move |_| params.with(|p| p.get("code")).unwrap_or_default());
    let preview = LocalResource::new(move || {
        let code = code.get();
        async move { api::invite_preview(&code).await }
    });
    let signed_in = Memo::new(move |_| session.user_id().is_some());
    let card = move || {
        preview.get().map(|result| match result {
            Ok(preview) => view! { <InviteCard preview=preview /> }.into_any(),
            Err(err) => view! {
                <div class="invite-card">
                    <h2>"This invite does not work"</h2>
                    <p class="muted">{err.message().to_owned()}</p>
                    <p class="muted">"Ask for a new link: invites stop working when they are regenerated."</p>
                    <A href=HOME>"Go home"</A>
                </div>
            }
            .into_any(),
        })
    };
    let loading = || view! { <p class="muted" role="status">"Looking up the invite…"</p> };
    move || {
        if signed_in.get() {
            view! {
                <PaneHeader title="Invite" />
                <section class="pane-body invite-pane">
                    <Suspense fallback=loading>{card}</Suspense>
                </section>
            }
            .into_any()
        } else {
            view! {
                <div class="auth-screen">
                    <div class="auth-corner"><ThemeToggle /></div>
                    <main class="auth-card invite-screen">
                        <Suspense fallback=loading>{card}</Suspense>
                    </main>
                </div>
            }
            .into_any()
        }
    }
}

#[component]
fn InviteCard(preview: InvitePreview) -> impl IntoView {
    let session = use_session();
    let servers = use_servers();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let joining = RwSignal::new(false);
    let server = preview.server.clone();
    let server_id = server.id;
    let here = format!("/invite/{}", preview.code);
    let next = String::from(js_sys::encode_uri_component(&here));
    let member = Memo::new(move |_| servers.my_role(server_id).is_some());
    let signed_in = Memo::new(move |_| session.user_id().is_some());
    let open = {
        let navigate = navigate.clone();
        move || {
            if let Some(server) = servers.get(server_id) {
                navigate(&server_path(&server), Default::default());
            }
        }
    };
    let code = preview.code.clone();
    let join = move || {
        joining.set(true);
        error.set(None);
        let code = code.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::accept_invite(&code).await {
                Ok(server) => {
                    let path = server_path(&server);
                    servers.upsert(server);
                    navigate(&path, Default::default());
                }
                Err(err) => {
                    session.observe(&err);
                    error.set(Some(err.message().to_owned()));
                    joining.set(false);
                }
            }
        });
    };
    let name = server.name.clone();
    view! {
        <div class="invite-card">
            <div class="invite-icon">
                <ServerIcon name=server.name.clone() icon_url=server.icon_url.clone() />
            </div>
            <p class="muted">"You have been invited to join"</p>
            <h2 class="invite-name">{server.name.clone()}</h2>
            <p class="muted small">{format::count(server.member_count as usize, "member", "members")}</p>
            <p class="form-error-inline" role="alert">{move || error.get()}</p>
            {move || {
                if !signed_in.get() {
                    view! {
                        <div class="invite-actions">
                            <A href=login_then(&here) attr:class="button primary">"Sign in to join"</A>
                            <A href=format!("/register?next={next}") attr:class="button secondary">"Create an account to join"</A>
                        </div>
                    }
                    .into_any()
                } else if member.get() {
                    let open = open.clone();
                    view! {
                        <p>"You are already a member of " {name.clone()} "."</p>
                        <button type="button" class="primary" on:click=move |_| open()>"Open server"</button>
                    }
                    .into_any()
                } else {
                    let join = join.clone();
                    let label = format!("Join {name}");
                    view! {
                        <button type="button" class="primary" disabled=move || joining.get() on:click=move |_| join()>
                            {move || if joining.get() { "Joining…".to_owned() } else { label.clone() }}
                        </button>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
