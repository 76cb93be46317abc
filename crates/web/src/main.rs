//! The Parley web app: Leptos, rendered in the browser.

mod api;
mod app;
mod components;
mod stores;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
