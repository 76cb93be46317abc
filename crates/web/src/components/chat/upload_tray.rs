use std::cell::Cell;

use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::messages::{ATTACHMENTS_MAX, Attachment, CreateUploadRequest};
use uuid::Uuid;

use crate::api::{self, FileTransfer};
use crate::components::chat::chat_view::ChatContext;
use crate::components::chat::message_item::human;
use crate::components::common::icon::{Icon, IconName};
use crate::format;

/// Where one file of the message being written stands.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadState {
    Uploading,
    Done(Attachment),
    Failed(String),
}

/// A file picked, dropped or pasted into the composer: uploaded at once, sent with the message.
#[derive(Clone)]
pub struct UploadItem {
    pub key: u64,
    pub filename: String,
    pub size: u64,
    /// 0 to 1.
    pub progress: RwSignal<f64>,
    pub state: RwSignal<UploadState>,
    slot: StoredValue<Option<Uuid>>,
    transfer: StoredValue<Option<FileTransfer>, LocalStorage>,
}

impl UploadItem {
    /// Stops the transfer and deletes what reached the server.
    fn cancel(&self) {
        if let Some(transfer) = self.transfer.try_update_value(Option::take).flatten() {
            transfer.abort();
        }
        if let Some(id) = self.slot.try_get_value().flatten() {
            spawn_local(async move {
                let _ = api::cancel_upload(id).await;
            });
        }
    }
}

thread_local! {
    static NEXT_KEY: Cell<u64> = const { Cell::new(1) };
}

/// Starts uploading `files` into the open channel (the "+" button, a drop, a paste).
pub fn start_uploads(chat: ChatContext, files: Vec<web_sys::File>) {
    for file in files {
        let room = chat.uploads.with_untracked(Vec::len) < ATTACHMENTS_MAX;
        let key = NEXT_KEY.with(|k| {
            let key = k.get();
            k.set(key + 1);
            key
        });
        let item = UploadItem {
            key,
            filename: file.name(),
            size: file.size() as u64,
            progress: RwSignal::new(0.0),
            state: RwSignal::new(UploadState::Uploading),
            slot: StoredValue::new(None),
            transfer: StoredValue::new_local(None),
        };
        chat.uploads.update(|list| list.push(item.clone()));
        if !room {
            item.state.set(UploadState::Failed(format!(
                "A message can carry at most {ATTACHMENTS_MAX} files."
            )));
            continue;
        }
        let channel_id = chat.channel_id;
        spawn_local(async move {
            let outcome = upload(channel_id, &file, &item).await;
            // Cancelled meanwhile: nothing to show.
            if !chat
                .uploads
                .with_untracked(|list| list.iter().any(|i| i.key == item.key))
            {
                return;
            }
            item.state.set(match outcome {
                Ok(attachment) => UploadState::Done(attachment),
                Err(reason) => UploadState::Failed(reason),
            });
        });
    }
}

async fn upload(
    channel_id: Uuid,
    file: &web_sys::File,
    item: &UploadItem,
) -> Result<Attachment, String> {
    let declared = file.type_();
    let request = CreateUploadRequest {
        filename: item.filename.clone(),
        size: item.size,
        content_type: (!declared.is_empty()).then_some(declared),
    };
    if item.size == 0 {
        return Err("This file is empty.".into());
    }
    let slot = api::create_upload(channel_id, &request)
        .await
        .map_err(|e| human(&e))?;
    item.slot.set_value(Some(slot.id));
    let progress = item.progress;
    let (transfer, outcome) = FileTransfer::start(&slot.upload_url, file, move |p| progress.set(p))
        .map_err(|e| human(&e))?;
    item.transfer.set_value(Some(transfer));
    let stored = outcome.await.map_err(|e| human(&e));
    item.transfer.set_value(None);
    stored
}

/// Removes an upload from the message being written (cancelling it if it is under way).
pub fn remove_upload(chat: ChatContext, key: u64) {
    let removed = chat.uploads.try_update(|list| {
        let at = list.iter().position(|i| i.key == key)?;
        Some(list.remove(at))
    });
    if let Some(Some(item)) = removed {
        item.cancel();
    }
}

/// The files going with the message being written: each with its progress while it uploads, a
/// way to remove or cancel it, and the reason when the server refused it.
#[component]
pub fn UploadTray(chat: ChatContext) -> impl IntoView {
    view! {
        <Show when=move || chat.uploads.with(|l| !l.is_empty())>
            <ul class="upload-tray" aria-label="Files to send">
                <For each=move || chat.uploads.get() key=|item| item.key let:item>
                    {
                        let key = item.key;
                        let state = item.state;
                        let progress = item.progress;
                        let name = item.filename.clone();
                        let label = format!("Remove {}", item.filename);
                        view! {
                            <li class="upload-item"
                                class:failed=move || matches!(state.get(), UploadState::Failed(_))>
                                <span class="upload-name" title=name.clone()>{name.clone()}</span>
                                <span class="muted small">{format::bytes(item.size)}</span>
                                {move || match state.get() {
                                    UploadState::Uploading => view! {
                                        <progress class="upload-progress" max="1" value=move || progress.get()
                                            aria-label=format!("Uploading {name}")></progress>
                                    }.into_any(),
                                    UploadState::Done(_) => view! {
                                        <span class="upload-done small">"Ready"</span>
                                    }.into_any(),
                                    UploadState::Failed(reason) => view! {
                                        <span class="form-error-inline small" role="alert">{reason}</span>
                                    }.into_any(),
                                }}
                                <button type="button" class="icon-button small" aria-label=label.clone() title=label
                                    on:click=move |_| remove_upload(chat, key)>
                                    <Icon name=IconName::Close />
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}
