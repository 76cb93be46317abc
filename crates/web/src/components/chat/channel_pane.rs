use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use parley_shared::servers::{ChannelKind, Role};
use uuid::Uuid;

use crate::app::HOME;
use crate::components::chat::chat_view::ChatView;
use crate::components::chat::connection_indicator::ConnectionIndicator;
use crate::components::common::icon::{Icon, IconName};
use crate::components::servers::invite_dialog::InviteDialog;
use crate::components::servers::member_list::MemberList;
use crate::components::shell::pane_header::PaneHeader;
use crate::stores::realtime::use_realtime;
use crate::stores::servers::use_servers;

/// Below this width the member list is a drawer over the messages instead of a column.
const MEMBER_COLUMN_MIN_WIDTH: f64 = 1024.0;

/// `/servers/<server>/<channel>`: a text channel's messages and composer, or the room of an
/// audio or video channel; the member list beside it (a drawer on narrow screens). Every part
/// reads a narrow memo of what it shows, so the pane is rebuilt only when you switch channel.
#[component]
pub fn ChannelPane() -> impl IntoView {
    let params = use_params_map();
    let servers = use_servers();
    let realtime = use_realtime();
    let navigate = use_navigate();
    let server_id = Memo::new(move |_| {
        params
            .with(|p| p.get("server_id"))
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    let channel_id = Memo::new(move |_| {
        params
            .with(|p| p.get("channel_id"))
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    let head = Memo::new(move |_| channel_id.get().and_then(|id| servers.channel_head(id)));
    // What decides which view the body is: nothing else rebuilds it.
    let shown = Memo::new(move |_| head.with(|h| h.as_ref().map(|h| (h.id, h.kind))));
    let name =
        Memo::new(move |_| head.with(|h| h.as_ref().map(|h| h.name.clone()).unwrap_or_default()));
    let topic = Memo::new(move |_| head.with(|h| h.as_ref().and_then(|h| h.topic.clone())));
    let title = Memo::new(move |_| {
        head.with(|h| match h {
            Some(h) if h.kind == ChannelKind::Text => format!("# {}", h.name),
            Some(h) => h.name.clone(),
            None => String::new(),
        })
    });
    let label = Signal::derive(move || format!("Message #{}", name.get()));
    let show_members = RwSignal::new(is_wide());

    // Gone (deleted, or we were removed): leave for somewhere that exists.
    Effect::new(move |_| {
        if !servers.loaded() || head.with(Option::is_some) {
            return;
        }
        let options = leptos_router::NavigateOptions {
            replace: true,
            ..Default::default()
        };
        match server_id.get().filter(|id| servers.my_role(*id).is_some()) {
            Some(id) => navigate(&format!("/servers/{id}"), options),
            None => navigate(HOME, options),
        }
    });
    Effect::new(move |_| realtime.open_channel.set(channel_id.get()));
    on_cleanup(move || realtime.open_channel.set(None));
    let close_drawer = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && show_members.get_untracked() && !is_wide() {
            show_members.set(false);
        }
    });
    on_cleanup(move || close_drawer.remove());

    view! {
        <div class="channel-layout" class:members-open=move || show_members.get()>
            <div class="channel-main">
                <PaneHeader title=title>
                    <span class="topic muted">{move || topic.get()}</span>
                    <ConnectionIndicator />
                    <button type="button" class="icon-button members-toggle" aria-label="Member list"
                        aria-pressed=move || show_members.get().to_string()
                        aria-controls=move || show_members.get().then_some("member-list")
                        on:click=move |_| show_members.update(|s| *s = !*s)><Icon name=IconName::Members /></button>
                </PaneHeader>
                {move || match shown.get() {
                    Some((id, ChannelKind::Text)) => {
                        let server = server_id.get_untracked();
                        view! {
                            <ChatView
                                channel_id=id
                                server_id=server
                                label=label
                                intro=move || view! { <ChannelIntro server_id=server name=name /> }
                            />
                        }.into_any()
                    }
                    Some((_, kind)) => view! {
                        <section class="pane-body empty-state">
                            <h2 class="room-title">
                                <Icon name=if kind == ChannelKind::Audio { IconName::Speaker } else { IconName::Video } />
                                " " {move || name.get()}
                            </h2>
                            <p class="muted">
                                {if kind == ChannelKind::Audio { "Audio" } else { "Video" }}
                                " rooms are coming in a later version of Parley. This channel is ready for them."
                            </p>
                        </section>
                    }.into_any(),
                    None => view! { <p class="splash">"Loading…"</p> }.into_any(),
                }}
            </div>
            <div class="members-scrim" aria-hidden="true" on:click=move |_| show_members.set(false)></div>
            {move || (show_members.get()).then(|| server_id.get().map(|id| view! { <MemberList server_id=id /> }))}
        </div>
    }
}

fn is_wide() -> bool {
    window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w > MEMBER_COLUMN_MIN_WIDTH)
}

/// The top of a channel's history: what the channel is, and in a server nobody else has joined
/// yet, how to invite people.
#[component]
fn ChannelIntro(server_id: Option<Uuid>, name: Memo<String>) -> impl IntoView {
    let servers = use_servers();
    let inviting = RwSignal::new(false);
    if let Some(id) = server_id {
        servers.ensure_members(id);
    }
    let alone = Memo::new(move |_| {
        server_id.is_some_and(|id| {
            servers.member_count(id).is_some_and(|n| n <= 1)
                && servers.my_role(id).is_some_and(|r| r >= Role::Moderator)
        })
    });
    view! {
        <section class="channel-intro">
            <h2>"Welcome to #" {move || name.get()} "!"</h2>
            <p class="muted">"This is the beginning of the #" {move || name.get()} " channel."</p>
            <Show when=move || alone.get()>
                <div class="invite-prompt">
                    <p>"It's quiet here: you are the only member. Invite people to start the conversation."</p>
                    <button type="button" class="primary" on:click=move |_| inviting.set(true)>"Invite people"</button>
                </div>
            </Show>
            <Show when=move || inviting.get()>
                {move || server_id.map(|id| view! {
                    <InviteDialog server_id=id on_close=Callback::new(move |()| inviting.set(false)) />
                })}
            </Show>
        </section>
    }
}
