//! The root component: stores, routes and the sign-in guard.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::{NavigateOptions, path};

use crate::components::auth::login_page::LoginPage;
use crate::components::auth::register_page::RegisterPage;
use crate::components::chat::channel_pane::ChannelPane;
use crate::components::chat::server_index::ServerIndex;
use crate::components::conversations::conversation_pane::ConversationPane;
use crate::components::servers::discover_page::DiscoverPage;
use crate::components::servers::invite_page::InvitePage;
use crate::components::settings::settings_page::SettingsPage;
use crate::components::shell::home_pane::HomePane;
use crate::components::shell::signed_in::SignedIn;
use crate::stores::conversations::ConversationsStore;
use crate::stores::messages::MessagesStore;
use crate::stores::servers::ServersStore;
use crate::stores::session::SessionStore;
use crate::stores::theme::ThemeStore;

/// Where the app goes after signing in when no page asked for anything else.
pub const HOME: &str = "/channels/@me";

#[component]
pub fn App() -> impl IntoView {
    SessionStore::provide();
    ThemeStore::provide();
    ServersStore::provide();
    ConversationsStore::provide();
    MessagesStore::provide();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/register") view=RegisterPage />
                <ParentRoute path=path!("") view=SignedIn>
                    <Route path=path!("") view=|| view! { <Redirect path=HOME /> } />
                    <Route path=path!("channels/@me") view=HomePane />
                    <Route path=path!("channels/@me/:channel_id") view=ConversationPane />
                    <Route path=path!("channels/@me/:channel_id/:message_id") view=ConversationPane />
                    <Route path=path!("settings") view=SettingsPage />
                    <Route path=path!("discover") view=DiscoverPage />
                    <Route path=path!("invite/:code") view=InvitePage />
                    <Route path=path!("servers/:server_id") view=ServerIndex />
                    <Route path=path!("servers/:server_id/:channel_id") view=ChannelPane />
                    <Route path=path!("servers/:server_id/:channel_id/:message_id") view=ChannelPane />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Unknown addresses go home (or, signed out, to the login page that leads there).
#[component]
fn NotFound() -> impl IntoView {
    let navigate = use_navigate();
    Effect::new(move |_| {
        navigate(
            HOME,
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    });
    view! { <p class="splash">"Nothing here; going home…"</p> }
}

/// A `next` parameter is followed only if it leads to a page of this site, never another origin
/// (`//evil.example`, `https://...`, or `/\t/evil.example`, which browsers read as
/// `//evil.example` once they drop the tab), so links cannot bounce people elsewhere after
/// login. It is parsed the way the browser will parse it and compared by origin.
pub fn safe_next(next: Option<String>) -> String {
    let location = window().location();
    let Ok(origin) = location.origin() else {
        return HOME.to_owned();
    };
    next.filter(|path| path.starts_with('/'))
        .and_then(|path| web_sys::Url::new_with_base(&path, &origin).ok())
        .filter(|url| url.origin() == origin)
        .map(|url| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
        .unwrap_or_else(|| HOME.to_owned())
}

/// `/login?next=<path>`, for sending a signed-out visitor to the login page and back.
pub fn login_then(path: &str) -> String {
    if path == "/" || path == HOME || path.starts_with("/login") || path.starts_with("/register") {
        return "/login".to_owned();
    }
    format!(
        "/login?next={}",
        String::from(js_sys::encode_uri_component(path))
    )
}
