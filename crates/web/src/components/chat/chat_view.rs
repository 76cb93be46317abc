use leptos::html::Textarea;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use parley_shared::messages::{Message, ReplyPreview};
use parley_shared::servers::Role;
use parley_shared::users::User;
use uuid::Uuid;

use crate::components::chat::composer::Composer;
use crate::components::chat::message_list::MessageList;
use crate::components::chat::pins_panel::PinsButton;
use crate::components::chat::upload_tray::{UploadItem, start_uploads};
use crate::focus;
use crate::stores::conversations::use_conversations;
use crate::stores::messages::{ChannelLog, use_messages};
use crate::stores::servers::use_servers;
use crate::stores::session::use_session;

/// What the parts of one open channel share: which message is being edited (one at a time, its
/// text kept here so nothing that re-renders a row can lose it), the composer to give focus back
/// to, and what the reader may do.
#[derive(Clone, Copy)]
pub struct ChatContext {
    pub channel_id: Uuid,
    pub server_id: Option<Uuid>,
    /// The channel's messages (kept by the messages store; this is a handle to it).
    pub log: RwSignal<ChannelLog>,
    pub editing: RwSignal<Option<Uuid>>,
    pub edit_draft: RwSignal<String>,
    pub composer: NodeRef<Textarea>,
    /// Moderators and admins may delete anyone's message in their server.
    pub can_moderate: Memo<bool>,
    /// Moderators and admins pin in a server's channels; anyone in a conversation.
    pub can_pin: Memo<bool>,
    /// Your role in the channel's server (none in a conversation).
    pub my_role: Memo<Option<Role>>,
    /// Who can be mentioned here: the server's members or the conversation's people.
    pub people: Memo<Vec<User>>,
    pub me: Memo<Option<Uuid>>,
    /// Asks the message list to scroll to the newest message (after sending, say).
    pub present: Trigger,
    /// The message the composer's next message answers.
    pub replying: RwSignal<Option<ReplyPreview>>,
    /// Asks the message list to bring a message into view (loading it if need be).
    pub jump: RwSignal<Option<Uuid>>,
    /// The message just jumped to, highlighted for a moment.
    pub highlight: RwSignal<Option<Uuid>>,
    /// Files going with the next message, uploading or uploaded.
    pub uploads: RwSignal<Vec<UploadItem>>,
    /// Files are being dragged over the channel.
    pub dragging: RwSignal<bool>,
}

impl ChatContext {
    pub fn start_edit(&self, message: &Message) {
        self.edit_draft.set(message.content.clone());
        self.editing.set(Some(message.id));
    }

    /// Closes the edit box and gives focus back to the composer.
    pub fn stop_edit(&self) {
        self.editing.set(None);
        self.focus_composer();
    }

    pub fn focus_composer(&self) {
        if let Some(composer) = self.composer.get_untracked() {
            let _ = composer.focus();
        }
    }

    pub fn jump_to_present(&self) {
        self.present.notify();
    }

    /// Makes the composer's next message a reply to `message`, and puts the cursor there.
    pub fn start_reply(&self, message: &Message) {
        self.replying.set(Some(ReplyPreview::of(message)));
        self.focus_composer();
    }

    /// Scrolls to a message of this channel and highlights it, loading its page if need be.
    pub fn jump_to(&self, message_id: Uuid) {
        self.jump.set(Some(message_id));
    }

    /// The address that opens this channel at a message.
    pub fn link_to(&self, message_id: Uuid) -> String {
        let origin = window().location().origin().unwrap_or_default();
        match self.server_id {
            Some(server) => format!("{origin}/servers/{server}/{}/{message_id}", self.channel_id),
            None => format!("{origin}/channels/@me/{}/{message_id}", self.channel_id),
        }
    }
}

pub fn use_chat() -> ChatContext {
    expect_context::<ChatContext>()
}

/// A channel's or conversation's messages and composer. Built once per channel: nothing about
/// the channel that changes with its messages is read here, so new messages only add rows.
#[component]
pub fn ChatView(
    channel_id: Uuid,
    server_id: Option<Uuid>,
    /// What the composer says, e.g. "Message #general".
    #[prop(into)]
    label: Signal<String>,
    /// Shown above the first message once the beginning of the history is reached.
    #[prop(optional, into)]
    intro: Option<ViewFn>,
) -> impl IntoView {
    let servers = use_servers();
    let conversations = use_conversations();
    let session = use_session();
    if let Some(id) = server_id {
        servers.ensure_members(id);
    }
    let context = ChatContext {
        channel_id,
        server_id,
        log: use_messages().log(channel_id).into(),
        editing: RwSignal::new(None),
        edit_draft: RwSignal::new(String::new()),
        composer: NodeRef::new(),
        can_moderate: Memo::new(move |_| {
            server_id
                .and_then(|id| servers.my_role(id))
                .is_some_and(|role| role >= Role::Moderator)
        }),
        my_role: Memo::new(move |_| server_id.and_then(|id| servers.my_role(id))),
        can_pin: Memo::new(move |_| {
            server_id.is_none_or(|id| servers.my_role(id).is_some_and(|r| r >= Role::Moderator))
        }),
        people: Memo::new(move |_| match server_id {
            Some(id) => servers
                .members(id)
                .map(|members| members.into_iter().map(|m| m.user).collect())
                .unwrap_or_default(),
            None => conversations.recipients(channel_id),
        }),
        me: Memo::new(move |_| session.user_id()),
        present: Trigger::new(),
        replying: RwSignal::new(None),
        jump: RwSignal::new(None),
        highlight: RwSignal::new(None),
        uploads: RwSignal::new(Vec::new()),
        dragging: RwSignal::new(false),
    };
    provide_context(context);
    // A message link (`.../{channel}/{message}`) opens the channel at that message.
    let params = use_params_map();
    Effect::new(move |_| {
        let target = params.with(|p| p.get("message_id").and_then(|m| Uuid::parse_str(&m).ok()));
        if let Some(message_id) = target {
            context.jump_to(message_id);
        }
    });
    // Opening a channel on a desktop puts the cursor in its composer.
    context.composer.on_load(move |composer| {
        if focus::is_desktop() {
            let _ = composer.focus();
        }
    });
    // Files dropped anywhere on the channel go with the next message.
    let carries_files = |ev: &leptos::ev::DragEvent| {
        ev.data_transfer()
            .is_some_and(|dt| dt.types().includes(&"Files".into(), 0))
    };
    let on_dragover = move |ev: leptos::ev::DragEvent| {
        if carries_files(&ev) {
            ev.prevent_default();
            context.dragging.set(true);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        context.dragging.set(false);
        let files = ev.data_transfer().and_then(|dt| dt.files()).map(file_list);
        if let Some(files) = files.filter(|f| !f.is_empty()) {
            ev.prevent_default();
            start_uploads(context, files);
            context.focus_composer();
        }
    };
    view! {
        <PinsButton />
        <div class="chat-drop-zone"
            on:dragover=on_dragover
            on:dragleave=move |_| context.dragging.set(false)
            on:drop=on_drop>
            <MessageList intro=intro />
            <Composer label=label />
        </div>
    }
}

/// The files of a `FileList` (a drop, a paste, a file picker).
pub fn file_list(list: web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
