use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use parley_shared::FieldErrors;
use parley_shared::servers::{ChannelKind, UpdateChannelRequest};
use uuid::Uuid;

use crate::api;
use crate::app::HOME;
use crate::components::chat::chat_view::ChatView;
use crate::components::chat::connection_indicator::ConnectionIndicator;
use crate::components::common::confirm_dialog::ConfirmDialog;
use crate::components::common::field::Field;
use crate::components::common::modal::Modal;
use crate::components::conversations::people_picker::PeoplePicker;
use crate::components::shell::pane_header::PaneHeader;
use crate::format;
use crate::stores::conversations::{title_of, use_conversations};
use crate::stores::realtime::use_realtime;
use crate::stores::servers::use_servers;
use crate::stores::session::use_session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialog {
    Rename,
    Add,
    Leave,
}

/// `/channels/@me/<channel>`: a conversation, with the same message view and composer as
/// channels; groups also show their people and can be renamed, grown and left.
#[component]
pub fn ConversationPane() -> impl IntoView {
    let params = use_params_map();
    let conversations = use_conversations();
    let servers = use_servers();
    let session = use_session();
    let realtime = use_realtime();
    let navigate = use_navigate();
    let channel_id = Memo::new(move |_| {
        params
            .with(|p| p.get("channel_id"))
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    let head = Memo::new(move |_| channel_id.get().and_then(|id| conversations.head(id)));
    // Only switching conversation (or it going away) rebuilds the body.
    let shown = Memo::new(move |_| head.with(|h| h.as_ref().map(|h| (h.id, h.kind))));
    let recipients = Memo::new(move |_| {
        channel_id
            .get()
            .map(|id| conversations.recipients(id))
            .unwrap_or_default()
    });
    let me = Memo::new(move |_| session.user_id());
    let name = Memo::new(move |_| {
        head.with(|h| {
            h.as_ref()
                .map(|h| recipients.with(|r| title_of(h.kind, &h.name, r, me.get())))
                .unwrap_or_default()
        })
    });
    let people = Memo::new(move |_| {
        recipients.with(|r| {
            r.iter()
                .map(|u| u.display_name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
    });
    let label = Signal::derive(move || format!("Message {}", name.get()));
    let dialog = RwSignal::new(None::<Dialog>);
    let error = RwSignal::new(None::<String>);
    let close = Callback::new(move |()| dialog.set(None));

    Effect::new(move |_| realtime.open_channel.set(channel_id.get()));
    on_cleanup(move || realtime.open_channel.set(None));

    let leave = Callback::new(move |()| {
        let Some(id) = channel_id.get_untracked() else {
            return;
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::leave_conversation(id).await {
                Ok(()) => {
                    conversations.remove(id);
                    navigate(HOME, Default::default());
                }
                Err(err) => error.set(Some(err.message().to_owned())),
            }
        });
        dialog.set(None);
    });
    let add = Callback::new(move |ids: Vec<Uuid>| {
        let Some(id) = channel_id.get_untracked() else {
            return;
        };
        spawn_local(async move {
            for user in ids {
                if let Err(err) = api::add_recipient(id, user).await {
                    error.set(Some(err.message().to_owned()));
                    return;
                }
            }
            dialog.set(None);
        });
    });

    view! {
        {move || match shown.get() {
            Some((id, kind)) => {
                let group = kind == ChannelKind::GroupDm;
                view! {
                    <PaneHeader title=name>
                        {group.then(|| view! {
                            <span class="topic muted" title=move || people.get()>
                                {move || format::count(recipients.with(Vec::len), "person", "people")}
                            </span>
                            <button type="button" class="secondary small-button" on:click=move |_| dialog.set(Some(Dialog::Rename))>"Rename"</button>
                            <button type="button" class="secondary small-button" on:click=move |_| { error.set(None); dialog.set(Some(Dialog::Add)); }>"Add people"</button>
                            <button type="button" class="danger small-button" on:click=move |_| dialog.set(Some(Dialog::Leave))>"Leave"</button>
                        })}
                        <ConnectionIndicator />
                    </PaneHeader>
                    <p class="form-error-inline" role="alert">{move || error.get()}</p>
                    <ChatView channel_id=id server_id=None label=label />
                }
                .into_any()
            }
            None if servers.loaded() => view! {
                <PaneHeader title="Direct messages" />
                <section class="pane-body empty-state">
                    <h2>"This conversation is not available"</h2>
                    <p class="muted">"It may have been left, or it never existed."</p>
                    <A href=HOME>"Go home"</A>
                </section>
            }
            .into_any(),
            _ => view! { <p class="splash">"Loading…"</p> }.into_any(),
        }}
        {move || match dialog.get() {
            None => ().into_any(),
            Some(Dialog::Rename) => view! { <RenameDialog channel_id=channel_id.get_untracked().unwrap_or_default() on_close=close /> }.into_any(),
            Some(Dialog::Add) => view! {
                <PeoplePicker title="Add people" action="Add" max=9 error=error on_close=close on_done=add />
            }
            .into_any(),
            Some(Dialog::Leave) => view! {
                <ConfirmDialog
                    title="Leave conversation"
                    message="Leave this group? It disappears from your list; the others keep talking."
                    confirm_label="Leave"
                    on_confirm=leave
                    on_close=close
                />
            }
            .into_any(),
        }}
    }
}

#[component]
fn RenameDialog(channel_id: Uuid, on_close: Callback<()>) -> impl IntoView {
    let conversations = use_conversations();
    let name = RwSignal::new(
        conversations
            .get_untracked(channel_id)
            .map(|c| c.name)
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let request = UpdateChannelRequest {
            name: Some(name.get_untracked()),
            ..UpdateChannelRequest::default()
        };
        spawn_local(async move {
            match api::update_channel(channel_id, &request).await {
                Ok(channel) => {
                    conversations.upsert(channel);
                    on_close.run(());
                }
                Err(err) => errors.set(err.fields().clone()),
            }
        });
    };
    view! {
        <Modal title="Rename group" on_close=on_close>
            <form class="stack" on:submit=on_submit novalidate>
                <Field label="Group name" name="name" value=name errors=errors autofocus=true />
                <div class="modal-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary">"Save"</button>
                </div>
            </form>
        </Modal>
    }
}
