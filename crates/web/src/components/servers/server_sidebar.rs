use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use parley_shared::servers::{Channel, ChannelKind, Role};
use uuid::Uuid;

use crate::api;
use crate::app::HOME;
use crate::components::common::confirm_dialog::ConfirmDialog;
use crate::components::common::icon::{Icon, IconName};
use crate::components::common::menu::Menu;
use crate::components::servers::create_channel_dialog::CreateChannelDialog;
use crate::components::servers::edit_channel_dialog::EditChannelDialog;
use crate::components::servers::invite_dialog::InviteDialog;
use crate::components::servers::members_dialog::MembersDialog;
use crate::components::servers::server_settings_dialog::ServerSettingsDialog;
use crate::stores::servers::use_servers;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialog {
    Invite,
    Settings,
    Members,
    CreateChannel(ChannelKind),
    EditChannel(Uuid),
    Leave,
}

/// A server's channels grouped by kind, under a header whose menu holds what your role allows.
#[component]
pub fn ServerSidebar(server_id: Uuid) -> impl IntoView {
    let servers = use_servers();
    let server = Memo::new(move |_| servers.get(server_id));
    let role = Memo::new(move |_| servers.my_role(server_id).unwrap_or(Role::Guest));
    let menu_open = RwSignal::new(false);
    let menu_button = NodeRef::<leptos::html::Button>::new();
    let dialog = RwSignal::new(None::<Dialog>);
    let close = Callback::new(move |()| dialog.set(None));
    let open = move |d: Dialog| {
        // The dialog gives focus back to the menu's button, not to the menu that goes away.
        if let Some(button) = menu_button.get_untracked() {
            let _ = button.focus();
        }
        menu_open.set(false);
        dialog.set(Some(d));
    };
    let navigate = use_navigate();
    let leave = Callback::new(move |()| {
        let navigate = navigate.clone();
        spawn_local(async move {
            if api::leave_server(server_id).await.is_ok() {
                servers.remove(server_id);
                navigate(HOME, Default::default());
            }
        });
        dialog.set(None);
    });

    let group = move |kind: ChannelKind| {
        server.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.channels
                        .iter()
                        .filter(|c| c.kind == kind)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    view! {
        <header class="sidebar-header server-header">
            <button
                type="button"
                class="server-menu-button"
                node_ref=menu_button
                aria-haspopup="menu"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|o| *o = !*o)
            >
                <h2>{move || server.get().map(|s| s.server.name).unwrap_or_default()}</h2>
                <span aria-hidden="true">"▾"</span>
            </button>
        </header>
        <Show when=move || menu_open.get()>
            <Menu label="Server menu" class="server-menu" trigger=menu_button on_close=Callback::new(move |()| menu_open.set(false))>
                <Show when=move || is_moderator(role)>
                    <button type="button" role="menuitem" class="accent" on:click=move |_| open(Dialog::Invite)>"Invite people"</button>
                </Show>
                <Show when=move || is_admin(role)>
                    <button type="button" role="menuitem" on:click=move |_| open(Dialog::Settings)>"Server settings"</button>
                </Show>
                <Show when=move || is_moderator(role)>
                    <button type="button" role="menuitem" on:click=move |_| open(Dialog::Members)>"Manage members"</button>
                    <button type="button" role="menuitem" on:click=move |_| open(Dialog::CreateChannel(ChannelKind::Text))>"Create channel"</button>
                </Show>
                <button type="button" role="menuitem" class="danger-text" on:click=move |_| open(Dialog::Leave)>"Leave server"</button>
            </Menu>
        </Show>
        <nav class="sidebar-list" aria-label="Channels">
            <ChannelGroup title="Text channels" kind=ChannelKind::Text server_id=server_id channels=Signal::derive(move || group(ChannelKind::Text)) role=role dialog=dialog />
            <ChannelGroup title="Audio channels" kind=ChannelKind::Audio server_id=server_id channels=Signal::derive(move || group(ChannelKind::Audio)) role=role dialog=dialog />
            <ChannelGroup title="Video channels" kind=ChannelKind::Video server_id=server_id channels=Signal::derive(move || group(ChannelKind::Video)) role=role dialog=dialog />
        </nav>
        {move || match dialog.get() {
            None => ().into_any(),
            Some(Dialog::Invite) => view! { <InviteDialog server_id=server_id on_close=close /> }.into_any(),
            Some(Dialog::Settings) => view! { <ServerSettingsDialog server_id=server_id on_close=close /> }.into_any(),
            Some(Dialog::Members) => view! { <MembersDialog server_id=server_id on_close=close /> }.into_any(),
            Some(Dialog::CreateChannel(kind)) => view! { <CreateChannelDialog server_id=server_id kind=kind on_close=close /> }.into_any(),
            Some(Dialog::EditChannel(id)) => view! { <EditChannelDialog channel_id=id on_close=close /> }.into_any(),
            Some(Dialog::Leave) => view! {
                <ConfirmDialog
                    title="Leave server"
                    message=format!("Leave {}? You will need a new invite to come back.", server.get_untracked().map(|s| s.server.name).unwrap_or_default())
                    confirm_label="Leave server"
                    on_confirm=leave
                    on_close=close
                />
            }.into_any(),
        }}
    }
}

#[component]
fn ChannelGroup(
    #[prop(into)] title: String,
    kind: ChannelKind,
    server_id: Uuid,
    channels: Signal<Vec<Channel>>,
    role: Memo<Role>,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    let location = use_location();
    let label = format!("Create {}", title.to_lowercase().trim_end_matches('s'));
    let sigil = move || match kind {
        ChannelKind::Text => view! { <span>"#"</span> }.into_any(),
        ChannelKind::Audio => view! { <Icon name=IconName::Speaker /> }.into_any(),
        ChannelKind::Video => view! { <Icon name=IconName::Video /> }.into_any(),
        ChannelKind::Dm | ChannelKind::GroupDm => view! { <span>"@"</span> }.into_any(),
    };
    view! {
        <div class="channel-group">
            <div class="channel-group-header">
                <h3 class="sidebar-heading">{title.clone()}</h3>
                <Show when=move || is_moderator(role)>
                    <button type="button" class="icon-button small" aria-label=label.clone() title=label.clone()
                        on:click=move |_| dialog.set(Some(Dialog::CreateChannel(kind)))><Icon name=IconName::Plus /></button>
                </Show>
            </div>
            <For each=move || channels.get() key=|c| (c.id, c.name.clone(), c.position) let:channel>
                {
                    let id = channel.id;
                    let href = format!("/servers/{server_id}/{id}");
                    let current = move || location.pathname.with(|p| p.ends_with(&id.to_string()));
                    let name = channel.name.clone();
                    view! {
                        <div class="channel-row" class:selected=current>
                            <A href=href attr:class="sidebar-item channel-link">
                                <span class="channel-sigil" aria-hidden="true">{sigil}</span>
                                {channel.name.clone()}
                            </A>
                            <Show when=move || is_moderator(role)>
                                <button type="button" class="icon-button small channel-edit" aria-label=format!("Edit channel {name}")
                                    on:click=move |_| dialog.set(Some(Dialog::EditChannel(id)))><Icon name=IconName::Settings /></button>
                            </Show>
                        </div>
                    }
                }
            </For>
        </div>
    }
}

fn is_moderator(role: Memo<Role>) -> bool {
    role.get() >= Role::Moderator
}

fn is_admin(role: Memo<Role>) -> bool {
    role.get() == Role::Admin
}
