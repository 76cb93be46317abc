//! Who is signed in. Loaded once at start from `GET /auth/session`, then kept by login, logout and
//! any answer that says the session is gone.

use leptos::prelude::*;
use leptos::task::spawn_local;
use parley_shared::users::User;

use crate::api::{self, ApiError};

#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// Not known yet: the first `/users/@me` is in flight.
    Loading,
    SignedOut,
    SignedIn(User),
}

#[derive(Debug, Clone, Copy)]
pub struct SessionStore {
    state: RwSignal<Session>,
}

impl SessionStore {
    /// Creates the store, provides it to the tree below and asks the server who we are.
    pub fn provide() -> Self {
        let store = Self {
            state: RwSignal::new(Session::Loading),
        };
        provide_context(store);
        spawn_local(async move {
            match api::session().await {
                Ok(Some(user)) => store.signed_in(user),
                Ok(None) | Err(_) => store.signed_out(),
            }
        });
        store
    }

    pub fn state(&self) -> Session {
        self.state.get()
    }

    pub fn user(&self) -> Option<User> {
        self.state.with(|s| match s {
            Session::SignedIn(user) => Some(user.clone()),
            _ => None,
        })
    }

    pub fn user_id(&self) -> Option<uuid::Uuid> {
        self.state.with(|s| match s {
            Session::SignedIn(user) => Some(user.id),
            _ => None,
        })
    }

    pub fn signed_in(&self, user: User) {
        self.state.set(Session::SignedIn(user));
    }

    pub fn signed_out(&self) {
        self.state.set(Session::SignedOut);
    }

    /// Any API error that says the session is gone signs the app out (the router then shows the
    /// login page).
    pub fn observe(&self, error: &ApiError) {
        if error.is_unauthorized() {
            self.signed_out();
        }
    }
}

pub fn use_session() -> SessionStore {
    expect_context::<SessionStore>()
}
