//! Realtime delivery. The store publishes an [`Envelope`] on the [`bus::EventBus`] after each
//! commit; every instance's [`hub::Hub`] receives it and hands it to its own sockets that may see
//! it; [`gateway`] runs one socket.

pub mod bus;
pub mod frame;
pub mod gateway;
pub mod hub;
pub mod limits;

use parley_shared::events::ServerEvent;
use uuid::Uuid;

/// Who may receive an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every member of the server (its channels are open to all members).
    Server(Uuid),
    /// These users only (a server they just joined, a direct conversation).
    Users(Vec<Uuid>),
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub audience: Audience,
    pub event: ServerEvent,
}
