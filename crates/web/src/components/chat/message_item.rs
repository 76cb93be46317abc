use leptos::html::{Button, Textarea};
use leptos::prelude::*;
use std::rc::Rc;

use leptos::task::spawn_local;
use parley_shared::messages::{ReplyPreview, SendMessageRequest};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::chat::attachment_list::AttachmentList;
use crate::components::chat::chat_view::{ChatContext, use_chat};
use crate::components::chat::emoji_picker::EmojiPicker;
use crate::components::chat::message_content::MessageContent;
use crate::components::chat::reaction_bar::{ReactionBar, toggle};
use crate::components::common::avatar::Avatar;
use crate::components::common::confirm_dialog::ConfirmDialog;
use crate::components::common::icon::{Icon, IconName};
use crate::components::common::menu::Menu;
use crate::format;
use crate::stores::messages::{ChannelLog, Pending, use_messages};
use crate::stores::session::use_session;

/// How long a finger must rest on a message to open its menu.
const LONG_PRESS_MS: u64 = 500;

/// One message: its author and time (or, continuing a group, the time on hover), its content as
/// text (never HTML), and its actions: a toolbar on hover or focus, the same actions in a menu
/// opened by Enter, a right click or a long press, inline editing and deletion with
/// confirmation.
#[component]
pub fn MessageItem(
    id: Uuid,
    /// Where the message sits in the channel's log (its creation seq).
    seq: i64,
    compact: bool,
    /// The day this message starts, when it is the first of a new day.
    day: Option<String>,
) -> impl IntoView {
    let chat = use_chat();
    // The message as it is now: edits and deletes arrive here without rebuilding the row.
    let message = Memo::new(move |_| {
        chat.log
            .with(|l| l.at_seq(seq).filter(|m| m.id == id).cloned())
    });
    let Some(first) = message.get_untracked() else {
        return ().into_any();
    };
    let deleted = Memo::new(move |_| message.with(|m| m.as_ref().is_none_or(|m| m.deleted)));
    let author_id = first.author.id;
    let mine = Memo::new(move |_| chat.me.get() == Some(author_id));
    let can_edit = move || mine.get() && !deleted.get();
    let can_delete = move || (mine.get() || chat.can_moderate.get()) && !deleted.get();
    let editing = Memo::new(move |_| chat.editing.get() == Some(id));
    let menu_open = RwSignal::new(false);
    // Near the bottom of the window the menu opens upwards, so it is never cut off.
    let menu_above = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let more = NodeRef::<Button>::new();
    let row = NodeRef::<leptos::html::Div>::new();
    let created_at = first.created_at;
    let full_time = format::full(created_at);
    let menu_time = full_time.clone();
    let focus_row = move || {
        request_animation_frame(move || {
            if let Some(row) = row.get_untracked() {
                let _ = row.focus();
            }
        });
    };

    let start_reply = move || {
        menu_open.set(false);
        if let Some(m) = message.get_untracked() {
            chat.start_reply(&m);
        }
    };
    let highlighted = Memo::new(move |_| chat.highlight.get() == Some(id));
    // The names the server resolved, as the text spells them, and whether one of them is you.
    let mentioned = Memo::new(move |_| {
        message.with(|m| {
            let Some(m) = m else { return Vec::new() };
            let mut names: Vec<String> = chat.people.with(|people| {
                people
                    .iter()
                    .filter(|p| m.mentions.contains(&p.id))
                    .map(|p| p.username.clone())
                    .collect()
            });
            if m.mention_everyone {
                names.extend(["everyone".to_owned(), "here".to_owned()]);
            }
            for role in &m.mention_roles {
                names.push(format!("{}s", role.as_str()));
            }
            names
        })
    });
    let mentions_me = Memo::new(move |_| {
        let me = chat.me.get();
        let role = chat.my_role.get();
        message.with(|m| {
            m.as_ref().is_some_and(|m| {
                me.is_some_and(|me| m.mentions.contains(&me))
                    || m.mention_everyone
                    || role.is_some_and(|r| m.mention_roles.contains(&r))
            })
        })
    });
    let picking = RwSignal::new(false);
    let pinned = Memo::new(move |_| message.with(|m| m.as_ref().is_some_and(|m| m.pinned)));
    let toggle_pin = move || {
        menu_open.set(false);
        focus_row();
        let pin = !pinned.get_untracked();
        spawn_local(async move {
            if let Err(err) = api::set_pin(chat.channel_id, id, pin).await {
                error.set(Some(human(&err)));
            }
        });
    };
    let open_picker = move || {
        menu_open.set(false);
        picking.set(true);
    };
    let close_picker = Callback::new(move |()| {
        picking.set(false);
        focus_row();
    });
    let picked = Callback::new(move |emoji: String| {
        picking.set(false);
        focus_row();
        toggle(chat.channel_id, id, emoji, true, error);
    });
    let reply_to =
        Memo::new(move |_| message.with(|m| m.as_ref().and_then(|m| m.reply_to.clone())));
    let start_edit = move || {
        menu_open.set(false);
        error.set(None);
        if let Some(m) = message.get_untracked() {
            chat.start_edit(&m);
        }
    };
    let ask_delete = move || {
        // The confirmation gives focus back to the message, not to the menu that goes away.
        if let Some(row) = row.get_untracked() {
            let _ = row.focus();
        }
        menu_open.set(false);
        confirming.set(true);
    };
    let delete = Callback::new(move |()| {
        confirming.set(false);
        focus_row();
        let channel_id = chat.channel_id;
        spawn_local(async move {
            if let Err(err) = api::delete_message(channel_id, id).await {
                error.set(Some(human(&err)));
            }
        });
    });
    let copy = move || {
        menu_open.set(false);
        focus_row();
        let text = message.with_untracked(|m| m.as_ref().map(|m| m.content.clone()));
        let _ = window()
            .navigator()
            .clipboard()
            .write_text(&text.unwrap_or_default());
    };

    let copy_link = move || {
        menu_open.set(false);
        focus_row();
        let _ = window()
            .navigator()
            .clipboard()
            .write_text(&chat.link_to(id));
    };

    let open_menu = move || {
        if let Some(row) = row.get_untracked() {
            let bottom = row.get_bounding_client_rect().bottom();
            let height = window()
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(0.0);
            menu_above.set(bottom > height * 0.6);
        }
        menu_open.set(true);
    };

    // Enter on the focused row opens its menu; a right click or a long press too.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let on_row = row
            .get_untracked()
            .zip(ev.target())
            .is_some_and(|(row, target)| AsRef::<web_sys::EventTarget>::as_ref(&row) == &target);
        if on_row && (ev.key() == "Enter" || ev.key() == "ContextMenu") {
            ev.prevent_default();
            open_menu();
        }
    };
    let press = StoredValue::new_local(None::<TimeoutHandle>);
    let cancel_press = move || {
        if let Some(handle) = press.get_value() {
            handle.clear();
            press.set_value(None);
        }
    };
    let on_pointerdown = move |ev: leptos::ev::PointerEvent| {
        if ev.pointer_type() == "touch" && !editing.get_untracked() {
            cancel_press();
            let handle =
                set_timeout_with_handle(open_menu, std::time::Duration::from_millis(LONG_PRESS_MS));
            press.set_value(handle.ok());
        }
    };
    let on_contextmenu = move |ev: leptos::ev::MouseEvent| {
        if !editing.get_untracked() {
            ev.prevent_default();
            open_menu();
        }
    };

    let author = first.author.display_name.clone();
    let author_picture = first.author.avatar_url.clone();
    // Its own memo: a reaction changes the message but not its text, so nothing is re-parsed.
    let content = Memo::new(move |_| {
        message.with(|m| m.as_ref().map(|m| m.content.clone()).unwrap_or_default())
    });
    // Files change only when the message is deleted (they go); an edit leaves players alone.
    let files = Memo::new(move |_| {
        message.with(|m| {
            m.as_ref()
                .map(|m| m.attachments.clone())
                .unwrap_or_default()
        })
    });
    let edited = move || {
        message.with(|m| {
            m.as_ref()
                .is_some_and(|m| m.edited_at.is_some() && !m.deleted)
        })
    };
    view! {
        <li class="message-row">
            {day.map(|label| {
                let text = label.clone();
                view! {
                    <div class="day-divider" role="separator" aria-label=label><span aria-hidden="true">{text}</span></div>
                }
            })}
            <div
                class="message"
                class:compact=compact
                class:deleted=move || deleted.get()
                class:menu-open=move || menu_open.get()
                class:highlighted=move || highlighted.get()
                class:mentions-me=move || mentions_me.get()
                data-message-id=id.to_string()
                tabindex="-1"
                node_ref=row
                on:keydown=on_keydown
                on:pointerdown=on_pointerdown
                on:pointerup=move |_| cancel_press()
                on:pointercancel=move |_| cancel_press()
                on:pointermove=move |_| cancel_press()
                on:contextmenu=on_contextmenu
            >
                {if compact {
                    view! {
                        <time class="compact-time muted small" datetime=created_at.to_rfc3339() title=full_time.clone()>
                            {format::clock(created_at)}
                        </time>
                    }.into_any()
                } else {
                    view! { <Avatar name=author.clone() url=author_picture.clone() size=40 /> }.into_any()
                }}
                <div class="message-body">
                    {move || reply_to.get().map(|parent| view! { <ReplyPreviewLine parent=parent /> })}
                    {(!compact).then(|| view! {
                        <div class="message-meta">
                            <span class="message-author">{author.clone()}</span>
                            <Show when=move || pinned.get()>
                                <span class="pinned-mark muted small">"Pinned"</span>
                            </Show>
                            <time class="muted small" datetime=created_at.to_rfc3339() title=full_time.clone()>
                                {format::calendar(created_at)}
                            </time>
                        </div>
                    })}
                    <Show
                        when=move || editing.get()
                        fallback=move || view! {
                            <Show when=move || !content.with(String::is_empty) || deleted.get()>
                                <MessageContent content=content mentioned=mentioned />
                                <Show when=edited>
                                    <span class="edited muted small">" (edited)"</span>
                                </Show>
                            </Show>
                        }
                    >
                        <EditBox chat=chat error=error />
                    </Show>
                    {move || {
                        let files = files.get();
                        (!files.is_empty()).then(|| view! { <AttachmentList files=files /> })
                    }}
                    <ReactionBar id=id seq=seq error=error on_add=Callback::new(move |()| open_picker()) />
                    <p class="form-error-inline" role="alert">{move || error.get()}</p>
                    <Show when=move || picking.get()>
                        <EmojiPicker on_pick=picked on_close=close_picker />
                    </Show>
                </div>
                <Show when=move || !deleted.get()>
                    <div class="message-actions">
                        <button type="button" class="icon-button small" aria-label="Add reaction" title="Add reaction"
                            on:click=move |_| if picking.get_untracked() { picking.set(false) } else { open_picker() }><Icon name=IconName::Smile /></button>
                        <button type="button" class="icon-button small" aria-label="Reply" title="Reply"
                            on:click=move |_| start_reply()><Icon name=IconName::Reply /></button>
                        <Show when=can_edit>
                            <button type="button" class="icon-button small" aria-label="Edit message" title="Edit"
                                on:click=move |_| start_edit()><Icon name=IconName::Edit /></button>
                        </Show>
                        <Show when=can_delete>
                            <button type="button" class="icon-button small" aria-label="Delete message" title="Delete"
                                on:click=move |_| ask_delete()><Icon name=IconName::Trash /></button>
                        </Show>
                        <button type="button" class="icon-button small" aria-label="More actions" title="More"
                            aria-haspopup="menu" aria-expanded=move || menu_open.get().to_string()
                            node_ref=more on:click=move |_| if menu_open.get_untracked() { menu_open.set(false) } else { open_menu() }><Icon name=IconName::More /></button>
                    </div>
                </Show>
                <Show when=move || menu_open.get()>
                    <Menu label="Message actions" class=if menu_above.get_untracked() { "message-menu above" } else { "message-menu" }
                        trigger=more header=menu_time.clone()
                        on_close=Callback::new(move |()| menu_open.set(false))>
                        <Show when=can_edit>
                            <button type="button" role="menuitem" on:click=move |_| start_edit()>"Edit"</button>
                        </Show>
                        <button type="button" role="menuitem" on:click=move |_| start_reply()>"Reply"</button>
                        <button type="button" role="menuitem" on:click=move |_| open_picker()>"Add reaction"</button>
                        <Show when=move || chat.can_pin.get()>
                            <button type="button" role="menuitem" on:click=move |_| toggle_pin()>
                                {move || if pinned.get() { "Unpin message" } else { "Pin message" }}
                            </button>
                        </Show>
                        <button type="button" role="menuitem" on:click=move |_| copy()>"Copy text"</button>
                        <button type="button" role="menuitem" on:click=move |_| copy_link()>"Copy message link"</button>
                        <Show when=can_delete>
                            <button type="button" role="menuitem" class="danger-text"
                                on:click=move |_| ask_delete()>"Delete"</button>
                        </Show>
                    </Menu>
                </Show>
                <Show when=move || confirming.get()>
                    <ConfirmDialog
                        title="Delete message"
                        message="Delete this message? Everyone will see that it was deleted."
                        confirm_label="Delete"
                        on_confirm=delete
                        on_close=Callback::new(move |()| confirming.set(false))
                    />
                </Show>
            </div>
        </li>
    }
    .into_any()
}

/// What a reply shows above its content: who it answers and the start of what they said (or
/// that it was deleted). Clicking it jumps to the parent.
#[component]
fn ReplyPreviewLine(parent: ReplyPreview) -> impl IntoView {
    let chat = use_chat();
    let target = parent.id;
    let text = if parent.deleted {
        "Original message was deleted".to_owned()
    } else {
        parent.excerpt.clone()
    };
    let label = format!(
        "Jump to the message from {} this replies to",
        parent.author.display_name
    );
    view! {
        <button type="button" class="reply-preview" class:deleted=parent.deleted aria-label=label
            on:click=move |_| chat.jump_to(target)>
            <span class="reply-preview-author">{"@"}{parent.author.display_name.clone()}</span>
            <span class="reply-preview-text">{text}</span>
        </button>
    }
}

/// The open edit box: Enter saves, Shift+Enter starts a new line, Escape cancels. Its text lives
/// in the chat context, so it survives anything that re-renders the row.
#[component]
fn EditBox(chat: ChatContext, error: RwSignal<Option<String>>) -> impl IntoView {
    let session = use_session();
    let field = NodeRef::<Textarea>::new();
    field.on_load(|field| {
        let _ = field.focus();
        let end = field.value().encode_utf16().count() as u32;
        let _ = field.set_selection_range(end, end);
    });
    let save = move || {
        let Some(id) = chat.editing.get_untracked() else {
            return;
        };
        let content = chat.edit_draft.get_untracked();
        if content.trim().is_empty() {
            error.set(Some("A message cannot be empty; delete it instead.".into()));
            return;
        }
        spawn_local(async move {
            match api::edit_message(chat.channel_id, id, content).await {
                Ok(_) => {
                    error.set(None);
                    chat.stop_edit();
                }
                Err(err) => {
                    session.observe(&err);
                    error.set(Some(human(&err)));
                }
            }
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            error.set(None);
            chat.stop_edit();
        } else if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            save();
        }
    };
    view! {
        <div class="message-edit">
            <textarea aria-label="Edit message" node_ref=field bind:value=chat.edit_draft on:keydown=on_key rows="2"></textarea>
            <p class="muted small">
                "Escape to " <button type="button" class="link-button" on:click=move |_| chat.stop_edit()>"cancel"</button>
                " · Enter to " <button type="button" class="link-button" on:click=move |_| save()>"save"</button>
            </p>
        </div>
    }
}

/// What to tell someone whose action failed: a connection problem in plain words, otherwise the
/// server's own explanation.
pub fn human(err: &ApiError) -> String {
    if err.status == 0 {
        "Could not send — check your connection.".to_owned()
    } else {
        err.message().to_owned()
    }
}

/// A message on its way: shown at once under your name, replaced by the real one when it is
/// stored (matched by nonce), or marked failed with a retry.
#[component]
pub fn PendingItem(pending: Pending, compact: bool) -> impl IntoView {
    let chat = use_chat();
    let messages = use_messages();
    let session = use_session();
    let failed = pending.error.clone();
    let is_failed = failed.is_some();
    let name = session.user().map(|u| u.display_name).unwrap_or_default();
    let retry = {
        let pending = pending.clone();
        move |_| {
            let request = SendMessageRequest {
                content: pending.content.clone(),
                nonce: pending.nonce.clone(),
                reply_to: pending.reply_to,
                attachment_ids: pending.attachment_ids.clone(),
            };
            send(messages.log(chat.channel_id), chat.channel_id, request);
        }
    };
    view! {
        <li class="message-row">
            <div class="message pending" class:compact=compact class:failed=is_failed aria-busy=(!is_failed).to_string()>
                {(!compact).then(|| view! { <Avatar name=name.clone() size=40 /> })}
                <div class="message-body">
                    {(!compact).then(|| view! {
                        <div class="message-meta">
                            <span class="message-author">{name.clone()}</span>
                            <span class="muted small">{if is_failed { "Not sent" } else { "Sending…" }}</span>
                        </div>
                    })}
                    <p class="message-content">{pending.content.clone()}</p>
                    {(!pending.attachment_ids.is_empty()).then(|| view! {
                        <p class="muted small">{format::count(pending.attachment_ids.len(), "file", "files")}</p>
                    })}
                    {failed.map(|reason| view! {
                        <p class="form-error-inline" role="alert">
                            {reason} " "
                            <button type="button" class="link-button" on:click=retry>"Retry"</button>
                        </p>
                    })}
                </div>
            </div>
        </li>
    }
}

thread_local! {
    static SENDING: Rc<futures::lock::Mutex<()>> = Rc::new(futures::lock::Mutex::new(()));
}

/// Sends (or re-sends, with the same nonce, so it is never doubled) and reconciles the log.
pub fn send(log: ArcRwSignal<ChannelLog>, channel_id: Uuid, request: SendMessageRequest) {
    log.update(
        |l| match l.pending.iter_mut().find(|p| p.nonce == request.nonce) {
            Some(p) => p.error = None,
            None => l.pending.push(Pending {
                nonce: request.nonce.clone(),
                content: request.content.clone(),
                reply_to: request.reply_to,
                attachment_ids: request.attachment_ids.clone(),
                error: None,
            }),
        },
    );
    // One send at a time, in the order they were made: two sends in flight at once could be
    // stored the other way round.
    let turn = SENDING.with(Rc::clone);
    spawn_local(async move {
        let _turn = turn.lock().await;
        match api::send_message(channel_id, &request).await {
            Ok(message) => log.update(|l| l.upsert(message)),
            Err(err) => log.update(|l| {
                if let Some(p) = l.pending.iter_mut().find(|p| p.nonce == request.nonce) {
                    p.error = Some(human(&err));
                }
            }),
        }
    });
}
