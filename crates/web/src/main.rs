//! The Parley web app: Leptos, rendered in the browser.

mod api;
mod app;
mod components;
mod focus;
mod format;
mod markdown;
mod stores;

fn main() {
    console_error_panic_hook::set_once();
    // The loading screen in index.html has done its job.
    if let Some(boot) = leptos::prelude::document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
