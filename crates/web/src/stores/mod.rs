//! Reactive stores provided by context. Components read them; the code that talks to the server
//! (and, later, the realtime task) writes them.

pub mod conversations;
pub mod drafts;
pub mod messages;
pub mod realtime;
pub mod servers;
pub mod session;
pub mod theme;
