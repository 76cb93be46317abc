//! Reactive stores provided by context. Components read them; the code that talks to the server
//! (and, later, the realtime task) writes them.

pub mod session;
pub mod theme;
