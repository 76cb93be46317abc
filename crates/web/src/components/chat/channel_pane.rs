use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use parley_shared::servers::ChannelKind;
use uuid::Uuid;

use crate::app::HOME;
use crate::components::chat::composer::Composer;
use crate::components::chat::connection_indicator::ConnectionIndicator;
use crate::components::chat::message_list::MessageList;
use crate::components::common::icon::{Icon, IconName};
use crate::components::servers::member_list::MemberList;
use crate::components::shell::pane_header::PaneHeader;
use crate::stores::realtime::use_realtime;
use crate::stores::servers::use_servers;

/// `/servers/<server>/<channel>`: a text channel's messages and composer, or the room of an
/// audio or video channel; the member list beside it.
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
    let channel = Memo::new(move |_| channel_id.get().and_then(|id| servers.channel(id)));
    let show_members = RwSignal::new(true);

    // Gone (deleted, or we were removed): leave for somewhere that exists.
    Effect::new(move |_| {
        if !servers.loaded() || channel.get().is_some() {
            return;
        }
        let options = leptos_router::NavigateOptions {
            replace: true,
            ..Default::default()
        };
        match server_id.get().filter(|id| servers.get(*id).is_some()) {
            Some(id) => navigate(&format!("/servers/{id}"), options),
            None => navigate(HOME, options),
        }
    });
    Effect::new(move |_| realtime.open_channel.set(channel_id.get()));
    on_cleanup(move || realtime.open_channel.set(None));

    let title = move || {
        channel.get().map(|c| match c.kind {
            ChannelKind::Text => format!("# {}", c.name),
            _ => c.name,
        })
    };
    view! {
        <div class="channel-layout">
            <div class="channel-main">
                {move || view! {
                    <PaneHeader title=title().unwrap_or_default()>
                        <span class="topic muted">{move || channel.get().and_then(|c| c.topic)}</span>
                        <ConnectionIndicator />
                        <button type="button" class="icon-button members-toggle" aria-label="Toggle member list"
                            aria-pressed=move || show_members.get().to_string()
                            on:click=move |_| show_members.update(|s| *s = !*s)><Icon name=IconName::Members /></button>
                    </PaneHeader>
                }}
                {move || match (channel_id.get(), channel.get().map(|c| (c.kind, c.name))) {
                    (Some(id), Some((ChannelKind::Text, name))) => view! {
                        <MessageList channel_id=id server_id=server_id.get() />
                        <Composer channel_id=id label=format!("Message #{name}") />
                    }.into_any(),
                    (Some(_), Some((kind, name))) => view! {
                        <section class="pane-body empty-state">
                            <h2 class="room-title">
                                <Icon name=if kind == ChannelKind::Audio { IconName::Speaker } else { IconName::Video } />
                                " " {name}
                            </h2>
                            <p class="muted">
                                {if kind == ChannelKind::Audio { "Audio" } else { "Video" }}
                                " rooms are coming in a later version of Parley. This channel is ready for them."
                            </p>
                        </section>
                    }.into_any(),
                    _ => view! { <p class="splash">"Loading…"</p> }.into_any(),
                }}
            </div>
            {move || (show_members.get()).then(|| server_id.get().map(|id| view! { <MemberList server_id=id /> }))}
        </div>
    }
}
