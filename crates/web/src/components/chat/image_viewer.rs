use leptos::prelude::*;
use parley_shared::messages::Attachment;

use crate::components::common::icon::{Icon, IconName};
use crate::components::common::modal::Modal;

/// A picture at full size over the page, with a download link. Escape, the close button or a
/// click outside closes it.
#[component]
pub fn ImageViewer(file: Attachment, on_close: Callback<()>) -> impl IntoView {
    let download = format!("Download {}", file.filename);
    view! {
        <Modal title=file.filename.clone() on_close=on_close>
            <div class="image-viewer">
                <img src=file.url.clone() alt=file.filename.clone()
                    width=file.width.unwrap_or_default() height=file.height.unwrap_or_default() />
                <a class="button" href=file.url.clone() download=file.filename.clone() aria-label=download>
                    <Icon name=IconName::Download /> " Download"
                </a>
            </div>
        </Modal>
    }
}
