use leptos::prelude::*;
use parley_shared::messages::Attachment;

use crate::components::chat::image_viewer::ImageViewer;
use crate::components::common::icon::{Icon, IconName};
use crate::format;

/// Longest side a picture takes in the list; the thumbnail is at most 400 px.
const SHOWN_SIDE: u32 = 320;

/// A message's files: pictures inline (several in a grid; a click opens the viewer), video and
/// audio in the browser's players, anything else as a card with its name, size and a download
/// button. Sizes are known before the pictures load, so nothing jumps.
#[component]
pub fn AttachmentList(files: Vec<Attachment>) -> impl IntoView {
    let viewing = RwSignal::new(None::<Attachment>);
    let (pictures, others): (Vec<Attachment>, Vec<Attachment>) =
        files.into_iter().partition(Attachment::is_image);
    let several = pictures.len() > 1;
    view! {
        <div class="attachments">
            {(!pictures.is_empty()).then(|| view! {
                <div class="attachment-pictures" class:grid=several>
                    {pictures.into_iter().map(|file| picture(file, viewing, several)).collect_view()}
                </div>
            })}
            {others.into_iter().map(other).collect_view()}
            {move || viewing.get().map(|file| view! {
                <ImageViewer file=file on_close=Callback::new(move |()| viewing.set(None)) />
            })}
        </div>
    }
}

fn picture(
    file: Attachment,
    viewing: RwSignal<Option<Attachment>>,
    several: bool,
) -> impl IntoView {
    let (width, height) = shown_size(&file, if several { 200 } else { SHOWN_SIDE });
    let style = file
        .placeholder
        .as_ref()
        .map(|p| format!("background-image: url({p})"))
        .unwrap_or_default();
    let label = format!("Open {}", file.filename);
    let thumbnail = file
        .thumbnail_url
        .clone()
        .unwrap_or_else(|| file.url.clone());
    let alt = file.filename.clone();
    view! {
        <button type="button" class="attachment-picture" aria-label=label
            on:click=move |_| viewing.set(Some(file.clone()))>
            <img src=thumbnail alt=alt width=width height=height loading="lazy" style=style />
        </button>
    }
}

/// The picture's size in the list: its own, shrunk to fit `side`.
fn shown_size(file: &Attachment, side: u32) -> (u32, u32) {
    let (w, h) = (
        file.width.unwrap_or(side).max(1),
        file.height.unwrap_or(side).max(1),
    );
    let scale = (f64::from(side) / f64::from(w.max(h))).min(1.0);
    (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    )
}

fn other(file: Attachment) -> AnyView {
    if file.is_video() {
        return view! {
            <video class="attachment-video" controls preload="metadata" src=file.url.clone()
                aria-label=file.filename.clone()></video>
        }
        .into_any();
    }
    if file.is_audio() {
        return view! {
            <div class="attachment-audio">
                <span class="small">{file.filename.clone()}</span>
                <audio controls preload="metadata" src=file.url.clone() aria-label=file.filename.clone()></audio>
            </div>
        }
        .into_any();
    }
    let download = format!("Download {}", file.filename);
    view! {
        <div class="attachment-card">
            <Icon name=IconName::File />
            <div class="attachment-card-text">
                <a class="attachment-name" href=file.url.clone() target="_blank" rel="noopener">{file.filename.clone()}</a>
                <span class="muted small">{format::bytes(file.size)}</span>
            </div>
            <a class="icon-button" href=file.url.clone() download=file.filename.clone()
                aria-label=download.clone() title=download>
                <Icon name=IconName::Download />
            </a>
        </div>
    }
    .into_any()
}
