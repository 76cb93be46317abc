use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;
use wasm_bindgen::JsCast;

use crate::app::login_then;
use crate::components::servers::invite_page::InvitePage;
use crate::components::shell::server_rail::ServerRail;
use crate::components::shell::sidebar::Sidebar;
use crate::stores::session::{Session, use_session};

/// Whether the navigation drawer (rail and sidebar) is open on narrow screens.
#[derive(Debug, Clone, Copy)]
pub struct NavDrawer(pub RwSignal<bool>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Loading,
    SignedOut,
    SignedIn,
}

/// Guards every signed-in page: waits for the session, sends the signed-out to the login page
/// (and back here afterwards), and renders the shell around the page.
#[component]
pub fn SignedIn() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // Only a change of phase re-renders; a renamed user must not rebuild the whole shell.
    let phase = Memo::new(move |_| match session.state() {
        Session::Loading => Phase::Loading,
        Session::SignedOut => Phase::SignedOut,
        Session::SignedIn(_) => Phase::SignedIn,
    });
    move || match phase.get() {
        Phase::Loading => view! {
            <div class="splash" role="status" aria-live="polite">
                <span class="brand-mark">"P"</span>
                <p>"Loading Parley…"</p>
            </div>
        }
        .into_any(),
        // An invite shows where it leads before anyone signs in.
        Phase::SignedOut
            if location
                .pathname
                .with_untracked(|p| p.starts_with("/invite/")) =>
        {
            view! { <InvitePage /> }.into_any()
        }
        Phase::SignedOut => {
            let here = location.pathname.get_untracked() + &location.search.get_untracked();
            view! { <Redirect path=login_then(&here) /> }.into_any()
        }
        Phase::SignedIn => view! { <Shell /> }.into_any(),
    }
}

#[component]
fn Shell() -> impl IntoView {
    let drawer = NavDrawer(RwSignal::new(false));
    provide_context(drawer);
    // One realtime task for as long as someone is signed in.
    crate::stores::realtime::start();
    let location = use_location();
    // Following a link closes the drawer on phones.
    Effect::new(move |_| {
        location.pathname.track();
        drawer.0.set(false);
    });
    // Keyboard users skip the rail and sidebar: to the composer where there is one.
    let skip = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let target = document()
            .get_element_by_id("composer")
            .or_else(|| document().get_element_by_id("main"));
        if let Some(target) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = target.focus();
        }
    };
    view! {
        <a class="skip-link" href="#composer" on:click=skip>"Skip to the message box"</a>
        <div class="shell" class:nav-open=move || drawer.0.get()>
            <div class="nav-drawer" id="nav-drawer">
                <ServerRail />
                <Sidebar />
            </div>
            <div class="scrim" aria-hidden="true" on:click=move |_| drawer.0.set(false)></div>
            <main class="main-pane" id="main" tabindex="-1">
                <Outlet />
            </main>
        </div>
    }
}
